"""Issue 17, "must show": ONNX face networks through onnx2torch give the native network's embeddings, SER-FIQ and maps.

1. A randomly initialised ResNet-18-sized network (112 x 112, ArcFace-style head with a
   dropout layer) exported to ONNX inside the test: load, ArcFace alignment, embedding,
   SER-FIQ through its dropout point, calibration, maps; equal to the torch module run
   natively (maps: max abs difference < 1e-4).
2. The built-in dlib ResNet exported to ONNX and loaded back: the native descriptor
   (cosine > 0.99999) and the same maps through the whole engine (within one step of their stored float16).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pfiq_desktop.cli import main as pfiq
from pfiq_desktop.engine import Analyzer
from pfiq_desktop.engine.alignment import Alignment
from pfiq_desktop.engine.backbones import BackboneLoadError
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.backbones.external import (
    onnx_converter,
    read_sidecar,
    sidecar_path,
    write_calibration,
)
from pfiq_desktop.engine.backbones.registry import load_backbone
from pfiq_desktop.engine.calibration_run import calibrate, collect_faces, gauge
from pfiq_desktop.engine.faces import FaceDetector
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.plq import PlqCalibration, gradient_magnitude
from pfiq_desktop.engine.quality import make_estimator
from tests.facenet import INPUT_SIZE, SIDECAR, export_onnx, make_facenet
from tests.photos import ENGINE_MAP_TOLERANCE, portrait_paths

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

EXTRA = "ONNX backbones need the optional [onnx] extra (onnx, onnx2torch)"
pytest.importorskip("onnx", reason=EXTRA)
try:
    onnx_converter()  # onnx2torch, imported the way the engine imports it (torchvision optional)
except BackboneLoadError:
    pytest.skip(EXTRA, allow_module_level=True)

FACENET_DROPOUT = "/bn/BatchNormalization_output_0"  # the tensor the exported network's dropout layer read
DLIB_SIDECAR = """name = "dlib-resnet-v1-onnx"
alignment = "dlib-chip"
input_size = 150
embedding_size = 128
pixel_mean = [0.0, 0.0, 0.0]   # the module normalises inside itself
pixel_std = [1.0, 1.0, 1.0]
channel_order = "rgb"
dropout_at = "/ReduceMean_output_0"   # the pooled 256-D feature before the fc layer
"""


@pytest.fixture(scope="module")
def facenet_onnx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "facenet.onnx"
    export_onnx(make_facenet(), path)
    sidecar_path(path).write_text(SIDECAR + f'dropout_at = "{FACENET_DROPOUT}"\n')
    return path


@pytest.fixture(scope="module")
def faces_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("faces")
    for path in portrait_paths(6):
        (folder / path.name).symlink_to(path)
    return folder


def _chips(alignment: Alignment, count: int = 3) -> torch.Tensor:
    detector = FaceDetector()
    chips = []
    for path in portrait_paths(count):
        image = load_image(path)
        chips.append(alignment.extract(image, alignment.transform(detector.detect(image)[0])))
    return torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float().contiguous()


def test_onnx_facenet_equals_the_native_network(facenet_onnx, native):
    backbone = load_backbone(facenet_onnx)
    assert backbone.spec.input_size == INPUT_SIZE and backbone.spec.dropout_at == FACENET_DROPOUT
    chips = _chips(backbone.spec.alignment)
    with torch.no_grad():
        cosine = torch.nn.functional.cosine_similarity(backbone.net(chips), native(chips))
        assert float(cosine.min()) > 0.99999
        serfiq = make_estimator("ser-fiq")  # dropout at the exported dropout layer's input, 100 passes of the head
        assert torch.allclose(serfiq.raw(backbone.net, chips), serfiq.raw(native, chips), atol=1e-5)
    q = torch.tensor([0.9, 0.6, 0.3])
    ours, _ = gradient_magnitude(backbone.net, chips, q)
    theirs, _ = gradient_magnitude(native, chips, q)
    plq = PlqCalibration(a=float(np.median(theirs.numpy())) ** -2.0, b=2.0)  # the median pixel at 0.5
    assert np.abs(plq(ours.numpy()) - plq(theirs.numpy())).max() < 1e-4


def test_onnx_facenet_calibrated_and_analysed_like_the_native_network(facenet_onnx, native, faces_dir, capsys):
    code = pfiq(["calibrate", "--backbone", str(facenet_onnx), "--faces", str(faces_dir),
                 "--estimators", "probe-ensemble,ser-fiq", "--maps", "gradient"])
    assert code == 0, capsys.readouterr()
    written = read_sidecar(facenet_onnx)
    # The same calibration measured with the native network. Tolerances 1e-3: the probe ensemble's
    # -log(1 - cos) near cos = 1 turns float32 differences of 1e-7 between the two graphs into 1e-3
    # relative differences of the slope and of the medians themselves, and q scales the gradients the PLQ
    # constants come from. How large depends on the CPU's float paths: on the 2026-12-02 evening host the raw
    # values differed by 6e-5 relative, the severe median by 1.9e-4, the median gradient by 2.3e-4 and the
    # steep gauge by 0.0015 (the same code had passed 1e-4 and 1e-3 on the earlier host), so medians are held
    # to 1e-3 and the gauge to 0.005: half a point on the 0..1 scale.
    faces = collect_faces(sorted(faces_dir.iterdir()), FaceDetector(), Alignment("arcface", INPUT_SIZE))
    expected = calibrate(native, faces, ["probe-ensemble", "ser-fiq"], ["gradient"])
    for name, entry in expected.quality.items():  # the measured medians, and the calibrated q they give
        ours = written["quality"][name]
        assert ours["clean_median"] == pytest.approx(entry["clean_median"], rel=1e-3)
        assert ours["severe_median"] == pytest.approx(entry["severe_median"], rel=1e-3)
        for raw in (entry["clean_median"], entry["severe_median"], entry["centre"]):
            assert gauge(ours)(raw) == pytest.approx(gauge(entry)(raw), abs=5e-3), name
    for method, entry in expected.plq.items():  # the map's measured gradients, and the PLQ they give
        ours = written["plq"][method]
        magnitudes = np.array([entry["face_median_gradient"], entry["face_p95_gradient"]])
        assert ours["face_median_gradient"] == pytest.approx(entry["face_median_gradient"], rel=1e-3)
        difference = PlqCalibration(ours["a"], ours["b"])(magnitudes) - PlqCalibration(entry["a"], entry["b"])(magnitudes)
        assert np.abs(difference).max() < 1e-3

    analyzer = Analyzer(device="cpu", backbone=str(facenet_onnx))
    photo = portrait_paths(1)[0]
    analysis = analyzer.analyse(photo)
    assert analysis.ok and analysis.faces, analysis.errors
    face = analysis.faces[0]
    assert analysis.model_sha256 == file_sha256(facenet_onnx) and face.plq_chip.shape == (INPUT_SIZE, INPUT_SIZE)
    chip = Alignment("arcface", INPUT_SIZE).extract(load_image(photo), face.chip_transform)
    pixels = torch.from_numpy(chip[None]).permute(0, 3, 1, 2).float()
    magnitude, descriptors = gradient_magnitude(native, pixels, torch.tensor([face.quality]))
    assert np.abs(analyzer.plq_calibration(magnitude.numpy())[0] - face.plq_chip).max() < ENGINE_MAP_TOLERANCE
    cosine = float(descriptors[0] @ torch.from_numpy(face.embedding) / descriptors[0].norm() / np.linalg.norm(face.embedding))
    assert cosine > 0.99999


def test_onnx_input_that_does_not_match_the_sidecar(facenet_onnx, tmp_path):
    model = tmp_path / "facenet.onnx"
    model.symlink_to(facenet_onnx)
    sidecar_path(model).write_text(SIDECAR.replace("input_size = 112", "input_size = 128"))
    with pytest.raises(BackboneLoadError, match="its input is 3 x 112 x 112 but the sidecar says input_size = 128"):
        load_backbone(model)
    sidecar_path(model).write_text(SIDECAR + 'dropout_at = "/no/such/tensor"\n')
    with pytest.raises(BackboneLoadError, match="dropout_at '/no/such/tensor' is not a tensor of the model"):
        load_backbone(model)


def test_dlib_network_exported_to_onnx_gives_the_native_descriptor_and_maps(tmp_path):
    model = tmp_path / "dlib_resnet_v1.onnx"
    export_onnx(load_dlib_resnet(), model, size=150)
    sidecar_path(model).write_text(DLIB_SIDECAR)
    shipped = load_calibration().data
    write_calibration(model, {"quality": shipped["quality"], "plq": shipped["plq"]})
    # the learned head reads the built-in module's inner statistics; the probe ensemble runs on any backbone
    analyzer = Analyzer(device="cpu", quality_estimator="probe-ensemble")
    exported = Analyzer(device="cpu", backbone=str(model), quality_estimator="probe-ensemble")
    for photo in portrait_paths(2):
        native, ours = analyzer.analyse(photo), exported.analyse(photo)
        assert native.ok and ours.ok and len(native.faces) == len(ours.faces) >= 1
        for a, b in zip(native.faces, ours.faces):
            assert np.array_equal(a.chip_transform, b.chip_transform)
            cosine = float(a.embedding @ b.embedding / np.linalg.norm(a.embedding) / np.linalg.norm(b.embedding))
            assert cosine > 0.99999
            assert a.quality == pytest.approx(b.quality, abs=1e-4)
            assert np.abs(a.plq_chip - b.plq_chip).max() < ENGINE_MAP_TOLERANCE
    with torch.no_grad():  # SER-FIQ through the exported network's split at the pooled feature
        chips = _chips(exported.alignment, 2)
        serfiq = make_estimator("ser-fiq")
        assert torch.allclose(serfiq.raw(exported.net, chips), serfiq.raw(analyzer.net, chips), atol=1e-5)
