"""The bundled test photos stay small, documented and usable, and PFIQ_TEST_NO_SHARED really hides ../shared."""

from __future__ import annotations

import hashlib

import pytest

from tests import photos
from tests.photos import FIXTURES, PORTRAITS, SHARED_FACES, portrait_paths

SIZE_BUDGET = 300_000  # bytes for everything under tests/fixtures


def test_every_fixture_file_is_listed_in_sources_and_the_set_stays_small():
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    files = [p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    assert len(files) == len(portrait_paths()) == 20
    unlisted = [p.name for p in files if f"| {p.name} |" not in sources]
    assert not unlisted, f"add origin and licence to tests/fixtures/SOURCES.md for {unlisted}"
    assert sum(p.stat().st_size for p in files) + len(sources.encode()) < SIZE_BUDGET


def test_each_bundled_portrait_shows_exactly_one_detectable_face():
    from pfiq_desktop.engine.faces import FaceDetector

    detector = FaceDetector()
    counts = {p.name: len(detector.detect(photos.load_portrait(i))) for i, p in enumerate(portrait_paths())}
    assert set(counts.values()) == {1}, counts


def test_write_portraits_makes_distinct_photos_beyond_the_bundled_ones(tmp_path):
    folder = photos.write_portraits(tmp_path / "many", 25)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 26 and names[-1] == photos.BROKEN_NAME
    assert names[:20] == [p.name for p in portrait_paths()]  # bundled first, byte for byte
    assert (folder / names[0]).read_bytes() == portrait_paths()[0].read_bytes()
    assert all(n.startswith("v1_") for n in names[20:25])
    hashes = {hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names[:25]}
    assert len(hashes) == 25


def test_no_shared_switch_hides_the_data_with_a_reason_that_names_it(monkeypatch):
    monkeypatch.setenv(photos.NO_SHARED_ENV, "1")
    reason = photos.shared_missing("defects_yale")
    assert reason is not None
    assert "../shared/data/faces/defects_yale" in reason and "not needed for the product" in reason
    assert f"{photos.NO_SHARED_ENV}=1" in reason
    monkeypatch.setenv(photos.NO_SHARED_ENV, "0")
    assert photos.shared_missing("no_such_folder_anywhere").endswith(f"{SHARED_FACES / 'no_such_folder_anywhere'})")


def test_no_shared_guard_refuses_reads_inside_shared_only():
    guard = photos.refuse_shared_reads
    with pytest.raises(PermissionError, match=r"PFIQ_TEST_NO_SHARED=1"):
        guard("open", (str(SHARED_FACES / "portraits_official" / "014435.jpg"), "r", 0))
    with pytest.raises(PermissionError):
        guard("os.scandir", (SHARED_FACES,))
    guard("open", (str(PORTRAITS / "014435.jpg"), "r", 0))  # the bundled photos are fine
    guard("open", (3, "r", 0))  # file descriptors are not paths
    guard("open", (str(SHARED_FACES) + "_elsewhere", "r", 0))  # a sibling with a common prefix
    guard("exec", (SHARED_FACES,))  # other events are not looked at
