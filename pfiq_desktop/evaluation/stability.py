"""Test-retest stability of a scalar quality under harmless changes of the photo.

Each change is applied to the whole photo, which then goes through detection, landmarks
and alignment again (as in the product), so landmark jitter is part of the test. Per
change: Spearman correlation between the photos' raw quality before and after (photos
whose face is found both times), the mean |change| on the 0..1 gauge, and the share of
photos whose face is still found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pfiq_desktop.engine import disturbances
from pfiq_desktop.evaluation.edc import spearman

Change = Callable[[np.ndarray], np.ndarray]


def rescale(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Resize by `factor` (bicubic up, area down)."""
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA))


def brightness(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Multiply every value by `factor`, rounded and clipped to 0..255."""
    return np.asarray(np.clip(rgb.astype(np.float32) * factor + 0.5, 0, 255).astype(np.uint8))


HARMLESS_CHANGES: dict[str, Change] = {
    "mirror": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "jpeg90": lambda rgb: disturbances.jpeg(rgb, 90),
    "up2x": lambda rgb: rescale(rgb, 2.0),
    "down2x": lambda rgb: rescale(rgb, 0.5),
    "shift2px": lambda rgb: np.ascontiguousarray(rgb[2:, 2:]),
    "bright+5%": lambda rgb: brightness(rgb, 1.05),
    "bright-5%": lambda rgb: brightness(rgb, 0.95),
}


@dataclass(frozen=True)
class Retest:
    """One harmless change: rank agreement, mean gauge change and faces still found."""

    change: str
    spearman: float
    mean_abs_gauge_change: float
    found: float
    photos: int


def retest(
    photos: Sequence[np.ndarray],
    raw_quality: Callable[[np.ndarray], float | None],
    gauge: Callable[[np.ndarray], np.ndarray],
    changes: dict[str, Change] = HARMLESS_CHANGES,
) -> list[Retest]:
    """`raw_quality(rgb)`: the raw quality of the photo's face, None when no face is found.

    `gauge` maps an array of raw qualities onto the 0..1 gauge.
    """
    before = np.array([np.nan if (q := raw_quality(p)) is None else q for p in photos], dtype=float)
    found_before = max(int((~np.isnan(before)).sum()), 1)
    out = []
    for name, change in changes.items():
        after = np.array([np.nan if (q := raw_quality(change(p))) is None else q for p in photos], dtype=float)
        both = ~np.isnan(before) & ~np.isnan(after)
        rho = spearman(before[both], after[both]) if both.sum() > 2 else float("nan")
        moved = float(np.mean(np.abs(gauge(before[both]) - gauge(after[both])))) if both.any() else float("nan")
        out.append(Retest(name, rho, moved, float(both.sum() / found_before), int(both.sum())))
    return out
