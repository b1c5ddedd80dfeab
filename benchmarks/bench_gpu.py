"""Batched analysis on a GPU: photos/s and faces/s at batch sizes 1-64, against the CPU path in the same run.

Target: >= 500 faces/s on one modern data-centre GPU, with as many CPU processes
decoding and detecting faces as the machine has cores. Also checks that the GPU
gives the CPU's results (quality within 1e-4, maps within 1e-4) on the same photos.

    python benchmarks/bench_gpu.py [--photos DIR] [--n 512] [--batches 1,4,16,64] [--workers N] [--device cuda]

Without a GPU it says so and exits 2. Photos: DIR (default: the repository's test
fixtures, repeated to N; any folder of portraits works).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine import Analyzer
from pfiq_desktop.engine.discovery import find_images

TARGET_FACES_PER_S = 500.0
TOLERANCE = 1e-4


def photos(folder: Path, n: int) -> list[Path]:
    found = find_images([folder]).files
    if not found:
        raise SystemExit(f"no photos in {folder}")
    return [found[i % len(found)] for i in range(n)]


def throughput(analyzer: Analyzer, paths: list[Path], batch: int, workers: int) -> tuple[float, float, float]:
    """(photos/s, faces/s, peak GPU memory in MiB) for one pass over `paths`."""
    if analyzer.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(analyzer.device)
    start = time.perf_counter()
    faces = sum(len(a.faces) for a in analyzer.analyse_batch(paths, batch_faces=batch, workers=workers,
                                                              threads=max(2, workers)))
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated(analyzer.device) / 2**20 if analyzer.device.type == "cuda" else 0.0
    return len(paths) / seconds, faces / seconds, peak


def agreement(gpu: Analyzer, cpu: Analyzer, paths: list[Path]) -> tuple[float, float]:
    """Largest difference of calibrated quality and of the pixel maps between the two devices."""
    dq = dm = 0.0
    for a, b in zip(gpu.analyse_batch(paths), cpu.analyse_batch(paths)):
        for fa, fb in zip(a.faces, b.faces):
            dq = max(dq, abs(fa.quality - fb.quality))
            dm = max(dm, float(np.abs(fa.plq_chip - fb.plq_chip).max()))
    return dq, dm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=str(REPO / "tests" / "fixtures" / "portraits"))
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--batches", default="1,4,16,64")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--cpu-n", type=int, default=32, help="photos for the CPU comparison (slow)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: this benchmark needs a GPU (the CPU path is measured by bench_engine.py)")
        return 2
    paths = photos(Path(args.photos), args.n)
    gpu = Analyzer(device=args.device)
    cpu = Analyzer(device="cpu")
    print(f"device {gpu.device_name}; {len(paths)} photos from {args.photos}; "
          f"{args.workers} detection processes; torch {torch.__version__}")
    list(gpu.analyse_batch(paths[:8], batch_faces=8, workers=1))  # warm-up: kernels, allocator
    print(f"{'batch':>5} {'photos/s':>9} {'faces/s':>8} {'GPU MiB':>8}")
    best = 0.0
    for batch in (int(b) for b in args.batches.split(",")):
        per_s, faces_s, peak = throughput(gpu, paths, batch, args.workers)
        best = max(best, faces_s)
        print(f"{batch:>5} {per_s:>9.1f} {faces_s:>8.1f} {peak:>8.0f}")
    cpu_paths = paths[: args.cpu_n]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        list(cpu.analyse_batch(cpu_paths, batch_faces=16, workers=1))
        times.append(time.perf_counter() - start)
    cpu_rate = len(cpu_paths) / statistics.median(times)
    print(f"CPU path on this machine: {cpu_rate:.1f} photos/s (median of 3 passes over {len(cpu_paths)} photos)")
    dq, dm = agreement(gpu, cpu, cpu_paths)
    print(f"GPU vs CPU: max |quality difference| {dq:.2e}, max |map difference| {dm:.2e} (tolerance {TOLERANCE:g})")
    verdict = "met" if best >= TARGET_FACES_PER_S else "NOT met"
    print(f"best: {best:.0f} faces/s (target >= {TARGET_FACES_PER_S:.0f}: {verdict})")
    return 0 if dq < TOLERANCE and dm < TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
