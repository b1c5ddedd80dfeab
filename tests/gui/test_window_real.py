"""The real window driven end to end with the real engine on the shared official portraits."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from pfiq_desktop.gui.compare_view import DIMMED_FACE
from pfiq_desktop.palette import MAP_SCALES
from pfiq_desktop.review import ReviewStore

REPO = Path(__file__).resolve().parents[2]


def _wait_all(qtbot, w, timeout=120_000):
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=timeout)


class _Counting:
    """Counts calls to the engine's network path (analyse)."""

    def __init__(self, engine, monkeypatch):
        self.calls = 0
        original = engine.analyse

        def analyse(source):
            self.calls += 1
            return original(source)

        monkeypatch.setattr(engine, "analyse", analyse)


def test_real_window_full_flow_and_restore(qtbot, make_window, portrait_folder, real_engine, real_factory,
                                           monkeypatch, tmp_path, data_dir):
    counter = _Counting(real_engine, monkeypatch)
    folder = portrait_folder(8)  # 8 portraits + one damaged file
    w = make_window(real_factory, size=(1100, 700))
    assert w.open_paths([str(folder)]) == 9
    _wait_all(qtbot, w)
    entries = w.browser.model.entries
    assert counter.calls == 9
    broken = w.browser.model.entry(str((folder / "zz_broken.jpg").resolve()))
    assert broken.status == "error" and broken.analysis.errors  # bad input did not stop the batch
    good = [e for e in entries if e is not broken]
    assert all(e.analysis.ok and e.analysis.faces and e.analysis.checks for e in good)
    assert all(e.status in ("pass", "warn", "fail") for e in good)

    # keyboard navigation in the browser
    w.browser.select_row(0)
    view = w.browser.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.session.current == w.browser.visible_paths()[1]
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert w.session.current == w.browser.visible_paths()[-1]
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert w.session.current == w.browser.visible_paths()[0]
    qtbot.keyClick(view, Qt.Key.Key_Down)
    current = w.browser.model.entry(w.session.current)
    assert w.compare.analysis is current.analysis
    assert w.compare.heat_image.isVisible()
    assert w.checklist.tree.topLevelItemCount() == len(current.analysis.checks)
    # the colour bar shows the shown map's palette from its lowest to its highest colour as the overlay draws them over
    # skin (at the slider's opacity), under one label
    scale = MAP_SCALES[w.compare.map_shown()]
    bar = w.compare.colorbar.bar.pixmap().toImage()
    column = [bar.pixelColor(bar.width() // 2, y).getRgb()[:3] for y in range(bar.height())]
    drawn = scale.as_drawn(2, w.compare.opacity.value() / 100, DIMMED_FACE)
    ends = {tuple(int(c) for c in colour) for colour in drawn}
    assert all(min(np.abs(np.subtract(end, c)).max() for c in ends) <= 3 for end in (column[-1], column[0])), (column, ends)
    assert len(set(column)) > 10
    labels = [w.compare.colorbar.getAxis(side).labelText for side in ("left", "right")]
    assert sorted(labels, key=bool)[0] == "" and sum(bool(text) for text in labels) == 1

    # click a check: its evidence is drawn over the photo
    items = [it for it in w.checklist.check_items() if it.data(0, Qt.ItemDataRole.UserRole).evidence.has_geometry()]
    assert items, "some check should carry evidence geometry"
    target = items[0]
    rect = w.checklist.tree.visualItemRect(target)
    w.checklist.tree.scrollToItem(target)
    rect = w.checklist.tree.visualItemRect(target)
    qtbot.mouseClick(w.checklist.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(12, rect.center().y()))
    assert w.compare.check is target.data(0, Qt.ItemDataRole.UserRole)
    assert w.compare.evidence_item_count() >= 1

    # switch the profile: checks re-evaluate without running the network again
    calls = counter.calls
    other = next(p for p in w.profiles if p != w.checklist.profile.currentText())
    w.checklist.profile.setCurrentText(other)
    qtbot.waitUntil(lambda: all(e.analysis.profile == other for e in good), timeout=60_000)
    # the status bar names the profile in use, and says when the re-evaluation is done (both stayed as before)
    qtbot.waitUntil(lambda: f"profile {other}" in w.engine_text.text(), timeout=10_000)
    assert w.status_text.text() == f"Profile {other}: {len(good)} photos re-evaluated"
    assert counter.calls == calls
    assert w.checklist.analysis.profile == other

    # decisions by keyboard shortcut (R, T) and an accept (with a note when it overrides)
    w.decisions.auto_advance = False
    decided = {}
    for key, kind in ((Qt.Key.Key_R, "reject"), (Qt.Key.Key_T, "retake")):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        qtbot.keyClick(view, key)
        decided[w.session.current] = kind
        assert w.browser.model.entry(w.session.current).decision.decision == kind
    qtbot.keyClick(view, Qt.Key.Key_Down)
    entry = w.browser.model.entry(w.session.current)
    w.decision.note.setPlainText("checked by hand")
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert entry.decision is not None and entry.decision.decision == "accept"
    assert entry.decision.overridden == [c.id for c in entry.analysis.failed_checks()]
    decided[w.session.current] = "accept"
    profile_used = entry.decision.profile
    assert profile_used == other

    # restart: same settings and store -> decisions and geometry restored, no re-analysis (cache)
    w.browser_dock.setFloating(True)  # a layout change that must survive the restart
    saved_height = w.height()
    w.close()
    w.shutdown()
    w2 = make_window(real_factory, size=None)
    assert w2.browser_dock.isFloating()
    assert w2.height() == saved_height  # (the offscreen screen clamps the width)
    w2.browser_dock.setFloating(False)
    assert w2.checklist.profile.currentText() == other
    w2.open_paths([str(folder)])
    for path, kind in decided.items():
        assert w2.browser.model.entry(path).decision.decision == kind
    calls = counter.calls
    _wait_all(qtbot, w2)
    assert counter.calls - calls <= 1  # only the damaged file is retried; the rest come from the cache
    for path, kind in decided.items():  # still there once the hashes are known
        assert w2.browser.model.entry(path).decision.decision == kind
    store = ReviewStore(data_dir / "reviews.sqlite3")
    log = store.audit_log()
    assert len(log) == 3 and {e.officer for e in log} == {"test-officer"}
    assert all(e.app_version and e.profile and e.model_sha256 for e in log)
    store.close()


@pytest.mark.slow
def test_kill9_during_batch_loses_no_decision(portrait_folder, real_engine, tmp_path):
    """A child window records decisions while its batch runs; kill -9 must not lose any of them."""
    folder = portrait_folder(60, broken=False)
    data = tmp_path / "kill"
    store_path = data / "reviews.sqlite3"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), PFIQ_DATA_DIR=str(data))
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_decide_child.py")), str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(REPO),
    )
    saved: dict[str, str] = {}
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("SAVED "):
                _, kind, path = line.rstrip("\n").split(" ", 2)
                saved[path] = kind
                if len(saved) >= 6:
                    break
        assert len(saved) >= 6, child.stderr.read() if child.poll() is not None else "child too slow"
        os.kill(child.pid, signal.SIGKILL)  # mid-batch: it keeps deciding until killed
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(store_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = ReviewStore(store_path)
    for path, kind in saved.items():
        decision = store.decision_for(path)
        assert decision is not None and decision.decision == kind, path
    assert len(store.audit_log()) >= len(saved)
    store.close()


def test_self_test_flag_exits_zero(real_engine):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, str(REPO / "main.py"), "--self-test"], capture_output=True, text=True,
                            timeout=300, cwd=str(REPO), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test OK" in result.stdout


@pytest.mark.alone
def test_event_loop_stall_during_batch(qtbot, make_window, portraits, real_factory, tmp_path):
    """Longest event-loop stall while the real engine analyses a batch and the officer looks at an analysed photo: what
    the batch itself costs the window (its signals, the list, the progress, the engine holding the interpreter). Showing
    a photo's results is the window's own work, whether a batch runs or not: `bench_gui_stall` measures it with the rest
    (it browses while its 50 photos are analysed)."""
    from benchmarks.stall_meter import StallMeter

    paths = sorted(str(p) for p in portraits.glob("*.jpg"))[:20]
    w = make_window(real_factory)
    qtbot.waitUntil(lambda: w.worker.engine is not None, timeout=60_000)
    meter = StallMeter(5)
    meter.start()
    w.open_paths(paths)
    # the opening action and the first photo's results shown: on a slow 2-core machine, the first results drawn in a new
    # window took 36-57 ms of the window's own time (47 ms a photo when browsing): the benchmark reports it
    qtbot.waitUntil(lambda: w.compare.analysis is not None, timeout=60_000)
    qtbot.wait(100)
    assert sum(e.analysis is None for e in w.browser.model.entries) >= 10  # at least half the batch is still to come
    meter.restart_stats()
    _wait_all(qtbot, w)
    meter.stop()
    print(f"longest event-loop stall during a {len(paths)}-image batch: {meter.worst * 1000:.1f} ms "
          f"(GUI-thread CPU {meter.worst_cpu * 1000:.1f} ms, p99 {meter.percentile(99) * 1000:.1f} ms; target < 50 ms)")
    # the GUI thread's own work per event-loop turn stays under the 50 ms target; the wall-clock figure
    # also counts time a busy shared CI machine gives to other processes, so it is bounded loosely
    assert meter.worst_cpu < 0.05
    assert meter.worst < 0.5


def test_the_crop_view_frames_the_face_crop_when_the_photo_s_analysis_comes(qtbot, make_window, portrait_folder,
                                                                           real_factory):
    # the photo is shown while it is analysed; in the crop view its 150 px crop then came in the photo's range, a
    # speck in a corner of a black view (second usability walk-through)
    w = make_window(real_factory)
    w.compare.mode.setCurrentIndex(1)
    w.open_paths([portrait_folder(1, broken=False)])
    _wait_all(qtbot, w)
    qtbot.waitUntil(lambda: w.compare.left_image.image is not None and w.compare.left_image.image.shape[:2] == (150, 150))
    (left, right), _ = w.compare.left_view.viewRange()
    assert left > -10 and right < 160, (left, right)
