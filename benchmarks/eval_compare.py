"""Renewal check (`Analyzer.compare`): thresholds, where its maps point, and what it costs.

    python benchmarks/eval_compare.py --out eval_compare [--data ../shared/data/faces] [--write-calibration]

1. Faces: the main face of every photo of identity_orl, identity_public_figures and
   identity_lfw_dev (aligned chip, 68 landmarks, descriptor), cached in --out.
2. Thresholds: the identities are split by a hash of their name into a development
   and a test half. Thresholds at FMR 1e-3 and 1e-2 are set on the development half
   (all genuine pairs, all impostor pairs within one data set) and their FNMR / FMR
   measured on the test half. --write-calibration stores the development figures in
   the backbone's calibration file (engine/backbones/dlib_resnet_v1.json).
3. Maps, on genuine pairs of both halves (the method was chosen on the development
   half, the test half reports it): photo A is occluded by a grey patch (anywhere on
   the face, or on the eyes, nose or mouth) or by sunglasses (dark ellipses on the
   eyes), and the named face region where A's opposing map is highest must overlap
   the occluder on >= 25 % of its pixels (the pointing game of the PLQ evaluation).
   Controls: the same map of the unoccluded pair against the same occluder mask, and a
   smooth random map. The engine's opposing map (mid-level disagreement, engine/similarity.py)
   needs its reference of clean development pairs, written with --write-calibration.
   On the unoccluded pairs the supporting map's share on the eyes and nose is divided
   by those regions' share of the face (1 = a random map).
   Rejected candidates are measured beside the engine's method: the gradient opposing map
   (what a user's backbone without a mid-level grid gets), xSSAB's own split
   (descriptor dimensions above/below their share of the threshold, |gradient| of
   each) and the blurred-copy reference for both maps.
4. Cost: `Analyzer.compare(a, b)` against `analyse(a)` + `analyse(b)`, interleaved, on the
   bundled portraits.

Writes summary.json, scores.csv, maps.csv and figures (PNG) into --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.backbones import DATA_DIR
from pfiq_desktop.engine.backbones.calibration import CALIBRATION_FILE
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_BACKBONE
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.engine.plq import ForwardPass, gaussian_blur
from pfiq_desktop.engine.similarity import REFERENCE_FILE, OpposingReference, explain_pairs, load_opposing_reference
from pfiq_desktop.evaluation import figures
from pfiq_desktop.evaluation.compare_maps import OCCLUDERS, eyes_nose_cover, occluder_centres, occluder_shape, pointing_hit
from pfiq_desktop.evaluation.data import face_hull_mask, to_tensor
from pfiq_desktop.evaluation.occlusion import occlude, region_masks
from pfiq_desktop.evaluation.verification import DEV, TEST, error_rates, identity_part, identity_photos, pair_scores, threshold_at_fmr

FMRS = {"strict": 1e-3, "lenient": 1e-2}
METHODS = ("engine", "gradient", "xssab", "blurred reference", "random")
REFERENCE_PAIRS = 400  # clean genuine development pairs behind the opposing map's reference
REFERENCE_SEED = 7  # another draw than the evaluated pairs (seed 0)
BIG_DROP = 0.02  # an occluder that costs at least the gap between the two thresholds
TARGET = DATA_DIR / CALIBRATION_FILE
REFERENCE_TARGET = DATA_DIR / REFERENCE_FILE.format(backbone=DEFAULT_BACKBONE)


# ------------------------------------------------------------------ 1. faces


def collect_faces(data: Path, cache: Path) -> dict[str, np.ndarray]:
    """Main face of every identity photo: chip, landmarks (chip pixels), descriptor; cached in `cache`."""
    if cache.exists():
        with np.load(cache) as stored:
            return dict(stored)
    detector, net = FaceDetector(), load_dlib_resnet()
    rows: dict[str, list] = {"dataset": [], "identity": [], "path": [], "chip": [], "landmarks": []}
    missed = []
    for photo in identity_photos(data):
        try:
            image = load_image(photo.path)
        except ImageLoadError:
            missed.append(str(photo.path))
            continue
        faces = detector.detect(image)
        if not faces:
            missed.append(str(photo.path))
            continue
        transform = chip_transform(faces[0].landmarks5)
        for key, value in (("dataset", photo.dataset), ("identity", photo.identity), ("path", str(photo.path)),
                           ("chip", extract_chip(image, transform)),
                           ("landmarks", photo_points_to_chip(faces[0].landmarks68, transform).astype(np.float32))):
            rows[key].append(value)
    with torch.no_grad():
        descriptors = torch.cat([net(part) for part in to_tensor(rows["chip"]).split(64)]).numpy()
    faces_found = {key: np.asarray(values) for key, values in rows.items()}
    faces_found["descriptor"] = descriptors
    faces_found["missed"] = np.asarray(missed)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **faces_found)
    return faces_found


# ------------------------------------------------------------------ 2. thresholds


def calibrate(faces: dict[str, np.ndarray], out: Path) -> dict:
    parts = np.array([identity_part(i) for i in faces["identity"]])
    scores = {}
    for part in (DEV, TEST):
        keep = parts == part
        scores[part] = pair_scores(faces["descriptor"][keep], list(faces["identity"][keep]), list(faces["dataset"][keep]))
    genuine, impostor = scores[DEV]
    summary: dict = {"photos": int(len(parts)), "no_face": int(len(faces["missed"])), "parts": {}, "per_set": {}}
    for part in (DEV, TEST):
        keep = parts == part
        summary["parts"][part] = {
            "identities": len(set(faces["identity"][keep])), "photos": int(keep.sum()),
            "genuine_pairs": len(scores[part][0]), "impostor_pairs": len(scores[part][1]),
        }
    points = {}
    for name, fmr in FMRS.items():
        threshold = threshold_at_fmr(impostor, fmr)
        dev_fnmr, dev_fmr = error_rates(genuine, impostor, threshold)
        test_fnmr, test_fmr = error_rates(*scores[TEST], threshold)
        points[name] = {"fmr": fmr, "threshold": threshold, "fnmr": dev_fnmr, "dev_fmr": dev_fmr,
                        "test_fnmr": test_fnmr, "test_fmr": test_fmr}
    summary["thresholds"] = points
    for dataset in dict.fromkeys(faces["dataset"]):
        keep = (parts == TEST) & (faces["dataset"] == dataset)
        g, i = pair_scores(faces["descriptor"][keep], list(faces["identity"][keep]), list(faces["dataset"][keep]))
        summary["per_set"][str(dataset)] = {
            "genuine_pairs": len(g), "impostor_pairs": len(i),
            **{f"{name}_fnmr": error_rates(g, i, p["threshold"])[0] for name, p in points.items()},
            **{f"{name}_fmr": error_rates(g, i, p["threshold"])[1] for name, p in points.items()},
        }
    with open(out / "scores.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["part", "kind", "score"])
        for part in (DEV, TEST):
            for kind, values in zip(("genuine", "impostor"), scores[part]):
                sample = values if kind == "genuine" else np.random.default_rng(0).choice(values, 20000, replace=False)
                writer.writerows((part, kind, f"{v:.5f}") for v in sample)
    figures.save_png(out / "compare_scores.png", score_histogram(scores[TEST], points))
    return summary


def score_histogram(scores: tuple[np.ndarray, np.ndarray], points: dict, size: tuple[int, int] = (760, 400)) -> np.ndarray:
    """Genuine and impostor score densities of the test half with the two thresholds (OpenCV drawing)."""
    genuine, impostor = scores
    width, height = size
    left, right, top, bottom = 56, 190, 34, 46
    img = np.full((height, width, 3), 255, np.uint8)
    edges = np.linspace(-0.2, 1.0, 121)
    densities = {name: np.histogram(np.clip(v, edges[0], edges[-1]), edges, density=True)[0]
                 for name, v in (("genuine", genuine), ("impostor", impostor))}
    peak = max(float(d.max()) for d in densities.values())

    def px(x: float, y: float) -> tuple[int, int]:
        return (int(left + (x - edges[0]) / (edges[-1] - edges[0]) * (width - left - right)),
                int(height - bottom - y / peak * (height - top - bottom)))

    colours = {"genuine": figures.PALETTE[2], "impostor": figures.PALETTE[1]}
    for name, density in densities.items():
        points_line = [px(x, y) for x, y in zip((edges[:-1] + edges[1:]) / 2, density)]
        cv2.polylines(img, [np.array(points_line, np.int32)], False, colours[name], 2, cv2.LINE_AA)
    for k, point in enumerate(points.values()):
        x = px(point["threshold"], 0)[0]
        cv2.line(img, (x, top), (x, height - bottom), (0, 0, 0), 1 if k else 2, cv2.LINE_AA)
        figures._text(img, f"FMR {point['fmr']:g}", (x - 30, top - 6 + 12 * k), 0.35)
    for tick in np.arange(-0.2, 1.01, 0.2):
        x = px(float(tick), 0)[0]
        cv2.line(img, (x, height - bottom), (x, height - bottom + 4), (0, 0, 0), 1)
        figures._text(img, f"{tick:.1f}", (x - 10, height - bottom + 16), 0.35)
    cv2.rectangle(img, (left, top), (width - right, height - bottom), (0, 0, 0), 1)
    figures._text(img, "Comparison score (cosine) on the test half: density", (left, 18), 0.45)
    figures._text(img, "cosine of the two descriptors", (left, height - 10), 0.35)
    for k, name in enumerate(densities):
        y = top + 14 + 18 * k
        cv2.line(img, (width - right + 10, y), (width - right + 30, y), colours[name], 2)
        count = len(genuine) if name == "genuine" else len(impostor)
        figures._text(img, f"{name} ({count} pairs)", (width - right + 36, y + 4), 0.35)
    return img


# ------------------------------------------------------------------ 3. maps


def opposing_reference(net, faces: dict[str, np.ndarray]) -> OpposingReference:
    """The opposing map's reference: mid-level grids of clean genuine pairs of the development half."""
    pairs = genuine_pairs(faces, DEV, {"identity_orl": 4, "identity_public_figures": 3}, REFERENCE_PAIRS, seed=REFERENCE_SEED)
    with torch.no_grad():
        grids = [torch.cat([net.spatial_features(to_tensor([faces["chip"][pair[side]] for pair in pairs[k : k + 32]]))
                            for k in range(0, len(pairs), 32)]) for side in (0, 1)]
    return OpposingReference.build(*grids, {
        "backbone": "dlib-resnet-v1", "grid": "spatial_features (7 residual blocks, 64 x 17 x 17)",
        "data": "clean genuine pairs of the development half of identity_orl, identity_public_figures, identity_lfw_dev",
        "seed": REFERENCE_SEED, "made_by": "benchmarks/eval_compare.py --write-calibration",
    })


def candidate_maps(net, chips_a: torch.Tensor, chips_b: torch.Tensor, method: str, thresholds: dict,
                   reference: OpposingReference | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(support, oppose) of A against B (N x H x W) by `method`; "gradient" is the opposing map a user's backbone gets."""
    with torch.no_grad():
        references = net(chips_b)
    if method in ("engine", "gradient"):
        maps = explain_pairs(ForwardPass.run(net, chips_a), list(range(len(chips_a))), chips_b, references,
                             net, reference if method == "engine" else None)
        return maps.support, maps.oppose
    if method == "random":
        generator = torch.Generator().manual_seed(int(chips_a.sum().item()) % 10_000)
        noise = gaussian_blur(torch.rand((len(chips_a), 1, *chips_a.shape[2:]), generator=generator), 6.0)[:, 0].numpy()
        return noise, 1.0 - noise
    pixels = chips_a.detach().clone().requires_grad_(True)
    product = F.normalize(net(pixels), dim=1) * F.normalize(references, dim=1)
    if method == "xssab":  # Huber et al.'s split: a dimension argues for the match above thr / D
        bound = thresholds["strict"]["threshold"] / product.shape[1]
        positive = (product.detach() >= bound).float()
        (g_plus,) = torch.autograd.grad((product * positive).sum(), pixels, retain_graph=True)
        (g_minus,) = torch.autograd.grad((product * (1 - positive)).sum(), pixels)
        signed = g_plus.abs().mean(dim=1) - g_minus.abs().mean(dim=1)
    elif method == "blurred reference":
        (gradient,) = torch.autograd.grad(product.sum(), pixels)
        signed = (gradient * (chips_a - gaussian_blur(chips_a, 8.0))).sum(dim=1)
        signed = gaussian_blur(signed[:, None], 2.0)[:, 0]
    else:
        raise ValueError(method)
    return signed.clamp_min(0).numpy(), (-signed).clamp_min(0).numpy()


def genuine_pairs(
    faces: dict[str, np.ndarray], part: str, per_identity: dict[str, int], count: int, seed: int = 0
) -> list[tuple[int, int]]:
    """Random genuine pairs of one half, `per_identity[dataset]` per identity, at most `count`."""
    rng = np.random.default_rng(seed)
    members: dict[str, list[int]] = {}
    for k, identity in enumerate(faces["identity"]):
        members.setdefault(str(identity), []).append(k)
    pairs = []
    for identity, rows in members.items():
        if identity_part(identity) != part or len(rows) < 2:
            continue
        for _ in range(per_identity.get(str(faces["dataset"][rows[0]]), 1)):
            a, b = rng.choice(rows, 2, replace=False)
            pairs.append((int(a), int(b)))
    rng.shuffle(pairs)
    return pairs[:count]


def evaluate_maps(net, faces: dict[str, np.ndarray], thresholds: dict, part: str, count: int, out: Path,
                  reference: OpposingReference) -> dict:
    pairs = genuine_pairs(faces, part, {"identity_orl": 4, "identity_public_figures": 3}, count)
    rng = np.random.default_rng(1)
    rows = []
    for start in range(0, len(pairs), 16):
        chunk = pairs[start : start + 16]
        chips_a = [faces["chip"][a] for a, _ in chunk]
        chips_b = to_tensor([faces["chip"][b] for _, b in chunk])
        landmarks = [faces["landmarks"][a] for a, _ in chunk]
        hulls = [face_hull_mask(lm) for lm in landmarks]
        regions = [region_masks(lm) for lm in landmarks]
        with torch.no_grad():
            clean_scores = _scores(net, to_tensor(chips_a), chips_b)
        clean = {m: candidate_maps(net, to_tensor(chips_a), chips_b, m, thresholds, reference) for m in METHODS}
        for kind in OCCLUDERS:
            occluded, masks = zip(*(occlude(chips_a[i], landmarks[i], occluder_centres(kind, landmarks[i], hulls[i], regions[i]),
                                            occluder_shape(kind), rng) for i in range(len(chunk))))
            with torch.no_grad():
                drops = clean_scores - _scores(net, to_tensor(list(occluded)), chips_b)
            for method in METHODS:
                _support, oppose = candidate_maps(net, to_tensor(list(occluded)), chips_b, method, thresholds, reference)
                for i, (a, b) in enumerate(chunk):
                    rows.append({"part": part, "dataset": str(faces["dataset"][a]), "a": a, "b": b, "occluder": kind, "method": method,
                                 "drop": float(drops[i]), "hit": pointing_hit(oppose[i], masks[i], regions[i]),
                                 "control": pointing_hit(clean[method][1][i], masks[i], regions[i])})
        for method in METHODS:
            support = clean[method][0]
            for i, (a, b) in enumerate(chunk):
                face = hulls[i] | np.any(list(regions[i].values()), axis=0)
                rows.append({"part": part, "dataset": str(faces["dataset"][a]), "a": a, "b": b, "occluder": "none", "method": method,
                             "drop": 0.0, "cover": eyes_nose_cover(support[i], face, regions[i])})
    with open(out / f"maps_{part}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["part", "dataset", "a", "b", "occluder", "method", "drop", "hit", "control", "cover"])
        writer.writeheader()
        writer.writerows(rows)
    return summarise_maps(rows, len(pairs))


def _scores(net, chips_a: torch.Tensor, chips_b: torch.Tensor) -> np.ndarray:
    return (F.normalize(net(chips_a), dim=1) * F.normalize(net(chips_b), dim=1)).sum(dim=1).numpy()


def summarise_maps(rows: list[dict], pairs: int) -> dict:
    summary: dict = {"pairs": pairs}
    for method in METHODS:
        entry: dict = {}
        covers = np.array([r["cover"] for r in rows if r["method"] == method and r["occluder"] == "none"])
        entry["eyes_nose_cover"] = float(np.nanmean(covers))
        entry["eyes_nose_above_random"] = float(np.nanmean(covers > 1))
        for kind in OCCLUDERS:
            mine = [r for r in rows if r["method"] == method and r["occluder"] == kind]
            big = [r for r in mine if r["drop"] >= BIG_DROP]
            entry[kind] = {
                "hit": float(np.mean([r["hit"] for r in mine])),
                "control": float(np.mean([r["control"] for r in mine])),
                "hit_big_drop": float(np.mean([r["hit"] for r in big])) if big else float("nan"),
                "big_drop_pairs": len(big),
                "mean_drop": float(np.mean([r["drop"] for r in mine])),
            }
        summary[method] = entry
    return summary


# ------------------------------------------------------------------ 4. cost


def measure_cost(repeats: int) -> dict:
    from pfiq_desktop.engine.analyzer import Analyzer

    photos = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg"))
    analyzer = Analyzer(device="cpu")
    pairs_seconds, analyses_seconds, maps_seconds = [], [], []
    for k in range(repeats):
        a, b = photos[k % len(photos)], photos[(k + 1) % len(photos)]
        start = time.perf_counter()
        analyzer.analyse(a)
        analyzer.analyse(b)
        middle = time.perf_counter()
        comparison = analyzer.compare(a, b)
        end = time.perf_counter()
        analyses_seconds.append(middle - start)
        pairs_seconds.append(end - middle)
        maps_seconds.append(comparison.timings["maps"])
    return {
        "two_analyses_ms": 1000 * float(np.median(analyses_seconds)),
        "compare_ms": 1000 * float(np.median(pairs_seconds)),
        "maps_ms": 1000 * float(np.median(maps_seconds)),
        "ratio": float(np.median(np.array(pairs_seconds) / np.array(analyses_seconds))),
        "repeats": repeats,
    }


# ------------------------------------------------------------------ main


def write_calibration(summary: dict) -> None:
    data = json.loads(TARGET.read_text())
    parts = summary["parts"]
    data["verification"] = {
        "score": "cosine of the two raw 128-D descriptors of the photos' main faces",
        "calibrated_on": (f"development half of identity_orl, identity_public_figures and identity_lfw_dev "
                          f"({parts[DEV]['identities']} identities, {parts[DEV]['photos']} photos, "
                          f"{parts[DEV]['genuine_pairs']} genuine and {parts[DEV]['impostor_pairs']} impostor pairs)"),
        "method": ("Identities are split by a hash of their name (evaluation/verification.py). The threshold of "
                   "an FMR is the lowest score that at most that share of the development impostor pairs (within "
                   "one data set) reach; fnmr is the development genuine pairs' share below it. A score at or above "
                   "'strict' is a match, below 'lenient' no match, between uncertain. Written by benchmarks/eval_compare.py; "
                   "test-half figures in docs/EVALUATION.md."),
        "thresholds": {name: {key: point[key] for key in ("fmr", "threshold", "fnmr")}
                       for name, point in summary["thresholds"].items()},
    }
    TARGET.write_text(json.dumps(data, indent=2) + "\n")
    print(f"written {TARGET}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "faces")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=200, help="genuine pairs per half for the map evaluation")
    parser.add_argument("--repeats", type=int, default=20, help="comparisons timed")
    parser.add_argument("--skip", nargs="*", default=[], choices=["maps", "cost"])
    parser.add_argument("--write-calibration", action="store_true", help="store the thresholds in the backbone's JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    faces = collect_faces(args.data, args.out / "faces.npz")
    summary: dict = {"verification": calibrate(faces, args.out)}
    print(json.dumps(summary["verification"], indent=1))
    net = load_dlib_resnet()
    if args.write_calibration:
        write_calibration(summary["verification"])
        opposing_reference(net, faces).save(REFERENCE_TARGET)
        print(f"written {REFERENCE_TARGET}")
    reference = load_opposing_reference("dlib-resnet-v1")
    if reference is None:
        parser.error(f"no {REFERENCE_TARGET.name}: run with --write-calibration first")
    if "maps" not in args.skip:
        summary["maps"] = {part: evaluate_maps(net, faces, summary["verification"]["thresholds"], part, args.pairs, args.out,
                                               reference) for part in (DEV, TEST)}
        print(json.dumps(summary["maps"], indent=1))
    if "cost" not in args.skip:
        summary["cost"] = measure_cost(args.repeats)
        print(json.dumps(summary["cost"], indent=1))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
