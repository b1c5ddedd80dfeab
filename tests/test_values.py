"""Check values and bounds in an officer's words: one scale for the value and its bounds, in the window and the PDF."""

import dataclasses
import math
import time

from pfiq_desktop.engine.results import CheckResult, Verdict
from pfiq_desktop.review.values import bounds_text, check_value_text, value_text, when


def test_fractions_and_probabilities_read_as_percentages_and_counts_as_words():
    assert value_text(0.309, "fraction of height") == "31 % of height"
    assert value_text(0.815, "probability") == "covered 82 % likely"
    assert value_text(1.0, "images") == "1 image" and value_text(3.0, "images") == "3 images"  # not "1 images"
    assert value_text(0.0046, "fraction") == "0.5 % of area" and value_text(0.0, "fraction") == "0 % of area"
    assert value_text(0.0000155, "probability") == "covered <0.1 % likely"  # no false precision
    assert value_text(99.9, "% clear") == "clear lenses 99.9 %" and value_text(72.5, "L*") == "lightness 72/100"
    assert value_text(0.171, "gap/width") == "lip gap 17 %"
    assert value_text(0.802, "darker half / brighter half") == "darker half 80 %"
    assert value_text(1.0, "faces") == "1 face" and value_text(3.0, "faces") == "3 faces"
    assert value_text(0.0, "colour") == "black and white" and value_text(1.0, "colour") == "colour"
    assert value_text(1.0, "width/height") == "w:h 1.000" and value_text(0.7777, "width/height") == "w:h 0.778"
    assert value_text(1.2, "largest other face / subject") == "largest other face 120 %"  # "other faces 120 %" puzzled
    # each read as something else on a walk-through of unseen photos: a lid two-thirds shut beside "Pass", the head's
    # visible share ("214 % of head height"), the face's share ("134 % of face median")
    assert value_text(64.8, "% closed") == "closed 65 % likely" and value_text(91.0, "% hidden") == "hidden 91 % likely"
    assert value_text(2.14, "fraction of head height") == "margin 214 % of head height"
    assert value_text(1.34, "fraction of face median PLQ") == "lowest region 134 % of face median"


def test_units_without_a_phrase_keep_three_digits_and_a_missing_value_is_a_dash():
    assert value_text(-12.34, "deg") == "-12.3 deg"
    assert value_text(1234.5, "px") == "1234 px"
    assert value_text(None, "deg") == value_text(math.nan, "mm") == "–"


def test_bounds_are_on_the_scale_of_the_value():
    # a head width of 0.5 of the photo is shown as "50 % of width": its bound must say 50 %, not 0.5
    bounds = {"fail_below": 0.5, "fail_above": 0.75, "warn_below": 0.55, "uncertainty": 7.0}
    assert bounds_text(bounds, "fraction of width") == "fail <50 % >75 % · warn <55 %"
    assert value_text(0.5, "fraction of width").startswith("50 %")
    assert bounds_text({"fail_above": 5.0, "uncertainty": 7.0}, "deg") == "fail >5"
    assert bounds_text({}, "deg") == "–"
    # an eye's "closed 74 % likely" beside its bars: a value already in percent has its bounds in percent too
    assert bounds_text({"fail_above": 90.0, "warn_above": 73.1, "closed_one": 1.0}, "% closed") == "fail >90 % · warn >73 %"


def test_a_measurement_with_an_uncertainty_shows_it():
    # "Head not turned (yaw) 2.73 deg: Warning" against a 5 deg limit read as a contradiction
    yaw = CheckResult("pose_yaw", "Head not turned (yaw)", "pose", Verdict.WARN, "could not be measured precisely",
                      2.734, "deg", {"fail_above": 5.0, "uncertainty": 4.5})
    assert check_value_text(yaw) == "2.7 ± 4.5 deg"
    # to the decimals the uncertainty allows ("-0.144 ± 7 deg" claimed a precision that is not there)
    pitch = CheckResult("pose_pitch", "Head not tilted up/down (pitch)", "pose", Verdict.PASS, "", -0.144, "deg",
                        {"fail_above": 5.0, "uncertainty": 7.0})
    assert check_value_text(pitch) == "0 ± 7 deg"
    assert check_value_text(dataclasses.replace(pitch, value=5.6)) == "6 ± 7 deg"
    # as the check's sentence writes it: apart from where the verdict changes (5, and 5 + 7), whatever the sign
    assert check_value_text(dataclasses.replace(pitch, value=5.04)) == "5.04 ± 7 deg"
    assert check_value_text(dataclasses.replace(pitch, value=-12.3)) == "-12.3 ± 7 deg"
    head = CheckResult("head_size", "Head height (chin to crown)", "geometry", Verdict.FAIL, "too small", 0.309,
                       "fraction of height", {"fail_below": 0.6})
    assert check_value_text(head) == "31 % of height"


def test_a_value_is_never_written_as_a_bound_it_differs_from():
    # "lip gap 20 % · fail >20 %" on a failed check hid why it failed: the value gets the decimals that tell them apart
    assert value_text(0.203, "gap/width", [0.2]) == "lip gap 20.3 %"
    assert value_text(0.904, "probability", [0.9, 0.7]) == "covered 90.4 % likely"
    assert value_text(72.4, "L*", [72.0]) == "lightness 72.4/100"
    assert value_text(0.2031, "px", [0.203]) == "0.2031 px"
    assert value_text(0.2, "gap/width", [0.2]) == "lip gap 20 %"  # equal to it: as it is
    assert value_text(0.31, "gap/width", [0.2]) == "lip gap 31 %"  # far from it: as it is
    assert value_text(5.00001, "deg", [5.0]) == "5 deg"  # closer than three more decimals: reads as the bound
    mouth = CheckResult("mouth_closed", "Mouth closed", "eyes_mouth", Verdict.FAIL, "open", 0.2031, "gap/width",
                        {"fail_above": 0.2, "warn_above": 0.1})
    assert check_value_text(mouth) == "lip gap 20.3 %"


def test_the_recognition_quality_is_written_alike_everywhere():
    # a summary read "1" beside "0.977": the reports wrote 3 significant digits, the window and console 2 decimals
    from pfiq_desktop.review.values import quality_text

    assert [quality_text(q) for q in (0.9996, 0.977, 0.5, None, float("nan"))] == ["1.00", "0.98", "0.50", "–", "–"]


def test_every_phrased_unit_is_one_a_check_still_writes():
    # the units are bare strings in the checks and in values._SHOWN: a unit renamed in a check would silently lose its
    # officer's wording ("0.815 probability" again), and the phrase would be left behind unused
    from pfiq_desktop.review.values import _SHOWN
    from tests.photos import REPO

    source = "".join(path.read_text(encoding="utf-8") for path in (REPO / "pfiq_desktop" / "engine").rglob("*.py"))
    assert [unit for unit in _SHOWN if f'"{unit}"' not in source] == []


def test_a_measurement_known_only_as_an_interval_across_a_bound_shows_the_interval():
    # "69.7 % of height | fail <70 % >80 % | Warning" read as a breach left unfailed: the crown is estimated, so the
    # head height is an interval, and one across a bound cannot be judged (reports walk-through)
    from pfiq_desktop.engine.icao.grading import graded_range

    reasons = {"ok": "fine", "imprecise": "cannot tell", "low": "small", "high": "large"}
    across = graded_range(0.697, 0.663, 0.732, {"fail_below": 0.70, "fail_above": 0.80}, reasons, "fraction of height")
    inside = graded_range(0.75, 0.72, 0.78, {"fail_below": 0.70, "fail_above": 0.80}, reasons, "fraction of height")
    shown = [check_value_text(CheckResult("head_size", "Head size", "geometry", m.verdict, m.reason, m.value, m.unit, m.thresholds))
             for m in (across, inside)]
    assert across.verdict is Verdict.WARN and shown == ["66–73 % of height", "75 % of height"]
    assert bounds_text(across.thresholds, across.unit) == "fail <70 % >80 %"  # the interval is not a bound
    mm = graded_range(33.9, 32.2, 35.6, {"fail_below": 32.0, "fail_above": 34.0}, reasons, "mm")
    assert check_value_text(CheckResult("head_size", "Head size", "geometry", mm.verdict, mm.reason, mm.value, mm.unit,
                                        mm.thresholds)) == "32.2–35.6 mm"


def test_an_eye_checks_value_and_its_sentence_give_the_same_percentage(monkeypatch):
    # "closed 82 % likely" beside "(confidence 81%)": the value was rounded to 81.5 before it was written whole
    from types import SimpleNamespace

    from pfiq_desktop.engine.icao import eyes_mouth
    from pfiq_desktop.engine.icao.eye_pixels import EyeThresholds

    score = 0.81496
    eye = SimpleNamespace(state="closed", sure=True, reason=f"looks closed (confidence {score:.0%})", score=0.1,
                          closed_score=score, box=(0, 0, 1, 1), seen_open=1 - score)
    monkeypatch.setattr(eyes_mouth, "eye_assessment", lambda ctx, params: SimpleNamespace(
        left=eye, thresholds=EyeThresholds(**eyes_mouth._default_eye_thresholds())))
    measure = eyes_mouth._eye_check(None, {}, "left")
    check = CheckResult("eye_open_left", "Eye open", "eyes_mouth", measure.verdict, measure.reason, measure.value, measure.unit)
    assert measure.reason.endswith("(confidence 81%)") and check_value_text(check) == "closed 81 % likely"


def test_times_are_shown_in_this_computers_time_zone_with_its_offset(monkeypatch):
    # international walk-through: stored in UTC and shown so, a Tokyo report said "made 09:07 +09:00" beside decisions
    # "at 00:07 +00:00", and a retention day (local) seemed to cut the wrong entries
    try:
        for zone, shown in (("Asia/Tokyo", "2026-12-04 11:00:00 +09:00"), ("America/Los_Angeles", "2026-12-03 18:00:00 -08:00"),
                            ("UTC", "2026-12-04 02:00:00 +00:00")):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            assert when("2026-12-04T02:00:00.123+00:00") == shown
        assert when("2026-12-04T02:00:00") == "2026-12-04 02:00:00"  # no offset stored: none invented
        assert when("") == "–" and when("yesterday") == "yesterday"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_passing_eye_that_looks_narrowed_says_it_was_taken_as_open():
    # "Pass 14. Eye open (photo left): closed 71 % likely" read as a contradiction; the reason saying the eye was taken
    # as open (under the bar at which one eye alone is flagged) is in none of the reports (explanation walk-through)
    from pfiq_desktop.engine.icao.registry import CLOSED_UNIT

    def shown(verdict: Verdict, value: float) -> str:
        return check_value_text(CheckResult("eye_open_left", "Eye open", "eyes_mouth", verdict, "", value, CLOSED_UNIT))

    assert shown(Verdict.PASS, 71.0) == "closed 71 % likely, taken as open"
    assert shown(Verdict.PASS, 12.0) == "closed 12 % likely"  # plainly open: nothing to explain
    assert shown(Verdict.FAIL, 71.0) == "closed 71 % likely"  # a wink flagged against the other eye


def test_a_blurred_halfs_reading_is_shown_as_a_share_with_its_bounds():
    # the PDF's checklist read "0.00875 blurrier / sharper half" beside "fail <0.08 · warn <0.15" (last reading of the change)
    from pfiq_desktop.engine.icao.registry import HALF_BLUR_UNIT

    assert value_text(0.0875, HALF_BLUR_UNIT) == "blurred half 9 % of the other's detail"
    assert bounds_text({"fail_below": 0.08, "warn_below": 0.15}, HALF_BLUR_UNIT) == "fail <8 % · warn <15 %"


def test_a_measured_interval_that_starts_below_zero_reads_as_two_numbers():
    # "margin -4–16 %" read as one number (fourth walk-through)
    from pfiq_desktop.engine.icao.grading import RANGE_KEYS
    from pfiq_desktop.engine.results import CheckResult, Verdict
    from pfiq_desktop.review.values import check_value_text

    def margin(low: float, high: float) -> str:
        bounds = {"fail_below": 0.0, **dict(zip(RANGE_KEYS, (low, high), strict=True))}
        return check_value_text(CheckResult("top_margin", "X", "geometry", Verdict.WARN, "", 0.06, "fraction of head height", bounds))

    assert margin(-0.04, 0.16) == "margin -4 to 16 % of head height"
    assert margin(0.04, 0.16) == "margin 4–16 % of head height"
