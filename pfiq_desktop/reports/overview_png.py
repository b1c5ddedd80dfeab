"""A Qt-free overview PNG for the CLI: photo | PLQ overlay | colour bar, quality and checklist.

Drawn with OpenCV so `pfiq analyse` runs on machines without a display.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.atomic import atomic_path
from pfiq_desktop.colormap import blend, rdylgn_lut
from pfiq_desktop.engine.results import Analysis, Verdict

PANEL_HEIGHT = 480
BAR_WIDTH = 24
MARGIN = 12
LINE = 20
FONT = cv2.FONT_HERSHEY_SIMPLEX
VERDICT_RGB = {
    Verdict.PASS: (26, 152, 80),
    Verdict.WARN: (230, 150, 0),
    Verdict.FAIL: (215, 48, 39),
    Verdict.NOT_ASSESSABLE: (120, 120, 120),
}


def face_map(analysis: Analysis) -> np.ndarray:
    """Union of all faces' PLQ maps over the photo (NaN where no face)."""
    height = analysis.image_size[1]
    width = analysis.image_size[0]
    combined = np.full((height, width), np.nan, np.float32)
    for face in reversed(analysis.faces):  # the subject (index 0) is drawn last, on top
        inside = np.isfinite(face.plq)
        combined[inside] = face.plq[inside]
    return combined


def _text(canvas: np.ndarray, text: str, x: int, y: int, rgb=(20, 20, 20), scale: float = 0.5) -> None:
    cv2.putText(canvas, text, (x, y), FONT, scale, rgb, 1, cv2.LINE_AA)


def _colour_bar(height: int) -> np.ndarray:
    lut = rdylgn_lut(height)[::-1]  # high quality at the top
    return np.repeat(lut[:, None, :], BAR_WIDTH, axis=1)


def render_overview(image: np.ndarray, analysis: Analysis, opacity: float = 0.6) -> np.ndarray:
    """RGB uint8 picture: header, photo and overlay side by side, colour bar, checklist strip."""
    scale = PANEL_HEIGHT / image.shape[0]
    width = max(1, round(image.shape[1] * scale))
    photo = cv2.resize(image, (width, PANEL_HEIGHT), interpolation=cv2.INTER_AREA)
    plq = cv2.resize(face_map(analysis), (width, PANEL_HEIGHT), interpolation=cv2.INTER_NEAREST)
    overlay = blend(photo, plq, opacity)
    for index, face in enumerate(analysis.faces):
        left, top, right, bottom = (round(v * scale) for v in face.box)
        colour = (255, 255, 255) if index == 0 else (160, 160, 160)
        cv2.rectangle(overlay, (left, top), (right, bottom), colour, 1)

    checks = analysis.checks
    columns = 2
    rows = -(-len(checks) // columns)
    header = 3 * LINE + MARGIN
    total_width = 2 * width + BAR_WIDTH + 60 + 3 * MARGIN
    total_width = max(total_width, 760)
    canvas = np.full((header + PANEL_HEIGHT + MARGIN + rows * LINE + MARGIN, total_width, 3), 255, np.uint8)

    top = header
    canvas[top : top + PANEL_HEIGHT, MARGIN : MARGIN + width] = photo
    x_overlay = 2 * MARGIN + width
    canvas[top : top + PANEL_HEIGHT, x_overlay : x_overlay + width] = overlay
    x_bar = x_overlay + width + MARGIN
    canvas[top : top + PANEL_HEIGHT, x_bar : x_bar + BAR_WIDTH] = _colour_bar(PANEL_HEIGHT)
    for value, y in ((1.0, top + 12), (0.5, top + PANEL_HEIGHT // 2 + 5), (0.0, top + PANEL_HEIGHT - 2)):
        _text(canvas, f"{value:.1f}", x_bar + BAR_WIDTH + 4, y, scale=0.45)
    _text(canvas, "PLQ", x_bar, top - 4, scale=0.45)

    _text(canvas, Path(analysis.source).name, MARGIN, LINE, scale=0.6)
    summary = f"verdict: {analysis.verdict.upper()}   faces: {len(analysis.faces)}"
    if analysis.faces:
        subject = analysis.faces[0]
        summary += f"   quality: {subject.quality:.2f} (raw {subject.quality_raw:.3g}, {analysis.quality_estimator})"
    _text(canvas, summary, MARGIN, 2 * LINE)
    for error in analysis.errors[:1]:
        _text(canvas, error[:110], MARGIN, 3 * LINE, rgb=VERDICT_RGB[Verdict.FAIL])

    column_width = (total_width - 2 * MARGIN) // columns
    for i, check in enumerate(checks):
        x = MARGIN + (i // rows) * column_width
        y = top + PANEL_HEIGHT + MARGIN + (i % rows + 1) * LINE - 5
        label = f"{check.verdict.value.upper():>4} {check.name}"
        if check.value is not None:
            label += f": {check.value:.3g} {check.unit}".rstrip()
        _text(canvas, label[: column_width // 8], x, y, rgb=VERDICT_RGB[check.verdict], scale=0.42)
    return canvas


def save_png(target: str | Path, rgb: np.ndarray) -> None:
    """Encode and write atomically; raises OutputError on an unwritable target."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    with atomic_path(target) as temp:
        temp.write_bytes(encoded.tobytes())
