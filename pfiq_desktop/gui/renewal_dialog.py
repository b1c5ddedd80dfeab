"""The renewal check's window: the new photo beside the reference photo, both maps, score, decision, checklist differences.

It shows the same picture as the PNG and the PDF page of `pfiq compare`
(reports.comparison_figure), so the officer, the printout and the command line agree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from pfiq_desktop.engine.comparison import NO_MATCH, NOT_COMPARED, Comparison
from pfiq_desktop.gui.widgets import named
from pfiq_desktop.reports.comparison_figure import changes_line, render_comparison
from pfiq_desktop.reports.inputs import load_photo

FIGURE_WIDTH = 1100


class RenewalDialog(QDialog):
    """Non-modal: the officer keeps it open while deciding on photo A in the main window."""

    def __init__(self, comparison: Comparison, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renewalDialog")
        self.setWindowTitle("Renewal check: the same person?")
        self.comparison = comparison
        a, b = (load_photo(side.source, side.image_sha256) for side in (comparison.a, comparison.b))  # None if replaced since
        figure = render_comparison(a, b, comparison, FIGURE_WIDTH)
        self.figure = named(QLabel(), "renewalFigure")
        self.figure.setPixmap(QPixmap.fromImage(figure))
        scroll = QScrollArea()
        scroll.setWidget(self.figure)
        scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # the picture lists them at its foot, which a 768 px screen scrolls out of sight
        self.changes = named(QLabel(changes_line(comparison)), "renewalChanges")
        self.changes.setWordWrap(True)
        self.note = named(QLabel(self.filing_note()), "renewalNote")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.changes)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        room = self.screen().availableGeometry()  # a 768 px laptop screen: the lines and Close stay on it (the figure scrolls)
        self.resize(min(FIGURE_WIDTH + 40, room.width() - 40), min(figure.height() + 160, 900, room.height() - 80))

    def filing_note(self) -> str:
        """What the next decision on photo A will file."""
        sha = self.comparison.b.image_sha256
        if not sha or self.comparison.decision == NOT_COMPARED:
            return "This comparison could not be made; your decision will not record a reference photo."
        return (f"Your next decision on photo A records the reference photo (SHA-256 {sha[:16]}…) in the audit log"
                + ("; accepting it needs a note, as the faces do not match." if self.comparison.decision == NO_MATCH
                   else "."))
