"""`pfiq evaluate`: run the scientific evaluation and write figures and tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DATA = Path("..") / "shared" / "data" / "faces"


def command_evaluate(args: argparse.Namespace) -> int:
    from pfiq_desktop.evaluation.run import FULL, QUICK, evaluate

    data = Path(args.data)
    if not data.exists():
        print(f"error: face data not found at {data}", file=sys.stderr)
        return 2
    config = QUICK if args.quick else FULL
    summary = evaluate(data, Path(args.out), config, log=lambda m: print(m, file=sys.stderr, flush=True), threads=args.threads)
    print(f"{config.name} evaluation done in {summary['seconds']['total']:.0f} s; report: {Path(args.out).resolve() / 'report.md'}")
    return 0


def add_evaluate_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `pfiq evaluate [--quick] --out DIR [--data DIR]` on the CLI's subparsers."""
    parser = subparsers.add_parser("evaluate", help="evaluate the pixel maps and the scalar quality (figures + tables)")
    parser.add_argument("--out", required=True, help="output folder for CSV, Markdown and PNG")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="shared face data folder (default ../shared/data/faces)")
    parser.add_argument("--quick", action="store_true", help="a handful of faces (< 60 s), as in the test suite")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.set_defaults(handler=command_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pfiq-evaluate")
    add_evaluate_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", *(argv if argv is not None else sys.argv[1:])])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
