"""The head pose of a photo's mirror image is the photo's pose mirrored (yaw and roll change sign, pitch stays), and it
does not hang on where HOG's box happens to fall (engine/faces.py, FaceDetector._pose_points; docs/EVALUATION.md,
"Head pose")."""

from __future__ import annotations

import cv2
import dlib
import numpy as np
import pytest

from pfiq_desktop.engine.faces import MIRRORED_68, POSE_BOX_POINTS, FaceDetector, _shape_points
from pfiq_desktop.engine.icao.headpose import RIGID_POINTS, estimate_pose, load_face_model
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Face, _face_from_dict, _face_to_dict
from tests.photos import SHARED_FACES, load_portrait, portrait_paths, shared_missing

# on the 20 bundled portraits the largest |yaw(photo) + yaw(mirror)| was 1.9 deg (4.2 from dlib's own points), |pitch
# difference| 1.4 (2.7), |roll sum| 0.5 (1.0)
YAW_MIRROR_TOLERANCE, PITCH_MIRROR_TOLERANCE, ROLL_MIRROR_TOLERANCE = 2.5, 2.0, 0.75


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def _pose(face_points: np.ndarray, image: np.ndarray) -> np.ndarray:
    return np.array(estimate_pose(np.asarray(face_points, np.float64), (image.shape[1], image.shape[0])))


def test_mirror_index_is_an_involution_that_maps_the_model_onto_its_mirror():
    index = np.array(MIRRORED_68)
    assert sorted(index) == list(range(68)) and np.array_equal(index[index], np.arange(68))
    model = load_face_model()
    mirrored = model[index] * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(mirrored, model, atol=1e-6)
    assert set(POSE_BOX_POINTS) == set(RIGID_POINTS) == set(index[list(RIGID_POINTS)])


def test_bundled_portraits_read_their_mirrored_pose_on_their_mirror(detector):
    for index in range(len(portrait_paths())):
        photo = load_portrait(index)
        mirror = np.ascontiguousarray(photo[:, ::-1])
        seen, mirrored = detector.detect(photo)[0], detector.detect(mirror)[0]
        a, b = _pose(seen.pose_landmarks68, photo), _pose(mirrored.pose_landmarks68, mirror)
        assert abs(a[0] + b[0]) <= YAW_MIRROR_TOLERANCE, (index, a, b)
        assert abs(a[1] - b[1]) <= PITCH_MIRROR_TOLERANCE, (index, a, b)
        assert abs(a[2] + b[2]) <= ROLL_MIRROR_TOLERANCE, (index, a, b)


def test_pose_landmarks_hardly_follow_the_box(detector):
    """The predictor's own points follow a box moved sideways by 6 % of its width; the pose's points are made from a
    box of their own, so the yaw read from them barely moves."""
    moved = []
    for index in range(len(portrait_paths())):
        photo = load_portrait(index)
        found = detector.detect(photo)[0]
        left, top, right, bottom = found.box
        step = round(0.06 * (right - left))
        plain, posed = [], []
        for shift in (-step, step):
            points = _shape_points(detector._predictor68(photo, dlib.rectangle(left + shift, top, right + shift, bottom)))
            plain.append(_pose(points, photo)[0])
            posed.append(_pose(detector._pose_points(photo, points), photo)[0])
        moved.append((abs(plain[0] - plain[1]), abs(posed[0] - posed[1])))
    plain_moved, posed_moved = np.median(moved, axis=0)
    # measured: median 0.84 deg from the predictor's own points, 0.17 from the pose's (one portrait's moved 8 deg, whose
    # shifted box the predictor misreads altogether)
    assert posed_moved <= 0.5 < plain_moved, (plain_moved, posed_moved)


@pytest.mark.skipif(bool(shared_missing("portraits_official")), reason="needs the shared official portraits")
def test_the_walk_through_portrait_reads_alike_mirrored_and_enlarged(detector):
    """Official portrait 020342 read yaw 12.1 deg, its mirror -3.3 and the same photo at 2x 3.8 (a fail and two passes)."""
    photo = load_image(SHARED_FACES / "portraits_official" / "020342.jpg")
    mirror = np.ascontiguousarray(photo[:, ::-1])
    larger = cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    yaws = [_pose(detector.detect(image)[0].pose_landmarks68, image)[0] for image in (photo, mirror, larger)]
    assert abs(yaws[0] + yaws[1]) <= 1.5 and abs(yaws[0] - yaws[2]) <= 1.5, yaws


def test_saved_results_keep_the_pose_points_and_older_ones_load_without():
    face = Face(box=(0, 0, 9, 9), detection_score=1.0, landmarks=np.ones((68, 2), np.float32),
                landmarks5=np.ones((5, 2), np.float32), chip_transform=np.eye(2, 3), photo_shape=(10, 10),
                pose_landmarks=np.full((68, 2), 2.0, np.float32))
    data = _face_to_dict(face)
    np.testing.assert_array_equal(_face_from_dict(data).pose_landmarks, face.pose_landmarks)
    data.pop("pose_landmarks")
    assert _face_from_dict(data).pose_landmarks.shape == (0, 2)  # the pose is then read from `landmarks` (Context.pose)
