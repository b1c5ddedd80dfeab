"""The PyInstaller bundle: build it (or reuse a fresh build) and run the frozen app headless.

Selected on its own with `pytest -m frozen tests/test_frozen.py`; it takes a few minutes
(the build) and skips with a reason when PyInstaller is not installed. Set
PFIQ_FROZEN_REBUILD=1 to force a clean build even when dist/ is up to date.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.frozen


def _load_build_module():
    spec = importlib.util.spec_from_file_location("pfiq_packaging_build", REPO / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frozen_env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)  # never point the bundle at another Qt's plugins
    return env


@pytest.fixture(scope="module")
def frozen_exe() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install pyinstaller, or the project's 'build' extra)")
    build = _load_build_module()
    problems = build.check_environment()
    if problems:
        pytest.skip("environment cannot build the bundle: " + "; ".join(problems))
    if os.environ.get("PFIQ_FROZEN_REBUILD") or not build.is_fresh():
        build.build()
    exe = build.executable()
    assert exe.is_file(), f"the build produced no executable at {exe}"
    return exe


def test_frozen_version(frozen_exe: Path):
    from pfiq_desktop import __version__

    proc = subprocess.run([str(frozen_exe), "--version"], env=_frozen_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert __version__ in proc.stdout


def test_frozen_self_test(frozen_exe: Path):
    from PySide6.QtGui import QImage

    proc = subprocess.run([str(frozen_exe), "--self-test"], env=_frozen_env(), capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"frozen self-test failed (exit {proc.returncode}):\n{output[-4000:]}"
    assert "self-test OK" in proc.stdout, output[-4000:]
    match = re.search(r"window rendered to (\S+\.png)", proc.stdout)
    assert match, f"self-test did not say where it rendered the window:\n{proc.stdout}"
    png = Path(match.group(1))
    assert png.is_file(), f"rendered PNG missing: {png}"
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 400 and image.height() >= 300, (png, image.size())
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(image.height(), -1)
    assert pixels.std() > 5, f"rendered window is blank: {png}"
    assert len(np.unique(pixels[:, ::4][::4])) > 16, f"rendered window has almost no detail: {png}"


@pytest.mark.skipif(sys.platform != "linux", reason="layout check written for the Linux one-dir bundle")
def test_bundle_ships_only_used_models(frozen_exe: Path):
    from pfiq_desktop.engine import models

    internal = frozen_exe.parent / "_internal"
    shipped = sorted(p.name for p in (internal / "face_recognition_models" / "models").iterdir())
    assert shipped == sorted(models.USED_MODELS)
    assert (internal / "resources" / "sample_astronaut.jpg").is_file()
    assert (internal / "pfiq_desktop" / "engine" / "backbones" / "dlib_resnet_v1.json").is_file()
    assert list((internal / "pfiq_desktop" / "engine" / "icao" / "profiles").glob("*.toml"))
    face_model = internal / "pfiq_desktop" / "engine" / "icao" / "data"
    assert (face_model / "face_model_68.json").is_file() and (face_model / "NOTICE").is_file()
    # one Qt only, and no CUDA
    assert not list(internal.rglob("libQt5*")), "a second Qt (Qt 5) is in the bundle"
    assert not [p for p in internal.rglob("*") if p.name.startswith(("libcudart", "libcudnn", "libcublas"))]
