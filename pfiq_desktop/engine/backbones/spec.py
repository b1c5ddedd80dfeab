"""What the engine must know about a recognition backbone besides its weights (torch-free).

Every backbone, the built-in dlib ResNet as much as a user's ONNX or TorchScript model,
is described by one `BackboneSpec`: the alignment template and crop size it was trained
on, how raw RGB 0..255 pixels are normalised before its first layer, the length of its
embedding, and where SER-FIQ's dropout goes. The engine always hands the network raw
pixels (N x 3 x H x W, RGB, 0..255) and the normalisation runs inside the differentiated
graph, so pixel-level maps are gradients with respect to the photo's own pixel values.
"""

from __future__ import annotations

from dataclasses import dataclass

from pfiq_desktop.engine.alignment import Alignment
from pfiq_desktop.engine.backbones import BackboneInfo

CHANNEL_ORDERS = ("rgb", "bgr")


@dataclass(frozen=True)
class Normalisation:
    """Network input = (pixel[channel_order] - mean) / std per channel, pixels 0..255 in `channel_order`."""

    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    channel_order: str = "rgb"

    def __post_init__(self) -> None:
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel_order must be one of {', '.join(CHANNEL_ORDERS)}, not {self.channel_order!r}")
        if len(self.mean) != 3 or len(self.std) != 3:
            raise ValueError("pixel_mean and pixel_std need one value per colour channel (3)")
        if any(s == 0 for s in self.std):
            raise ValueError("pixel_std must not contain 0")


@dataclass(frozen=True)
class BackboneSpec:
    """One backbone's input contract, output size, SER-FIQ dropout point and identity (file and hash)."""

    name: str
    alignment: Alignment
    normalisation: Normalisation
    embedding_size: int
    dropout_at: str | None  # where SER-FIQ drops out: a layer/tensor name, None when the network has no such point
    model_file: str
    model_sha256: str
    builtin: bool = False  # shipped with the application (its constants in the package), not a user's file

    @property
    def input_size(self) -> int:
        """Side of the square aligned crop the network reads, in pixels."""
        return self.alignment.size

    def info(self) -> BackboneInfo:
        return BackboneInfo(self.name, self.input_size, self.model_file, self.model_sha256)
