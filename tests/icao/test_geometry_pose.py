"""Synthetic transforms of a compliant portrait move exactly the geometry/pose checks they should.

Pose signs as `engine.icao.headpose` (yaw > 0: nose to the photo's right; pitch > 0: chin up). Under
icao-9303 an angle passes when its reading is within ICAO's limit, saying how far off it may be, and
fails only when the reading minus its uncertainty is beyond; the strict profile passes only readings
the landmarks confirm.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.icao.pose import _pose_measure
from pfiq_desktop.engine.results import Evidence, Face, Verdict
from tests.icao.facebuild import detect_faces, turned_landmarks
from tests.icao.test_checks import _face_mask

FAMILIES = ("geometry", "pose")


def _verdicts(image: np.ndarray, faces: list[Face] | None = None, profile: str = "icao-9303") -> dict[str, Verdict]:
    faces = detect_faces(image) if faces is None else faces
    return {c.id: c.verdict for c in run_checks(image, faces, load_profile(profile)) if c.family in FAMILIES}


def _shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    h, w = image.shape[:2]
    warp = np.array([[1.0, 0.0, dx * w], [0.0, 1.0, dy * h]])
    return cv2.warpAffine(image, warp, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _rotate(image: np.ndarray, degrees: float, centre: tuple[float, float]) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.warpAffine(image, cv2.getRotationMatrix2D(centre, degrees, 1.0), (w, h), borderMode=cv2.BORDER_REPLICATE)


def _pad(image: np.ndarray, fraction: float) -> np.ndarray:
    h, w = image.shape[:2]
    py, px = int(fraction * h), int(fraction * w)
    return cv2.copyMakeBorder(image, py, py, px, px, cv2.BORDER_CONSTANT, value=(235, 235, 235))


def _resize(image: np.ndarray, factor: float) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def baseline(portrait: np.ndarray, portrait_faces: list[Face]) -> dict[str, Verdict]:
    return _verdicts(portrait, portrait_faces)


def test_compliant_portrait_passes_geometry_and_pose(baseline: dict[str, Verdict]) -> None:
    # but for its pixels: it is the 512 px astronaut enlarged 3.5 times (tests/icao/test_checks.py, "enlarged")
    assert baseline == {**dict.fromkeys(baseline, Verdict.PASS), "inter_eye_distance": Verdict.WARN}


def test_a_pose_within_the_limit_passes_as_measured_and_says_how_far_off_it_may_be(
    portrait: np.ndarray, portrait_faces: list[Face]
) -> None:
    """Landmarks read pitch to +-7 deg, wider than ICAO's 5: the default passes the reading and says so,
    the strict profile passes only what the landmarks confirm, so there the same portrait is left to the eye."""
    default = {c.id: c for c in run_checks(portrait, portrait_faces, load_profile("icao-9303"))}
    pitch = default["pose_pitch"]
    assert abs(pitch.value) <= 5.0
    assert pitch.reason.startswith("Pitch is within the limit as measured: about ") and ", allowed 5; it may be up to" in pitch.reason
    assert pitch.thresholds == {"fail_above": 5.0, "uncertainty": 7.0}
    assert default["pose_roll"].verdict is Verdict.PASS and "± 2 deg" in default["pose_roll"].reason
    strict = {c.id: c for c in run_checks(portrait, portrait_faces, load_profile("strict"))}
    assert strict["pose_pitch"].verdict is Verdict.WARN
    # the same reading and bounds as above: the sentence and the thresholds say that the profile's rule warns
    assert strict["pose_pitch"].reason.startswith("Pitch is not confirmed within the limit, which this profile requires: about ")
    assert strict["pose_pitch"].reason.endswith(", allowed 5. Please check by eye.")
    assert strict["pose_pitch"].thresholds == {"fail_above": 5.0, "uncertainty": 7.0, "pass_only_if_confirmed": 1.0}


@pytest.mark.parametrize(
    ("pitch", "expected", "words"),
    [
        (9.0, Verdict.WARN, "Pitch could not be measured precisely enough: about 11 ± 7 deg up"),  # reads 11: past 5 by < 7
        (-5.0, Verdict.WARN, "about 10 ± 7 deg down (chin lowered), allowed 5. Please check by eye."),  # reads about -10
        (-9.0, Verdict.FAIL, "Head is tilted down (chin lowered) by about 13 ± 7 deg, allowed 5."),  # reads -13
    ],
)
def test_a_pose_beyond_the_limit_warns_until_the_uncertainty_is_passed(
    pitch: float, expected: Verdict, words: str, portrait: np.ndarray, portrait_faces: list[Face]
) -> None:
    face = portrait_faces[0]
    measured = {c.id: c for c in run_checks(portrait, [_with_landmarks(face, turned_landmarks(face.landmarks, 0.0, pitch))])}
    result = measured["pose_pitch"]
    assert result.value is not None and abs(result.value) > 5.0
    assert result.verdict is expected and words in result.reason, result.reason


def _pose(axis: str, value: float, profile: str) -> tuple[Verdict, str]:
    measure = _pose_measure(axis, value, load_profile(profile).params(f"pose_{axis}"), Evidence())
    return measure.verdict, measure.reason


@pytest.mark.parametrize(
    ("axis", "value", "profile", "expected", "words"),
    [
        # icao-9303: the reading decides the pass, the reading minus its uncertainty the fail
        ("pitch", 5.0, "icao-9303", Verdict.PASS, "Pitch is within the limit as measured: about 5 ± 7 deg up (chin raised), "
                                                  "allowed 5; it may be up to 12 deg."),
        ("pitch", 5.04, "icao-9303", Verdict.WARN, "about 5.04 ± 7 deg up"),  # past the limit: not written as the limit
        ("pitch", -12.0, "icao-9303", Verdict.WARN, "about 12 ± 7 deg down"),
        ("pitch", -12.3, "icao-9303", Verdict.FAIL, "Head is tilted down (chin lowered) by about 12.3 ± 7 deg, allowed 5."),
        ("pitch", 2.4, "icao-9303", Verdict.PASS, "about 2 ± 7 deg up (chin raised), allowed 5; it may be up to 9 deg."),  # adds up
        ("yaw", -2.73, "icao-9303", Verdict.PASS, "about 2.7 ± 4.5 deg to the photo's left, allowed 5; it may be up to 7.2 deg"),
        ("roll", 6.3, "icao-9303", Verdict.PASS, "it may be up to 8.3 deg."),
        ("roll", 8.04, "icao-9303", Verdict.WARN, "about 8.04 ± 2 deg clockwise, allowed 8. Please check by eye."),
        ("roll", 1.0, "icao-9303", Verdict.PASS, "Roll is within the limit: 1.0 ± 2 deg clockwise, allowed 8."),
        # a reading that rounds to zero names no direction
        ("pitch", -0.3, "strict", Verdict.WARN, "Pitch is not confirmed within the limit, which this profile requires: about 0 "
                                                "± 7 deg may be up to 7 deg, allowed 5."),
        # strict: a warn bound within the uncertainty cannot tell either, and the sentence names it
        ("roll", 1.4, "strict", Verdict.WARN, "about 1.4 ± 2 deg clockwise may be up to 3.4 deg, recommended 3, allowed 5. "
                                              "Please check by eye."),
        # a reading past the limit by less than its uncertainty is unsure under every profile, and said so
        ("pitch", 9.0, "strict", Verdict.WARN, "Pitch could not be measured precisely enough: about 9 ± 7 deg up"),
        ("roll", 0.5, "strict", Verdict.PASS, "Roll is within the limit: 0.5 ± 2 deg clockwise, recommended 3, allowed 5."),
        # lenient's warn band is judged by the reading too
        ("yaw", 10.0, "lenient", Verdict.PASS, "recommended 10, allowed 20; it may be up to 14.5 deg."),
        ("yaw", 10.1, "lenient", Verdict.WARN, "Head is slightly turned to the photo's right: about 10.1 ± 4.5 deg"),
        ("yaw", 24.6, "lenient", Verdict.FAIL, "Head is turned to the photo's right by about 24.6 ± 4.5 deg"),
    ],
)
def test_the_pose_rule_at_its_edges(axis: str, value: float, profile: str, expected: Verdict, words: str) -> None:
    verdict, reason = _pose(axis, value, profile)
    assert verdict is expected and words in reason, reason


def test_a_pose_under_a_mask_is_not_judged_but_its_roll_is(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    """A mask drawn on frontal portraits moved the landmarks' pitch by 10 deg on average, yaw by 7, roll by 1.4
    (docs/EVALUATION.md): a level head under a mask failed "tilted up by about 18 deg" (officer walk-through)."""
    masked = _face_mask(portrait, portrait_faces)
    by_id = {c.id: c for c in run_checks(masked, portrait_faces, load_profile("icao-9303"))}
    assert by_id["lower_face_covered"].verdict is Verdict.FAIL
    for check_id in ("pose_yaw", "pose_pitch"):
        assert by_id[check_id].verdict is Verdict.NOT_ASSESSABLE and "would read the covering" in by_id[check_id].reason
    assert by_id["pose_roll"].verdict is Verdict.PASS
    bare = {c.id: c.verdict for c in run_checks(portrait, portrait_faces, load_profile("icao-9303"))}
    assert bare["pose_yaw"] is Verdict.PASS and bare["pose_pitch"] is Verdict.PASS


def _eye_mid(faces: list[Face]) -> tuple[float, float]:
    lm = faces[0].landmarks
    mid = (lm[36:42].mean(axis=0) + lm[42:48].mean(axis=0)) / 2
    return float(mid[0]), float(mid[1])


TRANSFORMS = {
    "mirror": (lambda img, faces: np.ascontiguousarray(img[:, ::-1]), {}),
    "shift_right": (lambda img, faces: _shift(img, 0.12, 0.0), {"horizontal_centre": Verdict.FAIL}),
    "shift_down": (lambda img, faces: _shift(img, 0.0, 0.1), {"eye_line_height": Verdict.FAIL}),
    # 15 % off the top puts the estimated crown 13 % of the head's height past the edge: within how far that estimate
    # can be too high (CROWN_OVERSHOOT), so it is left to the eye; 25 % puts it 26 % past, a cut for sure. The head's
    # pose stays: read against the camera's axis, the face moved to the top edge read 1.5 deg further down, past the
    # limit (it is read against the ray to the face: counter walk-through)
    "crop_top": (
        lambda img, faces: img[int(0.15 * img.shape[0]) :],
        {"face_cropped": Verdict.WARN, "head_size": Verdict.FAIL, "aspect_ratio": Verdict.FAIL},
    ),
    "crop_top_more": (
        lambda img, faces: img[int(0.25 * img.shape[0]) :],
        {"face_cropped": Verdict.FAIL, "head_size": Verdict.FAIL, "aspect_ratio": Verdict.FAIL, "eye_line_height": Verdict.FAIL},
    ),
    "scale_down": (lambda img, faces: _resize(img, 0.5), {"inter_eye_distance": Verdict.FAIL}),
    "scale_down_slightly": (lambda img, faces: _resize(img, 0.7), {"inter_eye_distance": Verdict.WARN}),
    # the astronaut enlarged 3.5 x 1.4 = 4.9 times: past 4 its enlargement is read surely enough to fail (SURE_FACTOR)
    "scale_up": (lambda img, faces: _resize(img, 1.4), {"inter_eye_distance": Verdict.FAIL}),
    "pad": (lambda img, faces: _pad(img, 0.2), {"head_size": Verdict.FAIL, "head_width": Verdict.FAIL}),
    # the portrait's own roll is about +3 deg: turning the photo by 12 deg anticlockwise reads about -9 +- 2,
    # too close to the 8 deg limit to tell; clockwise about 15 +- 2 fails, as does 16 deg anticlockwise
    "roll_12": (lambda img, faces: _rotate(img, 12, _eye_mid(faces)), {"pose_roll": Verdict.WARN}),
    "roll_16": (lambda img, faces: _rotate(img, 16, _eye_mid(faces)), {"pose_roll": Verdict.FAIL}),
    "roll_minus_12": (lambda img, faces: _rotate(img, -12, _eye_mid(faces)), {"pose_roll": Verdict.FAIL}),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_moves_only_its_checks(
    name: str, portrait: np.ndarray, portrait_faces: list[Face], baseline: dict[str, Verdict]
) -> None:
    transform, moved = TRANSFORMS[name]
    after = _verdicts(transform(portrait, portrait_faces))
    expected = {**baseline, **moved}
    changed = {k: (baseline[k].value, v.value) for k, v in after.items() if v is not expected[k]}
    assert after == expected, f"{name}: unexpected verdicts {changed}"


def _with_landmarks(face: Face, landmarks: np.ndarray) -> Face:
    return Face(
        box=face.box,
        detection_score=face.detection_score,
        landmarks=landmarks,
        landmarks5=landmarks[[36, 39, 42, 45, 33]],
        chip_transform=face.chip_transform,
        photo_shape=face.photo_shape,
        plq_chip=face.plq_chip,
    )


@pytest.mark.parametrize(
    ("yaw", "pitch", "moved"),
    [
        (20.0, 0.0, {"pose_yaw": Verdict.FAIL}),
        (-20.0, 0.0, {"pose_yaw": Verdict.FAIL}),
        # tilting the head back also shortens its apparent chin-to-crown height
        (0.0, 40.0, {"pose_pitch": Verdict.FAIL, "head_size": Verdict.FAIL}),
    ],
)
def test_turned_head_fails_pose(
    yaw: float, pitch: float, moved: dict[str, Verdict], portrait: np.ndarray, portrait_faces: list[Face]
) -> None:
    face = portrait_faces[0]
    base = _verdicts(portrait, [_with_landmarks(face, turned_landmarks(face.landmarks))])
    after = _verdicts(portrait, [_with_landmarks(face, turned_landmarks(face.landmarks, yaw, pitch))])
    assert {k: v for k, v in after.items() if v is not base[k]} == moved


@pytest.mark.parametrize(
    ("yaw", "pitch", "check_id", "words"),
    [
        (20.0, 0.0, "pose_yaw", "turned to the photo's right"),
        (-20.0, 0.0, "pose_yaw", "turned to the photo's left"),
        (0.0, 30.0, "pose_pitch", "tilted up (chin raised)"),
        (0.0, -30.0, "pose_pitch", "tilted down (chin lowered)"),
    ],
)
def test_failed_pose_names_the_true_direction(
    yaw: float, pitch: float, check_id: str, words: str, portrait: np.ndarray, portrait_faces: list[Face]
) -> None:
    """The old estimate read yaw and pitch with reversed signs and named the opposite direction."""
    face = portrait_faces[0]
    result = {c.id: c for c in run_checks(portrait, [_with_landmarks(face, turned_landmarks(face.landmarks, yaw, pitch))])}[check_id]
    assert result.verdict is Verdict.FAIL and words in result.reason, result.reason
    assert np.sign(result.value) == np.sign(yaw or pitch)


def test_profile_view_makes_frontal_checks_not_assessable(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    face = portrait_faces[0]
    results = {c.id: c for c in run_checks(portrait, [_with_landmarks(face, turned_landmarks(face.landmarks, 60.0))])}
    assert results["pose_yaw"].verdict is Verdict.FAIL
    for check_id in ("eye_open_left", "eye_open_right", "mouth_closed", "lighting_uniformity", "face_occlusion"):
        assert results[check_id].verdict is Verdict.NOT_ASSESSABLE, check_id
        assert "turned" in results[check_id].reason


def test_a_range_that_leaves_the_bounds_at_its_low_end_is_reported_as_low() -> None:
    # a head measured at 22.4-24.8 mm (estimate 23.6) against an ideal from 22.5 mm warns at the small end; the reason
    # used to follow the point estimate and told the applicant the head was too large
    from pfiq_desktop.engine.icao.grading import RANGE_KEYS, graded_range

    bounds = {"fail_below": 13.5, "warn_below": 22.5, "warn_above": 40.5, "fail_above": 45.0}
    reasons = {"ok": "fine", "low": "too small ({v:.1f})", "high": "too large ({v:.1f})"}
    assert graded_range(23.6, 22.4, 24.8, bounds, reasons).reason.startswith("too small (23.6)")
    assert graded_range(39.9, 38.9, 40.9, bounds, reasons).reason.startswith("too large (39.9)")
    measured = graded_range(30.0, 29.0, 31.0, bounds, reasons)
    assert (measured.verdict, measured.reason) == (Verdict.PASS, "fine")
    # with a sentence for a reading it cannot place, that is what it says, with the interval among the thresholds: "too
    # small: about 23.0 mm (ideally 22.5-40.5 mm)" read as a contradiction (supervisor's walk-through, lenient profile)
    reasons["imprecise"] = "unsure ({lo:.1f} to {hi:.1f})"
    straddles = graded_range(23.6, 22.4, 24.8, bounds, reasons)
    assert (straddles.verdict, straddles.reason) == (Verdict.WARN, "unsure (22.4 to 24.8)")
    assert [straddles.thresholds[key] for key in RANGE_KEYS] == [22.4, 24.8]
    below = graded_range(21.0, 20.0, 22.0, bounds, reasons)  # the whole interval past the recommendation: borderline
    assert below.verdict is Verdict.WARN and below.reason.startswith("too small (21.0)") and "Borderline" in below.reason


def test_a_warning_quotes_the_recommended_bound_it_missed() -> None:
    # "Background is too dark (L* 60; needs 45)" on a warning read as a contradiction: 60 is above 45
    from pfiq_desktop.engine.icao.grading import graded_range

    bounds = {"fail_below": 45.0, "warn_below": 65.0}
    reasons = {"ok": "light", "low": "Background is too dark (L* {v:.0f}; needs {fail_below:.0f})."}
    warned = graded_range(60.0, 60.0, 60.0, bounds, reasons)
    assert warned.verdict is Verdict.WARN
    assert warned.reason == "Background is too dark (L* 60; recommended 65). Borderline: within the limit, past the recommended value."
    mouth = {"ok": "closed", "high": "Mouth is open (lip gap {v:.2f}; allowed {fail_above:.2f})."}
    open_mouth = graded_range(0.16, 0.16, 0.16, {"warn_above": 0.10, "fail_above": 0.20}, mouth)
    assert open_mouth.reason == "Mouth is open (lip gap 0.16; recommended 0.10). Borderline: within the limit, past the recommended value."
    failed = graded_range(40.0, 40.0, 40.0, bounds, reasons)
    assert (failed.verdict, failed.reason) == (Verdict.FAIL, "Background is too dark (L* 40; needs 45).")


def test_a_sentence_never_writes_the_value_as_the_bound_it_failed() -> None:
    # "Mouth is open (lip gap 0.20; allowed 0.20)" on a failed check hid the excess that failed it
    from pfiq_desktop.engine.icao.grading import graded

    mouth = {"ok": "closed", "high": "Mouth is open (lip gap {v:.2f}; allowed {fail_above:.2f})."}
    assert graded(0.2031, {"fail_above": 0.2}, mouth).reason == "Mouth is open (lip gap 0.203; allowed 0.20)."
    assert graded(0.31, {"fail_above": 0.2}, mouth).reason == "Mouth is open (lip gap 0.31; allowed 0.20)."
    glare = {"ok": "none", "high": "Glare covers {v:.1%} of the eyes (allowed {fail_above:.1%})."}
    assert graded(0.0502, {"fail_above": 0.05}, glare).reason == "Glare covers 5.02% of the eyes (allowed 5.0%)."


def test_a_value_exactly_on_a_fail_bound_passes() -> None:
    # the checklist shows a bound as "fail <600" / "fail >2": a photo exactly 600 px high under a profile's
    # image_size.fail_below = 600 is on the allowed side, and integer readings land on their bounds often
    from pfiq_desktop.engine.icao.grading import grade_interval

    assert grade_interval(600, 600, {"fail_below": 600}) == (Verdict.PASS, False)
    assert grade_interval(599, 599, {"fail_below": 600}) == (Verdict.FAIL, False)
    assert grade_interval(2, 2, {"fail_above": 2}) == (Verdict.PASS, False)
    assert grade_interval(3, 3, {"fail_above": 2}) == (Verdict.FAIL, False)
    # an interval that reaches the bound from the failing side could still lie on it: unsure, not failed
    assert grade_interval(590, 600, {"fail_below": 600}) == (Verdict.WARN, True)
    assert grade_interval(2, 4, {"fail_above": 2}) == (Verdict.WARN, True)
