"""The evaluation's data layout made from a few portraits, for `pfiq evaluate` without the face data.

The evaluation reads identity sets (several photos of each person), ICAO defects beside each
subject's compliant photo, and official portraits (run.py). A source checkout carries 20
public-domain portraits of 20 different people, one photo each (tests/fixtures/portraits). From
them `build` writes that layout:

- portraits_official/: the portraits themselves (same bytes);
- identity_orl/s<k>/ (the first half of the portraits): one identity per portrait: the photo, its
  mirror image, a copy shifted by a few pixels and a re-encoded copy (genuine pairs), interleaved
  with its defects (blur, lost resolution, heavy JPEG); the other portraits are the impostors;
- defects_yale/ (the other half, so no person is two identities): each portrait as a subject's
  "normal" reference, its defects, and labels.csv.

Genuine pairs made from one photo are far easier than two photos of a person taken apart, and the
defects are synthetic: the figures show that the evaluation runs and whether its orderings hold on
real faces, not how the method does on real data (`ABOUT`, written at the top of the report).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.engine import disturbances
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.evaluation.figures import save_png

SHIFT_PX = (4, 3)  # x, y: a slightly different framing of the same photo
REENCODE_QUALITY = 75
IDENTITY_ORDER = ("photo", "mirrored", "low_resolution", "shifted", "blur", "reencoded", "jpeg")
ABOUT = (
    "Data: **built from the {count} bundled public-domain portraits** ({source}), not the face data. "
    "'identity_orl' here holds one identity per portrait (the photo, its mirror image, a shifted and a re-encoded "
    "copy, and its synthetic defects: blur, lost resolution, heavy JPEG); 'defects_yale' holds other portraits as "
    "the 'normal' reference beside the same synthetic defects; 'portraits_official' holds the portraits. Genuine "
    "pairs made from one photo are much easier than real ones: these figures check that the evaluation runs and "
    "whether its orderings hold, they are not results of the method. Pass --data for the evaluation on real data."
)


def same_person(image: np.ndarray) -> dict[str, np.ndarray]:
    """Other photos of the person in `image`: mirrored, shifted a few pixels, saved again as JPEG."""
    dx, dy = SHIFT_PX
    shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    shifted = cv2.warpAffine(image, shift, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    return {
        "mirrored": np.ascontiguousarray(image[:, ::-1]),
        "shifted": shifted,
        "reencoded": disturbances.jpeg(image, REENCODE_QUALITY),
    }


def _identity(folder: Path, image: np.ndarray) -> None:
    """The photos of one identity in IDENTITY_ORDER: the first two (the curves' probe and reference) clean, the
    third (the last a quick EDC reads) defective, so the quick EDC's pair qualities differ."""
    photos = {"photo": image} | same_person(image) | disturbances.defects(image)
    folder.mkdir(parents=True)
    for number, name in enumerate(IDENTITY_ORDER, 1):
        save_png(folder / f"{number}_{name}.png", photos[name])


def _defect_subjects(folder: Path, portraits: list[Path]) -> None:
    """defects_yale's layout: subjectNN.normal (the portrait) and subjectNN.<defect> per portrait, and labels.csv."""
    folder.mkdir(parents=True)
    rows = []
    for number, path in enumerate(portraits, 1):
        subject = f"subject{number:02d}"
        image = load_image(path)
        for condition, photo in [("normal", image), *disturbances.defects(image).items()]:
            name = f"{subject}.{condition}.png"
            save_png(folder / name, photo)
            tag = "reference_normal" if condition == "normal" else condition
            rows.append({"file": name, "subject": subject, "yale_condition": condition, "icao_tag": tag,
                         "description": f"{condition} made from {path.name}", "identical_to": ""})
    with open(folder / "labels.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def build(portraits: Path, root: Path) -> str:
    """Write the layout into `root` from the .jpg portraits in `portraits`; returns the report's data line."""
    paths = sorted(portraits.glob("*.jpg"))
    if len(paths) < 4:
        raise FileNotFoundError(f"need at least 4 portraits in {portraits}, found {len(paths)}")
    half = len(paths) // 2
    (root / "portraits_official").mkdir(parents=True)
    for path in paths:
        shutil.copyfile(path, root / "portraits_official" / path.name)
    for number, path in enumerate(paths[:half], 1):
        _identity(root / "identity_orl" / f"s{number}", load_image(path))
    _defect_subjects(root / "defects_yale", paths[half:])
    return ABOUT.format(count=len(paths), source=portraits)
