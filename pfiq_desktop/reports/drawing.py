"""The drawing tools every report shares: the Qt application fonts need, fonts, the window's verdict words and
colours, numpy <-> QImage, the grey placeholder tile and the atomic image writer.

Kept apart from the figures (figures.py): the page printer (paged.py) and the comparison's picture and PDF
(comparison_figure.py, comparison_pdf.py) need these tools and none of the figures. QPainter on a QImage is
allowed in any thread, so exports can run in a worker.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter, QRawFont

from pfiq_desktop.atomic import OutputError, write_bytes_atomic
from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.palette import RESULT_ORDER, STATUS_LABELS, status_counts, status_hex

FONT_FAMILY = "DejaVu Sans"
MONO_FONT_FAMILY = "DejaVu Sans Mono"  # hashes, where each character must be read apart
# a line that names a photo, drawn left to right whatever the name's script: an Arabic name first made the whole line
# right-to-left ("jpg.محمد العلي", a footer's date before its name); the name itself still reads right to left
ONE_LEFT_TO_RIGHT_LINE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextForceLeftToRight
NO_PHOTO_RGB = (235, 235, 235)


def ensure_qt() -> None:
    """A QGuiApplication must exist before fonts are used; create an offscreen one if needed."""
    if QGuiApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    global _APP  # keep it alive for the life of the process
    _APP = QGuiApplication(sys.argv[:1] or ["pfiq"])


_APP = None


def verdict_text(verdict: str | Verdict) -> str:
    """The window's word for a verdict ('Warning', 'Not assessable'): a report says what the screen said."""
    value = verdict.value if isinstance(verdict, Verdict) else str(verdict)
    return STATUS_LABELS.get(value, value.capitalize())


def verdict_counts_text(counts: Mapping[str, int]) -> str:
    """'2 fail, 3 not assessable, 30 pass': a photo's checks counted in the window's words, worst first."""
    return status_counts(counts, reversed(RESULT_ORDER)) or "none run"


def verdict_hex(verdict: str | Verdict) -> str:
    """The window's colour for a verdict (the palette's), so a report is coloured as the screen was."""
    return status_hex(verdict.value if isinstance(verdict, Verdict) else str(verdict))


def qcolor(verdict: str | Verdict) -> QColor:
    """`verdict_hex` for a QPainter."""
    return QColor(verdict_hex(verdict))


def to_qimage(rgb: np.ndarray) -> QImage:
    """A deep copy of an RGB uint8 array as QImage (RGB888, opaque: PDF/A forbids transparency)."""
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def font(pixels: float, bold: bool = False) -> QFont:
    """FONT_FAMILY sized in pixels, not points: every report lays its text out in image pixels."""
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, round(pixels)))
    f.setBold(bold)
    return f


def undrawable(text: str) -> str:
    """The characters of `text` that no font on this computer has (the reports print them as empty boxes), each once.
    Qt falls back from FONT_FAMILY to any installed font, so only a script with no font at all is missing: a Japanese
    officer's name and note became boxes on a machine set up with DejaVu alone (international walk-through)."""
    fonts = _installed_fonts()
    return "".join(ch for ch in dict.fromkeys(text) if ch.isprintable() and not ch.isspace()
                   and not any(font.supportsCharacter(ord(ch)) for font in fonts))


def _installed_fonts() -> tuple[QRawFont, ...]:
    """One face of every installed font family (a missing glyph is drawn as a box by the fallback too: it cannot tell).
    Made for each call, never kept: Qt's font engines belong to the thread that made them, and fonts kept from a
    window's export thread answered for Latin letters alone once it had ended."""
    ensure_qt()
    return tuple(raw for family in QFontDatabase.families() if (raw := QRawFont.fromFont(QFont(family))).isValid())


@contextmanager
def painting(image: QImage) -> Iterator[QPainter]:
    """A painter on `image`, ended however the drawing ends: Ctrl+C or SIGTERM in the middle of a figure left it
    painting, and Qt then crashed destroying the image under it (exit 139 instead of 130; CLI walk-through)."""
    painter = QPainter(image)
    try:
        yield painter
    finally:
        painter.end()


def placeholder_image(width: int, height: int, text: str) -> QImage:
    """A grey tile saying why a photo or a map is not shown (every report's figures, the renewal figure)."""
    image = QImage(width, height, QImage.Format.Format_RGB888)
    image.fill(QColor(*NO_PHOTO_RGB))
    with painting(image) as painter:
        painter.setFont(font(max(10, height / 24)))
        painter.setPen(QColor(90, 90, 90))
        painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
    return image


def resized(rgb: np.ndarray, scale: float, interpolation: int) -> np.ndarray:
    """`rgb` scaled by `scale` (itself where that changes nothing): the report's panels, the thumbnails, the renewal figure."""
    height, width = rgb.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size == (width, height):
        return rgb
    return cv2.resize(rgb, size, interpolation=interpolation)


# Qt's PNG "quality" picks zlib's level: at 80 its fastest. Encoding a 1400-pixel report took 168 ms of the 190 a
# PNG cost at the default level (70 % of `pfiq analyse`'s time: performance walk-through); now 57 ms of 88, for 10 %
# more bytes (`benchmarks/bench_reports.py`).
PNG_QUALITY = 80


def encode_qimage(image: QImage, fmt: str = "PNG") -> bytes:
    """The image encoded in memory (so the file can be written atomically); RuntimeError when Qt cannot."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    quality = PNG_QUALITY if fmt == "PNG" else -1
    if not image.save(buffer, fmt, quality):  # type: ignore[call-overload]  # (PySide takes the format as str; its stub says bytes)
        raise RuntimeError(f"the {fmt} encoder failed")
    buffer.close()
    return bytes(buffer.data().data())


def save_qimage(target: str | Path, image: QImage, fmt: str = "PNG") -> None:
    """Write a QImage atomically; OutputError (naming the file) when it cannot be encoded or written."""
    try:
        data = encode_qimage(image, fmt)
    except RuntimeError as error:
        raise OutputError(f"Cannot write {target}: {error}") from error
    write_bytes_atomic(target, data)
