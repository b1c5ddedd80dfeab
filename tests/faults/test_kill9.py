"""kill -9 while decisions are being saved and while reports are being written, 20 runs each:
0 lost decisions, 0 corrupt or partial final files, SQLite integrity_check ok, the audit chain intact;
the temp files a killed export leaves are removed by the next write into that folder."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from pypdf import PdfReader

from pfiq_desktop.atomic import write_bytes_atomic
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.review import ReviewStore, verify_store
from tests.photos import REPO
from tests.reports.synthetic import SAMPLE

CHILD = Path(__file__).with_name("_kill_child.py")
RUNS = 20


def start_child(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=REPO)


def kill_after(child: subprocess.Popen[str], prefix: str, lines: int, rng: random.Random) -> list[str]:
    """Read `lines` lines starting with `prefix`, wait a random moment (so the kill lands mid-write), kill -9."""
    seen: list[str] = []
    deadline = time.monotonic() + 300
    try:
        assert child.stdout is not None
        while len(seen) < lines and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the child ended early: {child.stderr.read() if child.stderr else ''}")
            if line.startswith(prefix):
                seen.append(line.split(" ", 1)[1].strip())
        time.sleep(rng.uniform(0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    seen += [line.split(" ", 1)[1] for line in rest.splitlines() if line.startswith(prefix)]  # printed before the kill
    return seen


@pytest.mark.slow
def test_kill9_while_deciding_loses_nothing(tmp_path):
    store_path = tmp_path / "reviews.sqlite3"
    rng = random.Random(13)
    saved: list[int] = []
    for _run in range(RUNS):
        first = (saved[-1] + 1) if saved else 0
        child = start_child("decide", str(store_path), str(first))
        saved += [int(n) for n in kill_after(child, "SAVED", rng.randint(1, 25), rng)]
        conn = sqlite3.connect(store_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert len(saved) >= RUNS
    report = verify_store(store_path)
    assert report.ok, report.problems
    with ReviewStore(store_path) as store:
        found = store.decisions_for_paths([f"/photos/p{n}.jpg" for n in saved])
        assert len(found) == len(saved)  # every decision the child said was saved, is
        assert len(store.audit_log()) >= len(saved)
    print(f"{RUNS} kill -9 runs, {len(saved)} decisions confirmed, 0 lost, {report.entries} audit entries, chain intact")


def complete(path: Path) -> bool:
    """A final output that is whole: parses as what its name says."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(PdfReader(str(path)).pages) >= 1
    if path.suffix == ".png":
        return cv2.imread(str(path)) is not None
    if path.suffix == ".json":
        return bool(json.loads(data)["photos"])
    return data.startswith(b"\xef\xbb\xbffile,") and data.endswith(b"\r\n")


@pytest.mark.slow
def test_kill9_while_exporting_leaves_no_corrupt_file(tmp_path, sample_analysis):
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(2):
        shutil.copy(SAMPLE, photos / f"photo_{n}.jpg")
    saved = tmp_path / "analysis.json"
    analysis = Analysis.from_json(sample_analysis.to_json())
    analysis.source = str(photos / "sample.jpg")
    saved.write_text(analysis.to_json())
    out = tmp_path / "out"
    rng = random.Random(7)
    leftovers = 0
    for _run in range(RUNS):
        child = start_child("export", str(saved), str(out))
        kill_after(child, "WROTE", rng.randint(1, 8), rng)  # a kill during each kind of file, or the next round
        finals = [p for p in out.iterdir() if not p.name.endswith(".part")]
        assert finals and all(complete(p) for p in finals), [p.name for p in finals if not complete(p)]
        leftovers += sum(p.name.endswith(".part") for p in out.iterdir())
    write_bytes_atomic(out / "next-run.txt", b"the next run in this folder")  # cleans what the killed runs left
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    print(f"{RUNS} kill -9 runs during export: 0 corrupt or partial final files; {leftovers} temp files left by kills, "
          "all removed by the next write")


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while listed
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _start(imports: str, *steps: str) -> subprocess.Popen[str]:
    """A Python process that runs `steps` (statements, after `imports`) as its main, then waits on its stdin."""
    script = "\n".join([imports, "import sys", "if __name__ == '__main__':", *(f"    {step}" for step in steps),
                         "    sys.stdin.read()", ""])
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=REPO)


def _alive_after_killing(app: subprocess.Popen[str], pids: list[int], seconds: float) -> list[int]:
    """kill -9 `app`, then the `pids` still running `seconds` later (or as soon as none is)."""
    os.kill(app.pid, signal.SIGKILL)
    app.wait(timeout=30)
    deadline = time.monotonic() + seconds
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds child processes through Linux /proc")
def test_kill9_of_the_app_leaves_no_face_detector_process_behind():
    # the window's face detector runs its CNN fallback in a child process; killed outright, the app cannot stop it,
    # so the child must end on its own when its parent is gone (Python's pool worker does; this guards that)
    app = _start("import numpy as np\nfrom pfiq_desktop.engine.faces import FaceDetector",
                 "FaceDetector(fallback_apart=True).detect(np.full((480, 640, 3), 128, np.uint8))",
                 "print('SEARCHED', flush=True)")
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "SEARCHED"
        helpers = _children(app.pid)
        assert helpers, "the fallback ran in no child process"
        assert not _alive_after_killing(app, helpers, 20), "an orphaned detector process lives on"
    finally:
        if app.poll() is None:
            app.kill()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches the child process through Linux /proc")
def test_a_busy_child_process_ends_with_its_killed_parent():
    # killed outright in the middle of a batch, the window left its detector child searching for minutes (and one
    # for over 20), holding about 280 MB: the idle case above never showed it
    app = _start("import os, time\nfrom pfiq_desktop.engine.child_processes import spawn_pool",
                 "pool = spawn_pool(1)", "print(pool.submit(os.getpid).result(), flush=True)",
                 "pool.submit(time.sleep, 600)", "time.sleep(0.5)", "print('BUSY', flush=True)")
    try:
        assert app.stdout is not None
        child = int(app.stdout.readline())
        assert app.stdout.readline().strip() == "BUSY" and Path(f"/proc/{child}").exists()
        assert not _alive_after_killing(app, [child], 10), "the busy child lives on after its parent was killed"
    finally:
        if app.poll() is None:
            app.kill()
