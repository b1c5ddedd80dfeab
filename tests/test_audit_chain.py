"""Tamper evidence: the hash-chained audit log, `pfiq audit verify`, the v1 -> v2 migration, officer and login."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pfiq_desktop.review import ReviewStore, verify_store
from pfiq_desktop.review import store as review_store
from pfiq_desktop.review.chain import ENTRY_FIELDS, entry_hash
from pfiq_desktop.review.store import count_before, os_login
from tests.photos import REPO


@pytest.fixture
def store_path(tmp_path):
    """A store with five decisions on three photos (one withdrawn), closed."""
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path, app_version="9.9") as store:
        for n, kind in enumerate(["reject", "retake", "accept"]):
            store.record_decision(tmp_path / f"p{n}.jpg", f"{n}" * 64, kind, officer="Jane Smith", note="ok",
                                  profile="icao-9303", profile_sha256="a" * 64, engine_key="k")
        store.record_decision(tmp_path / "p0.jpg", "0" * 64, "retake", officer="Jane Smith")
        store.clear_decision(tmp_path / "p1.jpg", "1" * 64, officer="Lee")
    return path


def tamper(path, *statements, params=()):
    """Edit the store as an attacker with the SQLite shell would: drop the triggers first."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for statement in statements:
        conn.execute(statement, params)
    conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END")
    conn.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END")
    conn.commit()
    conn.close()


def entries(path):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY id")]
    conn.close()
    return rows


def test_an_untouched_store_verifies_and_records_officer_and_login(store_path):
    report = verify_store(store_path)
    assert report.ok and report.entries == 5 and len(report.head) == 64
    with ReviewStore(store_path) as store:
        log = store.audit_log()
        assert {(e.officer, e.login) for e in log} == {("Jane Smith", os_login()), ("Lee", os_login())}
        decision = store.decision_for(store_path.parent / "p2.jpg", "2" * 64)
        assert decision.officer == "Jane Smith" and decision.login == os_login()
        assert decision.profile_sha256 == "a" * 64 and decision.engine_key == "k"
        assert decision.signed_by == f"Jane Smith (login {os_login()})"
        assert store.verify().ok


def test_an_edited_entry_is_found(store_path):
    tamper(store_path, "UPDATE audit SET note='approved by phone' WHERE id=2")
    report = verify_store(store_path)
    assert not report.ok and report.problems[0].startswith("audit entry 2 ") and "changed after it was written" in report.problems[0]


def test_a_deleted_entry_is_found(store_path):
    tamper(store_path, "DELETE FROM audit WHERE id=3")
    report = verify_store(store_path)
    assert "audit entry 4 " in report.problems[0] and "does not follow entry 2" in report.problems[0]


def test_deleting_the_last_entries_is_found(store_path):
    tamper(store_path, "DELETE FROM audit WHERE id=5")
    report = verify_store(store_path)
    assert "does not end at its recorded head" in report.problems[0]


def test_a_back_dated_inserted_entry_is_found_even_with_a_correct_hash(store_path):
    """A forger who knows the algorithm chains the entry properly; the recorded head still gives them away."""
    last = entries(store_path)[-1]
    forged = {name: last[name] for name in ENTRY_FIELDS} | {
        "id": last["id"] + 1, "at": "2020-01-01T09:00:00.000+00:00", "action": "decide", "decision": "accept",
        "prev_hash": last["entry_hash"], "note": "back-dated approval",
    }
    forged["entry_hash"] = entry_hash(forged)
    columns = [*ENTRY_FIELDS, "entry_hash"]
    tamper(store_path, f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
           params=[forged[c] for c in columns])
    assert "does not end at its recorded head" in verify_store(store_path).problems[0]


def test_a_naively_inserted_entry_in_the_middle_is_found(store_path):
    tamper(store_path, "DELETE FROM audit WHERE id=3",
           "INSERT INTO audit (id, at, officer, action, image_sha256, path, decision, reasons, note, app_version,"
           " model_sha256, profile, verdict) VALUES (3, '2020-01-01', 'mallory', 'decide', 'x', '/x', 'accept', '[]',"
           " '', '9.9', '', '', '')")
    assert verify_store(store_path).problems[0].startswith("audit entry 3 (2020-01-01) was changed")


def test_reordered_entries_are_found(store_path):
    rows = entries(store_path)
    second, third = rows[1], rows[2]
    columns = [c for c in second if c != "id"]
    swap = ", ".join(f"{c}=?" for c in columns)
    conn = sqlite3.connect(store_path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute(f"UPDATE audit SET {swap} WHERE id=2", [third[c] for c in columns])
    conn.execute(f"UPDATE audit SET {swap} WHERE id=3", [second[c] for c in columns])
    conn.commit()
    conn.close()
    report = verify_store(store_path)
    assert report.problems[0].startswith("audit entry 2 ")
    assert "the append-only triggers are missing (audit_no_update)" in report.problems


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("UPDATE decisions SET decision='accept' WHERE decision='retake'", "differs from audit entry 4 that recorded it"),
        ("DELETE FROM decisions WHERE decision='accept'", "recorded by audit entry 3 was deleted"),
        ("INSERT INTO decisions SELECT image_sha256, '/elsewhere.jpg', decision, reasons, note, officer, decided_at,"
         " app_version, model_sha256, profile, verdict, overridden, login, engine_key, profile_sha256 FROM decisions LIMIT 1",
         "the decision on /elsewhere.jpg has no audit entry"),
    ],
    ids=["edited", "deleted", "added"],
)
def test_edits_of_the_decisions_table_are_found(store_path, statement, words):
    tamper(store_path, statement)
    assert any(words in problem for problem in verify_store(store_path).problems)


def pfiq(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)


def test_pfiq_audit_verify_reports_the_first_broken_link(store_path, data_dir):
    good = pfiq("audit", "verify", str(store_path))
    assert good.returncode == 0 and good.stdout.startswith("OK: ") and "5 audit entries, chain intact" in good.stdout
    tamper(store_path, "UPDATE audit SET decision='accept' WHERE id=1")
    broken = pfiq("audit", "verify", str(store_path))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stdout.startswith(f"BROKEN: {store_path}: audit entry 1 (") and "was changed after it was written" in broken.stdout
    (store_path.parent / "notes.txt").write_text("not a store")
    assert pfiq("audit", "verify", str(store_path.parent / "notes.txt")).returncode == 2
    missing = pfiq("audit", "verify", str(store_path.parent / "absent.sqlite3"))
    assert missing.returncode == 2 and "No review store at" in missing.stderr


def test_pfiq_audit_verify_defaults_to_the_applications_store(data_dir):
    with ReviewStore(data_dir / "reviews.sqlite3") as store:
        store.record_decision(data_dir / "a.jpg", "a" * 64, "reject")
    run = pfiq("audit", "verify", env=dict(os.environ, PFIQ_DATA_DIR=str(data_dir)))
    assert run.returncode == 0 and str(data_dir / "reviews.sqlite3") in run.stdout


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE decisions (image_sha256 TEXT NOT NULL, path TEXT NOT NULL, decision TEXT NOT NULL, reasons TEXT NOT NULL,
 note TEXT NOT NULL, officer TEXT NOT NULL, decided_at TEXT NOT NULL, app_version TEXT NOT NULL, model_sha256 TEXT NOT NULL,
 profile TEXT NOT NULL, verdict TEXT NOT NULL, overridden TEXT NOT NULL, PRIMARY KEY (image_sha256, path));
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, officer TEXT NOT NULL, action TEXT NOT NULL,
 image_sha256 TEXT NOT NULL, path TEXT NOT NULL, decision TEXT NOT NULL, reasons TEXT NOT NULL, note TEXT NOT NULL,
 app_version TEXT NOT NULL, model_sha256 TEXT NOT NULL, profile TEXT NOT NULL, verdict TEXT NOT NULL);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
INSERT INTO meta VALUES ('schema', '1');
"""


def test_a_gap_a_version_1_store_had_before_it_was_sealed_is_not_called_tampering(tmp_path):
    # an administrator's purge of an early store left an id gap; sealed as it stood, verify then accused it (review)
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    for n in range(3):
        conn.execute("INSERT INTO audit(at, officer, action, image_sha256, path, decision, reasons, note, app_version,"
                     " model_sha256, profile, verdict) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (f"2024-01-0{n + 1}T10:00:00.000+00:00", "kim", "decide", f"{n}" * 64, f"/photos/{n}.jpg", "reject",
                      "[]", "", "0.1", "", "icao-9303", "fail"))
        conn.execute("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (f"{n}" * 64, f"/photos/{n}.jpg", "reject", "[]",
                     "", "kim", f"2024-01-0{n + 1}T10:00:00.000+00:00", "0.1", "", "icao-9303", "fail", "[]"))
    conn.execute("DROP TRIGGER audit_no_delete")  # the administrator's purge
    conn.execute("DELETE FROM audit WHERE id=2")
    conn.execute("DELETE FROM decisions WHERE path='/photos/1.jpg'")
    conn.commit()
    conn.close()
    with ReviewStore(path) as store:
        store.record_decision("/photos/9.jpg", "9" * 64, "accept", officer="Lee")
    report = verify_store(path)
    assert report.ok, report.problems
    tamper(path, "DELETE FROM audit WHERE id=4")  # a gap made after sealing is still found (the head, here)
    assert not verify_store(path).ok


def test_a_version_1_store_is_migrated_and_sealed(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    for kind, at in [("reject", "2024-01-01T10:00:00.000+00:00"), ("retake", "2024-01-02T10:00:00.000+00:00")]:
        conn.execute("INSERT INTO audit(at, officer, action, image_sha256, path, decision, reasons, note, app_version,"
                     " model_sha256, profile, verdict) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (at, "kim", "decide", "s" * 64, "/photos/a.jpg", kind, json.dumps([]), "", "0.1", "", "icao-9303", "fail"))
    conn.execute("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                 ("s" * 64, "/photos/a.jpg", "retake", "[]", "", "kim", "2024-01-02T10:00:00.000+00:00", "0.1", "",
                  "icao-9303", "fail", "[]"))
    conn.commit()
    conn.close()
    old = verify_store(path)
    assert not old.ok and old.unsealed and "version-1 store without a hash chain" in old.problems[0]
    # a retention preview counts it as it stands, unchanged (it refused a store that --yes prunes: review)
    preview = pfiq("audit", "prune", str(path), "--before", "2025-01-01")
    assert preview.returncode == 0 and preview.stdout.startswith("Would remove 2 audit entries"), preview.stdout + preview.stderr
    assert verify_store(path).unsealed
    with ReviewStore(path) as store:
        assert store.verify().ok
        assert store.decision_for("/photos/a.jpg", "s" * 64).decision == "retake"
        store.record_decision("/photos/a.jpg", "s" * 64, "reject", officer="Lee")
    report = verify_store(path)
    assert report.ok and report.entries == 3 and report.sealed.startswith("2 entries on ")
    tamper(path, "UPDATE audit SET officer='mallory' WHERE id=1")  # sealed entries are protected from now on
    assert verify_store(path).problems[0].startswith("audit entry 1 ")


def test_reports_from_an_altered_store_say_so_on_the_console_in_the_csv_and_beside_the_decision(store_path, tmp_path,
                                                                                                 data_dir):
    # `pfiq report --store` on a store whose audit verify said BROKEN printed a clean PDF with the forged decision
    from pfiq_desktop.engine import Analysis
    from pfiq_desktop.reports.export import csv_rows, export_dict
    from pfiq_desktop.reports.inputs import item_from_store, store_problem
    from pfiq_desktop.reports.pdf_report import decision_html, review_json

    analysis = Analysis(source=str(tmp_path / "p2.jpg"), image_size=(10, 10), image_sha256="2" * 64, profile="icao-9303")
    (tmp_path / "p2.json").write_text(analysis.to_json())
    report = ("report", str(tmp_path / "p2.json"), "--store", str(store_path), "--format", "csv")
    env = dict(os.environ, PFIQ_DATA_DIR=str(data_dir))
    clean = pfiq(*report, "--out", str(tmp_path / "clean"), env=env)
    assert "Traceback" not in clean.stderr and "fails its hash-chain check" not in clean.stderr
    assert ",accept," in (tmp_path / "clean" / "pfiq-results.csv").read_text(encoding="utf-8-sig")
    with ReviewStore(store_path) as store:
        assert store_problem(store) == ""
    tamper(store_path, "UPDATE decisions SET note='changed later' WHERE image_sha256=?", params=("2" * 64,))
    forged = pfiq(*report, "--out", str(tmp_path / "forged"), env=env)
    assert "reviews.sqlite3 fails its hash-chain check" in forged.stderr and "pfiq audit verify" in forged.stderr
    rows = (tmp_path / "forged" / "pfiq-results.csv").read_text(encoding="utf-8-sig")
    assert "changed later" in rows and "fails its hash-chain check" in rows
    with ReviewStore(store_path) as store:
        problem = store_problem(store)
        item = item_from_store(store, analysis, problem)
    assert problem.startswith(f"the audit log of the review store {store_path} fails its hash-chain check: the decision on")
    assert "may have been changed after they were made" in decision_html(item.decision, analysis, item.store_problem)
    assert json.loads(review_json(item))["review_store_problem"] == problem
    assert csv_rows([item])[1][0]["review_store_problem"] == problem
    assert export_dict([item])["photos"][0]["review_store_problem"] == problem  # the JSON export other systems read
    decided = item.decision
    assert decided.signed_by and decided.decided_at  # the PNG's one-line mention: who, which day, and the warning
    assert item.decision_text == f"Accepted by {decided.signed_by} on {decided.decided_at[:10]} (from an altered review store)"


def test_a_store_deleted_or_replaced_by_an_older_copy_is_caught_by_its_witness(store_path, tmp_path):
    # a store deleted, or emptied, was begun anew and then verified "0 audit entries, chain intact"; an older copy put
    # back verifies as a chain too (resilience walk-through): the head kept beside it is what tells
    from pfiq_desktop.review import StoreError
    from pfiq_desktop.review.witness import load_witness

    witness = load_witness(store_path)
    assert witness is not None and witness.entries == 5  # it followed the five entries, a withdrawal included
    assert verify_store(store_path).ok
    older = tmp_path / "older.sqlite3"
    with ReviewStore(store_path) as store:
        store.record_decision(tmp_path / "p2.jpg", "2" * 64, "reject", officer="Jane Smith")
        for suffix in ("", "-wal", "-shm"):  # a backup as a copy of the file takes it, log and all
            if (source := store_path.with_name(store_path.name + suffix)).exists():
                older.with_name(older.name + suffix).write_bytes(source.read_bytes())
        store.record_decision(tmp_path / "p2.jpg", "2" * 64, "accept", officer="Jane Smith", note="fine")
    for suffix in ("", "-wal", "-shm"):  # the older copy put back in its place
        target = store_path.with_name(store_path.name + suffix)
        target.unlink(missing_ok=True)
        if (source := older.with_name(older.name + suffix)).exists():
            target.write_bytes(source.read_bytes())
    said = "the store holds 6 audit entries, but 7 were written to it (reviews.sqlite3.head beside it records them)"
    assert said in verify_store(store_path).summary()
    with ReviewStore(store_path) as store:
        assert said in store.verify().summary()
        store.record_decision(tmp_path / "p0.jpg", "0" * 64, "reject", officer="Jane Smith")  # deciding goes on ...
        assert said.replace("holds 6", "holds 7") in store.verify().summary()  # ... and the evidence stays
    for suffix in ("", "-wal", "-shm"):
        store_path.with_name(store_path.name + suffix).unlink(missing_ok=True)
    with pytest.raises(StoreError, match="reviews.sqlite3 is missing, though reviews.sqlite3.head beside it records the 7 audit"):
        ReviewStore(store_path)
    assert not store_path.exists()  # not begun anew
    # the history gone, not a path mistyped: a broken log (pfiq audit verify exits 1), not "no review store" (exit 2)
    gone = verify_store(store_path)
    assert not gone.ok and "though reviews.sqlite3.head beside it records the 7 audit entries" in gone.summary()
    store_path.write_bytes(b"")  # emptied: it read "not a review store (no such table: meta)"
    emptied = verify_store(store_path).summary()
    assert "is empty (0 bytes): the decisions it held are gone from it; reviews.sqlite3.head beside it records the 7" in emptied
    # a witness blanked beside the deleted store still says a store was there; the window does not begin anew (review)
    store_path.unlink()
    store_path.with_name("reviews.sqlite3.head").write_text("")
    assert "reviews.sqlite3.head beside it cannot be read" in verify_store(store_path).summary()
    with pytest.raises(StoreError, match="is missing, though reviews.sqlite3.head beside it cannot be read"):
        ReviewStore(store_path)
    # an empty file no witness speaks for is no store, not lost decisions
    other = tmp_path / "new.sqlite3"
    other.write_bytes(b"")
    with pytest.raises(StoreError, match="is empty \\(0 bytes\\): no review store"):
        verify_store(other)


@pytest.mark.parametrize("witness", ["", "garbage{", '{"entries": "five", "entry_hash": "x"}'])
def test_a_witness_that_cannot_be_read_is_reported_and_kept_not_replaced(tmp_path, witness):
    # the last audit entry removed and the witness beside the store blanked: "OK ... chain intact" (CLI walk-through);
    # and a decision then wrote a new witness over it, vouching for the trimmed log
    store_path = tmp_path / "reviews.sqlite3"
    with ReviewStore(store_path) as store:
        for n in range(3):
            store.record_decision(tmp_path / f"p{n}.jpg", f"{n}" * 64, "reject", officer="Jane Smith")
    head = store_path.with_name("reviews.sqlite3.head")
    head.write_text(witness)
    said = "reviews.sqlite3.head beside it cannot be read"
    assert said in verify_store(store_path).summary() and not verify_store(store_path).ok
    with ReviewStore(store_path) as store:
        store.record_decision(tmp_path / "p9.jpg", "9" * 64, "reject", officer="Jane Smith")
        assert said in store.verify().summary()
    assert head.read_text() == witness


def _as_a_login_that_cannot_write(folder):
    """The command prefix and folder mode of a login that can read `folder` but not write in it (root: without the
    capabilities that let it ignore permission bits)."""
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without util-linux's setpriv: cannot drop the right to ignore folder permissions")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--"]


def test_pfiq_audit_verify_and_a_prune_preview_read_a_store_in_a_folder_they_cannot_write(tmp_path):
    """An auditor's copy on a read-only share: SQLite could not open the WAL store there, and verify called it
    'not a review store'. The copy was taken while the window was open, so its last decision is only in the -wal."""
    live = tmp_path / "live" / "reviews.sqlite3"
    live.parent.mkdir()
    copy = tmp_path / "copy"
    copy.mkdir()
    with ReviewStore(live) as store:
        for n in range(3):
            store.record_decision(tmp_path / f"p{n}.jpg", f"{n}" * 64, "reject", officer="Jane Smith")
        for name in ("reviews.sqlite3", "reviews.sqlite3-wal", "reviews.sqlite3.head"):
            shutil.copyfile(live.parent / name, copy / name)
    assert (copy / "reviews.sqlite3-wal").stat().st_size > 0
    prefix = _as_a_login_that_cannot_write(copy)
    try:
        run = subprocess.run([*prefix, sys.executable, "-m", "pfiq_desktop.cli", "audit", "verify", str(copy / "reviews.sqlite3")],
                             cwd=REPO, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "3 audit entries, chain intact" in run.stdout
        # a retention preview reads it as well: it opened the store for writing and failed there
        preview = subprocess.run([*prefix, sys.executable, "-m", "pfiq_desktop.cli", "audit", "prune", str(copy / "reviews.sqlite3"),
                                  "--before", "2020-01-01"], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert preview.returncode == 0 and preview.stdout.startswith("Nothing in "), preview.stdout + preview.stderr
        assert sorted(p.name for p in copy.iterdir()) == ["reviews.sqlite3", "reviews.sqlite3-wal", "reviews.sqlite3.head"]
    finally:
        copy.chmod(0o755)


def test_a_head_noted_off_the_machine_catches_a_store_deleted_together_with_its_witness(store_path):
    """The witness beside the store goes with it: both deleted and begun anew verified as 'chain intact'."""
    printed = pfiq("audit", "verify", str(store_path))
    head = printed.stdout.split("head ", 1)[1].split()[0]
    first = entries(store_path)[0]["entry_hash"][:12]  # as a PDF report prints the first decision's entry
    for recorded in (head.upper(), first):  # as copied from a printout
        held = pfiq("audit", "verify", str(store_path), "--head", recorded)
        assert held.returncode == 0 and "no entry written up to it was lost" in held.stdout
    for path in store_path.parent.glob(store_path.name + "*"):
        path.unlink()
    with ReviewStore(store_path) as store:
        store.record_decision(store_path.parent / "p9.jpg", "9" * 64, "reject", officer="Jane Smith")
    assert pfiq("audit", "verify", str(store_path)).returncode == 0  # nothing on the machine tells
    caught = pfiq("audit", "verify", str(store_path), "--head", head)
    assert caught.returncode == 1 and caught.stdout.startswith("BROKEN: ")
    assert "(1 audit entries) does not hold the entry whose hash was recorded" in caught.stdout
    assert pfiq("audit", "verify", str(store_path), "--head", first).returncode == 1
    mistyped = pfiq("audit", "verify", str(store_path), "--head", head[:8])
    assert mistyped.returncode == 2 and "at least 12" in mistyped.stderr


def _decide_on(monkeypatch, store, day, name, note=""):
    monkeypatch.setattr(review_store, "_now", lambda: f"{day}T12:00:00.000+00:00")
    store.record_decision(store.path.parent / name, name[0] * 64, "reject", officer="Jane Smith", note=note)


def test_a_retention_cut_removes_the_oldest_entries_and_the_chain_still_verifies(tmp_path, monkeypatch):
    """Nothing could be removed without breaking the chain, so the store kept every note for good (data-protection
    walk-through). Only the oldest entries go; the decision of a photo decided again since stays."""
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        _decide_on(monkeypatch, store, "2020-01-02", "a.jpg")
        _decide_on(monkeypatch, store, "2020-06-01", "b.jpg", note="applicant's medical condition")
        _decide_on(monkeypatch, store, "2024-01-02", "a.jpg", note="decided again")
        _decide_on(monkeypatch, store, "2024-02-01", "c.jpg")
        _decide_on(monkeypatch, store, "2024-03-01", "d.jpg")  # another photo under a name whose 2020 one had a profile
        # profiles chosen for single photos: their paths name applicants too. b's goes with its decision; a's, chosen in
        # 2020 too, stays with a's decision of 2024 (it went while the decision stayed: review); d's 2020 photo has no
        # decision left, whatever the later photo of its name has (third review); c's is today's
        monkeypatch.setattr(review_store, "_now", lambda: "2020-06-01T12:00:00.000+00:00")
        for name in ("a.jpg", "b.jpg"):
            store.keep_photo_profile(tmp_path / name, name[0] * 64, "uk-passport-child-under-6")
        store.keep_photo_profile(tmp_path / "d.jpg", "1" * 64, "uk-passport-child-under-6")
        monkeypatch.undo()
        store.keep_photo_profile(tmp_path / "c.jpg", "c" * 64, "strict")
        cutoff = datetime(2023, 1, 1, tzinfo=UTC)
        assert count_before(path, cutoff) == (2, 1, 2) and len(store.audit_log()) == 5
        assert store.remove_before(cutoff, officer="Records office") == (2, 1, 2)
        log = store.audit_log()
        assert [e.action for e in log] == ["decide", "decide", "decide", "prune"] and log[-1].officer == "Records office"
        assert "(2) and 1 decision they were the last word on, and 2 profiles chosen for single photos" in log[-1].note
        assert store.decision_for(tmp_path / "b.jpg", "b" * 64) is None
        assert {Path(p).name: kept.profile for p, kept in store.photo_profiles_for_paths(
            [tmp_path / n for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg")]).items()} == {"a.jpg": "uk-passport-child-under-6",
                                                                                 "c.jpg": "strict"}
        assert store.decision_for(tmp_path / "a.jpg", "a" * 64).note == "decided again"
        assert store.verify().ok, store.verify().problems
        assert store.remove_before(cutoff) == (0, 0, 0)
    assert b"medical condition" not in path.read_bytes()
    assert verify_store(path).ok
    with ReviewStore(path) as store:  # its witness moved with the cut: the store is not taken for a replaced one
        assert store.remove_before(datetime(2030, 1, 1, tzinfo=UTC)) == (4, 3, 2)  # everything, the last cut too
        assert store.verify().ok and [e.action for e in store.audit_log()] == ["prune"]
        store.record_decision(tmp_path / "d.jpg", "d" * 64, "reject")
    assert verify_store(path).ok


@pytest.mark.parametrize("tampering, words", [
    (["DELETE FROM audit WHERE id=(SELECT min(id) FROM audit)"], "does not follow the start of the log"),
    # (its first digit changed: set to '0', a start that began with '0' was left as it was, 1 run in 16)
    (["UPDATE meta SET value=(CASE WHEN substr(value, 1, 1)='0' THEN '1' ELSE '0' END) || substr(value, 2) "
      "WHERE key='chain_start'"], "recorded start is not where its last"),
])
def test_entries_removed_behind_a_retention_cut_are_found(tmp_path, monkeypatch, tampering, words):
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        for day, name in (("2020-01-02", "a.jpg"), ("2024-01-02", "b.jpg"), ("2024-02-01", "c.jpg")):
            _decide_on(monkeypatch, store, day, name)
        store.remove_before(datetime(2023, 1, 1, tzinfo=UTC))
    tamper(path, *tampering)
    report = verify_store(path)
    assert not report.ok and any(words in problem for problem in report.problems), report.problems


def test_pfiq_audit_prune_says_what_would_go_then_removes_it(tmp_path, monkeypatch):
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        for day, name in (("2020-01-02", "a.jpg"), ("2020-03-04", "b.jpg"), ("2024-01-02", "c.jpg")):
            _decide_on(monkeypatch, store, day, name)
    entries_before = [e["entry_hash"] for e in entries(path)]
    first = pfiq("audit", "prune", str(path), "--before", "2023-01-01")
    # the cut's instant with its offset, as reports show times (a Tokyo officer read UTC times beside a local day)
    assert first.returncode == 0 and re.match(r"Would remove 2 audit entries written before 2023-01-01 00:00:00 [+-]\d\d:\d\d "
                                              r"\(midnight on this computer's clock\) and 2 decisions", first.stdout), first.stdout
    assert len(entries(path)) == 3
    done = pfiq("audit", "prune", str(path), "--before", "2023-01-01", "--officer", "Records office", "--yes")
    assert done.returncode == 0 and done.stdout.startswith("Removed 2 audit entries"), done.stdout + done.stderr
    assert [e["action"] for e in entries(path)] == ["decide", "prune"]
    assert pfiq("audit", "verify", str(path)).returncode == 0
    gone = pfiq("audit", "verify", str(path), "--head", entries_before[0])
    assert gone.returncode == 1 and "among the old entries removed by the retention cut of" in gone.stdout
    bad = pfiq("audit", "prune", str(path), "--before", "1 May")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    typo = pfiq("audit", "prune", str(path), "--before", "2205-01-01", "--yes")  # for 2025: would remove today's too
    assert typo.returncode == 2 and "is after today" in typo.stderr and len(entries(path)) == 2
    today = pfiq("audit", "prune", str(path), "--before", datetime.now().date().isoformat())  # today has begun: allowed
    assert today.returncode == 0 and today.stdout.startswith("Would remove 1 audit entry written"), today.stdout + today.stderr
    # a profile chosen for a single photo alone before the day: said, in the preview and the cut ("Nothing ... was
    # written before" was printed while --yes removed it: review)
    with ReviewStore(path) as store:
        monkeypatch.setattr(review_store, "_now", lambda: "2020-06-01T12:00:00.000+00:00")
        store.keep_photo_profile(tmp_path / "x.jpg", "x" * 64, "uk-passport-baby-under-1")
        monkeypatch.undo()
    preview = pfiq("audit", "prune", str(path), "--before", "2021-01-01")
    assert preview.returncode == 0 and preview.stdout.startswith("Would remove 0 audit entries") and \
        "and 1 profile chosen for single photos before it. Run again with --yes" in preview.stdout, preview.stdout
    done = pfiq("audit", "prune", str(path), "--before", "2021-01-01", "--yes")
    assert done.returncode == 0 and "and 1 profile chosen for single photos before it; the audit log had nothing to " \
        "cut, so it records nothing of this." in done.stdout, done.stdout
    with ReviewStore(path) as store:
        assert store.photo_profiles_for_paths([tmp_path / "x.jpg"]) == {}


def test_pfiq_audit_prune_yes_refuses_a_store_that_does_not_verify(tmp_path, monkeypatch):
    # a cut re-chains the log from its new start, so cutting a tampered store would delete the entries that show the
    # tampering and leave a log that verifies: --yes must refuse, as the preview does, and remove nothing
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        for day, name in (("2020-01-02", "a.jpg"), ("2020-03-04", "b.jpg"), ("2024-01-02", "c.jpg")):
            _decide_on(monkeypatch, store, day, name)
    tamper(path, "UPDATE decisions SET decision='accept' WHERE path LIKE '%b.jpg'")
    before = entries(path)
    run = pfiq("audit", "prune", str(path), "--before", "2023-01-01", "--yes")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "the audit log does not verify; nothing was removed" in run.stderr and "Removed" not in run.stdout
    assert entries(path) == before and not verify_store(path).ok


def test_a_sealed_store_set_back_to_version_1_is_refused_not_chained_afresh(store_path):
    # an edited, truncated store with its schema set back to 1 was re-sealed by the next open, and verify then called
    # the rewritten log intact (security review)
    tamper(store_path, "UPDATE audit SET decision='accept' WHERE id=1", "DELETE FROM audit WHERE id=2",
           "UPDATE meta SET value='1' WHERE key='schema'")
    with pytest.raises(review_store.StoreError, match="holds a sealed audit log: it was altered"):
        ReviewStore(store_path)
    report = verify_store(store_path)  # not "a version-1 store: opening it seals it", which is what was refused
    assert not report.ok and not report.unsealed and "it was altered" in report.problems[0], report.problems


def test_entries_deleted_from_the_middle_are_found_even_when_the_rest_is_chained_again(store_path):
    # a forger who re-hashes the entries after a deleted one leaves a gap in the ids, which SQLite never makes itself
    rows = entries(store_path)
    kept = [r for r in rows if r["id"] != 3]
    tamper(store_path, "DELETE FROM audit WHERE id=3")
    previous = kept[1]["entry_hash"]
    for row in kept[2:]:
        row["prev_hash"] = previous
        previous = entry_hash(row)
        tamper(store_path, "UPDATE audit SET prev_hash=?, entry_hash=? WHERE id=?", params=(row["prev_hash"], previous, row["id"]))
    tamper(store_path, "UPDATE meta SET value=? WHERE key='audit_head'", params=(previous,))
    problems = verify_store(store_path).problems
    assert any("audit entries 3-3 are missing" in p for p in problems), problems
