"""Head pose (yaw, pitch, roll) from dlib's 68 landmarks: a 3-D mean face fitted with a pinhole camera.

Why a model fit: it needs no network weights (no image-based estimator with
weights under a shippable licence was found) and its error could be measured
(docs/EVALUATION.md, "Head pose"). The 3-D face (``data/face_model_68.json``,
Apache-2.0, see ``data/NOTICE``) holds one point per dlib landmark in mm, in
camera axes of a frontal head (x to the photo's right, y down, z away from the
camera); its frontal x, y are the mean dlib shape of official portraits, so
"level" means as level as the average official portrait.

Angles follow ISO/IEC 39794-5 (Tait-Bryan, applied yaw, pitch, roll):

- yaw > 0: the face turns towards the photo's right edge,
- pitch > 0: the chin comes up (the face looks above the camera),
- roll > 0: the eye line turns clockwise on screen (the eye on the photo's right sits lower).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import cv2
import numpy as np
from numpy.typing import NDArray

MODEL_FILE = "face_model_68.json"

# Brows, nose, eye corners and lids, mouth corners: they move little with expression. The jaw line
# (0-16) is a silhouette that slides over the face as the head turns, and the lips move with the
# expression, so neither is fitted.
RIGID_POINTS: tuple[int, ...] = (*range(17, 48), 48, 54)

# The camera's focal length is chosen so that the head sits this far away (passport portraits are
# taken from 1-2.5 m). A focal length from the photo size would tie the angles to where the photo was
# cropped, because the principal point (taken as the photo centre) is unknown for a crop.
ASSUMED_DISTANCE_MM = 1500.0

# How far one reading can be trusted (degrees): the 90th percentile of |error| for near-frontal heads
# (within +-10 deg), worst of the controlled evidence (face shapes, dlib's landmark jitter, studio,
# cropped and close cameras) and of frontal photos re-rendered at known rotations (docs/EVALUATION.md).
# Most of it is anatomy - a mean face cannot know one person's nose length or chin position - so
# better landmarks would not shrink it. The pose checks grade value +- this, never the bare value.
POSE_UNCERTAINTY_DEG = {"yaw": 4.5, "pitch": 7.0, "roll": 2.0}


@lru_cache(maxsize=1)
def load_face_model() -> NDArray[np.float64]:
    """The 68 x 3 model points (mm, camera axes of a frontal head), read once from the package data."""
    text = (resources.files(__package__) / "data" / MODEL_FILE).read_text(encoding="utf-8")
    points = np.asarray(json.loads(text)["points_mm"], np.float64)
    if points.shape != (68, 3):
        raise ValueError(f"{MODEL_FILE}: expected 68 x 3 points, got {points.shape}")
    points.setflags(write=False)
    return points


def camera_matrix(width: float, height: float, focal_px: float) -> NDArray[np.float64]:
    """Pinhole camera with square pixels and its principal point at the photo centre."""
    return np.array([[focal_px, 0.0, width / 2.0], [0.0, focal_px, height / 2.0], [0.0, 0.0, 1.0]])


def rotation_from_angles(yaw: float, pitch: float, roll: float) -> NDArray[np.float64]:
    """Model -> camera rotation for the angles (degrees) in the conventions of this module."""
    # R = Ry(a) Rx(b) Rz(c) in camera axes (y down, z away from the camera); with a = -yaw and
    # b = -pitch the positive angles turn the face to the photo's right and raise the chin.
    a, b, c = np.radians([-yaw, -pitch, roll])
    ry = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(b), -np.sin(b)], [0.0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0.0], [np.sin(c), np.cos(c), 0.0], [0.0, 0.0, 1.0]])
    rotation: NDArray[np.float64] = ry @ rx @ rz
    return rotation


def angles_from_rotation(rotation: NDArray[np.float64]) -> tuple[float, float, float]:
    """Inverse of `rotation_from_angles`: (yaw, pitch, roll) in degrees."""
    b = np.arcsin(np.clip(-rotation[1, 2], -1.0, 1.0))
    a = np.arctan2(rotation[0, 2], rotation[2, 2])
    c = np.arctan2(rotation[1, 0], rotation[1, 1])
    return float(-np.degrees(a)), float(-np.degrees(b)), float(np.degrees(c))


def estimate_pose(landmarks: NDArray[np.float64], image_size: tuple[int, int]) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a head from its 68 landmarks; `image_size` is (width, height).

    Raises ValueError when the landmarks are not 68 finite points or the model cannot be fitted.
    """
    lm = np.asarray(landmarks, np.float64)
    if lm.shape != (68, 2) or not np.all(np.isfinite(lm)):
        raise ValueError("expected 68 finite landmarks")
    model = load_face_model()
    obj, img = model[list(RIGID_POINTS)], lm[list(RIGID_POINTS)]
    width, height = image_size
    span_px = max(float(np.hypot(*(lm[45] - lm[36]))), 1.0)  # outer eye corners
    span_mm = float(np.hypot(*(model[45, :2] - model[36, :2])))
    camera = camera_matrix(width, height, ASSUMED_DISTANCE_MM * span_px / span_mm)
    # Start from a frontal head at the distance its eye corners imply, so the iterative solver
    # cannot drift to the mirror solution behind the camera.
    focal = camera[0, 0]
    depth = focal * span_mm / span_px
    centre = (img.mean(axis=0) - camera[:2, 2]) * depth / focal - obj.mean(axis=0)[:2]
    tvec = np.array([[centre[0]], [centre[1]], [depth - obj.mean(axis=0)[2]]])
    rvec = np.zeros((3, 1))
    # Two passes: the first fit tells how far the head really is for this focal length (a turned head
    # looks narrower); the focal length is then rescaled so that the head sits at the assumed distance.
    for attempt in range(2):
        ok, rvec_fit, tvec_fit = cv2.solvePnP(obj, img, camera, None, rvec, tvec, True, cv2.SOLVEPNP_ITERATIVE)
        rvec, tvec = np.asarray(rvec_fit, np.float64), np.asarray(tvec_fit, np.float64)
        if not ok or not np.all(np.isfinite(rvec)) or float(tvec[2, 0]) <= 0:
            raise ValueError("the 3-D face model could not be fitted to the landmarks")
        if attempt == 0:
            gain = ASSUMED_DISTANCE_MM / float(tvec[2, 0])
            camera = camera_matrix(width, height, camera[0, 0] * gain)
            tvec = tvec * np.array([[1.0], [1.0], [gain]])
    rotation, _ = cv2.Rodrigues(rvec)
    rotation = np.asarray(rotation, np.float64)
    return angles_from_rotation(toward_the_camera(tvec[:, 0] + rotation @ obj.mean(axis=0)).T @ rotation)


def toward_the_camera(head: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rotation of a head at `head` (mm, camera axes) that faces the camera: the pose is read against the ray from
    the camera to the head, not against the camera's axis. Against the axis, the same print placed in a corner of a
    flatbed scan read 16-32 deg turned and tilted (1.5 and -6.9 centred), and the copies on a photo-booth sheet 8-27 deg
    (counter walk-through); a photographer's camera pointed at a face it does not centre sees it frontal too."""
    ray = head / np.linalg.norm(head)
    axis = np.cross([0.0, 0.0, 1.0], ray)
    turn, _ = cv2.Rodrigues(axis / max(float(np.linalg.norm(axis)), 1e-12) * float(np.arccos(np.clip(ray[2], -1.0, 1.0))))
    return np.asarray(turn, np.float64)
