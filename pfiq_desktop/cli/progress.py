"""One terminal progress bar for every `pfiq` command (written to stderr, redrawn in place)."""

from __future__ import annotations

import sys
from typing import TextIO


def print_progress(done: int, total: int, label: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    width = 24
    filled = round(width * done / total) if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:56]:<56}")
    if done == total:
        stream.write("\n")
    stream.flush()
