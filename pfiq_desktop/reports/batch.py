"""Batch summary PDF for supervisors: counts, failing checks, quality histogram, one row per photo.

Works from cached analyses: no network runs here. Thumbnails are decoded at a
reduced size (JPEG DCT scaling), so a folder of large photos stays fast.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape
from itertools import accumulate
from pathlib import Path
from textwrap import shorten
from urllib.parse import quote

import cv2
import numpy as np
from PySide6.QtCore import QSizeF, QUrl
from PySide6.QtGui import QFontMetricsF, QImage, QPdfWriter, QTextDocument

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.atomic import OutputError, write_bytes_atomic
from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.palette import HEADER_SHADE, NOTE_GREY, PANEL_SHADE, RESULT_ORDER, RULE_COLOUR, STATUS_LABELS, status_hex
from pfiq_desktop.reports.drawing import verdict_hex, verdict_text
from pfiq_desktop.reports.figures import render_histogram, render_thumbnail
from pfiq_desktop.reports.inputs import ReportItem, altered_text, photo_or_why, read_photo
from pfiq_desktop.reports.paged import (
    RenderError,
    ReportCancelled,
    add_image,
    content_width_css,
    css_px,
    footer_height,
    new_document,
    print_document,
    render_pdf,
)
from pfiq_desktop.reports.pdf_report import now_text
from pfiq_desktop.review.reasons import decided_reasons_text, failed_problems, problems_overview, warned_problems
from pfiq_desktop.review.store import DECISION_LABELS, DECISIONS
from pfiq_desktop.review.values import counted, profile_text, quality_text, when

log = logging.getLogger(__name__)
DECISION_ORDER = (*DECISIONS, "")  # "": not decided
THUMB_PX = 150
ERROR_CHARS = 160  # of an analysis error in the photo table
NOTE_CHARS = 60  # of an officer's note in the photo table (the photo's own report has it whole), but for an accept
# over failed checks: that note is the justification a supervisor reads the summary for ("... by supervisor policy 4.2"
# was cut at "accepted by …")
SUMMARY_PROBLEMS = 4  # problems named in a photo's row (then "+N more")
THUMB_DPI = 220
Progress = Callable[[int, int, str], None]
SUMMARY_TITLE = "Batch summary"
HEADING = "margin-top:20px; margin-bottom:8px"  # device px: a section title, clear of what is above it, close to its own
TABLE_GAP = "margin-bottom:12px"  # Qt drops the top margin of a paragraph that follows a table: the gap is the table's
PAGE_WITHOUT_END = 1e9  # device pixels: the page the rows are measured on, so none is cut by a page break
SUMMARY_PT = 7.5  # the summary's text


def load_thumbnail(item: ReportItem, size: int = THUMB_PX) -> np.ndarray | None:
    """The photo reduced to about `size` px on its longer side, decoding only what is needed."""
    image: np.ndarray | None = item.image
    if image is None and item.analysis.errors:  # the engine could not read it: nothing to show, its row says why
        return None
    if image is None:
        path = Path(item.analysis.source)
        longest = max(item.analysis.image_size)
        factor = 1
        while factor < 8 and longest // (factor * 2) >= size * 2:
            factor *= 2
        flag = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}[factor]
        try:
            raw = path.read_bytes() if path.is_file() else b""
        except OSError:
            raw = b""
        if not raw:
            item.photo_problem = read_photo(path)[1]  # the words for a missing or unreadable photo
            return None
        data = np.frombuffer(raw, np.uint8)
        _, item.photo_problem = photo_or_why(data, hashlib.sha256(raw).hexdigest(), path, item.analysis.image_sha256)
        if item.photo_problem:  # another photo under the analysed one's name
            return None
        try:
            bgr = cv2.imdecode(data, flag)  # applies EXIF orientation like the engine's loader
        except cv2.error as refused:  # a header claiming more pixels than OpenCV takes ended the summary (fuzzing)
            log.warning("OpenCV refused to decode %s (%s); the engine's loader reads it", path, refused)
            bgr = None
        if bgr is not None:
            image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        else:
            image, item.photo_problem = read_photo(path, item.analysis.image_sha256)  # formats OpenCV cannot read
        if image is None:
            return None
    scale = size / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(
            image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA
        )
    return image


def summary_counts(items: Sequence[ReportItem]) -> dict[str, dict[str, int]]:
    """verdict -> decision -> count (decision '' = undecided)."""
    table: dict[str, dict[str, int]] = {v: {d: 0 for d in DECISION_ORDER} for v in RESULT_ORDER}
    for item in items:
        verdict = item.analysis.verdict
        decision = item.decision.decision if item.decision else ""
        table.setdefault(verdict, {d: 0 for d in DECISION_ORDER})
        table[verdict][decision if decision in DECISION_ORDER else ""] += 1
    return table


def failing_checks(items: Sequence[ReportItem]) -> list[tuple[str, str, int, int]]:
    """(check id, name, photos failing it, photos warned by it), most frequent failure first."""
    fails: Counter[str] = Counter()
    warns: Counter[str] = Counter()
    names: dict[str, str] = {}
    for item in items:
        checks = item.analysis.subject_checks()
        failed = {c.id for c in checks if c.verdict is Verdict.FAIL}
        warned = {c.id for c in checks if c.verdict is Verdict.WARN} - failed
        for check in checks:
            names.setdefault(check.id, check.name)
        fails.update(failed)
        warns.update(warned)
    ids = set(fails) | set(warns)
    ranked = sorted(ids, key=lambda i: (-fails[i], -warns[i], names[i]))
    return [(i, names[i], fails[i], warns[i]) for i in ranked]


def _counts_html(items: Sequence[ReportItem]) -> str:
    table = summary_counts(items)
    total = len(items) or 1
    head = "".join(f'<th align="right">{escape(DECISION_LABELS[d])}</th>' for d in DECISION_ORDER)
    rows = []
    for verdict in RESULT_ORDER:
        counts = table[verdict]
        n = sum(counts.values())
        if not n and verdict in ("not_assessable", "error"):
            continue
        cells = "".join(f'<td align="right">{counts[d] or "·"}</td>' for d in DECISION_ORDER)
        rows.append(
            f'<tr><td style="color:{verdict_hex(verdict)}"><b>{escape(verdict_text(verdict))}</b></td>{cells}'
            f'<td align="right"><b>{n}</b></td><td align="right">{share_text(n, total)}</td></tr>'
        )
    by_decision = {d: sum(table[v][d] for v in table) for d in DECISION_ORDER}
    foot = "".join(f'<td align="right"><b>{by_decision[d]}</b></td>' for d in DECISION_ORDER)
    percent = "".join(f'<td align="right" style="color:{NOTE_GREY}">{share_text(by_decision[d], total)}</td>' for d in DECISION_ORDER)
    return f"""
<p style="{HEADING}"><b>Photos by engine verdict and officer's decision</b></p>
<table cellspacing="0" cellpadding="3" border="0.5" style="border-color:{RULE_COLOUR}; border-style:solid; {TABLE_GAP}">
<tr style="background-color:{HEADER_SHADE}"><th align="left">Verdict \\ decision</th>{head}<th align="right">Total</th>\
<th align="right">Share</th></tr>
{"".join(rows)}
<tr style="background-color:{PANEL_SHADE}"><td><b>Total</b></td>{foot}<td align="right"><b>{len(items)}</b></td><td></td></tr>
<tr><td style="color:{NOTE_GREY}">Share</td>{percent}<td></td><td></td></tr></table>"""


def _failing_html(items: Sequence[ReportItem], limit: int = 25) -> str:
    ranked = failing_checks(items)
    if not ranked:
        return f'<p style="{HEADING}"><b>Failing checks</b> <span style="color:{NOTE_GREY}">— no check failed or warned.</span></p>'
    total = len(items) or 1
    top = max(r[2] for r in ranked) or 1
    rows = []
    for rank, (check_id, name, fails, warns) in enumerate(ranked[:limit], start=1):
        bar = "█" * max(0, round(28 * fails / top))
        rows.append(
            f'<tr><td align="right">{rank}</td><td>{escape(name)} <span style="color:{NOTE_GREY}">({escape(check_id)})</span></td>'
            f'<td align="right"><b>{fails}</b></td><td align="right">{share_text(fails, total)}</td>'
            f'<td align="right">{warns}</td><td style="color:{verdict_hex("fail")}">{bar}</td></tr>'
        )
    more = f'<p style="color:{NOTE_GREY}">{len(ranked) - limit} more checks not shown.</p>' if len(ranked) > limit else ""
    return f"""
<p style="{HEADING}"><b>Failing checks, most frequent first</b>
<span style="color:{NOTE_GREY}"> — number of photos that failed (and were only warned by) each check.</span></p>
<table width="100%" cellspacing="0" cellpadding="2" border="0.5" style="border-color:{RULE_COLOUR}; border-style:solid; {TABLE_GAP}">
<tr style="background-color:{HEADER_SHADE}"><th align="right">#</th><th align="left">Check</th>
<th align="right">{STATUS_LABELS['fail']}</th><th align="right">Share</th>
<th align="right">{STATUS_LABELS['warn']}</th><th align="left" width="32%"></th></tr>{"".join(rows)}</table>{more}"""


def _decision_cell(item: ReportItem) -> str:
    """The decision with why (reasons, the note cut short) and who and when: the summary is what a supervisor
    reads first, and should not need each photo's PDF to see why a photo was sent back."""
    text = escape(item.decision_label)
    decided = item.decision
    if decided is None:
        return text

    def worded(codes: list[str]) -> str:
        return decided_reasons_text(codes, item.analysis, decided.profile, decided.profile_sha256)

    shown = decided.given_reasons  # as in its PDF: the checks an accept overrode follow "despite"
    reasons = [worded(shown)] if shown else []
    reasons += [f"despite {worded(decided.overridden)}"] if decided.decision == "accept" and decided.overridden else []
    why = ["; ".join(reasons)] if reasons else []
    if decided.note:
        justifies = decided.decision == "accept" and bool(decided.overridden)
        why.append(f"“{decided.note if justifies else shorten(decided.note, NOTE_CHARS, placeholder=' …')}”")
    if why:
        text += f"<br/>{escape(': '.join(why))}"
    if item.analysis.judged_under_other(decided.profile, decided.profile_sha256):  # beside another profile's checks
        decided_under = profile_text(decided.profile, decided.profile_sha256)
        text += f'<br/><span style="color:{NOTE_GREY}">decided under {escape(decided_under)}</span>'
    signed = f"{escape(decided.signed_by)}<br/>" if decided.signed_by else ""
    return text + f'<br/><span style="color:{NOTE_GREY}">{signed}{escape(when(decided.decided_at))}</span>'


def share_text(count: int, total: int) -> str:
    """A count's share of the batch as a whole percentage, halves rounded up: 5 of 40 read "12%" beside 3 of 40 as "8%"
    (Python rounds halves to even)."""
    return f"{math.floor(100 * count / total + 0.5)}%" if total else "–"


def _photo_rows(items: Sequence[ReportItem], thumbs: list[str], links: Sequence[str | None], thumb_css: float) -> list[str]:
    rows = []
    same = _same_photos(items)
    usual = _usual_profile(items)
    for index, (item, src, link) in enumerate(zip(items, thumbs, links), start=1):
        a = item.analysis
        name = escape(item.name)
        if link:  # percent-encoded UTF-8: "Łukasz_Иван.pdf" became the link "?ukasz_????.pdf"
            name = f'<a href="{escape(quote(link), quote=True)}">{name}</a>'
        # an error is cut at a word with a visible ellipsis, so one row stays about one thumbnail high (page layout)
        failed = problems_overview(failed_problems(a), warned_problems(a), SUMMARY_PROBLEMS)
        failed = failed or (shorten("; ".join(a.errors), ERROR_CHARS, placeholder=" …") if a.errors else "–")
        quality = quality_text(a.faces[0].quality if a.faces else None)
        decision = _decision_cell(item)
        sha = f'<br/><span style="color:{NOTE_GREY}; font-size:6pt">{escape(a.image_sha256[:16])}…</span>' if a.image_sha256 else ""
        if same.get(index - 1):
            sha += f"<br/><b>Same photo as {escape(', '.join(same[index - 1]))}</b>"
        under = f'<br/><span style="color:{NOTE_GREY}">under {escape(a.profile)}</span>' if a.profile not in ("", usual) else ""
        rows.append(
            f'<tr><td align="right">{index}</td><td align="center"><img src="{src}" height="{thumb_css:.0f}"/></td>'
            f"<td>{name}{sha}</td>"
            f'<td align="center" style="color:{verdict_hex(a.verdict)}"><b>{escape(verdict_text(a.verdict))}</b>{under}</td>'
            f'<td align="right">{quality}</td><td>{escape(failed)}</td><td>{decision}</td></tr>'
        )
    return rows


def _usual_profile(items: Sequence[ReportItem]) -> str:
    """The profile most of the photos were judged under: a row judged under another (a child's photo given its own)
    says so beside its verdict, as the header's "Profile(s)" line named both without saying which photo had which."""
    judged = Counter(item.analysis.profile for item in items if item.analysis.profile)
    return judged.most_common(1)[0][0] if judged else ""


def _same_photos(items: Sequence[ReportItem]) -> dict[int, list[str]]:
    """For each item whose photo's bytes another item has too, the other items' numbers and names ("#3 a.jpg"): one
    photo filed twice, for one applicant under two names or for two applicants, was nowhere said (reports
    walk-through)."""
    numbers: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if item.analysis.image_sha256:
            numbers.setdefault(item.analysis.image_sha256, []).append(index)
    return {index: [f"#{other + 1} {items[other].name}" for other in group if other != index]
            for group in numbers.values() if len(group) > 1 for index in group}


PHOTOS_INTRO_TEXT = (
    f'<b>All photos</b><span style="color:{NOTE_GREY}"> — file names link to each '
    "photo's own report where it was written beside this summary. Problems are the failed checks, a question mark "
    "marking one made uncertain; after \"look at\", the warnings.</span>"
)
PHOTOS_INTRO = f'<p style="{HEADING}">{PHOTOS_INTRO_TEXT}</p>'  # below the summary
PAGE_BREAK = '<p style="page-break-before:always; margin-top:0px; margin-bottom:0px; font-size:1pt">&nbsp;</p>'
PHOTOS_INTRO_ON_NEW_PAGE = f'<p style="page-break-before:always; margin-top:0px; margin-bottom:3px">{PHOTOS_INTRO_TEXT}</p>'
# the photo table's columns: (title, alignment, share of the width). Fixed shares keep the columns alike from page to
# page (each page is its own table) and give file names room (they broke mid-word: "head_covering.jp / g")
PHOTO_COLUMNS = (("#", "right", 3), ("Photo", "center", 8), ("File", "left", 17), ("Verdict", "center", 10),
                 ("Quality", "right", 8), ("Problems", "left", 27), ("Decision", "left", 27))
PHOTOS_HEAD = f'<tr style="background-color:{HEADER_SHADE}">' + "".join(
    f'<th align="{align}" width="{share}%">{title}</th>' for title, align, share in PHOTO_COLUMNS) + "</tr>"


def _photos_html(writer: QPdfWriter, summary: str, rows: list[str], thumbs: Sequence[tuple[str, QImage]],
                 resources: Mapping[str, QImage]) -> str:
    """The photo table that follows `summary`, cut into one table per page so that no row is split between two pages
    (QTextDocument paginates every cell on its own: a thumbnail could otherwise land on the next page while its file
    name stays on this one). It starts below the summary where its first row fits there, else on a page of its own.
    Each page takes the rows whose table fits it, measured as printed (a row with a long decision is three times as
    tall as most: measuring the tallest for every page left pages half empty). `thumbs`: each row's thumbnail as
    (src, image), `resources`: the summary's images by src."""
    if not rows:
        return ""
    page_h = writer.height() - footer_height(writer)

    # kept free under each page's table: Qt moved the page break after a table ending within a few pixels of its
    # page's end one page further, leaving a blank page (CLI walk-through)
    line = QFontMetricsF(new_document(writer, base_pt=SUMMARY_PT).defaultFont(), writer).lineSpacing()

    def fits(first: int, stop: int, room: float) -> bool:
        table = _photo_table(rows[first:stop])
        return _measuring_document(writer, table, dict(thumbs[first:stop]), writer.width(), PAGE_WITHOUT_END).size().height() <= room

    def room(before: str, new_page: bool = False) -> float:
        return _table_room(writer, before, resources, writer.width(), page_h, new_page) - line

    first_room = room(summary + PHOTOS_INTRO)
    intro = PHOTOS_INTRO if fits(0, 1, first_room) else PHOTOS_INTRO_ON_NEW_PAGE
    if intro == PHOTOS_INTRO_ON_NEW_PAGE:
        first_room = room(summary + intro)
    counts = _pages(len(rows), fits, first_room, room(summary + intro, new_page=True))
    cuts = [0, *accumulate(counts)]
    return intro + "".join(_photo_table(rows[a:b], new_page=a > 0) for a, b in zip(cuts, cuts[1:]))


def _photo_table(rows: list[str], new_page: bool = False) -> str:
    """The photo table with `rows`; with `new_page`, after a break to the next page. The break is a paragraph of its
    own: between two tables Qt puts an empty line, which a table filling its page pushed onto the next page, and a
    table breaking the page before itself then left that page blank (CLI walk-through)."""
    brk = PAGE_BREAK if new_page else ""
    return (f'{brk}<table width="100%" cellspacing="0" cellpadding="2" border="0.5" style="border-color:{RULE_COLOUR}; '
            f"border-style:solid\">{PHOTOS_HEAD}{''.join(rows)}</table>")


def _measuring_document(writer: QPdfWriter, html: str, resources: Mapping[str, QImage], width: float, page_h: float) -> QTextDocument:
    """`html` laid out as the summary lays it out, on pages `page_h` tall."""
    doc = new_document(writer, base_pt=SUMMARY_PT)
    for url, image in resources.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
    doc.setPageSize(QSizeF(width, page_h))
    doc.setHtml(f"<html><body>{html}</body></html>")
    return doc


def _table_room(writer: QPdfWriter, html: str, resources: Mapping[str, QImage], width: float, page_h: float,
                new_page: bool) -> float:
    """The height, in device pixels, that a photo table following `html` (on a page of its own with `new_page`) has
    before its page ends. Measured where Qt places the table, not where `html` ends: the paragraph above it keeps
    its bottom margin, and a table starting a page sits below the page's top; measured from the end of `html`, a
    table overran its page by a few pixels, leaving a blank page, or had its last row cut in two (CLI walk-through)."""
    doc = _measuring_document(writer, html + _photo_table([], new_page), resources, width, page_h)
    top = doc.documentLayout().frameBoundingRect(doc.rootFrame().childFrames()[-1]).top()
    return (math.floor(top / page_h) + 1) * page_h - top


def _pages(count: int, fits: Callable[[int, int, float], bool], first_room: float, page_room: float) -> list[int]:
    """How many of `count` rows go on each page: the most whose table `fits(first, stop, room)` its room (the first
    page `first_room`, the others `page_room`), found by doubling then halving, so a page of n rows costs about
    2 log2(n) layouts; a row taller than a page gets one of its own."""
    pages: list[int] = []
    start, room = 0, first_room
    while start < count:
        left = count - start
        fitting, too_many = 1, left + 1  # fitting rows fit (or are the one a page must take); too_many do not
        while fitting < left:
            trial = min(2 * fitting, left)
            if not fits(start, start + trial, room):
                too_many = trial
                break
            fitting = trial
        while too_many - fitting > 1:
            middle = (fitting + too_many) // 2
            fitting, too_many = (middle, too_many) if fits(start, start + middle, room) else (fitting, middle)
        pages.append(fitting)
        start, room = start + fitting, page_room
    return pages


def write_batch_summary(
    target: str | Path,
    items: Sequence[ReportItem],
    page_size: str = "A4",
    officer: str = "",
    links: Sequence[str | None] | None = None,
    pdfa: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> int:
    """Write the summary PDF atomically; returns the page count.

    `links[i]` is the href (relative to the summary) of item i's own report, or None.
    `progress(done, total, name)` is called per thumbnail; `should_cancel()` stops
    between photos with ReportCancelled and leaves no file.
    """
    links = list(links) if links is not None else [None] * len(items)
    if len(links) != len(items):
        raise ValueError("links must have one entry per item")
    created = now_text(now)

    def draw(writer: QPdfWriter) -> int:
        doc = new_document(writer, base_pt=SUMMARY_PT)
        px = css_px(writer)
        width_css = content_width_css(writer)
        thumb_css = 0.5 * 96  # half an inch tall
        thumbs, thumb_images = [], []
        thumb_px = round(thumb_css * THUMB_DPI / 96)  # print resolution of the thumbnails, not the page's
        for index, item in enumerate(items):
            if should_cancel is not None and should_cancel():
                raise ReportCancelled()
            thumb_images.append(render_thumbnail(load_thumbnail(item, thumb_px), thumb_px))
            thumbs.append(add_image(doc, f"thumb{index}", thumb_images[-1]))
            if progress is not None:
                progress(index + 1, len(items), item.name)
        qualities = [i.analysis.faces[0].quality if i.analysis.faces else None for i in items]
        histogram = render_histogram(qualities, width=1800, height=520)
        hist_src = add_image(doc, "histogram", histogram)
        hist_w = min(width_css * 0.62, histogram.width() / px)
        analysed = [i.analysis.created for i in items if i.analysis.created]
        span = f"{when(min(analysed))} – {when(max(analysed))}" if analysed else "–"
        checked = [i.analysis.checked_at for i in items if i.analysis.checked_at != i.analysis.created]
        # judged later under this profile from cached analyses: when the verdicts were made (supervisor's walk-through)
        checked_row = (f'<tr><td style="color:{NOTE_GREY}">Checked</td><td>{escape(when(min(checked)))} – '
                       f"{escape(when(max(checked)))}</td></tr>" if checked else "")
        profiles = ", ".join(sorted({profile_text(a.profile, a.profile_sha256)
                                     for a in (i.analysis for i in items) if a.profile})) or "–"
        models = sorted({i.analysis.model_sha256 for i in items if i.analysis.model_sha256})
        model_text = ", ".join(m[:16] + "…" for m in models[:3]) or "–"
        header = f"""
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td><span style="font-size:15pt; font-weight:bold">{escape(SUMMARY_TITLE)}</span><br/>
<span style="color:{NOTE_GREY}">{escape(APP_NAME)} {escape(__version__)} · {counted(len(items), 'photo')}</span></td>
<td align="right" valign="bottom">Made {escape(created)}<br/>by {escape(officer or '–')}</td></tr></table><hr/>
<table cellspacing="0" cellpadding="1">
<tr><td style="color:{NOTE_GREY}">Analysed</td><td>{escape(span)}</td></tr>{checked_row}
<tr><td style="color:{NOTE_GREY}">Profile(s)</td><td>{escape(profiles)}</td></tr>
<tr><td style="color:{NOTE_GREY}">Model SHA-256</td><td>{escape(model_text)}</td></tr></table>"""
        altered = sorted({i.store_problem for i in items if i.store_problem})
        header += "".join(f'<p style="color:{status_hex("fail")}"><b>{escape(altered_text(p))}</b></p>' for p in altered)
        histogram_html = (
            f'<p style="{HEADING}"><b>Recognition quality of the main face</b></p>'
            f'<p align="center"><img src="{hist_src}" width="{hist_w:.0f}"/></p>'
        )
        summary = header + _counts_html(items) + histogram_html + _failing_html(items)
        rows = _photo_rows(items, thumbs, links, thumb_css)
        photos = _photos_html(writer, summary, rows, list(zip(thumbs, thumb_images)), {hist_src: histogram})
        doc.setHtml("<html><body>" + summary + photos + "</body></html>")
        return print_document(
            writer,
            doc,
            f"{SUMMARY_TITLE} · {counted(len(items), 'photo')} · {created}",
            should_cancel,
        )

    try:
        data, pages = render_pdf(draw, page_size, title=f"{SUMMARY_TITLE} ({counted(len(items), 'photo')})", author=officer,
                                 creator=f"{APP_NAME} {__version__}", pdfa=pdfa)
    except RenderError as error:
        raise OutputError(f"Cannot write {target}: {error}") from error
    write_bytes_atomic(target, data)
    return pages
