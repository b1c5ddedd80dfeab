"""`pfiq report PATH... --out DIR --format pdf,png,csv,json`: reports from photos or saved analyses.

PATHs are photos, folders of photos, or Analysis JSON files written by
`pfiq analyse` (those need no network run); `--results STORE` reports on an
archive audit's result store instead (`pfiq audit-archive`), without analysing. Photos are looked up in the
application's analysis cache first (the GUI's), analysed only when missing,
and the fresh result is cached. Decisions and the audit trail come from the
application's review store — the one the GUI records into — or `--store`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pfiq_desktop import appdirs
from pfiq_desktop.atomic import OutputError, ensure_folder
from pfiq_desktop.cli.common import (
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PHOTO_PROBLEM,
    EXIT_USAGE,
    SavedSetting,
    add_engine_options,
    add_store_options,
    analysed_photo,
    broken_analysis,
    error,
    missing_inputs,
    note_annotated,
    nothing_found,
    parse_list,
    printable,
    profile_for_all,
    saved_profile_note,
    shared_cache,
    stop_on_sigterm,
    store_path,
)
from pfiq_desktop.cli.progress import print_progress
from pfiq_desktop.engine.filenames import first_few
from pfiq_desktop.engine.protocol import Engine
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.reports.naming import BATCH_FILES, PER_PHOTO_FORMATS, REPORT_FORMATS
from pfiq_desktop.review.cache import AnalysisCache
from pfiq_desktop.review.own_profiles import KeptProfiles
from pfiq_desktop.review.reasons import no_face_problem
from pfiq_desktop.review.store import ReviewStore, StoreError
from pfiq_desktop.review.values import counted

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pfiq_desktop.archive.store import ResultStore
    from pfiq_desktop.reports.inputs import ReportItem

DEFAULT_FORMATS = ("pdf", "csv")
RESULTS_FORMATS = tuple(BATCH_FILES)  # an archive's report: per-photo PDFs of millions of photos help nobody


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report",
        help="write PDF/PNG reports, a batch summary and CSV/JSON exports",
        description="Per-photo PDF (A4/Letter) and annotated PNG, a batch summary PDF for 2+ photos "
        "(or --format summary), and CSV/JSON of every result and decision.",
    )
    parser.add_argument("paths", nargs="*", help="photos, folders, or Analysis JSON files from `pfiq analyse`")
    parser.add_argument("--results", metavar="STORE", help="report the analyses in this result store of `pfiq audit-archive`")
    parser.add_argument("--config", metavar="HASH",
                        help="with --results: the engine configuration to report (default: the latest run's)")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--format", dest="formats", default=None, type=lambda t: parse_list(t, REPORT_FORMATS),
                        help=f"comma list of {', '.join(REPORT_FORMATS)} (default: {','.join(DEFAULT_FORMATS)}; with --results: "
                             f"{','.join(RESULTS_FORMATS)})")
    parser.add_argument("--page-size", default="a4", type=str.lower, choices=("a4", "letter"))
    parser.add_argument("--officer", default="", help="name printed as the report's author (default: the login name)")
    add_store_options(parser, "decisions, the profiles kept for single photos and the analysis cache")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace reports already in the output folder (without it, an existing file stops the export)")
    parser.add_argument("--pdfa", action="store_true", help="PDF/A-1b for archiving (no embedded JSON: PDF/A-1 forbids attachments)")
    add_engine_options(parser)
    parser.add_argument("--recursive", action="store_true", help="also search sub-folders")
    parser.set_defaults(handler=run)


def open_store(args: argparse.Namespace) -> ReviewStore | None:
    """The review store to report decisions from, saying which one (None: report without decisions)."""
    path = store_path(args)
    if path is None:
        return None
    if not path.is_file():
        print(f"note: no review store at {path}; reporting without the officer's decisions", file=sys.stderr)
        return None
    print(f"decisions from the review store {path}", file=sys.stderr)
    return ReviewStore(path)


def warn_about_decisions(store: ReviewStore | None, items: list[ReportItem]) -> None:
    """Say so when none of the reported photos has a decision in this store (found as the reports find them: by path,
    or by the bytes of a photo moved since), and where else decisions exist."""
    photos = [item.analysis.source for item in items]
    if store is None or not photos or any(item.decision is not None for item in items):
        return
    print(f"warning: none of these photos has a decision in {store.path}", file=sys.stderr)
    for other in [appdirs.store_path(), *appdirs.legacy_store_paths()]:
        if other.is_file() and other.resolve() != store.path.resolve():
            with ReviewStore(other) as elsewhere:
                found = len(elsewhere.decisions_for_paths(photos))
            if found:
                print(f"warning: {found} of them have decisions in {other} (use --store {other})", file=sys.stderr)


def warn_if_altered(store: ReviewStore | None) -> str:
    """The store's `store_problem` ('' when its audit log checks out), said on the console too."""
    from pfiq_desktop.reports.inputs import altered_text, store_problem

    problem = store_problem(store)
    if problem:
        print(altered_text(problem), file=sys.stderr)
    return problem


class Analyses:
    """Analysis for a path: from a JSON file, from the application's cache, or by running the engine once."""

    def __init__(self, args: argparse.Namespace, cache: AnalysisCache | None, store: ReviewStore | None = None) -> None:
        self.args = args
        self.cache = cache
        self._engine: Engine | None = None
        self.kept = KeptProfiles(store, profile_for_all(args))  # the profiles kept in the window for single photos

    def engine(self) -> Engine:
        """The engine, started on first use (ModelFileError or ProfileError when it cannot start)."""
        if self._engine is None:
            from pfiq_desktop.engine.analyzer import Analyzer

            self._engine = Analyzer(device=self.args.device, profile=self.args.profile, backbone=self.args.backbone)
            saved_profile_note(self.args)
        return self._engine

    def get(self, path: Path) -> Analysis:
        """ValueError or OSError (with the reason) when a JSON file is not an analysis, or when a JSON's checks must be
        re-run under the --profile the command line names and its photo cannot be read."""
        if is_saved_result(path):
            analysis = Analysis.from_json(path.read_text(encoding="utf-8"))
            own = self.kept.for_photo(analysis)  # (a result of `pfiq analyse` judged it under the window's)
            if (isinstance(self.args.profile, SavedSetting) and not own) or not analysis.ok:
                return analysis  # as it was analysed (the summary lists every profile its photos were judged under)
            return self._rechecked(analysis, own)
        analysis = self.cache.analyse(self.engine(), path) if self.cache else self.engine().analyse(path)
        own = self.kept.for_photo(analysis)
        if not own:
            return analysis
        judged = self.engine().recheck(analysis, profile=own)
        self.kept.judged_under(judged)
        return judged

    def _rechecked(self, saved: Analysis, own: str) -> Analysis:
        """A saved result judged under the profile kept for its photo (`own`), else under the --profile given. Under
        the kept one, a result whose photo is gone or changed is reported as analysed, and said (it was left out)."""
        from pfiq_desktop.engine.icao import load_profile

        rules = load_profile(own) if own else self.engine().profile  # (no engine where the thresholds are the same)
        if saved.profile_sha256 == rules.sha256:  # the same thresholds, as the cache judges it
            judged = saved.judged_as(rules.name, rules.info)
        else:
            try:
                judged = self._judged_again(saved, own)
            except CannotRecheck:
                if not own:
                    raise
                self.kept.not_judged_under(saved)
                return saved
        if own:
            self.kept.judged_under(judged)
        return judged

    def _judged_again(self, saved: Analysis, own: str) -> Analysis:
        """`saved` with its checks re-run (CannotRecheck when its photo is missing or changed since)."""
        from pfiq_desktop.engine.imageio import ImageLoadError, PhotoChanged

        engine = self.engine()
        cannot = (f"its checks cannot be re-run under {own}, the profile kept for it in the window" if own else
                  f"its checks cannot be re-run under --profile {engine.profile.name}")
        try:
            return engine.recheck(saved, profile=own or None)
        except PhotoChanged as failure:  # a new photo under the old name
            raise CannotRecheck(f"{cannot}: {failure}") from failure
        except ImageLoadError as failure:
            raise CannotRecheck(f"{cannot}: the photo is not readable at {saved.source} ({failure})") from failure


class CannotRecheck(ValueError):
    """A result file was read, but its checks cannot be re-run under the profile asked for (its photo is missing or
    changed): "moved.json: cannot read it" sent the officer to a file that was readable."""


def with_saved_analyses(found: list[Path], folders: list[Path], recursive: bool, out: str) -> list[Path]:
    """The files to report from folders that may hold `pfiq analyse` output (their annotated pictures already left out
    by `find_images`): the analysis files in the folders are reported too (found as photos are: no hidden entries, not
    the --out folder), each once, unless their photo is among the files (it is then reported itself); and any analysis
    there that cannot be read (`broken_analysis`), to be named as a problem: a result truncated in a copy was left out
    without a word, and the summary counted one applicant fewer with exit 0 (CLI walk-through)."""
    from pfiq_desktop.engine.discovery import find_images

    listed, photos = set(found), {path.resolve() for path in found}
    saved = find_images(folders, recursive, outputs=out, extensions=frozenset({".json"})).files if folders else []
    extra = [path for path in saved if path not in listed
             and ((source := analysed_photo(path)) is not None and Path(source).resolve() not in photos
                  or source is None and broken_analysis(path))]
    return found + extra


def run(args: argparse.Namespace) -> int:
    if bool(args.results) == bool(args.paths):
        error("give photos, folders or JSON files, or --results STORE (one of the two)")
        return EXIT_USAGE
    missing = missing_inputs(args.paths)
    if missing:
        error(missing)
        return EXIT_USAGE
    try:
        ensure_folder(args.out)  # before any photo is analysed
    except OutputError as failure:
        error(str(failure))
        return EXIT_OUTPUT
    if args.results:
        if not isinstance(args.profile, SavedSetting):  # an archive's analyses are reported as they were made
            error("--profile cannot be used with --results: an archive is reported under the profile of its engine "
                  "configuration (--config); analyse the photos again to judge them under another")
            return EXIT_USAGE
        return run_results(args)
    from pfiq_desktop.engine.discovery import find_images
    from pfiq_desktop.reports.inputs import ReportItem

    args.formats = args.formats or list(DEFAULT_FORMATS)
    found = find_images(args.paths, recursive=args.recursive, outputs=args.out)
    paths = with_saved_analyses([p.absolute() for p in found.files],  # the exports name each photo wherever they are read
                                [Path(p) for p in args.paths if Path(p).is_dir()], args.recursive, args.out)
    note_annotated(found.annotated)
    if not paths:
        # only this application's pictures: "no photos found" did not say what to give instead (CLI walk-through)
        error(nothing_found(args.paths, args.recursive, "photos or analysis files")
              + ("; the annotated pictures are outputs of pfiq analyse: report the photos themselves, or the JSON "
                 "results (pfiq analyse --format json)" if found.annotated else ""))
        return EXIT_USAGE
    stop_on_sigterm()
    try:
        store = open_store(args)
    except (StoreError, OutputError) as failure:
        error(str(failure))
        return EXIT_USAGE
    cache = shared_cache() if store is not None else None
    problems = [f"{entry.path.name}: skipped, {entry.reason}" for entry in found.skipped]
    altered = warn_if_altered(store)

    def report() -> int:
        photos = [p for p in paths if not is_saved_result(p)]
        # said before any photo is analysed, when every output name is known (a JSON names its photo: checked below)
        stubs = [ReportItem(Analysis(source=str(p), image_size=(0, 0))) for p in photos]
        if len(photos) == len(paths) and _refused(stubs, args, args.formats):
            return EXIT_USAGE
        analyses = Analyses(args, cache, store)
        if photos or not isinstance(args.profile, SavedSetting):
            analyses.engine()  # a missing model or a bad profile stops here, once, not once per photo or result file
        items = _collect_items(paths, analyses, store, altered, problems)
        for line in analyses.kept.notes():
            print(line, file=sys.stderr)
        if not items:
            _print_problems(problems)
            return EXIT_PHOTO_PROBLEM
        warn_about_decisions(store, items)
        return _write_reports(items, args, args.formats, problems)

    try:
        return _stopped_cleanly(report)
    finally:
        for resource in (store, cache):
            if resource is not None:
                resource.close()


def is_saved_result(path: Path) -> bool:
    """Whether a path given to `pfiq report` is an analysis `pfiq analyse` saved (read), not a photo (analysed)."""
    return path.suffix.lower() == ".json"


def _photo_name(result: Path, analysis: Analysis) -> str:
    """The photo a saved result is of, as an officer looks for it ("mask.json: no face found" named the result file),
    and the result's own name where the two differ (two applicants' wall.jpg are wall.json and wall_2.json)."""
    photo = Path(analysis.source).name or result.name
    return photo if Path(photo).stem == result.stem else f"{photo} (from {result.name})"


def _collect_items(paths: list[Path], analyses: Analyses, store: ReviewStore | None, altered: str,
                   problems: list[str]) -> list[ReportItem]:
    """Each path's analysis with its decision, with progress; what could not be read or judged is added to `problems`
    (the batch goes on)."""
    from pfiq_desktop.reports.inputs import item_from_store

    items: list[ReportItem] = []
    for index, path in enumerate(paths, start=1):
        saved = is_saved_result(path)  # read, not analysed again
        print_progress(index - 1, len(paths), f"{'reading' if saved else 'analysing'} {printable(path.name)}")
        try:
            analysis = analyses.get(path)
        except CannotRecheck as failure:  # the result file was read: its photo is what is missing
            problems.append(f"{path.name}: {failure}")
            continue
        except (OSError, ValueError) as failure:
            # a row of its own, as an unreadable photo has: left out, it showed only on stderr, and a script reading
            # the CSV never learnt of it (CLI walk-through)
            said = (f"the result file cannot be read ({failure}): it is damaged or not this application's; analyse "
                    "its photo again")
            problems.append(f"{path.name}: {said}")
            items.append(item_from_store(store, Analysis(source=str(path), image_size=(0, 0), errors=[said]), altered))
            continue
        photo = _photo_name(path, analysis) if saved else path.name
        if analysis.errors:
            problems.append(f"{photo}: {'; '.join(analysis.errors)}")
        elif not analysis.upright_face:
            problems.append(f"{photo}: {no_face_problem(analysis).lower()}")
        items.append(item_from_store(store, analysis, altered))
    print_progress(len(paths), len(paths), "read" if all(map(is_saved_result, paths)) else "analysed")
    return items


def run_results(args: argparse.Namespace) -> int:
    """The batch summary, CSV and JSON of an audit's result store: stored analyses, no network run.

    Decisions come from a review store only when `--store` names one: archive photos are not reviewed at the desk.
    """
    from pfiq_desktop.archive.store import ResultStore, StoreError

    if not Path(args.results).is_file():
        error(f"no result store at {args.results}")
        return EXIT_USAGE
    stop_on_sigterm()
    decisions = ReviewStore(args.store) if args.store and not args.no_store else None
    formats = args.formats or list(RESULTS_FORMATS)

    def report() -> int:
        from pfiq_desktop.reports.inputs import item_from_store

        with ResultStore(args.results) as results:
            config = _pick_config(results, args.config)
            if config is None:
                return EXIT_USAGE
            print(f"analyses of engine configuration {config} from {results.path}", file=sys.stderr)
            # only a per-photo PDF or PNG draws the maps; without them an analysis holds 72 kB instead of 249 kB
            drawn = bool(set(PER_PHOTO_FORMATS) & set(formats))
            altered = warn_if_altered(decisions)
            items = [item_from_store(decisions, analysis if drawn else analysis.without_maps(), altered)
                     for analysis in results.analyses(config)]
            failures = results.failures(config)
        if not items:
            error(f"the result store has no analyses under configuration {config}")
            return EXIT_PHOTO_PROBLEM
        problems = [f"{printable(p)}: {e}" for p, e in failures]
        problems += [f"{printable(i.name)}: {'; '.join(i.analysis.errors) or no_face_problem(i.analysis).lower()}"
                     for i in items if i.analysis.errors or not i.analysis.upright_face]
        return _write_reports(items, args, formats, problems, f" ({counted(len(items), 'photo')})")

    try:
        return _stopped_cleanly(report, StoreError)
    finally:
        if decisions is not None:
            decisions.close()


def _stopped_cleanly(report: Callable[[], int], *failures: type[Exception]) -> int:
    """`report`'s exit code, or, when writing fails (OutputError, `failures`) or the user cancels, one line and its code."""
    from pfiq_desktop.reports.paged import ReportCancelled

    caught: tuple[type[Exception], ...] = (OutputError, *failures)
    try:
        return report()
    except caught as failure:
        print(file=sys.stderr)
        error(str(failure))
        if isinstance(failure, OutputError) and failure.written:  # the officer must know to add --overwrite
            from pfiq_desktop.reports.runner import kept_text

            print(kept_text(failure.written, failure.written[0].parent, "to finish, run it again with --overwrite"),
                  file=sys.stderr)
        return EXIT_OUTPUT
    except (ReportCancelled, KeyboardInterrupt):
        print("\ncancelled; finished files were kept, no partial file was left (to finish, run it again with --overwrite: "
              "the reports written so far are written again).", file=sys.stderr)
        return EXIT_CANCELLED


def _write_reports(items: list[ReportItem], args: argparse.Namespace, formats: list[str], problems: list[str], note: str = "") -> int:
    """Export the reports, then list the files written (`note` after the folder) and the photos with problems."""
    from pfiq_desktop.reports.runner import export_reports
    from pfiq_desktop.review.store import os_login

    if _refused(items, args, formats):
        return EXIT_USAGE
    result = export_reports(items, args.out, formats, args.page_size, args.officer or os_login(), args.pdfa,
                            progress=lambda d, t, n: print_progress(d, t, f"writing {printable(n)}"))
    print(f"{counted(len(result.files), 'file')} written to {printable(str(Path(args.out).resolve()))}{note}")
    for path in result.files:
        pages = result.pages.get(path)
        print(f"  {printable(path.name)}" + (f"  ({counted(pages, 'page')})" if pages else ""))
    if result.font_note:
        print(f"note: {result.font_note}", file=sys.stderr)
    problems = problems + result.problems  # moved, or another photo under its name since; or not drawn
    _print_problems(problems)
    return EXIT_PHOTO_PROBLEM if problems else EXIT_OK


def _refused(items: list[ReportItem], args: argparse.Namespace, formats: list[str]) -> bool:
    """True, saying why, when the reports would replace a photo, or earlier reports without --overwrite."""
    from pfiq_desktop.reports.naming import over_photos_text
    from pfiq_desktop.reports.runner import existing_outputs, outputs_over_photos

    folder = printable(str(Path(args.out).resolve()))
    clashes = outputs_over_photos(items, args.out, formats)
    if clashes:
        error(over_photos_text(folder, clashes))
        return True
    replaced = [] if args.overwrite else existing_outputs(items, args.out, formats)
    if replaced:
        names = first_few([printable(path.name) for path in replaced], 5)
        exist = "already exists" if len(replaced) == 1 else "already exist"
        error(f"{counted(len(replaced), 'report')} {exist} in {folder} ({names}), perhaps of other photos with the same "
              "names; nothing was written. Choose another --out, or --overwrite to replace them.")
        return True
    return False


def _pick_config(results: ResultStore, wanted: str | None) -> str | None:
    """The configuration to report: the latest run's, or the one `wanted` starts (saying so when it is unclear)."""
    configs = results.configs()
    if not wanted:
        latest = results.latest_config()
        if latest is None:
            error(f"the result store {results.path} has no runs")
        elif len(configs) > 1:
            print(f"note: the store holds {len(configs)} engine configurations; reporting the latest run's "
                  f"({latest}); choose another with --config: {', '.join(configs)}", file=sys.stderr)
        return latest
    matches = [key for key in configs if key.startswith(wanted)]
    if len(matches) != 1:
        error(f"--config {wanted} matches {len(matches)} of the store's configurations ({', '.join(configs) or 'none'})")
        return None
    return matches[0]


def _print_problems(problems: list[str]) -> None:
    if problems:
        print(f"{counted(len(problems), 'photo')} with problems:")
        for line in problems:
            print(f"  {printable(line)}")
