"""The CPU stage of an analysis: decode the photo, find its faces, cut their aligned chips.

Torch-free, so it runs in worker processes: dlib's detector holds the GIL, so
threads would queue behind each other while a GPU waits for faces. With
`workers` > 1 a `PreparePool` spreads photos over that many processes, each with
its own detector; with 1 it runs in the caller's thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pfiq_desktop.engine.alignment import DLIB_CHIP, Alignment
from pfiq_desktop.engine.child_processes import spawn_pool
from pfiq_desktop.engine.faces import DetectedFace, FaceDetector
from pfiq_desktop.engine.imageio import ImageLoadError, load_photo
from pfiq_desktop.engine.results import Analysis

Source = str | Path | bytes | np.ndarray


class Stopwatch:
    """Seconds per named stage of one photo; 'total' is their sum."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": sum(self.timings.values())}


@dataclass
class Prepared:
    """A photo between the stages: decoded, its faces found and aligned (or an error in the analysis)."""

    analysis: Analysis
    clock: Stopwatch
    image: np.ndarray | None = None
    detected: list[DetectedFace] = field(default_factory=list)
    transforms: list[np.ndarray] = field(default_factory=list)
    chips: list[np.ndarray] = field(default_factory=list)


def prepare(
    source: Source, template: Analysis, detector: FaceDetector, max_faces: int,
    known_faces: list[DetectedFace] | None = None, alignment: Alignment = DLIB_CHIP,
) -> Prepared:
    """Decode, hash, detect and align one photo (to the backbone's `alignment`); a bad photo becomes an analysis with an error."""
    clock = Stopwatch()
    analysis = Analysis(**{**template.__dict__, "faces": [], "checks": [], "errors": [], "timings": {}})
    analysis.source = str(source) if isinstance(source, (str, Path)) else "<memory>"
    prepared = Prepared(analysis, clock)
    try:
        with clock.stage("load"):
            # a file's or bytes' hash is of exactly the bytes that were decoded
            (image, analysis.image_sha256, analysis.image_dpi, analysis.image_transparent,
             analysis.images_in_file) = load_photo(source)
    except ImageLoadError as error:
        analysis.errors.append(str(error))
        analysis.image_sha256 = error.sha256  # a damaged file's, so its CSV row names the file the review store holds
        return prepared
    prepared.image = image
    analysis.image_size = (image.shape[1], image.shape[0])
    with clock.stage("detect"):
        prepared.detected = (detector.detect(image) if known_faces is None else known_faces)[:max_faces]
    with clock.stage("align"):
        prepared.transforms = [alignment.transform(face) for face in prepared.detected]
        prepared.chips = [alignment.extract(image, transform) for transform in prepared.transforms]
    return prepared


_WORKER_DETECTOR: FaceDetector | None = None


def _start_worker() -> None:
    global _WORKER_DETECTOR
    _WORKER_DETECTOR = FaceDetector()


def _prepare_in_worker(source: Source, template: Analysis, max_faces: int, alignment: Alignment) -> Prepared:
    assert _WORKER_DETECTOR is not None, "the worker process was started without its detector"
    return prepare(source, template, _WORKER_DETECTOR, max_faces, alignment=alignment)


class PreparePool:
    """Runs `prepare` in the caller (workers <= 1) or in `workers` processes with a detector each."""

    def __init__(self, detector: FaceDetector, workers: int) -> None:
        self.detector = detector
        self._pool = (
            spawn_pool(workers, initializer=_start_worker)
            if workers > 1 else None
        )

    def submit(self, source: Source, template: Analysis, max_faces: int, alignment: Alignment = DLIB_CHIP) -> Future[Prepared]:
        if self._pool is not None:
            return self._pool.submit(_prepare_in_worker, source, template, max_faces, alignment)
        done: Future[Prepared] = Future()
        done.set_result(prepare(source, template, self.detector, max_faces, alignment=alignment))
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
