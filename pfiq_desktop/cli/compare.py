"""`pfiq compare A B [--out DIR]` and `pfiq compare --pairs pairs.csv --out DIR`: renewal checks.

Prints each pair's score and decision; with --out writes a PNG, a PDF page and
the comparison JSON per pair, and for --pairs a CSV of every result. The pairs
file has two columns, the new photo then the reference (paths relative to the
file's folder); a first row that names no photo is a header, and blank lines
and lines starting with '#' are skipped.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
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
    engine_problem,
    error,
    fitted,
    kept_profiles,
    outputs_complete,
    parse_list,
    print_table,
    printable,
    saved_profile_note,
    stop_on_sigterm,
)
from pfiq_desktop.cli.progress import print_progress
from pfiq_desktop.engine.comparison import NOT_COMPARED, Comparison
from pfiq_desktop.engine.discovery import IMAGE_EXTENSIONS
from pfiq_desktop.engine.filenames import path_from_text
from pfiq_desktop.reports.naming import result_stems, unique_stems

if TYPE_CHECKING:
    from pfiq_desktop.review.own_profiles import KeptProfiles

FORMATS = ("png", "pdf", "json")
DEFAULT_FORMATS = "png,pdf,json"  # parsed by --format's type, as a given value is
CSV_NAME = "pfiq-comparisons.csv"


class PairsFileError(ValueError):
    """The pairs file cannot be read or a line of it has not two photos."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "compare", help="renewal check: is photo A the same person as reference photo B, and why",
        description="Score and decision (calibrated at FMR 0.1 % and 1 %) for a new photo against a reference, "
                    "with maps of what supports and what opposes the match.",
    )
    parser.add_argument("photos", nargs="*", metavar="PHOTO", help="the new photo, then the reference photo")
    parser.add_argument("--pairs", metavar="CSV", help="compare every pair of this file (new photo, reference) instead")
    parser.add_argument("--out", help="output folder for the PNG, PDF and JSON of each pair (required with --pairs)")
    parser.add_argument("--format", dest="formats", default=DEFAULT_FORMATS, type=lambda t: parse_list(t, FORMATS),
                        help=f"comma list of {', '.join(FORMATS)} (default {DEFAULT_FORMATS})")
    add_engine_options(parser)
    add_store_options(parser, "the profiles kept for single photos")
    parser.set_defaults(handler=run)


def _delimiter(text: str) -> str:
    """The cell separator a pairs file uses: the first of tab, semicolon and comma that splits every line (comments
    aside) into two photos, trailing empty cells allowed; a comma when none does (the lines are then named one by one).
    Tried in turn, the rarest in file names first, not guessed: a European Excel writes "Müller, Hans.jpg;ref.jpg"
    unquoted, where commas are as regular as the semicolons (a review)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for separator in ("\t", ";", ","):
        rows = csv.reader(lines, delimiter=separator)
        if lines and all(len([cell for cell in row if cell.strip()]) == 2 and all(c.strip() for c in row[:2]) for row in rows):
            return separator
    return ","


def read_pairs(path: Path) -> list[tuple[Path, Path]]:
    """(new photo, reference) per line of a pairs file, relative paths resolved against its folder. Cells apart by
    commas, or by semicolons or tabs as a European Excel saves "CSV" (it read "line 1 has 1 photos")."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
            # (line number in the file, cells) of every row with content: blank rows and # comments are left out,
            # a row with an empty photo cell is not (it is an error below, named by the line an editor shows)
            lines = [(reader.line_num, cells) for cells in ([c.strip() for c in row] for row in reader)
                     if any(cells) and not next(c for c in cells if c).startswith("#")]
    except UnicodeDecodeError:
        raise PairsFileError(f"cannot read {path}: it is not UTF-8 text; save it as \"CSV UTF-8\" (Excel) or as UTF-8 "
                             "(a text editor)") from None
    except (OSError, csv.Error) as problem:
        raise PairsFileError(f"cannot read {path}: {problem}") from None
    pairs = []
    for index, (number, row) in enumerate(lines):
        cells = row[: max(i + 1 for i, c in enumerate(row) if c)]  # trailing empty cells (a spreadsheet's export) are fine
        if len(cells) != 2 or not all(cells):
            raise PairsFileError(f"{path}: line {number} has {sum(map(bool, cells))} photos; expected two (new photo, reference)")
        a, b = ((path.parent / cell).resolve() for cell in cells)
        if index == 0 and not any(p.exists() or p.suffix.lower() in IMAGE_EXTENSIONS for p in (a, b)):
            continue  # a header row
        pairs.append((a, b))
    if not pairs:
        raise PairsFileError(f"{path} lists no pairs of photos")
    return pairs


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.engine.analyzer import Analyzer

    try:
        pairs = _pairs(args)
    except (PairsFileError, ValueError) as problem:
        error(str(problem))
        return EXIT_USAGE
    try:
        analyzer = Analyzer(device=args.device, profile=args.profile, backbone=args.backbone)
    except (ValueError, RuntimeError) as problem:  # unknown profile; no CUDA
        error(engine_problem(args, problem))
        return EXIT_USAGE
    saved_profile_note(args)
    stop_on_sigterm()
    out = Path(args.out) if args.out else None
    kept = kept_profiles(args)
    comparisons: list[Comparison] = []
    try:
        for index, ((a, b), name) in enumerate(zip(pairs, stems(pairs, out)), start=1):
            own = _own_profile(kept, a)
            comparison = analyzer.compare(a, b, profile=own or None)
            if own and comparison.a.ok:
                kept.judged_under(comparison.a)
            comparisons.append(comparison)
            if out is not None:
                write_outputs(out / name, comparison, args.formats)
            if len(pairs) > 1:
                print_progress(index, len(pairs), f"{fitted(printable(a.name), 30, pad=True)} {comparison.decision}")
        if args.pairs and out is not None:
            from pfiq_desktop.reports.export import write_comparisons_csv

            write_comparisons_csv(out / CSV_NAME, comparisons)
    except OutputError as failure:
        print(file=sys.stderr)
        error(str(failure))
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        print(f"\ncancelled after {len(comparisons)} of {len(pairs)} pairs{outputs_complete(len(comparisons))}", file=sys.stderr)
        return EXIT_CANCELLED
    report(comparisons, out)
    for line in kept.notes():
        print(line, file=sys.stderr)
    return EXIT_PHOTO_PROBLEM if any(c.decision == NOT_COMPARED for c in comparisons) else EXIT_OK


def _own_profile(kept: KeptProfiles, photo: Path) -> str:
    """The profile kept in the window for the new photo alone ('' none): both photos are judged under it, as the
    window's renewal check judges them (a child's renewal photo was failed for the adult rules)."""
    from pfiq_desktop.engine.hashing import file_sha256

    try:
        return kept.for_file(photo, file_sha256(photo))
    except OSError:  # unreadable: the comparison says why
        return ""


def _pairs(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    if args.pairs:
        if args.photos:
            raise ValueError("give either two photos or --pairs, not both")
        if not args.out:
            raise ValueError("--pairs needs --out (the CSV of results goes there)")
        return read_pairs(Path(args.pairs))
    if len(args.photos) != 2:
        raise ValueError(f"give two photos (the new one, then the reference) or --pairs CSV; got {len(args.photos)}")
    pair = Path(args.photos[0]).absolute(), Path(args.photos[1]).absolute()  # the JSON names them wherever it is read
    missing = [str(p) for p in pair if not p.is_file()]
    if missing:
        raise ValueError(f"no such photo: {', '.join(missing)}")
    return [pair]


def stems(pairs: list[tuple[Path, Path]], out: Path | None = None) -> list[str]:
    """Output file names (no suffix) of the pairs, '<new>__vs__<reference>', unique within the run and, in `out`,
    never those of another pair's earlier comparison (a second applicant's IMG_0001 compared with the same reference
    replaced the first's without a word); a pair compared again replaces its own."""
    names = [f"{a.stem}__vs__{b.stem}.pair" for a, b in pairs]
    if out is None:
        return unique_stems(names)
    return result_stems(out, names, [_pair_key(a, b) for a, b in pairs], _pair_of)


def _pair_key(a: str | Path, b: str | Path) -> str:
    return f"{os.path.realpath(a)}\n{os.path.realpath(b)}"


UNKNOWN_PAIR = "?"  # a name whose PNG or PDF is there without a JSON to say which pair it shows: never replaced


def _pair_of(result: Path) -> str | None:
    """The pair a comparison JSON was made for (`_pair_key`); `UNKNOWN_PAIR` where the name's PNG or PDF is there
    without one (written with --format png,pdf: another pair's were replaced without a word); None where the name is
    free."""
    try:
        data = json.loads(result.read_text(encoding="utf-8"))
        return _pair_key(path_from_text(str(data["a"]["source"])), path_from_text(str(data["b"]["source"])))
    except (OSError, ValueError, KeyError, TypeError):
        taken = any(result.with_name(f"{result.stem}.{kind}").exists() for kind in FORMATS)
        return UNKNOWN_PAIR if taken else None


def write_outputs(base: Path, comparison: Comparison, formats: list[str]) -> None:
    """The PNG, PDF page and JSON of one comparison, as `base` + suffix, each written atomically."""
    from pfiq_desktop.atomic import write_text_atomic
    from pfiq_desktop.reports.comparison_figure import save_comparison_png
    from pfiq_desktop.reports.comparison_pdf import write_comparison_pdf
    from pfiq_desktop.reports.inputs import load_photo

    a, b = (load_photo(side.source, side.image_sha256) for side in (comparison.a, comparison.b))  # None if replaced since
    if "png" in formats:
        save_comparison_png(base.with_name(f"{base.name}.png"), a, b, comparison)
    if "pdf" in formats:
        write_comparison_pdf(base.with_name(f"{base.name}.pdf"), comparison, a, b)
    if "json" in formats:
        write_text_atomic(base.with_name(f"{base.name}.json"), comparison.to_json(indent=1))


def report(comparisons: list[Comparison], out: Path | None) -> None:
    """One line per pair with the score and the decision, then where the outputs are."""
    if len(comparisons) == 1:
        c = comparisons[0]
        score = f"{c.score:.3f}" if c.decision != NOT_COMPARED else "-"
        print(f"score {score}  {c.label} ({c.decision}): {printable(c.reason)}")
    else:
        rows = [(Path(c.a.source).name, Path(c.b.source).name, f"{c.score:.3f}" if c.decision != NOT_COMPARED else "-",
                 c.decision, c.reason) for c in comparisons]
        print_table(rows, ("photo A", "photo B", "score", "decision", "why"), (30, 30, 6, 12))
    if out is not None:
        print(f"outputs in {out.resolve()}")
