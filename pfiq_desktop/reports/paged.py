"""Printing an HTML QTextDocument onto a 300-dpi QPdfWriter, page by page, with a footer.

PDFs are rendered into memory (`render_pdf`) and then written with the atomic
writer: QPainter.end() reports success even when the disk filled up under a
file-backed QPdfWriter, so a file written by Qt itself cannot be trusted.

The pitfall this module exists for: a QTextDocument laid out for the screen comes
out tiny on a 300-dpi writer unless `doc.documentLayout().setPaintDevice(writer)`
is called before `setHtml()`. After that, point sizes are right and an image's
HTML width is in CSS pixels (1/96 in), i.e. `css_px(writer)` device pixels each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.palette import NOTE_GREY
from pfiq_desktop.reports.drawing import FONT_FAMILY, ONE_LEFT_TO_RIGHT_LINE, ensure_qt

PAGE_SIZES = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
DPI = 300
MARGIN_MM = 11.0
FOOTER_PT = 7.0


class ReportCancelled(Exception):
    """Raised when the caller asked to stop; no partial output file is left behind.

    `written` lists the files finished before the stop (filled in by export_reports).
    """

    def __init__(self, written: list[Path] | None = None) -> None:
        super().__init__("cancelled")
        self.written = list(written or [])


def page_key(page_size: str) -> str:
    key = page_size.strip().lower()
    if key not in PAGE_SIZES:
        raise ValueError(f"Unknown page size {page_size!r}; use A4 or Letter.")
    return key


class RenderError(RuntimeError):
    """Qt produced no complete PDF (the caller names the file it was meant for)."""


def render_pdf(
    draw: Callable[[QPdfWriter], int],
    page_size: str = "A4",
    title: str = "",
    author: str = "",
    creator: str = "",
    pdfa: bool = False,
) -> tuple[bytes, int]:
    """Run `draw(writer)` on a writer backed by memory; returns the finished PDF and `draw`'s page count.

    Raises RenderError unless the bytes are a whole PDF (header and end-of-file marker).
    """
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = new_writer(buffer, page_size, title, author, creator, pdfa)
    try:
        pages = draw(writer)
    finally:
        del writer  # the writer flushes into the buffer; it must go before the buffer is read
    buffer.close()
    data = bytes(buffer.data().data())
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-32:]:
        raise RenderError(f"Qt produced an incomplete PDF ({len(data)} bytes)")
    return data, pages


def new_writer(
    device: QIODevice,
    page_size: str = "A4",
    title: str = "",
    author: str = "",
    creator: str = "",
    pdfa: bool = False,
) -> QPdfWriter:
    """A 300-dpi writer into `device` with the page size and margins set. `pdfa` selects PDF/A-1b.

    PDF/A-1b (ISO 19005-1) forbids embedded files, so callers must not attach the
    analysis JSON to a PDF/A-1b file; the normal report is PDF 1.6 with the JSON attached.
    """
    ensure_qt()
    writer = QPdfWriter(device)
    writer.setPdfVersion(QPagedPaintDevice.PdfVersion.PdfVersion_A1b if pdfa else QPagedPaintDevice.PdfVersion.PdfVersion_1_6)
    writer.setResolution(DPI)
    writer.setPageLayout(page_layout(page_size))
    writer.setTitle(title)
    writer.setCreator(creator)
    if author:
        writer.setAuthor(author)
    return writer


def page_layout(page_size: str = "A4") -> QPageLayout:
    """Portrait, the page size given ("A4" or "Letter"), MARGIN_MM on every side: every report's and printed page's."""
    return QPageLayout(
        QPageSize(PAGE_SIZES[page_key(page_size)]),
        QPageLayout.Orientation.Portrait,
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )


def css_px(writer: QPagedPaintDevice) -> float:
    """Device pixels per HTML/CSS pixel once the layout paints on `writer`."""
    return writer.logicalDpiX() / 96.0


def content_width_css(writer: QPagedPaintDevice) -> float:
    return writer.width() / css_px(writer)


def new_document(writer: QPagedPaintDevice, base_pt: float = 8.0) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)  # before setHtml(): see the module docstring
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(base_pt)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    return doc


def add_image(doc: QTextDocument, name: str, image: QImage) -> str:
    """Register an image resource; returns the src to use in the HTML."""
    url = f"img://{name}"
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
    return url


def attach(writer: QPdfWriter, name: str, data: bytes, mime: str = "application/json") -> None:
    writer.addFileAttachment(name, QByteArray(data), mime)


def footer_height(writer: QPagedPaintDevice) -> float:
    return FOOTER_PT * writer.logicalDpiY() / 72.0 * 2.2


def print_document(
    writer: QPagedPaintDevice,
    doc: QTextDocument,
    footer: str,
    should_cancel: Callable[[], bool] | None = None,
) -> int:
    """Lay `doc` out on the writer's pages with `footer` (what the document is) on the left of each page's footer, and
    the application, its version and the page number on the right; returns pages."""
    footer_h = footer_height(writer)
    width, height = writer.width(), writer.height()
    page_h = height - footer_h
    doc.setPageSize(QSizeF(width, page_h))
    pages = max(1, doc.pageCount())
    painter = QPainter()
    if not painter.begin(writer):
        raise RenderError("the PDF writer could not start")
    try:
        footer_font = QFont(FONT_FAMILY)
        footer_font.setPointSizeF(FOOTER_PT)
        for page in range(pages):
            if should_cancel is not None and should_cancel():
                raise ReportCancelled()
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * page_h)
            doc.drawContents(painter, QRectF(0, page * page_h, width, page_h))
            painter.restore()
            left, right = footer, f"{APP_NAME} {__version__} · page {page + 1} of {pages}"
            painter.setFont(footer_font)
            painter.setPen(QColor(NOTE_GREY))
            painter.drawLine(0, round(height - footer_h * 0.72), width, round(height - footer_h * 0.72))
            rect = QRectF(0, height - footer_h * 0.62, width, footer_h * 0.62)
            metrics = painter.fontMetrics()
            room = width - metrics.horizontalAdvance(right) - metrics.horizontalAdvance("   ")  # a long name overprinted it
            painter.drawText(rect, ONE_LEFT_TO_RIGHT_LINE, metrics.elidedText(left, Qt.TextElideMode.ElideMiddle, room))
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)
    finally:
        finished = painter.end()
    if not finished:
        raise RenderError("the PDF writer could not finish the document")
    return pages
