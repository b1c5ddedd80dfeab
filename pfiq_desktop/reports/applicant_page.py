"""The page an officer prints for the applicant: the photo, the outcome and what to change, in type one reads across a
counter.

The PDF report is an audit record (hashes, the officer's login, the checklist, the trail) with the changes in 7 pt;
at a counter the applicant took away what to change by ear (counter walk-through). This page names no login, hash or
score, only the photo's file name, the office's decision (or the checks' outcome before one) and every change, most
important first (`review.reasons.to_change`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QPagedPaintDevice

from pfiq_desktop import APP_NAME
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.palette import NOTE_GREY
from pfiq_desktop.reports.drawing import placeholder_image, to_qimage, verdict_hex
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.paged import add_image, content_width_css, new_document, print_document
from pfiq_desktop.review.reasons import to_change
from pfiq_desktop.review.store import ACCEPT, REJECT, RETAKE

# the outcome in the applicant's words: the office's decision, or, before one, what the checks found
DECIDED = {ACCEPT: "Your photo was accepted.", RETAKE: "A new photo is needed.", REJECT: "Your photo was not accepted."}
CHECKED = {
    "pass": "The photo meets the requirements checked.",
    "warn": "The photo may not meet every requirement.",
    "fail": "The photo does not meet the requirements.",
}
NOT_CHECKED = "The photo could not be checked."
BEFORE_DECISION = "The officer decides; this is what the automatic check found."
PHOTO_SHARE = 0.36  # of the page width
BASE_PT = 11.0


def outcome(item: ReportItem) -> tuple[str, str]:
    """(the sentence that heads the page, the verdict whose colour it takes)."""
    decision = item.decision.decision if item.decision else ""
    if decision in DECIDED:
        return DECIDED[decision], {ACCEPT: "pass", RETAKE: "warn"}.get(decision, "fail")
    verdict = item.analysis.verdict
    return CHECKED.get(verdict, NOT_CHECKED), verdict


def changes_html(analysis: Analysis) -> str:
    """Every change, numbered, in the order `to_change` gives (most important first), the problems it mends beneath."""
    changes = to_change(analysis)
    if not changes:
        return ""
    rows = "".join(
        f'<tr><td valign="top" style="font-size:14pt; font-weight:bold">{n}.&nbsp;</td><td valign="top">'
        f'<span style="font-size:14pt; font-weight:bold">{escape(fix or ", ".join(problems))}</span><br/>'
        f'<span style="color:{NOTE_GREY}">{escape(", ".join(problems)) if fix else ""}</span></td></tr>'
        for n, (problems, fix) in enumerate(changes, 1)
    )
    unsure = any(p.endswith("?") for problems, _ in changes for p in problems)
    note = f'<p style="color:{NOTE_GREY}">"?": the check is not sure of it; the officer looks.</p>' if unsure else ""
    return f'<p style="font-size:14pt"><b>What to change</b></p><table cellspacing="0" cellpadding="3">{rows}</table>{note}'


def applicant_page_html(item: ReportItem, photo_src: str, photo_width_css: float, created: str) -> str:
    headline, verdict = outcome(item)
    decided = item.decision is not None and item.decision.decision in DECIDED
    below = "" if decided else f'<p style="color:{NOTE_GREY}">{escape(BEFORE_DECISION)}</p>'
    accepted = decided and item.decision is not None and item.decision.decision == ACCEPT
    analysis = item.analysis
    return f"""<html><body>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td valign="middle"><span style="font-size:18pt; font-weight:bold">Photo check</span></td>
<td align="right" valign="middle" style="color:{NOTE_GREY}">{escape(created)}</td></tr></table>
<p>Photo: <b>{escape(item.name)}</b><br/><span style="color:{NOTE_GREY}">Checked against: \
{escape(analysis.profile_info.title or analysis.profile or '–')}</span></p>
<p style="font-size:20pt; font-weight:bold; color:{verdict_hex(verdict)}">{escape(headline)}</p>{below}
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td valign="top" width="{PHOTO_SHARE * 100:.0f}%"><img src="{photo_src}" width="{photo_width_css:.0f}"/></td>
<td width="4%"></td><td valign="top">{"" if accepted else changes_html(analysis)}</td></tr></table>
</body></html>"""


def print_applicant_page(device: QPagedPaintDevice, item: ReportItem, created: str) -> int:
    """Lay the page out on `device` (a printer, or a PDF writer); returns pages (one, unless the changes run over)."""
    doc = new_document(device, BASE_PT)
    photo = item.load_image()
    image = to_qimage(photo) if photo is not None else placeholder_image(600, 750, "photo not available")
    width_css = content_width_css(device) * PHOTO_SHARE - 2
    doc.setHtml(applicant_page_html(item, add_image(doc, "photo", image), width_css, created))
    return print_document(device, doc, f"{APP_NAME} · photo check · {item.name} · {created}")
