"""The picture on file again (engine/same_picture.py): are edited copies of a photo told from new photos of its person?

    python benchmarks/eval_same_picture.py [--data ../shared/data/faces] [--photos 80]

Copies: each of --photos official portraits and as many LFW photos (one per identity, seed 31), edited ten ways (JPEG 70,
a crop, brightening, halving, doubling, grey, mirror, a 3 degree turn, a print-and-scan imitation, gamma 0.8), each
compared with its original. New photos of one person: 150 LFW pairs of one identity (press photos, most of other days),
and pairs of one sitting from Yale (other expressions, light) and ORL (other poses). Both are split into a development
and a test half by a hash of the photo (copies) or the identity (pairs). The measure and its threshold were chosen on
the development half of another sample (seed 7: 50 other official portraits, each LFW identity's last photo, 400 LFW
pairs): the face alone, then the lower of the face's and the head-and-shoulders' correlations, whose threshold is
above the highest development LFW pair (0.893) with every development copy caught. Prints the share flagged per half:
copies should all be, LFW pairs none; a pair of one sitting may be (it is no new photo either). Last, --strangers
Extended Yale B pairs of two people under one light, compared in full: strangers photographed alike reached 0.95 (a
review), so only a match is called one picture, and none should be refused.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.engine.analyzer import Analyzer
from pfiq_desktop.engine.faces import DetectedFace
from pfiq_desktop.engine.imageio import load_photo_file
from pfiq_desktop.engine.preparation import prepare
from pfiq_desktop.engine.same_picture import SAME_PICTURE_AT, picture_similarity

REPO = Path(__file__).resolve().parents[1]


def half(key: str) -> str:
    return "dev" if int(hashlib.sha256(f"pfiq-reuse-{key}".encode()).hexdigest(), 16) % 2 == 0 else "test"


def edits(rgb: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """The ten edits of a photo an applicant might hand in as new."""
    h, w = rgb.shape[:2]

    def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
        _, data = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1]

    yield "jpeg70", jpeg(rgb, 70)
    yield "crop", jpeg(rgb[h // 20:, w // 25: w - w // 30], 85)
    yield "bright", jpeg(np.clip(rgb * 1.08 + 6, 0, 255).astype(np.uint8), 85)
    yield "half", cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    yield "double", cv2.resize(rgb, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)
    yield "grey", np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    yield "mirror", np.ascontiguousarray(rgb[:, ::-1])
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 3, 1.0)
    yield "turn3", cv2.warpAffine(rgb, turn, (w, h), borderMode=cv2.BORDER_REFLECT)
    scanned = cv2.GaussianBlur(rgb, (0, 0), 1.0).astype(np.float32) + np.random.default_rng(0).normal(0, 6, rgb.shape)
    yield "printscan", jpeg(np.clip(scanned * 0.9 + 20, 0, 255).astype(np.uint8), 80)
    yield "gamma", (255 * (np.arange(256) / 255) ** 0.8).astype(np.uint8)[rgb]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "faces")
    parser.add_argument("--photos", type=int, default=80)
    parser.add_argument("--strangers", type=int, default=150, help="Extended Yale B pairs of two people under one light")
    args = parser.parse_args()
    analyzer = Analyzer(device="cpu")
    template = analyzer._template()

    def face(source: np.ndarray | str) -> tuple[np.ndarray, DetectedFace] | None:
        prepared = prepare(source, template, analyzer.detector, 16, alignment=analyzer.alignment)
        return (prepared.image, prepared.detected[0]) if prepared.image is not None and prepared.detected else None

    rng = random.Random(31)
    lfw = collections.defaultdict(list)
    for path in sorted(args.data.glob("identity_lfw_dev/*/*.jpg")):
        lfw[path.parent.name].append(str(path))
    originals = [str(p) for p in sorted(args.data.glob("portraits_official/*.jpg"))[: args.photos]]
    originals += rng.sample([photos[0] for photos in lfw.values()], args.photos)
    flagged: dict[tuple[str, str], list[bool]] = collections.defaultdict(list)
    for path in originals:
        rgb = load_photo_file(path)[0][:, :, :3]
        original = face(rgb)
        for _, copy in edits(rgb) if original is not None else ():
            if original is not None and (edited := face(copy)) is not None:
                flagged[half(path), "copies"].append(picture_similarity(*edited, *original) >= SAME_PICTURE_AT)
    pairs = [("LFW, other days", name, *rng.sample(photos, 2)) for name, photos in rng.sample(sorted(lfw.items()), len(lfw))
             if len(photos) >= 2][:150]
    yale = collections.defaultdict(list)
    for path in sorted(args.data.glob("defects_yale/*.gif")):
        yale[path.name.split(".")[0]].append(str(path))
    pairs += [("Yale, one sitting", name, a, b) for name, photos in yale.items() for a, b in itertools.combinations(photos, 2)
              if rng.random() < 0.15]
    orl = collections.defaultdict(list)
    for path in sorted(args.data.glob("identity_orl/*/*")):
        orl[path.parent.name].append(str(path))
    pairs += [("ORL, one sitting", name, *rng.sample(photos, 2)) for name, photos in list(orl.items())[:20] for _ in range(3)]
    for kind, identity, a, b in pairs:
        first, second = face(a), face(b)
        if first is not None and second is not None:
            flagged[half(identity), kind].append(picture_similarity(*first, *second) >= SAME_PICTURE_AT)
    # strangers photographed alike (Extended Yale B, one light direction): only a match may be called one picture
    lit = collections.defaultdict(list)
    for path in sorted(args.data.glob("defects_yaleb_light_dev/*/*.png")):
        lit[path.name.split("_P")[-1]].append(str(path))  # yaleB01__yaleB01_P00A+000E+00.png: the light
    strangers = [pair for photos in lit.values() for pair in itertools.combinations(photos, 2)
                 if pair[0].split("/")[-1].split("__")[0] != pair[1].split("/")[-1].split("__")[0]]
    for a, b in rng.sample(strangers, min(args.strangers, len(strangers))):
        comparison = analyzer.compare(a, b)
        refused = any(error.startswith("photo A is photo B's picture again") for error in comparison.errors)
        flagged[half(a.split("/")[-1].split("__")[0]), "Extended Yale B, other people, one light (refused)"].append(refused)
    print(f"flagged as the picture on file again (correlation >= {SAME_PICTURE_AT}; strangers: refused by the check):")
    print("| pairs | development half | test half |\n|---|---|---|")
    for kind in ("copies", "LFW, other days", "Yale, one sitting", "ORL, one sitting",
                 "Extended Yale B, other people, one light (refused)"):
        cells = [f"{sum(flagged[h, kind])} of {len(flagged[h, kind])}" for h in ("dev", "test")]
        print(f"| {kind} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
