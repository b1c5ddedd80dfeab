"""File > Export report / Export batch: worker thread, progress, cancel, clear errors (fake engine)."""

from __future__ import annotations

import csv
import os
import unicodedata
from pathlib import Path

import cv2
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from pfiq_desktop.gui import export as gui_export
from pfiq_desktop.gui.export import KEEP_BOTH, REPLACE
from tests.gui.fakes import fake_factory


def _wait_all(qtbot, w, timeout=20000):
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=timeout)


def _wait_export(qtbot, w, timeout=60000):
    qtbot.waitUntil(lambda: w.exporter is not None and not w.exporter.running(), timeout=timeout)
    qtbot.wait(20)  # let the finishing slot's follow-ups (message box) settle
    return w.exporter.last_outcome


def _pdf_text(path: Path) -> str:
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)
    return unicodedata.normalize("NFKC", text)  # the PDF's "ffi" ligatures back to letters


def _opened(qtbot, make_window, portrait_folder, n):
    folder = portrait_folder(n, broken=False)
    w = make_window(fake_factory())
    w.open_paths([str(folder)])
    _wait_all(qtbot, w)
    # and the batch's end said: it came after an export cancelled at once on a loaded machine, and replaced its
    # message on the status line (a CI run)
    qtbot.waitUntil(lambda: w.status_text.text().startswith("Analysis finished"), timeout=20000)
    w.decisions.auto_advance = False
    return w, folder


def _ask(w, folder: Path, calls: list | None = None):
    def ask(title: str) -> str:
        if calls is not None:
            calls.append(title)
        return str(folder)

    w.exporter.ask_folder = ask


def _no_partial_files(folder: Path) -> None:
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".part") or p.name.startswith(".")]
    assert leftovers == []


def test_export_batch_respects_filter_and_writes_reports(qtbot, make_window, portrait_folder, tmp_path, monkeypatch, caplog):
    caplog.set_level("INFO")
    w, folder = _opened(qtbot, make_window, portrait_folder, 4)
    names = sorted(p.name for p in folder.iterdir())
    rejected = str((folder / names[1]).resolve())
    w.browser.select_path(rejected)
    w.decision.note.setPlainText("mouth open")
    assert w.decisions.record("reject", ["expression"], "mouth open")
    hidden = names[0]
    w.browser.search.setText("0148")  # the filter hides 014435.jpg
    shown = [Path(p).name for p in w.browser.visible_paths()]
    assert hidden not in shown and len(shown) == 3

    out = tmp_path / "reports"
    out.mkdir()
    _ask(w, out)
    opened = []
    monkeypatch.setattr(gui_export.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    labels = []
    show_progress = gui_export.ReportExporter._on_progress

    def record_label(self, step, total, name):
        show_progress(self, step, total, name)
        labels.append((self.dialog.labelText(), self.dialog.value(), self.dialog.maximum()))

    monkeypatch.setattr(gui_export.ReportExporter, "_on_progress", record_label)
    asked = []  # the list hides a photo: the officer is asked, and takes the ones shown
    w.exporter.ask_batch_scope = lambda shown, total, hidden_by: asked.append((shown, total, hidden_by)) or False
    assert w.export_batch()
    assert asked == [(3, 4, "search: 0148")]
    assert w.exporter.dialog is not None and w.exporter.dialog.isVisible()
    assert w.exporter.dialog.windowModality() == Qt.WindowModality.WindowModal
    kind, result = _wait_export(qtbot, w)
    assert kind == "done"

    stems = [Path(n).stem for n in shown]
    expected = {f"{s}.pdf" for s in stems} | {"pfiq-summary.pdf", "pfiq-results.csv", "pfiq-results.json"}
    assert {p.name for p in out.iterdir()} == expected
    assert {p.name for p in result.files} == expected
    _no_partial_files(out)

    text = _pdf_text(out / f"{Path(rejected).stem}.pdf")
    assert Path(rejected).name in text and "decision: REJECTED by test-officer" in text and "mouth open" in text
    summary = _pdf_text(out / "pfiq-summary.pdf")
    assert all(name in summary for name in shown) and hidden not in summary
    with open(out / "pfiq-results.csv", newline="", encoding="utf-8-sig") as handle:  # BOM for Excel
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(shown)
    assert rows[Path(rejected).name]["decision"] == "reject"

    assert f"{len(expected)} files written to {out}" in w.status_text.text()
    assert f"exported 3 photos as pdf,summary,csv,json to {out}: {len(expected)} files" in caplog.text  # where they went
    assert (f"File 1 of 6: {stems[0]}.pdf", 6) in {(text, maximum) for text, _value, maximum in labels}
    assert ("File 6 of 6: pfiq-results.json", 6) in {(text, maximum) for text, _value, maximum in labels}
    assert max(value for _text, value, _maximum in labels) == 6
    box = w.exporter.result_box
    assert box is not None and str(out) in box.text()
    box.findChild(QPushButton, "exportOpenFolder").click()
    assert opened == [str(out)]
    # Enter opens the summary (the focus was on "Show Details…", and no button opened a report)
    assert box.defaultButton() is box.findChild(QPushButton, "exportOpenReport")
    assert box.defaultButton().text() == "Open summary"
    box.defaultButton().click()
    assert opened[-1] == str(out / "pfiq-summary.pdf")
    # with no program to open it, the status bar says so (nothing happened on an offline workstation)
    monkeypatch.setattr(gui_export.QDesktopServices, "openUrl", lambda url: False)
    box.defaultButton().click()
    assert w.status_text.text() == f"No program on this computer opens {out / 'pfiq-summary.pdf'}; it is written there."
    box.close()
    assert w.exporter.dialog is None


def test_export_report_shortcut_writes_pdf_and_png(qtbot, make_window, portrait_folder, tmp_path):
    w, folder = _opened(qtbot, make_window, portrait_folder, 2)
    w.browser.select_row(1)
    current = Path(w.session.current)
    out = tmp_path / "single"
    out.mkdir()
    calls = []
    _ask(w, out, calls)
    qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls, "Ctrl+E did not start Export report"
    kind, result = _wait_export(qtbot, w)
    assert kind == "done"
    assert sorted(p.name for p in out.iterdir()) == [f"{current.stem}.pdf", f"{current.stem}.png"]
    assert current.name in _pdf_text(out / f"{current.stem}.pdf")
    box = w.exporter.result_box
    assert box.defaultButton() is box.findChild(QPushButton, "exportOpenReport")  # the photo's own PDF
    assert box.defaultButton().text() == "Open report"
    from pfiq_desktop.gui.export import report_to_open

    assert report_to_open(result.files) == out / f"{current.stem}.pdf"
    box.close()


def test_a_photo_replaced_since_its_analysis_is_not_drawn_under_its_verdict_and_the_export_says_so(
        qtbot, make_window, portrait_folder, tmp_path):
    # another applicant's photo under the name (or the file deleted): the report drew the new face under the old
    # verdict, hash and decision, and the window said "Export finished" as for any other
    w, folder = _opened(qtbot, make_window, portrait_folder, 2)
    w.browser.select_row(0)
    current, other = Path(w.session.current), next(p for p in folder.iterdir() if p.name != Path(w.session.current).name)
    current.write_bytes(other.read_bytes())
    out = tmp_path / "replaced"
    out.mkdir()
    _ask(w, out)
    assert w.export_report()
    kind, result = _wait_export(qtbot, w)
    assert kind == "done" and result.photo_problems == [
        f"{current.name}: the photo at {current} is another file than the one analysed (its contents changed since); "
        "its report shows none"]
    box = w.exporter.result_box
    assert box.icon() == box.Icon.Warning and "1 photo could not be shown in its report" in box.text()
    assert result.photo_problems[0] in box.detailedText()
    box.close()


def test_exporting_into_the_photos_own_folder_never_replaces_a_photo(qtbot, make_window, tmp_path):
    # a photo named x.png and its report x.png: the export would have replaced the photo itself
    from tests.photos import load_portrait

    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "applicant.png"), cv2.cvtColor(load_portrait(0), cv2.COLOR_RGB2BGR))
    before = (folder / "applicant.png").read_bytes()
    w = make_window(fake_factory())
    w.open_paths([str(folder)])
    _wait_all(qtbot, w)
    qtbot.waitUntil(lambda: w.session.current is not None)  # the photo is on screen (a busy machine shows it later)
    _ask(w, folder)
    w.exporter.ask_replace = lambda _folder, _replaced: REPLACE  # (an officer who would confirm replacing "earlier reports")
    assert not w.export_report()
    assert "holds the photos themselves: the outputs would replace applicant.png" in w.banner.text()
    assert sorted(p.name for p in folder.iterdir()) == ["applicant.png"] and (folder / "applicant.png").read_bytes() == before


def test_an_earlier_report_of_the_same_name_is_replaced_only_when_confirmed(qtbot, make_window, portrait_folder, tmp_path):
    # camera names repeat (IMG_0001.jpg of another applicant): the export used to replace such a report silently
    w, _folder = _opened(qtbot, make_window, portrait_folder, 1)
    w.browser.select_row(0)
    current = Path(w.session.current)
    out = tmp_path / "reports"
    out.mkdir()
    earlier = out / f"{current.stem}.pdf"
    earlier.write_bytes(b"%PDF-1.4 an earlier applicant's report")
    _ask(w, out)
    asked = []
    w.exporter.ask_replace = lambda folder, paths: asked.append((folder, paths)) or None
    assert not w.export_report()
    assert asked == [(str(out), [earlier])] and "nothing was replaced" in w.status_text.text()
    assert earlier.read_bytes() == b"%PDF-1.4 an earlier applicant's report" and not (out / f"{current.stem}.png").exists()
    # kept both: the new report beside the earlier one, numbered as `pfiq analyse` numbers them ("No" wrote nothing,
    # and every IMG_0001 applicant at a counter cost a second export: counter walk-through)
    w.exporter.ask_replace = lambda folder, paths: KEEP_BOTH
    assert w.export_report()
    kind, _result = _wait_export(qtbot, w)
    assert kind == "done" and earlier.read_bytes() == b"%PDF-1.4 an earlier applicant's report"
    assert current.name in _pdf_text(out / f"{current.stem}_2.pdf") and (out / f"{current.stem}_2.png").is_file()
    assert not (out / f"{current.stem}.png").exists()  # a number free for every format: the pair stays together
    w.exporter.result_box.close()
    w.exporter.ask_replace = lambda folder, paths: REPLACE
    assert w.export_report()
    kind, _result = _wait_export(qtbot, w)
    assert kind == "done" and current.name in _pdf_text(earlier)
    w.exporter.result_box.close()


def test_a_batch_export_under_a_filter_asks_and_can_take_every_photo(qtbot, make_window, portrait_folder, tmp_path):
    # under "Undecided" the export took the photos shown unasked, and its summary read "Rejected 0" for a folder with
    # rejections (usability walk-through)
    w, folder = _opened(qtbot, make_window, portrait_folder, 4)
    rejected = w.browser.visible_paths()[0]
    w.browser.select_path(rejected)
    assert w.decisions.record("reject", [], "")
    w.browser.filter.setCurrentIndex(w.browser.filter.findData("undecided"))
    assert rejected not in w.browser.visible_paths()
    asked, calls = [], []
    _ask(w, tmp_path, calls)
    w.exporter.ask_batch_scope = lambda shown, total, hidden_by: asked.append((shown, total, hidden_by))  # Cancel
    assert not w.export_batch() and calls == []  # cancelled: no folder asked, nothing written
    assert asked == [(3, 4, "filter: Undecided")]
    w.exporter.ask_batch_scope = lambda shown, total, hidden_by: True  # all of them
    assert w.export_batch()
    kind, _result = _wait_export(qtbot, w)
    assert kind == "done" and f"{Path(rejected).stem}.pdf" in {p.name for p in tmp_path.iterdir()}
    summary = _pdf_text(tmp_path / "pfiq-summary.pdf")
    assert "4 photos" in summary and f"{Path(rejected).name}" in summary and "Total 0 1 0 3 4" in summary, summary
    w.exporter.result_box.close()


@pytest.mark.parametrize("shown", [0, 3])
def test_the_export_scope_question_offers_the_shown_photos_only_where_there_are_some(qtbot, make_window, shown):
    # under a filter that showed none, "The 0 shown" led to "no photo in the list is analysed yet" (review)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    w = make_window(fake_factory())
    offered = []

    def look_and_cancel():
        box = QApplication.activeModalWidget()
        offered.extend(button.text() for button in box.buttons())
        box.reject()

    QTimer.singleShot(0, look_and_cancel)
    assert w.exporter.ask_batch_scope(shown, 4, "filter: Pending") is None
    assert "All 4 photos" in offered and ("The 3 shown" in offered) == (shown == 3), offered
    assert not any("0 shown" in text for text in offered)


def test_a_report_names_the_officer_who_made_it(qtbot, make_window, portrait_folder, tmp_path):
    # exported before the session's first decision, a report read "Report made by –" (second usability walk-through)
    w, folder = _opened(qtbot, make_window, portrait_folder, 1)
    answers = iter(["", "Officer Kim"])  # refused, then given
    w.decisions.ask_officer_name = lambda current: next(answers)
    out = tmp_path / "reports"
    out.mkdir()
    _ask(w, out)
    w.browser.select_row(0)
    assert not w.export_report() and "A report names the officer who made it" in w.decision.message.text()
    assert not any(out.iterdir())
    assert w.export_report()
    kind, _result = _wait_export(qtbot, w)
    assert kind == "done" and "Report made by Officer Kim" in _pdf_text(next(out.glob("*.pdf")))
    w.exporter.result_box.close()


def test_ctrl_p_previews_the_applicant_page_of_the_photo_on_screen(qtbot, make_window, portrait_folder):
    # printing meant export, then a PDF viewer, which an offline office PC may lack (counter walk-through)
    from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

    w, _ = _opened(qtbot, make_window, portrait_folder, 2)
    w.browser.select_row(1)
    current = Path(w.session.current)
    painted = []
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog = w.findChild(QPrintPreviewDialog)
    assert dialog is not None, "Ctrl+P did not open the print preview"
    dialog.paintRequested.connect(painted.append)
    preview = dialog.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    qtbot.waitUntil(lambda: bool(painted) and preview.pageCount() == 1)
    assert dialog.isVisible() and current.name in dialog.windowTitle()
    assert dialog.printer().docName() == f"Photo check {current.name}"
    dialog.close()


def test_nothing_analysed_gives_clear_message(qtbot, make_window, tmp_path):
    w = make_window(fake_factory())
    calls = []
    _ask(w, tmp_path, calls)
    assert not w.export_batch()
    assert "Nothing to export" in w.status_text.text()
    assert not w.export_report()
    assert "Nothing to export" in w.status_text.text()
    assert not w.print_for_applicant()
    assert w.status_text.text() == "Nothing to print: no photo is shown"
    assert calls == []  # no folder asked for when there is nothing to write
    # N on the welcome page said "Every photo in the list is decided" (second usability walk-through)
    assert not w.decisions.show_next_undecided() and w.status_text.text() == "No photos are open: open a folder or photos first"


def test_cancel_keeps_finished_files_and_no_partial_one(qtbot, make_window, portrait_folder, tmp_path, monkeypatch):
    w, folder = _opened(qtbot, make_window, portrait_folder, 4)
    out = tmp_path / "cancelled"
    out.mkdir()
    _ask(w, out)
    original = gui_export.ExportThread._progress

    def cancel_after_first_file(self, step, total, name):
        original(self, step, total, name)
        if step == 1:  # the first file is finished, the second is starting: the officer clicks Cancel
            self.cancel()

    monkeypatch.setattr(gui_export.ExportThread, "_progress", cancel_after_first_file)
    assert w.export_batch()
    kind, written = _wait_export(qtbot, w)
    assert kind == "cancelled"
    first = sorted(Path(e.path).stem for e in w.browser.model.entries)[0]
    assert [p.name for p in out.iterdir()] == [f"{first}.pdf"]
    assert written == 1
    assert "Export cancelled; 1 file written" in w.status_text.text()
    _no_partial_files(out)


@pytest.mark.parametrize("how", ["button", "escape"])
def test_cancel_button_of_progress_dialog_stops_export(qtbot, make_window, portrait_folder, tmp_path, how):
    w, folder = _opened(qtbot, make_window, portrait_folder, 5)
    out = tmp_path / "cancel-button"
    out.mkdir()
    _ask(w, out)
    assert w.export_batch()
    dialog = w.exporter.dialog
    if how == "button":
        qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    kind, written = _wait_export(qtbot, w)
    assert kind == "cancelled"
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == written < 8  # 5 PDFs, summary, CSV, JSON
    assert f"Export cancelled; {written} file" in w.status_text.text()
    _no_partial_files(out)


def _unwritable(tmp_path: Path, how: str) -> Path:
    if how == "read-only":
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            pytest.skip("root ignores folder permissions")
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        return locked
    blocker = tmp_path / "blocker"  # a file where a folder should be: fails for root too
    blocker.write_text("not a folder")
    return blocker / "reports"


@pytest.mark.parametrize("how", ["read-only", "not-a-folder"])
def test_unwritable_folder_shows_clear_error_and_app_stays_usable(qtbot, make_window, portrait_folder, tmp_path,
                                                                   monkeypatch, how):
    locked = _unwritable(tmp_path, how)
    w, folder = _opened(qtbot, make_window, portrait_folder, 2)
    warnings = []
    monkeypatch.setattr(gui_export.QMessageBox, "warning",
                        lambda parent, title, text, *rest: warnings.append((title, text)))
    try:
        _ask(w, locked)
        assert w.export_batch()
        kind, message = _wait_export(qtbot, w)
        assert kind == "failed"
        assert len(warnings) == 1
        title, text = warnings[0]
        assert "Export failed" in title
        assert str(locked) in text
        expected = ("Cannot write", "ermission") if how == "read-only" else (f"{locked.parent} is a file, not a folder",)
        assert all(words in text for words in expected), text
        assert not locked.exists() or list(locked.iterdir()) == []
        assert "Export failed" in w.status_text.text()
    finally:
        if locked.is_dir():
            locked.chmod(0o700)
    # the app goes on: a decision saves and a second export to a writable folder works
    w.browser.select_row(0)
    assert w.decisions.record("retake", ["glasses"], "")
    good = tmp_path / "good"
    good.mkdir()
    _ask(w, good)
    assert w.export_report()
    kind, _result = _wait_export(qtbot, w)
    assert kind == "done" and len(list(good.iterdir())) == 2
    w.exporter.result_box.close()


def test_closing_the_window_stops_a_running_export(qtbot, make_window, portrait_folder, tmp_path):
    w, folder = _opened(qtbot, make_window, portrait_folder, 5)
    out = tmp_path / "closing"
    out.mkdir()
    _ask(w, out)
    assert w.export_batch()
    w.close()  # cancels and waits for the export thread: no crash, no partial file
    assert not w.exporter.running()
    assert len(list(out.iterdir())) < 8
    _no_partial_files(out)
