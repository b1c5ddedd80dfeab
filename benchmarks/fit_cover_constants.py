"""Refit the logistic models of `engine/icao/coverings.py` (the constants in data/covering_models.json).

Deterministic: the development halves only, split by identity with a fixed seeded hash
(`is_dev`; the LFW labels' `split` column is the same hash), the engine's detector, face frame and
features, an L2-regularised logistic regression with balanced class weights (Newton steps, no
randomness). Training sets:

- lower_face: defects_masks_dev (mask = 1, no_mask = 0; the tight crops are padded with grey to twice
  their size for detection, features read on the photo itself), every identity_lfw_dev photo and the
  clean official portraits as negatives, faces found by HOG only there (the model was fitted before
  the detector's CNN fallback, which the research ran on the mask crops alone);
- head_covering: identity_lfw_dev with the by-eye labels of benchmarks/labels/lfw_head_covering.csv
  (`excluded` dropped) and the clean official portraits as negatives.

LFW labels the person at the photo's centre; elsewhere the best-scoring face is used.

    python -m benchmarks.fit_cover_constants [--model NAME] [--check] [--write]

It prints the constants; --check compares them with the shipped file to its six decimals (exit 1 on a
difference), --write rewrites the model's entry.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from benchmarks.eval_icao import DATA, load_rgb
from benchmarks.quality_dev_data import centre_face
from pfiq_desktop.engine.icao.coverings import MODELS_FILE, head_covering_features, lower_face_features
from pfiq_desktop.engine.icao.face_frame import FaceFrame, build_face_frame
from pfiq_desktop.engine.icao.registry import NotAssessable
from tests.icao.facebuild import detector

SPLIT_SEED = "pfiq-issue15-facecover"  # the identity split of issue 15's research, kept so the halves stay put
LABELS = Path(__file__).parent / "labels" / "lfw_head_covering.csv"


@dataclass(frozen=True)
class ModelSpec:
    """One model's features, ridge strength, measuring function and the sources whose fallback faces it uses."""

    features: tuple[str, ...]
    l2: float  # chosen by grouped 5-fold cross-validation on the dev identities
    measure: Callable[[FaceFrame], dict[str, float]]
    cnn_sources: tuple[str, ...]  # data folders where a face only the CNN fallback finds joins the training set


HEAD_FEATURES = (
    "forehead_skin", "fringe_texture", "fringe_vs_brows", "crown_skin", "crown_white", "crown_unlike_hair",
    "brim_edge", "crown_texture", "temples_vs_crown", "crown_vs_brows",
    "mid_ab_edge", "mid_edge", "band_de", "crown_ab_vs_brows", "crown_l_minus_brows", "brim_side",
)  # fmt: skip
MODELS = {
    # fitted before the detector's CNN fallback existed, which the research ran on the mask crops only
    "lower_face": ModelSpec(("chroma_shift", "lips", "mask_edge", "nose_skin"), 1.0, lower_face_features, ("defects_masks_dev",)),
    "head_covering": ModelSpec(HEAD_FEATURES, 10.0, head_covering_features, ("identity_lfw_dev", "portraits_official")),
}


@dataclass(frozen=True)
class Photo:
    """A dev-half photo and its label per model (a model it does not train is absent)."""

    path: str  # relative to DATA
    labels: dict[str, float]
    centre_face: bool = False  # pick the face nearest the photo's centre
    grey_pad: bool = False  # tight crop: detect on a copy padded with grey to twice its size


def is_dev(identity: str) -> bool:
    return hashlib.sha256((SPLIT_SEED + identity).encode()).digest()[0] % 2 == 0


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def dev_photos() -> Iterator[Photo]:
    """The development halves of the three sources, with each photo's labels."""
    for row in _rows(DATA / "defects_masks_dev" / "labels.csv"):
        if is_dev(row["identity"]):
            yield Photo(f"defects_masks_dev/{row['file']}", {"lower_face": float(row["label"] == "mask")}, grey_pad=True)
    for row in _rows(LABELS):
        if row["split"] == "dev":
            labels = {"lower_face": 0.0}
            if row["covering"] != "excluded":
                labels["head_covering"] = float(row["covering"] == "yes")
            yield Photo(row["file"], labels, centre_face=True)
    for row in _rows(DATA / "portraits_official" / "manifest.csv"):
        if is_dev(row["file"]) and "head covering" not in row["icao_note"]:
            yield Photo(f"portraits_official/{row['file']}", {"lower_face": 0.0, "head_covering": 0.0})


def face_frame_of(photo: Photo) -> tuple[FaceFrame, str] | None:
    """The upright frame of the photo's labelled face and the detector that found it, or None."""
    rgb = load_rgb(DATA / photo.path)
    h, w = rgb.shape[:2]
    pad_x, pad_y = (round(w / 2), round(h / 2)) if photo.grey_pad else (0, 0)
    search = cv2.copyMakeBorder(rgb, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    faces = detector().detect(search)
    if not faces:
        return None
    face = centre_face(faces, rgb.shape) if photo.centre_face else faces[0]
    return build_face_frame(rgb, face.landmarks68.astype(np.float64) - [pad_x, pad_y]), face.detector


def fit(x: np.ndarray, y: np.ndarray, l2: float, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Balanced, L2-regularised logistic regression on standardised features (missing = the mean); `weights` per row
    (default 1), the positives then scaled to weigh as much in all as the negatives."""
    weights = np.ones(len(y)) if weights is None else weights
    if not (weights[y == 0].sum() > 0 and weights[y == 1].sum() > 0):
        raise ValueError("a logistic fit needs weight on both labels")
    mean, std = np.nanmean(x, axis=0), np.nanstd(x, axis=0) + 1e-9
    a = np.hstack([np.nan_to_num((x - mean) / std), np.ones((len(x), 1))])
    sample_weight = weights * np.where(y == 1, weights[y == 0].sum() / weights[y == 1].sum(), 1.0)
    ridge = l2 * np.eye(a.shape[1])
    ridge[-1, -1] = 0.0
    beta = np.zeros(a.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-a @ beta))
        hessian = (a * (sample_weight * p * (1 - p))[:, None]).T @ a + ridge
        step = np.linalg.solve(hessian, a.T @ (sample_weight * (p - y)) + ridge @ beta)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, std, beta[:-1], float(beta[-1])


def training_sets(names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Feature rows and labels per model; a photo is measured once for all the models it trains."""
    rows: dict[str, list[list[float]]] = {name: [] for name in names}
    targets: dict[str, list[float]] = {name: [] for name in names}
    for photo in dev_photos():
        wanted = [name for name in names if name in photo.labels]
        found = face_frame_of(photo) if wanted else None
        if found is None:
            continue
        frame, detector = found
        for name in wanted:
            spec = MODELS[name]
            if detector == "cnn" and photo.path.split("/")[0] not in spec.cnn_sources:
                continue
            try:
                values = spec.measure(frame)
            except NotAssessable:
                continue
            rows[name].append([values.get(f, np.nan) for f in spec.features])
            targets[name].append(photo.labels[name])
    return {name: (np.array(rows[name], np.float64), np.array(targets[name])) for name in names}


def model_entry(name: str, x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """The JSON entry of one model, rounded as shipped."""
    mean, std, weights, bias = fit(x, y, MODELS[name].l2)
    return {
        "features": list(MODELS[name].features),
        "mean": [round(float(v), 6) for v in mean],
        "std": [round(float(v), 6) for v in std],
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(bias, 6),
        "trained_on": {"positives": int(y.sum()), "negatives": int(len(y) - y.sum())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), action="append", help="refit only this model (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the shipped constants equal the refitted ones")
    parser.add_argument("--write", action="store_true", help="rewrite the refitted models' entries in the package data")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    names = args.model or list(MODELS)
    target = resources.files("pfiq_desktop.engine.icao") / "data" / MODELS_FILE
    shipped = json.loads(target.read_text(encoding="utf-8"))
    refitted = {name: model_entry(name, *xy) for name, xy in training_sets(names).items()}
    differ = [name for name in names if refitted[name] != shipped["models"].get(name)]
    for name in names:
        print(name, "(equals the shipped entry)" if name not in differ else "(DIFFERS from the shipped entry)")
        print(json.dumps(refitted[name], indent=1))
    if args.write:
        shipped["models"].update(refitted)
        with open(str(target), "w", encoding="utf-8") as out:
            out.write(json.dumps(shipped, indent=1) + "\n")
    if args.check and differ:
        sys.exit(f"shipped constants differ from the refit: {', '.join(differ)}")


if __name__ == "__main__":
    main()
