"""Does 2x down-scaling really make recognition worse? Genuine scores and quality of re-scaled photos.

    python benchmarks/eval_quality_resolution.py --faces ../shared/data/faces --cache CACHE_DIR [--photos 60]

The test-retest of issue 20 (docs/EVALUATION.md section 4) treats 2x down-scaling as a
harmless change, and the default quality's Spearman stays below 0.9 only there, only for
small photos. This measures whether the change is harmless for recognition: per set of
benchmarks/quality_dev_data.py and identity half, a seeded sample of photos whose face is
found; each change is applied to the whole photo, the face is detected and aligned again
(as in the product), and the changed photo is compared with every *unchanged* other photo
of the same identity in that half. Reported per change: inter-eye distance (the ICAO
checklist's measure, in the changed photo), faces found again, the mean genuine cosine
before -> after, the share of photos whose mean genuine cosine fell, the share of genuine
comparisons that pass the operating threshold before -> after, the Spearman of the mean
genuine cosine itself before vs after (how stable the thing the quality predicts is), and
the default quality's Spearman and mean gauge change. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.quality_dev_data import SETS, YALEB, centre_face, load_set, pad_yaleb
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.landmarks import upright_frame
from pfiq_desktop.engine.quality import load_head_data, make_estimator
from pfiq_desktop.evaluation.edc import spearman
from pfiq_desktop.evaluation.stability import HARMLESS_CHANGES

CHANGES = ("down2x", "up2x", "jpeg90")  # the change under test and two controls
SAMPLE_SEED = 1


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


class Probe:
    """Detection, alignment, descriptor and raw default quality of one photo, as the product computes them."""

    def __init__(self) -> None:
        self.detector, self.net = FaceDetector(), load_dlib_resnet()
        self.estimator = make_estimator(DEFAULT_QUALITY_ESTIMATOR)

    def __call__(self, rgb: np.ndarray) -> tuple[np.ndarray, float, float] | None:
        """(unit descriptor, raw quality, inter-eye distance in px), None when no face is found."""
        faces = self.detector.detect(rgb)
        if not faces:
            return None
        face = centre_face(faces, rgb.shape)
        x = torch.from_numpy(extract_chip(rgb, chip_transform(face.landmarks5))[None]).permute(0, 3, 1, 2).float()
        with torch.no_grad():
            descriptor = unit(self.net(x)[0].numpy())
            raw = float(self.estimator.raw(self.net, x).item())
        return descriptor, raw, upright_frame(face.landmarks68)[2]


def measure(args: argparse.Namespace, probe: Probe, set_name: str, half: str, threshold: float) -> None:
    data = load_set(args.faces, args.cache, set_name)
    in_half = data["dev"] if half == "dev" else ~data["dev"]
    ids, descriptors = data["ids"], unit(data["desc"])  # the other photos, unchanged (cached)
    has_pair = np.array([in_half[k] and np.sum(in_half & (ids == ids[k])) > 1 for k in range(len(ids))])
    candidates = np.flatnonzero(has_pair & (data["status"] == 1))
    rng = np.random.default_rng(SAMPLE_SEED)
    chosen = np.sort(rng.choice(candidates, min(args.photos, len(candidates)), replace=False))
    gauge = load_calibration().quality(DEFAULT_QUALITY_ESTIMATOR).many
    photos = []
    for k in chosen:
        rgb = load_image(args.faces / data["files"][k])
        photos.append(pad_yaleb(rgb) if set_name == YALEB else rgb)
    before = [probe(rgb) for rgb in photos]
    spread = np.percentile(gauge(np.array([b[1] for b in before if b is not None])), [25, 50, 75])
    print(
        f"\n#### {set_name}, {half} half: {len(chosen)} photos; quality gauge median {spread[1]:.3f}, "
        f"interquartile {spread[0]:.3f}-{spread[2]:.3f}\n"
    )
    print(
        "| change | inter-eye px (median) | found | genuine cosine | lower for | pass t | Spearman of genuine cosine "
        "| quality Spearman (mean gauge change) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for change in ("none", *CHANGES):
        rows = []
        for k, rgb, base in zip(chosen, photos, before):
            after = base if change == "none" else probe(HARMLESS_CHANGES[change](rgb))
            if base is None or after is None:
                continue
            others = np.flatnonzero(in_half & (ids == ids[k]) & (np.arange(len(ids)) != k))
            g0, g1 = descriptors[others] @ base[0], descriptors[others] @ after[0]
            rows.append((g0.mean(), g1.mean(), (g0 >= threshold).mean(), (g1 >= threshold).mean(), base[1], after[1], after[2]))
        r = np.array(rows)
        found = len(r) / max(sum(b is not None for b in before), 1)
        moved = np.abs(gauge(r[:, 5]) - gauge(r[:, 4])).mean()
        print(
            f"| {change} | {np.median(r[:, 6]):.0f} | {100 * found:.0f} % | {r[:, 0].mean():.4f} -> {r[:, 1].mean():.4f} "
            f"| {100 * np.mean(r[:, 1] < r[:, 0]):.0f} % | {100 * r[:, 2].mean():.1f} -> {100 * r[:, 3].mean():.1f} % "
            f"| {spearman(r[:, 0], r[:, 1]):.3f} | {spearman(r[:, 4], r[:, 5]):.3f} ({moved:.3f}) |",
            flush=True,
        )


def measure_portraits(args: argparse.Namespace, probe: Probe) -> None:
    """One photo per person: the changed photo's cosine to its own original stands in for genuine scores."""
    paths = sorted((args.faces / "portraits_official").glob("*.jpg"))[20:]  # 0-19 are the test fixtures
    photos = [load_image(p) for p in paths]
    before = [probe(rgb) for rgb in photos]
    gauge = load_calibration().quality(DEFAULT_QUALITY_ESTIMATOR).many
    print(f"\n#### portraits_official 20-{len(paths) + 19}: {len(paths)} photos, one per person\n")
    print(
        "| change | inter-eye px (median) | found | cosine to the original (median, 5th percentile) "
        "| quality Spearman (mean gauge change) |"
    )
    print("|---|---|---|---|---|")
    for change in CHANGES:
        rows = []
        for rgb, base in zip(photos, before):
            after = probe(HARMLESS_CHANGES[change](rgb))
            if base is not None and after is not None:
                rows.append((float(base[0] @ after[0]), base[1], after[1], after[2]))
        r = np.array(rows)
        found = len(r) / max(sum(b is not None for b in before), 1)
        moved = np.abs(gauge(r[:, 2]) - gauge(r[:, 1])).mean()
        print(
            f"| {change} | {np.median(r[:, 3]):.0f} | {100 * found:.0f} % | {np.median(r[:, 0]):.4f}, "
            f"{np.percentile(r[:, 0], 5):.4f} | {spearman(r[:, 1], r[:, 2]):.3f} ({moved:.3f}) |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--halves", default="dev,test")
    parser.add_argument("--photos", type=int, default=60, help="photos per set and half (seeded sample)")
    parser.add_argument("--portraits", action="store_true", help="also the official portraits (no identities)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    threshold = float(load_head_data()["training"]["operating_threshold"])
    probe = Probe()
    for set_name in args.sets.split(","):
        for half in args.halves.split(","):
            measure(args, probe, set_name, half, threshold)
    if args.portraits:
        measure_portraits(args, probe)


if __name__ == "__main__":
    main()
