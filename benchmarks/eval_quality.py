"""Synthetic-degradation ranking of the scalar quality estimators (the choice itself: eval_quality_edc.py).

For every estimator in the registry, on aligned chips of shared portraits:
- ranking: % of faces where the clean chip scores above each degradation
  (blur sigma 3, JPEG 10, grey eye occluder, noise sigma 20, 4x down-up scale);
- strict monotonicity over 4-step severity ladders of each family;
- Spearman correlation with genuine comparison scores on ORL (mean cosine to
  the other photos of the same identity);
- median cost per face.
Gauges are fitted by benchmarks/train_quality_head.py on the development identity sets.

    python benchmarks/eval_quality.py [--portraits 60]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine import disturbances as dist
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.quality import ESTIMATORS, make_estimator

FACES = REPO.parent / "shared" / "data" / "faces"


def ladders(chip: np.ndarray, eyes68: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Four increasing severities per family, applied to the aligned chip."""
    return {
        "blur": [dist.blur(chip, s) for s in (1, 2, 3, 4)],
        "jpeg": [dist.jpeg(chip, q) for q in (50, 30, 20, 10)],
        "noise": [dist.noise(chip, s) for s in (5, 10, 20, 40)],
        "eye occluder": [dist.occlude(chip, dist.eye_box(eyes68, m)) for m in (-0.2, 0.0, 0.35, 0.7)],
        "down-up": [dist.downscale(chip, f) for f in (1.5, 2, 4, 6)],
    }


# The level of each ladder that the quality test of the issue names.
TEST_LEVEL = {"blur": 2, "jpeg": 3, "noise": 2, "eye occluder": 2, "down-up": 2}


def collect_chips(paths: list[Path], detector: FaceDetector) -> list[tuple[Path, np.ndarray, np.ndarray]]:
    out = []
    for path in paths:
        image = load_image(path)
        faces = detector.detect(image)
        if not faces:
            continue
        transform = chip_transform(faces[0].landmarks5)
        out.append((path, extract_chip(image, transform), photo_points_to_chip(faces[0].landmarks68, transform)))
    return out


def to_tensor(chips: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float()


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def genuine_scores(net, chips: list[np.ndarray], identities: list[str]) -> np.ndarray:
    with torch.no_grad():
        e = torch.nn.functional.normalize(net(to_tensor(chips)), dim=1).numpy()
    sims = e @ e.T
    ids = np.array(identities)
    scores = []
    for i in range(len(ids)):
        same = (ids == ids[i]) & (np.arange(len(ids)) != i)
        scores.append(sims[i, same].mean())
    return np.array(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portraits", type=int, default=60)
    parser.add_argument("--estimators", default=",".join(ESTIMATORS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    if not FACES.exists():
        sys.exit(f"shared face data not found at {FACES}")

    net = load_dlib_resnet()
    detector = FaceDetector()
    portraits = collect_chips(sorted((FACES / "portraits_official").glob("*.jpg"))[: args.portraits], detector)
    orl_paths = sorted((FACES / "identity_orl").glob("s*/*.png"))
    orl = collect_chips(orl_paths, detector)
    orl_ids = [p.parent.name for p, _, _ in orl]
    genuine = genuine_scores(net, [c for _, c, _ in orl], orl_ids)
    print(f"{len(portraits)} portraits, {len(orl)} of {len(orl_paths)} ORL faces detected\n")

    families = list(TEST_LEVEL)
    header = ["estimator", *[f"{f} >" for f in families], *[f"{f} mono" for f in families], "rho ORL", "ms/face"]
    rows = []
    for name in args.estimators.split(","):
        estimator = make_estimator(name)
        clean = []
        degraded = {f: [] for f in families}
        with torch.no_grad():
            for _, chip, eyes in portraits:
                ladder = ladders(chip, eyes)
                batch = [chip] + [img for f in families for img in ladder[f]]
                raw = estimator.raw(net, to_tensor(batch)).numpy()
                clean.append(raw[0])
                for k, f in enumerate(families):
                    degraded[f].append(raw[1 + 4 * k : 5 + 4 * k])
            clean_arr = np.array(clean)
            above = {f: 100 * np.mean(clean_arr > np.array(degraded[f])[:, TEST_LEVEL[f]]) for f in families}
            mono = {}
            for f in families:
                seq = np.concatenate([clean_arr[:, None], np.array(degraded[f])], axis=1)
                mono[f] = 100 * np.mean(np.all(np.diff(seq, axis=1) < 0, axis=1))
            orl_raw = np.concatenate(
                [estimator.raw(net, to_tensor([c for _, c, _ in orl[i : i + 32]])).numpy() for i in range(0, len(orl), 32)]
            )
            one = to_tensor([portraits[0][1]])
            estimator.raw(net, one)
            times = []
            for _ in range(7):
                start = time.perf_counter()
                estimator.raw(net, one)
                times.append(time.perf_counter() - start)
        rho = spearman(orl_raw, genuine)
        rows.append(
            [
                name,
                *[f"{above[f]:.0f}%" for f in families],
                *[f"{mono[f]:.0f}%" for f in families],
                f"{rho:.2f}",
                f"{1000 * np.median(times):.0f}",
            ]
        )

    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    print("\n'>' = clean ranked above the degraded chip (blur s3, JPEG 10, noise s20, eye occluder, 4x down-up); target >= 90 %")
    print("'mono' = strictly falling over the 4-step ladder; rho = Spearman with genuine scores on ORL")


if __name__ == "__main__":
    main()
