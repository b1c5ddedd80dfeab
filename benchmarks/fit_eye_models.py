"""Refit the per-eye models of `engine/icao/eye_pixels.py`: `CLOSED`, `OCCLUDED`, `TINT` and `FRAME`.

The features are measured as the app measures them: through the issue-15 harness's cached faces and the
engine's current pixel-level quality (PLQ) maps (benchmarks/issue15; the occlusion model reads the map in
each eye box, and the research's fit of issue 15 used maps of an earlier quality estimator), on the
development halves of the labelled eye sets:

- LFW, Yale and the official portraits with their per-eye labels (benchmarks/labels/*_eyes.csv, split by
  identity there);
- the synthetic eye defects drawn on the dev official portraits (sunglasses, tint, clear frames, patch,
  hand, hair: benchmarks/issue15/synth.py).

Rows (the research's, `/work/scratch/eyes/proposal/fit_constants.py`, except where said):

- closed: each eye labelled open (0) or closed (1) of the real photos (the synthetic eyes are the same
  open eyes again);
- occluded: each eye labelled not visible (1), or open / closed (0) and not behind tinted lenses (the
  tint model owns those), of all sets;
- tint: each labelled eye of all sets, 1 when the photo's glasses are tinted;
- frame: one row per real photo with a glasses label, 1 for clear or tinted glasses.

Each is fit_cover_constants.fit (balanced, L2 = 1, standardised), turned into weights in raw feature units
as the engine applies them.

    python -m benchmarks.fit_eye_models [--model closed,occluded,tint,frame] [--cache out/bench_cache/issue15]
                                        [--check] [--write]

It prints the constants; --check compares them with the shipped ones to their four decimals (exit 1 on
a difference), --write rewrites the ones that differ in eye_pixels.py.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.fit_cover_constants import fit
from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.plqcache import PlqMaps
from benchmarks.issue15.sets import DATA, ROOT, Photo, eye_set
from benchmarks.issue15.synth import synth_set
from pfiq_desktop.engine.icao import eye_pixels
from pfiq_desktop.engine.icao.eye_pixels import Model, measure_eyes
from pfiq_desktop.engine.imageio import load_image

L2 = 1.0  # the research's choice (ofit.py: 1 and 10 compared on dev, 1 kept)
DECIMALS = 4
SIDES = ("left", "right")
VISIBLE = ("open", "closed")
REAL_SETS = ("lfw", "yale", "official")

Row = tuple[list[float], float]


@dataclass(frozen=True)
class Measured:
    """One dev photo: its set, labels and the engine's eye features (`left.ear`, `frame.temple`, ...)."""

    set: str
    labels: dict[str, str]
    features: dict[str, float]


def _eye_rows(m: Measured, names: list[str], label: Callable[[Measured, str], float | None]) -> list[Row]:
    rows = []
    for sd in SIDES:
        y = label(m, sd)
        if y is not None:
            rows.append(([m.features[f"{sd}.{n}"] for n in names], y))
    return rows


def _closed(m: Measured, sd: str) -> float | None:
    return float(m.labels[sd] == "closed") if m.set in REAL_SETS and m.labels[sd] in VISIBLE else None


def _occluded(m: Measured, sd: str) -> float | None:
    if m.labels[sd] == "not_visible":
        return 1.0
    return 0.0 if m.labels[sd] in VISIBLE and m.labels["glasses"] != "tinted" else None


def _tint(m: Measured, sd: str) -> float | None:
    return None if "uncertain" in (m.labels[sd], m.labels["glasses"]) else float(m.labels["glasses"] == "tinted")


def _frame_rows(m: Measured, names: list[str]) -> list[Row]:
    if m.set not in REAL_SETS or m.labels["glasses"] not in ("none", "clear", "tinted"):
        return []
    return [([m.features[f"frame.{n}"] for n in names], float(m.labels["glasses"] != "none"))]


def _per_eye(label: Callable[[Measured, str], float | None]) -> Callable[[Measured, list[str]], list[Row]]:
    return lambda m, names: _eye_rows(m, names, label)


ROWS: dict[str, Callable[[Measured, list[str]], list[Row]]] = {
    "CLOSED": _per_eye(_closed),
    "OCCLUDED": _per_eye(_occluded),
    "TINT": _per_eye(_tint),
    "FRAME": _frame_rows,
}


def shipped(constant: str) -> Model:
    model: Model = getattr(eye_pixels, constant)
    return model


def dev_photos(cache: FaceCache, cache_dir: Path) -> list[tuple[str, Photo]]:
    """(set, photo) for the dev halves of LFW, Yale, the official portraits and the synthetic defects on the latter."""
    sets = {name: eye_set(name, DATA) for name in REAL_SETS}
    sets["synth"] = synth_set(sets["official"], cache, cache_dir / "synth")
    return [(name, p) for name, photos in sets.items() for p in photos if p.split == "dev"]


def measured(cache_dir: Path) -> list[Measured]:
    """The engine's eye features of each dev photo's first face, with the photo's current PLQ map."""
    cache, maps = FaceCache(cache_dir), PlqMaps(cache_dir / "plq")
    out = []
    for name, photo in dev_photos(cache, cache_dir):
        rgb = load_image(photo.path)
        found = cache.faces(photo.path, rgb, photo.pad)
        if not found:
            continue
        chip = maps.chips(cache.key(photo.path, photo.pad), rgb, found)[0]
        face = found[0].as_face(rgb.shape[:2], chip)
        m = measure_eyes(rgb, np.asarray(face.landmarks, np.float64), face.chip_transform, face.plq_chip)
        out.append(Measured(name, photo.labels, m.features))
    cache.save()
    return out


def refit(constant: str, photos: list[Measured]) -> tuple[Model, int, int]:
    """The model refitted with weights in raw feature units (what `_linear` applies), rounded as shipped;
    with the number of positive and negative rows."""
    names = [n for n, _ in shipped(constant)[0]]
    rows = [row for m in photos for row in ROWS[constant](m, names)]
    x, y = np.array([r[0] for r in rows], np.float64), np.array([r[1] for r in rows])
    mean, std, weights, bias = fit(x, y, L2)
    raw = weights / std
    model = (tuple((n, round(float(v), DECIMALS)) for n, v in zip(names, raw)), round(bias - float((raw * mean).sum()), DECIMALS))
    return model, int(y.sum()), int(len(y) - y.sum())


def as_source(constant: str, model: Model) -> str:
    rows = "".join(f'        ("{n}", {v:.{DECIMALS}f}),\n' for n, v in model[0])
    return f"{constant} = (\n    (\n{rows}    ),\n    {model[1]:.{DECIMALS}f},\n)\n"


def replace_once(source: Path, constant: str, pattern: str, replacement: Callable[[re.Match[str]], str],
                 flags: int = re.M) -> None:
    """Rewrite `source` with the first match of `pattern`, `constant`'s definition, replaced; exit naming the constant
    where `source` has none (the fitters write the constants they fit)."""
    text, n = re.subn(pattern, replacement, source.read_text(encoding="utf-8"), count=1, flags=flags)
    if n != 1:
        sys.exit(f"{constant} not found in {source}")
    source.write_text(text, encoding="utf-8")


def write(constant: str, model: Model, source: Path = Path(eye_pixels.__file__)) -> None:
    """Replace the constant's definition (one line or the multi-line form above) in eye_pixels.py."""
    replace_once(source, constant, rf"^{constant} = \(\n.*?^\)\n|^{constant} = [^\n]*\n",
                 lambda _: as_source(constant, model), re.S | re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="closed,occluded,tint,frame", help="which models (comma-separated)")
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench_cache" / "issue15", help="the issue-15 harness's cache")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the shipped constants equal the refitted ones")
    parser.add_argument("--write", action="store_true", help="rewrite the constants that differ in eye_pixels.py")
    args = parser.parse_args()
    constants = [name.strip().upper() for name in args.model.split(",")]
    if unknown := [c for c in constants if c not in ROWS]:
        sys.exit(f"unknown model {', '.join(unknown)}; choose from {', '.join(c.lower() for c in ROWS)}")
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    cv2.setNumThreads(1)
    photos = measured(args.cache)
    differ = []
    for constant in constants:
        model, positives, negatives = refit(constant, photos)
        same = model == shipped(constant)
        print(f"# {constant}: {positives} positive, {negatives} negative dev rows")
        print(as_source(constant, model) + ("# equals the shipped constants\n" if same else "# DIFFERS from the shipped constants\n"))
        if not same:
            differ.append(constant)
            if args.write:
                write(constant, model)
    if args.check and differ:
        sys.exit(f"shipped {', '.join(differ)} differ from the refit")


if __name__ == "__main__":
    main()
