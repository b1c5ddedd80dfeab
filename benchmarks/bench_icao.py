"""Speed of the whole ICAO checklist on one portrait (faces already found), against its target.

    python benchmarks/bench_icao.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pfiq_desktop.engine.icao import load_profile, run_checks
from tests.icao.conftest import compliant_portrait
from tests.icao.facebuild import detect_faces

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    image = compliant_portrait()
    faces = detect_faces(image)
    profile = load_profile("icao-9303")
    run_checks(image, faces, profile)  # warm-up (imports, OpenCV kernels)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run_checks(image, faces, profile)
        times.append((time.perf_counter() - start) * 1000.0)
    median = statistics.median(times)
    h, w = image.shape[:2]
    print(f"run_checks on a {w}x{h} portrait, {len(run_checks(image, faces, profile))} checks, {args.repeats} runs")
    print(
        f"median {median:.1f} ms (p90 {sorted(times)[int(0.9 * len(times))]:.1f} ms)   "
        f"target <= {TARGET_MS:.0f} ms   {'ok' if median <= TARGET_MS else 'SLOW'}"
    )


if __name__ == "__main__":
    main()
