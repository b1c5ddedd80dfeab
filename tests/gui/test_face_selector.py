"""Photos with several faces: the face selector switches the gauge, the region table and the chip view."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsRectItem

from pfiq_desktop.engine.results import CheckResult, Evidence, Verdict
from pfiq_desktop.gui.checklist_panel import ChecklistPanel
from tests.gui.fakes import FakeAnalyzer

SECOND_REGIONS = {"left_eye": 0.15, "right_eye": 0.2, "nose": 0.1, "chin": 0.25}
SECOND_SHARPNESS = 0.123


class TwoFaceAnalyzer(FakeAnalyzer):
    """The fake engine, plus a smaller, worse second face on photos whose name starts with "group"."""

    def analyse(self, path):
        analysis = super().analyse(path)
        if not Path(str(path)).name.startswith("group") or not analysis.faces:
            return analysis
        subject = analysis.faces[0]
        h, w = subject.photo_shape
        box = (int(w * 0.78), int(h * 0.1), int(w * 0.96), int(h * 0.3))
        s = 150 / (box[2] - box[0])
        transform = np.array([[s, 0, -box[0] * s], [0, s, -box[1] * s]], np.float64)
        second = dataclasses.replace(
            subject, box=box, detection_score=0.6, landmarks=subject.landmarks * 0.36 + [w * 0.69, 0],
            chip_transform=transform, quality=0.12, quality_raw=0.05,
            plq_chip=np.full((150, 150), 0.1, np.float32), regions=dict(SECOND_REGIONS))
        subject.quality = 0.88  # clearly different from the second face
        analysis.faces = [subject, second]
        analysis.checks.append(CheckResult(  # the second face's own check, as the engine runs it per face
            "sharpness", "Sharp focus", "photometric", Verdict.FAIL, "second face blurred", SECOND_SHARPNESS, "",
            {"min": 0.5}, Evidence(boxes=[box]), 1))
        return analysis


def two_face_factory(device, profile):
    return TwoFaceAnalyzer(device, profile)


def _photo(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    img = np.zeros((300, 400, 3), np.uint8)
    img[:] = np.linspace(40, 220, 400, dtype=np.uint8)[None, :, None]
    img[::7] = rng.integers(0, 255, (img[::7].shape), dtype=np.uint8)  # texture: the chips differ
    cv2.imwrite(str(path), img)


def _analysis(tmp_path, name="group.png"):
    path = tmp_path / name
    _photo(path, 1)
    return TwoFaceAnalyzer().analyse(path)


def _region_rows(panel) -> list[tuple[str, str]]:
    """(region, PLQ) rows of the region table."""
    return [(panel.regions.item(r, 0).text(), panel.regions.item(r, 2).text()) for r in range(panel.regions.rowCount())]


def test_panel_switches_gauge_and_regions(qtbot, tmp_path):
    analysis = _analysis(tmp_path)
    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_analysis(analysis)
    assert panel.face_row.isVisibleTo(panel)
    assert panel.face_combo.count() == 2 and "subject" in panel.face_combo.itemText(0)
    assert panel.gauge.value == 0.88
    first_rows = _region_rows(panel)
    assert ("Eye (photo left)", "0.40") in first_rows

    with qtbot.waitSignal(panel.faceChanged) as sig:
        panel.next_face()
    assert sig.args == [1]
    assert panel.face_combo.currentIndex() == 1
    assert abs(panel.gauge.value - 0.12) < 1e-9
    rows = _region_rows(panel)
    assert rows != first_rows and ("Chin", "0.25") in rows and ("Eye (photo left)", "0.15") in rows

    panel.next_face()  # wraps round to the subject
    assert panel.face_index == 0 and panel.gauge.value == 0.88 and _region_rows(panel) == first_rows
    panel.face_combo.setCurrentIndex(1)  # the combo box selects too
    assert panel.face_index == 1 and abs(panel.gauge.value - 0.12) < 1e-9
    panel.previous_face()
    assert panel.face_index == 0

    # the same photo re-evaluated (profile switch) keeps the chosen face; another photo starts at the subject
    panel.set_face(1)
    panel.set_analysis(dataclasses.replace(analysis, profile="strict"))
    assert panel.face_index == 1 and abs(panel.gauge.value - 0.12) < 1e-9
    panel.set_analysis(_analysis(tmp_path, "group2.png"))
    assert panel.face_index == 0 and panel.gauge.value == 0.88


def test_single_face_has_no_selector(qtbot, tmp_path):
    path = tmp_path / "single.png"
    _photo(path, 2)
    analysis = TwoFaceAnalyzer().analyse(path)
    assert len(analysis.faces) == 1
    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_analysis(_analysis(tmp_path))
    assert panel.face_row.isVisibleTo(panel)
    panel.set_analysis(analysis)
    assert not panel.face_row.isVisibleTo(panel)
    panel.next_face()
    assert panel.face_index == 0
    assert panel.set_face(1) is False


def _boxes(w) -> dict[int, QGraphicsRectItem]:
    return {i.data(0): i for i in w.compare.layers["left"].items if isinstance(i, QGraphicsRectItem)}


def test_window_face_selector_drives_gauge_table_and_chip(qtbot, make_window, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(folder / "group.png", 3)
    _photo(folder / "single.png", 4)
    w = make_window(two_face_factory)
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=20000)
    group = str((folder / "group.png").resolve())
    w.browser.select_path(group)
    qtbot.waitUntil(lambda: w.compare.analysis is not None and len(w.compare.analysis.faces) == 2, timeout=5000)
    checklist, compare = w.checklist, w.compare
    faces = compare.analysis.faces
    assert checklist.face_row.isVisibleTo(w)
    assert checklist.face_index == 0 and compare.face_index == 0

    # photo mode: the chosen face's box is highlighted
    boxes = _boxes(w)
    assert set(boxes) == {0, 1}
    assert boxes[0].pen().style() == Qt.PenStyle.SolidLine and boxes[1].pen().style() == Qt.PenStyle.DashLine

    # chip mode shows the subject's chip and raw map
    compare.mode.setCurrentIndex(1)
    chip0 = compare.left_image.image.copy()
    assert np.allclose(compare._map, faces[0].plq_chip)
    gauge0, rows0 = checklist.gauge.value, _region_rows(checklist)

    # keyboard: next face
    w.browser.view.setFocus()
    qtbot.keyClick(w.browser.view, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert checklist.face_index == 1 and compare.face_index == 1
    assert checklist.gauge.value != gauge0 and abs(checklist.gauge.value - faces[1].quality) < 1e-9
    assert _region_rows(checklist) != rows0 and ("Chin", "0.25") in _region_rows(checklist)
    assert np.allclose(compare._map, faces[1].plq_chip)
    assert not np.array_equal(compare.left_image.image, chip0)
    assert compare.left_title.text().startswith("Face 2 of 2")

    # back to the photo: now the second box is the highlighted one
    compare.mode.setCurrentIndex(0)
    boxes = _boxes(w)
    assert boxes[1].pen().style() == Qt.PenStyle.SolidLine and boxes[0].pen().style() == Qt.PenStyle.DashLine
    compare.mode.setCurrentIndex(1)

    # the checklist shows the selected face's own values; photo-wide checks stay
    def shown(check_id):
        return [it.data(0, Qt.ItemDataRole.UserRole) for it in checklist.check_items()
                if it.data(0, Qt.ItemDataRole.UserRole).id == check_id]
    assert [c.value for c in shown("sharpness")] == [SECOND_SHARPNESS] and shown("sharpness")[0].face_index == 1
    assert [c.id for c in shown("background")] == ["background"]  # photo-wide
    assert not shown("eyes_open")  # the subject's own check is not shown for face 2
    assert checklist.select_check("sharpness")
    assert checklist.face_index == 1 and compare.face_index == 1 and compare.evidence_item_count() >= 1

    # previous face by keyboard: the subject's checks again
    qtbot.keyClick(w.browser.view, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    assert checklist.face_index == 0 and compare.face_index == 0
    assert np.array_equal(compare.left_image.image, chip0)
    assert [c.face_index for c in shown("sharpness")] == [0] and shown("eyes_open")
    assert checklist.select_check("sharpness")
    assert np.allclose(compare._map, faces[0].plq_chip)
    assert compare.evidence_item_count() >= 1

    # new results for the photo on screen keep the chosen face in both panels
    checklist.set_face(1)
    w.show_path(group)
    assert checklist.face_index == 1 and compare.face_index == 1
    assert np.allclose(compare._map, faces[1].plq_chip)

    # a photo with one face: no selector, the subject's chip
    w.browser.select_path(str((folder / "single.png").resolve()))
    qtbot.waitUntil(lambda: len(compare.analysis.faces) == 1, timeout=5000)
    assert not checklist.face_row.isVisibleTo(w)
    assert checklist.face_index == 0 and compare.face_index == 0
    qtbot.keyClick(w.browser.view, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert checklist.face_index == 0 and compare.face_index == 0


def test_two_faces_keep_the_window_within_1280_pixels(qtbot, make_window, tmp_path):
    """The face selector beside the gauge asked for its whole text's width ("Face 1 · subject · quality 0.88"): at
    1280x720 a two-face photo widened the window to 1326 px, and it stayed so for the next photos (walk-through). The
    README promises the window fits a 1280x720 screen."""
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(folder / "group.png", 3)
    _photo(folder / "alone.png", 4)  # listed first: shown first
    w = make_window(two_face_factory, size=(1280, 720))
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=20000)
    w.browser.select_path(str((folder / "alone.png").resolve()))
    qtbot.waitUntil(lambda: w.compare.analysis is not None and len(w.compare.analysis.faces) == 1, timeout=5000)
    qtbot.wait(50)
    single_least = w.minimumSizeHint().width()
    dock_least = w.checklist_dock.minimumSizeHint().width()
    assert w.width() == 1280 and single_least <= 1280

    w.browser.select_path(str((folder / "group.png").resolve()))
    qtbot.waitUntil(lambda: len(w.compare.analysis.faces) == 2, timeout=5000)
    qtbot.wait(50)
    checklist = w.checklist
    assert checklist.face_row.isVisibleTo(w)
    assert w.width() == 1280
    assert w.minimumSizeHint().width() <= single_least
    assert w.checklist_dock.minimumSizeHint().width() <= dock_least
    # it still says which face is shown, as drawn: at 1280 px at least "Face 1 · subject"
    box = checklist.face_combo
    assert box.currentText() == "Face 1 · subject · quality 0.88"
    assert box.shown_text().startswith("Face 1 · subject")
    checklist.next_face()
    assert box.shown_text().startswith("Face 2") and w.width() == 1280
    # and one-face photos after it find the window as it was
    w.browser.select_path(str((folder / "alone.png").resolve()))
    qtbot.waitUntil(lambda: len(w.compare.analysis.faces) == 1, timeout=5000)
    qtbot.wait(50)
    assert w.width() == 1280 and w.minimumSizeHint().width() == single_least
