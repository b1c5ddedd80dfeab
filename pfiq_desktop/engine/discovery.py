"""Which files are photos: one rule for the CLI, the GUI browser and the reports."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm"}
)


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def expand_image_paths(paths: Iterable[str | Path], recursive: bool = False) -> list[Path]:
    """Files as given (whatever their extension, so bad files get reported) and the photos in folders, sorted.

    A photo named twice (as a file and through its folder, or through a link) is listed once.
    """
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            candidates = entry.rglob("*") if recursive else entry.iterdir()
            found.extend(sorted(p for p in candidates if is_image_file(p)))
        else:
            found.append(entry)
    seen: set[str] = set()
    unique = []
    for resolved, path in zip(resolve_paths(found), found):
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


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
