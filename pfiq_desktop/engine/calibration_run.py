"""Calibrate a backbone's scalar-quality gauges and PLQ constants from clean photos.

Used by `pfiq calibrate --backbone FILE --faces DIR` (a user's model; the constants go
into its sidecar) and by `benchmarks/calibrate.py` (the built-in dlib ResNet's PLQ
constants, into `engine/backbones/dlib_resnet_v1.json`). The methods are QUALITY_METHOD
and PLQ_METHOD below, quoted in the outputs.

The built-in network's gauges are fitted on identity sets (expected share of successful
genuine comparisons, `benchmarks/train_quality_head.py`); an agency calibrating its own
network from clean photos alone has no genuine pairs, so its gauge is the clean-versus-
degraded logistic of QUALITY_METHOD, stored as knots of the same piecewise-linear gauge.
From the same clean faces' maps it also builds the deviation map's compliant-face
reference (DEVIATION_METHOD; engine/deviation.py), which `pfiq calibrate` writes beside
a user's model.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from pfiq_desktop.atomic import write_bytes_atomic
from pfiq_desktop.engine import disturbances as dist
from pfiq_desktop.engine.alignment import Alignment
from pfiq_desktop.engine.defaults import DEFAULT_MAP_METHOD, MAP_METHODS
from pfiq_desktop.engine.deviation import SIGMA_PER_CHIP_PX, DeviationReference, build, face_area_chip, user_reference_path
from pfiq_desktop.engine.faces import CHIP_SIZE, FaceDetector, photo_points_to_chip
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.engine.plq import gradient_magnitude
from pfiq_desktop.engine.quality import ESTIMATORS, Calibration, EmbeddingNetwork, LearnedHead, make_estimator

log = logging.getLogger(__name__)

QUALITY_METHOD = """Quality (per estimator, from clean photos only): the gauge is the logistic
q = 1 / (1 + exp(-slope (raw - centre))), stored as knots at q = 0.01 ... 0.99; it
maps the median clean portrait chip to 0.9 and the median severely degraded
chip (blur s4, JPEG 10, noise s40, large eye occluder, 6x down-up) to 0.5, so
q < 0.5 reads "less useful than a typical badly degraded photo". The spread is
gentle on purpose: clean portraits differ among themselves about as much as a
clean and a degraded chip do, and a steeper curve would push many clean faces
to 0 (and, through q, their whole PLQ map). An estimator that does not separate
clean from degraded gets 0.5 at the clean 5th percentile instead."""

PLQ_METHOD = """PLQ (per map method): with the default estimator's gauge value q, the quality
gradient magnitude x is measured on the face (inside the convex hull of the 68
landmarks on the chip). a and b of PLQ = 1 - 1 / (1 + a x^b) are chosen so the
median face pixel maps to 0.5 and the 95th percentile to 0.9 (medians over
faces), i.e. clean faces use the range instead of saturating."""

DEVIATION_METHOD = f"""Deviation reference (map method {DEFAULT_MAP_METHOD}): per chip pixel, the mean and
spread over the clean faces of the face-normalised log map magnitude, blurred with a
Gaussian of {SIGMA_PER_CHIP_PX * CHIP_SIZE:g} px per {CHIP_SIZE} px of chip side (engine/deviation.py, build);
made from at least MIN_REFERENCE_FACES faces."""

MIN_REFERENCE_FACES = 10  # fewer clean faces give no usable per-pixel spread: no deviation reference
BATCH = 40  # chips per network batch for the degraded copies
# estimators a user's backbone can be calibrated for from clean photos (the learned head is trained for the built-in one)
CALIBRATABLE = tuple(name for name in ESTIMATORS if name != LearnedHead.name)
GAUGE_LEVELS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)  # knots of the logistic


@dataclass(frozen=True)
class CalibrationFace:
    """One clean photo's best face: its aligned crop and its 68 landmarks on the crop."""

    path: Path
    chip: np.ndarray
    landmarks_chip: np.ndarray


@dataclass
class CalibrationResult:
    """The measured constants and what they were measured on."""

    quality: dict[str, dict[str, Any]] = field(default_factory=dict)
    plq: dict[str, dict[str, float]] = field(default_factory=dict)
    faces: int = 0
    deviation: DeviationReference | None = None  # the compliant-face reference of DEFAULT_MAP_METHOD's map
    skipped: list[str] = field(default_factory=list)  # photos without a usable face, with the reason


def _skip(skipped: list[str] | None, why: str) -> None:
    """A photo left out of the calibration: logged, and listed in `skipped` when the caller keeps a list."""
    log.warning("calibration skips %s", why)
    if skipped is not None:
        skipped.append(why)


def collect_faces(paths: Iterable[Path], detector: FaceDetector, alignment: Alignment,
                  skipped: list[str] | None = None) -> list[CalibrationFace]:
    """The best face of each photo, aligned with the backbone's template; unreadable or face-free photos are skipped."""
    faces = []
    for path in paths:
        try:
            image = load_image(path)
        except ImageLoadError as error:
            _skip(skipped, f"{path.name}: {error}")
            continue
        found = detector.detect(image)
        if not found:
            _skip(skipped, f"{path.name}: no face found")
            continue
        transform = alignment.transform(found[0])
        faces.append(CalibrationFace(path, alignment.extract(image, transform), photo_points_to_chip(found[0].landmarks68, transform)))
    return faces


def severe_versions(chip: np.ndarray, landmarks_chip: np.ndarray) -> list[np.ndarray]:
    """The five severely degraded copies of a chip: blur s4, JPEG 10, noise s40, a large eye occluder, 6x down-up."""
    return [
        dist.blur(chip, 4),
        dist.jpeg(chip, 10),
        dist.noise(chip, 40),
        dist.occlude(chip, dist.eye_box(landmarks_chip, 0.7)),
        dist.downscale(chip, 6),
    ]


def to_tensor(chips: Sequence[np.ndarray]) -> torch.Tensor:
    """H x W x 3 uint8 chips as an N x 3 x H x W float batch (raw 0..255)."""
    return torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float()


def face_mask(landmarks_chip: np.ndarray, size: int) -> np.ndarray:
    """Inside the convex hull of the 68 landmarks on the chip."""
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(landmarks_chip).astype(np.int32)), 1)
    return mask.astype(bool)


def quality_constants(clean_raw: np.ndarray, severe_raw: np.ndarray) -> dict[str, Any]:
    """The gauge's knots, and the logistic's centre and slope they sample (see QUALITY_METHOD), from raw qualities."""
    good = float(np.median(clean_raw))
    bad = float(np.median(severe_raw))
    centre = bad if bad < good else float(np.percentile(clean_raw, 5))
    slope = math.log(9) / (good - centre)
    raw_knots = [centre + math.log(p / (1 - p)) / slope for p in GAUGE_LEVELS]
    return {"raw_knots": raw_knots, "quality_knots": list(GAUGE_LEVELS), "centre": centre, "slope": slope,
            "clean_median": good, "severe_median": bad}


def gauge(entry: dict[str, Any]) -> Calibration:
    """The gauge of a calibration entry (the shipped file's or a sidecar's)."""
    return Calibration(tuple(entry["raw_knots"]), tuple(entry["quality_knots"]))


def plq_constants(magnitudes: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> dict[str, float]:
    """a and b of PLQ = 1 - 1/(1 + a x^b) (see PLQ_METHOD) from map magnitudes on the faces."""
    per_face = [m[mask] for m, mask in zip(magnitudes, masks)]
    median = float(np.median([np.median(v) for v in per_face]))
    high = float(np.median([np.percentile(v, 95) for v in per_face]))
    b = math.log(9) / math.log(high / median)
    a = median ** (-b)
    return {"a": a, "b": b, "face_median_gradient": median, "face_p95_gradient": high}


def calibrate(
    net: EmbeddingNetwork,
    faces: Sequence[CalibrationFace],
    estimators: Sequence[str] = CALIBRATABLE,
    methods: Sequence[str] = tuple(MAP_METHODS),
    map_estimator: str = "probe-ensemble",  # a user's backbone: the learned head is the built-in network's
    known_quality: dict[str, dict[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Quality gauges for `estimators` and PLQ constants for `methods` (with `map_estimator`'s gauge value q).

    `known_quality` supplies the map estimator's constants when it is not among `estimators`.
    """
    if not faces:
        raise ValueError("no faces to calibrate on")
    say = progress or (lambda _text: None)
    clean = to_tensor([f.chip for f in faces])
    severe = to_tensor([img for f in faces for img in severe_versions(f.chip, f.landmarks_chip)])
    result = CalibrationResult(faces=len(faces))
    for name in estimators:
        estimator = make_estimator(name)
        with torch.no_grad():
            clean_raw = estimator.raw(net, clean).cpu().numpy()
            severe_raw = np.concatenate([estimator.raw(net, part).cpu().numpy() for part in torch.split(severe, BATCH)])
        entry = quality_constants(clean_raw, severe_raw)
        result.quality[name] = entry
        say(f"quality {name:15s} clean {entry['clean_median']:.4f} severe {entry['severe_median']:.4f} "
            f"-> centre {entry['centre']:.4f} slope {entry['slope']:.1f}")
    if not methods:
        return result
    constants = result.quality.get(map_estimator) or (known_quality or {}).get(map_estimator)
    if constants is None:
        raise ValueError(f"the map constants need the {map_estimator} estimator's calibration; calibrate it too")
    estimator = make_estimator(map_estimator)
    with torch.no_grad():
        q = torch.tensor(gauge(constants).many(estimator.raw(net, clean).cpu().numpy()), dtype=torch.float32)
    masks = [face_mask(f.landmarks_chip, f.chip.shape[0]) for f in faces]
    for method in methods:
        magnitude, _ = gradient_magnitude(net, clean, q, method, estimator)
        magnitudes = [m.cpu().numpy() for m in magnitude]
        plq = plq_constants(magnitudes, masks)
        result.plq[method] = plq
        say(f"plq {method:20s} median |g| {plq['face_median_gradient']:.3e} p95 {plq['face_p95_gradient']:.3e} "
            f"-> a {plq['a']:.4g} b {plq['b']:.3f}")
        if method == DEFAULT_MAP_METHOD and len(faces) >= MIN_REFERENCE_FACES:
            result.deviation = deviation_reference(np.stack(magnitudes), faces, map_estimator)
    return result


def deviation_reference(magnitudes: np.ndarray, faces: Sequence[CalibrationFace], map_estimator: str) -> DeviationReference:
    """The compliant-face reference of DEFAULT_MAP_METHOD's raw magnitudes (N x S x S) on these faces' chips."""
    size = magnitudes.shape[-1]
    areas = np.stack([face_area_chip(f.landmarks_chip, size) for f in faces])
    meta = {"map_method": DEFAULT_MAP_METHOD, "estimator": map_estimator, "chip_size": size,
            "photos": [f.path.name for f in faces]}
    return build(magnitudes, areas, SIGMA_PER_CHIP_PX * size, meta)


def write_deviation_reference(model: Path, reference: DeviationReference) -> dict[str, str]:
    """Write the reference beside `model` (atomically); the [calibration] entries that name it."""
    path = user_reference_path(model)
    write_bytes_atomic(path, reference.to_bytes())
    return {"deviation_reference": path.name, "deviation_reference_sha256": file_sha256(path)}


def as_tables(result: CalibrationResult, calibrated_on: str, deviation: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The result as the sidecar's tables: [calibration] (what and how, and the deviation reference written), [quality.*],
    [plq.*]."""
    methods = [QUALITY_METHOD, PLQ_METHOD] + ([DEVIATION_METHOD] if deviation else [])
    return {
        "calibration": {"calibrated_on": calibrated_on, "faces": result.faces, "method": methods, **(deviation or {})},
        "quality": result.quality,
        "plq": result.plq,
    }
