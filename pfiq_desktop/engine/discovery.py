"""Which files are photos: one rule for the CLI, the GUI browser and the reports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm"}
)


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def expand_image_paths(paths: Iterable[str | Path], recursive: bool = False) -> list[Path]:
    """Files as given (whatever their extension, so bad files get reported) and the photos in folders, sorted."""
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            candidates = entry.rglob("*") if recursive else entry.iterdir()
            found.extend(sorted(p for p in candidates if is_image_file(p)))
        else:
            found.append(entry)
    return found
