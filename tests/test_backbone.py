"""The torch rebuild of dlib's recognition ResNet must match dlib itself."""

from __future__ import annotations

import cv2
import dlib
import numpy as np
import pytest
import torch
from skimage import data

from pfiq_desktop.engine import models
from pfiq_desktop.engine.backbones import dlib_resnet
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import (
    DLIB_RESNET_V1,
    DlibModelFormatError,
    load_dlib_resnet,
    parse_dlib_net,
)
from pfiq_desktop.engine.models import (
    RECOGNITION_MODEL,
    SHAPE_PREDICTOR_5,
    model_path,
    model_sha256,
)

VARIANTS = ("original", "blurred", "occluded", "jpeg10")


@pytest.fixture(scope="module")
def net() -> dlib_resnet.DlibResNet:
    return load_dlib_resnet()


@pytest.fixture(scope="module")
def chips() -> dict[str, np.ndarray]:
    """The astronaut's aligned chip, as dlib makes it, and degraded versions."""
    img = data.astronaut()
    faces, scores, _ = dlib.get_frontal_face_detector().run(img, 1)
    face = faces[int(np.argmax(scores))]  # a weak second hit sits on the suit
    shape = dlib.shape_predictor(str(model_path(SHAPE_PREDICTOR_5)))(img, face)
    chip = dlib.get_face_chip(img, shape, size=150, padding=0.25)
    occluded = chip.copy()
    occluded[32:60, 20:130] = 128  # both eyes
    bgr = cv2.cvtColor(chip, cv2.COLOR_RGB2BGR)
    _, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 10])
    return {
        "original": chip,
        "blurred": cv2.GaussianBlur(chip, (0, 0), 3),
        "occluded": occluded,
        "jpeg10": cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB),
    }


def to_tensor(chips: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float()


def test_embedding_matches_dlib(net: dlib_resnet.DlibResNet, chips: dict[str, np.ndarray]) -> None:
    recognizer = dlib.face_recognition_model_v1(str(model_path(RECOGNITION_MODEL)))
    with torch.no_grad():
        ours = net(to_tensor([chips[v] for v in VARIANTS])).double().numpy()
    for variant, mine in zip(VARIANTS, ours):
        # The aligned-chip overload runs the net on the 150x150 chip as is.
        ref = np.array(recognizer.compute_face_descriptor(np.ascontiguousarray(chips[variant]), num_jitters=0))
        cosine = mine @ ref / np.linalg.norm(mine) / np.linalg.norm(ref)
        assert cosine > 0.99999, variant
        assert np.abs(mine - ref).max() < 1e-4, variant
        # dlib's descriptor is the raw fc output, not unit length.
        assert np.linalg.norm(ref) == pytest.approx(np.linalg.norm(mine), rel=1e-5)
    assert abs(np.linalg.norm(ours[0]) - 1.0) > 0.1


def test_forward_is_head_of_features(net: dlib_resnet.DlibResNet, chips: dict[str, np.ndarray]) -> None:
    x = to_tensor([chips["original"]])
    with torch.no_grad():
        features = net.features(x)
        assert features.shape == (1, 256)
        assert torch.equal(net.head(features), net(x))


def test_gradient_reaches_pixels(net: dlib_resnet.DlibResNet, chips: dict[str, np.ndarray]) -> None:
    x = to_tensor([chips["original"]]).requires_grad_(True)
    net(x).sum().backward()
    assert x.grad is not None
    assert torch.isfinite(x.grad).all()
    assert x.grad.abs().sum() > 0


def test_loaded_frozen_in_eval_mode(net: dlib_resnet.DlibResNet) -> None:
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())


def test_parse_facts() -> None:
    parsed = parse_dlib_net(model_path(RECOGNITION_MODEL).read_bytes())
    assert parsed.num_entries == 130  # 108 computational layers + 22 tags/skips
    assert len(parsed.layers) == 108
    assert parsed.num_floats == 5_614_592
    assert parsed.input_size == (150, 150)
    assert parsed.input_mean == pytest.approx((122.782, 117.001, 104.298))


def test_truncated_file_is_rejected() -> None:
    data_ = model_path(RECOGNITION_MODEL).read_bytes()
    with pytest.raises(DlibModelFormatError):
        parse_dlib_net(data_[:-10])


def test_other_weights_are_refused(tmp_path, monkeypatch) -> None:
    altered = bytearray(model_path(RECOGNITION_MODEL).read_bytes())
    altered[-100] ^= 1
    (tmp_path / RECOGNITION_MODEL).write_bytes(altered)
    monkeypatch.setattr(models, "_model_dirs", lambda: [tmp_path])
    with pytest.raises(models.ModelFileDamaged, match=f"{RECOGNITION_MODEL} is damaged or replaced .*SHA-256"):
        load_dlib_resnet()


def test_metadata() -> None:
    assert DLIB_RESNET_V1.name == "dlib-resnet-v1"
    assert DLIB_RESNET_V1.input_size == 150
    assert DLIB_RESNET_V1.model_file == RECOGNITION_MODEL
    assert DLIB_RESNET_V1.model_sha256 == model_sha256(RECOGNITION_MODEL)
    assert load_calibration().backbone == DLIB_RESNET_V1.name
