"""Glasses read on faces enlarged from a thumbnail: how often a face without glasses is flagged (warn or fail) by
"No glasses", and how often one with glasses still is, as taken and enlarged 4 and 6 times.

    python benchmarks/eval_enlarged_glasses.py [--faces ../shared/data/faces] [--cache out/bench_cache/enlarged_glasses]

Photos (labels `benchmarks/labels/official_eyes.csv`, `lfw_eyes.csv`): 60 official portraits and 60 LFW photos (one
a person) labelled without glasses, drawn with seed 37, and every photo of the two labelled with clear or tinted
glasses. Each as taken, and its 80 x 100 px thumbnail (the centre cut to 4:5, shrunk with area) enlarged 4 and 6
times with cubic interpolation (320 x 400, 480 x 600). Split by identity into a development and a test half (shuffled
with seed 37); `too_little_detail` in `engine/icao/eyes_mouth.py` was shaped on the development half.

The whole product runs on each copy (the built-in network's probes and maps included); its faces are cached in
`--cache`/faces.pkl (about 3 minutes on one core the first time, 20 s after), the checks always run.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import random
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Face, Verdict

SEED = 37
BARE_PER_SET = 60
THUMBNAIL = (80, 100)
FACTORS = (4, 6)
LABELS = REPO / "benchmarks" / "labels"


def rows(name: str) -> list[dict[str, str]]:
    with open(LABELS / f"{name}_eyes.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def select() -> list[tuple[str, str, str]]:
    """(file, glasses label, split) of the photos read."""
    rng = random.Random(SEED)
    official, lfw = rows("official"), rows("lfw")
    bare_lfw, people = [], set()
    for row in sorted((r for r in lfw if r["glasses"] == "none"), key=lambda r: r["file"]):  # one photo a person
        if row["subject"] not in people:
            people.add(row["subject"])
            bare_lfw.append(row)
    chosen = rng.sample(sorted((r for r in official if r["glasses"] == "none"), key=lambda r: r["file"]), BARE_PER_SET)
    chosen += rng.sample(bare_lfw, BARE_PER_SET)
    chosen += [r for r in official + lfw if r["glasses"] in ("clear", "tinted")]
    identities = sorted({r["subject"] for r in chosen})
    random.Random(SEED).shuffle(identities)
    dev = set(identities[: len(identities) // 2])
    return [(r["file"], r["glasses"], "dev" if r["subject"] in dev else "test") for r in chosen]


def copies(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The photo as taken, and its thumbnail enlarged by each of `FACTORS`."""
    height, width = rgb.shape[:2]
    cut = min(width, round(height * THUMBNAIL[0] / THUMBNAIL[1]))
    thumbnail = cv2.resize(rgb[:, (width - cut) // 2 : (width - cut) // 2 + cut], THUMBNAIL, interpolation=cv2.INTER_AREA)
    enlarged = {f"x{k}": cv2.resize(thumbnail, (k * THUMBNAIL[0], k * THUMBNAIL[1]), interpolation=cv2.INTER_CUBIC)
                for k in FACTORS}
    return {"as taken": rgb, **enlarged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=REPO.parent / "shared" / "data" / "faces")
    parser.add_argument("--cache", type=Path, default=REPO / "out" / "bench_cache" / "enlarged_glasses")
    parser.add_argument("--details", action="store_true", help="list every flagged face without glasses")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    args.cache.mkdir(parents=True, exist_ok=True)
    store = args.cache / "faces.pkl"
    known: dict[tuple[str, str], list[Face]] = pickle.loads(store.read_bytes()) if store.is_file() else {}
    analyzer = None
    profile = load_profile()
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for file, label, split in select():
        kind = "without glasses" if label == "none" else "with glasses"
        for name, image in copies(load_image(args.faces / file)).items():
            image = np.ascontiguousarray(image)
            if (file, name) not in known:
                if analyzer is None:
                    from pfiq_desktop.engine.analyzer import Analyzer

                    analyzer = Analyzer(device="cpu")
                known[(file, name)] = analyzer.analyse(image).faces
            faces = known[(file, name)]
            counts[(kind, split, name, "photos")] += 1
            if not faces:
                continue
            result = next(c for c in run_checks(image, faces[:1], profile) if c.id == "glasses")
            counts[(kind, split, name, result.verdict.value)] += 1
            if args.details and kind == "without glasses" and result.verdict in (Verdict.WARN, Verdict.FAIL):
                print(f"{split} {name} {file}: {result.verdict.value} {result.value:.1f} {result.unit}")
    store.write_bytes(pickle.dumps(known))
    print("\n| photos | half | copy | flagged (warn + fail) | of which fail | not judged |\n|---|---|---|---|---|---|")
    for kind in ("without glasses", "with glasses"):
        for split in ("dev", "test"):
            for name in ("as taken", *(f"x{k}" for k in FACTORS)):
                n = counts[(kind, split, name, "photos")]
                flagged = counts[(kind, split, name, "warn")] + counts[(kind, split, name, "fail")]
                print(f"| {kind} | {split} | {name} | {flagged} of {n} | {counts[(kind, split, name, 'fail')]} | "
                      f"{counts[(kind, split, name, 'not_assessable')]} |")


if __name__ == "__main__":
    main()
