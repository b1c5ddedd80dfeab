"""Per-photo PDF report: header, photo | deviation map, regions, findings, checklist, decision, audit trail.

One page for one face on A4 or Letter; longer content (many faces, a long audit
trail) flows onto further pages. The Analysis JSON and the review data are
embedded as file attachments, so the report is machine-readable
(`read_embedded_analysis`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QPdfWriter

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.atomic import OutputError, write_bytes_atomic
from pfiq_desktop.engine.deviation_bands import READING
from pfiq_desktop.engine.icao.regions import REGION_LABELS
from pfiq_desktop.engine.icao.registry import CHECKS, in_fix_order
from pfiq_desktop.engine.results import Analysis, Verdict
from pfiq_desktop.palette import (
    AUDIT_HEADER_SHADE,
    DEVIATION_SCALE,
    HEADER_SHADE,
    NOTE_GREY,
    PANEL_SHADE,
    ROW_TINT_PLAIN,
    ROW_TINTS,
    RULE_COLOUR,
    status_badge,
    status_hex,
)
from pfiq_desktop.reports.drawing import MONO_FONT_FAMILY, verdict_counts_text, verdict_hex, verdict_text
from pfiq_desktop.reports.figures import check_numbers, render_panels
from pfiq_desktop.reports.inputs import AuditInfo, DecisionInfo, ReportItem, altered_text
from pfiq_desktop.reports.paged import (
    RenderError,
    add_image,
    attach,
    content_width_css,
    footer_height,
    new_document,
    print_document,
    render_pdf,
)
from pfiq_desktop.review.chain import PRINTED_HASH_DIGITS
from pfiq_desktop.review.reasons import decided_reasons_text, to_change
from pfiq_desktop.review.store import AUDIT_ACTION_LABELS, DECISION_LABELS
from pfiq_desktop.review.values import bounds_text, check_value_text, counted, format_number, profile_text, quality_text, when

ANALYSIS_ATTACHMENT = "analysis.json"
REVIEW_ATTACHMENT = "review.json"
FIGURE_SHARE = 0.70  # of the page width; the quality column takes the rest
FIGURE_HEIGHT_SHARES = (0.24, 0.21, 0.18, 0.15, 0.12)  # of the page height, largest first


def typed(note: str) -> str:
    """An officer's note as HTML, its line breaks kept (they became spaces, running a list's lines together)."""
    return escape(note or "–").replace("\n", "<br/>")


def now_text(now: datetime | None = None) -> str:
    """Local date and time with its UTC offset, e.g. 2025-01-02 14:05 +01:00."""
    moment = (now or datetime.now()).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M ") + moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]


def _badge(verdict: str, pt: float = 9.0) -> str:
    return (
        f'<span style="background-color:{verdict_hex(verdict)}; color:#ffffff; font-weight:bold; font-size:{pt}pt">'
        f"&nbsp;{escape(status_badge(verdict))}&nbsp;</span>"
    )


def _coloured(verdict: Verdict) -> str:
    """A verdict's word in bold in its colour, leading a line of checks that share it."""
    return f'<span style="color:{verdict_hex(verdict)}"><b>{escape(verdict_text(verdict))}</b></span>'


def header_html(item: ReportItem, officer: str, created: str) -> str:
    a = item.analysis
    size = f"{a.image_size[0]} × {a.image_size[1]} px" if a.image_size[0] else "size unknown"
    rows = [
        (
            "File",
            f'<b>{escape(item.name)}</b> <span style="color:{NOTE_GREY}">'
            f'({escape(size)}, {counted(len(a.faces), "face")})</span>',
        ),
        ("Photo SHA-256", f'<span style="font-family:{MONO_FONT_FAMILY}; font-size:6.5pt">{escape(a.image_sha256 or "–")}</span>'),
        ("Model SHA-256", f'<span style="font-family:{MONO_FONT_FAMILY}; font-size:6.5pt">{escape(a.model_sha256 or "–")}</span>'),
    ]
    rows_right = [
        ("Report made by", escape(officer or "–")),
        ("Report made", escape(created)),
        ("Analysed", escape(when(a.created))),
        ("Profile", escape(profile_text(a.profile, a.profile_sha256))),
    ]
    if a.checked_at != a.created:  # judged under this profile later, from the cached analysis: an auditor asks when
        rows_right.insert(3, ("Checked", escape(when(a.checked_at))))
    rows_right.append(("Engine", f"{escape(a.backbone or '–')} · {escape(a.map_method or '–')}"))
    left = "".join(f'<tr><td style="color:{NOTE_GREY}">{k}</td><td>{v}</td></tr>' for k, v in rows)
    right = "".join(f'<tr><td style="color:{NOTE_GREY}">{k}</td><td>{v}</td></tr>' for k, v in rows_right)
    return f"""
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td valign="middle"><span style="font-size:15pt; font-weight:bold">Photo quality report</span><br/>
<span style="color:{NOTE_GREY}">{escape(APP_NAME)} {escape(a.app_version or __version__)} · \
explainable face image quality for identity documents</span></td>
<td align="right" valign="middle">{_badge(a.verdict, 15)}</td></tr></table>
<hr/>
<table width="100%" cellspacing="0" cellpadding="1"><tr>
<td valign="top" width="64%"><table cellspacing="0" cellpadding="1">{left}</table>{profile_html(a)}</td>
<td valign="top"><table cellspacing="0" cellpadding="1">{right}</table></td>
</tr></table>"""


def profile_html(analysis: Analysis) -> str:
    """Small print beside the header's right column: the profile's name, version and print size, and the sources
    of its values with how far each was verified (the profile file may change or be gone by the time of reading).
    Sources the profile inherits are named by id only: their URLs are in the profile that lists them."""
    info = analysis.profile_info
    if not (info.title or info.sources):
        return ""
    named = f"<b>{escape(info.title or analysis.profile)}</b>" + (f", version {escape(info.version)}" if info.version else "")
    if info.print_format:
        named += f", {escape(info.print_format.size_text())} print"
    own = [s for s in info.sources if s.cited_in in ("", analysis.profile)]
    dates = sorted({s.retrieved for s in own if s.retrieved})  # usually one day: said once
    cited = [  # titles and clauses are in the profile file and the embedded JSON
        f"<b>{escape(s.id)}</b> {escape(s.url.split('://')[-1].removeprefix('www.'))} ({escape(s.basis or 'unverified')}"
        + (f", {escape(s.retrieved)}" if len(dates) > 1 and s.retrieved else "")
        + ")"
        for s in own
    ]
    inherited: dict[str, list[str]] = {}
    for source in info.sources:
        if source not in own:
            inherited.setdefault(source.cited_in, []).append(source.id)
    cited += [f"from {escape(name)}: {escape(', '.join(ids))}" for name, ids in inherited.items()]
    read = f" (read {escape(dates[0])})" if len(dates) == 1 else ""
    sources = f". Sources{read}: {' · '.join(cited)}" if cited else ""
    # what the issuer asks beyond the measured checks (background colour, when glasses or coverings are allowed)
    rules = "; ".join(f"{name.replace('_', ' ')}: {text}" for name, text in info.rules.items())
    asks = f". Its rules, to be judged by eye where no check measures them: {escape(rules)}" if rules else ""
    return f'<p style="color:{NOTE_GREY}; font-size:5pt; margin-top:1px; margin-bottom:0px">Profile {named}{asks}{sources}</p>'


SIDED_ROWS = (("Eye", "left_eye", "right_eye"), ("Cheek", "left_cheek", "right_cheek"))  # (label, photo left, right)
SIDED = {region for _, *sides in SIDED_ROWS for region in sides}
MIDDLE = ("forehead", "nose", "mouth", "chin")  # top to bottom
FACES_SHOWN = 4  # a group photo's faces with their quality; the rest are counted


# where the page sends the reader for what it leaves out: a PDF/A file carries no attachment (PDF/A-1 forbids them),
# and an archival copy said "in the attached JSON" with nothing attached (CLI walk-through)
JSON_ATTACHED = "the attached JSON"
JSON_NOT_ATTACHED = "the photo's analysis JSON (pfiq analyse --format json), not attached to this PDF/A copy"


def quality_html(analysis: Analysis, json_where: str) -> str:
    """Recognition quality per face and the main face's regions compared with compliant photos."""
    if not analysis.faces:  # an unreadable photo was described as one without a face
        why = "Not analysed" if analysis.errors else "No face"
        return f'<p style="color:{NOTE_GREY}">{why}: no quality to report.</p>'
    faces = analysis.faces[:FACES_SHOWN]
    several = len(faces) > 1
    deviations = faces[0].region_deviation

    def cell(region: str, span: int = 1) -> str:
        value = deviations.get(region)
        spanned = f' colspan="{span}"' if span > 1 else ""
        if value is None or not np.isfinite(value):
            return f'<td align="center"{spanned}>–</td>'
        colour = DEVIATION_SCALE.hex_at(value)
        shade = f' style="background-color:{colour}"' if colour else ""
        return f'<td align="center"{spanned}{shade}><b>{value:+.1f}</b></td>'

    # the sided regions in a column per side ("Left eye" read as the subject's left, and "Eye (photo left)" broke
    # into "(phot|o left)" in the narrow column), the middle ones across both
    rows = [f"<tr><td>{word}</td>{cell(left)}{cell(right)}</tr>" for word, left, right in SIDED_ROWS
            if left in deviations or right in deviations]
    middle = [r for r in MIDDLE if r in deviations] + [r for r in deviations if r not in SIDED and r not in MIDDLE]
    rows += [f"<tr><td>{escape(REGION_LABELS.get(r, r))}</td>{cell(r, 2)}</tr>" for r in middle]
    head = '<th align="left">Region</th><th align="center">photo left</th><th align="center">photo right</th>'
    table = (f'<table width="100%" cellspacing="0" cellpadding="0.5" border="0.5" style="font-size:6.5pt; border-color:{RULE_COLOUR}; '
             f'border-style:solid"><tr style="background-color:{HEADER_SHADE}">{head}</tr>{"".join(rows)}</table>'
             if rows else f'<p style="color:{NOTE_GREY}">No deviation map for this face.</p>')
    quality = " · ".join(
        f'<span style="font-size:{15 if not several else 10}pt; font-weight:bold">{quality_text(face.quality)}</span>'
        + (f" (face {i + 1})" if several else "")
        for i, face in enumerate(faces)
    )
    more = (f'<br/><span style="color:{NOTE_GREY}">{len(analysis.faces) - FACES_SHOWN} more faces not shown.</span>'
            if len(analysis.faces) > FACES_SHOWN else "")
    return f"""
<p style="margin-top:0px; margin-bottom:0px"><b>Recognition quality</b> (not the verdict)</p>
<p style="margin-top:0px; margin-bottom:0px">{quality}</p>
<p style="color:{NOTE_GREY}; margin-top:0px; font-size:6pt">0 = unusable, 1 = excellent for recognition;
{escape(analysis.quality_estimator or "scalar estimator")}, raw {format_number(faces[0].quality_raw)}</p>
<p style="margin-top:4px; margin-bottom:1px"><b>Regions vs compliant photos</b>{" (face 1)" if several else ""}</p>
{table}
<p style="color:{NOTE_GREY}; margin-top:1px; font-size:6pt">Mean over each whole region (a finding's smaller area can be \
lower): {READING}. Pixel-level quality (PLQ) per region: in {json_where}.{more}</p>"""


CHANGES_SHOWN = 3


def changes_html(analysis: Analysis) -> str:
    """What to change for a new photo, most important first: the report goes back to the applicant or the
    photographer, who read what was wrong but not what to do (photographer's walk-through)."""
    changes = to_change(analysis)
    if not changes:
        return ""
    shown = changes[:CHANGES_SHOWN]  # the page keeps its one-page fit; the rest are the checklist's failed rows
    items = " ".join(f"<b>{n}.&nbsp;{escape(', '.join(problems))}{':' if fix else '.'}</b>" + (f" {escape(fix)}." if fix else "")
                     for n, (problems, fix) in enumerate(shown, 1))
    if len(changes) > len(shown):
        items += f" And {len(changes) - len(shown)} more: see the checklist."
    unsure = '; "?": the checks are not sure of it' if any(p.endswith("?") for problems, _ in shown for p in problems) else ""
    return (f'<p style="margin-top:4px; margin-bottom:0px; font-size:7pt"><b>What to change</b>'
            f'<span style="color:{NOTE_GREY}"> (most important first{unsure}):</span> {items}</p>')


def findings_html(analysis: Analysis, json_where: str) -> str:
    """The findings in words: the main face's in full, a group photo's other faces by count."""
    if not analysis.faces:
        return ""
    sentences = analysis.faces[0].findings
    items = "".join(f"<li>{escape(s)}</li>" for s in sentences) or "<li>Nothing stands out against compliant photos.</li>"
    others = sum(bool(face.findings) for face in analysis.faces[1:])
    tail = (f'<p style="color:{NOTE_GREY}; margin-top:0px">{others} other face{" has" if others == 1 else "s have"} findings of '
            f"their own (in {json_where}).</p>") if others else ""
    return (f'<p style="margin-top:3px; margin-bottom:0px"><b>Findings</b>'
            f'{" (face 1)" if len(analysis.faces) > 1 else ""}</p>'
            f'<ul style="margin-top:0px; margin-bottom:0px; margin-left:-20px; font-size:7pt">{items}</ul>{tail}')


def nowrap(text: str, limit: int = 24) -> str:
    """Keep short cells on one line (so the reason column keeps its width); long ones may wrap."""
    return ' style="white-space:nowrap"' if len(text) <= limit else ""


SHARED_REASON_ROWS = 3  # checks not judged for one reason that are listed on one line instead of a row each


def checklist_html(analysis: Analysis) -> str:
    """Failed, warned and not-assessable checks as table rows with their reasons; passed ones compactly below,
    each with its number and value (their reasons are in the attached JSON), so one face fits one page."""
    if not analysis.checks:
        text = "No checks were run." if not analysis.errors else "No checks: the photo could not be analysed."
        return f"<p><b>Checklist</b><br/>{escape(text)}</p>"
    numbers = check_numbers(analysis)
    rows = []
    passed = []
    unjudged = Counter(c.reason for c in analysis.subject_checks() if c.verdict is Verdict.NOT_ASSESSABLE)
    shared: dict[str, list[str]] = {}  # a reason many checks are not judged for: one line, not 33 identical rows
    # failures first, then warnings, then what could not be judged, each in fix order: in the stored order a covered
    # mouth was row 35, under a head height it had spoiled (photographer's walk-through); the numbers stay the check's
    subject = analysis.subject_checks()
    flagged = sorted(in_fix_order(c for c in subject if c.verdict is not Verdict.PASS), key=lambda c: -c.verdict.severity)
    for check in [*flagged, *(c for c in subject if c.verdict is Verdict.PASS)]:
        shown = check_value_text(check)
        if check.verdict is Verdict.PASS:
            passed.append(f'<b>{numbers[id(check)]}</b>&nbsp;{escape(check.name)}: {escape(shown)}')
            continue
        if check.verdict is Verdict.NOT_ASSESSABLE and unjudged[check.reason] >= SHARED_REASON_ROWS:
            shared.setdefault(check.reason, []).append(f'<b>{numbers[id(check)]}</b>&nbsp;{escape(check.name)}')
            continue
        shade = ROW_TINTS.get(check.verdict.value, ROW_TINT_PLAIN)
        rows.append(
            f'<tr style="background-color:{shade}"><td align="right">{numbers[id(check)]}</td>'
            f'<td style="padding-left:4px">{escape(check.name)}</td>'
            f'<td align="right"{nowrap(shown)}>{escape(shown)}</td>'
            f'<td style="color:{NOTE_GREY}; padding-left:5px">{escape(bounds_text(check.thresholds, check.unit))}</td>'
            f'<td align="center" style="color:{verdict_hex(check.verdict)}; white-space:nowrap">'  # "Not assessa|ble" broke
            f'<b>{escape(verdict_text(check.verdict))}</b></td>'
            f'<td style="padding-left:4px">{escape(check.reason)}</td></tr>'
        )
    counts = Counter(c.verdict.value for c in analysis.subject_checks())
    table = f"""<table width="100%" cellspacing="0" cellpadding="0.6" border="0" style="font-size:6.2pt">
<thead><tr style="background-color:{HEADER_SHADE}"><th align="right">#</th><th align="left" width="19%">Check</th>
<th align="right" width="14%">Value</th><th align="left" width="16%">Threshold</th><th align="center" width="6%">Verdict</th>
<th align="left">Reason</th></tr></thead>
{''.join(rows)}</table>""" if rows else ""
    not_run = [CHECKS[c].name if c in CHECKS else c for c in analysis.profile_info.switched_off]  # (names before 0.4.7)
    off = f"; not run under this profile: {escape(', '.join(not_run))}" if not_run else ""
    compact_html = (f'<p style="margin-top:2px; font-size:6.2pt">{_coloured(Verdict.PASS)} '
                   + " · ".join(passed) + "</p>") if passed else ""
    compact_html += "".join(
        f'<p style="margin-top:2px; font-size:6.2pt">{_coloured(Verdict.NOT_ASSESSABLE)} '
        f"{escape(reason)} " + " · ".join(names) + "</p>" for reason, names in shared.items())
    return f"""
<p style="margin-top:4px; margin-bottom:1px"><b>Checklist</b>
<span style="color:{NOTE_GREY}"> — {verdict_counts_text(counts)}{off}; numbers match the tags on the photo.</span></p>
{table}{compact_html}{other_faces_html(analysis)}"""


def other_faces_html(analysis: Analysis) -> str:
    """A group photo's other faces, one line each: what they fail or warn on (their full checks are in the JSON)."""
    lines = []
    for index in range(1, len(analysis.faces)):
        own = [c for c in analysis.checks if c.face_index == index]
        failed = [c.name for c in own if c.verdict is Verdict.FAIL]
        warned = [c.name for c in own if c.verdict is Verdict.WARN]
        found = "; ".join(part for part in (
            f"fails {', '.join(failed)}" if failed else "", f"warns on {', '.join(warned)}" if warned else "") if part)
        lines.append(f"<b>Face {index + 1}</b> (quality {quality_text(analysis.faces[index].quality)}): "
                     f"{escape(found or 'passes its own checks')}")
    if not lines:
        return ""
    return f'<p style="margin-top:3px; font-size:6.2pt">Other faces in the photo — {"<br/>".join(lines)}</p>'


def decision_html(decision: DecisionInfo | None, analysis: Analysis, store_problem: str = "") -> str:
    """A full-width box under the header: the officer's decision is what the report is filed for (and, from a store
    whose audit log fails its check, a warning that it may have been altered)."""
    if decision is None:
        body = f'<b>Officer\'s decision:</b> <span style="color:{NOTE_GREY}">No decision recorded for this photo.</span>'
    else:
        colour = status_hex(decision.decision)
        accepted, shown = decision.decision == "accept", decision.given_reasons
        body = (
            f"<b>Officer's decision:</b> "
            f'<span style="font-size:10pt; font-weight:bold; color:{colour}">{escape(decision.label.upper())}</span>'
            f" &nbsp;by {escape(decision.signed_by or '–')}, {escape(when(decision.decided_at))}"
        )

        def worded(codes: list[str]) -> str:
            return escape(decided_reasons_text(codes, analysis, decision.profile, decision.profile_sha256))

        if shown or not accepted:
            body += f" &nbsp;·&nbsp; <b>Reasons:</b> {worded(shown)}"
        if decision.overridden:
            body += f" &nbsp;·&nbsp; <b>Accepted despite:</b> {worded(decision.overridden)}"
        if analysis.judged_under_other(decision.profile, decision.profile_sha256):  # its reasons may pass under this one
            decided = profile_text(decision.profile, decision.profile_sha256)
            body += (f' &nbsp;·&nbsp; <span style="color:{NOTE_GREY}">decided under profile {escape(decided)}; '
                     f"this report's checklist: {escape(profile_text(analysis.profile, analysis.profile_sha256))}</span>")
        body += f"<br/><b>Note:</b> {typed(decision.note)}"
    if store_problem:
        body += f'<br/><span style="color:{status_hex("fail")}"><b>{escape(altered_text(store_problem))}</b></span>'
    return f"""
<table width="100%" cellspacing="0" cellpadding="3" border="0.5" style="margin-top:5px; border-color:{RULE_COLOUR}; border-style:solid">
<tr><td style="background-color:{PANEL_SHADE}">{body}</td></tr></table>"""


def _under(profile: str) -> str:
    """The profile an audit entry's verdict was judged under, small beneath it ('' when not recorded)."""
    return f'<br/><span style="color:{NOTE_GREY}">{escape(profile)}</span>' if profile else ""


def audit_html(entries: list[AuditInfo], analysis: Analysis | None = None) -> str:
    """The audit trail; an entry's reasons in the decision box's words where it was decided under `analysis`'s profile
    (the box read "Head too small" and the trail "Head too small or too large" for one decision: usability walk-through)."""
    if not entries:
        return f'<p style="margin-top:5px"><b>Audit trail</b> <span style="color:{NOTE_GREY}">— no entries for this photo.</span></p>'
    td = '<td style="padding-right:6px">'
    unbroken = '<td style="padding-right:6px; white-space:nowrap">'  # "Withdra / wn" read as damage (walk-through)
    rows = "".join(
        f'<tr style="background-color:{ROW_TINT_PLAIN if n % 2 else "#ffffff"}">'
        f"{unbroken}{escape(when(e.at))}</td>{td}{escape(e.signed_by or '–')}</td>"
        f"{unbroken}{escape(AUDIT_ACTION_LABELS.get(e.action, e.action))}</td>"
        f"{td}{escape(DECISION_LABELS.get(e.decision, e.decision) if e.decision else '–')}</td>"
        f"{td}{escape(decided_reasons_text(e.reasons, analysis, e.profile, e.profile_sha256))}</td>{td}{typed(e.note)}</td>"
        f"{td}{escape(verdict_text(e.verdict) if e.verdict else '–')}{_under(e.profile)}</td>"
        f'<td style="font-family:{MONO_FONT_FAMILY}; font-size:5.5pt">{escape(e.entry_hash[:PRINTED_HASH_DIGITS])}</td></tr>'
        for n, e in enumerate(entries)
    )
    # The title is a header row of the table itself, so it never stays behind at the foot of a page. Column widths are
    # set: left to the layout, a long list of reasons got the narrowest column and a decision ran onto a second page;
    # a note of two sentences did so in a column a third as wide as the reasons' (officer's walk-through).
    return f"""
<table width="100%" cellspacing="0" cellpadding="0.6" border="0" style="margin-top:5px; font-size:6.2pt">
<thead><tr><td colspan="8" style="font-size:8pt"><b>Audit trail</b> <span style="color:{NOTE_GREY}">— append-only, hash-chained
log of every decision on this photo, oldest first (`pfiq audit verify` checks the chain).</span></td></tr>
<tr style="background-color:{AUDIT_HEADER_SHADE}"><th align="left" width="15%" style="padding-right:6px">Time</th>\
<th align="left" width="8%" style="padding-right:6px">Officer</th><th align="left" width="8%" style="padding-right:6px">Action</th>
<th align="left" width="7%" style="padding-right:6px">Decision</th><th align="left" width="27%" style="padding-right:6px">Reasons</th>\
<th align="left" width="19%" style="padding-right:6px">Note</th><th align="left" width="8%" style="padding-right:6px">Verdict</th>\
<th align="left" width="8%">Entry hash</th></tr></thead>\
{rows}</table>"""


def errors_html(analysis: Analysis) -> str:
    if not analysis.errors:
        return ""
    items = "".join(f"<li>{escape(e)}</li>" for e in analysis.errors)
    colour = status_hex("error")
    return f'<p style="color:{colour}"><b>The photo could not be analysed:</b></p><ul style="color:{colour}">{items}</ul>'


LEGEND = (  # the colour bar beside the map names its bands: not repeated here
    "Left: face box, landmarks (cyan), evidence of failed (solid red) and warned (dashed amber) checks, tagged with "
    "the check's number. Right: the face's recognition utility compared with compliant photos at the same place; "
    "white outlines (on both) = clearly lower."
)


def build_report_html(item: ReportItem, figure_src: str, figure_width_css: float, officer: str, created: str,
                      attached: bool = True) -> str:
    """The report's page; `attached`: whether the analysis JSON is attached (not to a PDF/A file)."""
    a = item.analysis
    json_where = JSON_ATTACHED if attached else JSON_NOT_ATTACHED
    # no face, no maps: the legend described a picture that was not there
    legend = f'<p style="color:{NOTE_GREY}; font-size:6pt; margin-top:1px">{escape(LEGEND)}</p>' if a.faces else ""
    top = f"""
<table width="100%" cellspacing="0" cellpadding="0" style="margin-top:4px"><tr>
<td valign="top" width="{FIGURE_SHARE * 100:.0f}%"><img src="{figure_src}" width="{figure_width_css:.0f}"/>{legend}</td>
<td width="2%"></td><td valign="top">{quality_html(a, json_where)}</td></tr></table>"""
    return (
        "<html><body>"
        + header_html(item, officer, created)
        + decision_html(item.decision, a, item.store_problem)
        + errors_html(a)
        + ("" if item.decision is not None and item.decision.decision == "accept" else changes_html(a))  # no new photo
        + top
        + findings_html(a, json_where)
        + checklist_html(a)
        + audit_html(item.audit, a)
        + "</body></html>"
    )


def review_json(item: ReportItem) -> str:
    return json.dumps(
        {"decision": item.decision.to_dict() if item.decision else None, "audit": [e.to_dict() for e in item.audit],
         "review_store_problem": item.store_problem},
        indent=1,
    )


def write_pdf_report(
    target: str | Path,
    item: ReportItem | Analysis,
    page_size: str = "A4",
    officer: str = "",
    pdfa: bool = False,
    now: datetime | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> int:
    """Write one photo's report atomically; returns the page count.

    With `pdfa` the file is PDF/A-1b and carries no attachment (PDF/A-1 forbids
    embedded files); otherwise it is PDF 1.6 with `analysis.json` and `review.json`
    attached. Raises OutputError for an unwritable target, ReportCancelled when
    `should_cancel()` turns true (no file is left behind in either case).
    """
    report = item if isinstance(item, ReportItem) else ReportItem(item)
    officer = officer or (report.decision.officer if report.decision else "")
    created = now_text(now)
    try:
        data, pages = render_pdf(lambda writer: _draw_report(writer, report, officer, created, pdfa, should_cancel),
                                 page_size, title=f"Photo quality report: {report.name}", author=officer,
                                 creator=f"{APP_NAME} {__version__}", pdfa=pdfa)
    except RenderError as error:
        raise OutputError(f"Cannot write {target}: {error}") from error
    write_bytes_atomic(target, data)
    return pages


def _draw_report(
    writer: QPdfWriter, item: ReportItem, officer: str, created: str, pdfa: bool, should_cancel: Callable[[], bool] | None
) -> int:
    """Lay the report out on `writer` (attachments first: they must precede the first page); returns pages."""
    analysis = item.analysis
    if not pdfa:
        attach(writer, ANALYSIS_ATTACHMENT, analysis.to_json(indent=1).encode("utf-8"))
        attach(writer, REVIEW_ATTACHMENT, review_json(item).encode("utf-8"))
    doc = new_document(writer)
    width_css = content_width_css(writer)
    figure = render_panels(item.load_image(), analysis, height=1000)
    src = add_image(doc, "figure", figure)
    px = writer.logicalDpiX() / 96.0
    doc.setPageSize(QSizeF(writer.width(), writer.height() - footer_height(writer)))
    # The figure fills its column up to a share of the page height; when the report would
    # not fit on one page, a smaller figure is tried before letting the rest flow onto a second.
    for share in FIGURE_HEIGHT_SHARES:
        shown_w = min(width_css * FIGURE_SHARE - 2, figure.width() * (share * writer.height() / figure.height()) / px)
        doc.setHtml(build_report_html(item, src, shown_w, officer, created, attached=not pdfa))
        if doc.pageCount() == 1:
            break
    # else: the smallest figure stays, so as little as possible flows onto the next page
    short = (analysis.image_sha256 or "")[:12]
    footer_left = f"{item.name}" + (f" · SHA-256 {short}…" if short else "") + f" · {created}"
    return print_document(
        writer,
        doc,
        footer_left,
        should_cancel,
    )


def read_embedded_analysis(pdf_path: str | Path) -> Analysis:
    """The Analysis embedded in a report made by `write_pdf_report` (needs pypdf)."""
    from pypdf import PdfReader

    attachments = PdfReader(str(pdf_path)).attachments
    if ANALYSIS_ATTACHMENT not in attachments:
        raise ValueError(f"{pdf_path} has no embedded {ANALYSIS_ATTACHMENT}")
    return Analysis.from_json(attachments[ANALYSIS_ATTACHMENT][0].decode("utf-8"))
