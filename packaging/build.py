"""Build the double-click bundle `dist/pfiq-desktop/` with PyInstaller, reproducibly.

    .venv/bin/python packaging/build.py            # clean build, prints time and size
    .venv/bin/python packaging/build.py --smoke    # ... then runs the frozen --version and --self-test
    .venv/bin/python packaging/build.py --if-stale # reuse dist/ when sources and environment are unchanged

Run it with the project's environment (bash scripts/setup.sh, then
`.venv/bin/pip install -e ".[build]"` or `.venv/bin/pip install pyinstaller`). It refuses
to build when the environment would make a bad bundle: a second Qt binding (PyQt5/6,
PySide2, opencv-python with its own Qt) or a CUDA build of torch.

Writes dist/pfiq-desktop-build.json: the fingerprint of what was built, build time and size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from contextlib import suppress
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "packaging" / "pfiq_desktop.spec"
NAME = "pfiq-desktop"
DIST = REPO / "dist"
WORK = REPO / "build" / "pyinstaller"
STAMP = DIST / f"{NAME}-build.json"
CONFLICTING = ("PyQt5", "PyQt6", "PySide2", "opencv-python", "opencv-contrib-python")


def bundle_dir() -> Path:
    return DIST / NAME


def executable() -> Path:
    """The frozen program inside the one-dir bundle (the file users double-click on Linux/Windows)."""
    if sys.platform == "darwin" and (DIST / "PFIQ Desktop.app").is_dir():
        return DIST / "PFIQ Desktop.app" / "Contents" / "MacOS" / NAME
    return bundle_dir() / (NAME + (".exe" if sys.platform == "win32" else ""))


def _source_files() -> list[Path]:
    files = [REPO / "main.py", SPEC, Path(__file__).resolve(), REPO / "pyproject.toml"]
    for folder in (REPO / "pfiq_desktop", REPO / "resources", REPO / "packaging"):
        files += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return sorted(set(files))


def fingerprint() -> str:
    """Hash of everything that goes into the bundle: sources, data, spec, installed packages."""
    h = hashlib.sha256()
    for path in _source_files():
        h.update(str(path.relative_to(REPO)).encode())
        h.update(path.read_bytes())
    # a set: the repo's own egg-info shows up twice when the repo root is on sys.path (pytest)
    dists = sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()})
    h.update("\n".join(dists).encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def is_fresh() -> bool:
    """True when dist/ holds a bundle built from exactly the current sources and environment."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    return stamp.get("fingerprint") == fingerprint() and executable().is_file()


def check_environment() -> list[str]:
    problems = []
    try:
        metadata.version("pyinstaller")
    except metadata.PackageNotFoundError:
        problems.append("PyInstaller is not installed: .venv/bin/pip install pyinstaller (or -e '.[build]')")
    for name in CONFLICTING:
        with suppress(metadata.PackageNotFoundError):  # absent is what we want
            problems.append(f"{name} {metadata.version(name)} is installed: a second Qt in the bundle; uninstall it")
    try:
        torch_version = metadata.version("torch")
        cuda = [d.metadata["Name"] for d in metadata.distributions() if (d.metadata["Name"] or "").lower().startswith("nvidia-")]
        if cuda:
            problems.append(f"CUDA packages installed ({', '.join(sorted(cuda)[:3])}...): use the CPU build of torch {torch_version}")
    except metadata.PackageNotFoundError:
        problems.append("torch is not installed: bash scripts/setup.sh")
    return problems


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_items(folder: Path, count: int = 10) -> list[tuple[int, str]]:
    """The biggest files of the bundle (what to look at when trimming it)."""
    sizes = [(p.stat().st_size, str(p.relative_to(folder))) for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted(sizes, reverse=True)[:count]


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    return f"{n:.1f} GiB"


def build(log=print) -> dict:
    problems = check_environment()
    if problems:
        raise SystemExit("cannot build:\n  " + "\n  ".join(problems))
    for folder in (WORK, bundle_dir(), DIST / "PFIQ Desktop.app"):
        shutil.rmtree(folder, ignore_errors=True)
    STAMP.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)]
    log("$ " + " ".join(cmd))
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, env=env, check=True)
    seconds = time.perf_counter() - start
    size = folder_size(bundle_dir())
    info = {
        "fingerprint": fingerprint(),
        "build_seconds": round(seconds, 1),
        "bundle_bytes": size,
        "bundle": str(bundle_dir()),
        "executable": str(executable()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyinstaller": metadata.version("pyinstaller"),
        "torch": metadata.version("torch"),
        "largest": [{"bytes": b, "path": p} for b, p in largest_items(bundle_dir())],
    }
    STAMP.write_text(json.dumps(info, indent=2))
    log(f"built {bundle_dir()} in {seconds:.0f} s; bundle size {human(size)} ({size} bytes)")
    log("largest items:")
    for b, p in largest_items(bundle_dir()):
        log(f"  {human(b):>10}  {p}")
    return info


def smoke(log=print, timeout_s: float = 300.0) -> int:
    """Run the frozen --version and --self-test headless; returns the number of failures."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    failures = 0
    for args in (["--version"], ["--self-test"]):
        start = time.perf_counter()
        proc = subprocess.run([str(executable()), *args], env=env, capture_output=True, text=True, timeout=timeout_s)
        took = time.perf_counter() - start
        out = (proc.stdout + proc.stderr).strip()
        log(f"$ {executable().name} {' '.join(args)}  -> exit {proc.returncode} in {took:.1f} s\n    {out[-800:]}")
        failures += proc.returncode != 0
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the frozen --version and --self-test after building")
    parser.add_argument("--if-stale", action="store_true", help="skip the build when dist/ is fresh")
    args = parser.parse_args(argv)
    if args.if_stale and is_fresh():
        info = json.loads(STAMP.read_text())
        print(f"{bundle_dir()} is up to date (built in {info['build_seconds']} s, {human(info['bundle_bytes'])})")
    else:
        build()
    if args.smoke:
        failures = smoke()
        print("smoke test " + ("OK" if not failures else f"FAILED ({failures})"))
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
