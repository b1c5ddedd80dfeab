"""Every model file the engine loads is pinned; a missing or damaged one is a one-line error naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pfiq_desktop.engine import models
from pfiq_desktop.engine.models import (
    MMOD_DETECTOR,
    PINNED_SHA256,
    RECOGNITION_MODEL,
    SHAPE_PREDICTOR_5,
    SHAPE_PREDICTOR_68,
    ModelFileDamaged,
    ModelFileMissing,
    model_path,
)
from tests.photos import REPO


def model_folder(tmp_path: Path, damaged: str | None = None, missing: str | None = None) -> Path:
    """A model folder like the installed one: links to the real files, one of them a byte-flipped copy or absent."""
    folder = tmp_path / "models"
    folder.mkdir()
    for name in PINNED_SHA256:
        if name == missing:
            continue
        if name == damaged:
            data = bytearray(model_path(name).read_bytes())
            data[len(data) // 2] ^= 0x01  # dlib still loads this one and gives wrong landmarks
            (folder / name).write_bytes(bytes(data))
        else:
            (folder / name).symlink_to(model_path(name))
    return folder


@pytest.fixture
def use_models(monkeypatch):
    """Point the engine at another model folder (the hash cache is cleared before and after)."""
    def use(folder: Path) -> None:
        monkeypatch.setattr(models, "_model_dirs", lambda: [folder])
        models.verified_model_path.cache_clear()

    yield use
    models.verified_model_path.cache_clear()


def test_the_installed_files_match_their_pins():
    for name in PINNED_SHA256:
        assert models.verified_model_path(name) == model_path(name)


@pytest.mark.parametrize("name", [SHAPE_PREDICTOR_5, SHAPE_PREDICTOR_68, MMOD_DETECTOR])
def test_a_damaged_detector_model_stops_the_detector(tmp_path, use_models, name):
    from pfiq_desktop.engine.faces import FaceDetector

    use_models(model_folder(tmp_path, damaged=name))
    with pytest.raises(ModelFileDamaged) as caught:
        FaceDetector()
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"Model file {name} is damaged or replaced")


def test_a_missing_model_names_it(tmp_path, use_models):
    from pfiq_desktop.engine.faces import FaceDetector

    use_models(model_folder(tmp_path, missing=SHAPE_PREDICTOR_68))
    with pytest.raises(ModelFileMissing, match=f"Model file {SHAPE_PREDICTOR_68} is missing"):
        FaceDetector()


def run_cli_with_models(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pfiq ARGS` with the engine looking for its models in `folder`."""
    code = ("import sys; from pathlib import Path; import pfiq_desktop.engine.models as m\n"
            f"m._model_dirs = lambda: [Path({str(folder)!r})]\n"
            "from pfiq_desktop.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("damaged", "missing"), [(SHAPE_PREDICTOR_5, None), (None, RECOGNITION_MODEL)])
def test_the_cli_exits_2_with_one_line_naming_the_file(tmp_path, damaged, missing):
    sample = REPO / "resources" / "sample_astronaut.jpg"
    run = run_cli_with_models(model_folder(tmp_path, damaged, missing), "analyse", str(sample), "--out", str(tmp_path / "o"),
                              "--device", "cpu")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: Model file {damaged or missing} is ")
    second = tmp_path / "report"
    second.mkdir()
    report = run_cli_with_models(model_folder(second, damaged, missing), "report", str(sample), "--out", str(second / "out"),
                                 "--no-store")
    assert report.returncode == 2 and report.stderr.strip().splitlines()[-1].startswith(f"error: Model file {damaged or missing}")


def test_the_gui_says_which_model_file_is_damaged(qtbot, tmp_path, use_models):
    """The window's banner names the file (the real engine factory; it fails before loading any network)."""
    from pfiq_desktop.gui.main_window import MainWindow

    use_models(model_folder(tmp_path, damaged=SHAPE_PREDICTOR_5))
    window = MainWindow(restore_geometry=False)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.engine_text.text() == "engine unavailable", timeout=120_000)
        assert f"Model file {SHAPE_PREDICTOR_5} is damaged or replaced" in window.banner.text()
        assert not window.banner.isHidden()
    finally:
        window.shutdown()


def test_the_cache_key_covers_the_shipped_quality_head_and_calibration(tmp_path, monkeypatch):
    # the head, gauges and PLQ constants were refitted and the shared cache kept serving the old ones' analyses
    from importlib import resources

    from pfiq_desktop.engine import models

    shipped = resources.files("pfiq_desktop.engine.backbones")
    for entry in shipped.iterdir():
        if entry.is_file() and entry.name.endswith((".json", ".npz")):
            (tmp_path / entry.name).write_bytes(entry.read_bytes())
    keys = []
    try:
        for edit in (None, "quality_head_dlib_resnet_v1.json", "dlib_resnet_v1.json"):
            if edit:
                (tmp_path / edit).write_text((tmp_path / edit).read_text() + "\n")
            monkeypatch.setattr(models.resources, "files", lambda package: tmp_path)
            models.shipped_data_sha256.cache_clear()
            keys.append(models.models_sha256())
    finally:
        monkeypatch.undo()
        models.shipped_data_sha256.cache_clear()
    assert keys[0] == models.models_sha256() and len(set(keys)) == 3
