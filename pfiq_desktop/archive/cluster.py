"""Where the work runs: a LocalCluster of worker processes, or a running Dask scheduler."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from pfiq_desktop.archive.worker import EnginePlugin, EngineSettings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached at the given address."""


def default_workers() -> int:
    """One worker process per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_local_cluster(workers: int) -> LocalCluster:
    """`workers` processes with one thread each: the network and dlib both want a core of their own."""
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,  # a worker Dask restarts after a crash is expected here, not news
    )


@contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a LocalCluster started (and stopped) here."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except OSError as problem:  # refused, unknown host, timed out
            raise ClusterUnavailable(f"no Dask scheduler reachable at {scheduler}: {problem}") from problem
        try:
            yield client
        finally:
            client.close()
        return
    cluster = start_local_cluster(workers or default_workers())
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def load_engine(client: Client, settings: EngineSettings) -> str:
    """Load the engine on every worker, now and on any that joins later; the plugin's name for the tasks.

    Raises the worker's own error (an unknown device, an `EngineMismatch`) when a worker cannot load it.
    """
    client.register_plugin(EnginePlugin(settings), name=settings.plugin_name)
    log.info("engine %s loaded on %d workers", settings.plugin_name, len(client.scheduler_info()["workers"]))
    return settings.plugin_name
