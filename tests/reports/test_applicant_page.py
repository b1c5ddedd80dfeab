"""The applicant's page: the outcome and every change in the applicant's words, none of the audit record."""

from __future__ import annotations

import dataclasses
import io
import unicodedata

from pypdf import PdfReader

from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.reports.applicant_page import BEFORE_DECISION, CHECKED, DECIDED, print_applicant_page
from pfiq_desktop.reports.inputs import DecisionInfo, ReportItem
from pfiq_desktop.reports.paged import render_pdf
from pfiq_desktop.review.reasons import to_change
from pfiq_desktop.review.store import ACCEPT, REJECT
from tests.reports.synthetic import synthetic_analysis, with_engine_checks

CREATED = "2026-12-07 15:00 +01:00"


def _page(item: ReportItem, page_size: str = "A4") -> tuple[str, int]:
    """The page's text (whitespace collapsed, ligatures as letters) and its page count."""
    data, pages = render_pdf(lambda device: print_applicant_page(device, item, CREATED), page_size)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split()), pages


def _failing(sample_image, failed: dict[str, float]):
    analysis = with_engine_checks(synthetic_analysis(image=sample_image), sample_image)
    checks = [dataclasses.replace(c, verdict=Verdict.FAIL, value=failed[c.id]) if c.id in failed else
              dataclasses.replace(c, verdict=Verdict.PASS) for c in analysis.checks]
    profile = load_profile()
    return dataclasses.replace(analysis, checks=checks, profile=profile.name, profile_info=profile.info)


def test_the_page_lists_every_change_most_important_first_before_a_decision(sample_image):
    # at a counter the report's 7-point "What to change" stopped at three fixes, among hashes and the officer's login
    failed = {"exposure": 30.0, "eye_open_left": 0.97, "eye_open_right": 0.95, "mouth_closed": 0.4, "pose_roll": 9.0,
              "sharpness": 5.0}
    analysis = _failing(sample_image, failed)
    changes = to_change(analysis)
    assert len(changes) == 5  # both eyes are one retake: more than the report's three
    text, pages = _page(ReportItem(analysis, image=sample_image), "Letter")
    assert pages == 1
    assert CHECKED["fail"] in text and BEFORE_DECISION in text and "sample_astronaut.jpg" in text
    assert "Checked against: ICAO 9303 (default)" in text
    at = [text.index(fix) for _, fix in changes]
    assert at == sorted(at), changes
    assert all(problem in text for problems, _ in changes for problem in problems)
    assert analysis.image_sha256 not in text and "SHA" not in text and "quality" not in text.lower()


def test_a_decided_photo_says_the_decision_and_names_no_officer_login_or_note(decided_item):
    text, pages = _page(decided_item)
    assert pages == 1
    assert DECIDED[REJECT] in text and BEFORE_DECISION not in text
    assert "j.smith" not in text and "New photo needed" not in text  # the note is the office's
    assert decided_item.analysis.image_sha256 not in text
    assert all(fix in text for _, fix in to_change(decided_item.analysis))


def test_an_accepted_photo_asks_for_no_change(sample_image):
    analysis = _failing(sample_image, {"exposure": 30.0})
    item = ReportItem(analysis, DecisionInfo(ACCEPT, officer="j.smith"), image=sample_image)
    text, _ = _page(item)
    assert DECIDED[ACCEPT] in text and "What to change" not in text and "Add light" not in text
