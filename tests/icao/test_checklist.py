"""The checklist as a whole: robustness, not-assessable verdicts, profiles, regions, speed-critical paths."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from pfiq_desktop.engine.disturbances import defects
from pfiq_desktop.engine.icao import (
    CHECKS,
    REGION_NAMES,
    Profile,
    ProfileError,
    list_profiles,
    load_profile,
    region_plq,
    run_checks,
)
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.regions import polygon_mask, region_polygons
from pfiq_desktop.engine.icao.registry import COPIES_UNIT, DRAWS_EYES_SHUT, SMEAR_UNIT, SMEARED, SURE_DESPITE_SMEAR, TURNED_HEAD_MAX_YAW
from pfiq_desktop.engine.results import Analysis, CheckResult, Face, Verdict
from pfiq_desktop.review.reasons import COPIES_FIX, COPIES_PROBLEM, FIXES, FRAMED_BY_ONE_COPY, fix_for, problem_label, to_change
from pfiq_desktop.review.values import value_text
from tests.icao.facebuild import detect_faces
from tests.icao.test_checks import _glasses
from tests.photos import SHARED_FACES, crop_top, group_photo, load_portrait, portrait_paths, shared_missing

# icao-9303 leaves the mm margins (top_margin, chin_margin) to the country profiles that set them
DEFAULT_ENABLED = {check_id for check_id in CHECKS if load_profile().enabled(check_id)}


def test_no_face_fails_presence_and_nothing_else_is_judged(portrait: np.ndarray) -> None:
    results = run_checks(portrait, [])
    by_id = {c.id: c for c in results}
    presence = by_id.pop("face_present")
    assert presence.verdict is Verdict.FAIL
    assert "mask" in presence.reason and "too small" in presence.reason  # what the applicant may change, not only the fact
    assert problem_label(presence) == "No face found"
    assert by_id.pop("one_image").verdict is Verdict.PASS  # a fact of the file: its second page may hold the face
    assert all(c.verdict is Verdict.NOT_ASSESSABLE for c in by_id.values())
    assert by_id["single_face"].face_index is None and by_id["aspect_ratio"].face_index is None


def test_a_photo_too_dark_to_find_a_face_in_says_so(portrait: np.ndarray) -> None:
    # an Extended Yale B 'Ambient' photo (mean grey about 10) read "covered, turned away, too small or too dark, or
    # stored sideways": the officer wants "too dark", measured against the profile's own exposure limit
    dark = (portrait.astype(np.float32) * 0.08).astype(np.uint8)
    presence = next(c for c in run_checks(dark, []) if c.id == "face_present")
    floor = load_profile().params("exposure")["fail_below"]
    assert presence.verdict is Verdict.FAIL and "too dark (mean grey" in presence.reason, presence.reason
    assert f"a face needs at least {floor:.0f}): retake it in more light" in presence.reason
    # a photo lit normally keeps the usual causes
    assert "too dark (mean grey" not in next(c for c in run_checks(portrait, []) if c.id == "face_present").reason


@pytest.mark.parametrize(("turn", "stored"), [(cv2.ROTATE_90_CLOCKWISE, "sideways (turned 90 degrees anticlockwise"),
                                              (cv2.ROTATE_90_COUNTERCLOCKWISE, "sideways (turned 90 degrees clockwise"),
                                              (cv2.ROTATE_180, "upside down (turned 180 degrees")])
def test_a_photo_stored_turned_says_so_instead_of_no_face(portrait: np.ndarray, portrait_faces: list[Face], turn: int,
                                                          stored: str) -> None:
    # a scan stored sideways without an EXIF orientation read "No face was found: covered, turned away, too small..."
    presence = next(c for c in run_checks(cv2.rotate(portrait, turn), []) if c.id == "face_present")
    assert presence.verdict is Verdict.FAIL and f"the photo is stored {stored}" in presence.reason, presence.reason
    # the list row, the summary and the console name it too (they said "No face found")
    how = "upside down" if turn == cv2.ROTATE_180 else "sideways"
    assert problem_label(presence) == "Photo stored " + how
    # the value column reads the way the reason does: it read "270 deg clockwise to upright" beside "90 degrees anticlockwise"
    assert value_text(presence.value, presence.unit).replace("turn", "turned") in presence.reason
    # the other checks say why they are not judged: they said "No face found", beside "Photo stored sideways"
    others = [c for c in run_checks(cv2.rotate(portrait, turn), []) if c.id not in ("face_present", "one_image")]
    assert others and all(c.reason == f"The photo is stored {how}, so this was not checked: turn it upright first."
                          for c in others), {c.reason for c in others}
    # nor is a face the fallback detector found lying on its side judged: its mask, covering and eyes were (10 checks
    # failed on a bare-headed man, "Mouth and chin uncovered: 84 % likely" among them)
    sideways = [replace(face, detector="cnn") for face in portrait_faces]
    found = run_checks(cv2.rotate(portrait, turn), sideways + sideways)  # a second face: not judged either
    assert next(c for c in found if c.id == "face_present").verdict is Verdict.FAIL
    subject = [c for c in found if c.id not in ("face_present", "one_image") and c.face_index in (None, 0)]
    assert [c.reason for c in subject] == [c.reason for c in others], found
    second = [c for c in found if c.face_index == 1]  # its rows say why (a report said "passes its own checks")
    assert second and {c.reason for c in second} == {others[0].reason}, second
    # and the consoles, reports and the window count it among the photos without a face to judge
    assert not Analysis(source="turned.jpg", image_size=(1, 1), faces=sideways, checks=found).upright_face
    assert Analysis(source="upright.jpg", image_size=(1, 1), faces=portrait_faces, checks=run_checks(portrait, portrait_faces)).upright_face
    # the fallback detector's faces are asked too (it finds some sideways faces); an upright one is not told it is turned
    fallback = [replace(face, detector="cnn") for face in portrait_faces]
    presence = next(c for c in run_checks(portrait, fallback) if c.id == "face_present")
    assert presence.verdict is Verdict.PASS and "second (CNN) detector" in presence.reason


@pytest.mark.parametrize(
    "image",
    [np.zeros((0, 0, 3), np.uint8), np.zeros(5), None, np.full((40, 30), 0.5), np.zeros((50, 60, 4), np.uint16)],
    ids=["empty", "1d", "none", "float-grey", "rgba16"],
)
def test_odd_images_never_raise(image: object, portrait_faces: list[Face]) -> None:
    for faces in ([], portrait_faces):
        results = run_checks(image, faces)  # type: ignore[arg-type]
        assert {c.id for c in results} == DEFAULT_ENABLED and len(results) == len(DEFAULT_ENABLED)
        assert all(isinstance(c, CheckResult) for c in results)


def test_broken_landmarks_are_not_assessable(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    face = replace(portrait_faces[0], landmarks=np.zeros((0, 2), np.float32))
    by_id = {c.id: c for c in run_checks(portrait, [face])}
    assert by_id["face_present"].verdict is Verdict.PASS
    assert by_id["single_face"].verdict is Verdict.PASS
    for check_id in ("inter_eye_distance", "pose_yaw", "eye_open_left", "sharpness", "plq_regions"):
        assert by_id[check_id].verdict is Verdict.NOT_ASSESSABLE, check_id


def test_missing_plq_map_is_not_assessable(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    face = replace(portrait_faces[0], plq_chip=np.zeros((0, 0), np.float32))
    by_id = {c.id: c for c in run_checks(portrait, [face])}
    assert by_id["plq_regions"].verdict is Verdict.NOT_ASSESSABLE
    assert by_id["face_occlusion"].verdict is Verdict.NOT_ASSESSABLE
    assert region_plq(face) == {}


def test_greyscale_photo_makes_colour_checks_not_assessable(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    grey = np.repeat(portrait.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    by_id = {c.id: c for c in run_checks(grey, portrait_faces)}
    assert by_id["greyscale"].verdict is Verdict.FAIL
    assert by_id["red_eye"].verdict is Verdict.NOT_ASSESSABLE
    assert by_id["natural_colour"].verdict is Verdict.NOT_ASSESSABLE


def test_a_dark_colour_photo_is_not_called_black_and_white(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    # "Colour photo" read the channels' absolute spread, which shrinks with the light: the portrait at a tenth of it
    # was failed as black and white beside the exposure check that names the real defect (this colourful portrait at 6 %
    # of its light; the palest official portrait at 20 %)
    dark = (portrait.astype(np.float32) * 0.06 + 0.5).astype(np.uint8)
    by_id = {c.id: c for c in run_checks(dark, portrait_faces)}
    assert by_id["greyscale"].verdict is Verdict.PASS
    assert by_id["exposure"].verdict is Verdict.FAIL
    grey_and_dark = np.repeat(dark.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    assert next(c for c in run_checks(grey_and_dark, portrait_faces) if c.id == "greyscale").verdict is Verdict.FAIL


def test_results_are_deterministic_and_json_round_trip(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    first = run_checks(portrait, portrait_faces)
    assert first == run_checks(portrait, portrait_faces)
    analysis = Analysis(source="x", image_size=(570, 735), checks=first, profile="icao-9303")
    assert Analysis.from_json(analysis.to_json()).checks == first
    # scripts read the outcome from a result file: it carries the overall verdict, which is not read back
    worst = max((c.verdict for c in first if c.face_index in (None, 0)), key=lambda verdict: verdict.severity)
    assert analysis.to_dict()["verdict"] == analysis.verdict == worst.value
    assert Analysis.from_json(analysis.to_json()).verdict == analysis.verdict
    # an edited or newer file is refused with the reason, not drawn until a traceback ends the batch
    for key, value, why in (("image_size", [-5, 0], "image_size \\[-5, 0\\] is not a width and height in pixels"),
                            ("schema", 999, "schema 999: written by a newer version")):
        data = json.loads(analysis.to_json())
        data[key] = value
        with pytest.raises(ValueError, match=why):
            Analysis.from_json(json.dumps(data))
    assert [c.family for c in first] == sorted(
        (c.family for c in first), key=("geometry", "pose", "eyes_mouth", "photometric", "background", "occlusion").index
    )


def test_evidence_is_in_photo_pixels_and_links_regions(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    by_id = {c.id: c for c in run_checks(portrait, portrait_faces)}
    (x0, y0), (x1, y1) = by_id["inter_eye_distance"].evidence.points
    lm = portrait_faces[0].landmarks
    assert abs(x0 - lm[36:42, 0].mean()) < 1 and abs(y1 - lm[42:48, 1].mean()) < 1
    assert by_id["eye_open_left"].evidence.regions == ["left_eye"]
    assert by_id["mouth_closed"].evidence.regions == ["mouth"]


def test_region_plq_means_and_low_region_flagged(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    face = portrait_faces[0]
    regions = region_plq(face)
    assert set(regions) == set(REGION_NAMES)
    assert all(abs(v - 0.6) < 1e-4 for v in regions.values())
    chip = face.plq_chip.copy()
    a = np.asarray(face.chip_transform)
    nose = region_polygons(face.landmarks)["nose"] @ a[:, :2].T + a[:, 2]
    chip[polygon_mask(nose, chip.shape)] = 0.1
    occluded = replace(face, plq_chip=chip)
    assert region_plq(occluded)["nose"] == pytest.approx(0.1, abs=1e-3)
    by_id = {c.id: c for c in run_checks(portrait, [occluded])}
    assert by_id["plq_regions"].evidence.regions == ["nose"]
    assert by_id["face_occlusion"].verdict is Verdict.FAIL
    assert "nose" in by_id["face_occlusion"].reason  # (a low eye region is the eye check's: it reports the cover)


def test_regions_sit_on_their_landmarks(portrait_faces: list[Face]) -> None:
    lm = portrait_faces[0].landmarks
    polys = region_polygons(lm)
    shape = (800, 600)
    for name, points in (("left_eye", lm[36:42]), ("right_eye", lm[42:48]), ("mouth", lm[60:68]), ("nose", lm[[30, 33]])):
        mask = polygon_mask(polys[name], shape)
        assert all(mask[int(y), int(x)] for x, y in points.mean(axis=0, keepdims=True)), name
    forehead = polys["forehead"]
    assert forehead[:, 1].min() < lm[17:27, 1].min()


def test_profiles_bundled_and_differ() -> None:
    names = list_profiles()
    assert names[0] == "icao-9303" and {"strict", "lenient"} <= set(names)
    default, strict, lenient = (load_profile(n) for n in ("icao-9303", "strict", "lenient"))
    assert strict.params("pose_roll")["fail_above"] < default.params("pose_roll")["fail_above"]
    assert strict.params("exposure") == default.params("exposure")  # inherited via extends
    assert not lenient.enabled("aspect_ratio")


def test_profile_changes_verdicts_and_is_recorded(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    lenient = {c.id for c in run_checks(portrait, portrait_faces, load_profile("lenient"))}
    assert "aspect_ratio" not in lenient
    # the strict profile turns a glasses warning into a failure
    image = _glasses(portrait, portrait_faces)
    strict = {c.id: c for c in run_checks(image, portrait_faces, load_profile("strict"))}
    assert strict["glasses"].verdict is Verdict.FAIL


def test_user_profile_file_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "mine.toml"
    toml.write_text('name = "my office"\nextends = "icao-9303"\n[checks.inter_eye_distance]\nfail_below = 110\n')
    mine = load_profile(toml)
    assert isinstance(mine, Profile) and mine.name == "my office"
    assert mine.params("inter_eye_distance") == {"fail_below": 110, "warn_below": 120}
    js = tmp_path / "mine.json"
    js.write_text('{"name": "json one", "checks": {"inter_eye_distance": {"fail_below": 10}}}')
    assert load_profile(js).params("inter_eye_distance") == {"fail_below": 10}
    with pytest.raises(ProfileError):
        load_profile(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("checks = 3\n")
    with pytest.raises(ProfileError):
        load_profile(bad)


def test_incomplete_user_profile_still_gives_reasons(tmp_path: Path, portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    """A short profile of one's own (no `extends`): the bounds it states are all its tables have; every check it
    leaves out, and every setting that is not a bound, is the default profile's (the checks hold no numbers)."""
    bare = tmp_path / "bare.toml"
    bare.write_text('name = "bare"\n[checks.inter_eye_distance]\nfail_below = 500\n'
                    '[checks.natural_colour]\nfail_above = 9\n[checks.face_occlusion]\nenabled = true\n')
    profile = load_profile(bare)
    default = load_profile()
    assert profile.params("inter_eye_distance") == {"fail_below": 500}  # its warn_below is left out, not filled in
    assert profile.params("natural_colour") == {**default.params("natural_colour"), "fail_above": 9}
    assert profile.params("sharpness") == default.params("sharpness") and profile.params("eye_glare") == default.params("eye_glare")
    by_id = {c.id: c for c in run_checks(portrait, portrait_faces, profile)}
    assert by_id["inter_eye_distance"].verdict is Verdict.FAIL
    # its sentence quotes only the bound it sets ("Measured 152 px, outside the profile's limits" when it quoted
    # the preferred distance too)
    assert re.match(r"Eyes are only 15\d px apart \(required 500\)", by_id["inter_eye_distance"].reason)
    from pfiq_desktop.engine.icao.grading import UNWORDED, graded

    unworded = graded(152.0, {"fail_below": 500}, {"ok": "Fine.", "low": "Only {v:.0f} px; wanted {fail_above:.0f}."}, "px")
    assert unworded.reason == f"Measured 152 px, outside {UNWORDED} (fail below 500)."  # a bound it lacks
    judged = {c.id: c for c in run_checks(portrait, portrait_faces)}
    assert by_id["face_occlusion"].verdict is Verdict.NOT_ASSESSABLE and "sets no fail_below" in by_id["face_occlusion"].reason
    others = set(judged) - {"inter_eye_distance", "natural_colour", "face_occlusion"}
    assert {i: by_id[i].verdict for i in others} == {i: judged[i].verdict for i in others}
    assert by_id["sharpness"].thresholds == judged["sharpness"].thresholds  # (no [print]: no bounds in mm)


def test_group_photo_fails_single_face_with_a_box_on_each_other_face() -> None:
    photo = group_photo([load_portrait(i) for i in (0, 1, 2)])
    faces = detect_faces(photo)
    assert len(faces) == 3
    single = {c.id: c for c in run_checks(photo, faces)}["single_face"]
    assert single.verdict is Verdict.FAIL and single.reason.startswith("2 other faces in the photo")
    assert len(single.evidence.boxes) == 2
    alone = {c.id: c for c in run_checks(load_portrait(0), detect_faces(load_portrait(0)))}["single_face"]
    assert alone.verdict is Verdict.PASS


def test_a_sheet_of_prints_of_one_portrait_asks_for_one_print_not_a_retake_alone() -> None:
    # a scanned booth sheet holds one portrait four times: "Retake with the applicant alone in the photo" told an
    # applicant who was alone to retake (counter walk-through); re-saved as a scan would be, the copies still match
    portrait = load_portrait(0)
    row = group_photo([portrait, portrait])
    sheet = cv2.imdecode(cv2.imencode(".jpg", np.vstack([row, row]), [cv2.IMWRITE_JPEG_QUALITY, 85])[1], cv2.IMREAD_COLOR)
    faces = detect_faces(sheet)
    assert len(faces) == 4
    single = {c.id: c for c in run_checks(sheet, faces)}["single_face"]
    assert single.verdict is Verdict.FAIL and single.reason.startswith("The photo holds 4 copies of one portrait"), single.reason
    assert (single.unit, value_text(single.value, single.unit)) == (COPIES_UNIT, "4 copies")
    assert len(single.evidence.boxes) == 3
    assert (problem_label(single), fix_for(single)) == (COPIES_PROBLEM, COPIES_FIX)
    # the sheet's framing is that crop's: one change, not "Move the camera closer" and "Centre the face" of their own
    checks = run_checks(sheet, faces)
    framing = {problem_label(c) for c in checks if c.face_index in (None, 0) and c.verdict is Verdict.FAIL
               and c.id in FRAMED_BY_ONE_COPY}
    assert framing, "the sheet fails no framing check: the grouping below is untested"
    changes = to_change(Analysis(source="sheet.jpg", image_size=(sheet.shape[1], sheet.shape[0]), faces=faces, checks=checks))
    assert changes[0] == ([COPIES_PROBLEM, *changes[0][0][1:]], COPIES_FIX) and framing <= set(changes[0][0]), changes
    own = {fix_for(c) for c in checks if c.face_index in (None, 0) and c.verdict is Verdict.FAIL and c.id in FRAMED_BY_ONE_COPY}
    assert own and not own & {fix for _, fix in changes}, (own, changes)
    # two people, or the same portrait beside another one, are not a sheet of copies
    for people in ([portrait, load_portrait(1)], [portrait, portrait, load_portrait(1)]):
        photo = group_photo(people)
        other = {c.id: c for c in run_checks(photo, detect_faces(photo))}["single_face"]
        assert other.verdict is Verdict.FAIL and other.unit != COPIES_UNIT, other.reason
        assert fix_for(other) == FIXES["single_face"]


DEFECT_FAILS = {"blur": "sharpness", "low_resolution": "sharpness", "jpeg": "compression"}


@pytest.mark.parametrize("index", range(len(portrait_paths())))
def test_generated_defects_fail_their_check_on_each_real_portrait(index: int) -> None:
    photo = load_portrait(index)
    faces = detect_faces(photo)  # the clean photo's geometry, as the defect does not move the face
    clean = {c.id: c.verdict for c in run_checks(photo, faces)}
    assert clean["sharpness"] is Verdict.PASS and clean["compression"] is not Verdict.FAIL
    for name, image in defects(photo).items():
        verdict = {c.id: c.verdict for c in run_checks(image, faces)}[DEFECT_FAILS[name]]
        assert verdict is Verdict.FAIL, f"{name}: {DEFECT_FAILS[name]} {verdict}"


def test_head_cut_at_the_top_fails_face_cropped() -> None:
    photo = load_portrait(0)
    faces = detect_faces(photo)
    assert {c.id: c for c in run_checks(photo, faces)}["face_cropped"].verdict is Verdict.PASS
    cut = crop_top(photo, faces[0].landmarks)
    cropped = {c.id: c for c in run_checks(cut, detect_faces(cut))}["face_cropped"]
    assert cropped.verdict is Verdict.FAIL and "top edge" in cropped.reason
    # it said "margin -26% of the head height": a negative margin is what lies outside
    assert cropped.value < 0 and cropped.reason == (f"The head is cut by the top edge: about {round(-100 * cropped.value)} % "
                                                    "of its height is outside the photo.")


def group_and_partial_face() -> tuple[np.ndarray, np.ndarray]:
    """A photo of a group and one of a partial face: real ones from the developers' data when it is there,
    else two bundled portraits side by side and a portrait cut through the left cheek."""
    from PIL import Image

    if shared_missing("defects_misc"):
        photo = load_portrait(0)
        jaw = detect_faces(photo)[0].landmarks[[0, 16], 0]
        cut = int(jaw[0] + 0.15 * (jaw[1] - jaw[0]))
        return group_photo([load_portrait(3), load_portrait(4)]), np.ascontiguousarray(photo[:, cut:])
    folder = SHARED_FACES / "defects_misc" / "face_recognition_examples"
    group, partial = (np.asarray(Image.open(folder / name).convert("RGB")) for name in ("kit_with_rose.jpg", "obama_partial_face.jpg"))
    return group, partial


def test_group_photo_and_partial_face() -> None:
    group, partial = group_and_partial_face()
    checks = {c.id: c for c in run_checks(group, detect_faces(group))}
    assert checks["single_face"].verdict is Verdict.FAIL and checks["single_face"].evidence.boxes
    cropped = {c.id: c for c in run_checks(partial, detect_faces(partial))}["face_cropped"]
    assert cropped.verdict is Verdict.FAIL and "edge" in cropped.reason  # the generated one: left; the real one: top


def test_group_photo_gets_every_face_checked_and_the_subject_decides(portrait: np.ndarray) -> None:
    """Each face of a group photo has its own per-face checks; bystanders do not change the photo's verdict."""
    blurred = cv2.GaussianBlur(portrait, (0, 0), 4)
    group = np.ascontiguousarray(np.concatenate([portrait, blurred], axis=1))
    faces = detect_faces(group)
    assert len(faces) == 2
    results = run_checks(group, faces)
    per_face = {i: {c.id: c for c in results if c.face_index == i} for i in (0, 1)}
    photo_wide = {c.id for c in results if c.face_index is None}
    per_face_ids = {spec.id for spec in CHECKS.values() if spec.per_face and spec.id in DEFAULT_ENABLED}
    assert set(per_face[0]) == set(per_face[1]) == per_face_ids
    assert {"single_face", "background_uniformity", "aspect_ratio"} <= photo_wide
    blurred_index = 0 if faces[0].box[0] >= portrait.shape[1] else 1  # the face on the right half
    assert per_face[blurred_index]["sharpness"].value < per_face[1 - blurred_index]["sharpness"].value
    analysis = Analysis(source="group", image_size=(group.shape[1], group.shape[0]), faces=faces, checks=results)
    assert all(c.face_index in (None, 0) for c in analysis.subject_checks())
    assert {c.face_index for c in analysis.face_checks(1)} == {None, 1}
    assert analysis.verdict == max((c.verdict for c in analysis.subject_checks()), key=lambda v: v.severity).value


def test_a_check_measured_to_hold_further_is_judged_past_the_profiles_yaw_limit(
    portrait: np.ndarray, portrait_faces: list[Face]
) -> None:
    """Frontal checks are not judged past `pose_yaw.not_assessable_above`; `lower_face_covered`, shown to hold to
    TURNED_HEAD_MAX_YAW (docs/EVALUATION.md, issue 15), still is, and so are `glasses` and `head_covering` where the
    face has the network probe they were shown to hold with. The portrait's few degrees of yaw stand in for a turned
    head against a profile whose limit lies below them."""
    yaw = abs(Context(portrait, portrait_faces).pose[0])
    assert 0.5 < yaw < TURNED_HEAD_MAX_YAW
    base = load_profile()
    strict = replace(base, checks={**base.checks, "pose_yaw": {**base.params("pose_yaw"), "not_assessable_above": yaw / 2}})
    pixels_only = {c.id: c for c in run_checks(portrait, portrait_faces, strict)}
    probed = [replace(face, attributes={"glasses": -4.0, "head_covered": -6.0}) for face in portrait_faces]
    with_probes = {c.id: c for c in run_checks(portrait, probed, strict)}
    for by_id in (pixels_only, with_probes):
        assert by_id["eye_occlusion"].verdict is Verdict.NOT_ASSESSABLE and "turned too far" in by_id["eye_occlusion"].reason
        assert by_id["lower_face_covered"].verdict is not Verdict.NOT_ASSESSABLE
    assert {pixels_only[i].verdict for i in ("glasses", "head_covering")} == {Verdict.NOT_ASSESSABLE}
    assert all(with_probes[i].verdict is not Verdict.NOT_ASSESSABLE for i in ("glasses", "head_covering"))


def test_a_check_shown_to_hold_further_never_stops_before_the_profiles_limit() -> None:
    """A profile more lenient than the check's own measured limit keeps its own (the user's choice)."""
    glasses = CHECKS["glasses"]
    assert glasses.yaw_limit(30.0, {"glasses": 0.0}) == TURNED_HEAD_MAX_YAW > 30.0
    assert glasses.yaw_limit(60.0, {"glasses": 0.0}) == 60.0
    assert glasses.yaw_limit(30.0, {}) == 30.0  # without its probe: the profile's limit


def test_a_check_waits_only_for_a_registered_check_of_its_own_scope() -> None:
    """`unless_failed` names a check run first on the same face: registered, not itself, judged per face as it is
    (a per-face check waiting for a photo-wide one would not be gated on faces 2 and up), and never waiting in a
    circle (the checklist runs what a check waits for first, recursively: a circle would never end)."""
    waiting = [spec for spec in CHECKS.values() if spec.unless_failed or spec.doubted_by]
    waiting_ids = {spec.id for spec in CHECKS.values() if spec.unless_failed}
    assert waiting_ids == {"mouth_closed", "natural_colour", "glasses", "pose_yaw", "pose_pitch", "face_occlusion",
                           "head_size", "chin_margin", "top_margin", "face_cropped"}, (
        "a check now waits for another (unless_failed) or no longer does: make sure the one it waits for runs on the "
        "same faces, then update this list")

    def waits_for(check_id: str, seen: tuple[str, ...]) -> None:  # what it waits for or is doubted by: both run first
        for waited in (*CHECKS[check_id].unless_failed, *(doubt.check for doubt in CHECKS[check_id].doubted_by)):
            assert waited not in seen, (*seen, waited)
            assert CHECKS[waited].per_face == CHECKS[check_id].per_face
            waits_for(waited, (*seen, waited))

    for spec in waiting:
        waits_for(spec.id, (spec.id,))


def test_the_display_fix_and_look_orders_place_the_same_families():
    # a check of a family one order lacks raised ValueError wherever the checklist was ordered, or sorted last silently
    from pfiq_desktop.engine.icao import CHECKS
    from pfiq_desktop.engine.icao.registry import DISPLAY_ORDER, FIX_ORDER, LOOK_ORDER, check

    assert sorted(DISPLAY_ORDER) == sorted(FIX_ORDER) == sorted(LOOK_ORDER)
    assert {spec.family for spec in CHECKS.values()} <= set(FIX_ORDER)
    with pytest.raises(ValueError, match="place its family 'lighting' in DISPLAY_ORDER, FIX_ORDER and LOOK_ORDER"):
        check("new_check", "A new check", "lighting")


def test_a_check_doubted_by_another_says_why():
    # a failure made uncertain by another check's must say what that check's failure can fake
    from pfiq_desktop.engine.icao import CHECKS
    from pfiq_desktop.engine.icao.registry import BLOCKY, COMPRESSION_CHECK, check

    assert {spec.id for spec in CHECKS.values() if spec.doubted_by} == {
        "eye_open_left", "eye_open_right", "eye_occlusion", "glasses", "pose_yaw", "pose_pitch", "lower_face_covered", "clipping",
        "inter_eye_distance"}, (
        "a check is now doubted by another (doubted_by) or no longer is: its Doubt must say why, then update this list")
    assert all(doubt.check in CHECKS and doubt.why and CHECKS[doubt.check].per_face == spec.per_face
               for spec in CHECKS.values() for doubt in spec.doubted_by)
    with pytest.raises(ValueError, match="cannot be doubted by its own result"):
        check(COMPRESSION_CHECK, "A new check", "photometric", doubted_by=BLOCKY)


def test_failed_focus_doubts_the_inter_eye_distance_only_where_it_read_the_detail_not_the_pixels():
    # a blurred face reads as an enlarged one, but a photo with too few pixels stays a failure however blurred
    from pfiq_desktop.engine.icao.registry import BLURRED_DETAIL, DETAIL_UNIT

    def result(verdict: Verdict, value: float, unit: str) -> CheckResult:
        return CheckResult("x", "X", "geometry", verdict, "", value, unit)

    blurred = result(Verdict.FAIL, 12.0, "Laplacian variance")
    assert BLURRED_DETAIL.holds(blurred, result(Verdict.FAIL, 11.0, DETAIL_UNIT))
    assert not BLURRED_DETAIL.holds(blurred, result(Verdict.FAIL, 28.0, "px"))


def test_a_smear_doubts_an_eye_only_where_it_failed_focus_and_the_eye_is_not_sure():
    # motion blur drew open eyes shut ("looks closed (confidence 95 %)") where Gaussian blur fakes none, and eyes that
    # read surer than SURE_DESPITE_SMEAR stay failures (research in docs/EVALUATION.md "Motion blur read as closed eyes")
    def result(verdict: Verdict, value: float, unit: str) -> CheckResult:
        return CheckResult("x", "X", "photometric", verdict, "", value, unit)

    closed = result(Verdict.FAIL, SURE_DESPITE_SMEAR - 0.1, "% closed")
    smeared, blurred = result(Verdict.FAIL, 0.05, SMEAR_UNIT), result(Verdict.FAIL, 40.0, "Laplacian variance")
    assert SMEARED.holds(smeared, closed)
    assert not SMEARED.holds(blurred, closed)  # out of focus: real shut eyes stay shut
    assert not SMEARED.holds(result(Verdict.WARN, 0.15, SMEAR_UNIT), closed)  # a smear that only warns
    assert not SMEARED.holds(smeared, result(Verdict.FAIL, SURE_DESPITE_SMEAR, "% closed"))  # read sure enough


def test_a_nan_probe_does_not_widen_a_checks_yaw_limit():
    # the widening holds with the probe; a NaN reading is none, and fused checks read the pixels alone then (review)
    from pfiq_desktop.engine.attributes import GLASSES

    glasses = CHECKS["glasses"]
    assert glasses.yaw_limit(30.0, {GLASSES: -2.0}) == TURNED_HEAD_MAX_YAW
    assert glasses.yaw_limit(30.0, {GLASSES: float("nan")}) == glasses.yaw_limit(30.0, {}) == 30.0


def test_a_check_held_back_by_a_doubted_covering_says_the_covering_is_not_certain(portrait, portrait_faces):
    # "Eyes, nose and mouth unobstructed" waits for "Eyes not covered"; beside a doubted cover it said that check
    # "warned, and that check reports the covering" while the cover itself read "Not certain" (review)
    from pfiq_desktop.engine.icao.checklist import _run_one
    from pfiq_desktop.engine.icao.registry import EYE_COVER_CHECK

    cover = CheckResult(EYE_COVER_CHECK, CHECKS[EYE_COVER_CHECK].name, "occlusion", Verdict.WARN, "", 90.0, "% hidden",
                        doubted=True)
    held = _run_one(CHECKS["face_occlusion"], Context(portrait, portrait_faces), load_profile(), "", covered=cover)
    assert held.verdict is Verdict.NOT_ASSESSABLE and "found a possible covering (not certain)" in held.reason, held.reason
    plain = _run_one(CHECKS["face_occlusion"], Context(portrait, portrait_faces), load_profile(), "",
                     covered=replace(cover, verdict=Verdict.FAIL, doubted=False))
    assert "failed, and that check reports the covering" in plain.reason, plain.reason


def test_open_eyes_drawn_shut_by_a_smear_are_doubted_not_failed(analyzer):
    # a bundled portrait at 3x smeared sideways by 24 px: both open eyes read 97 % closed and failed "Eye open"
    big = cv2.resize(load_portrait(3), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    smeared = np.clip(cv2.filter2D(big.astype(np.float32), -1, np.ones((1, 24), np.float32) / 24,
                                   borderType=cv2.BORDER_REFLECT) + 0.5, 0, 255).astype(np.uint8)
    by_id = {c.id: c for c in analyzer.analyse(smeared).subject_checks()}
    assert by_id["sharpness"].verdict is Verdict.FAIL and by_id["sharpness"].unit == SMEAR_UNIT
    for side in ("left", "right"):
        eye = by_id[f"eye_open_{side}"]
        assert eye.verdict is Verdict.WARN and eye.doubted and DRAWS_EYES_SHUT in eye.reason, eye.reason


def test_the_readme_counts_the_checks_there_are():
    # a new check left the README at "38 checks ... 36 under ICAO 9303", found by grep alone (a new maintainer's walk-through)
    import re
    from pathlib import Path

    from pfiq_desktop.engine.icao import CHECKS, DEFAULT_PROFILE, load_profile

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(r"\(`engine/icao/`\): (\d+) checks in \w+ families .*?; (\d+) under ICAO 9303", readme)
    assert stated, "README.md's checklist paragraph no longer states how many checks there are"
    enabled = sum(load_profile(DEFAULT_PROFILE).enabled(check_id) for check_id in CHECKS)
    assert (int(stated[1]), int(stated[2])) == (len(CHECKS), enabled), "update the counts in README.md's item 6"


def test_problems_come_in_fix_order_a_new_photo_first_and_the_photos_shape_first_among_framing():
    # a landscape photo read "Head too large, Face too narrow in the frame, ..., Wrong photo aspect ratio": cropping to
    # the shape changes the others (photographer's walk-through)
    from pfiq_desktop.engine.icao.registry import in_fix_order
    from pfiq_desktop.engine.results import CheckResult

    def failed(check_id: str, family: str) -> CheckResult:
        return CheckResult(check_id, check_id, family, Verdict.FAIL, "")

    checks = [failed("head_size", "geometry"), failed("head_width", "geometry"), failed("exposure", "photometric"),
              failed("aspect_ratio", "geometry"), failed("eye_open_left", "eyes_mouth")]
    assert [c.id for c in in_fix_order(checks)] == ["eye_open_left", "exposure", "aspect_ratio", "head_size", "head_width"]
    # the side light that darkens a face comes before "Face too dark": "Add light or increase the exposure" came first
    # for a side-lit face, and would blow out its lit half (explanation walk-through)
    lit = [failed("exposure", "photometric"), failed("clipping", "photometric"), failed("lighting_uniformity", "photometric")]
    assert [c.id for c in in_fix_order(lit)] == ["lighting_uniformity", "exposure", "clipping"]
