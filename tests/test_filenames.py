"""File names that are not valid UTF-8 (Linux bytes) work everywhere: store, outputs, CSV, JSON, PDF, CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import cv2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pfiq_desktop.engine.filenames import display_name, first_few, is_valid_text, path_from_text, path_text
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.reports.naming import safe_stem, unique_stems
from tests.photos import REPO

LATIN1 = os.fsdecode(b"caf\xe9")  # 'café' saved by a Latin-1 system: not UTF-8

names = st.binary(min_size=1, max_size=60).filter(lambda b: b"/" not in b and b"\x00" not in b)


@settings(max_examples=400, deadline=None)
@given(names, names)
def test_path_text_is_valid_utf8_reversible_and_injective(first, second):
    a, b = os.fsdecode(b"/photos/" + first), os.fsdecode(b"/photos/" + second)
    text_a, text_b = path_text(a), path_text(b)
    assert is_valid_text(text_a) and text_a.encode("utf-8")
    assert path_from_text(text_a) == a
    assert (text_a == text_b) == (a == b)
    if is_valid_text(a):
        assert text_a == a  # every valid name is stored as it always was


@settings(max_examples=400, deadline=None)
@given(names)
def test_output_stems_and_display_names_are_always_valid(name):
    text = os.fsdecode(name)
    assert is_valid_text(display_name(text))
    stem = safe_stem(text)
    assert stem and is_valid_text(stem) and len(stem.encode("utf-8")) <= 100
    assert not set(stem) & set('<>:"/\\|?*\n\r\t')


def test_display_and_stems_keep_the_readable_part():
    assert display_name(LATIN1 + ".jpg") == "caf\\xe9.jpg"
    assert unique_stems([f"/x/{LATIN1}.jpg", "/y/caf_xe9.jpg"]) == ["caf_xe9", "caf_xe9_2"]


def test_a_name_cannot_reorder_the_text_drawn_round_it():
    # international walk-through: applicant_1<RLO>2_tnacilppa.jpg read "applicant_1applicant_2 gpj." in the summary PDF
    # and printed the SHA-256 after it backwards; the officer now sees the control, as the command line showed it
    assert display_name("applicant_1\u202e2_tnacilppa.jpg") == "applicant_1\\u202e2_tnacilppa.jpg"
    assert display_name("\u2067x\u2069\u202a.jpg") == "\\u2067x\\u2069\\u202a.jpg"
    assert display_name("\u200fשלום כהן.jpg") == "\u200fשלום כהן.jpg"  # a right-to-left mark belongs to the name
    # output names keep the photo's own (an escaped one left 0.4.8's reports of it beside the new: upgrade walk-through)
    assert safe_stem("applicant_1\u202e2_tnacilppa") == "applicant_1\u202e2_tnacilppa"


def test_the_store_records_and_finds_decisions_for_such_files(tmp_path):
    from pfiq_desktop.review import ReviewStore

    photo = tmp_path / f"{LATIN1}.jpg"
    photo.write_bytes(b"x")
    with ReviewStore(tmp_path / "reviews.sqlite3") as store:
        store.record_decision(photo, "a" * 64, "reject", officer="kim")
        assert store.decision_for(photo, "a" * 64).path == str(photo)
        assert store.decisions_for_paths([photo])[str(photo)].decision == "reject"
        assert store.audit_log()[0].path == str(photo)
        assert store.verify().ok


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory):
    """The sample portrait under a Latin-1 name, a name with a newline, and a plain name."""
    from tests.reports.synthetic import sample_rgb

    folder = tmp_path_factory.mktemp("odd")
    bgr = cv2.cvtColor(sample_rgb(), cv2.COLOR_RGB2BGR)
    for name in (f"{LATIN1}.jpg", "two\nlines.jpg", "plain.jpg"):
        cv2.imencode(".jpg", bgr)[1].tofile(str(folder / name))
    return folder


def pfiq(*args: str, data: os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PFIQ_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-m", "pfiq_desktop.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env=env, errors="backslashreplace")


def test_analyse_and_report_a_folder_with_odd_names(odd_folder, tmp_path):
    """Nothing aborts the batch; every format is written; the CLI table stays one line per photo."""
    out = tmp_path / "out"
    run = pfiq("analyse", str(odd_folder), "--out", str(out), "--device", "cpu", data=tmp_path / "data")
    assert run.returncode == 0, run.stderr
    assert "caf\\xe9.jpg" in run.stdout and "two\\nlines.jpg" in run.stdout
    table = [line for line in run.stdout.splitlines() if line.startswith(("caf", "two", "plain"))]
    assert len(table) == 3  # the newline in a name did not break a row
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["caf_xe9.json", "caf_xe9.png", "two_lines.json", "two_lines.png", "plain.json", "plain.png"])
    reports = tmp_path / "reports"
    run = pfiq("report", str(odd_folder), "--out", str(reports), "--format", "pdf,png,csv,json", "--device", "cpu",
               data=tmp_path / "data")
    assert run.returncode == 0, run.stderr
    assert {"caf_xe9.pdf", "caf_xe9.png", "pfiq-results.csv", "pfiq-results.json", "pfiq-summary.pdf"} <= {
        p.name for p in reports.iterdir()}
    rows = list(csv.DictReader((reports / "pfiq-results.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    by_file = {row["file"]: row for row in rows}
    assert set(by_file) == {"caf\\xe9.jpg", "two\nlines.jpg", "plain.jpg"}
    assert path_from_text(by_file["caf\\xe9.jpg"]["path"]) == str(odd_folder / f"{LATIN1}.jpg")
    exported = json.loads((reports / "pfiq-results.json").read_text(encoding="utf-8"))
    sources = {photo["file"]: photo["analysis"]["source"] for photo in exported["photos"]}
    assert path_from_text(sources["caf\\xe9.jpg"]) == str(odd_folder / f"{LATIN1}.jpg")
    from pypdf import PdfReader

    text = PdfReader(str(reports / "caf_xe9.pdf")).pages[0].extract_text()
    assert "caf\\xe9.jpg" in text


def test_the_browser_and_a_decision_work_for_such_files(qapp, odd_folder, tmp_path):
    from pfiq_desktop.gui.browser import read_thumbnail
    from pfiq_desktop.review import ReviewStore
    from pfiq_desktop.review.session import ReviewSession

    with ReviewStore(tmp_path / "reviews.sqlite3") as store:
        session = ReviewSession(store, officer="kim")
        session.open([str(odd_folder)])
        record = session.record(str(odd_folder / f"{LATIN1}.jpg"))
        assert record is not None and record.name == "caf\\xe9.jpg"
        assert not read_thumbnail(record.path).isNull()
        assert session.decide(record.path, "reject", ["framing"], "").decision == "reject"
        assert store.decisions_for_paths([record.path])[record.path].decision == "reject"


def test_first_few_names_the_first_and_counts_the_rest():
    names = [f"IMG_{i}.jpg" for i in range(12)]
    assert first_few(names, 3) == "IMG_0.jpg, IMG_1.jpg, IMG_2.jpg and 9 more"
    assert first_few(names[:3], 3) == "IMG_0.jpg, IMG_1.jpg, IMG_2.jpg"
    assert first_few(names[:3], 2, "\n") == "IMG_0.jpg\nIMG_1.jpg and 1 more"


def test_result_names_step_past_another_items_results_and_keep_an_items_own(tmp_path):
    # camera names repeat between applicants: IMG_0001 of folder b was refused beside folder a's, and --overwrite then
    # replaced a's result; b's own earlier result, numbered IMG_0001_2 by a run over both, was not found again
    import json

    from pfiq_desktop.reports.naming import result_stems

    def made_for(result):
        return json.loads(result.read_text())["key"] if result.exists() else None

    def write(stem, key):
        (tmp_path / f"{stem}.json").write_text(json.dumps({"key": key}))

    assert result_stems(tmp_path, ["a/IMG_0001.jpg", "b/IMG_0001.jpg"], ["a", "b"], made_for) == ["IMG_0001", "IMG_0001_2"]
    write("IMG_0001", "a")
    write("IMG_0001_2", "b")
    assert result_stems(tmp_path, ["b/IMG_0001.jpg"], ["b"], made_for) == ["IMG_0001_2"]  # its own, found again
    assert result_stems(tmp_path, ["a/IMG_0001.jpg"], ["a"], made_for) == ["IMG_0001"]
    assert result_stems(tmp_path, ["c/IMG_0001.jpg"], ["c"], made_for) == ["IMG_0001_3"]  # a third applicant
    # a gap in the numbers does not hide an item's own result (IMG_0001_2 deleted, c's at IMG_0001_3)
    write("IMG_0001_3", "c")
    (tmp_path / "IMG_0001_2.json").unlink()
    assert result_stems(tmp_path, ["c/IMG_0001.jpg"], ["c"], made_for) == ["IMG_0001_3"]
    write("IMG_0001_2", "b")
    (tmp_path / "IMG_0001_3.json").unlink()
    # an item's own earlier name is kept even where an item listed before it needs a new one
    assert result_stems(tmp_path, ["c/IMG_0001.jpg", "b/IMG_0001.jpg"], ["c", "b"], made_for) == ["IMG_0001_3", "IMG_0001_2"]
    assert result_stems(tmp_path, ["d/img_0001.jpg", "e/Img_0001.jpg"], ["d", "e"], made_for)[1].casefold() != (
        result_stems(tmp_path, ["d/img_0001.jpg", "e/Img_0001.jpg"], ["d", "e"], made_for)[0].casefold())


def test_an_analysis_names_such_a_photo_in_valid_utf8_and_reads_it_back():
    # international walk-through: the analysis JSON held the name as lone surrogates ("\udcff"), which jq turned into
    # U+FFFD (the path lost) and strict parsers refuse; the results JSON used the reversible bytes: form already
    source = "/photos/" + LATIN1 + ".jpg"
    written = Analysis(source=source, image_size=(10, 10)).to_json()
    assert is_valid_text(json.loads(written)["source"]) and "\\udc" not in written
    assert Analysis.from_json(written).source == source
    assert Analysis.from_json(Analysis(source="/photos/Ωμέγα.jpg", image_size=(1, 1)).to_json()).source == "/photos/Ωμέγα.jpg"
