"""Output file names that are valid on Windows, macOS and Linux, and unique within a batch."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import chain, count
from pathlib import Path, PurePath

from pfiq_desktop.engine.filenames import display_name, first_few, valid_name

# Names Windows reserves in every folder, with or without an extension.
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{stem}{n}" for stem in ("COM", "LPT") for n in (*range(1, 10), "¹", "²", "³")
}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# what a report run can write: one file per photo, the only outputs that draw its maps, and one file for all the photos
PER_PHOTO_FORMATS = ("pdf", "png")
SUMMARY_NAME = "pfiq-summary.pdf"
BATCH_FILES = {"summary": SUMMARY_NAME, "csv": "pfiq-results.csv", "json": "pfiq-results.json"}
REPORT_FORMATS = (*PER_PHOTO_FORMATS, *BATCH_FILES)
MAX_STEM = 100  # leaves room for a suffix, an extension and the temp-file prefix within 255 bytes


def safe_stem(name: str | PurePath, max_length: int = MAX_STEM) -> str:
    """A file-name stem (no extension) that every desktop file system accepts.

    Replaces characters Windows forbids, control characters and path separators with
    '_', drops trailing dots and spaces (Windows strips them silently), avoids the
    reserved device names (CON, NUL, COM1...), normalises Unicode to NFC (macOS stores
    NFD; comparing names then works) and caps the length in UTF-8 bytes. A name that is
    not valid UTF-8 (Linux bytes) keeps its readable part: undecodable bytes become
    '_xNN'.
    """
    stem = PurePath(str(name)).stem if isinstance(name, PurePath) else str(name)
    # valid_name, not display_name: escaping a direction control gave a new name, and a re-run left the 0.4.8 outputs
    # of such a photo beside the new ones, counted twice by a summary of the folder (upgrade walk-through)
    stem = unicodedata.normalize("NFC", valid_name(stem))
    stem = _FORBIDDEN.sub("_", stem).strip().strip(".").strip()
    if not stem:
        stem = "photo"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    encoded = stem.encode("utf-8")
    if len(encoded) > max_length:
        stem = encoded[:max_length].decode("utf-8", errors="ignore").rstrip(" .") or "photo"
    return stem


def _base(source: str | PurePath) -> str:
    """The safe stem a source's outputs are named after, before any number."""
    return safe_stem(PurePath(str(source)).stem or str(source))


def _numbered(base: str, n: int) -> str:
    """The n-th name of `base`: base, base_2, base_3, ..."""
    return base if n == 1 else f"{base}_{n}"


def free_stem(base: str, used: Callable[[str], bool]) -> str:
    """The first of base, base_2, base_3, ... that `used` does not claim."""
    return next(name for name in map(partial(_numbered, base), count(1)) if not used(name))


def unique_stems(sources: Iterable[str | PurePath], claimed: Callable[[str], bool] = lambda name: False) -> list[str]:
    """One safe stem per source, made unique case-insensitively (macOS and Windows ignore case), none that `claimed`
    says is taken elsewhere (an earlier export's files)."""
    used: set[str] = set()
    stems = []
    for base in map(_base, sources):
        stem = free_stem(base, lambda name: name.casefold() in used or claimed(name))
        used.add(stem.casefold())
        stems.append(stem)
    return stems


def result_stems(folder: Path, sources: Sequence[str | PurePath], keys: Sequence[str],
                 made_for: Callable[[Path], str | None]) -> list[str]:
    """One stem per result to write into `folder`, as `unique_stems` names them, but stepping past any name whose JSON
    there was made for another item: `made_for(json)` is the key it was made for (None: no JSON to tell), `keys` are
    the items'. Camera names such as IMG_0001 repeat between applicants: a run into a folder holding another
    applicant's IMG_0001 was refused, and --overwrite then replaced that applicant's result. An item's own earlier
    result keeps its name, whatever number an earlier run gave it, so a re-run replaces it, even past a gap in the
    numbers (a result deleted hid base_3 behind it: a re-run wrote base_2 and left base_3 stale)."""
    found: dict[str, str | None] = {}  # stem -> the key its JSON was made for, read once

    def owner(stem: str) -> str | None:
        if stem not in found:
            found[stem] = made_for(folder / f"{stem}.json")
        return found[stem]

    numbers: dict[str, list[int]] = {}  # base -> the numbers its results in the folder carry (base_2, base_3, ...)
    for path in chain(folder.glob("*.json"), folder.glob("*.png")):  # (a folder it cannot list: none; a picture alone: --format png)
        if numbered := re.fullmatch(r"(.+)_(\d+)", path.stem):
            numbers.setdefault(numbered[1], []).append(int(numbered[2]))

    def earlier(base: str, key: str) -> str | None:
        """The name of the item's own earlier result among the folder's base, base_2, ...; None if none."""
        return next((stem for stem in map(partial(_numbered, base), [1, *sorted(numbers.get(base, []))])
                     if owner(stem) == key), None)

    bases = [_base(source) for source in sources]
    stems = [earlier(base, key) for base, key in zip(bases, keys, strict=True)]
    taken = {stem.casefold() for stem in stems if stem is not None}
    for index, base in enumerate(bases):  # then free names for the others
        if stems[index] is None:
            stem = free_stem(base, lambda s: s.casefold() in taken or owner(s) is not None)
            stems[index] = stem
            taken.add(stem.casefold())
    return [str(stem) for stem in stems]


def over_photos(outputs: Iterable[Path], photos: Iterable[str | PurePath]) -> list[Path]:
    """The outputs that would replace one of the photos themselves (an output folder that is the photos' own, where
    x.png's annotated picture is named x.png): never written, whatever --overwrite says."""
    def key(path: str | PurePath) -> str:
        return os.path.normcase(os.path.realpath(path))

    originals = {key(photo) for photo in photos}
    return [path for path in outputs if key(path) in originals]


def over_photos_text(folder: str | PurePath, clashes: list[Path]) -> str:
    """Why nothing is written when outputs would replace photos (the CLI's error, the window's message)."""
    names = first_few([display_name(path.name) for path in clashes], 3)
    return (f"{folder} holds the photos themselves: the outputs would replace {names}. Nothing was written; "
            "choose another output folder.")
