"""Refit the head-covering model's constants (`head_covering` in engine/icao/data/covering_models.json).

Deterministic: the development halves only (LFW identities labelled `dev` in
benchmarks/labels/lfw_head_covering.csv, the face nearest the photo's centre; the clean official
portraits whose seeded identity hash is even), the features of `coverings.head_covering_features`,
an L2-regularised logistic regression with balanced class weights (Newton steps, no randomness).
The lower-face model in the same file is left as it is.

    python benchmarks/fit_head_covering.py [--write]

Without --write it prints the constants; with it, it rewrites the `head_covering` entry.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np

from benchmarks.eval_icao import DATA, load_rgb
from pfiq_desktop.engine.icao.coverings import MODELS_FILE, head_covering_features
from pfiq_desktop.engine.icao.face_frame import build_face_frame
from pfiq_desktop.engine.icao.registry import NotAssessable
from tests.icao.facebuild import detect_faces

FEATURES = (
    "forehead_skin", "fringe_texture", "fringe_vs_brows", "crown_skin", "crown_white", "crown_unlike_hair",
    "brim_edge", "crown_texture", "temples_vs_crown", "crown_vs_brows",
    "mid_ab_edge", "mid_edge", "band_de", "crown_ab_vs_brows", "crown_l_minus_brows", "brim_side",
)  # fmt: skip
L2 = 10.0  # chosen by grouped 5-fold cross-validation on the dev identities (1, 3, 10, 30 tried)
OFFICIAL_SEED = "pfiq-issue15-facecover"  # the official portraits' dev/test split, as in the research


def official_is_dev(name: str) -> bool:
    return hashlib.sha256((OFFICIAL_SEED + name).encode()).digest()[0] % 2 == 0


def features_of(path: str, centre_face: bool) -> dict[str, float] | None:
    rgb = load_rgb(DATA / path)
    faces = detect_faces(rgb)
    if not faces:
        return None
    h, w = rgb.shape[:2]
    face = faces[0]
    if centre_face:  # LFW labels the person at the centre
        face = min(faces, key=lambda f: (f.box[0] + f.box[2] / 2 - w / 2) ** 2 + (f.box[1] + f.box[3] / 2 - h / 2) ** 2)
    try:
        return head_covering_features(build_face_frame(rgb, face.landmarks))
    except NotAssessable:
        return None


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Balanced, L2-regularised logistic regression on standardised features (missing = the mean)."""
    mean, std = np.nanmean(x, axis=0), np.nanstd(x, axis=0) + 1e-9
    a = np.hstack([np.nan_to_num((x - mean) / std), np.ones((len(x), 1))])
    sample_weight = np.where(y == 1, (y == 0).sum() / max((y == 1).sum(), 1), 1.0)
    ridge = L2 * np.eye(a.shape[1])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the head_covering entry of the package data")
    args = parser.parse_args()
    labels = csv.DictReader((Path(__file__).parent / "labels" / "lfw_head_covering.csv").read_text(encoding="utf-8").splitlines())
    photos = [(row["file"], True, row["covering"] == "yes") for row in labels if row["split"] == "dev" and row["covering"] != "excluded"]
    manifest = csv.DictReader((DATA / "portraits_official" / "manifest.csv").read_text().splitlines())
    photos += [
        (f"portraits_official/{row['file']}", False, False)
        for row in manifest
        if official_is_dev(row["file"]) and "head covering" not in row["icao_note"]
    ]
    rows, targets = [], []
    for path, centre, covered in photos:
        found = features_of(path, centre)
        if found is not None:
            rows.append([found[name] for name in FEATURES])
            targets.append(float(covered))
    y = np.array(targets)
    mean, std, weights, bias = fit(np.array(rows, np.float64), y)
    model = {
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "std": [round(float(v), 6) for v in std],
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(bias, 6),
        "trained_on": {"positives": int(y.sum()), "negatives": int(len(y) - y.sum())},
    }
    print(json.dumps(model, indent=1))
    if args.write:
        target = resources.files("pfiq_desktop.engine.icao") / "data" / MODELS_FILE
        data = json.loads(target.read_text(encoding="utf-8"))
        data["models"]["head_covering"] = model
        with open(str(target), "w", encoding="utf-8") as out:
            out.write(json.dumps(data, indent=1) + "\n")
    assert all(math.isfinite(v) for v in model["weights"])


if __name__ == "__main__":
    main()
