"""Scalar quality and pixel-level quality maps of chips, by method, timed per face."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from pfiq_desktop.engine.backbones.calibration import BackboneCalibration
from pfiq_desktop.engine.plq import gaussian_blur, gradient_magnitude
from pfiq_desktop.engine.quality import EmbeddingNetwork, QualityEstimator

RANDOM = "random"  # a smooth random map: the empirical chance level of every test


@dataclass
class MapMaker:
    """Holds the network, the estimator and the calibration; collects seconds per face per method."""

    net: EmbeddingNetwork
    estimator: QualityEstimator
    calibration: BackboneCalibration
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def qualities(self, chips: torch.Tensor, batch: int = 32) -> np.ndarray:
        """Calibrated scalar quality (0..1) of each chip, no gradients."""
        spread = self.calibration.quality(self.estimator.name)
        with torch.no_grad():
            raw = torch.cat([self.estimator.raw(self.net, part) for part in torch.split(chips, batch)]).numpy()
        return np.array([spread(float(r)) for r in raw])

    def plq(self, chips: torch.Tensor, method: str, seed: int = 0) -> np.ndarray:
        """N x H x W calibrated PLQ maps (random: smooth noise in 0..1)."""
        if method == RANDOM:
            generator = torch.Generator().manual_seed(seed)
            noise = torch.rand((chips.shape[0], 1, *chips.shape[2:]), generator=generator)
            smooth = gaussian_blur(noise, 6.0)[:, 0]
            lo = smooth.flatten(1).min(1).values[:, None, None]
            hi = smooth.flatten(1).max(1).values[:, None, None]
            return ((smooth - lo) / (hi - lo + 1e-12)).numpy()
        q = torch.tensor(self.qualities(chips), dtype=torch.float32)
        start = time.perf_counter()
        maps = []
        for part, q_part in zip(torch.split(chips, 8), torch.split(q, 8)):
            magnitude, _ = gradient_magnitude(self.net, part, q_part, method, self.estimator)
            maps.append(magnitude.numpy())
        elapsed = time.perf_counter() - start
        self.seconds.setdefault(method, []).append(elapsed / chips.shape[0])
        return self.calibration.plq(method)(np.concatenate(maps))

    def seconds_per_face(self, method: str) -> float:
        values = self.seconds.get(method, [])
        return float(np.median(values)) if values else float("nan")
