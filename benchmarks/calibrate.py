"""Calibrate the dlib backbone's PLQ constants from clean portraits.

The quality gauges (raw -> expected share of successful genuine comparisons) are
fitted on the development identity sets by benchmarks/train_quality_head.py and
kept as they are here.

PLQ (per map method): with the default estimator's gauge value q, the quality
gradient magnitude x is measured on the face (inside the convex hull of the 68
landmarks on the chip). a and b of PLQ = 1 - 1 / (1 + a x^b) are chosen so the
median face pixel maps to 0.5 and the 95th percentile to 0.9 (medians over
faces), i.e. clean faces use the range instead of saturating.

Calibration uses portraits_official[CALIBRATION_SLICE]; tests use other portraits.

    python benchmarks/calibrate.py        # rewrites the "plq" section of pfiq_desktop/engine/backbones/dlib_resnet_v1.json
    python benchmarks/calibrate.py --maps gradient_norm   # (re)calibrates these map methods only
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.eval_quality import FACES, collect_chips, to_tensor
from pfiq_desktop.engine.backbones.calibration import CALIBRATION_FILE, load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import DLIB_RESNET_V1, load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.faces import FaceDetector
from pfiq_desktop.engine.plq import MAP_METHODS, gradient_magnitude
from pfiq_desktop.engine.quality import make_estimator

CALIBRATION_SLICE = slice(100, 140)
TARGET = REPO / "pfiq_desktop" / "engine" / "backbones" / CALIBRATION_FILE


def face_mask(landmarks_chip: np.ndarray, size: int = 150) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(landmarks_chip).astype(np.int32)), 1)
    return mask.astype(bool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", nargs="+", choices=list(MAP_METHODS),
                        help="calibrate only these map methods and keep every other constant in the file")
    args = parser.parse_args()
    torch.set_num_threads(2)
    net = load_dlib_resnet()
    paths = sorted((FACES / "portraits_official").glob("*.jpg"))[CALIBRATION_SLICE]
    faces = collect_chips(paths, FaceDetector())
    clean = to_tensor([chip for _, chip, _ in faces])

    previous = json.loads(TARGET.read_text())
    estimator = make_estimator(DEFAULT_QUALITY_ESTIMATOR)
    gauge = load_calibration().quality(DEFAULT_QUALITY_ESTIMATOR)
    with torch.no_grad():
        q = torch.tensor(gauge.many(estimator.raw(net, clean).numpy()), dtype=torch.float32)
    masks = [face_mask(landmarks) for _, _, landmarks in faces]
    plq: dict[str, dict[str, float]] = dict(previous.get("plq", {}))
    for method in args.maps or MAP_METHODS:
        magnitude, _ = gradient_magnitude(net, clean, q, method, estimator)
        per_face = [m.numpy()[mask] for m, mask in zip(magnitude, masks)]
        median = float(np.median([np.median(v) for v in per_face]))
        high = float(np.median([np.percentile(v, 95) for v in per_face]))
        b = math.log(9) / math.log(high / median)
        a = median ** (-b)
        plq[method] = {"a": a, "b": b, "face_median_gradient": median, "face_p95_gradient": high}
        print(f"plq {method:10s} median |g| {median:.3e} p95 {high:.3e} -> a {a:.4g} b {b:.3f}")

    data = previous | {  # other sections (the gauges, comparison thresholds) are kept as they are
        "backbone": DLIB_RESNET_V1.name,
        "model_sha256": DLIB_RESNET_V1.model_sha256,
        "calibrated_on": f"portraits_official {CALIBRATION_SLICE.start}-{CALIBRATION_SLICE.stop - 1} ({len(faces)} faces)",
        "method": [__doc__.split("\n\n")[2]],
        "plq": plq,
    }
    TARGET.write_text(json.dumps(data, indent=2) + "\n")
    print(f"written {TARGET}")


if __name__ == "__main__":
    main()
