"""A randomly initialised ResNet-18-sized face network with an ArcFace-style output layer, for backbone tests.

112 x 112 input (normalised as (RGB - 127.5) / 128), ResNet-18's trunk (about 11 M weights),
then BatchNorm, Dropout (where SER-FIQ drops out), flatten, a 512-D fc layer and BatchNorm,
as in InsightFace's ArcFace heads. Weights are drawn with a fixed seed; batch-norm
statistics are drawn too, so the frozen BN layers are not identities.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

INPUT_SIZE = 112
EMBEDDING_SIZE = 512
MEAN, STD = 127.5, 128.0


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        same = stride == 1 and cin == cout
        self.down = None if same else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class FaceNet(nn.Module):
    """Normalised 3 x 112 x 112 in, 512-D embedding out; `features`/`head` split at the dropout layer."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        blocks = []
        for cin, cout, stride in ((64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)):
            blocks += [_Block(cin, cout, stride), _Block(cout, cout, 1)]
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(512)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(512 * 4 * 4, EMBEDDING_SIZE)
        self.bn_out = nn.BatchNorm1d(EMBEDDING_SIZE)

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.blocks(self.stem(x)))

    @torch.jit.export
    def head(self, f: torch.Tensor) -> torch.Tensor:
        return self.bn_out(self.fc(torch.flatten(self.dropout(f), 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def make_facenet(seed: int = 0) -> FaceNet:
    """The network with seeded random weights and BN statistics, in eval mode."""
    torch.manual_seed(seed)
    net = FaceNet()
    generator = torch.Generator().manual_seed(seed)
    for module in net.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = module.num_features
            module.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            module.weight.data.copy_(0.8 + 0.4 * torch.rand(n, generator=generator))
            module.bias.data.copy_(0.1 * torch.randn(n, generator=generator))
    return net.eval()


class NativeFaceNet(nn.Module):
    """The same network run natively, behind the engine's interface (raw RGB 0..255 in)."""

    def __init__(self, net: FaceNet) -> None:
        super().__init__()
        self.net = net

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.features((x - MEAN) / STD).flatten(1)

    def head(self, f: torch.Tensor) -> torch.Tensor:
        return self.net.head(f.view(f.shape[0], 512, 4, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - MEAN) / STD)


SIDECAR = """name = "test-facenet"
alignment = "arcface"
input_size = 112
embedding_size = 512
pixel_mean = [127.5, 127.5, 127.5]
pixel_std = [128.0, 128.0, 128.0]
channel_order = "rgb"
"""


def export_onnx(net: nn.Module, path: Path, size: int = INPUT_SIZE) -> None:
    """ONNX export with a dynamic batch axis (the legacy exporter: no onnxscript needed)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
        torch.onnx.export(net, (torch.zeros(1, 3, size, size),), str(path), dynamo=False, input_names=["image"],
                          output_names=["embedding"], dynamic_axes={"image": {0: "faces"}, "embedding": {0: "faces"}},
                          opset_version=17)
