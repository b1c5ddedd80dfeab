"""What a worker does with one chunk of photos: hash, analyse, flatten; never raises for one photo.

Dask-free, so it runs and is tested without a cluster. A photo that cannot be
read at all (vanished, no permission) or that crashes the engine comes back with
its error and no analysis; a photo that is read but is not a usable image comes
back with an analysis whose verdict is 'error' (as `pfiq analyse` writes it).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pfiq_desktop.archive.columns import SqlValue, flat_columns
from pfiq_desktop.engine.defaults import BATCH_FACES, MAP_POLICIES
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.results import Analysis, Verdict

if TYPE_CHECKING:
    from pfiq_desktop.engine.analyzer import Analyzer

log = logging.getLogger(__name__)


@dataclass
class PhotoOutcome:
    """One photo's result as it travels from a worker to the client's store."""

    path: str
    size: int | None = None
    mtime_ns: int | None = None
    photo_sha256: str = ""  # empty when the file could not be read
    analysis_json: str | None = None
    columns: dict[str, SqlValue] = field(default_factory=dict)
    error: str = ""  # why there is no analysis
    seconds: float = 0.0
    worker: str = ""

    @property
    def analysed(self) -> bool:
        return self.analysis_json is not None


@dataclass
class ChunkResult:
    """A chunk's outcomes, in the chunk's order, with the configuration of the engine that made them."""

    config_hash: str
    outcomes: list[PhotoOutcome]


def _identify(path: str, worker: str) -> PhotoOutcome:
    """Size, modification time and content hash: what the store keys and skips by."""
    outcome = PhotoOutcome(path, worker=worker)
    try:
        stat = os.stat(path)
        outcome.size, outcome.mtime_ns = stat.st_size, stat.st_mtime_ns
        outcome.photo_sha256 = file_sha256(path)
    except OSError as problem:
        outcome.error = f"cannot read the file: {problem.strerror or problem}"
    return outcome


def keeps_maps(policy: str, analysis: Analysis) -> bool:
    """Whether an analysis is stored with its maps under `policy` (one of MAP_POLICIES)."""
    if policy not in MAP_POLICIES:
        raise ValueError(f"unknown map policy {policy!r}; choose one of {', '.join(MAP_POLICIES)}")
    return policy == "all" or (policy == "flagged" and analysis.verdict != Verdict.PASS.value)


def _record(outcome: PhotoOutcome, analysis: Analysis, maps: str) -> None:
    outcome.photo_sha256 = analysis.image_sha256 or outcome.photo_sha256
    outcome.analysis_json = (analysis if keeps_maps(maps, analysis) else analysis.without_maps()).to_json()
    outcome.columns = flat_columns(analysis)
    outcome.seconds = analysis.timings.get("total", 0.0)


def _analyse_one(analyzer: Analyzer, outcome: PhotoOutcome, maps: str) -> None:
    try:
        _record(outcome, analyzer.analyse(outcome.path), maps)
    except Exception as crash:  # the engine never raises for a bad photo: this is a bug, recorded, the chunk goes on
        log.exception("the engine failed on %s", outcome.path)
        outcome.error = f"engine failure: {type(crash).__name__}: {crash}"


def analyse_chunk(analyzer: Analyzer, paths: Sequence[str], config_hash: str, worker: str = "",
                  batch_faces: int = BATCH_FACES, maps: str = "all") -> ChunkResult:
    """Every path's outcome, in order. Faces of the chunk share network batches, as in `pfiq analyse`; `maps`
    (MAP_POLICIES) says which analyses keep their pixel maps."""
    outcomes = [_identify(path, worker) for path in paths]
    readable = [outcome for outcome in outcomes if not outcome.error]
    start = time.perf_counter()
    try:
        for outcome, analysis in zip(readable, analyzer.analyse_batch([o.path for o in readable], batch_faces, 1, 1)):
            _record(outcome, analysis, maps)
    except Exception:  # one photo broke the batch: analyse the rest one by one so only that photo fails
        log.exception("batch analysis failed after %.1f s; analysing the chunk photo by photo", time.perf_counter() - start)
        for outcome in readable:
            if not outcome.analysed:
                _analyse_one(analyzer, outcome, maps)
    return ChunkResult(config_hash, outcomes)
