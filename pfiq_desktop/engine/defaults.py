"""The engine's defaults, in one light module (no torch) that the GUI and the CLI import too."""

from __future__ import annotations

DEFAULT_BACKBONE = "dlib-resnet-v1"  # the built-in network (engine/backbones/dlib_resnet.py) and its name
DEFAULT_DEVICE = "auto"
DEVICES = ("auto", "cpu", "cuda")  # also "cuda:N" for one GPU of several
DEFAULT_PROFILE = "icao-9303"
DEFAULT_QUALITY_ESTIMATOR = "learned-head"  # chosen by the EDC and test-retest figures, docs/EVALUATION.md
DEFAULT_MAP_METHOD = "gradient"
# The pixel-map methods and what each shows (engine/plq.py makes them), and the scalar quality estimators, in the
# order the commands offer them (engine/quality.py's ESTIMATORS holds their classes): named here, without torch, so
# that `pfiq --help`, `--version` and `pfiq audit` start without loading it (1 s of their 2 s)
MAP_METHODS = {
    "gradient": "Plain quality gradient (paper)",
    "gradient_norm": "Quality gradient of a neuron on the raw descriptor (w = q d / |d|^2): stable map scale",
    "smoothgrad": "SmoothGrad: gradient magnitude averaged over noisy copies",
    "gradient_x_input": "Gradient x input: |dQ/dI * I|",
    "integrated_gradients": "Integrated gradients from a blurred baseline",
    "perturbation": "Perturbation (gradient-free): Shapley-style patch occlusion with a blurred copy",
}
QUALITY_ESTIMATORS = ("learned-head", "probe-ensemble", "flip", "jitter", "noise", "norm", "ser-fiq")
ONNX_SUFFIXES = (".onnx",)  # the model files an agency's own recognition network may come in
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript")
MAX_FACES = 16  # faces beyond this (crowds) are detected and counted, not analysed
BATCH_FACES = 16  # faces per network batch (larger for a GPU)
CHUNK_PHOTOS = 16  # photos per task of an archive audit
# which analyses an archive store keeps with their pixel maps: every one, those that did not pass, none
MAP_POLICIES = ("all", "flagged", "none")
