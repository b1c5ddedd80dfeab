"""`pfiq report PATH... --out DIR --format pdf,png,csv,json`: reports from photos or saved analyses.

PATHs are photos, folders of photos, or Analysis JSON files written by
`pfiq analyse` (those need no network run). Photos are looked up in the review
store's analysis cache first (same key as the GUI), analysed only when missing,
and the fresh result is cached. Decisions and audit trail come from the review
store, opened only when it exists.

Hook it into cli.py with:

    from pfiq_desktop.reports.cli_report import add_report_command
    add_report_command(commands)   # the object returned by parser.add_subparsers()

Exit codes: 0 all reports written, 1 some photo could not be analysed or an
output could not be written, 2 usage error, 130 cancelled (Ctrl+C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pfiq_desktop.progress import print_progress


def _formats(text: str) -> list[str]:
    from pfiq_desktop.reports.runner import parse_formats

    try:
        return parse_formats(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_report_command(subparsers) -> argparse.ArgumentParser:
    """Register `report` on an argparse sub-parser collection; returns the new parser."""
    report = subparsers.add_parser(
        "report",
        help="write PDF/PNG reports, a batch summary and CSV/JSON exports",
        description="Per-photo PDF (A4/Letter) and annotated PNG, a batch summary PDF for 2+ photos "
        "(or --format summary), and CSV/JSON of every result and decision.",
    )
    report.add_argument("paths", nargs="+", help="photos, folders, or Analysis JSON files from `pfiq analyse`")
    report.add_argument("--out", required=True, help="output folder (created if missing)")
    report.add_argument("--format", dest="formats", default="pdf,csv", type=_formats,
                        help="comma list of pdf, png, summary, csv, json (default: pdf,csv)")
    report.add_argument("--page-size", default="A4", type=str.lower, choices=("a4", "letter"))
    report.add_argument("--officer", default="", help="name printed as the report's author (default: login name)")
    report.add_argument("--store", default=None, help="review store with decisions (default: the app's own, if present)")
    report.add_argument("--no-store", action="store_true", help="ignore decisions and the analysis cache")
    report.add_argument("--pdfa", action="store_true", help="PDF/A-1b for archiving (no embedded JSON: PDF/A-1 forbids attachments)")
    report.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    report.add_argument("--profile", default="icao-9303", help="threshold profile for photos that must be analysed")
    report.add_argument("--recursive", action="store_true", help="also search sub-folders")
    report.set_defaults(handler=command_report)
    return report


def _open_store(args: argparse.Namespace):
    if args.no_store:
        return None
    from pfiq_desktop.review import ReviewStore, default_store_path

    path = Path(args.store) if args.store else default_store_path()
    if not path.exists():
        if args.store:
            print(f"warning: review store {path} not found; reporting without decisions", file=sys.stderr)
        return None
    return ReviewStore(path)


class _Analyses:
    """Analysis for a path: from a JSON file, from the cache beside the review store, or by running the engine once."""

    def __init__(self, args: argparse.Namespace, store) -> None:
        self.args = args
        self.cache = None
        if store is not None:
            from pfiq_desktop.review.cache import AnalysisCache, cache_path_beside

            self.cache = AnalysisCache(cache_path_beside(store.path))
        self._analyzer = None

    def get(self, path: Path):
        from pfiq_desktop.engine.results import Analysis

        if path.suffix.lower() == ".json":
            return Analysis.from_json(path.read_text(encoding="utf-8"))
        if self._analyzer is None:
            from pfiq_desktop.engine.analyzer import Analyzer

            self._analyzer = Analyzer(device=self.args.device, profile=self.args.profile)
        return self.cache.analyse(self._analyzer, path) if self.cache else self._analyzer.analyse(path)


def _expand(paths: list[str], recursive: bool) -> list[Path]:
    from pfiq_desktop.engine.discovery import expand_image_paths

    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found += expand_image_paths([entry], recursive=recursive)
        else:
            found.append(entry)
    unique: dict[Path, Path] = {}
    for path in found:  # a photo named twice (as a file and through its folder) is reported once
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def command_report(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.reports.inputs import item_from_store
    from pfiq_desktop.reports.paged import ReportCancelled
    from pfiq_desktop.reports.runner import export_reports

    paths = _expand(args.paths, args.recursive)
    if not paths:
        print("No photos or analysis files found in the given paths.", file=sys.stderr)
        return 1
    try:
        store = _open_store(args)
    except Exception as error:  # noqa: BLE001 - a broken store must not stop the reports
        print(f"warning: cannot open the review store ({error}); reporting without decisions", file=sys.stderr)
        store = None
    problems = 0
    try:
        analyses = _Analyses(args, store)
        items = []
        for index, path in enumerate(paths, start=1):
            try:
                analysis = analyses.get(path)
            except (OSError, ValueError, KeyError) as error:
                print(f"\nerror: cannot read {path}: {error}", file=sys.stderr)
                problems += 1
                continue
            problems += bool(analysis.errors)
            items.append(item_from_store(store, analysis))
            print_progress(index, len(paths), f"analysed {path.name}")
        if not items:
            return 1
        officer = args.officer or _default_officer()
        result = export_reports(items, args.out, args.formats, args.page_size, officer, args.pdfa,
                                progress=lambda d, t, n: print_progress(d, t, f"writing {n}"))
    except OutputError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except (ReportCancelled, KeyboardInterrupt):
        print("\ncancelled; finished files were kept, no partial file was left.", file=sys.stderr)
        return 130
    finally:
        if store is not None:
            store.close()
    print(f"{len(result.files)} files written to {Path(args.out).resolve()}")
    for path in result.files:
        pages = result.pages.get(path)
        print(f"  {path.name}" + (f"  ({pages} page{'s' * (pages != 1)})" if pages else ""))
    return 1 if problems else 0


def _default_officer() -> str:
    try:
        from pfiq_desktop.review.store import default_officer

        return default_officer()
    except ImportError:  # pragma: no cover
        return ""
