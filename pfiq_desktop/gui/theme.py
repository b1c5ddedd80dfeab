"""Qt's side of the look: status icons and badges, and the light/dark window palettes.

The colours themselves belong to `pfiq_desktop.palette`, shared with the reports.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

from pfiq_desktop.palette import ROW_TINTS, WARN_COLOUR, status_hex
from pfiq_desktop.settings import DEFAULT_THEME, SYSTEM_THEME

if TYPE_CHECKING:  # only the annotation needs it
    from PySide6.QtWidgets import QApplication

# Letters on the status badges: readable with red-green colour blindness too.
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


def banner_style(colour: str) -> str:
    """The stylesheet of a verdict's or a decision's banner: white words on its status colour."""
    return f"color: white; background: {colour}; border-radius: 4px; padding: 4px;"


def notice_style() -> str:
    """The stylesheet of a lasting note the officer chose (a profile that leaves checks unrun): dark words on a light
    amber, beside the banner's white on purple, which is kept for what went wrong."""
    return f"color: black; background: {ROW_TINTS['warn']}; border-left: 4px solid {WARN_COLOUR}; padding: 4px 6px;"


ICON_SCALES = (1.0, 1.25, 1.5, 2.0, 3.0)  # screen pixels per layout pixel the icons are drawn for (100 % to 300 %)


@lru_cache(maxsize=64)
def status_icon(status: str, size: int = 16) -> QIcon:
    """The status badge at each scale of ICON_SCALES: one 16-pixel picture was stretched, fuzzy at 150 % (screen
    walk-through); Qt picks the one for the screen."""
    icon = QIcon()
    for scale in ICON_SCALES:
        icon.addPixmap(status_pixmap(status, size, scale))
    return icon


def status_pixmap(status: str, size: int = 16, scale: float = 1.0) -> QPixmap:
    """The badge `size` layout pixels large, drawn for `scale` screen pixels per layout pixel."""
    pixmap = QPixmap(round(size * scale), round(size * scale))
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_badge(painter, QRectF(0.5, 0.5, size - 1, size - 1), status)
    painter.end()
    return pixmap


def draw_badge(painter: QPainter, rect: QRectF, status: str) -> None:
    colour = QColor(status_hex(status))
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
    for text_role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, text_role, QColor(disabled_text))
    return p


def light_palette() -> QPalette:
    return _palette(_LIGHT, "#8c959f")


def dark_palette() -> QPalette:
    return _palette(_DARK, "#6e7681")


class OutlinedChecks(QProxyStyle):
    """Fusion with an outline around every check box drawn in the palette's placeholder grey: Fusion draws it a shade
    darker than the window, which in the dark theme is the list's own background, so unticked reasons were invisible."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
                      widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox:  # a list's check boxes are drawn through it too
            painter.save()
            painter.setPen(QPen(option.palette.color(QPalette.ColorRole.PlaceholderText), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5))
            painter.restore()


def apply_theme(app: QApplication, theme: str = DEFAULT_THEME) -> str:
    """Fusion style (check boxes outlined) with a light or dark palette; 'system' follows the desktop's colour scheme."""
    app.setStyle(OutlinedChecks("Fusion"))
    dark = is_dark_scheme() if theme == SYSTEM_THEME else theme == "dark"
    app.setPalette(dark_palette() if dark else light_palette())
    return "dark" if dark else "light"
