"""Verification on identity sets: which photos, which identities calibrate, which pairs, which error rates.

The comparison's thresholds (engine/backbones/*.json, "verification") are fixed
on a development half of the identities and checked on the other half, so the
error rates reported in docs/EVALUATION.md are measured on people the thresholds
never saw. Impostor pairs are formed within one data set only: a grey 92x112 ORL
face against a colour press photo is an easy pair that would flatter the FMR.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IDENTITY_SETS = ("identity_orl", "identity_public_figures", "identity_lfw_dev")
PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg", ".pgm"}
DEV, TEST = "dev", "test"


@dataclass(frozen=True)
class Photo:
    dataset: str
    identity: str  # unique over all sets: "<dataset>/<folder>"
    path: Path


def identity_photos(root: Path, sets: tuple[str, ...] = IDENTITY_SETS) -> list[Photo]:
    """Every photo of the identity sets (one folder per identity), in a stable order."""
    photos = []
    for dataset in sets:
        folders = sorted(p for p in (root / dataset).iterdir() if p.is_dir())
        for folder in folders:
            for path in sorted(f for f in folder.iterdir() if f.suffix.lower() in PHOTO_SUFFIXES):
                photos.append(Photo(dataset, f"{dataset}/{folder.name}", path))
    return photos


def identity_part(identity: str) -> str:
    """DEV or TEST for an identity, by a hash of its name: stable whatever else is in the data."""
    return DEV if hashlib.sha256(identity.encode("utf-8")).digest()[0] % 2 == 0 else TEST


def pair_scores(embeddings: np.ndarray, identities: list[str], datasets: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores of all genuine pairs and of all impostor pairs within one data set."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    ids, sets = np.asarray(identities), np.asarray(datasets)
    genuine, impostor = [], []
    for dataset in dict.fromkeys(datasets):
        members = np.flatnonzero(sets == dataset)
        scores = unit[members] @ unit[members].T
        i, j = np.triu_indices(len(members), k=1)
        same = ids[members][i] == ids[members][j]
        genuine.append(scores[i, j][same])
        impostor.append(scores[i, j][~same])
    return np.concatenate(genuine), np.concatenate(impostor)


def threshold_at_fmr(impostor: np.ndarray, fmr: float) -> float:
    """The lowest score that at most a share `fmr` of impostor pairs reach (a match is score >= threshold)."""
    ordered = np.sort(impostor)[::-1]
    allowed = int(np.floor(fmr * len(ordered)))  # impostor pairs that may score at or above the threshold
    return float(np.nextafter(ordered[allowed], np.inf)) if allowed < len(ordered) else float(ordered[-1])


def error_rates(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> tuple[float, float]:
    """(FNMR, FMR) of the rule "same person when score >= threshold"."""
    return float(np.mean(genuine < threshold)), float(np.mean(impostor >= threshold))
