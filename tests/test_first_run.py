"""The README's first command works on a freshly set-up machine: Qt's xcb plugin loads and run.sh opens a window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.photos import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 (xcb) is the Linux desktop path")


def _xcb_plugin() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def test_every_library_of_the_xcb_plugin_resolves():
    """setup.sh installed what Qt's X11 plugin links (a missing libxcb-icccm4 stopped run.sh before)."""
    run = subprocess.run(["ldd", str(_xcb_plugin())], capture_output=True, text=True, check=True)
    missing = [line.split()[0] for line in run.stdout.splitlines() if "not found" in line]
    assert not missing, f"libraries Qt's xcb plugin needs are missing: {missing} (run bash scripts/setup.sh as root)"


@pytest.fixture
def x_display(tmp_path):
    """A plain X server (Xvfb, installed by setup.sh) on a free display number."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is not installed: scripts/setup.sh installs it (package xvfb)"
    number = 90 + os.getpid() % 50
    server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_run_sh_opens_the_window_on_a_plain_x_server(x_display, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=x_display, PFIQ_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run(["bash", "scripts/run.sh", "--startup-probe"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "painted" in run.stdout, run.stdout + run.stderr


def test_run_sh_explains_a_missing_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY")}
    env["PFIQ_DATA_DIR"] = str(tmp_path / "data")
    run = subprocess.run(["bash", "scripts/run.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "needs a screen" in run.stderr and "xvfb-run" in run.stderr


def test_run_sh_starts_the_installed_application_when_setup_cannot_refresh_it(tmp_path):
    # upgrade walk-through: a release whose setup changed stopped the application on an offline or read-only
    # workstation (pip could not reach the index); the environment already installed still starts, with a warning
    install = tmp_path / "install"
    (install / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "run.sh", install / "scripts" / "run.sh")
    (install / "scripts" / "setup.sh").write_text("echo 'ERROR: Could not find a version (offline)' >&2\nexit 1\n")
    shutil.copy(REPO / "main.py", install / "main.py")
    (install / ".venv").symlink_to(REPO / ".venv")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PFIQ_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run(["bash", "scripts/run.sh", "--version"], cwd=install, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0 and "PFIQ Desktop" in run.stdout, run.stdout + run.stderr
    assert "could not be brought up to date" in run.stderr
    (install / ".venv").unlink()  # nothing installed: setup's failure stops it, as before
    failed = subprocess.run(["bash", "scripts/run.sh", "--version"], cwd=install, env=env, capture_output=True, text=True,
                            timeout=600)
    assert failed.returncode == 1 and "offline" in failed.stderr


def test_the_windows_version_and_help_answer_without_loading_torch():
    # the window's entry read its --device option from the command line's package, which imported torch first:
    # `--version` took 2.4 s where it took 0.28 (claims audit)
    code = "import sys; import pfiq_desktop.gui.app; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "False", run.stderr


def test_the_commands_help_version_and_audit_answer_without_loading_torch(tmp_path):
    # `pfiq analyse`'s --quality and --map-method choices were read from the engine's torch modules as the parser was
    # built, so `pfiq --version`, `--help` and `pfiq audit verify` took 2 s, 1 s of it loading torch
    code = ("import sys; from pfiq_desktop.cli import main; code = main(['audit', 'verify']); "
            "print(code, 'torch' in sys.modules)")
    env = dict(os.environ, PFIQ_DATA_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120, env=env)
    assert run.stdout.split()[-1] == "False", run.stdout + run.stderr


def test_every_quality_estimator_is_offered_by_the_name_the_commands_list():
    # the names are kept without torch for the commands' options (defaults.QUALITY_ESTIMATORS); an estimator class left
    # out of them would be offered nowhere
    from pfiq_desktop.engine.defaults import QUALITY_ESTIMATORS
    from pfiq_desktop.engine.quality import ESTIMATORS, QualityEstimator

    def named(cls):
        return [cls] * bool(getattr(cls, "name", "")) + [c for sub in cls.__subclasses__() for c in named(sub)]

    assert {cls.name for cls in named(QualityEstimator)} == set(QUALITY_ESTIMATORS) == set(ESTIMATORS)
