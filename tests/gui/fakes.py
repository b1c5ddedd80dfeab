"""A fast stand-in for the engine's Analyzer that returns realistic Analysis objects."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from types import SimpleNamespace

import numpy as np

from pfiq_desktop import __version__
from pfiq_desktop.engine.icao import ProfileError, load_profile
from pfiq_desktop.engine.imageio import ImageLoadError, load_photo_file
from pfiq_desktop.engine.results import Analysis, CheckResult, Evidence, Face, ProfileInfo, Verdict
from pfiq_desktop.engine.results import engine_key as make_engine_key


def _landmarks(box) -> np.ndarray:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx = (x0 + x1) / 2
    pts = []
    for t in np.linspace(np.pi, 0, 17):  # jaw
        pts.append((cx + 0.5 * w * np.cos(t), y0 + 0.45 * h + 0.55 * h * np.sin(t)))
    for side in (-1, 1):  # brows
        for t in np.linspace(0, 1, 5):
            pts.append((cx + side * (0.08 + 0.3 * t) * w, y0 + 0.3 * h))
    for t in np.linspace(0, 1, 9):  # nose
        pts.append((cx, y0 + (0.4 + 0.25 * t) * h) if t < 0.5 else (cx + (t - 0.75) * 0.3 * w, y0 + 0.65 * h))
    for side in (-1, 1):  # eyes
        ex = cx + side * 0.2 * w
        for t in np.linspace(0, 2 * np.pi, 6, endpoint=False):
            pts.append((ex + 0.08 * w * np.cos(t), y0 + 0.4 * h + 0.03 * h * np.sin(t)))
    for t in np.linspace(0, 2 * np.pi, 20, endpoint=False):  # mouth
        pts.append((cx + 0.18 * w * np.cos(t), y0 + 0.8 * h + 0.05 * h * np.sin(t)))
    return np.asarray(pts, np.float32)[:68]


def fake_profile(name: str) -> SimpleNamespace:
    """A profile stand-in: the name, a content hash that differs between names, and the real profile's switched-off
    checks (the window says which are not checked)."""
    try:
        switched_off = load_profile(name).info.switched_off
    except ProfileError:  # a test's broken profile
        switched_off = []
    return SimpleNamespace(name=name, sha256=hashlib.sha256(name.encode()).hexdigest(),
                           info=ProfileInfo(title=name, switched_off=switched_off))


class FakeAnalyzer:
    model_sha256 = "f" * 64
    engine_key = make_engine_key("fake-models", "fake", "fake", __version__)  # this version's: other versions' leave the cache

    def __init__(self, device: str = "cpu", profile: str = "icao-9303", delay: float = 0.0,
                 gate: threading.Event | None = None) -> None:
        self.device = device
        self.profile = fake_profile(profile)
        self.delay = delay
        self.gate = gate  # when given, every analysis waits until the test opens it
        self.calls = 0

    def analyse(self, path) -> Analysis:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        if self.gate is not None:
            self.gate.wait(60)
        path = str(path)
        analysis = Analysis(source=path, image_size=(0, 0), profile=self.profile.name, profile_sha256=self.profile.sha256,
                            profile_info=self.profile.info,
                            model_sha256=self.model_sha256, models_sha256="fake-models", quality_estimator="fake",
                            map_method="fake", backbone="fake", app_version="test")
        try:  # the engine's own loader: the same limits and messages for hostile files
            rgb, analysis.image_sha256, analysis.image_dpi, analysis.image_transparent, analysis.images_in_file = load_photo_file(path)
        except ImageLoadError as error:
            analysis.errors.append(str(error))
            return analysis
        h, w = rgb.shape[:2]
        analysis.image_size = (w, h)
        box = (int(w * 0.25), int(h * 0.2), int(w * 0.75), int(h * 0.7))
        lm = _landmarks(box)
        s = 150 / (box[2] - box[0])
        transform = np.array([[s, 0, -box[0] * s], [0, s, -box[1] * s]], np.float64)
        yy, xx = np.mgrid[0:150, 0:150] / 150.0
        seed = int(analysis.image_sha256[:6], 16) % 100 / 100
        plq = np.clip(0.25 + 0.6 * xx + 0.1 * seed, 0, 0.999).astype(np.float32)
        face = Face(box=box, detection_score=1.0, landmarks=lm, landmarks5=lm[[36, 39, 42, 45, 33]],
                    chip_transform=transform, photo_shape=(h, w), quality=float(0.3 + 0.6 * seed),
                    quality_raw=seed, plq_chip=plq,
                    regions={"left_eye": 0.4, "right_eye": 0.8, "nose": 0.6, "mouth": 0.7})
        analysis.faces = [face]
        analysis.checks = self._checks(analysis, seed, self.profile.name)
        return analysis

    def _checks(self, analysis: Analysis, seed: float, profile: str) -> list[CheckResult]:
        face = analysis.faces[0]
        strict = profile == "strict"
        limit = 0.7 if strict else 0.5
        sharp = 0.35 + seed * 0.6
        return [
            CheckResult("sharpness", "Sharp focus", "photometric",
                        Verdict.PASS if sharp >= limit else Verdict.FAIL,
                        f"sharpness {sharp:.2f} vs minimum {limit}", sharp, "", {"min": limit},
                        Evidence(boxes=[face.box], regions=["left_eye"]), 0),
            CheckResult("eyes_open", "Eyes open", "eyes_mouth", Verdict.PASS, "both eyes open", 0.3, "",
                        {"min": 0.2}, Evidence(points=[(float(x), float(y)) for x, y in face.landmarks[36:48]]), 0),
            CheckResult("background", "Plain background", "background", Verdict.WARN,
                        "background is not uniform", 12.0, "grey levels", {"max": 10.0},
                        Evidence(polygons=[[(0, 0), (40, 0), (40, 40), (0, 40)]]), None),
        ]

    def describe(self) -> str:
        return f"fake engine on {self.device}, profile {self.profile.name}"

    def set_profile(self, profile: str) -> None:
        self.profile = fake_profile(profile)

    def recheck(self, analysis: Analysis, *, profile: str | None = None) -> Analysis:
        rules = self.profile if profile is None else fake_profile(profile)
        seed = int(analysis.image_sha256[:6], 16) % 100 / 100
        return dataclasses.replace(analysis, checks=self._checks(analysis, seed, rules.name), profile=rules.name,
                                   profile_sha256=rules.sha256, profile_info=rules.info)

    def analyse_batch(self, paths):
        for p in paths:
            yield self.analyse(p)


def fake_factory(delay: float = 0.0, gate: threading.Event | None = None):
    def make(device: str, profile: str):
        return FakeAnalyzer(device, profile, delay, gate)

    return make
