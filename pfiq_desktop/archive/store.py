"""The one result store of an audit: SQLite on the client, written only by the client.

Every analysis is keyed by (photo content hash, engine configuration hash), so
writing a result twice (Dask re-runs the tasks of a lost worker) leaves one row,
and a re-run skips what is done. `sources` remembers each path's size,
modification time and content hash, so a re-run knows which photos are done
without reading them again; a photo whose file changed is analysed again.
`failures` holds the photos that produced no analysis (unreadable, engine
crash, lost chunk); they are tried again by the next run.

Dask-free: `pfiq report --results` reads it without the cluster extra.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pfiq_desktop.archive.chunk import PhotoOutcome
from pfiq_desktop.archive.columns import SUMMARY_COLUMNS, column_type
from pfiq_desktop.archive.config import EngineConfig
from pfiq_desktop.engine.filenames import path_from_text, path_text
from pfiq_desktop.engine.results import Analysis

log = logging.getLogger(__name__)

KEY_COLUMNS = ("photo_sha256", "config_hash")
RECORD_COLUMNS: dict[str, str] = {
    "path": "TEXT",
    "run_id": "INTEGER",
    "worker": "TEXT",
    "seconds": "REAL",
    "stored_at": "TEXT",
    **SUMMARY_COLUMNS,
}
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS configs (
    config_hash TEXT PRIMARY KEY, description TEXT NOT NULL, first_used TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, config_hash TEXT NOT NULL, started TEXT NOT NULL,
    finished TEXT, listed INTEGER, skipped INTEGER, submitted INTEGER, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, photo_sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_by_photo ON sources (photo_sha256);
CREATE TABLE IF NOT EXISTS results (
    photo_sha256 TEXT NOT NULL, config_hash TEXT NOT NULL,
    {", ".join(f'"{name}" {kind}' for name, kind in RECORD_COLUMNS.items())},
    analysis_json TEXT NOT NULL,
    PRIMARY KEY (photo_sha256, config_hash)
);
CREATE TABLE IF NOT EXISTS failures (
    path TEXT NOT NULL, config_hash TEXT NOT NULL, error TEXT NOT NULL, run_id INTEGER, failed_at TEXT NOT NULL,
    PRIMARY KEY (path, config_hash)
);
"""
_LOOKUP_BATCH = 500  # paths per `IN (...)` query, well under SQLite's variable limit


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message names the file."""


@dataclass(frozen=True)
class FileState:
    """What the client knows of a photo file without reading it."""

    size: int
    mtime_ns: int


def file_state(path: str) -> FileState | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None  # the worker reports why it cannot be read
    return FileState(stat.st_size, stat.st_mtime_ns)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultStore:
    """SQLite file with one row per (photo, engine configuration); one connection, the client's thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # a crash loses at most the last chunks: analysed again
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as problem:
            raise StoreError(f"cannot open the result store {self.path}: {problem}") from problem
        self._columns = self._result_columns()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    # -- runs and configurations --
    def start_run(self, config: EngineConfig, listed: int, skipped: int, submitted: int) -> int:
        with self._transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO configs VALUES (?,?,?)", (config.hash, json.dumps(config.describe()), _now())
            )
            cursor = self._conn.execute(
                "INSERT INTO runs (config_hash, started, listed, skipped, submitted, status) VALUES (?,?,?,?,?,?)",
                (config.hash, _now(), listed, skipped, submitted, "running"),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str) -> None:
        """'done', 'cancelled' or 'failed': what the next run and the report can tell about this one."""
        self._conn.execute("UPDATE runs SET finished=?, status=? WHERE run_id=?", (_now(), status, run_id))

    def latest_config(self) -> str | None:
        """The configuration of the most recent run: the one a report shows unless told otherwise."""
        row = self._conn.execute("SELECT config_hash FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def configs(self) -> dict[str, dict[str, str]]:
        rows = self._conn.execute("SELECT config_hash, description FROM configs ORDER BY first_used").fetchall()
        return {key: json.loads(text) for key, text in rows}

    # -- what is done --
    def pending(self, paths: Sequence[str], config_hash: str) -> list[str]:
        """The paths without a result under this configuration (or whose file changed since), in order."""
        done: set[str] = set()
        keys = [path_text(path) for path in paths]
        for start in range(0, len(keys), _LOOKUP_BATCH):
            batch = keys[start : start + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(
                f"SELECT s.path, s.size, s.mtime_ns FROM sources s JOIN results r "
                f"ON r.photo_sha256 = s.photo_sha256 AND r.config_hash = ? WHERE s.path IN ({marks})",
                (config_hash, *batch),
            ).fetchall()
            for key, size, mtime_ns in rows:
                if file_state(path_from_text(key)) == FileState(size, mtime_ns):
                    done.add(key)
        return [path for path, key in zip(paths, keys, strict=True) if key not in done]

    # -- writing --
    def write(self, run_id: int, config_hash: str, outcomes: Iterable[PhotoOutcome]) -> None:
        """Store a chunk's outcomes in one transaction; writing the same outcome again changes nothing."""
        stamp = _now()
        with self._transaction():
            for outcome in outcomes:
                key = path_text(outcome.path)
                if outcome.photo_sha256 and outcome.size is not None:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO sources VALUES (?,?,?,?)",
                        (key, outcome.size, outcome.mtime_ns, outcome.photo_sha256),
                    )
                if outcome.analysed:
                    self._write_result(run_id, config_hash, outcome, stamp)
                    self._conn.execute("DELETE FROM failures WHERE path=? AND config_hash=?", (key, config_hash))
                else:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?)",
                        (key, config_hash, outcome.error or "no analysis", run_id, stamp),
                    )

    def _write_result(self, run_id: int, config_hash: str, outcome: PhotoOutcome, stamp: str) -> None:
        record = {
            "photo_sha256": outcome.photo_sha256, "config_hash": config_hash, "path": path_text(outcome.path),
            "run_id": run_id, "worker": outcome.worker, "seconds": outcome.seconds, "stored_at": stamp,
            **outcome.columns, "analysis_json": outcome.analysis_json,
        }
        for name in [name for name in record if name not in self._columns]:  # in record order: a stable table
            self._conn.execute(f'ALTER TABLE results ADD COLUMN "{name}" {column_type(name)}')
            self._columns.add(name)
        names = ", ".join(f'"{name}"' for name in record)
        self._conn.execute(
            f"INSERT OR REPLACE INTO results ({names}) VALUES ({','.join('?' * len(record))})", tuple(record.values())
        )

    # -- reading --
    def result_columns(self) -> list[str]:
        """The results table's columns in table order (the flat columns that Parquet gets)."""
        return [row[1] for row in self._conn.execute("PRAGMA table_info(results)")]

    def rows(self, columns: Sequence[str], config_hash: str, batch: int = 10_000) -> Iterator[list[tuple[object, ...]]]:
        """The results of one configuration, some columns, in batches (for exports of millions of rows)."""
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = self._conn.execute(f"SELECT {names} FROM results WHERE config_hash=? ORDER BY path", (config_hash,))
        while chunk := cursor.fetchmany(batch):
            yield chunk

    def analyses(self, config_hash: str) -> Iterator[Analysis]:
        """Each stored analysis of one configuration, by path; the source is the path it was stored under."""
        for chunk in self.rows(("path", "analysis_json"), config_hash, batch=500):
            for path, text in chunk:
                analysis = Analysis.from_json(str(text))
                analysis.source = path_from_text(str(path))
                yield analysis

    def failures(self, config_hash: str) -> list[tuple[str, str]]:
        """(path, error) of every photo without an analysis under this configuration."""
        rows = self._conn.execute(
            "SELECT path, error FROM failures WHERE config_hash=? ORDER BY path", (config_hash,)
        ).fetchall()
        return [(path_from_text(str(path)), str(error)) for path, error in rows]

    def count(self, config_hash: str) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM results WHERE config_hash=?", (config_hash,)).fetchone()
        return int(row[0])

    # -- internals --
    def _result_columns(self) -> set[str]:
        return set(self.result_columns())

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (Ctrl-C too); SQLite errors name the file."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            yield
            self._conn.execute("COMMIT")
        except BaseException as problem:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._columns = self._result_columns()  # a column added in the rolled-back transaction is gone
            if isinstance(problem, sqlite3.Error):
                raise StoreError(f"cannot write the result store {self.path}: {problem}") from problem
            raise
