"""`pfiq` command line: analyse photos in batch, print embeddings.

Exit codes: 0 all photos analysed with a face, 1 some photo failed (unreadable,
no face), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.evaluation.cli import add_evaluate_command
from pfiq_desktop.progress import print_progress
from pfiq_desktop.reports.cli_report import add_report_command

FORMATS = ("json", "png")


def _parse_formats(text: str, allowed: tuple[str, ...]) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(allowed))
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"formats must be a comma list of {', '.join(allowed)}")
    return formats


def command_analyse(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError, write_text_atomic
    from pfiq_desktop.engine.analyzer import Analyzer
    from pfiq_desktop.engine.discovery import expand_image_paths
    from pfiq_desktop.engine.imageio import load_image
    from pfiq_desktop.reports.naming import unique_stems
    from pfiq_desktop.reports.overview_png import render_overview, save_png

    paths = expand_image_paths(args.paths, recursive=args.recursive)
    if not paths:
        print("No images found in the given paths.", file=sys.stderr)
        return 1
    out = Path(args.out)
    try:
        analyzer = Analyzer(
            device=args.device, profile=args.profile, quality_estimator=args.quality, map_method=args.map_method
        )
    except (ValueError, RuntimeError) as error:  # unknown estimator, map method or profile; no CUDA
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows: list[tuple[str, str, str, str, str]] = []
    failures = 0
    stems = unique_stems(paths)
    for index, (path, stem, analysis) in enumerate(zip(paths, stems, analyzer.analyse_batch(paths)), start=1):
        problem = "; ".join(analysis.errors) or ("" if analysis.faces else "no face found")
        try:
            if "json" in args.formats:
                write_text_atomic(out / f"{stem}.json", analysis.to_json(indent=1))
            if "png" in args.formats and analysis.ok:
                save_png(out / f"{stem}.png", render_overview(load_image(path), analysis))
        except OutputError as error:
            print(f"\nerror: {error}", file=sys.stderr)
            return 1
        failures += bool(problem)
        quality = f"{analysis.faces[0].quality:.2f}" if analysis.faces else "-"
        seconds = f"{analysis.timings.get('total', 0) * 1000:.0f} ms"
        rows.append((path.name, analysis.verdict, quality, str(len(analysis.faces)), problem or seconds))
        print_progress(index, len(paths), f"{path.name[:40]:<40} {analysis.verdict}")
    _print_summary(rows)
    print(f"{len(paths)} photos, {failures} with problems; outputs in {out.resolve()}")
    return 1 if failures else 0


def _print_summary(rows: list[tuple[str, str, str, str, str]]) -> None:
    header = ("file", "verdict", "quality", "faces", "note")
    widths = [min(40, max(len(str(r[i])) for r in [header, *rows])) for i in range(4)]
    for row in [header, *rows]:
        cells = [str(cell)[:width].ljust(width) for cell, width in zip(row[:4], widths)]
        print("  ".join(cells + [row[4]]))


def command_embed(args: argparse.Namespace) -> int:
    from pfiq_desktop.engine.analyzer import Analyzer

    analysis = Analyzer(device=args.device).analyse(args.image)
    if not analysis.ok or not analysis.faces:
        print("; ".join(analysis.errors) or "No face found.", file=sys.stderr)
        return 1
    embedding = np.asarray(analysis.faces[0].embedding, dtype=float)
    print(json.dumps({"file": args.image, "embedding": [round(v, 7) for v in embedding.tolist()]}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pfiq", description=f"{APP_NAME}: explainable face image quality.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    analyse = commands.add_parser("analyse", aliases=["analyze"], help="analyse photos and write JSON/PNG results")
    analyse.add_argument("paths", nargs="+", help="image files or folders")
    analyse.add_argument("--out", required=True, help="output folder")
    analyse.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    analyse.add_argument("--format", dest="formats", default="json,png", type=lambda t: _parse_formats(t, FORMATS))
    analyse.add_argument("--profile", default="icao-9303", help="threshold profile name or TOML/JSON path")
    analyse.add_argument("--quality", default="probe-ensemble", help="scalar quality estimator")
    analyse.add_argument("--map-method", default="gradient", help="pixel-level map method")
    analyse.add_argument("--recursive", action="store_true", help="also search sub-folders")
    analyse.set_defaults(handler=command_analyse)

    add_report_command(commands)
    add_evaluate_command(commands)

    embed = commands.add_parser("embed", help="print the 128-D embedding of the main face as JSON")
    embed.add_argument("image")
    embed.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    embed.set_defaults(handler=command_embed)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
