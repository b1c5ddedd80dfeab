"""The network probes (engine/attributes.py): the built-in network's mid-level grid tells a shut, a covered and an
open eye apart, and a covered lower face from a mouth, on the bundled public-domain portraits with defects drawn
on them. Each test compares with the pixels alone, so it fails if the probes stop carrying the finding.

The defects: an eye drawn shut (benchmarks/issue15/synth.close_eye, lid skin and a lash line), a dark oval
patch over one eye, clear spectacles (synth.make, seeded), a plain surgical-mask shape from the cheekbones
to the chin and two skin-coloured fingers across the chin. Bounds were measured on
the 20 portraits (numbers in each test) and leave room for dlib and OpenCV builds, not for a broken probe.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from benchmarks.issue15.synth import close_eye, draw_glasses, make
from pfiq_desktop.engine.attributes import (
    HEAD_CHIP_PADDING,
    PROBES_FILE,
    AttributeProbes,
    load_attribute_probes,
    lower_face_in_photo,
)
from pfiq_desktop.engine.backbones.dlib_resnet import EYE_GRID_BLOCKS
from pfiq_desktop.engine.faces import CHIP_SIZE, DetectedFace, chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.icao.coverings import OBJECT_WARN_LOG_ODDS
from pfiq_desktop.engine.icao.eye_pixels import decide, measure_eyes
from pfiq_desktop.engine.icao.eyes_mouth import eye_thresholds
from pfiq_desktop.engine.icao.occlusion import OBJECT_SEEN
from pfiq_desktop.engine.results import Analysis, Verdict
from tests.photos import load_portrait, portrait_paths

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py
SIDES = {"left": 36, "right": 42}  # photo side -> its eye's first landmark
PORTRAIT_COUNT = len(portrait_paths())
GLASSES_WORN = (1, 5, 7, 11, 18)  # the portraits (name order) whose subject wears clear glasses, by eye


def verdict(analysis: Analysis, check_id: str) -> Verdict:
    return next(c.verdict for c in analysis.checks if c.id == check_id and c.face_index in (None, 0))


def same_geometry(analysis: Analysis) -> list[DetectedFace]:
    """The clean photo's face, so an edit cannot move the landmarks (HOG may miss or redraw a covered face)."""
    face = analysis.faces[0]
    return [DetectedFace(face.box, face.detection_score, face.landmarks5, face.landmarks)]


def eye_patch(image: np.ndarray, landmarks: np.ndarray, first: int) -> np.ndarray:
    out = image.copy()
    eye = landmarks[first : first + 6]
    centre, width = eye.mean(axis=0), float(np.ptp(eye[:, 0]))
    cv2.ellipse(out, (int(centre[0]), int(centre[1])), (int(0.9 * width), int(0.7 * width)), 0, 0, 360, (25, 25, 30), -1)
    return out


def surgical_mask(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    out = image.copy()
    outline = np.vstack([landmarks[1:16], landmarks[[29]]]).astype(np.int32)
    cv2.fillPoly(out, [outline], (170, 205, 225))
    return out


def fingers_across_chin(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Two fingers of the face's own skin colour laid across the chin below the lips, each outlined by a darker crease:
    skin where a mask would be cloth, so the colours alone read the chin as bare."""
    out = image.copy()
    ied = float(np.linalg.norm(landmarks[42:48].mean(axis=0) - landmarks[36:42].mean(axis=0)))
    nose = landmarks[[29, 31, 33, 35]].astype(int)
    skin = np.median(image[nose[0, 1]:nose[2, 1], nose[1, 0]:nose[3, 0]].reshape(-1, 3), axis=0) * 1.02
    mouth, width = landmarks[48:68].mean(axis=0), 0.16 * ied
    for k, shade in enumerate((0.92, 0.96)):
        centre = mouth + np.array([-0.15 * ied, (k - 0.5) * 1.9 * width + 0.2 * ied])
        box = ((float(centre[0]), float(centre[1])), (1.5 * ied, 2 * width), 10.0)
        cv2.ellipse(out, box, tuple(float(v) for v in np.clip(skin * shade, 0, 255)), -1, cv2.LINE_AA)
        cv2.ellipse(out, box, tuple(float(v) for v in skin * 0.55), 1, cv2.LINE_AA)
    return out


def hard_hat(image: np.ndarray, landmarks: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """A dome from just above the brows to well over the head top, with a brim."""
    out = image.copy()
    ied = float(np.linalg.norm(landmarks[42:48].mean(axis=0) - landmarks[36:42].mean(axis=0)))
    left, right = landmarks[0, 0] - 0.15 * ied, landmarks[16, 0] + 0.15 * ied
    centre, rim = (left + right) / 2, landmarks[17:27, 1].min() - 0.35 * ied
    dome = [(centre + (right - left) / 2 * np.cos(t), rim - 1.6 * ied * np.sin(t)) for t in np.linspace(0, np.pi, 40)]
    cv2.fillPoly(out, [np.round(dome).astype(np.int32)], colour, cv2.LINE_AA)
    cv2.ellipse(out, (int(centre), int(rim)), (int((right - left) / 2 + 0.3 * ied), int(0.18 * ied)), 0, 0, 180, colour, -1, cv2.LINE_AA)
    return out


@pytest.fixture(scope="module")
def clean(analyzer) -> list[Analysis]:
    return [analyzer.analyse(load_portrait(i)) for i in range(PORTRAIT_COUNT)]


def test_the_probes_are_packaged_and_survive_a_round_trip(tmp_path) -> None:
    probes = load_attribute_probes("dlib-resnet-v1")
    assert probes is not None and set(probes.probes) == {"eye_closed", "eye_hidden", "glasses", "lower_face_covered", "head_covered",
                                                                 "mouth_open", "lower_face_object"}
    assert probes.meta["fitted_by"] == "benchmarks/fit_attribute_probes.py"
    path = tmp_path / PROBES_FILE.format(backbone="x")
    probes.save(path)
    again = AttributeProbes.load(path.read_bytes())
    rng = np.random.default_rng(0)
    grid, descriptor, landmarks = rng.normal(size=(64, 17, 17)).astype(np.float32), rng.normal(size=128), clean_landmarks()
    head = (rng.normal(size=(64, 17, 17)).astype(np.float32), rng.normal(size=128))
    eye_grid = rng.normal(size=(64, 17, 17)).astype(np.float32)
    read = probes.log_odds(grid, eye_grid, landmarks, descriptor, head)
    assert again.log_odds(grid, eye_grid, landmarks, descriptor, head) == pytest.approx(read)
    assert "head_covered" in read
    with pytest.raises(ValueError, match="head chip"):  # never a silent fall-back to the covering's pixels alone
        probes.log_odds(grid, eye_grid, landmarks, descriptor)
    # whether an eye is shut is read on the eye grid alone, whether it is covered on the main grid alone
    other = probes.log_odds(grid, eye_grid[::-1].copy(), landmarks, descriptor, head)
    assert other["eye_closed.left"] != pytest.approx(read["eye_closed.left"])
    assert other["eye_hidden.left"] == pytest.approx(read["eye_hidden.left"])
    assert other["mouth_open"] != pytest.approx(read["mouth_open"])  # teeth are read on the eye grid too
    assert load_attribute_probes("no-such-backbone") is None


def test_the_analysis_reads_the_grid_off_its_own_forward_pass(analyzer, clean: list[Analysis]) -> None:
    """The probes' grids (the 7th block's and the eye-state probe's 4th) are hooked out of the map's forward pass,
    the head chip's out of that chip's pass; they must be the grids (and descriptor) passes of their own give."""
    photo, face = load_portrait(0), clean[0].faces[0]
    chip = extract_chip(photo, face.chip_transform)
    head_chip = extract_chip(photo, chip_transform(face.landmarks5, CHIP_SIZE, HEAD_CHIP_PADDING))
    tensor, head_tensor = (torch.from_numpy(c[None]).permute(0, 3, 1, 2).float() for c in (chip, head_chip))
    with torch.no_grad():
        grid, head_grid = (analyzer.net.spatial_features(t)[0].numpy() for t in (tensor, head_tensor))
        eye_grid = analyzer.net.spatial_features(tensor, EYE_GRID_BLOCKS)[0].numpy()
        head_descriptor = analyzer.net(head_tensor)[0].numpy()
    expected = analyzer.attribute_probes.log_odds(grid, eye_grid, photo_points_to_chip(face.landmarks, face.chip_transform),
                                                  face.embedding, (head_grid, head_descriptor))
    assert set(face.attributes) == set(expected)
    assert face.attributes == pytest.approx(expected, abs=1e-3)
    eye = next(c for c in clean[0].checks if c.id == "eye_open_left")
    assert eye.thresholds["closed_one"] == eye_thresholds({}).closed_one  # the fused scores' bar, shown as applied


def clean_landmarks() -> np.ndarray:
    """68 points of a frontal face in a 150 px chip (a ring of plausible places; enough for the feature code)."""
    angles = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    return np.column_stack([75 + 40 * np.cos(angles), 75 + 50 * np.sin(angles)])


def test_open_eyes_and_bare_mouths_read_as_such(clean: list[Analysis]) -> None:
    """Measured: of the 20 clean portraits' attributes (the head probe, the wearers' glasses and the mouth probe aside:
    most of these portraits smile showing teeth, tests/icao/test_checks.py judges their mouths) only three
    photo-right eyes read above 0 log-odds shut (0.4-0.9: portraits 3, 4 and 9, the narrowest eyes; the network reads
    photo-right eyes as shut more often). Fused with the pixels, two of them warn "may be closed" for the officer to
    look at and none fails; every lower face passes."""
    high = [(i, key, round(value, 1)) for i, a in enumerate(clean) for key, value in a.faces[0].attributes.items()
            if value > 0 and not (key == "glasses" and i in GLASSES_WORN) and key not in ("head_covered", "mouth_open")]
    assert len(high) <= 3 and all(key == "eye_closed.right" for _, key, _ in high), high
    eyes = [verdict(a, f"eye_open_{side}") for a in clean for side in ("left", "right")]
    assert Verdict.FAIL not in eyes and sum(v is Verdict.WARN for v in eyes) <= 2
    assert all(verdict(a, "lower_face_covered") is Verdict.PASS for a in clean)
    # fused with the pixels, 19 bare heads pass; portrait 19 warns at 0.81 (a fringe swept low over the forehead,
    # which the warning names; its head probe reads 2.1, the other 19 -14.8 to -2.8)
    assert sum(verdict(a, "head_covering") is not Verdict.PASS for a in clean) <= 1


def test_the_eye_checks_bars_in_percent_agree_with_their_verdicts(clean: list[Analysis]) -> None:
    """With the network's probes an eye warns from 73 % closed (the bar for one eye alone, 1.0 log-odds) and fails from
    90 % (`sure_closed`); the report shows these bars beside the value, so every verdict must agree with them, a wink
    flagged lower saying why in its sentence (supervisor's walk-through: 69 % passed, 74 % warned, nothing said why)."""
    for analysis in clean:
        for check in (c for c in analysis.checks if c.id in ("eye_open_left", "eye_open_right") and c.unit == "% closed"):
            bars, value = check.thresholds, check.value
            assert bars["warn_above"] == pytest.approx(73.1, abs=0.05) and bars["fail_above"] == 90.0
            assert value is not None
            if check.verdict is Verdict.PASS:
                assert value <= bars["warn_above"], check.reason
            elif value <= bars["warn_above"]:
                assert "as in a wink" in check.reason or "both eyes look closed" in check.reason, check.reason
            else:
                assert (check.verdict is Verdict.FAIL) == (value >= bars["fail_above"]), check.reason


def test_a_shut_eye_fails_with_the_network_where_the_pixels_alone_miss_it(analyzer, clean: list[Analysis]) -> None:
    """Measured: with the probe the shut eye is flagged in 38 of 40 winks (35 fail, 3 warn "may be closed")
    and the open eye passes in 39; the pixels alone (what a backbone without probes gets) find 14 of 40."""
    shut_flagged = shut_fails = open_passes = pixels_alone = 0
    for index, analysis in enumerate(clean):
        landmarks = analysis.faces[0].landmarks.astype(np.float64)
        for side, first in SIDES.items():
            other = "right" if side == "left" else "left"
            photo = close_eye(load_portrait(index), landmarks, first)
            result = analyzer.analyse(photo, known_faces=same_geometry(analysis))
            shut = next(c for c in result.checks if c.id == f"eye_open_{side}" and c.face_index in (None, 0))
            assert shut.verdict is not Verdict.WARN or "may be closed" in shut.reason, shut.reason
            shut_flagged += shut.verdict is not Verdict.PASS
            shut_fails += verdict(result, f"eye_open_{side}") is Verdict.FAIL
            open_passes += verdict(result, f"eye_open_{other}") is Verdict.PASS
            face = result.faces[0]
            measured = measure_eyes(photo, landmarks, face.chip_transform, face.plq_chip)
            pixels = decide(measured, eye_thresholds({}))  # a backbone without probes
            pixels_alone += getattr(pixels, side).state == "closed"
    assert shut_flagged >= 36 and shut_fails >= 32, f"the shut eye was flagged in {shut_flagged} of 40 winks, failed in {shut_fails}"
    assert open_passes >= 34, f"the open eye passed in {open_passes} of 40 winks"
    assert shut_flagged >= pixels_alone + 10, (shut_flagged, pixels_alone)


def test_a_patch_over_one_eye_is_that_eye_hidden(analyzer, clean: list[Analysis]) -> None:
    """Measured: on 10 portraits, each eye patched in turn, the patched eye's hidden log-odds is above 0 and
    the other eye's below in 20 of 20."""
    found = 0
    for index, analysis in enumerate(clean[:10]):
        landmarks = analysis.faces[0].landmarks
        for side, first in SIDES.items():
            result = analyzer.analyse(eye_patch(load_portrait(index), landmarks, first), known_faces=same_geometry(analysis))
            attributes = result.faces[0].attributes
            other = "right" if side == "left" else "left"
            found += attributes[f"eye_hidden.{side}"] > 0 > attributes[f"eye_hidden.{other}"]
            assert verdict(result, "eye_occlusion") is Verdict.FAIL
    assert found >= 18, f"{found} of 20 patched eyes read as hidden, and only they"


def test_a_mask_is_seen_by_the_network(analyzer, clean: list[Analysis]) -> None:
    """Measured: the drawn mask's lower-face log-odds is above 0 on all 20 portraits and the check fails."""
    flagged = seen = 0
    for index, analysis in enumerate(clean):
        result = analyzer.analyse(surgical_mask(load_portrait(index), analysis.faces[0].landmarks),
                                  known_faces=same_geometry(analysis))
        seen += result.faces[0].attributes["lower_face_covered"] > 0
        flagged += verdict(result, "lower_face_covered") is not Verdict.PASS
    assert seen >= 18 and flagged >= 18, (seen, flagged)


def test_fingers_across_the_chin_are_seen_by_the_object_probe(analyzer, clean: list[Analysis]) -> None:
    """Two skin-coloured fingers drawn across the chin: the mask probe and the pixels read most chins as bare (skin, not
    cloth), the object probe reads a hand on every one. Measured: the object probe's log-odds -4.3 to -0.7 on the clean
    portraits, 3.8 to 6.4 with the fingers (warning above OBJECT_WARN_LOG_ODDS = 1.69); the check then flags all 20,
    and 19 of them only through the object probe's warning."""
    assert all(a.faces[0].attributes["lower_face_object"] < OBJECT_WARN_LOG_ODDS - 1 for a in clean)
    read = by_object = flagged = 0
    for index, analysis in enumerate(clean):
        result = analyzer.analyse(fingers_across_chin(load_portrait(index), analysis.faces[0].landmarks),
                                  known_faces=same_geometry(analysis))
        read += result.faces[0].attributes["lower_face_object"] > OBJECT_WARN_LOG_ODDS
        check = next(c for c in result.checks if c.id == "lower_face_covered" and c.face_index in (None, 0))
        flagged += check.verdict is not Verdict.PASS
        by_object += check.reason == OBJECT_SEEN
    assert read >= 18 and flagged >= 18 and by_object >= 12, (read, flagged, by_object)


def test_the_object_probe_is_heard_only_where_its_chip_area_lies_in_the_photo(analyzer, clean: list[Analysis]) -> None:
    """A tight crop puts dlib's fill where the chin's cells are read: the object probe read it as a hand on most bare
    faces of the mask set's web crops. Cropped just under the chin, the fingers' photo no longer warns for a hand."""
    face = clean[0].faces[0]
    chip = photo_points_to_chip(face.landmarks, face.chip_transform)
    assert lower_face_in_photo(chip, face.chip_transform, face.photo_shape)
    fingers = fingers_across_chin(load_portrait(0), face.landmarks)
    assert next(c for c in analyzer.analyse(fingers, known_faces=same_geometry(clean[0])).checks
                if c.id == "lower_face_covered").reason == OBJECT_SEEN
    foot = int(face.landmarks[8, 1]) + 2  # just under the chin: the lower face is all there, the chip's foot is not
    cropped = np.ascontiguousarray(fingers[:foot])
    assert not lower_face_in_photo(chip, face.chip_transform, cropped.shape)
    result = analyzer.analyse(cropped, known_faces=same_geometry(clean[0]))
    assert result.faces[0].attributes["lower_face_object"] > OBJECT_WARN_LOG_ODDS  # the probe still reads it ...
    assert all(c.reason != OBJECT_SEEN for c in result.checks if c.id == "lower_face_covered")  # ... and is not heard


def test_spectacles_worn_or_drawn_are_glasses_to_the_network(analyzer, clean: list[Analysis]) -> None:
    """Five of the portraits wear clear glasses (`GLASSES_WORN`, labelled by eye). Measured: the glasses probe
    reads above 0 on 4 of those 5 (the thin frame of portrait 18 at -0.2) and below on the other 15, and above
    0 on 14 of those 15 with clear frames drawn on them; the glasses check, which fuses the probe with the frame
    measure, names all 5 and passes the 15. (On these large studio portraits the frame measure alone does as
    well; the probe's gain is on small in-the-wild faces: docs/EVALUATION.md.)"""
    bare = [i for i in range(PORTRAIT_COUNT) if i not in GLASSES_WORN]
    assert sum(clean[i].faces[0].attributes["glasses"] > 0 for i in GLASSES_WORN) >= 4
    assert all(clean[i].faces[0].attributes["glasses"] < 0 for i in bare)
    assert all(verdict(clean[i], "glasses") is not Verdict.PASS for i in GLASSES_WORN)
    assert all(verdict(clean[i], "glasses") is Verdict.PASS for i in bare)
    rng = np.random.default_rng(15)
    drawn = 0
    for index in bare:
        analysis = clean[index]
        photo, _ = make(load_portrait(index), analysis.faces[0].landmarks.astype(np.float64), "clear", rng)
        drawn += analyzer.analyse(photo, known_faces=same_geometry(analysis)).faces[0].attributes["glasses"] > 0
    assert drawn >= 13, f"{drawn} of 15 drawn frames read as glasses"


def test_drawn_frames_do_not_read_as_shut_eyes(analyzer, clean: list[Analysis]) -> None:
    """Thick frames read as shut lids on in-the-wild faces (issue 15), so the eye probe is fitted with frames drawn
    on open and closed eyes. Measured on the 15 portraits without glasses, frames drawn (seed 0): the higher of
    the two eyes' closed log-odds has median -3.0 and both eye checks pass on 13; the probes fitted without
    drawn frames gave -1.0 and 12."""
    rng = np.random.default_rng(0)
    highest, both_open = [], 0
    for index in (i for i in range(PORTRAIT_COUNT) if i not in GLASSES_WORN):
        analysis = clean[index]
        photo = draw_glasses(load_portrait(index), analysis.faces[0].landmarks.astype(np.float64), rng)
        result = analyzer.analyse(photo, known_faces=same_geometry(analysis))
        highest.append(max(result.faces[0].attributes[f"eye_closed.{side}"] for side in SIDES))
        both_open += all(verdict(result, f"eye_open_{side}") is Verdict.PASS for side in SIDES)
    assert np.median(highest) < -2.0, np.round(highest, 1)
    assert both_open >= 13, f"both eyes passed on {both_open} of 15 framed portraits"


def test_a_hat_is_seen_by_the_head_probe(analyzer, clean: list[Analysis]) -> None:
    """The head probe reads the head chip (the face with room above it). Measured with a drawn hard hat in one of four
    colours: the probe rises by 5.3-21.3 log-odds on the 20 portraits (to -2.6..10.7, from -14.8..2.1 bare), and
    the check flags all 20."""
    rng = np.random.default_rng(0)
    seen = flagged = 0
    for index, analysis in enumerate(clean):
        colour = tuple(int(v) for v in rng.choice([(20, 30, 90), (150, 20, 20), (25, 25, 25), (200, 200, 190)]))
        result = analyzer.analyse(hard_hat(load_portrait(index), analysis.faces[0].landmarks.astype(np.float64), colour),
                                  known_faces=same_geometry(analysis))
        seen += result.faces[0].attributes["head_covered"] > analysis.faces[0].attributes["head_covered"] + 3.0
        flagged += verdict(result, "head_covering") is not Verdict.PASS
    assert seen >= 18 and flagged >= 18, (seen, flagged)
