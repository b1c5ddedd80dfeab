"""Every check: a pass case and a failure case on synthetic edits of the compliant portrait."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import cv2
import numpy as np
import pytest
from PIL import Image

from pfiq_desktop.engine import disturbances
from pfiq_desktop.engine.attributes import LOWER_FACE_COVERED, MOUTH_OPEN
from pfiq_desktop.engine.icao import CHECKS, Profile, load_profile, run_checks
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.coverings import hides_ears_and_neck
from pfiq_desktop.engine.icao.grading import UNWORDED
from pfiq_desktop.engine.icao.regions import MAP_EDGE, polygon_mask, region_polygons
from pfiq_desktop.engine.icao.registry import BLURS_AN_EYE, HALF_BLUR_UNIT, READS_THE_MASK, SMEAR_UNIT
from pfiq_desktop.engine.imageio import load_image, load_photo
from pfiq_desktop.engine.results import CheckResult, Face, Verdict
from pfiq_desktop.review.values import has_words
from tests.icao.facebuild import detect_faces, turned_landmarks
from tests.photos import load_portrait, portrait_paths

Case = Callable[[np.ndarray, list[Face]], tuple[np.ndarray | bytes, list[Face]]]  # bytes: a photo file


def _lm(faces: list[Face]) -> np.ndarray:
    return np.asarray(faces[0].landmarks, np.float64)


def _with_landmarks(faces: list[Face], lm: np.ndarray) -> list[Face]:
    return [replace(faces[0], landmarks=lm.astype(np.float32))]


def _paint(img: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    out = img.copy()
    out[mask] = colour
    return out


def _region(img: np.ndarray, faces: list[Face], *names: str) -> np.ndarray:
    polys = region_polygons(_lm(faces))
    mask = np.zeros(img.shape[:2], bool)
    for name in names:
        mask |= polygon_mask(polys[name], img.shape[:2])
    return mask


def _background_mask(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    ctx = Context(img, faces)
    (cx, cy), (w, h), angle = ctx.head_ellipse
    head = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(head, (round(cx), round(cy)), (round(w / 2), round(h / 2)), angle, 0, 360, 1, -1)
    rows = np.arange(img.shape[0])[:, None] < ctx.background_bottom
    return rows & (head == 0)


def _close_eye(img: np.ndarray, faces: list[Face], first: int) -> tuple[np.ndarray, list[Face]]:
    """A closed lid drawn over the eye: skin over the eye's outline and a dark lash line along its middle,
    and the lid landmarks pressed together, as a closed eye looks in a photo."""
    lm = _lm(faces).copy()
    eye = lm[first : first + 6]
    skin = np.median(img[_region(img, faces, "left_cheek", "right_cheek")], axis=0)
    out = img.copy()
    centre = eye.mean(axis=0)
    cv2.fillPoly(out, [np.round(centre + (eye - centre) * [1.25, 1.9]).astype(np.int32)], tuple(int(v) for v in skin))
    out = cv2.GaussianBlur(out, (0, 0), 1.0)
    y = int(round(centre[1] + 0.15 * np.ptp(eye[:, 1])))
    cv2.line(out, (int(eye[0, 0]), y), (int(eye[3, 0]), y), (45, 35, 35), max(1, int(0.05 * np.ptp(eye[:, 0]))))
    lm[first + 1, 1] = lm[first + 5, 1] - 1
    lm[first + 2, 1] = lm[first + 4, 1] - 1
    return out, _with_landmarks(faces, lm)


def _eye_patch(img: np.ndarray, faces: list[Face], first: int) -> np.ndarray:
    """A black eye patch over one eye."""
    eye = _lm(faces)[first : first + 6]
    centre, width = eye.mean(axis=0), np.ptp(eye[:, 0])
    out = img.copy()
    cv2.ellipse(out, (int(centre[0]), int(centre[1])), (int(0.9 * width), int(0.75 * width)), 0, 0, 360, (15, 15, 18), -1)
    return out


def _open_mouth(faces: list[Face], gap: float) -> list[Face]:
    lm = _lm(faces).copy()
    width = np.hypot(*(lm[64] - lm[60]))
    for top, bottom in ((61, 67), (62, 66), (63, 65)):
        mid = (lm[top, 1] + lm[bottom, 1]) / 2
        lm[top, 1], lm[bottom, 1] = mid - gap * width / 2, mid + gap * width / 2
    return _with_landmarks(faces, lm)


def _rolled(lm: np.ndarray, degrees: float) -> np.ndarray:
    """The landmarks turned clockwise on screen about the eye midpoint."""
    mid = (lm[36:42].mean(axis=0) + lm[42:48].mean(axis=0)) / 2
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return (lm - mid) @ np.array([[c, s], [-s, c]]) + mid


def _plq_with_low(faces: list[Face], names: tuple[str, ...], value: float) -> list[Face]:
    face = faces[0]
    chip = face.plq_chip.copy()
    a = np.asarray(face.chip_transform)
    polys = region_polygons(_lm(faces))
    for name in names:
        chip[polygon_mask(polys[name] @ a[:, :2].T + a[:, 2], chip.shape)] = value
    return [replace(face, plq_chip=chip)]


def _second_face(faces: list[Face], size: float) -> list[Face]:
    x0, y0, x1, y1 = faces[0].box
    w = (x1 - x0) * size
    return [faces[0], replace(faces[0], box=(0, 0, int(w), int(w)), detection_score=0.1)]


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def _scale(img: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    return np.clip(img.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


def _darken_side(img: np.ndarray, faces: list[Face], gain: float, mask: np.ndarray | None = None) -> np.ndarray:
    x = Context(img, faces).eye_mid[0]
    side = np.zeros(img.shape[:2], bool)
    side[:, : int(x)] = True
    if mask is not None:
        side &= mask
    out = img.astype(np.float32)
    out[side] *= gain
    return out.astype(np.uint8)


def _plain_background(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    return _paint(img, _background_mask(img, faces), (215, 215, 215))


def _glasses(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    lm = _lm(faces)
    out = img.copy()
    thickness = max(int(0.06 * np.hypot(*(lm[45] - lm[36]))), 2)
    for sl in (slice(36, 42), slice(42, 48)):
        c = lm[sl].mean(axis=0)
        w = np.ptp(lm[sl][:, 0])
        cv2.ellipse(out, (int(c[0]), int(c[1])), (int(0.85 * w), int(0.6 * w)), 0, 0, 360, (20, 20, 20), thickness)
    y = int(lm[[39, 42], 1].mean() - 0.1 * np.ptp(lm[36:42, 0]))
    cv2.line(
        out, (int(lm[39, 0] - 0.2 * np.ptp(lm[36:42, 0])), y), (int(lm[42, 0] + 0.2 * np.ptp(lm[36:42, 0])), y), (20, 20, 20), thickness
    )
    return out


def _glare(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    out = img.copy()
    lm = _lm(faces)
    for sl in (slice(36, 42), slice(42, 48)):
        c = lm[sl].mean(axis=0)
        cv2.circle(out, (int(c[0]), int(c[1] - 5)), int(0.35 * np.ptp(lm[sl][:, 0])), (255, 255, 255), -1)
    return out


def _red_eyes(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    lm = _lm(faces)
    mask = polygon_mask(lm[36:42], img.shape[:2]) | polygon_mask(lm[42:48], img.shape[:2])
    return _paint(img, mask, (200, 30, 30))


def _eye_line(faces: list[Face]) -> tuple[np.ndarray, float]:
    """The eyes' midpoint and the inter-eye distance."""
    lm = _lm(faces)
    left, right = lm[36:42].mean(axis=0), lm[42:48].mean(axis=0)
    return (left + right) / 2, float(np.hypot(*(right - left)))


def _hat(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    """A navy cap: a dome over the head top down to a quarter eye distance above the brows, with a darker band."""
    mid, ied = _eye_line(faces)
    rim = int(_lm(faces)[17:27, 1].min() - 0.25 * ied)
    out = img.copy()
    cv2.ellipse(out, (int(mid[0]), rim), (int(1.15 * ied), int(1.6 * ied)), 0, 180, 360, (35, 45, 95), -1)
    cv2.rectangle(out, (int(mid[0] - 1.3 * ied), rim - int(0.12 * ied)), (int(mid[0] + 1.3 * ied), rim), (24, 31, 66), -1)
    return out


def _headscarf(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    """A navy headscarf: head, ears, sides of the face and neck covered; the face from brows to chin left free."""
    lm = _lm(faces)
    mid, ied = _eye_line(faces)
    out = img.copy()
    cv2.ellipse(out, (int(mid[0]), int(mid[1] + 0.3 * ied)), (int(1.45 * ied), int(2.6 * ied)), 0, 0, 360, (35, 45, 95), -1)
    forehead = lm[17:27, 1].min() - 0.3 * ied
    face = np.vstack([lm[0:17], [[lm[16, 0], forehead], [lm[0, 0], forehead]]])
    free = polygon_mask(face, img.shape[:2])
    out[free] = img[free]
    return out


def _sports_band(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    """A light-blue sports headband, 0.3 eye distances tall, across the head from 0.45 eye distances above the brows."""
    mid, ied = _eye_line(faces)
    top = _lm(faces)[17:27, 1].min()
    out = img.copy()
    corners = (int(mid[0] - 1.3 * ied), int(top - 0.75 * ied)), (int(mid[0] + 1.3 * ied), int(top - 0.45 * ied))
    cv2.rectangle(out, *corners, (70, 150, 220), -1)
    return out


def _face_mask(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    """A light-blue surgical mask from the nose bridge to under the chin, jaw to jaw."""
    lm = _lm(faces)
    top = lm[29, 1]
    outline = np.vstack([[lm[1, 0], top], lm[2:15], [lm[15, 0], top]])
    return _paint(img, polygon_mask(outline, img.shape[:2]), (150, 185, 215))


def _side_shadow(img: np.ndarray, faces: list[Face], strength: float, from_left: bool = True) -> np.ndarray:
    lm = _lm(faces)
    return disturbances.side_shadow(img, [tuple(lm[36:42].mean(axis=0)), tuple(lm[42:48].mean(axis=0))], strength, from_left)


# A bundled portrait whose subject wears nothing on the head (the astronaut's fringe and black collar read as
# "possibly a head covering", as a real fringe may), and one whose drawn headscarf the check is sure of.
HAT_PORTRAIT, HEADSCARF_PORTRAIT = 4, 14


@lru_cache(maxsize=4)
def _bundled(index: int) -> tuple[np.ndarray, list[Face]]:
    photo = load_portrait(index)
    photo.setflags(write=False)
    return photo, detect_faces(photo)


def _on_bundled(index: int, edit: Callable[[np.ndarray, list[Face]], np.ndarray]) -> tuple[np.ndarray, list[Face]]:
    photo, faces = _bundled(index)
    return edit(photo, faces), faces


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma)


def _posterise(img: np.ndarray) -> np.ndarray:
    return (img // 64 * 64 + 32).astype(np.uint8)


def _noisy_background(img: np.ndarray, faces: list[Face]) -> np.ndarray:
    out = img.copy()
    mask = _background_mask(img, faces)
    stripes = ((np.arange(img.shape[1]) // 12) % 2 * 120 + 60).astype(np.uint8)
    out[mask] = np.repeat(np.broadcast_to(stripes, img.shape[:2])[mask][:, None], 3, axis=1)
    return out


def _tint(img: np.ndarray) -> np.ndarray:
    out = img.astype(np.float32)
    out[:, :, 2] = np.clip(out[:, :, 2] * 1.6 + 40, 0, 255)
    out[:, :, 0] *= 0.6
    return out.astype(np.uint8)


def _cut_out(img: np.ndarray) -> np.ndarray:
    """The photo as an editor leaves a cut-out: RGBA, the outer 20 px columns transparent."""
    alpha = np.full(img.shape[:2], 255, np.uint8)
    alpha[:, :20] = alpha[:, -20:] = 0
    return np.dstack([img, alpha])


def _pages(img: np.ndarray, pages: int) -> bytes:
    """A multi-page TIFF: the photo first, then blank pages (a scan's form behind the photo, say)."""
    blank = Image.new("RGB", (img.shape[1], img.shape[0]), "white")
    out = io.BytesIO()
    Image.fromarray(img).save(out, "TIFF", save_all=True, append_images=[blank] * (pages - 1))
    return out.getvalue()


same: Case = lambda img, faces: (img, faces)
# (check id) -> (pass case, failure case, verdict of the failure case)
CASES: dict[str, tuple[Case, Case, Verdict]] = {
    "face_present": (same, lambda img, faces: (img, []), Verdict.FAIL),
    "single_face": (same, lambda img, faces: (img, _second_face(faces, 0.8)), Verdict.FAIL),
    # grained: the portrait is the astronaut enlarged 3.5 times, whose missing detail the check warns of (a camera's
    # own photo holds detail, and noise, to the pixel)
    "inter_eye_distance": (lambda img, faces: (disturbances.noise(img, 2.0), faces),
                           lambda img, faces: (img, _with_landmarks(faces, _lm(faces) * 0.5)), Verdict.FAIL),
    "head_size": (
        same,
        lambda img, faces: (
            cv2.copyMakeBorder(img, 200, 200, 0, 0, cv2.BORDER_REPLICATE),
            [replace(faces[0], landmarks=faces[0].landmarks + [0, 200])],
        ),
        Verdict.FAIL,
    ),
    "head_width": (
        same,
        lambda img, faces: (
            cv2.copyMakeBorder(img, 0, 0, 200, 200, cv2.BORDER_REPLICATE),
            [replace(faces[0], landmarks=faces[0].landmarks + [200, 0])],
        ),
        Verdict.FAIL,
    ),
    "eye_line_height": (same, lambda img, faces: (img, _with_landmarks(faces, _lm(faces) + [0, 90])), Verdict.FAIL),
    "top_margin": (same, lambda img, faces: (img, _with_landmarks(faces, _lm(faces) + [0, 90])), Verdict.FAIL),
    "chin_margin": (same, lambda img, faces: (img, _with_landmarks(faces, _lm(faces) + [0, 90])), Verdict.FAIL),
    "horizontal_centre": (same, lambda img, faces: (img, _with_landmarks(faces, _lm(faces) + [60, 0])), Verdict.FAIL),
    "face_cropped": (same, lambda img, faces: (img[150:], [replace(faces[0], landmarks=faces[0].landmarks - [0, 150])]), Verdict.FAIL),
    "aspect_ratio": (same, lambda img, faces: (img[:, :400], faces), Verdict.FAIL),
    "image_size": (same, lambda img, faces: (cv2.resize(img, None, fx=0.5, fy=0.5), faces), Verdict.FAIL),
    "one_image": (same, lambda img, faces: (_pages(img, 3), faces), Verdict.WARN),
    "pose_yaw": (same, lambda img, faces: (img, _with_landmarks(faces, turned_landmarks(_lm(faces), yaw=20.0))), Verdict.FAIL),
    "pose_pitch": (same, lambda img, faces: (img, _with_landmarks(faces, turned_landmarks(_lm(faces), pitch=45.0))), Verdict.FAIL),
    "pose_roll": (same, lambda img, faces: (img, _with_landmarks(faces, _rolled(_lm(faces), 15.0))), Verdict.FAIL),
    "eye_open_left": (same, lambda img, faces: _close_eye(img, faces, 36), Verdict.FAIL),
    "eye_open_right": (same, lambda img, faces: _close_eye(img, faces, 42), Verdict.FAIL),
    "eye_occlusion": (same, lambda img, faces: (_eye_patch(img, faces, 42), faces), Verdict.FAIL),
    "mouth_closed": (lambda img, faces: (img, _open_mouth(faces, 0.0)), lambda img, faces: (img, _open_mouth(faces, 0.4)), Verdict.FAIL),
    "glasses": (same, lambda img, faces: (_glasses(img, faces), faces), Verdict.WARN),
    "eye_glare": (same, lambda img, faces: (_glare(img, faces), faces), Verdict.FAIL),
    "red_eye": (same, lambda img, faces: (_red_eyes(img, faces), faces), Verdict.FAIL),
    "exposure": (same, lambda img, faces: (_scale(img, 0.3), faces), Verdict.FAIL),
    "clipping": (same, lambda img, faces: (_scale(img, 2.5), faces), Verdict.FAIL),
    "dynamic_range": (same, lambda img, faces: (_posterise(img), faces), Verdict.FAIL),
    "lighting_uniformity": (same, lambda img, faces: (_side_shadow(img, faces, 0.7), faces), Verdict.FAIL),
    "sharpness": (same, lambda img, faces: (_blur(img, 8.0), faces), Verdict.FAIL),
    "compression": (same, lambda img, faces: (_jpeg(img, 3), faces), Verdict.FAIL),
    "greyscale": (same, lambda img, faces: (np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2), faces), Verdict.FAIL),
    "natural_colour": (same, lambda img, faces: (_tint(img), faces), Verdict.FAIL),
    "background_uniformity": (
        lambda img, faces: (_plain_background(img, faces), faces),
        lambda img, faces: (_noisy_background(img, faces), faces),
        Verdict.FAIL,
    ),
    "background_brightness": (same, lambda img, faces: (_paint(img, _background_mask(img, faces), (40, 40, 40)), faces), Verdict.FAIL),
    "background_shadow": (
        lambda img, faces: (_plain_background(img, faces), faces),
        lambda img, faces: (_darken_side(_plain_background(img, faces), faces, 0.5, _background_mask(img, faces)), faces),
        Verdict.FAIL,
    ),
    "transparency": (same, lambda img, faces: (_cut_out(img), faces), Verdict.WARN),
    "plq_regions": (same, lambda img, faces: (img, _plq_with_low(faces, ("chin",), 0.1)), Verdict.WARN),
    "face_occlusion": (same, lambda img, faces: (img, _plq_with_low(faces, ("mouth", "nose"), 0.05)), Verdict.FAIL),
    "lower_face_covered": (same, lambda img, faces: (_face_mask(img, faces), faces), Verdict.FAIL),
    "head_covering": (lambda img, faces: _bundled(HAT_PORTRAIT), lambda img, faces: _on_bundled(HAT_PORTRAIT, _hat), Verdict.FAIL),
}


def test_every_registered_check_has_cases() -> None:
    assert not (missing := sorted(set(CHECKS) - set(CASES))), f"add a pass / fail case to CASES for {missing}"
    assert not (stale := sorted(set(CASES) - set(CHECKS))), f"CASES holds checks no longer registered: {stale}"


@pytest.fixture(scope="module")
def profile() -> Profile:
    """icao-9303, with the mm margins it leaves to country profiles switched on (the portrait's crown is 2.3 mm
    below the top edge of its 35 x 45 mm print, the chin 8.6 mm above the bottom), and a pixel size (it is 735 px high)."""
    base = load_profile("icao-9303")
    margins = {"top_margin": {"fail_below_mm": 0.0, "fail_above_mm": 6.0}, "chin_margin": {"fail_below_mm": 5.0, "fail_above_mm": 9.0}}
    pixels = {"image_size": {"enabled": True, "fail_below": 600.0, "fail_above": 1200.0}}
    return replace(base, checks={**base.checks, **margins, **pixels})


def _result(check_id: str, image: np.ndarray | bytes, faces: list[Face], profile: Profile) -> CheckResult:
    photo = load_photo(image)  # as the engine reads a photo: an RGBA one over white, its transparency and pages kept
    by_id = {c.id: c for c in run_checks(photo.pixels, faces, profile, transparent=photo.transparent, images=photo.images)}
    return by_id[check_id]


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_pass_case(check_id: str, portrait: np.ndarray, portrait_faces: list[Face], profile: Profile) -> None:
    image, faces = CASES[check_id][0](portrait, portrait_faces)
    result = _result(check_id, image, faces, profile)
    assert result.verdict is Verdict.PASS, result.reason
    assert UNWORDED not in result.reason, f"{check_id}: its own sentence is missing or quotes a bound it lacks"


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_failure_case(check_id: str, portrait: np.ndarray, portrait_faces: list[Face], profile: Profile) -> None:
    image, faces = CASES[check_id][1](portrait, portrait_faces)
    result = _result(check_id, image, faces, profile)
    assert result.verdict is CASES[check_id][2], result.reason
    assert result.reason and result.value is not None
    # a failure in words of its own: not the plain sentence (a missing "low"/"high" or a misspelt bound), not the pass's
    assert UNWORDED not in result.reason, f"{check_id}: its own sentence is missing or quotes a bound it lacks"
    passed = _result(check_id, *CASES[check_id][0](portrait, portrait_faces), profile)
    assert result.reason != passed.reason
    assert has_words(result.unit) and has_words(passed.unit), f"word {check_id}'s unit in review/values.py _SHOWN"


def test_an_eye_behind_a_cover_is_one_problem_in_the_list_not_three(portrait: np.ndarray, portrait_faces: list[Face],
                                                                   profile: Profile) -> None:
    """Sunglasses read "Eyes covered, Eye closed or hidden (photo left), Eye closed or hidden (photo right), Glasses +6
    more" (walk-through): the eye checks still say "not visible" (issue 15 asks it), the list names the cover once."""
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.review.reasons import failed_problems, reason_label

    patched = _eye_patch(portrait, portrait_faces, 42)
    checks = run_checks(patched, portrait_faces, profile)
    by_id = {c.id: c for c in checks}
    assert by_id["eye_occlusion"].verdict is Verdict.FAIL and by_id["eye_open_right"].unit == "% hidden"
    assert by_id["eye_open_right"].verdict is Verdict.FAIL, by_id["eye_open_right"].reason
    problems = failed_problems(Analysis(source="patch.jpg", image_size=(1, 1), faces=portrait_faces, checks=checks))
    assert reason_label("eye_occlusion") in problems and reason_label("eye_open_right") not in problems, problems
    closed, faces = _close_eye(portrait, portrait_faces, 36)  # a shut eye with no cover is named as ever
    shut = failed_problems(Analysis(source="shut.jpg", image_size=(1, 1), faces=faces, checks=run_checks(closed, faces, profile)))
    assert reason_label("eye_open_left") in shut, shut


def test_each_eye_is_judged_on_its_own(portrait: np.ndarray, portrait_faces: list[Face], profile: Profile) -> None:
    """A wink fails the closed eye only; a patch makes its eye 'not visible', and the open eye still passes."""
    image, faces = _close_eye(portrait, portrait_faces, 36)
    by_id = {c.id: c for c in run_checks(image, faces, profile)}
    assert by_id["eye_open_left"].verdict is Verdict.FAIL and "looks closed" in by_id["eye_open_left"].reason
    assert by_id["eye_open_right"].verdict is Verdict.PASS
    by_id = {c.id: c for c in run_checks(_eye_patch(portrait, portrait_faces, 42), portrait_faces, profile)}
    assert by_id["eye_open_right"].verdict is Verdict.FAIL and "not visible" in by_id["eye_open_right"].reason
    assert by_id["eye_open_left"].verdict is Verdict.PASS
    assert by_id["eye_occlusion"].verdict is Verdict.FAIL and by_id["eye_occlusion"].evidence.regions == ["right_eye"]


def test_a_colourless_face_is_called_grey_not_a_green_cast(portrait: np.ndarray, portrait_faces: list[Face],
                                                           profile: Profile) -> None:
    # a* 0, b* 0 was reported as a "green cast" (a* below its range), which the numbers beside it contradicted
    grey = cv2.cvtColor(cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    washed = cv2.addWeighted(portrait, 0.1, grey, 0.9, 0)  # a trace of colour: not black and white
    found = _result("natural_colour", washed, portrait_faces, profile)
    assert found.verdict is not Verdict.PASS and "grey" in found.reason and "green" not in found.reason
    # with 60 % of its colour left it was said to have "almost no colour" (wrong-cause audit): the measure is quoted
    paler = _result("natural_colour", cv2.addWeighted(portrait, 0.55, grey, 0.45, 0), portrait_faces, profile)
    assert "natural skin 0.18 and up" in paler.reason and "almost no colour" not in paler.reason, paler.reason
    # a strong teal cast (a* and b* both under their minimum, plenty of colour) read "washed out ... saturation 0.50" (review)
    teal = portrait.astype(np.float32)
    teal[:, :, 0] *= 0.2
    teal[:, :, 1:] = np.clip(teal[:, :, 1:] + 80, 0, 255)
    cast = _result("natural_colour", teal.astype(np.uint8), portrait_faces, profile)
    assert "cast" in cast.reason and "washed out" not in cast.reason, cast.reason
    assert "green cast" in _result("natural_colour", _green(portrait), portrait_faces, profile).reason


def _green(img: np.ndarray) -> np.ndarray:
    out = img.astype(np.float32)
    out[:, :, 1] = np.clip(out[:, :, 1] * 1.5 + 30, 0, 255)
    return out.astype(np.uint8)


@pytest.mark.parametrize(("shift", "cast"), [((20, 10, -40), "yellow cast"), ((-20, -10, 40), "blue cast"),
                                             ((40, -25, 20), "red/magenta cast")], ids=["yellow", "blue", "red"])
def test_a_colour_cast_is_named_by_its_colour(portrait: np.ndarray, portrait_faces: list[Face], profile: Profile,
                                              shift: tuple[int, int, int], cast: str) -> None:
    # the reason tells the officer or the photographer what to correct: a yellow cast called blue sends them to
    # warm a photo that is too warm already (only the green cast was ever checked)
    tinted = np.clip(portrait.astype(np.float32) + np.array(shift, np.float32), 0, 255).astype(np.uint8)
    found = _result("natural_colour", tinted, portrait_faces, profile)
    assert found.verdict is Verdict.FAIL and f"unnatural: {cast} (a* " in found.reason, found.reason


def test_a_mask_is_named_with_what_was_seen(portrait: np.ndarray, portrait_faces: list[Face], profile: Profile) -> None:
    found = _result("lower_face_covered", _face_mask(portrait, portrait_faces), portrait_faces, profile)
    assert "face mask, scarf or hand" in found.reason and "the lips are not visible" in found.reason
    assert found.evidence.regions == ["mouth", "chin"] and len(found.evidence.polygons[0]) == 18


def test_colour_alone_does_not_outvote_a_probe_sure_the_lower_face_is_bare(portrait: np.ndarray, portrait_faces: list[Face],
                                                                           profile: Profile) -> None:
    # a full beard is a large area of non-skin colour under the nose, as a mask is: real beards failed ("... 44 CIELAB
    # units, only 6% of them looks like skin") that the network's probe read as bare (-4.3 and lower on the test half;
    # masks from -3.0), so beside the probe the pixels' log-odds count up to coverings.PIXELS_BESIDE_PROBE
    masked = _face_mask(portrait, portrait_faces)

    def read(network: float) -> Verdict:
        faces = [replace(portrait_faces[0], attributes={LOWER_FACE_COVERED: network})]
        return _result("lower_face_covered", masked, faces, profile).verdict

    assert _result("lower_face_covered", masked, portrait_faces, profile).verdict is Verdict.FAIL  # the pixels alone
    assert read(-4.3) is Verdict.PASS  # the test half's least sure beard
    assert read(-3.0) is Verdict.WARN and read(0.1) is Verdict.FAIL  # the test half's least sure mask; dev's
    assert read(float("nan")) is Verdict.FAIL  # no reading, as without the probe (a NaN one passed the mask: review)


def test_a_black_mask_is_said_to_differ_from_the_skin_by_its_lightness_too(portrait: np.ndarray, portrait_faces: list[Face],
                                                                           profile: Profile) -> None:
    # the reason quoted the a*b* distance alone: a black mask "differs from the skin by 17 CIELAB units", beside
    # "100% of them looks like skin" (officer walk-through)
    lm = _lm(portrait_faces)
    outline = np.vstack([[lm[1, 0], lm[29, 1]], lm[2:15], [lm[15, 0], lm[29, 1]]])
    black = _paint(portrait, polygon_mask(outline, portrait.shape[:2]), (25, 25, 28))
    found = _result("lower_face_covered", black, portrait_faces, profile)
    difference = re.search(r"differs from the face's skin by (\d+) CIELAB units", found.reason)
    assert found.verdict is Verdict.FAIL and difference is not None and int(difference[1]) >= 50, found.reason
    assert "looks like skin" not in found.reason or "only " in found.reason


def test_under_a_mask_the_checks_that_read_the_mouth_and_cheeks_are_not_judged(portrait: np.ndarray, portrait_faces: list[Face],
                                                                              profile: Profile) -> None:
    """A mouth opened under a mask and a mask's colour over the cheeks were judged as "mouth open" and "colour cast"
    (dev masks: 12 of 21, 21 of 23 flagged), and lenses read against the mask as "tinted" (13 of 42, none tinted):
    once the mask check fails they are not judged, and name it. Where the mask check is not judged (switched off, left
    to the officer by the profile, the head turned past its limit) they are."""
    masked, opened = _face_mask(portrait, portrait_faces), _open_mouth(portrait_faces, 0.4)
    mask_check_off = {**profile.params("lower_face_covered"), "enabled": False}
    switched_off = replace(profile, checks={**profile.checks, "lower_face_covered": mask_check_off})
    left_out = replace(profile, info=replace(profile.info, not_assessable={"lower_face_covered": "the officer judges masks"}))
    for check_id, faces in (("mouth_closed", opened), ("natural_colour", portrait_faces), ("glasses", portrait_faces),
                            ("head_size", portrait_faces), ("face_cropped", portrait_faces)):  # the chin under a mask is a guess
        found = _result(check_id, masked, faces, profile)
        assert found.verdict is Verdict.NOT_ASSESSABLE, found.reason
        assert found.reason == ('Cannot be checked: "Mouth and chin uncovered (no mask, scarf or hand)" failed, and this would read the '
                                'covering, not the face.')
        assert _result(check_id, portrait, faces, profile).verdict is not Verdict.NOT_ASSESSABLE
        for unjudged in (switched_off, left_out):
            assert _result(check_id, masked, faces, unjudged).verdict is not Verdict.NOT_ASSESSABLE
    # "Eyes, nose and mouth look unobstructed" read beside the failed mask check (walk-through of unseen photos)
    beside = _result("face_occlusion", masked, portrait_faces, profile)
    assert beside.verdict is Verdict.NOT_ASSESSABLE and beside.reason == (
        'Cannot be checked: "Mouth and chin uncovered (no mask, scarf or hand)" failed, and that check reports the covering.')
    assert _result("face_occlusion", portrait, portrait_faces, profile).verdict is Verdict.PASS
    # and beside "Eyes covered" for a grey patch over an eye (graded-defect walk-through)
    lm = _lm(portrait_faces)
    eye = lm[36:42].mean(axis=0)
    width = np.linalg.norm(lm[39] - lm[36])
    patched = portrait.copy()
    cv2.rectangle(patched, tuple(int(v) for v in eye - width), tuple(int(v) for v in eye + width), (128, 128, 128), -1)
    assert _result("eye_occlusion", patched, portrait_faces, profile).verdict is Verdict.FAIL
    beside = _result("face_occlusion", patched, portrait_faces, profile)
    assert beside.verdict is Verdict.NOT_ASSESSABLE and beside.reason.startswith('Cannot be checked: "Eyes not covered'), beside.reason
    turned = _with_landmarks(portrait_faces, turned_landmarks(_lm(portrait_faces), yaw=50.0))  # past the mask check's 45 deg
    assert _result("lower_face_covered", masked, turned, profile).verdict is Verdict.NOT_ASSESSABLE
    assert "would read the covering" not in _result("natural_colour", masked, turned, profile).reason


def test_a_headscarf_is_reported_as_such_and_the_profile_decides(profile: Profile) -> None:
    """A covering that also hides the ears and the neck is described as a headscarf: a warning under
    icao-9303 (religious coverings are allowed; the officer decides), a failure where the profile says so."""
    photo, faces = _on_bundled(HEADSCARF_PORTRAIT, _headscarf)
    found = _result("head_covering", photo, faces, profile)
    assert found.verdict is Verdict.WARN and "headscarf" in found.reason and found.value > profile.params("head_covering")["fail_above"]
    assert "fail_above" not in found.thresholds  # it cannot fail under this profile: "fail >90 %" beside WARN contradicted it
    assert len(found.evidence.polygons[0]) == 8  # the outline runs round the face down to the chin
    strict = replace(profile, checks={**profile.checks, "head_covering": {**profile.params("head_covering"), "fail_if_headscarf": True}})
    assert _result("head_covering", photo, faces, strict).verdict is Verdict.FAIL
    hat = _result("head_covering", *_on_bundled(HAT_PORTRAIT, _hat), profile)
    assert "hat, cap" in hat.reason and "headscarf" not in hat.reason and len(hat.evidence.polygons[0]) == 4
    # below the fail bound the check is unsure, and says so: the bundled astronaut's fringe above a collar read
    # "Head covering that also hides the ears and the neck, as a headscarf or hijab does" at 81 %
    params = profile.params("head_covering")
    unsure_above = {**params, "fail_above": 1.0, "warn_above": min(params["warn_above"], found.value - 0.01)}  # p <= 1
    unsure = _result("head_covering", photo, faces, replace(profile, checks={**profile.checks, "head_covering": unsure_above}))
    assert unsure.verdict is Verdict.WARN and unsure.reason.startswith("Possibly a head covering that also hides the ears"), unsure.reason
    assert "or hair low over the forehead" in unsure.reason and "religious reasons" in unsure.reason
    assert found.reason.startswith("Head covering that also hides the ears")


@pytest.mark.parametrize("index", [0, 7, 14, 18])
def test_a_headband_across_the_forehead_is_a_head_covering(index: int, profile: Profile) -> None:
    """A coloured band with skin below and hair above, which the forehead-skin and head-top measures alone
    passed on these portraits (p 0.02-0.47): the band measures along the forehead midline flag it."""
    photo, faces = _bundled(index)
    assert _result("head_covering", photo, faces, profile).verdict is Verdict.PASS
    banded = _result("head_covering", _sports_band(photo, faces), faces, profile)
    assert banded.verdict is not Verdict.PASS and "head covering" in banded.reason.lower(), banded.reason


@pytest.mark.parametrize("index", range(len(portrait_paths())))
def test_a_strong_side_shadow_across_the_face_fails_even_lighting(index: int, profile: Profile) -> None:
    """Each bundled portrait passes; a key light from one side (the half that is darker already at 20 % of its
    light) fails, and the check names that half and shows it."""
    photo, faces = _bundled(index)
    clean = _result("lighting_uniformity", photo, faces, profile)
    assert clean.verdict is Verdict.PASS, clean.reason
    darker = "left" if "left_cheek" in clean.evidence.regions else "right"
    shadowed = _result("lighting_uniformity", _side_shadow(photo, faces, 0.8, from_left=darker == "right"), faces, profile)
    assert shadowed.verdict is Verdict.FAIL, shadowed.reason
    assert f"the {darker} half of the face" in shadowed.reason and shadowed.evidence.regions == [f"{darker}_cheek", f"{darker}_eye"]


def test_a_covering_is_headscarf_like_only_when_both_the_ears_and_the_neck_are_hidden(profile: Profile) -> None:
    """A hat over a high collar, or over long hair that hides the ears, is no headscarf: called one, it could only
    warn under icao-9303 (religious coverings are the officer's to decide), so a hat would no longer fail."""
    params = profile.params("head_covering")
    assert hides_ears_and_neck({"ears_skin": 0.0, "neck_skin": 0.0}, params)
    assert not hides_ears_and_neck({"ears_skin": 0.9, "neck_skin": 0.0}, params)  # a collar alone
    assert not hides_ears_and_neck({"ears_skin": 0.0, "neck_skin": 0.9}, params)  # hair over the ears alone
    assert not hides_ears_and_neck({"ears_skin": 0.0, "neck_skin": 0.0}, {})  # a profile without its bounds: never


def test_components_measured_the_other_way_round_read_in_the_isos_direction(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    """EyesOpen, EyesVisible and MouthOcclusionPrevention held the probability of a closed, hidden or covered part,
    the opposite of what the column's name (and OFIQ's value) means; a result saved with only that leaves them empty."""
    from pfiq_desktop.reports.export import iso_values

    def columns(image: np.ndarray) -> dict[str, float]:
        return iso_values([c for c in run_checks(image, portrait_faces) if c.face_index in (0, None)])

    clean, patched = columns(portrait), columns(_eye_patch(portrait, portrait_faces, 42))
    masked = columns(_face_mask(portrait, portrait_faces))
    assert clean["EyesOpen"] > 0.5 and clean["EyesVisible"] > 0.5 and clean["MouthOcclusionPrevention"] > 0.5
    assert patched["EyesOpen"] < 0.5 and patched["EyesVisible"] < 0.5 and masked["MouthOcclusionPrevention"] < 0.5
    saved_before = CheckResult("eye_occlusion", "Eyes not covered", "occlusion", Verdict.PASS, "ok", 3.0, "% hidden",
                               iso_measure="EyesVisible")
    assert "EyesVisible" not in iso_values([saved_before])


@pytest.mark.parametrize(("check_id", "problem"), [("head_size", "Head too small"), ("eye_line_height", "Eyes too low in the frame"),
                                                   ("exposure", "Face too dark"), ("clipping", "Under- or over-exposed areas"),
                                                   ("pose_pitch", "Head tilted up"),
                                                   ("pose_yaw", "Head turned to the photo's right"),
                                                   ("pose_roll", "Head tilted clockwise")])
def test_a_problem_that_goes_either_way_is_named_by_the_side_it_went(check_id: str, problem: str, portrait: np.ndarray,
                                                                   portrait_faces: list[Face], profile: Profile) -> None:
    """The photo list and the summary said "Head too small or too large" where the value said which."""
    from pfiq_desktop.review.reasons import TWO_WAY_PROBLEMS, problem_label, reason_label

    assert set(TWO_WAY_PROBLEMS) <= set(CHECKS)
    failed = _result(check_id, *CASES[check_id][1](portrait, portrait_faces), profile)
    assert failed.verdict is not Verdict.PASS and problem_label(failed) == problem, failed.reason
    side = problem.split(maxsplit=2)[-1]  # a head's turn or tilt: named as its reason names it ("to the photo's right")
    assert not check_id.startswith("pose_") or re.search(rf"\b{re.escape(side)}\b", failed.reason), failed.reason
    # a reading that cannot tell which side (a warning measured inside the bounds: "could not be measured precisely
    # enough") keeps the check's own words
    inside = (failed.thresholds["fail_below"] + failed.thresholds["fail_above"]) / 2 if "fail_below" in failed.thresholds else 0.0
    assert problem_label(replace(failed, verdict=Verdict.WARN, value=inside)) == reason_label(check_id)
    if "fail_above" in failed.thresholds and "fail_below" in failed.thresholds:
        # ... unless its interval crosses one bound only: "Head too small or too large" was said of a head measured at
        # 74-82 % against 70-80 %, which can only be too large (third walk-through)
        lo, hi = failed.thresholds["fail_below"], failed.thresholds["fail_above"]
        crossing = replace(failed, verdict=Verdict.WARN, value=inside,
                           thresholds={**failed.thresholds, "range_low": inside, "range_high": hi + (hi - lo) / 10})
        assert problem_label(crossing) == TWO_WAY_PROBLEMS[check_id][1]
        both = replace(crossing, thresholds={**crossing.thresholds, "range_low": lo - (hi - lo) / 10})
        assert problem_label(both) == reason_label(check_id)


def test_a_value_that_rounds_to_zero_is_written_without_a_sign() -> None:
    # "The head touches the top edge (margin -0% of the head height)" read as a sign error
    from pfiq_desktop.engine.icao.grading import graded

    reasons = {"ok": "Margin {v:.0%}.", "low": "The head touches the top edge (margin {v:.0%} of the head height)."}
    assert graded(-0.001, {"fail_below": 0.05}, reasons).reason == "The head touches the top edge (margin 0% of the head height)."
    assert "margin -2%" in graded(-0.02, {"fail_below": 0.05}, reasons).reason
    assert "margin -0.1%" in graded(-0.001, {"fail_below": 0.0}, reasons).reason  # apart from a bound it rounds onto
    assert "margin 0%" in graded(-0.000004, {"fail_below": 0.0}, reasons).reason  # too close to tell apart: not "-0.000%"


def test_an_rgba_array_is_judged_over_white_with_its_transparency(portrait: np.ndarray, portrait_faces: list[Face],
                                                                   profile: Profile) -> None:
    # run_checks on an RGBA array cut the alpha off: the background checks judged the colour hidden under it, and
    # "No transparent areas" passed
    hidden = _cut_out(portrait)
    hidden[:, :20, :3] = 0  # black under the transparent strip
    by_id = {c.id: c for c in run_checks(hidden, portrait_faces, profile)}
    assert by_id["transparency"].verdict is Verdict.WARN and by_id["transparency"].value == pytest.approx(40 / portrait.shape[1])
    opaque = {c.id: c for c in run_checks(portrait, portrait_faces, profile)}
    assert opaque["transparency"].verdict is Verdict.PASS and opaque["transparency"].value == 0.0
    # the background checks judge neither what the transparency hides nor the white a cut-out is drawn over
    assert by_id["background_brightness"].verdict is Verdict.NOT_ASSESSABLE
    assert "shows the white it is drawn over" in by_id["background_brightness"].reason
    speck = np.dstack([portrait, np.full(portrait.shape[:2], 255, np.uint8)])
    speck[0, :3, 3] = 0  # "0.0% of the photo is transparent" read as none
    found = _result("transparency", speck, portrait_faces, profile)
    assert found.verdict is Verdict.WARN and found.reason.startswith("3 pixels are transparent"), found.reason


def test_a_head_past_the_top_edge_by_less_than_the_crown_estimate_can_be_off_is_left_to_the_eye() -> None:
    # six whole heads of 150 official portraits failed "cut by the top edge" by 1-6 % of their height: the crown is
    # the landmarks' estimate, which lies above the real top of the head by up to 20 % (benchmarks/eval_crown.py)
    from pfiq_desktop.engine.icao.mm_geometry import CROWN_OVERSHOOT

    portrait = load_portrait(0)
    faces = detect_faces(portrait)
    head = Context(portrait, faces).head_height
    crown_y = Context(portrait, faces).head_box[1]

    def judged(beyond: float, left_cut: float = 0.0) -> CheckResult:
        top = int(round(crown_y + beyond * head))  # the photo's new top edge, `beyond` head heights below the crown
        image = np.ascontiguousarray(portrait[top:])
        moved = [replace(faces[0], landmarks=faces[0].landmarks - [0, top])]
        if left_cut:
            left = int(round(moved[0].landmarks[:, 0].min() + left_cut * head))
            image, moved = np.ascontiguousarray(image[:, left:]), [replace(moved[0], landmarks=moved[0].landmarks - [left, 0])]
        return {c.id: c for c in run_checks(image, moved)}["face_cropped"]

    unsure = judged(0.6 * CROWN_OVERSHOOT)
    assert unsure.verdict is Verdict.WARN and unsure.reason == (
        "Whole head could not be measured precisely enough: the top of the head, estimated from the face, lies about "
        f"{round(60 * CROWN_OVERSHOOT)} % of the head's height beyond the top edge; in 9 of 10 photos that estimate lies "
        f"less than {round(100 * CROWN_OVERSHOOT)} % too high. Please check by eye."), unsure.reason
    sure = judged(1.4 * CROWN_OVERSHOOT)
    assert sure.verdict is Verdict.FAIL and sure.reason.startswith("The head is cut by the top edge"), sure.reason
    # a cut the jaw's landmarks show is named, although the crown's unsure one is larger
    both = judged(0.6 * CROWN_OVERSHOOT, left_cut=0.05)
    assert both.verdict is Verdict.FAIL and both.reason.startswith("The head is cut by the left edge: about 5 %"), both.reason
    # a profile that wants a margin at the top: a head inside the photo but closer than that is unsure, and said so
    # with its margin (it read "lies about -1 % beyond"); a profile without a fail bound only warns
    from pfiq_desktop.engine.icao.geometry import face_cropped

    inside = judged(-0.01)
    context = Context(portrait[int(round(crown_y - 0.01 * head)):], [replace(faces[0], landmarks=faces[0].landmarks -
                                                                            [0, int(round(crown_y - 0.01 * head))])])
    near = face_cropped(context, {"fail_below": 0.02, "warn_below": 0.05})
    assert near.verdict is Verdict.WARN and "is 1% of the head's height below the top edge (needs 2%)" in near.reason, near.reason
    assert face_cropped(context, {"warn_below": 0.05}).verdict is Verdict.WARN
    assert inside.verdict is Verdict.WARN and "touches the top edge" in inside.reason, inside.reason


def test_a_head_top_mostly_outside_the_photo_is_not_judged_for_a_covering(profile: Profile) -> None:
    # a face cropped through the forehead: the strip of background left at the top edge read as a coloured hat,
    # "Head covering ... 41 % of the head top is unlike the colour of the brows", 90 % likely (officer walk-through)
    portrait = load_portrait(0)
    faces = detect_faces(portrait)
    context = Context(portrait, faces)
    brows = float(faces[0].landmarks[17:27, 1].min())
    top = int(brows - 0.9 * context.inter_eye)  # the photo's new top edge, just above the forehead band
    cut = np.ascontiguousarray(portrait[top:])
    moved = [replace(faces[0], landmarks=faces[0].landmarks - [0, top])]
    covering = {c.id: c for c in run_checks(cut, moved, profile)}["head_covering"]
    assert covering.verdict is Verdict.NOT_ASSESSABLE and "of the top of the head is inside the photo" in covering.reason, \
        covering.reason
    whole = {c.id: c for c in run_checks(portrait, faces, profile)}["head_covering"]
    assert whole.verdict is Verdict.PASS  # the same head, whole, is judged


# The bundled portraits' mouths, labelled by eye (tests/fixtures/portraits); 014858 and 015021 smile with a little of
# the teeth showing but the landmarks draw the lips nearly closed (0.08-0.09), so they are in neither list: the lip
# gap alone passes them (the network's mouth probe is tested on them below).
SMILES_SHOWING_TEETH = ("014435", "014873", "015029", "015448", "015454", "015616", "020104", "020122", "020138",
                        "020145", "020146", "020301", "020310")
CLOSED_MOUTHS = ("014854", "014921", "020101")


def test_a_smile_showing_teeth_fails_and_only_warns_under_the_lenient_screening_profile() -> None:
    """ICAO asks for a closed mouth (so does the U.S.: "smile allowed if mouth closed"): a smile showing teeth only
    warned ("Mouth is open ... allowed 0.20", walk-through of unseen photos). The lenient screening profile warns."""
    paths = {path.stem: path for path in portrait_paths()}
    for name in (*SMILES_SHOWING_TEETH, *CLOSED_MOUTHS):
        photo = load_image(paths[name])
        faces = detect_faces(photo)
        icao, us, lenient = (_result("mouth_closed", photo, faces, load_profile(p)) for p in ("icao-9303", "us-passport", "lenient"))
        if name in CLOSED_MOUTHS:
            assert (icao.verdict, us.verdict, lenient.verdict) == (Verdict.PASS,) * 3, (name, icao.reason)
        else:
            assert (icao.verdict, us.verdict) == (Verdict.FAIL, Verdict.FAIL), (name, icao.reason)
            assert lenient.verdict is (Verdict.FAIL if icao.value > 0.2 else Verdict.WARN), (name, lenient.reason)


def test_teeth_the_network_sees_between_nearly_closed_lips_fail_and_closed_lips_still_pass(analyzer) -> None:
    """014858 smiles with a little of the teeth between lips the landmarks draw nearly closed (lip gap 0.08): the lip
    gap alone passes it. The network's mouth probe, fused with the gap, finds the teeth; it was fitted without the
    bundled portraits (benchmarks/fit_attribute_probes.py), so these are photos it never saw. 015021's teeth it
    does not find (36 % likely, under the bar): it passes, as before. 020305's lips are closed (labelled so in
    benchmarks/labels/official_mouth.csv)."""
    paths = {path.stem: path for path in portrait_paths()}
    icao, lenient = load_profile("icao-9303"), load_profile("lenient")
    for name in ("014858", "015021", "020305", *CLOSED_MOUTHS):
        analysis = analyzer.analyse(paths[name])
        photo, face = load_image(paths[name]), analysis.faces[0]
        assert MOUTH_OPEN in face.attributes
        strict, screening = (_result("mouth_closed", photo, [face], p) for p in (icao, lenient))
        gap_alone = _result("mouth_closed", photo, [replace(face, attributes={})], icao)
        if name != "014858":
            assert (strict.verdict, screening.verdict) == (Verdict.PASS, Verdict.PASS), (name, strict.reason)
        else:
            assert gap_alone.verdict is Verdict.PASS and gap_alone.value < 0.1, gap_alone.reason
            assert strict.verdict is Verdict.FAIL and strict.unit == "teeth probability", strict.reason
            assert strict.reason.startswith("Teeth or an opening show between the lips (confidence 8"), strict.reason
            assert strict.reason.endswith("the mouth must be closed.") and screening.reason.endswith("should be closed.")
            assert screening.verdict is Verdict.WARN, screening.reason
            assert strict.thresholds == {"fail_above": 0.5} and screening.thresholds == {"warn_above": 0.5}  # the profile's bar
            assert strict.iso_value == pytest.approx(gap_alone.value)  # MouthClosed stays the lip gap


def test_the_mouth_probe_raises_a_closed_gap_never_softens_an_open_one(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    """The probe's teeth fail (icao-9303) or warn (lenient, `fail_if_teeth = false`); a mouth opened wide fails on its
    gap however the probe reads it, a backbone without the probe keeps the gap alone, and the gap alone never speaks
    in the network's name (a gap of 0.125 fused with a reading a hair under even is above the bar: the gap's warning
    stays), nor does an unreadable (NaN) reading."""
    icao, lenient = load_profile("icao-9303"), load_profile("lenient")
    closed, wide = _open_mouth(portrait_faces, 0.0), _open_mouth(portrait_faces, 0.4)

    def reading(faces: list[Face], log_odds: float | None) -> list[Face]:
        return [replace(f, attributes={} if log_odds is None else {MOUTH_OPEN: log_odds}) for f in faces]

    assert _result("mouth_closed", portrait, reading(closed, 8.0), icao).verdict is Verdict.FAIL
    assert _result("mouth_closed", portrait, reading(closed, 8.0), lenient).verdict is Verdict.WARN
    assert _result("mouth_closed", portrait, reading(closed, -8.0), icao).verdict is Verdict.PASS
    assert _result("mouth_closed", portrait, reading(closed, None), icao).verdict is Verdict.PASS
    assert _result("mouth_closed", portrait, reading(closed, float("nan")), icao).verdict is Verdict.PASS
    near = _result("mouth_closed", portrait, reading(_open_mouth(portrait_faces, 0.125), -0.05), icao)
    assert near.verdict is Verdict.WARN and near.unit == "gap/width", near.reason
    for profile in (icao, lenient):
        opened = _result("mouth_closed", portrait, reading(wide, -8.0), profile)
        assert opened.verdict is Verdict.FAIL and opened.unit == "gap/width", opened.reason


def test_a_mouth_in_deep_shadow_is_not_judged_open_as_an_eye_there_is_not(portrait: np.ndarray,
                                                                          portrait_faces: list[Face]) -> None:
    """On a pitch-black face (Extended Yale B's ambient photo: face mean 0.7 of 255) both eyes, glasses and covers were
    not judged ("deep shadow"), but "Mouth closed" warned "Mouth is open (lip gap 12 %)" from the landmarks' guess, and
    the officer's pre-ticked reasons named an open mouth (walk-through). Where the cheeks and the chin all lie in deep
    shadow (the eyes' bar), an open reading is not judged either; a closed one stands, as an open eye's does, and a
    mouth beside one lit cheek (side light) is still read, as the lit eye is."""
    icao = load_profile("icao-9303")
    wide, closed = _open_mouth(portrait_faces, 0.4), _open_mouth(portrait_faces, 0.0)
    dark = _scale(portrait, 0.02)  # skin at 2-4 of 255
    assert _result("mouth_closed", portrait, wide, icao).verdict is Verdict.FAIL  # lit: judged as before
    shadowed = _result("mouth_closed", dark, wide, icao)
    assert shadowed.verdict is Verdict.NOT_ASSESSABLE, shadowed.reason
    assert "the mouth lies in deep shadow (the cheeks and chin around it are at " in shadowed.reason, shadowed.reason
    assert shadowed.reason.endswith("so whether it is open cannot be seen."), shadowed.reason
    assert _result("mouth_closed", dark, closed, icao).verdict is Verdict.PASS
    assert _result("mouth_closed", _darken_side(portrait, wide, 0.02), wide, icao).verdict is Verdict.FAIL
    # a real smile's lips (the landmarks as found on the lit photo) in the same darkness
    photo = load_image({path.stem: path for path in portrait_paths()}[SMILES_SHOWING_TEETH[0]])
    faces = detect_faces(photo)
    assert _result("mouth_closed", photo, faces, icao).verdict is Verdict.FAIL
    assert _result("mouth_closed", _scale(photo, 0.02), faces, icao).verdict is Verdict.NOT_ASSESSABLE


def test_through_coarse_jpeg_blocks_the_eyes_failures_are_only_warnings_that_say_why(profile: Profile) -> None:
    """JPEG quality 10-20 failed "Eye open" on open eyes of the bundled portraits (1-3 of 20) and warned "glasses" on
    bare faces: the blocks read as lids and frames. Where "No compression artefacts" fails, an eye check's failure is
    a warning that says so; a real cover stays flagged (not judged at all, sunglasses in a blocky photo went unsaid)."""
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.review.reasons import failed_problems, reason_label

    original = load_portrait(0)
    faces = detect_faces(original)
    patched = _eye_patch(original, faces, 42)
    eye_checks = ("eye_open_left", "eye_open_right", "eye_occlusion", "glasses")
    doubt = ('Not certain: "No compression artefacts" failed, and its square JPEG blocks can look like closed eyelids, '
             "glasses or a cover: check the eyes by eye.")
    for photo, flagged in ((original, False), (patched, True)):
        blocky = disturbances.jpeg(photo, 10)
        checks = run_checks(blocky, detect_faces(blocky), profile)
        judged = {c.id: c for c in checks}
        assert judged["compression"].verdict is Verdict.FAIL
        assert all(judged[k].verdict is not Verdict.FAIL for k in eye_checks), {k: judged[k].reason for k in eye_checks}
        assert all(judged[k].reason.endswith(doubt) for k in eye_checks if judged[k].verdict is Verdict.WARN)
        assert (judged["eye_occlusion"].verdict is Verdict.WARN) is flagged, judged["eye_occlusion"].reason
        problems = failed_problems(Analysis(source="blocky.jpg", image_size=(1, 1), faces=[], checks=checks))
        assert (reason_label("eye_occlusion") + "?" in problems) is flagged, problems  # the list still names it, unsure
    # "Eyes, nose and mouth unobstructed" passed beside the doubted cover: it still waits for it
    assert judged["face_occlusion"].verdict is Verdict.NOT_ASSESSABLE, judged["face_occlusion"].reason
    assert judged["face_occlusion"].reason.startswith('Cannot be checked: "Eyes not covered (sunglasses, patch, hand, hair)" '
                                                      'found a possible covering (not certain)')
    sharp = {c.id: c for c in run_checks(patched, faces, profile)}  # the same patch, uncompressed: a failure
    assert sharp["eye_occlusion"].verdict is Verdict.FAIL and "Not certain" not in sharp["eye_occlusion"].reason


def test_through_coarse_jpeg_blocks_a_covered_mouth_is_only_a_warning_that_says_why(profile: Profile) -> None:
    """Portrait 0 saved at JPEG quality 5 warned "The mouth and chin look covered (face mask, scarf or hand)" with no
    word of the blocks, where the eye checks beside it said they were not certain (officer's walk-through)."""
    doubt = ('Not certain: "No compression artefacts" failed, and its square JPEG blocks can hide the lips and the skin\'s '
             "colour: check the mouth and chin by eye.")
    blocky = disturbances.jpeg(load_portrait(0), 5)
    judged = {c.id: c for c in run_checks(blocky, detect_faces(blocky), profile)}
    assert judged["compression"].verdict is Verdict.FAIL
    lower = judged["lower_face_covered"]
    assert lower.verdict is Verdict.WARN and lower.reason.endswith(doubt), lower.reason
    clear = load_portrait(0)
    assert _result("lower_face_covered", clear, detect_faces(clear), profile).verdict is Verdict.PASS


# The bundled portraits' backgrounds, by eye: a U.S. flag beside the head, or a plain studio backdrop.
FLAG_BEHIND = ("014435", "014854", "014921", "015029", "015448", "020101", "020122", "020138", "020145", "020301", "020305")
PLAIN_BACKDROP = ("015021", "015454", "015616", "020104")


def test_a_flag_behind_the_head_fails_plain_background_and_a_studio_backdrop_passes() -> None:
    """Flags, logos and bookcases behind the head only warned (texture 6-10 against a limit of 10; walk-through of
    unseen photos): an officer rejects them."""
    paths = {path.stem: path for path in portrait_paths()}
    profile = load_profile("icao-9303")
    for name in (*FLAG_BEHIND, *PLAIN_BACKDROP):
        photo = load_image(paths[name])
        found = _result("background_uniformity", photo, detect_faces(photo), profile)
        assert found.verdict is (Verdict.FAIL if name in FLAG_BEHIND else Verdict.PASS), (name, found.reason)
    # the flag on one side is darker than the backdrop on the other: "Shadow on the background" named no shadow there
    photo = load_image(paths["020145"])
    beside = _result("background_shadow", photo, detect_faces(photo), profile)
    assert beside.verdict is Verdict.FAIL and beside.reason.endswith("a shadow, or something darker behind the head there.")


def test_a_white_mask_is_not_only_called_a_hot_spot(portrait: np.ndarray, portrait_faces: list[Face], profile: Profile) -> None:
    """A white surgical mask failed "No under-/over-exposed areas": "55% of the nose is pure white: a hot spot
    (over-exposed)" (walk-through). Under a failed mask check that failure is a warning that names the mask; a white
    patch on the bare forehead still fails."""
    lm = _lm(portrait_faces)
    outline = np.vstack([[lm[1, 0], lm[29, 1]], lm[2:15], [lm[15, 0], lm[29, 1]]])
    masked = _paint(portrait, polygon_mask(outline, portrait.shape[:2]), (255, 255, 255))
    assert _result("lower_face_covered", masked, portrait_faces, profile).verdict is Verdict.FAIL
    found = _result("clipping", masked, portrait_faces, profile)
    assert found.verdict is Verdict.WARN and found.doubted and found.reason.endswith(f"{READS_THE_MASK}."), found.reason
    ied = float(np.linalg.norm(lm[42:48].mean(0) - lm[36:42].mean(0)))
    centre = tuple(int(v) for v in (lm[27, 0], lm[19:25, 1].min() - 0.45 * ied))
    spot = cv2.circle(portrait.copy(), centre, int(0.3 * ied), (255, 255, 255), -1)
    assert _result("clipping", spot, portrait_faces, profile).verdict is Verdict.FAIL


def test_a_head_that_fills_the_photos_width_leaves_no_background_to_judge() -> None:
    """A tight crop with a mask, hair in the top corners: "Background is too dark (L* 5)" beside "background beside the
    head is not visible" (walk-through). Two bundled portraits cut to the head's width, brows to chin, then enlarged
    as such crops come: their background checks are not judged, their full photos' are."""
    profile = load_profile("icao-9303")
    paths = {path.stem: path for path in portrait_paths()}
    for name in ("014435", "014921"):
        photo = load_image(paths[name])
        lm = detect_faces(photo)[0].landmarks
        ied = float(np.linalg.norm(lm[42:48].mean(0) - lm[36:42].mean(0)))
        top = int(max(lm[17:27, 1].min() - 1.5 * ied, 0))
        tight = cv2.resize(photo[top:int(lm[8, 1]) + 4, int(lm[0, 0]) - 3:int(lm[16, 0]) + 3], None, fx=2.5, fy=2.5,
                           interpolation=cv2.INTER_CUBIC)
        for check_id in ("background_brightness", "background_uniformity", "background_shadow"):
            found = _result(check_id, tight, detect_faces(tight), profile)
            assert found.verdict is Verdict.NOT_ASSESSABLE and "not visible on both sides" in found.reason, (name, check_id, found.reason)
            assert _result(check_id, photo, detect_faces(photo), profile).verdict is not Verdict.NOT_ASSESSABLE


@pytest.mark.parametrize("index", [0, 5])
def test_noise_does_not_hide_a_blurred_face_nor_fail_a_sharp_one(index: int) -> None:
    # Gaussian noise raised the Laplacian's variance as detail does: a face blurred past failing passed with noise of
    # sigma 10 added (graded-defect walk-through); the noise's share is now taken off, and not more than its share: a
    # slightly soft face failed with noise of sigma 20 when too much was (review of the day's diff)
    large = cv2.resize(load_portrait(index), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)

    def focus(image: np.ndarray, sigma: float) -> CheckResult:
        noisy = np.clip(image + np.random.default_rng(index).normal(0, sigma, image.shape), 0, 255).astype(np.uint8)
        return {c.id: c for c in run_checks(noisy, detect_faces(noisy))}["sharpness"]

    assert focus(cv2.GaussianBlur(large, (0, 0), 4.5), 10).verdict is Verdict.FAIL
    assert focus(large, 10).verdict is Verdict.PASS
    assert focus(cv2.GaussianBlur(large, (0, 0), 2.0), 20).verdict is Verdict.PASS  # soft, not blurred: passes alone


def test_a_hot_spot_on_the_forehead_is_found_where_the_whole_face_share_stays_low() -> None:
    # a flash's reflection on the forehead, plainly visible, was 5 % of the face and passed: nothing reacted at any
    # strength (graded-defect walk-through). A black beard must not count as an under-exposed chin.
    portrait = cv2.resize(load_portrait(0), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    lm = detect_faces(portrait)[0].landmarks
    eyes = np.linalg.norm(lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0))
    centre = (lm[19] + lm[24]) / 2 - (0, 0.45 * eyes)
    y, x = np.mgrid[: portrait.shape[0], : portrait.shape[1]]
    glow = 320 * np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * (0.3 * eyes) ** 2))
    spotted = np.clip(portrait + glow[..., None], 0, 255).astype(np.uint8)

    def clipped(image: np.ndarray) -> CheckResult:
        return {c.id: c for c in run_checks(image, detect_faces(image))}["clipping"]

    found = clipped(spotted)
    assert found.verdict is not Verdict.PASS and "of the forehead is pure white: a hot spot" in found.reason, found.reason
    assert found.evidence.regions == ["forehead"]
    assert clipped(portrait).verdict is Verdict.PASS
    bearded = portrait.copy()  # black over part of the chin: a fifth of it, far under 5 % of the face
    chin = polygon_mask(np.asarray(region_polygons(lm)["chin"], np.float64), bearded.shape[:2])
    rows = np.nonzero(chin.any(axis=1))[0]
    chin[: rows.max() - (rows.max() - rows.min()) // 5] = False
    bearded[chin] = 0
    assert clipped(bearded).verdict is Verdict.PASS
    # a dark beard does not hide the spot (it weighed against the face's dark and white share together: review)
    darker = spotted.copy()
    darker[int(lm[33, 1]):, :][polygon_mask(cv2.convexHull(lm.astype(np.int32)).reshape(-1, 2),
                                             darker.shape[:2])[int(lm[33, 1]):, :]] = 0  # black below the nose
    assert "of the forehead is pure white: a hot spot" in clipped(darker).reason, clipped(darker).reason


@pytest.mark.parametrize(("index", "length", "way"), [(0, 16, "sideways"), (3, 16, "sideways"), (7, 16, "sideways"),
                                                     (0, 24, "up and down"), (7, 24, "up and down"),
                                                     (0, 16, "diagonally"), (1, 24, "diagonally"), (7, 24, "diagonally")])
def test_a_face_smeared_in_one_direction_fails_focus_and_says_which_way(index: int, length: int, way: str) -> None:
    # motion blur leaves detail across its direction, so the Laplacian's total stayed high: a face smeared by a third
    # of its eye distance passed (graded-defect walk-through). A face has more detail up and down than sideways, so a
    # smear up and down is flagged from a longer one. A smear at 45 deg lowers rows and columns alike: only the
    # diagonals tell it (it failed eye checks unflagged)
    large = cv2.resize(load_portrait(index), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    line = np.full((1, length), 1.0 / length, np.float32)
    kernel = {"sideways": line, "up and down": line.T, "diagonally": np.eye(length, dtype=np.float32) / length}[way]

    def focus(image: np.ndarray) -> CheckResult:
        return {c.id: c for c in run_checks(image, detect_faces(image))}["sharpness"]

    smeared = focus(cv2.filter2D(large, -1, kernel))
    assert smeared.verdict is Verdict.FAIL and f"smeared {way}" in smeared.reason, smeared.reason
    # its value is the smear's ratio, but the CSV's Sharpness column keeps one quantity: the Laplacian variance (README)
    assert smeared.unit == SMEAR_UNIT and smeared.value is not None and smeared.value < 1.0
    assert smeared.iso_value is not None and smeared.iso_value > 1.0
    assert focus(large).verdict is Verdict.PASS


def _half(image: np.ndarray, changed: np.ndarray, side: str) -> np.ndarray:
    """`image` with the `side` half of its face (as seen in the photo, split at the nose) taken from `changed`."""
    nose = int(detect_faces(image)[0].landmarks[27:31, 0].mean())
    out = image.copy()
    columns = slice(nose, None) if side == "right" else slice(None, nose)
    out[:, columns] = changed[:, columns]
    return out


@pytest.mark.parametrize(("index", "side"), [(0, "right"), (4, "left"), (7, "right"), (5, "left")])
def test_one_half_of_the_face_blurred_fails_focus_and_names_the_half(index: int, side: str) -> None:
    # a portrait blurred right of the nose passed "Sharp focus" (the sharp half kept the face's detail high) while its
    # blurred open eye failed "Eyes not covered" at 100 % (explanation walk-through)
    portrait = load_portrait(index)
    lm = detect_faces(portrait)[0].landmarks
    eyes = float(np.linalg.norm(lm[42:48].mean(0) - lm[36:42].mean(0)))
    blurred = _half(portrait, cv2.GaussianBlur(portrait, (0, 0), 3 * eyes / 40), side)
    found = {c.id: c for c in run_checks(blurred, detect_faces(blurred))}
    focus = found["sharpness"]
    assert focus.verdict is Verdict.FAIL and focus.unit == HALF_BLUR_UNIT, (focus.reason, focus.unit)
    assert f"The {side} half of the face (as seen in the photo) is blurred while the other is sharp" in focus.reason, focus.reason
    assert focus.evidence.regions == [f"{side}_cheek", f"{side}_eye"]
    assert " 0% of the other half" not in focus.reason, focus.reason  # a share too small to round is "under 1%"
    # an eye failing in the blurred half says the blur may have faked it
    for eye in ("eye_occlusion", f"eye_open_{side}"):
        assert found[eye].verdict is not Verdict.FAIL and (found[eye].verdict is Verdict.PASS or BLURS_AN_EYE in found[eye].reason)
    assert {c.id: c for c in run_checks(portrait, detect_faces(portrait))}["sharpness"].unit != HALF_BLUR_UNIT
    # a patch over the eye of the other, sharp half stays a failure: the blur cannot have faked it (review)
    other = "left" if side == "right" else "right"
    patched = _eye_patch(blurred, detect_faces(blurred), 36 if other == "left" else 42)
    found = {c.id: c for c in run_checks(patched, detect_faces(patched))}
    assert found["sharpness"].unit == HALF_BLUR_UNIT and found["eye_occlusion"].verdict is Verdict.FAIL, found["eye_occlusion"].reason
    # a face blurred all over, one half more, is "Face is blurred", not "the other is sharp" (review)
    soft = cv2.GaussianBlur(portrait, (0, 0), eyes / 20)
    both = {c.id: c for c in run_checks(_half(soft, cv2.GaussianBlur(portrait, (0, 0), eyes / 6.7), side), detect_faces(soft))}
    assert both["sharpness"].verdict is Verdict.FAIL and both["sharpness"].unit != HALF_BLUR_UNIT, both["sharpness"].reason
    # a half merely darker (at 60 %, as a soft side light leaves it) has its detail as it was: not a blurred half
    darker = _half(portrait, (portrait * 0.6).astype(np.uint8), side)
    assert {c.id: c for c in run_checks(darker, detect_faces(darker))}["sharpness"].verdict is Verdict.PASS


@pytest.mark.parametrize(("index", "side"), [(2, "left"), (4, "left"), (9, "right"), (17, "right")])
def test_one_half_of_the_face_covered_flat_is_no_blurred_half_and_its_eye_is_covered(index: int, side: str) -> None:
    # a card or a hand over half the face read as "the left half is blurred", and the eye checks' doubt softened
    # "Eyes covered" to a warning (review)
    portrait = load_portrait(index)
    shading = np.linspace(0.8, 1.1, portrait.shape[0])[:, None, None]
    skin = np.array([200.0, 150.0, 120.0]) * shading * np.ones(portrait.shape)
    skin += np.random.default_rng(index).normal(0, 3, portrait.shape)
    for cover in (np.full_like(portrait, 128), np.clip(skin, 0, 255).astype(np.uint8)):
        covered = _half(portrait, cover, side)
        found = {c.id: c for c in run_checks(covered, detect_faces(covered))}
        assert found["sharpness"].unit != HALF_BLUR_UNIT, found["sharpness"].reason
        assert found["eye_occlusion"].verdict is Verdict.FAIL, found["eye_occlusion"].reason


def test_hair_over_one_eye_is_no_blurred_half_and_its_cover_stays_a_failure() -> None:
    # drawn strands over one eye gave that half so much detail that the other, sharp half read as blurred (on 74 of 150
    # drawn hair covers), and the eye checks' doubt then softened "Eyes covered" to a warning (review of the change)
    from benchmarks.issue15.synth import make

    softened = []
    for index in range(6):
        portrait = load_portrait(index)
        hair, _ = make(portrait, detect_faces(portrait)[0].landmarks.astype(np.float64), "hair", np.random.default_rng(index))
        found = {c.id: c for c in run_checks(hair, detect_faces(hair))}
        assert found["sharpness"].unit != HALF_BLUR_UNIT, (index, found["sharpness"].reason)
        softened += [index] if BLURS_AN_EYE in found["eye_occlusion"].reason else []
    assert not softened, softened


def test_a_face_blurred_and_smeared_names_the_smear_and_a_rolled_face_is_not_smeared() -> None:
    # where both readings fail the smear speaks, so the cause is said and the eye checks' doubt can read it; a face
    # rolled 45 deg puts its rows and columns on the diagonals, which must not read as a smear (review)
    large = cv2.resize(load_portrait(3), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)

    def focus(image: np.ndarray) -> CheckResult:
        return {c.id: c for c in run_checks(image, detect_faces(image))}["sharpness"]

    both = focus(cv2.filter2D(cv2.GaussianBlur(large, (0, 0), 1.5), -1, np.full((1, 24), 1 / 24, np.float32)))
    assert both.verdict is Verdict.FAIL and both.unit == SMEAR_UNIT and "smeared sideways" in both.reason, both.reason
    assert both.iso_value is not None and both.iso_value < 20  # the focus, failing too
    centre = (large.shape[1] / 2, large.shape[0] / 2)
    rolled = cv2.warpAffine(large, cv2.getRotationMatrix2D(centre, 45, 1.0), (large.shape[1], large.shape[0]),
                            borderMode=cv2.BORDER_REPLICATE)
    assert "smeared" not in focus(rolled).reason


def test_a_photo_drained_of_most_of_its_colour_is_not_passed_as_natural() -> None:
    # 80 % desaturated, the cheeks read a* 4, b* 3: inside the skin range, so "Skin colour looks natural" (graded-defect
    # walk-through); a photo drained of 40 % still reads as colour
    portrait = load_portrait(0).astype(np.float32)
    grey = portrait.mean(axis=2, keepdims=True)

    def colour(kept: float) -> CheckResult:
        image = np.clip(grey + kept * (portrait - grey), 0, 255).astype(np.uint8)
        return {c.id: c for c in run_checks(image, detect_faces(image))}["natural_colour"]

    drained = colour(0.2)
    assert drained.verdict is not Verdict.PASS and "washed out or grey" in drained.reason, drained.reason
    assert colour(0.6).verdict is Verdict.PASS and colour(1.0).verdict is Verdict.PASS


def test_a_dark_face_keeps_its_colour_and_is_called_dark_not_washed_out() -> None:
    # chroma falls with lightness: at a third of the light the cheeks' chroma was under 11 and "Natural skin colour"
    # called a face washed out or grey that had all its colour, as it did darker skin in dim light 4 times as often as
    # light skin (docs/EVALUATION.md "Natural colour and skin tone")
    portrait = load_portrait(1)
    faces = detect_faces(portrait)
    for dimmed in (0.45, 0.35):
        dark = np.clip(portrait.astype(np.float32) * dimmed, 0, 255).astype(np.uint8)
        found = {c.id: c for c in run_checks(dark, faces)}
        assert found["natural_colour"].verdict is Verdict.PASS, found["natural_colour"].reason
        assert found["exposure"].verdict is Verdict.FAIL and "too dark" in found["exposure"].reason
    # a dark face with no colour at all still fails (the missing saturation is counted at a typical face's lightness:
    # counted at its own, a grey face under L* 28 could only warn), and one at 15 % of its light is not judged: its a*
    # and b* are a unit or two, read as grey or as a green cast (second review)
    grey = np.repeat(cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2).astype(np.float32)
    grey[-grey.shape[0] // 5:] = (200, 30, 30)  # a red band along the bottom: still a colour photo
    for dimmed in (0.45, 0.35):
        found = {c.id: c for c in run_checks(np.clip(grey * dimmed, 0, 255).astype(np.uint8), faces)}["natural_colour"]
        assert found.verdict is Verdict.FAIL and "washed out or grey" in found.reason, found.reason
    darkest = np.clip(portrait.astype(np.float32) * 0.15, 0, 255).astype(np.uint8)
    found = {c.id: c for c in run_checks(darkest, faces)}["natural_colour"]
    assert found.verdict is Verdict.NOT_ASSESSABLE and "too dark to judge their colour" in found.reason, found.reason


def test_an_over_exposed_face_is_not_reported_as_glare_on_the_eyes() -> None:
    # brightened 1.6x, 19 % of the eye area was white and "No glare on eyes or glasses" failed beside "Face is too bright"
    # (graded-defect walk-through)
    portrait = cv2.resize(load_portrait(0), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    bright = np.clip(portrait.astype(np.float32) * 1.6, 0, 255).astype(np.uint8)
    found = {c.id: c for c in run_checks(bright, detect_faces(bright))}
    assert found["clipping"].verdict is Verdict.FAIL and "is pure white" in found["clipping"].reason
    assert found["eye_glare"].verdict is Verdict.NOT_ASSESSABLE and "the skin is white too" in found["eye_glare"].reason
    assert {c.id: c for c in run_checks(portrait, detect_faces(portrait))}["eye_glare"].verdict is Verdict.PASS
    # a reflection on the eyes is still judged beside a hot spot on the forehead (the flash case) or a dark face
    lm = detect_faces(portrait)[0].landmarks
    eyes = np.linalg.norm(lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0))
    y, x = np.mgrid[: portrait.shape[0], : portrait.shape[1]]

    def glow(centre: np.ndarray, size: float) -> np.ndarray:
        return 320 * np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * (size * eyes) ** 2))[..., None]

    flash = glow((lm[19] + lm[24]) / 2 - (0, 0.45 * eyes), 0.3) + glow(lm[36:42].mean(axis=0), 0.12)
    for base in (portrait, (portrait * 0.5).astype(np.uint8)):
        lit = np.clip(base + flash, 0, 255).astype(np.uint8)
        assert {c.id: c for c in run_checks(lit, detect_faces(lit))}["eye_glare"].verdict is Verdict.FAIL
    # ... and beside hot spots on the forehead and the nose, which a flash leaves together (review: leaving out only the
    # whitest skin region hid such reflections as "over-exposed skin")
    lit = np.clip(portrait + flash + glow(lm[30], 0.2), 0, 255).astype(np.uint8)
    assert {c.id: c for c in run_checks(lit, detect_faces(lit))}["eye_glare"].verdict is Verdict.FAIL


def test_a_flat_face_lacking_detail_is_said_to_be_flat_not_only_out_of_focus() -> None:
    # at a fifth of its contrast a sharp portrait failed "Face is blurred or out of focus" (graded-defect walk-through)
    portrait = cv2.resize(load_portrait(0), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    mean = portrait.mean()

    def focus(contrast: float, blur: float = 0.0) -> CheckResult:
        image = np.clip(mean + contrast * (portrait - mean), 0, 255).astype(np.uint8)
        image = cv2.GaussianBlur(image, (0, 0), blur) if blur else image
        return {c.id: c for c in run_checks(image, detect_faces(image))}["sharpness"]

    flat = focus(0.2)
    assert flat.verdict is not Verdict.PASS and "tones are very flat" in flat.reason, flat.reason
    assert "tones are very flat" not in focus(1.0, blur=4.5).reason  # blurred at full contrast: blur alone


def test_a_warm_cast_is_not_red_eye_but_red_pupils_under_it_are(portrait_faces: list[Face]) -> None:
    # a red cast of 70 levels read as red eye in 10 of 11 portraits (graded-defect walk-through)
    portrait = load_portrait(0).astype(np.int16)
    warm = np.clip(portrait + np.array([70, 0, -70]), 0, 255).astype(np.uint8)
    faces = detect_faces(warm)
    assert {c.id: c for c in run_checks(warm, faces)}["red_eye"].verdict is Verdict.PASS
    flashed = _red_eyes(warm, faces)
    assert {c.id: c for c in run_checks(flashed, faces)}["red_eye"].verdict is Verdict.FAIL


def test_in_a_dark_photo_a_turned_head_is_only_a_warning_that_says_why(profile: Profile) -> None:
    """A portrait made dark or flat read its yaw 13 deg off and failed "Head turned" before "Face too dark" (the
    photographer's walk-through): the landmarks move on such a face (docs/EVALUATION.md, "Spoiled light")."""
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.review.reasons import failed_problems

    original = load_portrait(0)
    tight = replace(profile, checks={**profile.checks, "pose_yaw": {**profile.params("pose_yaw"), "fail_above": -10.0}})
    dark = (original.astype(np.float32) * 0.35).astype(np.uint8)
    lit = {c.id: c for c in run_checks(original, detect_faces(original), tight)}  # any reading fails: both are judged
    assert lit["pose_yaw"].verdict is Verdict.FAIL and "Not certain" not in lit["pose_yaw"].reason
    judged = {c.id: c for c in run_checks(dark, detect_faces(dark), tight)}
    assert judged["exposure"].verdict is Verdict.FAIL
    assert judged["pose_yaw"].verdict is Verdict.WARN
    assert judged["pose_yaw"].reason.endswith('Not certain: "Exposure" failed, and the landmarks the angle is read from '
                                              "move on such a face: check the pose on a better photo.")
    problems = failed_problems(Analysis(source="dark.jpg", image_size=(1, 1), faces=[], checks=list(judged.values())))
    turned = next(p for p in problems if p.startswith("Head turned to the photo's"))
    assert problems.index("Face too dark") < problems.index(turned) and turned.endswith("?"), problems  # the light first
    # a warning of its own (a reading too imprecise to tell) is not a doubted failure: not listed as a problem
    imprecise = replace(judged["pose_yaw"], doubted=False)
    own = failed_problems(Analysis(source="dark.jpg", image_size=(1, 1), faces=[], checks=[judged["exposure"], imprecise]))
    assert own == ["Face too dark"], own
    assert judged["pose_yaw"].doubted and Analysis.from_json(Analysis(
        source="d.jpg", image_size=(1, 1), checks=[judged["pose_yaw"]]).to_json()).checks[0].doubted  # kept in the JSON
    import json

    saved = json.loads(Analysis(source="d.jpg", image_size=(1, 1), checks=[judged["exposure"], judged["pose_yaw"]]).to_json())
    saved["schema"] = 7  # written before `doubted`: its doubt read from the reason, as then (review)
    for check in saved["checks"]:
        del check["doubted"]
    assert [c.doubted for c in Analysis.from_dict(saved).checks] == [False, True]


def test_a_resolution_within_the_limit_is_called_borderline_not_needing_a_new_scan(profile: Profile) -> None:
    # "Eyes are only 103 px apart (required 90, preferred 120) ...; a photo or scan of higher resolution is needed" on
    # a photo that passed the limit (photographer's walk-through)
    from types import SimpleNamespace

    from pfiq_desktop.engine.icao import geometry
    from pfiq_desktop.engine.icao.enlargement import around_the_eyes

    params = profile.params("inter_eye_distance")
    between = (params["fail_below"] + params["warn_below"]) / 2
    grain = np.random.default_rng(0).normal(128, 8, (400, 400)).astype(np.float32)  # detail to the pixel: not enlarged
    context = SimpleNamespace(eyes=(np.array([0.0, 0.0]), np.array([between, 0.0])), inter_eye=between,
                              enlargement=around_the_eyes(grain, np.array([200.0, 200.0]), between))
    warned = geometry.inter_eye_distance(context, params)
    assert warned.verdict is Verdict.WARN and f"(recommended {params['warn_below']:.0f})" in warned.reason, warned.reason
    assert "Borderline: within the limit" in warned.reason and "needed" not in warned.reason
    failed = geometry.inter_eye_distance(SimpleNamespace(eyes=context.eyes, inter_eye=params["fail_below"] - 10), params)
    assert failed.verdict is Verdict.FAIL and f"(required {params['fail_below']:.0f})" in failed.reason


def test_a_digital_photos_pixel_size_is_judged_where_a_profile_sets_it(portrait: np.ndarray, portrait_faces: list[Face],
                                                                     tmp_path) -> None:
    # New Zealand's 900 x 1200 to 2400 x 3200 px was text for the officer: no check could judge it (profile author's
    # walk-through). ICAO states no pixel size, so the default leaves the check off
    assert all(c.id != "image_size" for c in run_checks(portrait, portrait_faces, load_profile()))
    written = tmp_path / "digital.toml"

    def judged(low: int, high: int) -> CheckResult:
        written.write_text(f'name = "digital"\nextends = "icao-9303"\n[checks.image_size]\nenabled = true\n'
                           f"fail_below = {low}\nfail_above = {high}\n")
        return next(c for c in run_checks(portrait, portrait_faces, load_profile(written)) if c.id == "image_size")

    small, fine, large = judged(1200, 3200), judged(600, 1200), judged(300, 700)
    assert small.verdict is Verdict.FAIL and small.reason == "The photo is 570 x 735 px: too small (needs 1200 px high or more)."
    assert fine.verdict is Verdict.PASS and (fine.value, fine.unit) == (735.0, "px high")
    assert large.verdict is Verdict.FAIL and large.reason.endswith("too large (allowed 700 px high at most).")
    written.write_text('name = "digital"\nextends = "icao-9303"\n[checks.image_size]\nenabled = true\n'
                       "fail_below = 600\nwarn_below = 800\n")  # a recommended size it misses is said as recommended
    borderline = next(c for c in run_checks(portrait, portrait_faces, load_profile(written)) if c.id == "image_size")
    assert borderline.verdict is Verdict.WARN and "(needs recommended 800 px high or more)" not in borderline.reason
    assert "recommended 800 px high or more" in borderline.reason and "Borderline" in borderline.reason, borderline.reason


def test_a_dark_face_in_a_photo_exposed_right_is_not_called_too_dark_but_a_dark_photo_and_a_shadowed_face_are() -> None:
    # "Face is too dark" judged the skin, not the photo: half a stop under, 31 % of dark-skinned in-the-wild faces
    # warned and 3 % of light-skinned ones (fairness audit, docs/EVALUATION.md "Exposure and skin tone")
    photo, faces = _bundled(18)
    head = Context(photo, faces).face_mask
    darker_skin = photo.copy()  # the mid-tones darker, the highlights kept, as on darker skin lit as before
    darker_skin[head] = (255.0 * (photo[head] / 255.0) ** 1.7).astype(np.uint8)
    found = _result("exposure", darker_skin, faces, load_profile())
    assert found.value < 80 and found.verdict is Verdict.PASS, found.reason
    assert "so the exposure is right: darker skin reads lower" in found.reason, found.reason
    linear = (darker_skin / 255.0) ** 2.2
    under = (255.0 * (linear * 2.0**-1.5) ** (1 / 2.2)).astype(np.uint8)  # the same photo a stop and a half short
    dark_photo = _result("exposure", under, faces, load_profile())
    assert dark_photo.verdict is not Verdict.PASS and "cannot show that the exposure is right" in dark_photo.reason
    base = load_profile()

    def judged_under(**exposure: float) -> CheckResult:
        changed = replace(base, checks={**base.checks, "exposure": {**base.params("exposure"), **exposure}})
        return _result("exposure", darker_skin, faces, changed)

    very_dark = judged_under(fail_below=70.0, warn_below=90.0)  # below the fail bound: a warning that says why
    assert very_dark.verdict is Verdict.WARN and very_dark.reason.startswith("Face reads very dark (mean 66/255), but")
    switched_off = judged_under(white_point=256.0)  # (TOML has no infinity)
    assert switched_off.verdict is Verdict.WARN and switched_off.reason.startswith("Face is too dark (mean 66/255).")
    brighter = photo.copy()  # the too-bright side is the face's mean alone, as before
    brighter[head] = (255.0 * (photo[head] / 255.0) ** 0.1).astype(np.uint8)
    bright = _result("exposure", brighter, faces, base)
    assert bright.verdict is Verdict.FAIL and bright.reason == f"Face is too bright (mean {bright.value:.0f}/255).", bright.reason
    backlit = photo.copy()  # the face alone two stops darker before the same bright backdrop
    backlit[head] = (255.0 * ((photo[head] / 255.0) ** 2.2 / 4.0) ** (1 / 2.2)).astype(np.uint8)
    shadowed = _result("exposure", backlit, faces, load_profile())
    assert shadowed.verdict is not Verdict.PASS and "the light may not reach the face" in shadowed.reason, shadowed.reason


@pytest.mark.parametrize("index", [0, 5])
def test_a_darker_or_brighter_copy_keeps_its_focus_verdict(index: int) -> None:
    # the Laplacian's variance grows with the square of the grey levels: a sharp portrait at 60 % of them failed as
    # "blurred or out of focus" beside a passing exposure, and a blurred one brightened passed (wrong-cause audit)
    large = cv2.resize(load_portrait(index), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    blurred = cv2.GaussianBlur(large, (0, 0), 4.5)

    def focus(image: np.ndarray, level: float) -> CheckResult:
        scaled = np.clip(image * level + 0.5, 0, 255).astype(np.uint8)
        return {c.id: c for c in run_checks(scaled, detect_faces(scaled))}["sharpness"]

    for level in (0.4, 0.6, 1.2):
        assert focus(large, level).verdict is Verdict.PASS, level
        darker = focus(blurred, level)
        assert darker.verdict is Verdict.FAIL and "blurred or out of focus" in darker.reason, (level, darker.reason)
    # so scaled, a nearly black face's quantisation noise read as detail: "in focus (detail 97)" at 5 % of its grey levels
    black = focus(blurred, 0.05)
    assert black.verdict is Verdict.NOT_ASSESSABLE and "too dark to judge its focus" in black.reason, black.reason


@pytest.mark.parametrize("index", [0, 12])
def test_lids_whitened_by_over_exposure_are_not_glare_but_a_reflection_on_them_is(index: int) -> None:
    # at 140 % of its grey levels portrait 0 failed "No glare on eyes or glasses" beside a passing exposure: its lids
    # and brows turn white with the rest of the face (wrong-cause audit)
    large = cv2.resize(load_portrait(index), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    faces = detect_faces(large)
    bright = np.clip(large.astype(np.float32) * 1.4 + 0.5, 0, 255).astype(np.uint8)
    glare = {c.id: c for c in run_checks(bright, faces)}["eye_glare"]
    assert glare.verdict is Verdict.NOT_ASSESSABLE and "the face is white elsewhere too" in glare.reason, glare.reason
    reflected = _glare(np.clip(large.astype(np.float32) * 1.2 + 0.5, 0, 255).astype(np.uint8), faces)
    assert {c.id: c for c in run_checks(reflected, faces)}["eye_glare"].verdict is Verdict.FAIL


def test_black_over_a_face_lit_right_is_not_only_called_under_exposed(portrait: np.ndarray, portrait_faces: list[Face],
                                                                      profile: Profile) -> None:
    # sunglasses, a cap's brim and a black collar inside the face outline were "pure black (under-exposed)" on faces
    # whose exposure passed (precision audit by eye)
    lenses = _paint(portrait, _region(portrait, portrait_faces, "left_eye", "right_eye"), (0, 0, 0))
    found = _result("clipping", lenses, portrait_faces, profile)
    assert found.verdict is not Verdict.PASS and "is pure black (under-exposed, or something black over it)." in found.reason


def test_the_maps_fall_at_the_chip_edge_is_not_read_as_a_low_region(portrait: np.ndarray, portrait_faces: list[Face],
                                                                     profile: Profile) -> None:
    # a map falls to 0 towards its chip's edge whatever the photo shows (a band's median: 0.15 of the face's at 4-6 px,
    # 0.42 at 10-12), and the forehead and an open mouth's chin reach into that band: "Face regions usable" warned of
    # the chin on open mouths whose chin was plainly visible (precision audit by eye)
    size = portrait_faces[0].plq_chip.shape[0]
    y, x = np.mgrid[:size, :size]
    edge = np.minimum.reduce([x, y, size - 1 - x, size - 1 - y]).astype(np.float32)
    falling = [replace(portrait_faces[0], plq_chip=np.clip((edge - 2) / 24, 0, 1))]
    assert _result("plq_regions", portrait, falling, profile).verdict is Verdict.PASS
    assert _result("plq_regions", portrait, _plq_with_low(falling, ("chin",), 0.1), profile).evidence.regions == ["chin"]


def test_a_region_in_the_maps_edge_band_is_said_to_be_unjudged(portrait: np.ndarray, portrait_faces: list[Face],
                                                                profile: Profile) -> None:
    # an open mouth can push the whole chin into the map's edge band, which no region's mean reads; the checks then
    # said "Every face region carries its share" and "Eyes, nose and mouth look unobstructed" with it never judged
    face = portrait_faces[0]
    size = face.plq_chip.shape[0]
    a = np.asarray(face.chip_transform, np.float64)
    polygons = region_polygons(_lm(portrait_faces))

    def lowered_to(region: str) -> list[Face]:  # the region's top row just inside the band
        top = (polygons[region] @ a[:, :2].T + a[:, 2])[:, 1].min()
        shifted = a.copy()
        shifted[1, 2] += size - MAP_EDGE - top + 1
        return [replace(face, chip_transform=shifted)]

    found = _result("plq_regions", portrait, lowered_to("chin"), profile)
    assert found.verdict is Verdict.PASS and "Every" not in found.reason, found.reason
    assert "Not judged: chin (outside the part of the quality map that can be read)." in found.reason, found.reason
    assert "Not judged" not in _result("plq_regions", portrait, portrait_faces, profile).reason
    key = _result("face_occlusion", portrait, lowered_to("mouth"), profile)
    assert key.verdict is Verdict.PASS and key.reason.startswith("Eye area on the photo's left, eye area on the photo's "
                                                                 "right, nose: unobstructed. Not judged: mouth"), key.reason
