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
* opposing: g * (other chip - chip), positive part. The first-order gain if this
  photo looked like the other one there (both chips are aligned to the same
  five landmarks): where the photos differ in a way that costs score. An
  occluder is invisible to a blurred-copy reference (it is flat, so it has no
  detail to credit or blame), but not to the other photo, which still shows
  the face there.

xSSAB's own split (descriptor dimensions above / below their share of the
decision threshold, |gradient| of each) and a single blurred reference for
both maps were measured too and pointed at occluders no better than chance.

g is d score / d pixel summed over colour channels. Both maps are smoothed with
a Gaussian (the raw gradient of a ReLU network flips sign from pixel to pixel)
and are in score units per pixel, >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.plq import ForwardPass, gaussian_blur

# The featureless reference of the supporting map, as the integrated-gradients map of plq.py uses.
SUPPORT_BASELINE_SIGMA = 8.0
# Smoothing of the signed attributions before they are split (chip pixels), chosen in eval_compare.py.
SUPPORT_SIGMA = 2.0
OPPOSE_SIGMA = 3.0


@dataclass
class PairMaps:
    """For each face of a batch, compared with its counterpart: the score and the two maps (N x H x W)."""

    scores: np.ndarray
    support: np.ndarray
    oppose: np.ndarray


def explain_pairs(forward: ForwardPass, rows: list[int], others: torch.Tensor, references: torch.Tensor) -> PairMaps:
    """Score and maps of the chips `rows` of a forward pass, each against its counterpart, in one backward pass.

    `others` (len(rows) x 3 x H x W, raw RGB) are the counterparts' aligned chips and
    `references` their descriptors. The forward pass must keep its graph
    (`ForwardPass.run(..., keep_graph=True)` when its quality map ran first).
    """
    descriptors = forward.descriptors[rows]
    scores = (F.normalize(descriptors, dim=1) * F.normalize(references.detach(), dim=1)).sum(dim=1)
    (gradient,) = torch.autograd.grad(scores.sum(), forward.pixels)
    gradient, pixels = gradient[rows], forward.pixels.detach()[rows]
    support = (gradient * (pixels - gaussian_blur(pixels, SUPPORT_BASELINE_SIGMA))).sum(dim=1, keepdim=True)
    oppose = (gradient * (others - pixels)).sum(dim=1, keepdim=True)
    return PairMaps(
        scores=scores.detach().cpu().numpy().astype(np.float64),
        support=_positive(gaussian_blur(support, SUPPORT_SIGMA)),
        oppose=_positive(gaussian_blur(oppose, OPPOSE_SIGMA)),
    )


def _positive(signed: torch.Tensor) -> np.ndarray:
    return signed[:, 0].clamp_min(0.0).detach().cpu().numpy().astype(np.float32)
