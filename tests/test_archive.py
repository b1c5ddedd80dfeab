"""`pfiq audit-archive` on a real LocalCluster with 2 worker processes: same results as `pfiq analyse`,
resume after an interruption, and no photo lost or doubled when a worker is killed mid-run.

One cluster serves the whole module (starting worker processes that import torch is most of the
cost on a small machine); the command line connects to it with --scheduler, as it would to a
cluster on other machines. The store and key tests at the top need no cluster.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from pfiq_desktop.archive.chunk import PhotoOutcome
from pfiq_desktop.archive.config import engine_config
from pfiq_desktop.archive.sources import expand_sources
from pfiq_desktop.archive.store import ResultStore
from pfiq_desktop.cli import main
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.results import Analysis
from tests.photos import REPO

pytest.importorskip("distributed", reason="the archive audit needs the cluster extra (pip install .[cluster])")

SAMPLE = REPO / "resources" / "sample_astronaut.jpg"
ENGINE = ["--device", "cpu", "--profile", "icao-9303"]
# what may differ between two analyses of the same photo: when and how fast, where the file was named
VOLATILE = ("created", "checked", "timings", "source")


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """Eight photos with distinct bytes: the sample, variants of it, an exact copy plus a trailing byte,
    a faceless wall and a truncated file."""
    folder = tmp_path_factory.mktemp("archive") / "photos"
    folder.mkdir()
    data = SAMPLE.read_bytes()
    image = cv2.imread(str(SAMPLE))
    (folder / "astronaut.jpg").write_bytes(data)
    (folder / "copy plus one byte.jpg").write_bytes(data + b"\0")
    cv2.imwrite(str(folder / "mirrored.png"), cv2.flip(image, 1))
    cv2.imwrite(str(folder / "smaller.jpg"), cv2.resize(image, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(folder / "darker.jpg"), (image * 0.6).astype(np.uint8))
    cv2.imwrite(str(folder / "blurred.jpg"), cv2.GaussianBlur(image, (0, 0), 3))
    cv2.imwrite(str(folder / "wall.png"), np.full((240, 200, 3), 170, np.uint8))
    (folder / "broken.jpg").write_bytes(data[: len(data) // 3])
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, started by the same code the command uses; (client, address)."""
    from distributed import Client

    from pfiq_desktop.archive.cluster import start_local_cluster

    local = start_local_cluster(2)
    client = Client(local)
    try:
        yield client, local.scheduler_address
    finally:
        client.close()
        local.close()


def config_hash() -> str:
    return engine_config(load_profile("icao-9303"), DEFAULT_QUALITY_ESTIMATOR, "gradient").hash


def stored(store_path: Path) -> dict[str, Analysis]:
    """The store's analyses of the default configuration by file name."""
    with ResultStore(store_path) as store:
        return {Path(a.source).name: a for a in store.analyses(config_hash())}


def result_rows(store_path: Path, columns: str) -> list[tuple]:
    with sqlite3.connect(store_path) as conn:
        return conn.execute(f"SELECT {columns} FROM results ORDER BY path").fetchall()


def assert_same(ours: object, theirs: object, where: str = "") -> None:
    """Equal: every text, count and verdict exactly, numbers up to float rounding."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), where
        for key in ours:
            if key in ("plq_chip", "deviation_chip"):  # float16 maps: compare decoded, within float16's step
                assert np.allclose(_decode(ours[key]), _decode(theirs[key]), rtol=2e-3, atol=2e-3, equal_nan=True), where
            else:
                assert_same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list) and isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(ours, float) or isinstance(theirs, float):
        # measured: quality 9e-6, check values 3e-6 apart (1 vs 2 torch threads, other batches)
        assert ours == pytest.approx(theirs, rel=1e-4, abs=5e-5, nan_ok=True), where
    else:
        assert ours == theirs, where


def _decode(data: dict[str, str]) -> np.ndarray:
    from pfiq_desktop.engine.results import decode_array

    return decode_array(data).astype(np.float32)


# -- the store and its key, no cluster --

def outcome(path: Path, sha: str, verdict: str = "pass") -> PhotoOutcome:
    stat = path.stat()
    return PhotoOutcome(str(path), stat.st_size, stat.st_mtime_ns, sha, '{"x": 1}',
                        {"verdict": verdict, "faces": 1, "check_pose_yaw_value": 3.5})


def test_the_key_makes_writes_idempotent_and_a_new_profile_or_a_changed_file_pending(tmp_path, photos):
    paths = [str(path) for path in expand_sources([photos]).files]
    assert len(paths) == 8 and all(os.path.isabs(p) for p in paths)
    default, strict = config_hash(), engine_config(load_profile("strict"), DEFAULT_QUALITY_ESTIMATOR, "gradient").hash
    assert default != strict and default == config_hash()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"one")
    with ResultStore(tmp_path / "store.sqlite") as store:
        for _ in range(2):  # Dask re-ran the task of a lost worker: the same result arrives twice
            store.write(1, default, [outcome(photo, "a" * 64)])
        assert store.count(default) == 1
        assert store.pending([str(photo)], default) == []
        assert store.pending([str(photo)], strict) == [str(photo)], "another profile must analyse again"
        photo.write_bytes(b"changed")
        assert store.pending([str(photo)], default) == [str(photo)], "a changed file must be analysed again"
        store.write(1, default, [PhotoOutcome(str(tmp_path / "gone.jpg"), error="cannot read the file")])
        assert store.failures(default) == [(str(tmp_path / "gone.jpg"), "cannot read the file")]
        assert store.pending([str(tmp_path / "gone.jpg")], default), "a failed photo is tried again"


def test_a_file_name_that_is_not_utf8_is_stored_and_given_back(tmp_path):
    # audit-archive stopped the whole archive on one Latin-1 name: "UnicodeEncodeError ... surrogates not allowed"
    from pfiq_desktop.engine.results import Analysis

    photo = tmp_path / os.fsdecode(b"latin1_\xe9t\xe9.jpg")
    photo.write_bytes(b"one")
    gone = tmp_path / os.fsdecode(b"gone_\xff.jpg")
    stored = outcome(photo, "a" * 64)
    stored.analysis_json = Analysis(source="elsewhere", image_size=(1, 1)).to_json()
    with ResultStore(tmp_path / "store.sqlite") as store:
        store.write(1, config_hash(), [stored, PhotoOutcome(str(gone), error="cannot read the file")])
        assert store.pending([str(photo), str(gone)], config_hash()) == [str(gone)]
        assert [analysis.source for analysis in store.analyses(config_hash())] == [str(photo)]
        assert store.failures(config_hash()) == [(str(gone), "cannot read the file")]


def test_a_file_list_names_photos_and_folders(tmp_path, photos):
    listing = tmp_path / "archive.txt"
    listing.write_text(f"# scanned 2024\n{photos / 'astronaut.jpg'}\n\n{photos}\n", encoding="utf-8")
    paths = [str(path) for path in expand_sources([listing]).files]
    assert len(paths) == 8 and paths[0].endswith("astronaut.jpg"), "listed twice, kept once"


def test_entries_that_cannot_be_photos_are_reported_not_ignored(tmp_path):
    # audit-archive said "0 skipped" for a broken link that `pfiq analyse` reports
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "lost.jpg").symlink_to(tmp_path / "gone.jpg")
    found = expand_sources([folder])
    assert found.files == [] and [(entry.path.name, entry.reason) for entry in found.skipped] == [
        ("lost.jpg", "a broken link (what it points to does not exist)")]


def test_a_chunk_stores_maps_only_where_the_policy_keeps_them(photos, analyzer, tmp_path, qapp):
    # a 10-million-photo store kept ~120 kB of maps per photo nobody would open (the maps are ~80 % of the JSON)
    from pfiq_desktop.archive.chunk import analyse_chunk, keeps_maps
    from pfiq_desktop.reports.pdf_report import write_pdf_report

    paths = [str(photos / "astronaut.jpg"), str(photos / "wall.png")]
    whole, bare = (analyse_chunk(analyzer, paths, "k", maps=policy).outcomes for policy in ("all", "none"))
    full, stripped = Analysis.from_json(whole[0].analysis_json), Analysis.from_json(bare[0].analysis_json)
    assert full.faces[0].deviation_chip.size and full.photo_map("deviation") is not None
    assert not stripped.faces[0].plq_chip.size and stripped.photo_map("deviation") is None
    assert len(bare[0].analysis_json) < 0.3 * len(whole[0].analysis_json)
    assert stripped.verdict == full.verdict and [c.verdict for c in stripped.checks] == [c.verdict for c in full.checks]
    assert stripped.faces[0].findings == full.faces[0].findings and bare[0].columns.keys() == whole[0].columns.keys()
    for name, value in whole[0].columns.items():  # two analyses of one photo: equal, but for float summation order
        assert bare[0].columns[name] == (pytest.approx(value, rel=1e-5, abs=1e-6) if isinstance(value, float) else value), name
    assert write_pdf_report(tmp_path / "no-map.pdf", stripped) >= 1  # a report without the map still writes
    passing = Analysis.from_dict(full.to_dict() | {"checks": []})  # no check failed or warned
    assert passing.verdict == "pass" and full.verdict != "pass"
    assert keeps_maps("flagged", full) and not keeps_maps("flagged", passing) and keeps_maps("all", passing)
    with pytest.raises(ValueError, match="flagged"):
        keeps_maps("some", full)


def test_a_report_from_the_store_loads_the_maps_only_for_what_draws_them(photos, analyzer, tmp_path, monkeypatch):
    # `pfiq report --results` held every stored analysis with its maps in memory, for a summary, CSV and JSON
    # that draw none: five times the memory an archive's report needs
    import pfiq_desktop.cli.report as report_command
    from pfiq_desktop.archive.chunk import analyse_chunk

    config = engine_config(load_profile("icao-9303"), DEFAULT_QUALITY_ESTIMATOR, "gradient")
    with ResultStore(tmp_path / "audit.sqlite") as store:
        run = store.start_run(config, 1, 0, 1)
        store.write(run, config.hash, analyse_chunk(analyzer, [str(photos / "astronaut.jpg")], config.hash).outcomes)
    loaded: dict[str, bool] = {}

    def capture(items, args, formats, problems, note=""):
        loaded[",".join(formats)] = bool(items[0].analysis.faces[0].plq_chip.size)
        return 0

    monkeypatch.setattr(report_command, "_write_reports", capture)
    for formats in ([], ["--format", "pdf"], ["--format", "csv,png"]):
        assert main(["report", "--results", str(tmp_path / "audit.sqlite"), "--out", str(tmp_path / "out"), *formats]) == 0
    assert loaded == {"summary,csv,json": False, "pdf": True, "csv,png": True}


def test_without_the_cluster_extra_the_command_says_how_to_get_it(monkeypatch, photos, tmp_path, capsys):
    for name in ("distributed", "pfiq_desktop.archive.cluster", "pfiq_desktop.archive.runner", "pfiq_desktop.archive.worker"):
        monkeypatch.setitem(sys.modules, name, None)  # as if Dask were not installed
    assert main(["audit-archive", str(photos), "--results", str(tmp_path / "s.sqlite")]) == 2
    assert "pip install 'pfiq-desktop[cluster]'" in capsys.readouterr().err


def test_the_desktop_application_and_the_command_line_load_no_dask():
    code = ("import sys, pfiq_desktop.cli, pfiq_desktop.gui.app; "
            "print([m for m in ('dask', 'distributed', 'pyarrow', 'pfiq_desktop.archive') if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0 and run.stdout.strip() == "[]", run.stdout + run.stderr


def test_progress_label_has_throughput_and_eta():
    from pfiq_desktop.cli.progress import RateMeter

    now = [100.0]
    meter = RateMeter(clock=lambda: now[0])
    assert meter.label(0, 50) == "0 photos/s, ETA -"
    now[0] = 110.0
    assert meter.label(20, 4020) == "2.0 photos/s, ETA 0:33:20"


# -- on the cluster --

def test_cluster_results_equal_a_local_analyse_and_report_from_the_store(tmp_path, photos, cluster, capsys, qapp):
    """(`qapp`: the summary PDF needs a Qt application; a full QApplication keeps later GUI tests working.)"""
    _client, address = cluster
    store, local, report = tmp_path / "audit.sqlite", tmp_path / "local", tmp_path / "report"
    code = main(["audit-archive", str(photos), "--results", str(store), "--scheduler", address, "--chunk", "3",
                 "--parquet", str(tmp_path / "audit.parquet"), *ENGINE])
    assert code == 1, "the broken file and the faceless wall are photo problems"
    assert main(["analyse", str(photos), "--out", str(local), "--format", "json", *ENGINE]) == 1
    analyses = stored(store)
    assert sorted(analyses) == sorted(p.name for p in photos.iterdir())
    for name, analysis in analyses.items():
        theirs = Analysis.from_json((local / f"{Path(name).stem}.json").read_text()).to_dict()
        ours = analysis.to_dict()
        for key in VOLATILE:
            ours.pop(key), theirs.pop(key)
        assert_same(ours, theirs, name)
    assert analyses["broken.jpg"].verdict == "error" and "broken.jpg" in analyses["broken.jpg"].errors[0]
    assert analyses["astronaut.jpg"].faces and analyses["wall.png"].verdict == "fail"
    rows = result_rows(store, "path, verdict, quality, check_pose_yaw_verdict, region_nose")
    assert len(rows) == 8 and {Path(r[0]).name: r[1] for r in rows} == {n: a.verdict for n, a in analyses.items()}
    astronaut = next(r for r in rows if r[0].endswith("/astronaut.jpg"))
    assert astronaut[2] == pytest.approx(analyses["astronaut.jpg"].faces[0].quality) and astronaut[4] is not None

    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "audit.parquet")
    assert table.num_rows == 8 and "analysis_json" not in table.column_names and "check_sharpness_value" in table.column_names

    capsys.readouterr()
    assert main(["report", "--results", str(store), "--out", str(report)]) == 1
    assert sorted(p.name for p in report.iterdir()) == ["pfiq-results.csv", "pfiq-results.json", "pfiq-summary.pdf"]
    with open(report / "pfiq-results.csv", encoding="utf-8-sig", newline="") as handle:
        table_rows = list(csv.DictReader(handle))
    assert {r["file"]: r["verdict"] for r in table_rows} == {n: a.verdict for n, a in analyses.items()}


def test_an_interrupted_run_resumes_with_only_the_rest(tmp_path, photos, cluster, capsys):
    from pfiq_desktop.archive.cluster import load_engine
    from pfiq_desktop.archive.runner import run_audit
    from pfiq_desktop.archive.worker import EngineSettings

    client, address = cluster
    profile = load_profile("icao-9303")
    config = engine_config(profile, DEFAULT_QUALITY_ESTIMATOR, "gradient")
    plugin = load_engine(client, EngineSettings("cpu", profile, DEFAULT_QUALITY_ESTIMATOR, "gradient", config.hash))
    paths = [str(path) for path in expand_sources([photos]).files]
    store_path = tmp_path / "audit.sqlite"

    def ctrl_c(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the user stops the run after its first chunk

    with ResultStore(store_path) as store, pytest.raises(KeyboardInterrupt):
        run_audit(client, store, config, plugin, len(paths), store.pending(paths, config.hash), 2, ctrl_c)
    first = result_rows(store_path, "path, run_id, stored_at")
    assert len(first) == 2 and {r[1] for r in first} == {1}

    capsys.readouterr()
    assert main(["audit-archive", str(photos), "--results", str(store_path), "--scheduler", address, "--maps", "none",
                 *ENGINE]) == 1
    err = capsys.readouterr().err
    assert "2 already in" in err and "6 to analyse" in err
    rows = result_rows(store_path, "path, run_id, stored_at")
    assert len(rows) == 8 and len({r[0] for r in rows}) == 8
    assert [r for r in rows if r[1] == 1] == first, "the first run's results are kept, not analysed again"
    resumed = {str(r[0]) for r in rows if r[1] == 2}
    with_maps = {a.source: bool(a.faces[0].plq_chip.size) for a in stored(store_path).values() if a.faces}
    assert with_maps == {source: source not in resumed for source in with_maps}  # the first run's photos keep theirs
    assert set(with_maps.values()) == {True, False}
    with sqlite3.connect(store_path) as conn:
        runs = conn.execute("SELECT run_id, status, skipped, submitted FROM runs ORDER BY run_id").fetchall()
    assert runs == [(1, "cancelled", 0, 8), (2, "done", 2, 6)]

    capsys.readouterr()
    assert main(["audit-archive", str(photos), "--results", str(store_path), "--scheduler", address, *ENGINE]) == 0
    assert "0 to analyse" in capsys.readouterr().err


def test_a_killed_worker_loses_no_photo_and_doubles_none(tmp_path, photos, cluster):
    """kill -9 of a worker process in the middle of a task: Dask re-runs its tasks, the store has each photo once."""
    from pfiq_desktop.archive.cluster import load_engine
    from pfiq_desktop.archive.runner import run_audit
    from pfiq_desktop.archive.worker import EngineSettings

    client, _address = cluster
    profile = load_profile("icao-9303")
    config = engine_config(profile, DEFAULT_QUALITY_ESTIMATOR, "gradient")
    plugin = load_engine(client, EngineSettings("cpu", profile, DEFAULT_QUALITY_ESTIMATOR, "gradient", config.hash))
    paths = [str(path) for path in expand_sources([photos]).files]
    killed: list[int] = []

    def kill_a_busy_worker(done: int, total: int) -> None:
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with ResultStore(tmp_path / "audit.sqlite") as store:
        summary = run_audit(client, store, config, plugin, len(paths), paths, 1, kill_a_busy_worker)
        assert store.failures(config.hash) == []
    assert killed, "no worker was busy to be killed"
    assert killed[0] not in client.run(os.getpid).values(), "the killed worker is gone (or replaced by a new process)"
    assert (summary.analysed, summary.failed) == (8, 0), "each chunk reached the client once"
    rows = result_rows(tmp_path / "audit.sqlite", "path, photo_sha256")
    assert sorted(r[0] for r in rows) == sorted(paths), "every photo exactly once"
    assert len({r[1] for r in rows}) == 8
