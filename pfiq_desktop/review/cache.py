"""Cache of finished analyses (JSON by image hash), so reopening a folder skips the network.

It lives in its own SQLite file with its own connection, apart from the
review store: writing a cached analysis (hundreds of kB) must never hold the
lock the GUI thread takes to read or record a decision, and a cache needs no
fsync per write (losing the last entries in a crash only costs a re-analysis).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    image_sha256 TEXT NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (image_sha256, key)
)
"""


def cache_path_beside(store_path: str | os.PathLike) -> Path:
    """The cache file that belongs to a review store file."""
    return Path(store_path).with_name("analysis-cache.sqlite3")


class AnalysisCache:
    """Analysis JSON keyed by (image SHA-256, engine key); safe to share between threads."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def put(self, image_sha256: str, key: str, json_text: str) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO analyses VALUES (?,?,?,?)", (image_sha256, key, json_text, stamp)
            )

    def get(self, image_sha256: str, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT json FROM analyses WHERE image_sha256=? AND key=?", (image_sha256, key)
            ).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
