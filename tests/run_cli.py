"""`pfiq` run in the test's own process, answered as a subprocess would answer (exit code, stdout, stderr).

A subprocess pays Python's, torch's and the models' start-up again for every command: 6.7 s for one photo's `pfiq
analyse` on the forty-first session's machine, 2.1 s here, and the command-line tests ran some fifty of them. Tests of
what a command does run here; those of the process itself (a signal stopping it, the console's encoding, `python -m`,
the frozen build) keep their subprocess.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout

import pytest

from tests.photos import REPO


def pfiq(*args: str, env: Mapping[str, str] | None = None,
         cwd: str | os.PathLike[str] = REPO) -> subprocess.CompletedProcess[str]:
    """`pfiq ARGS` with `env`'s variables set and in `cwd`, all put back after (the SIGTERM handler a command sets too)."""
    from pfiq_desktop.cli import main

    out, err = io.StringIO(), io.StringIO()
    on_sigterm = signal.getsignal(signal.SIGTERM)
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        patch.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse's usage errors
            code = stop.code if isinstance(stop.code, int) else 2
        finally:
            signal.signal(signal.SIGTERM, on_sigterm)
    return subprocess.CompletedProcess(["pfiq", *args], code, out.getvalue(), err.getvalue())
