"""Application entry: argument parsing, QApplication setup, palette, `--self-test`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from pfiq_desktop import APP_NAME, ORG_NAME, __version__, appdirs
from pfiq_desktop.cli.common import device_option
from pfiq_desktop.engine.defaults import DEVICES
from pfiq_desktop.logs import setup_logging
from pfiq_desktop.settings import DEFAULT_THEME, SYSTEM_THEME

if TYPE_CHECKING:  # Qt is imported when the application starts, so --help and --version stay quick
    from PySide6.QtCore import QCoreApplication, QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWidget

    from pfiq_desktop.gui.main_window import MainWindow

_IMPORTED_AT = time.perf_counter()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pfiq-desktop", description=f"{APP_NAME}: is this face photo fit for an ID document, and why?")
    parser.add_argument("paths", nargs="*", help="a folder of photos or photo files to open")
    parser.add_argument("--self-test", action="store_true", help="analyse the bundled sample headless, render the window, exit 0 or 1")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--device", type=device_option,
                        help=f"where the network runs ({', '.join(DEVICES)} or cuda:N), this session only (default: the saved setting)")
    parser.add_argument("--profile", help="threshold profile name or file, this session only (default: the saved setting)")
    parser.add_argument("--backbone", help="recognition network for this session: a model file (.onnx, .pt) with its .toml "
                                           "sidecar (default: the saved setting, else the built-in dlib ResNet)")
    parser.add_argument("--startup-probe", action="store_true",
                        help="show the window, print 'painted <s>' after its first paint and quit (benchmarks/bench_startup.py)")
    return parser.parse_args(argv)


def keep_qt_settings_in_the_data_folder() -> None:
    """Qt's own file dialog remembers the folders chosen (often named after applicants) in QtProject.conf, in
    ~/.config: kept in the data folder instead, private to the officer (0700) and gone with it (data-protection
    walk-through). Only Qt's settings move: the application names its own files (`appdirs`)."""
    from PySide6.QtCore import QSettings

    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):  # native is ini on Linux; the registry
        QSettings.setPath(form, QSettings.Scope.UserScope, str(appdirs.data_dir()))  # on Windows ignores it


def route_qt_messages_to_the_log() -> None:
    """Qt's own warnings (a font it could not load, a platform plugin's trouble) went to stderr, which a double-clicked
    application does not have: they go to the log file now, under the logger "qt.<category>" (support walk-through)."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO, QtMsgType.QtWarningMsg: logging.WARNING,
              QtMsgType.QtCriticalMsg: logging.ERROR, QtMsgType.QtFatalMsg: logging.CRITICAL}

    def log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        category = context.category or "default"
        logging.getLogger(f"qt.{category}").log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(log_qt_message)


def make_app(theme: str = DEFAULT_THEME) -> QApplication:
    """The QApplication with name, icon and the light/dark palette ('system' follows the desktop)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from pfiq_desktop.gui.samples import resources_dir
    from pfiq_desktop.gui.theme import apply_theme

    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    keep_qt_settings_in_the_data_folder()
    route_qt_messages_to_the_log()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    icon = resources_dir() / "pfiq.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    theme = os.environ.get("PFIQ_THEME") or theme
    apply_theme(app, theme)
    if theme == SYSTEM_THEME:  # follow the desktop when it switches between light and dark
        app.styleHints().colorSchemeChanged.connect(lambda *_args: apply_theme(app, SYSTEM_THEME))
    return app


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_ms: int = 20) -> bool:
    """Run the event loop (never sleeping in it) until predicate() is true or the time is up."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    poll = QTimer()
    poll.setInterval(poll_ms)

    def check() -> None:
        if predicate() or time.monotonic() >= deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    return predicate()


def self_test(timeout_s: float = 180.0) -> int:
    """Headless end-to-end check of an installed or frozen build."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="pfiq-selftest-"))
    os.environ[appdirs.DATA_DIR_ENV] = str(tmp)  # never touch the officer's own decisions
    import numpy as np

    from pfiq_desktop.gui.main_window import MainWindow
    from pfiq_desktop.gui.samples import sample_path

    _app = make_app()  # held to the end: the window lives in it
    window = MainWindow(restore_geometry=False)
    window.show()
    sample = sample_path()
    problems: list[str] = []
    try:
        if not sample.is_file():
            problems.append(f"bundled sample missing: {sample}")
        else:
            window.open_paths([str(sample)])
            entry = window.session.record(str(sample.resolve()))
            assert entry is not None
            done = wait_until(lambda: entry.analysis is not None, timeout_s)
            a = entry.analysis
            if not done or a is None:
                problems.append(f"no analysis within {timeout_s:.0f} s ({window.engine_text.text()})")
            else:
                if a.errors:
                    problems.append("analysis errors: " + "; ".join(a.errors))
                if not a.faces:
                    problems.append("no face found in the sample")
                elif not np.isfinite(np.asarray(a.faces[0].plq_chip, np.float32)).any():
                    problems.append("empty quality map")
                elif not a.faces[0].deviation_chip.size:
                    problems.append("no deviation map (is the reference of compliant faces bundled?)")
                if not a.checks:
                    problems.append("no ICAO checks ran")
                wait_until(lambda: window.checklist.tree.topLevelItemCount() > 0, 5)
                problems += _applicant_page_problems(window)
        problems += _fallback_apart_problems() + _single_instance_problems()
        out = tmp / "self_test_window.png"
        image = window.grab().toImage()
        image.save(str(out))
        ptr = image.constBits()
        pixels = np.frombuffer(ptr, np.uint8, count=image.sizeInBytes())
        if image.isNull() or pixels.std() < 5:
            problems.append("the rendered window is blank")
    finally:
        window.close()
    if problems:
        print(f"{APP_NAME} {__version__} self-test FAILED: " + "; ".join(problems), flush=True)
        return 1
    assert entry is not None and entry.analysis is not None  # no problem: the sample was analysed
    result = entry.analysis
    print(f"{APP_NAME} {__version__} self-test OK: sample analysed ({result.verdict}, "
          f"quality {result.faces[0].quality:.2f}), window rendered to {out}", flush=True)
    return 0


def _applicant_page_problems(window: MainWindow) -> list[str]:
    """File ▸ Print for the applicant lays the sample's page out in its preview (a frozen build without Qt's print
    support would fail only at a counter)."""
    from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

    if not window.print_for_applicant() or (dialog := window.findChild(QPrintPreviewDialog)) is None:
        return ["File ▸ Print for the applicant opened no print preview"]
    preview = dialog.findChild(QPrintPreviewWidget)
    if preview is not None:
        preview.updatePreview()
    laid_out = preview is not None and wait_until(lambda: preview.pageCount() > 0, 5)
    dialog.close()
    return [] if laid_out else ["the applicant's page could not be laid out for printing"]


def _single_instance_problems() -> list[str]:
    """A later launch's photos reach the running window (a frozen build without Qt's local sockets would open a window
    per launch again). On the self-test's own data folder, so no running window is touched."""
    from pfiq_desktop.gui.single_instance import InstanceServer, hand_over

    server, received = InstanceServer(), list[list[str]]()
    server.opened.connect(received.append)
    if not hand_over(["photo.jpg"]) or not wait_until(lambda: bool(received), 5):
        return ["a second launch could not hand its photos to the running window"]
    return []


def _fallback_apart_problems() -> list[str]:
    """The face detector's CNN fallback in its child process, as the window's engine runs it: a frozen build
    whose child processes cannot start (no freeze_support) is caught here, not on an officer's faceless photo."""
    import numpy as np

    from pfiq_desktop.engine.faces import FaceDetector

    detector = FaceDetector(fallback_apart=True)
    try:
        faces = detector.detect(np.full((480, 640, 3), 128, np.uint8))  # HOG finds nothing: the fallback runs
    finally:
        detector.close()
    if detector.apart_failures:
        return ["the face detector's fallback process did not run (see the log)"]
    return [f"{len(faces)} faces found on a blank image"] if faces else []


def quit_after_first_paint(app: QCoreApplication, window: QWidget) -> None:
    """--startup-probe: print `painted <seconds since app.py was imported>` after the first paint, then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _PaintProbe(QObject):
        fired = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.fired:
                self.fired = True
                QTimer.singleShot(0, lambda: (print(f"painted {time.perf_counter() - _IMPORTED_AT:.3f}", flush=True), app.quit()))
            return False

    probe = _PaintProbe(window)
    window.installEventFilter(probe)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging()
    if args.self_test:
        return self_test()
    from pfiq_desktop.settings import SettingsStore

    overrides = {"device": args.device, "profile": args.profile, "backbone": args.backbone}
    settings = SettingsStore(overrides=overrides)
    app = make_app(settings.current.theme)
    from PySide6.QtWidgets import QMessageBox

    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.gui.main_window import MainWindow
    from pfiq_desktop.gui.single_instance import InstanceServer, hand_over
    from pfiq_desktop.review.store import StoreError

    # a launch with settings of its own for its session gets its own window; any other opens in the one running
    if not args.startup_probe and not any(overrides.values()) and hand_over(args.paths):
        logging.getLogger(__name__).info("handed %d paths to the window already open on this data folder", len(args.paths))
        return 0

    try:
        window = MainWindow(settings)
    except (StoreError, OutputError) as problem:  # the review store cannot be opened: deciding is impossible
        logging.getLogger(__name__).error("the window could not open: %s", problem)
        QMessageBox.critical(None, APP_NAME, cannot_start_text(problem))
        return 2
    if args.startup_probe:
        quit_after_first_paint(app, window)
    else:
        InstanceServer(window).opened.connect(window.open_handed_over)
    window.show()
    if args.paths:
        window.open_paths(args.paths)
    _quit_on_ctrl_c(app, window)
    code = app.exec()
    window.shutdown()
    return code


def cannot_start_text(problem: Exception) -> str:
    """What the officer reads when the review store cannot be opened (the window did not open, with no word on an
    office PC, whose build has no console: resilience walk-through)."""
    return (f"{APP_NAME} cannot start: {problem}.\n\nNo decision was changed. If {APP_NAME} is open elsewhere on this "
            f"data folder, close it and start again; otherwise show this message to IT. Data folder: {appdirs.data_dir()}")


def _quit_on_ctrl_c(app: QCoreApplication, window: MainWindow) -> None:
    """Ctrl+C / SIGTERM in a terminal closes the window properly (decisions are already saved)."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(*_args: object) -> None:
        window.shutdown()  # first: a signal must not wait for the officer to answer about unsaved notes
        window.close()
        app.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(ValueError, OSError):  # not the main thread, or a platform without the signal
            signal.signal(sig, handler)
    timer = QTimer(app)  # let the Python interpreter run its signal handlers regularly
    timer.timeout.connect(_noop)
    timer.start(250)


def _noop() -> None:
    pass
