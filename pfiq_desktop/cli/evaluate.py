"""`pfiq evaluate`: run the scientific evaluation and write figures and tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pfiq_desktop.cli.common import EXIT_OK, EXIT_USAGE, error, positive_int

CHECKOUT = Path(__file__).resolve().parents[2]  # the source checkout, when run from one
# beside the checkout, whatever the working folder (relative to it, a run from elsewhere evaluated the bundled portraits)
DEFAULT_DATA = CHECKOUT.parent / "shared" / "data" / "faces"
FIXTURE_PORTRAITS = CHECKOUT / "tests" / "fixtures" / "portraits"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.evaluation.run import FULL, QUICK, evaluate

    data = Path(args.data)
    if data.exists():
        config = QUICK if args.quick else FULL
        summary = evaluate(data, Path(args.out), config, log=_log, threads=args.threads)
    elif args.data != str(DEFAULT_DATA):
        error(f"face data not found at {data}")
        return EXIT_USAGE
    elif not FIXTURE_PORTRAITS.is_dir():
        error(f"face data not found at {data}, and no bundled portraits at {FIXTURE_PORTRAITS} (a source checkout has them)")
        return EXIT_USAGE
    else:
        config = QUICK
        summary = _evaluate_bundled(Path(args.out), args.threads, data)
    print(f"{config.name} evaluation done in {summary['seconds']['total']:.0f} s; report: {Path(args.out).resolve() / 'report.md'}")
    return EXIT_OK


def _evaluate_bundled(out: Path, threads: int, missing: Path) -> dict[str, Any]:
    """The quick evaluation on sets built from the bundled portraits (evaluation/bundled.py), saying so first."""
    import tempfile

    from pfiq_desktop.evaluation import bundled
    from pfiq_desktop.evaluation.run import QUICK, evaluate

    print(f"No face data at {missing}: running the quick evaluation on identity and defect sets built from the "
          f"bundled portraits in {FIXTURE_PORTRAITS} (mirrored, shifted, re-encoded and defective copies; see the "
          "top of report.md). These check the evaluation, they are not results: pass --data for those.",
          file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="pfiq-bundled-data-") as folder:
        about = bundled.build(FIXTURE_PORTRAITS, Path(folder))
        return evaluate(Path(folder), out, QUICK, log=_log, threads=threads, about=about)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("evaluate", help="evaluate the pixel maps and the scalar quality (figures + tables)")
    parser.add_argument("--out", required=True, help="output folder for CSV, Markdown and PNG")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="shared face data folder (default ../shared/data/faces beside the source checkout)")
    parser.add_argument("--quick", action="store_true",
                        help="a handful of faces (2-4 minutes on 2 cores), as in the tests; always so without face data")
    parser.add_argument("--threads", type=positive_int, default=2, help="torch CPU threads")
    parser.set_defaults(handler=run)
