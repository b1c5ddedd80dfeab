"""Calibrate the dlib backbone's quality spreads and PLQ constants from clean portraits.

Quality (per estimator): the logistic q = 1 / (1 + exp(-slope (raw - centre)))
maps the median clean portrait chip to 0.9 and the median severely degraded
chip (blur s4, JPEG 10, noise s40, large eye occluder, 6x down-up) to 0.5, so
q < 0.5 reads "less useful than a typical badly degraded photo". The spread is
gentle on purpose: clean portraits differ among themselves about as much as a
clean and a degraded chip do, and a steeper curve would push many clean faces
to 0 (and, through q, their whole PLQ map). An estimator that does not separate
clean from degraded gets 0.5 at the clean 5th percentile instead.

PLQ (per map method): with the default estimator's calibrated q, the quality
gradient magnitude x is measured on the face (inside the convex hull of the 68
landmarks on the chip). a and b of PLQ = 1 - 1 / (1 + a x^b) are chosen so the
median face pixel maps to 0.5 and the 95th percentile to 0.9 (medians over
faces), i.e. clean faces use the range instead of saturating.

Calibration uses portraits_official[CALIBRATION_SLICE]; tests use other portraits.

    python benchmarks/calibrate.py        # rewrites pfiq_desktop/engine/backbones/dlib_resnet_v1.json
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

from benchmarks.eval_quality import FACES, collect_chips, ladders, to_tensor
from pfiq_desktop.engine.analyzer import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.backbones.calibration import CALIBRATION_FILE
from pfiq_desktop.engine.backbones.dlib_resnet import DLIB_RESNET_V1, load_dlib_resnet
from pfiq_desktop.engine.faces import FaceDetector
from pfiq_desktop.engine.plq import MAP_METHODS, gradient_magnitude
from pfiq_desktop.engine.quality import ESTIMATORS, Calibration, make_estimator

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
    severe = to_tensor([img for _, chip, eyes in faces for img in (lad[3] for lad in ladders(chip, eyes).values())])

    existing = json.loads(TARGET.read_text()) if TARGET.exists() else {}
    previous = existing if args.maps else {}
    quality: dict[str, dict[str, float]] = dict(previous.get("quality", {}))
    for name in [] if args.maps else ESTIMATORS:
        estimator = make_estimator(name)
        with torch.no_grad():
            clean_raw = estimator.raw(net, clean).numpy()
            good = float(np.median(clean_raw))
            bad = float(np.median(np.concatenate([estimator.raw(net, b).numpy() for b in severe.split(40)])))
        centre = bad if bad < good else float(np.percentile(clean_raw, 5))
        slope = math.log(9) / (good - centre)
        quality[name] = {"centre": centre, "slope": slope, "clean_median": good, "severe_median": bad}
        print(f"quality {name:15s} clean {good:.4f} severe {bad:.4f} -> centre {centre:.4f} slope {slope:.1f}")

    estimator = make_estimator(DEFAULT_QUALITY_ESTIMATOR)
    entry = quality[DEFAULT_QUALITY_ESTIMATOR]
    spread = Calibration(entry["centre"], entry["slope"])
    with torch.no_grad():
        q = torch.tensor([spread(r) for r in estimator.raw(net, clean).numpy()], dtype=torch.float32)
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

    data = {
        "backbone": DLIB_RESNET_V1.name,
        "model_sha256": DLIB_RESNET_V1.model_sha256,
        "calibrated_on": f"portraits_official {CALIBRATION_SLICE.start}-{CALIBRATION_SLICE.stop - 1} ({len(faces)} faces)",
        "method": __doc__.split("\n\n")[1:3],
        "quality": quality,
        "plq": plq,
    }
    if "verification" in existing:  # the comparison thresholds are benchmarks/eval_compare.py's
        data["verification"] = existing["verification"]
    TARGET.write_text(json.dumps(data, indent=2) + "\n")
    print(f"written {TARGET}")


if __name__ == "__main__":
    main()
