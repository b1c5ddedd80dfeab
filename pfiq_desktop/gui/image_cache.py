"""The photos on screen, decoded as the engine sees them, kept for quick browsing back and forth.

Small photos decode on the GUI thread in a few ms; large ones load in a
background thread and `loaded` announces them, so opening a 30 MB scan never
freezes the window. "Small" is judged by bytes *and* by the pixels the header
claims: a 240 KB PNG can hold 60 megapixels. A photo is remembered with its file's
stamp (`file_stamp`): a new photo saved under a name shown minutes before (a retake,
another applicant's stick at the same mount point) is read again, not drawn as the old
one under the new one's checks (counter walk-through).
"""

from __future__ import annotations

import logging
import os
import stat
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.engine.imageio import ImageLoadError, load_image

log = logging.getLogger(__name__)

CAPACITY = 6
SYNC_LOAD_BYTES = 1_500_000  # smaller files decode in a few ms; larger ones load off the GUI thread
SYNC_LOAD_PIXELS = 12_000_000  # ... unless their header claims more pixels than this
Loaded = tuple[np.ndarray | None, str]  # RGB image or None, and the error text when None
Stamp = tuple[int, int, int, int] | None  # a file's device, inode, size and modification time (ns); None: not found


def file_stamp(path: str) -> Stamp:
    """What changes when another photo takes the file's place: a copy over it, a new stick at the same mount point."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def load_display_image(path: str) -> Loaded:
    """RGB uint8 exactly as the engine sees it (EXIF orientation applied), or an error text."""
    try:
        return load_image(path), ""
    except ImageLoadError as error:
        return None, str(error)
    except OSError as error:  # vanished or unreadable between listing and showing
        log.warning("cannot display %s", path, exc_info=True)
        return None, f"Cannot read {display_name(Path(path).name)}: {error.strerror or error}"


def quick_to_decode(path: str) -> bool:
    """Small in bytes and in pixels, so decoding it on the GUI thread takes a few ms.

    A file that cannot even be probed counts as quick: the loader then reports
    its problem at once.
    """
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            return True  # never opened here (a pipe would block the window); the loader refuses it
        if status.st_size > SYNC_LOAD_BYTES:
            return False
        with Image.open(path) as image:  # reads the header only
            return image.width * image.height <= SYNC_LOAD_PIXELS
    except Exception:  # any header Pillow cannot parse: the loader says what is wrong
        log.debug("cannot probe %s; loading it now", path, exc_info=True)
        return True


class _Signals(QObject):
    done = Signal(object, object, object, str)  # path (object: undecodable bytes survive), stamp, RGB array or None, error


class _LoadJob(QRunnable):
    def __init__(self, path: str, signals: _Signals) -> None:
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        stamp = file_stamp(self.path)  # before reading: a file replaced meanwhile reads as changed, never as this one
        image, error = load_display_image(self.path)
        self.signals.done.emit(self.path, stamp, image, error)


class ImageCache(QObject):
    """The last few decoded photos; `get` answers now or starts a background load."""

    loaded = Signal(object)  # path (a str) now available from `get`

    def __init__(self, parent: QObject | None = None, capacity: int = CAPACITY) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._images: OrderedDict[str, tuple[Stamp, Loaded]] = OrderedDict()
        self._loading: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)

    def get(self, path: str) -> Loaded | None:
        """(image, error) now when cached and unchanged on disk, or small; None while a large photo loads in the
        background."""
        stamp = file_stamp(path)
        kept = self._images.get(path)
        if kept is not None and kept[0] == stamp and stamp is not None:
            self._images.move_to_end(path)
            return kept[1]
        self._images.pop(path, None)
        if quick_to_decode(path):
            loaded = load_display_image(path)
            self._remember(path, stamp, loaded)
            return loaded
        if path not in self._loading:
            self._loading.add(path)
            self._pool.start(_LoadJob(path, self._signals))
        return None

    def wait(self, ms: int = 3000) -> bool:
        return self._pool.waitForDone(ms)

    def _remember(self, path: str, stamp: Stamp, loaded: Loaded) -> None:
        self._images[path] = (stamp, loaded)
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)

    def _on_done(self, path: str, stamp: Stamp, image: np.ndarray | None, error: str) -> None:
        self._loading.discard(path)
        self._remember(path, stamp, (image, error))
        self.loaded.emit(path)
