"""Shared fixtures: the public-domain astronaut portrait, the shared face data, one Analyzer."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every test writes its decisions, cache, settings and log into a throw-away folder, never the user's own.
os.environ["PFIQ_DATA_DIR"] = tempfile.mkdtemp(prefix="pfiq-tests-")

REPO = Path(__file__).resolve().parents[1]
SHARED_FACES = REPO.parent / "shared" / "data" / "faces"


def shared_faces(subfolder: str = "") -> Path:
    """Path into ../shared/data/faces, skipping the test with a clear reason when it is absent."""
    folder = SHARED_FACES / subfolder
    if not folder.exists():
        pytest.skip(f"shared test photos not found at {folder} (clone ../shared beside the repo)")
    return folder


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
