"""Pixel-level quality (PLQ): the scalar quality back-propagated to the chip's pixels.

Terhörst et al.: a sample-specific linear neuron Q(I) = sum_i w_i e_i(I) with
w_i = q / sum_j e_j(I) reproduces the scalar quality q exactly for this sample;
the gradient dQ/dI tells how much each pixel carries that utility, and
PLQ = 1 - 1 / (1 + a * x^b) with x = mean over channels of |dQ/dI|.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.defaults import DEFAULT_MAP_METHOD, DEFAULT_QUALITY_ESTIMATOR, MAP_METHODS
from pfiq_desktop.engine.quality import EmbeddingNetwork, QualityEstimator, fixed_draw, make_estimator

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



# Maps made of one forward and one backward pass: the forward pass can be shared with the quality estimate.
GRADIENT_MAPS = ("gradient", "gradient_norm")

# Integrated gradients: blurred baseline (sigma in chip pixels) and Riemann steps.
IG_BASELINE_SIGMA = 8.0
IG_STEPS = 8
# Perturbation map: G x G patches, K random coalitions, blurred copy as the "absent" value.
PERTURBATION_GRID = 6
PERTURBATION_COALITIONS = 32
PERTURBATION_SIGMA = 8.0
PERTURBATION_RIDGE = 1.0

QualityFunction = Callable[[torch.Tensor], torch.Tensor]


def _grad_of(tensor: torch.Tensor) -> torch.Tensor:
    """The gradient a backward pass left on `tensor` (a leaf that requires grad)."""
    if tensor.grad is None:
        raise RuntimeError("no gradient reached the input pixels")
    return tensor.grad


def regression_weights(embeddings: torch.Tensor, qualities: torch.Tensor) -> torch.Tensor:
    """w_i = q / sum_j e_j per sample, with a safe floor on |sum_j e_j|."""
    total = embeddings.sum(dim=1)
    sign = torch.where(total < 0, -1.0, 1.0)
    safe_total = sign * total.abs().clamp_min(MIN_EMBEDDING_SUM)
    return (qualities / safe_total)[:, None]


@dataclass
class ForwardPass:
    """The chips' forward pass with its autograd graph, kept for the one backward pass of the map.

    Its descriptors are also the reference embeddings the quality estimator
    needs, so the engine runs the chip through the network once, not twice.
    With `keep_graph` the map's backward pass leaves the graph for another one
    (a comparison's similarity maps reuse it).
    """

    pixels: torch.Tensor
    descriptors: torch.Tensor
    keep_graph: bool = False

    @classmethod
    def run(cls, net: EmbeddingNetwork, chips: torch.Tensor, keep_graph: bool = False) -> ForwardPass:
        pixels = chips.detach().clone().requires_grad_(True)
        return cls(pixels, net(pixels), keep_graph)

    def gradient_magnitude(self, qualities: torch.Tensor) -> torch.Tensor:
        """|dQ/dI| averaged over colour channels (N x H x W) for the paper's neuron Q."""
        embeddings = F.normalize(self.descriptors, dim=1)
        weights = regression_weights(embeddings.detach(), qualities.detach())
        return self._backward(weights, embeddings)

    def norm_neuron_magnitude(self, qualities: torch.Tensor) -> torch.Tensor:
        """|dQ/dI| for Q = w . d on the raw descriptor d with w = q d / |d|^2.

        Q(I) = q exactly, as in the paper, but the map's scale is q / |d| (|d| is
        0.9-1.6 on faces) instead of q / sum(e), which is often near 0 and so sets
        each map's level by chance. The pixels it highlights are those that grow the
        descriptor's length along its own direction.
        """
        fixed = self.descriptors.detach()
        weights = qualities.detach()[:, None] * fixed / (fixed**2).sum(dim=1, keepdim=True).clamp_min(1e-12)
        return self._backward(weights, self.descriptors)

    def _backward(self, weights: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        torch.autograd.backward((weights * outputs).sum(), retain_graph=self.keep_graph)
        return _grad_of(self.pixels).abs().mean(dim=1)


def quality_gradient(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """|dQ/dI| averaged over colour channels (N x H x W) and the raw descriptors (N x D).

    One forward and one backward pass for the whole batch; the descriptors come
    for free so the caller need not run the network again.
    """
    forward = ForwardPass.run(net, chips)
    return forward.gradient_magnitude(qualities), forward.descriptors.detach()


def smoothgrad_magnitude(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor, copies: int = 8, sigma: float = 10.0
) -> torch.Tensor:
    """Quality-gradient magnitude averaged over noisy copies (SmoothGrad), N x H x W."""
    n = chips.shape[0]
    noise = fixed_draw((1, copies, *chips.shape[1:]), chips.device)
    noisy = (chips[:, None] + sigma * noise).flatten(0, 1)
    magnitude, _ = quality_gradient(net, noisy, qualities.repeat_interleave(copies))
    return magnitude.view(n, copies, *magnitude.shape[1:]).mean(dim=1)


def gaussian_blur(chips: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of N x C x H x W with reflected borders (differentiable, device-agnostic)."""
    radius = max(1, int(round(3 * sigma)))
    radius = min(radius, chips.shape[-1] - 1, chips.shape[-2] - 1)
    x = torch.arange(-radius, radius + 1, dtype=chips.dtype, device=chips.device)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    c = chips.shape[1]
    out = F.pad(chips, (radius, radius, 0, 0), mode="reflect")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    out = F.pad(out, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(out, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def _input_gradient(net: EmbeddingNetwork, pixels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """dQ/dI (N x C x H x W) of the fixed linear quality neuron Q = sum_i w_i e_i(I)."""
    pixels = pixels.detach().clone().requires_grad_(True)
    embeddings = F.normalize(net(pixels), dim=1)
    torch.autograd.backward((weights * embeddings).sum())
    return _grad_of(pixels)


def gradient_x_input_magnitude(
    net: EmbeddingNetwork, chips: torch.Tensor, qualities: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """|dQ/dI * I| averaged over colour channels (N x H x W), and the raw descriptors."""
    with torch.no_grad():
        descriptors = net(chips)
    weights = regression_weights(F.normalize(descriptors, dim=1), qualities.detach())
    gradient = _input_gradient(net, chips, weights)
    return (gradient * chips).abs().mean(dim=1), descriptors


def integrated_gradients_magnitude(
    net: EmbeddingNetwork,
    chips: torch.Tensor,
    qualities: torch.Tensor,
    steps: int = IG_STEPS,
    sigma: float = IG_BASELINE_SIGMA,
) -> tuple[torch.Tensor, torch.Tensor]:
    """|(I - I0) * mean_k dQ/dI(I0 + k/steps (I - I0))| per pixel, I0 = blurred chip (N x H x W).

    The sample-specific neuron Q (weights from the original chip) is held fixed along the
    path, so the attributions sum to about Q(I) - Q(I0).
    """
    with torch.no_grad():
        descriptors = net(chips)
    weights = regression_weights(F.normalize(descriptors, dim=1), qualities.detach())
    baseline = gaussian_blur(chips, sigma)
    total = torch.zeros_like(chips)
    alphas = (torch.arange(steps, dtype=chips.dtype, device=chips.device) + 0.5) / steps  # midpoint rule
    n = chips.shape[0]
    for alpha in alphas:
        total += _input_gradient(net, baseline + alpha * (chips - baseline), weights)
    attribution = (chips - baseline) * total / steps
    return attribution.abs().mean(dim=1).view(n, *chips.shape[2:]), descriptors


def _patch_edges(size: int, grid: int) -> np.ndarray:
    return np.round(np.linspace(0, size, grid + 1)).astype(int)


def perturbation_magnitude(
    chips: torch.Tensor,
    quality: QualityFunction,
    grid: int = PERTURBATION_GRID,
    coalitions: int = PERTURBATION_COALITIONS,
    sigma: float = PERTURBATION_SIGMA,
    ridge: float = PERTURBATION_RIDGE,
    batch: int = 32,
) -> torch.Tensor:
    """Gradient-free map: how much the scalar quality needs each patch (N x H x W, >= 0).

    The chip is cut into grid x grid patches. Each of `coalitions` random coalitions keeps
    every patch with probability p ~ U(0, 1) (the uniform-size weighting of Shapley values)
    and replaces the others by a blurred copy; the quality of each composite is measured
    (no gradients). A ridge least-squares fit of quality on patch membership gives each
    patch's average contribution (a KernelSHAP-style estimate with uniform weights). Patches
    whose presence lowers the quality (an occluder) get 0; the patch values are spread
    bilinearly onto the pixels.
    """
    n, _, height, width = chips.shape
    generator = torch.Generator(device="cpu").manual_seed(0)
    p = torch.rand((coalitions, 1), generator=generator)
    keep = (torch.rand((coalitions, grid * grid), generator=generator) < p).float()
    keep = torch.cat([torch.ones(1, grid * grid), keep])  # coalition 0: the untouched chip
    rows, cols = _patch_edges(height, grid), _patch_edges(width, grid)
    pixel_keep = torch.zeros((keep.shape[0], 1, height, width))
    for i in range(grid):
        for j in range(grid):
            pixel_keep[:, 0, rows[i] : rows[i + 1], cols[j] : cols[j + 1]] = keep[:, i * grid + j, None, None]
    pixel_keep = pixel_keep.to(chips.device)
    design = torch.cat([torch.ones(keep.shape[0], 1), keep], dim=1).double()
    penalty = ridge * torch.eye(design.shape[1], dtype=torch.float64)
    penalty[0, 0] = 0.0  # no shrinkage of the intercept
    solve = torch.linalg.solve(design.T @ design + penalty, design.T)
    maps = []
    with torch.no_grad():
        blurred = gaussian_blur(chips, sigma)
        for k in range(n):
            composites = pixel_keep * chips[k : k + 1] + (1 - pixel_keep) * blurred[k : k + 1]
            values = torch.cat([quality(part) for part in torch.split(composites, batch)]).double().cpu()
            phi = (solve @ values)[1:].float().clamp_min(0.0).view(1, 1, grid, grid)
            maps.append(F.interpolate(phi, size=(height, width), mode="bilinear", align_corners=False)[0, 0])
    return torch.stack(maps).to(chips.device)


def _quality_function(net: EmbeddingNetwork, estimator: QualityEstimator | QualityFunction | None) -> QualityFunction:
    if estimator is None:
        estimator = make_estimator(DEFAULT_QUALITY_ESTIMATOR)
    if isinstance(estimator, QualityEstimator):
        chosen = estimator
        return lambda chips: chosen.raw(net, chips)
    return estimator


def gradient_magnitude(
    net: EmbeddingNetwork,
    chips: torch.Tensor,
    qualities: torch.Tensor,
    method: str = DEFAULT_MAP_METHOD,
    estimator: QualityEstimator | QualityFunction | None = None,
    forward: ForwardPass | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite pixel-utility magnitudes (N x H x W) by `method`, and the raw descriptors (N x D).

    `estimator` is used by "perturbation" only (a QualityEstimator, whose raw quality is
    measured, or any function chips -> N qualities); by default the default estimator.
    `forward`, the chips' forward pass already run, saves "gradient" and "gradient_norm"
    running it again.
    """
    if method in GRADIENT_MAPS:
        forward = forward or ForwardPass.run(net, chips)
        neuron = forward.gradient_magnitude if method == "gradient" else forward.norm_neuron_magnitude
        magnitude, descriptors = neuron(qualities), forward.descriptors.detach()
    elif method == "smoothgrad":
        magnitude = smoothgrad_magnitude(net, chips, qualities)
        with torch.no_grad():
            descriptors = net(chips)
    elif method == "gradient_x_input":
        magnitude, descriptors = gradient_x_input_magnitude(net, chips, qualities)
    elif method == "integrated_gradients":
        magnitude, descriptors = integrated_gradients_magnitude(net, chips, qualities)
    elif method == "perturbation":
        magnitude = perturbation_magnitude(chips, _quality_function(net, estimator))
        with torch.no_grad():
            descriptors = net(chips)
    else:
        raise ValueError(f"Unknown map method {method!r}; choose one of {', '.join(MAP_METHODS)}")
    return torch.nan_to_num(magnitude, nan=0.0, posinf=0.0, neginf=0.0), descriptors
