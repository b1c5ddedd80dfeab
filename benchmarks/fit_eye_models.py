"""Refit the per-eye occlusion model of `engine/icao/eye_pixels.py` (its `OCCLUDED` constants).

The model reads, among others, the pixel-level quality (PLQ) map's value in each eye box, so it must be
fitted on the maps the app makes now: the research's fit (issue 15) used maps of an earlier quality
estimator, which differ clearly from today's. Here the features are measured as the app measures them,
through the issue-15 harness's cached faces and the engine's current PLQ maps (benchmarks/issue15),
on the development halves of the research's training sets:

- LFW, Yale and the official portraits with their per-eye labels (benchmarks/labels/*_eyes.csv, split
  by identity there);
- the synthetic eye defects drawn on the dev official portraits (sunglasses, tint, clear frames, patch,
  hand, hair: benchmarks/issue15/synth.py).

One row per eye labelled open, closed (0) or not_visible (1); visible eyes behind tinted lenses are left
out (the tint check owns them). The fit is fit_cover_constants.fit (balanced, L2 = 1, standardised),
turned into weights in raw feature units as the engine applies them.

    python -m benchmarks.fit_eye_occlusion [--cache out/bench_cache/issue15] [--check] [--write]

It prints the constants; --check compares them with the shipped ones to their four decimals (exit 1 on
a difference), --write rewrites them in eye_pixels.py.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks.fit_cover_constants import fit
from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.plqcache import PlqMaps
from benchmarks.issue15.sets import DATA, ROOT, Photo, eye_set
from benchmarks.issue15.synth import synth_set
from pfiq_desktop.engine.icao import eye_pixels
from pfiq_desktop.engine.icao.eye_pixels import OCCLUDED, measure_eyes
from pfiq_desktop.engine.imageio import load_image

FEATURES = tuple(name for name, _ in OCCLUDED[0])  # the engine's feature list is the model's
L2 = 1.0  # the research's choice (ofit.py: 1 and 10 compared on dev, 1 kept)
VISIBLE = ("open", "closed")
DECIMALS = 4


def dev_photos(cache: FaceCache, cache_dir: Path) -> list[Photo]:
    """The dev halves of LFW, Yale, the official portraits and the synthetic defects on the latter."""
    official = eye_set("official", DATA)
    photos = eye_set("lfw", DATA) + eye_set("yale", DATA) + official + synth_set(official, cache, cache_dir / "synth")
    return [p for p in photos if p.split == "dev"]


def eye_rows(photo: Photo, cache: FaceCache, maps: PlqMaps) -> list[tuple[list[float], float]]:
    """(features, occluded) for each labelled eye of the photo's first face, measured as the app does."""
    tinted = photo.labels["glasses"] == "tinted"
    wanted = [sd for sd in ("left", "right") if photo.labels[sd] == "not_visible" or (photo.labels[sd] in VISIBLE and not tinted)]
    if not wanted:
        return []
    rgb = load_image(photo.path)
    found = cache.faces(photo.path, rgb, photo.pad)
    if not found:
        return []
    chip = maps.chips(cache.key(photo.path, photo.pad), rgb, found)[0]
    face = found[0].as_face(rgb.shape[:2], chip)
    m = measure_eyes(rgb, np.asarray(face.landmarks, np.float64), face.chip_transform, face.plq_chip)
    return [([m.features[f"{sd}.{name}"] for name in FEATURES], float(photo.labels[sd] == "not_visible")) for sd in wanted]


def training_set(cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    cache, maps = FaceCache(cache_dir), PlqMaps(cache_dir / "plq")
    rows = [row for photo in dev_photos(cache, cache_dir) for row in eye_rows(photo, cache, maps)]
    cache.save()
    return np.array([r[0] for r in rows], np.float64), np.array([r[1] for r in rows])


def raw_model(x: np.ndarray, y: np.ndarray) -> tuple[tuple[tuple[str, float], ...], float]:
    """The fitted model with weights in raw feature units (what `_linear` applies), rounded as shipped."""
    mean, std, weights, bias = fit(x, y, L2)
    raw = weights / std
    return (tuple((n, round(float(v), DECIMALS)) for n, v in zip(FEATURES, raw)), round(bias - float((raw * mean).sum()), DECIMALS))


def as_source(model: tuple[tuple[tuple[str, float], ...], float]) -> str:
    rows = "".join(f'        ("{n}", {v:.{DECIMALS}f}),\n' for n, v in model[0])
    return f"OCCLUDED = (\n    (\n{rows}    ),\n    {model[1]:.{DECIMALS}f},\n)\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench_cache" / "issue15", help="the issue-15 harness's cache")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the shipped constants equal the refitted ones")
    parser.add_argument("--write", action="store_true", help="rewrite OCCLUDED in eye_pixels.py")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    cv2.setNumThreads(1)
    x, y = training_set(args.cache)
    model = raw_model(x, y)
    same = model == OCCLUDED
    print(f"# dev eyes: {int(y.sum())} not visible, {int(len(y) - y.sum())} visible; missing values {int(np.isnan(x).sum())}")
    print(as_source(model) + ("# equals the shipped constants" if same else "# DIFFERS from the shipped constants"))
    if args.write and not same:
        source = Path(eye_pixels.__file__)
        text, n = re.subn(
            r"^OCCLUDED = \(\n.*?^\)\n", lambda _: as_source(model), source.read_text(encoding="utf-8"), count=1, flags=re.S | re.M
        )
        if n != 1:
            sys.exit(f"OCCLUDED not found in {source}")
        source.write_text(text, encoding="utf-8")
    if args.check and not same:
        sys.exit("shipped OCCLUDED differs from the refit")


if __name__ == "__main__":
    main()
