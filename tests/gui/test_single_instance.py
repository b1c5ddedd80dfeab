"""A second launch on the same data folder opens its photos in the window already running (counter walk-through: each
photo opened from the file manager started another copy of the application, with its own engine and window)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pfiq_desktop.gui.single_instance import InstanceServer, hand_over, server_name
from tests.gui.fakes import fake_factory

REPO = Path(__file__).resolve().parents[2]


def test_a_second_launch_hands_its_photo_to_the_running_window_and_quits(qtbot, make_window, portrait_folder):
    folder = portrait_folder(2, broken=False)
    photo = sorted(folder.glob("*.jpg"))[1]
    w = make_window(fake_factory())
    InstanceServer(w).opened.connect(w.open_handed_over)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # the same PFIQ_DATA_DIR (the data_dir fixture's)
    launch = subprocess.Popen([sys.executable, str(REPO / "main.py"), photo.name], cwd=str(folder), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: launch.poll() is not None, timeout=60_000)
    finally:
        launch.kill()  # (a window of its own would stay open after the test)
    assert launch.returncode == 0, launch.stderr.read()
    # a relative path, made absolute by the launch: the window's working folder is another
    qtbot.waitUntil(lambda: [r.path for r in w.session.records] == [str(photo.resolve())], timeout=10_000)
    assert w.windowTitle().startswith(f"{photo.name} ({folder.name})")


def test_with_no_window_running_a_launch_opens_its_own(qtbot, data_dir, tmp_path, monkeypatch):
    assert not hand_over(["x.jpg"])  # nothing listens: the launch goes on to open a window
    server = InstanceServer()
    got: list[list[str]] = []
    server.opened.connect(got.append)
    assert hand_over([]) and hand_over(["a b.jpg"])  # started again without photos: the window comes to the front
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert got == [[], [str(Path("a b.jpg").absolute())]]
    first = server_name()
    monkeypatch.setenv("PFIQ_DATA_DIR", str(tmp_path / "another"))  # another data folder: another window
    assert server_name() != first and not hand_over(["x.jpg"])
