"""The log file: no silent broad except, uncaught exceptions (threads, Qt slots) logged, nothing on the console."""

from __future__ import annotations

import ast
import logging
import os
import re
import subprocess
import sys

from tests.photos import REPO

PACKAGE = REPO / "pfiq_desktop"
BROAD = {"Exception", "BaseException"}


def _broad_handlers(tree: ast.AST) -> list[ast.ExceptHandler]:
    handlers = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)} if node.type else {"(bare)"}
            if names & (BROAD | {"(bare)"}):
                handlers.append(node)
    return handlers


def _logs_traceback(call: ast.Call) -> bool:
    """log.exception(...), or any log call with exc_info=..., keeps the traceback."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("log", "logging")):
        return False
    return func.attr == "exception" or any(k.arg == "exc_info" for k in call.keywords)


def test_no_broad_except_is_silent():
    """Every `except Exception` (or broader) re-raises or logs the traceback: a double-clicked app has no console."""
    silent = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for handler in _broad_handlers(ast.parse(path.read_text(encoding="utf-8"))):
            nodes = list(ast.walk(handler))
            if not any(isinstance(n, ast.Raise) for n in nodes) and not any(
                    isinstance(n, ast.Call) and _logs_traceback(n) for n in nodes):
                silent.append(f"{path.relative_to(REPO)}:{handler.lineno}")
    assert silent == []


CHILD = r"""
import sys, threading
from pathlib import Path
from pfiq_desktop.logs import setup_logging
setup_logging(Path(sys.argv[1]))
import logging
logging.getLogger("pfiq_desktop.test").warning("a name that is not UTF-8: %s", "caf\udce9.jpg")
thread = threading.Thread(target=lambda: 1 / 0, name="worker-7")
thread.start(); thread.join()
from PySide6.QtCore import QCoreApplication, QTimer
app = QCoreApplication([])
def slot():
    raise LookupError("raised in a Qt slot")
QTimer.singleShot(0, slot)
QTimer.singleShot(50, app.quit)
app.exec()
raise KeyError("uncaught in the main thread")
"""


def test_uncaught_exceptions_in_threads_slots_and_main_are_logged(tmp_path):
    log = tmp_path / "pfiq.log"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-c", CHILD, str(log)], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1
    text = log.read_text(encoding="utf-8")
    assert "a name that is not UTF-8: caf\\udce9.jpg" in text  # logged, not a logging error
    assert "uncaught exception in thread worker-7" in text and "ZeroDivisionError" in text
    assert "LookupError: raised in a Qt slot" in text
    assert "KeyError: 'uncaught in the main thread'" in text
    assert text.count("Traceback (most recent call last)") == 3


def test_pillow_metadata_warnings_never_reach_the_console(tmp_path):
    from tests.hostile.corpus import portrait, with_exif

    photo = tmp_path / "broken exif.jpg"
    good = with_exif(portrait(), 6)
    at = good.index(b"Exif\x00\x00") + 6
    photo.write_bytes(good[: at + 8] + b"\xff\xff" + good[at + 10:])  # an IFD claiming 65535 entries
    env = dict(os.environ, PYTHONPATH=str(REPO), PFIQ_DATA_DIR=str(tmp_path / "data"))
    code = ("import sys; from pfiq_desktop.engine.imageio import load_image; "
            "print(load_image(sys.argv[1]).shape)")
    run = subprocess.run([sys.executable, "-c", code, str(photo)], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.strip() == "(320, 320, 3)"  # decoded despite its broken metadata



def test_a_log_file_that_cannot_be_written_says_so_once_not_a_traceback_per_line(tmp_path, capsys):
    # on a full disk every log line printed a screen of "--- Logging error --- Traceback ...": it read as a crash
    import errno
    import logging

    from pfiq_desktop.logs import LogFileHandler

    class FullDisk:
        def write(self, text: str) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            pass

    handler = LogFileHandler(tmp_path / "pfiq.log", encoding="utf-8")
    handler.stream = FullDisk()
    logger = logging.getLogger("pfiq_desktop.test_full_disk")
    logger.addHandler(handler)
    try:
        for number in range(3):
            logger.warning("could not cache the analysis of %s", number, exc_info=ValueError("disk full"))
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be written" in err and "No space left on device" in err
    assert "Traceback" not in err


def test_a_child_process_logs_to_the_parents_file_not_the_console(tmp_path):
    # `pfiq analyse --workers 2` printed the tracebacks of its children's warnings about damaged photos: read as a crash
    from tests.hostile.corpus import encode, portrait

    whole = encode(portrait(), "JPEG", quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    log = tmp_path / "pfiq.log"
    code = ("import sys; from pathlib import Path; from pfiq_desktop.logs import setup_logging; "
            "from pfiq_desktop.engine.child_processes import spawn_pool; from pfiq_desktop.engine.imageio import load_image\n"
            "setup_logging(Path(sys.argv[2]))\n"
            "with spawn_pool(1) as pool:\n"
            "    try: pool.submit(load_image, sys.argv[1]).result()\n"
            "    except ValueError as error: print('refused:', error)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO), PFIQ_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([sys.executable, "-c", code, str(cut), str(log)], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and "refused: The file 'cut.jpg' is incomplete" in run.stdout, run.stderr
    assert "Traceback" not in run.stderr and "cannot be decoded" not in run.stderr, run.stderr
    text = log.read_text(encoding="utf-8")
    assert "The file 'cut.jpg' cannot be decoded" in text and "Traceback (most recent call last)" in text


def test_a_new_data_folder_is_readable_by_its_login_alone(tmp_path):
    """Made 0755, another local account read every decision, note and cached analysis (data-protection walk-through).
    Such a folder is narrowed; any other is left as it is: an administrator may share it on purpose."""
    new, shared, earlier, group = tmp_path / "new" / "data", tmp_path / "shared", tmp_path / "earlier", tmp_path / "group"
    # an administrator's; those an earlier version made under umask 022 and 002 (0775 was kept: security review)
    for folder, mode in ((shared, 0o770), (earlier, 0o755), (group, 0o775)):
        folder.mkdir()
        folder.chmod(mode)
    for folder in (new, shared, earlier, group):
        env = dict(os.environ, PYTHONPATH=str(REPO), PFIQ_DATA_DIR=str(folder))
        run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "audit", "verify"], capture_output=True,
                             text=True, env=env, timeout=120)
        assert "No review store at" in run.stderr and (folder / "logs").is_dir()
    assert all(folder.stat().st_mode & 0o777 == 0o700 for folder in (new, earlier, group))
    assert shared.stat().st_mode & 0o777 == 0o770


def test_each_run_begins_its_log_with_the_version_the_command_and_the_data_folder(tmp_path):
    # a support engineer had nothing to go on: a normal session wrote no line at all (support walk-through)
    from pfiq_desktop import __version__

    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(REPO), PFIQ_DATA_DIR=str(data))
    run = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "audit", "verify", str(tmp_path / "none.sqlite3")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2, run.stderr
    first = (data / "logs" / "pfiq.log").read_text(encoding="utf-8").splitlines()[0]
    assert f"PFIQ Desktop {__version__} started: " in first and "audit verify" in first, first
    assert f"data folder {data} (set by PFIQ_DATA_DIR)" in first and "Python 3." in first, first
    shown = subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", "--help"], capture_output=True, text=True, env=env,
                           timeout=120)
    assert f"Log file (the details of any error): {data / 'logs' / 'pfiq.log'}\n" in shown.stdout, shown.stdout  # whole


QT_WARNING_CHILD = r"""
import sys
from pathlib import Path
from pfiq_desktop.logs import setup_logging
setup_logging(Path(sys.argv[1]))
from pfiq_desktop.gui.app import make_app
app = make_app()
from PySide6.QtGui import QFont
QFont().setPointSize(-1)  # Qt warns: "QFont::setPointSize: Point size <= 0 (-1), must be greater than 0"
"""


def test_qt_warnings_go_to_the_log_file_with_a_time_that_carries_its_offset(tmp_path):
    # a double-clicked application has no console: Qt's warnings were lost; and a log read from another time zone
    # could not be ordered (support walk-through)
    log = tmp_path / "pfiq.log"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-c", QT_WARNING_CHILD, str(log)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "setPointSize" not in run.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    warned = [line for line in lines if "QFont::setPointSize: Point size <= 0" in line]
    assert len(warned) == 1 and " WARNING qt." in warned[0], lines
    stamped = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (INFO|WARNING) ")
    assert stamped.match(lines[0]) and stamped.match(warned[0]), (lines[0], warned[0])


def test_a_file_name_can_neither_forge_a_log_line_nor_drive_the_terminal(tmp_path):
    # a name with a newline wrote a whole forged INFO line, one with ESC sequences ran them on `tail` (security review)
    from pfiq_desktop.logs import LogFormatter

    forged = "x.jpg\n2026-12-06T07:00:00.000+00:00 INFO pfiq_desktop.review.store [MainThread] decision withdrawn\x1b[2Jz.jpg"
    record = logging.LogRecord("pfiq_desktop.test", logging.WARNING, __file__, 1, "cannot read %s", (forged,), None)
    line = LogFormatter().format(record)
    assert "\n" not in line and "\x1b" not in line and "x.jpg\\n2026" in line and "\\x1b[2J" in line, line
    try:  # an exception's message (a profile's path) forged lines and escapes through the traceback (review)
        raise ValueError("evil\x1b[2J\n2026-12-06T07:00:00.000+00:00 INFO forged")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    lines = LogFormatter().format(record).splitlines()
    assert lines[1] == "| Traceback (most recent call last):" and all(line.startswith("| ") for line in lines[1:]), lines
    assert "\x1b" not in "\n".join(lines) and lines[-1] == "| 2026-12-06T07:00:00.000+00:00 INFO forged", lines
