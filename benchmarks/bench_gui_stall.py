"""Longest GUI event-loop stall while the real engine analyses a 50-image batch.

A 5 ms precise QTimer runs on the GUI thread during the batch; how late it
fires is how long the event loop was blocked. Target: under 50 ms. After the
batch, the window's own time to show the next analysed photo (Down), results
filled in and painted, with the same target.

    python benchmarks/bench_gui_stall.py [FOLDER] [--n 50] [--fake]

FOLDER defaults to ../shared/data/faces/portraits_official next to the repo.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(REPO.parent / "shared" / "data" / "faces" / "portraits_official"))
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--fake", action="store_true", help="use the test suite's fake engine (GUI cost only)")
    args = parser.parse_args()
    folder = Path(args.folder)
    paths = sorted(str(p) for p in folder.glob("*.jpg"))[: args.n]
    if len(paths) < args.n:
        print(f"need {args.n} photos in {folder}, found {len(paths)}")
        return 2

    from PySide6.QtCore import Qt

    from benchmarks.stall_meter import StallMeter
    from pfiq_desktop import appdirs
    from pfiq_desktop.gui.app import make_app, wait_until
    from pfiq_desktop.gui.main_window import MainWindow

    _app = make_app()  # held to the end: the window lives in it
    if args.fake:
        from tests.gui.fakes import fake_factory

        factory = fake_factory(delay=0.15)
    else:
        from pfiq_desktop.gui.worker import default_engine_factory

        def factory(device, profile):  # as in the app: built in the worker thread
            t0 = time.perf_counter()
            engine = default_engine_factory("cpu", profile)
            engine.analyse(paths[0])  # warm-up outside the measurement (first call sets up kernels)
            print(f"engine loaded in {time.perf_counter() - t0:.2f} s (worker thread)")
            return engine

    os.environ[appdirs.DATA_DIR_ENV] = tempfile.mkdtemp(prefix="pfiq-bench-")  # a fresh store and cache
    window = MainWindow(engine_factory=factory, restore_geometry=False)
    window.setWindowState(Qt.WindowState.WindowNoState)  # maximised on a screen it fills (offscreen: 800x800)
    window.resize(1400, 860)
    window.show()
    wait_until(lambda: window.worker.engine is not None or bool(window.worker.engine_error), 120)
    if window.worker.engine is None:
        print(window.worker.engine_error)
        return 1
    meter = StallMeter(5)
    meter.start()
    start = time.perf_counter()
    window.open_paths(paths)
    # the opening click itself (listing, first photo, first paint) is one user action; measure it apart
    wait_until(lambda: False, 0.3)
    open_worst, open_cpu = meter.worst, meter.worst_cpu
    meter.restart_stats()
    # the officer browses while the batch runs: the GUI renders each new current photo
    step = [0]

    def browse():
        step[0] += 1
        if step[0] % 40 == 0:
            window.browser.step(1)
        return all(e.analysis is not None for e in window.browser.model.entries)

    ok = wait_until(browse, 600)
    elapsed = time.perf_counter() - start
    meter.stop()
    steps = next_photo_cost(window, len(paths) - 1)
    window.shutdown()
    errors = sum(1 for e in window.browser.model.entries if e.analysis is not None and e.analysis.errors)
    worst = meter.worst * 1000
    print(f"batch of {len(paths)} photos: {elapsed:.1f} s ({len(paths) / elapsed:.1f} photos/s), {errors} errors, finished={ok}")
    print(f"event-loop ticks: {meter.ticks}, p50 stall {meter.percentile(50) * 1000:.1f} ms, "
          f"p99 {meter.percentile(99) * 1000:.1f} ms")
    print(f"opening the folder (one user action, not during the batch): longest stall {open_worst * 1000:.1f} ms, "
          f"GUI-thread CPU {open_cpu * 1000:.1f} ms")
    verdict = "OK" if worst < TARGET_MS else "OVER TARGET"
    print(f"longest event-loop stall while the batch runs: {worst:.1f} ms (target < {TARGET_MS:.0f} ms) {verdict}")
    print(f"longest GUI-thread busy time between two ticks: {meter.worst_cpu * 1000:.1f} ms "
          f"(CPU the GUI thread itself used; the rest of a stall is the OS running other work)")
    print(f"showing the next analysed photo after the batch: median {statistics.median(steps):.1f} ms, worst "
          f"{max(steps):.1f} ms of GUI-thread CPU over {len(steps)} steps (target < {TARGET_MS:.0f} ms)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


def next_photo_cost(window, steps: int) -> list[float]:
    """GUI-thread CPU (ms) of each step to the next photo, its results filled in and painted: what Down costs."""
    from PySide6.QtWidgets import QApplication

    window.browser.select_row(0)
    QApplication.processEvents()
    costs = []
    for _ in range(steps):
        start = time.thread_time()
        window.browser.step(1)
        for _ in range(3):  # the step's own events, then the paint they asked for
            QApplication.processEvents()
        costs.append((time.thread_time() - start) * 1000)
    return costs


if __name__ == "__main__":
    sys.exit(main())
