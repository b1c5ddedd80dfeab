"""The client's loop: chunks go out to the workers, results stream back with `as_completed` into the store.

Only a window of chunks is in flight at any time (twice the cluster's threads),
so an archive of millions of photos never becomes millions of futures on the
client. Dask re-runs the tasks of a worker that dies; each chunk's result is
written once when it arrives, and the store's key makes a second write of the
same photo harmless. A chunk that Dask gives up on (it killed workers again and
again) is recorded as failed, photo by photo, and the run goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass

from distributed import Client, Future, as_completed

from pfiq_desktop.archive.chunk import ChunkResult, PhotoOutcome
from pfiq_desktop.archive.config import EngineConfig
from pfiq_desktop.archive.store import ResultStore
from pfiq_desktop.archive.worker import EngineMismatch, analyse_on_worker
from pfiq_desktop.engine.defaults import CHUNK_PHOTOS

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (photos done in this run, photos submitted in this run)
_WINDOW_REFRESH_S = 5.0  # how often the in-flight window follows workers joining or leaving


@dataclass
class AuditSummary:
    """What one run did; `client_seconds`: wall time the client's loop spent on each result (storing it)."""

    run_id: int = 0
    listed: int = 0
    skipped: int = 0
    submitted: int = 0
    analysed: int = 0
    problems: int = 0  # analysed, but an unusable image or no face
    failed: int = 0  # no analysis: unreadable file, engine failure, lost chunk
    elapsed: float = 0.0
    client_seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # this process's CPU over the run (with a LocalCluster: the scheduler's too)

    @property
    def done(self) -> int:
        return self.analysed + self.failed


def chunks(paths: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(paths), size):
        yield list(paths[start : start + size])


class _Window:
    """How many chunks to keep in flight: twice the cluster's worker threads, looked up now and then."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._size = 0
        self._checked = -_WINDOW_REFRESH_S

    def size(self) -> int:
        if time.monotonic() - self._checked >= _WINDOW_REFRESH_S:
            self._size = max(2, 2 * sum(self._client.nthreads().values()))
            self._checked = time.monotonic()
        return self._size


def _lost(chunk: list[str], problem: BaseException) -> ChunkResult:
    """A chunk Dask could not finish: each photo recorded as failed, to be tried again by the next run."""
    error = f"chunk not analysed: {type(problem).__name__}: {problem}"
    return ChunkResult("", [PhotoOutcome(path, error=error) for path in chunk])


def run_audit(
    client: Client,
    store: ResultStore,
    config: EngineConfig,
    plugin_name: str,
    listed: int,
    pending: Sequence[str],
    chunk_size: int = CHUNK_PHOTOS,
    progress: Progress | None = None,
) -> AuditSummary:
    """Analyse `pending` on the cluster into `store`; Ctrl-C stops it with every finished chunk stored."""
    summary = AuditSummary(listed=listed, skipped=listed - len(pending), submitted=len(pending))
    summary.run_id = store.start_run(config, listed, summary.skipped, len(pending))
    start, cpu_start = time.perf_counter(), time.process_time()
    todo = chunks(pending, chunk_size)
    in_flight: dict[Hashable, tuple[Future[ChunkResult], list[str]]] = {}
    window = _Window(client)
    futures = as_completed(with_results=True, raise_errors=False)  # results fetched in the background

    def top_up() -> None:
        while len(in_flight) < window.size() and (chunk := next(todo, None)) is not None:
            future = client.submit(analyse_on_worker, chunk, plugin_name, pure=False)
            in_flight[future.key] = (future, chunk)
            futures.add(future)

    status = "failed"
    try:
        top_up()
        for future, payload in futures:
            busy = time.perf_counter()
            result = _result(future, payload, in_flight.pop(future.key)[1])
            if result.config_hash and result.config_hash != config.hash:
                raise EngineMismatch(f"a worker returned results of engine configuration {result.config_hash}, "
                                     f"expected {config.hash}")
            store.write(summary.run_id, config.hash, result.outcomes)
            _count(summary, result.outcomes)
            future.release()
            top_up()
            summary.client_seconds += time.perf_counter() - busy
            if progress is not None:
                progress(summary.done, summary.submitted)
        status = "done"
    except KeyboardInterrupt:
        status = "cancelled"
        raise
    finally:
        if in_flight:  # stopped early: the workers drop what is queued
            client.cancel([future for future, _ in in_flight.values()])
        summary.elapsed = time.perf_counter() - start
        summary.client_cpu_seconds = time.process_time() - cpu_start
        store.finish_run(summary.run_id, status)
    return summary


def _result(future: Future[ChunkResult], payload: object, chunk: list[str]) -> ChunkResult:
    """The chunk's result, or each photo failed when Dask gave up on it (KilledWorker, cancelled, a task error)."""
    if isinstance(payload, ChunkResult):
        return payload
    problem = payload if isinstance(payload, BaseException) else future.exception()
    if not isinstance(problem, BaseException):
        problem = RuntimeError(f"no result from the task ({future.status})")
    log.warning("chunk of %d photos (%s ...) lost: %r", len(chunk), chunk[0], problem)
    return _lost(chunk, problem)


def _count(summary: AuditSummary, outcomes: list[PhotoOutcome]) -> None:
    for outcome in outcomes:
        if not outcome.analysed:
            summary.failed += 1
        else:
            summary.analysed += 1
            summary.problems += outcome.columns.get("verdict") == "error" or not outcome.columns.get("faces")
