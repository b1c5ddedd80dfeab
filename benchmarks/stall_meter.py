"""Event-loop stall meter: how late a fast timer fires tells how long the GUI thread was blocked.

Two figures per gap between ticks: the wall-clock lateness (what the officer
feels) and the GUI thread's own CPU time in that gap (`time.thread_time`),
which separates work done on the GUI thread from time the operating system
gave to other processes on a busy machine.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class StallMeter(QObject):
    """Ticks every `interval_ms`; the longest gap between ticks minus the interval is the worst stall."""

    def __init__(self, interval_ms: int = 5, parent=None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000.0
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.reset()

    def reset(self) -> None:
        self.last = None
        self.last_cpu = None
        self.worst = 0.0
        self.worst_cpu = 0.0  # GUI-thread CPU time inside the worst-CPU gap
        self.ticks = 0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.reset()
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer.start()

    def restart_stats(self) -> None:
        """Forget the figures so far but keep ticking (e.g. after the opening action itself)."""
        last, last_cpu = self.last, self.last_cpu
        self.reset()
        self.last, self.last_cpu = last, last_cpu

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.last is not None:
            stall = max(0.0, now - self.last - self.interval)
            self.gaps.append(stall)
            self.worst = max(self.worst, stall)
            self.worst_cpu = max(self.worst_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu
        self.ticks += 1

    def percentile(self, q: float) -> float:
        if not self.gaps:
            return 0.0
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
