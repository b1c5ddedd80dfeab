"""Fit the learned quality head and every estimator's 0..1 gauge on the development halves (reproducible).

    python benchmarks/train_quality_head.py --faces ../shared/data/faces --cache CACHE_DIR

1. Data (benchmarks/quality_dev_data.py): the development half (identities split with
   SPLIT_SEED) of identity_lfw_dev, defects_yaleb_light_dev and identity_orl; per photo
   the descriptors and the head's input statistics of the chip and its mirror image.
2. One operating threshold t for every set: FMR 1e-3 over the impostor pairs of the LFW
   development half. Label per photo: the mean over its genuine comparisons of
   sigmoid((s - t) / LABEL_TEMPERATURE), a smooth "this photo's comparisons succeed" rate
   (photos without a genuine comparison carry no label).
3. Ridge regression of the label on the standardised statistics (chip and mirror both as
   samples, same label), lambda = RIDGE * samples. Closed form: no training randomness;
   the only seeds are the identity split and the folds below.
4. Gauges (engine/quality.py Calibration): for every estimator, raw quality against each
   photo's share of genuine comparisons that pass t, in equal-width raw bins (0.5-99.5 %
   quantiles, small bins merged), made monotone (pool adjacent violators), one knot per
   bin at its median raw value. The head's gauge uses 5-fold out-of-fold raw values (folds
   by identity, FOLD_SEED), so it is not fitted on the head's own training fit.

Writes pfiq_desktop/engine/backbones/quality_head_dlib_resnet_v1.json (weights and a record
of the data: photos, identities and a SHA-256 over the sorted (path, file SHA-256) per
set) and the "quality" section of dlib_resnet_v1.json (the gauges; the "plq" section is
kept, re-derive it with benchmarks/calibrate.py when the default gauge changes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.quality_dev_data import HEAD_BLOCKS, SETS, SPLIT_SEED, load_set, raw_qualities
from pfiq_desktop.engine.backbones import DATA_DIR
from pfiq_desktop.engine.backbones.calibration import CALIBRATION_FILE
from pfiq_desktop.engine.quality import ESTIMATORS, QUALITY_HEAD_FILE, Calibration, LearnedHead
from pfiq_desktop.evaluation.edc import compare_all

OPERATING_SET = "identity_lfw_dev"
LABEL_TEMPERATURE = 0.03
RIDGE = 3.0
FOLDS = 5
FOLD_SEED = 0
GAUGE_BINS = 16
GAUGE_MIN_COUNT = 10
STRICT_STEP = 1e-4  # minimum rise between gauge knots, so the gauge keeps the raw ranking


def success_labels(desc: np.ndarray, ids: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per photo: smooth success label (NaN without a genuine pair), genuine comparisons, failed ones."""
    e = desc / np.linalg.norm(desc, axis=1, keepdims=True)
    sims = e @ e.T
    same = ids[:, None] == ids[None, :]
    np.fill_diagonal(same, False)
    soft = 1 / (1 + np.exp(-(sims - threshold) / LABEL_TEMPERATURE))
    count = same.sum(1)
    label = np.where(count > 0, (soft * same).sum(1) / np.maximum(count, 1), np.nan)
    failed = ((sims < threshold) & same).sum(1)
    return label, count, failed


def fit_ridge(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray | float]:
    """Standardise x, solve (Z'Z + RIDGE n I) w = Z'(y - mean y)."""
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    w = np.linalg.solve(z.T @ z + RIDGE * len(z) * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    return {"mean": mean, "scale": scale, "weight": w, "bias": float(y.mean())}


def head_json(head: dict[str, np.ndarray | float]) -> dict[str, object]:
    def floats(v: np.ndarray | float) -> list[float]:
        return [float(f"{x:.8g}") for x in np.asarray(v, dtype=np.float32).ravel()]

    return {"blocks": list(HEAD_BLOCKS), **{k: floats(head[k]) for k in ("mean", "scale", "weight")},
            "bias": float(f"{float(head['bias']):.8g}")}


def head_raw(head: dict[str, object], stats: np.ndarray, stats_m: np.ndarray) -> np.ndarray:
    """The shipped estimator's raw value from cached statistics (chip and mirror averaged)."""
    estimator = LearnedHead(head)
    with torch.no_grad():
        out = [((torch.from_numpy(s).float() - estimator.mean) / estimator.scale) @ estimator.weight + estimator.bias
               for s in (stats, stats_m)]
    return ((out[0] + out[1]) / 2).numpy().astype(float)


def pool_adjacent_violators(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit of `values` in their given order."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values.astype(float), weights.astype(float)):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(int(c), m) for m, _, c in blocks])


def fit_gauge(raw: np.ndarray, success: np.ndarray) -> Calibration:
    """Monotone piecewise-linear map raw -> share of successful genuine comparisons (every photo weighs the same)."""
    order = np.argsort(raw)
    raw, success = raw[order], success[order]
    edges = np.linspace(*np.quantile(raw, [0.005, 0.995]), GAUGE_BINS + 1)[1:-1]
    label = np.searchsorted(edges, raw)
    groups = [g for g in (np.flatnonzero(label == k) for k in range(GAUGE_BINS)) if len(g)]
    half = len(groups) // 2
    lower: list[np.ndarray] = []
    for g in groups[:half]:  # lower half: small bins are carried upwards
        if lower and len(lower[-1]) < GAUGE_MIN_COUNT:
            lower[-1] = np.r_[lower[-1], g]
        else:
            lower.append(g)
    upper: list[np.ndarray] = []
    for g in groups[half:][::-1]:  # upper half: small bins are carried downwards
        if upper and len(upper[-1]) < GAUGE_MIN_COUNT:
            upper[-1] = np.r_[upper[-1], g]
        else:
            upper.append(g)
    merged = lower + [np.sort(g) for g in upper[::-1]]
    centres = np.array([np.median(raw[g]) for g in merged])
    means = np.array([success[g].mean() for g in merged])
    k = len(merged)
    fitted = np.clip(pool_adjacent_violators(means, np.array([len(g) for g in merged], float)), 0.0, 1.0 - STRICT_STEP * k)
    fitted = fitted + STRICT_STEP * np.arange(k)
    return Calibration(tuple(float(f"{c:.8g}") for c in centres), tuple(round(float(v), 5) for v in fitted))


def data_record(faces: Path, files: np.ndarray) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256((faces / rel).read_bytes()).digest())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, required=True, help="../shared/data/faces")
    parser.add_argument("--cache", type=Path, required=True, help="folder for detected chips and features")
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.cache.mkdir(parents=True, exist_ok=True)

    sets = {name: load_set(args.faces, args.cache, name) for name in SETS}
    ref = sets[OPERATING_SET]
    threshold = compare_all(ref["desc"][ref["dev"]], ref["ids"][ref["dev"]]).thresholds[1e-3]
    print(f"operating threshold (FMR 1e-3, {OPERATING_SET} dev half): {threshold:.4f}")
    parts, record = [], {}
    for name, data in sets.items():
        dev = data["dev"]
        label, count, failed = success_labels(data["desc"][dev], data["ids"][dev], threshold)
        parts.append({"name": name, "rows": np.flatnonzero(dev), "stats": data["stats"][dev], "stats_m": data["stats_m"][dev],
                      "y": label, "count": count, "failed": failed,
                      "groups": np.array([f"{name}/{i}" for i in data["ids"][dev]])})
        record[name] = {"photos": int(dev.sum()), "photos_in_set": int(data["photos_total"]),
                        "identities": int(np.unique(data["ids"][dev]).size),
                        "files_sha256": data_record(args.faces, data["files"][dev])}
        print(f"{name}: {dev.sum()} development photos, {record[name]['identities']} identities")

    def joined(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts])

    stats, stats_m, y, groups = joined("stats"), joined("stats_m"), joined("y"), joined("groups")
    count, failed = joined("count"), joined("failed")
    labelled, has = ~np.isnan(y), count > 0
    success = 1 - failed / np.maximum(count, 1)

    unique = np.unique(groups)
    fold_of = dict(zip(unique, np.random.default_rng(FOLD_SEED).permutation(len(unique)) % FOLDS))
    fold = np.array([fold_of[g] for g in groups])
    out_of_fold = np.zeros(len(y))
    for f in range(FOLDS):
        train = labelled & (fold != f)
        head = head_json(fit_ridge(np.r_[stats[train], stats_m[train]], np.r_[y[train], y[train]]))
        out_of_fold[fold == f] = head_raw(head, stats[fold == f], stats_m[fold == f])
    final = head_json(fit_ridge(np.r_[stats[labelled], stats_m[labelled]], np.r_[y[labelled], y[labelled]]))

    gauges = {"learned-head": fit_gauge(out_of_fold[has], success[has])}
    for estimator in ESTIMATORS:
        if estimator == "learned-head":
            continue
        raw = np.concatenate([raw_qualities(args.cache, p["name"], estimator, sets[p["name"]]["index"], p["rows"])
                              for p in parts])
        gauges[estimator] = fit_gauge(raw[has], success[has])
    meaning = ("q = share of the photo's genuine comparisons expected to pass the operating threshold "
               f"(cosine {threshold:.4f}: FMR 1e-3 on the {OPERATING_SET} development half), "
               "fitted on the development halves of " + ", ".join(SETS))
    for name, gauge in gauges.items():
        print(f"gauge {name:15s} raw {gauge.raw_knots[0]:.4f}..{gauge.raw_knots[-1]:.4f} -> "
              f"q {gauge.quality_knots[0]:.3f}..{gauge.quality_knots[-1]:.3f} ({len(gauge.raw_knots)} knots)")

    head_data = {
        "estimator": "learned-head",
        "backbone": "dlib-resnet-v1",
        "inputs": "spatial mean and standard deviation of every channel after DlibResNet.blocks[2], [6], [9] "
                  "(32 + 64 + 128 channels, 448 values); raw = ((s - mean) / scale) . weight + bias, "
                  "averaged over the chip and its mirror image",
        "training": {"script": "benchmarks/train_quality_head.py", "label_temperature": LABEL_TEMPERATURE,
                     "ridge": RIDGE, "split_seed": SPLIT_SEED, "fold_seed": FOLD_SEED,
                     "operating_threshold": threshold, "data": record,
                     "data_terms": "evaluation-only research photos (see docs/EVALUATION.md, 'Licence of the head'); "
                                   "no photo is shipped, only these 1345 numbers"},
        **final,
    }
    (DATA_DIR / QUALITY_HEAD_FILE).write_text(json.dumps(head_data, indent=1) + "\n", encoding="utf-8")
    calibration_path = DATA_DIR / CALIBRATION_FILE
    calibration = json.loads(calibration_path.read_text(encoding="utf-8"))
    calibration["quality_method"] = meaning
    calibration["quality"] = {name: {"raw_knots": list(g.raw_knots), "quality_knots": list(g.quality_knots)}
                              for name, g in gauges.items()}
    calibration_path.write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
    print(f"written {DATA_DIR / QUALITY_HEAD_FILE} and the gauges in {calibration_path}")


if __name__ == "__main__":
    main()
