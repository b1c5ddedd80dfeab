"""Face chips of the shared data sets, with their 68 landmarks in chip coordinates."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pfiq_desktop.engine.faces import CHIP_SIZE, FaceDetector, chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.evaluation.verification import PHOTO_SUFFIXES

log = logging.getLogger(__name__)

CALIBRATION_PORTRAITS = range(100, 140)  # used by benchmarks/calibrate.py: never evaluated on


@dataclass
class Chip:
    path: Path
    identity: str
    pixels: np.ndarray  # 150 x 150 x 3 uint8 RGB
    landmarks: np.ndarray  # 68 x 2, chip x, y
    photo: np.ndarray | None = None


def load_chips(paths: list[Path], identities: list[str], detector: FaceDetector, keep_photo: bool = False) -> list[Chip]:
    """The best-scoring face of each photo; photos without a face are skipped."""
    out = []
    for path, identity in zip(paths, identities):
        try:
            image = load_image(path)
        except ImageLoadError as error:  # unreadable photo: skipped, the evaluation goes on
            log.warning("evaluation skips %s: %s", path, error)
            continue
        faces = detector.detect(image)
        if not faces:
            continue
        transform = chip_transform(faces[0].landmarks5)
        out.append(
            Chip(
                path,
                identity,
                extract_chip(image, transform),
                photo_points_to_chip(faces[0].landmarks68, transform).astype(np.float32),
                image if keep_photo else None,
            )
        )
    return out


def to_tensor(pixels: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(np.stack(list(pixels)))).permute(0, 3, 1, 2).float()


def identity_photos(root: Path, per_identity: int | None = None, identities: int | None = None) -> tuple[list[Path], list[str]]:
    """ORL (s1..s40 folders) and public figures: paths and identity labels."""
    paths: list[Path] = []
    labels: list[str] = []
    folders = sorted((root / "identity_orl").glob("s*"), key=lambda p: int(p.name[1:]) if p.name[1:].isdigit() else 0)
    folders = [f for f in folders if f.is_dir()][:identities]
    folders += sorted(p for p in (root / "identity_public_figures").glob("*") if p.is_dir())
    for folder in folders:
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in PHOTO_SUFFIXES)
        for f in files[:per_identity]:
            paths.append(f)
            labels.append(f"{folder.parent.name}/{folder.name}")
    return paths, labels


LFW_SPLIT_SEED = 29794  # the identity split of identity_lfw_dev (benchmarks/quality_dev_data.py)


def development_half(identities: np.ndarray, seed: int = LFW_SPLIT_SEED) -> np.ndarray:
    """True for photos whose identity is in the development half (first half of a seeded permutation)."""
    unique = np.unique(identities)
    perm = np.random.default_rng(seed).permutation(len(unique))
    dev = set(unique[perm[: (len(unique) + 1) // 2]])
    return np.array([i in dev for i in identities], dtype=bool)


def lfw_test_half(root: Path, identities: int | None = None, per_identity: int | None = None) -> tuple[list[Path], list[str]]:
    """identity_lfw_dev photos of the identities the quality head was not trained on (its test half)."""
    files = sorted((root / "identity_lfw_dev").glob("*/*.jpg"))
    labels = np.array([f.parent.name for f in files])
    test = ~development_half(labels)
    chosen = sorted(set(labels[test]))[:identities]
    paths: list[Path] = []
    for name in chosen:
        paths += [f for f in files if f.parent.name == name][:per_identity]
    return paths, [f"identity_lfw_dev/{p.parent.name}" for p in paths]


def held_out_portraits(root: Path, count: int, offset: int = 0) -> list[Path]:
    files = sorted((root / "portraits_official").glob("*.jpg"))
    keep = [f for i, f in enumerate(files) if i not in CALIBRATION_PORTRAITS]
    return keep[offset : offset + count]


def face_hull_mask(landmarks: np.ndarray, size: int = CHIP_SIZE) -> np.ndarray:
    import cv2

    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(landmarks).astype(np.int32)), 1)
    return mask.astype(bool)
