"""Colours, the PLQ colour map, icons and the light/dark palettes."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap

# Status / verdict colours (also readable for red-green colour blindness thanks to the letters).
STATUS_COLOURS = {
    "pending": "#9aa0a6",
    "analysing": "#3a7bd5",
    "pass": "#2e9d48",
    "warn": "#e0a100",
    "fail": "#d64541",
    "error": "#7b3fa0",
    "not_assessable": "#8a8f98",
    "decided": "#1f6feb",
    "accept": "#2e9d48",
    "reject": "#d64541",
    "retake": "#e07b00",
}
STATUS_LETTERS = {
    "pending": "…",
    "analysing": "⟳",
    "pass": "✓",
    "warn": "!",
    "fail": "✗",
    "error": "E",
    "not_assessable": "?",
    "accept": "A",
    "reject": "R",
    "retake": "T",
}
STATUS_LABELS = {
    "pending": "Pending",
    "analysing": "Analysing",
    "pass": "Pass",
    "warn": "Warning",
    "fail": "Fail",
    "error": "Error",
    "not_assessable": "Not assessable",
}

# Red-yellow-green (ColorBrewer RdYlGn, as in the paper's figures): red = low quality, green = high.
RDYLGN = [
    (165, 0, 38), (215, 48, 39), (244, 109, 67), (253, 174, 97), (254, 224, 139),
    (255, 255, 191), (217, 239, 139), (166, 217, 106), (102, 189, 99), (26, 152, 80), (0, 104, 55),
]


def plq_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 look-up table of the red-yellow-green map."""
    stops = np.linspace(0.0, 1.0, len(RDYLGN))
    x = np.linspace(0.0, 1.0, n)
    colours = np.array(RDYLGN, np.float64)
    return np.stack([np.interp(x, stops, colours[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


_LUT = plq_lut()


def plq_to_rgba(plq: np.ndarray, alpha: int = 255) -> np.ndarray:
    """Colour a PLQ map (levels fixed to 0..1); NaN (outside the face) becomes transparent."""
    plq = np.asarray(plq, np.float32)
    finite = np.isfinite(plq)
    idx = np.clip(np.nan_to_num(plq, nan=0.0) * 255.0, 0, 255).astype(np.uint8)
    rgba = np.empty(plq.shape + (4,), np.uint8)
    rgba[..., :3] = _LUT[idx]
    rgba[..., 3] = np.where(finite, alpha, 0).astype(np.uint8)
    return rgba


@lru_cache(maxsize=64)
def status_icon(status: str, size: int = 16) -> QIcon:
    return QIcon(status_pixmap(status, size))


def status_pixmap(status: str, size: int = 16) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_badge(painter, QRectF(0.5, 0.5, size - 1, size - 1), status)
    painter.end()
    return pixmap


def draw_badge(painter: QPainter, rect: QRectF, status: str) -> None:
    colour = QColor(STATUS_COLOURS.get(status, "#9aa0a6"))
    painter.save()
    painter.setPen(QPen(QColor("white"), 1.2))
    painter.setBrush(QBrush(colour))
    painter.drawEllipse(rect)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(7, int(rect.height() * 0.62)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, STATUS_LETTERS.get(status, "?"))
    painter.restore()


def is_dark_scheme() -> bool:
    hints = QGuiApplication.styleHints()
    try:
        return hints.colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


_LIGHT = {
    "Window": "#f3f4f6", "WindowText": "#1f2328", "Base": "#ffffff", "AlternateBase": "#eef0f3",
    "Text": "#1f2328", "Button": "#e9ebee", "ButtonText": "#1f2328", "Highlight": "#2f6fdb",
    "HighlightedText": "#ffffff", "ToolTipBase": "#ffffe1", "ToolTipText": "#1f2328",
    "PlaceholderText": "#6e7781", "Link": "#0969da",
}
_DARK = {
    "Window": "#1e2228", "WindowText": "#e6edf3", "Base": "#15181d", "AlternateBase": "#22272e",
    "Text": "#e6edf3", "Button": "#2b313a", "ButtonText": "#e6edf3", "Highlight": "#3d7be0",
    "HighlightedText": "#ffffff", "ToolTipBase": "#2b313a", "ToolTipText": "#e6edf3",
    "PlaceholderText": "#8b949e", "Link": "#58a6ff",
}


def _palette(roles: dict[str, str], disabled_text: str) -> QPalette:
    p = QPalette()
    for role, colour in roles.items():
        p.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return p


def light_palette() -> QPalette:
    return _palette(_LIGHT, "#8c959f")


def dark_palette() -> QPalette:
    return _palette(_DARK, "#6e7681")


def apply_theme(app, theme: str = "system") -> str:
    """Fusion style with a light or dark palette; 'system' follows the desktop's colour scheme."""
    app.setStyle("Fusion")
    dark = is_dark_scheme() if theme == "system" else theme == "dark"
    app.setPalette(dark_palette() if dark else light_palette())
    return "dark" if dark else "light"
