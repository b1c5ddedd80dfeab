"""The picture of a comparison: one renderer for its PNG, its PDF page and the application's dialog.

Two rows, photo A (the new one) above photo B (the reference): the photo with its
main face's box | the aligned face chip under its supporting map | the same chip
under its opposing map. Both chips are aligned to the same five landmarks, so
the same part of the face sits at the same place in both rows.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter

from pfiq_desktop.engine.comparison import CheckChange, Comparison, FaceMaps
from pfiq_desktop.engine.faces import extract_chip
from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.engine.results import Analysis, Verdict
from pfiq_desktop.palette import OPPOSE_SCALE, SUPPORT_SCALE, status_hex
from pfiq_desktop.reports.drawing import ensure_qt, font, painting, placeholder_image, resized, save_qimage, to_qimage, verdict_text

ROW_NAMES = {"a": "A · new photo", "b": "B · reference photo"}
MAP_OPACITY = 0.85  # at the top of the scale; fainter values fade into the chip (palette fade)
COLUMN_TITLES = ("Photo", SUPPORT_SCALE.title, OPPOSE_SCALE.title)
# Header layout in text heights: the title's band, then one step per line below it (the header's height follows both).
TITLE_HEIGHT = 2.6
LINE_STEP = 1.3
LEGEND = (
    "Green: pixels that raise the score (the face's own detail the network matches). Red: where the network sees this "
    "photo differ from the other, or finds less face, than in two clean photos of one person. Both face crops are aligned alike. "
    "The score decides whether it is the same person: two strangers' faces show green too."
)
# the two operating points, worded once for the figure, the dialog and the PDF
SAME_AT_OR_ABOVE = "Same person at or above"
OTHER_BELOW = "Not the same person below"
RENEWAL_TITLE = "Renewal check: the same person?"  # the dialog's, the report's and the help's title
SCORE_WORDS = "cosine similarity"  # 0.83 for two strangers read as "83 % alike"
CHANGES_TITLE = "Checklist differences (A new photo, B reference)"
TILE = 300  # px: each picture of the two rows, as printed
MIN_TILE = 160  # px: the smallest a window shrinks them to before it scrolls instead


def face_tiles(image: np.ndarray | None, analysis: Analysis, maps: FaceMaps | None, size: int) -> list[np.ndarray | str]:
    """The photo (height `size`), then the chip under the supporting and the opposing map (size x size).

    A tile that cannot be drawn is the sentence saying why.
    """
    if image is None:
        return ["photo not available"] * 3
    photo = resized(image, size / image.shape[0], cv2.INTER_AREA if image.shape[0] > size else cv2.INTER_CUBIC)
    if not analysis.faces:
        return [photo, "no face found", "no face found"]
    face = analysis.faces[0]
    scale = size / image.shape[0]
    left, top, right, bottom = (round(v * scale) for v in face.box)
    photo = photo.copy()
    cv2.rectangle(photo, (left, top), (right, bottom), (255, 255, 255), max(1, size // 160), cv2.LINE_AA)
    if maps is None:
        return [photo, "not compared", "not compared"]
    crop = maps.support.shape[0]  # the backbone's crop size
    chip = extract_chip(image, np.asarray(face.chip_transform, np.float64).reshape(2, 3), crop)
    chip = cv2.resize(chip, (size, size), interpolation=cv2.INTER_CUBIC)
    support = cv2.resize(maps.support, (size, size), interpolation=cv2.INTER_LINEAR)
    oppose = cv2.resize(maps.oppose, (size, size), interpolation=cv2.INTER_LINEAR)
    return [photo, SUPPORT_SCALE.blend(chip, support, MAP_OPACITY), OPPOSE_SCALE.blend(chip, oppose, MAP_OPACITY)]


def _panel_spacing(tile: int) -> tuple[int, int, int]:
    """The row names' width, the column titles' height and the gap between pictures, for pictures `tile` px high."""
    return round(tile * 0.12), round(tile * 0.13), round(tile * 0.04)


def _panels_height(tile: int) -> int:
    _, title_h, gap = _panel_spacing(tile)
    return title_h + 2 * tile + gap * 2


def render_comparison_panels(
    image_a: np.ndarray | None, image_b: np.ndarray | None, comparison: Comparison, tile: int = TILE
) -> QImage:
    """Both rows with column titles and row names, on white."""
    ensure_qt()
    rows = [face_tiles(image_a, comparison.a, comparison.maps_a, tile), face_tiles(image_b, comparison.b, comparison.maps_b, tile)]
    label_w, title_h, gap = _panel_spacing(tile)
    photo_w = max((r[0].shape[1] if isinstance(r[0], np.ndarray) else round(tile * 0.8)) for r in rows)
    widths = [photo_w, tile, tile]
    width = label_w + sum(widths) + gap * len(widths)
    height = _panels_height(tile)
    canvas = QImage(width, height, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    with painting(canvas) as painter:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QColor(30, 30, 30))
        painter.setFont(font(title_h * 0.45, bold=True))
        x = label_w + gap
        for title, column_w in zip(COLUMN_TITLES, widths):
            painter.drawText(QRectF(x, 0, column_w, title_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
            x += column_w + gap
        for r, (side, tiles) in enumerate(zip(("a", "b"), rows)):
            y = title_h + r * (tile + gap)
            painter.save()
            painter.translate(label_w * 0.7, y + tile / 2)
            painter.rotate(-90)
            painter.setFont(font(label_w * 0.45, bold=True))
            painter.drawText(QRectF(-tile / 2, -label_w * 0.6, tile, label_w), Qt.AlignmentFlag.AlignCenter, ROW_NAMES[side])
            painter.restore()
            x = label_w + gap
            for content, column_w in zip(tiles, widths):
                if isinstance(content, str):
                    painter.drawImage(QRectF(x, y, column_w, tile), placeholder_image(column_w, tile, content))
                else:
                    painter.drawImage(QRectF(x, y, content.shape[1], content.shape[0]), to_qimage(content))
                x += column_w + gap
    return canvas


def render_comparison(
    image_a: np.ndarray | None, image_b: np.ndarray | None, comparison: Comparison, width: int = 1400,
    fit_height: int | None = None, scale: float = 1.0,
) -> QImage:
    """The PNG: decision and score, both rows of pictures, the legend and the checks whose verdicts differ.

    With `fit_height` (a window's room) the pictures shrink, down to MIN_TILE, until the whole figure fits, and the
    differences are left to the caller, which shows them as text: a 768 px screen scrolled reference photo B away.
    `scale`: pixels per layout pixel of the screen it is drawn for (the window's pictures keep their size at 150 %).
    """
    ensure_qt()
    pad, text_px = round(width / 70), width / 80
    changes = comparison.check_changes() if fit_height is None else []
    line_h = text_px * 1.6
    lines = [score_line(comparison), comparison.reason,
             f"A: {display_name(Path(comparison.a.source).name)}   ·   B: {display_name(Path(comparison.b.source).name)}"]
    header_h = pad + text_px * (TITLE_HEIGHT + LINE_STEP * len(lines) + 0.4)  # the title, then the lines; the panels below
    legend_h = line_h * 1.8
    foot_h = pad * 0.5 + legend_h + (line_h * (1 + len(changes)) if fit_height is None else 0) + pad
    largest, smallest = round(TILE * scale), round(MIN_TILE * scale)
    tile = largest if fit_height is None else next(  # the largest pictures whose figure fits
        (t for t in range(largest, smallest, -1) if header_h + _panels_height(t) + foot_h <= fit_height), smallest)
    panels = render_comparison_panels(image_a, image_b, comparison, tile)
    if panels.width() > width - 2 * pad:
        panels = panels.scaledToWidth(width - 2 * pad, Qt.TransformationMode.SmoothTransformation)
    height = round(header_h + panels.height() + foot_h)
    canvas = QImage(width, height, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    with painting(canvas) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        label = comparison.label.upper()
        painter.setFont(font(text_px * 1.25, bold=True))
        badge_w = painter.fontMetrics().horizontalAdvance(label) + text_px * 2  # the longest label must fit
        badge = QRectF(width - pad - badge_w, pad, badge_w, text_px * 2.4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(status_hex(comparison.decision))))
        painter.drawRoundedRect(badge, text_px * 0.4, text_px * 0.4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(font(text_px * 1.4, bold=True))
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(pad, pad, badge.left() - 2 * pad, text_px * 2.4), left, RENEWAL_TITLE)
        painter.setFont(font(text_px))
        for k, line in enumerate(lines):
            painter.drawText(QRectF(pad, pad + text_px * (TITLE_HEIGHT + LINE_STEP * k), width - 2 * pad, text_px * LINE_STEP), left,
                             painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideMiddle, width - 2 * pad))
        y = header_h
        painter.drawImage(QRectF(pad, y, panels.width(), panels.height()), panels)
        y += panels.height() + pad * 0.5
        painter.setFont(font(text_px * 0.8))
        painter.setPen(QColor(90, 90, 90))
        painter.drawText(QRectF(pad, y, width - 2 * pad, line_h * 1.6), Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, LEGEND)
        if fit_height is not None:
            return canvas
        y += legend_h
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(font(text_px, bold=True))
        painter.drawText(QRectF(pad, y, width - 2 * pad, line_h), left, CHANGES_TITLE if changes else same_verdicts(comparison))
        painter.setFont(font(text_px * 0.9))
        for change in changes:
            y += line_h
            painter.drawText(QRectF(pad * 2, y, width - 3 * pad, line_h), left, change_text(change))
    return canvas


def _verdict_words(verdict: str) -> str:
    return verdict_text(verdict) if verdict else "not checked"


def same_verdicts(comparison: Comparison) -> str:
    """'Checklist: every check the same for both photos, and both Fail': "the same verdicts for both photos" beside a
    green SAME PERSON read as all good where both photos failed 9 checks (officer's walk-through)."""
    if not comparison.a.checks and not comparison.b.checks:  # ("every check the same ... both Error": none was run)
        return "Checklist: not run on either photo"
    if not comparison.a.checks or not comparison.b.checks:
        return f"Checklist: not run on photo {'A' if not comparison.a.checks else 'B'}, so nothing to compare"
    a, b = comparison.a.verdict, comparison.b.verdict
    both = f"both {verdict_text(a)}" if a == b else f"A {_verdict_words(a)}, B {_verdict_words(b)}"
    return f"Checklist: every check the same for both photos, and {both}"


def change_text(change: CheckChange) -> str:
    """'Mouth closed: A Warning, B Pass': one check whose verdict differs, in the checklist's words (an arrow from A to
    B read as a change from the new photo back to the old one; "WARN" and "N/A" as other words than the window's)."""
    return f"{change.name}: A {_verdict_words(change.verdict_a)}, B {_verdict_words(change.verdict_b)}"


def changes_line(comparison: Comparison) -> str:
    """The checklist differences for a window whose picture scrolls them out of sight, grouped by the two verdicts, A's
    worst first: 'A Fail, B Pass: Eye line height; Head not tilted up/down · A Not assessable, B Pass: ...'. One
    entry per check made a dense block of 19 repeated verdict pairs (officer's day walk-through)."""
    changes = comparison.check_changes()
    if not changes:
        return same_verdicts(comparison)
    groups: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        groups.setdefault((change.verdict_a, change.verdict_b), []).append(change.name)
    order = sorted(groups, key=lambda pair: -Verdict(pair[0]).severity if pair[0] else 1)  # A's worst first, unchecked last
    parts = [f"A {_verdict_words(a)}, B {_verdict_words(b)}: {'; '.join(groups[a, b])}" for a, b in order]  # names hold commas
    return f"{CHANGES_TITLE}: {' · '.join(parts)}"


def score_line(comparison: Comparison) -> str:
    """'cosine similarity 0.952 · same person at or above 0.928 (FMR 0.1 %) · not the same person below 0.908 (FMR 1 %)'
    (it read "same person at 0.928 or more, not below 0.908": as if "same person not below 0.908")."""
    strict, lenient = comparison.thresholds.strict, comparison.thresholds.lenient
    score = f"{SCORE_WORDS} {comparison.score:.3f}" if np.isfinite(comparison.score) else "no score"
    return (f"{score}   ·   {SAME_AT_OR_ABOVE.lower()} {strict.threshold:.3f} (FMR {100 * strict.fmr:g} %)   ·   "
            f"{OTHER_BELOW.lower()} {lenient.threshold:.3f} (FMR {100 * lenient.fmr:g} %)")


def save_comparison_png(
    target: str | Path, image_a: np.ndarray | None, image_b: np.ndarray | None, comparison: Comparison, width: int = 1400
) -> None:
    save_qimage(target, render_comparison(image_a, image_b, comparison, width))
