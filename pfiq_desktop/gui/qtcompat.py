"""Work around a reference-count bug in PySide6 6.12.0 on CPython < 3.12.

`SignalInstance.emit()` returns `True` without taking a reference, so every
signal emitted from Python (pyqtgraph emits several per mouse move) steals
one reference to `True`; calls into Python `__init__` of mixin bases (as in
pyqtgraph's graphics items) likewise steal references to `None`. On CPython 3.12+ `True` is immortal and nothing
happens; on 3.11 the interpreter aborts ("bool_dealloc: deallocating True or
False") after enough emits, at the latest at exit. The guard measures the
defect and, only when it is present, gives `True`, `False` and `None` a huge
surplus of references, which is what CPython 3.12 does for them anyway. The real fix
is PySide6 != 6.12.0 or Python >= 3.12.
"""

from __future__ import annotations

import ctypes
import sys

_SURPLUS = 1 << 40
_applied = False


def emit_steals_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -32


def apply() -> bool:
    """Install the guard when needed; returns True when it was installed (idempotent)."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_steals_true():
        return False
    for value in (True, False, None):
        ctypes.c_ssize_t.from_address(id(value)).value += _SURPLUS
    _applied = True
    return True


apply()
