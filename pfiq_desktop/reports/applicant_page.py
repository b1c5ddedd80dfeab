"""The page an officer prints for the applicant: the photo, the outcome and what to change, in type one reads across a
counter.

The PDF report is an audit record (hashes, the officer's login, the checklist, the trail) with the changes in 7 pt;
at a counter the applicant took away what to change by ear (counter walk-through). This page names no login, hash,
note or score: the photo's file name, the office's decision and the changes its reasons ask for, or, before a
decision, what the automatic check found, headed as such (`review.reasons.to_change`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QPagedPaintDevice

from pfiq_desktop import APP_NAME
from pfiq_desktop.engine.results import FACE_PRESENT, Verdict
from pfiq_desktop.palette import NOTE_GREY
from pfiq_desktop.reports.drawing import placeholder_image, to_qimage, verdict_hex
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.paged import add_image, content_width_css, new_document, print_document
from pfiq_desktop.review.reasons import OTHER_REASONS, to_change
from pfiq_desktop.review.store import ACCEPT, REJECT, RETAKE

# the outcome in the applicant's words: the office's decision, or, before one, what the checks found
DECIDED = {ACCEPT: "The photo was accepted.", RETAKE: "A new photo is needed.", REJECT: "The photo was not accepted."}
DECIDED_COLOUR = {ACCEPT: Verdict.PASS, RETAKE: Verdict.WARN, REJECT: Verdict.FAIL}
CHECKED = {
    "pass": "The photo passed every automatic check.",
    "warn": "The photo may not meet every requirement.",
    "fail": "The photo does not meet the requirements.",
}
BEFORE_DECISION = "Automatic check, before the officer's decision"
NOT_OPENED = "The file could not be opened as a photo."
BRING_AGAIN = "Bring it again as a JPEG or PNG file, or bring a print."
NO_FACE_YET = "No face was found, so the other requirements could not be checked yet."
BY_EYE = "Nothing was found for certain: the officer looks at the photo."
OTHER_REASON = "The officer tells you the other reason for this decision."
FOR_THE_PHOTOGRAPHER = "Show this page to whoever takes the new photo."
PHOTO_SHARE = 0.36  # of the page width
BASE_PT = 11.0


def _decision(item: ReportItem) -> str:
    """The office's decision on the photo ('' before one)."""
    decision = item.decision.decision if item.decision else ""
    return decision if decision in DECIDED else ""


def _reasons(item: ReportItem) -> list[str]:
    """The reason codes the office's decision gives ([] before one)."""
    return item.decision.given_reasons if item.decision is not None and _decision(item) else []


def outcome(item: ReportItem) -> tuple[str, str]:
    """(the sentence that heads the page, its CSS colour): the decision's verdict colour; before one, the text's own
    (a red 20-pt sentence read as the office's verdict: applicant's page walk-through)."""
    decision = _decision(item)
    if decision:
        return DECIDED[decision], f"color:{verdict_hex(DECIDED_COLOUR[decision])}"
    return CHECKED.get(item.analysis.verdict, NOT_OPENED), ""


def changes(item: ReportItem) -> list[tuple[list[str], str]]:
    """After a retake or a reject, the changes its reasons ask for; before a decision, every change the checks found."""
    decision = _decision(item)
    if decision == ACCEPT:
        return []
    return to_change(item.analysis, _reasons(item) if decision else None)


def changes_html(item: ReportItem) -> str:
    """Every change, numbered, most important first, the problems it mends beneath; a line for reasons the officer gives
    in person (an identity doubt is not printed)."""
    listed = changes(item)
    rows = "".join(
        f'<tr><td valign="top" style="font-size:14pt; font-weight:bold">{n}.&nbsp;</td><td valign="top">'
        f'<span style="font-size:14pt; font-weight:bold">{escape(fix or ", ".join(problems))}</span><br/>'
        f'<span style="color:{NOTE_GREY}">{escape(", ".join(problems)) if fix else ""}</span></td></tr>'
        for n, (problems, fix) in enumerate(listed, 1)
    )
    notes = []
    if any(p.endswith("?") for problems, _ in listed for p in problems):
        notes.append('"?": the check is not sure of it; the officer looks.')
    if any(code in OTHER_REASONS for code in _reasons(item)):
        notes.append(OTHER_REASON)
    if not listed and not _decision(item) and item.analysis.verdict == Verdict.WARN.value:
        notes.append(BY_EYE)
    tail = "".join(f'<p style="color:{NOTE_GREY}">{escape(note)}</p>' for note in notes)
    if not rows:
        return tail
    return (f'<p style="font-size:14pt"><b>What to change</b><br/><span style="font-size:{BASE_PT}pt; color:{NOTE_GREY}">'
            f'{escape(FOR_THE_PHOTOGRAPHER)}</span></p><table cellspacing="0" cellpadding="3">{rows}</table>{tail}')


def checked_against(item: ReportItem) -> str:
    """The rules' name and the printed photo's size they ask for ("ICAO 9303 (default), a 35 x 45 mm photo"): "Crop to
    the shape the document's photo must have" gave a photographer no size (applicant's page walk-through)."""
    info = item.analysis.profile_info
    name = info.title or item.analysis.profile
    return f"{name}, a {info.print_format.size_text()} photo" if name and info.print_format else name


def _no_face_found(item: ReportItem) -> bool:
    return any(c.id == FACE_PRESENT and c.verdict is Verdict.FAIL and c.turn is None for c in item.analysis.checks)


def applicant_page_html(item: ReportItem, photo_src: str, photo_width_css: float, created: str) -> str:
    headline, colour = outcome(item)
    analysis = item.analysis
    opened = analysis.ok
    above = "" if _decision(item) else f'<p style="color:{NOTE_GREY}">{escape(BEFORE_DECISION)}:</p>'
    after = [BRING_AGAIN] if not opened else [NO_FACE_YET] if _no_face_found(item) else []
    below = "".join(f"<p>{escape(line)}</p>" for line in after)
    rules = checked_against(item) if opened else ""
    checked = f'<br/><span style="color:{NOTE_GREY}">Checked against: {escape(rules)}</span>' if rules else ""
    return f"""<html><body>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td valign="middle"><span style="font-size:18pt; font-weight:bold">Photo check</span></td>
<td align="right" valign="middle" style="color:{NOTE_GREY}">{escape(created)}</td></tr></table>
<p>Photo: <b>{escape(item.name)}</b>{checked}</p>{above}
<p style="font-size:20pt; font-weight:bold; {colour}">{escape(headline)}</p>{below}
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td valign="top" width="{PHOTO_SHARE * 100:.0f}%"><img src="{photo_src}" width="{photo_width_css:.0f}"/></td>
<td width="4%"></td><td valign="top">{changes_html(item)}</td></tr></table>
</body></html>"""


def print_applicant_page(device: QPagedPaintDevice, item: ReportItem, created: str) -> int:
    """Lay the page out on `device` (a printer, or a PDF writer); returns pages (one, unless the changes run over)."""
    doc = new_document(device, BASE_PT)
    photo = item.load_image()
    image = to_qimage(photo) if photo is not None else placeholder_image(600, 750, "photo not available")
    width_css = content_width_css(device) * PHOTO_SHARE - 2
    doc.setHtml(applicant_page_html(item, add_image(doc, "photo", image), width_css, created))
    return print_document(device, doc, f"{APP_NAME} · photo check · {item.name} · {created}")
