"""Deletion and insertion curves (Huber et al., EUSIPCO 2022 protocol) on aligned chips.

Deletion: the chip's pixels are replaced, in descending PLQ order, by the same pixels of a
Gaussian-blurred copy of the chip (sigma 8 px) in steps of 5 % up to 50 %. Insertion: start
from the blurred chip and restore original pixels in descending PLQ order. Utility at each
step: the genuine comparison score (cosine of the dlib descriptors) against another photo
of the same identity, and (deletion) the calibrated scalar quality. A map that finds the
useful pixels makes deletion fall faster, and insertion rise faster, than a random order.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.plq import gaussian_blur
from pfiq_desktop.engine.quality import EmbeddingNetwork

FRACTIONS = np.round(np.arange(0.0, 0.501, 0.05), 2)
REMOVAL_SIGMA = 8.0


def blurred(chips: torch.Tensor) -> torch.Tensor:
    return gaussian_blur(chips, REMOVAL_SIGMA)


def order_masks(plq: np.ndarray, fractions: np.ndarray = FRACTIONS, seed: int = 0) -> np.ndarray:
    """F x H x W booleans: the top `fraction` of pixels by PLQ (ties broken at random)."""
    rng = np.random.default_rng(seed)
    flat = plq.ravel().astype(np.float64) + rng.uniform(0, 1e-9, plq.size)
    ranks = np.empty(plq.size, np.int64)
    ranks[np.argsort(-flat, kind="stable")] = np.arange(plq.size)
    counts = np.round(fractions * plq.size).astype(int)
    return np.stack([(ranks < c).reshape(plq.shape) for c in counts])


def curve_images(chip: torch.Tensor, base: torch.Tensor, masks: np.ndarray, insertion: bool) -> torch.Tensor:
    """F x 3 x H x W: deletion puts `base` at the masked pixels; insertion puts the chip there."""
    m = torch.from_numpy(masks[:, None].astype(np.float32))
    if insertion:
        return m * chip[None] + (1 - m) * base[None]
    return m * base[None] + (1 - m) * chip[None]


def genuine_scores(net: EmbeddingNetwork, images: torch.Tensor, reference: torch.Tensor, batch: int = 64) -> np.ndarray:
    """Cosine similarity of each image's descriptor with the (normalised) reference descriptor."""
    with torch.no_grad():
        e = torch.cat([F.normalize(net(part), dim=1) for part in torch.split(images, batch)])
    return (e @ reference).numpy()


def auc(values: np.ndarray, fractions: np.ndarray = FRACTIONS) -> float:
    """Area under the curve over the fraction range, divided by its width (= mean utility level)."""
    values = np.asarray(values, np.float64)
    width = fractions[-1] - fractions[0]
    return float(np.sum((values[1:] + values[:-1]) * np.diff(fractions)) / 2 / width)
