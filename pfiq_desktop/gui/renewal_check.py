"""The renewal check from the window (Decision ▸ Renewal check): is the photo on screen the same person as the
previous document photo? It asks for that photo, has the worker compare the two, shows the result in its own window
and says what the check means for the decision until a decision files it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from pfiq_desktop.engine.comparison import NO_MATCH, Comparison
from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.gui.decision_panel import DecisionPanel
from pfiq_desktop.gui.renewal_dialog import RenewalDialog
from pfiq_desktop.gui.widgets import IMAGE_FILTER
from pfiq_desktop.gui.worker import AnalysisWorker
from pfiq_desktop.review.reasons import reason_label
from pfiq_desktop.review.session import ReviewSession


class RenewalCheck(QObject):
    """One window's renewal checks: the worker compares, the session keeps each photo's check for its decision."""

    def __init__(self, parent: QWidget, session: ReviewSession, worker: AnalysisWorker, decision: DecisionPanel,
                 status: Callable[[str], None], keys: Sequence[QAction] = ()) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.session, self.worker, self.decision, self.status = session, worker, decision, status
        self.keys = list(keys)  # the window's decision keys, answered in the check's window too
        self.dialog: RenewalDialog | None = None  # the last check's window
        worker.compared.connect(self._on_compared)
        worker.compareFailed.connect(self._on_failed)

    def ask_reference_photo(self) -> str:
        """The reference photo (the earlier document photo) to compare with ('' when the officer cancels); tests replace this."""
        current = self.session.current
        folder = str(Path(current).parent) if current else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Choose the reference photo (the applicant's earlier photo)",
                                              folder, IMAGE_FILTER)
        return path

    def start(self) -> bool:
        """Compare the photo on screen with the reference photo the officer picks; False when nothing was started."""
        path = self.session.current
        if path is None:
            self.status("Open a photo first, then compare it with a reference photo")
            return False
        reference = self.ask_reference_photo()
        if not reference:
            return False
        record = self.session.record(path)
        self.worker.compare(path, reference, record.profile if record else "")  # (a child's photo: the child's rules)
        self.status(f"Comparing {record.name if record else path} with {display_name(Path(reference).name)}…")
        return True

    def _on_compared(self, path: str, comparison: Comparison) -> None:
        check = self.session.set_reference(path, comparison)
        if self.dialog is not None:  # one at a time: four checks left four windows of one title (walk-through)
            self.dialog.close()
        self.dialog = RenewalDialog(comparison, self.parent_widget)
        self.dialog.addActions(self.keys)
        self.dialog.show()
        if check is not None:
            self.show(path, announce=True)
        elif path == self.session.current:  # an earlier check's message would still claim to be filed
            self.decision.show_info(f"Renewal check not made ({comparison.reason}); your decision records no reference photo.")
        self.status(f"Renewal check: {comparison.label} — {comparison.reason}")

    def show(self, path: str, announce: bool = False) -> None:
        """What the photo's renewal check means for its decision until a decision files it: said when the check is made
        and each time the photo comes up again (the warning was gone when the officer came back, and the saved note
        still in the field)."""
        check, record = self.session.references.get(path), self.session.record(path)
        if check is None or record is None or path != self.session.current:
            return
        saved = record.decision
        if saved is not None and saved.reference_sha256 == check.image_sha256:
            if announce:  # the same reference checked again
                self.decision.show_info(f"{reason_label(check.code)}. Filed with the decision shown ({saved.label}).")
            return
        mismatch = check.decision == NO_MATCH
        if saved is None:
            text = f"Your next decision on this photo records it{'; accepting needs a note' * mismatch}."
        else:  # the saved decision was made without this check: only the next one files it
            text = f"Decided before this check ({saved.label}): decide again to file it{'; an accept needs a new note' * mismatch}."
        (self.decision.show_warning if mismatch else self.decision.show_info)(f"{reason_label(check.code)}. {text}")

    def _on_failed(self, path: str, message: str) -> None:
        self.status(message)
        if path == self.session.current:
            self.decision.show_warning(message)
