"""A really full disk (a tmpfs with no byte free): every output is an error naming the file, never a corrupt file.

Before the fix, `pfiq report --format pdf` on a nearly full disk left truncated and
0-byte PDFs, printed "4 files written" and exited 0.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from pfiq_desktop.atomic import OutputError
from pfiq_desktop.reports.export import write_csv, write_json
from pfiq_desktop.reports.figures import save_annotated_png
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.pdf_report import write_pdf_report
from pfiq_desktop.review import ReviewStore
from tests.photos import REPO


@pytest.fixture
def item(sample_analysis, sample_image):
    return ReportItem(sample_analysis, image=sample_image)


WRITERS = {
    "report.pdf": lambda path, item: write_pdf_report(path, item),
    "annotated.png": lambda path, item: save_annotated_png(path, item.image, item.analysis),
    "results.csv": lambda path, item: write_csv(path, [item]),
    "results.json": lambda path, item: write_json(path, [item]),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_output_on_a_full_disk_is_an_error_and_the_old_file_survives(small_disk, item, name):
    disk = small_disk("4m")
    target = disk.path / name
    WRITERS[name](target, item)  # a first, complete version
    before = target.read_bytes()
    disk.fill()
    with pytest.raises(OutputError) as caught:
        WRITERS[name](target, item)
    assert str(target) in str(caught.value) and "No space left on device" in str(caught.value)
    assert target.read_bytes() == before  # not truncated, not replaced
    assert disk.listing() == [name]  # and no temp file left behind
    disk.free_up()
    WRITERS[name](target, item)  # space again: it works again


def test_pfiq_report_on_a_full_disk_exits_3_naming_the_file(small_disk, sample_analysis, tmp_path):
    disk = small_disk("4m")
    saved = tmp_path / "sample.json"
    saved.write_text(sample_analysis.to_json())
    disk.fill()
    env = dict(os.environ, PFIQ_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "report", str(saved), "--out", str(disk.path),
                          "--format", "pdf,png,csv,json", "--no-store"], cwd=REPO, capture_output=True, text=True,
                         timeout=600, env=env)
    assert run.returncode == 3, run.stdout + run.stderr
    assert f"error: Cannot write {disk.path / 'sample_astronaut.pdf'}: No space left on device" in run.stderr
    assert "files written" not in run.stdout and "Traceback" not in run.stderr
    assert disk.listing() == []


def test_the_review_store_on_a_full_disk_refuses_the_decision_and_stays_intact(small_disk, tmp_path):
    disk = small_disk("2m")
    path = disk.path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        store.record_decision(tmp_path / "a.jpg", "a" * 64, "reject", officer="kim")
        disk.fill()
        with pytest.raises(OutputError) as caught:
            for n in range(200):  # the WAL has some room left in its last page: fill that too
                store.record_decision(tmp_path / f"b{n}.jpg", f"{n:064d}", "retake", officer="kim", note="x" * 2000)
        assert f"Cannot save a decision to the review store {path}" in str(caught.value)
        assert "full" in str(caught.value)
        saved_before_full = n
        disk.free_up()
        store.record_decision(tmp_path / "c.jpg", "c" * 64, "accept", officer="kim")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with ReviewStore(path) as store:
        assert store.decision_for(tmp_path / "a.jpg", "a" * 64).decision == "reject"
        assert store.decision_for(tmp_path / "c.jpg", "c" * 64).decision == "accept"
        assert store.decision_for(tmp_path / f"b{saved_before_full}.jpg", f"{saved_before_full:064d}") is None
        assert store.verify().ok
        assert len(store.audit_log()) == saved_before_full + 2


def test_pfiq_analyse_on_a_full_disk_exits_3(small_disk, tmp_path):
    disk = small_disk("1m")
    disk.fill()
    env = dict(os.environ, PFIQ_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "analyse", str(REPO / "resources" / "sample_astronaut.jpg"),
                          "--out", str(disk.path), "--device", "cpu"], cwd=REPO, capture_output=True, text=True,
                         timeout=600, env=env)
    # the annotated PNG is written first (the JSON last, so an interrupted run leaves no JSON without its PNG)
    assert run.returncode == 3 and f"Cannot write {disk.path / 'sample_astronaut.png'}" in run.stderr
    assert "stopped after 0 of 1 photo. Mend the cause above and run it again" in run.stderr  # how far it got, said
    assert "verdict" not in run.stdout  # no table's header without rows (CLI walk-through)
    assert "\\n" not in run.stderr  # on lines of their own (a newline inside one error read "\n" literally)
    assert disk.listing() == []
