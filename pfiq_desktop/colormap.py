"""The red-yellow-green PLQ colour map (red = low pixel quality), shared by GUI, PNG and PDF."""

from __future__ import annotations

import numpy as np

# ColorBrewer RdYlGn anchors, low -> high.
RDYLGN_ANCHORS = np.array(
    [
        [165, 0, 38],
        [215, 48, 39],
        [244, 109, 67],
        [253, 174, 97],
        [254, 224, 139],
        [255, 255, 191],
        [217, 239, 139],
        [166, 217, 106],
        [102, 189, 99],
        [26, 152, 80],
        [0, 104, 55],
    ],
    dtype=np.float64,
)


def rdylgn_lut(size: int = 256) -> np.ndarray:
    """size x 3 uint8 RGB lookup table."""
    positions = np.linspace(0, 1, len(RDYLGN_ANCHORS))
    samples = np.linspace(0, 1, size)
    channels = [np.interp(samples, positions, RDYLGN_ANCHORS[:, c]) for c in range(3)]
    return np.round(np.stack(channels, axis=1)).astype(np.uint8)


def colorize(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] (NaN allowed) to RGB uint8; NaN becomes black."""
    lut = rdylgn_lut()
    finite = np.isfinite(values)
    index = np.clip(np.nan_to_num(values, nan=0.0) * 255, 0, 255).astype(np.uint8)
    rgb = lut[index]
    rgb[~finite] = 0
    return rgb


def blend(photo: np.ndarray, values: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """Overlay the coloured map on an RGB photo where the map is defined."""
    coloured = colorize(values).astype(np.float32)
    alpha = (np.isfinite(values) * opacity)[..., None]
    return (photo.astype(np.float32) * (1 - alpha) + coloured * alpha).round().astype(np.uint8)
