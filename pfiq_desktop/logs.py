"""One log file for the application and the command line (standard `logging`).

A double-clicked application has no console: every swallowed exception is
logged here with its traceback, and Help > About shows where the file is. So is
every exception nobody caught: in the main thread, in other threads, and in Qt
slots (PySide reports those through `sys.excepthook`).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pfiq_desktop import appdirs
from pfiq_desktop.engine.filenames import one_line

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 3


class LogFormatter(logging.Formatter):
    """Local time with its UTC offset ("2026-12-06T07:15:02.114+01:00"): a support engineer reading an office's log
    from another time zone, or across a daylight-saving change, could not order its lines against their own. Each
    message is one line: a file name with a newline forged a whole log line, and one with an escape sequence drove the
    terminal of whoever read the log (security review). A traceback keeps its lines, each marked "| " so that an
    exception's message (a profile's path) cannot pass for a log line either."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return super().formatMessage(logging.makeLogRecord({**record.__dict__, "message": one_line(record.message)}))

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return _marked(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging's name)
        return _marked(super().formatStack(stack_info))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def _marked(text: str) -> str:
    """A traceback's lines, each escaped and marked as part of the record above it."""
    return "\n".join(f"| {one_line(line)}" for line in text.splitlines())


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file; when it cannot be written (a full disk) it says so once on stderr, where logging's own
    handler printed a screen of traceback for every line, which read as a crash of a run that was going well."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            problem = sys.exc_info()[1]
            sys.stderr.write(f"note: the log file {self.baseFilename} cannot be written ({problem}); log lines are lost\n")


def setup_logging(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Log to a rotating file (created on first use); warnings go there too, not to the console.

    Returns the log file, or None when it cannot be opened (then errors go to stderr).
    Calling it again is harmless.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    root.setLevel(level)
    logging.captureWarnings(True)  # e.g. Pillow's EXIF warnings: into the log, off the console
    target = path or appdirs.log_path()
    try:
        if path is None:  # the first of the application's files: the window and every command start here
            appdirs.make_data_dir()
        target.parent.mkdir(parents=True, exist_ok=True)
        # backslashreplace: a file name that is not valid UTF-8 must not make a log line fail
        handler = LogFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", errors="backslashreplace")
    except OSError as error:
        fallback = logging.StreamHandler(sys.stderr)
        fallback.setLevel(logging.ERROR)
        root.addHandler(fallback)
        root.error("cannot open the log file %s: %s", target, error)
        return None
    handler.setFormatter(LogFormatter())
    root.addHandler(handler)
    install_exception_hooks()
    root.info(session_header())
    return target


def session_header() -> str:
    """The first line of each run: a support engineer had no version, platform, command or data folder to go on (a
    normal session wrote nothing at all: support walk-through)."""
    from pfiq_desktop import APP_NAME, __version__

    moved = f" (set by {appdirs.DATA_DIR_ENV})" if os.environ.get(appdirs.DATA_DIR_ENV) else ""
    return (f"{APP_NAME} {__version__} started: {' '.join(sys.argv)!r}; {platform.platform()}, Python "
            f"{platform.python_version()}; data folder {appdirs.data_dir()}{moved}")


def follow_log(path: Path | None) -> None:
    """In a child process: append its log lines to its parent's log file `path` (None: the parent logs nowhere, nor
    does the child). Without it a child's warning about a damaged photo printed its traceback on the console, which
    read as a crash of a run that was going well. The parent alone rotates the file (maxBytes 0: the child never does),
    and a file the child cannot write is said once, as in the parent."""
    root = logging.getLogger()
    if path is None or any(isinstance(handler, logging.FileHandler) for handler in root.handlers):
        return
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    handler = LogFileHandler(path, maxBytes=0, encoding="utf-8", errors="backslashreplace", delay=True)
    handler.setFormatter(LogFormatter())
    root.addHandler(handler)


def install_exception_hooks() -> None:
    """Log uncaught exceptions (main thread, other threads, Qt slots) with their traceback, then report as before."""
    previous_hook = sys.excepthook
    previous_thread_hook = threading.excepthook

    def log_uncaught(kind: type[BaseException], value: BaseException, trace: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            logging.getLogger("pfiq_desktop.uncaught").critical("uncaught exception", exc_info=(kind, value, trace))
        previous_hook(kind, value, trace)

    def log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
            name = args.thread.name if args.thread is not None else "?"
            logging.getLogger("pfiq_desktop.uncaught").critical(
                "uncaught exception in thread %s", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        previous_thread_hook(args)

    sys.excepthook = log_uncaught
    threading.excepthook = log_uncaught_in_thread


def current_log_file() -> Path | None:
    """The file the log is written to, if logging is set up."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    return None
