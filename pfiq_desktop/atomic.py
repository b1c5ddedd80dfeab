"""Atomic file writing: a temp file in the target folder, then rename, so a crash,
a full disk or an unwritable folder never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _read_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()


class OutputError(OSError):
    """An output could not be written; the message names the file and the cause."""


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; it replaces `target` only if the block succeeds."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(handle)
        os.chmod(temp_name, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are shared case files
    except OSError as error:
        raise OutputError(f"Cannot write {target}: {error.strerror or error}") from error
    temp = Path(temp_name)
    try:
        yield temp
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(f"Cannot write {target}: {error.strerror or error}") from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def write_text_atomic(target: str | Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))
