"""Do a comparison's maps point where they should? Occluders for the opposing map, eyes and nose for the supporting one.

Maps and masks are on the 150x150 chip of the photo whose map is judged.
"""

from __future__ import annotations

import numpy as np

from pfiq_desktop.engine.landmarks import eye_centres
from pfiq_desktop.evaluation.occlusion import HIT_OVERLAP

FEATURES = ("left_eye", "right_eye", "nose", "mouth")
EYES_NOSE = ("left_eye", "right_eye", "nose")
# The occluders of the evaluation (drawn by evaluation.occlusion.occlude) and where their centre may fall.
OCCLUDERS = ("grey patch", "grey patch on a feature", "sunglasses")


def occluder_centres(kind: str, landmarks: np.ndarray, hull: np.ndarray, regions: dict[str, np.ndarray]) -> np.ndarray:
    """Mask of the chip pixels where an occluder of `kind` may be centred: anywhere on the face, on a feature, on the eyes."""
    if kind == "grey patch":
        return hull
    if kind == "grey patch on a feature":
        return np.asarray(np.any([regions[name] for name in FEATURES], axis=0))
    if kind != "sunglasses":
        raise ValueError(f"unknown occluder {kind!r}; choose one of {', '.join(OCCLUDERS)}")
    left, right = eye_centres(landmarks)
    x, y = (left + right) / 2
    where = np.zeros(hull.shape, bool)
    where[int(round(y)), int(round(x))] = True
    return where


def occluder_shape(kind: str) -> str:
    """The evaluation.occlusion shape that draws an occluder of `kind`."""
    return "sunglasses" if kind == "sunglasses" else "grey patch"


def pointing_hit(oppose: np.ndarray, occluder: np.ndarray, regions: dict[str, np.ndarray]) -> bool:
    """True when the named region with the highest mean opposing value overlaps the occluder on >= HIT_OVERLAP of its pixels."""
    means = {name: float(oppose[mask].mean()) for name, mask in regions.items() if mask.any()}
    top = max(means, key=lambda name: means[name])
    return bool((regions[top] & occluder).sum() >= HIT_OVERLAP * regions[top].sum())


def eyes_nose_cover(support: np.ndarray, face: np.ndarray, regions: dict[str, np.ndarray]) -> float:
    """The supporting map's share on the eyes and nose over their share of the face's area (1: as a random map; NaN: empty map)."""
    eyes_nose = np.any([regions[name] for name in EYES_NOSE], axis=0) & face
    total = float(support[face].sum())
    if total <= 0 or not eyes_nose.any():
        return float("nan")
    area_share = float(eyes_nose.sum() / face.sum())
    return float(support[eyes_nose].sum()) / total / area_share
