"""Cost of each scalar-quality estimator per face (one chip per call, as the application analyses a photo).

Target (issue 20): the default estimator <= 60 ms per face on 2 CPU threads.

    python benchmarks/bench_quality.py [--runs 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.quality import ESTIMATORS, make_estimator

TARGET_MS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--estimators", default=f"{DEFAULT_QUALITY_ESTIMATOR},probe-ensemble")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = load_dlib_resnet()
    photo = load_image(REPO / "resources" / "sample_astronaut.jpg")
    face = FaceDetector().detect(photo)[0]
    chip = torch.from_numpy(extract_chip(photo, chip_transform(face.landmarks5))[None]).permute(0, 3, 1, 2).float().contiguous()
    for name in args.estimators.split(","):
        if name not in ESTIMATORS:
            raise SystemExit(f"unknown estimator {name!r}")
        estimator = make_estimator(name)
        times = []
        with torch.no_grad():
            estimator.raw(net, chip)  # warm-up
            for _ in range(args.runs):
                start = time.perf_counter()
                estimator.raw(net, chip)
                times.append(1000 * (time.perf_counter() - start))
        median = statistics.median(times)
        verdict = ("meets" if median <= TARGET_MS else "misses") if name == DEFAULT_QUALITY_ESTIMATOR else "-"
        print(f"{name:15s} median {median:6.1f} ms  p90 {sorted(times)[int(0.9 * len(times))]:6.1f} ms per face "
              f"({args.threads} threads; target <= {TARGET_MS:.0f} ms for the default: {verdict})")


if __name__ == "__main__":
    main()
