"""Build the deviation map's reference: compliant faces' per-pixel map statistics on the aligned chip.

Part of the calibration (benchmarks/calibrate.py runs it last): run again whenever the
backbone or a map method changes. The scalar quality estimator enters the paper's map
only as a factor, which the per-face normalisation cancels, so it does not change the
reference; the file records what it was made with anyway.

    python benchmarks/build_deviation_reference.py [--data ../shared/data/faces] [--method gradient] [--sigma 6]

Photos: official portraits of the reference part only — the PLQ-calibration portraits
100-139 plus 30 more drawn with a fixed seed — never the test suite's bundled portraits
(the first 20, tests/fixtures/portraits) nor the evaluation's halves, and not the one
portrait with a hat. Writes pfiq_desktop/engine/backbones/deviation_<backbone>_<method>.npz.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine.backbones import DATA_DIR
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR
from pfiq_desktop.engine.deviation import build, face_area_chip, reference_file
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.plq import GRADIENT_MAPS, ForwardPass, gradient_magnitude
from pfiq_desktop.engine.quality import make_estimator

SEED = 14
CALIBRATION_PORTRAITS = range(100, 140)
TEST_SUITE_PORTRAITS = range(0, 20)  # tests/fixtures/portraits
EXCLUDED = ("021118.jpg",)  # a hat
EXTRA_PORTRAITS = 30


def reference_portraits(root: Path, seed: int = SEED) -> list[Path]:
    """The reference part of portraits_official (the evaluation's halves are drawn from the rest)."""
    files = sorted((root / "portraits_official").glob("*.jpg"))
    usable = [i for i, f in enumerate(files) if f.name not in EXCLUDED and i not in TEST_SUITE_PORTRAITS]
    calibration = [i for i in usable if i in CALIBRATION_PORTRAITS]
    rest = np.random.default_rng(seed).permutation([i for i in usable if i not in CALIBRATION_PORTRAITS])
    return [files[i] for i in sorted(calibration + [int(i) for i in rest[:EXTRA_PORTRAITS]])]


def magnitudes_of(photos: Iterable[Path], method: str) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Raw map magnitudes and face areas on the chip of the best face of each photo (no face: skipped)."""
    net = load_dlib_resnet(torch.device("cpu"))
    estimator = make_estimator(DEFAULT_QUALITY_ESTIMATOR)
    spread = load_calibration().quality(DEFAULT_QUALITY_ESTIMATOR)
    detector = FaceDetector()
    magnitudes, masks, used = [], [], []
    for path in photos:
        image = load_image(path)
        faces = detector.detect(image)
        if not faces:
            continue
        transform = chip_transform(faces[0].landmarks5)
        chip = extract_chip(image, transform)
        chips = torch.from_numpy(chip[None]).permute(0, 3, 1, 2).float().contiguous()
        forward = ForwardPass.run(net, chips) if method in GRADIENT_MAPS else None
        with torch.no_grad():
            raw = estimator.raw(net, chips, None if forward is None else forward.descriptors.detach())
        quality = torch.tensor([spread(float(raw[0]))], dtype=torch.float32)
        magnitude, _ = gradient_magnitude(net, chips, quality, method, estimator, forward)
        magnitudes.append(magnitude[0].numpy())
        masks.append(face_area_chip(photo_points_to_chip(faces[0].landmarks68, transform), chip.shape[0]))
        used.append(path)
    return np.stack(magnitudes), np.stack(masks), used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "faces")
    parser.add_argument("--method", default="gradient")
    parser.add_argument("--sigma", type=float, default=6.0, help="blur of the log map, chip pixels (about half an eye)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    magnitudes, masks, used = magnitudes_of(reference_portraits(args.data), args.method)
    backbone = load_calibration().backbone
    meta = {"backbone": backbone, "map_method": args.method, "estimator": DEFAULT_QUALITY_ESTIMATOR, "seed": SEED,
            "photos": [str(p.relative_to(args.data)) for p in used]}
    out = DATA_DIR / reference_file(backbone, args.method)
    build(magnitudes, masks, args.sigma, meta).save(out)
    print(f"{out}: {len(used)} faces, sigma {args.sigma}, {out.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
