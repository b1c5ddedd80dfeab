"""A comparison's PDF page: decision and score with the thresholds behind them, both photos and their maps,
the checks whose verdicts differ, and the comparison JSON attached (`read_embedded_comparison`)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtGui import QPdfWriter

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.atomic import OutputError, write_bytes_atomic
from pfiq_desktop.engine.comparison import DECISION_LABELS, UNCERTAIN, Comparison
from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.palette import HEADER_SHADE, NOTE_GREY, PANEL_SHADE, RULE_COLOUR, status_hex
from pfiq_desktop.reports.comparison_figure import (
    LEGEND,
    OTHER_BELOW,
    RENEWAL_TITLE,
    SAME_AT_OR_ABOVE,
    SCORE_WORDS,
    render_comparison_panels,
    same_verdicts,
)
from pfiq_desktop.reports.drawing import MONO_FONT_FAMILY, verdict_hex, verdict_text
from pfiq_desktop.reports.paged import (
    RenderError,
    add_image,
    attach,
    content_width_css,
    new_document,
    print_document,
    render_pdf,
)
from pfiq_desktop.reports.pdf_report import now_text
from pfiq_desktop.review.values import check_value_text, quality_text, when

COMPARISON_ATTACHMENT = "comparison.json"
FIGURE_HEIGHT_SHARE = 0.5  # of the page height


def decision_html(comparison: Comparison) -> str:
    thresholds = comparison.thresholds
    score = f"{comparison.score:.3f}" if np.isfinite(comparison.score) else "–"
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td align='right'>&nbsp;{point.threshold:.3f}</td>"
        f"<td align='right'>&nbsp;&nbsp;{100 * point.fmr:g} %</td><td align='right'>&nbsp;&nbsp;{100 * point.fnmr:.1f} %</td></tr>"
        for label, point in ((SAME_AT_OR_ABOVE, thresholds.strict), (OTHER_BELOW, thresholds.lenient))
    )  # and between the two: uncertain, said (scores there were named nowhere)
    rows += (f"<tr><td colspan='4'>{escape(DECISION_LABELS[UNCERTAIN])} between "
             f"{thresholds.lenient.threshold:.3f} and {thresholds.strict.threshold:.3f}: the officer compares the faces</td></tr>")
    return f"""
<table width="100%" cellspacing="0" cellpadding="3" border="0.5" style="margin-top:5px; border-color:{RULE_COLOUR}; border-style:solid">
<tr><td style="background-color:{PANEL_SHADE}">
<span style="font-size:13pt; font-weight:bold; color:{status_hex(comparison.decision)}">{escape(comparison.label.upper())}</span>
&nbsp; {SCORE_WORDS} <b>{score}</b><br/>{escape(comparison.reason)}</td>
<td style="background-color:{PANEL_SHADE}"><table cellspacing="0" cellpadding="1" style="font-size:6.5pt">
<tr style="color:{NOTE_GREY}"><td>threshold</td><td align="right">score</td><td align="right">FMR</td>
<td align="right">FNMR</td></tr>{rows}</table>
<span style="color:{NOTE_GREY}; font-size:6pt">FMR: share of different people who reach it; FNMR: share of the same
person who do not (calibration data).</span></td></tr></table>"""


def photos_html(comparison: Comparison) -> str:
    rows = []
    for side, analysis in (("A (new)", comparison.a), ("B (reference)", comparison.b)):
        quality = quality_text(analysis.faces[0].quality if analysis.faces else None)
        rows.append(
            f"<tr><td><b>{escape(side)}</b></td><td>{escape(display_name(Path(analysis.source).name))}</td>"
            f'<td align="center" style="color:{verdict_hex(analysis.verdict)}"><b>{escape(verdict_text(analysis.verdict))}</b></td>'
            f'<td align="right">{quality}</td>'
            f'<td style="font-family:{MONO_FONT_FAMILY}; font-size:6pt">{escape(analysis.image_sha256 or "–")}</td></tr>'
        )
    return f"""
<table width="100%" cellspacing="0" cellpadding="1" style="margin-top:4px; font-size:7pt">
<tr style="background-color:{HEADER_SHADE}"><th align="left">Photo</th><th align="left">File</th><th>Checklist</th>
<th align="right">Quality</th><th align="left">SHA-256</th></tr>{"".join(rows)}</table>"""


def changes_html(comparison: Comparison) -> str:
    changes = comparison.check_changes()
    if not changes:
        return f'<p style="margin-top:4px"><b>{escape(same_verdicts(comparison))}</b></p>'
    rows = "".join(
        f"<tr><td>{escape(c.name)}</td>"
        f'<td align="center" style="color:{verdict_hex(c.verdict_a or "not_assessable")}">{escape(verdict_text(c.verdict_a or "–"))}</td>'
        f'<td align="right">{escape(check_value_text(c.a) if c.a is not None else "–")}</td>'
        f'<td align="center" style="color:{verdict_hex(c.verdict_b or "not_assessable")}">{escape(verdict_text(c.verdict_b or "–"))}</td>'
        f'<td align="right">{escape(check_value_text(c.b) if c.b is not None else "–")}</td></tr>'
        for c in changes
    )
    return f"""
<p style="margin-top:4px; margin-bottom:1px"><b>Checklist differences</b>
<span style="color:{NOTE_GREY}"> — checks whose verdict differs between the photos.</span></p>
<table width="100%" cellspacing="0" cellpadding="1" style="font-size:7pt">
<tr style="background-color:{HEADER_SHADE}"><th align="left">Check</th><th>A</th><th align="right">A value</th><th>B</th>
<th align="right">B value</th></tr>{rows}</table>"""


def build_comparison_html(comparison: Comparison, figure_src: str, figure_width_css: float, officer: str, created: str) -> str:
    return f"""<html><body>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td><span style="font-size:15pt; font-weight:bold">{RENEWAL_TITLE}</span><br/>
<span style="color:{NOTE_GREY}">{escape(APP_NAME)} {escape(comparison.app_version or __version__)} · report made {escape(created)}
· compared {escape(when(comparison.created))} · checklist profile {escape(comparison.a.profile or "–")}\
{" · officer " + escape(officer) if officer else ""}</span></td></tr></table>
<hr/>{decision_html(comparison)}{photos_html(comparison)}
<p align="center" style="margin-top:4px"><img src="{figure_src}" width="{figure_width_css:.0f}"/></p>
<p style="color:{NOTE_GREY}; font-size:6pt; margin-top:1px">{escape(LEGEND)}</p>
{changes_html(comparison)}</body></html>"""


def write_comparison_pdf(
    target: str | Path,
    comparison: Comparison,
    image_a: np.ndarray | None,
    image_b: np.ndarray | None,
    page_size: str = "A4",
    officer: str = "",
    now: datetime | None = None,
) -> int:
    """Write the comparison's page atomically (its JSON attached); returns the page count.

    Raises OutputError for an unwritable target or a PDF that Qt could not finish.
    """
    created = now_text(now)

    def draw(writer: QPdfWriter) -> int:
        attach(writer, COMPARISON_ATTACHMENT, comparison.to_json(indent=1).encode("utf-8"))  # before the first page
        doc = new_document(writer)
        figure = render_comparison_panels(image_a, image_b, comparison)
        src = add_image(doc, "comparison", figure)
        px = writer.logicalDpiX() / 96.0
        shown_w = min(content_width_css(writer), figure.width() * FIGURE_HEIGHT_SHARE * writer.height() / figure.height() / px)
        doc.setHtml(build_comparison_html(comparison, src, shown_w, officer, created))
        names = f"{display_name(Path(comparison.a.source).name)} vs {display_name(Path(comparison.b.source).name)}"
        return print_document(writer, doc, f"{names} · {created}")

    try:
        data, pages = render_pdf(draw, page_size, title="Renewal check", author=officer, creator=f"{APP_NAME} {__version__}")
    except RenderError as error:
        raise OutputError(f"Cannot write {target}: {error}") from error
    write_bytes_atomic(target, data)
    return pages


def read_embedded_comparison(pdf_path: str | Path) -> Comparison:
    """The Comparison embedded in a page made by `write_comparison_pdf` (needs pypdf)."""
    from pypdf import PdfReader

    attachments = PdfReader(str(pdf_path)).attachments
    if COMPARISON_ATTACHMENT not in attachments:
        raise ValueError(f"{pdf_path} has no embedded {COMPARISON_ATTACHMENT}")
    return Comparison.from_json(attachments[COMPARISON_ATTACHMENT][0].decode("utf-8"))
