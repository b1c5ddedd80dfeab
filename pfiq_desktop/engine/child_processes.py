"""How the engine starts child processes: spawned (no forked copy of a Qt or torch process), and ending with their parent.

A parent killed outright (kill -9, a crash, the task manager) cannot stop its pool: a child busy with a search when
that happened lived on for minutes, holding a few hundred MB, and one that had started waiting on its task queue could
wait for ever. Each child therefore watches its parent's sentinel (a pipe on POSIX, a handle on Windows) and exits the
moment the parent is gone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pfiq_desktop.logs import current_log_file, follow_log


def exit_with_parent() -> None:
    """In a child process: end it as soon as its parent process ends (nothing to do in a process with no parent)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)  # no clean-up to run: the results have nobody to go to

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _start_child(initializer: Callable[[], None] | None, log_file: Path | None) -> None:
    exit_with_parent()
    follow_log(log_file)
    if initializer is not None:
        initializer()


def spawn_pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that end with this one and log to its log file; `initializer` (a
    module-level function) runs first in each."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_child,
                               initargs=(initializer, current_log_file()))
