"""Atomic file writing: bytes go to a temp file in the target folder, are flushed to
the disk (fsync), then renamed over the target. A crash, a kill -9, a full disk or
an unwritable folder never leaves a half-written file under the final name.

Temp files are named `.NAME.PID-XXXXXXXX.part`. A run that was killed leaves its
temp file behind; the next write into that folder removes the ones whose writer is
gone (`clean_stale_temp_files`).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

# ".report.pdf.1234-ab_c9xyz.part"; files of earlier versions have no "PID-"
_TEMP_NAME = re.compile(r"^\..+\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.part$")
STALE_AFTER_S = 3600.0  # a temp file whose writer cannot be asked is left alone this long


def _read_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()
_cleaned: set[str] = set()  # folders already cleaned by this process
_cleaned_lock = threading.Lock()


class OutputError(OSError):
    """An output could not be written; the message names the file and the cause. `written`: the outputs of the
    same run finished before it, kept whole (filled in by the run that wrote them)."""

    written: Sequence[Path] = ()


def _cannot_write(target: Path, error: OSError) -> OutputError:
    return OutputError(f"Cannot write {target}: {error.strerror or error}")


def ensure_folder(folder: str | Path) -> Path:
    """`folder` created with its parents for outputs; OutputError saying what is in the way (a file where a folder
    should be) or why it cannot be made, rather than the errno of the first file written into it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise OutputError(f"Cannot use {folder} as the output folder: {blocker} is a file, not a folder") from error
        raise OutputError(f"Cannot create the output folder {folder}: {error.strerror or error}") from error
    return folder


@contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """A temp file beside `target` for the block to write (by name, as Parquet writers need); after the block it
    is flushed to the disk and renamed over `target`, all or nothing. OutputError (naming the file) on failure."""
    target = Path(target)
    ensure_folder(target.parent)
    try:
        clean_stale_temp_files(target.parent, once=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".part", dir=target.parent)
        os.close(handle)
        os.chmod(temp_name, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are shared case files
    except OSError as error:
        raise _cannot_write(target, error) from error
    temp = Path(temp_name)
    try:
        yield temp
        _fsync_file(temp)  # the bytes are on the disk before the name points at them
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise _cannot_write(target, error) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write `data` to `target` all or nothing; OutputError (naming the file) when it cannot be done."""
    with atomic_file(target) as temp:
        handle = os.open(temp, os.O_WRONLY | os.O_TRUNC)
        try:
            _write_all(handle, data)
        finally:
            os.close(handle)


def _fsync_file(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


DAMAGED_SUFFIX = ".damaged"


def set_aside(path: Path) -> Path:
    """Keep a damaged file of the data folder as '<name>.damaged' (an older one there is replaced), so that what
    replaces it never destroys it; raises OSError where it cannot be moved."""
    aside = path.with_name(path.name + DAMAGED_SUFFIX)
    os.replace(path, aside)
    return aside


def write_text_atomic(target: str | Path, text: str) -> None:
    """UTF-8 text, written as `write_bytes_atomic` does."""
    write_bytes_atomic(target, text.encode("utf-8"))


def _write_all(handle: int, data: bytes) -> None:
    """os.write may write less than asked (e.g. just before the disk is full): loop until done or an error."""
    view = memoryview(data)
    while view:
        written = os.write(handle, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a folder that cannot be opened for this is no error."""
    if sys.platform.startswith("win"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        log.debug("cannot open %s to flush the rename", folder, exc_info=True)
        return
    try:
        os.fsync(handle)
    except OSError:
        log.debug("cannot flush the folder %s", folder, exc_info=True)
    finally:
        os.close(handle)


def _writer_alive(pid: int) -> bool:
    """Whether process `pid` still runs on this computer (assumed alive where this cannot be asked)."""
    if sys.platform.startswith("win"):
        return True  # os.kill(pid, 0) would send Ctrl+C there; the age rule decides instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


def is_stale_temp_file(path: Path, now: float | None = None) -> bool:
    """A temp file of our own naming whose writer is gone (or that is older than STALE_AFTER_S)."""
    match = _TEMP_NAME.match(path.name)
    if match is None:
        return False
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except OSError:
        return False
    pid = match.group("pid")
    if pid is not None and int(pid) != os.getpid() and not _writer_alive(int(pid)):
        return True
    return age > STALE_AFTER_S


def clean_stale_temp_files(folder: str | Path, once: bool = False) -> list[Path]:
    """Remove the temp files an interrupted run left in `folder`; returns them.

    With `once`, a folder is cleaned only the first time this process writes into it.
    A file that cannot be removed is logged and left.
    """
    folder = Path(folder)
    if once:
        with _cleaned_lock:
            key = os.path.realpath(folder)
            if key in _cleaned:
                return []
            _cleaned.add(key)
    removed = []
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".part")]
    except OSError:
        log.warning("cannot list %s to remove interrupted temp files", folder, exc_info=True)
        return []
    for entry in entries:
        path = Path(entry.path)
        if not entry.is_file(follow_symlinks=False) or not is_stale_temp_file(path):
            continue
        try:
            path.unlink()
        except OSError:
            log.warning("cannot remove the interrupted temp file %s", path, exc_info=True)
            continue
        log.info("removed %s, left by an interrupted run", path)
        removed.append(path)
    return removed
