"""`pfiq evaluate`: run the scientific evaluation and write figures and tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pfiq_desktop.cli.common import EXIT_OK, EXIT_USAGE, error

DEFAULT_DATA = Path("..") / "shared" / "data" / "faces"
FIXTURE_PORTRAITS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "portraits"  # in a source checkout


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.evaluation.run import FULL, QUICK, evaluate, evaluate_fixtures

    data = Path(args.data)
    if not data.exists():
        if args.data != str(DEFAULT_DATA):
            error(f"face data not found at {data}")
            return EXIT_USAGE
        if not FIXTURE_PORTRAITS.is_dir():
            error(f"face data not found at {data}, and no bundled portraits at {FIXTURE_PORTRAITS} (a source checkout has them)")
            return EXIT_USAGE
        print(f"No face data at {data}: measuring the deviation map on the {FIXTURE_PORTRAITS} portraits only "
              "(quick mode; pass --data for the whole evaluation).", file=sys.stderr)
        summary = evaluate_fixtures(FIXTURE_PORTRAITS, Path(args.out), _log)
        print(f"fixture evaluation done in {summary['seconds']['total']:.0f} s; report: {Path(args.out).resolve() / 'report.md'}")
        return EXIT_OK
    config = QUICK if args.quick else FULL
    summary = evaluate(data, Path(args.out), config, log=_log, threads=args.threads)
    print(f"{config.name} evaluation done in {summary['seconds']['total']:.0f} s; report: {Path(args.out).resolve() / 'report.md'}")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("evaluate", help="evaluate the pixel maps and the scalar quality (figures + tables)")
    parser.add_argument("--out", required=True, help="output folder for CSV, Markdown and PNG")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="shared face data folder (default ../shared/data/faces)")
    parser.add_argument("--quick", action="store_true", help="a handful of faces (< 60 s), as in the test suite")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.set_defaults(handler=run)
