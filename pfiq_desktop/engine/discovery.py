"""Which files are photos: one rule for the CLI, the GUI browser and the reports."""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pfiq_desktop import APP_NAME
from pfiq_desktop.engine.filenames import path_from_text

log = logging.getLogger(__name__)

# the PNG text entry of the annotated pictures `pfiq analyse` and exports write (photo and map side by side: two faces
# to the detector): never taken for an applicant's photo
ANNOTATED_MARK = ("Software", f"{APP_NAME} annotated report")
ANNOTATED_SOURCE = "Source"  # ... and the one naming the photo it shows, as the analysis does

# photo-like names: found, listed and analysed; one imageio cannot read is then reported as "not supported"
# instead of being left out without a word (.jfif, .jpe and .mpo are JPEGs; .j2k, .j2c, .jpf and .jpx JPEG 2000;
# .heic/.heif, phones' default, are listed so the officer is told to convert them)
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".jp2", ".j2k", ".j2c",
     ".jpf", ".jpx", ".pgm", ".ppm", ".pbm", ".heic", ".heif", ".avif"}
)


@dataclass(frozen=True)
class Skipped:
    """An entry in a folder that looks like a photo but cannot be one (broken or looping link, pipe...)."""

    path: Path
    reason: str


@dataclass
class FoundImages:
    """What `find_images` found: the files to analyse and what it had to leave out, with why."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # each file's absolute path, links resolved (`resolve_paths`)
    annotated: list[Path] = field(default_factory=list)  # annotated pictures this application wrote (ANNOTATED_MARK)


def find_images(
    paths: Iterable[str | os.PathLike[str]], recursive: bool = False, outputs: str | os.PathLike[str] | None = None,
    extensions: frozenset[str] = IMAGE_EXTENSIONS,
) -> FoundImages:
    """Files as given (whatever their extension, so bad files get reported) and the photos in folders, sorted.

    Folder entries with a photo extension that cannot be read as a file (a broken
    or looping link, a pipe, a folder that cannot be listed) are reported in
    `skipped`, never left out silently. A photo named twice (as a file and through
    its folder, or through a link) is listed once. The folder `outputs` (a run's own
    output folder, inside the photos' folder) is not searched, and annotated pictures found elsewhere (an earlier
    run's output folder) are left out into `annotated`: they are not applicants' photos, and `pfiq analyse --recursive`
    reported them as faceless ones (CLI walk-through). `extensions`: the names searched for in folders (photos unless
    said otherwise).
    """
    found = FoundImages()
    listed: list[Path] = []
    skip = os.path.realpath(outputs) if outputs is not None else None
    for entry in map(Path, paths):
        if entry.is_dir():
            in_folder: list[Path] = []
            _scan(entry, recursive, in_folder, found.skipped, skip, extensions)
            listed.extend(sorted(in_folder))
        else:
            listed.append(entry)
    kept: dict[str, int] = {}  # resolved path -> its place in found.files
    for resolved, path in zip(resolve_paths(listed), listed):
        if path.suffix.lower() == ".png" and is_annotated_png(path):
            if path not in found.annotated:
                found.annotated.append(path)
        elif resolved not in kept:
            kept[resolved] = len(found.files)
            found.files.append(path)
            found.resolved.append(resolved)
        elif found.files[kept[resolved]].is_symlink() and not path.is_symlink():
            found.files[kept[resolved]] = path  # the photo under its own name, not a link's (link_to_top.jpg hid top.jpg)
    return found


def is_annotated_png(path: str | Path) -> bool:
    """Whether a file is an annotated picture this application wrote (its PNG text entry; read from the header)."""
    return _annotated_text(path) is not None


def annotated_photo(path: str | Path) -> str | None:
    """The photo an annotated picture this application wrote shows, as its analysis names it; None for any other file
    or one written before pictures named it. `pfiq analyse --format png` wrote no JSON to tell whose result a picture
    was, so a re-run was refused and --overwrite then gave an applicant's name to another's picture (CLI walk-through)."""
    text = _annotated_text(path)
    source = text.get(ANNOTATED_SOURCE) if text is not None else None
    return path_from_text(source) if source is not None else None


def _annotated_text(path: str | Path) -> dict[str, str] | None:
    """The PNG text entries of an annotated picture this application wrote; None for any other file."""
    try:
        with Image.open(path) as png:
            info = png.info if png.format == "PNG" else {}
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):  # not readable as an image, or a header
        return None  # claiming a size no report of ours has (`pfiq report` on such a folder stopped with a traceback)
    if info.get(ANNOTATED_MARK[0]) != ANNOTATED_MARK[1]:
        return None
    return {key: value for key, value in info.items() if isinstance(key, str) and isinstance(value, str)}


def _scan(folder: Path, recursive: bool, files: list[Path], skipped: list[Skipped], outputs: str | None = None,
          extensions: frozenset[str] = IMAGE_EXTENSIONS) -> None:
    """Photo files of `folder` (and of its sub-folders when `recursive`; linked folders are not followed, nor is the
    sub-folder whose resolved path is `outputs`)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        skipped.append(Skipped(folder, f"the folder cannot be listed ({error.strerror or error})"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if recursive and entry.is_dir(follow_symlinks=False):
            if os.path.realpath(entry.path) != outputs:
                _scan(Path(entry.path), recursive, files, skipped, outputs, extensions)
        elif os.path.splitext(entry.name)[1].lower() in extensions:
            reason = _why_not_a_file(entry)
            if reason:
                skipped.append(Skipped(Path(entry.path), reason))
            elif reason is None:
                files.append(Path(entry.path))


def _why_not_a_file(entry: os.DirEntry[str]) -> str | None:
    """None for a regular file (or a link to one); '' for a folder (not reported); else the reason to report."""
    try:
        if entry.is_file():
            return None
        if entry.is_dir():
            return ""
        os.stat(entry.path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a link that loops back on itself"
        if entry.is_symlink():
            return "a broken link (what it points to does not exist)"
        return f"cannot be read ({error.strerror or error})"
    return "not a regular file (a pipe, socket or device)"


def has_subfolders(folder: Path) -> bool:
    """Whether a folder holds another folder (a folder of dated sub-folders shows no photo of its own); False for
    anything else, or when it cannot be listed (the search reports that folder itself)."""
    try:
        return folder.is_dir() and any(entry.is_dir() for entry in folder.iterdir())
    except OSError:
        log.warning("cannot list %s", folder, exc_info=True)
        return False


def resolve_paths(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Absolute paths with symlinks resolved, as `os.path.realpath` gives them.

    A folder of thousands of photos shares one parent: it is resolved once and
    only files that are themselves links are resolved one by one (realpath per
    file was most of the time it took to open a large folder).
    """
    parents: dict[str, str] = {}
    resolved: list[str] = []
    cwd = os.getcwd()
    for entry in paths:
        path = os.fspath(entry)
        # not abspath: its lexical '..' handling differs from realpath's after a linked folder
        parent, name = os.path.split(os.path.join(cwd, path))
        if name in ("", ".", "..") or os.path.islink(path):
            resolved.append(os.path.realpath(path))
            continue
        if parent not in parents:
            parents[parent] = os.path.realpath(parent)
        resolved.append(os.path.join(parents[parent], name))
    return resolved
