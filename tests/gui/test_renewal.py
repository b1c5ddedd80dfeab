"""The renewal check in the window: compare the photo on screen with a previous one, decide, and the audit log
records the reference photo's hash (real engine, bundled portraits)."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from pfiq_desktop.engine.comparison import NO_MATCH
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.gui.decision_panel import DecisionPanel
from pfiq_desktop.palette import STATUS_LABELS
from pfiq_desktop.reports.comparison_figure import CHANGES_TITLE
from pfiq_desktop.review import ReviewStore
from pfiq_desktop.review.reasons import REFERENCE_NO_MATCH, reasons_text
from pfiq_desktop.review.session import ReferenceCheck, ReviewSession
from pfiq_desktop.review.store import ACCEPT
from tests.gui.fakes import FakeAnalyzer
from tests.photos import load_portrait, portrait_paths, save_rgb, variant


def test_compare_with_previous_photo_then_decide_files_the_reference(qtbot, make_window, real_factory, tmp_path):
    new = save_rgb(tmp_path / "renewal" / "new.jpg", np.ascontiguousarray(variant(load_portrait(0), 1)))
    other_person = portrait_paths()[1]
    w = make_window(real_factory, size=(1100, 700))
    assert w.open_paths([str(new)]) == 1
    qtbot.waitUntil(lambda: w.browser.model.entries[0].analysis is not None, timeout=60_000)
    w.browser.select_row(0)
    path = w.session.current
    assert path is not None
    # a photo with a profile of its own is compared under it: both photos' checklists (a child's renewal under the
    # adult rules listed the child's open mouth among the differences)
    w.checklist.photo_profile.setCurrentIndex(w.checklist.photo_profile.findData("strict"))
    qtbot.waitUntil(lambda: w.checklist.analysis.profile == "strict", timeout=30_000)

    w.renewals.ask_reference_photo = lambda: str(other_person)
    action = w.findChild(QAction, "actCompare")
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+P"
    with qtbot.waitSignal(w.worker.compared, timeout=60_000) as signal:
        action.trigger()
    comparison = signal.args[1]
    assert comparison.decision == "no_match" and comparison.b.image_sha256 == file_sha256(other_person)
    assert comparison.a.profile == comparison.b.profile == "strict" and w.worker.engine.profile.name == "icao-9303"
    qtbot.waitUntil(lambda: w.renewals.dialog is not None and w.renewals.dialog.isVisible(), timeout=5_000)
    assert "accepting it needs a note" in w.renewals.dialog.note.text()
    # drawn in the picture alone, the decision and score reached no screen reader (accessibility walk-through)
    figure = w.renewals.dialog.figure
    assert figure.accessibleName() == f"{comparison.label}, score {comparison.score:.3f}"
    assert figure.accessibleDescription() == comparison.reason
    # the checklist differences stay on screen below the picture (at its foot a 768 px screen scrolled them away)
    changes = w.renewals.dialog.changes
    assert comparison.check_changes() and changes.text().startswith(CHANGES_TITLE)
    # grouped by the two verdicts, in the checklist's own words ("A WARN" and "N/A" were other words than the window's
    # "Warning", "Not assessable"; one entry per check was a dense block of repeated pairs)
    groups = dict(part.split(": ", 1) for part in changes.text().removeprefix(CHANGES_TITLE + ": ").split(" · "))
    for change in comparison.check_changes():
        if change.verdict_a and change.verdict_b:
            pair = f"A {STATUS_LABELS[change.verdict_a]}, B {STATUS_LABELS[change.verdict_b]}"
            assert change.name in groups[pair].split("; "), (change.name, groups)
    assert len(groups) == len({(c.verdict_a, c.verdict_b) for c in comparison.check_changes()})
    assert changes.isVisible() and 0 < changes.geometry().bottom() < w.renewals.dialog.note.geometry().top() < w.renewals.dialog.height()
    # both photos whole without scrolling (at 768 px only the top of reference photo B showed); in a smaller window
    # the figure scrolls one way only
    area = w.renewals.dialog.scroll_area
    for size, fits in (((1326, 688), True), ((900, 520), False)):  # (on a 1366 x 768 screen it is 1326 x 688)
        w.renewals.dialog.resize(*size)
        qtbot.waitUntil(lambda size=size: w.renewals.dialog.size().toTuple() == size and not w.renewals.dialog.redraw_timer.isActive()
                        and w.renewals.dialog.figure.width() < area.viewport().width() + 40, timeout=5_000)
        qtbot.wait(50)
        figure, viewport = w.renewals.dialog.figure.pixmap(), area.viewport()
        assert figure.width() <= viewport.width() and not area.horizontalScrollBar().isVisible(), (size, figure.size())
        if fits:
            assert figure.height() <= viewport.height() and figure.height() > 0.9 * viewport.height(), (figure.size(), viewport.size())
    assert "Not the same person" in w.decision.message.text()

    # accepting a photo of someone else needs a note, which names that first (it was counted as one more failed check,
    # and listed last where the banner cut the list); rejecting files the reference photo
    assert not w.decisions.record("accept", [], "")
    assert "although the renewal check found another person" in w.decision.message.text(), w.decision.message.text()
    assert w.decisions.record("reject", ["other:identity_doubt"], "not the holder")
    entry = w.store.audit_log(file_sha256(new))[-1]
    assert entry.reference_sha256 == file_sha256(other_person)
    saved = w.store.decision_for(path, file_sha256(new))
    assert saved.reference_sha256 == file_sha256(other_person)
    # what the check said is filed too: reports showed only "Compared with reference photo 133c3dee8bae…"
    said = f"Renewal check against {other_person.name}: Not the same person (score {comparison.score:.3f})"
    assert said in reasons_text(saved.reasons) and said in reasons_text(entry.reasons)
    w.decision.load(w.session.record(path).analysis, saved)  # the decision shown again: its reasons, never the check's
    assert "other:identity_doubt" in w.decision.selected_reasons()
    assert not [c for c in w.decision.selected_reasons() if c.startswith("reference")]
    assert w.store.verify().ok, "the reference code is inside the hash chain"
    # the check's window names both photos in its title, and answers the decision keys: it took the keyboard, and A,
    # R, T and N did nothing while it told the officer to decide (second usability walk-through)
    dialog = w.renewals.dialog
    assert f"({new.name} and {other_person.name})" in dialog.windowTitle()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_T)
    assert w.store.decision_for(path, file_sha256(new)).decision == "retake"
    w.renewals.dialog.close()
    qtbot.keyClick(w, Qt.Key.Key_Escape)  # the window still answers


def test_a_check_that_could_not_be_made_withdraws_the_earlier_one(qtbot, make_window, real_factory, tmp_path):
    # checking again against a photo without a face used to leave the earlier "not the same person" in force and file
    # it with the next decision, while the window said no reference would be recorded
    new = save_rgb(tmp_path / "renewal" / "new.jpg", np.ascontiguousarray(variant(load_portrait(0), 1)))
    no_face = save_rgb(tmp_path / "renewal" / "wall.jpg", np.full((200, 200, 3), 128, np.uint8))
    w = make_window(real_factory, size=(1100, 700))
    assert w.open_paths([str(new)]) == 1
    qtbot.waitUntil(lambda: w.browser.model.entries[0].analysis is not None, timeout=60_000)
    w.browser.select_row(0)
    path = w.session.current
    for reference in (portrait_paths()[1], no_face):
        w.renewals.ask_reference_photo = lambda reference=reference: str(reference)
        with qtbot.waitSignal(w.worker.compared, timeout=60_000):
            assert w.renewals.start()
    assert path not in w.session.references
    assert "records no reference photo" in w.decision.message.text()
    assert "will not record a reference photo" in w.renewals.dialog.note.text()
    # one window at a time: four checks left four windows of one title (second usability walk-through)
    from pfiq_desktop.gui.renewal_dialog import RenewalDialog

    assert [d for d in w.findChildren(RenewalDialog) if d.isVisible()] == [w.renewals.dialog]
    assert w.decisions.record("reject", ["other:identity_doubt"], "")
    assert w.store.decision_for(path, file_sha256(new)).reference_sha256 == ""
    w.renewals.dialog.close()


def test_a_check_made_after_the_decision_says_the_decision_does_not_hold_it(qtbot, make_window, real_factory, tmp_path):
    # accepted, then checked against someone else: the panel said "Your decision records it" while the saved accept
    # stood unchanged with no reference (officer walk-through); coming back to the photo, the warning was gone and
    # accepting again with the note still in the field (written before the check) was saved (supervisor walk-through)
    new = save_rgb(tmp_path / "renewal" / "new.jpg", np.ascontiguousarray(variant(load_portrait(0), 1)))
    other = save_rgb(tmp_path / "renewal" / "other.jpg", np.ascontiguousarray(load_portrait(2)))
    w = make_window(real_factory, size=(1100, 700))
    w.decisions.auto_advance = False
    assert w.open_paths([str(new), str(other)]) == 2
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=60_000)
    w.browser.select_row(0)
    path = w.session.current
    assert w.decisions.record("accept", ["other:other"], "checked by eye")
    w.renewals.ask_reference_photo = lambda: str(portrait_paths()[1])
    with qtbot.waitSignal(w.worker.compared, timeout=60_000):
        assert w.renewals.start()
    said = w.decision.message.text()
    assert "Your next decision" not in said, said
    assert said.endswith("Decided before this check (Accepted): decide again to file it; an accept needs a new note.")
    assert w.store.decision_for(path, file_sha256(new)).reference_sha256 == ""  # nothing was filed behind the officer
    w.renewals.dialog.close()
    w.browser.select_row(1)
    w.browser.select_row(0)
    assert w.session.current == path and w.decision.message.text() == said  # still said when the photo comes back
    assert w.decision.note.toPlainText() == "checked by eye"  # the saved note, shown ...
    assert not w.decisions.record("accept", ["other:other"], w.decision.note.toPlainText())  # ... is not enough
    assert w.decision.message.text().startswith("Write a new note saying why you accept this photo although the renewal")
    assert w.decisions.record("accept", ["other:other"], "name and birth date checked with the holder in person")
    saved = w.store.decision_for(path, file_sha256(new))
    assert saved.reference_sha256 == file_sha256(portrait_paths()[1])
    w.browser.select_row(1)
    w.browser.select_row(0)
    assert "Decided before this check" not in w.decision.message.text()  # filed now: nothing more to say


def test_a_mismatch_accepted_over_two_failed_checks_is_the_first_thing_its_banner_names(qtbot, tmp_path):
    # the banner names only the first two overridden checks: "not the same person" filed after two failed checks was
    # cut off, and an accept of someone else's photo read as an accept over a blur and a closed eye
    photo, reference = (shutil.copy(p, tmp_path / p.name) for p in portrait_paths()[:2])
    with ReviewStore(tmp_path / "reviews.sqlite3") as store:
        session = ReviewSession(store)
        session.open([str(photo)])
        path = session.records[0].path
        analysis = FakeAnalyzer().analyse(path)
        analysis = dataclasses.replace(analysis, checks=[dataclasses.replace(c, verdict=Verdict.FAIL)
                                                         for c in analysis.checks[:2]])  # sharpness, eyes open
        session.set_analysis(path, analysis)
        session.references[path] = ReferenceCheck(str(reference), file_sha256(reference), NO_MATCH, 0.05)
        saved = session.decide(path, ACCEPT, [], "the holder, confirmed by the supervisor")
    assert saved.overridden[0] == REFERENCE_NO_MATCH and len(saved.overridden) == 3, saved.overridden
    panel = DecisionPanel()
    qtbot.addWidget(panel)
    panel.load(analysis, saved)
    assert "accepted despite: Not the same person as the reference photo, " in panel.current.text(), panel.current.text()
    assert panel.current.text().endswith(" and 1 more")
