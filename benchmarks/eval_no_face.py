"""How often does a photo read "No face found": face-mask photos with and without a mask, LFW, face-free images?

    python -m benchmarks.eval_no_face [--data ../shared/data/faces] [--lfw 300] [--out outcomes.json]

An officer expects a masked face to fail "Mouth or chin covered", not "No face found" (which leaves every face check
unjudged). Each photo is detected as the product detects it (`FaceDetector`, its CNN fallback and padded search), and
where no upright HOG face was found "Face present" looks for a turn (`turned_face`, the fallback asked as the engine
asks it). Outcomes: "hog" or "cnn" (the detector of the subject), "turned" (named stored turned) or "none".

- defects_masks_dev, split by identity into a dev and a test half (seed 37; identities shuffled, each put in the half
  holding fewer photos of its label): the rate of "none" per label and half. Tune on the dev half only.
- identity_lfw_dev: `--lfw` photos drawn with seed 37; a face should be found in each.
- face-free images, none of which should show a face or a turn: scikit-image's sample photos without a person (those it
  carries), and the strips left and right of the face in each bundled test portrait (tests/fixtures) and,
  where the data folder has them, each official portrait.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from pfiq_desktop.engine.discovery import IMAGE_EXTENSIONS
from pfiq_desktop.engine.faces import FaceDetector, turned_face
from pfiq_desktop.engine.imageio import ImageLoadError, load_image

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "faces"
SEED = 37
LFW_PHOTOS = 300
# scikit-image's sample photos without a person (astronaut and camera show one), all in its wheel
FACE_FREE_SAMPLES = ("brick", "cat", "chelsea", "clock", "coffee", "coins", "colorwheel", "grass", "gravel", "horse",
                     "hubble_deep_field", "immunohistochemistry", "logo", "moon", "page", "rocket", "text")
MIN_STRIP = 40  # px: a narrower strip beside the face is left out


def halves(folder: Path) -> list[dict[str, str]]:
    """labels.csv's rows, each with its `half`: identities shuffled with SEED, each to the half with fewer of its label."""
    with open(folder / "labels.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_identity: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_identity[row["identity"]].append(row)
    identities = sorted(by_identity)
    random.Random(SEED).shuffle(identities)
    held: Counter[tuple[str, str]] = Counter()
    half = {}
    for identity in identities:
        label = by_identity[identity][0]["label"]
        half[identity] = "dev" if held["dev", label] <= held["test", label] else "test"
        held[half[identity], label] += len(by_identity[identity])
    return [{**row, "half": half[row["identity"]]} for row in rows]


def outcome(detector: FaceDetector, rgb: np.ndarray) -> tuple[str, float, float]:
    """What "Face present" reads, with the detection's and the turned search's time (ms)."""
    start = time.perf_counter()
    faces = detector.detect(rgb)
    detected = time.perf_counter()
    turn = 0
    if not faces or faces[0].detector == "cnn":
        turn = turned_face(rgb, detector, faces[0].score if faces else 0.0)
    searched = time.perf_counter()
    found = "turned" if turn else faces[0].detector if faces else "none"
    return found, 1000 * (detected - start), 1000 * (searched - detected)


def face_free(detector: FaceDetector, data: Path) -> dict[str, np.ndarray]:
    """The face-free images by name (module docstring)."""
    from skimage import data as samples

    images: dict[str, np.ndarray] = {}
    for name in FACE_FREE_SAMPLES:
        image = np.asarray(getattr(samples, name)())
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        images[f"skimage:{name}"] = np.ascontiguousarray(image[..., :3].astype(np.uint8))
    portraits = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg"))
    official = data / "portraits_official"
    if official.is_dir():  # the bundled ones are its first 20
        portraits += sorted(p for p in official.glob("*") if p.suffix.lower() in IMAGE_EXTENSIONS
                            and p.name not in {bundled.name for bundled in portraits})
    for path in portraits:
        rgb = load_image(path)
        faces = detector.detect(rgb)
        if not faces:
            continue
        left, _, right, _ = faces[0].box
        for side, strip in (("left", rgb[:, : max(left, 0)]), ("right", rgb[:, right + 1 :])):
            if strip.shape[1] >= MIN_STRIP:
                images[f"{path.parent.name}/{path.name}:{side}"] = np.ascontiguousarray(strip)
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--lfw", type=int, default=LFW_PHOTOS, help="LFW photos to draw (0: none)")
    parser.add_argument("--out", type=Path, help="write every photo's outcome here (JSON)")
    args = parser.parse_args()
    detector = FaceDetector()
    outcomes: dict[str, dict[str, object]] = {}

    masks = args.data / "defects_masks_dev"
    tally: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    costs: dict[str, list[float]] = defaultdict(list)
    for row in halves(masks):
        try:
            rgb = load_image(masks / row["file"])
        except ImageLoadError:
            tally[row["half"], row["label"]]["unreadable"] += 1
            continue
        found, detect_ms, turn_ms = outcome(detector, rgb)
        tally[row["half"], row["label"]][found] += 1
        costs["no HOG face" if found != "hog" else "HOG face"].append(detect_ms + turn_ms)
        outcomes[f"masks/{row['file']}"] = {"half": row["half"], "label": row["label"], "found": found,
                                            "detect_ms": round(detect_ms, 1), "turn_ms": round(turn_ms, 1)}
    for (half, label), counts in sorted(tally.items()):
        total = sum(counts.values())
        print(f"masks {half:4} {label:8} {total:3} photos: no face {counts['none']:3} ({counts['none'] / total:.1%}), "
              f"hog {counts['hog']}, cnn {counts['cnn']}, turned {counts['turned']}, unreadable {counts['unreadable']}")
    for what, values in costs.items():
        print(f"masks, {what}: median {statistics.median(values):.0f} ms, p90 {np.percentile(values, 90):.0f} ms "
              f"(detection and turned search, {len(values)} photos)")

    lfw = sorted(p for p in (args.data / "identity_lfw_dev").rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    lfw = random.Random(SEED).sample(lfw, min(args.lfw, len(lfw)))
    found_lfw: Counter[str] = Counter()
    for path in lfw:
        found = outcome(detector, load_image(path))[0]
        found_lfw[found] += 1
        outcomes[f"lfw/{path.parent.name}/{path.name}"] = {"found": found}
    print(f"LFW: {len(lfw)} photos: a face in {found_lfw['hog'] + found_lfw['cnn']} ({dict(found_lfw)})")

    free = face_free(detector, args.data)
    read = {name: outcome(detector, image)[0] for name, image in free.items()}
    false = {name: found for name, found in read.items() if found != "none"}
    print(f"face-free: {len(free)} images, a face or a turn on {len(false)}: {false}")
    outcomes.update({f"free/{name}": {"found": found} for name, found in read.items()})
    if args.out:
        args.out.write_text(json.dumps(outcomes, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
