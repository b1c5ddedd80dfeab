import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

REPO = Path(__file__).resolve().parents[2]
FACES = REPO.parent / "shared" / "data" / "faces"
PORTRAITS = FACES / "portraits_official"


@pytest.fixture
def portraits():
    if not PORTRAITS.is_dir():
        pytest.skip(f"shared portraits absent: {PORTRAITS} (needs ../shared/data/faces next to the repo)")
    return PORTRAITS


@pytest.fixture
def portrait_folder(portraits, tmp_path):
    """A small copy of the official portraits plus one damaged file."""
    def make(n: int = 6, broken: bool = True) -> Path:
        folder = tmp_path / "photos"
        folder.mkdir(exist_ok=True)
        for src in sorted(portraits.glob("*.jpg"))[:n]:
            shutil.copy(src, folder / src.name)
        if broken:
            (folder / "zz_broken.jpg").write_bytes(b"this is not a jpeg")
        return folder
    return make


@pytest.fixture
def make_window(qtbot, data_dir):
    """Build MainWindows sharing one data folder (settings, review store, cache); closed at the end."""
    from pfiq_desktop.gui.main_window import MainWindow
    from pfiq_desktop.settings import SettingsStore

    windows = []
    SettingsStore().update(officer="test-officer")

    def make(factory=None, size=(1400, 860), **kwargs):
        w = MainWindow(engine_factory=factory, **kwargs)
        qtbot.addWidget(w)
        if size:
            w.resize(*size)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.shutdown()


@pytest.fixture(autouse=True)
def _qt_test_mode(qapp):
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    yield


@pytest.fixture(scope="session")
def real_engine():
    """One real Analyzer for the whole session (models load once)."""
    if os.environ.get("PFIQ_TEST_FAKE_ENGINE"):  # developer switch while the engine is being written
        from tests.gui.fakes import FakeAnalyzer

        return FakeAnalyzer("cpu")
    try:
        from pfiq_desktop.engine.analyzer import Analyzer

        return Analyzer(device="cpu")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the real engine is not available: {type(exc).__name__}: {exc}")


@pytest.fixture
def real_factory(real_engine):
    """Engine factory for MainWindow handing out the shared real Analyzer, reset to the asked profile."""
    from tests.gui.fakes import FakeAnalyzer, fake_profile

    def make(device, profile):
        if isinstance(real_engine, FakeAnalyzer):
            real_engine.profile = fake_profile(profile)
        else:
            from pfiq_desktop.engine import icao

            real_engine.profile = icao.load_profile(profile)
        return real_engine

    return make
