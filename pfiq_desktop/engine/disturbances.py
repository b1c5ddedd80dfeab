"""Synthetic, controllable photo defects: for calibration, evaluation, tests and the
"Try the sample" gallery. Each takes and returns an RGB uint8 image."""

from __future__ import annotations

import cv2
import numpy as np

from pfiq_desktop.engine.landmarks import LEFT_EYE, RIGHT_EYE

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError("JPEG decoding failed")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def downscale(image: np.ndarray, factor: float) -> np.ndarray:
    """Lose resolution: shrink by `factor`, then enlarge back to the original size."""
    height, width = image.shape[:2]
    small = cv2.resize(image, (max(1, round(width / factor)), max(1, round(height / factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def defects(image: np.ndarray) -> dict[str, np.ndarray]:
    """The photo with each defect that must get it refused, named for it: strong blur, lost resolution, heavy
    JPEG. The checklist tests assert each fails its check; `pfiq evaluate` without face data uses them as the
    defect photos of its bundled sets (evaluation/bundled.py)."""
    return {"blur": blur(image, 3.0), "low_resolution": downscale(image, 4.0), "jpeg": jpeg(image, 8)}


def occlude(image: np.ndarray, box: Box, fill: str = "grey", seed: int = 0) -> np.ndarray:
    """Cover a box with grey, black or random noise."""
    left, top, right, bottom = box
    out = image.copy()
    region = out[max(top, 0) : bottom, max(left, 0) : right]
    if fill == "grey":
        region[:] = 128
    elif fill == "black":
        region[:] = 0
    elif fill == "noise":
        region[:] = np.random.default_rng(seed).integers(0, 256, region.shape, dtype=np.uint8)
    else:
        raise ValueError(f"unknown fill {fill!r}")
    return out


def dark_ellipses(image: np.ndarray, centres: list[tuple[float, float]], axes: tuple[int, int]) -> np.ndarray:
    """Sunglasses-like dark ellipses at the given centres."""
    out = image.copy()
    for x, y in centres:
        cv2.ellipse(out, (round(x), round(y)), axes, 0, 0, 360, (15, 15, 20), thickness=-1)
    return out


def side_shadow(image: np.ndarray, eyes: list[tuple[float, float]], strength: float = 0.7, from_left: bool = True) -> np.ndarray:
    """A key light from one side: the face half away from it in shadow, at `1 - strength` of its brightness.

    The light falls off in a smooth step across the nose line (the eyes' midpoint), a quarter of the
    inter-eye distance wide, as on a real face, not across the whole photo: a ramp over the photo's
    width leaves the face, a fifth of that width, nearly even (dimmer, not side-lit).
    """
    (lx, ly), (rx, ry) = eyes
    centre = (lx + rx) / 2.0
    ied = float(np.hypot(rx - lx, ry - ly)) or 1.0
    x = np.arange(image.shape[1], dtype=np.float32)
    step = 1.0 / (1.0 + np.exp(-(x - centre) / (0.25 * ied)))
    if not from_left:
        step = 1.0 - step
    gain = (1.0 - strength * step)[None, :, None]
    shadowed: np.ndarray = np.clip(image * gain, 0, 255).astype(np.uint8)
    return shadowed


def eye_box(landmarks68: np.ndarray, margin: float = 0.35) -> Box:
    """Box around both eyes (68-point landmarks 36-47), widened by `margin` of its width."""
    eyes = landmarks68[LEFT_EYE.start : RIGHT_EYE.stop]
    left, top = eyes.min(axis=0)
    right, bottom = eyes.max(axis=0)
    pad = margin * (right - left)
    return (int(left - pad), int(top - pad), int(np.ceil(right + pad)), int(np.ceil(bottom + pad)))
