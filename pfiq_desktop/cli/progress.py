"""One progress report for every `pfiq` command, on stderr: a bar redrawn in place on a terminal, a plain line per
step in a log file or a pipe (the bar's carriage returns and padding made cron logs unreadable)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def print_progress(done: int, total: int, label: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    if not stream.isatty():
        stream.write(f"{done}/{total} {label}\n")
        stream.flush()
        return
    width = 24
    filled = round(width * done / total) if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:56]:<56}")
    if done == total:
        stream.write("\n")
    stream.flush()


class RateMeter:
    """Throughput and time left for a progress label ('12.3 photos/s, ETA 0:04:10'), from this run's own pace."""

    def __init__(self, unit: str = "photos", clock: Callable[[], float] = time.monotonic) -> None:
        self.unit = unit
        self._clock = clock
        self._start = clock()

    def label(self, done: int, total: int) -> str:
        elapsed = self._clock() - self._start
        if done <= 0 or elapsed <= 0:
            return f"0 {self.unit}/s, ETA -"
        rate = done / elapsed
        left = round((total - done) / rate)
        return f"{rate:.1f} {self.unit}/s, ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
