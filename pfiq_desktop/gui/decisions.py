"""The officer's decisions in the window: who decides, filing and withdrawing decisions, and the notes typed on
photos left undecided.

The window shows the photos; this decides on them. The review session files each decision, the decision panel holds
what the officer typed and ticked, the photo list says which photo comes next, and the status line says what happened.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMessageBox, QWidget

from pfiq_desktop.engine.filenames import display_name, first_few
from pfiq_desktop.gui.browser import BrowserWidget
from pfiq_desktop.gui.decision_panel import ACCEPT_FROM_NOTE_KEY, NOTE_KEY, DecisionPanel
from pfiq_desktop.gui.widgets import as_written
from pfiq_desktop.review import DecisionError, OverrideNeedsNote
from pfiq_desktop.review.reasons import is_reference
from pfiq_desktop.review.session import AwaitingResults, DecidedElsewhere, ReviewSession
from pfiq_desktop.review.store import Decision
from pfiq_desktop.review.values import counted
from pfiq_desktop.settings import SettingsStore

log = logging.getLogger(__name__)

DRAFTS_NAMED = 5  # photos with unsaved notes the quit question names
NO_PHOTOS_OPEN = "No photos are open: open a folder or photos first"  # said where a key needs a photo on the welcome page


class StatusLine(Protocol):
    """The window's status line; `photo`: the photo on screen the text is about (None: about the window)."""

    def __call__(self, text: str, photo: str | None = None) -> None: ...


class DecisionController(QObject):
    """One window's decisions: the officer is named once per session, each decision is filed through the session and
    the list moves on to the next undecided photo; Ctrl+Z undoes the latest made here; a note typed on a photo left
    undecided waits for the officer's return."""

    def __init__(self, parent: QWidget, session: ReviewSession, settings: SettingsStore, panel: DecisionPanel,
                 browser: BrowserWidget, officer_label: QLabel, status: StatusLine) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.session, self.settings, self.panel, self.browser = session, settings, panel, browser
        self.officer_label, self.status = officer_label, status
        self.auto_advance = True  # a decision moves the list on to the next undecided photo
        self._officer_confirmed = False  # the name is asked once per session, at the first decision
        self._drafts: dict[str, tuple[str, set[str]]] = {}  # notes typed on photos left undecided, until decided
        # what Ctrl+Z undoes, latest last: each decision made in this window, its photo and the decision it replaced
        self._decided_here: list[tuple[str, Decision, Decision | None]] = []

    # -- the officer ---------------------------------------------------------------
    def ask_officer_name(self, current: str) -> str:
        """The officer's name for this session ('' when they cancel); tests replace this."""
        name, ok = QInputDialog.getText(
            self.parent_widget, "Officer", "Your name, recorded with every decision you make in this session:", text=current)
        return name.strip() if ok else ""

    def confirm_officer(self, refused: str = "A decision needs the officer's name: nothing was recorded.") -> bool:
        """Ask for the officer's name once per session (the saved one is offered); False, and `refused` said in the
        panel, when the officer gives none."""
        if self._officer_confirmed:
            return True
        name = self.ask_officer_name(self.settings.current.officer)
        if not name:
            self.panel.show_warning(refused)
            return False
        if name != self.settings.current.officer:
            self.settings.update(officer=name)
        self.set_officer(name)
        return True

    def set_officer(self, name: str) -> None:
        """This session's officer (confirmed once named: a name given in Settings counts too), shown in the status
        bar."""
        self.session.officer = name
        self._officer_confirmed = bool(name)
        self.officer_label.setText(f"Officer: {name}" if name else "")

    # -- deciding ------------------------------------------------------------------
    def record(self, kind: str, reasons: list[str], note: str) -> bool:
        """File the officer's decision on the photo on screen and move on; a decision not saved is said in the panel,
        with what the officer typed kept."""
        path = self.session.current
        record = self.session.record(path)
        if path is None or record is None or not self.confirm_officer():
            return False
        replaced = record.decision
        try:
            saved = self.session.decide(path, kind, reasons, note)
        except DecidedElsewhere as exc:  # shown as it now stands, what the officer typed kept, and said
            self.browser.model.changed(path)
            self.panel.load(record.analysis, exc.current, keep_draft=True)
            self.panel.show_warning(str(exc))
            return False
        except AwaitingResults as exc:  # the photo's results answer it: the panel then says to decide again
            self.panel.show_warning(str(exc), awaiting=exc.profile)
            return False
        except OverrideNeedsNote as exc:  # the keys stay in the list (show_warning): the way to the note is said
            self.panel.show_warning(f"{exc.short} {NOTE_KEY} writes it; {ACCEPT_FROM_NOTE_KEY} in the note then accepts.", details=str(exc))
            return False
        except DecisionError as exc:
            self.panel.show_warning(str(exc))
            return False
        except (OSError, sqlite3.Error) as exc:  # disk full, locked file...: say so, keep the app
            log.exception("the decision on %s was not saved", path)
            self.panel.show_warning(f"The decision was NOT saved: {exc}. Check that the drive holding the decisions is "
                                  "reachable and press the key again; if it repeats, send the log (Help ▸ About) to IT.")
            return False
        # the next photo is found in the list as it was: a filter (e.g. "Undecided") drops the decided photo from it
        # at once, and the list then selects its neighbour by itself
        self._drafts.pop(path, None)
        self._decided_here.append((path, saved, replaced))  # undone latest first, a photo's earlier decisions after
        following = self.session.first_undecided(self.browser.paths_after(path)) if self.auto_advance else None
        self.browser.model.changed(path)
        # the status line named the photo just decided while the next one was on screen: say both
        advanced = self.session.record(following) if following is not None else None
        moved = f" · now showing {advanced.name}" if advanced is not None else ""
        finished = f" · {self._all_decided()}" if self.auto_advance and following is None else ""
        # one key turned an accept into a reject unsaid
        replaces = f" · replaces {replaced.label} by {replaced.signed_by}" if replaced else ""
        self.status(f"{record.name}: {saved.label} (saved){replaces}{moved}{finished}", following or path)
        if self.session.current == path:  # else the panel already shows the photo the list moved to, with its own state
            self.panel.show_decision(saved)
            self.panel.note.setPlainText(saved.note)  # what was filed: a replaced decision's note is not
            self.panel.show_info("Saved.")
        if following is not None:  # at once: a second key pressed meanwhile decides the next photo, never this one again
            self.browser.select_path(following)
        elif self.auto_advance and replaced is None and self.browser.narrowed_by():
            # the last undecided photo a filter or search shows, first decided: none is on screen, as under
            # "Undecided", so the next key, meant for a next photo, does not decide this one again (filed twice, or a
            # retake over the reject just filed; third usability walk-through). A decision changed stays on screen
            # (under "Decided" every change blanked it: review), and so does the last photo of a whole folder
            self.browser.show_none()
        # the note is saved, the reasons filed: the next key decides or browses, never types into the note or ticks the
        # next photo's reasons (Down moved through them while the officer thought they were browsing)
        self._focus_the_list_after_deciding()
        return True

    def _focus_the_list_after_deciding(self) -> None:
        """The list takes the keys back from the decision panel after a decision or a withdrawal."""
        focused = QApplication.focusWidget()
        if focused is not None and self.panel.isAncestorOf(focused):
            self.browser.view.setFocus()

    def show_next_undecided(self) -> bool:
        """The next photo in the list without a decision (after the one on screen, wrapping); says so when none is left."""
        current = self.session.current
        following = self.session.first_undecided(self.browser.paths_after(current)) if current is not None else None
        if not self.session.records:  # "Every photo in the list is decided" was said on the welcome page (walk-through)
            self.status(NO_PHOTOS_OPEN)
            return False
        if following is None:
            record = self.session.record(current)
            undecided_here = record is not None and record.decision is None
            self.status("No other photo in the list is undecided" if undecided_here else self._all_decided().capitalize())
            return False
        return self.browser.select_path(following)

    def _all_decided(self) -> str:
        """Every photo the list shows is decided: said with how many a search or filter hides undecided (it said "every
        photo in the list is decided" under a search that showed 4 of 35 photos)."""
        shown = set(self.browser.visible_paths())
        hidden = sum(1 for r in self.session.records if r.decision is None and r.path not in shown)
        return "every photo in the list is decided" + (f" ({hidden} undecided hidden by the search or filter)" if hidden else "")

    # -- undoing and withdrawing ---------------------------------------------------
    def undo_latest(self) -> bool:
        """Undo the latest decision made in this window that still stands, and show that photo: withdrawn, or, where
        it replaced another, that one filed again (`restore`). One stray key turned a supervisor-approved accept into
        a reject, and Ctrl+Z left the photo undecided, its note to be retyped from the audit trail (usability
        walk-through). A decision changed elsewhere since is not this window's to undo (review)."""
        passed: set[str] = set()  # photos decided here whose decision was changed elsewhere since
        while self._decided_here:
            path, made, replaced = self._decided_here.pop()
            record = self.session.record(path)
            if record is None or not self.session.stands(path, made):  # withdrawn, replaced or gone: the one before
                if record is not None and record.decision is not None:
                    passed.add(path)
                continue
            # on screen first, the search and filters cleared if they hide it: never undo a decision out of sight
            if not self.browser.reveal(path):
                self._decided_here.append((path, made, replaced))
                return False
            said = self.restore(path, replaced) if replaced is not None else " withdrawn" if self.withdraw(path) else None
            if said is None:  # not saved: the entry stays, to try again
                self._decided_here.append((path, made, replaced))
                return False
            self.browser.reveal(path)  # an "Undecided" or "Decided" filter now lists it, or no longer
            self.status(f"{record.name}: {made.label}{said}{self._left_as_they_are(passed)}", path)
            return True
        # said of the photo on screen, so it clears with it ("... no decision was made in this window" stayed on as the
        # officer moved on, and was false once decisions made here had all been withdrawn: usability walk-through)
        self.status(f"Nothing left to undo: no decision made in this window stands{self._left_as_they_are(passed)}",
                    self.session.current)
        return False

    @staticmethod
    def _left_as_they_are(photos: set[str]) -> str:
        """What an undo passed over: photos decided here whose decision another window or officer changed since."""
        return f" (left as they are: {counted(len(photos), 'photo')} decided again elsewhere since)" if photos else ""

    def restore(self, path: str, earlier: Decision) -> str | None:
        """File `earlier`, the decision the latest on `path` replaced, again: its kind, reasons and note, signed by
        this session's officer (the audit trail keeps who decided what); where the rules no longer allow it as it was
        (an accept that now needs a note), the latest is withdrawn instead. Returns what the status line says after
        the undone decision's name; None where nothing was saved (storage, no officer's name)."""
        if not self.confirm_officer():
            return None
        reasons = [code for code in earlier.reasons if not is_reference(code)]  # the session files today's check
        try:
            saved = self.session.decide(path, earlier.decision, reasons, earlier.note, restoring=earlier)
        except DecisionError as exc:  # a refusal blocked every later Ctrl+Z on this entry (review)
            why = exc.short if isinstance(exc, OverrideNeedsNote) else str(exc)
            return (f" undone; {earlier.label} by {earlier.signed_by} cannot come back as it was ({why}): the photo is "
                    "undecided" if self.withdraw(path) else None)
        except (OSError, sqlite3.Error) as exc:
            log.exception("the decision on %s was not restored", path)
            self.panel.show_warning(f"The earlier decision was NOT restored: {exc}. Check that the drive holding the "
                                    "decisions is reachable and press the key again.")
            return None
        # the entry that made `earlier` now stands for its copy: a second Ctrl+Z undoes that one in turn
        self._decided_here = [(p, saved if made is earlier else made, replaced) for p, made, replaced in self._decided_here]
        self.browser.model.changed(path)
        if self.session.current == path:
            self.panel.show_decision(saved)
            self.panel.note.setPlainText(saved.note)
            self.panel.show_info("Earlier decision restored.")
        return f" undone; {earlier.label} by {earlier.signed_by} is back (filed again, by you)"

    def withdraw(self, path: str | None = None) -> bool:
        """Withdraw the decision on `path` (the photo on screen when None); False when there was none to withdraw."""
        path = path or self.session.current
        if path is None:
            return False
        # Withdraw disables itself, and Qt gave the focus to the profile box: the next Down, meant for the list,
        # switched the profile of every photo (accessibility walk-through). As after a decision: the list
        self._focus_the_list_after_deciding()
        try:
            withdrawn = self.session.withdraw(path)
        except DecidedElsewhere as exc:  # shown as it now stands, and said
            self.browser.model.changed(path)
            if self.session.current == path:
                record = self.session.record(path)
                self.panel.load(record.analysis if record is not None else None, exc.current)
            self.panel.show_warning(str(exc))
            return False
        except (OSError, sqlite3.Error) as exc:
            log.exception("the decision on %s could not be withdrawn", path)
            self.panel.show_warning(f"The decision was NOT withdrawn: {exc}")
            return False
        if not withdrawn:
            self.status(f"{display_name(Path(path).name)} has no decision to withdraw")
        else:
            self.browser.model.changed(path)  # a "Decided" filter drops it: the list moves on, the panel with it
            self.status(f"{display_name(Path(path).name)}: decision withdrawn", self.session.current)
            if self.session.current == path:  # undecided again: the next decision must not save the withdrawn one's note
                record = self.session.record(path)
                self.panel.load(record.analysis if record is not None else None, None)
                self.panel.show_info("Decision withdrawn.")
        return withdrawn

    # -- drafts: what was typed on photos left undecided ---------------------------
    def keep_draft(self, leaving: str | None, going: str | None) -> None:
        """A note typed, or ticks changed, on a photo left undecided are kept for when the officer comes back to it."""
        if leaving is None or leaving == going:
            return
        record = self.session.record(leaving)
        if record is None or record.decision is not None:
            return
        if self.panel.has_draft():
            self._drafts[leaving] = self.panel.draft()
        else:
            self._drafts.pop(leaving, None)

    def kept_draft(self, path: str) -> tuple[str, set[str]] | None:
        """The note and ticks kept for the undecided photo `path` (None when nothing was kept)."""
        return self._drafts.get(path)

    def drafts_may_go(self) -> bool:
        """Quitting loses the notes and ticks on undecided photos (the photo on screen too): only when the officer
        says so."""
        self.keep_draft(self.session.current, None)
        return not self._drafts or self.ask_discard_drafts([display_name(Path(p).name) for p in self._drafts])

    def ask_discard_drafts(self, names: list[str]) -> bool:
        """Whether to quit although the undecided photos `names` have drafts (the question named none of them); tests
        replace this."""
        photos = f"{counted(len(names), 'undecided photo')} ({first_few(names, DRAFTS_NAMED)})"
        answer = QMessageBox.question(
            self.parent_widget, "Quit",
            as_written(f"The notes or reasons on {photos} are not saved as decisions and are lost when you quit. Quit anyway?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes
