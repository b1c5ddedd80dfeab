"""Report export from the GUI: `export_reports` in a worker thread, with a progress dialog and Cancel.

The report items are built on the GUI thread (the review store's SQLite
connection belongs to it); the worker thread only paints and writes files
(QPainter on QImage/QPdfWriter is allowed off the GUI thread). Every file is
written atomically, so a cancelled or failed export keeps the files already
finished and never leaves a partial one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QLocale, QObject, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from pfiq_desktop.atomic import OutputError
from pfiq_desktop.engine.filenames import display_name, first_few
from pfiq_desktop.gui.widgets import as_written
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.naming import BATCH_FILES, PER_PHOTO_FORMATS, SUMMARY_NAME, over_photos_text
from pfiq_desktop.reports.paged import ReportCancelled
from pfiq_desktop.reports.runner import (
    ExportResult,
    existing_outputs,
    export_reports,
    kept_text,
    outputs_over_photos,
)
from pfiq_desktop.review.values import counted
from pfiq_desktop.settings import SettingsStore

log = logging.getLogger(__name__)

EXPORT_RUNNING = "An export is still running; wait for it or cancel it first."
KEEP_BOTH, REPLACE = "keep both", "replace"  # what to do with an earlier export's files of the same names

SINGLE_FORMATS = PER_PHOTO_FORMATS  # the photo on screen: its own report and annotated picture
BATCH_FORMATS = ("pdf", *BATCH_FILES)


def default_page_size() -> str:
    """Letter where the locale measures in US units, A4 everywhere else."""
    imperial = QLocale.system().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return "Letter" if imperial else "A4"


class ExportThread(QThread):
    """Runs `export_reports` once; `outcome` is ('done', ExportResult), ('failed', text) or ('cancelled', n)."""

    progressed = Signal(int, int, str)  # step, total, file name

    def __init__(self, items: Sequence[ReportItem], out_dir: str | Path, formats: Sequence[str],
                 page_size: str = "A4", officer: str = "", parent: QObject | None = None, beside: bool = False) -> None:
        super().__init__(parent)
        self.items, self.out_dir, self.formats = list(items), Path(out_dir), tuple(formats)
        self.page_size, self.officer, self.beside = page_size, officer, beside
        self.outcome: tuple[str, object] = ("failed", "The export did not run.")
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: the export stops at the next page or file."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, step: int, total: int, name: str) -> None:
        self.progressed.emit(step, total, name)

    def run(self) -> None:
        threading.current_thread().name = "export"  # in the log, for "Dummy-1"
        try:
            result = export_reports(self.items, self.out_dir, self.formats, self.page_size, self.officer,
                                    progress=self._progress, should_cancel=self._cancel.is_set, beside=self.beside)
        except ReportCancelled as stop:
            self.outcome = ("cancelled", len(stop.written))
        except OutputError as error:
            log.warning("export failed: %s", error)
            self.outcome = ("failed", f"{error}\n\n{kept_text(error.written, self.out_dir, 'exporting again replaces them')}")
        except Exception as error:  # reported to the officer and logged, never kills the app
            log.exception("the export to %s stopped unexpectedly", self.out_dir)
            self.outcome = ("failed", f"The export stopped unexpectedly: {type(error).__name__}: {error}")
        else:  # where the files went: "the PDF is missing" after an export that worked had no trace (support walk-through)
            log.info("exported %d photos as %s to %s: %d files", len(self.items), ",".join(self.formats), self.out_dir,
                     len(result.files))
            self.outcome = ("done", result)


def report_to_open(files: Sequence[Path]) -> Path | None:
    """The PDF an officer wants to see after an export: the batch's summary, else the one photo's report."""
    pdfs = [path for path in files if path.suffix == ".pdf"]
    return next((path for path in pdfs if path.name == SUMMARY_NAME), pdfs[0] if len(pdfs) == 1 else None)


class ReportExporter(QObject):
    """One export at a time for a window: the output folder asked, replaced files confirmed, then a progress dialog,
    Cancel, and a clear result message."""

    message = Signal(str)  # status-bar text
    refused = Signal(str)  # why nothing was written (outputs would replace the photos): the window's banner

    def __init__(self, parent: QWidget, settings: SettingsStore) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.settings = settings  # the last export folder is offered again
        self.job: ExportThread | None = None
        self.dialog: QProgressDialog | None = None
        self.result_box: QMessageBox | None = None
        self.out_dir: Path | None = None
        self.last_outcome: tuple[str, object] | None = None  # the latest export's ExportThread.outcome
        self._progress_depth = 0

    def running(self) -> bool:
        return self.job is not None

    def ask_folder(self, title: str) -> str:
        """The output folder for an export ('' when the officer cancels); tests replace this."""
        last = self.settings.current.export_folder
        return QFileDialog.getExistingDirectory(self.parent_widget, title, last if Path(last or "").is_dir() else str(Path.home()))

    def ask_batch_scope(self, shown: int, total: int, hidden_by: str) -> bool | None:
        """Whether a batch export takes every analysed photo (True) or only the `shown` the list's `hidden_by` leaves
        (False); None when the officer cancels; tests replace this. It took the shown ones unasked, and a summary made
        under "Undecided" read "Rejected 0" for a folder with 4 rejections (usability walk-through)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Export which photos?",
                          as_written(f"The list shows {shown} of the {total} analysed photos ({hidden_by}). The batch "
                                     "summary counts only the photos exported."), QMessageBox.StandardButton.Cancel,
                          self.parent_widget)
        every = box.addButton(f"All {total} photos", QMessageBox.ButtonRole.AcceptRole)
        if shown:  # "The 0 shown" led to "no photo in the list is analysed yet" (review)
            box.addButton(f"The {shown} shown", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(every)
        box.exec()
        clicked = box.clickedButton()
        if clicked is None or box.buttonRole(clicked) is QMessageBox.ButtonRole.RejectRole:
            return None
        return clicked is every

    def ask_replace(self, folder: str, paths: list[Path]) -> str | None:
        """What to do with files an earlier export left in `folder` (perhaps of other photos with the same names: camera
        names repeat): KEEP_BOTH (the default: the new ones numbered beside them), REPLACE, or None (cancelled); tests
        replace this. "No" wrote nothing, so every IMG_0001 applicant at a counter cost a second export into a new
        folder, or the earlier applicant's report (counter walk-through)."""
        names = first_few([display_name(path.name) for path in paths], 8, "\n")
        box = QMessageBox(QMessageBox.Icon.Question, "Replace existing reports?",
                          as_written(f"{len(paths)} of the files to write already exist in {folder}, perhaps from other "
                                     f"photos with the same names:\n\n{names}\n\nKeep both writes the new ones beside them, "
                                     "numbered (IMG_0001_2.pdf)."), QMessageBox.StandardButton.Cancel, self.parent_widget)
        keep = box.addButton("&Keep both", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("&Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return KEEP_BOTH if clicked is keep else REPLACE if clicked is replace else None

    def request(self, make_items: Callable[[], list[ReportItem]], formats: Sequence[str], title: str,
                officer: str = "") -> bool:
        """Export the items `make_items` builds (on this, the store's thread, once a folder is chosen) where the officer
        says, once they confirm replacing an earlier export's files; never over the photos themselves. False when
        nothing was started."""
        if self.running():
            self.message.emit(EXPORT_RUNNING)
            return False
        folder = self.ask_folder(title)
        if not folder:
            return False
        self.settings.update(export_folder=folder)
        items = make_items()
        clashes = outputs_over_photos(items, folder, formats)
        if clashes:
            self.refused.emit(over_photos_text(display_name(folder), clashes))
            return False
        replaced = existing_outputs(items, folder, formats)
        choice = self.ask_replace(folder, replaced) if replaced else REPLACE
        if choice is None:
            self.message.emit("Export cancelled: nothing was replaced")
            return False
        return self.start(items, folder, formats, officer=officer, title=title, beside=choice == KEEP_BOTH)

    def start(self, items: Sequence[ReportItem], out_dir: str | Path, formats: Sequence[str],
              officer: str = "", page_size: str | None = None, title: str = "Exporting reports", beside: bool = False) -> bool:
        """Start exporting (`beside` earlier files of the same names, numbered); False (with a status message) when an
        export is already running."""
        if self.job is not None:
            self.message.emit(EXPORT_RUNNING)
            return False
        self.out_dir = Path(out_dir)
        self.job = ExportThread(items, out_dir, formats, page_size or default_page_size(), officer, self, beside)
        label = f"Preparing {counted(len(items), 'photo')}…"
        dialog = QProgressDialog(label, "Cancel", 0, 0, self.parent_widget)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.cancel)
        dialog.rejected.connect(self.cancel)  # Esc hides the dialog: stop, never run on invisibly
        self.dialog = dialog
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.message.emit(f"Exporting to {self.out_dir}…")
        self.job.start()
        dialog.show()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.dialog is not None:
                self.dialog.setLabelText("Cancelling…")
            self.message.emit("Cancelling the export…")

    def _on_progress(self, step: int, total: int, name: str) -> None:
        dialog = self.dialog
        if dialog is None or self.job is None or self.job.is_cancelled():
            return
        if step < total:
            dialog.setLabelText(f"File {step + 1} of {total}: {name}")
        dialog.setMaximum(total)
        self._progress_depth += 1
        try:
            dialog.setValue(step)  # a modal QProgressDialog processes events here: see _on_finished
        finally:
            self._progress_depth -= 1

    def _on_finished(self) -> None:
        if self._progress_depth:  # reached from inside QProgressDialog.setValue: finish after it returns
            QTimer.singleShot(0, self._on_finished)
            return
        job, self.job = self.job, None
        if job is None:
            return
        job.wait()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        kind, value = job.outcome
        self.last_outcome = job.outcome
        job.deleteLater()
        if kind == "done" and isinstance(value, ExportResult):
            self._show_done(value)
        elif kind == "cancelled" and isinstance(value, int):
            self.message.emit(f"Export cancelled; {counted(value, 'file')} written to {self.out_dir}")
        else:
            self.message.emit("Export failed")
            QMessageBox.warning(self.parent_widget, "Export failed", as_written(f"The export stopped before it finished.\n\n{value}"))

    def _show_done(self, result: ExportResult) -> None:
        count = len(result.files)
        text = f"{counted(count, 'file')} written to {self.out_dir}"
        missed, broken = len(result.photo_problems), len(result.not_drawn)
        if missed:  # moved, deleted or replaced by another photo since its analysis: said, as pfiq report says it
            text += f". {counted(missed, 'photo')} could not be shown in {'their' if missed != 1 else 'its'} report"
        if broken:
            text += f". The reports of {counted(broken, 'photo')} could not be drawn (see the details)"
        self.message.emit(f"Export finished: {text}")
        icon = QMessageBox.Icon.Warning if result.problems or result.font_note else QMessageBox.Icon.Information
        box = QMessageBox(icon, "Export finished", as_written(text + "."), QMessageBox.StandardButton.Close, self.parent_widget)
        box.setObjectName("exportDoneBox")
        box.setInformativeText(result.font_note)
        box.setDetailedText("\n".join([*result.problems, *(path.name for path in result.files)]))
        open_button = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
        open_button.setObjectName("exportOpenFolder")
        open_button.clicked.connect(self.open_folder)
        box.setDefaultButton(open_button)  # Enter opens what was made (the focus was on "Show Details…")
        report = report_to_open(result.files)
        if report is not None:
            words = "Open summary" if report.name == SUMMARY_NAME else "Open report"
            report_button = box.addButton(words, QMessageBox.ButtonRole.ActionRole)
            report_button.setObjectName("exportOpenReport")
            report_button.clicked.connect(lambda: self.open_file(report))
            box.setDefaultButton(report_button)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget_box)
        self.result_box = box
        box.open()  # not modal-blocking: the officer can go on reviewing

    def _forget_box(self, *_args: object) -> None:
        self.result_box = None

    def open_folder(self) -> bool:
        return self.out_dir is not None and self.open_file(self.out_dir)

    def open_file(self, path: Path) -> bool:
        """Opened with the desktop's program for it; said in the status bar when there is none (offline
        workstations often have no PDF viewer, and nothing happened)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(os.fspath(path))):
            return True
        log.warning("no program opened %s", path)
        self.message.emit(f"No program on this computer opens {path}; it is written there.")
        return False

    def stop(self, ms: int = 10000) -> None:
        """Cancel a running export and wait for it (window closing)."""
        job, self.job = self.job, None
        if job is None:
            return
        job.finished.disconnect(self._on_finished)
        job.cancel()
        job.wait(ms)
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None

