"""Report fixtures: decisions from a real store, pages rendered by poppler (the sample analysis is in tests/conftest)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture()
def store(tmp_path):
    from pfiq_desktop.review import ReviewStore

    with ReviewStore(tmp_path / "reviews.sqlite3", app_version="0.1.0") as s:
        yield s


@pytest.fixture()
def decided_item(sample_analysis, sample_image, store):
    """The sample with a retake then a reject decision recorded through the store's public API."""
    from pfiq_desktop.reports.inputs import item_from_store

    analysis = sample_analysis
    sha = analysis.image_sha256 or "0" * 64
    analysis.image_sha256 = sha
    failed = [c.id for c in analysis.failed_checks()]
    store.record_decision(analysis.source, sha, "retake", reasons=["expression"], officer="j.smith",
                          verdict=analysis.verdict, failed_checks=failed)
    store.record_decision(analysis.source, sha, "reject", reasons=["mouth open", "background"],
                          note="New photo needed: neutral expression, plain wall.", officer="j.smith",
                          verdict=analysis.verdict, failed_checks=failed)
    item = item_from_store(store, analysis)
    item.image = sample_image
    return item


def pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return exe


def render_page(pdf: Path, page: int = 1, dpi: int = 40) -> np.ndarray:
    """Page `page` of `pdf` as an RGB array, rendered by poppler."""
    import cv2

    out = pdf.with_suffix("")
    subprocess.run([pdftoppm(), "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(pdf), str(out)],
                   check=True, capture_output=True, timeout=60)
    image = cv2.imread(str(out) + ".png")
    assert image is not None
    return image[..., ::-1]
