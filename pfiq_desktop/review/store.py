"""SQLite store of officer decisions with an append-only audit trail.

Qt-free so the GUI, reports and the CLI can all read it. Durability rules:

* WAL journal with ``synchronous=FULL``: a committed decision survives a crash,
  a ``kill -9`` or a power cut at any later moment.
* One transaction per decision: the current-state row and its audit entry are
  written together or not at all.
* The audit table is append-only: triggers refuse UPDATE and DELETE.

Decisions are keyed by the image's SHA-256 *and* its path; reopening a folder
finds them by path, and a moved or renamed file is still found by its hash.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pfiq_desktop.engine.discovery import resolve_paths
from pfiq_desktop.review.reasons import reasons_text

SCHEMA_VERSION = 1

ACCEPT = "accept"
REJECT = "reject"
RETAKE = "retake"
DECISIONS = (ACCEPT, REJECT, RETAKE)
DECISION_LABELS = {ACCEPT: "Accepted", REJECT: "Rejected", RETAKE: "Needs retake", "": "Undecided"}


class DecisionError(ValueError):
    """A decision that the rules do not allow (unknown kind, missing note...)."""


class OverrideNeedsNote(DecisionError):
    """Accepting a photo with failed checks needs a note saying why."""


@dataclass
class Decision:
    image_sha256: str
    path: str
    decision: str
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    officer: str = ""
    decided_at: str = ""
    app_version: str = ""
    model_sha256: str = ""
    profile: str = ""
    verdict: str = ""
    overridden: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)


@dataclass
class AuditEntry:
    id: int
    at: str
    officer: str
    action: str
    image_sha256: str
    path: str
    decision: str
    reasons: list[str]
    note: str
    app_version: str
    model_sha256: str
    profile: str
    verdict: str


def default_officer() -> str:
    """The operating-system login name, recorded beside the name the officer gives."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name on some systems (no passwd entry, no USER variable)
        return "officer"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    image_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT NOT NULL,
    officer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    app_version TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    profile TEXT NOT NULL,
    verdict TEXT NOT NULL,
    overridden TEXT NOT NULL,
    PRIMARY KEY (image_sha256, path)
);
CREATE INDEX IF NOT EXISTS decisions_path ON decisions(path);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    officer TEXT NOT NULL,
    action TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT NOT NULL,
    app_version TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    profile TEXT NOT NULL,
    verdict TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class ReviewStore:
    """Officer decisions and their audit log in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], app_version: str | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if app_version is None:
            from pfiq_desktop import __version__

            app_version = __version__
        self.app_version: str = app_version
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._transaction():
            for statement in _split_sql(_SCHEMA):
                self._conn.execute(statement)
            self._conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )

    # -- plumbing ---------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One IMMEDIATE transaction under the store's lock: committed if the block succeeds."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decisions --------------------------------------------------------
    def record_decision(
        self,
        path: str | os.PathLike[str],
        image_sha256: str,
        decision: str,
        *,
        reasons: Iterable[str] = (),
        note: str = "",
        officer: str = "",
        profile: str = "",
        model_sha256: str = "",
        verdict: str = "",
        failed_checks: Iterable[str] = (),
    ) -> Decision:
        """Store a decision now (one transaction) and append it to the audit log.

        ``failed_checks`` are the ids of checks the engine failed; accepting
        the photo overrides them, which needs a non-empty ``note``.
        """
        if decision not in DECISIONS:
            raise DecisionError(f"Unknown decision {decision!r}; expected one of {DECISIONS}.")
        if not image_sha256:
            raise DecisionError("A decision needs the image's SHA-256.")
        failed = list(failed_checks)
        note = (note or "").strip()
        overridden = failed if decision == ACCEPT else []
        if overridden and not note:
            raise OverrideNeedsNote(
                f"Accepting a photo that failed {reasons_text(overridden)} overrides the checks: write a note saying why."
            )
        record = Decision(
            image_sha256=image_sha256,
            path=str(Path(path).resolve()),
            decision=decision,
            reasons=list(reasons),
            note=note,
            officer=officer or default_officer(),
            decided_at=_now(),
            app_version=self.app_version,
            model_sha256=model_sha256 or "",
            profile=profile or "",
            verdict=verdict or "",
            overridden=overridden,
        )
        with self._transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.image_sha256,
                    record.path,
                    record.decision,
                    json.dumps(record.reasons),
                    record.note,
                    record.officer,
                    record.decided_at,
                    record.app_version,
                    record.model_sha256,
                    record.profile,
                    record.verdict,
                    json.dumps(record.overridden),
                ),
            )
            self._append_audit("decide", record)
        return record

    def clear_decision(self, path: str | os.PathLike[str], image_sha256: str, *, officer: str = "") -> bool:
        """Withdraw a decision; the withdrawal itself is audited."""
        resolved = str(Path(path).resolve())
        with self._transaction():
            cursor = self._conn.execute(
                "DELETE FROM decisions WHERE image_sha256=? AND path=?", (image_sha256, resolved)
            )
            if cursor.rowcount:
                record = Decision(
                    image_sha256=image_sha256,
                    path=resolved,
                    decision="",
                    officer=officer or default_officer(),
                    decided_at=_now(),
                    app_version=self.app_version,
                )
                self._append_audit("clear", record)
            return bool(cursor.rowcount)

    def _append_audit(self, action: str, record: Decision) -> None:
        self._conn.execute(
            "INSERT INTO audit(at, officer, action, image_sha256, path, decision, reasons, note,"
            " app_version, model_sha256, profile, verdict) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.decided_at,
                record.officer,
                action,
                record.image_sha256,
                record.path,
                record.decision,
                json.dumps(record.reasons),
                record.note,
                record.app_version,
                record.model_sha256,
                record.profile,
                record.verdict,
            ),
        )

    def decision_for(self, path: str | os.PathLike[str], image_sha256: str | None = None) -> Decision | None:
        """The current decision for a file: by hash and path, else by path, else by hash."""
        resolved = str(Path(path).resolve())
        with self._lock:
            row = None
            if image_sha256:
                row = self._conn.execute(
                    "SELECT * FROM decisions WHERE image_sha256=? AND path=?", (image_sha256, resolved)
                ).fetchone()
            if row is None and not image_sha256:
                row = self._conn.execute(
                    "SELECT * FROM decisions WHERE path=? ORDER BY decided_at DESC LIMIT 1", (resolved,)
                ).fetchone()
            if row is None and image_sha256:
                row = self._conn.execute(
                    "SELECT * FROM decisions WHERE image_sha256=? ORDER BY decided_at DESC LIMIT 1",
                    (image_sha256,),
                ).fetchone()
        return _decision_from_row(row) if row else None

    def decisions_for_paths(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, Decision]:
        """Latest decision per path (resolved path -> Decision) for a whole folder at once."""
        wanted = set(resolve_paths(paths))
        found: dict[str, Decision] = {}
        with self._lock:
            rows = self._conn.execute("SELECT * FROM decisions ORDER BY decided_at").fetchall()
        for row in rows:
            if row[1] in wanted:
                found[row[1]] = _decision_from_row(row)
        return found

    def audit_log(self, image_sha256: str | None = None) -> list[AuditEntry]:
        with self._lock:
            if image_sha256:
                rows = self._conn.execute(
                    "SELECT * FROM audit WHERE image_sha256=? ORDER BY id", (image_sha256,)
                ).fetchall()
            else:
                rows = self._conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
        return [
            AuditEntry(
                id=r[0], at=r[1], officer=r[2], action=r[3], image_sha256=r[4], path=r[5],
                decision=r[6], reasons=json.loads(r[7]), note=r[8], app_version=r[9],
                model_sha256=r[10], profile=r[11], verdict=r[12],
            )
            for r in rows
        ]


def _decision_from_row(row: Sequence[Any]) -> Decision:
    return Decision(
        image_sha256=row[0],
        path=row[1],
        decision=row[2],
        reasons=json.loads(row[3]),
        note=row[4],
        officer=row[5],
        decided_at=row[6],
        app_version=row[7],
        model_sha256=row[8],
        profile=row[9],
        verdict=row[10],
        overridden=json.loads(row[11]),
    )


def _split_sql(script: str) -> list[str]:
    """Split the schema into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.endswith("END;")):
            statements.append(text)
            current = []
    return statements
