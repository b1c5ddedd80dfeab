"""Does the deviation map (engine/deviation.py) say what it claims? Measured end to end through the Analyzer.

On portraits the reference was not built from:

* clean photos: the share of the face at deviation <= -2 (the outline level) - low on compliant faces;
* mirror: the map of the mirrored photo, mirrored back, against the original's (correlation, and
  agreement of the clearly-low areas);
* synthetic occluders at random places of the face (the chip-level shapes of `occlusion.py` plus a flat
  skin-coloured patch), drawn on the photo and re-detected: does the region with the lowest deviation
  overlap the occluder, and how much of the occluder's face area is at <= -2 - beside the paper's raw
  map (lowest mean PLQ region) on the same faces;
* real defects (Yale, when the data is there): which regions are flagged (mean <= -2) per defect type;
* cost: the analysis's own "deviation" stage, per face.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.deviation import low_share
from pfiq_desktop.engine.deviation_bands import CLEARLY_LOWER
from pfiq_desktop.engine.faces import CHIP_SIZE, warp_to_photo
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.landmarks import inter_eye_distance
from pfiq_desktop.engine.results import Analysis, Face
from pfiq_desktop.evaluation import occlusion
from pfiq_desktop.evaluation.data import face_hull_mask

SKIN_PATCH = "skin patch"
KINDS = (*occlusion.OCCLUDERS, SKIN_PATCH)
FILLS = {"grey patch": (128, 128, 128), "black bar": (0, 0, 0), "sunglasses": (15, 15, 20)}


Analyse = Callable[[np.ndarray], Analysis]  # Analyzer.analyse on a photo array
SPLIT_FILE = "deviation_split.json"  # the portraits the map's constants were tuned on (dev) and the others (test)


@dataclass
class OccluderResult:
    kind: str
    pointing: bool  # the lowest-deviation region overlaps the occluder
    raw_pointing: bool  # the same for the paper's map (lowest mean PLQ region)
    covered: float  # share of the occluder's face area at <= -2
    rest_low: float  # share of the rest of the face at <= -2


def _first_face(analysis: Analysis) -> Face | None:
    return analysis.faces[0] if analysis.ok and analysis.faces else None


def chip_mask(photo_mask: np.ndarray, face: Face) -> np.ndarray:
    chip = cv2.warpAffine(photo_mask.astype(np.uint8), face.chip_transform, (CHIP_SIZE, CHIP_SIZE), flags=cv2.INTER_NEAREST)
    return chip.astype(bool)


def occlude_photo(image: np.ndarray, face: Face, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The photo with an occluder drawn where `occlusion.occlude` would put it on the face's chip, and its mask."""
    landmarks = face.chip_landmarks
    hull = face_hull_mask(landmarks)
    shape = "grey patch" if kind == SKIN_PATCH else kind
    blank = np.zeros((CHIP_SIZE, CHIP_SIZE, 3), np.uint8)
    _, chip_mask = occlusion.occlude(blank, landmarks, hull, shape, rng)
    if kind == SKIN_PATCH:  # hand-sized: an ellipse of 1.2 x 0.9 eye distances around the drawn patch's centre
        ys, xs = np.nonzero(chip_mask)
        ied = inter_eye_distance(landmarks)
        chip_mask = np.zeros((CHIP_SIZE, CHIP_SIZE), np.uint8)
        cv2.ellipse(chip_mask, (int(xs.mean()), int(ys.mean())), (int(0.6 * ied), int(0.45 * ied)), 0, 0, 360, 1, -1)
        chip_mask = chip_mask.astype(bool)
    on_photo = warp_to_photo(chip_mask.astype(np.float32), face.chip_transform, image.shape[:2])
    mask = np.nan_to_num(on_photo) > 0.5
    out = image.copy()
    if kind == "noise patch":
        out[mask] = rng.integers(0, 256, (int(mask.sum()), 3), dtype=np.uint8)
    elif kind == SKIN_PATCH:
        inside = np.nan_to_num(warp_to_photo(hull.astype(np.float32), face.chip_transform, image.shape[:2])) > 0.5
        out[mask] = np.median(image[inside & ~mask], axis=0).astype(np.uint8)
    else:
        out[mask] = FILLS[kind]
    return out, mask


def score_occluder(face: Face, photo_mask: np.ndarray, kind: str) -> OccluderResult | None:
    """Pointing and coverage of one occluded face; None when it has no deviation map."""
    if not face.deviation_chip.size or not face.region_deviation:
        return None
    deviation = face.deviation_chip
    occluder = chip_mask(photo_mask, face)
    inside = np.isfinite(deviation)
    regions = occlusion.region_masks(face.chip_landmarks)
    lowest = min(face.region_deviation, key=face.region_deviation.__getitem__)
    raw = {n: v for n, v in face.regions.items() if n in regions and np.isfinite(v)}
    raw_lowest = min(raw, key=raw.__getitem__) if raw else ""
    on_face = occluder & inside
    low = np.nan_to_num(deviation, nan=np.inf) <= CLEARLY_LOWER
    rest = inside & ~occluder
    return OccluderResult(
        kind=kind,
        pointing=bool((regions[lowest] & occluder).any()),
        raw_pointing=bool(raw_lowest and (regions[raw_lowest] & occluder).any()),
        covered=float(low[on_face].mean()) if on_face.any() else float("nan"),
        rest_low=float(low[rest].mean()) if rest.any() else float("nan"),
    )


def mirror_agreement(face: Face, mirrored: Face) -> tuple[float, float]:
    """(correlation, share of pixels on the same side of -2) of a map and its mirrored photo's map, mirrored back."""
    a, b = face.deviation, np.fliplr(mirrored.deviation)
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 10:
        return float("nan"), float("nan")
    r = float(np.corrcoef(a[both], b[both])[0, 1])
    same = float(((a[both] <= CLEARLY_LOWER) == (b[both] <= CLEARLY_LOWER)).mean())
    return r, same


def portrait_split(data: Path, reference_photos: Sequence[str]) -> dict[str, list[Path]]:
    """The official portraits of `data` by role, none of them in the reference: 'dev' (tuned on), 'test'."""
    split = json.loads((Path(__file__).with_name(SPLIT_FILE)).read_text(encoding="utf-8"))
    used = set(reference_photos)
    return {part: [data / name for name in split[part] if name not in used and (data / name).is_file()]
            for part in ("dev", "test")}


def _summary(values: Sequence[float]) -> dict[str, float]:
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if not v.size:
        return {"n": 0}
    return {"n": int(v.size), "median": float(np.median(v)), "p75": float(np.percentile(v, 75)),
            "p90": float(np.percentile(v, 90)), "max": float(v.max())}


def evaluate_portraits(
    paths: Sequence[Path], analyse: Analyse, positions: int, seed: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Clean share, mirror stability, occluders and cost on portraits (none of them in the reference)."""
    rng = np.random.default_rng(seed)
    shares, mirror_r, mirror_same, seconds = [], [], [], []
    occluded: list[OccluderResult] = []
    for number, path in enumerate(paths, 1):
        image = load_image(path)
        analysis = analyse(image)
        face = _first_face(analysis)
        if face is None or not face.deviation_chip.size:
            log(f"deviation: no face with a map in {path.name}; skipped")
            continue
        seconds.append(analysis.timings.get("deviation", float("nan")) / len(analysis.faces))
        shares.append(low_share(face.deviation_chip))
        mirrored = _first_face(analyse(np.ascontiguousarray(image[:, ::-1])))
        if mirrored is not None and mirrored.deviation_chip.size:
            r, same = mirror_agreement(face, mirrored)
            mirror_r.append(r)
            mirror_same.append(same)
        for kind in KINDS:
            for _ in range(positions):
                photo, mask = occlude_photo(image, face, kind, rng)
                found = _first_face(analyse(photo))
                result = score_occluder(found, mask, kind) if found is not None else None
                if result is not None:
                    occluded.append(result)
        if number % 5 == 0:
            log(f"deviation: {number} of {len(paths)} portraits")
    per_kind = {}
    for kind in ("all", *KINDS):
        sel = [o for o in occluded if kind in ("all", o.kind)]
        covered = [o.covered for o in sel if np.isfinite(o.covered)]
        per_kind[kind] = {
            "n": len(sel),
            "pointing": float(np.mean([o.pointing for o in sel])) if sel else float("nan"),
            "raw_pointing": float(np.mean([o.raw_pointing for o in sel])) if sel else float("nan"),
            "median_covered": float(np.median(covered)) if covered else float("nan"),
            "covered_60": float(np.mean([c >= 0.6 for c in covered])) if covered else float("nan"),
            "rest_low": float(np.nanmedian([o.rest_low for o in sel])) if sel else float("nan"),
        }
    return {
        "portraits": len(shares),
        "clean_low_share": _summary(shares),
        "mirror_r": _summary(mirror_r),
        "mirror_same_side": _summary(mirror_same),
        "occluders": per_kind,
        "deviation_ms_per_face": 1000 * float(np.nanmedian(seconds)) if seconds else float("nan"),
    }


def evaluate_yale(folder: Path, analyse: Analyse, log: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """Per Yale condition: the share of photos with each region flagged (mean deviation <= -2)."""
    rows = list(csv.DictReader((folder / "labels.csv").read_text(encoding="utf-8").splitlines()))
    flagged: dict[str, dict[str, list[bool]]] = {}
    for row in rows:
        if row.get("identical_to"):
            continue
        face = _first_face(analyse(load_image(folder / row["file"])))
        if face is None or not face.region_deviation:
            continue
        condition = flagged.setdefault(row["yale_condition"], {})
        for region, value in face.region_deviation.items():
            condition.setdefault(region, []).append(bool(value <= CLEARLY_LOWER))
    log(f"deviation: {len(rows)} Yale photos")
    return {c: {r: float(np.mean(v)) for r, v in regions.items()} | {"n": len(next(iter(regions.values())))}
            for c, regions in sorted(flagged.items())}


def markdown(summary: dict[str, Any], where: str) -> str:
    """The evaluation's section of report.md."""
    clean, occ = summary["clean_low_share"], summary["occluders"]
    lines = [
        f"### Deviation map ({summary['portraits']} portraits not in the reference; {where})\n",
        "| measure | figure | target |",
        "|---|---|---|",
        f"| clean: share of the face at <= -2, median (p75 / p90 / max) | {clean.get('median', float('nan')):.1%} "
        f"({clean.get('p75', float('nan')):.1%} / {clean.get('p90', float('nan')):.1%} / {clean.get('max', float('nan')):.1%}) "
        "| <= 5 % |",
        f"| mirror: correlation of the maps, median | {summary['mirror_r'].get('median', float('nan')):.2f} | >= 0.9 |",
        f"| mirror: pixels on the same side of -2, median | {summary['mirror_same_side'].get('median', float('nan')):.1%} | |",
        f"| deviation stage, ms per face (median) | {summary['deviation_ms_per_face']:.1f} | <= 10 |",
        "",
        "| occluder | faces | lowest region hits it (deviation) | same, paper's raw map | median share at <= -2 "
        "| faces with >= 60 % at <= -2 | rest of face at <= -2 |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, e in occ.items():
        lines.append(f"| {kind} | {e['n']} | {e['pointing']:.1%} | {e['raw_pointing']:.1%} | {e['median_covered']:.1%} "
                     f"| {e['covered_60']:.1%} | {e['rest_low']:.1%} |")
    lines.append("\nTargets: lowest region hits the occluder >= 90 %; >= 60 % of the occluder's face area at <= -2.\n")
    return "\n".join(lines)


def yale_markdown(yale: dict[str, dict[str, float]]) -> str:
    """Per Yale condition, the share of photos with each region flagged."""
    regions = sorted({r for v in yale.values() for r in v if r != "n"})
    lines = ["### Deviation map on real defects (Yale faces)\n",
             "| Yale condition | photos | " + " | ".join(regions) + " |", "|---|---|" + "---|" * len(regions)]
    for condition, values in yale.items():
        lines.append(f"| {condition} | {values['n']} | " + " | ".join(f"{values.get(r, 0):.0%}" for r in regions) + " |")
    lines.append("\nShare of photos with the region flagged (mean deviation <= -2).\n")
    return "\n".join(lines)
