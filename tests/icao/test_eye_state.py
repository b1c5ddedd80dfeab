"""Eye state on the 20 bundled official portraits (real photos, eyes 7-15 px wide): open eyes pass, and an
eye drawn shut (benchmarks/issue15/synth.close_eye: lid skin over the eye and a lash line; the face is
detected again, so dlib may still draw an open eye, as it does on real closed eyes) fails on that eye.

These faces carry no network probes (a backbone without them), so the eye states are the pixels' alone with
their own bars (`eye_pixels.PIXELS_ONLY_EYE_STATE`; the analysis's fused path is tests/test_attributes.py).
Measured with those bars: 2 of 20 unedited portraits flag an eye (the two with the narrowest
eyes); the shut eye fails in 19 of 40 winks (5 of 40 without the comparison with the other eye, the
`wink_gap` rule) and the open eye passes in 36 of 40. The bounds below leave a little room for dlib and
OpenCV builds, not for a broken eye state."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.issue15.synth import close_eye
from pfiq_desktop.engine import disturbances
from pfiq_desktop.engine.icao import Profile, load_profile, run_checks
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.eye_pixels import (
    BROW_SHADE,
    PIXELS_ONLY_EYE_STATE,
    EyeAssessment,
    EyeMeasurements,
    EyeThresholds,
    decide,
    measure_eyes,
)
from pfiq_desktop.engine.icao.eyes_mouth import eye_assessment, eye_thresholds
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Verdict
from tests.icao.facebuild import detect_faces
from tests.photos import PORTRAITS, SHARED_FACES, shared_missing

EYES = {"left": (36, "right"), "right": (42, "left")}  # photo side -> first landmark, the other side


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile("icao-9303")


@pytest.fixture(scope="module")
def portraits() -> list[np.ndarray]:
    return [load_image(p) for p in sorted(PORTRAITS.glob("*.jpg"))]


def verdicts(image: np.ndarray, profile: Profile) -> dict[str, Verdict]:
    faces = detect_faces(image)
    assert len(faces) == 1
    return {c.id: c.verdict for c in run_checks(image, faces, profile) if c.id.startswith("eye_")}


def test_open_eyes_pass_on_the_bundled_portraits(portraits: list[np.ndarray], profile: Profile) -> None:
    flagged = [i for i, img in enumerate(portraits)
               if any(v is not Verdict.PASS for k, v in verdicts(img, profile).items() if k in ("eye_open_left", "eye_open_right"))]
    assert len(flagged) <= 2, flagged
    assert all(verdicts(img, profile)["eye_occlusion"] is Verdict.PASS for img in portraits[:5])


def test_a_wink_fails_the_shut_eye_and_leaves_the_open_one(portraits: list[np.ndarray], profile: Profile) -> None:
    shut_fails = open_passes = 0
    for image in portraits:
        landmarks = detect_faces(image)[0].landmarks.astype(np.float64)
        for side, (first, other) in EYES.items():
            found = verdicts(close_eye(image, landmarks, first), profile)
            shut_fails += found[f"eye_open_{side}"] is Verdict.FAIL
            open_passes += found[f"eye_open_{other}"] is Verdict.PASS
    assert shut_fails >= 15, f"the shut eye failed in {shut_fails} of 40 winks"
    assert open_passes >= 33, f"the open eye passed in {open_passes} of 40 winks"


def test_an_eye_in_deep_side_shadow_is_left_to_the_lighting_check(portraits: list[np.ndarray], profile: Profile) -> None:
    """Hard side light (the photo-right half at 10 % of its light, as Extended Yale B's strong side light shows it):
    an eye in the dark cannot be told open, shut or covered, so its checks are not judged and say why, and the
    failing lighting check is what the officer's pre-ticked reason names (it was "Eyes covered" and "Eye closed or
    hidden"). Measured: the shadowed eye is named in 6 of 20 portraits (the others still read open); before, "Eyes
    not covered" failed in 5 photos, on the shadowed or on the lit eye."""
    named = 0
    for image in portraits:
        faces = detect_faces(image)
        lm = faces[0].landmarks
        dark = disturbances.side_shadow(image, [tuple(lm[36:42].mean(axis=0)), tuple(lm[42:48].mean(axis=0))], 0.9)
        found = {c.id: c for c in run_checks(dark, faces, profile)}
        assert found["lighting_uniformity"].verdict is Verdict.FAIL
        assert found["eye_occlusion"].verdict is not Verdict.FAIL, found["eye_occlusion"].reason
        assert found["eye_open_left"].verdict is not Verdict.NOT_ASSESSABLE  # the lit eye is judged
        shadowed = found["eye_open_right"]
        if shadowed.verdict is not Verdict.PASS:
            assert shadowed.verdict is Verdict.NOT_ASSESSABLE and "lies in deep shadow" in shadowed.reason, shadowed.reason
            assert "deep shadow" in found["eye_occlusion"].reason
            assert found["glasses"].verdict is Verdict.NOT_ASSESSABLE and "glasses cannot be told" in found["glasses"].reason
            named += 1
    assert named >= 5


def test_a_covered_eye_beside_a_lit_cheek_is_still_covered() -> None:
    """The shadow reading is for a dark cheek only: the same eye evidence beside a lit cheek is a cover (patch, lens)."""
    covered = dataclasses.replace(_measured(-6.0, True), occluded={"left": 6.0, "right": -8.0})
    lit, shadow = _decide(covered), _decide(dataclasses.replace(covered, cheek_grey={"left": 12.0, "right": 120.0}))
    assert lit.occluded and lit.left.state == "not_visible" and not lit.left.in_shadow
    assert not shadow.occluded and shadow.left.state == "not_assessable" and shadow.left.in_shadow
    assert "deep shadow (the cheek beside it is at 12 of 255)" in shadow.left.reason


def test_lens_windows_in_deep_shadow_are_not_tinted_lenses() -> None:
    """Both eyes of a face lit from behind the head read as dark lenses against their cheeks: the glasses check
    failed "sunglasses" and "Eyes not covered" "hidden behind dark lenses" on faces without glasses (walk-through)."""
    dark_windows = dataclasses.replace(_measured(-6.0, True), occluded={"left": 6.0, "right": 6.0}, lens_p90=0.05, tint=3.0)
    lit = _decide(dark_windows)
    assert lit.glasses == "tinted" and lit.occluded  # beside lit cheeks: sunglasses
    shadow = _decide(dataclasses.replace(dark_windows, cheek_grey={"left": 8.0, "right": 11.0}))
    assert shadow.glasses != "tinted" and not shadow.occluded and shadow.in_shadow == "both eyes lie"
    # one eye in shadow, the other lit behind a dark lens: sunglasses all the same
    one_lit = _decide(dataclasses.replace(dark_windows, cheek_grey={"left": 120.0, "right": 10.0}))
    assert one_lit.glasses == "tinted" and one_lit.occluded and one_lit.left.behind_dark_lens and one_lit.right.in_shadow


def test_tinted_lenses_over_eyes_barely_seen_hide_the_eyes() -> None:
    """Tinted (not dark) lenses over two eyes each a little under the "not visible" bar (1.5) still hide them: the
    eyes are behind the lenses, and without this rule tinted sunglasses passed "Eyes not covered". One eye seen
    clearly through its lens (log-odds 0) is no cover."""
    tinted = dataclasses.replace(_measured(-6.0, True), tint=2.0, lens_p90=0.9, occluded={"left": 1.0, "right": 1.0})
    found = _decide(tinted)
    assert found.glasses == "tinted" and found.left.state == found.right.state == "open"  # neither eye hidden alone
    assert found.occluded and found.occlusion_reason == "The eyes are hidden behind dark or tinted lenses."
    assert not _decide(dataclasses.replace(tinted, occluded={"left": 0.0, "right": 1.0})).occluded
    assert not _decide(dataclasses.replace(tinted, tint=-4.0)).occluded  # the same eyes without tinted lenses


def test_a_shadowed_eye_is_no_evidence_about_the_other_eye() -> None:
    """A shadowed eye reads shut: it made a lit eye a little over the both-eyes bar (and under the one-eye bar) read
    "closed" as the second of two shut eyes, or a wink against it."""
    bars = PIXELS_ONLY_EYE_STATE  # with the network's probes the two bars are one (1.0)
    lit = bars["closed_both"] + 0.5 * (bars["closed_one"] - bars["closed_both"])
    both_read_shut = dataclasses.replace(_measured(lit, False), closed={"left": lit, "right": 6.0})
    assert _decide(both_read_shut).left.state == "closed"  # both lit: the pair is judged together
    beside_shadow = _decide(dataclasses.replace(both_read_shut, cheek_grey={"left": 120.0, "right": 10.0}))
    assert beside_shadow.left.state == "open" and beside_shadow.right.in_shadow


def test_behind_dark_lenses_the_eyes_open_column_says_not_seen() -> None:
    """The CSV's EyesOpen read 0.997 for eyes behind sunglasses (the pixel scores alone), while the check said hidden."""
    sunglasses = _decide(dataclasses.replace(_measured(-6.0, True), lens_p90=0.05))
    assert sunglasses.left.state == "not_visible" and sunglasses.left.behind_dark_lens and sunglasses.left.seen_open == 0.0
    assert _decide(_measured(-6.0, True)).left.seen_open > 0.99


def _decide(measured: EyeMeasurements, thresholds: EyeThresholds | None = None) -> EyeAssessment:
    """The eyes decided under the default profile's thresholds, or under `thresholds`."""
    return decide(measured, thresholds or eye_thresholds({}))


def _measured(closed_left: float, with_network: bool) -> EyeMeasurements:
    """One eye's closed log-odds set, the other clearly open; nothing covered, no glasses."""
    both = ("left", "right")
    return EyeMeasurements(
        closed={"left": closed_left, "right": -6.0}, occluded=dict.fromkeys(both, -8.0), tint=-4.0, lens_p90=0.9,
        brow_shade=0.5, frame=-4.0, boxes=dict.fromkeys(both, (0.0, 0.0, 10.0, 6.0)), assessable=dict.fromkeys(both, True),
        plq_ratio=dict.fromkeys(both, None), frame_box=(0.0, 0.0, 30.0, 10.0), cheek_grey=dict.fromkeys(both, 120.0),
        with_network=with_network)


def test_a_closed_eye_the_network_is_unsure_of_is_left_to_the_officer() -> None:
    """With the network's probes a closed eye under `sure_closed` (0.9) reads "may be closed" (the check warns);
    at 0.95 it is sure (the check fails). The pixels alone keep every closed eye sure: their bars were not chosen
    for a band."""
    unsure, sure = _decide(_measured(1.5, True)).left, _decide(_measured(3.0, True)).left  # p 0.82, 0.95
    assert unsure.state == sure.state == "closed"
    assert not unsure.sure and "may be closed" in unsure.reason
    assert sure.sure and "looks closed" in sure.reason
    wink = _decide(_measured(0.0, False))  # the pixels alone: shut by the wink rule (gap 6 > 4) at p 0.5
    assert wink.left.state == "closed" and wink.left.sure and wink.right.state == "open"
    anything_goes = dataclasses.replace(eye_thresholds({}), sure_closed=0.0)
    assert _decide(_measured(1.5, True), anything_goes).left.sure  # a profile can make every one fail


def test_an_open_eye_read_more_likely_shut_than_not_says_so() -> None:
    """"Eye open: Pass" beside "64.8 % closed" read as a contradiction (walk-through of unseen photos): an eye taken
    as open though its closed reading is over even says how likely and from where it would be flagged."""
    narrowed = _decide(dataclasses.replace(_measured(0.6, True), closed={"left": 0.6, "right": 0.5})).left  # p 0.65
    assert narrowed.state == "open"
    assert narrowed.reason == ("The eye on the photo's left is taken as open, though it looks narrowed: closed 65 % likely, "
                               "under the 73 % at which one eye alone is flagged.")
    assert _decide(_measured(-2.0, True)).left.reason == "The eye on the photo's left is open."


def test_an_eye_flagged_under_the_bar_for_one_eye_says_why() -> None:
    """A wink is flagged against the other eye, under the bar for one eye alone: "may be closed (55 %)" beside "warn
    above 73 %" read as a contradiction (supervisor's walk-through), so the sentence names the other eye."""
    wink = _decide(_measured(0.0, False)).left  # the pixels alone: p 0.5 against the other eye's 0.0025
    assert wink.state == "closed" and wink.reason == (
        "The eye on the photo's left looks closed (confidence 50%), under the 94 % at which one eye alone is flagged, "
        "but far more closed than the other eye (0 %), as in a wink.")
    both = _decide(dataclasses.replace(_measured(0.5, True), closed={"left": 0.5, "right": 0.5}),
                   dataclasses.replace(eye_thresholds({}), closed_both=0.0)).left
    assert both.state == "closed" and "but both eyes look closed: look at it." in both.reason
    assert _decide(_measured(3.0, True)).left.reason == "The eye on the photo's left looks closed (confidence 95%)."


def test_the_eye_checks_state_their_bars_in_the_unit_of_their_value(portraits: list[np.ndarray], profile: Profile) -> None:
    """The eye-state bars are log-odds of the models; the check's value is "% closed": its thresholds also say, in that
    unit, from where one eye alone fails (the report's threshold column showed nothing). The pixels alone fail every
    eye they call closed, so there is no warning band here (with the network's probes: tests/test_attributes.py)."""
    checks = {c.id: c for c in run_checks(portraits[0], detect_faces(portraits[0]), profile)}
    for check_id in ("eye_open_left", "eye_open_right"):
        found = checks[check_id]
        assert found.unit == "% closed" and found.value is not None and found.value < found.thresholds["fail_above"]
        assert found.thresholds["fail_above"] == pytest.approx(94.0, abs=0.05) and "warn_above" not in found.thresholds
        assert found.thresholds["closed_one"] == PIXELS_ONLY_EYE_STATE["closed_one"]  # the bars as applied stay beside them


def test_lenses_read_tinted_with_little_confidence_are_left_to_the_officer() -> None:
    """Under `sure_tinted` (0.7) the glasses check warns "may be tinted" (on dev every clear or bare eye called
    tinted read under 0.7); above it, and for dark lenses, it fails as before."""
    def glasses(tint: float, lens_p90: float = 0.9):
        return _decide(dataclasses.replace(_measured(-6.0, True), tint=tint, lens_p90=lens_p90))

    unsure, sure, dark = glasses(0.4), glasses(1.5), glasses(-4.0, lens_p90=0.3)  # p 0.60, 0.82; dark lenses
    assert unsure.glasses == sure.glasses == dark.glasses == "tinted"
    assert not unsure.tinted_sure and "may be worn (confidence 60%)" in unsure.glasses_reason
    assert sure.tinted_sure and dark.tinted_sure and sure.glasses_reason.endswith("not allowed.")
    assert _decide(_measured(-6.0, True)).glasses == "none" and not _decide(_measured(-6.0, True)).tinted_sure


def test_the_glasses_check_warns_for_unsure_tint_and_fails_where_no_glasses_are_allowed(monkeypatch) -> None:
    from pfiq_desktop.engine.icao import eyes_mouth

    unsure = _decide(dataclasses.replace(_measured(-6.0, True), tint=0.4))
    monkeypatch.setattr(eyes_mouth, "eye_assessment", lambda ctx, params: unsure)
    monkeypatch.setattr(eyes_mouth, "too_little_detail", lambda ctx: "")  # a face holding its detail (test_enlargement)
    params = load_profile().params("glasses")
    assert eyes_mouth.glasses(None, params).verdict is Verdict.WARN
    assert eyes_mouth.glasses(None, {**params, "fail_if_present": True}).verdict is Verdict.FAIL
    assert "% tinted" in eyes_mouth.glasses(None, params).unit  # still named tinted: the officer looks at the lenses
    # where no glasses are allowed (us-passport) the FAIL said "tinted lenses are not allowed, clear ones are"
    forbidden = eyes_mouth.glasses(None, {**params, "fail_if_present": True}).reason
    assert "not allowed under this profile" in forbidden and "clear ones are" not in forbidden, forbidden
    # clear glasses were "worn" at any confidence: a sharpened face without glasses read so at 53 % (wrong-cause audit)
    clear = dataclasses.replace(unsure, glasses="clear", glasses_score=0.53)
    monkeypatch.setattr(eyes_mouth, "eye_assessment", lambda ctx, params: clear)
    assert eyes_mouth.glasses(None, params).reason.startswith("Clear glasses seen (confidence 53%): allowed only if")
    assert eyes_mouth.glasses(None, {**params, "fail_if_present": True}).reason.startswith(
        "Clear glasses seen (confidence 53%): not allowed under this profile")


def test_each_eye_check_reads_the_bars_the_other_eye_checks_own_from_the_same_profile(
        tmp_path: Path, portraits: list[np.ndarray]) -> None:
    """One measurement decides the eye states, the glasses and the occlusion together: "Glasses" decided them with the
    default profile's bar for a covered eye and "Eye open" with the default's tint bar, whatever the chosen profile
    set."""
    path = tmp_path / "office.toml"
    path.write_text('extends = "icao-9303"\n[checks.eye_occlusion]\noccluded = 2.25\n[checks.glasses]\ntinted = 1.25\n')
    office, image = load_profile(path), portraits[0]
    faces = detect_faces(image)
    in_office = Context(image, faces, office)
    assert eye_assessment(in_office, office.params("glasses")).thresholds.occluded == 2.25
    assert eye_assessment(in_office, office.params("eye_open_left")).thresholds.tinted == 1.25
    assert eye_assessment(in_office.for_face(0), office.params("eye_occlusion")).thresholds.tinted == 1.25
    default = Context(image, faces)
    assert eye_assessment(default, office.params("glasses")).thresholds.occluded == 1.5


def test_dark_windows_as_dark_as_the_brows_are_a_shadow_not_lenses() -> None:
    """Dark lens windows read as sunglasses; where the darkness reaches over the brows too it is named as such: a
    cap's brim's shadow failed "Tinted glasses or sunglasses are worn" at 100 % on a man wearing none (walk-through)."""
    dark_windows = dataclasses.replace(_measured(-6.0, True), occluded={"left": 6.0, "right": 6.0}, lens_p90=0.05, tint=3.0)
    lenses, band = _decide(dark_windows), _decide(dataclasses.replace(dark_windows, brow_shade=1.1))
    assert not lenses.dark_band and lenses.left.behind_dark_lens and "lenses" in lenses.occlusion_reason
    assert band.dark_band and band.occluded and band.left.state == "not_visible" and not band.left.behind_dark_lens
    assert "shadow reaching over the brows" in band.occlusion_reason and "shadow reaching over the brows" in band.left.reason
    # lighter windows keep their reading: the band matters where the windows read dark; so does an eye not judged
    assert not _decide(dataclasses.replace(dark_windows, brow_shade=1.1, lens_p90=0.9)).dark_band
    one_judged = _decide(dataclasses.replace(dark_windows, brow_shade=1.1, assessable={"left": True, "right": False}))
    assert not one_judged.dark_band and one_judged.left.in_dark_band


def test_the_brow_band_is_measured_on_the_pixels(portraits: list[np.ndarray]) -> None:
    """`brow_shade` on real pixels: a dark band painted over the brows and the eyes reads as one darkness (the
    glasses cannot be told), dark lenses painted over the eyes alone as lenses."""
    for image in portraits[:4]:
        lm = detect_faces(image)[0].landmarks.astype(np.float64)
        ied = float(np.linalg.norm(lm[42:48].mean(0) - lm[36:42].mean(0)))
        band, lenses = image.copy(), image.copy()
        top, bottom = int(lm[17:27, 1].min() - 0.3 * ied), int(lm[36:48, 1].max() + 0.3 * ied)
        band[top:bottom, int(lm[0, 0]):int(lm[16, 0])] = (35, 35, 35)
        for eye in (lm[36:42], lm[42:48]):
            cv2.ellipse(lenses, tuple(int(v) for v in eye.mean(0)), (int(0.42 * ied), int(0.2 * ied)), 0, 0, 360, (35, 35, 35), -1)
        shaded, behind_lenses = (measure_eyes(pixels, lm) for pixels in (band, lenses))
        assert shaded.brow_shade >= BROW_SHADE > behind_lenses.brow_shade, (shaded.brow_shade, behind_lenses.brow_shade)
        assert _decide(shaded).dark_band and not _decide(behind_lenses).dark_band
        assert _decide(behind_lenses).glasses == "tinted"


# bundled portraits on which a drawn brim shadow now reads as a shadow: on 5 of the first 10 it does, on the other 5 it
# still reads as tinted lenses (docs/EVALUATION.md, "The thirty-first walk-through's findings, mended")
BRIM_SHADOW_PORTRAITS = ("014858", "014871", "014873")


def brim_shadow(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A cap's brim shadow drawn over a portrait: darkest at the brim (0.8 eye distances above the brows), still dark
    over the eyes, fading out on the cheeks."""
    ied = float(np.linalg.norm(landmarks[42:48].mean(0) - landmarks[36:42].mean(0)))
    top, eyes = landmarks[17:27, 1].min() - 0.8 * ied, landmarks[36:48, 1].max() + 0.1 * ied
    gain = np.interp(np.arange(image.shape[0], dtype=np.float32), [top - 1, top, eyes, eyes + 0.3 * ied], [1.0, 0.12, 0.3, 1.0])
    return (image * gain.astype(np.float32)[:, None, None]).astype(np.uint8)


def test_a_brim_shadow_is_not_called_sunglasses(analyzer, tmp_path: Path) -> None:
    """The walk-through's cap photo: no glasses, the eyes in the brim's shadow, "Tinted glasses or sunglasses are worn"
    at 100 %. "Eyes covered" still fails, since the eyes cannot be seen, but names the shadow; "No glasses" is not
    judged. On brim shadows drawn over bundled portraits, and on the cap photo itself where ../shared has it (its
    licence keeps it out of the repository). The whole engine: its network's probes tell the lit mouth and chin from a
    mask, the pixels alone do not."""
    photos = {path.stem: path for path in sorted(PORTRAITS.glob("*.jpg"))}
    paths = []
    for name in BRIM_SHADOW_PORTRAITS:
        image = load_image(photos[name])
        shaded = brim_shadow(image, detect_faces(image)[0].landmarks.astype(np.float64))
        paths.append(tmp_path / f"{name}_brim.png")
        cv2.imwrite(str(paths[-1]), cv2.cvtColor(shaded, cv2.COLOR_RGB2BGR))
    cap = SHARED_FACES / "defects_misc/explainable_fiq_test_images_CC-BY-NC/cap.png"
    paths += [] if shared_missing("defects_misc") else [cap]
    for path in paths:
        found = {c.id: c for c in analyzer.analyse(str(path)).subject_checks()}
        assert found["glasses"].verdict is Verdict.NOT_ASSESSABLE and "shadow reaching over the brows" in found["glasses"].reason, path
        assert found["eye_occlusion"].verdict is Verdict.FAIL and "shadow reaching over the brows" in found["eye_occlusion"].reason
        assert path != cap or found["head_covering"].verdict is Verdict.FAIL
