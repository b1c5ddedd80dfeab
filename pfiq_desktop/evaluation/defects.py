"""ICAO-incompliant photos: region-level PLQ change against the same subject's compliant photo.

defects_yale: every subject's "normal" photo is the compliant reference; each other
condition (glasses, side light, expressions, closed eyes, ...) is compared region by region
(mean PLQ of defect minus mean PLQ of reference; negative = the map marks the region as
less useful). defects_misc has no compliant pair; its occlusion photos are only shown.
"""

from __future__ import annotations

import csv
from pathlib import Path

YALE_REFERENCE = "reference_normal"
MISC_SHOWN = (
    "explainable_fiq_test_images_CC-BY-NC/cap.png",
    "explainable_fiq_test_images_CC-BY-NC/mask.png",
    "congress_defects/021911_eye_patch.jpg",
    "congress_defects/021118_hat_head_covering.jpg",
    "congress_defects/021950_hijab_head_covering.jpg",
    "face_recognition_examples/lin-manuel-miranda.png",
)


def yale_labels(root: Path) -> list[dict[str, str]]:
    with open(root / "defects_yale" / "labels.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def yale_pairs(root: Path, subjects: int | None = None) -> list[tuple[str, Path, Path]]:
    """(icao_tag, reference path, defect path) per subject and condition."""
    rows = yale_labels(root)
    by_subject: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_subject.setdefault(row["subject"], []).append(row)
    pairs = []
    for subject in sorted(by_subject)[:subjects]:
        refs = [r for r in by_subject[subject] if r["icao_tag"] == YALE_REFERENCE]
        if not refs:
            continue
        ref = root / "defects_yale" / refs[0]["file"]
        for row in by_subject[subject]:
            if row["icao_tag"].startswith("reference"):
                continue
            pairs.append((row["icao_tag"], ref, root / "defects_yale" / row["file"]))
    return pairs
