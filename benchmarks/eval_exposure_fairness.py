"""Exposure and skin tone: how often "Face is too dark" flags each skin tone, at the photo's own exposure and under
a known exposure error, with the exposure rule as shipped and without its white-point rule.

    python benchmarks/eval_exposure_fairness.py [--data ../shared/data/faces]

Photos: `benchmarks/labels/skin_tone.csv` (one rater's light / medium / dark). The rule's two settings
(`[checks.exposure] white_point`, `lit_face`) were chosen on the LFW rows (dev) and are reported on the official
portraits (test). Each photo is shown to the product's own exposure check (`photometric.exposure`, icao-9303) as it
is and changed in linear light, as a camera's exposure or the light would change it:
- the whole photo 0.5 and 1 stop darker (an exposure error: everything darkens, the backdrop too);
- the head alone 1.5 and 2 stops darker before the same backdrop (a face lit from behind or in shadow), which the
  check must still flag.
"Before" is the same check with the white-point rule off (the face's mean alone decided until 0.4.11).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.photometric import exposure
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.engine.landmarks import inter_eye_distance
from pfiq_desktop.engine.results import Verdict
from tests.icao.facebuild import detect_faces

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "faces"
LABELS = ROOT / "benchmarks" / "labels" / "skin_tone.csv"
TONES = ("light", "medium", "dark")
CHANGES = (("as taken", "photo", 0.0), ("photo -0.5 stop", "photo", -0.5), ("photo -1 stop", "photo", -1.0),
           ("head -1.5 stop", "head", -1.5), ("head -2 stops", "head", -2.0))
SETS = {"identity_lfw_dev": "LFW (dev)", "portraits_official": "official (test)"}


def linear(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def srgb(light: np.ndarray) -> np.ndarray:
    x = np.clip(light, 0.0, 1.0)
    return np.clip(np.round(np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055) * 255), 0, 255).astype(np.uint8)


def head_weight(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """1 over the head (jaw, and the brows raised to the hair), 0 on the backdrop, feathered."""
    ied = inter_eye_distance(landmarks)
    outline = np.vstack([landmarks[:17], landmarks[17:27] - [0.0, 1.2 * ied]])
    head = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(head, cv2.convexHull(np.round(outline).astype(np.int32)), 1)
    return cv2.GaussianBlur(head.astype(np.float32), (0, 0), 0.3 * ied)[..., None]


def flags(data: Path) -> dict[tuple[str, str, str], list[tuple[bool, bool]]]:
    """(set, change, tone) -> per photo (flagged before, flagged now)."""
    profile = load_profile()
    now = profile.params("exposure")
    before = {**now, "white_point": float("inf")}
    found: dict[tuple[str, str, str], list[tuple[bool, bool]]] = defaultdict(list)
    for row in csv.DictReader(LABELS.open(encoding="utf-8")):
        try:
            rgb = load_image(data / row["file"])
        except ImageLoadError:
            continue
        faces = detect_faces(rgb)
        if not faces:
            continue
        light = linear(rgb)
        weight = head_weight(np.asarray(faces[0].landmarks, np.float64), rgb.shape[:2])
        for change, where, stops in CHANGES:
            gain = 2.0**stops if where == "photo" else 1.0 - weight + weight * 2.0**stops
            ctx = Context(srgb(light * gain), faces, profile)
            found[(row["file"].split("/")[0], change, row["tone"])].append(
                tuple(exposure(ctx, params).verdict is not Verdict.PASS for params in (before, now)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    found = flags(args.data)
    for folder, title in SETS.items():
        counts = {tone: len(found[(folder, CHANGES[0][0], tone)]) for tone in TONES}
        print(f"\n{title}: flagged 'too dark' (warn or fail), before -> now; photos: "
              + ", ".join(f"{tone} {n}" for tone, n in counts.items()))
        print(f"| change | {' | '.join(TONES)} |\n|---|{'---|' * len(TONES)}")
        for change, _, _ in CHANGES:
            cells = []
            for tone in TONES:
                rows = found[(folder, change, tone)]
                was, now = (sum(r[i] for r in rows) for i in (0, 1))
                cells.append(f"{was / len(rows):.0%} -> {now / len(rows):.0%} ({was} -> {now})")
            print(f"| {change} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
