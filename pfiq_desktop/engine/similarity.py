"""The comparison score of two faces and, per face, the pixels that raise it and the pixels that lower it.

The score is the cosine of the two raw descriptors. Its maps follow xSSAB (Huber et
al. 2023): back-propagate the similarity to one photo's chip pixels, the other
photo's descriptor held fixed, and split the result into arguments for and
against the match. How the split is made was chosen on development pairs
(benchmarks/eval_compare.py, docs/EVALUATION.md), not taken from the paper:

* supporting: g * (chip - blurred chip), positive part. The first-order share of
  the score that the photo's own detail earns over a featureless copy of itself:
  on genuine pairs it lies on the eyes and nose about twice as densely as a
  random map would put it.
* opposing, built-in network: where the network's own mid-level view of this
  photo disagrees with the other photo's, measured against clean genuine pairs
  (a deviation map of the comparison, in z units). On the 17 x 17 grid of
  `spatial_features` (64 channels, cells of about 9 chip pixels; both chips are
  aligned to the same five landmarks), per cell:
  z_distance = (|f_this - f_other| - mean) / spread, how much more the two photos'
  features differ there than they do between two clean photos of one person, and
  z_weaker = (mean - |f_this|) / spread, how much less the network responds there
  than it does to faces; opposing = relu(z_distance) + relu(z_weaker), upsampled.
  The means and spreads (`OpposingReference`) were measured on clean genuine pairs
  of development identities. Why not the gradient: dlib's network barely lowers
  its score for an occluder (0.01-0.03), so a map of first-order score changes
  pointed at an occluder in 20-56 % of pairs; the mid-level features do notice
  it, and this map points at it in 89-100 % (docs/EVALUATION.md). It says where
  the photos differ as the network sees them, not how much each pixel costs.
* opposing, a user's backbone (no mid-level grid or no reference): g * (other
  chip - chip), positive part, the first-order gain if this photo looked like
  the other one there, in score units.

xSSAB's own split (descriptor dimensions above / below their share of the
decision threshold, |gradient| of each) and a single blurred reference for
both maps were measured too and pointed at occluders no better than chance.

`Analyzer.compare` keeps both maps inside each face (`deviation.face_area_chip`): the background is no argument
about the person, and the opposing map had painted a flag's star behind one photo red. The figures above were
measured on the whole chip (benchmarks/eval_compare.py); the mask takes away only what lies outside the face.

g is d score / d pixel summed over colour channels. The gradient maps are
smoothed with a Gaussian (the raw gradient of a ReLU network flips sign from
pixel to pixel) and are in score units per pixel; all maps are >= 0.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.backbones import data_file
from pfiq_desktop.engine.plq import IG_BASELINE_SIGMA, ForwardPass, gaussian_blur

# Smoothing of the signed attributions before they are split (chip pixels), chosen in eval_compare.py.
SUPPORT_SIGMA = 2.0
OPPOSE_SIGMA = 3.0
# What 1.0 on a displayed opposing map stands for, in z units of the mid-level map (relu(z_distance) + relu(z_weaker)):
# occluded regions reach 5-7 z, clean genuine pairs' highest region 1.2 z (test medians, docs/EVALUATION.md).
OPPOSE_FULL_SCALE_Z = 6.0
SPREAD_FLOOR = 0.05  # relative to the median spread: keeps z finite where every reference pair agrees
REFERENCE_FILE = "opposing_{backbone}.npz"  # packaged beside the backbone calibration
REFERENCE_ARRAYS = ("distance_mean", "distance_spread", "strength_mean", "strength_spread")  # the stored arrays


@runtime_checkable
class SpatialNetwork(Protocol):
    """A backbone with a mid-level feature grid (the built-in network), and the module that outputs it."""

    @property
    def spatial_module(self) -> torch.nn.Module: ...

    def spatial_features(self, x: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class OpposingReference:
    """Clean genuine pairs of development identities, per cell of the mid-level grid (h x w each).

    distance: |f_A - f_B| of the pair; strength: |f| of one photo (both photos of
    every pair counted). Built by benchmarks/eval_compare.py --write-calibration.
    """

    distance_mean: np.ndarray
    distance_spread: np.ndarray
    strength_mean: np.ndarray
    strength_spread: np.ndarray
    meta: dict[str, Any]

    @classmethod
    def build(cls, grids_a: torch.Tensor, grids_b: torch.Tensor, meta: dict[str, Any]) -> OpposingReference:
        """From the grids (N x C x h x w) of both photos of N clean genuine pairs."""
        distance = (grids_a - grids_b).norm(dim=1).double().numpy()
        strength = torch.cat([grids_a, grids_b]).norm(dim=1).double().numpy()
        return cls(distance.mean(0), _floored(distance.std(0)), strength.mean(0), _floored(strength.std(0)),
                   {**meta, "pairs": len(distance)})

    def save(self, path: Path) -> None:
        arrays = {name: getattr(self, name).astype(np.float32) for name in REFERENCE_ARRAYS}
        np.savez_compressed(path, **arrays, meta=np.array(json.dumps(self.meta)))

    @classmethod
    def load(cls, data: bytes) -> OpposingReference:
        with np.load(io.BytesIO(data)) as stored:
            arrays = {name: stored[name].astype(np.float64) for name in REFERENCE_ARRAYS}
            return cls(**arrays, meta=json.loads(str(stored["meta"])))


def _floored(spread: np.ndarray) -> np.ndarray:
    floored: np.ndarray = np.maximum(spread, SPREAD_FLOOR * float(np.median(spread)))
    return floored


def load_opposing_reference(backbone: str) -> OpposingReference | None:
    """The packaged reference of a built-in backbone; None when it has none (the gradient map is used)."""
    resource = data_file(REFERENCE_FILE.format(backbone=backbone))
    if not resource.is_file():
        return None
    return OpposingReference.load(resource.read_bytes())


@dataclass
class PairMaps:
    """For each face of a batch, compared with its counterpart: the score and the two maps (N x H x W)."""

    scores: np.ndarray
    support: np.ndarray
    oppose: np.ndarray
    oppose_full_scale: float | None  # z units that 1.0 on a displayed opposing map stands for; None: score units


def explain_pairs(
    forward: ForwardPass,
    rows: list[int],
    others: torch.Tensor,
    references: torch.Tensor,
    net: object | None = None,
    reference: OpposingReference | None = None,
) -> PairMaps:
    """Score and maps of the chips `rows` of a forward pass, each against its counterpart, in one backward pass.

    `others` (len(rows) x 3 x H x W, raw RGB) are the counterparts' aligned chips and
    `references` their descriptors. The forward pass must keep its graph
    (`ForwardPass.run(..., keep_graph=True)` when its quality map ran first). With a
    `net` that has `spatial_features` and its `reference`, the opposing map is the
    mid-level disagreement map; otherwise the gradient map.
    """
    descriptors = forward.descriptors[rows]
    scores = (F.normalize(descriptors, dim=1) * F.normalize(references.detach(), dim=1)).sum(dim=1)
    (gradient,) = torch.autograd.grad(scores.sum(), forward.pixels)
    gradient, pixels = gradient[rows], forward.pixels.detach()[rows]
    # the blurred photo is the featureless reference, as for plq.py's integrated-gradients map
    support = (gradient * (pixels - gaussian_blur(pixels, IG_BASELINE_SIGMA))).sum(dim=1, keepdim=True)
    if reference is not None and isinstance(net, SpatialNetwork):
        oppose, full_scale = disagreement(net, pixels, others, reference), OPPOSE_FULL_SCALE_Z
    else:
        oppose = _positive(gaussian_blur((gradient * (others - pixels)).sum(dim=1, keepdim=True), OPPOSE_SIGMA))
        full_scale = None
    return PairMaps(
        scores=scores.detach().cpu().numpy().astype(np.float64),
        support=_positive(gaussian_blur(support, SUPPORT_SIGMA)),
        oppose=oppose,
        oppose_full_scale=full_scale,
    )


def disagreement(net: SpatialNetwork, chips: torch.Tensor, others: torch.Tensor, reference: OpposingReference) -> np.ndarray:
    """relu(z_distance) + relu(z_weaker) of each chip against its counterpart, upsampled to the chip (N x H x W, z units)."""
    with torch.no_grad():
        grids = net.spatial_features(torch.cat([chips, others]))
    mine, theirs = grids[: len(chips)], grids[len(chips) :]

    def z(values: torch.Tensor, mean: np.ndarray, spread: np.ndarray) -> torch.Tensor:
        return (values - _tensor(mean, values)) / _tensor(spread, values)

    z_distance = z((mine - theirs).norm(dim=1), reference.distance_mean, reference.distance_spread)
    z_weaker = -z(mine.norm(dim=1), reference.strength_mean, reference.strength_spread)
    cells = z_distance.clamp_min(0) + z_weaker.clamp_min(0)
    upsampled = F.interpolate(cells[:, None], size=chips.shape[2:], mode="bilinear", align_corners=False)
    return upsampled[:, 0].cpu().numpy().astype(np.float32)


def _tensor(values: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def _positive(signed: torch.Tensor) -> np.ndarray:
    return signed[:, 0].clamp_min(0.0).detach().cpu().numpy().astype(np.float32)
