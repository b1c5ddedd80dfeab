"""The audit chain's head, kept beside the review store as '<store>.head'.

The hash chain inside the store shows an entry changed, removed or inserted, but not the whole file going: a store
deleted and begun anew, or replaced by an older copy, verified as "chain intact" (resilience walk-through). The
witness records how many entries were written and the last one's hash; a store that no longer holds that entry is
reported, and the witness is then left as it is, as the evidence.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from pfiq_desktop.atomic import write_text_atomic
from pfiq_desktop.review.chain import GENESIS, PRINTED_HASH_DIGITS, PRUNE, ChainReport, verify

HEAD_SUFFIX = ".head"


@dataclass(frozen=True)
class Witness:
    entries: int  # audit entries written to the store (the last one's id)
    entry_hash: str  # that entry's hash (GENESIS for none)


def witness_path(store: Path) -> Path:
    return store.with_name(store.name + HEAD_SUFFIX)


class WitnessUnreadable(ValueError):
    """A witness is beside the store but cannot be read: blanked or garbled, it hid entries removed from the end of
    the log ("OK ... chain intact" for a trimmed log; CLI walk-through), so it is kept and reported, not replaced."""


def load_witness(store: Path) -> Witness | None:
    """The witness beside `store`; None where there is none (a store of a version before it, or new); raises
    WitnessUnreadable where one is there that cannot be read."""
    path = witness_path(store)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Witness(int(data["entries"]), str(data["entry_hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as problem:
        raise WitnessUnreadable(f"{path.name} beside it cannot be read ({problem})") from problem


def current_witness(conn: sqlite3.Connection) -> Witness:
    """The store's own head: its last audit entry."""
    row = conn.execute("SELECT id, entry_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return Witness(int(row[0]), str(row[1])) if row else Witness(0, GENESIS)


def witnessed(store: Path) -> str:
    """'reviews.sqlite3.head beside it records the 7 audit entries written to it', or '... cannot be read (...)' (a
    store was there: a blanked witness beside a deleted store read as a path mistyped, and the window began anew;
    review), or '' where no entry is recorded."""
    try:
        witness = load_witness(store)
    except WitnessUnreadable as problem:
        return str(problem)
    if witness is None or not witness.entries:
        return ""
    return f"{witness_path(store).name} beside it records the {witness.entries} audit entries written to it"


def witness_problems(conn: sqlite3.Connection, witness: Witness | None, store: Path) -> list[str]:
    """Why the store is not the one the witness saw grow ([] where it holds the witnessed entry, or there is none)."""
    if witness is None or witness.entries == 0:
        return []
    row = conn.execute("SELECT entry_hash FROM audit WHERE id=?", (witness.entries,)).fetchone()
    if row is not None and row[0] == witness.entry_hash:
        return []
    held = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    return [f"the store holds {held} audit entries, but {witness.entries} were written to it ({witness_path(store).name} "
            "beside it records them): it was replaced by another store or an older copy, or begun anew"]


def recorded_head_problems(conn: sqlite3.Connection, entry_hash: str) -> list[str]:
    """Why the store does not hold the entry whose hash (or its first digits) was recorded elsewhere ([] where it
    does). The witness beside the store goes with it when both are deleted or copied back; a head noted off the
    machine (a ticket, a daily e-mail) does not. With the chain intact, holding that entry means holding every entry
    before it unchanged."""
    if conn.execute("SELECT 1 FROM audit WHERE substr(entry_hash, 1, ?)=?", (len(entry_hash), entry_hash)).fetchone():
        return []
    held = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    cut = conn.execute("SELECT at FROM audit WHERE action=? ORDER BY id DESC LIMIT 1", (PRUNE,)).fetchone()
    also = f", or it was among the old entries removed by the retention cut of {cut[0]}" if cut else ""
    return [f"the store ({held} audit entries) does not hold the entry whose hash was recorded ({entry_hash[:PRINTED_HASH_DIGITS]}…): "
            f"it was replaced by another store or an older copy, begun anew, or the hash was copied wrongly{also}"]


def verify_witnessed(conn: sqlite3.Connection, store: Path, recorded_head: str = "") -> ChainReport:
    """The chain's own check (review.chain), that the store is the one its witness saw grow, and that it holds the
    entry whose hash was recorded elsewhere, where one is given."""
    report = verify(conn)
    try:
        report.problems += witness_problems(conn, load_witness(store), store)
    except WitnessUnreadable as problem:
        report.problems.append(f"{problem}: audit entries removed from the end of the log cannot be ruled out")
    if recorded_head:
        report.problems += recorded_head_problems(conn, recorded_head)
    return report


def write_witness(store: Path, witness: Witness) -> None:
    """Written atomically; raises OutputError where it cannot be (the caller's decision is already saved)."""
    write_text_atomic(witness_path(store), json.dumps(asdict(witness)))
