"""Offline by design: analysis, GUI start-up and export open no network socket (and resolve no host name)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.photos import REPO
from tests.reports.synthetic import SAMPLE

CHILD = Path(__file__).with_name("_no_network_child.py")


def run_child(tmp_path: Path, prefix: list[str]) -> subprocess.CompletedProcess[str]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", PFIQ_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([*prefix, sys.executable, str(CHILD), str(SAMPLE), str(out)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=900)


def test_no_python_code_opens_a_network_socket(tmp_path):
    """An audit hook installed before anything is imported sees every socket Python code opens or resolves."""
    run = run_child(tmp_path, [])
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["events"] == []
    assert result["analysed"] and result["shown"] and result["exported"] == ["sample_astronaut.pdf", "sample_astronaut.png"]


def test_no_native_code_opens_a_network_socket(tmp_path):
    """The same run under strace: Qt, torch, dlib and OpenCV open no AF_INET/AF_INET6 socket either."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    log = tmp_path / "strace.log"
    run = run_child(tmp_path, [strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=socket,connect", "-o", str(log)])
    if run.returncode != 0 and "ptrace" in (run.stderr + log.read_text(errors="replace") if log.exists() else run.stderr):
        pytest.skip(f"strace cannot trace here: {run.stderr.strip()[-200:]}")
    assert run.returncode == 0, run.stderr[-3000:]
    network = [line for line in log.read_text(errors="replace").splitlines() if "AF_INET" in line]
    assert network == []
