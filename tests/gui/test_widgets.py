"""Widget-level checks: lazy thumbnails at scale, palettes, reason prefill, per-image errors, the Qt guard."""

import dataclasses
import os
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.gui import browser as browser_module
from pfiq_desktop.gui.browser import BrowserWidget
from pfiq_desktop.gui.decision_panel import DecisionPanel
from pfiq_desktop.gui.theme import apply_theme
from pfiq_desktop.palette import PLQ_SCALE
from pfiq_desktop.review import ReviewStore
from pfiq_desktop.review.session import ReviewSession
from tests.gui.fakes import FakeAnalyzer, fake_factory


def _browser_of_many(qtbot, portraits, tmp_path, count: int) -> tuple[BrowserWidget, Path]:
    """A photo list showing a folder of `count` photos: hard links, distinct paths of one file's bytes."""
    folder = tmp_path / "many"
    folder.mkdir()
    shutil.copy(sorted(portraits.glob("*.jpg"))[0], folder / "img_00000.jpg")
    for i in range(1, count):
        os.link(folder / "img_00000.jpg", folder / f"img_{i:05d}.jpg")
    session = ReviewSession(ReviewStore(tmp_path / "reviews.sqlite3"))
    browser = BrowserWidget(session)
    qtbot.addWidget(browser)
    browser.resize(260, 600)
    browser.show()
    session.open([str(folder)])
    browser.model.reset()
    return browser, folder


def test_thousands_of_files_load_thumbnails_lazily(qtbot, portraits, tmp_path):
    browser, _folder = _browser_of_many(qtbot, portraits, tmp_path, 3000)
    qtbot.wait(100)
    requested = len(browser.model._thumbs)
    assert 0 < requested < 100  # only the rows on screen asked for a thumbnail
    browser.search.setText("img_02990")
    assert len(browser.visible_paths()) == 1
    browser.model.wait_for_thumbnails(5000)


def test_scrolling_through_a_large_folder_keeps_only_the_latest_thumbnails(qtbot, portraits, tmp_path, monkeypatch):
    # performance walk-through: scrolled through, 3,000 photos kept 3,000 thumbnails (48 MB) until another folder
    monkeypatch.setattr(browser_module, "THUMBS_KEPT", 100)
    browser, folder = _browser_of_many(qtbot, portraits, tmp_path, 600)
    for row in range(0, 600, 8):
        browser.view.scrollTo(browser.proxy.index(row, 0))
        qtbot.wait(5)
        browser.model.wait_for_thumbnails(5000)
    qtbot.wait(50)  # deliver the last thumbnails
    kept = browser.model._thumbs
    first, last = (str((folder / f"img_{i:05d}.jpg").resolve()) for i in (0, 599))
    assert len(kept) == 100 and last in kept and first not in kept
    browser.view.scrollTo(browser.proxy.index(0, 0))  # scrolled back to: read again
    qtbot.waitUntil(lambda: kept.get(first) is not None, timeout=5000)


def test_the_search_finds_names_whatever_their_accents_and_unicode_form(qtbot, portraits, tmp_path):
    # international walk-through: "Müller" found the composed name but not the one a Mac wrote decomposed, and a Greek
    # name typed without its accent found nothing
    folder = tmp_path / "names"
    folder.mkdir()
    photo = sorted(portraits.glob("*.jpg"))[0]
    names = [unicodedata.normalize("NFC", "Müller.jpg"), unicodedata.normalize("NFD", "Müller.jpg"), "Παπαδόπουλος.jpg",
             "Mueller.jpg"]
    for name in names:
        os.link(photo, folder / name)
    session = ReviewSession(ReviewStore(tmp_path / "reviews.sqlite3"))
    browser = BrowserWidget(session)
    qtbot.addWidget(browser)
    session.open([str(folder)])
    browser.model.reset()
    for typed, found in (("Müller", 2), (unicodedata.normalize("NFD", "MÜLLER"), 2), ("muller", 2),
                         ("Παπαδοπουλος", 1), ("mueller", 1)):
        browser.search.setText(typed)
        assert len(browser.visible_paths()) == found, typed


def test_palettes(qapp):
    before = qapp.palette()
    assert apply_theme(qapp, "dark") == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 100
    assert apply_theme(qapp, "light") == "light"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    qapp.setPalette(before)


def test_an_unticked_reason_and_the_help_legend_are_legible_in_the_dark_theme(qapp, qtbot):
    # officer's day walk-through: unticked reason boxes were nearly invisible and "somewhat lower" was white on pale
    # yellow in F1's help
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QListWidget, QListWidgetItem

    from pfiq_desktop.gui.about_dialog import HEATMAP_HELP

    before = qapp.palette()
    try:
        apply_theme(qapp, "dark")
        reasons = QListWidget()
        qtbot.addWidget(reasons)
        item = QListWidgetItem("Identity doubt")
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        reasons.addItem(item)
        reasons.resize(300, 80)
        reasons.show()
        qtbot.waitExposed(reasons)
        image = reasons.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        pixels = pixels[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).astype(int)
        row = reasons.visualItemRect(item)
        box = pixels[row.top():row.bottom(), row.left():row.left() + round(0.6 * row.height())]  # the check box, not the text
        base = reasons.palette().color(QPalette.ColorRole.Base)
        assert np.abs(box - [base.red(), base.green(), base.blue()]).sum(axis=2).max() > 150  # Fusion alone: 11
    finally:
        qapp.setPalette(before)  # the style stays the application's own (apply_theme's)
    assert "background:#fedd78;color:black'>&nbsp;somewhat lower" in HEATMAP_HELP


def test_plq_colours_red_low_blue_high():
    rgba = PLQ_SCALE.rgba([[0.0, 0.5, 1.0, float("nan")]])
    low, mid, high, outside = rgba[0]
    assert low[0] > 150 and low[1] < 60  # red
    assert mid[0] > 200 and mid[1] > 200  # yellow
    assert high[2] > 120 and high[0] < 80  # blue
    assert outside[3] == 0  # transparent outside the face


# Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
_COLOUR_BLIND = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _lab(rgb: np.ndarray, seen_by: str | None = None) -> np.ndarray:
    import cv2

    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if seen_by is not None:
        linear = np.clip(linear @ _COLOUR_BLIND[seen_by].T, 0, 1)
    srgb = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return cv2.cvtColor(srgb.astype(np.float32).reshape(1, -1, 3), cv2.COLOR_RGB2Lab)[0]


@pytest.mark.parametrize("seen_by", [None, *_COLOUR_BLIND])
def test_every_map_scales_low_and_high_ends_stay_apart_for_red_green_colour_blind_officers(seen_by):
    """The paper's red-yellow-green map looked one dark olive at both ends under deuteranopia (CIE76 dE 17, against
    97 for normal sight: accessibility walk-through); 1 man in 12 is red-green colour-blind."""
    from pfiq_desktop.palette import MAP_SCALES

    for scale in MAP_SCALES.values():
        low, high = _lab(scale.lut(2)[:, :3].astype(float) / 255, seen_by)
        assert np.linalg.norm(low - high) > 40, (scale.name, seen_by, low, high)


def test_the_colour_bars_show_each_level_as_the_overlay_draws_it(qtbot):
    # the bar showed full red and orange where the map at -1.5 tints the skin by a tenth (map-reading walk-through)
    from pfiq_desktop.gui.compare_view import DIMMED_FACE, CompareView
    from pfiq_desktop.palette import DEVIATION_SCALE, MAP_SCALES, PLQ_SCALE, SKIN_UNDER_THE_BAR

    drawn = DEVIATION_SCALE.as_drawn(64, 0.6, SKIN_UNDER_THE_BAR)
    assert tuple(drawn[-1]) == SKIN_UNDER_THE_BAR  # "not markedly lower than in compliant photos" is uncoloured
    values = np.linspace(*DEVIATION_SCALE.levels, 64, dtype=np.float32)
    over_skin = DEVIATION_SCALE.blend(np.full((1, 64, 3), SKIN_UNDER_THE_BAR, np.uint8), values[None], 0.6)[0]
    assert np.abs(drawn.astype(int) - over_skin).max() <= 1  # what a photo's skin shows at each level
    assert np.abs(PLQ_SCALE.as_drawn(8, 1.0, (0, 0, 0)).astype(int) - PLQ_SCALE.lut(8)).max() <= 3  # opaque: the scale
    view = CompareView()
    qtbot.addWidget(view)
    view.opacity.setValue(30)
    bar = view.colorbar.colorMap().getLookupTable(nPts=2, alpha=False)
    # over the dimmed grey photo the window shows beneath the map, following the slider
    assert np.abs(bar.astype(int) - MAP_SCALES[view.map_shown()].as_drawn(2, 0.3, DIMMED_FACE)).max() <= 3


def test_a_map_is_coloured_inside_its_faces_and_transparent_around_them():
    # only the box around the faces is coloured (a 16-megapixel photo took 0.5 s a map); nothing else may change
    from pfiq_desktop.palette import MAP_SCALES

    rng = np.random.default_rng(0)
    values = np.full((300, 200), np.nan, np.float32)
    values[50:120, 30:150] = rng.normal(0.0, 2.0, (70, 120))
    values[200:240, 10:40] = rng.uniform(0.0, 1.0, (40, 30))  # a second face
    values[60:70, 40:60] = np.nan  # a hole inside a face
    finite = np.isfinite(values)
    for scale in MAP_SCALES.values():
        rgba = scale.rgba(values, alpha=200)
        assert (rgba[finite][:, :3] == scale.rgb(values)[finite]).all()
        assert (rgba[finite][:, 3] == np.round(scale.opacity(values)[finite] * 200)).all()
        assert (rgba[~finite] == 0).all()
        assert (scale.rgba(np.full((4, 5), np.nan, np.float32)) == 0).all()


def test_reasons_prefilled_from_failed_checks(qtbot, portraits):
    analysis = FakeAnalyzer(profile="strict").analyse(sorted(portraits.glob("*.jpg"))[3])
    panel = DecisionPanel()
    qtbot.addWidget(panel)
    panel.load(analysis, None)
    failed = {c.id for c in analysis.failed_checks()}
    assert set(panel.selected_reasons()) == failed  # warnings listed but not ticked
    # with a warning before a failure in fix order, the ticked failures still come first (in view in a short panel)
    warned = dataclasses.replace(analysis.checks[0], id="pose_yaw", verdict=Verdict.WARN)
    failing = dataclasses.replace(analysis.checks[0], id="inter_eye_distance", verdict=Verdict.FAIL)
    panel.load(dataclasses.replace(analysis, checks=[warned, failing]), None)
    codes = [panel.reasons.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.reasons.count())]
    assert codes[:2] == ["inter_eye_distance", "pose_yaw"]
    # a two-way problem is offered by the side it went, as the list row names it; the decision files the check's code
    large = dataclasses.replace(analysis.checks[0], id="head_size", verdict=Verdict.FAIL, value=0.9,
                                thresholds={"fail_below": 0.6, "fail_above": 0.8})
    panel.load(dataclasses.replace(analysis, checks=[large]), None)
    assert panel.reasons.item(0).text() == "Head too large" and panel.selected_reasons() == ["head_size"]


def test_an_eye_behind_sunglasses_is_offered_once_as_the_cover(qtbot, portraits):
    # the panel ticked "Eyes covered" and "Eye closed or hidden" for the same sunglasses, which the list rows name once
    from pfiq_desktop.engine.icao.registry import HIDDEN_UNIT

    analysis = FakeAnalyzer().analyse(sorted(portraits.glob("*.jpg"))[0])
    like = analysis.checks[0]
    cover = dataclasses.replace(like, id="eye_occlusion", verdict=Verdict.FAIL)
    behind = dataclasses.replace(like, id="eye_open_right", verdict=Verdict.FAIL, unit=HIDDEN_UNIT)
    shut = dataclasses.replace(like, id="eye_open_left", verdict=Verdict.FAIL, unit="% closed")
    panel = DecisionPanel()
    qtbot.addWidget(panel)
    panel.load(dataclasses.replace(analysis, checks=[cover, behind, shut]), None)
    assert set(panel.selected_reasons()) == {"eye_occlusion", "eye_open_left"}  # a shut eye is its own problem
    # behind a cover that only warns, a failing eye stays offered and ticked: hiding it would say a failure as a warning
    panel.load(dataclasses.replace(analysis, checks=[dataclasses.replace(cover, verdict=Verdict.WARN), behind]), None)
    assert panel.selected_reasons() == ["eye_open_right"]


def test_a_photo_without_a_face_offers_the_covers_that_hide_one(qtbot):
    # masked faces read "No face found", and the officer could file only that or "Other" (officer's day walk-through)
    from pfiq_desktop.engine.results import Analysis, CheckResult
    from pfiq_desktop.review.reasons import NO_FACE_CAUSES

    missing = CheckResult("face_present", "Face present", "geometry", Verdict.FAIL, "No face was found.", 0.0, "faces")
    panel = DecisionPanel()
    qtbot.addWidget(panel)
    panel.load(Analysis(source="masked.jpg", image_size=(60, 40), checks=[missing]), None)
    codes = [panel.reasons.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.reasons.count())]
    assert codes[:4] == ["face_present", *NO_FACE_CAUSES] and panel.selected_reasons() == ["face_present"]
    assert panel.reasons.item(1).text() == "Mouth or chin covered (mask, scarf, hand)"
    found = dataclasses.replace(missing, verdict=Verdict.PASS)
    panel.load(Analysis(source="face.jpg", image_size=(60, 40), checks=[found]), None)
    assert not set(NO_FACE_CAUSES) & {panel.reasons.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.reasons.count())}


def test_unreadable_file_shows_clear_error(qtbot, make_window, portrait_folder):
    folder = portrait_folder(1)
    w = make_window(fake_factory())
    w.open_paths([str(folder)])
    broken = str((folder / "zz_broken.jpg").resolve())
    qtbot.waitUntil(lambda: w.browser.model.entry(broken).analysis is not None, timeout=10000)
    w.browser.select_path(broken)
    assert w.compare.stack.currentWidget() is w.compare.message
    assert "zz_broken.jpg" in w.compare.message.text()
    assert w.checklist.verdict.text() == "ERROR"
    # the list says why too, beside a crossed-out tile: a name and a badge said nothing, and a truncated JPEG's half
    # face looked like a photo (usability walk-through)
    index = w.browser.model.index_of(broken)
    line = w.browser.model.data(index).split("\n")[1]
    error = w.browser.model.entry(broken).analysis.errors[0]
    # without the name the row shows above it: "The file 'zz_broken.jpg' is not…" was cut before the reason (third
    # walk-through)
    assert error.startswith("The file 'zz_broken.jpg' is ") and line[0].isupper() and line[1:] in error, (line, error)
    assert "zz_broken" not in line
    assert w.browser.model.data(index, Qt.ItemDataRole.DecorationRole) is w.browser.model._unusable
    # the officer can still decide on it (e.g. ask for a retake)
    w.decisions.auto_advance = False
    w.decision.request("retake")
    assert w.browser.model.entry(broken).decision.decision == "retake"


def test_the_quality_gauge_says_it_is_not_the_verdict(qtbot, qapp):
    # a green 0.97 beside a red FAIL read as a contradiction to a new officer
    from PySide6.QtWidgets import QLabel

    from pfiq_desktop.gui.checklist_panel import ChecklistPanel

    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.gauge.set_value(0.97)
    caption = panel.findChild(QLabel, "gaugeCaption")  # in the text's colour: it was a light grey at 1.8:1 (walk-through)
    assert caption.text() == "recognition quality\n(not the verdict)" and not caption.styleSheet()
    before = qapp.palette()
    try:  # ... whichever theme is chosen later: a style sheet kept the first theme's colour, at 1.07:1 (walk-through)
        for theme in ("dark", "light"):
            apply_theme(qapp, theme)
            qtbot.wait(20)  # the application's palette reaches its widgets by an event
            role = QPalette.ColorRole.WindowText
            assert caption.palette().color(role) == qapp.palette().color(role), theme
    finally:
        qapp.setPalette(before)
    assert "Recognition quality 0.97:" in panel.gauge.toolTip() and "not the ICAO verdict" in panel.gauge.toolTip()


def test_the_quality_gauge_s_arc_runs_through_the_map_s_colours_from_low_on_the_left_to_high_on_the_right(qtbot):
    import math

    from pfiq_desktop.gui.checklist_panel import QualityGauge

    gauge = QualityGauge()
    qtbot.addWidget(gauge)
    gauge.resize(300, 172)
    gauge.set_value(None)  # no needle over the arc
    picture = gauge.grab().toImage()
    side = min(gauge.width() - 12, 2 * (gauge.height() - 24))
    cx, cy, radius = gauge.width() / 2, 8 + side / 2, side / 2 - 6  # the middle of the arc's stroke
    lut = PLQ_SCALE.lut(256).astype(int)
    for quality in (0.03, 0.25, 0.5, 0.75, 0.97):
        angle = math.radians(180 - 180 * quality)
        pixel = picture.pixelColor(round(cx + radius * math.cos(angle)), round(cy - radius * math.sin(angle)))
        drawn = np.array(pixel.getRgb()[:3])
        assert np.abs(drawn - lut[round(quality * 255)]).max() <= 12, (quality, drawn, lut[round(quality * 255)])


def test_a_photo_without_a_face_lists_what_failed_not_33_unassessed_checks(qtbot):
    # the walk-through's masked side views showed 33 "Not assessable" rows under a colour bar of a map that is not there
    from pfiq_desktop.engine.results import STORED_TURNED_UNIT, Analysis, CheckResult
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel
    from pfiq_desktop.gui.compare_view import CompareView
    from pfiq_desktop.gui.display import DisplayResult

    unjudged = [CheckResult(f"check_{i}", f"Check {i}", "pose", Verdict.NOT_ASSESSABLE, "no face found") for i in range(33)]
    missing = CheckResult("face_present", "Face present", "geometry", Verdict.FAIL, "No face was found.", 0.0, "faces")
    analysis = Analysis(source="masked.jpg", image_size=(60, 40), checks=[*unjudged, missing])
    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.set_analysis(analysis)
    assert panel.tree.topLevelItemCount() == 1 and panel.tree.topLevelItem(0).text(0) == "Face present"
    assert panel.faces.text() == "No face found: the 33 checks that need a face were not assessed."
    turned = dataclasses.replace(missing, value=270.0, unit=STORED_TURNED_UNIT)  # a scan stored sideways
    panel.set_analysis(dataclasses.replace(analysis, checks=[*unjudged, turned]))
    assert panel.faces.text().startswith("Photo stored sideways: the 33 checks")
    # ... also where the second detector found the face lying on its side (it read "1 face" over 33 N/A rows)
    from tests.reports.synthetic import synthetic_analysis

    lying = dataclasses.replace(analysis, faces=synthetic_analysis().faces[:1], checks=[*unjudged, turned])
    panel.set_analysis(lying)
    assert panel.faces.text().startswith("Photo stored sideways: the 33 checks") and panel.tree.topLevelItemCount() == 1
    panel.set_analysis(analysis)
    # the tooltip ended "bounds fail >5 · geometry": the officer reads limits, not the code's family names
    tip = panel.tree.topLevelItem(0).toolTip(0)
    assert "limits: –" in tip and "geometry" not in tip and "bounds" not in tip
    view = CompareView()
    qtbot.addWidget(view)
    view.show()
    view.set_result(DisplayResult.prepare(analysis), np.zeros((40, 60, 3), np.uint8))
    assert view.colorbar.opacity() == 0.0 and view.right_title.text() == "No face found: no map"
    view.set_result(DisplayResult.prepare(dataclasses.replace(analysis, checks=[*unjudged, turned])), np.zeros((40, 60, 3), np.uint8))
    assert view.right_title.text() == "Photo stored sideways: no map"


def test_the_check_columns_keep_their_widths_from_photo_to_photo(qtbot):
    # sized to its contents, the verdict column widened when a "Not assessable" row appeared and every column jumped
    from pfiq_desktop.engine.results import Analysis, CheckResult, Face
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel

    face = Face(box=(10, 10, 50, 50), detection_score=1.0, landmarks=np.zeros((68, 2)), landmarks5=np.zeros((5, 2)),
                chip_transform=np.eye(2, 3), photo_shape=(60, 60))

    def analysis(*verdicts: Verdict) -> Analysis:
        checks = [CheckResult(f"check_{i}", f"Check {i}", "pose", v, "reason", 1.0, "deg") for i, v in enumerate(verdicts)]
        return Analysis(source="p.jpg", image_size=(60, 60), checks=checks, faces=[face])

    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 600)  # room for the verdict's word beside a whole name (narrower, it gives way to the name)
    panel.show()
    header = panel.tree.header()
    panel.set_analysis(analysis(Verdict.PASS, Verdict.FAIL))
    widths = [header.sectionSize(c) for c in range(3)]
    panel.set_analysis(analysis(Verdict.PASS, Verdict.NOT_ASSESSABLE))
    assert panel.tree.topLevelItemCount() == 2
    assert [header.sectionSize(c) for c in range(3)] == widths
    assert widths[2] >= panel.tree.fontMetrics().horizontalAdvance("Not assessable")


def test_the_check_table_names_failures_in_the_order_of_the_reasons(qtbot):
    # the reasons list began with "Background too dark", the check table with "Inter-eye distance": one photo, two orders
    from pfiq_desktop.engine.results import Analysis, CheckResult, Face
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel
    from pfiq_desktop.gui.decision_panel import DecisionPanel

    face = Face(box=(10, 10, 50, 50), detection_score=1.0, landmarks=np.zeros((68, 2)), landmarks5=np.zeros((5, 2)),
                chip_transform=np.eye(2, 3), photo_shape=(60, 60))
    checks = [CheckResult("inter_eye_distance", "Inter-eye distance", "geometry", Verdict.FAIL, "small", 20.0, "px"),
              CheckResult("background_brightness", "Light background", "background", Verdict.FAIL, "dark", 29.0, "L*"),
              CheckResult("glasses", "No glasses", "eyes_mouth", Verdict.FAIL, "tinted", 90.0, "% tinted"),
              CheckResult("pose_roll", "Head not tilted sideways", "pose", Verdict.PASS, "level", 1.0, "deg")]
    analysis = Analysis(source="p.jpg", image_size=(60, 60), checks=checks, faces=[face])
    table, reasons = ChecklistPanel(), DecisionPanel()
    qtbot.addWidget(table)
    qtbot.addWidget(reasons)
    table.set_analysis(analysis)
    reasons.load(analysis, None)
    in_table = [table.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole).id for i in range(3)]
    assert in_table == reasons.selected_reasons() == ["glasses", "background_brightness", "inter_eye_distance"]


def test_a_narrow_check_table_still_tells_the_left_eye_from_the_right(qtbot):
    # at 150 % scaling both rows read "Eye open (photo …" (screen walk-through); cut in the middle instead, "Inter-eye
    # distance" read "Inter-…stance": a name keeps its start, and a short bracket that tells a pair apart
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyleOptionViewItem, QTreeWidgetItem

    from pfiq_desktop.gui.checklist_panel import ChecklistPanel, shortened_name, shortened_value

    table = ChecklistPanel()
    qtbot.addWidget(table)
    metrics = table.tree.fontMetrics()
    width = metrics.horizontalAdvance("Eye open (photo")
    left, right = (shortened_name(f"Eye open (photo {side})", metrics, width) for side in ("left", "right"))
    assert left.endswith("… (photo left)") and right.endswith("… (photo right)")
    assert shortened_name("Inter-eye distance", metrics, width).startswith("Inter-eye")
    cover = shortened_name("Eyes not covered (sunglasses, patch, hand, hair)", metrics, width)
    assert cover.startswith("Eyes not") and cover.endswith("…")  # an explaining bracket is cut first
    assert shortened_name("Eye open (photo left)", metrics, 10**4) == "Eye open (photo left)"
    table.tree.addTopLevelItem(QTreeWidgetItem(["Eye open (photo right)", "closed 0 % likely", "Pass"]))
    name = table.tree.model().index(0, 0)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width + 12, 20)
    table.tree.itemDelegateForIndex(name).initStyleOption(option, name)  # as a row is painted
    assert option.text.endswith("… (photo right)") and metrics.horizontalAdvance(option.text) <= width + 12
    assert table.tree.itemDelegateForIndex(table.tree.model().index(0, 1)) is not table.tree.itemDelegateForIndex(name)
    # a value too long for its cell keeps its reading whole, with the words before it that fit: cut at its end, "lip gap
    # 1…" and "hidden 1…" hid the number (third usability walk-through); cut to the number alone, "100 %" beside "Eye
    # open … Fail" read as an open eye (review)
    value = table.tree.model().index(0, 1)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, metrics.horizontalAdvance("closed 0 %") + 12, 20)
    table.tree.itemDelegateForIndex(value).initStyleOption(option, value)
    assert option.text == "closed 0 %"
    wide, narrow = metrics.horizontalAdvance("hidden 100 %"), metrics.horizontalAdvance("7.4 bits")
    values = ("lip gap 17 %", "hidden 100 % likely", "texture 10.8", "7.4 bits of tone", "lightness 72/100", "detail 490")
    assert [shortened_value(text, metrics, wide) for text in values] == [
        "lip gap 17 %", "hidden 100 %", "texture 10.8", "7.4 bits", "72/100", "detail 490"]
    assert [shortened_value(text, metrics, narrow) for text in values] == ["17 %", "100 %", "10.8", "7.4 bits", "72/100", "490"]


def test_a_value_too_long_for_its_cell_keeps_the_word_that_gives_its_number_meaning(qtbot):
    # cut to the words that fit, "no glasses 99.5 %" read "glasses 99.5 %" beside "No glasses ... Pass" on every photo,
    # "tinted lenses 59 %" read "lenses 59 %", "largest other face 83 %" read "face 83 %" (fourth walk-through)
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyleOptionViewItem, QTreeWidgetItem

    from pfiq_desktop.engine.results import CheckResult
    from pfiq_desktop.gui.checklist_panel import SHORT_ROLE, ChecklistPanel, shortened_value
    from pfiq_desktop.review.values import check_value_text

    def shown(unit: str, value: float, width_of: str) -> str:
        check = CheckResult("x", "X", "occlusion", Verdict.PASS, "", value, unit)
        item = QTreeWidgetItem(["X", check_value_text(check), "Pass"])
        item.setData(1, SHORT_ROLE, check_value_text(check, short=True))
        table.tree.clear()
        table.tree.addTopLevelItem(item)
        index = table.tree.model().index(0, 1)
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, metrics.horizontalAdvance(width_of) + 12, 20)
        table.tree.itemDelegateForIndex(index).initStyleOption(option, index)
        return option.text

    table = ChecklistPanel()
    qtbot.addWidget(table)
    metrics = table.tree.fontMetrics()
    assert shortened_value("no glasses 99.5 %", metrics, metrics.horizontalAdvance("glasses 99.5 %")) == "glasses 99.5 %"
    assert shown("% no glasses", 99.5, "glasses 99.5 %") == "none 99.5 %"
    assert shown("% tinted", 59.4, "lenses 59.4 %") == "tinted 59.4 %"
    assert shown("largest other face / subject", 0.83, "others 83 %") == "others 83 %"
    assert shown("% no glasses", 99.5, "no glasses 99.5 %") == "no glasses 99.5 %"  # whole where it fits


def test_an_unreadable_file_gets_a_crossed_out_tile_with_no_clipped_word(qtbot):
    # the tile said "unreadabl": the word did not fit the 64 px thumbnail
    from pfiq_desktop.gui.browser import THUMB, _broken

    tile = _broken().toImage()

    def is_line(x: int, y: int) -> bool:  # the lines are opaque on a faint tint of the same colour
        return tile.pixelColor(x, y).alpha() > 200

    middle, near_corner = THUMB // 2, THUMB // 4 + 2
    assert is_line(middle, middle) and is_line(near_corner, near_corner) and is_line(THUMB - near_corner, near_corner)
    assert not is_line(middle, 4) and not is_line(4, middle)  # a cross, not a filled tile or a line of text


def test_the_profile_list_says_what_each_profile_is(qtbot):
    # the list showed ids only ("de-passport", "lenient"): which rules each stands for was not said anywhere
    from pfiq_desktop.engine.icao import list_profiles
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel

    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.set_profiles(list_profiles(), "icao-9303")
    tips = {panel.profile.itemText(i): panel.profile.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(panel.profile.count())}
    assert tips["de-passport"].startswith("Germany passport") and tips["lenient"].startswith("Lenient")
    assert panel.profile.currentText() == "icao-9303"
    panel.set_profiles(list_profiles(), "gone-since")  # a saved profile no longer there is listed with why
    assert panel.profile.itemData(panel.profile.count() - 1, Qt.ItemDataRole.ToolTipRole).startswith("does not load")


def test_the_settings_dialog_says_what_each_profile_is_too(qtbot):
    # the window's list showed each profile's title on hover, the Settings dialog's list the ids alone
    from pfiq_desktop.engine.icao import list_profiles
    from pfiq_desktop.gui.settings_dialog import SettingsDialog
    from pfiq_desktop.settings import Settings

    dialog = SettingsDialog(Settings(profile="de-passport"), list_profiles())
    qtbot.addWidget(dialog)
    box = dialog.profile
    tips = {box.itemText(i): box.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(box.count())}
    assert tips["de-passport"].startswith("Germany passport") and tips["strict"].startswith("Strict")
    assert box.currentText() == "de-passport" and dialog.values().profile == "de-passport"


def test_a_long_decision_message_is_shown_whole_in_a_short_panel(qtbot):
    # at 1366x768 the renewal check's warning got 66 px of the 98 it needed: its last line, with what to do, was cut
    panel = DecisionPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 240)
    panel.show()
    panel.show_warning("Not the same person as the reference photo (score 0.833). Decided before this check (Accepted): "
                       "decide again to file it; an accept needs a new note.")
    qtbot.waitUntil(lambda: panel.message.height() >= panel.message.heightForWidth(panel.message.width()), timeout=2_000)


def test_a_status_message_too_long_for_its_line_ends_with_an_ellipsis_and_is_whole_on_hover(qtbot, make_window):
    # a cancelled batch naming a dozen retaken photos was cut mid-word ("..., ph") with no sign that more followed
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    window = make_window()
    label = window.status_text
    hovered = QPoint(10, label.height() // 2)

    def hover() -> str:
        QApplication.sendEvent(label, QHelpEvent(QEvent.Type.ToolTip, hovered, label.mapToGlobal(hovered)))
        return QToolTip.text() if QToolTip.isVisible() else ""

    said = "Changed since decided, so undecided again: " + ", ".join(f"retake_{i:02d}.jpg" for i in range(30)) + "."
    window._status(said)
    assert label.text() == said  # whole for the code and the screen reader that read it
    assert hover() == said
    shown = label.shown_text()
    assert shown.endswith("…") and said.startswith(shown[:-1]) and len(shown) > 40, shown
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert window.width() == 1400 and label.minimumSizeHint().width() < 200  # the message did not widen the window
    window._status("Ready")
    assert label.shown_text() == "Ready"
    qtbot.waitUntil(lambda: hover() == "", timeout=2_000)  # a text that fits has no tip (Qt hides one after a moment)


def test_a_drop_down_entry_too_long_for_its_box_ends_with_an_ellipsis_and_does_not_widen_it(qtbot):
    # the face selector, sized to "Face 1 · subject · quality 0.89", widened a 1280x720 window to 1326 px; Qt's own box
    # cut a long entry without a sign
    from pfiq_desktop.gui.widgets import OneLineComboBox

    box = OneLineComboBox(8)
    qtbot.addWidget(box)
    box.addItems(["Face 1", "Face 1 · subject · quality 0.89 and a good deal more text than any box is wide"])
    least = box.minimumSizeHint().width()
    box.setCurrentIndex(1)
    assert box.minimumSizeHint().width() == least < 200  # the longest entry asks for no more room
    box.resize(180, box.sizeHint().height())
    box.show()
    shown = box.shown_text()
    assert shown.endswith("…") and box.currentText().startswith(shown[:-1]) and len(shown) > 8, shown
    assert not box.grab().isNull()  # (paints)
    box.setCurrentIndex(0)
    assert box.shown_text() == "Face 1"


@pytest.mark.parametrize("seen_by", [None, *_COLOUR_BLIND])
def test_pass_warning_and_fail_colours_stay_apart_for_red_green_colour_blind_officers(seen_by):
    """Pass and fail (and accept and reject) looked one olive under deuteranopia (dE 25): scanning a report's 31
    checks for its two failures needed reading every word (accessibility walk-through)."""
    from pfiq_desktop.palette import STATUS_COLOURS

    for pair in (("pass", "warn"), ("pass", "fail"), ("warn", "fail"), ("accept", "reject"), ("reject", "retake")):
        rgb = np.array([[int(STATUS_COLOURS[key][i:i + 2], 16) / 255 for i in (1, 3, 5)] for key in pair])
        low, high = _lab(rgb, seen_by)
        assert np.linalg.norm(low - high) > 35, (pair, seen_by)


def test_qts_file_dialog_history_stays_in_the_data_folder(qapp, tmp_path, monkeypatch):
    # data-protection walk-through: Qt's own file dialog kept the folders chosen (named after applicants) in
    # ~/.config/QtProject.conf, outside the officer's private data folder
    from PySide6.QtCore import QSettings

    from pfiq_desktop import appdirs
    from pfiq_desktop.gui.app import keep_qt_settings_in_the_data_folder

    before = Path(QSettings(QSettings.Scope.UserScope, "QtProject").fileName()).parent
    monkeypatch.setenv(appdirs.DATA_DIR_ENV, str(tmp_path / "data"))
    try:
        keep_qt_settings_in_the_data_folder()
        history = QSettings(QSettings.Scope.UserScope, "QtProject")
        history.setValue("FileDialog/history", [str(tmp_path / "Applicants" / "Ahmed Ali")])
        history.sync()
        assert (tmp_path / "data" / "QtProject.conf").is_file()
    finally:
        for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(form, QSettings.Scope.UserScope, str(before))


def test_icons_and_thumbnails_are_drawn_for_the_screens_scale(qtbot, portraits, tmp_path):
    # screen walk-through: at 150 % and 200 % the 16-pixel badges and the 64-pixel thumbnails were stretched, soft
    # beside the text
    from PySide6.QtCore import QSize

    from pfiq_desktop.gui.browser import THUMB
    from pfiq_desktop.gui.theme import status_icon

    for scale in (1.0, 1.5, 2.0):
        badge = status_icon("fail", 16).pixmap(QSize(16, 16), scale)
        assert badge.width() == round(16 * scale) and badge.devicePixelRatio() == scale
    session = ReviewSession(ReviewStore(tmp_path / "reviews.sqlite3"))
    browser = BrowserWidget(session)
    qtbot.addWidget(browser)
    browser.model._scale = 2.0  # as on a 200 % screen
    session.open([str(sorted(portraits.glob("*.jpg"))[0])])
    browser.model.reset()
    path = session.records[0].path
    browser.model.data(browser.model.index_of(path), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: browser.model._thumbs.get(path) is not None, timeout=5000)
    thumb = browser.model._thumbs[path]
    assert thumb.devicePixelRatio() == 2.0 and max(thumb.width(), thumb.height()) == 2 * THUMB


def test_a_failed_check_chosen_in_the_table_says_what_to_change(qtbot, portraits):
    # the officer at the counter reads what the report tells the photographer (photographer's walk-through)
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel

    analysis = FakeAnalyzer().analyse(sorted(portraits.glob("*.jpg"))[0])
    first = analysis.checks[0]
    dark = dataclasses.replace(first, id="exposure", name="Exposure", verdict=Verdict.FAIL, value=30.0,
                               thresholds={"fail_below": 60.0, "warn_below": 80.0})
    near = dataclasses.replace(first, id="head_size", name="Head height", verdict=Verdict.WARN, value=0.69,
                               thresholds={"fail_below": 0.6, "warn_below": 0.7})
    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    panel.set_analysis(dataclasses.replace(analysis, checks=[dark, near]))
    shown = {}
    for row in range(panel.tree.topLevelItemCount()):
        panel.tree.setCurrentItem(panel.tree.topLevelItem(row))
        shown[panel.tree.topLevelItem(row).text(0)] = panel.details.text()
    assert "<b>To change:</b> Add light or increase the exposure." in shown["Exposure"]
    assert "To change" not in shown["Head height"]  # a warning may only be a reading too imprecise to tell
    doubted = dataclasses.replace(near, id="eye_open_left", name="Eye open", doubted=True)  # a failure made uncertain
    panel.set_analysis(dataclasses.replace(analysis, checks=[doubted]))
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert "<b>To change:</b> Retake with both eyes open, looking at the camera (if the problem is confirmed)." in panel.details.text()


def test_a_file_name_that_looks_like_html_is_shown_as_written(qtbot):
    # a damaged photo named '<h1 style="color:green">PHOTO COMPLIANT ...' showed a large green line where its error
    # belonged: Qt reads a text that starts like HTML as HTML (security review)
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.gui.checklist_panel import ChecklistPanel

    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    name = '<h1 style="color:green">PHOTO COMPLIANT</h1>.jpg'
    panel.set_analysis(Analysis(source=name, image_size=(0, 0), errors=[f"cannot read {name}"]))
    from PySide6.QtWidgets import QLabel

    as_written = QLabel(panel.faces.text())  # the same words, their tags shown as text
    as_written.setTextFormat(Qt.TextFormat.PlainText)
    as_written.setWordWrap(panel.faces.wordWrap())
    qtbot.addWidget(as_written)
    assert name in panel.faces.text() and panel.faces.sizeHint() == as_written.sizeHint()  # not a large heading
    # tooltips and message boxes cannot be told to show plain text: the names in them are converted where Qt would
    # read HTML (the photo list's tip, the Quit question, the export's messages)
    from pfiq_desktop.gui import widgets

    tip = QLabel(widgets.as_written(f"{name}\nFail: Blurred"))  # a tooltip reads its text as a label does
    qtbot.addWidget(tip)
    assert "&lt;h1" in tip.text() and tip.sizeHint().height() < 3 * tip.fontMetrics().lineSpacing(), tip.text()
    assert widgets.as_written("IMG_0001.jpg\nFail: Blurred") == "IMG_0001.jpg\nFail: Blurred"  # plain text stays


@pytest.mark.parametrize("in_background", [False, True])
def test_a_new_photo_saved_under_a_name_shown_before_is_read_again(qtbot, portraits, tmp_path, monkeypatch, in_background):
    # a retake copied over IMG_0001.jpg, or another applicant's stick at the same mount point, was drawn as the photo
    # shown there minutes before, under the new photo's checks, landmarks and report (counter walk-through)
    from pfiq_desktop.engine.imageio import load_image
    from pfiq_desktop.gui import image_cache
    from pfiq_desktop.gui.image_cache import ImageCache

    if in_background:  # large photos load off the GUI thread
        monkeypatch.setattr(image_cache, "SYNC_LOAD_BYTES", 0)
    first, second = sorted(portraits.glob("*.jpg"))[:2]
    stick = tmp_path / "IMG_0001.JPG"
    cache = ImageCache()

    def shown() -> np.ndarray:
        if cache.get(str(stick)) is None:
            with qtbot.waitSignal(cache.loaded, timeout=5000):
                pass
        loaded = cache.get(str(stick))
        assert loaded is not None and loaded[0] is not None, loaded
        return loaded[0]

    shutil.copy(first, stick)
    assert np.array_equal(shown(), load_image(str(first)))
    assert shown() is shown()  # unchanged on disk: kept, not decoded again
    shutil.copy(second, stick)  # the same path, another photo
    assert np.array_equal(shown(), load_image(str(second)))
    cache.wait()


def test_the_to_change_tab_lists_every_change_to_ask_for_most_important_first(qtbot, sample_analysis):
    # at a counter the fixes were read out one check row at a time, 9-13 rows a photo (counter walk-through)
    import html

    from pfiq_desktop.gui.checklist_panel import ChecklistPanel
    from pfiq_desktop.review.reasons import to_change

    panel = ChecklistPanel()
    qtbot.addWidget(panel)
    index = panel.tabs.indexOf(panel.changes_area)
    changes = to_change(sample_analysis)
    assert len([fix for _, fix in changes if fix]) >= 2, changes
    panel.set_analysis(sample_analysis)
    assert panel.tabs.tabText(index) == f"To change ({len(changes)})"
    text = panel.changes.text()
    places = [text.index(html.escape(fix)) for _, fix in changes if fix]
    assert places == sorted(places), text  # every one, most important first
    assert all(html.escape(problem) in text for problems, _ in changes for problem in problems)
    passing = dataclasses.replace(sample_analysis, checks=[c for c in sample_analysis.checks if c.verdict is Verdict.PASS])
    panel.set_analysis(passing)
    assert panel.tabs.tabText(index) == "To change" and panel.changes.text() == "Nothing to change: no check failed."
    panel.set_analysis(None)
    assert panel.tabs.tabText(index) == "To change" and panel.changes.text() == ""


def test_the_clearly_lower_areas_are_outlined_on_both_views_of_the_photo_and_of_the_crop(qtbot, portraits):
    # the outlines are the deviation map's words drawn on the photo; drawn as path items since the fortieth session
    # (a pyqtgraph curve per line and colour recomputed its bounds in Python at every paint)
    from PySide6.QtWidgets import QGraphicsPathItem

    from pfiq_desktop.engine.imageio import load_image
    from pfiq_desktop.gui.compare_view import MODE_CHIP, CompareView
    from pfiq_desktop.gui.display import DisplayResult
    from pfiq_desktop.palette import MAP_SCALES

    photo = sorted(portraits.glob("*.jpg"))[0]
    analysis = FakeAnalyzer().analyse(photo)
    deviation = np.zeros((150, 150), np.float32)
    deviation[40:70, 30:60] = -5.0  # two clearly lower squares on the crop
    deviation[100:130, 90:140] = -5.0
    analysis.faces[0].deviation_chip = deviation
    shown = DisplayResult.prepare(analysis)
    assert len(shown.outlines[0]) == 2
    view = CompareView()
    qtbot.addWidget(view)
    view.map_kind.setCurrentIndex(view.map_kind.findData("deviation"))
    view.set_result(shown, load_image(photo))

    def drawn_bounds() -> list[tuple[float, float, float, float]]:
        bounds = []
        for layer in view.outline_layers:
            assert all(isinstance(item, QGraphicsPathItem) for item in layer.items)
            assert len(layer.items) == 2  # a dark line beneath a light one
            rects = {item.path().boundingRect().getCoords() for item in layer.items}
            assert len(rects) == 1  # both lines along the same path
            bounds.append(rects.pop())
        assert bounds[0] == bounds[1]  # the same on the photo and on its map
        return bounds

    lines = np.vstack(shown.outlines[0])
    for x0, y0, x1, y1 in drawn_bounds():
        assert np.allclose((x0, y0, x1, y1), (*lines.min(axis=0), *lines.max(axis=0)), atol=0.01)
    subpaths = view.outline_layers[0].items[0].path().toSubpathPolygons()
    assert len(subpaths) == 2 and all(p.isClosed() for p in subpaths)

    for kind in ("deviation", "plq", "deviation"):  # the colour bar follows the map (it is set only when that changes)
        view.map_kind.setCurrentIndex(view.map_kind.findData(kind))
        scale = MAP_SCALES[kind]
        assert view.colorbar.levels() == tuple(scale.levels) and view.colorbar.axis.labelText == scale.short
        assert bool(view.outline_layers[0].items) == (kind == "deviation")  # the outlines are the deviation map's

    view.mode.setCurrentIndex(MODE_CHIP)  # on the aligned crop, in the crop's pixels
    for x0, y0, x1, y1 in drawn_bounds():
        assert np.allclose((x0, y0, x1, y1), (30, 40, 139, 129), atol=1.0)
    view.show_outline.setChecked(False)
    assert not any(layer.items for layer in view.outline_layers)
