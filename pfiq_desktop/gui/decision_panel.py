"""Officer decision: accept / reject / needs retake, reason codes, note."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QTextCursor
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.engine.icao.registry import in_fix_order
from pfiq_desktop.engine.results import FACE_PRESENT, Verdict
from pfiq_desktop.gui.theme import banner_style, status_icon
from pfiq_desktop.gui.widgets import as_written, named, plain, shortcut
from pfiq_desktop.palette import status_hex
from pfiq_desktop.review import ACCEPT, DECISION_LABELS, REJECT, RETAKE
from pfiq_desktop.review.reasons import (
    ANALYSIS_FAILED,
    NO_FACE_CAUSES,
    OTHER_REASONS,
    behind_the_cover,
    decided_reasons_text,
    is_reference,
    problem_label,
    reason_label,
)
from pfiq_desktop.review.values import profile_text, when

if TYPE_CHECKING:
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.review.store import Decision

BANNER_REASONS = 2  # overridden checks named in the decision banner (all of them in its tooltip)
# Each decision's key and verb: its button says them, and the Decision menu's action takes them (main_window), so a
# button never names a key the menu does not answer to.
DECISION_KEYS = ((ACCEPT, "A", "Accept"), (REJECT, "R", "Reject"), (RETAKE, "T", "Needs retake"))
NO_PHOTO_ON_SCREEN = "No photo is on screen."  # the photo area says why
NOTE_KEY = "Ctrl+N"  # Decision ▸ Write a note; an accept that needs a note says it
ACCEPT_FROM_NOTE_KEY = "Ctrl+Enter"  # in the note: accept with it (Ctrl+Return too, the main keyboard's Enter)


class DecisionPanel(QWidget):
    decisionRequested = Signal(str, list, str)  # decision, reason codes, note
    clearRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Analysis | None = None  # the results the reasons are offered from (and the decision words)
        self.same_picture: Decision | None = None  # the photo's very bytes decided under another name (`load`)
        self.current = named(plain(QLabel("No decision yet")), "decisionLabel")
        self.current.setWordWrap(True)
        self.current.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)  # never squeezed and clipped
        self.buttons: dict[str, QPushButton] = {}
        row = QGridLayout()
        for kind, key, verb in DECISION_KEYS:
            button = named(QPushButton(f"{verb} ({key})"), f"decide_{kind}")
            button.setIcon(status_icon(kind, 16))
            button.setToolTip(f"Record \"{DECISION_LABELS[kind]}\" for the photo on screen ({key})")
            button.setProperty("decision", kind)
            button.clicked.connect(self._on_button)
            row.addWidget(button, len(self.buttons) // 2, len(self.buttons) % 2)
            self.buttons[kind] = button
        self.clear_button = named(QPushButton("Withdraw"), "decide_clear")
        self.clear_button.setToolTip("Withdraw the decision (audited)")
        self.clear_button.clicked.connect(self.clearRequested)
        row.addWidget(self.clear_button, 1, 1)
        self.reasons = named(QListWidget(), "reasonList")
        self.reasons.setToolTip("Reason codes, prefilled from the failed checks")
        self.reasons.setWordWrap(True)  # under the photo list the panel is narrow: wrap, never scroll sideways
        self.reasons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reasons.setResizeMode(QListView.ResizeMode.Adjust)  # re-wraps the labels when the dock is resized
        self.note = named(QPlainTextEdit(), "noteEdit")
        self.note.setPlaceholderText(f"Note (required to accept a photo whose checks failed; {ACCEPT_FROM_NOTE_KEY} accepts with it)")
        lines = self.note.fontMetrics().lineSpacing()
        self.note.setMinimumHeight(2 * lines + 12)  # room for the placeholder's two lines, and no more by default
        self.note.setMaximumHeight(70)
        self.note.setTabChangesFocus(True)  # Tab leaves the note (a tab character saved into it helps nobody)
        for keys in ("Ctrl+Return", ACCEPT_FROM_NOTE_KEY):  # the keyboard's way to finish an accept that needed a note
            shortcut(keys, self.note, self.request_accept, Qt.ShortcutContext.WidgetShortcut)
        self.prefilled: set[str] = set()  # the reasons ticked for the photo before the officer touched them
        self.message = named(plain(QLabel("")), "decisionMessage")
        self.awaiting: str | None = None  # the message is a refusal results under this profile answer ('' any)
        self.message.setWordWrap(True)
        # all of it, taking the room from the reasons list (at 1366x768 the layout squeezed it to two of its three lines)
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.current)
        layout.addLayout(row)
        reasons_label = QLabel("&Reasons")
        reasons_label.setBuddy(self.reasons)
        self.reasons.setAccessibleName("Reasons")
        self.note.setAccessibleName("Note")
        self.note.setAccessibleDescription(self.note.placeholderText())
        layout.addWidget(reasons_label)
        layout.addWidget(self.reasons, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        self.decided = False  # whether the photo shown has a decision (Withdraw is offered only then)
        self.shown_decision: Decision | None = None  # that decision
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        for w in (*self.buttons.values(), self.reasons, self.note):
            w.setEnabled(enabled)
        self.clear_button.setEnabled(enabled and self.decided)  # nothing to withdraw on an undecided photo

    def draft(self) -> tuple[str, set[str]]:
        """What the officer has typed and ticked but not decided yet (note, reason codes)."""
        return self.note.toPlainText(), set(self.selected_reasons())

    def has_draft(self) -> bool:
        """Whether the officer typed a note or changed the prefilled ticks (work lost if the photo is left unkept)."""
        note, reasons = self.draft()
        return bool(note.strip()) or reasons != self.prefilled

    def load(self, analysis: Analysis | None, decision: Decision | None, keep_draft: bool = False,
             draft: tuple[str, set[str]] | None = None, same_picture: Decision | None = None) -> None:
        """Prefill reasons from the failed checks; show the stored decision if any, else any decision on the same
        picture under another name (`same_picture`).

        keep_draft: the same photo got new results (analysis arrived, profile switched):
        keep what the officer already typed and ticked. `draft`: an earlier draft of this photo to bring back
        (the officer went to another photo and came back).
        """
        draft_note, draft_reasons = self.draft() if keep_draft else draft or ("", set())
        if not keep_draft:  # new results for the same photo keep the message (e.g. "... NOT saved": it still holds) ...
            self.show_info("")
        elif self.awaiting is not None and analysis is not None and analysis is not self.analysis and (
                not self.awaiting or analysis.profile == self.awaiting):  # ... unless they answer it: "not analysed
            # yet" beside the finished checklist contradicted it (usability walk-through); vanishing, it left no sign of
            # the refusal; and only the results awaited answer it, not a refresh of the same (review)
            ran = f"were re-run under {self.awaiting}" if self.awaiting else "had run"
            self.show_warning(f"The accept was NOT saved: it came before the checks {ran}. "
                              + ("The file could not be analysed: it cannot be accepted." if analysis.errors else
                                 "They have now: decide again."))
        restore_draft = keep_draft or draft is not None
        self.reasons.clear()
        if analysis is not None:
            # the failed checks, ticked, in the order the list row and the reports name them, then the warnings: mixed
            # in fix order, unticked warnings pushed ticked reasons out of sight in the narrow panel
            checks = in_fix_order(analysis.subject_checks())
            hidden = behind_the_cover(checks)  # an eye behind sunglasses is the cover, ticked once
            for verdict in ("fail", "warn"):
                for check in (c for c in checks if c.verdict.value == verdict and c.id not in hidden):
                    self._add_reason(check.id, problem_label(check), status_icon(verdict, 14), ticked=verdict == "fail")
            if analysis.errors:
                self._add_reason(ANALYSIS_FAILED, reason_label(ANALYSIS_FAILED), ticked=True)
            if any(c.id == FACE_PRESENT and c.verdict is Verdict.FAIL for c in checks):
                for code in NO_FACE_CAUSES:
                    self._add_reason(code, reason_label(code))
        for code, label in OTHER_REASONS.items():
            self._add_reason(code, label)
        self.prefilled = set(self.selected_reasons())
        if decision is not None:
            # a reason the decision gave that the list no longer offers (another profile passes that check) stays
            # listed, ticked: deciding again must not drop it without the officer seeing it
            listed = {self.reasons.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.reasons.count())}
            for code in [c for c in decision.reasons if c not in listed and not is_reference(c)]:
                self._add_reason(code, reason_label(code))
            self._tick(set(decision.reasons), only=False)
            if analysis is not None and analysis.judged_under_other(decision.profile, decision.profile_sha256):
                # the photo is now judged under another profile: deciding again must name what fails under this one
                self._tick(self.prefilled, only=True)
            self.note.setPlainText(decision.note)
        elif restore_draft:
            # the officer's own ticks come back as they left them (an unticked wrong reason stays unticked); results
            # that arrived meanwhile add their failed checks to them
            self._tick(draft_reasons, only=keep_draft)
            self.note.setPlainText(draft_note)
        else:
            self.note.setPlainText("")
        self.analysis, self.same_picture = analysis, same_picture
        self.show_decision(decision)

    def _add_reason(self, code: str, label: str, icon: QIcon | None = None, ticked: bool = False) -> None:
        item = QListWidgetItem(icon, label) if icon is not None else QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, code)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.reasons.addItem(item)

    def _tick(self, codes: set[str], only: bool) -> None:
        """Tick the reasons in `codes`; `only`=False also unticks every other one."""
        for i in range(self.reasons.count()):
            item = self.reasons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in codes:
                item.setCheckState(Qt.CheckState.Checked)
            elif not only:
                item.setCheckState(Qt.CheckState.Unchecked)

    def show_decision(self, decision: Decision | None) -> None:
        self.decided = decision is not None
        self.shown_decision = decision
        self.clear_button.setEnabled(self.enabled and self.decided)
        if decision is None:
            earlier = self.same_picture
            self.current.setText("No decision yet" + (
                f". The same picture was decided as {display_name(Path(earlier.path).name)}: {earlier.label} by "
                f"{earlier.signed_by} at {when(earlier.decided_at)}" if earlier is not None else ""))
            self.current.setToolTip(earlier.path if earlier is not None else "")  # (it still named the withdrawn decision)
            self.current.setStyleSheet("")
            return
        colour = status_hex(decision.decision)
        text = tooltip = f"{decision.label} by {decision.signed_by} at {when(decision.decided_at)}"
        if decision.overridden:  # the banner names two, the tooltip all: a long list was clipped at 1366x768
            more = len(decision.overridden) - BANNER_REASONS
            despite = " — accepted despite: "
            tooltip += despite + decided_reasons_text(decision.overridden, self.analysis, decision.profile, decision.profile_sha256)
            text += despite + decided_reasons_text(decision.overridden[:BANNER_REASONS], self.analysis, decision.profile,
                                                    decision.profile_sha256)
            text += f" and {more} more" if more > 0 else ""
        if self.analysis is not None and self.analysis.judged_under_other(decision.profile, decision.profile_sha256):
            # a green "Accepted" above another profile's checklist read as that checklist's acceptance
            decided = profile_text(decision.profile, decision.profile_sha256)
            shown = profile_text(self.analysis.profile, self.analysis.profile_sha256)
            edited = decision.profile == self.analysis.profile  # the hashes on the banner only where one name was edited
            text += f" · under {decided if edited else decision.profile}, not {shown if edited else self.analysis.profile}"
            tooltip += f"\nDecided under the profile {decided}; the checklist shows {shown}. Deciding again records what fails under it."
        self.current.setText(text)
        self.current.setToolTip(as_written(tooltip))
        self.current.setStyleSheet(banner_style(colour))

    def selected_reasons(self) -> list[str]:
        return [
            self.reasons.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.reasons.count())
            if self.reasons.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _on_button(self) -> None:
        self.request(self.sender().property("decision"))

    def request_accept(self) -> None:
        self.request(ACCEPT)

    def request(self, decision: str) -> None:
        if not self.buttons[decision].isEnabled():
            if not self.enabled:  # a key with no photo on screen said nothing (third usability walk-through)
                self.show_warning(NO_PHOTO_ON_SCREEN)
            return
        note = self.note.toPlainText().strip()
        earlier = self.shown_decision
        if earlier is not None and decision != earlier.decision and note == earlier.note.strip():
            # the note of the decision this one replaces, untouched: an accept's justification was filed with the reject
            # one key made of it (the field shows the saved note once the decision is saved)
            note = ""
        self.decisionRequested.emit(decision, self.selected_reasons(), note)

    def edit_note(self) -> None:
        """The cursor at the end of the note, to write or add to it."""
        self.note.setFocus()
        self.note.moveCursor(QTextCursor.MoveOperation.End)

    def show_warning(self, text: str, details: str = "", awaiting: str | None = None) -> None:
        """A message in red that leaves the focus where it is: a refused decision moved it into the note, where the
        next decision key, R after a refused A, was typed and then filed as the note (usability walk-through).
        `awaiting`: the photo's results under this profile ('' for any first results) answer it (`load`)."""
        self.awaiting = awaiting
        self.message.setText(text)
        self.message.setToolTip(details)
        self.message.setStyleSheet(f"color: {status_hex('fail')}; font-weight: bold;")

    def show_info(self, text: str) -> None:
        self.awaiting = None
        self.message.setText(text)
        self.message.setToolTip("")
        self.message.setStyleSheet("")
