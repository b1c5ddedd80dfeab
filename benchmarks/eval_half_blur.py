"""One half of the face blurred: does "Sharp focus" name it, and never on photos that were not blurred?

    python benchmarks/eval_half_blur.py [--data ../shared/data/faces]

Hits: the official portraits with the half right or left of the nose blurred (Gaussian sigma 1/27, 1/13 and 1/7 of
the eye distance), and the whole face blurred at 1/13 for comparison. False alarms: the portraits as they are, every
labelled LFW face (`benchmarks/labels/lfw_head_covering.csv`, its split column) and the misc and Yale defects (side
light, glasses, winks, masks, patches, hats). Portraits are split by the parity of their file name's SHA-256, as the
research that chose `half_fail_below` / `half_warn_below` on the dev half split them. Counts are of the verdict of
"Sharp focus" where the blurred half decided it (`HALF_BLUR_UNIT`) and where anything else did.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.engine.discovery import IMAGE_EXTENSIONS
from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.icao.registry import HALF_BLUR_UNIT, SHARPNESS_CHECK
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from tests.icao.facebuild import detect_faces

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"
LFW_LABELS = Path(__file__).resolve().parent / "labels" / "lfw_head_covering.csv"
BLURS = (27.0, 13.3, 6.7)  # the Gaussian's sigma is the eye distance over these


def focus(image: np.ndarray) -> tuple[str, np.ndarray] | None:
    """("fail (half)", ...) or ("warn", ...): the focus verdict, marked where the blurred half decided it; and the
    face's landmarks. None where no face is found."""
    faces = detect_faces(image)
    if not faces:
        return None
    result = next(c for c in run_checks(image, faces[:1], load_profile()) if c.id == SHARPNESS_CHECK)
    return result.verdict.value + (" (half)" if result.unit == HALF_BLUR_UNIT else ""), faces[0].landmarks


def blurred(image: np.ndarray, landmarks: np.ndarray, divisor: float, side: str) -> np.ndarray:
    """`image` with the `side` half (as seen in the photo: "left", "right" or "both") blurred at eye distance / divisor."""
    eyes = float(np.linalg.norm(landmarks[42:48].mean(0) - landmarks[36:42].mean(0)))
    blur = cv2.GaussianBlur(image, (0, 0), eyes / divisor)
    nose = int(landmarks[27:31, 0].mean())
    out = image.copy()
    columns = {"left": slice(None, nose), "right": slice(nose, None), "both": slice(None)}[side]
    out[:, columns] = blur[:, columns]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    counts: dict[tuple[str, str], Counter[str]] = {}

    def count(kind: str, split: str, verdict: str) -> None:
        counts.setdefault((kind, split), Counter())[verdict] += 1

    for row in csv.DictReader((args.data / "portraits_official" / "manifest.csv").open(encoding="utf-8")):
        split = "dev" if int(hashlib.sha256(row["file"].encode()).hexdigest(), 16) % 2 else "test"
        image = load_image(args.data / "portraits_official" / row["file"])
        found = focus(image)
        if found is None:
            continue
        count("portrait as it is", split, found[0])
        for divisor in BLURS:
            for side in ("left", "right"):
                changed = focus(blurred(image, found[1], divisor, side))
                count(f"portrait, a half blurred at IED/{divisor:g}", split, changed[0] if changed else "no face")
        whole = focus(blurred(image, found[1], BLURS[1], "both"))
        count(f"portrait, whole face blurred at IED/{BLURS[1]:g}", split, whole[0] if whole else "no face")
    for row in csv.DictReader(LFW_LABELS.open(encoding="utf-8")):
        found = focus(load_image(args.data / row["file"]))
        count("LFW face", row["split"], found[0] if found else "no face")
    for folder in ("defects_misc", "defects_yale"):
        for path in sorted(p for p in (args.data / folder).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS):
            try:
                found = focus(load_image(path))
            except ImageLoadError:
                continue
            count(f"{folder} photo", "all", found[0] if found else "no face")
    print("| photos | split | Sharp focus verdicts ('(half)': the blurred half decided) |\n|---|---|---|")
    for (kind, split), verdicts in counts.items():
        print(f"| {kind} | {split} | {', '.join(f'{v} {n}' for v, n in sorted(verdicts.items()))} |")


if __name__ == "__main__":
    main()
