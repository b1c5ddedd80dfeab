"""The deviation map: a face's pixel-level map compared with compliant faces at the same place of the face.

The paper's map |dQ/dI| carries a sample-specific factor (q / sum(e) for the paper's
neuron), so its level says nothing across photos, and at pixel scale it is speckle.
Made readable in four steps:

1. blur the log magnitude at the scale of facial features (Gaussian, `sigma` chip px);
2. subtract the mean of compliant faces at each chip pixel (the reference);
3. subtract the median of that residual over the face: any factor that multiplies the
   whole map (q / sum(e), hence also the scalar quality estimator) is a constant in the
   log domain and cancels exactly;
4. divide by the compliant faces' spread at each pixel.

The result is z-like: 0 = as in compliant photos at that place, -2 and below = clearly
lower recognition utility than compliant photos have there. "Higher than compliant"
is not shown: it found occluders far worse than "lower" and fires on compliant faces
(docs/EVALUATION.md). The reference (mean, spread, face area; float16) is data beside
the backbone calibration, made by `build`: for the built-in network by
`benchmarks/build_deviation_reference.py` (packaged), for a user's backbone by `pfiq calibrate`
(`<model file>.deviation.npz` beside the model, named with its sha256 in the sidecar).
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.backbones import data_file
from pfiq_desktop.engine.deviation_bands import CLEARLY_LOWER
from pfiq_desktop.engine.faces import CHIP_SIZE, chip_points_to_photo
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.icao.regions import REGION_NAMES, polygon_mask, region_polygons

log = logging.getLogger(__name__)

MIN_WEIGHT = 0.5  # normalised blur: a pixel needs this much kernel weight on seen pixels
FLOOR = 1e-3  # magnitudes below FLOOR x the chip's median magnitude count as FLOOR x median
MIN_OUTLINE_AREA = 4.0  # chip px^2: smaller low specks are not outlined
# building a reference
SPREAD_FLOOR = 0.05  # log units: keeps z finite where every reference face agrees
MIN_REGION_SEEN = 0.5  # share of a region's pixels with data for its mean to be given
FACE_SHARE = 0.5  # a chip pixel is in the reference face (or seen) when it is so in at least half the faces
ITERATIONS = 3  # mean <-> per-face offset refinements
SIGMA_PER_CHIP_PX = 6.0 / CHIP_SIZE  # the blur: 6 px on the built-in network's 150 px chip (about half an eye), scaled
USER_REFERENCE_SUFFIX = ".deviation.npz"  # a user's backbone: the reference is <model file> + this, beside the model


@dataclass(frozen=True)
class DeviationReference:
    """Per-pixel statistics of compliant faces on the aligned chip, for one backbone and map method."""

    mean: np.ndarray  # H x W: mean face-normalised blurred log magnitude; NaN where the network is blind
    spread: np.ndarray  # H x W: its standard deviation over the reference faces (floored)
    face: np.ndarray  # H x W bool: chip pixels inside the face in most reference faces
    sigma: float  # Gaussian blur of the log magnitude, chip pixels
    meta: dict[str, Any]  # backbone, map method, faces used, seed, ...

    @property
    def seen(self) -> np.ndarray:
        """Chip pixels the network sees (its gradient there is not always 0)."""
        seen: np.ndarray = np.isfinite(self.mean)
        return seen

    def save(self, path: str | Path | io.BytesIO) -> None:
        """A compressed npz: float16 statistics, the packed face mask, JSON metadata."""
        np.savez_compressed(
            path,
            mean=self.mean.astype(np.float16),
            spread=self.spread.astype(np.float16),
            face=np.packbits(self.face),
            shape=np.array(self.face.shape),
            sigma=np.array(self.sigma),
            meta=np.array(json.dumps(self.meta)),
        )

    def to_bytes(self) -> bytes:
        """The npz `save` writes, in memory (for an atomic write)."""
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> DeviationReference:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            shape = tuple(int(v) for v in z["shape"])
            face = np.unpackbits(z["face"])[: shape[0] * shape[1]].reshape(shape).astype(bool)
            return cls(
                mean=z["mean"].astype(np.float32),
                spread=z["spread"].astype(np.float32),
                face=face,
                sigma=float(z["sigma"]),
                meta=json.loads(str(z["meta"])),
            )


def reference_file(backbone: str, method: str) -> str:
    """The packaged reference's file name, e.g. deviation_dlib-resnet-v1_gradient.npz."""
    return f"deviation_{backbone}_{method}.npz"


@cache
def load_reference(backbone: str, method: str) -> DeviationReference | None:
    """The packaged reference for this backbone and map method; None when there is none (no deviation map then)."""
    entry = data_file(reference_file(backbone, method))
    if not entry.is_file():
        return None
    return DeviationReference.from_bytes(entry.read_bytes())


def user_reference_path(model: str | Path) -> Path:
    """Where `pfiq calibrate` writes a user's backbone's reference: beside the model, e.g. arcface.onnx.deviation.npz."""
    model = Path(model)
    return model.with_name(model.name + USER_REFERENCE_SUFFIX)


def load_user_reference(model: str | Path, calibration: dict[str, Any]) -> DeviationReference | None:
    """The reference the sidecar's [calibration] table names, if its file is beside the model with that sha256.

    None (no deviation map; the GUI shows the PLQ map) when the sidecar names none, or the
    file is missing, unreadable or not the one calibrated (logged).
    """
    name = calibration.get("deviation_reference")
    if not isinstance(name, str):
        return None
    path = Path(model).with_name(name)
    try:
        if file_sha256(path) != calibration.get("deviation_reference_sha256"):
            log.warning("%s is not the deviation reference `pfiq calibrate` wrote (sha256 differs); "
                        "no deviation map until it runs again", path)
            return None
        return DeviationReference.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError) as error:
        log.warning("cannot read the deviation reference %s (%s); no deviation map", path, error)
        return None


def build(magnitudes: np.ndarray, face_masks: np.ndarray, sigma: float, meta: dict[str, Any]) -> DeviationReference:
    """The reference from raw map magnitudes (N x H x W) and each face's area on the chip (N x H x W bool).

    Each face's blurred log map is shifted by its own offset (median over the face of its
    difference to the mean) and the mean re-estimated, three times; the spread is the
    per-pixel standard deviation of the shifted maps. Chip pixels whose gradient is 0 in
    at least half the faces are pixels the network does not see: NaN in the reference.
    """
    seen = (np.asarray(magnitudes) > 0).mean(axis=0) >= FACE_SHARE
    logs = np.stack([smoothed_log(m, sigma, seen) for m in magnitudes]).astype(np.float64)
    seen &= np.isfinite(logs).mean(axis=0) >= FACE_SHARE
    face = (face_masks.mean(axis=0) >= FACE_SHARE) & seen
    offsets = np.nanmedian(logs[:, face], axis=1)
    for _ in range(ITERATIONS):
        mean = np.nanmean(logs - offsets[:, None, None], axis=0)
        offsets = np.nanmedian((logs - mean)[:, face], axis=1)
    shifted = logs - offsets[:, None, None]
    mean = np.where(seen, np.nanmean(shifted, axis=0), np.nan)
    spread = np.where(seen, np.maximum(np.nanstd(shifted, axis=0), SPREAD_FLOOR), np.nan)
    meta = {**meta, "faces": len(magnitudes), "sigma": sigma, "spread_floor": SPREAD_FLOOR}
    return DeviationReference(mean.astype(np.float32), spread.astype(np.float32), face, float(sigma), meta)


def smoothed_log(magnitude_chip: np.ndarray, sigma: float, seen: np.ndarray) -> np.ndarray:
    """Normalised Gaussian blur (reflected borders) of the log magnitude over the `seen` pixels, float32.

    Magnitudes are divided by their median over the seen pixels and floored at FLOOR, so
    the result does not depend on the map's overall scale. NaN outside `seen` and where
    less than MIN_WEIGHT of the kernel falls on seen pixels.
    """
    magnitude = np.nan_to_num(np.asarray(magnitude_chip, np.float32), nan=0.0)
    positive = magnitude[seen & (magnitude > 0)]
    if positive.size == 0:
        return np.full(magnitude.shape, np.nan, np.float32)
    scaled = magnitude / float(np.median(positive))
    logmap = np.where(seen, np.log(np.maximum(scaled, FLOOR)), 0.0).astype(np.float32)
    weight = cv2.GaussianBlur(seen.astype(np.float32), (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    total = cv2.GaussianBlur(logmap, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    ok = seen & (weight >= MIN_WEIGHT)
    return np.where(ok, total / np.maximum(weight, 1e-6), np.nan).astype(np.float32)


def face_area_chip(landmarks_chip: np.ndarray, size: int) -> np.ndarray:
    """The face on the chip: the convex hull of the 68 landmarks with the named regions."""
    points = np.asarray(landmarks_chip, np.float64)
    hull = cv2.convexHull(np.round(points).astype(np.int32)).reshape(-1, 2)
    mask: np.ndarray = polygon_mask(hull, (size, size))
    for polygon in region_polygons(points).values():
        mask |= polygon_mask(polygon, (size, size))
    return mask


def deviation_chip(magnitude_chip: np.ndarray, landmarks_chip: np.ndarray, reference: DeviationReference,
                   in_photo: np.ndarray | None = None) -> np.ndarray:
    """z-like deviation (H x W float32) of one face's raw map magnitude from compliant faces; NaN outside the face.

    `magnitude_chip` is the map method's raw magnitude on the chip (before the PLQ
    calibration); `landmarks_chip` the face's 68 points on the chip; `in_photo` the chip
    pixels whose source lies inside the photo (`chip_in_photo`): the rest is NaN too.
    """
    residual = smoothed_log(magnitude_chip, reference.sigma, reference.seen) - reference.mean
    if in_photo is not None:  # the chip's fill beyond a cut-off face's edge read as "forehead much lower", and the
        # blur carries it 2 sigma into the photo: the photo's edge is that much further in
        reach = 2 * round(2 * reference.sigma) + 1
        residual[cv2.erode(in_photo.astype(np.uint8), np.ones((reach, reach), np.uint8)) == 0] = np.nan
    inside = residual[reference.face]
    inside = inside[np.isfinite(inside)]
    if inside.size == 0:
        return np.full(residual.shape, np.nan, np.float32)
    deviation: np.ndarray = ((residual - np.median(inside)) / reference.spread).astype(np.float32)
    deviation[~face_area_chip(landmarks_chip, deviation.shape[0])] = np.nan
    return deviation


def chip_in_photo(chip_transform: np.ndarray, photo_shape: tuple[int, int], size: int) -> np.ndarray:
    """The chip pixels (size x size) whose source lies inside the photo, given the photo -> chip affine."""
    ys, xs = np.mgrid[0:size, 0:size]
    x, y = chip_points_to_photo(np.column_stack([xs.ravel(), ys.ravel()]), chip_transform).T
    height, width = photo_shape
    inside: np.ndarray = ((x >= -0.5) & (x <= width - 0.5) & (y >= -0.5) & (y <= height - 0.5)).reshape(size, size)
    return inside


def region_deviation(deviation: np.ndarray, landmarks_chip: np.ndarray) -> dict[str, float]:
    """Mean deviation of each named region (left_eye ... chin) on the chip; NaN where less than MIN_REGION_SEEN of a
    region has data (the strip of a forehead left at a cut photo's edge read as "much lower")."""
    polygons = region_polygons(np.asarray(landmarks_chip, np.float64))
    means: dict[str, float] = {}
    for name in REGION_NAMES:
        values = deviation[polygon_mask(polygons[name], deviation.shape)]
        seen = values[np.isfinite(values)]
        means[name] = float(seen.mean()) if seen.size and seen.size >= MIN_REGION_SEEN * values.size else float("nan")
    return means


def low_share(deviation: np.ndarray) -> float:
    """The share of the face area at or below CLEARLY_LOWER (compliant photos: findings.TYPICAL_RANGE)."""
    face = np.isfinite(deviation)
    return float((deviation[face] <= CLEARLY_LOWER).mean()) if face.any() else 0.0


def low_outlines(deviation: np.ndarray, transform: np.ndarray, image_size: tuple[int, int],
                 level: float = CLEARLY_LOWER) -> list[np.ndarray]:
    """Outlines of the areas at or below `level`, traced on the chip and returned in photo x, y, largest first,
    kept inside the photo (`image_size`: width, height): a chip reaching past the photo's edge drew its outline
    through the border beneath the photo.

    Tracing on the chip (150 x 150 for the built-in network) costs well under a millisecond, whatever the photo size.
    """
    low = (np.nan_to_num(np.asarray(deviation, np.float32), nan=np.inf) <= level).astype(np.uint8)
    contours, _ = cv2.findContours(low, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    kept = sorted((c for c in contours if cv2.contourArea(c) >= MIN_OUTLINE_AREA), key=cv2.contourArea, reverse=True)
    width, height = image_size
    return [np.clip(chip_points_to_photo(c.reshape(-1, 2).astype(np.float64), transform), 0, (width - 1, height - 1))
            .astype(np.float32) for c in kept]
