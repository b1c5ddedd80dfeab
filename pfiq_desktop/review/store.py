"""SQLite store of officer decisions with an append-only, hash-chained audit trail.

Qt-free so the GUI, reports and the CLI can all read it. Durability rules:

* WAL journal with ``synchronous=FULL``: a committed decision survives a crash,
  a ``kill -9`` or a power cut at any later moment.
* One transaction per decision: the current-state row and its audit entry are
  written together or not at all. A write that fails (disk full, read-only
  folder) is an OutputError naming the store; nothing half-written remains.
* The audit table is append-only (triggers refuse UPDATE and DELETE) and
  hash-chained (`review.chain`), so what the triggers cannot stop (dropping them,
  back-dated inserts, edits of the decisions table) is detected by `verify`.

Decisions are keyed by the image's SHA-256 *and* its path; reopening a folder
finds them by path, and a moved or renamed file is still found by its hash.
Paths are stored in `engine.filenames.path_text` form, so a file name that is
not valid UTF-8 is stored (and found) like any other.

Schema 2 (this version) added the OS login beside the officer's given name, the
profile's content hash, the engine key and the hash chain; a version-1 store is
migrated and its existing entries sealed into the chain when first opened.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from pfiq_desktop.atomic import OutputError
from pfiq_desktop.engine.discovery import resolve_paths
from pfiq_desktop.engine.filenames import path_from_text, path_text
from pfiq_desktop.review.chain import (
    CHAIN_START,
    CLEAR,
    DECIDE,
    DECISION_FIELDS,
    ENTRY_FIELDS,
    FILING,
    GENESIS,
    PRUNE,
    RESTORE,
    SEALED_THROUGH,
    TRIGGERS,
    ChainReport,
    decision_hash,
    entry_hash,
)
from pfiq_desktop.review.reasons import REFERENCE_NO_MATCH, reasons_text, reference_code, reference_in
from pfiq_desktop.review.values import counted
from pfiq_desktop.review.wal import enable_wal
from pfiq_desktop.review.witness import (
    WitnessUnreadable,
    current_witness,
    load_witness,
    verify_witnessed,
    witness_path,
    witness_problems,
    witnessed,
    write_witness,
)

log = logging.getLogger(__name__)
EMPTIED = "is empty (0 bytes): the decisions it held are gone from it"  # a store file emptied by a failing disk or a copy
LOCK_WAIT_S = 10.0  # how long a write waits for another process's lock on the store

PATHS_PER_QUERY = 500  # paths bound in one query (SQLite allows 999 variables in older builds)

SCHEMA_VERSION = 2

ACCEPT = "accept"
REJECT = "reject"
RETAKE = "retake"
DECISIONS = (ACCEPT, REJECT, RETAKE)
DECISION_LABELS = {ACCEPT: "Accepted", REJECT: "Rejected", RETAKE: "Needs retake", "": "Undecided"}
# an audit entry's action, in the window's words: an undo filed the earlier decision again as "Decided", a supervisor
# reading the trail could not tell it from a new one (fourth walk-through)
AUDIT_ACTION_LABELS = {DECIDE: "Decided", RESTORE: "Restored (undo)", CLEAR: "Withdrawn"}


class DecisionError(ValueError):
    """A decision that the rules do not allow (unknown kind, missing note...)."""


class OverrideNeedsNote(DecisionError):
    """Accepting a photo with failed checks needs a note saying why."""

    def __init__(self, overridden: list[str], stale_note: bool = False) -> None:
        self.overridden = overridden  # the failed checks the accept would override (and a renewal check's mismatch)
        self.stale_note = stale_note  # the note is the one saved before the renewal check: it cannot speak to it
        self.checks = [code for code in overridden if code != REFERENCE_NO_MATCH]  # the checklist's, named apart
        self.mismatch = len(self.checks) < len(overridden)
        what = [f"the checks ({reasons_text(self.checks)})"] if self.checks else []
        if self.mismatch:
            what.insert(0, "the renewal check, which found another person")
        why = "write a new note saying why: the one saved before the renewal check does not" if stale_note else "write a note saying why"
        super().__init__(f"Accepting this photo overrides {' and '.join(what)}: {why}.")

    @property
    def short(self) -> str:
        """One line for a narrow panel (the whole list of checks was cut off at 1280x720); a renewal check that found
        another person is named, not counted as a check."""
        count = len(self.checks)
        over = f"over its {counted(count, 'failed check')}" if count else ""
        if self.mismatch:
            over = "although the renewal check found another person" + (f", and {over}" if over else "")
        return f"Write a {'new ' * self.stale_note}note saying why you accept this photo {over}."


class StoreError(RuntimeError):
    """The file is not a review store this version can use (not SQLite, or from a newer version)."""


@dataclass
class Decision:
    image_sha256: str
    path: str
    decision: str
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    officer: str = ""  # the name the officer gave (may be empty)
    login: str = ""  # the operating-system login that recorded it
    decided_at: str = ""
    app_version: str = ""
    model_sha256: str = ""
    engine_key: str = ""
    profile: str = ""
    profile_sha256: str = ""
    verdict: str = ""
    overridden: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)

    @property
    def signed_by(self) -> str:
        return signature(self.officer, self.login)

    @property
    def reference_sha256(self) -> str:
        """The reference photo of a renewal check made before this decision ('' when none)."""
        return reference_in(self.reasons)


@dataclass
class AuditEntry:
    id: int
    at: str
    officer: str
    login: str
    action: str
    image_sha256: str
    path: str
    decision: str
    reasons: list[str]
    note: str
    app_version: str
    model_sha256: str
    engine_key: str
    profile: str
    profile_sha256: str
    verdict: str
    entry_hash: str

    @property
    def reference_sha256(self) -> str:
        """The reference photo of a renewal check made before this decision ('' when none)."""
        return reference_in(self.reasons)


def os_login() -> str:
    """The operating-system login name, recorded beside the name the officer gives."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name on some systems (no passwd entry, no USER variable)
        log.warning("no operating-system login name: the audit trail records 'unknown'", exc_info=True)
        return "unknown"


def signature(officer: str, login: str) -> str:
    """Who recorded something, for people: 'Jane Smith (login jsmith)'; either part may be missing."""
    if officer and login and officer != login:
        return f"{officer} (login {login})"
    return officer or (f"login {login}" if login else "")


def _now() -> str:
    return _stamp(datetime.now(UTC))


def _stamp(moment: datetime) -> str:
    """A moment as the store writes it (UTC, milliseconds): so written, text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


_DECISION_COLUMNS = """
    image_sha256 TEXT NOT NULL, path TEXT NOT NULL, decision TEXT NOT NULL, reasons TEXT NOT NULL,
    note TEXT NOT NULL, officer TEXT NOT NULL, decided_at TEXT NOT NULL, app_version TEXT NOT NULL,
    model_sha256 TEXT NOT NULL, profile TEXT NOT NULL, verdict TEXT NOT NULL, overridden TEXT NOT NULL"""
_AUDIT_COLUMNS = """
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, officer TEXT NOT NULL, action TEXT NOT NULL,
    image_sha256 TEXT NOT NULL, path TEXT NOT NULL, decision TEXT NOT NULL, reasons TEXT NOT NULL, note TEXT NOT NULL,
    app_version TEXT NOT NULL, model_sha256 TEXT NOT NULL, profile TEXT NOT NULL, verdict TEXT NOT NULL"""
# Columns schema 2 added to each table (ALTER TABLE appends them to a version-1 store).
_V2_DECISION_COLUMNS = ("login", "engine_key", "profile_sha256")
_V2_AUDIT_COLUMNS = ("login", "engine_key", "profile_sha256", "decision_hash", "prev_hash", "entry_hash")

_TABLES = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS decisions ({_DECISION_COLUMNS}, PRIMARY KEY (image_sha256, path))",
    "CREATE INDEX IF NOT EXISTS decisions_path ON decisions(path)",
    f"CREATE TABLE IF NOT EXISTS audit ({_AUDIT_COLUMNS})",
    # the profile an officer chose for one photo alone (a child's among adults), by path and the bytes it was chosen
    # for; outside the audit log: what it audits is the decision, which records the profile it was made under (a
    # table an older version ignores)
    "CREATE TABLE IF NOT EXISTS photo_profiles (path TEXT PRIMARY KEY, image_sha256 TEXT NOT NULL, profile TEXT NOT NULL, "
    "chosen_at TEXT NOT NULL, login TEXT NOT NULL)",
]
# Columns added since a table was first made (ALTER TABLE appends them, empty, to an older store): schema 2's, and
# the bytes of a photo's own profile (a development build kept it by path alone), indexed once it is there.
_ADDED_COLUMNS = {"decisions": _V2_DECISION_COLUMNS, "audit": _V2_AUDIT_COLUMNS, "photo_profiles": ("image_sha256",)}
_INDEXES = ["CREATE INDEX IF NOT EXISTS photo_profiles_bytes ON photo_profiles(image_sha256)"]
_NO_UPDATE, _NO_DELETE = TRIGGERS  # chain.verify checks that they are there
_TRIGGERS = {
    name: f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {action} ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    for name, action in ((_NO_UPDATE, "UPDATE"), (_NO_DELETE, "DELETE"))
}


class ReviewStore:
    """Officer decisions and their audit log in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], app_version: str | None = None):
        self.path = Path(path)
        if app_version is None:
            from pfiq_desktop import __version__

            app_version = __version__
        self.app_version: str = app_version
        self.login = os_login()
        self._lock = threading.RLock()
        if not self.path.exists() and (recorded := witnessed(self.path)):
            raise StoreError(f"{self.path} is missing, though {recorded}. It is not begun anew: restore it from a backup, "
                             f"or move {witness_path(self.path).name} away to start a new review store")
        if self.path.is_file() and self.path.stat().st_size == 0:
            # SQLite takes an empty file for a new database: a store emptied by a failing disk or a copy was made anew,
            # and the audit check then passed on a history of 0 entries (resilience walk-through)
            raise StoreError(f"{self.path} {EMPTIED}. It is not replaced: restore it from a backup, or move it away to "
                             "start a new review store")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                         timeout=LOCK_WAIT_S)
            enable_wal(self._conn)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA secure_delete=ON")  # a retention cut's rows are overwritten, whatever the build
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self._transaction():
                self._create_or_migrate()
        except (OSError, sqlite3.Error) as error:
            raise self._storage_error("open", error) from error
        self._keep_witness()  # a store of an earlier version is witnessed from now on

    # -- plumbing ---------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One IMMEDIATE transaction under the store's lock: committed if the block succeeds.

        A failed COMMIT (disk full) may or may not have rolled back by itself; whatever
        is left is rolled back, so the connection is usable for the next decision.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _storage_error(self, what: str, error: Exception) -> Exception:
        """StoreError for a file that is no SQLite database, else OutputError (disk full, read-only...)."""
        if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
            return StoreError(f"{self.path} is not a review store (not an SQLite database)")
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            # a backup tool or another program held the file for longer than the wait: "database is locked" alone
            # did not say that nothing is wrong with the store, nor what to do
            return OutputError(f"Cannot {what} the review store {self.path}: another program has held it for more "
                               f"than {LOCK_WAIT_S:.0f} s (a backup, or the store opened elsewhere). Nothing was changed; "
                               "try again in a moment")
        return OutputError(f"Cannot {what} the review store {self.path}: {error}")

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """A write transaction whose failure (disk full, read-only file) is an OutputError naming the store."""
        try:
            with self._transaction():
                yield
        except sqlite3.Error as error:
            raise self._storage_error(what, error) from error

    def _create_or_migrate(self) -> None:
        for statement in _TABLES:
            self._conn.execute(statement)
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        version = int(row[0]) if row else None
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer version (schema {version}); update the application")
        self._add_columns()  # a new store gets them here too
        for statement in _INDEXES:
            self._conn.execute(statement)
        if version is not None and version < SCHEMA_VERSION:
            if _holds_a_chain(self._conn):
                # a version-1 store has no chain: one that has was set back to version 1, and opening it would have
                # chained its edited entries afresh, which verify then called intact (security review)
                raise StoreError(f"{_set_back(self.path, version)}. Keep it unchanged as evidence and run `pfiq audit "
                                 "verify` on a copy")
            self._seal_existing_entries()
        for statement in _TRIGGERS.values():
            self._conn.execute(statement)
        self._set_meta("schema", str(SCHEMA_VERSION))

    def _add_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            present = {r[1] for r in self._conn.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in present:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")

    def _seal_existing_entries(self) -> None:
        """Chain the entries of a version-1 store as they are now (their past cannot be checked)."""
        self._conn.execute(f"DROP TRIGGER IF EXISTS {_NO_UPDATE}")
        rows = {(r["image_sha256"], r["path"]): r for r in self._select("decisions", DECISION_FIELDS)}
        entries = self._select("audit", ENTRY_FIELDS, "ORDER BY id")
        last_of = {(e["image_sha256"], e["path"]): e["id"] for e in entries}
        previous = GENESIS
        for entry in entries:
            key = (entry["image_sha256"], entry["path"])
            row = rows.get(key) if last_of[key] == entry["id"] and entry["action"] in FILING else None
            entry["decision_hash"] = decision_hash(row) if row is not None else ""
            entry["prev_hash"] = previous
            previous = entry_hash(entry)
            self._conn.execute("UPDATE audit SET decision_hash=?, prev_hash=?, entry_hash=? WHERE id=?",
                               (entry["decision_hash"], entry["prev_hash"], previous, entry["id"]))
        self._set_meta("audit_head", previous)
        self._set_meta("sealed", f"{len(entries)} entries on {_now()[:10]}")
        self._set_meta(SEALED_THROUGH, str(entries[-1]["id"] if entries else 0))  # gaps up to it were there before

    def _select(self, table: str, columns: Iterable[str], tail: str = "", args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cursor = self._conn.execute(f"SELECT {', '.join(columns)} FROM {table} {tail}", args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

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
        profile_sha256: str = "",
        model_sha256: str = "",
        engine_key: str = "",
        verdict: str = "",
        failed_checks: Iterable[str] = (),
        reference_sha256: str = "",
        restoring: bool = False,
    ) -> Decision:
        """Store a decision now (one transaction) and append it to the audit log.

        ``officer`` is the name the officer gave; the OS login is recorded beside
        it. ``failed_checks`` are the ids of checks the engine failed; accepting
        the photo overrides them, which needs a non-empty ``note``.
        ``reference_sha256`` files the reference photo of a renewal check with the
        decision, as a reason code (`reference_code`): no new column, so stores of
        every version read it. ``restoring``: the decision files an earlier one again
        (an undo), and its audit entry says so.
        """
        if decision not in DECISIONS:
            raise DecisionError(f"Unknown decision {decision!r}; expected one of {DECISIONS}.")
        if not image_sha256:
            raise DecisionError("A decision needs the image's SHA-256.")
        failed = list(failed_checks)
        note = (note or "").strip()
        overridden = failed if decision == ACCEPT else []
        if overridden and not note:
            raise OverrideNeedsNote(overridden)
        record = Decision(
            image_sha256=image_sha256,
            path=str(Path(path).resolve()),
            decision=decision,
            reasons=[*reasons, *([reference_code(reference_sha256)] if reference_sha256 else [])],
            note=note,
            officer=(officer or "").strip(),
            login=self.login,
            decided_at=_now(),
            app_version=self.app_version,
            model_sha256=model_sha256 or "",
            engine_key=engine_key or "",
            profile=profile or "",
            profile_sha256=profile_sha256 or "",
            verdict=verdict or "",
            overridden=overridden,
        )
        row = _decision_row(record)
        with self._writing("save a decision to"):
            columns = ", ".join(DECISION_FIELDS)
            self._conn.execute(f"INSERT OR REPLACE INTO decisions ({columns}) VALUES ({', '.join('?' * len(DECISION_FIELDS))})",
                               [row[name] for name in DECISION_FIELDS])
            self._append_audit(RESTORE if restoring else DECIDE, record, decision_hash(row))
        self._keep_witness()
        return record

    def clear_decision(self, path: str | os.PathLike[str], image_sha256: str, *, officer: str = "") -> bool:
        """Withdraw a decision; the withdrawal itself is audited."""
        resolved = str(Path(path).resolve())
        with self._writing("withdraw a decision in"):
            cursor = self._conn.execute(
                "DELETE FROM decisions WHERE image_sha256=? AND path=?", (image_sha256, path_text(resolved))
            )
            if cursor.rowcount:
                record = Decision(
                    image_sha256=image_sha256,
                    path=resolved,
                    decision="",
                    officer=(officer or "").strip(),
                    login=self.login,
                    decided_at=_now(),
                    app_version=self.app_version,
                )
                self._append_audit(CLEAR, record, "")
        self._keep_witness()
        return bool(cursor.rowcount)

    def remove_before(self, cutoff: datetime, *, officer: str = "") -> Cut:
        """Retention: remove the audit entries written before `cutoff`, the decisions they were the last word on and
        the profiles chosen for single photos before it whose photo keeps no decision (`Cut`; `count_before` says it
        without changing the store). The chain stays verifiable: an appended `PRUNE` entry records how many went and
        the hash the log now resumes after (`chain.verify`). Only the oldest entries can go, never one person's in the
        middle, and removed rows are overwritten (secure_delete)."""
        with self._writing("remove old entries from"):
            cut, last = _cut_before(self._conn, cutoff)
            self._conn.execute(f"DELETE FROM photo_profiles WHERE {_PROFILES_BEFORE}", (_stamp(cutoff), last or 0))
            if last is None:
                return cut
            entries, decisions, profiles = cut
            resume_after = self._conn.execute("SELECT entry_hash FROM audit WHERE id=?", (last,)).fetchone()[0]
            self._conn.execute(f"DELETE FROM decisions WHERE (image_sha256, path) IN {_LAST_WORD_BEFORE}", (last,))
            self._conn.execute(f"DROP TRIGGER {_NO_DELETE}")
            self._conn.execute("DELETE FROM audit WHERE id <= ?", (last,))
            self._conn.execute(_TRIGGERS[_NO_DELETE])
            self._set_meta(CHAIN_START, resume_after)
            note = (f"retention: removed the audit entr{'y' if entries == 1 else 'ies'} written before {_stamp(cutoff)} "
                    f"({entries}) and {counted(decisions, 'decision')} they were the last word on"
                    + (f", and {counted(profiles, 'profile')} chosen for single photos" if profiles else ""))
            record = Decision(image_sha256="", path="", decision="", note=note, officer=(officer or "").strip(),
                              login=self.login, decided_at=_now(), app_version=self.app_version)
            self._append_audit(PRUNE, record, resume_after)
        with self._lock:  # the cut is saved; what follows only tidies, and a failure is logged, as `_keep_witness`
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the removed rows' old pages leave the log too
                write_witness(self.path, current_witness(self._conn))  # the witnessed entry may be among those removed
            except (sqlite3.Error, OutputError) as problem:
                log.warning("after the retention cut in %s: %s", self.path, problem)
        return cut

    def _append_audit(self, action: str, record: Decision, row_hash: str) -> None:
        """Append one chained entry (inside the caller's transaction) and move the recorded head to it."""
        head = self._conn.execute("SELECT value FROM meta WHERE key='audit_head'").fetchone()
        sequence = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name='audit'").fetchone()
        entry = _decision_row(record) | {
            "id": (sequence[0] if sequence else 0) + 1,
            "at": record.decided_at,
            "action": action,
            "decision_hash": row_hash,
            "prev_hash": head[0] if head else GENESIS,
        }
        entry["entry_hash"] = entry_hash(entry)
        columns = [*ENTRY_FIELDS, "entry_hash"]
        self._conn.execute(f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                           [entry[name] for name in columns])
        self._set_meta("audit_head", entry["entry_hash"])

    def decision_for(self, path: str | os.PathLike[str], image_sha256: str | None = None) -> Decision | None:
        """The current decision for a file: by hash and path (by path alone without a hash); else that of a file
        with the same bytes that is no longer where it was decided (moved or renamed). A copy whose original is still
        there is not decided: the window, which restores decisions by path, shows it undecided too."""
        key = _path_key(path)
        with self._lock:
            if not image_sha256:
                rows = self._select("decisions", DECISION_FIELDS, "WHERE path=? ORDER BY decided_at DESC LIMIT 1", (key,))
            else:
                rows = self._select("decisions", DECISION_FIELDS, "WHERE image_sha256=? AND path=?", (image_sha256, key))
                if not rows:
                    same_bytes = self._select("decisions", DECISION_FIELDS, "WHERE image_sha256=? ORDER BY decided_at DESC",
                                              (image_sha256,))
                    rows = [row for row in same_bytes if not Path(path_from_text(row["path"])).exists()][:1]
        return _decision_from_row(rows[0]) if rows else None

    def decided_elsewhere(self, path: str | os.PathLike[str], image_sha256: str) -> Decision | None:
        """The latest decision on the same bytes under another name (`decision_for` leaves such a copy undecided): an
        applicant back with the very file asked to be retaken, renamed, showed no trace of it (counter walk-through)."""
        with self._lock:
            rows = self._select("decisions", DECISION_FIELDS, "WHERE image_sha256=? AND path<>? ORDER BY decided_at DESC "
                                "LIMIT 1", (image_sha256, _path_key(path)))
        return _decision_from_row(rows[0]) if rows else None

    def decisions_for_paths(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, Decision]:
        """Latest decision per path (resolved path -> Decision) for a whole folder at once, read through the path
        index (a year's store holds ~100,000 decisions: reading them all took a second on the GUI thread)."""
        wanted = {path_text(p): p for p in resolve_paths(paths)}
        found: dict[str, Decision] = {}
        for row in self._by_path("decisions", DECISION_FIELDS, list(wanted), "ORDER BY decided_at, rowid"):
            found[wanted[row["path"]]] = _decision_from_row(row)  # a path's rows come in one chunk, oldest first: the latest wins
        return found

    def _by_path(self, table: str, columns: Iterable[str], keys: list[str], order: str = "") -> list[dict[str, Any]]:
        """The rows of `table` whose path (`path_text` form) is among `keys`, read through its path index a chunk of
        paths at a time."""
        rows: list[dict[str, Any]] = []
        with self._lock:
            for start in range(0, len(keys), PATHS_PER_QUERY):
                chunk = keys[start:start + PATHS_PER_QUERY]
                rows += self._select(table, columns, f"WHERE path IN ({', '.join('?' * len(chunk))}) {order}", tuple(chunk))
        return rows

    # -- a photo's own profile ---------------------------------------------
    def keep_photo_profile(self, path: str | os.PathLike[str], image_sha256: str, profile: str) -> None:
        """Keep the profile the officer chose for one photo alone, by the photo's path and its bytes: opened again, the
        photo is judged under it (a child's photo decided under the child's rules read the next day as failing the
        adult's: review). Raises OutputError when the store cannot be written."""
        with self._writing("keep a photo's profile in"):
            self._conn.execute("INSERT OR REPLACE INTO photo_profiles (path, image_sha256, profile, chosen_at, login) "
                               "VALUES (?, ?, ?, ?, ?)", (_path_key(path), image_sha256, profile, _now(), self.login))

    def forget_photo_profiles(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        """Forget the profiles kept for these photos ("as all photos"), in one transaction (OutputError when it cannot
        be written)."""
        keys = [(path_text(p),) for p in resolve_paths(paths)]
        with self._writing("forget photos' profiles in"):
            self._conn.executemany("DELETE FROM photo_profiles WHERE path = ?", keys)

    def photo_profiles_for_paths(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, KeptProfile]:
        """The profile kept for each of these photos that has one of its own, by path (resolved path -> what was kept):
        which bytes it was chosen for is checked once they are read (`kept_profile`)."""
        wanted = {path_text(p): p for p in resolve_paths(paths)}
        rows = self._by_path("photo_profiles", ("path", "profile", "image_sha256"), list(wanted))
        return {wanted[row["path"]]: KeptProfile(row["profile"], row["image_sha256"]) for row in rows}

    def kept_profile(self, path: str | os.PathLike[str], image_sha256: str) -> KeptProfile | None:
        """The profile kept for a photo, as decisions are found: by its path (a row for other bytes is returned as it
        is: the file was replaced since), else by its bytes where the file it was chosen for is no longer there (moved
        or renamed: it lost its profile while its decision followed it)."""
        key = _path_key(path)
        with self._lock:
            rows = self._select("photo_profiles", ("path", "profile", "image_sha256"), "WHERE path = ?", (key,))
            row = rows[0] if rows else self._moved_here(image_sha256)
        return KeptProfile(row["profile"], row["image_sha256"]) if row else None

    def _moved_here(self, image_sha256: str) -> dict[str, Any] | None:
        """The latest profile kept for these bytes whose file is no longer where it was chosen."""
        same = self._select("photo_profiles", ("path", "profile", "image_sha256"),
                            "WHERE image_sha256 = ? ORDER BY chosen_at DESC", (image_sha256,))
        return next((row for row in same if not Path(path_from_text(row["path"])).exists()), None)

    def move_photo_profile(self, path: str | os.PathLike[str], image_sha256: str) -> KeptProfile | None:
        """A profile kept for these bytes at a path where they are no longer, moved to `path` (the photo moved or was
        renamed); None when there is none. Moved, not copied: "as all photos" then forgets it, where the old row found
        it again at every opening (review). OutputError when the store cannot be written."""
        key = _path_key(path)
        with self._writing("keep a photo's profile in"):
            row = self._moved_here(image_sha256)
            if row is not None:
                self._conn.execute("DELETE FROM photo_profiles WHERE path = ?", (key,))
                self._conn.execute("UPDATE photo_profiles SET path = ? WHERE path = ?", (key, row["path"]))
        return KeptProfile(row["profile"], row["image_sha256"]) if row else None

    def audit_log(self, image_sha256: str | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first (of one photo, or all)."""
        columns = [*ENTRY_FIELDS, "entry_hash"]
        with self._lock:
            if image_sha256:
                rows = self._select("audit", columns, "WHERE image_sha256=? ORDER BY id", (image_sha256,))
            else:
                rows = self._select("audit", columns, "ORDER BY id")
        names = {f.name for f in fields(AuditEntry)}
        return [
            AuditEntry(**{k: v for k, v in r.items() if k in names} | {"reasons": json.loads(r["reasons"]),
                                                                          "path": path_from_text(r["path"])})
            for r in rows
        ]

    def verify(self) -> ChainReport:
        """Check the audit log's hash chain and the decisions against it (see review.chain), and that the store is the
        one its witness saw grow (review.witness)."""
        with self._lock:
            return verify_witnessed(self._conn, self.path)

    def _keep_witness(self) -> None:
        """Move the witness beside the store to its head, unless the store no longer holds the witnessed entry: the
        witness is then the evidence, and stays. Not written (disk full) is logged: the decision is saved."""
        with self._lock:
            try:
                witness = load_witness(self.path)
            except WitnessUnreadable as problem:  # replaced, it would vouch for whatever the store holds now
                log.warning("the audit witness of %s: %s; it is kept", self.path, problem)
                return
            if witness_problems(self._conn, witness, self.path):
                log.warning("the review store %s is not the one its witness recorded; the witness is kept", self.path)
                return
            head = current_witness(self._conn)
        if head != witness:
            try:
                write_witness(self.path, head)
            except OutputError as problem:
                log.warning("the audit witness beside %s was not written: %s", self.path, problem)


# the (photo, path) pairs whose last audit entry is at or before an id: their decisions go with a retention cut
_LAST_WORD_BEFORE = "(SELECT image_sha256, path FROM audit GROUP BY image_sha256, path HAVING max(id) <= ?)"
# the profiles chosen for single photos before a moment whose photo (bytes and path) keeps no decision after a cut
# through an id: a photo decided since under its profile keeps it (it was judged the next day under the adult rules
# again: review), and another photo decided since under the name keeps none (third review)
_PROFILES_BEFORE = (f"chosen_at < ? AND (image_sha256, path) NOT IN (SELECT image_sha256, path FROM decisions WHERE "
                    f"(image_sha256, path) NOT IN {_LAST_WORD_BEFORE})")


class KeptProfile(NamedTuple):
    """A profile kept for one photo alone, and the bytes (SHA-256) of the photo it was chosen for."""

    profile: str
    image_sha256: str


class Cut(NamedTuple):
    """What a retention cut removes: audit entries, the decisions they were the last word on, and the profiles chosen
    for single photos that nothing else kept names (their paths name applicants too)."""

    entries: int
    decisions: int
    profiles: int


def _cut_before(conn: sqlite3.Connection, cutoff: datetime) -> tuple[Cut, int | None]:
    """What a retention cut at `cutoff` removes, and the last audit entry's id it removes (None: no entry). (A
    version-1 store, which has no entry hashes, is counted too: the cut seals it first; an older store without the
    profiles' table has none of them.)"""
    first_kept = conn.execute("SELECT min(id) FROM audit WHERE at >= ?", (_stamp(cutoff),)).fetchone()[0]
    last = conn.execute("SELECT max(id) FROM audit" + (" WHERE id < ?" if first_kept is not None else ""),
                        (first_kept,) if first_kept is not None else ()).fetchone()[0]
    profiles = conn.execute(f"SELECT count(*) FROM photo_profiles WHERE {_PROFILES_BEFORE}", (_stamp(cutoff), last or 0)
                            ).fetchone()[0] if _has_table(conn, "photo_profiles") else 0
    if last is None:
        return Cut(0, 0, profiles), None
    decisions = conn.execute(f"SELECT count(*) FROM decisions WHERE (image_sha256, path) IN {_LAST_WORD_BEFORE}",
                             (last,)).fetchone()[0]
    entries = conn.execute("SELECT count(*) FROM audit WHERE id <= ?", (last,)).fetchone()[0]
    return Cut(entries, decisions, profiles), last


def _path_key(path: str | os.PathLike[str]) -> str:
    """A photo's path as the store keys it: absolute, symlinks resolved, in `path_text` form."""
    return path_text(str(Path(path).resolve()))


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def count_before(path: str | os.PathLike[str], cutoff: datetime) -> Cut:
    """What `ReviewStore.remove_before` would remove, read without changing the store: a preview opened it for
    writing, so it failed on an auditor's read-only copy and sealed a version-1 store it only looked at. Call
    `verify_store` first: a store that does not verify is not cut."""
    location = Path(path)
    try:
        with _reading(location) as conn:
            cut, _ = _cut_before(conn, cutoff)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{location} is not a review store ({error})") from error
    except OSError as error:
        raise StoreError(f"{location} cannot be read ({error})") from error
    return cut


def _set_back(location: Path, version: int) -> str:
    """What a store set back to an old schema to be sealed afresh is, said by the open that refuses it and by verify."""
    return f"{location} says it is a version-{version} store but holds a sealed audit log: it was altered"


def _holds_a_chain(conn: sqlite3.Connection) -> bool:
    """Whether any audit entry carries a chain hash (a version-1 store has none: the column is added empty)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
    return "entry_hash" in columns and conn.execute("SELECT 1 FROM audit WHERE entry_hash != '' LIMIT 1").fetchone() is not None


def verify_store(path: str | os.PathLike[str], recorded_head: str = "") -> ChainReport:
    """Verify a store file without changing it (read-only; a version-1 store is reported, not migrated); with
    `recorded_head`, also that it holds the audit entry of that hash (`witness.recorded_head_problems`)."""
    location = Path(path)
    missing = not location.is_file()
    if missing or location.stat().st_size == 0:
        # where the witness says a store was there, its loss is a broken log (exit 1), not a usage error ("no review
        # store", "not a review store (no such table: meta)" for an emptied one; CLI walk-through)
        recorded = witnessed(location)
        if not recorded:
            raise StoreError(f"No review store at {location}" if missing else f"{location} is empty (0 bytes): no review store")
        return ChainReport(problems=[f"No review store at {location}, though {recorded}: it was deleted or moved" if missing
                                     else f"{location} {EMPTIED}; {recorded}"])
    try:
        with _reading(location) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            version = int(row[0]) if row else 1
            if version < SCHEMA_VERSION:
                if _holds_a_chain(conn):  # set back to be sealed afresh (security review): not an old store to seal
                    return ChainReport(problems=[f"{_set_back(location, version)} (set back so that opening it would "
                                                 "chain its entries afresh)"])
                return ChainReport(problems=[f"{location} is a version-{version} store without a hash chain; "
                                             "opening it once in the application seals its entries"], unsealed=True)
            if version > SCHEMA_VERSION:
                raise StoreError(f"{location} was written by a newer version (schema {version})")
            return verify_witnessed(conn, location, recorded_head)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{location} is not a review store ({error})") from error
    except OSError as error:  # the copy of a store in a read-only folder (a full temporary disk, an unreadable -wal)
        raise StoreError(f"{location} cannot be read to verify it ({error})") from error


@contextmanager
def _reading(location: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the store; in a folder this login cannot write (an auditor's copy, a read-only
    share) a copy of it in a temporary folder: SQLite cannot read a WAL database without creating its -shm file
    beside it, and said "attempt to write a readonly database", which read as "not a review store". The copy is
    exact for a store no window is writing to; it is deleted when verified."""
    conn = sqlite3.connect(f"{location.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as error:
        conn.close()
        if os.access(location.parent, os.W_OK):
            raise
        log.info("The folder of %s is read-only (%s): verifying a copy", location, error)
        with tempfile.TemporaryDirectory(prefix="pfiq-verify-") as folder:
            for suffix in ("", "-wal"):  # the write-ahead log holds committed decisions not yet in the file
                if Path(f"{location}{suffix}").is_file():
                    shutil.copyfile(f"{location}{suffix}", Path(folder) / f"store{suffix}")
            copy = sqlite3.connect(Path(folder) / "store")
            try:
                yield copy
            finally:
                copy.close()
        return
    try:
        yield conn
    finally:
        conn.close()


def _decision_row(record: Decision) -> dict[str, Any]:
    """A decision as the decisions table stores it (lists as JSON, the path in text form)."""
    row = {name: getattr(record, name) for name in DECISION_FIELDS}
    row["reasons"] = json.dumps(record.reasons)
    row["overridden"] = json.dumps(record.overridden)
    row["path"] = path_text(record.path)
    return row


def _decision_from_row(row: dict[str, Any]) -> Decision:
    values = dict(row)
    values["reasons"] = json.loads(row["reasons"])
    values["overridden"] = json.loads(row["overridden"])
    values["path"] = path_from_text(row["path"])
    return Decision(**values)
