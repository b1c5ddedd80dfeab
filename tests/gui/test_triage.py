"""Triage of a large folder: photos failing only on resolution or cropping are told apart, and any failing check filters."""

from __future__ import annotations

import dataclasses
import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pfiq_desktop.engine.results import FACE_PRESENT, STORED_TURNED_UNIT, Analysis, CheckResult, Verdict
from pfiq_desktop.gui.browser import WORST_FIRST, ImageListModel, problems_note
from pfiq_desktop.review.session import PhotoRecord, ReviewSession
from pfiq_desktop.review.store import ReviewStore
from tests.gui.fakes import FakeAnalyzer

FAILS = {  # file name prefix -> the subject's failed checks
    "small": ["inter_eye_distance"],
    "crop": ["inter_eye_distance", "face_cropped"],
    "closed": ["inter_eye_distance", "eye_open_left"],
    "ok": [],
}


class TriageAnalyzer(FakeAnalyzer):
    def analyse(self, path):
        analysis = super().analyse(path)
        failing = FAILS[path.rsplit("/", 1)[-1].split("_")[0]]
        analysis.checks = [CheckResult(i, i, "geometry", Verdict.FAIL, "too small", 1.0, face_index=0) for i in failing]
        return dataclasses.replace(analysis)


def _window_on_copies(qtbot, make_window, portraits, tmp_path, analyzer: type[FakeAnalyzer], names, **window):
    """A window on copies of one portrait named `names` (distinct bytes after the JPEG's end: distinct photos for the
    analysis cache), analysed by `analyzer`, which reads what to find from the name; and their folder."""
    folder = tmp_path / "photos"
    folder.mkdir()
    source = sorted(portraits.glob("*.jpg"))[0].read_bytes()
    for name in names:
        (folder / f"{name}.jpg").write_bytes(source + name.encode())
    w = make_window(lambda device, profile: analyzer(device, profile), **window)
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in w.session.records), timeout=10000)
    return w, folder


def test_framing_only_failures_are_shown_apart_and_any_failing_check_filters(qtbot, make_window, portraits, tmp_path):
    names = [f"{prefix}_{i}" for prefix, count in (("small", 3), ("crop", 1), ("closed", 2), ("ok", 1)) for i in range(count)]
    w, folder = _window_on_copies(qtbot, make_window, portraits, tmp_path, TriageAnalyzer, names)
    browser = w.browser
    browser.refresh_check_filter()

    assert "6 fail (4 crop or scan only)" in browser.summary.text()  # ("framing only" named a rescan's fix a crop)
    label = browser.model.data(browser.model.index_of(str((folder / "small_0.jpg").resolve())))
    assert label == "small_0.jpg\ncrop or scan only: Too few pixels between the eyes"
    closed = browser.model.data(browser.model.index_of(str((folder / "closed_0.jpg").resolve())))
    assert closed.splitlines()[1] == "Eye closed or hidden (photo left), Too few pixels between the eyes"  # new photo first
    # a narrow list cuts that line ("Head turned (yaw), Backgrou"): the row's tip names every failed check
    row = browser.model.index_of(str((folder / "closed_0.jpg").resolve()))
    tip = browser.model.data(row, Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines()[1] == "Fail: Eye closed or hidden (photo left), Too few pixels between the eyes", tip

    assert browser.summary.text().startswith("7 photos · ")
    browser.filter.setCurrentIndex(browser.filter.findData("fail_framing"))
    assert sorted(p.rsplit("/", 1)[-1] for p in browser.visible_paths()) == ["crop_0.jpg", "small_0.jpg", "small_1.jpg", "small_2.jpg"]
    assert browser.summary.text().startswith("4 of 7 photos shown · ")  # a filter on is plain where counts are read
    browser.search.setText("small")
    assert browser.summary.text().startswith("3 of 7 photos shown · ")
    browser.search.clear()
    browser.filter.setCurrentIndex(browser.filter.findData("fail_face"))
    assert sorted(p.rsplit("/", 1)[-1] for p in browser.visible_paths()) == ["closed_0.jpg", "closed_1.jpg"]

    browser.filter.setCurrentIndex(0)
    items = [browser.check_filter.itemText(i) for i in range(browser.check_filter.count())]
    # the gravest first (a new photo before a crop), then the most frequent; the problem first, for typing to reach it
    assert items[1:4] == ["Eye closed or hidden (photo left) (2 failing)", "Too few pixels between the eyes (6 failing)",
                          "Head cut off by the photo's edge (1 failing)"], items
    browser.check_filter.setCurrentIndex(browser.check_filter.findData("Eye closed or hidden (photo left)"))
    assert sorted(p.rsplit("/", 1)[-1] for p in browser.visible_paths()) == ["closed_0.jpg", "closed_1.jpg"]
    browser.check_filter.setCurrentIndex(browser.check_filter.findData("Head cut off by the photo's edge"))
    assert [p.rsplit("/", 1)[-1] for p in browser.visible_paths()] == ["crop_0.jpg"]
    assert browser.view.model().data(browser.view.model().index(0, 0), Qt.ItemDataRole.DisplayRole).startswith("crop_0.jpg")


class HeadSizeAnalyzer(FakeAnalyzer):
    """The head too small in photos named tiny_*, too large in the others."""

    def analyse(self, path):
        analysis = super().analyse(path)
        height = 0.3 if path.rsplit("/", 1)[-1].startswith("tiny") else 0.9
        analysis.checks = [CheckResult("head_size", "Head height (chin to crown)", "geometry", Verdict.FAIL, "", height,
                                       "fraction of height", {"fail_below": 0.7, "fail_above": 0.8}, face_index=0)]
        return dataclasses.replace(analysis)


def test_the_check_filter_tells_a_head_too_small_from_one_too_large(qtbot, make_window, portraits, tmp_path):
    # "Failing: Head too small or too large (9)": an officer filtering by it could not tell which (walk-through)
    w, _ = _window_on_copies(qtbot, make_window, portraits, tmp_path, HeadSizeAnalyzer, ("tiny_0", "tiny_1", "huge_0"))
    browser = w.browser
    browser.refresh_check_filter()
    items = [browser.check_filter.itemText(i) for i in range(1, browser.check_filter.count())]
    assert items == ["Head too small (2 failing)", "Head too large (1 failing)"]
    browser.check_filter.setCurrentIndex(2)
    assert [p.rsplit("/", 1)[-1] for p in browser.visible_paths()] == ["huge_0.jpg"]
    assert browser.check_filter.toolTip() == "Head too large (1 failing)"  # whole, where the box cuts it (review)


def test_a_photo_stored_sideways_is_named_so_in_the_list() -> None:
    """The list row said "No face found" for a scan stored sideways, as for a photo of a wall."""
    turned = CheckResult(FACE_PRESENT, "Face present", "geometry", Verdict.FAIL, "No upright face: the photo is stored sideways",
                         90.0, STORED_TURNED_UNIT)
    record = PhotoRecord("/photos/scan.jpg")
    record.set_analysis(Analysis(source="/photos/scan.jpg", image_size=(400, 300), checks=[turned]))
    assert problems_note(record) == "Photo stored sideways"
    record.set_analysis(Analysis(source="/photos/scan.jpg", image_size=(400, 300), checks=[dataclasses.replace(turned, unit="faces")]))
    assert problems_note(record) == "No face found"


def test_the_list_says_what_to_look_at_on_a_photo_that_warns(tmp_path, portraits) -> None:
    """A photo that only warned showed its name alone, and a failed one never said it also had warnings: a wink the
    network thought 87 % likely was in neither (walk-through)."""
    wink = CheckResult("eye_open_right", "Eye open (photo right)", "eyes_mouth", Verdict.WARN,
                       "The eye on the photo's right may be closed (confidence 87%): look at it.", 87.0, "% closed", face_index=0)
    mouth = CheckResult("mouth_closed", "Mouth closed", "eyes_mouth", Verdict.FAIL, "Mouth is open", 20.0, "%", face_index=0)
    paths = [tmp_path / "wink.jpg", tmp_path / "open.jpg"]
    for path in paths:
        shutil.copy(next(portraits.glob("*.jpg")), path)
    with ReviewStore(tmp_path / "reviews.sqlite3") as store:
        session = ReviewSession(store)
        session.open([str(p) for p in paths])
        for path, checks in zip(paths, ([wink], [wink, mouth])):
            session.record(str(path)).set_analysis(Analysis(source=str(path), image_size=(400, 300), checks=checks))
        model = ImageListModel(session)
        model.reset()  # the window tells the list once the photos are open
        said = {str(path): [model.data(model.index_of(str(path)), role) for role in
                            (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole)]
                for path in paths}
    shown, _, heard = said[str(paths[0])]
    assert shown == "wink.jpg\nEye closed or hidden (photo right)?" and "to look at: Eye closed or hidden (photo right)?" in heard
    shown, tip, _ = said[str(paths[1])]
    assert shown == "open.jpg\nMouth open or teeth showing; look at Eye closed or hidden (photo right)?"
    assert "To look at: Eye closed or hidden (photo right)?" in tip


class WinkAnalyzer(FakeAnalyzer):
    """Photos named "wink_*" warn "may be closed" on one eye; "shut_*" fail it; the others pass."""

    def analyse(self, path):
        analysis = super().analyse(path)
        verdict = {"wink": Verdict.WARN, "shut": Verdict.FAIL}.get(path.rsplit("/", 1)[-1].split("_")[0], Verdict.PASS)
        analysis.checks = [CheckResult("eye_open_right", "Eye open (photo right)", "eyes_mouth", verdict, "may be closed",
                                       87.0, "% closed", face_index=0)]
        return dataclasses.replace(analysis)


def test_the_photos_a_check_warns_on_can_be_filtered(qtbot, make_window, portraits, tmp_path):
    """The check filter offered failing checks only: an officer looking for every "eye may be closed" had no way to
    list them."""
    w, _ = _window_on_copies(qtbot, make_window, portraits, tmp_path, WinkAnalyzer, ("wink_0", "wink_1", "shut_0", "ok_0"))
    browser = w.browser
    browser.refresh_check_filter()
    items = [browser.check_filter.itemText(i) for i in range(browser.check_filter.count())]
    assert items[1:] == ["Eye closed or hidden (photo right) (1 failing)", "Eye closed or hidden (photo right)? (2 warned)"]
    browser.check_filter.setCurrentIndex(2)
    assert sorted(p.rsplit("/", 1)[-1] for p in browser.visible_paths()) == ["wink_0.jpg", "wink_1.jpg"]
    browser.check_filter.setCurrentIndex(1)
    assert [p.rsplit("/", 1)[-1] for p in browser.visible_paths()] == ["shut_0.jpg"]


class UnjudgedAnalyzer(FakeAnalyzer):
    """Photos named "unjudged_*" pass every check but one that could not be judged; the others pass."""

    def analyse(self, path):
        analysis = super().analyse(path)
        verdict = Verdict.NOT_ASSESSABLE if path.rsplit("/", 1)[-1].startswith("unjudged") else Verdict.PASS
        analysis.checks = [CheckResult("glasses", "No glasses", "eyes_mouth", verdict, "in deep shadow", face_index=0),
                           CheckResult("sharpness", "Sharp focus", "photometric", Verdict.PASS, "sharp", 1.0, face_index=0)]
        return dataclasses.replace(analysis)


def test_a_photo_judged_not_assessable_is_counted_and_can_be_filtered(qtbot, make_window, portraits, tmp_path):
    # its status ranks between pass and warning, but the counts and filters knew only pass, warn, fail and error:
    # "2 images · 1 pass" for two analysed photos, and no filter found the other
    w, _ = _window_on_copies(qtbot, make_window, portraits, tmp_path, UnjudgedAnalyzer, ("unjudged_0", "ok_0"))
    qtbot.waitUntil(lambda: w.status_text.text().startswith("Analysis finished"), timeout=10000)
    assert w.status_text.text() == "Analysis finished: 1 pass, 1 not assessable"
    assert w.browser.summary.text() == "2 photos · 1 pass · 1 not assessable · 0 decided"
    w.browser.filter.setCurrentIndex(w.browser.filter.findData("not_assessable"))
    assert [p.rsplit("/", 1)[-1] for p in w.browser.visible_paths()] == ["unjudged_0.jpg"]


def test_the_photo_on_screen_stays_in_view_when_the_list_is_sorted_worst_first(qtbot, make_window, portraits, tmp_path):
    # after "worst first" the photo on screen sat 1,555 px down a 343 px list, and the next Down went elsewhere; on
    # reopening under worst first, the order taken when the batch finished left the place out of view (third walk-through)
    names = [f"{prefix}_{i}" for prefix in ("closed", "crop", "ok", "small") for i in range(10)]
    w, folder = _window_on_copies(qtbot, make_window, portraits, tmp_path, TriageAnalyzer, names, size=(1366, 700))
    view = w.browser.view

    def in_view() -> bool:
        row = view.visualRect(view.currentIndex())
        return row.top() >= 0 and row.bottom() <= view.viewport().height()

    w.browser.select_path(str((folder / "ok_5.jpg").resolve()))
    qtbot.waitUntil(in_view)
    qtbot.wait(50)  # the scroll select_path queued has run: it would otherwise bring the moved row into view (review)
    w.browser.sort.setCurrentIndex(WORST_FIRST)
    assert view.currentIndex().row() == 35  # the photos failing nothing come last
    qtbot.waitUntil(in_view, timeout=2000)


def test_after_the_last_photo_a_filter_shows_is_decided_the_next_key_decides_nothing(qtbot, make_window, portraits, tmp_path):
    # the last photo of a check-filtered list stayed on screen: a T meant for a next photo replaced the R just filed,
    # and another R filed it twice (third usability walk-through)
    w, _ = _window_on_copies(qtbot, make_window, portraits, tmp_path, TriageAnalyzer, ("closed_0", "closed_1", "ok_0"))
    w.browser.refresh_check_filter()
    w.browser.check_filter.setCurrentIndex(w.browser.check_filter.findData("Eye closed or hidden (photo left)"))
    w.activateWindow()
    w.browser.select_row(0)
    w.browser.view.setFocus()
    qtbot.waitUntil(w.browser.view.hasFocus)
    qtbot.keyClick(w.browser.view, Qt.Key.Key_R)
    qtbot.mouseClick(w.decision.buttons["reject"], Qt.MouseButton.LeftButton)  # the last one from the panel
    closed = [r for r in w.session.records if r.name.startswith("closed")]
    assert [r.decision.decision for r in closed] == ["reject", "reject"] and w.session.current is None
    entries = len(w.session.store.audit_log())
    profile = w.settings.current.profile
    for key in (Qt.Key.Key_T, Qt.Key.Key_A):  # the panel, disabled, passed its keys on to the profile box (review)
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert [r.decision.decision for r in closed] == ["reject", "reject"] and len(w.session.store.audit_log()) == entries
    assert w.browser.view.hasFocus() and w.settings.current.profile == profile
    assert w.decision.message.text() == "No photo is on screen."
    qtbot.keyClick(w.browser.view, Qt.Key.Key_Down)  # the list shows one again
    assert w.session.current is not None
    # a decision changed (under "Decided" no photo is ever undecided) stays on screen (review)
    w.browser.check_filter.setCurrentIndex(0)
    w.browser.filter.setCurrentIndex(w.browser.filter.findData("decided"))
    w.browser.select_row(1)
    changed = w.session.current
    qtbot.keyClick(w.browser.view, Qt.Key.Key_T)
    assert w.session.current == changed and w.session.record(changed).decision.decision == "retake"


class GravityAnalyzer(FakeAnalyzer):
    """An eye covered in photos named covered_*, three lesser failures (mouth, pose, background) in the others."""

    def analyse(self, path):
        analysis = super().analyse(path)
        covered = path.rsplit("/", 1)[-1].startswith("covered")
        failing = [("eye_occlusion", "occlusion")] if covered else [
            ("mouth_closed", "eyes_mouth"), ("pose_yaw", "pose"), ("background_uniformity", "background")]
        analysis.checks = [CheckResult(i, i, family, Verdict.FAIL, "", 1.0, face_index=0) for i, family in failing]
        return dataclasses.replace(analysis)


def test_worst_first_puts_the_gravest_failure_first_not_the_most_failures(qtbot, make_window, portraits, tmp_path):
    # ranked by how many checks failed, photos with an eye covered sank to rows 48 and 52 of 60, below unaltered
    # portraits failing their framing and background (third usability walk-through)
    w, _ = _window_on_copies(qtbot, make_window, portraits, tmp_path, GravityAnalyzer, ("a_smiling", "b_smiling", "covered_0"))
    w.browser.sort.setCurrentIndex(WORST_FIRST)
    assert [p.rsplit("/", 1)[-1] for p in w.browser.visible_paths()] == ["covered_0.jpg", "a_smiling.jpg", "b_smiling.jpg"]
    w.browser.refresh_check_filter()
    assert w.browser.check_filter.itemText(1) == "Eyes covered (sunglasses, patch, hand, hair) (1 failing)"
