"""SQLite's write-ahead log for the review store and the analysis cache, switched on even while another process
creates the same file."""

from __future__ import annotations

import sqlite3
import time

WAL_TRIES = 50
WAL_WAIT_S = 0.1


def enable_wal(conn: sqlite3.Connection) -> None:
    """`PRAGMA journal_mode=WAL`, retried for about 5 s: on a file another process is creating at the same moment it
    answers "database is locked" at once, without waiting (two windows opened on a new data folder: one did not
    start, 1 time in 6)."""
    for attempt in range(WAL_TRIES):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(WAL_WAIT_S)
