"""What a report is made of: the Analysis plus the officer's decision and audit trail as plain data.

Reports never touch the review store's tables: the caller passes a `ReportItem`,
built by hand, from dicts, or with `review_from_store` (which only calls the
store's public `decision_for` and `audit_log`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.engine.imageio import ImageLoadError, load_photo_file
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.review.store import DECISION_LABELS, ReviewStore, signature

log = logging.getLogger(__name__)


def _pick(cls: type, data: Any) -> dict[str, Any]:
    """Fields of `cls` read from a dict or from any object with those attributes."""
    names = [f.name for f in fields(cls)]
    if isinstance(data, Mapping):
        return {n: data[n] for n in names if n in data}
    return {n: getattr(data, n) for n in names if hasattr(data, n)}


@dataclass
class DecisionInfo:
    """The officer's current decision on a photo."""

    decision: str  # accept / reject / retake
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    officer: str = ""  # the name the officer gave
    login: str = ""  # the operating-system login that recorded it
    decided_at: str = ""
    overridden: list[str] = field(default_factory=list)  # failed check ids the officer overrode
    profile: str = ""  # the threshold profile the checklist had when the officer decided
    profile_sha256: str = ""  # its content: an edited profile keeps its name

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision.capitalize())

    @property
    def signed_by(self) -> str:
        return signature(self.officer, self.login)

    @property
    def given_reasons(self) -> list[str]:
        """The reasons it gives, without the failed checks an accept overrode: those are what it was accepted despite,
        not reasons to accept it."""
        accepted = self.decision == "accept"
        return [r for r in self.reasons if not (accepted and r in self.overridden)]

    @classmethod
    def from_any(cls, data: Any) -> DecisionInfo | None:
        """From a dict, a store `Decision` or a DecisionInfo; None for no decision."""
        if data is None or isinstance(data, cls):
            return data
        values = _pick(cls, data)
        if not values.get("decision"):
            return None
        values["reasons"] = list(values.get("reasons") or [])
        values["overridden"] = list(values.get("overridden") or [])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"label": self.label}


@dataclass
class AuditInfo:
    """One line of the append-only audit log."""

    at: str
    officer: str
    action: str  # decide / clear / ...
    login: str = ""
    decision: str = ""
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    verdict: str = ""
    profile: str = ""  # the checklist the verdict was judged under
    profile_sha256: str = ""  # ... and its content (an edited profile keeps its name)
    entry_hash: str = ""  # its link in the store's hash chain: a printed report anchors the chain

    @property
    def signed_by(self) -> str:
        return signature(self.officer, self.login)

    @classmethod
    def from_any(cls, data: Any) -> AuditInfo:
        if isinstance(data, cls):
            return data
        values = _pick(cls, data)
        values["reasons"] = list(values.get("reasons") or [])
        values.setdefault("at", "")
        values.setdefault("officer", "")
        values.setdefault("action", "")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReportItem:
    """One photo in a report: its analysis, optionally its pixels, decision and audit trail.

    `image` (RGB uint8) may be left None: it is loaded from `analysis.source` when
    a picture is drawn, and a missing file, or another photo under its name, gives a
    placeholder, not an error; `photo_problem` then says why.
    """

    analysis: Analysis
    decision: DecisionInfo | None = None
    audit: list[AuditInfo] = field(default_factory=list)
    image: np.ndarray | None = None
    store_problem: str = ""  # why the decision and audit trail may have been altered ('' when the store checks out)
    photo_problem: str = field(default="", init=False)  # why the report shows no photo ('' while none was missed)

    def __post_init__(self) -> None:
        self.decision = DecisionInfo.from_any(self.decision)
        self.audit = [AuditInfo.from_any(a) for a in self.audit]

    @property
    def name(self) -> str:
        """The photo's file name as valid text (see engine.filenames)."""
        return display_name(Path(self.analysis.source).name or self.analysis.source)

    @property
    def decision_label(self) -> str:
        return self.decision.label if self.decision else DECISION_LABELS[""]

    @property
    def decision_text(self) -> str:
        """The decision for a one-line mention ('' when none): who took it and on which day (the annotated PNG said
        "decision: Rejected" with neither), marked when its store fails its hash-chain check."""
        if self.decision is None:
            return ""
        decided = self.decision
        text = decided.label + (f" by {decided.signed_by}" if decided.signed_by else "")
        text += f" on {decided.decided_at[:10]}" if decided.decided_at else ""
        return f"{text} (from an altered review store)" if self.store_problem else text

    def load_image(self) -> np.ndarray | None:
        """The photo as RGB uint8 (cached), or None when it cannot be read or is not the photo analysed."""
        if self.image is None:
            self.image, self.photo_problem = read_photo(self.analysis.source, self.analysis.image_sha256)
        return self.image


def load_photo(path: str | Path, sha256: str = "") -> np.ndarray | None:
    """RGB uint8 with EXIF orientation applied (as the engine saw it), or None (see `read_photo`)."""
    return read_photo(path, sha256)[0]


def read_photo(path: str | Path, sha256: str = "") -> tuple[np.ndarray | None, str]:
    """(the photo, '') or (None, why a report shows none): unreadable, or, given the analysed bytes' `sha256`,
    another photo under its name since (camera names repeat: a report drew one applicant's face under another's
    verdict, hash and signed decision)."""
    try:
        photo = load_photo_file(path)
    except ImageLoadError as error:  # a report of a vanished or damaged photo still prints, with a placeholder
        log.info("photo for the report not readable: %s (%s)", path, error)
        return None, f"the photo is not at {path}" if not Path(path).is_file() else f"the photo at {path} cannot be read"
    return photo_or_why(photo.pixels, photo.sha256, path, sha256)


def photo_or_why(pixels: np.ndarray, found_sha256: str, path: str | Path, analysed_sha256: str) -> tuple[np.ndarray | None, str]:
    """The pixels when their file's bytes are the analysed ones (or no hash was recorded); else None and why."""
    if analysed_sha256 and found_sha256 != analysed_sha256:
        log.warning("photo for the report changed since its analysis: %s", path)
        return None, f"the photo at {path} is another file than the one analysed (its contents changed since)"
    return pixels, ""


def review_from_store(store: ReviewStore, analysis: Analysis) -> tuple[DecisionInfo | None, list[AuditInfo]]:
    """Decision and audit entries for one photo through the review store's public API (read-only): the entries of
    this file, or of the file its decision was made on (moved), not those of a copy elsewhere."""
    decision = store.decision_for(analysis.source, analysis.image_sha256 or None)
    files = {str(Path(analysis.source).resolve())} | ({str(decision.path)} if decision else set())
    # a file that could not be read (missing, empty) has no hash in its analysis; its decision was filed under its bytes
    sha = analysis.image_sha256 or (decision.image_sha256 if decision else "")
    audit = store.audit_log(sha) if sha else []
    return DecisionInfo.from_any(decision), [AuditInfo.from_any(a) for a in audit if str(a.path) in files]


def store_problem(store: ReviewStore | None) -> str:
    """'' when the store's audit log passes its hash-chain check (or there is no store), else what is wrong: a report
    from an altered store must say so on every page, since its decisions may have been changed after they were made."""
    if store is None:
        return ""
    report = store.verify()
    if report.ok:
        return ""
    log.error("the audit log of %s fails verification: %s", store.path, "; ".join(report.problems))
    return f"the audit log of the review store {display_name(store.path)} fails its hash-chain check: {report.summary()}"


def altered_text(problem: str) -> str:
    """The warning a report of an altered store carries (on each photo's page, the summary and the console)."""
    return (f"Warning: {problem}. Its decisions and audit trail may have been changed after they were made; "
            "`pfiq audit verify` shows where.")


def item_from_store(store: ReviewStore | None, analysis: Analysis, problem: str = "") -> ReportItem:
    """The photo's report item; `problem` is the store's `store_problem` (checked once for a whole export)."""
    if store is None:
        return ReportItem(analysis)
    decision, audit = review_from_store(store, analysis)
    return ReportItem(analysis, decision, audit, store_problem=problem)
