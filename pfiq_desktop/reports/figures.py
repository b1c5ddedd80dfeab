"""The figures of the PDF and PNG reports, drawn with QPainter on QImage (no window needed).

* `render_panels`: photo with face box, landmarks and numbered evidence of failed /
  warned checks | map overlay (the deviation map by default, its clearly-low areas
  outlined on both panels; or the paper's PLQ) | its colour bar, labelled in words.
* `render_annotated`: the panels with a header and a compact checklist strip, for
  e-mail or case files (`save_annotated_png`).
* `render_histogram`, `render_thumbnail` for the batch summary.

The tools they share with the other reports (fonts, verdict colours, encoding) are in drawing.py.
QPainter on a QImage is allowed in any thread, so exports can run in a worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QFontMetricsF, QImage, QPainter, QPen, QPolygonF

from pfiq_desktop.engine.deviation import low_outlines
from pfiq_desktop.engine.discovery import ANNOTATED_MARK, ANNOTATED_SOURCE
from pfiq_desktop.engine.filenames import display_name, path_text
from pfiq_desktop.engine.results import Analysis, CheckResult, Verdict
from pfiq_desktop.palette import (
    BOX_COLOUR,
    LANDMARK_COLOUR,
    MAP_SCALES,
    OTHER_FACE_BOX_COLOUR,
    OUTLINE_COLOUR,
    OUTLINE_SHADOW_COLOUR,
    PLQ_SCALE,
    SKIN_UNDER_THE_BAR,
    MapScale,
    status_badge,
)
from pfiq_desktop.reports.drawing import (
    ONE_LEFT_TO_RIGHT_LINE,
    ensure_qt,
    font,
    painting,
    placeholder_image,
    qcolor,
    resized,
    save_qimage,
    to_qimage,
    verdict_counts_text,
    verdict_text,
)
from pfiq_desktop.review.reasons import no_face_problem
from pfiq_desktop.review.values import check_value_text, quality_text

MAX_PNG_FINDINGS = 4  # the PNG is a glance; the PDF and the JSON carry every finding
# the PNG tags the failed checks' evidence only (a glance); the PDF's picture tags warnings too, and the PNG's reader
# could not tell that the glare a warning named was left off the photo (explanation walk-through)
PNG_CHECKLIST_TITLE = "Checklist  (the photo shows the evidence of the failed checks, tagged with these numbers)"


def check_numbers(analysis: Analysis) -> dict[int, int]:
    """Row number (1-based) of every check, keyed by id(check): the same numbers in table and picture."""
    return {id(check): n for n, check in enumerate(analysis.checks, start=1)}


def flagged_checks(analysis: Analysis, failed_only: bool = False) -> list[CheckResult]:
    """Checks whose evidence is drawn: failed (and warned, unless `failed_only`) ones with geometry."""
    shown = (Verdict.FAIL,) if failed_only else (Verdict.FAIL, Verdict.WARN)
    return [
        c
        for c in analysis.subject_checks()
        if c.verdict in shown and c.evidence.has_geometry()
    ]


def _tag(painter: QPainter, x: float, y: float, number: int, colour: QColor, size: float) -> None:
    """A numbered disc: the check's row in the checklist."""
    radius = size * TAG_RADIUS
    painter.setPen(QPen(QColor(255, 255, 255), max(1.0, size * 0.12)))
    painter.setBrush(QBrush(colour))
    painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.setPen(QColor(255, 255, 255))
    painter.setFont(font(size * 0.8, bold=True))
    painter.drawText(QRectF(x - radius, y - radius, 2 * radius, 2 * radius), Qt.AlignmentFlag.AlignCenter, str(number))


def draw_findings(
    painter: QPainter, analysis: Analysis, scale: float, panel: QRectF, landmarks: bool = True, failed_only: bool = False
) -> None:
    """Face boxes, landmarks and the evidence of failed (and warned, unless `failed_only`) checks, in panel pixels,
    clipped to the panel: evidence past the photo's edge (a crown above it) was drawn over the map beside it."""
    painter.save()
    painter.setClipRect(panel)
    _draw_findings(painter, analysis, scale, panel, landmarks, failed_only)
    painter.restore()


def _draw_findings(painter: QPainter, analysis: Analysis, scale: float, panel: QRectF, landmarks: bool, failed_only: bool) -> None:
    line = max(1.5, panel.height() / 320)
    tag_size = max(12.0, panel.height() / 30)

    def pt(x: float, y: float) -> QPointF:
        return QPointF(panel.left() + x * scale, panel.top() + y * scale)

    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for index, face in enumerate(analysis.faces):
        left, top, right, bottom = face.box
        rect = QRectF(pt(left, top), pt(right + 1, bottom + 1))
        painter.setPen(QPen(QColor(OUTLINE_SHADOW_COLOUR), line * 2.2))
        painter.drawRect(rect)
        painter.setPen(QPen(QColor(BOX_COLOUR if index == 0 else OTHER_FACE_BOX_COLOUR), line))
        painter.drawRect(rect)
        if len(analysis.faces) > 1:
            painter.setFont(font(tag_size * 0.9, bold=True))
            painter.drawText(rect.topLeft() + QPointF(line * 2, tag_size), f"face {index + 1}")
        if landmarks and face.landmarks is not None and len(face.landmarks):
            radius = max(1.2, line * 0.9)
            painter.setPen(QPen(QColor(0, 0, 0), line * 0.5))
            painter.setBrush(QBrush(QColor(LANDMARK_COLOUR)))
            for x, y in np.asarray(face.landmarks, float):
                painter.drawEllipse(pt(x, y), radius, radius)
            painter.setBrush(Qt.BrushStyle.NoBrush)

    numbers = check_numbers(analysis)
    tags: list[tuple[CheckResult, QColor, QPointF]] = []
    for check in sorted(flagged_checks(analysis, failed_only), key=lambda c: c.verdict.severity):  # fails drawn last, on top
        colour = qcolor(check.verdict)
        ev = check.evidence
        anchors: list[QPointF] = []
        pen = QPen(colour, line * 1.6)
        if check.verdict is Verdict.WARN:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for box_left, box_top, box_right, box_bottom in ev.boxes:
            painter.drawRect(QRectF(pt(box_left, box_top), pt(box_right, box_bottom)))
            anchors.append(pt(box_right, box_top))
        for x0, y0, x1, y1 in ev.lines:
            painter.drawLine(pt(x0, y0), pt(x1, y1))
            anchors.append(pt(x1, y1))
        for polygon in ev.polygons:
            if len(polygon) >= 2:
                painter.drawPolygon(QPolygonF([pt(x, y) for x, y in polygon]))
                anchors.append(pt(*max(polygon, key=lambda p: (-p[1], p[0]))))
        for x, y in ev.points:
            centre = pt(x, y)
            painter.drawLine(centre - QPointF(tag_size * 0.4, 0), centre + QPointF(tag_size * 0.4, 0))
            painter.drawLine(centre - QPointF(0, tag_size * 0.4), centre + QPointF(0, tag_size * 0.4))
            anchors.append(centre)
        if anchors:
            tags.append((check, colour, anchors[0]))
    # the tags go on top of every outline, each where no other covers it: tags of one eye's checks piled on the eye,
    # the eye check's under "Eyes not covered" on every covered eye, and two tags at the photo's corner read "368" in a
    # checklist of 36 rows (explanation walk-through). Fails are placed first, nearest their evidence; none on the eyes,
    # nose or mouth, which they hid on the printed photo (second usability walk-through): a line leads to one moved off
    bounds = (panel.left() + tag_size, panel.top() + tag_size, panel.right() - tag_size, panel.bottom() - tag_size)
    wanted = [(anchor.x(), anchor.y() - tag_size * 0.4) for _, _, anchor in tags]
    order = sorted(range(len(tags)), key=lambda i: -tags[i][0].verdict.severity)
    radius = tag_size * TAG_RADIUS
    placed = tag_spots([wanted[i] for i in order], radius, bounds, _features(analysis, pt))
    spots = dict(zip(order, placed, strict=True))
    for i, (_, colour, anchor) in enumerate(tags):
        spot = QPointF(*spots[i])
        if QLineF(anchor, spot).length() > 2 * radius:
            painter.setPen(QPen(colour, line * 0.8))
            painter.drawLine(anchor, spot)
    for i, (check, colour, _) in enumerate(tags):
        _tag(painter, *spots[i], numbers[id(check)], colour, tag_size)


def _features(analysis: Analysis, pt: Callable[[float, float], QPointF]) -> list[tuple[float, float, float, float]]:
    """Each face's brows, eyes, nose and mouth as a (left, top, right, bottom) box in panel pixels: what the tags keep
    clear of."""
    boxes = []
    for face in analysis.faces:
        if face.landmarks is not None and len(face.landmarks) == 68:
            corners = [pt(x, y) for x, y in np.asarray(face.landmarks, float)[FEATURE_LANDMARKS]]
            xs, ys = [c.x() for c in corners], [c.y() for c in corners]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


TAG_RADIUS = 0.62  # a tag disc's radius, in tag sizes
FEATURE_LANDMARKS = slice(17, 68)  # the 68-point landmarks of the brows, nose, eyes and mouth: no tag covers them
TAG_GAP = 1.08  # tags' centres at least this many diameters apart: a sliver of the white rim between two
# the directions a tag moves off a taken spot, tried in turn at one, then two, ... diameters
_AWAY = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (0.71, 0.71), (-0.71, 0.71), (0.71, -0.71), (-0.71, -0.71))


def tag_spots(wanted: Sequence[tuple[float, float]], radius: float, bounds: tuple[float, float, float, float],
              avoid: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple[float, float]]:
    """Centres for numbered tags, one per wanted spot in turn: the wanted spot kept inside `bounds` (left, top, right,
    bottom) where no tag placed before covers it and it covers none of the boxes to `avoid`, else the nearest such spot
    a few diameters away, else the nearest anywhere inside; else the nearest free of other tags only; only where none
    is left do tags overlap."""
    left, top, right, bottom = bounds
    placed: list[tuple[float, float]] = []
    apart = 2 * radius * TAG_GAP

    def inside(x: float, y: float) -> tuple[float, float]:
        return min(max(x, left), right), min(max(y, top), bottom)

    def free(spot: tuple[float, float]) -> bool:
        return all(np.hypot(spot[0] - x, spot[1] - y) >= apart for x, y in placed)

    def clear(spot: tuple[float, float]) -> bool:
        return free(spot) and not any(x0 - radius < spot[0] < x1 + radius and y0 - radius < spot[1] < y1 + radius
                                      for x0, y0, x1, y1 in avoid)

    grid: list[tuple[float, float]] = []  # every spot inside, made the first time a wanted one is crowded

    def nearest(usable: Callable[[tuple[float, float]], bool], x: float, y: float) -> tuple[float, float] | None:
        if not grid:
            grid.extend((gx, gy) for gx in np.arange(left, right + 1e-9, apart / 2) for gy in np.arange(top, bottom + 1e-9, apart / 2))
        return min((g for g in grid if usable(g)), key=lambda g: np.hypot(g[0] - x, g[1] - y), default=None)

    for x, y in wanted:
        tries = [inside(x, y)] + [inside(x + dx * apart * step, y + dy * apart * step) for step in range(1, 6) for dx, dy in _AWAY]
        # crowded (at a corner the moves are clamped back onto a few spots): the nearest clear one anywhere, else the
        # nearest free one
        spot = next((spot for spot in tries if clear(spot)), None) or nearest(clear, x, y) or nearest(free, x, y)
        placed.append(spot or tries[0])
    return placed


def _colour_bar(painter: QPainter, rect: QRectF, label_px: float, scale: MapScale, opacity: float,
                under: tuple[int, int, int]) -> None:
    """The scale's colours bottom (low) to top as the overlay at `opacity` draws them over the colour `under`, with its
    tick labels."""
    lut = scale.as_drawn(256, opacity, under)[::-1]  # high at the top (the map is drawn over the photo)
    bar = np.repeat(lut[:, None, :], 8, axis=1)
    painter.drawImage(rect, to_qimage(np.ascontiguousarray(bar)))
    painter.setPen(QPen(QColor(60, 60, 60), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    painter.setFont(font(label_px))
    low, high = scale.levels
    for value, label in scale.ticks:
        y = rect.bottom() - (value - low) / (high - low) * rect.height()
        painter.drawLine(QPointF(rect.right(), y), QPointF(rect.right() + label_px * 0.4, y))
        painter.drawText(QRectF(rect.right() + label_px * 0.55, y - label_px, label_px * 12, 2 * label_px),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)


def _labels_width(scale: MapScale, label_px: float) -> float:
    """Room the colour bar's labels need right of the bar."""
    metrics = QFontMetricsF(font(label_px))
    return label_px * 0.8 + max(metrics.horizontalAdvance(label) for _, label in scale.ticks)


def draw_outlines(painter: QPainter, analysis: Analysis, to_panel: Callable[[np.ndarray], np.ndarray], width: float) -> int:
    """Each face's clearly-lower areas (deviation <= -2) as white lines over a dark shadow; returns how many."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    count = 0
    for face in analysis.faces:
        if not face.deviation_chip.size:
            continue
        for line in low_outlines(face.deviation_chip, face.chip_transform, analysis.image_size):
            polygon = QPolygonF([QPointF(float(x), float(y)) for x, y in to_panel(line)])
            for colour, pen_width in ((OUTLINE_SHADOW_COLOUR, width * 2.0), (OUTLINE_COLOUR, width)):
                painter.setPen(QPen(QColor(colour), pen_width))
                painter.drawPolygon(polygon)
            count += 1
    painter.restore()
    return count


def map_crop(plq: np.ndarray, margin: float = 0.12) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1) around the defined part of the PLQ map, or None when there is none."""
    rows = np.flatnonzero(np.isfinite(plq).any(axis=1))
    cols = np.flatnonzero(np.isfinite(plq).any(axis=0))
    if not rows.size:
        return None
    height, width = plq.shape
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    pad = round(margin * max(y1 - y0, x1 - x0))
    return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def render_panels(
    image: np.ndarray | None,
    analysis: Analysis,
    height: int = 900,
    max_panel_width: int | None = None,
    opacity: float = 0.6,
    landmarks: bool = True,
    zoom_map: bool = True,
    kind: str = "deviation",
    failed_only: bool = False,
) -> QImage:
    """Photo with findings | map overlay | colour bar, `height` pixels tall (white background).

    `kind` is "deviation" (default: compared with compliant photos, low areas outlined)
    or "plq" (the paper's map). With `failed_only` warned checks get no evidence on
    the photo. With `zoom_map` the map panel shows the subject's (face 1) area when it
    fills less than half of the photo, so the map stays readable on a full-length or
    group picture (the other faces of a group may then lie outside it).
    """
    scale_of_map = MAP_SCALES[kind]
    ensure_qt()
    caption_px = height / 22
    label_px = height / 30
    top = round(caption_px * 1.8)
    panel_h = height - top - round(label_px * 0.8)
    width, img_h = analysis.image_size if image is None else (image.shape[1], image.shape[0])
    width, img_h = max(width, 1), max(img_h, 1)
    max_panel_width = max_panel_width or round(panel_h * 1.25)
    scale = min(panel_h / img_h, max_panel_width / width)
    panel_w = max(1, round(width * scale))
    panel_h_used = max(1, round(img_h * scale))

    plq = analysis.photo_map(kind) if image is not None else None
    crop = (0, 0, width, img_h)
    if zoom_map and plq is not None:
        subject = analysis.faces[0].plq  # the face's whole chip area, whichever map is drawn
        box = map_crop(subject if subject.shape == plq.shape else plq)  # zoom on the subject (face 1)
        if box is not None and (box[2] - box[0]) * (box[3] - box[1]) < 0.5 * width * img_h:
            crop = box
    crop_w, crop_h = crop[2] - crop[0], crop[3] - crop[1]
    map_scale = min(panel_h / crop_h, max_panel_width / crop_w)
    map_w, map_h = max(1, round(crop_w * map_scale)), max(1, round(crop_h * map_scale))

    gap = round(height / 40)
    bar_w = round(height / 28)
    total_w = panel_w + gap + map_w + gap + bar_w + round(_labels_width(scale_of_map, label_px))
    canvas = QImage(total_w, height, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    with painting(canvas) as painter:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setFont(font(caption_px, bold=True))
        painter.setPen(QColor(30, 30, 30))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        # a narrow photo's panel cut its caption to "Photo and findi" (walk-through)
        painter.drawText(QRectF(0, 0, panel_w, top), align, first_fitting(painter, ("Photo and findings", "Photo"), panel_w))
        caption = scale_of_map.caption
        map_caption = caption + (" (face area)" if crop != (0, 0, width, img_h) else "")
        caption_rect = QRectF(panel_w + gap, 0, total_w - panel_w - gap, top)
        painter.drawText(caption_rect, align, first_fitting(
            painter, (map_caption, caption, scale_of_map.short), caption_rect.width()))
        left_rect = QRectF(0, top, panel_w, panel_h_used)
        right_rect = QRectF(panel_w + gap, top, map_w, map_h)
        if image is None:
            painter.drawImage(left_rect, placeholder_image(panel_w, panel_h_used, "photo not available"))
            painter.drawImage(right_rect, placeholder_image(map_w, map_h, "photo not available"))
        else:
            interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
            painter.drawImage(left_rect, to_qimage(resized(image, scale, interp)))
        if image is not None and not analysis.faces:  # no face, no map: a colour scale beside the bare photo read as its map
            why = no_face_problem(analysis) if analysis.ok else "Not analysed"
            painter.drawImage(right_rect, placeholder_image(map_w, map_h, f"{why}: no map"))
        elif image is not None:
            x0, y0, x1, y1 = crop
            part = image[y0:y1, x0:x1]
            interp = cv2.INTER_AREA if map_scale < 1 else cv2.INTER_CUBIC
            photo = resized(part, map_scale, interp)
            if plq is not None:
                values = cv2.resize(plq[y0:y1, x0:x1], (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_LINEAR)
                photo = scale_of_map.blend(photo, values, opacity)
            painter.drawImage(right_rect, to_qimage(photo))
        draw_findings(painter, analysis, scale, left_rect, landmarks=landmarks, failed_only=failed_only)
        if kind == "deviation" and image is not None:
            outline_px = max(1.2, height / 450)
            _outlines_in(painter, analysis, left_rect, (0, 0), scale, outline_px)
            _outlines_in(painter, analysis, right_rect, (crop[0], crop[1]), map_scale, outline_px)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255), max(1.5, height / 320)))
        painter.setClipRect(right_rect)
        for face in analysis.faces:
            x0, y0, x1, y1 = face.box
            painter.drawRect(QRectF(right_rect.left() + (x0 - crop[0]) * map_scale, top + (y0 - crop[1]) * map_scale,
                                    (x1 + 1 - x0) * map_scale, (y1 + 1 - y0) * map_scale))
        painter.restore()
        painter.setPen(QPen(QColor(150, 150, 150), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(left_rect)
        painter.drawRect(right_rect)
        if analysis.faces or image is None:
            _colour_bar(painter, QRectF(right_rect.right() + gap, top, bar_w, max(panel_h_used, map_h)), label_px, scale_of_map,
                        opacity, face_tone(image, analysis))
    return canvas


def face_tone(image: np.ndarray | None, analysis: Analysis) -> tuple[int, int, int]:
    """The mean colour of the middle of the subject's face box, what the colour bar shows the map's colours over; a mid
    skin tone where there is no photo or face. Over that skin tone always, the bar's top band was skin-coloured beside
    a grey photo's map (walk-through)."""
    if image is None or not analysis.faces:
        return SKIN_UNDER_THE_BAR
    left, top, right, bottom = analysis.faces[0].box
    x0, x1 = max(0, (3 * left + right) // 4), min(image.shape[1], (left + 3 * right) // 4)
    y0, y1 = max(0, (3 * top + bottom) // 4), min(image.shape[0], (top + 3 * bottom) // 4)
    middle = image[y0:y1, x0:x1, :3].reshape(-1, 3)
    if not len(middle):
        return SKIN_UNDER_THE_BAR
    red, green, blue = (int(round(float(v))) for v in middle.mean(axis=0))
    return red, green, blue


def row_text(metrics: QFontMetrics, name: str, value: str, width: float) -> str:
    """A checklist row, name then value, in `width`: a long name is shortened, never the value (the row "31. Eyes not
    covered (sunglasses, patch, hand, hair): 0 % hidd..." lost the reading)."""
    return metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(width - metrics.horizontalAdvance(value))) + value


def first_fitting(painter: QPainter, candidates: tuple[str, ...], width: float) -> str:
    """The first caption that fits `width` in the painter's font; the last one where none does."""
    metrics = painter.fontMetrics()
    return next((text for text in candidates if metrics.horizontalAdvance(text) <= width), candidates[-1])


def _outlines_in(painter: QPainter, analysis: Analysis, rect: QRectF, origin: tuple[float, float], scale: float,
                 width: float) -> None:
    """The deviation map's low-area outlines in a panel showing the photo from `origin` (photo px) at `scale`."""
    painter.save()
    painter.setClipRect(rect)
    draw_outlines(painter, analysis, lambda xy: np.column_stack(
        [rect.left() + (xy[:, 0] - origin[0]) * scale, rect.top() + (xy[:, 1] - origin[1]) * scale]), width)
    painter.restore()


def render_annotated(
    image: np.ndarray | None,
    analysis: Analysis,
    decision_label: str = "",
    width: int = 1400,
) -> QImage:
    """The PNG for e-mail or case files: header, panels, the main face's findings and a compact checklist strip."""
    ensure_qt()
    pad = round(width / 70)
    text_px = width / 80
    # A glance for e-mail: evidence of failed checks only, no landmarks, so the face stays visible.
    panels = render_panels(image, analysis, height=round(width * 0.42), landmarks=False, failed_only=True)
    if panels.width() > width - 2 * pad:
        panels = panels.scaledToWidth(width - 2 * pad, Qt.TransformationMode.SmoothTransformation)
    checks = analysis.subject_checks()
    columns = 2  # wide enough for a check's name and value unabridged
    rows = -(-len(checks) // columns) if checks else 0
    row_h = text_px * 1.75
    header_h = pad + text_px * 4.8  # the name's line and the details' below it, whole (the details' descenders were cut)
    strip_h = rows * row_h + (text_px * 2 if checks else 0)
    errors = analysis.errors[:3]
    wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap  # an error is shown whole, on as many lines as it needs
    def wrapped_height(text: str, size: float) -> float:
        return QFontMetricsF(font(size)).boundingRect(QRectF(0, 0, width - 2 * pad, 1e6), wrap, text).height()

    error_heights = [wrapped_height(error, text_px) + text_px * 0.6 for error in errors]
    error_h = sum(error_heights)
    said = analysis.faces[0].findings if analysis.faces else []
    findings = ["• " + sentence for sentence in said[:MAX_PNG_FINDINGS]]
    if len(said) > MAX_PNG_FINDINGS:  # a fifth finding was dropped without a word (explanation walk-through)
        findings.append(f"• … and {len(said) - MAX_PNG_FINDINGS} more: the analysis's JSON and the PDF report list every finding.")
    finding_heights = [wrapped_height(sentence, text_px * 0.9) + text_px * 0.6 for sentence in findings]  # whole sentences
    findings_h = text_px * 1.8 + sum(finding_heights) + text_px * 0.6 if findings else 0
    height = round(header_h + panels.height() + pad + findings_h + strip_h + error_h + pad * 1.5)
    canvas = QImage(width, height, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    with painting(canvas) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)

        # Header: file name, verdict badge, quality, decision.
        verdict = analysis.verdict
        badge_text = status_badge(verdict)
        badge_w = max(text_px * 9, QFontMetricsF(font(text_px * 1.35, bold=True)).horizontalAdvance(badge_text) + text_px * 2)
        badge = QRectF(width - pad - badge_w, pad, badge_w, text_px * 2.4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(qcolor(verdict)))
        painter.drawRoundedRect(badge, text_px * 0.4, text_px * 0.4)
        painter.setPen(QColor(255, 255, 255))
        painter.setFont(font(text_px * 1.35, bold=True))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(font(text_px * 1.4, bold=True))
        name_rect = QRectF(pad, pad, badge.left() - 2 * pad, text_px * 2.4)
        painter.drawText(name_rect, ONE_LEFT_TO_RIGHT_LINE,
                         painter.fontMetrics().elidedText(display_name(Path(analysis.source).name), Qt.TextElideMode.ElideMiddle,
                                                          int(name_rect.width())))
        painter.setFont(font(text_px))
        parts = [f"faces: {len(analysis.faces)}"]
        if analysis.faces:
            face = analysis.faces[0]
            parts.append(f"quality: {quality_text(face.quality)} ({analysis.quality_estimator or 'scalar'})")
        parts.append("checks: " + verdict_counts_text(Counter(c.verdict.value for c in checks)))
        if decision_label:
            parts.append(f"decision: {decision_label}")
        parts.append(f"profile: {analysis.profile or '–'}")
        # elided: a decision by a long name pushed "profile: ..." off the picture (international walk-through)
        painter.drawText(QRectF(pad, pad + text_px * 2.6, width - 2 * pad, text_px * 2), ONE_LEFT_TO_RIGHT_LINE,
                         painter.fontMetrics().elidedText("   ·   ".join(parts), Qt.TextElideMode.ElideMiddle, int(width - 2 * pad)))
        y = header_h
        painter.drawImage(QPointF(pad, y), panels)
        y += panels.height() + pad

        painter.setFont(font(text_px))
        painter.setPen(qcolor("error"))
        for error, error_height in zip(errors, error_heights):
            painter.drawText(QRectF(pad, y, width - 2 * pad, error_height), wrap, error)
            y += error_height

        if findings:
            painter.setPen(QColor(20, 20, 20))
            painter.setFont(font(text_px, bold=True))
            painter.drawText(QRectF(pad, y, width, text_px * 1.8), Qt.AlignmentFlag.AlignLeft, "Findings")
            y += text_px * 1.8
            painter.setFont(font(text_px * 0.9))
            for sentence, sentence_height in zip(findings, finding_heights):
                painter.drawText(QRectF(pad, y, width - 2 * pad, sentence_height), wrap, sentence)
                y += sentence_height
            y += text_px * 0.6

        if checks:
            painter.setPen(QColor(20, 20, 20))
            painter.setFont(font(text_px, bold=True))
            painter.drawText(
                QRectF(pad, y, width, text_px * 1.8), Qt.AlignmentFlag.AlignLeft, PNG_CHECKLIST_TITLE
            )
            y += text_px * 2
            column_w = (width - 2 * pad) / columns
            numbers = check_numbers(analysis)
            chip_font = font(text_px * 0.85, bold=True)
            chip_w = max(QFontMetricsF(chip_font).horizontalAdvance(verdict_text(c.verdict)) for c in checks) + text_px * 0.8
            for i, check in enumerate(checks):
                x = pad + (i // rows) * column_w
                top = y + (i % rows) * row_h
                chip = QRectF(x, top + row_h * 0.1, chip_w, row_h * 0.8)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QBrush(qcolor(check.verdict)))
                painter.drawRoundedRect(chip, 3, 3)
                painter.setPen(QColor(255, 255, 255))
                painter.setFont(chip_font)
                painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, verdict_text(check.verdict))
                painter.setPen(QColor(20, 20, 20))
                painter.setFont(font(text_px * 0.9))
                value = f": {check_value_text(check)}" if check.value is not None else ""
                text_rect = QRectF(chip.right() + text_px * 0.5, top, column_w - chip.width() - text_px, row_h)
                painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 row_text(painter.fontMetrics(), f"{numbers[id(check)]}. {check.name}", value, text_rect.width()))
    return canvas


def save_annotated_png(
    target: str | Path, image: np.ndarray | None, analysis: Analysis, decision_label: str = "", width: int = 1400
) -> None:
    """The annotated picture, marked as this application's (`discovery.ANNOTATED_MARK`, never taken for a photo) and
    naming the photo it shows (`discovery.ANNOTATED_SOURCE`: whose result it is, where no JSON beside it says)."""
    canvas = render_annotated(image, analysis, decision_label, width)
    canvas.setText(*ANNOTATED_MARK)
    canvas.setText(ANNOTATED_SOURCE, path_text(analysis.source))  # a name not valid UTF-8 kept whole, as the JSON keeps it
    save_qimage(target, canvas)


def render_thumbnail(image: np.ndarray | None, size: int) -> QImage:
    """A thumbnail whose longer side is `size` pixels (a grey placeholder when the photo is missing)."""
    ensure_qt()
    if image is None:
        return placeholder_image(size * 3 // 4, size, "no photo")
    scale = size / max(image.shape[:2])
    return to_qimage(resized(image, scale, cv2.INTER_AREA))


def count_ticks(largest: int) -> list[int]:
    """Five grid lines from 0 that reach `largest`, the same whole count apart ("0 5 10 14 19" read oddly)."""
    step = -(-max(largest, 1) // 4)
    return [step * k for k in range(5)]


def render_histogram(values: Sequence[float | None], width: int = 1600, height: int = 560, bins: int = 20) -> QImage:
    """Histogram of scalar qualities in [0, 1], bars coloured with the PLQ colour map."""
    ensure_qt()
    canvas = QImage(width, height, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    with painting(canvas) as painter:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text_px = height / 16
        left, bottom, top, right = text_px * 3.2, height - text_px * 2.6, text_px * 0.8, width - text_px
        finite = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
        counts, edges = np.histogram(np.clip(finite, 0, 1), bins=bins, range=(0, 1))
        ticks = count_ticks(int(counts.max()) if counts.size else 0)
        peak = ticks[-1]
        lut = PLQ_SCALE.lut(bins)
        plot_w, plot_h = right - left, bottom - top
        painter.setFont(font(text_px * 0.85))
        painter.setPen(QPen(QColor(200, 200, 200), 1))
        for k, level in enumerate(ticks):
            y = bottom - plot_h * k / 4
            painter.drawLine(QPointF(left, y), QPointF(right, y))
            painter.setPen(QColor(60, 60, 60))
            painter.drawText(QRectF(0, y - text_px, left - text_px * 0.4, 2 * text_px),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{level:.0f}")
            painter.setPen(QPen(QColor(200, 200, 200), 1))
        bar_w = plot_w / bins
        for i, count in enumerate(counts):
            h = plot_h * count / peak
            painter.setPen(QPen(QColor(60, 60, 60), 1))
            painter.setBrush(QBrush(QColor(*lut[i])))
            if count:
                painter.drawRect(QRectF(left + i * bar_w + 1, bottom - h, bar_w - 2, h))
        painter.setPen(QColor(30, 30, 30))
        painter.drawLine(QPointF(left, bottom), QPointF(right, bottom))
        for k in range(0, bins + 1, max(1, bins // 5)):
            x = left + k * bar_w
            painter.drawText(
                QRectF(x - text_px * 2, bottom + text_px * 0.2, text_px * 4, text_px * 1.2), Qt.AlignmentFlag.AlignCenter, f"{edges[k]:.1f}"
            )
        painter.drawText(
            QRectF(left, bottom + text_px * 1.3, plot_w, text_px * 1.3),
            Qt.AlignmentFlag.AlignCenter,
            f"scalar quality (n = {finite.size}"
            + (f"; {len(values) - finite.size} more without a quality: no face or not readable)" if len(values) > finite.size else ")"),
        )
    return canvas
