"""Orchestrates the evaluation and writes CSV, Markdown and PNG figures into one folder.

    from pfiq_desktop.evaluation.run import evaluate, QUICK, FULL
    summary = evaluate(Path("../shared/data/faces"), Path("eval_out"), QUICK)
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR, MAP_METHODS
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.icao.regions import REGION_NAMES
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.engine.quality import ESTIMATORS, EmbeddingNetwork, QualityEstimator, make_estimator
from pfiq_desktop.evaluation import curves, defects, deviation, edc, figures, occlusion, stability
from pfiq_desktop.evaluation.data import (
    Chip,
    face_hull_mask,
    held_out_portraits,
    identity_photos,
    lfw_test_half,
    load_chips,
    to_tensor,
)
from pfiq_desktop.evaluation.maps import RANDOM, MapMaker

log = logging.getLogger(__name__)

DEFAULT_ESTIMATOR = DEFAULT_QUALITY_ESTIMATOR


@dataclass(frozen=True)
class Config:
    name: str
    methods: tuple[str, ...]
    curve_orl_identities: int  # one probe + one reference photo per identity
    curve_public_figures: bool
    quality_curves: bool
    occlusion_portraits: int
    edc_orl_identities: int | None
    edc_per_identity: int | None
    edc_yale_subjects: int
    edc_lfw_identities: int  # identities of the LFW test half (0: none)
    edc_boots: int
    stability_portraits: int
    stability_estimators: tuple[str, ...]
    estimators: tuple[str, ...]
    yale_subjects: int
    yale_methods: tuple[str, ...]
    misc_methods: tuple[str, ...]
    deviation_portraits: int | None = None  # per part (dev, test); None = all
    deviation_positions: int = 2  # random places per occluder kind and portrait
    deviation_yale: bool = True
    seed: int = 0


QUICK = Config(
    name="quick",
    methods=("gradient", "gradient_x_input"),
    curve_orl_identities=3,
    curve_public_figures=False,
    quality_curves=False,
    occlusion_portraits=3,
    edc_orl_identities=4,
    edc_per_identity=3,
    edc_yale_subjects=2,
    edc_lfw_identities=0,
    edc_boots=200,
    stability_portraits=4,
    stability_estimators=("learned-head", "probe-ensemble"),
    estimators=("learned-head", "probe-ensemble"),
    yale_subjects=1,
    yale_methods=("gradient",),
    misc_methods=(),
    deviation_portraits=3,
    deviation_positions=1,
    deviation_yale=False,
)
FULL = Config(
    name="full",
    methods=tuple(MAP_METHODS),
    curve_orl_identities=5,
    curve_public_figures=True,
    quality_curves=True,
    occlusion_portraits=6,
    edc_orl_identities=None,
    edc_per_identity=4,
    edc_yale_subjects=15,
    edc_lfw_identities=100,
    edc_boots=1000,
    stability_portraits=40,
    stability_estimators=("learned-head", "probe-ensemble", "flip", "norm"),
    estimators=tuple(ESTIMATORS),
    yale_subjects=6,
    yale_methods=("gradient", "smoothgrad", "gradient_x_input"),
    misc_methods=tuple(MAP_METHODS),
)


@dataclass
class Context:
    data: Path
    out: Path
    config: Config
    net: EmbeddingNetwork
    detector: FaceDetector
    maker: MapMaker
    log: Callable[[str], None]
    seconds: dict[str, float] = field(default_factory=dict)


def _write_csv(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[f"{v:.6g}" if isinstance(v, float) else v for v in row] for row in rows])


def _md_table(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    fmt = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in fmt])


# ----------------------------------------------------------------------------- curves


def run_curves(ctx: Context) -> tuple[dict[str, Any], str]:
    cfg = ctx.config
    paths, ids = identity_photos(ctx.data, per_identity=2, identities=cfg.curve_orl_identities)
    if not cfg.curve_public_figures:
        keep = [i for i, label in enumerate(ids) if label.startswith("identity_orl")]
        paths, ids = [paths[i] for i in keep], [ids[i] for i in keep]
    chips = load_chips(paths, ids, ctx.detector)
    pairs: list[tuple[Chip, Chip]] = []
    for identity in dict.fromkeys(c.identity for c in chips):
        same = [c for c in chips if c.identity == identity]
        if len(same) >= 2:
            pairs.append((same[0], same[1]))
    ctx.log(f"curves: {len(pairs)} probe/reference pairs, methods {', '.join(cfg.methods)}")
    probes = to_tensor([p.pixels for p, _ in pairs])
    with torch.no_grad():
        refs = F.normalize(ctx.net(to_tensor([r.pixels for _, r in pairs])), dim=1)
    maps = {m: ctx.maker.plq(probes, m) for m in cfg.methods}
    maps[RANDOM] = ctx.maker.plq(probes, RANDOM, seed=cfg.seed + 1)
    orders = {m: maps[m] for m in cfg.methods} | {f"{m} inverse": -maps[m] for m in cfg.methods} | {RANDOM: maps[RANDOM]}
    base = curves.blurred(probes)
    results: dict[str, dict[str, dict[str, list[np.ndarray]]]] = {"deletion": {"genuine": {}, "quality": {}}, "insertion": {"genuine": {}}}
    for k in range(len(pairs)):
        for order, plq in orders.items():
            masks = curves.order_masks(plq[k], seed=cfg.seed + k)
            for mode in ("deletion", "insertion"):
                images = curves.curve_images(probes[k], base[k], masks, insertion=mode == "insertion")
                results[mode]["genuine"].setdefault(order, []).append(curves.genuine_scores(ctx.net, images, refs[k]))
                if mode == "deletion" and cfg.quality_curves and not order.endswith("inverse"):
                    results[mode]["quality"].setdefault(order, []).append(ctx.maker.qualities(images))
    rows: list[list[object]] = []
    summary: dict[str, Any] = {}
    md_rows: list[list[object]] = []
    for mode, utilities in results.items():
        for utility, by_order in utilities.items():
            for order, values in by_order.items():
                mean = np.mean(values, axis=0)
                area = curves.auc(mean)
                per_face = [curves.auc(v) for v in values]
                summary.setdefault(mode, {}).setdefault(utility, {})[order] = area
                rows += [[mode, utility, order, float(f), float(v)] for f, v in zip(curves.FRACTIONS, mean)]
                md_rows.append([mode, utility, order, area, float(np.std(per_face) / np.sqrt(len(per_face)))])
            if by_order:
                series = {o: (curves.FRACTIONS * 100, np.mean(v, axis=0)) for o, v in by_order.items()}
                styles = {}
                for i, m in enumerate(cfg.methods):
                    styles[m] = (figures.PALETTE[i], False)
                    styles[f"{m} inverse"] = (figures.PALETTE[i], True)
                styles[RANDOM] = ((0, 0, 0), True)
                label = "genuine cosine score" if utility == "genuine" else "calibrated quality"
                img = figures.line_chart(
                    series,
                    f"{mode.title()} curve ({label}), {len(pairs)} faces",
                    "% of chip pixels " + ("removed" if mode == "deletion" else "restored"),
                    label,
                    styles=styles,
                    size=(640, 420),
                )
                figures.save_png(ctx.out / f"fig_{mode}_{utility}.png", img)
    _write_csv(ctx.out / "curves.csv", ["curve", "utility", "order", "fraction", "mean_utility"], rows)
    md = (
        f"### Deletion / insertion ({len(pairs)} probe faces; removal = Gaussian blur sigma {curves.REMOVAL_SIGMA:g} of the chip)\n\n"
        "AUC = mean utility over 0-50 % (deletion: lower is better; insertion: higher is better); "
        "se = standard error over faces.\n\n" + _md_table(["curve", "utility", "order", "AUC", "se"], md_rows)
        + "\n\nFigures: fig_deletion_genuine.png, fig_insertion_genuine.png"
        + (", fig_deletion_quality.png" if cfg.quality_curves else "") + "\n"
    )
    return summary, md


# -------------------------------------------------------------------------- occlusion


def run_occlusion(ctx: Context) -> tuple[dict[str, Any], str]:
    cfg = ctx.config
    paths = held_out_portraits(ctx.data, cfg.occlusion_portraits)
    chips = load_chips(paths, [p.stem for p in paths], ctx.detector)
    rng = np.random.default_rng(cfg.seed)
    occluded, masks, owners, kinds = [], [], [], []
    for index, chip in enumerate(chips):
        hull = face_hull_mask(chip.landmarks)
        for kind in occlusion.OCCLUDERS:
            img, m = occlusion.occlude(chip.pixels, chip.landmarks, hull, kind, rng)
            occluded.append(img)
            masks.append(m)
            owners.append(index)
            kinds.append(kind)
    ctx.log(f"occlusion: {len(chips)} portraits x {len(occlusion.OCCLUDERS)} occluders")
    methods = [*cfg.methods, RANDOM]
    clean_t, occ_t = to_tensor([c.pixels for c in chips]), to_tensor(occluded)
    regions = [occlusion.region_masks(c.landmarks) for c in chips]
    faces = [face_hull_mask(c.landmarks) | np.any(list(r.values()), axis=0) for c, r in zip(chips, regions)]
    results: dict[str, list[tuple[str, occlusion.Localisation]]] = {}
    example_maps: dict[str, np.ndarray] = {}
    for method in methods:
        clean_maps = ctx.maker.plq(clean_t, method, seed=cfg.seed + 7)
        occ_maps = ctx.maker.plq(occ_t, method, seed=cfg.seed + 8)
        example_maps[method] = occ_maps
        results[method] = [
            (kinds[i], occlusion.localise(occ_maps[i], clean_maps[owners[i]], masks[i], regions[owners[i]], faces[owners[i]]))
            for i in range(len(occluded))
        ]
    rows: list[list[object]] = []
    summary: dict[str, Any] = {}
    for method, items in results.items():
        for kind in ("all", *occlusion.OCCLUDERS):
            sel = [loc for k, loc in items if kind in ("all", k)]
            entry = {
                "lowest_third": float(np.mean([s.lowest_third for s in sel])),
                "pointing": float(np.mean([s.pointing_hit for s in sel])),
                "pointing_chance": float(np.mean([s.pointing_chance for s in sel])),
                "ratio_below_1": float(np.mean([s.ratio < 1 for s in sel])),
                "median_ratio": float(np.median([s.ratio for s in sel])),
                "n": len(sel),
            }
            summary.setdefault(method, {})[kind] = entry
            rows.append([method, kind, *entry.values()])
    header = ["method", "occluder", "lowest_third", "pointing", "pointing_chance", "ratio_below_1", "median_ratio", "n"]
    _write_csv(ctx.out / "occlusion.csv", header, rows)
    groups = ["all", *occlusion.OCCLUDERS]
    for metric, title in (
        ("pointing", "Pointing game: lowest-PLQ region hits the occluder"),
        ("lowest_third", "Occluder mean PLQ in the lowest third of regions"),
    ):
        values = {m: [summary[m][g][metric] for g in groups] for m in methods}
        reference = {m: [summary[m][g]["pointing_chance"] for g in groups] for m in methods} if metric == "pointing" else None
        figures.save_png(
            ctx.out / f"fig_occlusion_{metric}.png",
            figures.bar_chart(groups, values, title, "fraction of faces", size=(720, 380), reference=reference, ymax=1.0),
        )
    tiles = []
    first = [next(i for i, k in enumerate(kinds) if k == kind) for kind in occlusion.OCCLUDERS]
    for i in first:
        row = [figures.labelled_tile(occluded[i], kinds[i])]
        row += [figures.labelled_tile(figures.plq_overlay(occluded[i], example_maps[m][i]), m) for m in cfg.methods]
        tiles.append(row)
    figures.save_png(ctx.out / "fig_occlusion_examples.png", figures.grid(tiles, "Occluded chip | PLQ per map method (red = low PLQ)"))
    md_rows = [
        [m, *[summary[m]["all"][k] for k in ("lowest_third", "pointing", "pointing_chance", "ratio_below_1", "median_ratio")]]
        for m in methods
    ]
    md = (
        f"### Occlusion localisation ({len(chips)} held-out portraits x {len(occlusion.OCCLUDERS)} occluders = {len(occluded)} faces)\n\n"
        + _md_table(["method", "lowest third", "pointing", "pointing chance", "occluded<clean", "median ratio"], md_rows)
        + (
            "\n\nPer occluder: occlusion.csv. "
            "Figures: fig_occlusion_pointing.png, fig_occlusion_lowest_third.png, fig_occlusion_examples.png\n"
        )
    )
    return summary, md


# -------------------------------------------------------------------------------- EDC


def _edc_sets(ctx: Context) -> dict[str, tuple[list[Path], list[str]]]:
    """The identity sets of the EDC: ORL and Yale as configured, and the LFW half not used for tuning; a set is
    named by the data folders it drew from, so the bundled stand-ins (bundled.py) are not reported as ORL."""
    cfg = ctx.config
    sets: dict[str, tuple[list[Path], list[str]]] = {}
    if cfg.edc_lfw_identities:
        sets["identity_lfw_dev, test half"] = lfw_test_half(ctx.data, cfg.edc_lfw_identities, cfg.edc_per_identity)
    paths, ids = identity_photos(ctx.data, per_identity=cfg.edc_per_identity, identities=cfg.edc_orl_identities)
    for row in defects.yale_labels(ctx.data):
        if int(row["subject"][-2:]) <= cfg.edc_yale_subjects and (not row["identical_to"] or row["file"] < row["identical_to"]):
            paths.append(ctx.data / "defects_yale" / row["file"])
            ids.append(f"defects_yale/{row['subject']}")
    sets[" + ".join(sorted({identity.split("/")[0] for identity in ids}))] = (paths, ids)
    return sets


def run_edc(ctx: Context) -> tuple[dict[str, Any], str]:
    """ISO/IEC 29794-1 EDC of every configured estimator on each identity set (edc.py)."""
    cfg = ctx.config
    summary: dict[str, Any] = {}
    rows: list[list[object]] = []
    md = ["### Scalar quality: error-versus-discard (EDC, ISO/IEC 29794-1)\n",
          "Threshold fixed at the FMR over all impostor pairs before discarding; pair quality = the lower of the two; "
          "ratio = partial EDC area over 0-20 % discarded / the random ordering's (1 = random, lower = better; "
          "'ideal' = the floor: failing pairs discarded first); FNMR 10 % = after discarding the 10 % lowest pairs; "
          f"[95 % bootstrap interval over identities, {cfg.edc_boots} resamples].\n"]
    for set_index, (set_name, (paths, ids)) in enumerate(_edc_sets(ctx).items()):
        chips = load_chips(paths, ids, ctx.detector)
        labels = np.array([c.identity for c in chips])
        if len(set(labels)) < 2 or not np.any(np.unique(labels, return_counts=True)[1] > 1):
            md.append(f"\n{set_name}: too few photos with a face for genuine and impostor pairs.\n")
            continue
        batch = to_tensor([c.pixels for c in chips])
        with torch.no_grad():
            emb = torch.cat([ctx.net(p) for p in torch.split(batch, 32)]).numpy()
        comparisons = edc.compare_all(emb, labels)
        ctx.log(f"edc: {set_name}: {len(chips)} faces of {len(set(labels))} identities, {len(comparisons.scores)} genuine pairs")
        qualities: dict[str, np.ndarray] = {}
        seconds: dict[str, float] = {}
        for name in cfg.estimators:
            estimator = make_estimator(name)
            start = time.perf_counter()
            with torch.no_grad():  # one face per call, as the application analyses one photo at a time
                qualities[name] = np.array([float(estimator.raw(ctx.net, batch[k : k + 1]).item()) for k in range(len(batch))])
            seconds[name] = (time.perf_counter() - start) / len(chips)
        for fmr in edc.FMRS:
            results = {name: edc.evaluate_edc(comparisons, q, fmr, boots=cfg.edc_boots, seed=cfg.seed) for name, q in qualities.items()}
            first = next(iter(results.values()))
            series = {name: (edc.DISCARD_GRID * 100, r.curve) for name, r in results.items()}
            series["random"] = (edc.DISCARD_GRID * 100, np.full(len(edc.DISCARD_GRID), first.fnmr))
            series["ideal"] = (edc.DISCARD_GRID * 100, first.ideal)
            figures.save_png(
                ctx.out / f"fig_edc_set{set_index}_fmr{fmr:g}.png",
                figures.line_chart(
                    series,
                    f"EDC, {set_name}, FMR={fmr:g} ({first.errors} errors in {first.pairs} genuine pairs)",
                    "% of genuine pairs discarded (lowest quality)",
                    "FNMR",
                    styles={"random": ((0, 0, 0), True), "ideal": ((120, 120, 120), True)},
                ),
            )
            md.append(f"\n**{set_name}**, FMR {fmr:g} (threshold {first.threshold:.4f}): {len(chips)} faces, "
                      f"{first.errors} false non-matches in {first.pairs} genuine pairs (FNMR {100 * first.fnmr:.2f} %), "
                      f"ideal ratio {first.ideal_ratio:.3f}. Figure: fig_edc_set{set_index}_fmr{fmr:g}.png\n\n")
            md_rows = []
            for name, r in results.items():
                entry = {"ratio": r.ratio, "ratio_ci": list(r.ratio_ci), "fnmr": r.fnmr, "fnmr_10": r.fnmr_10,
                         "fnmr_10_ci": list(r.fnmr_10_ci), "ideal_ratio": r.ideal_ratio, "errors": r.errors,
                         "pairs": r.pairs, "ms_per_face": 1000 * seconds[name]}
                summary.setdefault(set_name, {}).setdefault(name, {})[f"fmr{fmr:g}"] = entry
                rows += [[set_name, name, fmr, float(f), float(v)] for f, v in zip(edc.DISCARD_GRID, r.curve)]
                md_rows.append([name, f"{r.ratio:.3f} [{r.ratio_ci[0]:.3f}, {r.ratio_ci[1]:.3f}]",
                                f"{100 * r.fnmr:.2f} % -> {100 * r.fnmr_10:.2f} % [{100 * r.fnmr_10_ci[0]:.2f}, "
                                f"{100 * r.fnmr_10_ci[1]:.2f}]", 1000 * seconds[name]])
            md.append(_md_table(["estimator", "pAUC 0-20 % / random", "FNMR -> FNMR 10 % discarded", "ms/face"], md_rows) + "\n")
    _write_csv(ctx.out / "edc.csv", ["set", "estimator", "fmr", "discarded", "fnmr"], rows)
    return summary, "".join(md)


# --------------------------------------------------------------------------- stability


def run_stability(ctx: Context) -> tuple[dict[str, Any], str]:
    """Test-retest of every configured estimator under the harmless changes (stability.py) on held-out portraits."""
    cfg = ctx.config
    paths = held_out_portraits(ctx.data, cfg.stability_portraits)
    photos = []
    for path in paths:
        try:
            photos.append(load_image(path))
        except ImageLoadError as error:  # unreadable photo: skipped, the evaluation goes on
            log.warning("stability skips %s: %s", path, error)
            continue
    ctx.log(f"stability: {len(photos)} portraits x {len(stability.HARMLESS_CHANGES)} changes")
    calibration = load_calibration()
    summary: dict[str, Any] = {}
    md_rows = []
    for name in cfg.stability_estimators:
        estimator = make_estimator(name)

        def raw_quality(rgb: np.ndarray, estimator: QualityEstimator = estimator) -> float | None:
            faces = ctx.detector.detect(rgb)
            if not faces:
                return None
            chip = extract_chip(rgb, chip_transform(faces[0].landmarks5))
            with torch.no_grad():
                return float(estimator.raw(ctx.net, to_tensor([chip])).item())

        results = stability.retest(photos, raw_quality, calibration.quality(name).many)
        summary[name] = {r.change: {"spearman": r.spearman, "mean_abs_gauge_change": r.mean_abs_gauge_change,
                                    "found": r.found} for r in results}
        md_rows.append([name, *[f"{r.spearman:.3f} ({r.mean_abs_gauge_change:.3f})" for r in results]])
    md = (
        f"### Scalar quality: test-retest under harmless changes ({len(photos)} held-out portraits)\n\n"
        "Spearman correlation of the raw quality before and after each change (mean |change| on the 0..1 gauge); "
        "the photo is detected and aligned again after the change.\n\n"
        + _md_table(["estimator", *stability.HARMLESS_CHANGES], md_rows) + "\n"
    )
    return summary, md


# ----------------------------------------------------------------------------- defects


def run_defects(ctx: Context) -> tuple[dict[str, Any], str]:
    cfg = ctx.config
    pairs = defects.yale_pairs(ctx.data, cfg.yale_subjects)
    files = sorted({p for _, ref, d in pairs for p in (ref, d)})
    chips = {c.path: c for c in load_chips(files, [f.stem for f in files], ctx.detector)}
    ctx.log(f"defects: {len(pairs)} Yale pairs ({len(chips)} of {len(files)} photos with a face)")
    ordered = [chips[f] for f in files if f in chips]
    batch = to_tensor([c.pixels for c in ordered])
    index = {c.path: i for i, c in enumerate(ordered)}
    summary, rows, md = {}, [], ""
    tags = sorted({t for t, _, _ in pairs})
    maps_by_method = {}
    for method in cfg.yale_methods:
        maps = ctx.maker.plq(batch, method)
        maps_by_method[method] = maps
        means = []
        for c in ordered:
            regs = occlusion.region_masks(c.landmarks)
            means.append({n: float(maps[index[c.path]][m].mean()) if m.any() else float("nan") for n, m in regs.items()})
        deltas: dict[str, list[list[float]]] = {t: [] for t in tags}
        for tag, ref, d in pairs:
            if ref in index and d in index:
                deltas[tag].append([means[index[d]][n] - means[index[ref]][n] for n in REGION_NAMES])
        matrix = np.array([np.nanmean(deltas[t], axis=0) if deltas[t] else [np.nan] * len(REGION_NAMES) for t in tags])
        summary[method] = {t: dict(zip(REGION_NAMES, map(float, matrix[k]))) for k, t in enumerate(tags)}
        for k, t in enumerate(tags):
            rows.append([method, t, len(deltas[t]), *map(float, matrix[k])])
        figures.save_png(
            ctx.out / f"fig_defects_regions_{method}.png",
            figures.heatmap(
                matrix, tags, list(REGION_NAMES), f"Yale: region PLQ change vs the subject's normal photo ({method})", limit=0.3
            ),
        )
        md += f"\n**{method}** (mean PLQ change per region, defect minus the same subject's normal photo):\n\n"
        md += _md_table(["defect", "n", *REGION_NAMES], [[t, len(deltas[t]), *map(float, matrix[k])] for k, t in enumerate(tags)]) + "\n"
    _write_csv(ctx.out / "defects.csv", ["method", "defect", "n", *REGION_NAMES], rows)
    # photo | map grid for the first subject
    tiles = []
    first_subject = [(t, ref, d) for t, ref, d in pairs if ref == pairs[0][1]] if pairs else []
    shown = [("reference_normal", first_subject[0][1])] + [(t, d) for t, _, d in first_subject] if first_subject else []
    for tag, path in shown:
        if path not in index:
            continue
        c = ordered[index[path]]
        row = [figures.labelled_tile(c.pixels, tag)]
        row += [figures.labelled_tile(figures.plq_overlay(c.pixels, maps_by_method[m][index[path]]), m) for m in cfg.yale_methods]
        tiles.append(row)
    if tiles:
        figures.save_png(ctx.out / "fig_defects_yale_grid.png", figures.grid(tiles, "Yale subject: photo | PLQ (red = low)"))
    if cfg.misc_methods:
        misc_paths = [ctx.data / "defects_misc" / f for f in defects.MISC_SHOWN]
        misc = load_chips(misc_paths, [p.stem for p in misc_paths], ctx.detector)
        if misc:
            mt = to_tensor([c.pixels for c in misc])
            mmaps = {m: ctx.maker.plq(mt, m) for m in cfg.misc_methods}
            tiles = [
                [figures.labelled_tile(c.pixels, c.path.stem)]
                + [figures.labelled_tile(figures.plq_overlay(c.pixels, mmaps[m][i]), m) for m in cfg.misc_methods]
                for i, c in enumerate(misc)
            ]
            figures.save_png(
                ctx.out / "fig_defects_misc_grid.png", figures.grid(tiles, "Real occlusions (defects_misc): chip | PLQ per map method")
            )
    header = f"### ICAO defects (defects_yale, {cfg.yale_subjects} subjects; {len(pairs)} defect photos)\n"
    figs = (
        "\nFigures: "
        + ", ".join(f"fig_defects_regions_{m}.png" for m in cfg.yale_methods)
        + ", fig_defects_yale_grid.png"
        + (", fig_defects_misc_grid.png" if cfg.misc_methods else "")
        + "\n"
    )
    return summary, header + md + figs


# ------------------------------------------------------------------------------- main


def run_deviation(ctx: Context) -> tuple[dict[str, Any], str]:
    """The deviation map through the Analyzer, on dev and test portraits outside its reference (evaluation/deviation.py)."""
    from pfiq_desktop.engine import Analyzer

    analyzer = Analyzer(device="cpu")
    if analyzer.deviation_reference is None:
        return {}, "### Deviation map\n\nNo reference of compliant faces for this backbone and map method.\n"
    cfg = ctx.config
    summary: dict[str, Any] = {}
    sections = []
    for part, paths in deviation.portrait_split(ctx.data, analyzer.deviation_reference.meta["photos"]).items():
        chosen = paths[: cfg.deviation_portraits]
        summary[part] = deviation.evaluate_portraits(chosen, analyzer.analyse, cfg.deviation_positions, cfg.seed, ctx.log)
        tuned = "tuned on these" if part == "dev" else "held out: never tuned on"
        sections.append(deviation.markdown(summary[part], f"{part}, {tuned}"))
    if cfg.deviation_yale and (ctx.data / "defects_yale").is_dir():
        summary["yale"] = deviation.evaluate_yale(ctx.data / "defects_yale", analyzer.analyse, ctx.log)
        sections.append(deviation.yale_markdown(summary["yale"]))
    return summary, "\n".join(sections)


def evidence_ranking(summary: dict[str, Any], methods: tuple[str, ...]) -> list[list[str | float]]:
    """Per map method: how far each criterion beats the random map (positive = better than random)."""
    curves_s, occ = summary["curves"], summary["occlusion"]
    rows = []
    for m in methods:
        rows.append([
            m,
            curves_s["deletion"]["genuine"][RANDOM] - curves_s["deletion"]["genuine"][m],
            curves_s["insertion"]["genuine"][m] - curves_s["insertion"]["genuine"][RANDOM],
            (curves_s["deletion"].get("quality", {}).get(RANDOM, np.nan) - curves_s["deletion"].get("quality", {}).get(m, np.nan)),
            occ[m]["all"]["pointing"] - occ[RANDOM]["all"]["pointing"],
            occ[m]["all"]["lowest_third"] - occ[RANDOM]["all"]["lowest_third"],
            1000 * summary["seconds_per_face"].get(m, np.nan),
        ])
    return rows


def evaluate(
    data: Path, out: Path, config: Config = QUICK, log: Callable[[str], None] = print, threads: int = 2, about: str = ""
) -> dict[str, Any]:
    """Run every part of the evaluation; returns the summary (also written as summary.json).

    `about` says what `data` is when it is not the face data (bundled.py), at the top of the report."""
    torch.set_num_threads(threads)
    torch.manual_seed(config.seed)
    out.mkdir(parents=True, exist_ok=True)
    if not data.exists():
        raise FileNotFoundError(f"face data not found at {data}")
    start = time.perf_counter()
    net = load_dlib_resnet(torch.device("cpu"))
    calibration = load_calibration()
    maker = MapMaker(net, make_estimator(DEFAULT_ESTIMATOR), calibration)
    ctx = Context(data, out, config, net, FaceDetector(), maker, log)
    summary: dict[str, Any] = {"config": asdict(config), "data": about or str(data)}
    sections = []
    parts = (("curves", run_curves), ("occlusion", run_occlusion), ("edc", run_edc), ("stability", run_stability),
             ("defects", run_defects), ("deviation", run_deviation))
    for name, part in parts:
        t = time.perf_counter()
        summary[name], md = part(ctx)
        ctx.seconds[name] = time.perf_counter() - t
        log(f"{name}: {ctx.seconds[name]:.0f} s")
        sections.append(md)
    summary["seconds_per_face"] = {m: maker.seconds_per_face(m) for m in config.methods}
    summary["seconds"] = ctx.seconds | {"total": time.perf_counter() - start}
    ranking = evidence_ranking(summary, config.methods)
    summary["ranking"] = {r[0]: r[1:] for r in ranking}
    _write_csv(out / "timing.csv", ["map_method", "seconds_per_face"], [[m, summary["seconds_per_face"][m]] for m in config.methods])
    report = [
        f"# PFIQ evaluation ({config.name} mode)\n",
        *([about + "\n"] if about else []),
        f"Backbone {calibration.backbone}; quality estimator for the maps and quality curves: {DEFAULT_ESTIMATOR}. "
        f"Total {summary['seconds']['total']:.0f} s on CPU ({threads} threads).\n",
        "## Map methods against the random map (positive = better than random)\n",
        _md_table(
            ["method", "deletion AUC gain", "insertion AUC gain", "quality-deletion gain", "pointing gain", "lowest-third gain", "ms/face"],
            ranking,
        ),
        "",
        *sections,
        "\nStage seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in summary["seconds"].items()) + "\n",
    ]
    (out / "report.md").write_text("\n".join(report), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=float), encoding="utf-8")
    return summary
