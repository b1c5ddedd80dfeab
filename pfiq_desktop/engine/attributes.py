"""What the recognition network's own features say about the eyes, spectacles, the mouth, the lower face and the head top.

The built-in network's 17 x 17 x 64 grid after its 7th residual block (the grid the
renewal check's opposing map reads) still knows what lies where on the face. A
linear probe on the cells at each eye tells a covered eye from a visible one (whether
it is shut is read on the grid after the 4th block, which keeps more of the eye's own
shape), and a probe on the cells below the nose tells a mask from a mouth,
far better than hand-made pixel measures on in-the-wild and synthetic photos
(docs/EVALUATION.md, "Network probes"); a second probe on the same cells reads a hand, a microphone or another
object before the mouth and chin, which the first reads as bare. Teeth between lips the landmarks draw nearly closed are read
on the grid after the 4th block at the mouth, as an eye's state is. Spectacles are read from the cells of the eye
band with the face's descriptor (dlib's descriptor knows glasses well; the grid says
where to look). Head coverings are read from a second, wider chip of the same face
(`HEAD_CHIP_PADDING`), whose upper cells show the head top. The checklist fuses each
probe's log-odds with its pixel measures (eye_pixels.py, coverings.py, eyes_mouth.py); a backbone
without probes keeps the pixel measures alone.

Each probe is a logistic model on standardised features, fitted on the development
halves of the labelled evaluation photos by `benchmarks/fit_attribute_probes.py`
and shipped as `attributes_<backbone>.npz` (weights only; see the NOTICE).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from pfiq_desktop.engine.backbones import data_file
from pfiq_desktop.engine.faces import CHIP_SIZE, chip_points_to_photo, chip_transform, extract_chip
from pfiq_desktop.engine.landmarks import LEFT_EYE, RIGHT_EYE

# the probes' names: keys of the packaged file and, per eye as f"{name}.{side}", of a face's attributes
EYE_CLOSED, EYE_HIDDEN, GLASSES, LOWER_FACE_COVERED, LOWER_FACE_OBJECT, HEAD_COVERED, MOUTH_OPEN = (
    "eye_closed", "eye_hidden", "glasses", "lower_face_covered", "lower_face_object", "head_covered", "mouth_open")
PROBES_FILE = "attributes_{backbone}.npz"  # packaged beside the backbone calibration
PROBE_ARRAYS = ("mean", "scale", "weights", "bias")  # stored per probe as "<probe>.<array>"
# per eye (photo left / right, as the officer sees it): outer corner, inner corner, outline of the 68 landmarks
EYE_POINTS = {"left": (36, 39, LEFT_EYE), "right": (45, 42, RIGHT_EYE)}
# where an eye is read: its centre and four points around it, in eye widths (x along the row, y down)
EYE_SAMPLES = ((0.0, 0.0), (-0.35, 0.0), (0.35, 0.0), (0.0, -0.3), (0.0, 0.3))
# where the mouth is read: the centre of its 20 landmarks and four points around it, in mouth widths (corner to corner)
MOUTH_SAMPLES = ((0.0, 0.0), (-0.3, 0.0), (0.3, 0.0), (0.0, -0.15), (0.0, 0.15))
# the head chip: the face chip's alignment with room for the head top, where a hat or a cap sits (the face
# chip's 0.25 shows little above the brows); the head probe reads the upper rows of its grid. 0.6 ranks best out of
# fold on dev (probe AUC 0.980 against 0.946 at 0.9 and 0.949 at 1.3; docs/EVALUATION.md)
HEAD_CHIP_PADDING = 0.6
HEAD_TOP_ROWS = 6 / 17  # the share of the grid's rows, from the top, that the head probe reads


Fusion = tuple[tuple[tuple[str, float], tuple[str, float]], float]  # (("pixels", a), ("network", b)), c


def sigmoid(log_odds: float) -> float:
    """The probability of a log-odds (clipped: no overflow however far a model reads)."""
    return float(1.0 / (1.0 + np.exp(-np.clip(log_odds, -30.0, 30.0))))


def has_probe(network: Mapping[str, float] | None, probe: str) -> TypeGuard[Mapping[str, float]]:
    """Whether the face has a reading of `probe`: a NaN one counts as none (fused, it passed a painted mask: review)."""
    return network is not None and math.isfinite(network.get(probe, math.nan))


def fuse(fusion: Fusion, pixels: float, network: Mapping[str, float] | None, probe: str) -> float:
    """A check's log-odds: its pixel measure's fused with the face's network probe `probe` (a x pixels + b x network
    + c) where the face has that probe, the pixel measure's alone where it has not (a backbone without probes)."""
    if not has_probe(network, probe):
        return pixels
    ((_, a), (_, b)), c = fusion
    return a * pixels + b * network[probe] + c


def _bilinear(grid: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The grid's channels (C x h x w over a CHIP_SIZE chip) at chip points (n x 2) -> n x C."""
    _, height, width = grid.shape
    gx = np.clip(points[:, 0] * width / CHIP_SIZE - 0.5, 0, width - 1.001)
    gy = np.clip(points[:, 1] * height / CHIP_SIZE - 0.5, 0, height - 1.001)
    x0, y0 = gx.astype(int), gy.astype(int)
    fx, fy = (gx - x0)[:, None], (gy - y0)[:, None]

    def at(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        return grid[:, y, x].T

    sampled: np.ndarray = (at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy)
                           + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy)
    return sampled


def _mean_and_max(values: np.ndarray) -> np.ndarray:
    """Per channel over rows: the mean and the strongest response (2C)."""
    return np.concatenate([values.mean(axis=0), values.max(axis=0)])


def eye_features(grid: np.ndarray, chip_landmarks: np.ndarray, side: str) -> np.ndarray:
    """The grid around one eye (2C): both eyes share one probe, so a wink is judged per eye."""
    outer, inner, outline = EYE_POINTS[side]
    centre = chip_landmarks[outline].mean(axis=0)
    width = float(np.linalg.norm(chip_landmarks[inner] - chip_landmarks[outer]))
    points = centre + np.asarray(EYE_SAMPLES) * width
    return _mean_and_max(_bilinear(grid.astype(np.float32), points))


def mouth_features(grid: np.ndarray, chip_landmarks: np.ndarray) -> np.ndarray:
    """The grid at and around the mouth (2C): teeth or an opening between the lips, or closed lips."""
    centre = chip_landmarks[48:68].mean(axis=0)
    width = float(np.linalg.norm(chip_landmarks[54] - chip_landmarks[48]))
    points = centre + np.asarray(MOUTH_SAMPLES) * width
    return _mean_and_max(_bilinear(grid.astype(np.float32), points))


def glasses_features(grid: np.ndarray, chip_landmarks: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """The grid's cells from the brows to the nose bridge across both eyes (2C), with the unit descriptor."""
    lm = chip_landmarks
    inside = _cells(grid, lambda x, y: (y > lm[17:27, 1].min()) & (y < lm[28, 1] + 4) & (x > lm[36, 0] - 8) & (x < lm[45, 0] + 8))
    unit = embedding / max(float(np.linalg.norm(embedding)), 1e-12)
    return np.concatenate([_mean_and_max(grid.astype(np.float32)[:, inside].T), unit])


def _cells(grid: np.ndarray, where: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """The grid cells whose centres (chip pixels) satisfy `where`; all of them when none does (a landmark fit
    squeezed to nothing: read the whole grid rather than nothing)."""
    _, height, width = grid.shape
    x, y = np.meshgrid((np.arange(width) + 0.5) * CHIP_SIZE / width, (np.arange(height) + 0.5) * CHIP_SIZE / height)
    inside: np.ndarray = where(x, y)
    return inside if inside.any() else np.ones_like(inside)


def head_chip(image: np.ndarray, landmarks5: np.ndarray) -> np.ndarray:
    """The face's head chip: the face chip's alignment and size at `HEAD_CHIP_PADDING`, the head top inside."""
    return extract_chip(image, chip_transform(landmarks5, CHIP_SIZE, HEAD_CHIP_PADDING))


def head_features(head_grid: np.ndarray, head_embedding: np.ndarray) -> np.ndarray:
    """The head chip's grid above the face (2C) with that chip's unit descriptor: a hat, a cap, a band or hair."""
    rows = max(1, round(head_grid.shape[1] * HEAD_TOP_ROWS))
    unit = head_embedding / max(float(np.linalg.norm(head_embedding)), 1e-12)
    top = head_grid.astype(np.float32)[:, :rows].reshape(head_grid.shape[0], -1).T
    return np.concatenate([_mean_and_max(top), unit])


def _below_nose(chip_landmarks: np.ndarray) -> tuple[float, float, float]:
    """Where the lower-face probes read, in chip pixels: (left, right, top), from the nose tip to the chip's foot
    between the jaw's sides."""
    lm = chip_landmarks
    return float(lm[4, 0]), float(lm[12, 0]), float(lm[33, 1])


def lower_face_features(grid: np.ndarray, chip_landmarks: np.ndarray) -> np.ndarray:
    """The grid's cells below the nose tip and between the jaw's sides (2C): mouth and chin, or what covers them."""
    left, right, top = _below_nose(chip_landmarks)
    inside = _cells(grid, lambda x, y: (y > top) & (x > left) & (x < right))
    return _mean_and_max(grid.astype(np.float32)[:, inside].T)


def lower_face_in_photo(chip_landmarks: np.ndarray, transform: np.ndarray, photo_shape: tuple[int, ...]) -> bool:
    """Whether the chip area the lower-face probes read lies inside the photo. Outside it the chip holds dlib's fill:
    the object probe read that as a hand on 326 of 397 bare faces in the mask set's tight web crops (none of it inside
    LFW's or the official portraits' photos, where it was fitted)."""
    left, right, top = _below_nose(chip_landmarks)
    corners = chip_points_to_photo(np.array([[left, top], [right, top], [left, CHIP_SIZE], [right, CHIP_SIZE]]), transform)
    height, width = photo_shape[:2]
    return bool(((corners >= -0.5) & (corners <= [width - 0.5, height - 0.5])).all())


@dataclass(frozen=True)
class Probe:
    """log-odds = weights . (features - mean) / scale + bias."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def log_odds(self, features: np.ndarray) -> float:
        return float(((features - self.mean) / self.scale) @ self.weights + self.bias)


def per_eye(probe: str, side: str) -> str:
    """The attribute key of a per-eye probe's reading on one side ("left", "right")."""
    return f"{probe}.{side}"


@dataclass(frozen=True)
class AttributeProbes:
    """The probes of one backbone: "eye_closed" and "eye_hidden" (per eye), "glasses", "lower_face_covered",
    "lower_face_object", "mouth_open" and "head_covered" (read on the head chip)."""

    probes: dict[str, Probe]
    meta: dict[str, Any]

    @property
    def reads_head(self) -> bool:
        """Whether a probe needs the head chip's grid and descriptor (a second, wider view of the face)."""
        return HEAD_COVERED in self.probes

    def log_odds(self, grid: np.ndarray, eye_grid: np.ndarray, chip_landmarks: np.ndarray, embedding: np.ndarray,
                 head: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, float]:
        """Every attribute of one face from its grid (C x h x w), the earlier grid the eye-state and mouth probes read
        (`DlibResNet.eye_module`), its 68 landmarks in chip pixels and its descriptor, and the head chip's (grid,
        descriptor) where a probe reads it.

        Keys: "eye_closed.left", "eye_closed.right", "eye_hidden.left", "eye_hidden.right", "glasses",
        "lower_face_covered", "lower_face_object", "mouth_open", "head_covered" (those of the probes present). Raises
        ValueError when a probe reads the head chip and `head` is missing: the covering check would otherwise fall back
        to its pixels without a word.
        """
        out = {}
        for side in EYE_POINTS:
            if EYE_CLOSED in self.probes:
                out[per_eye(EYE_CLOSED, side)] = self.probes[EYE_CLOSED].log_odds(eye_features(eye_grid, chip_landmarks, side))
            if EYE_HIDDEN in self.probes:
                out[per_eye(EYE_HIDDEN, side)] = self.probes[EYE_HIDDEN].log_odds(eye_features(grid, chip_landmarks, side))
        if GLASSES in self.probes:
            out[GLASSES] = self.probes[GLASSES].log_odds(glasses_features(grid, chip_landmarks, embedding))
        lower_face = (LOWER_FACE_COVERED, LOWER_FACE_OBJECT)
        if any(name in self.probes for name in lower_face):
            below_nose = lower_face_features(grid, chip_landmarks)
            out.update({name: self.probes[name].log_odds(below_nose) for name in lower_face if name in self.probes})
        if MOUTH_OPEN in self.probes:
            out[MOUTH_OPEN] = self.probes[MOUTH_OPEN].log_odds(mouth_features(eye_grid, chip_landmarks))
        if self.reads_head:
            if head is None:
                raise ValueError("the head_covered probe reads the head chip: pass its (grid, descriptor) as `head`")
            out[HEAD_COVERED] = self.probes[HEAD_COVERED].log_odds(head_features(*head))
        return out

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {f"{name}.{key}": np.asarray(getattr(probe, key), np.float64)
                  for name, probe in self.probes.items() for key in PROBE_ARRAYS}
        np.savez_compressed(path, **arrays, meta=np.array(json.dumps(self.meta)))

    @classmethod
    def load(cls, data: bytes) -> AttributeProbes:
        with np.load(io.BytesIO(data)) as stored:
            names = sorted({key.split(".")[0] for key in stored.files if key != "meta"})
            probes = {name: Probe(stored[f"{name}.mean"], stored[f"{name}.scale"], stored[f"{name}.weights"],
                                  float(stored[f"{name}.bias"])) for name in names}
            return cls(probes, json.loads(str(stored["meta"])))


def load_attribute_probes(backbone: str) -> AttributeProbes | None:
    """The packaged probes of a built-in backbone; None when it has none (the checks use the pixels alone)."""
    resource = data_file(PROBES_FILE.format(backbone=backbone))
    if not resource.is_file():
        return None
    return AttributeProbes.load(resource.read_bytes())
