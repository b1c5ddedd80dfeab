"""The applicant's page: the outcome and the changes in the applicant's words, none of the audit record."""

from __future__ import annotations

import dataclasses
import io
import unicodedata

from pypdf import PdfReader

from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.icao.eyes_mouth import GLASSES_UNITS
from pfiq_desktop.engine.icao.registry import EYE_COVER_CHECK, GLASSES_CHECK
from pfiq_desktop.engine.results import FACE_PRESENT, Verdict
from pfiq_desktop.reports.applicant_page import (
    BEFORE_DECISION,
    BRING_AGAIN,
    BY_EYE,
    CHECKED,
    DECIDED,
    FOR_THE_PHOTOGRAPHER,
    NO_FACE_YET,
    NOT_OPENED,
    OTHER_REASON,
    print_applicant_page,
)
from pfiq_desktop.reports.inputs import DecisionInfo, ReportItem
from pfiq_desktop.reports.paged import render_pdf
from pfiq_desktop.review.reasons import FIXES, REFRAME_FIX, fix_for, to_change
from pfiq_desktop.review.store import ACCEPT, REJECT, RETAKE
from tests.reports.synthetic import error_analysis, synthetic_analysis, with_engine_checks

CREATED = "2026-12-07 15:00 +01:00"
FAILED = {"exposure": 30.0, "eye_open_left": 0.97, "eye_open_right": 0.95, "mouth_closed": 0.4, "pose_roll": 9.0,
          "sharpness": 5.0}


def _page(item: ReportItem, page_size: str = "A4") -> tuple[str, int]:
    """The page's text (whitespace collapsed, ligatures as letters) and its page count."""
    data, pages = render_pdf(lambda device: print_applicant_page(device, item, CREATED), page_size)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split()), pages


def _judged(sample_image, verdicts: dict[str, tuple[Verdict, float]]):
    """The sample under the engine's checks, each passing but those given."""
    analysis = with_engine_checks(synthetic_analysis(image=sample_image), sample_image)
    checks = [dataclasses.replace(c, verdict=verdicts[c.id][0], value=verdicts[c.id][1]) if c.id in verdicts else
              dataclasses.replace(c, verdict=Verdict.PASS) for c in analysis.checks]
    profile = load_profile()
    return dataclasses.replace(analysis, checks=checks, profile=profile.name, profile_info=profile.info)


def _failing(sample_image, failed: dict[str, float] = FAILED):
    return _judged(sample_image, {check: (Verdict.FAIL, value) for check, value in failed.items()})


def test_before_a_decision_the_page_lists_every_change_most_important_first_as_the_automatic_checks(sample_image):
    # at a counter the report's 7-point "What to change" stopped at three fixes, among hashes and the officer's login
    analysis = _failing(sample_image)
    changes = to_change(analysis)
    assert len(changes) == 5  # both eyes are one retake: more than the report's three
    text, pages = _page(ReportItem(analysis, image=sample_image), "Letter")
    assert pages == 1
    assert f"{BEFORE_DECISION}: {CHECKED['fail']}" in text and "sample_astronaut.jpg" in text
    assert "Checked against: ICAO 9303 (default), a 35 x 45 mm photo" in text and FOR_THE_PHOTOGRAPHER in text
    at = [text.index(fix) for _, fix in changes]
    assert at == sorted(at), changes
    assert all(problem in text for problems, _ in changes for problem in problems)
    assert analysis.image_sha256 not in text and "SHA" not in text and "quality" not in text.lower()


def test_a_decided_photo_lists_the_changes_its_reasons_ask_for_and_names_no_officer_or_note(sample_image):
    # a retake filed for one problem printed every failed check's change, and a reason the checks did not fail (side
    # light) none (applicant's page walk-through); an identity doubt is the officer's to say, not the page's
    analysis = _failing(sample_image)
    ticked = ["exposure", "lighting_uniformity", "other:identity_doubt"]
    decision = DecisionInfo(RETAKE, reasons=ticked, note="SECRET note", officer="j.smith", login="jsmith")
    text, pages = _page(ReportItem(analysis, decision, image=sample_image))
    assert pages == 1 and DECIDED[RETAKE] in text and BEFORE_DECISION not in text
    checks = {c.id: c for c in analysis.subject_checks()}
    assert fix_for(checks["exposure"]) in text and "Uneven lighting" in text
    assert OTHER_REASON in text and "dentity" not in text
    unticked = [fix_for(checks[c]) for c in FAILED if c not in ticked]
    assert unticked and not any(fix in text for fix in unticked), text
    assert "j.smith" not in text and "jsmith" not in text and "SECRET" not in text


def test_an_accepted_photo_asks_for_no_change(sample_image):
    item = ReportItem(_failing(sample_image, {"exposure": 30.0}), DecisionInfo(ACCEPT, officer="j.smith"), image=sample_image)
    text, _ = _page(item)
    assert DECIDED[ACCEPT] in text and "What to change" not in text and "Add light" not in text


def test_a_file_that_could_not_be_opened_and_a_photo_without_a_face_say_what_to_bring(sample_image):
    # "The photo could not be checked." left the applicant nothing to do, under "Checked against: ICAO 9303"
    text, _ = _page(ReportItem(error_analysis()))
    assert f"{NOT_OPENED} {BRING_AGAIN}" in text and "Checked against" not in text
    no_face = _failing(sample_image, {FACE_PRESENT: 0.0})
    text, _ = _page(ReportItem(no_face, DecisionInfo(REJECT, reasons=[FACE_PRESENT]), image=sample_image))
    assert NO_FACE_YET in text and to_change(no_face)[0][1] in text


def test_a_photo_that_only_warns_says_the_officer_looks(sample_image):
    warned = _judged(sample_image, {"mouth_closed": (Verdict.WARN, 0.12)})
    assert warned.verdict == "warn" and to_change(warned) == []
    text, _ = _page(ReportItem(warned, image=sample_image))
    assert CHECKED["warn"] in text and BY_EYE in text and "What to change" not in text


def test_framing_that_asks_for_opposite_moves_is_one_reframing(sample_image):
    # a tight Yale crop read "Move the camera back or crop wider" (head too large) and "Move the camera closer or crop
    # tighter" (face too narrow) as two changes (applicant's page walk-through)
    checks = {c.id: c for c in _failing(sample_image, {}).checks}
    size, width = checks["head_size"].thresholds, checks["head_width"].thresholds
    opposite = _failing(sample_image, {"head_size": size["fail_above"] * 1.2, "head_width": width["fail_below"] * 0.8})
    judged = {c.id: c for c in opposite.checks}
    assert fix_for(judged["head_size"]) != fix_for(judged["head_width"])
    assert to_change(opposite) == [(["Head too large", "Face too narrow in the frame"], REFRAME_FIX)]
    same_way = _failing(sample_image, {"head_size": size["fail_below"] * 0.8, "head_width": width["fail_below"] * 0.8})
    assert to_change(same_way) == [(["Head too small", "Face too narrow in the frame"], FIXES["head_size"][0])]


def test_tinted_glasses_over_covered_eyes_are_one_removal(sample_image):
    # sunglasses read "Remove sunglasses, a patch, a hand or hair from the eyes ..." and "Take the glasses off" as two
    analysis = _failing(sample_image, {EYE_COVER_CHECK: 0.9, GLASSES_CHECK: 95.0})
    tinted = [dataclasses.replace(c, unit=GLASSES_UNITS["tinted"]) if c.id == GLASSES_CHECK else c for c in analysis.checks]
    changes = to_change(dataclasses.replace(analysis, checks=tinted))
    assert len(changes) == 1 and changes[0][1] == FIXES[EYE_COVER_CHECK], changes
    clear = [dataclasses.replace(c, unit=GLASSES_UNITS["clear"]) if c.id == GLASSES_CHECK else c for c in analysis.checks]
    assert len(to_change(dataclasses.replace(analysis, checks=clear))) == 2  # a hand over the eyes, clear glasses
