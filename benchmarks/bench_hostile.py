"""Worst-case time and memory per photo over the hostile-input corpus (the README's "Reliability" figures).

    python benchmarks/bench_hostile.py [--threads 1] [--memory-cases 4]

Builds the corpus of tests/hostile/corpus.py, runs the real Analyzer over every
file (one torch thread by default: on a shared, overloaded machine torch's
spinning OpenMP threads otherwise measure the neighbours, not the photo), and
prints the slowest photos with their decoding ("load") share. Then it runs the
largest cases once more, each in a fresh process, and reports the peak memory
the photo added on top of the loaded engine (ru_maxrss after minus before).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.hostile.corpus import build_corpus

# Linux: writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current size, so the peak the photo
# causes is measured apart from the (higher) peak of loading the models.
_MEMORY_PROBE = """
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[2]))
from pfiq_desktop.engine import Analyzer

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

analyzer = Analyzer(device="cpu")
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS:")
start = time.perf_counter()
result = analyzer.analyse(sys.argv[1])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "added_mb": status("VmHWM:") - before, "verdict": result.verdict,
                  "error": (result.errors or [""])[0][:100]}))
"""


def run_all(files: list[Path], threads: int) -> list[tuple[float, float, str, str]]:
    """(total s, load s, file name, verdict) for every file, slowest first."""
    import torch

    torch.set_num_threads(threads)
    from pfiq_desktop.engine import Analyzer
    from pfiq_desktop.engine.filenames import display_name

    analyzer = Analyzer(device="cpu")
    rows = []
    for path in files:
        start = time.perf_counter()
        result = analyzer.analyse(path)
        rows.append((time.perf_counter() - start, result.timings.get("load", 0.0), display_name(path.name), result.verdict))
    return sorted(rows, reverse=True)


def memory_of(path: Path, threads: int) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(path), str(threads)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--memory-cases", type=int, default=4, help="largest cases re-run in their own process")
    args = parser.parse_args()
    from pfiq_desktop.engine.discovery import find_images

    with tempfile.TemporaryDirectory(prefix="pfiq-hostile-") as tmp:
        cases = build_corpus(Path(tmp) / "corpus")
        found = find_images([Path(tmp) / "corpus"])
        started = time.perf_counter()
        rows = run_all(found.files, args.threads)
        total = time.perf_counter() - started
        print(f"corpus: {len(cases)} cases, {len(found.files)} files analysed, {len(found.skipped)} skipped entries reported; "
              f"{total:.0f} s in all")
        print("slowest photos (total s, of which decoding s):")
        for seconds, load, name, verdict in rows[:8]:
            print(f"  {seconds:6.2f}  {load:6.2f}  {name[:50]:<50} {verdict}")
        largest = sorted(found.files, key=lambda p: p.stat().st_size if p.is_file() else 0, reverse=True)
        named = [p for p in found.files if p.name in ("huge_face_59mp.jpg", "huge_rgba_59mp.png", "bomb_16bit_rgba.png",
                                                       "valid.jpg")]
        print("peak memory added by one photo on top of the loaded engine:")
        for path in dict.fromkeys([*named, *largest[: args.memory_cases]]):
            probe = memory_of(path, args.threads)
            print(f"  {probe['added_mb']:7.0f} MB  {probe['seconds']:6.2f} s  {path.name[:40]:<40} {probe['verdict']} "
                  f"{probe['error']}")


if __name__ == "__main__":
    main()
