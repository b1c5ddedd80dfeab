import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from pfiq_desktop import __version__
from pfiq_desktop.engine.results import engine_key
from pfiq_desktop.review import (
    ACCEPT,
    REJECT,
    RETAKE,
    DecisionError,
    OverrideNeedsNote,
    ReviewStore,
    file_sha256,
)

KEY = engine_key("m" * 8, "e", "gradient", __version__)  # an analysis of this version (others' leave the cache)


@pytest.fixture
def store(tmp_path):
    s = ReviewStore(tmp_path / "reviews.sqlite3", app_version="9.9")
    yield s
    s.close()


def test_record_and_restore_by_path_and_hash(tmp_path, store):
    img = tmp_path / "a.jpg"
    img.write_bytes(b"abc")
    sha = file_sha256(img)
    d = store.record_decision(img, sha, REJECT, reasons=["eyes_open"], officer="kim", profile="icao-9303",
                              model_sha256="m" * 64, verdict="fail")
    assert d.officer == "kim" and d.app_version == "9.9"
    store.close()
    again = ReviewStore(tmp_path / "reviews.sqlite3")
    got = again.decision_for(img, sha)
    assert got.decision == REJECT and got.reasons == ["eyes_open"] and got.profile == "icao-9303"
    assert again.decisions_for_paths([img])[str(img.resolve())].decision == REJECT
    # a copy of a decided photo is not decided (the window shows it undecided too) ...
    (tmp_path / "copy.jpg").write_bytes(b"abc")
    assert again.decision_for(tmp_path / "copy.jpg", sha) is None
    # ... a moved one still is, found by its hash
    img.rename(tmp_path / "moved.jpg")
    assert again.decision_for(tmp_path / "moved.jpg", sha).decision == REJECT
    again.close()


def test_override_of_failed_check_needs_note(tmp_path, store):
    with pytest.raises(OverrideNeedsNote):
        store.record_decision(tmp_path / "x.jpg", "s" * 64, ACCEPT, failed_checks=["background"])
    with pytest.raises(OverrideNeedsNote, match=r"^Accepting this photo overrides the checks \(not analysed yet\): write a note"):
        store.record_decision(tmp_path / "x.jpg", "s" * 64, ACCEPT, failed_checks=["not_analysed_yet"])
    d = store.record_decision(tmp_path / "x.jpg", "s" * 64, ACCEPT, failed_checks=["background"],
                              note="background is fine, lighting artefact")
    assert d.overridden == ["background"]
    # rejecting needs no note
    store.record_decision(tmp_path / "x.jpg", "s" * 64, RETAKE, failed_checks=["background"])


def test_a_note_of_blanks_does_not_justify_an_accept_and_a_note_is_kept_trimmed(tmp_path, store):
    # a note of spaces or a stray Enter is no justification: it filed an accept over failed checks that the audit log
    # then showed with an empty note; a real note is kept without the blanks around it (the panel's "same note" rule
    # compares it)
    with pytest.raises(OverrideNeedsNote):
        store.record_decision(tmp_path / "x.jpg", "s" * 64, ACCEPT, failed_checks=["background"], note="  \n\t ")
    assert store.decision_for(tmp_path / "x.jpg", "s" * 64) is None and store.audit_log() == []
    d = store.record_decision(tmp_path / "x.jpg", "s" * 64, ACCEPT, failed_checks=["background"], note="  fine on the print\n")
    assert d.note == "fine on the print" and store.audit_log()[-1].note == "fine on the print"


def test_unknown_decision_rejected(tmp_path, store):
    with pytest.raises(DecisionError):
        store.record_decision(tmp_path / "x.jpg", "s" * 64, "maybe")
    with pytest.raises(DecisionError):
        store.record_decision(tmp_path / "x.jpg", "", REJECT)


def test_audit_is_append_only_and_complete(tmp_path, store):
    p = tmp_path / "x.jpg"
    store.record_decision(p, "h" * 64, REJECT, officer="a")
    store.record_decision(p, "h" * 64, RETAKE, officer="b", note="retake please")
    assert store.clear_decision(p, "h" * 64, officer="c")
    log = store.audit_log("h" * 64)
    assert [e.action for e in log] == ["decide", "decide", "clear"]
    assert [e.officer for e in log] == ["a", "b", "c"]
    assert store.decision_for(p, "h" * 64) is None
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE audit SET officer='mallory'")
    conn.close()


def test_wal_mode_and_analysis_cache_in_its_own_file(store, data_dir):
    from pfiq_desktop import appdirs
    from pfiq_desktop.review.cache import AnalysisCache

    mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    cache = AnalysisCache(appdirs.cache_path())
    assert cache.path != store.path
    cache.put("h" * 64, KEY, '{"a": 1}')
    assert cache.get("h" * 64, KEY) == '{"a": 1}'
    assert cache.get("h" * 64, "other") is None
    cache.close()
    assert AnalysisCache(cache.path).get("h" * 64, KEY) == '{"a": 1}'  # persisted


def test_analyses_by_other_versions_leave_the_cache_when_it_opens_and_are_counted(tmp_path):
    """An upgrade analyses every photo afresh (the key names the version): the old rows are dropped at once, counted
    for the officer, not kept for KEEP_DAYS; this version's analyses under other networks stay."""
    from pfiq_desktop.review.cache import AnalysisCache

    other_network = engine_key("m" * 8, "other-estimator", "gradient", __version__)
    cache = AnalysisCache(tmp_path / "cache.sqlite3")
    assert cache.retired == 0
    for version in ("0.4.8", "0.4.7"):
        cache.put("a" * 64, engine_key("m" * 8, "e", "gradient", version), "{}")
    cache.put("a" * 64, KEY, '{"now": 1}')
    cache.put("b" * 64, other_network, '{"other": 1}')
    cache.close()
    again = AnalysisCache(tmp_path / "cache.sqlite3")
    assert again.retired == 2
    assert again.get("a" * 64, KEY) and again.get("b" * 64, other_network)
    assert again._conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] == 2
    again.close()
    assert AnalysisCache(tmp_path / "cache.sqlite3").retired == 0


def test_the_commands_say_once_that_an_update_analyses_every_photo_afresh(data_dir, capsys):
    from pfiq_desktop import appdirs
    from pfiq_desktop.cli.common import shared_cache
    from pfiq_desktop.review.cache import AnalysisCache

    AnalysisCache(appdirs.cache_path()).put("a" * 64, engine_key("m" * 8, "e", "gradient", "0.4.8"), "{}")
    shared_cache()
    said = capsys.readouterr().err
    assert said == f"note: Version {__version__} analyses each photo afresh: 1 analysis by other versions left the analysis cache\n"
    shared_cache()
    assert capsys.readouterr().err == ""


def test_analyses_unused_for_keep_days_leave_the_cache_and_used_ones_stay(tmp_path):
    from pfiq_desktop.review.cache import KEEP_DAYS, AnalysisCache

    cache = AnalysisCache(tmp_path / "cache.sqlite3")
    for name in ("used", "unused", "recent"):
        cache.put(name * 8, KEY, f'{{"{name}": 1}}')
    old = (datetime.now(UTC) - timedelta(days=KEEP_DAYS + 1)).isoformat(timespec="seconds")
    cache._conn.execute("UPDATE analyses SET stored_at=? WHERE image_sha256 != ?", (old, "recent" * 8))
    assert cache.get("used" * 8, KEY)  # read now: it counts as used
    cache.close()
    again = AnalysisCache(tmp_path / "cache.sqlite3")
    assert [again.get(name * 8, KEY) is not None for name in ("used", "unused", "recent")] == [True, False, True]


def test_analysis_cache_skips_the_engine_rechecks_other_profiles_and_survives_bad_entries(tmp_path, astronaut):
    import cv2

    from pfiq_desktop.engine.hashing import file_sha256
    from pfiq_desktop.review.cache import AnalysisCache
    from tests.gui.fakes import FakeAnalyzer

    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cache, engine = AnalysisCache(tmp_path / "cache.sqlite3"), FakeAnalyzer()
    first = cache.analyse(engine, photo)
    again = cache.analyse(engine, photo)
    assert engine.calls == 1 and again.to_json() == first.to_json()
    engine.set_profile("strict")
    rechecked = cache.analyse(engine, photo)
    assert engine.calls == 1 and rechecked.profile == "strict" and first.profile == "icao-9303"
    cache.put(file_sha256(photo), engine.engine_key, "{not json")
    assert cache.analyse(engine, photo).ok and engine.calls == 2  # a broken entry: analysed again
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    assert cache.analyse(engine, text).errors and cache.analyse(engine, text).errors
    assert engine.calls == 4  # failures are not cached


def test_cache_rechecks_a_profile_edited_under_the_same_name(tmp_path, astronaut):
    """Re-checking is decided by the thresholds' hash: a copied and edited profile keeps its name, not its verdicts."""
    import cv2

    from pfiq_desktop.review.cache import AnalysisCache
    from tests.gui.fakes import FakeAnalyzer, fake_profile

    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cache, engine = AnalysisCache(tmp_path / "cache.sqlite3"), FakeAnalyzer()
    first = cache.analyse(engine, photo)
    rechecked: list[str] = []
    real_recheck = engine.recheck
    engine.recheck = lambda analysis: (rechecked.append(analysis.source), real_recheck(analysis))[1]
    engine.profile = fake_profile("icao-9303")
    assert cache.analyse(engine, photo).profile_sha256 == first.profile_sha256 and not rechecked
    # a new version of its text (rules, sources), the thresholds the same: the report cites today's, not the cached
    engine.profile.info = dataclasses.replace(engine.profile.info, version="2", rules={"glasses": "not allowed"})
    renamed = cache.analyse(engine, photo)
    assert renamed.profile_info.version == "2" and renamed.profile_info.rules == {"glasses": "not allowed"} and not rechecked
    edited = fake_profile("icao-9303")
    edited.sha256 = "e" * 64  # same name, other thresholds
    engine.profile = edited
    again = cache.analyse(engine, photo)
    assert rechecked and again.profile_sha256 == "e" * 64 and engine.calls == 1
    engine.engine_key = engine.engine_key.replace("fake-models", "other-models")  # another model set: the cached result is not used
    cache.analyse(engine, photo)
    assert engine.calls == 2


def test_a_folders_decisions_are_read_by_path_in_chunks_and_the_latest_wins(tmp_path, store):
    from pfiq_desktop.review.store import PATHS_PER_QUERY

    paths = [tmp_path / f"p{i:04d}.jpg" for i in range(2 * PATHS_PER_QUERY + 200)]
    decided = {0: REJECT, PATHS_PER_QUERY + 1: RETAKE, len(paths) - 1: REJECT}
    for i, decision in decided.items():
        store.record_decision(paths[i], f"{i:064d}", decision)
    store.record_decision(paths[0], "f" * 64, RETAKE)  # the same path decided again, on other bytes: the latest counts
    store.record_decision(tmp_path / "elsewhere.jpg", "e" * 64, REJECT)  # not asked for
    found = store.decisions_for_paths(paths)
    assert {p: d.decision for p, d in found.items()} == {
        str(paths[0].resolve()): RETAKE, str(paths[PATHS_PER_QUERY + 1].resolve()): RETAKE, str(paths[-1].resolve()): REJECT}


def test_a_photos_own_profile_is_kept_by_path_and_bytes_and_found_by_its_bytes_once_moved(tmp_path, store):
    # a child's photo decided under the child's rules was judged the next day under the adult's (review); moved or
    # renamed, it kept its decision (found by its bytes) but lost its profile (second review)
    from pfiq_desktop.review.store import PATHS_PER_QUERY, KeptProfile

    paths = [tmp_path / f"p{i:04d}.jpg" for i in range(PATHS_PER_QUERY + 50)]
    store.keep_photo_profile(paths[3], "3" * 64, "uk-passport-child-under-6")
    store.keep_photo_profile(paths[-1], "9" * 64, "strict")
    store.keep_photo_profile(paths[-1], "9" * 64, "uk-passport-baby-under-1")  # chosen again: the latest
    store.keep_photo_profile(tmp_path / "elsewhere.jpg", "e" * 64, "strict")  # not asked for
    assert store.photo_profiles_for_paths(paths) == {
        str(paths[3].resolve()): KeptProfile("uk-passport-child-under-6", "3" * 64),
        str(paths[-1].resolve()): KeptProfile("uk-passport-baby-under-1", "9" * 64)}
    store.forget_photo_profiles([paths[3]])  # as all photos
    assert str(paths[3].resolve()) not in store.photo_profiles_for_paths(paths)
    renamed = tmp_path / "renamed.jpg"
    paths[-1].write_bytes(b"the photo")  # while the file it was chosen for is there, a copy of it is not that photo
    assert store.kept_profile(renamed, "9" * 64) is None
    store.keep_photo_profile(tmp_path / "gone.jpg", "g" * 64, "strict")
    assert store.kept_profile(renamed, "g" * 64) == KeptProfile("strict", "g" * 64)
    assert store.kept_profile(tmp_path / "gone.jpg", "f" * 64) == KeptProfile("strict", "g" * 64)  # replaced: said as kept
    assert store.verify().ok  # outside the audit log: the decision records the profile it was made under


def test_a_store_whose_photo_profiles_have_no_bytes_opens_and_gains_them(tmp_path):
    # a development build kept the choice by path alone: the index on the bytes stopped every opening (third review)
    import sqlite3

    from pfiq_desktop.review.store import KeptProfile

    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path):
        pass
    conn = sqlite3.connect(path)
    conn.executescript("DROP INDEX photo_profiles_bytes; DROP TABLE photo_profiles; CREATE TABLE photo_profiles (path TEXT "
                       "PRIMARY KEY, profile TEXT NOT NULL, chosen_at TEXT NOT NULL, login TEXT NOT NULL);")
    conn.execute("INSERT INTO photo_profiles VALUES (?, 'strict', '2026-12-06T10:00:00.000+00:00', 'x')",
                 (str((tmp_path / "a.jpg").resolve()),))
    conn.commit()
    conn.close()
    with ReviewStore(path) as store:
        assert store.photo_profiles_for_paths([tmp_path / "a.jpg"]) == {str((tmp_path / "a.jpg").resolve()): KeptProfile("strict", "")}
        store.keep_photo_profile(tmp_path / "b.jpg", "b" * 64, "lenient")


def test_only_a_profile_the_window_offers_by_its_name_judges_a_photo_it_was_kept_for(tmp_path):
    # the store is outside the audit log: a path kept there judged under any file, and verify still said OK (review)
    from pfiq_desktop.review.own_profiles import why_unusable

    loose = tmp_path / "lax.toml"
    loose.write_text('extends = "icao-9303"\n[checks.eye_open_left]\nenabled = false\n')
    assert why_unusable("uk-passport-child-under-6") == ""
    assert why_unusable(str(loose)).startswith("no profile of that name is offered (bundled: ")
    assert why_unusable("uk-pasport").startswith("no profile of that name is offered")


def test_a_check_given_as_a_reason_reads_as_the_problem_not_the_requirement():
    # "Accepted despite: Eye open (photo right), No head covering" read backwards in the official record
    from pfiq_desktop.engine.icao import CHECKS
    from pfiq_desktop.review.reasons import CHECK_PROBLEMS, FIXES, SIGNED_PROBLEMS, TWO_WAY_PROBLEMS, reason_label, reasons_text

    missing = set(CHECKS) - set(CHECK_PROBLEMS)
    assert not missing, f"add the problem's words for {sorted(missing)} to CHECK_PROBLEMS in review/reasons.py"
    assert set(CHECK_PROBLEMS) <= set(CHECKS), "CHECK_PROBLEMS words a check that is no longer registered"
    unfixed = set(CHECKS) - set(FIXES)  # the report's "What to change" would name the problem alone
    assert not unfixed, f"add what to change for {sorted(unfixed)} to FIXES in review/reasons.py"
    two_way = {**TWO_WAY_PROBLEMS, **SIGNED_PROBLEMS}
    assert all(isinstance(fix, str) or check_id in two_way for check_id, fix in FIXES.items()), "a fix by side needs its sides"
    assert all(CHECK_PROBLEMS[check_id] != spec.name for check_id, spec in CHECKS.items())
    assert reasons_text(["eye_open_right", "head_covering"]) == "Eye closed or hidden (photo right), Head covering"
    assert reason_label("face_present") == "No face found" and reason_label("other:photo_altered") == "Photo appears altered"


def test_the_problems_a_list_row_leaves_out_are_counted_in_words():
    # "Mouth open, Head tilted down +7" read as a head tilted down by 7 degrees
    from pfiq_desktop.review.reasons import first_problems

    labels = ["Mouth open", "Head tilted down", *["Blurred"] * 7]
    assert first_problems(labels) == "Mouth open, Head tilted down +7 more"
    assert first_problems(labels[:2]) == "Mouth open, Head tilted down"


def test_the_overviews_name_the_warnings_after_the_failures(sample_analysis):
    """A wink the network thought 87 % likely is a warning, and the overviews listed failures only: the console table
    and the batch summary never mentioned the eye (walk-through); a count of warnings alone still left it unnamed
    wherever anything failed (review)."""
    from pfiq_desktop.engine.results import Verdict
    from pfiq_desktop.review.reasons import failed_problems, problems_overview, warned_problems

    def judged(verdicts: dict[str, Verdict], doubted: tuple[str, ...] = ()) -> list[str]:
        checks = [dataclasses.replace(c, verdict=verdicts.get(c.id, Verdict.PASS), doubted=c.id in doubted)
                  for c in sample_analysis.checks]
        analysis = dataclasses.replace(sample_analysis, checks=checks)
        return [problems_overview(failed_problems(analysis), warned_problems(analysis)), *warned_problems(analysis)]

    wink = {"eye_open_right": Verdict.WARN}
    assert judged(wink) == ["Eye closed or hidden (photo right)?"] * 2
    assert judged({**wink, "mouth_closed": Verdict.FAIL})[0] == "Mouth open or teeth showing; look at Eye closed or hidden (photo right)?"
    # what covers or shuts the face is named before framing, however the checks are ordered
    framing = {**wink, "face_cropped": Verdict.WARN, "mouth_closed": Verdict.FAIL, "head_size": Verdict.FAIL}
    assert judged(framing)[0].endswith("; look at Eye closed or hidden (photo right)? +1 more")
    assert judged({**wink, "sharpness": Verdict.WARN})[0] == "Eye closed or hidden (photo right)?, Blurred?"
    assert judged({})[0] == ""
    # a failure made uncertain is listed with the failures, and not again as a warning
    uncertain = judged({"eye_occlusion": Verdict.WARN, **wink}, doubted=("eye_occlusion",))
    assert uncertain == ["Eyes covered (sunglasses, patch, hand, hair)?; look at Eye closed or hidden (photo right)?",
                         "Eye closed or hidden (photo right)?"]


def test_an_eye_behind_a_failing_cover_is_not_named_again_as_a_warning(sample_analysis):
    # sunglasses failing "Eyes covered" read "...; look at Eye closed or hidden (photo right)?" for the same lenses
    from pfiq_desktop.engine.icao.registry import HIDDEN_UNIT
    from pfiq_desktop.engine.results import Verdict
    from pfiq_desktop.review.reasons import failed_problems, warned_problems

    def with_cover(cover: Verdict, unit: str) -> tuple[list[str], list[str]]:
        changed = {"eye_occlusion": {"verdict": cover}, "eye_open_right": {"verdict": Verdict.WARN, "unit": unit}}
        checks = [dataclasses.replace(c, **changed.get(c.id, {"verdict": Verdict.PASS})) for c in sample_analysis.checks]
        analysis = dataclasses.replace(sample_analysis, checks=checks)
        return failed_problems(analysis), warned_problems(analysis)

    assert with_cover(Verdict.FAIL, HIDDEN_UNIT) == (["Eyes covered (sunglasses, patch, hand, hair)"], [])
    assert with_cover(Verdict.FAIL, "% closed")[1] == ["Eye closed or hidden (photo right)?"]  # a shut eye is its own
    assert with_cover(Verdict.WARN, HIDDEN_UNIT) == ([], ["Eyes covered (sunglasses, patch, hand, hair)?"])


def test_an_accept_over_a_renewal_mismatch_names_it_apart_from_the_checks():
    # the mismatch was counted and listed as one more failed check ("over its 9 failed checks"), last where cut off
    from pfiq_desktop.review.reasons import REFERENCE_NO_MATCH
    from pfiq_desktop.review.store import OverrideNeedsNote

    both = OverrideNeedsNote([REFERENCE_NO_MATCH, "head_size", "sharpness"])
    assert both.short == ("Write a note saying why you accept this photo although the renewal check found another person, "
                          "and over its 2 failed checks.")
    assert str(both).startswith("Accepting this photo overrides the renewal check, which found another person and the "
                                "checks (Head too small or too large, Blurred)")
    alone = OverrideNeedsNote([REFERENCE_NO_MATCH])
    assert alone.short.endswith("although the renewal check found another person.") and "checks" not in str(alone)
    assert OverrideNeedsNote(["sharpness"]).short == "Write a note saying why you accept this photo over its 1 failed check."


def test_an_emptied_store_is_refused_not_begun_anew(tmp_path, store):
    # a store cut to 0 bytes was taken for a new one: the window opened without a word, and the audit check then said
    # "0 audit entries, chain intact" over a lost history of 150 decisions (resilience walk-through)
    from pfiq_desktop.review.store import StoreError

    emptied = tmp_path / "emptied.sqlite3"
    emptied.touch()
    with pytest.raises(StoreError, match="is empty \\(0 bytes\\): the decisions it held are gone from it. It is not replaced"):
        ReviewStore(emptied)
    assert emptied.stat().st_size == 0  # left as it was, for whoever restores it
    ReviewStore(tmp_path / "new.sqlite3").close()  # a store that does not exist yet is begun


def test_a_damaged_analysis_cache_is_deleted_and_begun_anew(tmp_path):
    # junk in the cache file kept the window from opening and `pfiq report` stopped with a traceback; the cache holds
    # nothing that cannot be made again (resilience walk-through), so no copy of it is kept (data-protection walk-through)
    from pfiq_desktop.review.cache import open_cache

    path = tmp_path / "analyses.sqlite3"
    path.write_bytes(b"this is not a database" * 1000)
    cache, said = open_cache(path)
    assert cache is not None and said == "the analysis cache was damaged and is deleted; a new one is begun"
    assert b"this is not a database" not in path.read_bytes()
    assert {p.name for p in tmp_path.iterdir()} <= {"analyses.sqlite3", "analyses.sqlite3-wal", "analyses.sqlite3-shm"}
    cache.put("ab" * 32, "key", "{}")
    assert cache.get("ab" * 32, "key") == "{}"
    cache.close()
    again, said = open_cache(path)  # the new one is sound
    assert again is not None and said == ""
    again.close()
    folder_in_the_way = tmp_path / "blocked"
    folder_in_the_way.mkdir()
    nothing, said = open_cache(folder_in_the_way)  # cannot be used at all: every photo is analysed
    assert nothing is None and said.startswith("the analysis cache cannot be used (") and said.endswith("every photo is analysed")


def test_the_log_switches_on_while_another_process_creates_the_file(monkeypatch):
    # two windows opened on a new data folder: the second's PRAGMA journal_mode=WAL said "database is locked" at once,
    # without waiting, and that window did not start (1 time in 6; resilience walk-through)
    from pfiq_desktop.review import wal

    class Busy:
        def __init__(self, busy: int) -> None:
            self.busy, self.calls = busy, 0

        def execute(self, sql: str) -> None:
            self.calls += 1
            if self.calls <= self.busy:
                raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(wal, "WAL_WAIT_S", 0.0)
    two_busy = Busy(2)
    wal.enable_wal(two_busy)  # type: ignore[arg-type]
    assert two_busy.calls == 3
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        wal.enable_wal(Busy(wal.WAL_TRIES))  # type: ignore[arg-type]


def test_the_analysis_cache_keeps_no_face_embedding_nor_file_path(tmp_path, sample_analysis):
    """Every photo opened left its 128-D embedding (a biometric template) and its full path, often the applicant's
    name, in the cache, unsaid (data-protection walk-through). What earlier versions left, the cache and a damaged
    copy they set aside, is deleted: none of it can be looked up again (the engine key names the version)."""
    from pfiq_desktop.review.cache import NO_TEMPLATES, open_cache

    path = tmp_path / "analyses.sqlite3"
    older = sample_analysis.to_dict()
    older["faces"][0]["embedding"] = [0.25] * 128  # as version 0.4.7 cached it
    for name in ("analyses.sqlite3", "analyses.sqlite3.damaged"):
        conn = sqlite3.connect(tmp_path / name)
        conn.execute("CREATE TABLE analyses (image_sha256 TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, "
                     "stored_at TEXT NOT NULL, PRIMARY KEY (image_sha256, key))")
        conn.execute("INSERT INTO analyses VALUES (?,?,?,?)", ("a" * 64, "k", json.dumps(older), "2026-12-01T00:00:00"))
        conn.commit()
        conn.close()

    class Engine:
        engine_key = KEY

    cache, said = open_cache(path)
    assert cache is not None and said == "" and cache.get("a" * 64, KEY) is None
    assert not (tmp_path / "analyses.sqlite3.damaged").exists()
    kept = dataclasses.replace(sample_analysis, source=str(tmp_path / "Jane_Doe_passport.jpg"))
    cache.keep(Engine(), kept)
    cache.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("analyses.sqlite3*"))
    assert b"Jane_Doe" not in stored and b'"embedding"' not in stored and b"0.25, 0.25" not in stored
    assert sample_analysis.faces[0].embedding.shape == (128,)  # in memory, where the checks use it
    reopened, said = open_cache(path)  # a cache of this version is kept
    assert reopened is not None and reopened.get(sample_analysis.image_sha256, KEY) is not None
    assert reopened._conn.execute("PRAGMA user_version").fetchone()[0] == NO_TEMPLATES
    reopened.close()


def test_an_update_deletes_a_cache_of_other_versions_whole_leaving_no_journal_behind(tmp_path, caplog):
    # deleting 3,000 other-version rows one by one took 1.4 s at start-up and left a 436 MB journal (review)
    from pfiq_desktop.review.cache import AnalysisCache, open_cache

    path = tmp_path / "cache.sqlite3"
    earlier = AnalysisCache(path)
    for n in range(300):
        earlier.put(f"{n:064d}", engine_key("m" * 8, "e", "gradient", "0.4.8"), "x" * 20_000)
    earlier.close()
    caplog.set_level("INFO")
    cache, said = open_cache(path)
    assert cache is not None and said == "" and cache.retired == 300
    assert f"deleted {path}: its 300 analyses were made by version 0.4.8" in caplog.text  # for support: why it was slow
    journal = path.with_name(path.name + "-wal")
    assert not journal.exists() or journal.stat().st_size < 500_000, journal.stat().st_size
    assert path.stat().st_size < 500_000  # a new file, not 6 MB of freed pages


def test_the_commands_use_the_profiles_kept_in_the_windows_store_and_say_when_it_cannot_be_read(data_dir, capsys):
    # `pfiq analyse` and `pfiq compare` judged a child's photo under the adult rules it was spared in the window
    import argparse

    from pfiq_desktop import appdirs
    from pfiq_desktop.cli.common import SavedSetting, kept_profiles

    photo = data_dir.parent / "child.jpg"
    saved, named = (argparse.Namespace(profile=SavedSetting("icao-9303"), store=None, no_store=False),
                    argparse.Namespace(profile="lenient", store=None, no_store=False))
    assert kept_profiles(saved).for_file(photo, "c" * 64) == ""  # no store yet: none kept, nothing said
    with ReviewStore(appdirs.store_path()) as store:
        store.keep_photo_profile(photo, "c" * 64, "uk-passport-child-under-6")
    assert kept_profiles(saved).for_file(photo, "c" * 64) == "uk-passport-child-under-6"
    assert kept_profiles(named).for_file(photo, "c" * 64) == ""  # --profile NAME judges every photo
    assert capsys.readouterr().err == ""
    # a store named by --store and mistyped is said, as `pfiq report` says it (it was passed over silently: review)
    typo = argparse.Namespace(profile=SavedSetting("icao-9303"), store=str(data_dir / "typo.sqlite3"), no_store=False)
    assert kept_profiles(typo).for_file(photo, "c" * 64) == ""
    assert f"note: no review store at {data_dir / 'typo.sqlite3'}" in capsys.readouterr().err
    appdirs.store_path().write_bytes(b"not a database at all " * 100)
    for suffix in ("-wal", "-shm"):
        appdirs.store_path().with_name(appdirs.store_path().name + suffix).unlink(missing_ok=True)
    assert kept_profiles(saved).for_file(photo, "c" * 64) == ""
    assert "note: the profiles kept in the window for single photos are not used: " in capsys.readouterr().err


def test_pfiq_analyse_goes_on_when_a_photo_with_a_kept_profile_is_moved_or_replaced_meanwhile(data_dir, analyzer, tmp_path):
    # the photo moved away between its analysis and its re-check under the kept profile ended the run with a traceback
    # (the loader's error is not an OSError), and a replaced one was judged on the old photo's faces (review)
    import argparse
    import shutil

    from pfiq_desktop import appdirs
    from pfiq_desktop.cli.analyse import _judged_as_in_the_window
    from pfiq_desktop.cli.common import SavedSetting, kept_profiles
    from tests.photos import portrait_paths

    photo = tmp_path / "child.jpg"
    shutil.copy(portrait_paths()[0], photo)
    analysis = analyzer.analyse(photo)
    with ReviewStore(appdirs.store_path()) as store:
        store.keep_photo_profile(photo, analysis.image_sha256, "uk-passport-child-under-6")
    saved = argparse.Namespace(profile=SavedSetting("icao-9303"), store=None, no_store=False)
    kept = kept_profiles(saved)
    assert _judged_as_in_the_window(analyzer, kept, analysis).profile == "uk-passport-child-under-6"
    for change in ("moved", "replaced"):
        if change == "moved":
            photo.rename(tmp_path / "elsewhere.jpg")
        else:
            shutil.copy(portrait_paths()[1], photo)
        kept = kept_profiles(saved)
        assert _judged_as_in_the_window(analyzer, kept, analysis).profile == "icao-9303", change  # as analysed
        assert any("child.jpg" in line and "reported as analysed" in line for line in kept.notes()), (change, kept.notes())
