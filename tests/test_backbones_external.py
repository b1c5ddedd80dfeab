"""Issue 17: backbones behind one interface; a user's TorchScript model with its TOML sidecar; ArcFace alignment.

The ONNX path (the optional [onnx] extra) is tested in test_backbones_onnx.py with the same network.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from pfiq_desktop.cli import main as pfiq
from pfiq_desktop.engine.alignment import ARCFACE_TEMPLATE_112, DLIB_CHIP, Alignment, five_points
from pfiq_desktop.engine.backbones import BackboneLoadError
from pfiq_desktop.engine.backbones.external import read_sidecar, sidecar_path
from pfiq_desktop.engine.backbones.registry import load_backbone
from pfiq_desktop.engine.defaults import DEFAULT_BACKBONE
from pfiq_desktop.engine.deviation import load_user_reference, low_outlines, user_reference_path
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, photo_points_to_chip
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.icao.eye_pixels import PIXELS_ONLY_EYE_STATE
from pfiq_desktop.engine.icao.regions import REGION_NAMES
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.models import PINNED_SHA256, RECOGNITION_MODEL, models_sha256
from pfiq_desktop.engine.plq import PlqCalibration, gradient_magnitude
from pfiq_desktop.engine.quality import make_estimator
from tests.facenet import INPUT_SIZE, SIDECAR, make_facenet
from tests.photos import ENGINE_MAP_TOLERANCE, load_portrait, portrait_paths
from tests.test_deviation import _eye_patch

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py

PORTRAITS = 3  # faces compared between the loaded and the native network
REFERENCE_PORTRAITS = 10  # calibration faces for a user's deviation reference (calibration_run.MIN_REFERENCE_FACES)


@pytest.fixture(scope="module")
def detected():
    detector = FaceDetector()
    out = []
    for path in portrait_paths(PORTRAITS):
        image = load_image(path)
        out.append((image, detector.detect(image)[0]))
    return out


@pytest.fixture(scope="module")
def arcface_chips(detected) -> torch.Tensor:
    alignment = Alignment("arcface", INPUT_SIZE)
    chips = [alignment.extract(image, alignment.transform(face)) for image, face in detected]
    return torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float().contiguous()


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> Path:
    """The test network as TorchScript with exported features/head methods, and its sidecar."""
    folder = tmp_path_factory.mktemp("torchscript")
    path = folder / "facenet.pt"
    torch.jit.save(torch.jit.script(make_facenet()), str(path))
    sidecar_path(path).write_text(SIDECAR + 'dropout_at = "features"\n')
    return path


def _least_squares_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The closed-form least-squares similarity (Umeyama without reflection), as InsightFace's alignment fits it."""
    s, t = source - source.mean(axis=0), target - target.mean(axis=0)
    norm = (s**2).sum()
    a = (s * t).sum() / norm
    b = (s[:, 0] * t[:, 1] - s[:, 1] * t[:, 0]).sum() / norm
    linear = np.array([[a, -b], [b, a]])
    return np.column_stack([linear, target.mean(axis=0) - linear @ source.mean(axis=0)])


def test_arcface_alignment_puts_the_five_points_on_the_template(detected):
    alignment = Alignment("arcface", 112)
    for image, face in detected:
        transform = alignment.transform(face)
        points = five_points(face.landmarks68)
        assert np.allclose(transform, _least_squares_similarity(points, ARCFACE_TEMPLATE_112), atol=1e-6)
        eyes = np.linalg.norm(ARCFACE_TEMPLATE_112[1] - ARCFACE_TEMPLATE_112[0])
        assert np.abs(photo_points_to_chip(points, transform) - ARCFACE_TEMPLATE_112).max() < 0.3 * eyes
        linear = transform[:, :2]
        assert np.allclose(linear @ linear.T, np.eye(2) * np.linalg.det(linear), atol=1e-9)  # rotation and scale only
        crop = alignment.extract(image, transform)
        assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
    assert pickle.loads(pickle.dumps(alignment)) == alignment  # it travels to the preparation workers


def test_dlib_chip_alignment_is_the_engines_chip(detected):
    image, face = detected[0]
    assert np.array_equal(DLIB_CHIP.transform(face), chip_transform(face.landmarks5))
    with pytest.raises(ValueError, match="Unknown alignment"):
        Alignment("mtcnn", 112)


def test_default_backbone_is_dlib_through_the_same_interface():
    backbone = load_backbone(None)
    spec = backbone.spec
    assert spec.name == DEFAULT_BACKBONE == "dlib-resnet-v1" and spec.builtin
    assert (spec.alignment, spec.input_size, spec.embedding_size) == (DLIB_CHIP, 150, 128)
    assert spec.model_sha256 == PINNED_SHA256[RECOGNITION_MODEL]
    assert backbone.calibration.quality("probe-ensemble").raw_knots and backbone.calibration.has_verification()
    assert load_backbone("dlib-resnet-v1").spec == spec


def test_torchscript_backbone_equals_the_native_network(scripted, native, arcface_chips):
    backbone = load_backbone(scripted)
    assert backbone.spec.alignment == Alignment("arcface", 112) and backbone.spec.embedding_size == 512
    assert backbone.spec.model_sha256 == file_sha256(scripted)
    assert not backbone.spec.builtin and backbone.calibration.data == {}
    with torch.no_grad():
        ours, theirs = backbone.net(arcface_chips), native(arcface_chips)
        cosine = torch.nn.functional.cosine_similarity(ours, theirs)
        assert float(cosine.min()) > 0.99999
        serfiq = make_estimator("ser-fiq")
        assert torch.allclose(serfiq.raw(backbone.net, arcface_chips), serfiq.raw(native, arcface_chips), atol=1e-5)
    q = torch.tensor([0.9, 0.6, 0.3])
    ours_map, _ = gradient_magnitude(backbone.net, arcface_chips, q)
    theirs_map, _ = gradient_magnitude(native, arcface_chips, q)
    plq = PlqCalibration(a=float(np.median(theirs_map.numpy())) ** -2.0, b=2.0)  # the median pixel at 0.5
    assert np.abs(plq(ours_map.numpy()) - plq(theirs_map.numpy())).max() < 1e-4


def test_calibrate_writes_the_sidecar_and_the_engine_uses_it(scripted, tmp_path, capsys, native):
    """`pfiq calibrate` on a few bundled portraits, then a full analysis with the user's backbone."""
    faces = tmp_path / "faces"
    faces.mkdir()
    for path in portrait_paths(6):
        (faces / path.name).symlink_to(path)
    (faces / "zz_broken.jpg").write_bytes(b"not a photo")  # skipped, and the exit code says a photo had a problem
    model = tmp_path / scripted.name
    model.write_bytes(scripted.read_bytes())
    sidecar_path(model).write_text("# the agency's model\n" + sidecar_path(scripted).read_text())
    code = pfiq(["calibrate", "--backbone", str(model), "--faces", str(faces), "--estimators", "probe-ensemble,ser-fiq",
                 "--maps", "gradient"])
    out = capsys.readouterr().out
    assert code == 1 and "skipped zz_broken.jpg" in out, out
    assert "probe-ensemble" in out and "ser-fiq" in out and "gradient" in out and "written into" in out
    assert "warning: only 6 usable faces" in out and not user_reference_path(model).exists()  # too few for a reference
    data = read_sidecar(model)
    assert data["calibration"]["faces"] == 6 and set(data["quality"]) == {"probe-ensemble", "ser-fiq"}
    assert sidecar_path(model).read_text().startswith("# the agency's model\n")  # what the user wrote stays
    # a second run replaces the calibration instead of appending a second copy
    assert pfiq(["calibrate", "--backbone", str(model), "--faces", str(faces), "--estimators", "probe-ensemble",
                 "--maps", "gradient"]) == 1
    assert set(read_sidecar(model)["quality"]) == {"probe-ensemble", "ser-fiq"}

    from pfiq_desktop.engine import Analyzer

    analyzer = Analyzer(device="cpu", backbone=str(model))
    analysis = analyzer.analyse(portrait_paths(1)[0])
    assert analysis.ok and analysis.faces, analysis.errors
    face = analysis.faces[0]
    assert analysis.model_sha256 == file_sha256(model) and analysis.backbone == "test-facenet"
    assert analysis.quality_estimator == "probe-ensemble"  # the learned head is the built-in network's
    assert face.plq_chip.shape == (112, 112) and face.embedding.shape == (512,) and 0 <= face.quality <= 1
    assert face.deviation_chip.size == 0  # no compliant-face reference from 6 faces: no deviation map (the GUI shows PLQ)
    assert face.attributes == {}  # the network probes are the built-in network's: the checklist reads the pixels alone
    eye = next(c for c in analysis.checks if c.id == "eye_open_left")
    assert eye.thresholds["closed_one"] == PIXELS_ONLY_EYE_STATE["closed_one"]  # the bar applied is the one shown
    assert analysis.models_sha256 != models_sha256() and len(analysis.models_sha256) == 64  # the cache key sees the backbone
    # the same map computed natively from the same crop and calibration
    chip = Alignment("arcface", 112).extract(load_image(portrait_paths(1)[0]), face.chip_transform)
    pixels = torch.from_numpy(chip[None]).permute(0, 3, 1, 2).float()
    magnitude, _ = gradient_magnitude(native, pixels, torch.tensor([face.quality]))
    assert np.abs(analyzer.plq_calibration(magnitude.numpy())[0] - face.plq_chip).max() < ENGINE_MAP_TOLERANCE


def test_calibrate_builds_a_deviation_reference_for_the_users_backbone(scripted, tmp_path, capsys):
    """With enough clean faces `pfiq calibrate` writes <model>.deviation.npz, and the engine's deviation map,
    region table, outlines and findings then work on the backbone's own 112 px chip."""
    faces = tmp_path / "faces"
    faces.mkdir()
    for path in portrait_paths(REFERENCE_PORTRAITS):
        (faces / path.name).symlink_to(path)
    model = tmp_path / scripted.name
    model.write_bytes(scripted.read_bytes())
    sidecar_path(model).write_text(sidecar_path(scripted).read_text())
    assert pfiq(["calibrate", "--backbone", str(model), "--faces", str(faces), "--estimators", "probe-ensemble",
                 "--maps", "gradient"]) == 0
    assert "deviation reference (112 px chip, 10 faces)" in capsys.readouterr().out
    reference_file = user_reference_path(model)
    table = read_sidecar(model)["calibration"]
    assert table["deviation_reference"] == reference_file.name == "facenet.pt.deviation.npz"
    assert table["deviation_reference_sha256"] == file_sha256(reference_file)

    from pfiq_desktop.engine import Analyzer

    analyzer = Analyzer(device="cpu", backbone=str(model))
    reference = analyzer.deviation_reference
    assert reference is not None and reference.mean.shape == (112, 112) and reference.sigma == pytest.approx(6 * 112 / 150)
    image = load_portrait(REFERENCE_PORTRAITS)  # a portrait the reference was not built from
    clean = analyzer.analyse(image).faces[0]
    patched = analyzer.analyse(_eye_patch(image, clean.landmarks)).faces[0]
    on_face = clean.deviation_chip[np.isfinite(clean.deviation_chip)]
    assert clean.deviation_chip.shape == (112, 112) and on_face.size > 0.3 * 112 * 112
    assert set(clean.region_deviation) == set(REGION_NAMES) and clean.findings
    assert patched.region_deviation["left_eye"] < clean.region_deviation["left_eye"] - 0.5
    assert min(patched.region_deviation, key=patched.region_deviation.__getitem__) == "left_eye"
    assert clean.deviation.shape == image.shape[:2]  # warped from the 112 px chip onto the photo
    assert all(line.shape[1] == 2 for line in low_outlines(patched.deviation_chip, patched.chip_transform,
                                                                 (image.shape[1], image.shape[0])))
    # a reference file that is not the one calibrated is not used
    reference_file.write_bytes(reference_file.read_bytes() + b"x")
    assert load_user_reference(model, table) is None


@pytest.mark.parametrize("field", ["alignment", "input_size", "embedding_size", "pixel_mean", "pixel_std", "channel_order"])
def test_sidecar_missing_a_field_is_one_clear_line(scripted, tmp_path, field):
    model = tmp_path / "model.pt"
    model.write_bytes(scripted.read_bytes())
    lines = [line for line in SIDECAR.splitlines() if not line.startswith(field + " ")]
    sidecar_path(model).write_text("\n".join(lines) + "\n")
    with pytest.raises(BackboneLoadError, match=f"the field '{field}' is missing") as caught:
        load_backbone(model)
    assert "\n" not in str(caught.value)


def test_unusable_models_give_one_line_errors(scripted, tmp_path, capsys):
    model = tmp_path / "model.pt"
    model.write_bytes(scripted.read_bytes())
    with pytest.raises(BackboneLoadError, match="sidecar model.toml is missing"):
        load_backbone(model)
    sidecar_path(model).write_text(SIDECAR.replace("input_size = 112", "input_size = 160"))
    with pytest.raises(BackboneLoadError, match=r"does not accept 3 x 160 x 160 input \(the sidecar's input_size\)"):
        load_backbone(model)
    sidecar_path(model).write_text(SIDECAR.replace("embedding_size = 512", "embedding_size = 128"))
    with pytest.raises(BackboneLoadError, match="gives 512 values per face but the sidecar says embedding_size = 128"):
        load_backbone(model)

    class Rounded(torch.nn.Module):  # quantises its input: no gradient reaches the pixels
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3 * 112 * 112, 512)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(torch.round(x).flatten(1))

    rounded = tmp_path / "rounded.pt"
    torch.jit.save(torch.jit.script(Rounded()), str(rounded))
    sidecar_path(rounded).write_text(SIDECAR)
    with pytest.raises(BackboneLoadError, match="rounded.pt: is not differentiable with respect to its input pixels"):
        load_backbone(rounded)
    # on the command line: one line, usage exit code
    assert pfiq(["embed", str(portrait_paths(1)[0]), "--backbone", str(rounded)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: rounded.pt: is not differentiable") and "\n" not in err


def test_serfiq_needs_a_dropout_point(scripted, tmp_path):
    model = tmp_path / "model.pt"
    model.write_bytes(scripted.read_bytes())
    sidecar_path(model).write_text(SIDECAR)  # no dropout_at
    backbone = load_backbone(model)
    with pytest.raises(ValueError, match="names no dropout point"):
        make_estimator("ser-fiq").raw(backbone.net, torch.zeros(1, 3, 112, 112))
