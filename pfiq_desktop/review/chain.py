"""The audit log's hash chain: how entries and decisions are hashed, and how a store is verified.

Each audit entry carries the SHA-256 of the decision row it produced
(`decision_hash`, empty for a withdrawal), the hash of the entry before it
(`prev_hash`) and its own hash over all of that (`entry_hash`, which includes its
id). The store keeps the newest entry's hash in `meta.audit_head`. Then:

* an edited entry no longer matches its own hash;
* a deleted, inserted or reordered entry breaks the link of the entry after it
  (or, at the end of the log, the recorded head);
* an edited, deleted or added decision row no longer matches the last audit
  entry for its photo;
* a retention cut (`ReviewStore.remove_before`) removes only the oldest entries: the
  first one kept must follow the hash recorded in `meta.chain_start`, which the
  cut's own `prune` entry records too, so entries deleted behind it are still found.

What it cannot see: someone who rewrites the whole log *and* the head with this
very algorithm. Against that, compare the head `pfiq audit verify` prints with one
noted earlier (each report carries its photo's entry hashes).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CHAIN_VERSION = 1
GENESIS = ""  # prev_hash of the first entry
DECIDE, RESTORE, CLEAR = "decide", "restore", "clear"  # a decision filed; an earlier one filed again (an undo); withdrawn
FILING = (DECIDE, RESTORE)  # the actions that leave a decision row standing
PRUNE = "prune"  # the action of the entry a retention cut appends; its decision_hash holds the hash the log resumes after
# meta key: the last entry id a version-1 store's migration sealed as it was (a gap up to it was there before the chain)
SEALED_THROUGH = "sealed_through"
CHAIN_START = "chain_start"  # meta key: prev_hash of the first entry kept by a retention cut (GENESIS before any)
PRINTED_HASH_DIGITS = 12  # an entry's hash as reports print it: 48 bits, enough to name it among any store's entries

DECISION_FIELDS = (
    "image_sha256", "path", "decision", "reasons", "note", "officer", "login", "decided_at", "app_version",
    "model_sha256", "engine_key", "profile", "profile_sha256", "verdict", "overridden",
)
ENTRY_FIELDS = (
    "id", "at", "officer", "login", "action", "image_sha256", "path", "decision", "reasons", "note", "app_version",
    "model_sha256", "engine_key", "profile", "profile_sha256", "verdict", "decision_hash", "prev_hash",
)
TRIGGERS = ("audit_no_update", "audit_no_delete")  # the store creates them by these names (UPDATE, DELETE)


def _digest(values: Sequence[Any]) -> str:
    text = json.dumps([CHAIN_VERSION, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decision_hash(row: dict[str, Any]) -> str:
    """SHA-256 of a decisions-table row as stored (DECISION_FIELDS, in that order)."""
    return _digest([row[name] for name in DECISION_FIELDS])


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of an audit entry as stored (ENTRY_FIELDS, in that order; not its own entry_hash)."""
    return _digest([entry[name] for name in ENTRY_FIELDS])


@dataclass
class ChainReport:
    """What verifying a store found; `problems[0]` is the first broken link."""

    entries: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)
    sealed: str = ""  # "N entries on DATE" when a version-1 store was sealed on migration
    unsealed: bool = False  # a version-1 store, whose entries opening it in the application seals

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The first broken link and how many more problems there are ('' when the chain holds)."""
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        return f"{self.problems[0]}{more}" if self.problems else ""


def _rows(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def verify(conn: sqlite3.Connection) -> ChainReport:
    """Check the audit chain, the recorded head, the decisions table and the append-only triggers."""
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    report = ChainReport(sealed=meta.get("sealed", ""))
    columns = ", ".join([*ENTRY_FIELDS, "entry_hash"])
    entries = _rows(conn, f"SELECT {columns} FROM audit ORDER BY id")
    report.entries = len(entries)
    start = meta.get(CHAIN_START, GENESIS)
    cuts = [entry for entry in entries if entry["action"] == PRUNE]
    if start != GENESIS and (not cuts or cuts[-1]["decision_hash"] != start):
        report.problems.append("the log's recorded start is not where its last retention cut left it: entries before "
                               "it were deleted, or the start was changed")
    # ids up to this one were sealed as a version-1 store left them; one sealed before it was recorded, wholly
    sealed_through = int(meta[SEALED_THROUGH]) if SEALED_THROUGH in meta else sys.maxsize if report.sealed else 0
    previous: dict[str, Any] | None = None
    for entry in entries:
        if entry_hash(entry) != entry["entry_hash"]:
            report.problems.append(f"audit entry {entry['id']} ({entry['at']}) was changed after it was written")
        elif entry["prev_hash"] != (previous["entry_hash"] if previous else start):
            after = f"entry {previous['id']}" if previous else "the start of the log"
            report.problems.append(
                f"audit entry {entry['id']} ({entry['at']}) does not follow {after}: "
                "an entry between them was deleted or inserted, or entries were reordered"
            )
        elif previous is not None and entry["id"] != previous["id"] + 1 and entry["id"] > sealed_through:
            # SQLite never reuses an id, nor skips one (an administrator's purge of a version-1 store left gaps, sealed)
            report.problems.append(f"audit entries {previous['id'] + 1}-{entry['id'] - 1} are missing: they were "
                                   "deleted and the log chained again behind them")
        previous = entry
    report.head = previous["entry_hash"] if previous else GENESIS
    if meta.get("audit_head", GENESIS) != report.head:
        report.problems.append(
            "the log does not end at its recorded head: its last entries were deleted, or entries were added behind the log's back"
        )
    report.problems += _decision_problems(conn, entries)
    missing = [name for name in TRIGGERS if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=?", (name,)).fetchone()]
    if missing:
        report.problems.append(f"the append-only triggers are missing ({', '.join(missing)})")
    return report


def _decision_problems(conn: sqlite3.Connection, entries: list[dict[str, Any]]) -> list[str]:
    """Every decision row must be what the last audit entry for its photo recorded, and vice versa."""
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        last[(entry["image_sha256"], entry["path"])] = entry
    rows = {(r["image_sha256"], r["path"]): r for r in _rows(conn, f"SELECT {', '.join(DECISION_FIELDS)} FROM decisions")}
    problems = []
    for key, row in rows.items():
        recorded = last.get(key)
        if recorded is None or recorded["action"] not in FILING:
            problems.append(f"the decision on {key[1]} has no audit entry recording it")
        elif decision_hash(row) != recorded["decision_hash"]:
            problems.append(f"the decision on {key[1]} differs from audit entry {recorded['id']} that recorded it")
    for key, entry in last.items():
        if entry["action"] in FILING and key not in rows:
            problems.append(f"the decision on {key[1]} recorded by audit entry {entry['id']} was deleted")
    return problems
