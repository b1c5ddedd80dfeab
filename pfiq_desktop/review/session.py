"""The officer's work on a set of photos, without Qt: what is open, what is selected, the decisions.

The main window drives a `ReviewSession` and shows it; the rules live here so
they are the same whatever the front end, and testable without a window.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pfiq_desktop.engine.comparison import NO_MATCH, NOT_COMPARED, Comparison
from pfiq_desktop.engine.discovery import Skipped, find_images, has_subfolders
from pfiq_desktop.engine.filenames import display_name, search_key
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.icao import failure_kind
from pfiq_desktop.engine.icao.registry import FixRank, fix_rank
from pfiq_desktop.engine.results import Analysis, Verdict
from pfiq_desktop.review.own_profiles import is_offered, why_unusable
from pfiq_desktop.review.reasons import (
    NOT_ANALYSABLE,
    NOT_ANALYSED_YET,
    REFERENCE_NO_MATCH,
    failed_problems,
    problem_label,
    reference_check_code,
    warned_problems,
)
from pfiq_desktop.review.store import ACCEPT, Decision, DecisionError, KeptProfile, OverrideNeedsNote, ReviewStore
from pfiq_desktop.review.values import when

log = logging.getLogger(__name__)



class AwaitingResults(DecisionError):
    """An accept that must wait for the photo's checks (not analysed yet, or not yet under its own profile): the
    results it waits for answer it, and the window then says so."""

    def __init__(self, message: str, profile: str = "") -> None:
        super().__init__(message)
        self.profile = profile  # the profile the checks must run under ('' for any first results)


class DecidedElsewhere(DecisionError):
    """The photo was decided, or its decision withdrawn, elsewhere (another window, another officer on the same store)
    since this session read it: two officers on one store replaced each other's decisions without a word
    (resilience walk-through). Nothing is saved; the session now holds the store's decision."""

    def __init__(self, current: Decision | None) -> None:
        self.current = current
        if current is None:
            what = "Its decision was withdrawn meanwhile, elsewhere"
        else:
            what = f"It was decided meanwhile, elsewhere: {current.label} by {current.signed_by} at {when(current.decided_at)}"
        super().__init__(f"{what}. Nothing was saved: look at it again and decide to replace that.")


def _stamp(decision: Decision | None) -> tuple[str, str, str] | None:
    """What tells two readings of a photo's decision apart: its kind, when and by whom it was made."""
    return None if decision is None else (decision.decision, decision.decided_at, decision.login)


@dataclass
class PhotoRecord:
    """One open photo: its analysis status, result and the officer's decision."""

    path: str  # absolute, symlinks resolved: the review store's key
    status: str = "pending"  # pending / analysing, then one of palette.RESULT_ORDER
    analysis: Analysis | None = None
    decision: Decision | None = None
    name: str = field(init=False)  # asked for on every paint and sort: computed once
    search_key: str = field(init=False)  # ... and the name as a search matches it (`filenames.search_key`)
    failed: tuple[str, ...] = ()  # ids of the subject's failed checks
    # ... each failed check's problem, its direction named (`reasons.problem_label`), and its place in the fix order
    failed_as: dict[str, FixRank] = field(default_factory=dict)
    warned_as: tuple[str, ...] = ()  # ... and each warning's
    problems: tuple[str, ...] = ()  # ... and what each found, in words (`reasons.problem_label`)
    warnings: tuple[str, ...] = ()  # what the warnings found, to look at (`reasons.warned_problems`)
    failure: str = ""  # '', 'framing' (resolution or crop only) or 'face' (needs a new photo)
    profile: str = ""  # the profile the officer chose for this photo alone ('' = the window's, as all photos)
    same_picture: Decision | None = None  # undecided, the latest decision on its very bytes under another name
    profile_for: str = ""  # ... and the bytes (SHA-256) of the photo it was chosen for

    def __post_init__(self) -> None:
        self.name = display_name(os.path.basename(self.path))
        self.search_key = search_key(self.name)

    def set_analysis(self, analysis: Analysis) -> None:
        self.analysis, self.status = analysis, analysis.verdict
        failed = analysis.failed_checks()  # in fix order: a problem two checks name keeps the graver place
        self.failed = tuple(c.id for c in failed)
        self.failed_as = {}
        for check in failed:
            self.failed_as.setdefault(problem_label(check), fix_rank(check))
        self.warned_as = tuple(problem_label(c) for c in analysis.subject_checks() if c.verdict is Verdict.WARN)
        self.problems = tuple(failed_problems(analysis))
        self.warnings = tuple(warned_problems(analysis))
        self.failure = failure_kind(self.failed)

    @property
    def badge(self) -> str:
        """What the browser's badge shows: the decision once there is one, else the analysis status."""
        return self.decision.decision if self.decision is not None else self.status


@dataclass(frozen=True)
class ReferenceCheck:
    """A renewal check made on a photo in this session: the reference photo and what the comparison said."""

    path: str
    image_sha256: str
    decision: str  # engine.comparison: match / uncertain / no_match
    score: float

    @property
    def name(self) -> str:
        return display_name(os.path.basename(self.path))

    @property
    def code(self) -> str:
        """The reason code a decision files it under (its words: `reason_label`)."""
        return reference_check_code(self.decision, self.score, self.name)


@dataclass
class OpenOutcome:
    """What opening some paths did, for the window to say."""

    new: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # existing paths with no photo in them
    nested: list[str] = field(default_factory=list)  # ... of which folders that have sub-folders (photos may be there)
    skipped: list[Skipped] = field(default_factory=list)  # photo-like entries that are not files (broken links...)
    annotated: list[Path] = field(default_factory=list)  # annotated pictures this application wrote, left out
    restored: int = 0
    own_profiles: int = 0  # photos judged under the profile kept for them alone
    # a kept profile that cannot judge now (`why_unusable`) -> why, and the photos it was kept for; forgotten where the
    # window no longer offers it at all (not for a file broken while it is being edited)
    unusable_profiles: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    folder: str | None = None  # the first folder opened, for "recent folders" and the title


class ReviewSession:
    """Open photos in order, the selected one, and decisions saved at once to the review store."""

    def __init__(self, store: ReviewStore, officer: str = "") -> None:
        self.store = store
        self.officer = officer
        self.records: list[PhotoRecord] = []
        self._rows: dict[str, int] = {}
        self.current: str | None = None
        self.references: dict[str, ReferenceCheck] = {}  # photo path -> its renewal check, filed with its decision

    # -- opening ---------------------------------------------------------------
    def open(self, paths: Sequence[str | os.PathLike[str]], add: bool = False, recursive: bool = False) -> OpenOutcome:
        """Open folders (with their sub-folders when `recursive`) and/or files, replacing what is open unless `add`;
        restore their decisions."""
        outcome = OpenOutcome()
        existing: list[str] = []
        for path in map(str, paths):
            (existing if Path(path).exists() else outcome.missing).append(path)
        found = find_images(existing, recursive=recursive)
        outcome.skipped, outcome.annotated = found.skipped, found.annotated
        files = found.resolved  # resolved once: again here took a third of opening 3,000 photos
        if existing and not files:
            outcome.empty = existing
            outcome.nested = [p for p in existing if not recursive and has_subfolders(Path(p))]
        if not files:
            return outcome
        if not add:
            self.records, self._rows, self.current, self.references = [], {}, None, {}
        outcome.new = [p for p in dict.fromkeys(files) if p not in self._rows]
        decisions = self.store.decisions_for_paths(outcome.new)
        kept = self._usable(self.store.photo_profiles_for_paths(outcome.new), outcome.unusable_profiles)
        for path in outcome.new:
            self._rows[path] = len(self.records)
            own = kept.get(path)
            self.records.append(PhotoRecord(path, decision=decisions.get(path), profile=own.profile if own else "",
                                            profile_for=own.image_sha256 if own else ""))
        outcome.restored, outcome.own_profiles = len(decisions), len(kept)
        folders = [p for p in existing if Path(p).is_dir()]
        outcome.folder = str(Path(folders[0]).resolve()) if folders else None
        return outcome

    def record(self, path: str | None) -> PhotoRecord | None:
        row = self._rows.get(str(path)) if path is not None else None
        return self.records[row] if row is not None else None

    def row(self, path: str) -> int | None:
        return self._rows.get(path)

    def pending(self) -> list[str]:
        """Photos without a result, the one on screen first."""
        paths = [r.path for r in self.records if r.analysis is None]
        if self.current in paths:
            paths.remove(self.current)
            paths.insert(0, self.current)
        return paths

    def counts(self) -> dict[str, int]:
        """How many photos have each status, are decided, and fail on framing only or on the face."""
        counts: Counter[str] = Counter()
        for r in self.records:
            counts[r.status] += 1
            counts["decided"] += r.decision is not None
            if r.failure:
                counts[f"fail_{r.failure}"] += 1
        return dict(counts)

    def failing_problems(self) -> list[tuple[str, int]]:
        """Each problem photos fail with, its direction named ("Head too small or too large" could not tell which;
        walk-through), and how many: the gravest first (`fix_rank`), then the most frequent. By count alone, "More than
        one face" was 17th of 43, below the framing and background failures of most photos (third walk-through)."""
        counts: Counter[str] = Counter()
        ranks: dict[str, FixRank] = {}
        for record in self.records:
            for problem, rank in record.failed_as.items():
                counts[problem] += 1
                ranks[problem] = min(rank, ranks.get(problem, rank))
        return sorted(counts.items(), key=lambda item: (ranks[item[0]], -item[1], item[0]))

    def warning_problems(self) -> Counter[str]:
        """How many photos are warned of each problem: an officer looking for every "eye may be closed" found them
        nowhere."""
        return Counter(problem for r in self.records for problem in set(r.warned_as))

    # -- results -----------------------------------------------------------------
    def set_analysis(self, path: str, analysis: Analysis) -> bool:
        """Store a result; True when the file changed since it was decided (the decision is dropped). An undecided
        photo's decision is looked up by its bytes once they are known: one moved or renamed since keeps it."""
        record = self.record(path)
        if record is None:
            return False  # a folder was closed while this photo was in the engine
        record.set_analysis(analysis)
        decision = record.decision
        if decision is not None and analysis.image_sha256 and decision.image_sha256 != analysis.image_sha256:
            record.decision = None
            return True
        if decision is None and analysis.image_sha256:  # moved or renamed since its decision: found by its bytes, as
            record.decision = self.store.decision_for(path, analysis.image_sha256)  # the reports find it
            if record.decision is None:
                record.same_picture = self.store.decided_elsewhere(path, analysis.image_sha256)
        return False

    def set_reference(self, path: str, comparison: Comparison) -> ReferenceCheck | None:
        """Remember a renewal check of an open photo, so its next decision files the reference photo.

        A comparison that could not be made (no face) files nothing, and an earlier check of this photo no longer
        stands either (the officer checked again: the earlier answer must not be filed unseen); None then.
        """
        if self.record(path) is None or comparison.decision == NOT_COMPARED or not comparison.b.image_sha256:
            self.references.pop(path, None)
            return None
        check = ReferenceCheck(comparison.b.source, comparison.b.image_sha256, comparison.decision, comparison.score)
        self.references[path] = check
        return check

    def _usable(self, kept: dict[str, KeptProfile], unusable: dict[str, tuple[str, list[str]]]) -> dict[str, KeptProfile]:
        """The kept profiles that can judge their photos now; the others are said in `unusable`, and forgotten where no
        profile of that name is offered any more (a choice left in the store came back over a decision made meanwhile
        under the window's: review)."""
        why = {name: why_unusable(name) for name in {own.profile for own in kept.values()}}
        for path, own in kept.items():
            if why[own.profile]:
                unusable.setdefault(own.profile, (why[own.profile], []))[1].append(path)
        for name, (reason, paths) in unusable.items():
            log.warning("the profile %r kept for %d photos is not used: %s", name, len(paths), reason)
        self._forget_profiles([p for name, (_, paths) in unusable.items() if not is_offered(name) for p in paths])
        return {path: own for path, own in kept.items() if not why[own.profile]}

    def _forget_profiles(self, paths: list[str]) -> None:
        if not paths:
            return
        try:
            self.store.forget_photo_profiles(paths)
        except OSError as error:  # (not applied all the same; said again the next time)
            log.warning("the profiles kept for %d photos could not be forgotten: %s", len(paths), error)

    def choose_profile(self, path: str, profile: str) -> None:
        """Judge a photo under a profile of its own ('': the window's, as all photos), kept in the store with its bytes
        for the next time it is opened. The choice holds for this session even when the store cannot be written
        (OSError, raised after it is made: the caller says it was not kept)."""
        record = self.record(path)
        if record is None:
            return
        record.profile = profile
        if not profile:
            record.profile_for = ""
            self.store.forget_photo_profiles([path])
            return
        record.profile_for = (record.analysis.image_sha256 if record.analysis is not None else "") or file_sha256(path)
        self.store.keep_photo_profile(path, record.profile_for, profile)

    def stored_profile(self, path: str) -> str | None:
        """The profile the store keeps for a photo alone ('' none; None when the store cannot be read, logged): what it
        is judged under the next time, after a choice could not be kept."""
        try:
            kept = self.store.photo_profiles_for_paths([path]).get(path)
        except (OSError, sqlite3.Error) as error:
            log.warning("the profile kept for %s cannot be read: %s", path, error)
            return None
        return kept.profile if kept is not None else ""

    def check_own_profile(self, path: str) -> str:
        """Once a photo's bytes are known: the profile kept for it is dropped (and returned, to be said) when these are
        not the bytes it was chosen for (another applicant's photo under a reused name got it: review), and a photo
        moved or renamed since its choice finds it by its bytes, as its decision does. '' when nothing was dropped."""
        record = self.record(path)
        sha = record.analysis.image_sha256 if record is not None and record.analysis is not None else ""
        if record is None or not sha:
            return ""
        if record.profile and record.profile_for and record.profile_for != sha:
            dropped, record.profile, record.profile_for = record.profile, "", ""
            log.warning("%s is not the photo the profile %s was chosen for: not used", path, dropped)
            self._forget_profiles([path])
            return dropped
        if not record.profile:
            moved = self.store.kept_profile(path, sha)
            if moved is not None and moved.image_sha256 == sha and not why_unusable(moved.profile):
                record.profile, record.profile_for = moved.profile, sha
                try:
                    self.store.move_photo_profile(path, sha)  # to its new name: moved, not copied
                except OSError as error:
                    log.warning("the profile of %s, found by its bytes, is not kept under its new name: %s", path, error)
        return ""

    # -- decisions ---------------------------------------------------------------
    def decide(self, path: str, kind: str, reasons: Iterable[str], note: str, restoring: Decision | None = None) -> Decision:
        """Record a decision now; raises DecisionError (rules) or OSError/sqlite3.Error (storage). `restoring`: the
        earlier decision this files again (an undo), whose note the renewal check's rule reads."""
        record = self.record(path)
        if record is None:
            raise DecisionError("No photo is selected.")
        analysis = record.analysis
        if kind == ACCEPT and analysis is None:
            raise AwaitingResults("Not saved: the photo was not analysed yet. Accept it once its checks have run (reject or "
                                "retake are possible now).")
        if kind == ACCEPT and analysis is not None and analysis.errors:  # nobody could see or check it
            raise DecisionError("This file could not be analysed, so it cannot be accepted: reject it or ask for a retake.")
        if record.profile and analysis is not None and analysis.ok and analysis.profile != record.profile:
            # the window said the photo's own profile while its checks were still the window's: a decision filed them
            raise AwaitingResults(f"Not saved: its checks are not yet re-run under {record.profile}, the profile chosen "
                                  "for this photo (they are as soon as the analysis engine is free). Decide once the "
                                  "checklist shows that profile.", record.profile)
        sha = (analysis.image_sha256 if analysis is not None else "") or file_sha256(path)
        if analysis is None:
            failed = [NOT_ANALYSED_YET]
        elif analysis.errors:
            failed = [NOT_ANALYSABLE]
        else:
            failed = [c.id for c in analysis.failed_checks()]
        reference = self.references.get(path)
        if reference is not None and reference.decision == NO_MATCH:  # first: listed last, it was the one cut off
            failed.insert(0, REFERENCE_NO_MATCH)
        before = record.decision
        noted = restoring or before  # the decision whose note this one files again
        if (kind == ACCEPT and reference is not None and reference.decision == NO_MATCH and noted is not None
                and noted.reference_sha256 != reference.image_sha256 and noted.note.split()
                and note.split() == noted.note.split()):
            # the field shows the saved note: accepting again with it accepted a mismatch on a note written before the
            # renewal check existed (supervisor walk-through); an undo filed such an accept again (review)
            raise OverrideNeedsNote(failed, stale_note=True)
        self._check_unchanged(record)
        filed = [*reasons, *([reference.code] if reference else [])]
        saved = self.store.record_decision(
            path, sha, kind, reasons=filed, note=note, officer=self.officer,
            profile=analysis.profile if analysis is not None else "",
            profile_sha256=analysis.profile_sha256 if analysis is not None else "",
            model_sha256=analysis.model_sha256 if analysis is not None else "",
            engine_key=analysis.engine_key if analysis is not None else "",
            verdict=analysis.verdict if analysis is not None else "pending",
            failed_checks=failed,
            reference_sha256=reference.image_sha256 if reference is not None else "",
            restoring=restoring is not None,
        )
        record.decision = saved
        return saved

    def _check_unchanged(self, record: PhotoRecord) -> None:
        """Raise DecidedElsewhere where another window or officer decided the photo, or withdrew its decision, since
        this session read it (the session then holds the store's decision)."""
        analysis = record.analysis  # read as the session read it: by its bytes once analysed, else by its path
        meanwhile = self.store.decision_for(record.path, (analysis.image_sha256 or None) if analysis is not None else None)
        if _stamp(meanwhile) != _stamp(record.decision):
            record.decision = meanwhile
            raise DecidedElsewhere(meanwhile)

    def stands(self, path: str, decision: Decision) -> bool:
        """Whether `decision` is still the photo's decision in the store: not replaced or withdrawn since, here or
        elsewhere (an undo must not act on another officer's decision: review)."""
        record = self.record(path)
        if record is None or _stamp(record.decision) != _stamp(decision):
            return False
        try:
            self._check_unchanged(record)
        except DecidedElsewhere:
            return False
        return True

    def withdraw(self, path: str) -> bool:
        """Withdraw the photo's decision (audited); False when it had none. Raises DecidedElsewhere where the store
        holds another decision than this session read (a withdrawal deleted another window's decision: review)."""
        record = self.record(path)
        if record is None or record.decision is None:
            return False
        self._check_unchanged(record)
        sha = record.decision.image_sha256
        # under the path it was filed with (a photo moved since keeps its row under its old path), and then any row its
        # bytes still find from before the move, or the withdrawn decision would come back with the next result
        decision: Decision | None = record.decision
        while decision is not None and self.store.clear_decision(decision.path, sha, officer=self.officer):
            decision = self.store.decision_for(path, sha)
        record.decision = None
        return True

    def first_undecided(self, paths: Iterable[str]) -> str | None:
        """The first of `paths` that has no decision (read lazily: the caller's list may be long)."""
        return next((path for path in paths if (record := self.record(path)) is not None and record.decision is None),
                    None)


