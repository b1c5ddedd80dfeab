"""Synthetic occluders on held-out portraits: does low PLQ land on them?

Occluders are drawn on the aligned chip at a random place over the face (the centre is
drawn inside the convex hull of the 68 landmarks): a grey square, a black bar, a
uniform-noise square and sunglasses-shaped dark ellipses. Per face and map method:
- lowest third: the occluder's mean PLQ (on the face: inside the landmark hull or a region) is below that of at least two thirds of the
  named face regions that it does not cover (>= 50 % of a region's pixels);
- pointing game: the named region with the lowest mean PLQ overlaps the occluder on at
  least 25 % of its pixels (chance: the share of regions that do, per face);
- ratio: mean PLQ inside the occluder's footprint on the face, occluded / clean chip (< 1: the map
  dropped there).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pfiq_desktop.engine.faces import CHIP_SIZE
from pfiq_desktop.engine.icao.regions import REGION_NAMES, polygon_mask, region_polygons
from pfiq_desktop.engine.landmarks import inter_eye_distance

OCCLUDERS = ("grey patch", "black bar", "noise patch", "sunglasses")
HIT_OVERLAP = 0.25
COVERED = 0.5


def region_masks(landmarks: np.ndarray, size: int = CHIP_SIZE) -> dict[str, np.ndarray]:
    polys = region_polygons(landmarks)
    return {name: polygon_mask(polys[name], (size, size)) for name in REGION_NAMES}


def _random_centre(hull: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    ys, xs = np.nonzero(hull)
    k = rng.integers(len(xs))
    return int(xs[k]), int(ys[k])


def occlude(
    chip: np.ndarray, landmarks: np.ndarray, hull: np.ndarray, kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The occluded chip and the occluder's mask. Sizes scale with the inter-eye distance."""
    ied = inter_eye_distance(landmarks)
    x, y = _random_centre(hull, rng)
    out = chip.copy()
    mask = np.zeros(chip.shape[:2], np.uint8)
    if kind in ("grey patch", "noise patch"):
        half = int(round(0.45 * ied))
        cv2.rectangle(mask, (x - half, y - half), (x + half, y + half), 1, -1)
    elif kind == "black bar":
        cv2.rectangle(mask, (x - int(0.9 * ied), y - int(0.18 * ied)), (x + int(0.9 * ied), y + int(0.18 * ied)), 1, -1)
    elif kind == "sunglasses":
        axes = (int(round(0.38 * ied)), int(round(0.28 * ied)))
        for dx in (-0.5 * ied, 0.5 * ied):
            cv2.ellipse(mask, (int(round(x + dx)), y), axes, 0, 0, 360, 1, -1)
    else:
        raise ValueError(kind)
    m = mask.astype(bool)
    if kind == "grey patch":
        out[m] = 128
    elif kind == "black bar":
        out[m] = 0
    elif kind == "noise patch":
        out[m] = rng.integers(0, 256, (int(m.sum()), 3), dtype=np.uint8)
    else:
        out[m] = (15, 15, 20)
    return out, m


@dataclass
class Localisation:
    lowest_third: bool
    pointing_hit: bool
    pointing_chance: float
    ratio: float


def localise(
    plq: np.ndarray, clean_plq: np.ndarray, occluder: np.ndarray, regions: dict[str, np.ndarray], face: np.ndarray
) -> Localisation:
    """`face`: the face's pixels (landmark hull and regions); the occluder counts only there,
    so that the background it may cover (low PLQ in any map) does not help it."""
    on_face = occluder & face
    occluder = on_face if on_face.any() else occluder
    occ_mean = float(plq[occluder].mean())
    others = [float(plq[m].mean()) for m in regions.values() if m.any() and (m & occluder).sum() < COVERED * m.sum()]
    lower = sum(v < occ_mean for v in others)
    lowest_third = bool(others) and lower <= len(others) / 3
    overlaps = {n: (m & occluder).sum() / max(m.sum(), 1) for n, m in regions.items()}
    means = {n: float(plq[m].mean()) for n, m in regions.items() if m.any()}
    lowest = min(means, key=lambda n: means[n])
    chance = float(np.mean([overlaps[n] >= HIT_OVERLAP for n in means]))
    ratio = occ_mean / max(float(clean_plq[occluder].mean()), 1e-9)
    return Localisation(lowest_third, bool(overlaps[lowest] >= HIT_OVERLAP), chance, ratio)
