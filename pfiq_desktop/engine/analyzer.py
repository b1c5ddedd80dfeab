"""Analyzer: photo -> Analysis (faces, quality, pixel-level quality, ICAO checks).

One long-lived object holds the detector and the network so a batch pays the
model loading once. It never raises for a bad photo: the problem is recorded in
`Analysis.errors` and the batch goes on.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, cast

import numpy as np
import torch

from pfiq_desktop import __version__
from pfiq_desktop.engine import icao
from pfiq_desktop.engine.attributes import head_chip, load_attribute_probes
from pfiq_desktop.engine.backbones.calibration import BackboneCalibration
from pfiq_desktop.engine.backbones.registry import load_backbone
from pfiq_desktop.engine.comparison import MATCH, NOT_COMPARED, Comparison, MatchThresholds, OperatingPoint, scaled_maps
from pfiq_desktop.engine.defaults import (
    BATCH_FACES,
    DEFAULT_DEVICE,
    DEFAULT_MAP_METHOD,
    DEFAULT_PROFILE,
    DEFAULT_QUALITY_ESTIMATOR,
    MAP_METHODS,
    MAX_FACES,
)
from pfiq_desktop.engine.deviation import DeviationReference, chip_in_photo, deviation_chip, face_area_chip, load_reference
from pfiq_desktop.engine.faces import DetectedFace, FaceDetector, photo_points_to_chip
from pfiq_desktop.engine.findings import add_findings
from pfiq_desktop.engine.imageio import PhotoChanged, load_photo_file
from pfiq_desktop.engine.plq import GRADIENT_MAPS, ForwardPass, gradient_magnitude
from pfiq_desktop.engine.preparation import Prepared, PreparePool, Source, prepare
from pfiq_desktop.engine.quality import make_estimator
from pfiq_desktop.engine.results import Analysis, Face, Verdict, at_stored_precision, engine_key, stored_how, upright_by
from pfiq_desktop.engine.same_picture import SAME_PICTURE_AT, picture_similarity
from pfiq_desktop.engine.similarity import SpatialNetwork, explain_pairs, load_opposing_reference


def resolve_device(device: str) -> torch.device:
    """'auto' picks CUDA when available; 'cuda' or 'cuda:N' without such a GPU is a clear error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(f"Unknown device {device!r}; use auto, cpu, cuda or cuda:N.") from None
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise RuntimeError(f"CUDA was requested ({device}) but no CUDA device is available; choose the device cpu or "
                               "auto (File ▸ Settings in the window, --device on the command line).")
        if chosen.index is not None and chosen.index >= count:
            raise RuntimeError(f"{device} was requested but this computer has {count} CUDA device(s): cuda:0..cuda:{count - 1}.")
    return chosen


def device_name(device: torch.device) -> str:
    """The device as recorded with every analysis: 'cpu', or 'cuda:0 (NVIDIA H200)'."""
    if device.type != "cuda":
        return device.type
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


class Analyzer:
    """Loads the models once; `analyse` one photo or `analyse_batch` many."""

    def __init__(
        self,
        device: str = DEFAULT_DEVICE,
        profile: str | Path = DEFAULT_PROFILE,
        quality_estimator: str = DEFAULT_QUALITY_ESTIMATOR,
        map_method: str = DEFAULT_MAP_METHOD,
        backbone: str | Path | None = None,
        fallback_apart: bool = False,
    ) -> None:
        """`backbone`: None or a built-in name (default dlib-resnet-v1), or a user's .onnx/.pt file with its TOML sidecar.
        `fallback_apart`: the face detector's CNN fallback runs in a child process (a window's engine: see FaceDetector)."""
        if map_method not in MAP_METHODS:
            raise ValueError(f"Unknown map method {map_method!r}; choose one of {', '.join(MAP_METHODS)}")
        self.device = resolve_device(device)
        self.backbone = load_backbone(backbone, self.device)
        self.net = self.backbone.net
        self.alignment = self.backbone.spec.alignment
        self.detector = FaceDetector(fallback_apart=fallback_apart)
        self.calibration: BackboneCalibration = self.backbone.calibration
        quality_estimator = self.backbone.estimator_for(quality_estimator, DEFAULT_QUALITY_ESTIMATOR)
        self.estimator = make_estimator(quality_estimator)
        self.quality_calibration = self.calibration.quality(quality_estimator)
        self.plq_calibration = self.calibration.plq(map_method)
        # a user's backbone has no comparison thresholds until they are measured: compare() then says so
        self.match_thresholds: MatchThresholds | None = (
            self.calibration.verification() if self.calibration.has_verification() else None)
        self.map_method = map_method
        self.profile = icao.load_profile(profile)
        self.model_sha256 = self.backbone.spec.model_sha256
        self.device_name = device_name(self.device)
        self._results: dict[int, _NetworkResult] = {}  # network output per prepared photo, until it is finished
        self.models_sha256 = self.backbone.models_sha256
        self.deviation_reference = self._deviation_reference(map_method)
        # the comparison's opposing map: the mid-level disagreement map where the backbone has its reference
        self.opposing_reference = load_opposing_reference(self.calibration.backbone) if self.backbone.spec.builtin else None
        # what the network's mid-level grid says about the eyes and the lower face (the checklist fuses it with the pixels)
        self.attribute_probes = (load_attribute_probes(self.calibration.backbone)
                                 if self.backbone.spec.builtin and isinstance(self.net, SpatialNetwork) else None)
        self.engine_key = engine_key(self.models_sha256, self.estimator.name, map_method, __version__)
        self._warm_up()

    def _deviation_reference(self, map_method: str) -> DeviationReference | None:
        """The compliant-face reference of this backbone and map method; None: no deviation map (the GUI shows the PLQ map).

        The built-in backbone's are packaged; a user's is the one `pfiq calibrate` wrote beside the model, for one map method.
        """
        if self.backbone.spec.builtin:
            return load_reference(self.calibration.backbone, map_method)
        reference = self.backbone.deviation_reference
        return reference if reference is not None and reference.meta.get("map_method") == map_method else None

    def describe(self) -> str:
        """One line for a status bar: where the network runs and under which profile."""
        backbone = "" if self.backbone.spec.builtin else f", backbone {self.backbone.spec.name}"
        return f"engine ready on {self.device}, profile {self.profile.name}{backbone}"

    def _warm_up(self) -> None:
        """Run the network once so the first photo is not slowed by torch's lazy initialisation."""
        size = self.alignment.size
        grey = torch.full((1, 3, size, size), 128.0, device=self.device)
        with torch.no_grad():
            self.estimator.raw(self.net, grey)
        gradient_magnitude(self.net, grey, torch.ones(1, device=self.device), self.map_method, self.estimator)

    def analyse(self, source: Source, known_faces: list[DetectedFace] | None = None) -> Analysis:
        """Analyse one photo (path, encoded bytes or RGB array); never raises for bad input.

        `known_faces` skips detection and reuses given face geometry, e.g. to
        compare a photo with an edited copy of itself region by region.
        """
        prepared = prepare(source, self._template(), self.detector, MAX_FACES, known_faces, self.alignment)
        self._run_network([prepared])
        return self._finish(prepared)

    def analyse_batch(
        self, sources: Iterable[Source], batch_faces: int = BATCH_FACES, workers: int = 1, threads: int = 2
    ) -> Iterator[Analysis]:
        """One Analysis per input, in order, with the results of `analyse` (within float rounding).

        Photos are decoded, detected and aligned by `workers` processes (1: in this
        thread) while the network runs on batches of up to `batch_faces` faces taken
        from several photos (what keeps a GPU busy); regions and checks run on
        `threads` threads. A generator: the caller reports progress or stops between
        items, and only a few batches of photos are in memory at any time.
        """
        pool = PreparePool(self.detector, workers)
        template = self._template()
        try:
            with ThreadPoolExecutor(max(1, threads), thread_name_prefix="pfiq-checks") as checks:
                pending: deque[Future[Prepared]] = deque()
                finishing: deque[Future[Analysis]] = deque()
                sources = iter(sources)
                exhausted = False
                while True:
                    while not exhausted and len(pending) < 2 * batch_faces:
                        source = next(sources, None)
                        if source is None:
                            exhausted = True
                        else:
                            pending.append(pool.submit(source, template, MAX_FACES, self.alignment))
                    batch: list[Prepared] = []
                    while pending and sum(len(p.detected) for p in batch) < batch_faces:
                        batch.append(pending.popleft().result())
                    if not batch:
                        break
                    self._run_network(batch)
                    finishing.extend(checks.submit(self._finish, prepared) for prepared in batch)
                    while finishing and (finishing[0].done() or len(finishing) > batch_faces):
                        yield finishing.popleft().result()
                while finishing:
                    yield finishing.popleft().result()
        finally:
            pool.close()

    def set_profile(self, profile: str | Path) -> None:
        """Use another threshold profile (a bundled name or a TOML file) from the next check on."""
        self.profile = icao.load_profile(profile)

    def recheck(self, analysis: Analysis, image: np.ndarray | None = None, *, profile: str | Path | None = None) -> Analysis:
        """The same analysis with its ICAO checks re-run under `profile`, else the current one (no network).

        One photo may be judged under a profile of its own (a child's, in a batch of adults) while the engine's stays.
        The photo is read again from `analysis.source` unless `image` is given (ImageLoadError where it cannot be, and
        PhotoChanged where it holds other bytes now: the analysis's faces would be judged on another photo; every
        command re-checking a photo hashed it first, reading it twice); an analysis saved before its file's
        transparency and image count were kept takes them from the file read again.
        """
        if not analysis.ok:
            return analysis
        rules = self.profile if profile is None else icao.load_profile(profile)
        transparent, images = analysis.image_transparent, analysis.images_in_file
        if image is None:
            image, sha256, _, found, count = load_photo_file(analysis.source)
            if analysis.image_sha256 and sha256 != analysis.image_sha256:
                raise PhotoChanged(f"its photo {analysis.source} changed since it was analysed")
            transparent = found if transparent is None else transparent
            images = count if images is None else images
        checks = icao.run_checks(image, analysis.faces, rules, analysis.image_dpi, transparent, images, self.detector)
        faces = [dataclasses.replace(face) for face in analysis.faces]  # findings quote the new checks
        rechecked = dataclasses.replace(analysis, faces=faces, checks=checks, profile=rules.name,
                                        profile_sha256=rules.sha256, profile_info=rules.info,
                                        image_transparent=transparent, images_in_file=images, checked=_now())
        add_findings(rechecked)
        return rechecked

    def compare(self, photo_a: Source, photo_b: Source, *, profile: str | Path | None = None, new_photo: bool = True) -> Comparison:
        """Is photo A (a renewal's new photo) the same person as photo B (the one on file), and why?

        Both analyses, the cosine score of their main faces, the decision at the
        calibrated thresholds and each face's supporting and opposing maps. The two
        photos share one network batch, and the maps reuse its forward pass. Never
        raises for a bad photo: the comparison is then NOT_COMPARED with the reason.
        Both are judged under `profile` where photo A has one of its own (a child's), else the engine's. Photo A must
        be a new picture (`new_photo`): a match that is the picture on file again, re-saved or edited, is not compared
        (same_picture.py); False compares a copy too (research, and tests whose second photo of a person is a copy).
        """
        start = time.perf_counter()
        rules = self.profile if profile is None else icao.load_profile(profile)
        template = self._template(rules)
        prepared = [prepare(source, template, self.detector, MAX_FACES, alignment=self.alignment) for source in (photo_a, photo_b)]
        forward = self._run_network(prepared, keep_graph=True)
        a, b = (self._finish(p, rules) for p in prepared)
        analysed = time.perf_counter()
        comparison = Comparison(a, b, float("nan"), NOT_COMPARED, self.match_thresholds or _NO_THRESHOLDS,
                                created=template.created, app_version=__version__)
        comparison.errors = [f"photo {side}: {problem}" for side, analysis in (("A", a), ("B", b))
                             for problem in _not_comparable(analysis)]
        if a.image_sha256 and a.image_sha256 == b.image_sha256:  # a score of 1.000 would only say the file was copied
            comparison.errors.append("photos A and B are the same file contents (identical bytes): compare with the photo "
                                     "on file from the earlier document")
        if self.match_thresholds is None:
            comparison.errors.append(f"backbone {self.backbone.spec.name} has no comparison thresholds (measured on identity sets)")
        if not comparison.errors:
            first_b = len(prepared[0].chips)
            if forward is None:  # the PLQ map method ran no plain forward pass to reuse
                forward, first_b = ForwardPass.run(self.net, self._tensor([p.chips[0] for p in prepared])), 1
            rows, counterparts = [0, first_b], [first_b, 0]
            pairs = explain_pairs(forward, rows, forward.pixels.detach()[counterparts], forward.descriptors[counterparts],
                                  self.net, self.opposing_reference)
            # the maps are about the faces: the opposing map painted an EU flag's star behind photo A red (walk-through)
            for side, analysis in enumerate((a, b)):
                face = analysis.faces[0]
                area = face_area_chip(face.chip_landmarks, pairs.support.shape[-1])
                pairs.support[side][~area] = 0.0
                pairs.oppose[side][~area] = 0.0
            comparison.score = float(pairs.scores[0])
            comparison.decision = comparison.thresholds.decide(comparison.score)
            comparison.map_scale, comparison.oppose_scale, comparison.maps_a, comparison.maps_b = scaled_maps(
                pairs.support, pairs.oppose, pairs.oppose_full_scale)
            # only a match can be the picture on file again: two strangers photographed alike (Extended Yale B, one
            # light) reached 0.95 and were told they were one picture (review)
            if new_photo and comparison.decision == MATCH and (alike := _same_picture(*prepared)) >= SAME_PICTURE_AT:
                comparison.errors.append(
                    f"photo A is photo B's picture again, not a new photo: the face, hair and clothes match pixel for "
                    f"pixel (correlation {alike:.2f}; photos of one person taken on other days stay below "
                    f"{SAME_PICTURE_AT:.2f}). It was re-saved, cropped, edited or scanned from the old document, or taken "
                    "at the same sitting: ask for a new photo")
                comparison.score, comparison.decision = float("nan"), NOT_COMPARED
                comparison.maps_a = comparison.maps_b = None
        end = time.perf_counter()
        comparison.timings = {"analyses": analysed - start, "maps": end - analysed, "total": end - start}
        return comparison

    # -- the three stages: CPU (decode, detect, align), network (batched), CPU (faces, regions, checks) --
    def _template(self, rules: icao.Profile | None = None) -> Analysis:
        """What every analysis of this engine records before it looks at the photo, judged under `rules` (else the
        engine's profile); `created` is stamped again when each analysis is finished; a comparison keeps this one."""
        rules = rules or self.profile
        return Analysis(
            source="",
            image_size=(0, 0),
            profile=rules.name,
            profile_sha256=rules.sha256,
            profile_info=rules.info,
            quality_estimator=self.estimator.name,
            map_method=self.map_method,
            backbone=self.calibration.backbone,
            model_sha256=self.model_sha256,
            models_sha256=self.models_sha256,
            device=self.device_name,
            app_version=__version__,
            created=_now(),
        )

    def _tensor(self, chips: list[np.ndarray]) -> torch.Tensor:
        """HxWx3 uint8 chips as one N x 3 x H x W float batch on the engine's device."""
        # contiguous NCHW: the permuted view made every convolution take a slower path (+3 ms a pass)
        return torch.from_numpy(np.stack(chips)).to(self.device).permute(0, 3, 1, 2).float().contiguous()

    def _run_network(self, batch: list[Prepared], keep_graph: bool = False) -> ForwardPass | None:
        """Quality and maps for every face of the batch in one network batch; results go back to each photo.

        Returns the chips' forward pass (None for map methods that run their own),
        its graph kept for another backward pass when `keep_graph`.
        """
        chips_np = [chip for prepared in batch for chip in prepared.chips]
        if not chips_np:
            return None
        start = time.perf_counter()
        chips = self._tensor(chips_np)
        # the paper's map needs the chips' forward pass with gradients: run it once and let the
        # quality estimate reuse its descriptors
        forward, grids = self._forward(chips, keep_graph)
        with torch.no_grad():
            reference = None if forward is None else forward.descriptors.detach()
            raw = self.estimator.raw(self.net, chips, reference).cpu().numpy().astype(float)
        qualities = np.array([self.quality_calibration(r) for r in raw])
        quality_done = time.perf_counter()
        magnitude, descriptors = gradient_magnitude(
            self.net,
            chips,
            torch.tensor(qualities, dtype=torch.float32, device=self.device),
            self.map_method,
            self.estimator,
            forward,
        )
        magnitudes = magnitude.cpu().numpy()
        maps = self.plq_calibration(magnitudes)
        embeddings = descriptors.cpu().numpy().astype(np.float32)
        if grids is None and self.attribute_probes is not None:  # a map method that ran no plain forward pass
            grids = self._grids(chips)
        heads = self._heads(batch) if self.attribute_probes is not None and self.attribute_probes.reads_head else None
        end = time.perf_counter()
        first = 0
        for prepared in batch:  # each photo is charged its share of the batch's time
            count = len(prepared.chips)
            share = count / len(chips_np)
            prepared.clock.add("quality", (quality_done - start) * share)
            prepared.clock.add("plq", (end - quality_done) * share)
            self._results[id(prepared)] = _NetworkResult(
                raw[first : first + count], qualities[first : first + count], maps[first : first + count],
                magnitudes[first : first + count], embeddings[first : first + count],
                None if grids is None else (grids[0][first : first + count], grids[1][first : first + count]),
                None if heads is None else (heads[0][first : first + count], heads[1][first : first + count]),
            )
            first += count
        return forward

    def _finish(self, prepared: Prepared, rules: icao.Profile | None = None) -> Analysis:
        analysis, clock, image = prepared.analysis, prepared.clock, prepared.image
        # when this photo was analysed, not when its batch began (a summary read "Analysed 23:18:07 - 23:18:07")
        analysis.created = analysis.checked = _now()
        if image is None:
            analysis.timings = clock.total()
            return analysis
        if prepared.detected:
            result = self._results.pop(id(prepared))
            analysis.faces = self._faces(prepared, image, result)
            with clock.stage("deviation"):
                for face, magnitude in zip(analysis.faces, result.magnitudes):
                    self._add_deviation(face, magnitude)
        with clock.stage("regions"):
            for face in analysis.faces:
                face.regions = icao.region_plq(face)
        with clock.stage("checks"):
            analysis.checks = icao.run_checks(image, analysis.faces, rules or self.profile, analysis.image_dpi,
                                              analysis.image_transparent, analysis.images_in_file, self.detector)
        with clock.stage("findings"):
            add_findings(analysis)
        analysis.timings = clock.total()
        return analysis

    def _add_deviation(self, face: Face, magnitude: np.ndarray) -> None:
        """The face's map compared with compliant faces (none when this map method has no reference)."""
        if self.deviation_reference is None:
            return
        landmarks_chip = face.chip_landmarks
        in_photo = chip_in_photo(face.chip_transform, face.photo_shape, magnitude.shape[0])
        face.deviation_chip = at_stored_precision(deviation_chip(magnitude, landmarks_chip, self.deviation_reference, in_photo))

    def _forward(self, chips: torch.Tensor, keep_graph: bool) -> tuple[ForwardPass | None, ProbeGrids | None]:
        """The chips' forward pass with gradients (gradient map methods; else None) and, where the backbone has
        attribute probes, their grids read off that same pass (no second run through the blocks)."""
        if self.map_method not in GRADIENT_MAPS:
            return None, None
        if self.attribute_probes is None:
            return ForwardPass.run(self.net, chips, keep_graph), None
        net = cast(_ProbedNetwork, self.net)
        with self._grid_hook(net.spatial_module) as grids, self._grid_hook(net.eye_module) as eye_grids:
            forward = ForwardPass.run(self.net, chips, keep_graph)
        return forward, (grids[0].cpu().numpy(), eye_grids[0].cpu().numpy())

    @contextmanager
    def _grid_hook(self, module: torch.nn.Module) -> Iterator[list[torch.Tensor]]:
        """Collects the output of `module` (a grid an attribute probe reads) in every forward pass run inside it."""
        captured: list[torch.Tensor] = []
        hook = module.register_forward_hook(lambda _module, _inputs, output: captured.append(output.detach()))
        try:
            yield captured
        finally:
            hook.remove()

    def _grids(self, chips: torch.Tensor) -> ProbeGrids:
        """The grids the attribute probes read (N x C x h x w each), from a pass of their own."""
        net = cast(_ProbedNetwork, self.net)
        with self._grid_hook(net.eye_module) as eye_grids, torch.no_grad():
            grids = net.spatial_features(chips)
        return grids.cpu().numpy(), eye_grids[0].cpu().numpy()

    def _heads(self, batch: list[Prepared]) -> tuple[np.ndarray, np.ndarray]:
        """Each face's head chip (the same alignment, room for the head top) through the network once: the grid
        the head probe reads, by the same hook as the face chips', and that chip's descriptor. In the order of the
        face chips (`preparation` cuts one chip per detected face; a photo without an image has neither)."""
        heads = [head_chip(prepared.image, face.landmarks5)
                 for prepared in batch if prepared.image is not None for face in prepared.detected]
        with self._grid_hook(cast(SpatialNetwork, self.net).spatial_module) as captured, torch.no_grad():
            descriptors = self.net(self._tensor(heads))
        return captured[0].cpu().numpy(), descriptors.cpu().numpy().astype(np.float32)

    def _attributes(self, result: _NetworkResult, index: int, transform: np.ndarray, landmarks68: np.ndarray) -> dict[str, float]:
        if self.attribute_probes is None or result.grids is None:
            return {}
        chip_landmarks = photo_points_to_chip(landmarks68, transform)
        head = None if result.heads is None else (result.heads[0][index], result.heads[1][index])
        grid, eye_grid = result.grids[0][index], result.grids[1][index]
        return self.attribute_probes.log_odds(grid, eye_grid, chip_landmarks, result.embeddings[index], head)

    def _faces(self, prepared: Prepared, image: np.ndarray, result: _NetworkResult) -> list[Face]:
        faces = []
        for i, found in enumerate(prepared.detected):
            faces.append(
                Face(
                    box=found.box,
                    detection_score=float(found.score),
                    landmarks=found.landmarks68.astype(np.float32),
                    landmarks5=found.landmarks5.astype(np.float32),
                    pose_landmarks=found.pose_landmarks68.astype(np.float32),
                    chip_transform=prepared.transforms[i],
                    photo_shape=(image.shape[0], image.shape[1]),
                    quality=float(result.qualities[i]),
                    quality_raw=float(result.raw[i]),
                    embedding=result.embeddings[i],
                    plq_chip=at_stored_precision(result.maps[i]),
                    attributes=self._attributes(result, i, prepared.transforms[i], found.landmarks68),
                    detector=found.detector,
                )
            )
        return faces


def _same_picture(a: Prepared, b: Prepared) -> float:
    """`picture_similarity` of two prepared photos' main faces (-1 where either has none)."""
    if a.image is None or b.image is None or not a.detected or not b.detected:
        return -1.0
    return picture_similarity(a.image, a.detected[0], b.image, b.detected[0])


def _not_comparable(analysis: Analysis) -> list[str]:
    """Why a photo's subject cannot be compared: its errors, no face, or other faces nearly as large as the subject's
    (the profile's "Only one face" check fails): which person a renewal is about is the officer's call, not the engine's."""
    if analysis.errors:
        return list(analysis.errors)
    if analysis.turn is not None:  # "no face found" on a photo the checklist says is stored sideways
        return [f"photo stored {stored_how(analysis.turn)}; turn it {upright_by(analysis.turn)} and compare again"]
    if not analysis.faces:
        return ["no face found"]
    crowded = next((c.reason.rstrip(".") for c in analysis.checks if c.id == "single_face" and c.verdict is Verdict.FAIL), None)
    return [f"{len(analysis.faces)} faces, not one ({crowded}); crop the photo to the person to compare"] if crowded else []


# A Comparison needs thresholds to show; without real ones every comparison carries an error instead of a decision.
_NO_THRESHOLDS = MatchThresholds(OperatingPoint(1e-3, float("nan"), float("nan")), OperatingPoint(1e-2, float("nan"), float("nan")))


# per batch of chips, N x C x h x w each: the mid-level grid (`spatial_module`) and the eye-state probe's (`eye_module`)
ProbeGrids = tuple[np.ndarray, np.ndarray]


class _ProbedNetwork(SpatialNetwork, Protocol):
    """The built-in network as its attribute probes read it: the eye-state probe's grid comes from an earlier block."""

    @property
    def eye_module(self) -> torch.nn.Module: ...


@dataclass
class _NetworkResult:
    """One photo's slice of a network batch."""

    raw: np.ndarray
    qualities: np.ndarray
    maps: np.ndarray  # the paper's PLQ
    magnitudes: np.ndarray  # the raw map magnitudes the deviation map is made from
    embeddings: np.ndarray
    grids: ProbeGrids | None  # the grids the attribute probes read (None without probes)
    heads: tuple[np.ndarray, np.ndarray] | None = None  # the head chips' grids and descriptors (the head probe's)


def _now() -> str:
    """A result's time stamp: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")
