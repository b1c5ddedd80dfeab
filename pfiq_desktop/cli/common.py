"""What every `pfiq` command shares: exit codes, engine options, list options, the summary table."""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pfiq_desktop.engine.defaults import DEFAULT_BACKBONE, DEVICES
from pfiq_desktop.engine.discovery import Skipped
from pfiq_desktop.engine.filenames import display_name, first_few, one_line, path_from_text
from pfiq_desktop.engine.results import looks_like_analysis
from pfiq_desktop.review.values import counted
from pfiq_desktop.settings import SettingsStore

if TYPE_CHECKING:  # annotations only
    from pfiq_desktop.review.cache import AnalysisCache
    from pfiq_desktop.review.own_profiles import KeptProfiles

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PHOTO_PROBLEM = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_CANCELLED = 130


class SavedSetting(str):
    """An option's value taken from the application's settings because the command line did not give one."""


def engine_problem(args: argparse.Namespace, problem: Exception) -> str:
    """Why the engine cannot start; a profile the command line did not name is said to be the saved setting."""
    from pfiq_desktop.engine.icao import ProfileError

    if isinstance(problem, ProfileError) and isinstance(getattr(args, "profile", None), SavedSetting):
        return f"{problem} (the profile saved in the application's settings: give --profile NAME, or choose another in the window)"
    return str(problem)


def saved_profile_note(args: argparse.Namespace) -> None:
    """Say on the console which profile judges the photos when it is the window's saved choice, not the default: a
    profile picked in the window judged a supervisor's batch without a word."""
    from pfiq_desktop.engine.defaults import DEFAULT_PROFILE

    profile = getattr(args, "profile", None)
    if isinstance(profile, SavedSetting) and profile != DEFAULT_PROFILE:
        print(f"note: profile {profile} (the one chosen in the window; --profile NAME judges under another)", file=sys.stderr)


def profile_for_all(args: argparse.Namespace) -> str:
    """The --profile the command line names for every photo ('' where it names none and the window's choice judges)."""
    return "" if isinstance(args.profile, SavedSetting) else str(args.profile)


def add_store_options(parser: argparse.ArgumentParser, ignored: str) -> None:
    """--store and --no-store, alike for every command that reads the window's review store (`ignored`: what
    --no-store leaves out). `pfiq analyse` and `compare` opened the application's store with no way to name another or
    none, and opening a store of an older version upgrades it."""
    from pfiq_desktop import appdirs

    parser.add_argument("--store", default=None,
                        help=f"review store the officer's window keeps (default: the application's, {appdirs.store_path()})")
    parser.add_argument("--no-store", action="store_true", help=f"open no review store: ignore {ignored}")


def store_path(args: argparse.Namespace) -> Path | None:
    """The review store the command line names (--store, else the application's); None with --no-store."""
    from pfiq_desktop import appdirs

    if args.no_store:
        return None
    return Path(args.store) if args.store else appdirs.store_path()


def kept_profiles(args: argparse.Namespace) -> KeptProfiles:
    """The profiles kept in the window for single photos (a child's among adults), from the review store
    (`store_path`), so that a command judges each photo as the window does: `pfiq analyse` failed a baby's photo,
    judged under its own profile in the window, for its shut eyes. None are kept where there is no store or it cannot
    be read (said)."""
    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.review.own_profiles import KeptProfiles
    from pfiq_desktop.review.store import ReviewStore, StoreError

    path = store_path(args)
    store = None
    if args.store and path is not None and not path.is_file():  # a store named and mistyped was passed over silently (review)
        print(f"note: no review store at {path}; the profiles kept in the window for single photos are not used", file=sys.stderr)
    elif path is not None and path.is_file():
        try:
            store = ReviewStore(path)
        except (StoreError, OutputError) as problem:
            log.warning("the review store %s cannot be read for kept profiles", path, exc_info=True)
            print(f"note: the profiles kept in the window for single photos are not used: {problem}", file=sys.stderr)
    return KeptProfiles(store, profile_for_all(args))


def add_engine_options(parser: argparse.ArgumentParser, methods: bool = False, backbone: bool = True) -> None:
    """--device, --profile and --backbone (defaults: the application's settings), and optionally --quality/--map-method."""
    from pfiq_desktop.engine.icao import list_profiles, your_profiles

    current = SettingsStore().current
    parser.add_argument("--device", type=device_option, default=current.device,
                        help=f"where the network runs: {', '.join(DEVICES)} or cuda:N "
                             f"(default: the application's setting, {current.device})")
    parser.add_argument("--profile", default=SavedSetting(current.profile),
                        help=f"threshold profile: {', '.join(list_profiles() + your_profiles())} or a TOML/JSON file "
                             f"(default: the application's setting, {current.profile})")
    if backbone:
        parser.add_argument("--backbone", default=current.backbone,
                            help="recognition network: a model file (.onnx, .pt) with its .toml sidecar, or "
                                 f"{DEFAULT_BACKBONE} (default: the application's setting, {current.backbone or DEFAULT_BACKBONE})")
    if methods:
        from pfiq_desktop.engine.defaults import DEFAULT_MAP_METHOD, DEFAULT_QUALITY_ESTIMATOR, MAP_METHODS, QUALITY_ESTIMATORS

        parser.add_argument("--quality", default=DEFAULT_QUALITY_ESTIMATOR, choices=QUALITY_ESTIMATORS,
                            help=f"scalar quality estimator (default {DEFAULT_QUALITY_ESTIMATOR})")
        parser.add_argument("--map-method", default=DEFAULT_MAP_METHOD, choices=list(MAP_METHODS),
                            help=f"pixel-level map method (default {DEFAULT_MAP_METHOD})")


def device_option(text: str) -> str:
    """auto, cpu, cuda or cuda:N (an argparse type; whether that GPU exists is checked when the engine starts)."""
    if text in DEVICES or re.fullmatch(r"cuda:\d+", text):
        return text
    raise argparse.ArgumentTypeError(f"unknown device {text!r}; use {', '.join(DEVICES)} or cuda:N")


def positive_int(text: str) -> int:
    """An argparse type for counts (workers, chunk sizes): 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def parse_list(text: str, allowed: Sequence[str]) -> list[str]:
    """'pdf, png' -> ['pdf', 'png'], each one of `allowed` (an argparse type)."""
    items = list(dict.fromkeys(t.strip().lower() for t in text.split(",") if t.strip()))
    unknown = [t for t in items if t not in allowed]
    if unknown or not items:
        raise argparse.ArgumentTypeError(
            f"unknown: {', '.join(unknown) or '(none given)'}; choose a comma list of {', '.join(allowed)}"
        )
    return items


def printable(name: str) -> str:
    """Text safe for one terminal line: undecodable bytes as \\xNN, control characters (a newline) escaped."""
    return one_line(display_name(name))


def print_table(rows: Sequence[Sequence[str]], header: Sequence[str], widths: Sequence[int]) -> None:
    """A plain text table; the last column is not padded or cut."""
    for row in [header, *rows]:
        cells = [fitted(printable(str(cell)), width, pad=True) for cell, width in zip(row[:-1], widths)]
        print("  ".join([*cells, printable(str(row[-1]))]))


def columns(text: str) -> int:
    """Terminal columns `text` takes: a CJK character two, a combining accent none (len() misaligned the table)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fitted(text: str, width: int, pad: bool = False) -> str:
    """`text` in `width` terminal columns, cut in the middle with '…' so a file name keeps its end
    ('…+000E+00.png'); with `pad`, filled with spaces to exactly `width` columns."""
    if columns(text) > width:
        head, tail = _columns_from(text, width - 1 - (width - 1) // 2), _columns_from(text[::-1], (width - 1) // 2)[::-1]
        while tail and unicodedata.combining(tail[0]):  # an accent cut from its letter would sit on the "…"
            tail = tail[1:]
        text = head + "…" + tail if width >= 3 else _columns_from(text, width)
    return text + " " * (width - columns(text)) if pad else text


def _columns_from(text: str, width: int) -> str:
    """The longest start of `text` that fits in `width` terminal columns."""
    used = 0
    for end, ch in enumerate(text):
        used += columns(ch)
        if used > width:
            return text[:end]
    return text


def stop_on_sigterm() -> None:
    """SIGTERM stops a command like Ctrl+C: finished outputs kept, no partial file, exit 130."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def nothing_found(paths: Sequence[str], recursive: bool, what: str) -> str:
    """The message for no photos found, with the hint a folder of dated sub-folders needs (only when it has some)."""
    from pfiq_desktop.engine.discovery import has_subfolders

    nested = not recursive and any(has_subfolders(Path(p)) for p in paths)
    return f"no {what} found in the given paths" + ("; add --recursive to also search their sub-folders" if nested else "")


def missing_inputs(paths: Sequence[str]) -> str | None:
    """The message for named files or folders that do not exist, or None. Analysed as photos, they made a result
    saying "The file 'nightly' does not exist" and exit 1, which a nightly script reads as "a photo had a problem"
    where its share was not mounted (CLI walk-through); `pfiq compare` already refused a missing photo."""
    missing = [printable(str(Path(p).absolute())) for p in paths if not Path(p).exists()]
    if not missing:
        return None
    return (f"no such file or folder: {first_few(missing, 3)}; nothing was done (check the path, or that the "
            "drive or network share holding it is connected)")


def error(text: str) -> None:
    """Tells the user on stderr and records it in the log file (setup_logging)."""
    log.error("%s", text)
    print(f"error: {printable(text)}", file=sys.stderr)


def report_skipped(skipped: Sequence[Skipped]) -> None:
    """Say which folder entries could not be read as photos (broken or looping links...), one line each."""
    for entry in skipped:
        print(f"skipped {printable(str(entry.path))}: {entry.reason}", file=sys.stderr)


def note_annotated(annotated: Sequence[Path]) -> None:
    """Say that annotated pictures this application wrote were left out (`find_images`)."""
    if annotated:
        print(f"note: {counted(len(annotated), 'annotated picture')} written by this application left out (e.g. "
              f"{printable(annotated[0].name)}): not applicants' photos", file=sys.stderr)


def outputs_complete(finished: int) -> str:
    """What a stopped run says of the photos or pairs it finished: nothing where it finished none."""
    return "; their outputs are complete" if finished else ""


def shared_cache() -> AnalysisCache | None:
    """The analysis cache the window and the commands share (`open_cache`), with a note where it cannot be used as it
    was: damaged and begun anew, or not at all (every photo is then analysed, as with --no-cache)."""
    from pfiq_desktop import appdirs
    from pfiq_desktop.review.cache import open_cache, retired_text

    cache, problem = open_cache(appdirs.cache_path())
    for note in (problem, retired_text(cache.retired if cache else 0)):
        if note:
            print(f"note: {note}", file=sys.stderr)
    return cache


def broken_analysis(path: Path) -> bool:
    """Whether a JSON file looks like an analysis of `pfiq analyse` that cannot be read (empty, or truncated after its
    "schema"), not a JSON of the officer's own: those, with a byte-order mark or in UTF-16 as editors write them, were
    called broken results (review)."""
    try:
        data = path.read_bytes()
        json.loads(data)
    except OSError:
        return True
    except ValueError:  # (UnicodeDecodeError is one)
        return not data.strip() or looks_like_analysis(data)
    return False


def analysed_photo(path: Path) -> str | None:
    """The photo an analysis file from `pfiq analyse` names ("source", as written); None for any other file (missing,
    unreadable, another JSON). One test of "is this one of our analyses" for `analyse` and `report`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError:
        log.warning("%s could not be read as an analysis", path, exc_info=True)
        return None
    except (UnicodeDecodeError, ValueError):  # not a JSON file of ours
        return None
    source = data.get("source") if isinstance(data, dict) and "schema" in data and "checks" in data else None
    return path_from_text(source) if isinstance(source, str) else None
