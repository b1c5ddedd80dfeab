"""Main window: browser (left), compare view (centre), checklist and decision (right), status bar."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSettings, QStandardPaths, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.engine.discovery import expand_image_paths, resolve_paths
from pfiq_desktop.gui.about_dialog import AboutDialog
from pfiq_desktop.gui.browser import BrowserWidget
from pfiq_desktop.gui.checklist_panel import ChecklistPanel
from pfiq_desktop.gui.compare_view import CompareView
from pfiq_desktop.gui.decision_panel import DecisionPanel
from pfiq_desktop.gui.settings_dialog import AppSettings, SettingsDialog
from pfiq_desktop.gui.theme import STATUS_LABELS, apply_theme
from pfiq_desktop.gui.welcome import WelcomePage
from pfiq_desktop.gui.worker import AnalysisWorker
from pfiq_desktop.review import DecisionError, ReviewStore, file_sha256
from pfiq_desktop.review.cache import AnalysisCache, cache_path_beside

SETTINGS_VERSION = 1
MAX_RECENT = 8
IMAGE_CACHE = 6
SYNC_LOAD_BYTES = 1_500_000  # smaller files decode in a few ms; larger ones load off the GUI thread


class _ImageSignals(QObject):
    loaded = Signal(str, object, str)  # path, RGB array or None, error


class _ImageJob(QRunnable):
    def __init__(self, path: str, signals: _ImageSignals) -> None:
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        image, error = load_display_image(self.path)
        self.signals.loaded.emit(self.path, image, error)


def data_dir() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".pfiq-desktop")


def list_profiles() -> list[str]:
    try:
        from pfiq_desktop.engine.icao import list_profiles as engine_profiles

        return engine_profiles()
    except Exception:  # noqa: BLE001 - engine not importable: the default only
        return ["icao-9303"]


def load_display_image(path: str) -> tuple[np.ndarray | None, str]:
    """RGB uint8 exactly as the engine sees it (EXIF orientation applied), or an error text."""
    try:
        from pfiq_desktop.engine.imageio import load_image

        return load_image(path), ""
    except ImportError:
        import cv2

        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            return None, f"Cannot read {Path(path).name}"
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), ""
    except Exception as exc:  # noqa: BLE001 - ImageLoadError and friends: shown, never raised
        return None, str(exc)


def expand_paths(paths) -> list[str]:
    """The photos in the given folders and files, symlinks resolved: the review store's key."""
    return resolve_paths(expand_image_paths(paths))


def _warm_imports() -> None:
    """Import what showing a result needs now, so the first photo shown never stalls the GUI."""
    for name in ("pfiq_desktop.engine.imageio", "pfiq_desktop.engine.faces", "pfiq_desktop.engine.icao.regions"):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - optional: fallbacks exist
            pass


class MainWindow(QMainWindow):
    """The application window; owns the worker thread and the review store."""

    resultShown = Signal(str)  # path whose analysis is now displayed

    def __init__(
        self,
        settings: QSettings | None = None,
        store_path: str | os.PathLike | None = None,
        engine_factory=None,
        restore_geometry: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        self.qsettings = settings or QSettings()
        self.prefs = self._read_prefs()
        self.store = ReviewStore(store_path or data_dir() / "reviews.sqlite3", app_version=__version__)
        self.cache = AnalysisCache(cache_path_beside(self.store.path))
        self.exporter = None  # a gui.export.ReportExporter once the officer exports
        self.auto_advance = True
        self.current_path: str | None = None
        self._images: OrderedDict[str, tuple[np.ndarray | None, str]] = OrderedDict()
        self._image_pool = QThreadPool(self)
        self._image_pool.setMaxThreadCount(1)
        self._image_signals = _ImageSignals(self)
        self._image_signals.loaded.connect(self._on_image_loaded)
        self._loading: set[str] = set()
        self.profiles = list_profiles()
        _warm_imports()

        # widgets
        self.welcome = WelcomePage()
        self.compare = CompareView()
        self.banner = QLabel("", objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#7b3fa0; color:white; padding:6px;")
        self.banner.hide()
        compare_page = QWidget()
        page_layout = QVBoxLayout(compare_page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.banner)
        page_layout.addWidget(self.compare, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(compare_page)
        self.compare_page = compare_page
        self.setCentralWidget(self.pages)

        self.browser = BrowserWidget()
        self.checklist = ChecklistPanel()
        self.checklist.set_profiles(self.profiles, self.prefs.profile)
        self.decision = DecisionPanel()
        self.browser_dock = self._dock("Photos", "browserDock", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.checklist_dock = self._dock("Checklist", "checklistDock", self.checklist, Qt.DockWidgetArea.RightDockWidgetArea)
        self.decision_dock = self._dock("Decision", "decisionDock", self.decision, Qt.DockWidgetArea.RightDockWidgetArea)

        self.status_text = QLabel("Ready", objectName="statusText")
        self.progress = QProgressBar(objectName="batchProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v / %m")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", objectName="cancelButton")
        self.cancel_button.setToolTip("Stop the batch after the current photo (Esc)")
        self.cancel_button.hide()
        self.engine_text = QLabel("engine starting…", objectName="engineText")
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.engine_text)

        self._build_actions()
        self.setAcceptDrops(True)
        self.resize(1400, 860)
        self.resizeDocks([self.browser_dock, self.checklist_dock], [250, 440], Qt.Orientation.Horizontal)
        self.resizeDocks([self.checklist_dock, self.decision_dock], [520, 300], Qt.Orientation.Vertical)
        if restore_geometry:
            self._restore_geometry()
        self.welcome.set_recent(self.recent_folders())
        self._welcome_docks: list[QDockWidget] = []
        self._show_welcome_layout()

        # worker
        self.worker = AnalysisWorker(engine_factory, self.prefs.device, self.prefs.profile, cache=self.cache)
        self.worker.engineReady.connect(self._on_engine_ready)
        self.worker.engineFailed.connect(self._on_engine_failed)
        self.worker.itemStarted.connect(self._on_started)
        self.worker.itemDone.connect(self._on_done)
        self.worker.rechecked.connect(self._on_rechecked)
        self.worker.progress.connect(self._on_progress)
        self.worker.batchFinished.connect(self._on_batch_finished)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.start()

        # wiring
        self.welcome.openFolder.connect(self.open_folder_dialog)
        self.welcome.openFiles.connect(self.open_files_dialog)
        self.welcome.trySample.connect(self.try_sample)
        self.welcome.openRecent.connect(self.open_folder)
        self.browser.currentPathChanged.connect(self.show_path)
        self.checklist.checkSelected.connect(self.compare.set_check)
        self.checklist.faceChanged.connect(self.compare.set_face)
        self.checklist.profileChanged.connect(self.set_profile)
        self.decision.decisionRequested.connect(self.record_decision)
        self.decision.clearRequested.connect(self.clear_decision)
        self.compare.hoverText.connect(self._on_hover)
        self.cancel_button.clicked.connect(self.cancel_batch)

    # -- construction helpers ------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Open &folder…", self.open_folder_dialog, QKeySequence.StandardKey.Open, "actOpenFolder")
        self._action(file_menu, "Open f&iles…", self.open_files_dialog, "Ctrl+Shift+O", "actOpenFiles")
        self.recent_menu = file_menu.addMenu("&Recent folders")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "Try the &sample", self.try_sample, None, "actSample")
        file_menu.addSeparator()
        self._action(file_menu, "Export &report…", self.export_report, "Ctrl+E", "actExportReport")
        self._action(file_menu, "Export &batch…", self.export_batch, "Ctrl+Shift+E", "actExportBatch")
        file_menu.addSeparator()
        self._action(file_menu, "&Settings…", self.open_settings, "Ctrl+,", "actSettings")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "actQuit")

        decide = bar.addMenu("&Decision")
        self.act_accept = self._action(decide, "&Accept", self.decision.request_accept, "A", "actAccept")
        self.act_reject = self._action(decide, "&Reject", self.decision.request_reject, "R", "actReject")
        self.act_retake = self._action(decide, "Needs re&take", self.decision.request_retake, "T", "actRetake")
        decide.addSeparator()
        self._action(decide, "&Withdraw decision", self.clear_decision, None, "actWithdraw")

        view = bar.addMenu("&View")
        self._action(view, "&Next photo", self.browser.next, "Ctrl+Down", "actNext")
        self._action(view, "&Previous photo", self.browser.previous, "Ctrl+Up", "actPrev")
        self._action(view, "&Fit photo", self.compare.fit, "F", "actFit")
        self._action(view, "&Zoom to face", self.compare.zoom_to_face, "Z", "actFace")
        self._action(view, "&Search…", self._focus_search, QKeySequence.StandardKey.Find, "actSearch")
        self._action(view, "Toggle &landmarks", self.compare.show_landmarks.toggle, "L", "actLandmarks")
        self._action(view, "Aligned &chip view", self.compare.toggle_mode, "C", "actChip")
        self._action(view, "Next f&ace", self.checklist.next_face, "Ctrl+]", "actNextFace")
        self._action(view, "Previous fac&e", self.checklist.previous_face, "Ctrl+[", "actPrevFace")
        view.addSeparator()
        for dock in (self.browser_dock, self.checklist_dock, self.decision_dock):
            view.addAction(dock.toggleViewAction())

        analysis = bar.addMenu("&Analysis")
        self._action(analysis, "&Cancel batch", self.cancel_batch, "Esc", "actCancel")
        self._action(analysis, "&Re-analyse pending", self.resume_batch, None, "actResume")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "How to read the &heat map", self.show_help, "F1", "actHelp")
        self._action(help_menu, "&About", self.show_about, None, "actAbout")

    # -- settings --------------------------------------------------------------
    def _read_prefs(self) -> AppSettings:
        s = self.qsettings
        prefs = AppSettings()
        prefs.device = str(s.value("device", prefs.device))
        prefs.profile = str(s.value("profile", prefs.profile))
        prefs.officer = str(s.value("officer", "") or "")
        prefs.output_folder = str(s.value("output_folder", "") or "")
        prefs.theme = str(s.value("theme", prefs.theme))
        return prefs

    def _write_prefs(self) -> None:
        s = self.qsettings
        for key in ("device", "profile", "officer", "output_folder", "theme"):
            s.setValue(key, getattr(self.prefs, key))
        s.sync()

    def _restore_geometry(self) -> None:
        s = self.qsettings
        if int(s.value("settings_version", 0) or 0) != SETTINGS_VERSION:
            return  # layout of an older version: start with the default layout
        geometry, state = s.value("geometry"), s.value("window_state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, SETTINGS_VERSION)

    def save_layout(self) -> None:
        self._leave_welcome_layout()  # save the panels as the officer arranged them, not the welcome view
        s = self.qsettings
        s.setValue("settings_version", SETTINGS_VERSION)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("window_state", self.saveState(SETTINGS_VERSION))
        s.sync()

    def recent_folders(self) -> list[str]:
        value = self.qsettings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if Path(v).exists()]

    def _add_recent(self, folder: str) -> None:
        folders = [folder] + [f for f in self.recent_folders() if f != folder]
        self.qsettings.setValue("recent", folders[:MAX_RECENT])
        self.welcome.set_recent(folders[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for folder in self.recent_folders():
            action = self.recent_menu.addAction(folder)
            action.setData(folder)
            action.triggered.connect(self._on_recent_action)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _on_recent_action(self) -> None:
        self.open_folder(self.sender().data())

    def open_folder(self, folder: str) -> None:
        self.open_paths([folder])

    def show_help(self) -> None:
        AboutDialog(self, help_only=True).exec()

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def _on_hover(self, text: str) -> None:
        self.statusBar().showMessage(text, 3000)

    def _select_next_path(self) -> None:
        if getattr(self, "_next_path", None):
            self.browser.select_path(self._next_path)
            self._next_path = None

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.prefs, self.profiles, self)
        if dialog.exec():
            self.apply_settings(dialog.values())

    def apply_settings(self, new: AppSettings) -> None:
        old = self.prefs
        self.prefs = new
        self._write_prefs()
        if new.device != old.device:
            self.worker.set_device(new.device)
        if new.profile != old.profile:
            self.checklist.set_profiles(self.profiles, new.profile)
            self.set_profile(new.profile)
        if new.theme != old.theme and QApplication.instance() is not None:
            apply_theme(QApplication.instance(), new.theme)

    def _show_welcome_layout(self) -> None:
        """First launch: the welcome page alone; the panels come back with the first photo."""
        self._welcome_docks = [d for d in (self.browser_dock, self.checklist_dock, self.decision_dock) if d.isVisible() or not d.isHidden()]
        for dock in self._welcome_docks:
            dock.hide()

    def _leave_welcome_layout(self) -> None:
        for dock in self._welcome_docks:
            dock.show()
        self._welcome_docks = []

    # -- opening -----------------------------------------------------------------
    def open_folder_dialog(self) -> None:
        start = self.recent_folders()[0] if self.recent_folders() else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", start)
        if folder:
            self.open_paths([folder])

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open photos", str(Path.home()),
            "Images (*.jpg *.jpeg *.png *.bmp *.gif *.tif *.tiff *.webp *.jp2 *.pgm *.ppm);;All files (*)",
        )
        if files:
            self.open_paths(files)

    def try_sample(self) -> None:
        from pfiq_desktop.gui.samples import make_sample_folder

        try:
            folder = make_sample_folder(data_dir() / "samples")
        except Exception as exc:  # noqa: BLE001
            self.show_banner(f"The sample could not be prepared: {exc}")
            return
        self.open_paths([str(folder)])

    def open_paths(self, paths, add: bool = False) -> int:
        """Open folders and/or files, restore their decisions and queue them all for analysis."""
        paths = [str(p) for p in paths]
        missing = [p for p in paths if not Path(p).exists()]
        existing = [p for p in paths if Path(p).exists()]
        if missing:
            self.show_banner("Not found: " + ", ".join(missing))
        files = expand_paths(existing) if existing else []
        if not files:
            if existing:
                self.show_banner("No photos found in " + ", ".join(existing))
            return 0
        if not add:
            self.worker.cancel()
            self.compare.clear()
            self.browser.model.set_paths(files)
            new = files
        else:
            new = self.browser.model.add_paths(files)
        decisions = self.store.decisions_for_paths(new)  # keyed by resolved path, as `files` are
        for path in new:
            decision = decisions.get(path)
            if decision is not None:
                self.browser.model.update(path, decision=decision)
        folders = [p for p in existing if Path(p).is_dir()]
        if folders:
            self._add_recent(str(Path(folders[0]).resolve()))
            self.setWindowTitle(f"{Path(folders[0]).name} — {APP_NAME}")
        else:
            self.setWindowTitle(f"{len(files)} photos — {APP_NAME}")
        self.pages.setCurrentWidget(self.compare_page)
        self._leave_welcome_layout()
        self.worker.enqueue(new)
        self._set_progress(0, self.worker.pending())
        restored = len(decisions)
        self.status_text.setText(
            f"Opened {len(new)} photos" + (f"; {restored} earlier decisions restored" if restored else "")
        )
        # next event-loop turn: listing and first render apart (focusing the list would select at once)
        QTimer.singleShot(15, self._select_first)
        return len(new)

    def _select_first(self) -> None:
        if self.browser.current_path() is None:
            self.browser.select_row(0)
        self.browser.view.setFocus()

    # -- drag and drop -----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths, add=self.pages.currentWidget() is self.compare_page)
            event.acceptProposedAction()

    # -- showing -----------------------------------------------------------------
    def _remember_image(self, path: str, loaded: tuple[np.ndarray | None, str]) -> None:
        self._images[path] = loaded
        while len(self._images) > IMAGE_CACHE:
            self._images.popitem(last=False)

    def _image(self, path: str) -> tuple[np.ndarray | None, str] | None:
        """The display image now (cached or small), or None while a large one loads in the background."""
        if path in self._images:
            self._images.move_to_end(path)
            return self._images[path]
        try:
            small = Path(path).stat().st_size <= SYNC_LOAD_BYTES
        except OSError:
            small = True  # the loader reports the error
        if small:
            loaded = load_display_image(path)
            self._remember_image(path, loaded)
            return loaded
        if path not in self._loading:
            self._loading.add(path)
            self._image_pool.start(_ImageJob(path, self._image_signals))
        return None

    def _on_image_loaded(self, path: str, image, error: str) -> None:
        self._loading.discard(path)
        self._remember_image(path, (image, error))
        if path == self.current_path:
            self.show_path(path, refresh=True)

    def show_path(self, path: str, refresh: bool = False) -> None:
        """Show a photo; refresh=True when new results arrive for the photo already on screen."""
        refresh = refresh and path == self.current_path
        self.current_path = path
        entry = self.browser.model.entry(path)
        if entry is None:
            return
        if entry.analysis is None:
            self.worker.prioritise(path)
        loaded = self._image(path)
        analysis = entry.analysis
        if loaded is None:
            self.compare.clear()
            self.compare.show_message(f"Loading {Path(path).name}…")
            image = None
        else:
            image, error = loaded
        if loaded is None:
            pass
        elif image is None:
            self.compare.clear()
            self.compare.show_message(f"{Path(path).name}\n\n{error or 'Cannot display this file.'}")
        else:
            self.compare.set_result(analysis, image, keep_view=refresh)
        if analysis is None:
            self.checklist.set_analysis(None, entry.status)
        else:
            self.checklist.set_analysis(analysis)
        self.decision.set_enabled(True)
        self.decision.load(analysis, entry.decision, keep_draft=refresh)
        if analysis is not None:
            self.resultShown.emit(path)

    def _focus_search(self) -> None:
        self.browser_dock.show()
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.status_text.setText(text)

    # -- worker signals ----------------------------------------------------------
    def _on_engine_ready(self, text: str) -> None:
        self.engine_text.setText(text)

    def _on_engine_failed(self, text: str) -> None:
        self.engine_text.setText("engine unavailable")
        self.show_banner(text)

    def _on_started(self, path: str) -> None:
        self.browser.model.update(path, status="analysing")
        if path == self.current_path and self.browser.model.entry(path).analysis is None:
            self.checklist.set_analysis(None, "analysing")

    def _on_done(self, path: str, analysis) -> None:
        entry = self.browser.model.entry(path)
        if entry is None:
            return  # a folder was closed while this photo was in the engine
        changes = {"analysis": analysis, "status": analysis.verdict}
        decision = entry.decision
        if decision is not None and analysis.image_sha256 and decision.image_sha256 != analysis.image_sha256:
            changes["decision"] = None  # the file changed since the decision: review it again
            self.status_text.setText(f"{entry.name} changed since it was decided; please review it again")
        self.browser.model.update(path, **changes)
        if path == self.current_path:
            self.show_path(path, refresh=True)

    def _on_rechecked(self, path: str, analysis) -> None:
        entry = self.browser.model.entry(path)
        if entry is None:
            return
        self.browser.model.update(path, analysis=analysis, status=analysis.verdict)
        if path == self.current_path:
            self.checklist.set_analysis(analysis)
            self.compare.analysis = analysis
            self.compare.set_check(None)
            self.decision.load(analysis, entry.decision, keep_draft=True)
            self.resultShown.emit(path)

    def _set_progress(self, done: int, total: int) -> None:
        busy = total > 0 and done < total
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_progress(self, done: int, total: int) -> None:
        self._set_progress(done, total)
        self.status_text.setText(f"Analysing {done} / {total}")

    def _on_batch_finished(self, count: int) -> None:
        self._set_progress(0, 0)
        counts = self.browser.model.counts()
        summary = ", ".join(f"{counts[k]} {STATUS_LABELS[k].lower()}" for k in ("pass", "warn", "fail", "error") if counts.get(k))
        self.status_text.setText(f"Analysis finished: {summary or 'nothing to do'}")

    def _on_cancelled(self, paths: list) -> None:
        for path in paths:
            self.browser.model.update(path, status="pending")
        self.status_text.setText(f"Batch cancelled; {len(paths)} photos left pending (Analysis ▸ Re-analyse pending)")

    def cancel_batch(self) -> None:
        self.worker.cancel()
        self._set_progress(0, 0)

    def resume_batch(self) -> None:
        pending = [e.path for e in self.browser.model.entries if e.analysis is None]
        current = self.current_path
        if current in pending:
            pending.remove(current)
            pending.insert(0, current)
        self.worker.enqueue(pending)

    def set_profile(self, name: str) -> None:
        """Switch the threshold profile: checks re-evaluate on cached faces, no network."""
        if not name:
            return
        self.prefs.profile = name
        self._write_prefs()
        analysed = [(e.path, e.analysis) for e in self.browser.model.entries if e.analysis is not None and e.analysis.ok]
        self.worker.recheck(analysed, first=self.current_path)
        self.worker.set_profile(name)  # goes first, before the re-checks
        if self.checklist.profile.currentText() != name:
            self.checklist.set_profiles(self.profiles, name)
        self.status_text.setText(f"Profile {name}: re-evaluating {len(analysed)} photos")

    # -- decisions ---------------------------------------------------------------
    def record_decision(self, kind: str, reasons: list, note: str) -> bool:
        path = self.current_path
        entry = self.browser.model.entry(path) if path else None
        if entry is None:
            return False
        analysis = entry.analysis
        try:
            sha = (analysis.image_sha256 if analysis is not None else "") or file_sha256(path)
        except OSError as exc:
            self.decision.show_error(f"Cannot read the file to record the decision: {exc}")
            return False
        if analysis is None:
            failed = ["not_analysed_yet"]  # accepting before the checks ran is an override too
        elif analysis.errors:
            failed = ["not_analysable"]
        else:
            failed = [c.id for c in analysis.failed_checks()]
        try:
            saved = self.store.record_decision(
                path, sha, kind, reasons=reasons, note=note, officer=self.prefs.officer,
                profile=getattr(analysis, "profile", "") or self.prefs.profile,
                model_sha256=getattr(analysis, "model_sha256", ""),
                verdict=analysis.verdict if analysis is not None else "pending",
                failed_checks=failed,
            )
        except DecisionError as exc:
            self.decision.show_error(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - disk full, locked file...: say so, keep the app
            self.decision.show_error(f"The decision was NOT saved: {exc}")
            return False
        self.browser.model.update(path, decision=saved)
        self.decision.show_decision(saved)
        self.decision.show_info("Saved.")
        self.status_text.setText(f"{entry.name}: {saved.label} (saved)")
        if self.auto_advance:
            self._advance_to_next_undecided()
        return True

    def clear_decision(self) -> None:
        path = self.current_path
        entry = self.browser.model.entry(path) if path else None
        if entry is None or entry.decision is None:
            return
        self.store.clear_decision(path, entry.decision.image_sha256, officer=self.prefs.officer)
        self.browser.model.update(path, decision=None)
        self.decision.show_decision(None)
        self.decision.show_info("Decision withdrawn.")

    def _advance_to_next_undecided(self) -> None:
        paths = self.browser.visible_paths()
        if self.current_path not in paths:
            return
        start = paths.index(self.current_path)
        for path in paths[start + 1:] + paths[:start]:
            entry = self.browser.model.entry(path)
            if entry is not None and entry.decision is None:
                self._next_path = path
                QTimer.singleShot(0, self._select_next_path)
                return

    # -- reports -----------------------------------------------------------------
    def ask_export_folder(self, title: str) -> str:
        """The output folder for an export ('' when the officer cancels); tests replace this."""
        start = self.prefs.output_folder if Path(self.prefs.output_folder or "").is_dir() else str(Path.home())
        return QFileDialog.getExistingDirectory(self, title, start)

    def export_report(self) -> bool:
        """File ▸ Export report: PDF and annotated PNG of the photo on screen."""
        entry = self.browser.model.entry(self.current_path) if self.current_path else None
        if entry is None or entry.analysis is None:
            name = f"{entry.name} is not analysed yet" if entry is not None else "no photo is shown"
            self.status_text.setText(f"Nothing to export: {name}")
            return False
        return self._export([entry.analysis], "single", f"Export the report for {entry.name}")

    def export_batch(self) -> bool:
        """File ▸ Export batch: every analysed photo the browser shows (filter applied)."""
        entries = [self.browser.model.entry(p) for p in self.browser.visible_paths()]
        analyses = [e.analysis for e in entries if e is not None and e.analysis is not None]
        if not analyses:
            self.status_text.setText("Nothing to export: no photo in the list is analysed yet")
            return False
        return self._export(analyses, "batch", f"Export reports for {len(analyses)} photos")

    def _export(self, analyses: list, kind: str, title: str) -> bool:
        from pfiq_desktop.gui.export import BATCH_FORMATS, SINGLE_FORMATS, ReportExporter
        from pfiq_desktop.reports.inputs import item_from_store

        if self.exporter is None:  # built on first use: the report modules stay out of start-up
            self.exporter = ReportExporter(self)
            self.exporter.message.connect(self.status_text.setText)
        if self.exporter.running():
            self.status_text.setText("An export is still running; wait for it or cancel it first.")
            return False
        folder = self.ask_export_folder(title)
        if not folder:
            return False
        items = [item_from_store(self.store, a) for a in analyses]  # the store belongs to this thread
        formats = SINGLE_FORMATS if kind == "single" else BATCH_FORMATS
        return self.exporter.start(items, folder, formats, officer=self.prefs.officer, title=title)

    # -- shutdown ----------------------------------------------------------------
    def shutdown(self) -> None:
        if getattr(self, "_closed", False):
            return
        self._closed = True
        if self.exporter is not None:
            self.exporter.stop()
        self.save_layout()
        self._write_prefs()
        self.worker.stop()
        self.browser.model.wait_for_thumbnails(3000)
        self._image_pool.waitForDone(3000)
        self.store.close()
        self.cache.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)
