"""The window under faults: a tampered audit log, entries it must skip, a full disk, SIGTERM during an export."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from pfiq_desktop.gui import export as gui_export
from pfiq_desktop.review import ReviewStore
from tests.gui.fakes import fake_factory
from tests.photos import REPO
from tests.test_audit_chain import tamper


def test_the_window_says_so_when_the_audit_chain_is_broken(qtbot, make_window, data_dir):
    with ReviewStore(data_dir / "reviews.sqlite3") as store:
        store.record_decision(data_dir / "a.jpg", "a" * 64, "reject")
    intact = make_window(fake_factory())
    assert intact.banner.isHidden()
    intact.shutdown()
    tamper(data_dir / "reviews.sqlite3", "UPDATE audit SET decision='accept'")
    window = make_window(fake_factory())
    assert window.banner.isVisible() and "fails its hash-chain check: audit entry 1 " in window.banner.text()
    window.show_banner("Not found: x")  # other messages come and go below it
    window.show_banner("")
    assert "fails its hash-chain check" in window.banner.text() and window.banner.isVisible()


def test_skipped_entries_are_named_in_the_banner(qtbot, make_window, portrait_folder):
    folder = portrait_folder(2, broken=False)
    (folder / "loop.jpg").symlink_to(folder / "loop.jpg")
    (folder / "gone.png").symlink_to(folder / "nowhere.png")
    window = make_window(fake_factory())
    window.open_paths([str(folder)])
    assert len(window.session.records) == 2
    text = window.banner.text()
    assert "Skipped 2 entries that cannot be read as photos" in text
    assert "gone.png: a broken link" in text and "loop.jpg: a link that loops back on itself" in text


def test_export_to_a_full_disk_is_a_clear_error_and_leaves_nothing(qtbot, make_window, portrait_folder, small_disk,
                                                                   monkeypatch):
    disk = small_disk("2m")
    disk.fill()
    window = make_window(fake_factory())
    window.open_paths([str(portrait_folder(2, broken=False))])
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in window.session.records), timeout=30_000)
    warnings = []
    monkeypatch.setattr(gui_export.QMessageBox, "warning", lambda parent, title, text, *rest: warnings.append(text))
    window.exporter.ask_folder = lambda title: str(disk.path)
    assert window.export_batch()
    qtbot.waitUntil(lambda: not window.exporter.running(), timeout=120_000)
    assert window.exporter.last_outcome[0] == "failed"
    assert len(warnings) == 1 and f"Cannot write {disk.path}" in warnings[0] and "No space left on device" in warnings[0]
    assert f"No report was written to {disk.path}." in warnings[0]  # nothing whole was left: says so
    assert disk.listing() == []


def complete_pdf(path: Path) -> bool:
    return path.read_bytes().rstrip().endswith(b"%%EOF") and len(PdfReader(str(path)).pages) >= 1


def test_sigterm_during_an_export_closes_the_app_cleanly(portrait_folder, tmp_path):
    """SIGTERM is handled like Ctrl+C: the export is cancelled, finished files are kept whole, no temp file stays."""
    photos = portrait_folder(8, broken=False)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", PFIQ_DATA_DIR=str(tmp_path / "data"))
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_export_child.py")), str(photos), str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 300
        line = ""
        while "EXPORTING" not in line and time.monotonic() < deadline:
            line = child.stdout.readline()
            assert line, child.stderr.read()
        os.kill(child.pid, signal.SIGTERM)
        rest, errors = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0 and "EXITED 0" in rest, errors[-2000:]
    assert "Traceback" not in errors
    left = sorted(out.iterdir())
    assert not [p.name for p in left if p.name.endswith(".part")]
    assert all(complete_pdf(p) for p in left if p.suffix == ".pdf")
    assert len(left) < 8 + 3  # stopped before the end of the batch


def test_a_file_name_that_is_not_utf8_is_analysed_shown_and_decided(qtbot, make_window, portrait_folder):
    """Qt strings cannot hold undecodable bytes: paths cross signals as Python objects and the model's role as
    path_text, so such a photo is analysed, selected and decided like any other."""
    folder = portrait_folder(2, broken=False)
    odd = folder / os.fsdecode(b"caf\xe9.jpg")
    next(folder.glob("*.jpg")).rename(odd)
    window = make_window(fake_factory())
    window.open_paths([str(folder)])
    qtbot.waitUntil(lambda: all(r.analysis is not None for r in window.session.records), timeout=30_000)
    assert window.session.record(str(odd)).analysis.ok
    assert str(odd) in window.browser.visible_paths()
    assert window.browser.select_path(str(odd)) and window.browser.current_path() == str(odd)
    assert window.session.current == str(odd)
    assert window.decisions.record("reject", ["framing"], "")
    with ReviewStore(window.store.path) as store:
        assert store.decision_for(odd).decision == "reject"


def test_a_damaged_cache_and_settings_file_are_set_aside_and_said(qtbot, make_window, data_dir, portrait_folder):
    # junk in the analysis cache kept the window from opening, without a word; a damaged settings file was overwritten
    # with the defaults and the officer went on under icao-9303 instead of uk-passport, unsaid (resilience walk-through)
    from pfiq_desktop import appdirs

    appdirs.cache_path().write_bytes(b"\x00junk" * 4000)
    appdirs.settings_path().write_text('{"profile": "uk-passport", "officer": "ali', encoding="utf-8")
    w = make_window(fake_factory())
    said = w.banner.text()
    assert "The analysis cache was damaged and is deleted; a new one is begun." in said
    assert "Your settings file was damaged and is kept as" in said and "the default settings are in use (profile icao-9303)" in said
    assert w.cache is not None and appdirs.settings_path().with_name("settings.json.damaged").read_text().endswith('"ali')
    w.open_paths([portrait_folder(2, broken=False)])
    assert "Your settings file was damaged" in w.banner.text()  # said for the session, not only until a folder opens
    w.apply_settings(dataclasses.replace(w.settings.current, profile="uk-passport"))
    assert "Your settings file was damaged" not in w.banner.text()  # chosen again: no longer said


def test_the_window_says_why_it_cannot_start_when_the_review_store_is_emptied(qtbot, data_dir, monkeypatch):
    # the window did not open and said nothing (the office build has no console): the officer must read why
    from pfiq_desktop import appdirs
    from pfiq_desktop.gui import app

    appdirs.store_path().parent.mkdir(parents=True, exist_ok=True)
    appdirs.store_path().touch()
    shown: list[str] = []
    monkeypatch.setattr(app, "setup_logging", lambda: None)  # the test run's own logging stays as it is
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.critical", lambda parent, title, text: shown.append(text))
    assert app.main([]) == 2
    assert len(shown) == 1 and shown[0].startswith("PFIQ Desktop cannot start: ") and "is empty (0 bytes)" in shown[0]
    assert "No decision was changed" in shown[0] and str(appdirs.data_dir()) in shown[0]


def test_the_first_start_after_an_update_says_why_every_photo_is_analysed_again(qtbot, make_window, data_dir,
                                                                                 portrait_folder):
    # an update analysed every photo again without a word, and the old analyses stayed in the cache for 90 days
    from pfiq_desktop import __version__, appdirs
    from pfiq_desktop.engine.results import engine_key
    from pfiq_desktop.review.cache import AnalysisCache

    earlier = AnalysisCache(appdirs.cache_path())
    for photo in "abc":
        earlier.put(photo * 64, engine_key("m" * 8, "e", "gradient", "0.4.8"), "{}")
    earlier.close()
    w = make_window(fake_factory())
    note = f"Version {__version__} analyses each photo afresh: 3 analyses by other versions left the analysis cache"
    assert w.status_text.text() == note
    w.open_paths([str(portrait_folder(2, broken=False))])  # said again as the analyses begin, then no more
    assert w.status_text.text() == f"Opened 2 photos. {note}"
    w.open_paths([str(portrait_folder(1, broken=False))])
    assert note not in w.status_text.text()
    w.close()
    assert make_window(fake_factory()).status_text.text() == ""  # said once


def test_the_log_says_what_a_support_engineer_needs_engine_profile_batch_and_unreadable_photos(qtbot, make_window,
                                                                                                portrait_folder, caplog):
    # a normal session wrote nothing: no engine start, no profile switch, no batch, no path of a damaged photo
    import logging

    caplog.set_level(logging.INFO)
    w = make_window(fake_factory())
    folder = portrait_folder(2, broken=True)
    qtbot.waitUntil(lambda: "the analysis engine is ready in" in caplog.text, timeout=10_000)
    assert "starting the analysis engine: device 'auto', profile 'icao-9303'" in caplog.text
    assert any(r.threadName == "engine" for r in caplog.records if "starting the analysis engine" in r.getMessage())
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: "analysis finished:" in caplog.text, timeout=30_000)
    broken = [r for r in w.session.records if r.analysis is not None and r.analysis.errors]
    assert broken and f"{broken[0].path} was not analysed: " in caplog.text
    w.set_profile("strict")
    assert "profile strict chosen" in caplog.text
