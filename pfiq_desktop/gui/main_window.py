"""Main window: photo list and decision (left), compare view (centre), checklist (right), status bar.

The window shows and drives; the state lives elsewhere: the review session
(open photos, selection, decisions; Qt-free), the settings store, the image
cache and the analysis worker. The officer's decisions (who decides, filing,
withdrawing, unsaved notes) go through its DecisionController (gui/decisions.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop import APP_NAME, appdirs
from pfiq_desktop.engine.discovery import Skipped
from pfiq_desktop.engine.filenames import display_name, first_few
from pfiq_desktop.engine.icao import (
    DEFAULT_PROFILE,
    Profile,
    ProfileError,
    list_profiles,
    load_profile,
    not_checked,
    shadowed_profiles,
    your_profiles,
)
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.gui.about_dialog import AboutDialog
from pfiq_desktop.gui.backbone_dialog import BackboneCompareDialog
from pfiq_desktop.gui.browser import FILTERS, BrowserWidget
from pfiq_desktop.gui.checklist_panel import ENGINE_DOWN, ChecklistPanel
from pfiq_desktop.gui.compare_view import CompareView
from pfiq_desktop.gui.decision_panel import ACCEPT_FROM_NOTE_KEY, DECISION_KEYS, NOTE_KEY, DecisionPanel
from pfiq_desktop.gui.decisions import NO_PHOTOS_OPEN, DecisionController
from pfiq_desktop.gui.display import DisplayResult
from pfiq_desktop.gui.export import BATCH_FORMATS, SINGLE_FORMATS, ReportExporter
from pfiq_desktop.gui.image_cache import ImageCache
from pfiq_desktop.gui.renewal_check import RenewalCheck
from pfiq_desktop.gui.settings_dialog import SettingsDialog
from pfiq_desktop.gui.theme import apply_theme, notice_style
from pfiq_desktop.gui.welcome import WelcomePage
from pfiq_desktop.gui.widgets import IMAGE_FILTER, OneLineLabel, SteadyDropDowns, named, plain, shortcut
from pfiq_desktop.gui.worker import AnalysisWorker, EngineFactory
from pfiq_desktop.palette import RESULT_ORDER, STATUS_COLOURS, status_counts
from pfiq_desktop.review import ACCEPT, ReviewStore
from pfiq_desktop.review.cache import open_cache, retired_text
from pfiq_desktop.review.own_profiles import is_offered
from pfiq_desktop.review.session import OpenOutcome, PhotoRecord, ReviewSession
from pfiq_desktop.review.values import counted
from pfiq_desktop.settings import LIST_SORTS, Settings, SettingsStore

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1400, 860)
DEFAULT_SHARE = 0.9  # of a larger screen the window takes at first
DISPLAY_CACHE = 24  # photos whose coloured maps stay ready to draw
PLACES_KEPT = 20  # photos the officer left by opening others, remembered to come back to
ACCEPT_TIP = "a photo whose checks failed needs a note: the cursor moves to it"  # the keyboard help's line for A
ZOOM_STEP = 1.25  # one key press of View > Zoom in / out
LAYOUT_VERSION = 4  # bump when the docks change: an older saved layout is then ignored
OPEN_WITH_SUBFOLDERS = "Open folder with s&ub-folders…"  # one access letter each in File
OPEN_WITH_SUBFOLDERS_KEY = "Ctrl+Alt+O"


def audit_warning(problem: str) -> str:
    """The banner line for a review store whose audit log fails its hash-chain check (`problem`; '' when intact)."""
    return f"Warning: {problem}. Decisions are still recorded; tell your supervisor." if problem else ""


def _unchecked_note(profile: Profile) -> str:
    """The notice under the banner for a profile that leaves checks of the default profile unrun on every photo ('' for
    one that runs them all): a baby's profile chosen for one photo judged every later one."""
    unchecked = not_checked(profile.info.switched_off)
    return (f"Profile {profile.name} leaves unchecked, on every photo it judges: {', '.join(unchecked)}. For one photo "
            "alone, choose it in the checklist's \"This photo\" box instead." if unchecked else "")


def _shadowed_note() -> str:
    """The banner line for the user's profile files that a bundled profile's name hides ('' for none): after an
    update added a profile of that name, the saved choice loaded the bundled one with only a log line (review)."""
    shadowed = shadowed_profiles()
    names = ", ".join(display_name(p.name) for p in shadowed)
    if len(shadowed) > 1:
        return f"Your profile files {names} are not used: bundled profiles have their names. Rename the files to use them."
    return f"Your profile file {names} is not used: a bundled profile has that name. Rename the file to use it." if shadowed else ""


def skipped_text(skipped: Sequence[Skipped], shown: int = 5) -> str:
    """One banner line for entries a folder listing had to leave out, naming the first few."""
    named = "; ".join(f"{display_name(s.path.name)}: {s.reason}" for s in skipped[:shown])
    more = f"; and {len(skipped) - shown} more (see the log)" if len(skipped) > shown else ""
    return f"Skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} that cannot be read as photos: {named}{more}"


# the window's actions a right-click offers ("" a separator): on a photo's row, what to decide; on the photo, how to view it
CONTEXT_LIST = ("actAccept", "actReject", "actRetake", "actNote", "", "actWithdraw", "actExportReport", "actPrintApplicant")
CONTEXT_PHOTO = ("actFit", "actFace", "actZoomIn", "actZoomOut", "", "actLandmarks", "actChip", "actMap")


def open_problems(outcome: OpenOutcome) -> list[str]:
    """The banner's lines for what an open could not use: missing paths, folders without photos, skipped entries."""
    problems = []
    if outcome.missing:
        problems.append("Not found: " + ", ".join(map(display_name, outcome.missing)))
    if outcome.empty:
        hint = (f" (it has sub-folders: File ▸ {OPEN_WITH_SUBFOLDERS.replace('&', '')}, "
                f"{QKeySequence(OPEN_WITH_SUBFOLDERS_KEY).toString(QKeySequence.SequenceFormat.NativeText)})"
                if outcome.nested else "")
        problems.append("No photos found in " + ", ".join(map(display_name, outcome.empty)) + hint)
    if outcome.skipped:
        problems.append(skipped_text(outcome.skipped))
    if outcome.annotated:
        problems.append(f"Left out {counted(len(outcome.annotated), 'annotated picture')} that this application wrote "
                        f"(e.g. {display_name(outcome.annotated[0].name)}): not applicants' photos")
    for name, (why, paths) in outcome.unusable_profiles.items():
        photos = first_few([display_name(Path(p).name) for p in paths], 3)
        until = "until it can be used again" if is_offered(name) else "and the choice is forgotten"
        problems.append(f"The profile {name}, chosen for {photos} alone, cannot be used, so the window's judges them "
                        f"{until}: {why}")
    return problems


class MainWindow(QMainWindow):
    """The application window; owns the worker thread, the review store and the session."""

    def __init__(
        self,
        settings: SettingsStore | None = None,
        engine_factory: EngineFactory | None = None,
        restore_geometry: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        self.settings = settings or SettingsStore()
        self.layout_state = QSettings(str(appdirs.window_state_path()), QSettings.Format.IniFormat)
        self.store = ReviewStore(appdirs.store_path())
        from pfiq_desktop.reports.inputs import store_problem

        # checked once when the store opens (a year's store takes seconds): the banner and every export say it
        self.store_problem = store_problem(self.store)
        self.store_warning = audit_warning(self.store_problem)
        self._profile_warning = ""  # a profile that could not be used, said until one that loads is chosen
        self._profile_note = ""  # what the chosen profile leaves unchecked on every photo, said while it is chosen
        self._not_theirs: list[str] = []  # photos of this folder whose own profile was dropped: replaced files
        # files replaced since their decision, this batch: said at its end too ("Analysis finished" overwrote it at once
        # for a single file, and the retake over IMG_0001.JPG opened "No decision yet" unexplained: counter walk-through)
        self._changed_since_decided: list[str] = []
        self._banner_text = ""  # the latest message above the photo, kept when a lasting line changes
        self._engine_failure = ""  # the engine's start-up error while it is down
        self.cache, cache_problem = open_cache(appdirs.cache_path())  # without one, photos are analysed each time
        # what the data folder held that could not be used as it was, said for the session (opening a folder hid it)
        self._startup_notes = [note[0].upper() + note[1:] + ("" if note.endswith(".") else ".")
                               for note in (cache_problem, self.settings.problem, _shadowed_note()) if note]
        self.session = ReviewSession(self.store, self.settings.current.officer)
        self.images = ImageCache(self)
        self.images.loaded.connect(self._on_image_loaded)
        self.exporter = ReportExporter(self, self.settings)
        self.exporter.message.connect(self._status)
        self.exporter.refused.connect(self.show_banner)
        self.profiles = list_profiles() + your_profiles()  # (the user's profiles folder: Help ▸ About names it)
        startup_problem = self._fall_back_from_a_broken_profile()
        self._closed = False
        self.networks: BackboneCompareDialog | None = None  # the compare mode's window (Analysis menu)

        self._status_photo: str | None = None  # the photo the status line is about (None: about the window)
        self._build_pages()
        self._build_panels()
        self._build_status_bar()
        self.decisions = DecisionController(self, self.session, self.settings, self.decision, self.browser, self.officer_text,
                                            self._status)
        self._build_actions()
        self.context_menu: QMenu | None = None  # the right-click menu last shown
        self._context_menus()
        self._steady_drop_downs = SteadyDropDowns(self)
        self._tab_order()
        self.setAcceptDrops(True)
        self._default_layout()
        if not (restore_geometry and self._restore_geometry()):
            QTimer.singleShot(0, self._default_dock_sizes)  # docks take their sizes once the window is laid out
        self.welcome.set_recent(self.recent_folders())
        self._welcome_docks: list[QDockWidget] = []
        self._show_welcome_layout()

        self._start_worker(engine_factory)
        self._connect_panels()
        self._displays: dict[str, DisplayResult] = {}
        # the photos the officer was on when the window last closed and when later openings replaced theirs, latest last
        self._places: list[str] = [p for p in [self.settings.current.last_photo] if p]
        if self.settings.current.list_sort in LIST_SORTS:
            self.browser.sort.setCurrentIndex(LIST_SORTS.index(self.settings.current.list_sort))
        if self.settings.current.list_filter:  # one no longer offered is left at All
            self.browser.filter.setCurrentIndex(max(self.browser.filter.findData(self.settings.current.list_filter), 0))
        if (kind := self.compare.map_kind.findData(self.settings.current.map_kind)) >= 0:
            self.compare.map_kind.setCurrentIndex(kind)
        self._rechecking: tuple[str, int, set[str]] = ("", 0, set())  # profile, photos to re-evaluate, those to come
        self._rejudging = ""  # the photo whose own profile was just chosen: its result is said when it comes
        self._waiting_for_engine: set[str] = set()  # photos left pending because there was no engine to analyse them
        self._cancelled = False  # the batch was cancelled, and nothing was queued since
        if startup_problem:
            self._profile_warning = startup_problem
        self._profile_note = _unchecked_note(load_profile(self.settings.current.profile))  # it loads: fallen back
        if startup_problem or self._profile_note:
            self.show_banner("")
        # the first start after an update: why every photo is analysed again, said until the first folder opens and then
        # with it (opening one replaced the status line just when the analyses began: review)
        self._update_note = retired_text(self.cache.retired) if self.cache is not None else ""
        self._status(self._update_note)

    # -- construction helpers ------------------------------------------------
    def _build_pages(self) -> None:
        """The welcome page and the photo view, under a banner that shows above either (a broken audit log at
        start)."""
        self.welcome = WelcomePage()
        self.compare = CompareView()
        self.banner = named(plain(QLabel("")), "banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"background:{STATUS_COLOURS['error']}; color:white; padding:6px;")
        self.banner.hide()
        self.notice = named(plain(QLabel("")), "notice")  # what the chosen profile leaves unchecked: chosen, not wrong
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(notice_style())
        self.notice.hide()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.compare)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.notice)
        central_layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.show_banner("")

    def _build_panels(self) -> None:
        """The photo list, the checklist and the decision, each in a dock the officer can move."""
        self.browser = BrowserWidget(self.session)
        self.checklist = ChecklistPanel()
        self.checklist.set_profiles(self.profiles, self.settings.current.profile)
        self.decision = DecisionPanel()
        self.browser_dock = self._dock("Photos", "browserDock", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.checklist_dock = self._dock("Checklist", "checklistDock", self.checklist, Qt.DockWidgetArea.RightDockWidgetArea)
        # the decision sits under the photo list, so the checklist has the whole right column: stacked under it, the
        # check table showed 2-3 rows at 1280x720 and the window could not be made shorter than 727 pixels
        self.decision_dock = self._dock("Decision", "decisionDock", self.decision, Qt.DockWidgetArea.LeftDockWidgetArea)

    def _build_status_bar(self) -> None:
        """What the window says, the officer, the batch's progress with its Cancel, and the engine."""
        self.status_text = named(OneLineLabel("Ready"), "statusText")
        self.progress = named(QProgressBar(), "batchProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v / %m")
        self.progress.hide()
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton")
        self.cancel_button.setToolTip("Stop the batch after the current photo (Esc)")
        self.cancel_button.hide()
        self.engine_text = named(plain(QLabel("engine starting…")), "engineText")
        self.officer_text = named(plain(QLabel("")), "officerText")
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.officer_text)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.engine_text)

    def _start_worker(self, engine_factory: EngineFactory | None) -> None:
        """The analysis thread, with the saved device, profile and network; its results come back as signals."""
        current = self.settings.current
        self.worker = AnalysisWorker(engine_factory, current.device, current.profile, cache=self.cache, backbone=current.backbone)
        self.worker.engineReady.connect(self._on_engine_ready)
        self.worker.engineFailed.connect(self._on_engine_failed)
        self.worker.itemStarted.connect(self._on_started)
        self.worker.itemDone.connect(self._on_done)
        self.worker.rechecked.connect(self._on_rechecked)
        self.worker.progress.connect(self._on_progress)
        self.worker.batchFinished.connect(self._on_batch_finished)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.leftPending.connect(self._on_left_pending)
        self.renewals = RenewalCheck(self, self.session, self.worker, self.decision, self._status, self.decision_keys)
        self.worker.start()

    def _connect_panels(self) -> None:
        """What the officer does in one panel reaches the others through the window."""
        self.welcome.openFolder.connect(self.open_folder_dialog)
        self.welcome.openFiles.connect(self.open_files_dialog)
        self.welcome.trySample.connect(self.try_sample)
        self.welcome.openRecent.connect(self.open_folder)
        self.browser.currentPathChanged.connect(self.show_path)
        self.browser.nothingShown.connect(self.show_no_photo)
        self.checklist.checkSelected.connect(self.compare.set_check)
        self.checklist.faceChanged.connect(self.compare.set_face)
        self.checklist.profileChanged.connect(self.set_profile)
        self.checklist.photoProfileChanged.connect(self.set_photo_profile)
        self.decision.decisionRequested.connect(self.decisions.record)
        self.decision.clearRequested.connect(self.decisions.withdraw)
        self.compare.hoverText.connect(self._on_hover)
        self.cancel_button.clicked.connect(self.cancel_batch)

    def _tab_order(self) -> None:
        """Tab goes down the left column (search, filters, photos, the decision's reasons, note and buttons), then the
        checklist on the right, then the map's toolbar and view: it jumped between the columns (accessibility
        walk-through)."""
        decision, browser, checklist, view = self.decision, self.browser, self.checklist, self.compare
        chain = [browser.search, browser.sort, browser.filter, browser.check_filter, browser.view, decision.reasons,
                 decision.note, *decision.buttons.values(), decision.clear_button, checklist.profile,
                 checklist.photo_profile, checklist.findings_area, checklist.tabs, checklist.tree, view.mode, view.map_kind,
                 view.opacity, view.show_button, view.face_button, view.fit_button, view.glw]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
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

    def _on_a_photo(self, slot: Callable[[], object]) -> Callable[[], None]:
        """`slot` where photos are open; on the welcome page it says there are none: C and L pressed there changed the
        hidden view without a word, and the first photo came up in another view than the officer last saw (second
        usability walk-through)."""
        def run() -> None:
            if self.pages.currentWidget() is self.welcome:
                self._status(NO_PHOTOS_OPEN)
            else:
                slot()
        return run

    def _context_menus(self) -> None:
        """Right-click menus on the photo list and the photo, of the window's own actions: a mouse user right-clicked a
        photo's row and the photo, and nothing happened (fourth walk-through)."""
        actions = {action.objectName(): action for action in self.actions()}
        for widget, names in ((self.browser.view, CONTEXT_LIST), (self.compare.glw, CONTEXT_PHOTO)):
            menu = QMenu(self)
            for name in names:
                if name:
                    menu.addAction(actions[name])
                else:
                    menu.addSeparator()
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(partial(self._show_context_menu, widget, menu))

    def _show_context_menu(self, widget: QAbstractScrollArea, menu: QMenu, pos: QPoint) -> None:
        if widget is self.browser.view and not self.browser.view.indexAt(pos).isValid():
            return  # below the last row: deciding there would act on the photo on screen, not on anything pointed at
        self.context_menu = menu
        menu.popup(widget.viewport().mapToGlobal(pos))

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None = None, name: str = "", tip: str = "",
    ) -> QAction:
        """A menu entry; its key and `tip` are what the keyboard help lists (about_dialog.shortcuts_html)."""
        action = QAction(text, self)
        action.setStatusTip(tip)
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
        self._action(file_menu, OPEN_WITH_SUBFOLDERS, lambda: self.open_folder_dialog(recursive=True), OPEN_WITH_SUBFOLDERS_KEY,
                     "actOpenFolderRecursive")
        self._action(file_menu, "Open f&iles…", self.open_files_dialog, "Ctrl+Shift+O", "actOpenFiles")
        self.recent_menu = file_menu.addMenu("&Recent folders")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "Try the sa&mple", self.try_sample, None, "actSample")
        file_menu.addSeparator()
        self._action(file_menu, "Export re&port…", self.export_report, "Ctrl+E", "actExportReport")
        self._action(file_menu, "Export &batch…", self.export_batch, "Ctrl+Shift+E", "actExportBatch")
        self._action(file_menu, "Print for the &applicant…", self.print_for_applicant, "Ctrl+P",
                     "actPrintApplicant", "the photo, the outcome and what to change, in large type")
        file_menu.addSeparator()
        self._action(file_menu, "&Settings…", self.open_settings, "Ctrl+,", "actSettings")
        file_menu.addSeparator()
        # not StandardKey.Quit: it is empty on Windows and on some Linux desktops (the menu showed no key, none worked)
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q", "actQuit",
                     "it asks first when notes on undecided photos would be lost")

        decide = bar.addMenu("&Decision")
        for kind, key, verb in DECISION_KEYS:
            mnemonic = verb.lower().index(key.lower())  # "Needs re&take"
            self._action(decide, f"{verb[:mnemonic]}&{verb[mnemonic:]}", partial(self.decision.request, kind), key,
                         f"act{kind.capitalize()}", ACCEPT_TIP if kind == ACCEPT else "")
        # the note was reached only by Tab, Tab through the reasons (officer walk-through)
        self._action(decide, "Write a &note", self.decision.edit_note, NOTE_KEY, "actNote",
                     f"{ACCEPT_FROM_NOTE_KEY} then accepts with it; Esc goes back to the list")
        decide.addSeparator()
        # Ctrl+Z undoes the latest decision made here, wherever the list has moved on to (it acted on the photo on
        # screen: after a decision that is the next, undecided one, or an older decision reached by going back);
        # in the note it undoes typing
        # "Undo" it was called while the decision it replaced did not come back (wording review); it comes back now
        self._action(decide, "&Undo last decision", self.decisions.undo_latest, "Ctrl+Z", "actUndo",
                     "the latest made in this window: withdrawn, or the decision it replaced filed again; again: the "
                     "one before; in the note: undo typing")
        self._action(decide, "&Withdraw this photo's decision", lambda: self.decisions.withdraw(), None, "actWithdraw")
        decide.addSeparator()
        # named as officers and the README call it (they looked for "renewal"); `renewals` is made with the worker, below
        self._action(decide, "Renewal &check: compare with a reference photo…", lambda: self.renewals.start(), "Ctrl+Shift+P",
                     "actCompare")

        view = bar.addMenu("&View")
        following = self._action(view, "Next &undecided photo", self.decisions.show_next_undecided, "N",
                                 "actNextUndecided", "after the one on screen, in the list's order")
        # the keys a renewal check's window answers too: it took the keyboard, and A, R, T and N did nothing while it
        # told the officer to decide (second usability walk-through)
        self.decision_keys = [*(a for a in decide.actions() if not a.isSeparator()), following]
        self._action(view, "&Next photo", self.browser.next, "Ctrl+Down", "actNext")
        self._action(view, "&Previous photo", self.browser.previous, "Ctrl+Up", "actPrev")
        for arrow, step in ((Qt.Key.Key_Down, self.browser.next), (Qt.Key.Key_Up, self.browser.previous)):
            # plain Up/Down browse from the photo itself (the list handles them itself when focused), not from the
            # view's drop-downs and slider, nor anywhere else: window-wide, they moved to the next photo from the
            # reasons list, and Space then R rejected it (officer walk-through)
            shortcut(arrow, self.compare.glw, step, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._action(view, "&Fit photo", self._on_a_photo(self.compare.fit), "F", "actFit")
        self._action(view, "&Zoom to face", self._on_a_photo(self.compare.zoom_to_face), "Z", "actFace")
        self._action(view, "Zoom &in", self._on_a_photo(partial(self.compare.zoom, 1 / ZOOM_STEP)),
                     QKeySequence.StandardKey.ZoomIn, "actZoomIn")
        self._action(view, "Zoom ou&t", self._on_a_photo(partial(self.compare.zoom, ZOOM_STEP)),
                     QKeySequence.StandardKey.ZoomOut, "actZoomOut")
        self._action(view, "&Search…", self._focus_search, QKeySequence.StandardKey.Find, "actSearch")
        self._action(view, "Ne&xt panel", self._on_a_photo(self.next_panel), "F6", "actNextPanel",
                     "the photo list, the check table, the decision's reasons; Esc: back to the list")
        shown = view.addMenu("S&how in the list")  # the list's filters by key: Tab routes to a drop-down were the only way
        for number, (label, status) in enumerate(FILTERS):
            digit = (number + 1) % 10
            keyed = number < 10
            self._action(shown, label, partial(self.browser.filter.setCurrentIndex, number), f"Ctrl+{digit}" if keyed else None,
                         f"actShow{digit}" if keyed else f"actShow_{status}", "photo list filter")
        self._action(view, "Toggle &landmarks", self._on_a_photo(self.compare.show_landmarks.toggle), "L", "actLandmarks")
        self._action(view, "Aligned face &crop view", self._on_a_photo(self.compare.toggle_mode), "C", "actChip")
        self._action(view, "&Map: vs compliant photos / pixel-level quality", self._on_a_photo(self.compare.toggle_map), "M",
                     "actMap")
        self._action(view, "Next f&ace", self._on_a_photo(self.checklist.next_face), "Ctrl+]", "actNextFace")
        self._action(view, "Previous fac&e", self._on_a_photo(self.checklist.previous_face), "Ctrl+[", "actPrevFace")
        view.addSeparator()
        for dock in (self.browser_dock, self.checklist_dock, self.decision_dock):
            view.addAction(dock.toggleViewAction())

        analysis = bar.addMenu("&Analysis")
        self._action(analysis, "&Cancel batch", self.cancel_batch, "Esc", "actCancel",
                     "in the search box: clear the search; in the note, the checklist or the decision: back to the list")
        self._action(analysis, "&Analyse pending photos", self.resume_batch, "F5", "actResume")
        analysis.addSeparator()
        self._action(analysis, "Compare recognition &networks…", self.compare_networks, "Ctrl+Shift+B", "actCompareNetworks")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "How to &read the map, checklist and renewal check", self.show_help, "F1", "actHelp")
        self._action(help_menu, "&About", self.show_about, None, "actAbout")

    # -- settings and layout -----------------------------------------------------
    def _default_layout(self) -> None:
        """Fill a laptop screen (1366x768 and up) without hiding anything; a larger screen gets 1400x860 or 90 % of
        it, whichever is larger, in its centre (1400x860 in the corner of a 1920x1080 screen: walk-through). A window
        as large as the screen is maximised: sized so, its title bar pushed the status bar, with the batch's progress
        and Cancel, under the task bar (screen walk-through at 1366x768, 100 % to 150 %)."""
        screen = self.screen().availableGeometry()
        width, height = ((min(screen_side, max(default, round(DEFAULT_SHARE * screen_side)))
                          for default, screen_side in zip(DEFAULT_SIZE, (screen.width(), screen.height()))))
        fills = width >= screen.width() or height >= screen.height()
        if fills:  # maximised; restored down, it must fit too: 90 % of the screen in its centre (a review)
            width, height = (round(DEFAULT_SHARE * side) for side in (screen.width(), screen.height()))
        self.resize(width, height)
        self.move(screen.x() + (screen.width() - width) // 2, screen.y() + (screen.height() - height) // 2)
        if fills:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        self._default_dock_sizes()

    def _default_dock_sizes(self) -> None:
        width, height = self.width(), self.height()
        self.resizeDocks([self.browser_dock, self.checklist_dock], [round(width * 0.22), round(width * 0.3)],
                         Qt.Orientation.Horizontal)
        # the list gets the most: at 768 px high an even split showed 2.4 photos of a batch (officer walk-through)
        self.resizeDocks([self.browser_dock, self.decision_dock], [round(height * 0.62), round(height * 0.38)],
                         Qt.Orientation.Vertical)

    def _restore_geometry(self) -> bool:
        """The officer's own window layout, when one of this version was saved."""
        s = self.layout_state
        if int(str(s.value("layout_version", 0) or 0)) != LAYOUT_VERSION:
            return False  # layout of an older version: start with the default layout
        geometry, state = s.value("geometry"), s.value("window_state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
        return geometry is not None

    def save_layout(self) -> None:
        self._leave_welcome_layout()  # save the panels as the officer arranged them, not the welcome view
        s = self.layout_state
        s.setValue("layout_version", LAYOUT_VERSION)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("window_state", self.saveState(LAYOUT_VERSION))
        s.sync()

    def recent_folders(self) -> list[str]:
        return [f for f in self.settings.current.recent_folders if Path(f).exists()]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for folder in self.recent_folders():
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _checked=False, f=folder: self.open_folder(f))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def open_folder(self, folder: str) -> None:
        """A recent folder. One becomes recent only once photos were found in it, so a folder without photos of its
        own was opened with its sub-folders: it is again (a plain open that finds nothing changes nothing)."""
        self.open_paths([folder]) or self.open_paths([folder], recursive=True)

    def show_help(self) -> None:
        AboutDialog(self, help_only=True, actions=self.actions()).exec()

    def show_about(self) -> None:
        AboutDialog(self, actions=self.actions()).exec()

    def _on_hover(self, text: str) -> None:
        self.statusBar().showMessage(text, 3000)

    def _status(self, text: str, photo: str | None = None) -> None:
        """The status line; `photo`: the photo on screen that the text is about, cleared when another is shown (it
        read 'X: Rejected (saved) · now showing Y' while the officer had moved on to Z)."""
        self.status_text.setText(text)
        self._status_photo = photo

    def open_settings(self) -> None:
        """The Settings dialog, offering the profiles as they are now (a file put in the profiles folder since)."""
        self.profiles = list_profiles() + your_profiles()
        self.checklist.set_profiles(self.profiles, self.settings.current.profile)
        dialog = SettingsDialog(self.settings.current, self.profiles, self)
        if dialog.exec():
            self.apply_settings(dialog.values())

    def apply_settings(self, new: Settings) -> None:
        """Save what the officer changed in the Settings dialog and apply it now."""
        old = self.settings.current
        changed = {k: v for k, v in new.to_dict().items() if v != old.to_dict()[k]}
        if not changed:
            return
        self.settings.update(**{k: getattr(new, k) for k in changed})
        if self.settings.problem in self._startup_notes:  # the officer has chosen settings again
            self._startup_notes.remove(self.settings.problem)
            self.show_banner("")
        if "officer" in changed:  # a name given in Settings counts as this session's answer
            self.decisions.set_officer(new.officer)
        if "device" in changed:
            self.worker.set_device(new.device)
        if "backbone" in changed:
            self.worker.set_backbone(new.backbone)
        if "profile" in changed:
            self.set_profile(new.profile)
        app = QApplication.instance()
        if "theme" in changed and isinstance(app, QApplication):
            apply_theme(app, new.theme)

    def _show_welcome_layout(self) -> None:
        """First launch: the welcome page alone; the panels come back with the first photo."""
        self._welcome_docks = [d for d in (self.browser_dock, self.checklist_dock, self.decision_dock) if not d.isHidden()]
        for dock in self._welcome_docks:
            dock.hide()

    def _leave_welcome_layout(self) -> None:
        for dock in self._welcome_docks:
            dock.show()
        self._welcome_docks = []

    # -- opening -----------------------------------------------------------------
    def open_handed_over(self, paths: list[str]) -> None:
        """Photos a later launch handed over (`single_instance`), opened as Open files opens them; the window comes to
        the front, also when nothing was handed over (the application started again)."""
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        if paths:
            self.open_paths(paths)

    def open_folder_dialog(self, recursive: bool = False) -> None:
        recent = self.recent_folders()
        title = "Open a folder of photos, with its sub-folders" if recursive else "Open a folder of photos"
        folder = QFileDialog.getExistingDirectory(self, title, recent[0] if recent else str(Path.home()))
        if folder:
            self.open_paths([folder], recursive=recursive)

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open photos", str(Path.home()), IMAGE_FILTER)
        if files:
            self.open_paths(files)

    def try_sample(self) -> None:
        from pfiq_desktop.gui.samples import make_sample_folder

        try:
            folder = make_sample_folder(appdirs.samples_dir())
        except OSError as exc:
            log.exception("the sample could not be prepared")
            self.show_banner(f"The sample could not be prepared: {exc}")
            return
        self.open_paths([str(folder)])

    def open_paths(self, paths: Sequence[str | Path], add: bool = False, recursive: bool = False) -> int:
        """Open folders (with their sub-folders when `recursive`) and/or files, restore their decisions and queue
        them all for analysis. Opening what has no photos changes nothing, not even the analyses under way."""
        leaving = self.session.current
        if not add:  # a replaced session takes its photos' records along: a note typed on the one on screen was lost
            self.decisions.keep_draft(leaving, None)
        outcome = self.session.open([str(p) for p in paths], add=add, recursive=recursive)
        for entry in outcome.skipped:
            log.warning("skipped %s: %s", display_name(entry.path), entry.reason)
        if outcome.new and not add:
            self._not_theirs.clear()  # (said of the photos opened before)
        problems = open_problems(outcome)
        self.show_banner("\n".join(problems))
        if not outcome.new:
            if add and not problems:  # the open folder dropped again: nothing happened and nothing was said (walk-through)
                self._status("Already in the list: nothing added")
            return 0
        if not add:
            self.worker.cancel(new_batch=True)
            if leaving is not None:  # reopening that folder comes back to it (it started at the top)
                self._places = [*(p for p in self._places if p != leaving), leaving][-PLACES_KEPT:]
        if add:
            self.browser.model.appended(len(outcome.new))
        else:
            self.compare.clear()
            self._displays.clear()
            self.browser.model.reset()
        if outcome.folder:
            self.settings.update(recent_folders=self.settings.saved.with_recent(outcome.folder).recent_folders)
            self.welcome.set_recent(self.recent_folders())
            self.setWindowTitle(f"{display_name(Path(outcome.folder).name)} — {APP_NAME}")
        elif len(self.session.records) == 1:  # one applicant's photo: "1 photo" named none of several windows (counter)
            only = Path(self.session.records[0].path)
            self.setWindowTitle(f"{display_name(only.name)} ({display_name(only.parent.name)}) — {APP_NAME}")
        else:
            self.setWindowTitle(f"{counted(len(self.session.records), 'photo')} — {APP_NAME}")
        self.pages.setCurrentWidget(self.compare)
        self._leave_welcome_layout()
        self._cancelled = False
        self.worker.enqueue(outcome.new)
        self._set_progress(0, self.worker.pending())
        restored, own = outcome.restored, outcome.own_profiles
        opened = (f"Added {counted(len(outcome.new), 'photo')} to the list (now {len(self.session.records)})" if add
                  else f"Opened {counted(len(outcome.new), 'photo')}")
        self._status(opened
                     + (f"; {counted(restored, 'earlier decision')} restored" if restored else "")
                     + (f"; {counted(own, 'photo')} with a profile of {'its' if own == 1 else 'their'} own" if own else "")
                     + (f". {self._update_note}" if self._update_note else ""))
        self._update_note = ""
        # next event-loop turn: listing and first render apart (focusing the list would select at once); photos added
        # to the list are shown, the first of them (dropped among 78, they were nowhere to be seen: walk-through)
        QTimer.singleShot(15, (lambda first=outcome.new[0]: self.browser.reveal(first)) if add else self._select_first)
        return len(outcome.new)

    def _select_first(self) -> None:
        """The photo the officer was last on among those opened (when the window last closed, or when another opening
        replaced them: a renewal check's new photo, opened alone, sent the officer back to the top of a folder of 120);
        else the first."""
        if self.browser.current_path() is None and not any(self.browser.select_path(p) for p in reversed(self._places)):
            self.browser.select_row(0)
        self.browser.view.setFocus()

    # -- drag and drop -----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths, add=self.pages.currentWidget() is self.compare)
            event.acceptProposedAction()

    # -- showing -----------------------------------------------------------------
    def _display(self, path: str) -> DisplayResult | None:
        """The photo's result ready to draw (prepared by the worker, or now for an older one)."""
        record = self.session.record(path)
        if record is None or record.analysis is None:
            return None
        shown = self._displays.get(path)
        if shown is None or shown.analysis is not record.analysis:
            shown = DisplayResult.prepare(record.analysis)
            self._keep_display(path, shown)
        return shown

    def _keep_display(self, path: str, shown: DisplayResult) -> None:
        self._displays.pop(path, None)
        self._displays[path] = shown
        while len(self._displays) > DISPLAY_CACHE:
            self._displays.pop(next(iter(self._displays)))

    def _on_image_loaded(self, path: str) -> None:
        if path == self.session.current:
            self.show_path(path)

    def show_path(self, path: str) -> None:
        """Show a photo. The one already on screen (its results arrived, its image loaded, a filter let it be
        selected again) is refreshed: the view, the chosen face and what the officer typed stay."""
        refresh = path == self.session.current
        if self._status_photo is not None and path != self._status_photo:
            self._status("")
        self.decisions.keep_draft(self.session.current, path)
        self.session.current = path
        record = self.session.record(path)
        if record is None:
            return
        if record.analysis is None:  # first, or at all where a cancelled batch left it pending
            self.worker.analyse_next(path)
        loaded = self.images.get(path)
        shown = self._display(path)
        if loaded is None:
            self.compare.clear()
            self.compare.show_message(f"Loading {record.name}…")
        elif loaded[0] is None:
            self.compare.clear()
            self.compare.show_message(f"{record.name}\n\n{loaded[1] or 'Cannot display this file.'}")
        else:
            self.compare.set_result(shown, loaded[0], keep_view=refresh)
        self.checklist.set_analysis(record.analysis, ENGINE_DOWN if record.analysis is None and self._engine_failure
                                    else record.status)
        self.checklist.show_photo_profile(record.profile)
        self.decision.set_enabled(True)
        draft = None if refresh or record.decision is not None else self.decisions.kept_draft(path)
        self.decision.load(record.analysis, record.decision, keep_draft=refresh, draft=draft, same_picture=record.same_picture)
        if not refresh:  # a refresh keeps the panel's message ("The decision was NOT saved: ...")
            self.renewals.show(path)

    def show_no_photo(self) -> None:
        """A filter or search shows no photo, or every photo it shows is decided: none is on screen, and no decision
        can be made."""
        self.decisions.keep_draft(self.session.current, None)
        self.session.current = None
        focused = QApplication.focusWidget()
        if focused is not None and self.decision.isAncestorOf(focused):
            # the panel is disabled below, and Qt passed its keys on to the profile box: the next A chose a profile for
            # every photo (review)
            self.browser.view.setFocus()
        self.compare.clear()
        self.compare.show_message("Every photo the list shows is decided: choose one in the list, or another filter."
                                  if self.browser.proxy.rowCount() else "No photo matches the filter or the search.")
        self.checklist.set_analysis(None)
        self.checklist.show_photo_profile(None)
        self.decision.load(None, None)
        self.decision.set_enabled(False)

    def _focus_search(self) -> None:
        self.browser_dock.show()
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def show_banner(self, text: str) -> None:
        """A message above the photo (empty text hides it); a broken audit log, and a profile that could not be used
        until another is chosen, stay said above it."""
        self._banner_text = text
        self._refresh_banner()
        if text:
            self._status(text)

    def _refresh_banner(self) -> None:
        """The banner with the lasting lines as they are now and the latest message kept (a profile switch wiped the
        engine's start-up failure while the engine was still down: review), and the chosen profile's notice under it
        (in the banner, a screening profile chosen on purpose read as a fault all day)."""
        not_theirs = (f"Not the photos their own profiles were chosen for (the files were replaced since), so the window's "
                      f"profile judges them: {first_few(self._not_theirs, 3)}. Choose it again in \"This photo\" for the "
                      "same person." if self._not_theirs else "")
        # the engine's start-up failure lasts while it is down: opening a folder replaced it, and "the message above
        # says why" pointed at nothing (second usability walk-through)
        parts = (self.store_warning, self._profile_warning, *self._startup_notes, self._engine_failure, not_theirs,
                 self._banner_text)
        shown = "\n".join(part for part in parts if part)
        self.banner.setText(shown)
        self.banner.setVisible(bool(shown))
        self.notice.setText(self._profile_note)
        self.notice.setVisible(bool(self._profile_note))

    # -- worker signals ----------------------------------------------------------
    def _on_engine_failed(self, text: str) -> None:
        self.engine_text.setText("engine unavailable")
        self._engine_failure = text
        self._refresh_banner()
        self._status(text)

    def _on_engine_ready(self, text: str) -> None:
        """The engine (re)started: its failure is no longer said, and photos whose checks ran under another profile
        while it was down (a profile switch re-checks nothing without an engine) are re-checked now."""
        self.engine_text.setText(text)
        if not self._engine_failure:
            return
        self._engine_failure = ""
        self._refresh_banner()
        profile = self.settings.current.profile
        if any(not r.profile and r.analysis is not None and r.analysis.ok and r.analysis.profile != profile
               for r in self.session.records):
            self.set_profile(profile)
        for record in self.session.records:  # (a photo's own profile chosen while it was down)
            self._judge_under_its_own(record)
        waiting = [p for p in self.session.pending() if p in self._waiting_for_engine]  # left pending while it was down
        self._waiting_for_engine.clear()
        if waiting:
            self.worker.enqueue(waiting)

    def _on_started(self, path: str) -> None:
        record = self.session.record(path)
        if record is None:
            return
        record.status = "analysing"
        self.browser.model.changed(path)
        if path == self.session.current and record.analysis is None:
            self.checklist.set_analysis(None, "analysing")

    def _on_done(self, path: str, shown: DisplayResult) -> None:
        record = self.session.record(path)
        if record is None or self._closed:
            return  # a folder was closed while this photo was in the engine, or the window (and its store)
        if self.session.set_analysis(path, shown.analysis):
            self._changed_since_decided.append(record.name)  # (said with the progress that follows, not before it)
        if dropped := self.session.check_own_profile(path):
            self._not_theirs.append(f"{record.name} ({dropped})")  # (each replaced the last when said alone: review)
            self._refresh_banner()
        self._judge_under_its_own(record)
        self._keep_display(path, shown)
        self.browser.model.changed(path)
        if path == self.session.current:
            self.show_path(path)

    def _on_rechecked(self, path: str, shown: DisplayResult) -> None:
        name, total, left = self._rechecking
        if path in left and shown.analysis.profile == name:  # (a bundled profile's name; not an earlier switch's)
            left.discard(path)
            if not left:
                self._status(f"Profile {name}: {counted(total, 'photo')} re-evaluated")
        record = self.session.record(path)
        if record is None or self._closed or not self._recheck_stands(record, shown.analysis):
            return
        self.session.set_analysis(path, shown.analysis)
        self._keep_display(path, shown)
        self.browser.model.changed(path)
        if path == self._rejudging and self._status_photo == path:  # ("re-evaluating under ..." stayed said)
            self._rejudging = ""
            window = self.settings.current.profile
            self._status(f"{record.name}: judged under {record.profile}; the other photos under {window}" if record.profile
                         else f"{record.name}: judged under {window}, as all photos", path)
        if path == self.session.current:
            self.checklist.set_analysis(shown.analysis)
            self.compare.set_analysis(shown)
            self.decision.load(shown.analysis, record.decision, keep_draft=True, same_picture=record.same_picture)

    def _recheck_stands(self, record: PhotoRecord, new: Analysis) -> bool:
        """Whether a re-check is of the record's photo as it is now and under the profile it is to be judged under (its
        own, else the window's): one queued before the photo got a profile of its own, another choice since, or the
        folder opened again (the new record judged under the old choice, a replaced file given the old photo's faces
        and decision: review) is not."""
        if record.analysis is None or record.analysis.image_sha256 != new.image_sha256:
            return False
        return bool(new.errors) or new.profile == (record.profile or self.settings.current.profile)

    def _set_progress(self, done: int, total: int) -> None:
        busy = total > 0 and done < total
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_progress(self, done: int, total: int) -> None:
        if self._cancelled:  # the photo under way when the batch was cancelled: the cancellation stays said
            return
        self._set_progress(done, total)
        self._status(f"Analysing {done} / {total}{self._changed_note()}")

    def _changed_note(self) -> str:
        """The batch's photos whose new analysis undid their decision, said with its progress, its end or its
        cancellation (said alone, the notice was replaced by the next "Analysing n / m" at once: fortieth session)."""
        changed = self._changed_since_decided
        return f". Changed since decided, so undecided again: {first_few(changed, 3)}" if changed else ""

    def _on_batch_finished(self, count: int) -> None:
        self._set_progress(0, 0)
        self.browser.take_order()
        if self._cancelled:
            return
        counts = self.session.counts()
        summary = status_counts(counts, RESULT_ORDER)
        self._status(f"Analysis finished: {summary or 'nothing to do'}{self._changed_note()}")
        self._changed_since_decided = []
        log.info("analysis finished: %d photos this batch; the list: %s", count, summary or "nothing to do")

    def _mark_pending(self, paths: list[str]) -> None:
        """`paths` left the queue unanalysed: pending again, in the list too (one signal for all of them)."""
        for path in paths:
            record = self.session.record(path)
            if record is not None:
                record.status = "pending"
        self.browser.model.changed_many(paths)

    def _on_left_pending(self, paths: list[str]) -> None:
        """No engine could analyse `paths`: not the officer's doing, so they are analysed once one starts (said apart
        from the officer's Esc: a review found the window's own guess at which it was racing the worker)."""
        self._mark_pending(paths)
        self._waiting_for_engine.update(paths)
        self._set_progress(0, 0)
        # all of them: the worker says it per batch, and "1 photo left pending" stood for 300 (support walk-through)
        waiting = len(self._waiting_for_engine)
        log.warning("%s left pending: the analysis engine could not start", counted(waiting, "photo"))
        self._status(f"{counted(waiting, 'photo')} left pending: the analysis engine could not start (the message "
                     "above says why); they are analysed once it starts")

    def _on_cancelled(self, paths: list[str]) -> None:
        self._mark_pending(paths)
        self._cancelled = True
        # the changed photos before the instructions: after them, a 1400-pixel window's status line cut the names off
        note = self._changed_note()
        self._status(f"Batch cancelled; {counted(len(paths), 'photo')} left pending" + (f"{note}. A" if note else ": a")
                     + " photo you open is analysed, F5 analyses them all (Analysis ▸ Analyse pending photos)")

    def cancel_batch(self) -> None:
        """Stop the queued analyses; Esc typed in the search box clears the search, and in a note, the checklist or
        the decision panel goes back to the list, cancelling nothing (officers expected Esc to clear a search; it kept
        hiding photos; from the check table it left the keys there: third walk-through)."""
        field = QApplication.focusWidget()
        # (a field of this window's, its floating docks' too: another window's focused field cancelled nothing)
        own = (self, self.browser_dock, self.checklist_dock, self.decision_dock)
        typing = isinstance(field, (QLineEdit, QPlainTextEdit, QTextEdit)) and any(w.isAncestorOf(field) for w in own)
        in_a_panel = field is not None and any(w.isAncestorOf(field) for w in (self.checklist_dock, self.decision_dock))
        if typing or in_a_panel:
            if field is self.browser.search:
                self.browser.search.clear()
            self._focus_panel(self.browser.view, self.browser_dock)
            return
        self.worker.cancel()
        self._set_progress(0, 0)

    def next_panel(self) -> None:
        """The keys to the next panel: the photo list, the check table, the decision's reasons, round again. The check
        table was ten Tab presses from the list, on every photo whose failure the officer weighs (third walk-through)."""
        panels = (self.browser.view, self.checklist.tree, self.decision.reasons)
        focused = QApplication.focusWidget()
        here = next((i for i, panel in enumerate(panels) if focused is not None and (focused is panel or panel.isAncestorOf(focused))), -1)
        # one the officer can see and use: a closed dock's reasons took Down and Space unseen, and a disabled one (no
        # photo on screen) kept F6 in the check table (review)
        after = [panels[(here + step) % len(panels)] for step in range(1, len(panels) + 1)]
        following = next((panel for panel in after if panel.isVisible() and panel.isEnabled()), None)
        if following is not None:
            self._focus_panel(following)

    def _focus_panel(self, panel: QWidget, dock: QDockWidget | None = None) -> None:
        """The keys to `panel`, its `dock` shown first, its window (a floating dock's) made active: Esc in a floating
        checklist left the keys there (review)."""
        if dock is not None:
            dock.show()
        panel.window().activateWindow()
        panel.setFocus(Qt.FocusReason.TabFocusReason)  # the check table makes its first check current (its eventFilter)

    def resume_batch(self) -> None:
        self._cancelled = False
        self.worker.enqueue(self.session.pending())

    def _fall_back_from_a_broken_profile(self) -> str:
        """The saved profile, if it no longer loads (one of the user's, edited since), is replaced by the default for
        this session (not saved: fixing the file brings it back); what to say about it, or ''."""
        saved = self.settings.current.profile
        try:
            load_profile(saved)
        except ProfileError as error:
            log.warning("saved profile %r not used: %s", saved, error)
            self.settings.overrides["profile"] = DEFAULT_PROFILE
            return f"Your saved profile {saved} cannot be used, so {DEFAULT_PROFILE} is in use until it is fixed: {error}"
        return ""

    def set_profile(self, name: str) -> None:
        """Switch the threshold profile: checks re-evaluate on cached faces, no network. A profile that cannot be
        loaded (one of the user's, edited by hand) is said at once and the one in use stays."""
        if not name:
            return
        try:
            profile = load_profile(name)
        except ProfileError as error:
            log.warning("profile %r not used: %s", name, error)
            self._profile_warning = f"Profile {name} cannot be used: {error}"
            self.show_banner("")
            self.checklist.set_profiles(self.profiles, self.settings.current.profile)
            return
        note = _unchecked_note(profile)
        if self._profile_warning or note != self._profile_note:  # a profile chosen that loads: an earlier refusal ends
            self._profile_warning, self._profile_note = "", note
            self._refresh_banner()
        if name != self.settings.current.profile:
            self.settings.update(profile=name)
        log.info("profile %s chosen", name)  # "my profile isn't used" had no trace of a switch (support walk-through)
        analysed: list[tuple[str, Analysis]] = [  # (a photo with a profile of its own keeps it)
            (r.path, r.analysis) for r in self.session.records if not r.profile and r.analysis is not None and r.analysis.ok
        ]
        self.worker.set_profile(name)  # before the re-checks are queued: the worker may take one the moment it is
        self.worker.recheck(analysed, first=self.session.current)
        if self.checklist.profile.currentText() != name:
            self.checklist.set_profiles(self.profiles, name)
        self._rechecking = (name, len(analysed), {path for path, _ in analysed})
        self._status(f"Profile {name}: re-evaluating {counted(len(analysed), 'photo')}")

    def set_photo_profile(self, name: str) -> None:
        """Judge the photo on screen alone under `name` ('': as all photos), on its cached faces: a young child's photo
        among adults is judged under the child's rules without re-judging the others (the window-wide choice judged
        every later photo under them). The window's profile chosen so stays the photo's when the window's changes."""
        record = self.session.record(self.session.current)
        if record is None:
            return
        window = self.settings.current.profile
        try:
            own = load_profile(name).name if name else ""
        except ProfileError as error:
            log.warning("profile %r not used for %s: %s", name, record.path, error)
            self._status(f"Profile {name} cannot be used: {error}")
            self.checklist.show_photo_profile(record.profile)
            return
        if own == record.profile:
            return
        try:
            self.session.choose_profile(record.path, own)
        except OSError as error:  # (the store's OutputError: disk full, read-only) chosen for now all the same
            log.warning("the profile chosen for %s is not kept: %s", record.path, error)
            kept = self.session.stored_profile(record.path)  # ("not kept for the next time" read as "as all photos")
            later = "judged otherwise" if kept is None else f"judged under {kept} again" if kept else "judged as all photos"
            self.show_banner(f"{record.name} is judged under {own or window} now, but opened again it will be {later}: "
                             f"the choice could not be kept ({error})")
        log.info("%s judged under %s", record.path, own or f"the window's profile {window}")
        self.checklist.show_photo_profile(own)
        self.browser.model.changed(record.path)
        name, total, left = self._rechecking
        if record.path in left:  # a window-wide switch under way no longer re-evaluates it
            left.discard(record.path)
            self._rechecking = (name, total - 1, left)
        if record.analysis is not None and record.analysis.ok:
            self.worker.recheck_as(record.path, record.analysis, own)  # ('': the engine's, as loaded)
            self._rejudging = record.path
            self._status(f"{record.name}: re-evaluating under {own}; the other photos stay under {window}" if own else
                         f"{record.name}: re-evaluating under {window}, as all photos", record.path)

    def _judge_under_its_own(self, record: PhotoRecord) -> None:
        """Re-check a photo with a profile of its own whose result came under another (the window's, from an analysis
        or an engine that was down when the choice was made)."""
        analysis = record.analysis
        if record.profile and analysis is not None and analysis.ok and analysis.profile != record.profile:
            self.worker.recheck_as(record.path, analysis, record.profile)

    # -- compare mode: two recognition networks ---------------------------------------
    def compare_networks(self) -> bool:
        """Analysis ▸ Compare recognition networks: the photo on screen under the network in use and a second one."""
        from pfiq_desktop.reports.inputs import load_photo

        path = self.session.current
        record = self.session.record(path)
        if path is None or record is None or record.analysis is None or not record.analysis.ok:
            self._status("Open an analysed photo first, then compare recognition networks on it")
            return False
        if self.networks is not None:
            self.networks.close()
            self.networks.deleteLater()
        shown = self._display(path) or DisplayResult.prepare(record.analysis)
        self.networks = BackboneCompareDialog(load_photo(path), shown, self.worker, self.settings, self)
        self.networks.show()
        return True

    # -- reports -----------------------------------------------------------------
    def export_report(self) -> bool:
        """File ▸ Export report: PDF and annotated PNG of the photo on screen."""
        if (shown := self._analysed_on_screen("Nothing to export")) is None:
            return False
        record, analysis = shown
        return self._export([analysis], SINGLE_FORMATS, f"Export the report for {record.name}")

    def print_for_applicant(self) -> bool:
        """File ▸ Print for the applicant: the photo on screen's applicant page, in a print preview."""
        from pfiq_desktop.gui.applicant_print import applicant_preview
        from pfiq_desktop.reports.inputs import item_from_store

        if (shown := self._analysed_on_screen("Nothing to print")) is None:
            return False
        applicant_preview(item_from_store(self.store, shown[1], self.store_problem), self)
        return True

    def _analysed_on_screen(self, nothing: str) -> tuple[PhotoRecord, Analysis] | None:
        """The photo on screen's record and analysis where it is analysed; else None, the status bar saying `nothing`
        and why."""
        record = self.session.record(self.session.current)
        if record is None or record.analysis is None:
            self._status(f"{nothing}: {record.name} is not analysed yet" if record is not None else f"{nothing}: no photo is shown")
            return None
        return record, record.analysis

    def export_batch(self) -> bool:
        """File ▸ Export batch: the analysed photos the list shows, or all of them where a search or filter hides some
        and the officer says so (`ReportExporter.ask_batch_scope`)."""
        shown = [r.analysis for r in map(self.session.record, self.browser.visible_paths()) if r is not None and r.analysis is not None]
        every = [r.analysis for r in self.session.records if r.analysis is not None]
        if len(shown) < len(every):
            whole = self.exporter.ask_batch_scope(len(shown), len(every), self.browser.narrowed_by())
            if whole is None:
                return False
            shown = every if whole else shown
        if not shown:
            self._status("Nothing to export: no photo in the list is analysed yet")
            return False
        return self._export(shown, BATCH_FORMATS, f"Export reports for {counted(len(shown), 'photo')}")

    def _export(self, analyses: list[Analysis], formats: tuple[str, ...], title: str) -> bool:
        from pfiq_desktop.reports.inputs import ReportItem, item_from_store

        # a report says who made it: one exported before the session's first decision read "Report made by –"
        # (second usability walk-through)
        if not self.decisions.confirm_officer("A report names the officer who made it: nothing was exported."):
            return False

        def items() -> list[ReportItem]:  # each report of an altered store says so, as the window's banner does
            return [item_from_store(self.store, a, self.store_problem) for a in analyses]

        return self.exporter.request(items, formats, title, officer=self.session.officer)

    # -- shutdown ----------------------------------------------------------------
    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.exporter.stop()
        self.save_layout()
        if self.session.current is not None:  # where to come back to
            self.settings.update(last_photo=self.session.current)
        self.settings.update(list_sort=LIST_SORTS[self.browser.sort.currentIndex()], list_filter=self.browser.filter.currentData() or "",
                             map_kind=str(self.compare.map_kind.currentData()))
        self.worker.stop()
        self.browser.model.wait_for_thumbnails(3000)
        self.images.wait(3000)
        self.store.close()
        if self.cache is not None:
            self.cache.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.decisions.drafts_may_go():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)
