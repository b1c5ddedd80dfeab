"""Analyzer: photo -> Analysis (faces, quality, pixel-level quality, ICAO checks).

One long-lived object holds the detector and the network so a batch pays the
model loading once. It never raises for a bad photo: the problem is recorded in
`Analysis.errors` and the batch goes on.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from pfiq_desktop import __version__
from pfiq_desktop.engine import icao
from pfiq_desktop.engine.backbones.calibration import BackboneCalibration, load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import (
    DEFAULT_DEVICE,
    DEFAULT_MAP_METHOD,
    DEFAULT_PROFILE,
    DEFAULT_QUALITY_ESTIMATOR,
    MAX_FACES,
)
from pfiq_desktop.engine.faces import DetectedFace, FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.imageio import ImageLoadError, load_image, load_photo_file
from pfiq_desktop.engine.models import RECOGNITION_MODEL, model_sha256, models_sha256
from pfiq_desktop.engine.plq import GRADIENT_MAPS, MAP_METHODS, ForwardPass, gradient_magnitude
from pfiq_desktop.engine.quality import make_estimator
from pfiq_desktop.engine.results import Analysis, Face, engine_key

Source = str | Path | bytes | np.ndarray


def resolve_device(device: str) -> torch.device:
    """'auto' picks CUDA when available; asking for CUDA without one is a clear error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but no CUDA device is available; use device='cpu' or 'auto'.")
    return torch.device(device)


class _Stopwatch:
    """Collects seconds per named stage."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


class Analyzer:
    """Loads the models once; `analyse` one photo or `analyse_batch` many."""

    def __init__(
        self,
        device: str = DEFAULT_DEVICE,
        profile: str | Path = DEFAULT_PROFILE,
        quality_estimator: str = DEFAULT_QUALITY_ESTIMATOR,
        map_method: str = DEFAULT_MAP_METHOD,
    ) -> None:
        if map_method not in MAP_METHODS:
            raise ValueError(f"Unknown map method {map_method!r}; choose one of {', '.join(MAP_METHODS)}")
        self.device = resolve_device(device)
        self.net = load_dlib_resnet(self.device)
        self.detector = FaceDetector()
        self.calibration: BackboneCalibration = load_calibration()
        self.estimator = make_estimator(quality_estimator)
        self.quality_calibration = self.calibration.quality(quality_estimator)
        self.plq_calibration = self.calibration.plq(map_method)
        self.map_method = map_method
        self.profile = icao.load_profile(profile)
        self.model_sha256 = model_sha256(RECOGNITION_MODEL)
        self.models_sha256 = models_sha256()
        self.engine_key = engine_key(self.models_sha256, self.estimator.name, map_method, __version__)
        self._warm_up()

    def describe(self) -> str:
        """One line for a status bar: where the network runs and under which profile."""
        return f"engine ready on {self.device}, profile {self.profile.name}"

    def _warm_up(self) -> None:
        """Run the network once so the first photo is not slowed by torch's lazy initialisation."""
        grey = torch.full((1, 3, 150, 150), 128.0, device=self.device)
        with torch.no_grad():
            self.estimator.raw(self.net, grey)
        gradient_magnitude(self.net, grey, torch.ones(1, device=self.device), self.map_method, self.estimator)

    def analyse(self, source: Source, known_faces: list[DetectedFace] | None = None) -> Analysis:
        """Analyse one photo (path, encoded bytes or RGB array); never raises for bad input.

        `known_faces` skips detection and reuses given face geometry, e.g. to
        compare a photo with an edited copy of itself region by region.
        """
        clock = _Stopwatch()
        analysis = Analysis(
            source=str(source) if isinstance(source, (str, Path)) else "<memory>",
            image_size=(0, 0),
            profile=self.profile.name,
            profile_sha256=self.profile.sha256,
            quality_estimator=self.estimator.name,
            map_method=self.map_method,
            backbone=self.calibration.backbone,
            model_sha256=self.model_sha256,
            models_sha256=self.models_sha256,
            app_version=__version__,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with clock.stage("total"):
            try:
                with clock.stage("load"):
                    if isinstance(source, (str, Path)):
                        image, analysis.image_sha256 = load_photo_file(source)
                    else:
                        image = load_image(source)
            except ImageLoadError as error:
                analysis.errors.append(str(error))
            else:
                analysis.image_size = (image.shape[1], image.shape[0])
                analysis.faces = self._analyse_faces(image, clock, known_faces)
                with clock.stage("checks"):
                    analysis.checks = icao.run_checks(image, analysis.faces, self.profile)
        analysis.timings = clock.timings
        return analysis

    def set_profile(self, profile: str | Path) -> None:
        """Use another threshold profile (a bundled name or a TOML file) from the next check on."""
        self.profile = icao.load_profile(profile)

    def recheck(self, analysis: Analysis, image: np.ndarray | None = None) -> Analysis:
        """The same analysis with its ICAO checks re-run under the current profile (no network).

        The photo is read again from `analysis.source` unless `image` is given.
        """
        if not analysis.ok:
            return analysis
        if image is None:
            image = load_image(analysis.source)
        checks = icao.run_checks(image, analysis.faces, self.profile)
        return dataclasses.replace(analysis, checks=checks, profile=self.profile.name, profile_sha256=self.profile.sha256)

    def analyse_batch(self, sources: Iterable[Source]) -> Iterator[Analysis]:
        """One Analysis per input, in order: the caller reports progress or stops between items."""
        for source in sources:
            yield self.analyse(source)

    def _analyse_faces(
        self, image: np.ndarray, clock: _Stopwatch, known_faces: list[DetectedFace] | None
    ) -> list[Face]:
        with clock.stage("detect"):
            detected = (self.detector.detect(image) if known_faces is None else known_faces)[:MAX_FACES]
        if not detected:
            return []
        with clock.stage("align"):
            transforms = [chip_transform(face.landmarks5) for face in detected]
            chips_np = np.stack([extract_chip(image, transform) for transform in transforms])
            # contiguous NCHW: the permuted view made every convolution take a slower path (+3 ms a pass)
            chips = torch.from_numpy(chips_np).to(self.device).permute(0, 3, 1, 2).float().contiguous()
        with clock.stage("quality"):
            # the paper's map needs the chips' forward pass with gradients: run it once and let the
            # quality estimate reuse its descriptors
            forward = ForwardPass.run(self.net, chips) if self.map_method in GRADIENT_MAPS else None
            with torch.no_grad():
                reference = None if forward is None else forward.descriptors.detach()
                raw = self.estimator.raw(self.net, chips, reference).cpu().numpy().astype(float)
        qualities = np.array([self.quality_calibration(r) for r in raw])
        with clock.stage("plq"):
            magnitude, descriptors = gradient_magnitude(
                self.net,
                chips,
                torch.tensor(qualities, dtype=torch.float32, device=self.device),
                self.map_method,
                self.estimator,
                forward,
            )
            maps = self.plq_calibration(magnitude.cpu().numpy())
        faces = []
        for i, found in enumerate(detected):
            faces.append(
                Face(
                    box=found.box,
                    detection_score=float(found.score),
                    landmarks=found.landmarks68.astype(np.float32),
                    landmarks5=found.landmarks5.astype(np.float32),
                    chip_transform=transforms[i],
                    photo_shape=(image.shape[0], image.shape[1]),
                    quality=float(qualities[i]),
                    quality_raw=float(raw[i]),
                    embedding=descriptors[i].cpu().numpy().astype(np.float32),
                    plq_chip=maps[i],
                )
            )
        with clock.stage("regions"):
            for face in faces:
                face.regions = icao.region_plq(face)
        return faces

