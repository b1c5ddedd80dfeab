"""What an officer waits for in a large folder: opening it, sorting, filtering, and one decision key.

The list's cost must not grow with the folder: a decision with auto-advance is timed in a folder of 60 photos and
in one of N (3,000 by default) in the same run, and their ratio is printed beside its target. The photos are hard
links to the bundled portraits under other names (the session resolves symbolic links, which would fold them into
20), analysed by the test suite's fake engine: this measures the window, not the engine.

    python benchmarks/bench_large_folder.py [--n 3000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LIST_TARGET_MS = 100.0  # a list action the officer waits for (the performance walk-through's expectation)
DECISION_RATIO_TARGET = 1.5  # a decision in N photos against one in 60
DECISIONS = 15


def make_folder(root: Path, n: int) -> Path:
    """`n` differently named photos, hard links to the bundled portraits."""
    folder = root / f"photos_{n}"
    folder.mkdir()
    portraits = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg"))
    for i in range(n):
        os.link(portraits[i % len(portraits)], folder / f"applicant_{i:05d}.jpg")
    return folder


def timed_ms(action: Callable[[], object]) -> float:
    from PySide6.QtWidgets import QApplication

    start = time.perf_counter()
    action()
    QApplication.processEvents()
    return (time.perf_counter() - start) * 1000


def measure(folder: Path, data_dir: Path) -> dict[str, float]:
    """One window on `folder`: every photo analysed, then the list actions and DECISIONS decision keys."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from pfiq_desktop import appdirs
    from pfiq_desktop.gui.app import wait_until
    from pfiq_desktop.gui.browser import WORST_FIRST
    from pfiq_desktop.gui.main_window import MainWindow
    from tests.gui.fakes import fake_factory

    os.environ[appdirs.DATA_DIR_ENV] = str(data_dir)
    window = MainWindow(engine_factory=fake_factory(), restore_geometry=False)
    window.decisions.ask_officer_name = lambda current: "Bench Officer"
    window.setWindowState(Qt.WindowState.WindowNoState)  # maximised on a screen it fills (offscreen: 800x800)
    window.resize(1400, 860)
    window.show()
    wait_until(lambda: window.worker.engine is not None, 60)
    browser = window.browser
    figures = {"open": timed_ms(lambda: window.open_paths([str(folder)]))}
    wait_until(lambda: all(record.analysis is not None for record in window.session.records), 600)
    figures["sort worst first"] = timed_ms(lambda: browser.sort.setCurrentIndex(WORST_FIRST))
    figures["sort by name"] = timed_ms(lambda: browser.sort.setCurrentIndex(0))
    figures["filter undecided"] = timed_ms(lambda: browser.filter.setCurrentIndex(1))
    figures["filter all"] = timed_ms(lambda: browser.filter.setCurrentIndex(0))
    browser.select_row(browser.proxy.rowCount() // 2)
    browser.view.setFocus()
    keys = []
    for _ in range(DECISIONS):
        keys.append(timed_ms(lambda: QTest.keyClick(browser.view, Qt.Key.Key_R)))
        wait_until(lambda: False, 0.05)
    figures["decision"] = statistics.median(keys)
    window.shutdown()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    from pfiq_desktop.gui.app import make_app

    _app = make_app()  # held to the end: the windows live in it
    with tempfile.TemporaryDirectory(prefix="pfiq-bench-large-") as tmp:
        root = Path(tmp)
        small = measure(make_folder(root, 60), root / "data_small")
        large = measure(make_folder(root, args.n), root / "data_large")
    print(f"{args.n} photos (fake engine; medians of {DECISIONS} decision keys; machine: {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f})")
    for action, ms in large.items():
        if action != "decision":
            print(f"  {action:18s} {ms:7.1f} ms  (target <= {LIST_TARGET_MS:.0f} ms) "
                  f"{'OK' if ms <= LIST_TARGET_MS else 'OVER TARGET'}")
    ratio = large["decision"] / small["decision"]
    print(f"  decision key       {large['decision']:7.1f} ms, {small['decision']:.1f} ms in 60 photos: ratio {ratio:.2f} "
          f"(target <= {DECISION_RATIO_TARGET}) {'OK' if ratio <= DECISION_RATIO_TARGET else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
