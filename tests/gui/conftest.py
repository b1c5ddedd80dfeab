import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.photos import PORTRAITS, write_portraits


@pytest.fixture
def portraits():
    """The folder of bundled public-domain portraits (tests/fixtures/portraits, 20 photos)."""
    return PORTRAITS


@pytest.fixture
def portrait_folder(tmp_path):
    """make(n, broken=True): a folder of n portrait photos (the bundled ones, then variants of them) plus,
    with `broken`, one damaged file zz_broken.jpg."""
    def make(n: int = 6, broken: bool = True):
        return write_portraits(tmp_path / "photos", n, broken)
    return make


@pytest.fixture
def make_window(qtbot, data_dir):
    """Build MainWindows sharing one data folder (settings, review store, cache); closed at the end."""
    from PySide6.QtCore import Qt

    from pfiq_desktop.gui.main_window import MainWindow
    from pfiq_desktop.settings import SettingsStore

    windows = []
    SettingsStore().update(officer="test-officer")

    def make(factory=None, size=(1400, 860), **kwargs):
        w = MainWindow(engine_factory=factory, **kwargs)
        w.decisions.ask_officer_name = lambda current: current  # the officer confirms the saved name
        w.decisions.ask_discard_drafts = lambda names: True  # pytest-qt closes the window after the test: no modal question
        qtbot.addWidget(w)
        if size:  # a window of that size, not maximised as on a screen it fills (the offscreen screen is 800x800)
            w.setWindowState(Qt.WindowState.WindowNoState)
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
    """One real Analyzer for the whole session (models load once). An engine that fails to load fails these tests:
    it is installed with the project, so a skip would hide a broken engine."""
    from pfiq_desktop.engine.analyzer import Analyzer

    return Analyzer(device="cpu")


@pytest.fixture
def real_factory(real_engine):
    """Engine factory for MainWindow handing out the shared real Analyzer, reset to the asked profile."""
    from pfiq_desktop.engine import icao

    def make(device, profile):
        real_engine.profile = icao.load_profile(profile)
        return real_engine

    return make
