"""Named face regions from the 68 landmarks, and their mean pixel-level quality (PLQ).

Regions are built in an upright frame (eye line horizontal) so that a tilted
head gets the same regions, then placed back on the photo. "left_eye" and
"left_cheek" are the ones on the left of the photo (the subject's right), as
the officer sees them on screen.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from pfiq_desktop.engine.landmarks import LEFT_EYE, RIGHT_EYE, upright_frame
from pfiq_desktop.engine.results import Face

REGION_NAMES = ("left_eye", "right_eye", "nose", "mouth", "forehead", "left_cheek", "right_cheek", "chin")
REGION_LABELS = {  # in a table: "Left eye" read as the subject's left, which ICAO's convention puts on the photo's right
    "left_eye": "Eye (photo left)", "right_eye": "Eye (photo right)", "nose": "Nose", "mouth": "Mouth",
    "forehead": "Forehead", "left_cheek": "Cheek (photo left)", "right_cheek": "Cheek (photo right)", "chin": "Chin",
}
# chip pixels along the map's edge that no region's mean reads: the map falls to 0 there whatever the photo shows (a
# band's median is 0.15 of the face's at 4-6 px in, 0.42 at 10-12), and an open mouth drops the chin into it. "Face
# regions usable" warned of the chin on 28 of 688 LFW eye-set faces with a map, open mouths with a plainly visible chin
# (10 of 12 looked at; precision audit by eye); 8 without this band, and the drawn eye covers are found as before
MAP_EDGE = 5
SKIN_REGIONS = ("forehead", "left_cheek", "right_cheek", "nose", "chin")  # bare skin, where light and its reflections show
REGION_WORDS = {  # in a sentence, where "left" must say whose left
    "left_eye": "Eye area on the photo's left",
    "right_eye": "Eye area on the photo's right",
    "nose": "Nose",
    "mouth": "Mouth",
    "forehead": "Forehead",
    "left_cheek": "Cheek on the photo's left",
    "right_cheek": "Cheek on the photo's right",
    "chin": "Chin",
}


def _expand(points: NDArray[np.float64], factor: float) -> NDArray[np.float64]:
    centre: NDArray[np.float64] = points.mean(axis=0)
    return centre + (points - centre) * factor


def _box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def region_polygons(landmarks: np.ndarray) -> dict[str, np.ndarray]:
    """Polygon (k x 2, photo pixels) of every named region."""
    rotation, origin, ied = upright_frame(landmarks)
    u = (np.asarray(landmarks, np.float64) - origin) @ rotation.T
    polys: dict[str, np.ndarray] = {}
    for name, sl in (("left_eye", LEFT_EYE), ("right_eye", RIGHT_EYE)):
        eye = u[sl]
        width = max(float(np.ptp(eye[:, 0])), 0.2 * ied)
        cx, cy = eye.mean(axis=0)
        polys[name] = _box(cx - 0.75 * width, cy - 0.55 * width, cx + 0.75 * width, cy + 0.45 * width)
    polys["nose"] = _expand(u[[27, 35, 33, 31]], 1.15)
    polys["mouth"] = _expand(u[48:60], 1.2)
    brows = u[17:27]
    top = float(brows[:, 1].min()) - 0.55 * ied
    polys["forehead"] = np.vstack([brows, [[brows[-1, 0], top], [brows[0, 0], top]]])
    drop = np.array([0.0, 0.35 * ied])
    polys["left_cheek"] = np.vstack([u[[1, 3]], u[[48, 31]], u[[39]] + drop, u[[36]] + drop])
    polys["right_cheek"] = np.vstack([u[[15, 13]], u[[54, 35]], u[[42]] + drop, u[[45]] + drop])
    polys["chin"] = u[[6, 7, 8, 9, 10, 55, 56, 57, 58, 59]]
    return {name: poly @ rotation + origin for name, poly in polys.items()}


def polygon_mask(polygon: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean mask of a polygon on a raster of the given (height, width)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def _to_chip(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    a = np.asarray(transform, np.float64).reshape(2, 3)
    return points @ a[:, :2].T + a[:, 2]


def _has_map(face: Face) -> bool:
    plq = np.asarray(face.plq_chip)
    return plq.ndim == 2 and plq.size > 0 and np.asarray(face.chip_transform).size == 6 and len(face.landmarks) == 68


def region_plq_stats(face: Face) -> tuple[dict[str, float], float]:
    """Mean PLQ per region and the median PLQ over the whole face (regions together)."""
    if not _has_map(face):
        return {}, float("nan")
    plq = np.asarray(face.plq_chip, np.float32)
    polys = region_polygons(face.landmarks)
    means: dict[str, float] = {}
    union = np.zeros(plq.shape, bool)
    interior = np.zeros(plq.shape, bool)
    interior[MAP_EDGE : plq.shape[0] - MAP_EDGE, MAP_EDGE : plq.shape[1] - MAP_EDGE] = True
    for name in REGION_NAMES:
        mask = polygon_mask(_to_chip(polys[name], face.chip_transform), plq.shape)
        union |= mask
        values = plq[mask & interior]
        values = values[np.isfinite(values)]
        means[name] = float(values.mean()) if values.size else float("nan")
    hull = cv2.convexHull(np.round(_to_chip(np.asarray(face.landmarks, np.float64), face.chip_transform)).astype(np.int32))
    face_mask = polygon_mask(hull.reshape(-1, 2), plq.shape) | union
    values = plq[face_mask]
    values = values[np.isfinite(values)]
    return means, float(np.median(values)) if values.size else float("nan")


def region_plq(face: Face) -> dict[str, float]:
    """Mean PLQ of each named region (left_eye ... chin); empty when the face has no PLQ map."""
    return region_plq_stats(face)[0]
