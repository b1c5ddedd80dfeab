"""The Dask side of a worker: a plugin that loads the engine once per worker, and the chunk task.

The plugin is registered under a name made of the configuration hash and the
device and marked idempotent: a second audit with the same engine on a running
cluster reuses the loaded engine, and workers that join later (or that Dask
restarts after a crash) load it when they start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from distributed import Worker, WorkerPlugin, get_worker

from pfiq_desktop.archive.chunk import ChunkResult, analyse_chunk
from pfiq_desktop.archive.config import config_of
from pfiq_desktop.engine.defaults import BATCH_FACES
from pfiq_desktop.engine.icao.profile import Profile

if TYPE_CHECKING:
    from pfiq_desktop.engine.analyzer import Analyzer


class EngineMismatch(RuntimeError):
    """A worker's engine differs from the client's (another model file or application version)."""


@dataclass(frozen=True)
class EngineSettings:
    """How every worker builds its engine; the profile travels as data, so workers need no copy of its file."""

    device: str
    profile: Profile
    quality_estimator: str
    map_method: str
    config_hash: str  # what the client expects: results are stored under it
    batch_faces: int = BATCH_FACES
    torch_threads: int | None = 1  # one worker process per core, one thread each (the Dask habit)
    maps: str = "all"  # which analyses keep their pixel maps (engine.defaults.MAP_POLICIES)

    @property
    def plugin_name(self) -> str:
        return f"pfiq-engine-{self.config_hash}-{self.device}-maps-{self.maps}"

    def build(self) -> Analyzer:
        import torch

        from pfiq_desktop.engine.analyzer import Analyzer

        if self.torch_threads:
            torch.set_num_threads(self.torch_threads)
        analyzer = Analyzer(device=self.device, quality_estimator=self.quality_estimator, map_method=self.map_method)
        analyzer.profile = self.profile
        return analyzer


class EnginePlugin(WorkerPlugin):
    """Loads the engine when a worker starts (or when registered) and keeps it for every task."""

    idempotent = True

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.analyzer: Analyzer | None = None

    def setup(self, worker: Worker) -> None:
        analyzer = self.settings.build()
        actual = config_of(analyzer)
        if actual.hash != self.settings.config_hash:
            raise EngineMismatch(
                f"worker {worker.address} runs engine configuration {actual.hash} ({actual.describe()}), "
                f"the client expects {self.settings.config_hash}: install the same version and model everywhere"
            )
        self.analyzer = analyzer

    def teardown(self, worker: Worker) -> None:
        self.analyzer = None


def analyse_on_worker(paths: list[str], plugin_name: str) -> ChunkResult:
    """The task: a chunk of photo paths analysed by this worker's engine."""
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if not isinstance(plugin, EnginePlugin) or plugin.analyzer is None:
        raise RuntimeError(f"worker {worker.address} has no engine loaded ({plugin_name} missing or failed)")
    settings = plugin.settings
    return analyse_chunk(plugin.analyzer, paths, settings.config_hash, worker.address, settings.batch_faces, settings.maps)
