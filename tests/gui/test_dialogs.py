"""Welcome page, settings, about, drag and drop, command line."""

import html
import re
import threading
from pathlib import Path
from unittest.mock import patch

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent
from PySide6.QtWidgets import QFileDialog

from pfiq_desktop.gui.about_dialog import AboutDialog, shortcuts_html
from pfiq_desktop.gui.app import parse_args
from pfiq_desktop.gui.settings_dialog import SettingsDialog
from pfiq_desktop.settings import Settings, SettingsStore
from tests.gui.fakes import fake_factory
from tests.gui.gestures import wheel
from tests.photos import load_portrait, save_rgb


def test_try_the_sample_from_welcome(qtbot, make_window):
    w = make_window(fake_factory())
    assert w.pages.currentWidget() is w.welcome
    qtbot.mouseClick(w.welcome.sample_button, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.compare
    names = sorted(Path(e.path).name for e in w.browser.model.entries)
    assert names == ["1_astronaut.jpg", "2_blurred.png", "3_sunglasses.png", "4_side_lit.png"]
    qtbot.waitUntil(lambda: w.compare.analysis is not None, timeout=10000)
    assert w.compare.heat_image.isVisible()
    assert w.recent_folders()  # the sample folder is now a recent folder


def _drop(window, paths: list[Path]) -> None:
    """`paths` dropped on `window` (the data lives as long as the event: a drop event outliving it crashed)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    window.dropEvent(QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier))


def test_drop_files_opens_them(qtbot, make_window, portrait_folder):
    folder = portrait_folder(2, broken=False)
    w = make_window(fake_factory())
    _drop(w, sorted(folder.iterdir()))
    assert len(w.browser.model.entries) == 2


def test_photos_dropped_while_reviewing_are_added_shown_and_said_and_a_repeat_drop_is_said(qtbot, make_window,
                                                                                        portrait_folder, tmp_path):
    # dropped among 78 photos, 3 more were neither selected nor said for long ("Opened 3 photos" for a moment); the
    # open folder dropped again said nothing; a photo dropped on the search box typed its file:/// path there and the
    # list showed none (fourth walk-through)
    folder = portrait_folder(4, broken=False)
    w = make_window(fake_factory())
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: w.session.current is not None)
    more = tmp_path / "another applicant"
    more.mkdir()
    added = [save_rgb(more / f"extra_{i}.jpg", load_portrait(10 + i)) for i in range(2)]
    w.browser.filter.setCurrentIndex(w.browser.filter.findData("decided"))  # a filter that hides new photos is cleared
    _drop(w, added)
    assert len(w.browser.model.entries) == 6
    assert w.status_text.text().startswith("Added 2 photos to the list (now 6)")  # before the progress replaces it
    qtbot.waitUntil(lambda: w.session.current == str(added[0]))
    _drop(w, [folder])
    assert len(w.browser.model.entries) == 6 and w.status_text.text() == "Already in the list: nothing added"
    assert not w.browser.search.acceptDrops()


def test_missing_path_gives_clear_message(qtbot, make_window, tmp_path):
    w = make_window(fake_factory())
    assert w.open_paths([str(tmp_path / "nope")]) == 0
    assert "Not found" in w.banner.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert w.open_paths([str(empty)]) == 0
    assert "No photos" in w.banner.text() and "sub-folders" not in w.banner.text()


def test_a_folder_of_dated_sub_folders_opens_with_its_sub_folders(qtbot, make_window, portrait_folder, tmp_path):
    # the window used to find nothing in such a folder, with no way to open the sub-folders
    photos = portrait_folder(2, broken=False)
    day = tmp_path / "archive" / "2026-12-01"
    day.parent.mkdir()
    photos.rename(day)
    w = make_window(fake_factory())
    assert w.open_paths([str(day.parent)]) == 0
    assert "No photos found in" in w.banner.text() and "(it has sub-folders: File ▸ Open folder with sub-folders…" in w.banner.text()
    opened = []
    w.open_paths = lambda paths, add=False, recursive=False: opened.append((paths, recursive)) or 0
    with patch.object(QFileDialog, "getExistingDirectory", return_value=str(day.parent)):
        action = w.findChild(QAction, "actOpenFolderRecursive")
        assert action.shortcut().toString() == "Ctrl+Alt+O"
        action.trigger()
    assert opened == [([str(day.parent)], True)]
    del w.open_paths
    assert w.open_paths([str(day.parent)], recursive=True) == 2
    # reopened from the recent folders, it opens with its sub-folders again
    assert str(day.parent.resolve()) in w.recent_folders()
    assert w.open_paths([str(next(day.iterdir()))]) == 1  # one photo is open meanwhile
    w.open_folder(str(day.parent.resolve()))
    assert len(w.session.records) == 2 and "No photos" not in w.banner.text()


def test_opening_a_folder_without_photos_leaves_the_analyses_under_way(qtbot, make_window, portrait_folder, tmp_path):
    # it used to cancel the queue first: the photos on screen stayed "pending" and the status said "Batch cancelled"
    gate = threading.Event()
    w = make_window(fake_factory(gate=gate))
    try:
        assert w.open_paths([str(portrait_folder(3, broken=False))]) == 3
        qtbot.waitUntil(lambda: w.worker.pending() == 2)  # one in progress, held by the gate
        (tmp_path / "nothing here").mkdir()
        assert w.open_paths([str(tmp_path / "nothing here")]) == 0
        assert w.worker.pending() == 2 and "cancelled" not in w.status_text.text()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in w.session.records), timeout=10000)


def test_settings_dialog_round_trip(qtbot, make_window):
    w = make_window(fake_factory())
    dialog = SettingsDialog(Settings(officer="kim"), ["icao-9303", "strict"], w)
    qtbot.addWidget(dialog)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.profile.setCurrentText("strict")
    dialog.officer.setText("Officer Lee")
    values = dialog.values()
    assert (values.device, values.profile, values.officer) == ("cpu", "strict", "Officer Lee")
    w.apply_settings(values)
    assert w.settings.current.officer == w.session.officer == "Officer Lee"
    assert w.checklist.profile.currentText() == "strict"
    saved = SettingsStore().current  # read back from the settings file
    assert (saved.officer, saved.profile, saved.device) == ("Officer Lee", "strict", "cpu")


def test_settings_close_only_on_a_network_file_and_an_export_folder_that_can_be_used(qtbot, tmp_path):
    # a mistyped network file was accepted, and the engine then stopped for every photo with "backbone file ... does
    # not exist", a word the window never uses (second usability walk-through)
    dialog = SettingsDialog(Settings(), ["icao-9303"])
    qtbot.addWidget(dialog)
    assert dialog.minimumWidth() >= 560  # a path read whole enough to see a typo
    dialog.backbone.setText(str(tmp_path / "agency.onx"))
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and not dialog.problem.isHidden()
    assert dialog.problem.text() == f"Recognition network: the recognition network's model file {tmp_path / 'agency.onx'} does not exist"
    model = tmp_path / "agency.onnx"
    model.write_bytes(b"not checked here")
    dialog.backbone.setText(str(model))
    dialog.accept()
    assert "its sidecar agency.toml is missing" in dialog.problem.text()
    dialog.backbone.setText("")
    dialog.output.setText(str(tmp_path / "no such folder"))
    dialog.accept()
    assert dialog.problem.text().startswith("Export folder:") and dialog.result() != dialog.DialogCode.Accepted
    dialog.output.setText(str(tmp_path))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.problem.isHidden()


def test_the_wheel_over_a_settings_drop_down_changes_it_only_once_it_has_the_focus(qtbot):
    # with the focus elsewhere, the wheel over "Threshold profile" turned icao-9303 to strict (review)
    dialog = SettingsDialog(Settings(), ["icao-9303", "strict", "lenient"])
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.profile.currentText(), dialog.theme.currentText()
    wheel(dialog.profile, -2)
    wheel(dialog.theme, -2)
    assert (dialog.profile.currentText(), dialog.theme.currentText()) == before


def test_settings_offer_cuda_only_where_there_is_a_cuda_device(qtbot, monkeypatch):
    # choosing it without one could only fail: the engine did not start until another device was chosen
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for saved, selectable in (("auto", False), ("cuda", True)):  # a saved choice stays visible as chosen
        dialog = SettingsDialog(Settings(device=saved), ["icao-9303"])
        qtbot.addWidget(dialog)
        cuda = dialog.device.model().item(dialog.device.findData("cuda"))
        assert cuda.isEnabled() == selectable and dialog.device.currentData() == saved
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    dialog = SettingsDialog(Settings(), ["icao-9303"])
    qtbot.addWidget(dialog)
    assert dialog.device.model().item(dialog.device.findData("cuda")).isEnabled()


def test_about_lists_models_and_help(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "How to read the map" in text and "compared with compliant passport photos" in text
    assert "dlib_face_recognition_resnet_model_v1.dat" in text


def test_the_help_explains_the_checklist_and_the_renewal_check_in_the_words_the_window_uses(qtbot):
    # F1 explained only the map: an officer reading "could not be measured precisely enough" or a renewal score of
    # 0.91 found nothing on it
    from pfiq_desktop.engine.icao.headpose import POSE_UNCERTAINTY_DEG
    from pfiq_desktop.reports.comparison_figure import OTHER_BELOW, SAME_AT_OR_ABOVE, SCORE_WORDS

    dialog = AboutDialog(help_only=True)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "How to read the checklist" in text and "Renewal check: the same person?" in text
    assert "Warning: near a limit" in text and "Not assessable: the check could not look" in text
    assert f"± {POSE_UNCERTAINTY_DEG['pitch']:g} degrees" in text and "The strict profile passes only readings" in text
    assert SCORE_WORDS in text and SAME_AT_OR_ABOVE.lower() in text and OTHER_BELOW.lower() in text
    # the whole-head rule's warning, in the check's own words and with the measured reach (eval_crown.py)
    from pfiq_desktop.engine.icao.mm_geometry import CROWN_OVERSHOOT
    from pfiq_desktop.engine.icao.registry import IMPRECISE

    assert f"less than {100 * CROWN_OVERSHOOT:.0f} %" in text and f"Whole head {IMPRECISE}" in text
    # eyes turned hard aside passed with no word that gaze is not checked (officer's walk-through)
    assert "Not checked by this application: where the eyes look" in text
    assert dialog.windowTitle() == "How to read the results"


def test_the_keyboard_help_lists_every_menu_key_from_the_menu_itself(qtbot, make_window):
    # the help kept its own table of keys: Ctrl+Z there still read "withdraw the decision on this photo" after the menu
    # changed it, and N was missing
    from PySide6.QtGui import QKeySequence

    w = make_window(fake_factory())
    dialog = AboutDialog(w, help_only=True, actions=w.actions())
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    keyed = [a for a in w.actions() if not a.shortcut().isEmpty()]
    assert len(keyed) >= 20
    table = shortcuts_html(w.actions())
    for action in keyed:  # each key in its own row beside its entry's words (a lone "A" is found anywhere)
        key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        words = action.text().replace("&", "").removesuffix("…")
        assert f"<b>{html.escape(key)}</b></td><td>{html.escape(words)}" in table, action.text()
    assert "Undo last decision (the latest made in this window: withdrawn, or the decision it replaced filed again" in text
    assert "Next undecided photo" in text and "↑ ↓ Home End" in text
    # the page opens on a line of contents: the keyboard table, at the very bottom, is one click away
    from pfiq_desktop.gui.about_dialog import HELP_CONTENTS, help_html

    assert text.startswith("The map · The checklist · Renewal check · Keyboard")
    page = help_html(w.actions())
    for anchor in re.findall(r'href="#(\w+)"', HELP_CONTENTS):
        assert re.search(rf"name=['\"]{anchor}['\"]", page), anchor
    # the renewal check's help named neither of the dialog's columns nor how to bring in a new photo (walk-through)
    assert 'green ("Supports the match")' in page and 'red ("Opposes the match")' in page
    assert "drag it onto the window, which adds it" in page


def test_command_line():
    args = parse_args(["some/folder", "--device", "cpu"])
    assert args.paths == ["some/folder"] and args.device == "cpu" and not args.self_test
    assert parse_args(["--self-test"]).self_test


def test_officer_name_is_asked_once_per_session_and_recorded(qtbot, make_window, portrait_folder, data_dir):
    from pfiq_desktop.review import ReviewStore

    folder = portrait_folder(3, broken=False)
    w = make_window(fake_factory())
    asked = []
    answers = iter(["", "Officer Kim"])  # first refused, then given

    def ask(current):
        asked.append(current)
        return next(answers)

    w.decisions.ask_officer_name = ask
    w.decisions.auto_advance = False
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in w.session.records), timeout=10000)
    first, second = w.browser.visible_paths()[:2]
    w.browser.select_path(first)
    assert not w.decisions.record("reject", [], "")  # refused: nothing recorded
    assert w.session.record(first).decision is None and "officer's name" in w.decision.message.text()
    assert w.decisions.record("reject", [], "")
    w.browser.select_path(second)
    assert w.decisions.record("retake", [], "")
    assert asked == ["test-officer", "test-officer"]  # the saved name was offered, and not asked again once given
    assert w.officer_text.text() == "Officer: Officer Kim"
    assert SettingsStore().current.officer == "Officer Kim"  # remembered for the next session
    store = ReviewStore(data_dir / "reviews.sqlite3")
    assert {e.officer for e in store.audit_log()} == {"Officer Kim"}
    store.close()


def test_settings_choose_the_recognition_network(qtbot, make_window, tmp_path):
    """Issue 17: the backbone chosen in Settings is saved and the engine is started again with it."""
    made = []

    def factory(device, profile, **extra):
        made.append(extra.get("backbone", ""))
        return fake_factory()(device, profile)

    w = make_window(factory)
    qtbot.waitUntil(lambda: made == [""], timeout=10000)  # the built-in network: no backbone argument
    dialog = SettingsDialog(w.settings.current, ["icao-9303"], w)
    qtbot.addWidget(dialog)
    model = str(tmp_path / "agency.onnx")
    dialog.backbone.setText(model)
    w.apply_settings(dialog.values())
    assert SettingsStore().current.backbone == model
    w.worker.enqueue([str(tmp_path / "photo.jpg")])  # the next job loads the engine again
    qtbot.waitUntil(lambda: made == ["", model], timeout=10000)
    assert parse_args(["--backbone", model]).backbone == model
