"""Fit the network probes of `engine/attributes.py` and how the checklist fuses them with its pixel measures.

Everything is measured as the app measures it: through the issue-15 harness's cached faces, the built-in
network's mid-level grid of each face (benchmarks/issue15/gridcache.py) and the engine's own pixel measures
(eye_pixels.measure_eyes with the current pixel-level quality maps; coverings.lower_face_features), on the
development halves only:

- eye_closed (per eye): the eyes labelled open (0) or closed (1) of LFW, Yale and the official portraits
  (benchmarks/labels/*_eyes.csv), of the synthetic winks and eye defects drawn on the dev official
  portraits and of clear glasses drawn on the dev LFW photos (benchmarks/issue15/synth.py: thick frames on
  small faces read as shut lids until they were in the rows), tinted lenses left out; read on the grid after
  the 4th block (`dlib_resnet.EYE_GRID_BLOCKS`, kept by gridcache as `eye_grids`);
- eye_hidden (per eye): not visible (1) against open or closed (0), the same photos;
- glasses (per photo): clear or tinted (1) against none (0), the same photos;
- lower_face_covered: defects_masks_dev (mask 1, no mask 0), and as negatives every dev LFW photo and the
  clean dev official portraits (a probe fitted on the mask crops alone flagged 9-12 % of LFW faces).
- lower_face_object: the dev LFW photos with a hand or an object over the mouth, the nose or much of the chin (1;
  benchmarks/labels/lfw_face_occluders.csv) against every other dev LFW photo and the clean dev official portraits
  (0); photos whose occluder covers only the cheek, the eyes or the chin's edge, or whose overlap was in doubt, are
  left out. No pixel measure to fuse: it warns on its own above `coverings.OBJECT_WARN_LOG_ODDS`, the 99th
  percentile of the dev negatives' out-of-fold log-odds (1 % of bare in-the-wild faces).
- head_covered: the dev LFW photos labelled with (1) or without (0) a head covering
  (benchmarks/labels/lfw_head_covering.csv) and the dev official portraits, read on the head chip
  (attributes.HEAD_CHIP_PADDING: the face chip shows little of the head top); probe and fusion weight the bare
  heads by skin tone (`tone_balance`; the pixel model is not weighted).
- mouth_open: the dev mouths of `sets.mouth_set` (teeth showing or lips apart 1, closed 0: official portraits, an
  LFW sample, Yale's expressions), read on the grid after the 4th block and fused with the lip gap
  (eyes_mouth.lip_gap). The bundled test portraits (tests/fixtures/portraits) are left out, so the tests judge the
  probe on photos it never saw.

Each probe is fit_cover_constants.fit (balanced, L2, standardised) on the grid's mean and strongest response
per channel at the eye, across the eye band (with the unit descriptor) or below the nose (2 x 64 features,
the glasses probe 2 x 64 + 128; the head probe the upper rows of the head chip's grid, 2 x 64, with that chip's
descriptor). Its L2 is the one of `L2_GRID` whose out-of-fold
predictions (5 folds by identity) rank best (AUC). The fusion (`*_WITH_NETWORK`: log-odds = a x pixels +
b x network + c) is fitted on the pixel log-odds and those out-of-fold network log-odds, so it never sees a
probe's score on its own training photos.

    python -m benchmarks.fit_attribute_probes [--cache out/bench_cache/issue15] [--probes a,b] [--check] [--write]

It prints what it fitted; --check exits 1 unless the shipped probes and fusion constants equal the refit
(within `PROBE_TOLERANCE` and `FUSION_TOLERANCE`), --write writes what differs. --probes refits only those (the
others are kept as shipped): the mouth probe was added so, because a refit of the others on today's reading of the
photos moved their development figures by under 0.01 in both directions (docs/EVALUATION.md "Mouth open").
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.fit_cover_constants import fit
from benchmarks.fit_eye_models import as_source, replace_once, write
from benchmarks.issue15.facecache import CachedFace, FaceCache
from benchmarks.issue15.gridcache import BACKBONE, Grids, chip_landmarks
from benchmarks.issue15.plqcache import PlqMaps
from benchmarks.issue15.sets import (
    DATA,
    ROOT,
    Photo,
    eye_set,
    identity_tones,
    is_bundled_portrait,
    lfw_cover,
    lfw_occluders,
    mouth_set,
    official_cover,
    tight_crops,
)
from benchmarks.issue15.synth import frames_set, synth_set, wink_set
from pfiq_desktop.engine import attributes
from pfiq_desktop.engine.attributes import (
    EYE_CLOSED,
    EYE_HIDDEN,
    GLASSES,
    HEAD_COVERED,
    LOWER_FACE_COVERED,
    LOWER_FACE_OBJECT,
    MOUTH_OPEN,
    AttributeProbes,
    Fusion,
    Probe,
    eye_features,
    glasses_features,
    head_features,
    lower_face_features,
    mouth_features,
)
from pfiq_desktop.engine.backbones import DATA_DIR
from pfiq_desktop.engine.icao import coverings, eye_pixels, eyes_mouth
from pfiq_desktop.engine.icao.coverings import covering_models
from pfiq_desktop.engine.icao.eye_pixels import measure_eyes
from pfiq_desktop.engine.icao.face_frame import FaceFrame, build_face_frame
from pfiq_desktop.engine.icao.registry import NotAssessable
from pfiq_desktop.engine.imageio import load_image

L2_GRID = (1.0, 10.0, 100.0, 1000.0)
FUSION_L2 = 1.0
FOLDS = 5
# how far a refit on a rebuilt cache moves what it fits although nothing changed: the grids are kept as float16 and
# the network's sums vary with the thread count (measured on a cache rebuilt from scratch: weights by 9e-5 of their
# largest, fusion constants by 2e-4), so an exact check only held on the cache that wrote the shipped files
PROBE_TOLERANCE = 1e-3  # of each array's largest magnitude
FUSION_TOLERANCE = 1e-3
SIDES = ("left", "right")
PROBES_PATH = DATA_DIR / attributes.PROBES_FILE.format(backbone=BACKBONE)
TONE_BALANCED = (HEAD_COVERED,)  # probes whose negatives are weighted by skin tone (`tone_balance`)
# probe -> (fusion constant, the module that owns it)
FUSIONS = {
    EYE_CLOSED: ("CLOSED_WITH_NETWORK", eye_pixels),
    EYE_HIDDEN: ("OCCLUDED_WITH_NETWORK", eye_pixels),
    GLASSES: ("FRAME_WITH_NETWORK", eye_pixels),
    LOWER_FACE_COVERED: ("LOWER_FACE_WITH_NETWORK", coverings),
    HEAD_COVERED: ("HEAD_WITH_NETWORK", coverings),
    MOUTH_OPEN: ("MOUTH_WITH_NETWORK", eyes_mouth),
}
# probe -> (its warning threshold on the log-odds, the module that owns it): probes with no pixel measure to fuse
THRESHOLDS = {LOWER_FACE_OBJECT: ("OBJECT_WARN_LOG_ODDS", coverings)}
OBJECT_FALSE_ALARMS = 0.01  # the share of dev negatives (out of fold) above OBJECT_WARN_LOG_ODDS


@dataclass(frozen=True)
class Row:
    """One eye or one lower face: the probe's features, the pixel measure's log-odds, the label and whose it is."""

    features: np.ndarray
    pixels: float  # NaN when the pixel measure could not judge it
    label: float
    identity: str


def fold_of(identity: str) -> int:
    return hashlib.sha256(identity.encode()).digest()[0] % FOLDS


def dev_faces(photos: list[Photo], cache: FaceCache) -> Iterator[tuple[Photo, np.ndarray, list[CachedFace], tuple[str, float, str]]]:
    """The development photos with a face: each with its pixels, its cached faces and its face key."""
    for photo in photos:
        if photo.split != "dev":
            continue
        rgb = load_image(photo.path)
        found = cache.faces(photo.path, rgb, photo.pad)
        if found:
            yield photo, rgb, found, cache.key(photo.path, photo.pad)


def eye_rows(cache: FaceCache, maps: PlqMaps, grids: Grids, cache_dir: Path) -> dict[str, list[Row]]:
    """Per-eye rows of the dev eye sets for eye_closed and eye_hidden, per-photo rows for glasses."""
    official, lfw = eye_set("official", DATA), eye_set("lfw", DATA)
    photos = [*lfw, *eye_set("yale", DATA), *official, *synth_set(official, cache, cache_dir / "synth"),
              *wink_set(official, cache, cache_dir / "synth_wink"), *frames_set(lfw, cache, cache_dir / "frames")]
    out: dict[str, list[Row]] = {EYE_CLOSED: [], EYE_HIDDEN: [], GLASSES: []}
    for photo, rgb, found, key in dev_faces(photos, cache):
        face = found[0].as_face(rgb.shape[:2], maps.chips(key, rgb, found)[0])
        pixels = measure_eyes(rgb, np.asarray(face.landmarks, np.float64), face.chip_transform, face.plq_chip)
        (grid, descriptor), landmarks = grids.grids(key, rgb, found)[0], chip_landmarks(found[0])
        eye_grid = grids.eye_grids(key, rgb, found)[0]
        if photo.labels["glasses"] in ("none", "clear", "tinted"):
            out[GLASSES].append(Row(glasses_features(grid, landmarks, descriptor), pixels.frame,
                                      float(photo.labels["glasses"] != "none"), photo.identity))
        for side in SIDES:
            label = photo.labels[side]
            if label in ("open", "closed") and photo.labels["glasses"] != "tinted":
                out[EYE_CLOSED].append(Row(eye_features(eye_grid, landmarks, side), pixels.closed[side], float(label == "closed"),
                                             photo.identity))
            if label in ("open", "closed", "not_visible"):
                out[EYE_HIDDEN].append(Row(eye_features(grid, landmarks, side), pixels.occluded[side], float(label == "not_visible"),
                                             photo.identity))
    return out


def lower_face_rows(cache: FaceCache, grids: Grids) -> list[Row]:
    """Rows of the dev mask crops, dev LFW photos and clean dev official portraits."""
    photos: list[tuple[Photo, float]] = [(p, float(p.labels["label"] == "mask")) for p in tight_crops("defects_masks_dev")]
    photos += [(p, 0.0) for p in lfw_cover()]
    photos += [(p, 0.0) for p in official_cover() if p.labels["covering"] == "no"]
    return covering_rows(photos, cache, "lower_face", coverings.lower_face_features,
                         lambda key, rgb, found: lower_face_features(grids.grids(key, rgb, found)[0][0], chip_landmarks(found[0])))


def object_rows(cache: FaceCache, grids: Grids) -> list[Row]:
    """Rows of the dev LFW photos (a hand or an object over the mouth 1, none 0; `sets.lfw_occluders`' others left
    out) and the clean dev official portraits (0)."""
    occluded = lfw_occluders()
    photos = [(p, float(p.key in occluded)) for p in lfw_cover() if occluded.get(p.key, "mouth") == "mouth"]
    photos += [(p, 0.0) for p in official_cover() if p.labels["covering"] == "no"]
    labels = {p.key: y for p, y in photos}
    return [Row(lower_face_features(grids.grids(key, rgb, found)[0][0], chip_landmarks(found[0])), math.nan, labels[photo.key],
                photo.identity) for photo, rgb, found, key in dev_faces([p for p, _ in photos], cache)]


def head_rows(cache: FaceCache, grids: Grids) -> list[Row]:
    """Rows of the dev LFW photos labelled with or without a head covering and the dev official portraits, read on
    the head chip."""
    photos = [(p, float(p.labels["covering"] == "yes")) for p in (*lfw_cover(), *official_cover()) if p.labels["covering"] in ("yes", "no")]
    return covering_rows(photos, cache, "head_covering", coverings.head_covering_features,
                         lambda key, rgb, found: head_features(*grids.heads(key, rgb, found)[0]))


def mouth_rows(cache: FaceCache, grids: Grids) -> list[Row]:
    """One row per labelled dev mouth with a face, but the bundled test portraits: the probe's features and the lip
    gap."""
    photos = [p for p in mouth_set() if not is_bundled_portrait(p)]
    out = []
    for photo, rgb, found, key in dev_faces(photos, cache):
        features = mouth_features(grids.eye_grids(key, rgb, found)[0], chip_landmarks(found[0]))
        out.append(Row(features, eyes_mouth.lip_gap(np.asarray(found[0].landmarks68, np.float64)),
                       float(photo.labels["mouth"] == "teeth"), photo.identity))
    return out


def covering_rows(photos: list[tuple[Photo, float]], cache: FaceCache, model: str,
                  measures: Callable[[FaceFrame], dict[str, float]],
                  probe_features: Callable[[tuple[str, float, str], np.ndarray, list[CachedFace]], np.ndarray]) -> list[Row]:
    """One row per labelled dev photo with a face: the probe's features and the covering model's log-odds (NaN where
    the model cannot judge the face). Uncapped: the fusion is fitted on the pixel model's own reading, and the product
    caps it beside the probe afterwards (`coverings.PIXELS_BESIDE_PROBE`, a rule chosen on LFW beards), so the fused
    AUC printed here is the fusion's before that cap."""
    out = []
    for photo, label in photos:
        if photo.split != "dev":
            continue
        try:
            rgb = load_image(photo.path)
        except (OSError, ValueError):  # two mask crops are under 32 px: the product refuses them too
            continue
        found = cache.faces(photo.path, rgb, photo.pad)
        if not found:
            continue
        try:
            pixels = covering_models()[model].log_odds(measures(build_face_frame(rgb, np.asarray(found[0].landmarks68, np.float64))))
        except NotAssessable:
            pixels = math.nan
        out.append(Row(probe_features(cache.key(photo.path, photo.pad), rgb, found), pixels, label, photo.identity))
    return out


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    ranks = np.argsort(np.argsort(scores, kind="stable"), kind="stable") + 1.0
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def tone_balance(identities: list[str], labels: np.ndarray) -> np.ndarray:
    """Per row, a weight that makes the negatives of each skin tone (`identity_tones`: light, medium, dark) weigh as
    much in all as the light ones; positives, rows without a tone, and every row where no light negative is there to
    match, weigh 1.

    Why: fitted unweighted, the head probe and its fusion flagged darker-skinned bare heads
    (shaved heads, hair drawn back) several times as often as light ones, and the development half holds few of them
    (docs/EVALUATION.md "Head covering and skin tone"). The pixel model (fit_cover_constants) is not weighted: weighted, it
    lost the band across the forehead that the synthetic headbands test.
    """
    tones = identity_tones()
    tone = np.array([tones.get(identity, "") for identity in identities])
    negative = labels == 0
    light = (negative & (tone == "light")).sum()
    weights = np.ones(len(labels))
    for group in ("medium", "dark"):
        members = negative & (tone == group)
        if members.any() and light:
            weights[members] = light / members.sum()
    return weights


def probe_of(x: np.ndarray, y: np.ndarray, l2: float, weights: np.ndarray | None = None) -> Probe:
    mean, std, coefficients, bias = fit(x, y, l2, weights)
    return Probe(mean, std, coefficients, bias)


def out_of_fold(rows: list[Row], l2: float, weights: np.ndarray) -> np.ndarray:
    """Each row's probe log-odds from the probe fitted on the other folds' identities."""
    x, y = np.array([r.features for r in rows]), np.array([r.label for r in rows])
    folds = np.array([fold_of(r.identity) for r in rows])
    scores = np.zeros(len(rows))
    for k in range(FOLDS):
        held = folds == k
        probe = probe_of(x[~held], y[~held], l2, weights[~held])
        scores[held] = [probe.log_odds(f) for f in x[held]]
    return scores


def chosen_probe(rows: list[Row], weights: np.ndarray) -> tuple[Probe, np.ndarray, str]:
    """The probe at the L2 whose out-of-fold log-odds rank best, those log-odds, and a line on the choice."""
    y = np.array([r.label for r in rows])
    scores = {l2: out_of_fold(rows, l2, weights) for l2 in L2_GRID}
    aucs = {l2: auc(y, s) for l2, s in scores.items()}
    l2 = max(L2_GRID, key=lambda v: (aucs[v], v))
    line = (f"{int(y.sum())} positive, {int(len(y) - y.sum())} negative dev rows; out-of-fold AUC by L2 "
            + ", ".join(f"{v:g}: {aucs[v]:.4f}" for v in L2_GRID) + f" -> L2 {l2:g}")
    return probe_of(np.array([r.features for r in rows]), y, l2, weights), scores[l2], line


def fit_warning_probe(name: str, rows: list[Row]) -> tuple[Probe, float, str]:
    """A probe that warns on its own: the probe and its threshold, the `OBJECT_FALSE_ALARMS` quantile of the dev
    negatives' out-of-fold log-odds."""
    y = np.array([r.label for r in rows])
    probe, scores, line = chosen_probe(rows, np.ones(len(rows)))
    threshold = round(float(np.quantile(scores[y == 0], 1.0 - OBJECT_FALSE_ALARMS)), 4)
    caught = int((scores[y == 1] > threshold).sum())
    return probe, threshold, f"{name}: {line}; above {threshold:g} out of fold: {caught} of {int(y.sum())} positives"


def fit_probe(name: str, rows: list[Row]) -> tuple[Probe, Fusion, str]:
    """The probe (L2 chosen out of fold), its fusion with the pixel measure, and a line on how it was chosen."""
    y = np.array([r.label for r in rows])
    weights = tone_balance([r.identity for r in rows], y) if name in TONE_BALANCED else np.ones(len(rows))
    probe, network, chosen = chosen_probe(rows, weights)
    pixels = np.array([r.pixels for r in rows])
    judged = np.isfinite(pixels)
    fused_x = np.column_stack([pixels[judged], network[judged]])
    mean, std, coefficients, bias = fit(fused_x, y[judged], FUSION_L2, weights[judged])
    raw = coefficients / std
    fusion: Fusion = ((("pixels", round(float(raw[0]), 4)), ("network", round(float(raw[1]), 4))),
                     round(bias - float((raw * mean).sum()), 4))
    fused = fused_x @ raw + fusion[1]
    line = (f"{name}: {chosen}; pixels alone AUC "
            f"{auc(y[judged], pixels[judged]):.4f}, fused {auc(y[judged], fused):.4f} ({judged.sum()} rows judged)")
    return probe, fusion, line


def write_number(constant: str, value: float, source: Path) -> None:
    """Replace the number a one-line `constant = number  # comment` assigns in `source` (the comment stays)."""
    replace_once(source, constant, rf"^({constant} = )[-0-9.e]+", lambda m: f"{m.group(1)}{value:g}")


def same_fusion(a: Fusion, b: Fusion | None) -> bool:
    """The same terms with weights and bias within `FUSION_TOLERANCE`."""
    if b is None or [name for name, _ in a[0]] != [name for name, _ in b[0]]:
        return False
    return all(abs(x - y) <= FUSION_TOLERANCE for x, y in zip([w for _, w in a[0]] + [a[1]], [w for _, w in b[0]] + [b[1]], strict=True))


def same_probes(a: AttributeProbes, b: AttributeProbes | None) -> bool:
    if b is None or set(a.probes) != set(b.probes):
        return False
    return all(np.allclose(getattr(a.probes[n], k), getattr(b.probes[n], k), rtol=0,
                           atol=PROBE_TOLERANCE * float(np.abs(getattr(a.probes[n], k)).max()))
               for n in a.probes for k in attributes.PROBE_ARRAYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench_cache" / "issue15", help="the issue-15 harness's cache")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the shipped probes and fusions equal the refit")
    parser.add_argument("--write", action="store_true", help="write the probes file and the fusion constants")
    parser.add_argument("--probes", default=",".join([*FUSIONS, *THRESHOLDS]),
                        help="which probes to refit (comma-separated; the others are kept as shipped)")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    cv2.setNumThreads(1)
    cache = FaceCache(args.cache)
    grids = Grids(args.cache / "grids")
    chosen = set(args.probes.split(","))
    if unknown := sorted(chosen - {*FUSIONS, *THRESHOLDS}):
        sys.exit(f"unknown probe {', '.join(unknown)}; choose from {', '.join([*FUSIONS, *THRESHOLDS])}")
    builders: dict[tuple[str, ...], Callable[[], dict[str, list[Row]]]] = {
        (EYE_CLOSED, EYE_HIDDEN, GLASSES): lambda: eye_rows(cache, PlqMaps(args.cache / "plq"), grids, args.cache),
        (LOWER_FACE_COVERED,): lambda: {LOWER_FACE_COVERED: lower_face_rows(cache, grids)},
        (LOWER_FACE_OBJECT,): lambda: {LOWER_FACE_OBJECT: object_rows(cache, grids)},
        (HEAD_COVERED,): lambda: {HEAD_COVERED: head_rows(cache, grids)},
        (MOUTH_OPEN,): lambda: {MOUTH_OPEN: mouth_rows(cache, grids)},
    }
    rows: dict[str, list[Row]] = {}
    for names, build in builders.items():
        if chosen.intersection(names):
            rows.update({name: r for name, r in build().items() if name in chosen})
    cache.save()
    probes, differ = {}, []
    for name, of_probe in rows.items():
        if name in THRESHOLDS:
            probes[name], threshold, line = fit_warning_probe(name, of_probe)
            constant, module = THRESHOLDS[name]
            same = abs(threshold - getattr(module, constant, math.inf)) <= FUSION_TOLERANCE
            print(line)
            print(f"{constant} = {threshold:g}  # " + ("equals the shipped constant" if same else "DIFFERS from the shipped constant"))
            if not same:
                differ.append(constant)
                if args.write:
                    write_number(constant, threshold, Path(module.__file__))
            continue
        probe, fusion, line = fit_probe(name, of_probe)
        probes[name] = probe
        constant, module = FUSIONS[name]
        same = same_fusion(fusion, getattr(module, constant, None))
        print(line)
        print(as_source(constant, fusion) + ("# equals the shipped constant\n" if same else "# DIFFERS from the shipped constant\n"))
        if not same:
            differ.append(constant)
            if args.write:
                write(constant, fusion, Path(module.__file__))
    shipped = attributes.load_attribute_probes(BACKBONE)
    kept = {} if shipped is None else {name: p for name, p in shipped.probes.items() if name not in chosen}
    fitted = AttributeProbes({**kept, **probes}, {
        "backbone": BACKBONE, "grid": "spatial_features (after the 7th residual block; eye_closed and mouth_open: after the 4th)",
        "l2_grid": list(L2_GRID),
        "rows": {**({} if shipped is None else {n: c for n, c in shipped.meta.get("rows", {}).items() if n in kept}),
                 **{name: len(r) for name, r in rows.items()}},
        "fitted_by": "benchmarks/fit_attribute_probes.py",
        "data": "development halves: benchmarks/labels/*_eyes.csv (LFW, Yale, official portraits), synthetic eye "
                "defects on the dev official portraits, glasses drawn on the dev LFW photos, defects_masks_dev, "
                "identity_lfw_dev (with benchmarks/labels/lfw_head_covering.csv, lfw_mouth.csv and lfw_face_occluders.csv), "
                "portraits_official "
                "(with official_mouth.csv, the bundled test portraits left out), defects_yale (expressions)",
    })
    if not same_probes(fitted, shipped):
        differ.append(PROBES_PATH.name)
        if args.write:
            fitted.save(PROBES_PATH)
    print("probes file " + ("DIFFERS from the refit" if PROBES_PATH.name in differ else "equals the refit"))
    if args.check and differ:
        sys.exit(f"shipped {', '.join(differ)} differ from the refit")


if __name__ == "__main__":
    main()
