"""Shared fixtures: the public-domain astronaut portrait, one Analyzer, a fresh data folder.

Photos: tests/photos.py (the bundled portraits and the developers' optional ../shared data).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every test writes its decisions, cache, settings and log into a throw-away folder, never the user's own.
os.environ["PFIQ_DATA_DIR"] = tempfile.mkdtemp(prefix="pfiq-tests-")

from tests.photos import refuse_shared_reads, shared_hidden

if shared_hidden():  # PFIQ_TEST_NO_SHARED=1 acts as a fresh clone: reading ../shared at all fails the test
    sys.addaudithook(refuse_shared_reads)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def analyzer():
    from pfiq_desktop.engine import Analyzer

    return Analyzer(device="cpu")


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh application data folder for this test (decisions, cache, settings, log)."""
    folder = tmp_path / "app-data"
    monkeypatch.setenv("PFIQ_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session", autouse=True)
def _one_qt_application(qapp):
    """pytest-qt's QApplication exists before report code could make a bare QGuiApplication (Qt allows one)."""
    return qapp
