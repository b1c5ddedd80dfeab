"""`pfiq calibrate --backbone FILE --faces DIR`: measure a backbone's quality and map constants on clean photos.

The constants (the scalar quality's logistic per estimator, PLQ's a and b per map
method) are written into the model's TOML sidecar below a marker line; the built-in
backbone's shipped constants are never overwritten: for it the command only reports how
far its measurement lies from them. The method: pfiq_desktop/engine/calibration_run.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pfiq_desktop.cli.common import (
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PHOTO_PROBLEM,
    EXIT_USAGE,
    device_option,
    error,
    parse_list,
    positive_int,
    print_table,
    printable,
    report_skipped,
)

MIN_FACES = 5  # fewer clean faces give no meaningful medians


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pfiq_desktop.engine.defaults import DEFAULT_BACKBONE, MAP_METHODS, QUALITY_ESTIMATORS

    parser = commands.add_parser("calibrate", help="measure a backbone's quality and map constants on clean photos "
                                                   "and write them into its sidecar")
    parser.add_argument("--backbone", required=True, help=f"the model file (.onnx, .pt) with its .toml sidecar, or {DEFAULT_BACKBONE} "
                                                         "(reports the built-in constants' reproduction; writes nothing)")
    parser.add_argument("--faces", required=True, help="folder of clean, compliant photos (one face each; 40 or more is best)")
    parser.add_argument("--estimators", type=lambda t: parse_list(t, list(QUALITY_ESTIMATORS)), default=None,
                        help="comma list of quality estimators to calibrate (default: every training-free one; ser-fiq only "
                             f"when the backbone has a dropout point; none for the built-in network): {', '.join(QUALITY_ESTIMATORS)}")
    parser.add_argument("--maps", type=lambda t: parse_list(t, list(MAP_METHODS)), default=None,
                        help=f"comma list of map methods to calibrate (default: all): {', '.join(MAP_METHODS)}")
    parser.add_argument("--limit", type=positive_int, default=None, help="use at most this many photos (sorted by name)")
    parser.add_argument("--device", type=device_option, default="cpu", help="where the network runs (default cpu)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.engine.analyzer import resolve_device
    from pfiq_desktop.engine.backbones import BackboneLoadError
    from pfiq_desktop.engine.backbones.external import write_calibration
    from pfiq_desktop.engine.backbones.registry import USER_BACKBONE_ESTIMATOR, load_backbone
    from pfiq_desktop.engine.calibration_run import (
        CALIBRATABLE,
        MIN_REFERENCE_FACES,
        as_tables,
        calibrate,
        collect_faces,
        write_deviation_reference,
    )
    from pfiq_desktop.engine.defaults import DEFAULT_MAP_METHOD, DEFAULT_QUALITY_ESTIMATOR, MAP_METHODS
    from pfiq_desktop.engine.discovery import find_images
    from pfiq_desktop.engine.faces import FaceDetector

    try:
        backbone = load_backbone(args.backbone, resolve_device(args.device))
    except (BackboneLoadError, RuntimeError, ValueError) as problem:
        error(str(problem))
        return EXIT_USAGE
    found = find_images([args.faces])
    report_skipped(found.skipped)
    paths = sorted(found.files)[: args.limit]
    if not paths:
        error(f"no photos found in {args.faces}")
        return EXIT_USAGE
    spec = backbone.spec
    # the built-in network's gauges come from identity sets (benchmarks/train_quality_head.py): only its maps are measured
    default_estimators = [] if spec.builtin else [name for name in CALIBRATABLE if name != "ser-fiq" or spec.dropout_at]
    estimators = args.estimators or default_estimators
    if "ser-fiq" in estimators and not spec.dropout_at:
        error(f"{spec.name} has no dropout point (dropout_at in its sidecar), so ser-fiq cannot be calibrated")
        return EXIT_USAGE
    if "learned-head" in estimators and not spec.builtin:
        error("the learned-head estimator is trained for the built-in network; choose training-free estimators")
        return EXIT_USAGE
    map_estimator = DEFAULT_QUALITY_ESTIMATOR if spec.builtin else USER_BACKBONE_ESTIMATOR
    maps = args.maps or list(MAP_METHODS)
    skipped: list[str] = []
    faces = collect_faces(paths, FaceDetector(), spec.alignment, skipped)
    for line in skipped:
        print(f"skipped {printable(line)}")
    if len(faces) < MIN_FACES:
        error(f"only {len(faces)} usable faces in {args.faces}; calibration needs at least {MIN_FACES}")
        return EXIT_USAGE
    print(f"calibrating {spec.name} ({spec.alignment.template} {spec.input_size}x{spec.input_size}) on {len(faces)} faces")
    known = backbone.calibration.data.get("quality")
    try:
        result = calibrate(backbone.net, faces, estimators, maps, map_estimator, known)
    except ValueError as problem:
        error(str(problem))
        return EXIT_USAGE
    previous = backbone.calibration.data
    _report(result.quality, previous.get("quality", {}), ("centre", "slope"), "quality estimator", "built-in" if spec.builtin else "before")
    _report(result.plq, previous.get("plq", {}), ("a", "b"), "map method", "built-in" if spec.builtin else "before")
    done = EXIT_PHOTO_PROBLEM if skipped or found.skipped else EXIT_OK  # as every command: a photo had a problem
    if spec.builtin:
        print("built-in backbone: its shipped constants are not changed (benchmarks/calibrate.py writes them)")
        return done
    if result.deviation is None and DEFAULT_MAP_METHOD in maps:
        print(f"warning: only {len(faces)} usable faces; the deviation map's compliant-face reference needs at least "
              f"{MIN_REFERENCE_FACES}, so none is written (the PLQ map is shown instead)")
    try:
        deviation = None if result.deviation is None else write_deviation_reference(Path(args.backbone), result.deviation)
        tables = as_tables(result, f"{len(faces)} faces from {Path(args.faces).resolve()}", deviation)
        # keep constants of estimators and map methods this run did not measure
        tables["quality"] = {**previous.get("quality", {}), **tables["quality"]}
        tables["plq"] = {**previous.get("plq", {}), **tables["plq"]}
        written = write_calibration(Path(args.backbone), tables)
    except (OutputError, OSError) as failure:
        error(str(failure))
        return EXIT_OUTPUT
    if deviation and result.deviation is not None:
        print(f"deviation reference ({result.deviation.mean.shape[0]} px chip, {result.faces} faces) written to "
              f"{printable(deviation['deviation_reference'])}")
    print(f"written into {printable(str(written))}")
    return done


def _report(measured: dict[str, dict[str, float]], before: dict[str, Any], keys: tuple[str, str], label: str, against: str) -> None:
    """One row per estimator or map method: the two constants and their relative change from `against`."""
    rows = []
    for name, entry in measured.items():
        old = before.get(name, {})
        change = max((abs(entry[k] / old[k] - 1) for k in keys if old.get(k)), default=None)
        rows.append((name, f"{entry[keys[0]]:.6g}", f"{entry[keys[1]]:.6g}", "-" if change is None else f"{change:.1e}"))
    if rows:
        print_table(rows, (label, keys[0], keys[1], f"rel. change vs {against}"), (20, 14, 14))
