"""The bundled public-domain sample and a few synthetic variants of it ("Try the sample")."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.engine import disturbances

SAMPLE_NAME = "sample_astronaut.jpg"
SAMPLE_SET_VERSION = 3  # bump when the variants change: a new folder is written beside the old one
# Eye centres of the astronaut portrait (512x512), measured once with the 68-point landmarks.
_EYES = [(203.0, 102.0), (247.0, 104.0)]
_LENS = (14, 9)  # sunglasses lens half-axes: the face is still found, the eyes are hidden


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    for folder in candidates:
        if (folder / SAMPLE_NAME).is_file():
            return folder
    return candidates[-1]


def sample_path() -> Path:
    return resources_dir() / SAMPLE_NAME


def _variants(rgb: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "2_blurred": disturbances.blur(rgb, 2.5),  # still detected, fails the sharpness check
        "3_sunglasses": disturbances.dark_ellipses(rgb, _EYES, _LENS),
        "4_side_lit": disturbances.side_shadow(rgb, _EYES, 0.7),  # the photo-right half at 30 %
    }


def make_sample_folder(dest: str | Path) -> Path:
    """Copy the sample and write its variants into a versioned folder under `dest` (idempotent)."""
    dest = Path(dest) / f"sample-set-v{SAMPLE_SET_VERSION}"
    dest.mkdir(parents=True, exist_ok=True)
    source = sample_path()
    original = dest / "1_astronaut.jpg"
    if not original.exists():
        original.write_bytes(source.read_bytes())
    bgr = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"The bundled sample photo is missing: {source}")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    for name, image in _variants(rgb).items():
        target = dest / f"{name}.png"
        if not target.exists():
            cv2.imwrite(str(target), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return dest
