"""Pixel-level quality (PLQ): the scalar quality back-propagated to the chip's pixels.

Terhörst et al.: a sample-specific linear neuron Q(I) = sum_i w_i e_i(I) with
w_i = q / sum_j e_j(I) reproduces the scalar quality q exactly for this sample;
the gradient dQ/dI tells how much each pixel carries that utility, and
PLQ = 1 - 1 / (1 + a * x^b) with x = mean over channels of |dQ/dI|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.quality import EmbeddingNetwork

# Below this |sum_j e_j| the regression weights q / sum_j e_j explode; the sum is
# then replaced by +-MIN_EMBEDDING_SUM (sign kept) so the map stays finite.
MIN_EMBEDDING_SUM = 1e-2


@dataclass(frozen=True)
class PlqCalibration:
    """PLQ = 1 - 1 / (1 + a * x^b) for gradient magnitudes x of this backbone."""

    a: float
    b: float

    def __call__(self, magnitude: np.ndarray) -> np.ndarray:
        scaled = self.a * np.power(magnitude.astype(np.float64), self.b)
        return (1.0 - 1.0 / (1.0 + scaled)).astype(np.float32)


MAP_METHODS = {
    "gradient": "Plain quality gradient (paper)",
    "smoothgrad": "SmoothGrad: gradient magnitude averaged over noisy copies",
}


def regression_weights(embeddings: torch.Tensor, qualities: torch.Tensor) -> torch.Tensor:
    """w_i = q / sum_j e_j per sample, with a safe floor on |sum_j e_j|."""
    total = embeddings.sum(dim=1)
    sign = torch.where(total < 0, -1.0, 1.0)
    safe_total = sign * total.abs().clamp_min(MIN_EMBEDDING_SUM)
    return (qualities / safe_total)[:, None]


def quality_gradient(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """|dQ/dI| averaged over colour channels (N x H x W) and the raw descriptors (N x D).

    One forward and one backward pass for the whole batch; the descriptors come
    for free so the caller need not run the network again.
    """
    pixels = chips.detach().clone().requires_grad_(True)
    descriptors = net(pixels)
    embeddings = F.normalize(descriptors, dim=1)
    weights = regression_weights(embeddings.detach(), qualities.detach())
    (weights * embeddings).sum().backward()
    return pixels.grad.abs().mean(dim=1), descriptors.detach()


def smoothgrad_magnitude(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor, copies: int = 8, sigma: float = 10.0
) -> torch.Tensor:
    """Quality-gradient magnitude averaged over noisy copies (SmoothGrad), N x H x W."""
    generator = torch.Generator(device=chips.device).manual_seed(0)
    n = chips.shape[0]
    noise = torch.randn((n, copies, *chips.shape[1:]), generator=generator, device=chips.device)
    noisy = (chips[:, None] + sigma * noise).flatten(0, 1)
    magnitude, _ = quality_gradient(net, noisy, qualities.repeat_interleave(copies))
    return magnitude.view(n, copies, *magnitude.shape[1:]).mean(dim=1)


def gradient_magnitude(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor, method: str = "gradient"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite quality-gradient magnitudes (N x H x W) by `method`, and the raw descriptors (N x D)."""
    if method == "gradient":
        magnitude, descriptors = quality_gradient(net, chips, qualities)
    elif method == "smoothgrad":
        magnitude = smoothgrad_magnitude(net, chips, qualities)
        with torch.no_grad():
            descriptors = net(chips)
    else:
        raise ValueError(f"Unknown map method {method!r}; choose one of {', '.join(MAP_METHODS)}")
    return torch.nan_to_num(magnitude, nan=0.0, posinf=0.0, neginf=0.0), descriptors
