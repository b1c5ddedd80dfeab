"""A user's face recogniser (ONNX or TorchScript) as a backbone, described by a TOML sidecar.

The sidecar is the model's file name with ``.toml`` (``arcface.onnx`` -> ``arcface.toml``)::

    name = "agency-arcface-r100"     # optional; the file's stem otherwise
    alignment = "arcface"            # "arcface" (five-point, 112 template) or "dlib-chip" (padding 0.25)
    input_size = 112                 # side of the aligned crop the network reads
    embedding_size = 512
    pixel_mean = [127.5, 127.5, 127.5]   # network input = (pixel - mean) / std, pixels 0..255
    pixel_std = [127.5, 127.5, 127.5]
    channel_order = "rgb"            # or "bgr": the order the network expects its channels in
    dropout_at = "/output_layer/bn/BatchNormalization_output_0"   # optional, see below

``dropout_at`` is where SER-FIQ applies its dropout: for ONNX the name of the tensor
(as Netron shows it) that feeds the network's dropout layer, which an inference export
removes; for TorchScript the word ``features``, meaning the module exports methods
``features(x)`` and ``head(f)`` with ``forward(x) == head(features(x))``. Without it the
SER-FIQ estimator is unavailable; every other estimator and map works.

``pfiq calibrate`` appends the calibration constants (tables ``[quality.<estimator>]``
and ``[plq.<map method>]``) below a marker line, keeping what the user wrote above it.
With enough faces it also writes the deviation map's compliant-face reference beside the
model (``<model file>.deviation.npz``) and names it, with its sha256, in ``[calibration]``.

ONNX models are turned into torch modules by onnx2torch (the optional ``[onnx]`` extra),
so the gradients of pixel-level quality flow through them as through the built-in
network. Everything here runs offline; nothing is downloaded.
"""

from __future__ import annotations

import logging
import math
import sys
import tomllib
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pfiq_desktop.atomic import write_text_atomic
from pfiq_desktop.engine.alignment import Alignment
from pfiq_desktop.engine.backbones import BackboneLoadError
from pfiq_desktop.engine.backbones.calibration import BackboneCalibration
from pfiq_desktop.engine.backbones.spec import BackboneSpec, Normalisation
from pfiq_desktop.engine.defaults import ONNX_SUFFIXES, TORCHSCRIPT_SUFFIXES
from pfiq_desktop.engine.hashing import file_sha256

log = logging.getLogger(__name__)

REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "alignment": str,
    "input_size": int,
    "embedding_size": int,
    "pixel_mean": list,
    "pixel_std": list,
    "channel_order": str,
}
CALIBRATION_MARKER = "# --- written by `pfiq calibrate`: everything below this line is replaced when it runs again ---"
TORCHSCRIPT_SPLIT = "features"
_ONNX_EXTRA = "ONNX models need the optional packages onnx and onnx2torch: pip install 'pfiq-desktop[onnx]'"


class NoDropoutPoint(ValueError):
    """SER-FIQ was asked for on a backbone whose sidecar names no dropout point."""


def sidecar_path(model: Path) -> Path:
    """The TOML file beside the model: same name, suffix .toml."""
    return model.with_suffix(".toml")


def read_sidecar(model: Path) -> dict[str, Any]:
    """The sidecar's contents, every required field present and of the right type (BackboneLoadError otherwise)."""
    path = sidecar_path(model)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackboneLoadError(f"{model.name}: its sidecar {path.name} is missing (it declares alignment, "
                                "normalisation, input and embedding size; see docs/BACKBONES.md)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BackboneLoadError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise BackboneLoadError(f"{path}: not valid TOML ({error})") from None
    for key, kind in REQUIRED_FIELDS.items():
        if key not in data:
            raise BackboneLoadError(f"{path.name}: the field {key!r} is missing")
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise BackboneLoadError(f"{path.name}: {key} = {data[key]!r} is not a {getattr(kind, '__name__', kind)}")
    return data


def spec_from_sidecar(model: Path, data: dict[str, Any], sha256: str) -> BackboneSpec:
    """The backbone's spec from a checked sidecar (BackboneLoadError for values out of range)."""
    name = sidecar_path(model).name
    try:
        alignment = Alignment(data["alignment"], data["input_size"])
        normalisation = Normalisation(_triple(data, "pixel_mean"), _triple(data, "pixel_std"), data["channel_order"])
    except ValueError as error:
        raise BackboneLoadError(f"{name}: {error}") from None
    if data["embedding_size"] < 1:
        raise BackboneLoadError(f"{name}: embedding_size must be 1 or more")
    dropout_at = data.get("dropout_at")
    if dropout_at is not None and not isinstance(dropout_at, str):
        raise BackboneLoadError(f"{name}: dropout_at must be a string")
    label = data.get("name", model.stem)
    return BackboneSpec(str(label), alignment, normalisation, data["embedding_size"], dropout_at or None, model.name, sha256)


def _triple(data: dict[str, Any], key: str) -> tuple[float, float, float]:
    values = data[key]
    if len(values) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{key} needs three numbers (one per colour channel), got {values!r}")
    return (float(values[0]), float(values[1]), float(values[2]))


def calibration_from_sidecar(model: Path, spec: BackboneSpec, data: dict[str, Any]) -> BackboneCalibration:
    """The sidecar's calibration tables (empty before `pfiq calibrate` ran)."""
    tables = {key: data[key] for key in ("quality", "plq", "verification", "calibration") if isinstance(data.get(key), dict)}
    hint = f"; run: pfiq calibrate --backbone {model} --faces FOLDER_OF_CLEAN_PHOTOS"
    return BackboneCalibration(spec.name, tables, hint)


# -- the network ------------------------------------------------------------------------------------


class ExternalNetwork(nn.Module):
    """A user's network behind the engine's interface: raw RGB 0..255 in, embedding out.

    `features` and `head` split it at the sidecar's dropout point (SER-FIQ drops out on
    the flattened features); `forward(x) == head(features(x))`. A model that accepts
    only one face at a time is run face by face (`per_sample`).
    """

    mean: torch.Tensor  # registered buffers
    std: torch.Tensor

    def __init__(self, normalisation: Normalisation, full: nn.Module | None, parts: tuple[nn.Module, nn.Module] | None) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(normalisation.mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(normalisation.std, dtype=torch.float32))
        self.bgr = normalisation.channel_order == "bgr"
        self.full = full
        self.feature_net = parts[0] if parts else None
        self.head_net = parts[1] if parts else None
        self.feature_shape: tuple[int, ...] = ()
        self.per_sample = False

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """Raw pixels -> the network's input (inside the graph, so gradients reach the raw pixels)."""
        if self.bgr:
            x = x.flip(1)
        return (x - self.mean[:, None, None]) / self.std[:, None, None]

    def _run(self, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if self.per_sample and x.shape[0] > 1:
            return torch.cat([module(x[i : i + 1]) for i in range(x.shape[0])])
        out: torch.Tensor = module(x)
        return out

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The flattened activation at the dropout point (N x D)."""
        if self.feature_net is None:
            raise NoDropoutPoint("this backbone's sidecar names no dropout point (dropout_at), so SER-FIQ cannot run on it")
        return self._run(self.feature_net, self.normalise(x)).flatten(1)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """The rest of the network from the (flattened) dropout point to the embedding."""
        if self.head_net is None:
            raise NoDropoutPoint("this backbone's sidecar names no dropout point (dropout_at), so SER-FIQ cannot run on it")
        return self._run(self.head_net, features.reshape(features.shape[0], *self.feature_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.full is None:
            return self.head(self.features(x))
        return self._run(self.full, self.normalise(x))


class _Method(nn.Module):
    """One exported method of a TorchScript module as a module of its own."""

    def __init__(self, module: torch.jit.ScriptModule, method: str) -> None:
        super().__init__()
        self.module = module
        self.method = method

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = getattr(self.module, self.method)(x)
        return out


@contextmanager
def _torchvision_optional() -> Iterator[None]:
    """Let onnx2torch import without torchvision, which it needs only for NMS and RoiAlign (no face recogniser uses them).

    torchvision must match torch's exact build; the CPU build of torch has no CUDA
    torchvision to go with it, and the PyPI one fails to load there. While onnx2torch
    is imported a stand-in module raises a clear error if such an operator is met; it
    is removed afterwards, so no other import sees it.
    """
    try:
        import torchvision  # noqa: F401
    except (ImportError, OSError, RuntimeError):
        log.info("torchvision unavailable; ONNX operators that need it will say so", exc_info=True)
    else:
        yield
        return

    def missing(*_args: Any, **_kwargs: Any) -> Any:
        raise BackboneLoadError("this ONNX model uses an operator that needs torchvision (NMS or RoiAlign)")

    stub, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
    ops.nms = ops.roi_align = ops.box_convert = missing  # type: ignore[attr-defined]
    stub.ops = ops  # type: ignore[attr-defined]
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name == "torchvision" or name.startswith("torchvision.")}
    sys.modules.update({"torchvision": stub, "torchvision.ops": ops})
    try:
        yield
    finally:
        for name in ("torchvision", "torchvision.ops"):
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def onnx_converter() -> Callable[[Any], nn.Module]:
    """onnx2torch's `convert` (BackboneLoadError naming the [onnx] extra when onnx or onnx2torch is missing)."""
    try:
        import onnx  # noqa: F401

        with _torchvision_optional():
            from onnx2torch import convert
    except ImportError:
        raise BackboneLoadError(_ONNX_EXTRA) from None
    return convert  # type: ignore[no-any-return]


def _onnx_modules(path: Path, spec: BackboneSpec) -> tuple[nn.Module | None, tuple[nn.Module, nn.Module] | None]:
    """The ONNX graph as torch: the whole network, or its two halves split at the dropout point."""
    convert = onnx_converter()
    import onnx
    import onnx.shape_inference
    import onnx.utils
    try:
        model = onnx.load(str(path))
    except Exception as error:
        raise BackboneLoadError(f"{path.name}: not a readable ONNX model ({_first_line(error)})") from error
    initialisers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initialisers]
    if len(inputs) != 1 or len(model.graph.output) < 1:
        raise BackboneLoadError(f"{path.name}: expected one image input, found {len(inputs)}")
    _check_onnx_input(path, inputs[0], spec)
    input_name, output_name = inputs[0].name, model.graph.output[0].name

    def to_torch(part: onnx.ModelProto) -> nn.Module:
        try:
            module: nn.Module = convert(part)
        except Exception as error:
            raise BackboneLoadError(f"{path.name}: onnx2torch cannot convert it ({_first_line(error)})") from error
        return module

    if spec.dropout_at is None:
        return to_torch(model), None
    produced = {name for node in model.graph.node for name in node.output}
    if spec.dropout_at not in produced:
        raise BackboneLoadError(f"{path.name}: dropout_at {spec.dropout_at!r} is not a tensor of the model (see its names in Netron)")
    try:
        extractor = onnx.utils.Extractor(onnx.shape_inference.infer_shapes(model))  # it needs the inner tensors' shapes
        before = extractor.extract_model([input_name], [spec.dropout_at])
        after = extractor.extract_model([spec.dropout_at], [output_name])
        onnx.checker.check_model(after)
    except Exception as error:
        raise BackboneLoadError(f"{path.name}: cannot split the model at dropout_at {spec.dropout_at!r} ({_first_line(error)})") from error
    if any(input_name in node.input for node in after.graph.node):
        raise BackboneLoadError(f"{path.name}: dropout_at {spec.dropout_at!r} does not cut the network in two "
                                "(later layers also read the image)")
    return None, (to_torch(before), to_torch(after))


def _check_onnx_input(path: Path, value: Any, spec: BackboneSpec) -> None:
    """The declared input shape (where the ONNX file fixes it) must be N x 3 x input_size x input_size."""
    dims = [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]
    if len(dims) != 4:
        raise BackboneLoadError(f"{path.name}: its input has {len(dims)} dimensions; expected N x 3 x H x W")
    channels, height, width = dims[1:]
    size = spec.input_size
    if (channels not in (None, 3)) or (height not in (None, size)) or (width not in (None, size)):
        shown = " x ".join("?" if d is None else str(d) for d in dims[1:])
        raise BackboneLoadError(f"{path.name}: its input is {shown} but the sidecar says input_size = {size} (3 x {size} x {size})")


def _torchscript_modules(path: Path, spec: BackboneSpec) -> tuple[nn.Module | None, tuple[nn.Module, nn.Module] | None]:
    try:
        module = torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call]
    except (RuntimeError, ValueError) as error:
        raise BackboneLoadError(f"{path.name}: not a readable TorchScript model ({_first_line(error)})") from error
    if spec.dropout_at is None:
        return module, None
    if spec.dropout_at != TORCHSCRIPT_SPLIT:
        raise BackboneLoadError(f"{path.name}: for TorchScript, dropout_at must be {TORCHSCRIPT_SPLIT!r} (methods features and head)")
    missing = [m for m in ("features", "head") if not hasattr(module, m)]
    if missing:
        raise BackboneLoadError(f"{path.name}: dropout_at = 'features' needs exported methods features and head; "
                                f"missing: {', '.join(missing)}")
    return None, (_Method(module, "features"), _Method(module, "head"))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _probe_pixels(size: int, count: int) -> torch.Tensor:
    """A fixed, face-free test image batch (raw 0..255), the same on every run."""
    generator = torch.Generator().manual_seed(0)
    return torch.rand((count, 3, size, size), generator=generator) * 255.0


def check_network(net: ExternalNetwork, spec: BackboneSpec, name: str) -> None:
    """Input size, embedding size, batching and differentiability, each with a one-line error."""
    size = spec.input_size
    probe = _probe_pixels(size, 2)
    try:
        with torch.no_grad():
            if net.feature_net is not None:
                net.feature_shape = tuple(net._run(net.feature_net, net.normalise(probe[:1])).shape[1:])
            single = net(probe[:1])
    except Exception as error:
        raise BackboneLoadError(f"{name}: does not accept 3 x {size} x {size} input (the sidecar's input_size): "
                                f"{_first_line(error)}") from error
    if single.ndim != 2 or single.shape[1] != spec.embedding_size:
        got = " x ".join(str(d) for d in single.shape[1:])
        raise BackboneLoadError(f"{name}: gives {got} values per face but the sidecar says embedding_size = {spec.embedding_size}")
    try:
        with torch.no_grad():
            pair = net(probe)
        batched = pair.shape == (2, spec.embedding_size)
    except RuntimeError as error:  # no batch axis, or out of memory on a GPU: one face at a time serves both
        batched = False
        log.info("%s failed on two faces at once: %s", name, _first_line(error))
    if not batched:
        net.per_sample = True
        log.info("%s takes one face at a time; faces are run one by one", name)
    pixels = probe[:1].clone().requires_grad_(True)
    try:
        out = net(pixels)
        if not out.requires_grad:
            raise RuntimeError("its output does not depend on the input through differentiable operations")
        torch.autograd.backward(out.square().sum())
    except RuntimeError as error:
        raise BackboneLoadError(f"{name}: is not differentiable with respect to its input pixels ({_first_line(error)})") from error
    grad = pixels.grad
    if grad is None or not bool(torch.isfinite(grad).all()) or not bool((grad != 0).any()):
        raise BackboneLoadError(f"{name}: is not differentiable with respect to its input pixels (the gradient is zero or not finite)")


def checked_model_file(model: Path) -> dict[str, Any]:
    """The sidecar of a recognition network's model file that exists, is of a known type and has a readable sidecar
    (BackboneLoadError otherwise): what loading checks first, and what Settings checks before it closes (a mistyped
    path was accepted and stopped the engine for every photo: usability walk-through)."""
    if not model.is_file():
        raise BackboneLoadError(f"the recognition network's model file {model} does not exist")
    if model.suffix.lower() not in ONNX_SUFFIXES + TORCHSCRIPT_SUFFIXES:
        raise BackboneLoadError(f"{model.name}: unknown model type; use an ONNX file (.onnx) "
                                f"or TorchScript ({', '.join(TORCHSCRIPT_SUFFIXES)})")
    return read_sidecar(model)


def load_external(path: str | Path, device: torch.device) -> tuple[BackboneSpec, ExternalNetwork, BackboneCalibration]:
    """A user's ONNX or TorchScript model with its sidecar: spec, frozen eval-mode network, calibration."""
    model = Path(path)
    data = checked_model_file(model)
    suffix = model.suffix.lower()
    spec = spec_from_sidecar(model, data, file_sha256(model))
    loader: Callable[[Path, BackboneSpec], tuple[nn.Module | None, tuple[nn.Module, nn.Module] | None]]
    loader = _onnx_modules if suffix in ONNX_SUFFIXES else _torchscript_modules
    full, parts = loader(model, spec)
    net = ExternalNetwork(spec.normalisation, full, parts).eval()
    net.requires_grad_(False)
    check_network(net, spec, model.name)
    return spec, net.to(device), calibration_from_sidecar(model, spec, data)


# -- writing the calibration ---------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_tables(prefix: str, table: dict[str, Any]) -> list[str]:
    """`[prefix]` with the table's plain values, then its sub-tables, recursively."""
    lines = [f"[{prefix}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in table.items() if not isinstance(value, dict)]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += ["", *_toml_tables(f"{prefix}.{key}", value)]
    return lines


def write_calibration(model: Path, tables: dict[str, dict[str, Any]]) -> Path:
    """Replace the sidecar's calibration part (below the marker) with `tables`; what the user wrote stays."""
    path = sidecar_path(model)
    text = path.read_text(encoding="utf-8")
    user_part = text.split(CALIBRATION_MARKER)[0].rstrip("\n")
    lines = [user_part, "", CALIBRATION_MARKER]
    for name, table in tables.items():
        lines += ["", *_toml_tables(name, table)]
    new_text = "\n".join(lines) + "\n"
    tomllib.loads(new_text)  # never leave a sidecar the loader cannot read
    write_text_atomic(path, new_text)
    return path
