"""The renewal check's window: the new photo beside the reference photo, both maps, score, decision, checklist differences.

Its picture is drawn by the renderer of the PNG and the PDF page of `pfiq compare` (reports.comparison_figure), so
the officer, the printout and the command line agree; here it is fitted to the window, and the checklist
differences are a line of text below it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from pfiq_desktop.engine.comparison import NO_MATCH, NOT_COMPARED, Comparison
from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.gui.widgets import named, plain, screen_pixmap
from pfiq_desktop.reports.comparison_figure import RENEWAL_TITLE, changes_line, render_comparison
from pfiq_desktop.reports.inputs import load_photo

FIGURE_WIDTH = 1100
MAX_HEIGHT = 900  # px: the dialog on a large screen
REDRAW_DELAY_MS = 80


class RenewalDialog(QDialog):
    """Non-modal: the officer keeps it open while deciding on photo A in the main window."""

    def __init__(self, comparison: Comparison, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renewalDialog")
        # whose check it is, in the title the task bar shows: the picture alone said it (walk-through)
        self.setWindowTitle(f"{RENEWAL_TITLE} ({display_name(Path(comparison.a.source).name)} and "
                            f"{display_name(Path(comparison.b.source).name)})")
        self.comparison = comparison
        # the picture's own list of differences would sit at its foot, below photo B: they are a line of text here
        self.changes = named(plain(QLabel(changes_line(comparison))), "renewalChanges")
        self.changes.setWordWrap(True)
        self.note = named(plain(QLabel(self.filing_note())), "renewalNote")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.figure = named(QLabel(), "renewalFigure")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.figure)
        # the decision and score are drawn in the picture alone: a screen reader heard nothing of them
        scored = f", score {comparison.score:.3f}" if comparison.decision != NOT_COMPARED else ""
        for widget in (self.figure, self.scroll_area):
            widget.setAccessibleName(f"{comparison.label}{scored}")
            widget.setAccessibleDescription(comparison.reason)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.changes)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        # None where a photo was moved or replaced since
        self.photo_a, self.photo_b = (load_photo(side.source, side.image_sha256) for side in (comparison.a, comparison.b))
        self.redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_DELAY_MS)
        self.redraw_timer.timeout.connect(self.draw_figure)
        room = self.screen().availableGeometry()  # a 768 px laptop screen shows both photos whole: they shrink to fit
        self.resize(min(FIGURE_WIDTH + 40, room.width() - 40), min(MAX_HEIGHT, room.height() - 80))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The picture is drawn for the room it has, once the size settles (a drag resizes many times)."""
        super().resizeEvent(event)
        self.redraw_timer.start()

    def draw_figure(self) -> None:
        view = self.scroll_area.viewport().size()
        # room for the vertical scroll bar a figure at its smallest may still need: drawn the view's width, it then
        # needed a horizontal one too
        width = min(FIGURE_WIDTH, view.width() - self.scroll_area.verticalScrollBar().sizeHint().width())
        # drawn in screen pixels: at 150 % a figure of layout pixels was stretched, its text soft beside the dialog's
        scale = self.devicePixelRatioF()
        figure = render_comparison(self.photo_a, self.photo_b, self.comparison, round(width * scale),
                                   fit_height=round(view.height() * scale), scale=scale)
        self.figure.setPixmap(screen_pixmap(figure, scale))
        self.figure.adjustSize()

    def filing_note(self) -> str:
        """What the next decision on photo A will file."""
        sha = self.comparison.b.image_sha256
        if not sha or self.comparison.decision == NOT_COMPARED:
            return "This comparison could not be made; your decision will not record a reference photo."
        return (f"Your next decision on photo A records the reference photo (SHA-256 {sha[:16]}…) in the audit log"
                + ("; accepting it needs a note, as the faces do not match" if self.comparison.decision == NO_MATCH
                   else "") + ". The decision keys work from this window too; Esc closes it.")
