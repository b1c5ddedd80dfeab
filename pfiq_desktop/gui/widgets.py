"""Small typed helpers for building widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

_Q = TypeVar("_Q", bound=QObject)


def named(obj: _Q, name: str) -> _Q:
    """`obj` with its object name set (tests and accessibility tools find widgets by it).

    Qt takes `objectName=` in any constructor, but PySide6's stubs list only each class's own properties,
    so that keyword fails type checking; this keeps construction on one typed line.
    """
    obj.setObjectName(name)
    return obj
