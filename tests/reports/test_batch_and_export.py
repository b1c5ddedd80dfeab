"""Batch summary (300 photos under 60 s), CSV/JSON export, runner, CLI, atomic writes, safe names."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import shutil
import subprocess
import time
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from pfiq_desktop.atomic import OutputError
from pfiq_desktop.engine.results import Analysis, Verdict
from pfiq_desktop.reports.batch import failing_checks, summary_counts, write_batch_summary
from pfiq_desktop.reports.drawing import undrawable
from pfiq_desktop.reports.export import write_csv, write_json
from pfiq_desktop.reports.inputs import DecisionInfo, ReportItem
from pfiq_desktop.reports.naming import safe_stem, unique_stems
from pfiq_desktop.reports.paged import ReportCancelled
from pfiq_desktop.reports.runner import export_reports, planned_outputs
from pfiq_desktop.review.reasons import problem_label
from tests.reports.conftest import render_page
from tests.reports.synthetic import SAMPLE

DECISIONS = [None, {"decision": "accept", "officer": "a.lee", "note": "ok"}, {"decision": "reject", "officer": "b.kim"},
             {"decision": "retake", "officer": "a.lee"}]


def make_batch(base: Analysis, folder, n: int) -> list[ReportItem]:
    """n cached analyses re-using one real result with different sources, verdict mixes and decisions."""
    folder.mkdir(exist_ok=True)
    items = []
    for i in range(n):
        path = folder / f"photo_{i:03d}.jpg"
        if i < 3:
            shutil.copy(SAMPLE, path)  # most sources are missing on purpose: the summary must cope
        checks = [dataclasses.replace(c, verdict=Verdict.PASS) if (i + k) % 4 else c for k, c in enumerate(base.checks)]
        faces = [dataclasses.replace(f, quality=(i % 10) / 10 + 0.05) for f in base.faces]
        analysis = dataclasses.replace(base, source=str(path), checks=checks, faces=faces, image_sha256=f"{i:064x}")
        items.append(ReportItem(analysis, DECISIONS[i % 4]))
    return items


def test_batch_summary_of_300_photos_under_60_s(tmp_path, sample_analysis):
    items = make_batch(sample_analysis, tmp_path / "photos", 300)
    target = tmp_path / "summary.pdf"
    start = time.perf_counter()
    pages = write_batch_summary(target, items, "A4", officer="supervisor", links=[f"photo_{i:03d}.pdf" for i in range(300)])
    seconds = time.perf_counter() - start
    assert seconds < 60, f"300-photo summary took {seconds:.1f} s (target < 60 s)"
    reader = PdfReader(str(target))
    assert len(reader.pages) == pages >= 2
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "photo_000.jpg" in text and "photo_299.jpg" in text
    counts = summary_counts(items)
    assert sum(sum(v.values()) for v in counts.values()) == 300
    assert f"{sum(counts['fail'].values())}" in text
    for _, name, _fails, _ in failing_checks(items)[:3]:
        assert name in text
    uris = [a.get_object().get("/A", {}).get("/URI") for p in reader.pages for a in p.get("/Annots", [])]
    assert "photo_000.pdf" in uris and "photo_299.pdf" in uris
    # a name outside ASCII links to its own file ("Łukasz_Иван.pdf" had become "?ukasz_????.pdf")
    write_batch_summary(target, items[:1], "A4", links=["Łukasz_Иван.pdf"])
    (uri,) = [a.get_object()["/A"]["/URI"] for p in PdfReader(str(target)).pages for a in p.get("/Annots", [])]
    assert unquote(uri) == "Łukasz_Иван.pdf", uri
    image = render_page(target, 1, dpi=30)
    assert (image.mean(axis=2) < 128).mean() > 0.01


def test_the_summary_writes_each_verdict_whole(tmp_path, sample_analysis):
    """The verdict column broke "Warnin / g" on every warned row: to a colour-blind officer the word is the cue
    (accessibility walk-through)."""
    def judged(verdict: Verdict) -> ReportItem:
        checks = [dataclasses.replace(c, verdict=verdict if n == 0 else Verdict.PASS) for n, c in enumerate(sample_analysis.checks)]
        return ReportItem(dataclasses.replace(sample_analysis, checks=checks))

    write_batch_summary(tmp_path / "s.pdf", [judged(v) for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL)], "A4")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(tmp_path / "s.pdf")).pages)
    table = text.split("Problems Decision", 1)[1]
    assert all(word in table for word in ("Pass", "Warning", "Fail")), table
    warned = problem_label(sample_analysis.checks[0])
    assert f"{warned}?" in table, table  # what the warning found, to look at (walk-through: warnings were unlisted)


def test_the_summary_says_when_verdicts_were_made_later_than_the_analyses(tmp_path, sample_analysis):
    # verdicts judged under another profile from cached analyses: "Analysed 13:50" alone hid that the UK verdicts were
    # made at 13:52 (supervisor's walk-through)
    def summary(analysis) -> str:
        write_batch_summary(tmp_path / "s.pdf", [ReportItem(analysis)], "A4")
        return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(tmp_path / "s.pdf")).pages)

    later = dataclasses.replace(sample_analysis, created="2031-01-02T03:00:00+00:00", checked="2031-01-02T03:04:05+00:00")
    assert "Checked 2031-01-02 03:04:05" in summary(later)
    assert "Checked" not in summary(dataclasses.replace(later, checked=later.created))


def test_summary_counts_and_ranking(sample_analysis, tmp_path):
    items = make_batch(sample_analysis, tmp_path / "p", 8)
    counts = summary_counts(items)
    assert counts[items[1].analysis.verdict]["accept"] >= 1
    ranked = failing_checks(items)
    assert [r[2] for r in ranked] == sorted((r[2] for r in ranked), reverse=True)


def test_csv_and_json_export(tmp_path, sample_analysis):
    items = make_batch(sample_analysis, tmp_path / "p", 4)
    items[1].decision.note = "=HYPERLINK(\"http://x\")"  # would run as a formula in a spreadsheet
    write_csv(tmp_path / "r.csv", items)
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"] for r in rows] == [f"photo_{i:03d}.jpg" for i in range(4)]
    assert rows[1]["decision"] == "accept" and rows[2]["decision"] == "reject" and rows[0]["decision"] == ""
    assert rows[1]["decision_note"].startswith("'=")
    # where a spreadsheet splits on ";" (much of Europe), a ";" in a note or a file name must not start a new cell
    for note in ('x;=HYPERLINK("http://x");y', 'a;"=1+1"', "a;\n=1+1", "x\r=1"):  # (behind a quote, after a line break)
        items[2].decision.note = note
        write_csv(tmp_path / "r.csv", items)
        with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as handle:
            by_semicolon = list(csv.reader(handle, delimiter=";"))
        assert not any(cell.lstrip('" ').startswith("=") for row in by_semicolon for cell in row), (note, by_semicolon[3:])
    first = sample_analysis.checks[0]
    assert f"{first.id}:verdict" in rows[0] and rows[0]["verdict"] == items[0].analysis.verdict
    assert float(rows[3]["quality"]) == pytest.approx(items[3].analysis.faces[0].quality)

    write_json(tmp_path / "r.json", items)
    data = json.loads((tmp_path / "r.json").read_text())
    assert len(data["photos"]) == 4 and data["photos"][2]["decision"]["decision"] == "reject"
    restored = Analysis.from_dict(data["photos"][3]["analysis"])
    assert restored.to_dict() == items[3].analysis.to_dict()
    assert items[3].analysis.faces[0].embedding.size and '"embedding"' not in (tmp_path / "r.json").read_text()


def test_the_csv_has_the_same_columns_whatever_the_batch_holds(tmp_path, sample_analysis):
    # a day of only unreadable files gave 38 columns, a day of photos 161: an office appending each day's CSV broke
    from pfiq_desktop.engine.icao import CHECKS

    items = make_batch(sample_analysis, tmp_path / "p", 1)
    unreadable = ReportItem(Analysis(source=str(tmp_path / "empty.jpg"), image_size=(0, 0), errors=["empty file"]))
    for name, batch in (("photos.csv", items), ("unreadable.csv", [unreadable])):
        write_csv(tmp_path / name, batch)
    headers = [(tmp_path / name).read_text(encoding="utf-8-sig").splitlines()[0] for name in ("photos.csv", "unreadable.csv")]
    assert headers[0] == headers[1]
    assert all(f"{check_id}:verdict" in headers[0] for check_id in CHECKS)  # those the profile switches off too


def test_runner_writes_every_format_with_progress(tmp_path, sample_analysis, sample_image):
    items = make_batch(sample_analysis, tmp_path / "p", 3)
    items[0].image = sample_image
    seen = []
    result = export_reports(items, tmp_path / "out", ["pdf", "png", "csv", "json"], "Letter", officer="me",
                            progress=lambda d, t, n: seen.append((d, t, n)))
    names = sorted(p.name for p in result.files)
    assert names == sorted(["photo_000.pdf", "photo_001.pdf", "photo_002.pdf", "photo_000.png", "photo_001.png",
                            "photo_002.png", "pfiq-summary.pdf", "pfiq-results.csv", "pfiq-results.json"])
    assert all(p.stat().st_size > 0 for p in result.files)
    assert seen[-1][0] == seen[-1][1] == len(result.files)
    # the summary's thumbnails say how far it is (a summary of hundreds of photos showed one name for minutes), and the
    # bar stays at the summary's step while they do
    summary = [(d, n) for d, _, n in seen if n.startswith("pfiq-summary.pdf: photo ")]
    assert [n for _, n in summary] == [f"pfiq-summary.pdf: photo {i} of 3" for i in (1, 2, 3)], seen
    assert len({d for d, _ in summary}) == 1 and [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".part")]


def test_an_export_says_which_characters_no_font_here_can_draw(tmp_path, sample_analysis):
    # international walk-through: a Japanese officer's name and note printed as empty boxes, without a word. Cuneiform
    # stands for a script with no font installed (none of the fonts setup.sh installs has it)
    assert undrawable("Müller Παπαδόπουλος محمد עלי Ōsaka 𒀀𒀁 𒀀") == "𒀀𒀁"
    # a script Qt's fallback draws as boxes without a missing glyph (a review found Devanagari unflagged)
    if not subprocess.run(["fc-list", ":lang=hi"], capture_output=True, text=True).stdout.strip():
        assert undrawable("हिन्दी") == "हिन्दी"
    items = make_batch(sample_analysis, tmp_path / "p", 1)
    items[0].decision = DecisionInfo.from_any({"decision": "reject", "officer": "a.lee", "note": "see 𒀀"})
    drawn = export_reports(items, tmp_path / "out", ["pdf", "csv"], officer="me")
    assert drawn.undrawable == "𒀀" and "𒀀" in drawn.font_note and not any("𒀀" in problem for problem in drawn.problems)
    assert not export_reports(items, tmp_path / "csv_only", ["csv"], officer="me").font_note  # the CSV keeps the text


def test_the_fonts_asked_in_an_export_thread_still_answer_after_it_ends(qapp):
    # the fonts kept from the window's export thread answered for Latin letters alone once it had ended: the next
    # export then called Greek, Arabic and Hebrew names undrawable
    from PySide6.QtCore import QThread

    class Export(QThread):
        def run(self):
            self.found = undrawable("Παπαδόπουλος محمد 𒀀")

    export = Export()
    export.start()
    assert export.wait(10_000) and export.found == "𒀀"
    assert undrawable("Παπαδόπουλος محمد עלי 𒀀") == "𒀀"


def test_a_japanese_officers_name_is_drawn_where_setup_installed_a_font():
    if not subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout.strip():
        pytest.skip("no Japanese font on this machine: scripts/setup.sh installs fonts-wqy-microhei when run as root")
    assert undrawable("審査官 佐藤花子 김민준 王秀英") == ""


def test_cancel_stops_between_files_and_leaves_no_partial_file(tmp_path, sample_analysis):
    items = make_batch(sample_analysis, tmp_path / "p", 3)
    calls = {"n": 0}

    def should_cancel():
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(ReportCancelled) as stop:
        export_reports(items, tmp_path / "out", ["pdf"], should_cancel=should_cancel)
    left = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert left and sorted(p.name for p in stop.value.written) == left  # the finished files, and only they
    assert all(not n.endswith(".part") for n in left)
    assert all(PdfReader(str(tmp_path / "out" / n)).pages for n in left)


def test_failure_mid_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, sample_analysis, monkeypatch):
    import pfiq_desktop.atomic as atomic
    from pfiq_desktop.reports import pdf_report

    target = tmp_path / "report.pdf"
    pdf_report.write_pdf_report(target, sample_analysis)
    before = target.read_bytes()
    real_write = os.write

    def half_then_full(handle, data):  # the first block lands, then the disk is full
        if len(data) > 1000:
            return real_write(handle, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", half_then_full)
    with pytest.raises(OutputError, match=r"report\.pdf: No space left on device"):
        pdf_report.write_pdf_report(target, sample_analysis)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_qt_failing_to_finish_a_pdf_is_an_output_error(tmp_path, sample_analysis, monkeypatch):
    """QPainter.end() returning False (Qt could not write) must never pass as a written report."""
    from PySide6.QtGui import QPainter

    from pfiq_desktop.reports import pdf_report

    real_end = QPainter.end
    monkeypatch.setattr(QPainter, "end", lambda self: real_end(self) and False)  # ended, but reported as failed
    with pytest.raises(OutputError, match=r"Cannot write .*broken\.pdf: the PDF writer could not finish"):
        pdf_report.write_pdf_report(tmp_path / "broken.pdf", sample_analysis)
    assert not list(tmp_path.iterdir())


def test_full_disk_at_rename_and_unwritable_folder_give_clear_errors(tmp_path, sample_analysis, monkeypatch):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=r"Cannot use .*not_a_folder.out as the output folder: .*not_a_folder is a file, not a folder"):
        export_reports([ReportItem(sample_analysis)], blocker / "out", ["pdf", "csv"])
    if os.geteuid() != 0:  # root ignores permission bits
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(OutputError, match="Cannot write"):
            write_csv(locked / "r.csv", [ReportItem(sample_analysis)])

    import pfiq_desktop.atomic as atomic

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", no_space)
    with pytest.raises(OutputError, match="No space left"):
        write_csv(tmp_path / "full.csv", [ReportItem(sample_analysis)])
    assert not list(tmp_path.glob("*full.csv*"))


def test_a_failed_export_says_which_reports_it_kept_and_how_to_finish(tmp_path, sample_analysis, monkeypatch, capsys):
    # on a full disk the window said "The reports could not be written" over two whole PDFs it had kept, and the CLI's
    # re-run then stopped at "reports already exist" without having said --overwrite
    from pfiq_desktop.cli import main
    from pfiq_desktop.reports import runner

    def full(path, items):
        raise OutputError(f"Cannot write {path}: No space left on device")

    monkeypatch.setattr(runner, "write_csv", full)
    items = make_batch(sample_analysis, tmp_path / "photos", 2)
    with pytest.raises(OutputError) as caught:
        export_reports(items, tmp_path / "out", ["pdf", "csv"])
    assert [p.name for p in caught.value.written] == ["photo_000.pdf", "photo_001.pdf", "pfiq-summary.pdf"]
    assert runner.kept_text(caught.value.written, tmp_path / "out", "export again") == (
        f"3 files finished before it were kept in {tmp_path / 'out'} (export again): photo_000.pdf, photo_001.pdf, "
        "pfiq-summary.pdf.")
    saved = tmp_path / "a.json"
    saved.write_text(sample_analysis.to_json())
    assert main(["report", str(saved), "--out", str(tmp_path / "cli"), "--format", "pdf,csv", "--no-store"]) == 3
    said = capsys.readouterr().err
    assert "No space left on device" in said and "1 file finished before it was kept in" in said
    assert "(to finish, run it again with --overwrite): sample_astronaut.pdf." in said


@pytest.mark.parametrize(
    ("name", "expected"),
    [("photo", "photo"), ("a:b*c?<>|\"d", "a_b_c_____d"), ("CON", "_CON"), ("com1", "_com1"), ("nul.tar", "_nul.tar"),
     ("  dots... ", "dots"), ("...", "photo"), ("", "photo"), ("tab\there", "tab_here"), ("e\u0301te", "\u00e9te"),
     ("a/b\\c", "a_b_c")],
)
def test_safe_stem(name, expected):
    assert safe_stem(name) == expected


def test_safe_stem_length_and_unique_stems():
    long = "é" * 300
    assert len(safe_stem(long).encode("utf-8")) <= 100
    assert unique_stems(["a/Photo.jpg", "b/photo.png", "c/PHOTO.jpg", "d/x.jpg"]) == ["Photo", "photo_2", "PHOTO_3", "x"]


def test_planned_outputs_never_clash_with_batch_files(sample_analysis):
    items = [ReportItem(dataclasses.replace(sample_analysis, source=s)) for s in ("pfiq-summary.jpg", "x/pfiq-results.png")]
    names = [p.name for _, p, _ in planned_outputs(items, "out", ["pdf", "csv"])]
    assert len(names) == len(set(names)) and "pfiq-summary.pdf" in names and "pfiq-summary_2.pdf" in names


def test_outputs_planned_beside_an_earlier_export_replace_nothing(sample_analysis, tmp_path):
    # "Keep both" in the window: camera names repeat, and an earlier applicant's IMG_0001.pdf stays (counter walk-through)
    for name in ("IMG_0001.pdf", "pfiq-summary.pdf", "pfiq-results.csv"):
        (tmp_path / name).write_bytes(b"earlier")
    items = [ReportItem(dataclasses.replace(sample_analysis, source=s)) for s in ("a/IMG_0001.jpg", "b/IMG_0001.jpg",
                                                                                    "c/pfiq-summary.jpg")]
    names = [p.name for _, p, _ in planned_outputs(items, tmp_path, ["pdf", "png", "csv"], beside=True)]
    assert names == ["IMG_0001_2.pdf", "IMG_0001_2.png", "IMG_0001_3.pdf", "IMG_0001_3.png", "pfiq-summary_3.pdf",
                     "pfiq-summary_3.png", "pfiq-summary_2.pdf", "pfiq-results_2.csv"], names
    assert [p.name for _, p, _ in planned_outputs(items, tmp_path, ["pdf"])][0] == "IMG_0001.pdf"  # replaced, when asked


def test_cli_report_from_saved_analysis(tmp_path, sample_analysis, capsys):
    from pfiq_desktop.cli import build_parser

    saved = tmp_path / "sample.json"
    saved.write_text(dataclasses.replace(sample_analysis, source=str(SAMPLE)).to_json())
    parser = build_parser()
    args = parser.parse_args(["report", str(saved), "--out", str(tmp_path / "out"), "--format", "pdf,png,csv",
                              "--page-size", "Letter", "--no-store", "--officer", "cli.user"])
    assert args.handler(args) == 0
    out = tmp_path / "out"
    # outputs are named after the photo the analysis describes, not after the JSON file
    assert sorted(p.name for p in out.iterdir()) == ["pfiq-results.csv", "sample_astronaut.pdf", "sample_astronaut.png"]
    assert "cli.user" in PdfReader(str(out / "sample_astronaut.pdf")).pages[0].extract_text()
    # a second export into the same folder stops before replacing anything, unless told to replace
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    again = ["report", str(saved), "--out", str(out), "--format", "pdf,png,csv", "--no-store", "--officer", "other.user"]
    args = parser.parse_args(again)
    assert args.handler(args) == 2
    err = capsys.readouterr().err
    assert "3 reports already exist" in err and "sample_astronaut.pdf" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    args = parser.parse_args([*again, "--overwrite"])
    assert args.handler(args) == 0
    assert "other.user" in PdfReader(str(out / "sample_astronaut.pdf")).pages[0].extract_text()

    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = parser.parse_args(["report", str(saved), "--out", str(blocker / "sub"), "--no-store"])
    assert args.handler(args) == 3  # no output can be written: said before anything is analysed
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["report", str(saved), "--out", "x", "--format", "docx"])


def test_review_store_decisions_reach_the_report_inputs(decided_item):
    assert decided_item.decision.decision == "reject"
    assert decided_item.decision.officer == "j.smith"
    assert [e.decision for e in decided_item.audit] == ["retake", "reject"]


def test_error_and_missing_photos_in_every_format(tmp_path, sample_analysis):
    broken = Analysis(source=str(tmp_path / "broken.jpg"), image_size=(0, 0), errors=["Cannot read broken.jpg: not an image"])
    gone = dataclasses.replace(sample_analysis, source=str(tmp_path / "gone.jpg"))
    # a hand-edited result file whose face cannot be drawn: the traceback ended the batch and its later reports
    edited = dataclasses.replace(sample_analysis, source=str(SAMPLE), faces=[
        dataclasses.replace(face, photo_shape=(-1, 5)) for face in sample_analysis.faces])
    items = [ReportItem(broken), ReportItem(gone), ReportItem(edited)]
    result = export_reports(items, tmp_path / "out", ["pdf", "png", "csv", "json"])
    names = sorted(p.name for p in result.files)
    assert names == sorted(["broken.pdf", "broken.png", "gone.pdf", "gone.png", "pfiq-summary.pdf", "pfiq-results.csv",
                            "pfiq-results.json"])
    text = " ".join(PdfReader(str(tmp_path / "out" / "pfiq-summary.pdf")).pages[0].extract_text().split())
    assert "Error" in text and "broken.jpg" in text and "gone.jpg" in text and SAMPLE.name in text
    assert result.photo_problems == [f"gone.jpg: the photo is not at {tmp_path / 'gone.jpg'}; its report shows none"]
    assert result.not_drawn == [f"{SAMPLE.name}: its PDF and PNG reports could not be drawn (negative dimensions are not "
                                "allowed); the other reports were written"]


def test_cli_reads_decisions_from_the_review_store(tmp_path, sample_analysis):
    from pfiq_desktop.cli import build_parser
    from pfiq_desktop.review import ReviewStore

    analysis = dataclasses.replace(sample_analysis, source=str(SAMPLE), image_sha256=sample_analysis.image_sha256 or "f" * 64)
    saved = tmp_path / "sample.json"
    saved.write_text(analysis.to_json())
    with ReviewStore(tmp_path / "reviews.sqlite3", app_version="0.1.0") as store:
        store.record_decision(SAMPLE, analysis.image_sha256, "retake", reasons=["lighting"], note="Shadow on the wall.",
                              officer="c.ortiz")
    parser = build_parser()
    args = parser.parse_args(["report", str(saved), "--out", str(tmp_path / "out"), "--format", "pdf,csv",
                              "--store", str(tmp_path / "reviews.sqlite3")])
    assert args.handler(args) == 0
    text = " ".join(PdfReader(str(tmp_path / "out" / "sample_astronaut.pdf")).pages[0].extract_text().split())
    assert "NEEDS RETAKE" in text and "Shadow on the wall." in text and "c.ortiz" in text
    rows = list(csv.DictReader((tmp_path / "out" / "pfiq-results.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["decision"] == "retake" and rows[0]["decision_officer"] == "c.ortiz"


def test_the_summary_says_who_decided_and_when(decided_item):
    # the summary listed a decision without its time: a supervisor had to open each photo's PDF
    from pfiq_desktop.reports.batch import _photo_rows
    from pfiq_desktop.review.values import when

    (row,) = _photo_rows([decided_item], [""], [""], 40)
    assert "j.smith" in row and when(decided_item.decision.decided_at) in row


def test_the_summary_says_why_a_photo_was_sent_back(decided_item):
    # a supervisor saw "Reject" and had to open the photo's PDF to learn why
    import dataclasses

    from pfiq_desktop.reports.batch import NOTE_CHARS, _photo_rows

    (row,) = _photo_rows([decided_item], [""], [""], 40)
    assert "mouth open, background: “New photo needed: neutral expression" in row
    long_note = "The applicant wore a hat and glasses and the wall behind had a poster on it; " * 3
    item = dataclasses.replace(decided_item, decision=dataclasses.replace(decided_item.decision, note=long_note))
    (row,) = _photo_rows([item], [""], [""], 40)
    assert long_note[:30] in row and long_note not in row and " …" in row
    assert len(long_note) > NOTE_CHARS
    # an accept over failed checks keeps its whole note: the justification ended "... by supervisor policy 4.2"
    overridden = [c.id for c in decided_item.analysis.failed_checks()][:1]
    justified = dataclasses.replace(decided_item.decision, decision="accept", overridden=overridden, note=long_note)
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=justified)], [""], [""], 40)
    assert long_note.strip() in row.replace("<br/>", " ")


def test_the_summary_says_which_photo_was_judged_under_another_profile_than_the_rest(decided_item):
    # a child's photo given its own profile among adults: "Profile(s): icao-9303, uk-passport-child-under-6" in the
    # header, and no row said which photo had which
    from pfiq_desktop.reports.batch import _photo_rows

    child = dataclasses.replace(decided_item, analysis=dataclasses.replace(decided_item.analysis, profile="uk-passport-child-under-6"))
    rows = _photo_rows([decided_item, decided_item, child], ["", "", ""], ["", "", ""], 40)
    assert [("under uk-passport-child-under-6" in row, "under icao-9303" in row) for row in rows] == [
        (False, False), (False, False), (True, False)]
    (alone,) = _photo_rows([child], [""], [""], 40)  # one profile for the whole batch: the header says it
    assert "under uk-passport-child-under-6" not in alone


def test_the_summary_marks_what_an_accept_overrode_and_a_decision_under_another_profile(decided_item):
    # an accepted row listed the checks it overrode as if they were reasons to accept, and a decision taken under
    # icao-9303 sat beside de-passport's failed checks with nothing said (supervisor walk-through)
    from pfiq_desktop.reports.batch import _photo_rows

    overridden = [c.id for c in decided_item.analysis.failed_checks()][:1]
    # as the store records an accept: the failed checks it overrode, and the reasons the officer ticked besides
    accepted = dataclasses.replace(decided_item.decision, decision="accept", reasons=[*overridden, "other:other"],
                                   overridden=overridden, note="",
                                   profile=decided_item.analysis.profile, profile_sha256=decided_item.analysis.profile_sha256)
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=accepted)], [""], [""], 40)
    assert "<br/>Other (see note); despite " in row and "decided under" not in row, row
    clean = dataclasses.replace(accepted, reasons=["other:other"], overridden=[])  # nothing overridden: no "despite"
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=clean)], [""], [""], 40)
    assert "despite" not in row and "Other (see note)" in row
    other = dataclasses.replace(accepted, profile="de-passport", profile_sha256="")
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=other)], [""], [""], 40)
    assert "decided under de-passport" in row
    edited = dataclasses.replace(accepted, profile_sha256="f" * 64)  # the same name, its content edited since
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=edited)], [""], [""], 40)
    assert f"decided under {accepted.profile} (ffffffffffff)" in row
    rejected = dataclasses.replace(accepted, decision="reject", overridden=[])
    (row,) = _photo_rows([dataclasses.replace(decided_item, decision=rejected)], [""], [""], 40)
    assert "despite" not in row


def test_a_tall_row_does_not_leave_every_page_of_the_summary_half_empty(tmp_path, sample_analysis, decided_item):
    # each page took as many rows as the tallest one allowed: a batch with one accept that overrode many checks
    # printed 5 pages at 40-50 % filled where 3 hold it (supervisor walk-through)
    items = make_batch(sample_analysis, tmp_path / "photos", 60)
    overridden = [c.id for c in decided_item.analysis.failed_checks()]
    tall = dataclasses.replace(decided_item.decision, decision="accept", reasons=[*overridden, "other:other"], overridden=overridden,
                               profile="de-passport", profile_sha256="")
    with_tall = [*items[:10], dataclasses.replace(items[10], decision=tall), *items[11:]]
    pages = {name: write_batch_summary(tmp_path / f"{name}.pdf", batch, "A4") for name, batch in (("plain", items), ("tall", with_tall))}
    assert pages["tall"] <= pages["plain"] + 1, pages
    for name in pages:  # every row once, and no page without one (a table that overflowed its page left a blank one)
        reader = PdfReader(str(tmp_path / f"{name}.pdf"))
        rows_per_page = [len(re.findall(r"photo_\d{3}\.jpg", page.extract_text())) for page in reader.pages]
        assert sum(rows_per_page) == 60 and all(rows_per_page[1:]), (name, rows_per_page)
    assert write_batch_summary(tmp_path / "none.pdf", [], "A4") == 1  # no photos: no empty table on a page of its own


def test_no_photo_row_is_cut_between_two_pages_and_no_page_is_left_blank(tmp_path, sample_analysis):
    # a 6-photo summary printed its rows on pages 1 and 3 with page 2 blank, a 30-photo one cut row 16 in two: the
    # rows were fitted into the room below the summary's end, but Qt sets the table a little lower (CLI walk-through)
    from PySide6.QtCore import QBuffer, QIODevice

    from pfiq_desktop.reports.batch import _failing_html, _measuring_document, _photo_rows, _photos_html
    from pfiq_desktop.reports.paged import footer_height, new_writer

    items = make_batch(sample_analysis, tmp_path / "photos", 8)
    rows = _photo_rows(items, [""] * len(items), [None] * len(items), 48)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = new_writer(buffer, "A4")
    page_h = writer.height() - footer_height(writer)
    for spacer in range(330, 720, 6):  # the summary, ending in a table as it does, ends lower each time (css px)
        summary = f'<p style="margin-bottom:{spacer}px">Summary</p>{_failing_html(items)}'
        doc = _measuring_document(writer, summary + _photos_html(writer, summary, rows, [], {}), {}, writer.width(), page_h)
        spans = []
        for table in doc.rootFrame().childFrames():
            first_cells = table.firstCursorPosition().block()
            if (first_cells.text(), first_cells.next().text()) == ("#", "Photo"):  # a photo table, not the summary's
                box = doc.documentLayout().frameBoundingRect(table)
                spans.append((int(box.top() // page_h), int((box.bottom() - 1) // page_h)))
        assert all(first == last for first, last in spans), (spacer, spans)  # each table ends on the page it starts on
        assert [first for first, _ in spans] == list(range(doc.pageCount() - len(spans), doc.pageCount())), (spacer, spans)


def test_the_summary_headings_stand_clear_of_the_tables_above_them(tmp_path, sample_analysis):
    # "Recognition quality of the main face" sat 12 pt below the counts table's last row, closer than two rows of the
    # table to each other (14 pt): it read as a row of the table (Qt drops a paragraph's top margin after a table)
    write_batch_summary(tmp_path / "summary.pdf", make_batch(sample_analysis, tmp_path / "photos", 5), "A4")
    lines: list[tuple[str, float]] = []  # each line's first words and its height on the page, pt from the bottom

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            lines.append((" ".join(text.split()), tm[5] * cm[3] + cm[5]))

    PdfReader(str(tmp_path / "summary.pdf")).pages[0].extract_text(visitor_text=seen)
    at = dict(reversed(lines))  # the first line with those words
    heading = at["Recognition quality of the main face"]
    rows = sorted({y for text, y in lines if text in ("Verdict \\ decision", "Pass", "Warning", "Fail", "Total", "Share")
                   and y > heading}, reverse=True)
    assert len(rows) >= 5, rows
    pitch = min(a - b for a, b in zip(rows, rows[1:]))
    assert rows[-1] - heading > 1.3 * pitch, (rows, heading)
    assert at["Model SHA-256"] - at["Photos by engine verdict and oﬃcer's decision"] > 1.3 * pitch  # (the PDF's ligature)


def test_the_quality_histograms_grid_lines_are_whole_counts_the_same_apart():
    # its y axis read "0, 5, 10, 14, 19" (reports walk-through)
    from pfiq_desktop.reports.figures import count_ticks

    assert count_ticks(19) == [0, 5, 10, 15, 20] and count_ticks(0) == [0, 1, 2, 3, 4] and count_ticks(8) == [0, 2, 4, 6, 8]


def test_shares_of_the_batch_round_halves_up():
    # 5 of 40 read "12%" beside 3 of 40 as "8%": Python rounds halves to even (reports walk-through)
    from pfiq_desktop.reports.batch import share_text

    assert (share_text(5, 40), share_text(3, 40), share_text(1, 3), share_text(0, 0)) == ("13%", "8%", "33%", "–")


def test_the_summary_says_where_one_photo_was_filed_twice(decided_item):
    # the same photo (SHA-256 3be29f3e...) as 014871.jpg, undecided, and as another name, needing a retake: nothing
    # said it was one photo (reports walk-through)
    import dataclasses

    from pfiq_desktop.reports.batch import _photo_rows

    twin = dataclasses.replace(decided_item, analysis=dataclasses.replace(decided_item.analysis, source="/x/renamed copy.jpg"))
    other = dataclasses.replace(decided_item, analysis=dataclasses.replace(decided_item.analysis, image_sha256="f" * 64,
                                                                             source="/x/other.jpg"))
    rows = _photo_rows([decided_item, other, twin], ["", "", ""], ["", "", ""], 40)
    assert "Same photo as #3 renamed copy.jpg" in rows[0] and f"Same photo as #1 {decided_item.name}" in rows[2]
    assert "Same photo" not in rows[1]


def _png_claiming(path, width: int, height: int) -> None:
    """A small PNG whose header claims `width` x `height` pixels (with a valid checksum)."""
    import io
    import struct
    import zlib

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 130, 140)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    path.write_bytes(bytes(data))


def test_a_photo_claiming_more_pixels_than_opencv_takes_leaves_the_summary_whole(tmp_path, sample_analysis):
    # `pfiq report` on a folder holding a PNG whose header claims 100000 x 100000 pixels ended with OpenCV's
    # "pixels <= CV_IO_MAX_IMAGE_PIXELS" traceback, and no summary, CSV or JSON (fuzzing walk-through)
    from pfiq_desktop.engine.hashing import file_sha256
    from pfiq_desktop.reports.batch import load_thumbnail

    huge = tmp_path / "huge.png"
    _png_claiming(huge, 100_000, 100_000)
    refused = dataclasses.replace(sample_analysis, source=str(huge), faces=[], checks=[], image_size=(0, 0),
                                  image_sha256=file_sha256(huge), errors=["huge.png claims to be larger than the limit"])
    assert load_thumbnail(ReportItem(refused)) is None
    read_as_fine = dataclasses.replace(refused, errors=[], image_size=(100_000, 100_000))  # OpenCV is asked: it refuses
    item = ReportItem(read_as_fine)
    assert load_thumbnail(item) is None and item.photo_problem.endswith("huge.png cannot be read")
    result = export_reports([ReportItem(sample_analysis), ReportItem(refused), item], tmp_path / "out", ["summary", "csv"])
    assert {p.name for p in result.files} == {"pfiq-summary.pdf", "pfiq-results.csv"}
