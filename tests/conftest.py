"""Shared fixtures: the public-domain astronaut portrait, one Analyzer, a fresh data folder, a small full disk.

Photos: tests/photos.py (the bundled portraits and the developers' optional ../shared data).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every test writes its decisions, cache, settings and log into a throw-away folder, never the user's own.
os.environ["PFIQ_DATA_DIR"] = tempfile.mkdtemp(prefix="pfiq-tests-")

from tests.photos import refuse_shared_reads, shared_hidden

if TYPE_CHECKING:
    from tests.facenet import NativeFaceNet

if shared_hidden():  # PFIQ_TEST_NO_SHARED=1 acts as a fresh clone: reading ../shared at all fails the test
    sys.addaudithook(refuse_shared_reads)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold slow or frozen tests first, each file's tests in their own order: handed a file at a time
    (scripts/test.sh), two workers left the evaluation, the hostile corpus and the frozen build (200, 182 and 141 s)
    for last, and one waited on the other (forty-first session)."""
    heavy = {item.path for item in items if item.get_closest_marker("slow") or item.get_closest_marker("frozen")}
    items.sort(key=lambda item: item.path not in heavy)


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp):
    """A QApplication before any test runs: a report test alone would create a bare QGuiApplication
    (reports need no widgets), and a later window test would then abort."""
    return qapp


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """torch on one thread for the rest of the module: on a shared machine torch's spinning OpenMP threads measure
    the neighbours, and the backbone tests' many small networks run no faster on more."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def native() -> NativeFaceNet:
    """The backbone tests' randomly initialised face network (tests/facenet.py) in its native torch form, frozen."""
    from tests.facenet import NativeFaceNet, make_facenet

    net = NativeFaceNet(make_facenet())
    net.requires_grad_(False)
    return net


@pytest.fixture(scope="session")
def analyzer():
    from pfiq_desktop.engine import Analyzer

    return Analyzer(device="cpu")


@pytest.fixture(scope="session")
def sample_image() -> np.ndarray:
    """The bundled public-domain sample portrait as the engine sees it."""
    from tests.reports.synthetic import sample_rgb

    return sample_rgb()


@pytest.fixture(scope="session")
def sample_analysis(analyzer):
    """The real Analyzer's result on the sample photo (reports and fault tests)."""
    from tests.reports.synthetic import SAMPLE

    analysis = analyzer.analyse(SAMPLE)
    assert analysis.ok and analysis.faces, analysis.errors
    return analysis


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh application data folder for this test (decisions, cache, settings, log)."""
    folder = tmp_path / "app-data"
    monkeypatch.setenv("PFIQ_DATA_DIR", str(folder))
    return folder


class SmallDisk:
    """A tmpfs of a few MB at `path`; `fill()` leaves no byte free, `free_up()` gives the space back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler.bin"

    def fill(self) -> None:
        block = b"\x00" * 4096
        handle = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while os.write(handle, block):
                pass
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
        finally:
            os.close(handle)
        assert os.statvfs(self.path).f_bavail == 0

    def free_up(self) -> None:
        self._filler.unlink(missing_ok=True)

    def listing(self) -> list[str]:
        return sorted(p.name for p in self.path.rglob("*") if p.name != "filler.bin")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Callable[[str], SmallDisk]]:
    """`small_disk("4m")` mounts a tmpfs of that size; the test is skipped (with the reason) where mounting is refused."""
    mounted: list[Path] = []

    def mount(size: str) -> SmallDisk:
        path = tmp_path / f"disk{len(mounted)}"
        path.mkdir()
        run = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs for the full-disk test ({(run.stderr or run.stdout).strip()}); "
                        "run as root, as CI does")
        mounted.append(path)
        return SmallDisk(path)

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
