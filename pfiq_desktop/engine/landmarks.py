"""The eyes of dlib's 68 landmarks, owned once: which points outline each eye, their centres, the distance between
them and the upright frame they define (the regions, the face frame, the eye reading, the alignment and the
evaluation all start from it). A leaf module, numpy only: importing `engine.icao` would load the whole checklist."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

LEFT_EYE = slice(36, 42)  # the eye on the photo's left (the subject's right), as the officer sees it
RIGHT_EYE = slice(42, 48)


def eye_centres(landmarks: np.ndarray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centres of the eye on the photo's left (points 36-41) and right (42-47)."""
    lm = np.asarray(landmarks, np.float64)
    return lm[LEFT_EYE].mean(axis=0), lm[RIGHT_EYE].mean(axis=0)


def inter_eye_distance(landmarks: np.ndarray) -> float:
    """Pixels between the eye centres: the unit most face measures scale with."""
    left, right = eye_centres(landmarks)
    return float(np.hypot(*(right - left)))


def upright_frame(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Rotation matrix (photo -> upright), origin (between the eyes) and inter-eye distance (1.0 where the eyes
    coincide) of the frame where the eye line is horizontal."""
    left, right = eye_centres(landmarks)
    delta = right - left
    distance = float(np.hypot(*delta)) or 1.0
    c, s = delta / distance
    rotation = np.array([[c, s], [-s, c]])
    return rotation, (left + right) / 2.0, distance
