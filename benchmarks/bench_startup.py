"""Start-up time of the frozen app (dist/pfiq-desktop) to a painted window: median of 5.

    .venv/bin/python packaging/build.py           # once (or --if-stale)
    .venv/bin/python benchmarks/bench_startup.py  # [--runs 5] [--platform offscreen|xcb] [--exe PATH]

"Painted" comes from the app itself: `pfiq-desktop --startup-probe` shows the main window,
prints a line `painted <seconds>` right after the first paint event and quits. The time
reported here is measured outside the process, from spawn to that line, so it includes the
bootloader, Python start, imports of torch/Qt/dlib and the window's construction.

Also printed, for context: `--version` (process start + Python, no Qt/torch: the floor) and
one `--self-test` (start + model load + analysis of the sample + render; not a start-up figure).
Target: painted window <= 4 s (median) on these machines.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 4.0


def _default_exe() -> Path:
    spec = importlib.util.spec_from_file_location("pfiq_packaging_build", REPO / "packaging" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.executable()


def _env(platform: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM=platform)
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    return env


def supports_probe(exe: Path, env: dict[str, str]) -> bool:
    proc = subprocess.run([str(exe), "--help"], env=env, capture_output=True, text=True, timeout=60)
    return "--startup-probe" in proc.stdout


def time_to_painted(exe: Path, env: dict[str, str], timeout_s: float = 120.0) -> tuple[float, float | None]:
    """(seconds from spawn to the 'painted' line, the app's own figure or None)."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(exe), "--startup-probe"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("painted"):
                elapsed = time.perf_counter() - start
                parts = line.split()
                inner = float(parts[1]) if len(parts) > 1 else None
                return elapsed, inner
            if time.perf_counter() - start > timeout_s:
                break
        raise RuntimeError(f"no 'painted' line from {exe} (exit {proc.poll()})")
    finally:
        # The probe quits by itself; do not wait for the app's shutdown (worker thread, model load).
        proc.kill()
        proc.wait()


def time_command(exe: Path, args: list[str], env: dict[str, str], timeout_s: float = 600.0) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout_s)
    return time.perf_counter() - start, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", type=Path, help="frozen executable (default: dist/pfiq-desktop/pfiq-desktop)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default=os.environ.get("PFIQ_BENCH_QPA", "offscreen"),
                        help="Qt platform plugin: offscreen (default, headless) or xcb under X/Xvfb")
    parser.add_argument("--no-self-test", action="store_true", help="skip the (longer) self-test timing")
    args = parser.parse_args(argv)
    exe = args.exe or _default_exe()
    if not exe.is_file():
        print(f"no frozen app at {exe}: build it with  .venv/bin/python packaging/build.py")
        return 2
    env = _env(args.platform)
    print(f"frozen app: {exe}  (QT_QPA_PLATFORM={args.platform}, {os.cpu_count()} CPUs)")

    cold, code = time_command(exe, ["--version"], env)  # also warms the page cache for the runs below
    versions = [time_command(exe, ["--version"], env)[0] for _ in range(args.runs)]
    print(f"--version: first {cold:.2f} s, median of {args.runs} {statistics.median(versions):.2f} s (exit {code})"
          "  [process + Python start, no Qt/torch]")

    result = 0
    if supports_probe(exe, env):
        first, _ = time_to_painted(exe, env)
        runs = [time_to_painted(exe, env) for _ in range(args.runs)]
        outer = [r[0] for r in runs]
        median = statistics.median(outer)
        inner = [r[1] for r in runs if r[1] is not None]
        inner_txt = f"; in-process median {statistics.median(inner):.2f} s" if inner else ""
        verdict = "OK" if median <= TARGET_S else "MISSED"
        print(f"start-up to painted window: median of {args.runs} = {median:.2f} s (target <= {TARGET_S:.0f} s: {verdict})"
              f"  runs {', '.join(f'{t:.2f}' for t in outer)}; first (warm-up) {first:.2f} s{inner_txt}")
        result = 0 if median <= TARGET_S else 1
    else:
        print("start-up to painted window: NOT MEASURED - this build lacks `--startup-probe` "
              "(see docs/PACKAGING.md); figures below are upper/lower bounds")

    if not args.no_self_test:
        took, code = time_command(exe, ["--self-test"], env)
        print(f"--self-test: {took:.2f} s (exit {code})  [start + model load + analysis of the sample + render: "
              "an upper bound of start-up]")
    return result


if __name__ == "__main__":
    sys.exit(main())
