"""Archive audit throughput on a LocalCluster: photos per second with 1 and 2 workers, and the client's cost.

What it measures (the README's cluster-size calculation uses these figures):
- photos/s of `run_audit` with 1 and then 2 local worker processes (one thread each), on the same
  photos, after the engine is loaded and warmed up on every worker (start-up is not throughput);
  the scaling ratio is rate(2) / rate(1), ideally 2.0 on two free cores;
- the engine's wall time per photo (the `seconds` column) and the workers' CPU time per photo, the
  cost of a photo on a core that no other job shares (what the sizing uses);
- the client's work per photo during those runs (the wall time its loop spends on each result,
  mostly writing the store), and the store alone fed with a real analysis (JSON ~80 kB);
- the client's overhead per photo: the whole pipeline (Dask, transfer, store) with a stand-in engine
  that returns that analysis at once, so the workers do next to nothing: the client process's CPU
  per photo (with a LocalCluster it hosts the scheduler too) and the photos per second reached.

    python benchmarks/bench_archive.py [--photos 32] [--chunk 8] [--replay 2000]

On a shared machine the figures follow its load; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.archive.chunk import PhotoOutcome
from pfiq_desktop.archive.cluster import load_engine, start_local_cluster
from pfiq_desktop.archive.config import engine_config
from pfiq_desktop.archive.runner import AuditSummary, run_audit
from pfiq_desktop.archive.sources import expand_sources
from pfiq_desktop.archive.store import ResultStore
from pfiq_desktop.archive.worker import EngineSettings
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.icao import Profile, load_profile
from pfiq_desktop.engine.results import Analysis

ARCHIVE = 10_000_000
DAY_S = 24 * 3600


def make_photos(folder: Path, count: int) -> list[str]:
    """`count` 600x800 portraits of the sample with distinct bytes (a faint, different noise each)."""
    image = cv2.imread(str(REPO / "resources" / "sample_astronaut.jpg"))
    portrait = cv2.resize(image[0:330, 90:420], (600, 800), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    for index in range(count):
        noisy = np.clip(portrait + rng.normal(0, 2, portrait.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"photo_{index:04d}.jpg"), noisy, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return [str(path) for path in expand_sources([folder]).files]


@dataclass
class Measured:
    summary: AuditSummary
    engine_seconds: list[float]  # wall time of each analysis, as the engine timed it
    worker_cpu: float  # CPU seconds all worker processes used during the run: the cost free of other jobs' load


def audit(workers: int, paths: list[str], chunk: int, scratch: Path, settings: EngineSettings | None = None,
          name: str = "audit") -> Measured:
    """One timed run on a fresh LocalCluster and store, after the engine is loaded and warmed up."""
    from distributed import Client

    profile = load_profile("icao-9303")
    config = engine_config(profile, "probe-ensemble", "gradient")
    settings = settings or EngineSettings("cpu", profile, "probe-ensemble", "gradient", config.hash)
    cluster = start_local_cluster(workers)
    client = Client(cluster)
    try:
        plugin = load_engine(client, settings)
        with ResultStore(scratch / f"warm-{name}-{workers}.sqlite") as warm:  # first analyses pay torch's lazy set-up
            run_audit(client, warm, config, plugin, workers, paths[:workers], 1)
        cpu_before = client.run(time.process_time)
        with ResultStore(scratch / f"{name}-{workers}.sqlite") as store:
            summary = run_audit(client, store, config, plugin, len(paths), paths, chunk)
            seconds = [float(row[0]) for batch in store.rows(["seconds"], config.hash) for row in batch]
        cpu_after = client.run(time.process_time)
    finally:
        client.close()
        cluster.close()
    return Measured(summary, seconds, sum(cpu_after[w] - cpu_before[w] for w in cpu_after))


class ReplayEngine:
    """Stands in for the Analyzer on the workers: a stored analysis at once, so the client becomes the limit."""

    def __init__(self, template_json: str, profile: Profile, model_sha256: str) -> None:
        self.template_json = template_json
        self.profile = profile
        self.estimator = SimpleNamespace(name="probe-ensemble")
        self.map_method = "gradient"
        self.model_sha256 = model_sha256

    def analyse_batch(self, paths: list[str], *_options: int) -> Iterator[Analysis]:
        for path in paths:
            analysis = Analysis.from_json(self.template_json)
            analysis.source, analysis.image_sha256 = path, file_sha256(path)
            yield analysis


@dataclass(frozen=True)
class ReplaySettings(EngineSettings):
    template_json: str = ""

    def build(self) -> ReplayEngine:  # type: ignore[override]
        return ReplayEngine(self.template_json, self.profile, engine_config(self.profile, "x", "y").model_sha256)


def client_limit(scratch: Path, template_json: str, photos: int, chunk: int) -> Measured:
    """The same pipeline with instant analyses of `photos` tiny files: the client's own cost per photo."""
    folder = scratch / "tiny"
    folder.mkdir()
    for index in range(photos):
        (folder / f"{index:06d}.jpg").write_bytes(index.to_bytes(8, "little") * 64)
    paths = [str(path) for path in expand_sources([folder]).files]
    profile = load_profile("icao-9303")
    config = engine_config(profile, "probe-ensemble", "gradient")
    settings = ReplaySettings("cpu", profile, "probe-ensemble", "gradient", config.hash, template_json=template_json)
    return audit(2, paths, chunk, scratch, settings, name="replay")


def store_only(paths: list[str], scratch: Path, chunk: int, photos: int = 2000) -> float:
    """Seconds per photo for the client's store alone, fed outcomes with a real analysis's JSON and columns."""
    with ResultStore(scratch / "audit-1.sqlite") as source:
        config = source.latest_config() or ""
        columns = source.result_columns()
        row = next(iter(source.rows(columns, config)))[0]
    record = dict(zip(columns, row))
    flat = {k: v for k, v in record.items() if k.startswith(("check_", "region_")) or k in ("verdict", "faces", "quality")}
    outcomes = [
        PhotoOutcome(f"/archive/{i:08d}.jpg", 100_000, i, f"{i:064x}", str(record["analysis_json"]), flat, "", 0.1, "w")
        for i in range(photos)
    ]
    with ResultStore(scratch / "store-only.sqlite") as store:
        start = time.perf_counter()
        for first in range(0, photos, chunk):
            store.write(1, config, outcomes[first : first + chunk])
        return (time.perf_counter() - start) / photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=32)
    parser.add_argument("--chunk", type=int, default=8)
    parser.add_argument("--replay", type=int, default=2000, help="photos for the client-limit run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as temp:
        scratch = Path(temp)
        (scratch / "photos").mkdir()
        paths = make_photos(scratch / "photos", args.photos)
        print(f"{len(paths)} photos, chunks of {args.chunk}; load average before: {os.getloadavg()[0]:.1f}")
        rates, cpu = {}, {}
        for workers in (1, 2):
            measured = audit(workers, paths, args.chunk, scratch)
            summary = measured.summary
            assert summary.analysed == len(paths) and summary.failed == 0, summary
            rates[workers] = summary.done / summary.elapsed
            cpu[workers] = measured.worker_cpu / summary.done
            print(f"{workers} worker(s): {rates[workers]:.2f} photos/s ({summary.elapsed:.1f} s); engine wall "
                  f"{statistics.median(measured.engine_seconds) * 1000:.0f} ms/photo (median), worker CPU "
                  f"{cpu[workers] * 1000:.0f} ms/photo; client loop {1000 * summary.client_seconds / summary.done:.1f} "
                  f"ms/photo; load average {os.getloadavg()[0]:.1f}")
        per_photo = store_only(paths, scratch, args.chunk)
        with ResultStore(scratch / "audit-1.sqlite") as store:
            template = next(store.analyses(store.latest_config() or "")).to_json()
        replay = client_limit(scratch, template, args.replay, 16)
    ratio = rates[2] / rates[1]
    print(f"scaling 1 -> 2 workers: {ratio:.2f}x (efficiency {ratio / 2:.0%})")
    print(f"store alone: {per_photo * 1000:.2f} ms/photo -> ~{1 / per_photo:.0f} photos/s")
    limit = replay.summary
    print(f"client overhead (instant analyses, 2 workers, chunks of 16): {limit.done / limit.elapsed:.0f} photos/s; "
          f"client+scheduler CPU {1000 * limit.client_cpu_seconds / limit.done:.2f} ms/photo, "
          f"client loop {1000 * limit.client_seconds / limit.done:.2f} ms/photo")
    need = ARCHIVE / DAY_S
    core_s = statistics.mean(cpu.values())
    print(f"10 million photos in 24 h: {need:.1f} photos/s; at {core_s * 1000:.0f} CPU-ms per photo: "
          f"{math.ceil(need * core_s)} busy worker cores (before margins)")


if __name__ == "__main__":
    main()
