"""Which photos an audit covers: folders, photos, and text files that list photos.

Paths are made absolute on the client, because workers on other machines open
them by name (a shared mount seen at the same path everywhere), and are not
resolved through symlinks: the user's spelling is the one most likely valid there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pfiq_desktop.engine.discovery import FoundImages, find_images

LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})


def read_file_list(path: Path) -> list[Path]:
    """One photo or folder per line; blank lines and '#' comments skipped; relative lines are relative to the list."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            entry = Path(text).expanduser()
            entries.append(entry if entry.is_absolute() else path.parent / entry)
    return entries


def expand_sources(sources: Iterable[str | Path], recursive: bool = False) -> FoundImages:
    """Absolute photo paths, in order, each once: folders expanded, file lists read, other files kept as given; and
    the folder entries that could not be photos (broken links, pipes), to be reported as every command does."""
    entries: list[Path] = []
    for source in map(Path, sources):
        if source.is_file() and source.suffix.lower() in LIST_SUFFIXES:
            entries.extend(read_file_list(source))
        else:
            entries.append(source)
    found = find_images(entries, recursive=recursive)
    return FoundImages([Path(os.path.abspath(path)) for path in found.files], found.skipped, annotated=found.annotated)
