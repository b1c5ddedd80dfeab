"""Head pose estimator on controlled evidence: landmark sets projected from a 3-D face at known angles.

The evidence behind the pose limits (docs/EVALUATION.md, "Head pose") is rebuilt here in small:
person-to-person shape differences (2 mm per coordinate) and dlib-sized landmark jitter (0.02
inter-eye distances per coordinate, measured on official portraits) on heads at known angles.
"""

from __future__ import annotations

import numpy as np
import pytest

from pfiq_desktop.engine.icao.headpose import (
    ASSUMED_DISTANCE_MM,
    POSE_UNCERTAINTY_DEG,
    RIGID_POINTS,
    angles_from_rotation,
    camera_matrix,
    estimate_pose,
    load_face_model,
    rotation_from_angles,
    toward_the_camera,
)
from tests.icao.facebuild import project

SIZE = (600, 750)  # a passport-style frame
JITTER = 0.02  # dlib's landmark jitter on real portraits, per coordinate, in inter-eye distances


def rendered(head: np.ndarray, yaw: float, pitch: float, roll: float, distance_mm: float = ASSUMED_DISTANCE_MM,
             off_axis: tuple[float, float] = (0.0, -0.01), size: tuple[int, int] = SIZE) -> np.ndarray:
    """The head's 68 landmarks seen from `distance_mm`, about 150 px between the eyes: its face a little above the
    centre (`off_axis`, in distances), turned by the angles from facing the camera (the pose is read against the ray
    from the camera to the face)."""
    model = load_face_model()
    span_mm = float(np.hypot(*(model[45, :2] - model[36, :2])))
    camera = camera_matrix(*size, focal_px=distance_mm * 210.0 / span_mm)
    face = np.array([off_axis[0] * distance_mm, off_axis[1] * distance_mm, distance_mm])
    rotation = toward_the_camera(face) @ rotation_from_angles(yaw, pitch, roll)
    translation = face - rotation @ head[list(RIGID_POINTS)].mean(axis=0)
    return project(head, rotation, translation, camera)


def _noisy_errors(rng: np.random.Generator, n: int, limit: float) -> np.ndarray:
    """Estimate - truth (yaw, pitch, roll) for n random heads and angles within +-limit degrees."""
    model = load_face_model()
    errors = []
    for _ in range(n):
        head = model + rng.normal(scale=2.0, size=model.shape)
        angles = rng.uniform(-limit, limit, 3)
        lm = rendered(head, *angles)
        iod = np.hypot(*(lm[42:48].mean(0) - lm[36:42].mean(0)))
        lm = lm + rng.normal(scale=JITTER * iod, size=lm.shape)
        errors.append(np.array(estimate_pose(lm, SIZE)) - angles)
    return np.array(errors)


def test_model_file_is_a_symmetric_68_point_face_in_mm() -> None:
    model = load_face_model()
    assert model.shape == (68, 3)
    assert abs(model[:, 0].mean()) < 1e-6
    assert 55.0 < np.hypot(*(model[42:48].mean(0) - model[36:42].mean(0))[:2]) < 72.0  # eye centres, mm


@pytest.mark.parametrize("angles", [(0, 0, 0), (5, 0, 0), (0, -5, 0), (0, 0, 8), (25, -20, 10), (-30, 30, -30)])
def test_exact_landmarks_give_the_exact_pose(angles: tuple[float, float, float]) -> None:
    assert np.allclose(estimate_pose(rendered(load_face_model(), *angles), SIZE), angles, atol=0.05)


def test_sign_conventions() -> None:
    """Yaw > 0: nose to the photo's right; pitch > 0: chin up (the nose rises); roll > 0: the photo-right eye is lower."""
    model = load_face_model()

    def nose_from_eyes(lm: np.ndarray) -> np.ndarray:
        return lm[30] - (lm[36:42].mean(0) + lm[42:48].mean(0)) / 2

    frontal = nose_from_eyes(rendered(model, 0, 0, 0))
    assert nose_from_eyes(rendered(model, 10, 0, 0))[0] > frontal[0] + 5
    assert nose_from_eyes(rendered(model, 0, 10, 0))[1] < frontal[1] - 5
    lm = rendered(model, 0, 0, 10)
    assert lm[42:48, 1].mean() > lm[36:42, 1].mean()


def test_angles_round_trip() -> None:
    for angles in np.random.default_rng(0).uniform(-40, 40, (50, 3)):
        assert np.allclose(angles_from_rotation(rotation_from_angles(*angles)), angles, atol=1e-9)


def test_controlled_evidence_error_within_30_degrees() -> None:
    """Mean absolute error per axis over +-30 deg (the report's table: 1.9 / 2.9 / 0.5 deg with real face shapes)."""
    mae = np.abs(_noisy_errors(np.random.default_rng(1), 300, 30.0)).mean(axis=0)
    assert mae[0] < 2.5 and mae[1] < 3.5 and mae[2] < 1.0, mae


def test_the_declared_uncertainty_covers_nine_in_ten_near_frontal_readings() -> None:
    """The pose checks grade value +- POSE_UNCERTAINTY_DEG; on this evidence that band holds 90 % of the readings."""
    errors = np.abs(_noisy_errors(np.random.default_rng(2), 300, 10.0))
    p90 = np.percentile(errors, 90, axis=0)
    declared = np.array([POSE_UNCERTAINTY_DEG[axis] for axis in ("yaw", "pitch", "roll")])
    assert np.all(p90 <= declared), (p90, declared)


@pytest.mark.parametrize(("distance_mm", "tolerance"), [(600.0, 1.5), (1000.0, 0.6), (2500.0, 0.6)])
def test_camera_distance_barely_matters(distance_mm: float, tolerance: float) -> None:
    """A head photographed from 1-2.5 m reads within 0.6 deg of the truth with the 1.5 m camera model (0.6 m: 1.5)."""
    for angles in [(10, 0, 0), (0, 10, 0), (-8, 6, 4)]:
        pose = estimate_pose(rendered(load_face_model(), *angles, distance_mm=distance_mm), SIZE)
        assert np.allclose(pose, angles, atol=tolerance), (distance_mm, angles, pose)


@pytest.mark.parametrize("angles", [(0, 0, 0), (4, -3, 2)])
def test_a_head_off_the_photos_centre_reads_as_it_does_in_the_centre(angles: tuple[float, float, float]) -> None:
    """A head facing the camera off its axis is not turned: read against the camera's axis, a print in a corner of a
    flatbed scan read 16-32 deg turned and tilted where centred it read 1.5 and -6.9 (counter walk-through)."""
    page = (1800, 2250)  # three times the frame, the head in its corners
    for off_axis in [(-0.2, -0.25), (0.2, -0.25), (-0.2, 0.25), (0.25, 0.0)]:
        pose = estimate_pose(rendered(load_face_model(), *angles, off_axis=off_axis, size=page), page)
        assert np.allclose(pose, angles, atol=0.05), (off_axis, pose)
    # a print scanned flat has no perspective: its landmarks moved across the page as they are (no camera saw it
    # there) read within the uncertainty of where it is centred
    centred = rendered(load_face_model(), *angles, size=page, off_axis=(0.0, 0.0))
    reading = np.array(estimate_pose(centred, page))
    declared = np.array([POSE_UNCERTAINTY_DEG[axis] for axis in ("yaw", "pitch", "roll")])
    for shift in [(-700, -800), (700, -800), (-700, 800), (700, 800)]:
        moved = np.array(estimate_pose(centred + np.array(shift, float), page))
        assert np.all(np.abs(moved - reading) <= declared), (shift, moved, reading)


def test_bad_landmarks_raise() -> None:
    with pytest.raises(ValueError):
        estimate_pose(np.full((68, 2), np.nan), SIZE)
    with pytest.raises(ValueError):
        estimate_pose(np.zeros((5, 2)), SIZE)
