"""File ▸ Print for the applicant: the applicant's page (`reports.applicant_page`) in a print preview.

The preview shows the very page before paper is spent, and its Print button offers every printer the system knows,
"Print to file" (PDF) among them where none is installed (an offline office PC may have no PDF viewer: printing
meant export, then a viewer; counter walk-through).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from pfiq_desktop.gui.export import default_page_size
from pfiq_desktop.reports.applicant_page import print_applicant_page
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.paged import page_layout
from pfiq_desktop.reports.pdf_report import now_text


def applicant_preview(item: ReportItem, parent: QWidget) -> QPrintPreviewDialog:
    """A print preview of `item`'s applicant page, opened (window-modal) and deleted when closed."""
    dialog = QPrintPreviewDialog(parent)  # with a printer of its own, which lives as long as it does
    printer = dialog.printer()
    printer.setPageLayout(page_layout(default_page_size()))
    printer.setDocName(f"Photo check {item.name}")
    created = now_text()
    dialog.setWindowTitle(f"Print for the applicant: {item.name}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.paintRequested.connect(lambda device: print_applicant_page(device, item, created))
    dialog.open()
    return dialog
