"""Face objects for tests and benchmarks without the recognition network (neutral PLQ).

Detection, landmarks and chip geometry come from the engine (`engine.faces`);
the PLQ map is a constant, so PLQ-based checks see a uniform face.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pfiq_desktop.engine.faces import CHIP_SIZE, FaceDetector, chip_transform
from pfiq_desktop.engine.results import Face

NEUTRAL_PLQ = 0.6


@lru_cache(maxsize=1)
def detector() -> FaceDetector:
    return FaceDetector()


def detect_faces(rgb: np.ndarray, plq_value: float = NEUTRAL_PLQ) -> list[Face]:
    """Faces sorted by detection score, each with landmarks and a constant PLQ chip."""
    faces = []
    for found in detector().detect(rgb):
        faces.append(
            Face(
                box=found.box,
                detection_score=found.score,
                landmarks=found.landmarks68.astype(np.float32),
                landmarks5=found.landmarks5.astype(np.float32),
                chip_transform=chip_transform(found.landmarks5),
                photo_shape=(rgb.shape[0], rgb.shape[1]),
                plq_chip=np.full((CHIP_SIZE, CHIP_SIZE), plq_value, np.float32),
                detector=found.detector,
            )
        )
    return faces


def turned_landmarks(landmarks: np.ndarray, yaw: float = 0.0, pitch: float = 0.0) -> np.ndarray:
    """Landmarks of the same head rotated in 3-D (cylinder head, protruding nose), seen orthographically.

    Signs as `engine.icao.headpose`: yaw > 0 turns the nose to the photo's right, pitch > 0 raises the chin.
    The cylinder is independent of the estimator's 3-D face, so the pose checks are not tested on their own model.
    """
    lm = np.asarray(landmarks, np.float64)
    centre = np.array([(lm[0, 0] + lm[16, 0]) / 2, lm[27:36, 1].mean()])
    radius = np.hypot(*(lm[16] - lm[0])) / 2
    rel = lm - centre
    z = radius - np.sqrt(np.clip(radius**2 - rel[:, 0] ** 2, 0, None))  # away from the camera
    z[[30]] -= 0.45 * radius
    z[[29, 32, 33, 34]] -= 0.3 * radius
    z[[28, 31, 35]] -= 0.15 * radius
    pts = np.column_stack([rel, z])
    a, b = np.radians(-yaw), np.radians(-pitch)  # camera axes (y down, z away): these turn the nose right / up
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    turned = pts @ (rx @ ry).T
    return (turned[:, :2] + centre).astype(np.float32)


def project(points: np.ndarray, rotation: np.ndarray, translation: np.ndarray, camera: np.ndarray) -> np.ndarray:
    """Pinhole projection (n x 2 px) of 3-D points (n x 3 mm) placed by a rotation and a translation."""
    cam = points @ rotation.T + np.asarray(translation, np.float64).reshape(1, 3)
    uvw = cam @ camera.T
    return uvw[:, :2] / uvw[:, 2:3]
