"""Cache of finished analyses (JSON by image hash), so reopening a folder skips the network.

The GUI and `pfiq report` share one cache through `AnalysisCache.analyse`.

It lives in its own SQLite file with its own connection, apart from the
review store: writing a cached analysis (hundreds of kB) must never hold the
lock the GUI thread takes to read or record a decision, and a cache needs no
fsync per write (losing the last entries in a crash only costs a re-analysis).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pfiq_desktop import __version__
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.protocol import Engine
from pfiq_desktop.engine.results import Analysis, engine_key_version
from pfiq_desktop.review.wal import enable_wal

log = logging.getLogger(__name__)

# An analysis not used for this long leaves the cache when it is next opened: about 145 kB a photo would otherwise
# grow by ~14 GB a year at 400 photos a day; a folder reopened after that is analysed again (~0.1-0.5 s a photo).
KEEP_DAYS = 90
NO_TEMPLATES = 1  # the cache's user_version from 0.4.8 on, which holds no face embeddings (results schema 7)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    image_sha256 TEXT NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (image_sha256, key)
)
"""


def open_cache(path: str | os.PathLike[str]) -> tuple[AnalysisCache | None, str]:
    """The analysis cache at `path`, and '' or what to tell the user. Only time is lost without it, so it never stops
    the window or a command: a file that is no database (overwritten, damaged) is deleted and a new cache begun (junk
    there kept the window from opening, with no word: resilience walk-through; a copy set aside kept the analyses of
    every photo, with their file names, for ever: data-protection walk-through); a cache that cannot be used at all
    (an unwritable folder, another program's lock) gives None, and every photo is analysed."""
    location = Path(path)
    _forget_earlier_caches(location)
    retired = _forget_another_versions_cache(location)
    try:
        cache = AnalysisCache(location)
        cache.retired += retired
        return cache, ""
    except (OSError, sqlite3.OperationalError) as problem:  # locked, unwritable: the file itself may be sound
        log.warning("the analysis cache %s cannot be used: %s", location, problem)
        return None, f"the analysis cache cannot be used ({problem}); every photo is analysed"
    except sqlite3.DatabaseError as damaged:
        log.warning("the analysis cache %s is damaged (%s): it is deleted", location, damaged)
    try:
        for path in _cache_files(location):
            path.unlink(missing_ok=True)
        return AnalysisCache(location), "the analysis cache was damaged and is deleted; a new one is begun"
    except (OSError, sqlite3.Error) as problem:
        log.warning("no new analysis cache at %s: %s", location, problem)
        return None, f"the analysis cache is damaged and cannot be replaced ({problem}); every photo is analysed"


def _forget_earlier_caches(location: Path) -> None:
    """Delete what versions before 0.4.8 left: a cache whose analyses hold each face's embedding (a biometric
    template) with the photo's path, and the copy of a damaged one they set aside. None of it can be used again (the
    engine key names the version): deleting the file is instant, where dropping its rows one by one took 1.3 s and a
    journal as large as the cache for 3,000 photos. Where it cannot be deleted (a read-only folder) it serves on."""
    aside = [location.with_name(location.name + ".damaged")]
    if location.is_file() and _version(location) < NO_TEMPLATES:
        aside += _cache_files(location)
    for path in aside:
        try:
            if path.is_file():
                path.unlink()
                log.info("deleted %s, written by an earlier version with face embeddings", path)
        except OSError as problem:
            log.warning("could not delete %s: %s", path, problem)


def _forget_another_versions_cache(location: Path) -> int:
    """Delete a cache that holds only other versions' analyses (the first start after an update), and say how many
    it held: deleting the file is instant, where deleting its rows one by one took 1.4 s and left a journal as large
    as the cache for 3,000 photos (review). A cache this version has written to keeps its file (`AnalysisCache`
    drops the other rows)."""
    if not location.is_file():
        return 0
    try:
        counts = _read_only(location, "SELECT key, count(*) FROM analyses GROUP BY key")
    except sqlite3.Error as exc:  # unreadable or damaged: `open_cache` deals with it
        log.info("the analysis cache's versions could not be read (%s)", exc)
        return 0
    if not counts or any(engine_key_version(key) == __version__ for key, _ in counts):
        return 0
    try:
        for path in _cache_files(location):
            path.unlink(missing_ok=True)
    except OSError as problem:  # a read-only folder: it serves on, its rows dropped where they can be
        log.warning("could not delete %s: %s", location, problem)
        return 0
    retired = int(sum(count for _, count in counts))
    versions = sorted({engine_key_version(key) for key, _ in counts})
    log.info("deleted %s: its %d analyses were made by version %s; every photo is analysed again", location, retired,
             ", ".join(versions))
    return retired


def _cache_files(location: Path) -> list[Path]:
    """The cache file and its journals, the write-ahead log first: deleted in this order, it can never be replayed
    into a new file of the same name."""
    return [location.with_name(location.name + extra) for extra in ("-wal", "-shm", "")]


def _version(location: Path) -> int:
    """The cache file's user_version (NO_TEMPLATES from 0.4.8 on); one that cannot be read counts as current (it is
    then opened, and deleted if damaged)."""
    try:
        return int(_read_only(location, "PRAGMA user_version")[0][0])
    except sqlite3.Error as exc:
        log.info("the analysis cache's version could not be read (%s); it is opened as it is", exc)
        return NO_TEMPLATES


def _read_only(location: Path, query: str) -> list[Any]:
    """The rows of `query` on the cache file, opened read-only (nothing is written or begun)."""
    conn = sqlite3.connect(f"{location.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def retired_text(retired: int) -> str:
    """What the window and the commands say once after an update (`AnalysisCache.retired`), or ''."""
    if not retired:
        return ""
    kept = f"{retired:,} {'analysis' if retired == 1 else 'analyses'}"
    return f"Version {__version__} analyses each photo afresh: {kept} by other versions left the analysis cache"


class AnalysisCache:
    """Analysis JSON keyed by (image SHA-256, engine key); safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0)
        try:
            enable_wal(self._conn)
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA secure_delete=ON")  # what is dropped is overwritten, whatever SQLite's build
            self._conn.execute(_SCHEMA)
        except sqlite3.Error:
            self._conn.close()  # the file may then be deleted (`open_cache`), which an open handle forbids on Windows
            raise
        self._mark_current()
        self._forget_unused()
        self.retired = self._forget_other_versions()

    def _mark_current(self) -> None:
        """Stamp the file as holding no embeddings (`_forget_earlier_caches`); a read-only cache still serves."""
        try:
            if self._conn.execute("PRAGMA user_version").fetchone()[0] != NO_TEMPLATES:
                self._conn.execute(f"PRAGMA user_version={NO_TEMPLATES}")
        except sqlite3.OperationalError as problem:
            log.warning("could not stamp the analysis cache %s: %s", self.path, problem)

    def _forget_unused(self) -> None:
        """Drop the analyses not used for KEEP_DAYS (SQLite reuses their pages, so the file stops growing)."""
        cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
        try:
            with self._lock:
                gone = self._conn.execute("DELETE FROM analyses WHERE stored_at < ?", (cutoff,)).rowcount
        except sqlite3.Error:  # a locked or read-only cache still serves
            log.warning("could not drop old analyses from %s", self.path, exc_info=True)
            return
        if gone:
            log.info("dropped %d analyses unused for %d days from %s", gone, KEEP_DAYS, self.path)

    def _forget_other_versions(self) -> int:
        """Drop the analyses another version of the application made, and say how many: they are never served again
        (the engine key names the version), so an upgrade analysed every photo afresh without a word and kept the old
        rows for KEEP_DAYS (upgrade walk-through)."""
        try:
            with self._lock:
                keys = [key for (key,) in self._conn.execute("SELECT DISTINCT key FROM analyses")]
                retired = [key for key in keys if engine_key_version(key) != __version__]
                gone = sum(self._conn.execute("DELETE FROM analyses WHERE key=?", (key,)).rowcount for key in retired)
        except sqlite3.Error:  # a locked or read-only cache still serves
            log.warning("could not drop other versions' analyses from %s", self.path, exc_info=True)
            return 0
        if gone:
            log.info("dropped %d analyses by other versions than %s from %s", gone, __version__, self.path)
            try:  # their pages leave the write-ahead log now, not when the window closes
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                log.warning("could not checkpoint %s", self.path, exc_info=True)
        return gone

    def put(self, image_sha256: str, key: str, json_text: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO analyses VALUES (?,?,?,?)", (image_sha256, key, json_text, stamp)
            )

    def has(self, image_sha256: str, key: str) -> bool:
        """Whether an analysis is cached (without reading it)."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM analyses WHERE image_sha256=? AND key=?", (image_sha256, key)).fetchone() is not None

    def get(self, image_sha256: str, key: str) -> str | None:
        """The cached JSON, marked as used now (what is used stays)."""
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            row = self._conn.execute(
                "SELECT json FROM analyses WHERE image_sha256=? AND key=?", (image_sha256, key)
            ).fetchone()
            if row:
                self._conn.execute("UPDATE analyses SET stored_at=? WHERE image_sha256=? AND key=?", (stamp, image_sha256, key))
        return row[0] if row else None

    def analyse(self, engine: Engine, path: str | Path) -> Analysis:
        """`engine.analyse(path)`, or the cached result for the same bytes and engine key.

        The engine key covers every model file, the quality estimator, the map method
        and the app version. The profile is not part of it: a result whose checks ran
        under other thresholds (by content hash, whatever the profile's name) has them
        re-run (`engine.recheck`, no network). A broken cache entry is never fatal;
        the photo is analysed again.
        """
        cached = self.lookup(engine, path)
        if cached is not None:
            return cached
        analysis = engine.analyse(path)
        self.keep(engine, analysis)
        return analysis

    def lookup(self, engine: Engine, path: str | Path) -> Analysis | None:
        """The cached analysis of the file's bytes under the engine's key, its checks re-run when the profile's
        thresholds differ; None when there is none or it cannot be used (then the photo is analysed again)."""
        try:
            cached = self.get(file_sha256(path), engine.engine_key)
            if cached:
                analysis = Analysis.from_json(cached)
                analysis.source = str(path)
                if analysis.profile_sha256 != engine.profile.sha256:
                    return engine.recheck(analysis)
                # the same thresholds: the profile's name, version, rules and sources are today's (a profile's new
                # version and source read as the old in the report of a cached photo: profile author's walk-through)
                return analysis.judged_as(engine.profile.name, engine.profile.info)
        except (OSError, ValueError, KeyError, TypeError, sqlite3.Error):  # unreadable file or entry: analyse it
            log.warning("cached analysis of %s unusable; analysing again", path, exc_info=True)
        return None

    def keep(self, engine: Engine, analysis: Analysis) -> None:
        """Cache a finished analysis (one with errors is not: the photo is tried again next time)."""
        if analysis.ok and analysis.image_sha256:
            try:  # without the path, often the applicant's name: `lookup` gives the photo's own
                self.put(analysis.image_sha256, engine.engine_key, replace(analysis, source="").to_json())
            except sqlite3.Error:  # a full or locked cache only costs a re-analysis later
                log.warning("could not cache the analysis of %s", analysis.source, exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
