"""Render the main window at a fixed size and style; check it is not blank and shows its panels.

Set PFIQ_UPDATE_SCREENSHOTS=1 to (re)write the README screenshots in docs/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
SIZE = (1400, 860)


def qimage_to_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(height, stride)
    return data[:, : width * 3].reshape(height, width, 3).copy()


def region(array: np.ndarray, widget, window) -> np.ndarray:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    x, y = top_left.x(), top_left.y()
    return array[y : y + widget.height(), x : x + widget.width()]


def heat_pixels(rgb: np.ndarray) -> tuple[int, int]:
    """Counts of clearly red and clearly green pixels (the PLQ colour map's ends)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    red = (r > 150) & (g < 120) & (b < 100)
    green = (g > 120) & (r < 140) & (b < 120)
    return int(red.sum()), int(green.sum())


@pytest.fixture
def light_theme(qapp):
    from pfiq_desktop.gui.theme import apply_theme

    previous = qapp.palette(), qapp.style().name()
    apply_theme(qapp, "light")
    yield
    qapp.setPalette(previous[0])


def test_main_window_screenshot(qtbot, make_window, real_factory, light_theme, tmp_path):
    w = make_window(real_factory, size=SIZE)
    welcome = qimage_to_array(w.grab().toImage())
    assert welcome.std() > 5
    w.try_sample()
    qtbot.waitUntil(lambda: all(e.analysis is not None for e in w.browser.model.entries), timeout=120_000)
    w.browser.select_row(0)
    entry = w.browser.model.entry(w.session.current)
    assert entry.analysis.ok and entry.analysis.faces
    checks = [it for it in w.checklist.check_items() if it.data(0, Qt.ItemDataRole.UserRole).evidence.has_geometry()]
    if checks:
        w.checklist.tree.setCurrentItem(checks[0])
    w.compare.show_landmarks.setChecked(True)
    w.compare.zoom_to_face()
    qtbot.wait(200)
    image = w.grab().toImage()
    out = tmp_path / "main_window.png"
    assert image.save(str(out))
    assert (image.width(), image.height()) == SIZE
    rgb = qimage_to_array(image)
    assert rgb.std() > 20, "blank window"
    # the panels have their content
    assert w.browser.model.rowCount() == 4 and w.checklist.tree.topLevelItemCount() > 0
    assert w.checklist.regions.rowCount() > 0
    for title in (w.compare.left_title, w.compare.right_title):  # the map's title is shown whole, not cut at both ends
        flags = int(Qt.TextFlag.TextWordWrap.value) if title.wordWrap() else 0
        needed = title.fontMetrics().boundingRect(QRect(0, 0, title.width(), 10_000), flags, title.text())
        assert needed.width() <= title.width() and needed.height() <= title.height(), f"title cut: {title.text()!r}"
    red, green = heat_pixels(region(rgb, w.compare.glw, w))
    assert green + red > 500, "no heat map drawn in the compare view"
    browser = region(rgb, w.browser.view, w)
    assert browser.std() > 20, "browser shows no thumbnails"
    # labelme-style tolerant snapshot against the README screenshot, where present and same size
    reference = SHOTS / "main_window.png"
    if os.environ.get("PFIQ_UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(reference))
        QImage(welcome.data, welcome.shape[1], welcome.shape[0], welcome.shape[1] * 3, QImage.Format.Format_RGB888).save(
            str(SHOTS / "welcome.png")
        )
        w.compare.mode.setCurrentIndex(1)
        qtbot.wait(100)
        w.grab().save(str(SHOTS / "chip_view.png"))
    elif reference.is_file():
        ref = qimage_to_array(QImage(str(reference)))
        if ref.shape == rgb.shape:
            small = lambda a: a.reshape(SIZE[1] // 20, 20, SIZE[0] // 20, 20, 3).mean(axis=(1, 3))
            diff = np.abs(small(ref) - small(rgb)).mean()
            assert diff < 25, f"window looks different from {reference} (mean difference {diff:.1f})"
