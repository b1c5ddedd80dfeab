"""Model-specific scalar quality of an aligned face chip.

The training-free estimators ask the recognition network itself how stable its
answer is: a chip whose embedding barely moves under small, identity-preserving
changes (dropout, mirroring, re-alignment jitter, sensor noise) is useful for
recognition. The learned head (the default, chosen by the error-versus-discard
evaluation in docs/EVALUATION.md) reads the network's own intermediate activation
statistics through a linear head fitted to how often photos' genuine comparisons
succeed. All estimators share one interface so the engine, the GUI and the
evaluation can swap them by name; the head's weights and every gauge (raw -> 0..1)
live with the backbone's metadata as data, not here.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.backbones import data_file
from pfiq_desktop.engine.defaults import QUALITY_ESTIMATORS


class EmbeddingNetwork(Protocol):
    """What an estimator needs from a backbone: pixels -> descriptor, split at the pooled feature."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...
    def features(self, x: torch.Tensor) -> torch.Tensor: ...
    def head(self, features: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class Calibration:
    """The gauge: a raw quality onto 0..1 as the expected share of successful genuine comparisons.

    Piecewise linear and increasing between knots fitted on development data
    (`benchmarks/train_quality_head.py`): q(raw) = 1 - the FNMR, at the operating
    threshold, of genuine comparisons that involve a photo of this raw quality. Equal
    steps on the gauge are equal changes in expected error (0.9 -> 0.8: one more failed
    comparison in ten). Outside the outer knots the end values hold.
    """

    raw_knots: tuple[float, ...]
    quality_knots: tuple[float, ...]

    def __post_init__(self) -> None:
        raw, quality = np.asarray(self.raw_knots), np.asarray(self.quality_knots)
        if len(raw) < 2 or raw.shape != quality.shape:
            raise ValueError("a gauge needs at least two (raw, quality) knots")
        if np.any(np.diff(raw) <= 0) or np.any(np.diff(quality) < 0) or quality[0] < 0 or quality[-1] > 1:
            raise ValueError("gauge knots must rise in raw, not fall in quality, and stay within 0..1")

    def __call__(self, raw: float) -> float:
        if not math.isfinite(raw):
            return 0.0
        return float(np.interp(raw, self.raw_knots, self.quality_knots))

    def many(self, raw: np.ndarray) -> np.ndarray:
        """The gauge of an array of raw qualities (NaN and -inf read as the lowest value)."""
        values = np.nan_to_num(np.asarray(raw, dtype=float), nan=-np.inf)
        return np.asarray(np.interp(values, self.raw_knots, self.quality_knots), dtype=float)


class QualityEstimator(ABC):
    """Maps a batch of chips (N x 3 x 150 x 150, raw RGB 0..255) to N raw qualities.

    `reference` is the chips' own raw descriptors (N x D) when the caller has
    them already (the engine computes them for the pixel-level map anyway), so
    the estimator can skip that forward pass.
    """

    name: str
    label: str

    @abstractmethod
    def raw(
        self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None
    ) -> torch.Tensor: ...


def fixed_draw(shape: tuple[int, ...], device: torch.device, normal: bool = True) -> torch.Tensor:
    """One fixed-seed pseudo-random draw (normal or uniform 0..1), made on the CPU and moved to `device`.

    Every chip gets the same draw, so a face's quality depends neither on the other
    faces in its batch nor on the device (a GPU's generator gives other numbers).
    """
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(shape, generator=generator) if normal else torch.rand(shape, generator=generator)
    return values.to(device)


def _embed(net: EmbeddingNetwork, x: torch.Tensor) -> torch.Tensor:
    return F.normalize(net(x), dim=1)


def _probe_cosines(
    net: EmbeddingNetwork, chips: torch.Tensor, probes: torch.Tensor, reference: torch.Tensor | None
) -> torch.Tensor:
    """Cosine similarity (N x T) between each chip's embedding and those of its T probes.

    `probes` is (N*T) x 3 x H x W, grouped per chip. Without a `reference`, chips
    and probes go through the network as one batch.
    """
    n = chips.shape[0]
    if reference is None:
        embeddings = _embed(net, torch.cat([chips, probes]))
        own, probed = embeddings[:n], embeddings[n:]
    else:
        own, probed = F.normalize(reference, dim=1), _embed(net, probes)
    return (probed.view(n, -1, probed.shape[1]) * own[:, None, :]).sum(dim=2)


def _probe_similarity(
    net: EmbeddingNetwork, chips: torch.Tensor, probes: torch.Tensor, reference: torch.Tensor | None
) -> torch.Tensor:
    """Mean cosine similarity between each chip's embedding and those of its probes."""
    return _probe_cosines(net, chips, probes, reference).mean(dim=1)


def flip_probes(chips: torch.Tensor) -> torch.Tensor:
    return chips.flip(dims=[3])


def noise_probes(chips: torch.Tensor, sigma: float, count: int) -> torch.Tensor:
    noise = fixed_draw((1, count, *chips.shape[1:]), chips.device)
    return (chips[:, None] + sigma * noise).clamp(0, 255).flatten(0, 1)


def jitter_probes(chips: torch.Tensor, count: int, shift: float, angle_deg: float, scale: float) -> torch.Tensor:
    """Re-alignment jitter: small random similarity transforms of each chip."""
    n = chips.shape[0]
    u = (fixed_draw((count, 4), chips.device, normal=False) * 2 - 1).repeat(n, 1)  # chip-major, as the probes
    theta = u[:, 0] * math.radians(angle_deg)
    s = 1 + u[:, 1] * scale
    size = chips.shape[-1]
    tx, ty = u[:, 2] * 2 * shift / size, u[:, 3] * 2 * shift / size
    affine = torch.stack(
        [
            torch.stack([s * torch.cos(theta), -s * torch.sin(theta), tx], dim=1),
            torch.stack([s * torch.sin(theta), s * torch.cos(theta), ty], dim=1),
        ],
        dim=1,
    )
    source = chips.repeat_interleave(count, dim=0)
    grid = F.affine_grid(affine, list(source.shape), align_corners=False)
    return F.grid_sample(source, grid, mode="bilinear", padding_mode="border", align_corners=False)


class SerFiq(QualityEstimator):
    """The paper's SER-FIQ: dropout on the pooled feature, T passes of the head only."""

    name = "ser-fiq"
    label = "SER-FIQ (paper; needs a network trained with dropout)"

    def __init__(self, passes: int = 100, p: float = 0.5) -> None:
        self.passes, self.p = passes, p

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        features = net.features(chips)
        keep = fixed_draw((1, self.passes, features.shape[1]), chips.device, normal=False)
        dropped = features[:, None, :] * (keep >= self.p) / (1 - self.p)
        embeddings = F.normalize(net.head(dropped.flatten(0, 1)), dim=1).view(chips.shape[0], self.passes, -1)
        distances = torch.cdist(embeddings, embeddings)
        t = self.passes
        mean_distance = distances.sum(dim=(1, 2)) / (t * (t - 1))
        return 2 / (1 + torch.exp(mean_distance))


class EmbeddingNorm(QualityEstimator):
    """Length of the unnormalised descriptor (MagFace-style intuition)."""

    name = "norm"
    label = "Embedding norm"

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        norms: torch.Tensor = (net(chips) if reference is None else reference).norm(dim=1)
        return norms


class FlipConsistency(QualityEstimator):
    """Cosine similarity between the chip and its mirror image."""

    name = "flip"
    label = "Flip consistency"

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        return _probe_similarity(net, chips, flip_probes(chips), reference)


class NoiseRobustness(QualityEstimator):
    """Mean cosine similarity to copies with Gaussian sensor noise."""

    name = "noise"
    label = "Input-noise robustness"

    def __init__(self, sigma: float = 15.0, count: int = 8) -> None:
        self.sigma, self.count = sigma, count

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        return _probe_similarity(net, chips, noise_probes(chips, self.sigma, self.count), reference)


class JitterRobustness(QualityEstimator):
    """Mean cosine similarity to slightly re-aligned copies (shift, rotation, scale)."""

    name = "jitter"
    label = "Alignment-jitter robustness"

    def __init__(self, count: int = 8, shift: float = 3.0, angle_deg: float = 4.0, scale: float = 0.05) -> None:
        self.count, self.shift, self.angle_deg, self.scale = count, shift, angle_deg, scale

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        probes = jitter_probes(chips, self.count, self.shift, self.angle_deg, self.scale)
        return _probe_similarity(net, chips, probes, reference)


class ProbeEnsemble(QualityEstimator):
    """Flip, jitter and noise probes in one batch; raw = -sum log(1 - mean cosine) per probe family.

    The probes are complementary: noise catches blur and low resolution, flip and
    jitter catch occlusion, noise and compression. The log stretches the region
    near cos = 1 where clean faces live.
    """

    name = "probe-ensemble"
    label = "Probe ensemble (flip + jitter + noise)"

    def __init__(self, jitter_count: int = 3, noise_count: int = 1, sigma: float = 15.0) -> None:
        self.jitter_count, self.noise_count, self.sigma = jitter_count, noise_count, sigma

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        n = chips.shape[0]
        families = [
            flip_probes(chips)[:, None],
            jitter_probes(chips, self.jitter_count, 3.0, 4.0, 0.05).view(n, self.jitter_count, *chips.shape[1:]),
            noise_probes(chips, self.sigma, self.noise_count).view(n, self.noise_count, *chips.shape[1:]),
        ]
        counts = [f.shape[1] for f in families]
        cosines = _probe_cosines(net, chips, torch.cat(families, dim=1).flatten(0, 1), reference)
        score = torch.zeros(n, device=chips.device)
        for family_cos in torch.split(cosines, counts, dim=1):
            score = score - torch.log((1 - family_cos.mean(dim=1)).clamp_min(1e-6))
        return score


QUALITY_HEAD_FILE = "quality_head_dlib_resnet_v1.json"


def load_head_data(name: str = QUALITY_HEAD_FILE) -> dict[str, Any]:
    """The learned head's weights and training record, shipped beside the backbone's calibration."""
    text = data_file(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class LearnedHead(QualityEstimator):
    """A linear head on the network's own activation statistics, averaged over the chip and its mirror.

    raw = ((s - mean) / scale) . weight + bias, where s holds the spatial mean and standard
    deviation of every channel after residual blocks 2, 6 and 9 (448 values). Fitted by
    ridge regression to how often each development photo's genuine comparisons succeed
    (`benchmarks/train_quality_head.py`; weights and training record in
    `backbones/quality_head_dlib_resnet_v1.json`). Averaging over the mirror image makes it
    mirror-invariant. Differentiable from the pixels to the raw quality: call it outside
    `torch.no_grad` to back-propagate the quality itself.
    """

    name = "learned-head"
    label = "Learned head on the network's activation statistics (mirror-averaged)"

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = load_head_data() if data is None else data
        self.blocks = tuple(int(b) for b in data["blocks"])
        self.mean, self.scale, self.weight = (torch.tensor(data[k], dtype=torch.float32) for k in ("mean", "scale", "weight"))
        self.bias = float(data["bias"])
        if not (self.mean.shape == self.scale.shape == self.weight.shape) or torch.any(self.scale <= 0):
            raise ValueError("learned quality head: mean, scale and weight must have one positive-scale entry each")

    def raw(self, net: EmbeddingNetwork, chips: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        statistics = getattr(net, "stage_statistics", None)
        if statistics is None:
            raise TypeError(f"the learned quality head needs a backbone with stage_statistics, not {type(net).__name__}")
        stats = statistics(torch.cat([chips, chips.flip(dims=[3])]), self.blocks)
        device = stats.device
        standardised = (stats - self.mean.to(device)) / self.scale.to(device)
        raw: torch.Tensor = (standardised @ self.weight.to(device) + self.bias).view(2, -1).mean(dim=0)
        return raw


_CLASSES = {cls.name: cls for cls in (LearnedHead, ProbeEnsemble, FlipConsistency, JitterRobustness, NoiseRobustness,
                                       EmbeddingNorm, SerFiq)}
ESTIMATORS: dict[str, type[QualityEstimator]] = {name: _CLASSES[name] for name in QUALITY_ESTIMATORS}


def make_estimator(name: str) -> QualityEstimator:
    """Build an estimator by its registry name, with a clear error for unknown names."""
    try:
        return ESTIMATORS[name]()
    except KeyError:
        raise ValueError(f"Unknown quality estimator {name!r}; choose one of {', '.join(ESTIMATORS)}") from None
