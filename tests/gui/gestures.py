"""Gestures an officer makes, sent to widgets as Qt events (offscreen, nothing is under a real pointer)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget


def wheel(widget: QWidget, notches: int) -> None:
    """`notches` turns of the mouse wheel over the middle of `widget`, down (negative) or up."""
    centre, turn = QPointF(widget.width() / 2, widget.height() / 2), QPoint(0, 120 if notches > 0 else -120)
    for _ in range(abs(notches)):
        QApplication.sendEvent(widget, QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), turn, Qt.MouseButton.NoButton,
                                                   Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))
