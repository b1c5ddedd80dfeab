"""The backbone registry: the built-in dlib ResNet by name, or a user's ONNX/TorchScript file by path.

    backbone = load_backbone(None)                 # the default, dlib-resnet-v1
    backbone = load_backbone("models/arcface.onnx")  # with models/arcface.toml beside it

Each `Backbone` is a spec (alignment, normalisation, embedding size, SER-FIQ's dropout
point, file and hash), the frozen eval-mode network (raw RGB 0..255 in, embedding out,
split into `features` and `head` at the dropout point) and its calibration constants.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from pfiq_desktop.engine.alignment import DLIB_CHIP
from pfiq_desktop.engine.backbones import BackboneLoadError
from pfiq_desktop.engine.backbones.calibration import BackboneCalibration, load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import DLIB_RESNET_V1, load_dlib_resnet
from pfiq_desktop.engine.backbones.external import load_external
from pfiq_desktop.engine.backbones.spec import BackboneSpec, Normalisation
from pfiq_desktop.engine.deviation import DeviationReference, load_user_reference
from pfiq_desktop.engine.models import models_sha256
from pfiq_desktop.engine.quality import EmbeddingNetwork, LearnedHead

# The default quality estimator (the learned head) is trained for the built-in network; a user's backbone
# uses this training-free one instead, calibrated by `pfiq calibrate`.
USER_BACKBONE_ESTIMATOR = "probe-ensemble"

# dlib's ResNet normalises inside its module ((RGB - mean) / 256) and drops out, for SER-FIQ,
# on the 256-D average-pooled feature before its fc layer.
DLIB_SPEC = BackboneSpec(
    name=DLIB_RESNET_V1.name,
    alignment=DLIB_CHIP,
    normalisation=Normalisation(mean=(122.782, 117.001, 104.298), std=(256.0, 256.0, 256.0)),
    embedding_size=128,
    dropout_at="pooled 256-D feature before the fc layer",
    model_file=DLIB_RESNET_V1.model_file,
    model_sha256=DLIB_RESNET_V1.model_sha256,
    builtin=True,
)
BUILTIN = {DLIB_SPEC.name: DLIB_SPEC}


@dataclass
class Backbone:
    """A loaded recognition backbone: what it is, the network, and its calibration constants."""

    spec: BackboneSpec
    net: EmbeddingNetwork
    calibration: BackboneCalibration
    # a user's backbone: the compliant-face reference `pfiq calibrate` wrote beside it (None: no deviation map);
    # the built-in one's references are packaged per map method (deviation.load_reference)
    deviation_reference: DeviationReference | None = None

    def estimator_for(self, requested: str, default: str) -> str:
        """The estimator to run: `requested`, except that the application's default becomes the training-free
        USER_BACKBONE_ESTIMATOR on a user's backbone without a calibration for it (the learned head is dlib's)."""
        if self.spec.builtin:
            return requested
        if requested == LearnedHead.name or requested not in self.calibration.data.get("quality", {}):
            if requested == default:
                return USER_BACKBONE_ESTIMATOR
            if requested == LearnedHead.name:
                raise ValueError(f"the {LearnedHead.name} estimator is trained for the built-in network, not {self.spec.name}")
        return requested

    @property
    def models_sha256(self) -> str:
        """The digest of every model file an analysis with this backbone depends on (the cache key's part).

        The built-in backbone keeps the shipped files' digest; a user's adds its file and calibration.
        """
        shipped = models_sha256()
        if self.spec.builtin:
            return shipped
        data = self.calibration.data
        calibration = repr(sorted(data.get("quality", {}).items())) + repr(sorted(data.get("plq", {}).items()))
        reference = data.get("calibration", {}).get("deviation_reference_sha256")
        if reference:
            calibration += reference
        listing = "\n".join((shipped, self.spec.name, self.spec.model_sha256, calibration))
        return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def is_builtin(choice: str | Path | None) -> bool:
    """Whether `choice` names the built-in backbone (empty or None: the default)."""
    return not choice or str(choice) in BUILTIN


def load_backbone(choice: str | Path | None = None, device: str | torch.device = "cpu") -> Backbone:
    """The built-in backbone by name (default when empty) or a user's model file (BackboneLoadError if unusable)."""
    device = torch.device(device)
    if is_builtin(choice):
        return Backbone(DLIB_SPEC, load_dlib_resnet(device), load_calibration())
    path = Path(str(choice)).expanduser()
    if not path.suffix and not path.exists():
        raise BackboneLoadError(f"unknown backbone {choice!r}; use {', '.join(BUILTIN)} or a model file (.onnx, .pt)")
    spec, net, calibration = load_external(path, device)
    return Backbone(spec, net, calibration, load_user_reference(path, calibration.data.get("calibration", {})))
