"""`pfiq analyse PHOTO_OR_FOLDER... --out DIR`: analyse photos, write JSON and annotated PNG per photo."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pfiq_desktop.cli.common import (
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PHOTO_PROBLEM,
    EXIT_USAGE,
    add_engine_options,
    add_store_options,
    analysed_photo,
    engine_problem,
    error,
    fitted,
    kept_profiles,
    missing_inputs,
    note_annotated,
    nothing_found,
    outputs_complete,
    parse_list,
    positive_int,
    print_table,
    printable,
    report_skipped,
    saved_profile_note,
    shared_cache,
    stop_on_sigterm,
)
from pfiq_desktop.cli.progress import print_progress
from pfiq_desktop.engine.defaults import BATCH_FACES
from pfiq_desktop.engine.discovery import annotated_photo
from pfiq_desktop.engine.filenames import first_few
from pfiq_desktop.reports.naming import result_stems
from pfiq_desktop.review.values import counted

if TYPE_CHECKING:
    from pfiq_desktop.engine.analyzer import Analyzer
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.review.cache import AnalysisCache
    from pfiq_desktop.review.own_profiles import KeptProfiles

log = logging.getLogger(__name__)

FORMATS = ("json", "png")
DEFAULT_FORMATS = "json,png"  # parsed by --format's type, as a given value is


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("analyse", aliases=["analyze"], help="analyse photos and write JSON/PNG results")
    parser.add_argument("paths", nargs="+", help="image files or folders")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--format", dest="formats", default=DEFAULT_FORMATS, type=lambda t: parse_list(t, FORMATS),
                        help=f"comma list of {', '.join(FORMATS)} (default {DEFAULT_FORMATS})")
    add_engine_options(parser, methods=True)
    add_store_options(parser, "the profiles kept for single photos")
    parser.add_argument("--recursive", action="store_true", help="also search sub-folders (not the output folder)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files in the output folder that no result there (JSON or picture) names as this run's "
                             "photos' earlier results (by default the run stops first). Another photo's result is never "
                             "replaced: camera names such as IMG_0001 repeat between applicants, so this one is written as "
                             "IMG_0001_2")
    parser.add_argument("--no-cache", action="store_true",
                        help="analyse every photo again (by default a photo analysed before, here, by `pfiq report` or "
                             "in the window, with the same models, is taken from the shared analysis cache)")
    parser.add_argument("--batch", type=positive_int, default=BATCH_FACES,
                        help=f"faces per network batch (default {BATCH_FACES}; larger for a GPU)")
    parser.add_argument("--workers", type=positive_int, default=1,
                        help="processes that decode photos and find faces while the network runs (default 1)")
    parser.set_defaults(handler=run)


def _analyses(
    analyzer: Analyzer, cache: AnalysisCache | None, paths: list[Path], batch: int, workers: int
) -> Iterator[tuple[Analysis, bool]]:
    """(analysis, taken from the cache) per photo, in order: cached ones from the cache (a run stopped half-way
    resumes where it stopped), the others through the engine's batches, and cached for next time."""
    from pfiq_desktop.engine.hashing import file_sha256

    def in_cache(path: Path) -> bool:
        try:
            return cache is not None and cache.has(file_sha256(path), analyzer.engine_key)
        except OSError:  # an unreadable photo: the engine says why, in its turn
            return False
        except sqlite3.Error:  # a locked or damaged cache: the photo is analysed again
            log.warning("the analysis cache could not be read for %s", path, exc_info=True)
            return False

    cached = [in_cache(path) for path in paths]
    fresh = analyzer.analyse_batch([p for p, hit in zip(paths, cached, strict=True) if not hit], batch, workers)
    for path, hit in zip(paths, cached, strict=True):
        found = cache.lookup(analyzer, path) if cache is not None and hit else None
        if found is not None:
            yield found, True
            continue
        analysis = analyzer.analyse(path) if hit else next(fresh)  # (an entry that went bad since: analysed alone)
        if cache is not None:
            cache.keep(analyzer, analysis)
        yield analysis, False


def _judged_as_in_the_window(analyzer: Analyzer, kept: KeptProfiles, analysis: Analysis) -> Analysis:
    """`analysis` judged under the profile kept for its photo alone in the window, where it has one (a child's among
    adults): its checks re-run on its faces, as the window and `pfiq report` judge it."""
    from pfiq_desktop.engine.imageio import ImageLoadError

    own = kept.for_photo(analysis)
    if not own:
        return analysis
    try:
        judged = analyzer.recheck(analysis, profile=own)
    except ImageLoadError:  # moved, removed or replaced since it was analysed, a moment ago (review)
        log.warning("%s could not be judged again under %s", analysis.source, own, exc_info=True)
        kept.not_judged_under(analysis)
        return analysis
    kept.judged_under(judged)
    return judged


def output_stems(out: Path, paths: list[Path]) -> list[str]:
    """Each photo's output name in `out`: its own earlier result's, else one that holds no other photo's result
    (`naming.result_stems`: IMG_0001 from two applicants' folders are IMG_0001 and IMG_0001_2, in one run or two)."""
    return result_stems(out, paths, [os.path.realpath(path) for path in paths], _photo_of)


def shown_names(paths: list[Path], stems: list[str]) -> dict[Path, str]:
    """How the table names each photo: its file name, with its folder's where two photos share one, and the name of
    its results where that differs ("b/IMG_0001.jpg -> IMG_0001_2"): two rows reading IMG_0001.jpg did not say which
    result was whose."""
    repeated = Counter(path.name for path in paths)
    return {path: (path.name if repeated[path.name] == 1 else f"{path.parent.name}/{path.name}")
            + (f" -> {stem}" if stem != path.stem else "") for path, stem in zip(paths, stems, strict=True)}


def others_outputs(out: Path, stems: list[str], paths: list[Path], formats: list[str]) -> list[Path]:
    """The files a run would replace that are not its own photos' earlier results: a result is the photo's when the
    JSON of its name, or its annotated picture, says it was made from that photo (a re-run, or a run resumed after a
    stop, replaces it). With `output_stems` these are only files nothing tells the photo of (a picture written before
    pictures named their photo, a file of the officer's)."""
    replaced = []
    for stem, path in zip(stems, paths, strict=True):
        existing = [target for target in (out / f"{stem}.{kind}" for kind in formats) if target.exists()]
        if existing and _photo_of(out / f"{stem}.json") != os.path.realpath(path):
            replaced.extend(existing)
    return replaced


def _photo_of(result: Path) -> str | None:
    """The photo the analysis JSON `result` was made from, else the one its annotated picture beside it shows (a run
    with --format png), resolved (a relative one read from here)."""
    source = analysed_photo(result) or annotated_photo(result.with_suffix(".png"))
    return None if source is None else os.path.realpath(source)


def _print_rows(rows: list[tuple[str, str, str, str, str, str]]) -> None:
    if rows:  # a header alone, before "stopped after 0 of 6 photos", read as a table lost (CLI walk-through)
        print_table(rows, ("file", "verdict", "quality", "faces", "time", "problems"), (40, 8, 7, 5, 8))


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError, ensure_folder, write_text_atomic
    from pfiq_desktop.engine.analyzer import Analyzer
    from pfiq_desktop.engine.discovery import find_images
    from pfiq_desktop.reports.figures import save_annotated_png
    from pfiq_desktop.reports.inputs import read_photo
    from pfiq_desktop.reports.naming import over_photos, over_photos_text
    from pfiq_desktop.review.reasons import failed_problems, no_face_problem, problems_overview, warned_problems
    from pfiq_desktop.review.values import quality_text

    missing = missing_inputs(args.paths)
    if missing:
        error(missing)
        return EXIT_USAGE
    found = find_images(args.paths, recursive=args.recursive, outputs=args.out)
    report_skipped(found.skipped)
    note_annotated(found.annotated)
    paths = [path.absolute() for path in found.files]  # the JSON names its photo wherever it is read from
    if not paths:
        error(nothing_found(args.paths, args.recursive, "images"))
        return EXIT_USAGE
    try:
        ensure_folder(args.out)  # before any photo is analysed
    except OutputError as failure:
        error(str(failure))
        return EXIT_OUTPUT
    stems = output_stems(Path(args.out), paths)
    clashes = over_photos((Path(args.out) / f"{stem}.{kind}" for stem in stems for kind in args.formats), paths)
    if clashes:
        error(over_photos_text(printable(str(Path(args.out).resolve())), clashes))
        return EXIT_USAGE
    others = [] if args.overwrite else others_outputs(Path(args.out), stems, paths, args.formats)
    if others:
        error(f"{counted(len(others), 'file')} in {printable(str(Path(args.out).resolve()))} would be replaced, and no result there "
              f"says they are these photos' ({first_few([printable(p.name) for p in others], 5)}): perhaps pictures left "
              "without their JSON, or files of your own. Nothing was written. Choose another --out, or --overwrite to "
              "replace them.")
        return EXIT_USAGE
    try:
        analyzer = Analyzer(device=args.device, profile=args.profile, quality_estimator=args.quality,
                            map_method=args.map_method, backbone=args.backbone)
    except (ValueError, RuntimeError) as problem:  # unknown profile; no CUDA
        error(engine_problem(args, problem))
        return EXIT_USAGE
    saved_profile_note(args)
    stop_on_sigterm()
    cache = None if args.no_cache else shared_cache()
    kept = kept_profiles(args)
    out = Path(args.out)
    shown = shown_names(paths, stems)
    rows: list[tuple[str, str, str, str, str, str]] = []
    problems, verdicts = 0, Counter[str]()
    # the photo whose last output is being written, its row and that output: a stop landing between the write and the
    # row left a JSON the stopped run's table did not list (a test's race, under load)
    writing: tuple[tuple[str, str, str, str, str, str], Path] | None = None
    try:
        for index, (path, stem, (analysis, cached)) in enumerate(
            zip(paths, stems, _analyses(analyzer, cache, paths, args.batch, args.workers)), start=1
        ):
            analysis = _judged_as_in_the_window(analyzer, kept, analysis)
            trouble = "; ".join(analysis.errors) or ("" if analysis.upright_face else no_face_problem(analysis))
            if "png" in args.formats and analysis.ok:
                pixels, missed = read_photo(path, analysis.image_sha256)  # moved or replaced since it was read
                save_annotated_png(out / f"{stem}.png", pixels, analysis)
                trouble = "; ".join(filter(None, (trouble, missed and f"{missed}: its PNG shows no photo")))
            if trouble:
                log.warning("%s: %s", path, trouble)
            quality = quality_text(analysis.faces[0].quality if analysis.faces else None)
            spent = "cached" if cached else f"{analysis.timings.get('total', 0) * 1000:.0f} ms"
            told = trouble or problems_overview(failed_problems(analysis), warned_problems(analysis))  # as the list row
            row = (shown[path], analysis.verdict, quality, str(len(analysis.faces)), spent, told)
            if "json" in args.formats:  # last: an interrupted run leaves no JSON without its PNG
                writing = (row, out / f"{stem}.json")
                write_text_atomic(writing[1], analysis.to_json(indent=1))
            rows.append(row)
            writing = None
            problems += bool(trouble)
            verdicts[analysis.verdict] += 1
            print_progress(index, len(paths), f"{fitted(printable(shown[path]), 40, pad=True)} {analysis.verdict}")
    except OutputError as failure:
        print(file=sys.stderr)  # off the progress bar's line
        _print_rows(rows)  # the photos finished before the failure, as a full run lists them
        error(str(failure))  # its own line: the two in one read "\n" literally (resilience walk-through)
        print(f"stopped after {len(rows)} of {counted(len(paths), 'photo')}{outputs_complete(len(rows))}. Mend the cause above and run it "
              "again to finish.", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        if writing is not None and writing[1].exists() and writing[0] not in rows[-1:]:  # written, not yet listed
            rows.append(writing[0])
        print(file=sys.stderr)
        _print_rows(rows)
        print(f"cancelled after {len(rows)} of {counted(len(paths), 'photo')}{outputs_complete(len(rows))}", file=sys.stderr)
        return EXIT_CANCELLED
    _print_rows(rows)
    for line in kept.notes():
        print(line, file=sys.stderr)
    skipped = f", {len(found.skipped)} skipped" if found.skipped else ""
    tally = ", ".join(f"{count} {verdict}" for verdict, count in verdicts.most_common())
    print(f"{counted(len(paths), 'photo')} ({tally}), {problems} with problems (no face, unreadable, not drawn){skipped}; "
          f"outputs in {printable(str(out.resolve()))}")
    return EXIT_PHOTO_PROBLEM if problems or found.skipped else EXIT_OK
