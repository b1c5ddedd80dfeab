"""Per-photo PDF: text, embedded JSON, rendering on A4 and Letter, pagination, PDF/A."""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from pfiq_desktop.engine.results import Analysis, Verdict
from pfiq_desktop.reports.drawing import verdict_text
from pfiq_desktop.reports.export import csv_rows
from pfiq_desktop.reports.inputs import AuditInfo, ReportItem
from pfiq_desktop.reports.pdf_report import read_embedded_analysis, write_pdf_report
from pfiq_desktop.review.values import check_value_text
from tests.reports.conftest import render_page
from tests.reports.synthetic import synthetic_analysis

PAGE_PX_AT_40_DPI = {"A4": (468, 331), "Letter": (440, 340)}  # (height, width) = mm / 25.4 * 40


def _text(pdf) -> str:
    """The PDF's text with a word broken at a line's end after its hyphen joined ("under-/over-" | "exposed")."""
    return re.sub(r"-\n", "-", "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages))


def _squash(text: str) -> str:
    """Whitespace collapsed, and ligatures the font draws ("ﬁ" in "file") read as their letters, as a PDF viewer's
    search does."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_pdf_text_has_file_name_verdicts_values_and_decision(tmp_path, decided_item):
    target = tmp_path / "report.pdf"
    pages = write_pdf_report(target, decided_item, "A4", officer="j.smith")
    text = _squash(_text(target))
    analysis = decided_item.analysis
    assert pages == 1
    assert "sample_astronaut.jpg" in text
    assert analysis.image_sha256 in text and analysis.model_sha256 in text
    assert verdict_text(analysis.verdict) in text
    assert "REJECTED" in text and "New photo needed: neutral expression, plain wall." in text
    assert "mouth open, background" in text
    assert "j.smith" in text
    for check in analysis.checks:
        assert _squash(check.name) in text, check.name
        if check.value is not None:
            assert _squash(check_value_text(check)) in text, (check.id, check.value)
    for verdict in {c.verdict for c in analysis.checks}:
        assert verdict_text(verdict) in text, verdict
    assert not re.search(r"\bWARN\b", text) and "N/A" not in text  # the window's words, not a second vocabulary
    assert f"{analysis.faces[0].quality:.2f}" in text
    # "0.95 ... excellent" beside NEEDS RETAKE read to an applicant as a contradiction (counter walk-through)
    assert "Recognition quality (not the verdict)" in text
    # in the window's words, not the store's codes (wording review: "decide", "reject")
    assert "Audit trail" in text and "Needs retake" in text and "Rejected" in text and "Decided" in text


def test_header_cites_the_profile_name_version_and_sources(tmp_path, sample_image):
    from pfiq_desktop.engine.icao import load_profile

    profile = load_profile("us-passport")
    analysis = dataclasses.replace(synthetic_analysis(image=sample_image), profile=profile.name, profile_info=profile.info)
    target = tmp_path / "us.pdf"
    assert write_pdf_report(target, analysis, "Letter") == 1
    text = unicodedata.normalize("NFKC", _squash(_text(target)))  # the PDF text has ligatures (fi, ffi)
    assert "Profile United States passport" in text and "version 2026-12-01-draft1, 50.8 x 50.8 mm print" in text
    flat = text.replace(" ", "")  # small print wraps inside ids and URLs
    for source in profile.info.sources:  # the country's own, and by id those inherited from icao-9303
        assert source.id in flat
    assert "Sources(read2026-12-01):us-embassy-bgbg.usembassy.gov/visas/nonimmigrant-visas/photo-requirements/(official)" in flat
    assert "fromicao-9303:icao-9303-p3,icao-9303-p1v1-2006" in flat
    # the issuer's rules beyond the measured checks were loaded and never shown anywhere
    assert "Itsrules,tobejudgedbyeyewherenocheckmeasuresthem:background:plainwhiteoroff-white;glasses:notallowedexceptmedical" in flat
    assert read_embedded_analysis(target).profile_info == profile.info


def test_embedded_json_round_trips_to_the_same_analysis(tmp_path, decided_item):
    target = tmp_path / "report.pdf"
    write_pdf_report(target, decided_item)
    restored = read_embedded_analysis(target)
    assert isinstance(restored, Analysis)
    assert restored.to_dict() == decided_item.analysis.to_dict()
    review = PdfReader(str(target)).attachments["review.json"][0]
    assert b'"reject"' in review and b"j.smith" in review


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_page_renders_non_blank_at_the_right_size(tmp_path, decided_item, page_size):
    target = tmp_path / f"report-{page_size}.pdf"
    assert write_pdf_report(target, decided_item, page_size) == 1
    image = render_page(target, dpi=40)
    expected = PAGE_PX_AT_40_DPI[page_size]
    assert abs(image.shape[0] - expected[0]) <= 1 and abs(image.shape[1] - expected[1]) <= 1
    grey = image.mean(axis=2)
    assert (grey < 128).mean() > 0.02, "page looks blank"
    colourful = (image.max(axis=2).astype(int) - image.min(axis=2)) > 60
    assert colourful.mean() > 0.02, "photo / PLQ overlay missing"
    mediabox = PdfReader(str(target)).pages[0].mediabox
    points = {"A4": (595, 842), "Letter": (612, 792)}[page_size]
    assert (round(float(mediabox.width)), round(float(mediabox.height))) == points


def test_long_content_flows_to_a_second_page(tmp_path, sample_image):
    analysis = synthetic_analysis(n_faces=3, n_extra_checks=30, image=sample_image)
    audit = [AuditInfo(at=f"2025-01-0{1 + i % 9}T10:00:00", officer="o", action="decide", decision="retake", note=f"entry {i}")
             for i in range(70)]
    target = tmp_path / "long.pdf"
    pages = write_pdf_report(target, ReportItem(analysis, {"decision": "retake", "officer": "o"}, audit, sample_image), "Letter")
    assert pages >= 2
    text = _squash(_text(target))
    assert "entry 69" in text and "Extra requirement 29" in text
    assert f"page {pages} of {pages}" in text


def test_missing_photo_and_error_analysis_still_make_a_report(tmp_path, sample_analysis):
    gone = dataclasses.replace(sample_analysis, source=str(tmp_path / "moved_away.jpg"))
    target = tmp_path / "gone.pdf"
    assert write_pdf_report(target, gone) == 1
    assert "moved_away.jpg" in _text(target)
    broken = Analysis(source="broken.jpg", image_size=(0, 0), errors=["Cannot read broken.jpg: not an image"])
    write_pdf_report(tmp_path / "broken.pdf", broken)
    text = _squash(_text(tmp_path / "broken.pdf"))
    assert "ERROR" in text and "not an image" in text and "No decision recorded" in text


def _written(target, item):
    write_pdf_report(target, item)
    return target


def test_pdfa_mode_declares_pdfa_and_has_no_attachment(tmp_path, decided_item):
    target = tmp_path / "archive.pdf"
    write_pdf_report(target, decided_item, pdfa=True)
    reader = PdfReader(str(target))
    assert not reader.attachments
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in metadata or b"<pdfaid:part>1" in metadata
    assert "/OutputIntents" in reader.trailer["/Root"]
    # it sent the reader to "the attached JSON" for the regions' PLQ with nothing attached (CLI walk-through)
    archived, normal = _squash(_text(target)), _squash(_text(_written(tmp_path / "normal.pdf", decided_item)))
    assert "attached JSON" in normal and "attached JSON" not in archived
    assert "(PLQ) per region: in the photo's analysis JSON (pfiq analyse --format json), not attached to this PDF/A" in archived


def test_annotated_png(tmp_path, decided_item):
    import cv2

    from pfiq_desktop.reports.figures import save_annotated_png

    target = tmp_path / "photo.png"
    save_annotated_png(target, decided_item.image, decided_item.analysis, decided_item.decision_label, width=1000)
    image = cv2.imread(str(target))
    assert image.shape[1] == 1000 and image.shape[0] > 500
    assert np.std(image) > 30


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_the_full_engine_checklist_fits_one_page_for_one_face(tmp_path, sample_image, page_size):
    from tests.reports.synthetic import with_engine_checks

    analysis = with_engine_checks(synthetic_analysis(image=sample_image), sample_image)
    assert len(analysis.checks) >= 20
    audit = [AuditInfo(at="2025-01-02T10:00:00+00:00", officer="o", action="decide", decision=d) for d in ("retake", "reject")]
    item = ReportItem(analysis, {"decision": "reject", "officer": "o", "reasons": ["framing"], "note": "n"}, audit, sample_image)
    assert write_pdf_report(tmp_path / "one.pdf", item, page_size) == 1


def test_decisions_are_reported_with_check_names_and_an_accept_says_despite(tmp_path, sample_analysis, store):
    """Officers read the checks' problems, not ids, worded by what each found ("Head too small", not "... or too
    large"); the failed checks of an accepted photo are what it was accepted despite."""
    from pfiq_desktop.reports.inputs import item_from_store
    from pfiq_desktop.review.reasons import problem_label

    analysis = dataclasses.replace(sample_analysis, image_sha256=sample_analysis.image_sha256 or "0" * 64)
    failed = [c.id for c in analysis.failed_checks()]
    assert failed, "the sample fails some checks (it is not a passport photo)"
    store.record_decision(analysis.source, analysis.image_sha256, "accept", reasons=[*failed, "other:other"],
                          note="Checked against the passport by hand.", officer="a.ngata",
                          verdict=analysis.verdict, failed_checks=failed)
    target = tmp_path / "accepted.pdf"
    write_pdf_report(target, item_from_store(store, analysis), "A4", officer="a.ngata")
    text = _squash(_text(target))
    names = ", ".join(problem_label(c) for c in analysis.failed_checks())
    assert f"Accepted despite: {_squash(names)}" in text and "Head too small," in text
    assert "Reasons: Other (see note)" in text  # the failed checks are not listed as reasons to accept
    decision_part = text[text.index("ACCEPTED"):text.index("Note:")]
    assert not any(check_id in decision_part for check_id in failed if "_" in check_id)


def test_group_photo_report_stays_on_one_page_with_a_line_per_other_face(tmp_path, sample_image):
    analysis = synthetic_analysis(n_faces=3, image=sample_image)
    target = tmp_path / "group.pdf"
    assert write_pdf_report(target, ReportItem(analysis, image=sample_image), "A4") == 1
    text = _squash(_text(target))
    assert "Other faces in the photo" in text and "Face 2 (quality" in text and "Face 3 (quality" in text
    assert "warns on Sharpness" in text
    # the sides are columns: "Left eye" read as the subject's left, and "(photo left)" broke in the narrow column
    assert "Region photo left photo right Eye" in text and "Cheek" in text and "Left eye" not in text


def test_findings_and_region_deviation_are_in_the_pdf_and_the_csv(tmp_path, sample_image):
    from pfiq_desktop.reports.export import FINDINGS_SEPARATOR, csv_rows

    analysis = synthetic_analysis(image=sample_image)
    face = analysis.faces[0]
    target = tmp_path / "findings.pdf"
    write_pdf_report(target, ReportItem(analysis, image=sample_image))
    text = _squash(_text(target))
    assert "Findings" in text and _squash(face.findings[0]) in text
    assert "Regions vs compliant photos" in text and "-2.6" in text
    _, rows = csv_rows([ReportItem(analysis)])
    assert rows[0]["findings"] == FINDINGS_SEPARATOR.join(face.findings)
    assert rows[0]["region:mouth:deviation"] == "-2.6"


def test_annotated_png_shows_a_long_error_whole(tmp_path):
    # a long error used to be cut to one line at 160 characters and ran off the right edge
    from pfiq_desktop.reports.figures import render_annotated

    long = "Cannot read the photo: the JPEG data ends early, so the file was probably cut off while it was copied. " * 6
    heights = [render_annotated(None, Analysis(source="cut.jpg", image_size=(0, 0), errors=[error]), width=1000).height()
               for error in ("Cannot read cut.jpg", long)]
    assert heights[1] >= heights[0] + 2 * 1000 / 80  # at least two more lines of text


def test_annotated_png_shows_a_long_finding_whole(sample_analysis):
    # the PNG's most important sentence was cut on one line: "something covers it (c…"
    from pfiq_desktop.reports.figures import render_annotated

    long = "The left eye is clearly lower than in compliant photos: something covers it (check the photo). " * 4
    heights = []
    for sentence in ("The face is as in compliant photos.", long):
        face = dataclasses.replace(sample_analysis.faces[0], findings=[sentence])
        heights.append(render_annotated(None, dataclasses.replace(sample_analysis, faces=[face]), width=1000).height())
    assert heights[1] >= heights[0] + 2 * 1000 / 80  # at least two more lines of text


def test_summary_cuts_a_long_error_at_a_word_with_an_ellipsis():
    from pfiq_desktop.reports.batch import ERROR_CHARS, _photo_rows

    long = "Cannot read the photo: the JPEG data ends early, so the file was probably cut off while it was copied. " * 3
    (row,) = _photo_rows([ReportItem(Analysis(source="cut.jpg", image_size=(0, 0), errors=[long]))], [""], [""], 40)
    cell = row.split("<td>")[-2].removesuffix("</td>")
    assert cell.endswith(" …") and len(cell) <= ERROR_CHARS and long.startswith(cell.removesuffix(" …"))


def test_a_decision_taken_under_another_profile_says_so(tmp_path, sample_analysis, store):
    # after a profile switch the report showed the new checklist beside "accepted despite" checks it now passes
    from pfiq_desktop.reports.inputs import item_from_store

    analysis = dataclasses.replace(sample_analysis, image_sha256=sample_analysis.image_sha256 or "0" * 64, profile="lenient")
    store.record_decision(analysis.source, analysis.image_sha256, "reject", reasons=["background"], officer="a.ngata",
                          verdict=analysis.verdict, profile="icao-9303")
    write_pdf_report(tmp_path / "other.pdf", item_from_store(store, analysis))
    text = unicodedata.normalize("NFKC", _squash(_text(tmp_path / "other.pdf")))  # the PDF's "fi" ligature back to letters
    assert "decided under profile icao-9303; this report's checklist: lenient" in text
    write_pdf_report(tmp_path / "same.pdf", item_from_store(store, dataclasses.replace(analysis, profile="icao-9303")))
    assert "decided under profile" not in unicodedata.normalize("NFKC", _squash(_text(tmp_path / "same.pdf")))
    # an edited profile keeps its name: "accepted despite" a check its new version passes, with no word of it
    store.record_decision(analysis.source, analysis.image_sha256, "reject", reasons=["background"], officer="a.ngata",
                          verdict=analysis.verdict, profile="office", profile_sha256="a" * 64)
    edited = dataclasses.replace(analysis, profile="office", profile_sha256="b" * 64)
    write_pdf_report(tmp_path / "edited.pdf", item_from_store(store, edited))
    text = unicodedata.normalize("NFKC", _squash(_text(tmp_path / "edited.pdf")))
    assert f"decided under profile office ({'a' * 12}); this report's checklist: office ({'b' * 12})" in text
    row = csv_rows([item_from_store(store, edited)])[1][0]
    assert (row["decision_profile"], row["decision_profile_sha256"], row["profile"]) == ("office", "a" * 64, "office")


def test_a_copy_of_a_decided_photo_is_reported_undecided_as_the_window_shows_it(tmp_path, sample_analysis, store):
    # two byte-identical files, one rejected: the report of the other said "REJECTED" and listed the first one's audit
    from pfiq_desktop.reports.inputs import item_from_store

    original, copy = tmp_path / "021118.jpg", tmp_path / "021118_again.jpg"
    for path in (original, copy):
        path.write_bytes(Path(sample_analysis.source).read_bytes())
    analysis = dataclasses.replace(sample_analysis, source=str(original), image_sha256=sample_analysis.image_sha256 or "0" * 64)
    store.record_decision(original, analysis.image_sha256, "reject", reasons=["background"], officer="a.ngata",
                          verdict=analysis.verdict)
    decided, of_copy = item_from_store(store, analysis), item_from_store(store, dataclasses.replace(analysis, source=str(copy)))
    assert decided.decision.decision == "reject" and len(decided.audit) == 1
    assert of_copy.decision is None and of_copy.audit == []
    original.rename(tmp_path / "moved.jpg")  # a moved photo keeps its decision and its audit
    moved = item_from_store(store, dataclasses.replace(analysis, source=str(tmp_path / "moved.jpg")))
    assert moved.decision.decision == "reject" and len(moved.audit) == 1


def test_the_report_of_a_file_that_could_not_be_analysed_lists_its_audit_entries(tmp_path, store):
    # an empty file's analysis has no hash; its rejection, filed under the file's bytes, was missing from its report
    from pfiq_desktop.engine.hashing import file_sha256
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.reports.inputs import item_from_store

    empty = tmp_path / "zz_empty.jpg"
    empty.write_bytes(b"")
    analysis = Analysis(source=str(empty), image_size=(0, 0), errors=["The file 'zz_empty.jpg' is empty (0 bytes)"])
    store.record_decision(empty, file_sha256(empty), "reject", reasons=["error:not_analysed"], officer="a.ngata")
    item = item_from_store(store, analysis)
    assert item.decision.decision == "reject" and [entry.action for entry in item.audit] == ["decide"]


def test_an_undone_decision_reads_as_restored_in_the_audit_trail(tmp_path, decided_item, store):
    # an undo filed the earlier decision again as "Decided": a supervisor could not tell it from a new one (fourth
    # walk-through)
    from pfiq_desktop.reports.inputs import item_from_store

    analysis = decided_item.analysis
    store.record_decision(analysis.source, analysis.image_sha256, "retake", reasons=["expression"], officer="j.smith",
                          verdict=analysis.verdict, restoring=True)
    item = item_from_store(store, analysis)
    assert [entry.action for entry in item.audit] == ["decide", "decide", "restore"] and store.verify().ok
    write_pdf_report(tmp_path / "undone.pdf", item, "A4")
    text = _squash(_text(tmp_path / "undone.pdf"))
    assert text.count("Decided") == 2 and text.count("Restored (undo)") == 1, text


def test_a_check_the_profile_switches_off_is_named_in_the_report(tmp_path, sample_analysis):
    # under a profile without the resolution check a supervisor could not tell why 39 px between the eyes passed
    from pfiq_desktop.engine.icao import load_profile, run_checks
    from pfiq_desktop.reports.inputs import load_photo

    relaxed = tmp_path / "relaxed.toml"
    relaxed.write_text('extends = "lenient"\n[checks.inter_eye_distance]\nenabled = false\n')
    profile = load_profile(relaxed)
    assert profile.info.switched_off[0] == "inter_eye_distance" and "inter_eye_distance" not in load_profile("lenient").info.switched_off
    checks = run_checks(load_photo(sample_analysis.source), sample_analysis.faces, profile)
    analysis = dataclasses.replace(sample_analysis, checks=checks, profile=profile.name, profile_info=profile.info)
    assert "inter_eye_distance" not in {c.id for c in analysis.checks}
    again = Analysis.from_json(analysis.to_json())  # the saved analysis keeps it, for a report made later
    write_pdf_report(tmp_path / "r.pdf", ReportItem(again))
    text = unicodedata.normalize("NFKC", _squash(_text(tmp_path / "r.pdf")))  # the PDF's "fi" ligature back to letters
    assert "not run under this profile: Inter-eye distance" in text  # by name in the report, by id in the CSV
    from pfiq_desktop.reports.export import csv_rows

    header, rows = csv_rows([ReportItem(again)])
    assert rows[0]["not_run_checks"].split(";")[0] == "inter_eye_distance" and "inter_eye_distance:verdict" in header  # as columns name it


def test_a_retake_then_an_accept_overriding_every_failed_check_stay_on_one_page(tmp_path, sample_analysis, store):
    # the audit trail's reasons got its narrowest column: one override ran onto a second, nearly empty page
    from pfiq_desktop.reports.inputs import item_from_store

    analysis = dataclasses.replace(sample_analysis, image_sha256=sample_analysis.image_sha256 or "0" * 64)
    failed = [c.id for c in analysis.failed_checks()]
    assert len(failed) >= 8
    store.record_decision(analysis.source, analysis.image_sha256, "retake", reasons=failed, officer="a.ngata",
                          note="New photo at the counter.", verdict=analysis.verdict, failed_checks=failed)
    store.clear_decision(analysis.source, analysis.image_sha256, officer="a.ngata")
    store.record_decision(analysis.source, analysis.image_sha256, "accept", reasons=failed, officer="a.ngata",
                          note="Checked by hand against the printed photo.", verdict=analysis.verdict, failed_checks=failed)
    assert write_pdf_report(tmp_path / "override.pdf", item_from_store(store, analysis), "A4") == 1
    # an action is never broken inside its word (it read "Withdra" over "wn": usability walk-through)
    assert re.search(r"\bWithdrawn\b", _text(tmp_path / "override.pdf")), _text(tmp_path / "override.pdf")


def test_a_rejection_with_a_note_of_a_few_sentences_stays_on_one_page(tmp_path, sample_analysis, store):
    # a 205-character note wrapped into 12 lines of the audit trail's narrow note column and ran onto a second page
    # holding only its end (officer's walk-through)
    from pfiq_desktop.reports.inputs import item_from_store

    analysis = dataclasses.replace(sample_analysis, image_sha256=sample_analysis.image_sha256 or "0" * 64)
    failed = [c.id for c in analysis.failed_checks()][:4]
    note = ("Two people in the photo; second man behind the applicant's right shoulder. Applicant asked to return with "
            "a single-person photo taken against a plain light background, head straight.")
    store.record_decision(analysis.source, analysis.image_sha256, "reject", reasons=failed, officer="a.ngata", note=note,
                          verdict=analysis.verdict, failed_checks=failed)
    assert write_pdf_report(tmp_path / "noted.pdf", item_from_store(store, analysis), "A4") == 1


def test_the_pdf_checklist_gives_values_in_an_officers_words(sample_image):
    # "0.309 fraction of height" and "0.815 probability" read as engineer-speak; the window shows the same words
    from pfiq_desktop.reports.pdf_report import checklist_html
    from tests.reports.synthetic import with_engine_checks

    analysis = with_engine_checks(synthetic_analysis(image=sample_image), sample_image)
    units = {c.unit for c in analysis.checks}
    assert {"fraction of height", "probability"} <= units
    text = checklist_html(analysis)
    assert "% of height" in text and "% likely" in text
    assert "fraction of height" not in text and "probability" not in text and not re.search(r"\d ratio", text)


def test_checks_not_judged_for_one_reason_share_a_line(sample_image):
    # a photo without a face listed 33 identical rows "No face found, so this was not checked." over two pages
    from pfiq_desktop.engine.icao import run_checks
    from pfiq_desktop.reports.pdf_report import checklist_html

    blank = np.full((400, 320, 3), 200, np.uint8)
    analysis = dataclasses.replace(synthetic_analysis(image=sample_image), faces=[], checks=run_checks(blank, []))
    unjudged = [c for c in analysis.checks if c.verdict is Verdict.NOT_ASSESSABLE]
    text = checklist_html(analysis)
    assert len(unjudged) > 20 and text.count("No face found, so this was not checked.") == 1, text.count("No face found")
    assert all(html.escape(c.name) in text for c in unjudged) and "<b>Not assessable</b>" in text
    assert f"{len(unjudged)} not assessable" in text  # the count still says how many
    # a reason only one check gives keeps its own row
    alone = dataclasses.replace(unjudged[0], reason="Cannot be checked: a reason of its own.")
    mixed = dataclasses.replace(analysis, checks=[alone if c is unjudged[0] else c for c in analysis.checks])
    text = checklist_html(mixed)
    assert "Cannot be checked: a reason of its own.</td></tr>" in text
    assert text.count("No face found, so this was not checked.") == 1


def test_the_audit_trail_and_the_renewal_report_name_the_profile_of_their_verdicts():
    # a supervisor could not tell which checklist an audit entry's verdict or a renewal check's verdicts were under
    from pfiq_desktop.engine.comparison import Comparison, MatchThresholds, OperatingPoint
    from pfiq_desktop.reports.comparison_pdf import build_comparison_html
    from pfiq_desktop.reports.pdf_report import audit_html

    row = audit_html([AuditInfo(at="2026-12-03T10:00:00", officer="Fay", action="decide", decision="reject", verdict="fail",
                                profile="us-passport")])
    assert "Fail<br/>" in row and "us-passport</span>" in row
    a = Analysis(source="new.jpg", image_size=(10, 10), profile="uk-passport")
    thresholds = MatchThresholds(OperatingPoint(1e-3, 0.93, 0.05), OperatingPoint(1e-2, 0.91, 0.02))
    html = build_comparison_html(Comparison(a, a, 0.95, "match", thresholds), "", 100, "", "now")
    assert "checklist profile uk-passport" in html



def test_the_audit_trail_words_a_decisions_reasons_as_its_decision_box_does(sample_analysis):
    # one decision read "Head too small" in the decision box and "Head too small or too large" in the audit trail
    # (usability walk-through)
    from pfiq_desktop.reports.pdf_report import audit_html
    from pfiq_desktop.review.reasons import problem_label, reason_label

    failed = sample_analysis.failed_checks()
    worded = [c for c in failed if problem_label(c) != reason_label(c.id)]
    assert worded, [c.id for c in failed]  # a check the finding words otherwise than the check's code
    entry = AuditInfo(at="2026-12-07T10:00:00", officer="Fay", action="decide", decision="reject",
                      reasons=[c.id for c in failed], profile=sample_analysis.profile)
    row = audit_html([entry], sample_analysis)
    assert all(html.escape(problem_label(c)) in row for c in failed), row
    assert all(html.escape(reason_label(c.id)) not in row for c in worded)
    # an entry under an earlier content of the profile (same name) is not reworded with today's findings (review)
    edited = dataclasses.replace(entry, profile_sha256="a" * 64)
    row = audit_html([edited], dataclasses.replace(sample_analysis, profile_sha256="b" * 64))
    assert all(html.escape(reason_label(c.id)) in row for c in worded), row


def test_the_colour_bar_shows_the_maps_colours_over_the_face_s_own_tone(sample_analysis, sample_image, monkeypatch):
    # over a fixed skin tone, the bar's top band was skin-coloured beside a grey photo's map (walk-through)
    from pfiq_desktop.palette import SKIN_UNDER_THE_BAR
    from pfiq_desktop.reports import figures

    unders = []
    drawn = figures._colour_bar
    monkeypatch.setattr(figures, "_colour_bar", lambda *args: (unders.append(args[-1]), drawn(*args)))
    grey = np.repeat(sample_image.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    for image in (sample_image, grey):
        figures.render_panels(image, sample_analysis, height=300)
    colour, plain = unders
    assert len(set(plain)) == 1 and len(set(colour)) > 1 and colour != SKIN_UNDER_THE_BAR, unders
    figures.render_panels(None, sample_analysis, height=300)  # no photo: the mid skin tone
    assert unders[-1] == SKIN_UNDER_THE_BAR


def test_a_figure_stopped_mid_drawing_leaves_no_painter_on_its_picture(sample_analysis, sample_image, monkeypatch):
    # Ctrl+C while a figure was drawn left its painter on the picture, and Qt crashed destroying it: "QPaintDevice:
    # Cannot destroy paint device that is being painted", exit 139 instead of 130 (CLI walk-through, 1 run in 3)
    from pfiq_desktop.reports import figures

    painters = []

    def interrupted(painter, *_args, **_kwargs):
        painters.append(painter)
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "draw_findings", interrupted)
    with pytest.raises(KeyboardInterrupt):
        figures.render_panels(sample_image, sample_analysis, height=300)
    assert len(painters) == 1 and not painters[0].isActive()


def test_evidence_past_the_photos_edge_is_not_drawn_beside_the_photo(sample_analysis):
    # a crown estimated above the photo drew its line across the map beside it, in the PDF and the PNG
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from pfiq_desktop.engine.results import CheckResult, Evidence, Verdict
    from pfiq_desktop.reports.drawing import ensure_qt
    from pfiq_desktop.reports.figures import draw_findings

    ensure_qt()
    width, height = sample_analysis.image_size
    outside = CheckResult("top_margin", "Top margin", "geometry", Verdict.FAIL, "Crown above the photo.", 1.0, "mm",
                          evidence=Evidence(lines=[(width * 1.1, height / 2, width * 3.0, height / 2)]))
    scale = 100 / max(width, height)
    canvas = QImage(400, 200, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    painter = QPainter(canvas)
    draw_findings(painter, dataclasses.replace(sample_analysis, checks=[outside]), scale, QRectF(100, 50, width * scale, height * scale))
    painter.end()
    pixels = np.frombuffer(canvas.constBits(), np.uint8).reshape(200, canvas.bytesPerLine())[:, :1200].reshape(200, 400, 3)
    assert (pixels[:, 100:100 + round(width * scale) + 2] != 255).any()  # its number tag, inside the photo
    assert (pixels[:, 100 + round(width * scale) + 2:] == 255).all()


def test_the_png_says_how_many_findings_it_left_out(sample_analysis):
    # it showed the first four and dropped a fifth without a word (explanation walk-through)
    from pfiq_desktop.reports.figures import MAX_PNG_FINDINGS, render_annotated

    def height(count: int) -> int:
        face = dataclasses.replace(sample_analysis.faces[0], findings=[f"Finding {n}." for n in range(count)])
        return render_annotated(None, dataclasses.replace(sample_analysis, faces=[face]), width=1000).height()

    shown = height(MAX_PNG_FINDINGS)
    assert height(MAX_PNG_FINDINGS + 2) > shown + 1000 / 80  # one more line: "... and 2 more"
    assert height(MAX_PNG_FINDINGS + 2) == height(MAX_PNG_FINDINGS + 5)  # a line, not the findings


def test_number_tags_never_cover_one_another():
    # tags of one eye's checks piled on the eye (the eye check's under "Eyes not covered" on every covered eye), and two
    # at the photo's corner read "368" in a checklist of 36 rows (explanation walk-through)
    from itertools import combinations

    from pfiq_desktop.reports.figures import TAG_RADIUS, tag_spots

    radius, bounds = 10 * TAG_RADIUS, (10.0, 10.0, 290.0, 390.0)
    eye = (120.0, 150.0)
    corner = [(300.0, 0.0)] * 20  # tags crowding a small panel's corner stacked where their moves were clamped (review)
    for wanted in ([eye, eye, eye, (121.0, 152.0)], [(300.0, 0.0), (295.0, 3.0)], [eye, (200.0, 300.0)], corner, [eye] * 41):
        spots = tag_spots(wanted, radius, bounds)
        assert all(np.hypot(a[0] - b[0], a[1] - b[1]) >= 2 * radius for a, b in combinations(spots, 2)), spots
        assert all(bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3] for x, y in spots), spots
        assert spots[0] == (min(max(wanted[0][0], 10.0), 290.0), min(max(wanted[0][1], 10.0), 390.0))  # the first keeps its place
    assert tag_spots([eye, (200.0, 300.0)], radius, bounds)[1] == (200.0, 300.0)  # a free spot is kept
    assert max(np.hypot(x - eye[0], y - eye[1]) for x, y in tag_spots([eye] * 4, radius, bounds)) < 5 * radius  # beside it


def test_number_tags_keep_off_the_eyes_nose_and_mouth(sample_analysis, monkeypatch):
    # the tags of the eye and mouth checks sat on the eye and mouth they were about: at print size the report no longer
    # showed them (second usability walk-through)
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from pfiq_desktop.reports import figures
    from pfiq_desktop.reports.drawing import ensure_qt

    ensure_qt()
    face = sample_analysis.faces[0]
    eyes = [c for c in sample_analysis.checks if c.id in ("eye_open_left", "eye_open_right", "glasses", "mouth_closed")]
    flagged = [dataclasses.replace(c, verdict=Verdict.FAIL) for c in eyes]
    assert len(flagged) == 4 and all(c.evidence.has_geometry() for c in flagged)
    spots: list[tuple[float, float]] = []
    monkeypatch.setattr(figures, "_tag", lambda painter, x, y, *_: spots.append((x, y)))
    width, height = sample_analysis.image_size
    scale = 600 / max(width, height)
    canvas = QImage(round(width * scale), round(height * scale), QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    painter = QPainter(canvas)
    figures.draw_findings(painter, dataclasses.replace(sample_analysis, checks=flagged), scale,
                          QRectF(0, 0, width * scale, height * scale))
    painter.end()
    features = np.asarray(face.landmarks, float)[figures.FEATURE_LANDMARKS] * scale
    (left, top), (right, bottom) = features.min(axis=0), features.max(axis=0)
    assert len(spots) == 4
    assert not [(x, y) for x, y in spots if left < x < right and top < y < bottom], (spots, (left, top, right, bottom))


def test_a_photo_without_a_face_gets_no_map_and_no_colour_scale(sample_analysis, sample_image):
    # a sideways scan's report drew the bare photo as "the map" with a colour scale beside it
    from pfiq_desktop.reports.figures import render_panels

    def rightmost(analysis: Analysis) -> np.ndarray:
        panels = render_panels(sample_image, analysis, height=300)
        pixels = np.frombuffer(panels.constBits(), np.uint8).reshape(panels.height(), panels.bytesPerLine())
        return pixels[:, 3 * (panels.width() - 20): 3 * panels.width()]

    faceless = dataclasses.replace(sample_analysis, faces=[], checks=[c for c in sample_analysis.checks if c.id == "face_present"])
    assert (rightmost(sample_analysis) != 255).any()  # the colour scale and its labels
    assert (rightmost(faceless) == 255).all()


def test_a_long_check_name_is_shortened_never_its_value_and_a_narrow_photo_keeps_a_whole_caption():
    # the PNG read "31. Eyes not covered (sunglasses, patch, hand, hair): 0 % hidd..." and, over a photo 0.43 as wide
    # as high, "Photo and findi" (walk-through of unseen photos)
    from PySide6.QtGui import QFontMetrics, QImage, QPainter

    from pfiq_desktop.reports.drawing import ensure_qt, font
    from pfiq_desktop.reports.figures import first_fitting, row_text

    ensure_qt()
    metrics = QFontMetrics(font(16))
    name, value = "31. Eyes not covered (sunglasses, patch, hand, hair)", ": hidden <0.1 % likely"
    width = metrics.horizontalAdvance(name + value) * 0.8
    row = row_text(metrics, name, value, width)
    assert row.endswith(value) and row.startswith("31. Eyes not covered") and "…" in row
    assert metrics.horizontalAdvance(row) <= width
    assert row_text(metrics, name, value, 2 * width) == name + value
    canvas = QImage(10, 10, QImage.Format.Format_RGB888)
    painter = QPainter(canvas)
    painter.setFont(font(16, bold=True))
    photo_width = painter.fontMetrics().horizontalAdvance("Photo and findings") - 1
    assert first_fitting(painter, ("Photo and findings", "Photo"), photo_width) == "Photo"
    assert first_fitting(painter, ("Photo and findings", "Photo"), photo_width + 1) == "Photo and findings"
    painter.end()



def test_a_photo_that_could_not_be_read_is_not_called_faceless_nor_given_a_map_legend():
    # broken_scan.pdf said "No face: no quality to report." under a legend for maps it did not draw (reports walk-through)
    from pfiq_desktop.reports.pdf_report import LEGEND, build_report_html

    broken = Analysis(source="/x/broken_scan.jpg", image_size=(0, 0), errors=["The file 'broken_scan.jpg' is damaged"])
    faceless = Analysis(source="/x/wall.jpg", image_size=(200, 200))
    texts = [build_report_html(ReportItem(a), "figure", 300, "", "now") for a in (broken, faceless)]
    assert "Not analysed: no quality to report." in texts[0] and "No face: no quality to report." in texts[1]
    assert all(html.escape(LEGEND) not in text for text in texts)


def test_a_right_to_left_file_name_keeps_the_footer_reading_left_to_right(tmp_path, sample_analysis):
    # international walk-through: a footer starting with an Arabic name was laid out right to left, "jpg · SHA-256 … ·
    # date.محمد العلي": the extension sat at the page's left edge. The two reports differ only in the extension, so the
    # footer's first differing column says where it was drawn: after the name, not before it
    footers = []
    for extension in ("jpg", "pqd"):
        analysis = dataclasses.replace(sample_analysis, source=str(tmp_path / f"محمد العلي.{extension}"))
        target = tmp_path / f"{extension}.pdf"
        write_pdf_report(target, analysis, now=datetime(2026, 12, 6, 12, 0).astimezone())
        page = render_page(target, dpi=150).min(axis=2)
        footers.append(page[-page.shape[0] // 10:])  # the footer's rule and line
    inked = np.flatnonzero((footers[0] < 160).any(axis=0))
    differs = np.flatnonzero((np.abs(footers[0].astype(int) - footers[1].astype(int)) > 60).any(axis=0))
    assert len(inked) and len(differs)
    assert differs[0] - inked[0] > 25, (inked[0], differs[0])  # the Arabic name (about 50 px) comes first


def test_a_notes_line_breaks_stay_in_the_report(tmp_path, decided_item):
    # international walk-through: a note typed on two lines was printed on one, its lines run together
    item = dataclasses.replace(decided_item, decision=dataclasses.replace(decided_item.decision,
                                                                          note="1. Brille abnehmen\n2. Neues Foto"))
    write_pdf_report(tmp_path / "report.pdf", item)
    lines = [" ".join(line.split()) for line in _text(tmp_path / "report.pdf").splitlines()]
    assert "2. Neues Foto" in lines and not any("abnehmen 2." in line for line in lines)


def test_the_report_says_what_to_change_most_important_first_and_lists_failures_before_warnings(tmp_path, sample_image):
    # a photographer read what was wrong, never what to do, and a covered mouth was row 35, below a head height it had
    # spoiled: failures first, in fix order, each with its change; one change for both shut eyes
    from pfiq_desktop.reports.pdf_report import changes_html, checklist_html
    from pfiq_desktop.review.reasons import to_change
    from tests.reports.synthetic import with_engine_checks

    analysis = with_engine_checks(synthetic_analysis(image=sample_image), sample_image)
    failed = {"exposure": 30.0, "eye_open_left": 0.97, "eye_open_right": 0.95}
    checks = [dataclasses.replace(c, verdict=Verdict.FAIL, value=failed[c.id]) if c.id in failed else
              dataclasses.replace(c, verdict=Verdict.WARN) if c.id == "head_size" else
              dataclasses.replace(c, verdict=Verdict.PASS) for c in analysis.checks]
    analysis = dataclasses.replace(analysis, checks=checks)
    assert to_change(analysis) == [
        (["Eye closed or hidden (photo left)", "Eye closed or hidden (photo right)"], "Retake with both eyes open, looking at the camera"),
        (["Face too dark"], "Add light or increase the exposure"),
    ]
    assert "<b>2.&nbsp;Face too dark:</b> Add light or increase the exposure." in changes_html(analysis)
    table = checklist_html(analysis)
    rows = [table.index(f"<td style=\"padding-left:4px\">{html.escape(c.name)}</td>") for c in checks if c.verdict is not Verdict.PASS]
    names = [c.name for c in checks if c.verdict is not Verdict.PASS]
    order = [name for _, name in sorted(zip(rows, names))]
    assert order[-1] == "Head height (chin to crown)" and set(order[:3]) == {"Exposure", "Eye open (photo left)", "Eye open (photo right)"}
    assert order.index("Eye open (photo left)") < order.index("Exposure")  # fix order: the eyes before the light
    target = tmp_path / "report.pdf"
    write_pdf_report(target, ReportItem(analysis, sample_image, "dark.jpg"), "A4")
    text = _squash(_text(target))
    assert "What to change (most important first): 1. Eye closed or hidden (photo left), Eye closed or hidden" in text
    assert "2. Face too dark: Add light or increase the exposure." in text
    passed = dataclasses.replace(analysis, checks=[dataclasses.replace(c, verdict=Verdict.PASS) for c in checks])
    assert changes_html(passed) == ""


def test_a_photo_stored_sideways_is_told_to_be_turned_not_retaken(sample_analysis):
    # "1. Photo stored sideways: Retake with the whole face towards the camera" (review of the day's diff)
    from pfiq_desktop.engine.results import FACE_PRESENT, STORED_TURNED_UNIT
    from pfiq_desktop.review.reasons import to_change

    turned = dataclasses.replace(sample_analysis, faces=[], checks=[
        dataclasses.replace(c, verdict=Verdict.FAIL, value=90.0, unit=STORED_TURNED_UNIT) if c.id == FACE_PRESENT
        else dataclasses.replace(c, verdict=Verdict.NOT_ASSESSABLE) for c in sample_analysis.checks])
    assert to_change(turned) == [(["Photo stored sideways"], "Turn the photo 90 degrees clockwise and save it again")]
