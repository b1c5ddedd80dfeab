"""The atomic writer: fsync before the rename, and the temp files an interrupted run left are cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

import pfiq_desktop.atomic as atomic
from pfiq_desktop.atomic import OutputError, clean_stale_temp_files, write_bytes_atomic


def test_bytes_are_flushed_before_the_rename(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    write_bytes_atomic(tmp_path / "out.bin", b"x" * 10)
    assert events[:2] == ["fsync", "replace"]  # then the folder itself is flushed
    assert (tmp_path / "out.bin").read_bytes() == b"x" * 10


def test_an_interrupted_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def short_then_full(handle, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", short_then_full)
    with pytest.raises(OutputError, match=r"out\.txt: No space left on device"):
        write_bytes_atomic(target, b"new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temp_files_of_our_naming_are_removed_on_the_next_write(tmp_path):
    dead = tmp_path / f".report.pdf.{_dead_pid()}-abcd1234.part"  # killed writer
    alive = tmp_path / f".other.pdf.{os.getppid()}-abcd1234.part"  # a writer still running
    old_style = tmp_path / ".summary.pdf.k2j4_9xq.part"  # earlier versions: no pid, judged by age
    fresh_old_style = tmp_path / ".fresh.pdf.k2j4_9xq.part"
    not_ours = [tmp_path / "download.part", tmp_path / ".x.part", tmp_path / "photo.jpg"]
    for path in (dead, alive, old_style, fresh_old_style, *not_ours):
        path.write_bytes(b"half")
    hours_ago = time.time() - 2 * atomic.STALE_AFTER_S
    os.utime(old_style, (hours_ago, hours_ago))
    write_bytes_atomic(tmp_path / "new.pdf", b"%PDF")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert dead.name not in left and old_style.name not in left
    assert {alive.name, fresh_old_style.name, "new.pdf", *(p.name for p in not_ours)} == set(left)
    dead.write_bytes(b"again")
    write_bytes_atomic(tmp_path / "second.pdf", b"%PDF")  # one cleaning per folder and process
    assert dead.exists()
    assert clean_stale_temp_files(tmp_path) == [dead]


def test_temp_names_carry_the_writer_pid(tmp_path, monkeypatch):
    seen: list[str] = []
    real_replace = os.replace
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (seen.append(os.path.basename(a)), real_replace(a, b))[1])
    write_bytes_atomic(tmp_path / "a.csv", b"1")
    assert seen[0].startswith(f".a.csv.{os.getpid()}-") and seen[0].endswith(".part")
    assert atomic._TEMP_NAME.match(seen[0])
