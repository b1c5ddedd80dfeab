"""Background engine: one long-lived Analyzer in a QThread, a queue with priority.

The thread owns the engine (models load once). Jobs (`Job`) wait in a
queue guarded by a condition variable; the officer's current image jumps the
queue; cancelling drops the queued analyses (not rechecks or comparisons) and takes effect between images
(cooperative, the image being analysed finishes). Results come back to the GUI
thread through queued signals, so the GUI thread never waits on the engine.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QObject, QThread, Signal

from pfiq_desktop import __version__
from pfiq_desktop.engine.comparison import Comparison
from pfiq_desktop.engine.protocol import Engine
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.gui.display import DisplayResult
from pfiq_desktop.review.cache import AnalysisCache

log = logging.getLogger(__name__)

EngineFactory = Callable[..., Engine]  # (device, profile), plus backbone=FILE when one other than the built-in is chosen


class Job(NamedTuple):
    """One piece of the worker's work: `kind` ("engine", "profile", "analyse", "recheck", "compare", "backbone"),
    the photo (or profile) it is about, and what else it needs: the earlier analysis to re-check, the reference photo
    to compare with, or the model file of the network to analyse with; and for a re-check, the profile of that photo's
    own ('' for the engine's). Equal jobs are the same work: an analysis is queued once."""

    kind: str
    path: str
    extra: Analysis | str | None = None
    profile: str = ""

NO_ENGINE = "The analysis engine is not available."  # where loading it failed without saying why


def default_engine_factory(device: str, profile: str, backbone: str = "") -> Engine:
    from pfiq_desktop.engine.analyzer import Analyzer

    # the detector's CNN fallback holds Python's lock for ~0.5 s: in its own process the window stays live meanwhile
    return Analyzer(device=device, profile=profile, backbone=backbone or None, fallback_apart=True)


def error_analysis(path: str, message: str) -> Analysis:
    return Analysis(source=str(path), image_size=(0, 0), errors=[message], app_version=__version__)


def lower_thread_priority(niceness: int = 5) -> None:
    """Be nice to the GUI thread: the engine thread (and the compute threads it starts) yield the CPU first.

    On Linux niceness is per thread and inherited by threads created later, so
    torch's worker pool, started from this thread, inherits it too.
    """
    QThread.currentThread().setPriority(QThread.Priority.LowPriority)
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            log.info("could not lower the engine thread's priority", exc_info=True)


class AnalysisWorker(QThread):
    """Runs analyses one image at a time; talk to it only through its methods and signals."""

    engineReady = Signal(str)  # description (device, profile)
    engineFailed = Signal(str)  # message
    # Paths travel as `object`: a Qt string would drop the undecodable bytes a file name may hold.
    itemStarted = Signal(object)  # path
    itemDone = Signal(object, object)  # path, DisplayResult
    rechecked = Signal(object, object)  # path, DisplayResult under the new profile
    progress = Signal(int, int)  # done, total of the current batch
    batchFinished = Signal(int)  # how many were analysed
    cancelled = Signal(object)  # list of the paths dropped from the queue
    leftPending = Signal(object)  # list of the paths not analysed because no engine could start
    compared = Signal(object, object)  # path of photo A, Comparison
    compareFailed = Signal(object, str)  # path of photo A, message
    backboneAnalysed = Signal(object, str, object)  # path, model file, DisplayResult with that network
    backboneFailed = Signal(object, str, str)  # path, model file, message

    def __init__(
        self,
        factory: EngineFactory | None,
        device: str,
        profile: str,
        cache: AnalysisCache | None = None,
        parent: QObject | None = None,
        backbone: str = "",
    ) -> None:
        super().__init__(parent)
        self._factory = factory or default_engine_factory
        self._device = device
        self._backbone = backbone  # "" = the built-in network
        self._profile = profile
        self._cache = cache
        self._cond = threading.Condition()
        self._queue: deque[Job] = deque()
        self._running: str | None = None  # the image being analysed now
        self._running_batch = 0  # ... and the batch it counts in
        self._batch = 0  # counts restart with each batch of other photos; an analysis counts only in its own batch
        self._analysed: set[str] = set()  # the images this batch analysed (their results sent to the window)
        self._looked_at: Job | None = None  # an analysis queued only because the officer opened that photo
        self._stop = False
        self._reconfigure = True
        self._profile_changed = False  # set_profile: switched before the next job
        self._done = 0
        self._total = 0
        self.engine: Engine | None = None
        self.engine_error = ""
        self._second: tuple[str, Engine] | None = None  # (model file, engine) of the last network compared with

    # -- API for the GUI thread --------------------------------------------
    def enqueue(self, paths: Iterable[str | Path]) -> None:
        """Queue analyses, but not of a photo queued already, being analysed, or whose result is on its way (F5 while
        a photo was analysed queued it a second time)."""
        jobs = [Job("analyse", str(p)) for p in paths]
        with self._cond:
            known = {job.path for job in self._queue if job.kind == "analyse"} | self._analysed | {self._running}
            jobs = [j for j in jobs if j.path not in known]
            self._queue.extend(jobs)
            self._looked_at = None  # now in the batch too: never dropped for being passed over
            self._total += len(jobs)
            self._cond.notify_all()

    def analyse_next(self, path: str | Path) -> None:
        """The image the officer opened is analysed next: moved to the front of the queue, or queued there when a
        cancelled batch left it out (it waited for ever), unless it is being analysed now or its result is on its way
        to the window (shown before that result arrived, a photo was analysed twice). A photo queued so and passed
        over before its turn leaves the queue: holding Down through 200 pending photos queued 124 of them."""
        job = Job("analyse", str(path))
        with self._cond:
            if self._running == job.path or job.path in self._analysed:
                return
            if self._looked_at not in (None, job) and self._looked_at in self._queue:
                self._queue.remove(self._looked_at)
                self._total -= 1
            if job in self._queue:
                self._queue.remove(job)
            else:
                self._total += 1
                self._looked_at = job
            self._queue.appendleft(job)
            self._cond.notify_all()

    def recheck(self, items: Iterable[tuple[str, Analysis]], first: str | None = None) -> None:
        """Queue check re-evaluation (after a profile switch); `first` goes first. Re-evaluations still queued from
        an earlier switch are dropped, and any queued for these photos: these re-evaluate them again, under the newer
        profile (a photo's re-evaluation under a profile of its own, `recheck_as`, stays unless it is among them)."""
        jobs = [Job("recheck", str(p), a) for p, a in items]
        jobs.sort(key=lambda j: j.path != first)
        paths = {job.path for job in jobs}
        with self._cond:
            self._queue = deque(job for job in self._queue if job.kind != "recheck" or (job.profile and job.path not in paths))
            self._queue.extendleft(reversed(jobs))
            self._cond.notify_all()

    def recheck_as(self, path: str, analysis: Analysis, profile: str) -> None:
        """Re-evaluate one photo's checks under `profile`, a profile of its own (the officer's choice for that photo;
        '' for the engine's, as all photos), before any queued analysis: the officer is looking at it. One queued for
        it before is dropped: Down through the profiles queued one for each, and the oldest, run last, stayed on
        screen."""
        with self._cond:
            self._queue = deque(job for job in self._queue if job.kind != "recheck" or job.path != path)
            self._queue.appendleft(Job("recheck", path, analysis, profile))
            self._cond.notify_all()

    def compare(self, path: str | Path, reference: str | Path, profile: str = "") -> None:
        """Compare a photo with a reference photo before any queued analysis (the officer is waiting), both judged
        under `profile` where the photo has one of its own ('' for the engine's)."""
        with self._cond:
            self._queue.appendleft(Job("compare", str(path), str(reference), profile))
            self._cond.notify_all()

    def analyse_with(self, path: str | Path, model: str, profile: str) -> None:
        """Analyse one photo with another recognition network (a model file) before any queued analysis, its checks
        under `profile`: the first network's result's (the photo's own, or the window's at the time)."""
        with self._cond:
            self._queue.appendleft(Job("backbone", str(path), model, profile))
            self._cond.notify_all()

    def set_profile(self, profile: str) -> None:
        """Judge under `profile` from the next job on, whatever was queued before or is moved to the front after: as a
        queued job, a photo opened just after the switch was moved ahead of it and judged under the old profile,
        while the window showed the new one (profile author's walk-through)."""
        with self._cond:
            self._profile = profile
            self._profile_changed = True
            self._cond.notify_all()

    def set_device(self, device: str) -> None:
        with self._cond:
            if device != self._device:
                self._device = device
                self._reconfigure = True
                self._cond.notify_all()

    def set_backbone(self, backbone: str) -> None:
        """Load another recognition network (a model file, or "" for the built-in one) before the next photo."""
        with self._cond:
            if backbone != self._backbone:
                self._backbone = backbone
                self._reconfigure = True
                self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return sum(1 for job in self._queue if job.kind == "analyse")

    def cancel(self, new_batch: bool = False) -> list[str]:
        """Drop the queued analyses; the image in progress finishes. Returns the dropped paths. With `new_batch`
        (other photos replace these) the counts start again and the image in progress is not counted: 120 photos
        opened after a cancelled batch read "Analysing 8 / 121". The re-checks of the photos replaced go too: one
        under a photo's own profile, run after the folder was opened again, judged the new record under the old choice
        (review)."""
        gone = ("analyse", "recheck") if new_batch else ("analyse",)
        with self._cond:
            dropped = [job.path for job in self._queue if job.kind == "analyse"]
            self._queue = deque(job for job in self._queue if job.kind not in gone)
            # the image in progress finishes, and counts, if it is one of this batch's (not another folder's)
            self._total = self._done + (self._running is not None and self._running_batch == self._batch)
            if new_batch:
                self._done = self._total = 0
                self._batch += 1
                self._analysed.clear()
        if dropped:
            self.cancelled.emit(dropped)
        return dropped

    def stop(self, wait_ms: int = 30000) -> None:
        with self._cond:
            self._stop = True
            self._queue.clear()
            self._cond.notify_all()
        self.wait(wait_ms)

    # -- thread body --------------------------------------------------------
    def run(self) -> None:
        threading.current_thread().name = "engine"  # the log named it "Dummy-1" (support walk-through)
        lower_thread_priority()
        while True:
            with self._cond:
                while not self._stop and not self._queue and not self._reconfigure and not self._profile_changed:
                    self._cond.wait()
                if self._stop:
                    return
                if self._reconfigure:
                    self._reconfigure = False
                    self._profile_changed = False  # the engine loads under the worker's profile
                    job = Job("engine", "")  # no argument: it loads the worker's own device, profile and network
                elif self._profile_changed:
                    self._profile_changed = False
                    job = Job("profile", self._profile)
                else:
                    job = self._queue.popleft()
                self._running = job.path if job.kind == "analyse" else None
                self._running_batch = self._batch
                batch = self._batch
            kind, path, extra, _ = job
            if kind == "engine":
                self._load_engine()
            elif kind == "profile":
                self._switch_profile(path)
            elif kind == "analyse":
                if self.engine is None:
                    self._leave_pending(path)
                else:
                    self._analyse(self.engine, path, batch)
            elif kind == "recheck" and isinstance(extra, Analysis):
                self._recheck(path, extra, job.profile)
            elif kind == "compare" and isinstance(extra, str):
                self._compare(path, extra, job.profile)
            elif kind == "backbone" and isinstance(extra, str):
                self._analyse_with(path, extra, job.profile)
            else:  # a fault of ours: said in the log, and the queue goes on
                log.error("the worker was given a job it does not know: %r", job[:2])
            with self._cond:
                self._running = None
                idle = not any(j.kind == "analyse" for j in self._queue)
                finished = self._done if idle and self._total else None
                if idle:
                    self._done = self._total = 0
            if finished is not None:
                self.batchFinished.emit(finished)

    def _load_engine(self) -> None:
        log.info("starting the analysis engine: device %r, profile %r, network %r (the window's settings)",
                 self._device, self._profile, self._backbone or "built-in")
        started = time.perf_counter()
        try:
            extra = {"backbone": self._backbone} if self._backbone else {}
            self.engine = self._factory(self._device, self._profile, **extra)
            self.engine_error = ""
            log.info("the analysis engine is ready in %.1f s: %s", time.perf_counter() - started, self.engine.describe())
            # Move everything alive now (torch, Qt wrappers, the model) out of the collector's reach:
            # a full collection walking those ~200k objects held the GIL for ~100 ms, stalling the GUI.
            gc.freeze()
            self.engineReady.emit(self.engine.describe())
        except Exception as exc:  # shown to the user and logged; the app stays usable
            log.exception("the analysis engine could not start")
            self.engine = None
            self.engine_error = f"The analysis engine could not start: {exc}"
            self.engineFailed.emit(self.engine_error)

    def _switch_profile(self, profile: str) -> None:
        if self.engine is None:
            return
        try:
            self.engine.set_profile(profile)
        except Exception as exc:  # a broken profile file: said in the window, logged
            log.exception("cannot switch to profile %r", profile)
            self.engineFailed.emit(f"Cannot switch to profile {profile!r}: {exc}")
            return
        self.engineReady.emit(self.engine.describe())  # the status bar names the profile in use

    def _leave_pending(self, path: str) -> None:
        """No engine: nothing can be checked, so `path` and the queued photos stay pending (`leftPending`), analysed once
        an engine starts. Each was given an error analysis: every photo showed ERROR with "could not be analysed"
        ticked, and Accept told the officer to reject it, over a setup problem (wording review)."""
        with self._cond:
            dropped = [path, *(job.path for job in self._queue if job.kind == "analyse")]
            self._queue = deque(job for job in self._queue if job.kind != "analyse")
            self._done = self._total = 0
        self.leftPending.emit(dropped)

    def _analyse(self, engine: Engine, path: str, batch: int) -> None:
        self.itemStarted.emit(path)
        try:
            analysis = self._cache.analyse(engine, path) if self._cache else engine.analyse(path)
        except Exception as exc:  # bad input never takes the batch down
            log.exception("unexpected error while analysing %s", path)
            analysis = error_analysis(path, f"Unexpected error while analysing: {exc}")
        if analysis.errors:  # the loader names the file only; the window's log had no folder (support walk-through)
            log.warning("%s was not analysed: %s", path, analysis.errors[0])
        shown = DisplayResult.prepare(analysis)
        with self._cond:
            if batch == self._batch:  # else other photos replaced its batch while it ran: not one of theirs
                self._done += 1
                self._analysed.add(path)
            done, total = self._done, max(self._total, self._done)
            if self._profile_changed and analysis.ok:  # switched while it ran: the window's re-checks could not list it
                self._queue.appendleft(Job("recheck", path, analysis))  # (after the switch, which goes first)
        self.itemDone.emit(path, shown)
        self.progress.emit(done, total)

    def _compare(self, path: str, reference: str, profile: str) -> None:
        if self.engine is None:
            self.compareFailed.emit(path, self.engine_error or NO_ENGINE)
            return
        try:
            comparison: Comparison = self.engine.compare(path, reference, profile=profile or None)
        except Exception as exc:  # said in the window and logged; the queue goes on
            log.exception("comparing %s with %s failed", path, reference)
            self.compareFailed.emit(path, f"The comparison failed: {exc}")
            return
        self.compared.emit(path, comparison)

    def _analyse_with(self, path: str, model: str, profile: str) -> None:
        """The compare mode's second analysis; that network stays loaded for the next photo compared with it. Its
        checks are re-run where its engine's profile is not `profile` (a photo's own, or a window-wide switch since it
        loaded): differences between the two results must be the networks'."""
        try:
            if self._second is None or self._second[0] != model:
                self._second = None  # the previous one goes before the next one loads
                self._second = (model, self._factory(self._device, self._profile, backbone=model))
            analysis = self._second[1].analyse(path)
            if analysis.ok and profile and analysis.profile != profile:
                analysis = self._second[1].recheck(analysis, profile=profile)
        except Exception as exc:  # a bad model file: its loader's one line, shown in the dialog
            log.exception("analysing %s with %s failed", path, model)
            self.backboneFailed.emit(path, model, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        self.backboneAnalysed.emit(path, model, DisplayResult.prepare(analysis))

    def _recheck(self, path: str, analysis: Analysis, profile: str) -> None:
        """Re-evaluate under the engine's profile, or `profile` where the photo has one of its own."""
        if self.engine is None or not analysis.ok:
            return
        try:
            new = self.engine.recheck(analysis, profile=profile or None)
        except Exception as exc:  # the old result stays visible with the error beside it
            log.exception("re-evaluating the checks of %s failed", path)
            new = dataclasses.replace(analysis, errors=[f"Re-evaluating the checks failed: {exc}"])
        with self._cond:  # the officer switched again meanwhile: that switch re-evaluates this photo after its profile
            superseded = self._profile_changed and not profile
        if not superseded:
            self.rechecked.emit(path, DisplayResult.prepare(new))
