"""Compare mode: the photo on screen analysed by two recognition networks, their maps and qualities side by side.

The first network is the one in force (Settings > Recognition network), whose analysis
the window already has; the second is a model file (ONNX or TorchScript with its
sidecar, docs/BACKBONES.md) the worker loads and runs off the GUI thread. Both maps are
cut to the same part of the photo, so the same pixels sit at the same place.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.gui.display import DisplayResult
from pfiq_desktop.gui.widgets import MODEL_FILTER, named, plain, screen_pixmap
from pfiq_desktop.gui.worker import AnalysisWorker
from pfiq_desktop.palette import MAP_SCALES, STATUS_COLOURS
from pfiq_desktop.reports.drawing import to_qimage
from pfiq_desktop.reports.figures import map_crop
from pfiq_desktop.review.values import quality_text
from pfiq_desktop.settings import SettingsStore

TILE = 360  # pixels, the longer side of each map
# the dialog's height beside its maps (headings, network lines, captions, buttons): on a 1366x768 screen at 125 %
# the dialog was 631 pixels at least, its Close button off the screen (screen walk-through); the maps give way
ROOM_BESIDE_MAPS = 300


def map_kind(shown: DisplayResult, paper: bool = False) -> str | None:
    """The map to show: the deviation map where the network has a compliant-face reference, else (or with
    `paper`) the paper's."""
    kinds = ("plq",) if paper else ("deviation", "plq")
    return next((kind for kind in kinds if kind in shown.maps), None)


def shared_crop(image: np.ndarray, results: list[DisplayResult]) -> tuple[int, int, int, int]:
    """One box (x0, y0, x1, y1) around the main face's map area of every result; the whole photo when none has one."""
    boxes = [map_crop(r.analysis.faces[0].plq) for r in results if r.analysis.ok and r.analysis.faces]
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return 0, 0, image.shape[1], image.shape[0]
    x0, y0, x1, y1 = np.array(boxes).T
    return int(x0.min()), int(y0.min()), int(x1.max()), int(y1.max())


def render_tile(image: np.ndarray, shown: DisplayResult, crop: tuple[int, int, int, int], kind: str | None,
                size: int = TILE) -> np.ndarray:
    """The cropped photo under the network's map (RGB), its longer side `size` pixels."""
    x0, y0, x1, y1 = crop
    part = image[y0:y1, x0:x1]
    scale = size / max(part.shape[:2])
    dsize = (max(1, round(part.shape[1] * scale)), max(1, round(part.shape[0] * scale)))
    photo = cv2.resize(part, dsize, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    if kind is None or shown.maps[kind].values.shape != image.shape[:2]:
        return photo
    values = cv2.resize(shown.maps[kind].values[y0:y1, x0:x1], dsize, interpolation=cv2.INTER_LINEAR)
    return MAP_SCALES[kind].blend(photo, values, 0.6)


def network_text(shown: DisplayResult) -> str:
    """'name · SHA-256 0123456789ab…'."""
    analysis = shown.analysis
    sha = f" · SHA-256 {analysis.model_sha256[:12]}…" if analysis.model_sha256 else ""
    return f"{analysis.backbone or 'recognition network'}{sha}"


def quality_line(shown: DisplayResult) -> str:
    """The main face's quality and its estimator, or why there is none."""
    analysis = shown.analysis
    if not analysis.ok:
        return analysis.errors[0]
    if not analysis.faces:
        return "no face found"
    return f"quality {quality_text(analysis.faces[0].quality)} ({analysis.quality_estimator})"


class NetworkPanel(QWidget):
    """One network's column: its name and hash, its quality, its map over the shared crop and which map it is."""

    def __init__(self, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(f"<b>{heading}</b>")
        self.network = named(plain(QLabel("–")), "networkName")
        self.quality = named(plain(QLabel("")), "networkQuality")
        self.picture = named(QLabel(), "networkMap")
        screen = self.screen().availableGeometry().height()
        self.side = max(TILE // 2, min(TILE, screen - ROOM_BESIDE_MAPS))
        self.picture.setFixedSize(self.side, self.side)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = named(plain(QLabel("")), "networkMapKind")
        for label in (self.network, self.quality, self.caption):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        for widget in (self.heading, self.network, self.quality, self.picture, self.caption):
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_result(self, image: np.ndarray | None, shown: DisplayResult, crop: tuple[int, int, int, int],
                    paper: bool = False) -> None:
        self.network.setText(network_text(shown))
        self.quality.setText(quality_line(shown))
        kind = map_kind(shown, paper)
        self.caption.setText(MAP_SCALES[kind].caption if kind else "no map (no face analysed)")
        if image is not None:  # in screen pixels: stretched, it was soft at 150 %
            scale = self.devicePixelRatioF()
            self.picture.setPixmap(screen_pixmap(to_qimage(render_tile(image, shown, crop, kind, size=round(self.side * scale))),
                                                 scale))

    def has_map(self) -> bool:
        """Whether a map is shown with its caption (a test hook: nothing in the window calls it)."""
        return not self.picture.pixmap().isNull() and self.caption.text() in {scale.caption for scale in MAP_SCALES.values()}


class BackboneCompareDialog(QDialog):
    """Non-modal: the current network's analysis beside a second network's, for the same photo."""

    comparisonShown = Signal(bool)  # True: both shown; False: the second network failed (the message says why)

    def __init__(self, image: np.ndarray | None, first: DisplayResult, worker: AnalysisWorker,
                 settings: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backboneDialog")
        self.setWindowTitle(f"Compare recognition networks: {display_name(Path(first.analysis.source).name)}")
        self.image, self.first, self.worker, self.settings = image, first, worker, settings
        self.path = first.analysis.source
        self.second: DisplayResult | None = None
        self._pending = ""  # the model file being analysed
        self.model_edit = named(QLineEdit(settings.current.compare_backbone), "modelEdit")
        self.model_edit.setPlaceholderText("second network: a .onnx or TorchScript file with its .toml sidecar")
        self.choose_button = named(QPushButton("Choose…"), "chooseModel")
        self.run_button = named(QPushButton("Compare"), "runCompare")
        self.busy = named(QProgressBar(), "compareBusy")
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(140)
        self.busy.hide()
        self.message = named(plain(QLabel("")), "compareMessage")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 3)
        self.paper = named(QCheckBox("Pixel-level quality (PLQ) for both (like for like)"), "paperForBoth")
        self.left, self.right = NetworkPanel("Network in use (Settings)"), NetworkPanel("Second network")
        note = QLabel("Each quality is on its own network's calibrated scale; the maps share one colour scale per kind.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)

        row = QHBoxLayout()
        row.addWidget(self.model_edit, 1)
        for widget in (self.choose_button, self.run_button, self.busy):
            row.addWidget(widget)
        panels = QGridLayout()
        panels.addWidget(self.left, 0, 0)
        panels.addWidget(self.right, 0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addLayout(panels, 1)
        layout.addWidget(self.paper)
        layout.addWidget(note)
        layout.addWidget(buttons)

        self.choose_button.clicked.connect(self.choose_and_run)
        self.run_button.clicked.connect(lambda: self.run_comparison(self.model_edit.text().strip()))
        self.model_edit.returnPressed.connect(self.run_button.click)
        self.paper.toggled.connect(self._show_panels)
        worker.backboneAnalysed.connect(self._on_analysed)
        worker.backboneFailed.connect(self._on_failed)
        self._show_panels()

    def ask_model_file(self) -> str:
        """The second network's model file ('' when cancelled); tests replace this."""
        last = self.model_edit.text().strip()
        folder = str(Path(last).parent) if last else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Second recognition network", folder, MODEL_FILTER)
        return path

    def choose_and_run(self) -> None:
        model = self.ask_model_file()
        if model:
            self.model_edit.setText(model)
            self.run_comparison(model)

    def run_comparison(self, model: str) -> bool:
        """Analyse the photo with `model` in the worker; the result arrives through its signals."""
        if not model:
            self.message.setText("Choose the second network's model file first.")
            return False
        if model != self.settings.current.compare_backbone:
            self.settings.update(compare_backbone=model)
        self._pending = model
        self.second = None
        self.right.picture.clear()
        self.right.network.setText(display_name(Path(model).name))
        self.right.quality.setText("")
        self.right.caption.setText("")
        self._set_busy(True, f"Analysing with {display_name(Path(model).name)}… (loading a network takes a few seconds)")
        self.worker.analyse_with(self.path, model, self.first.analysis.profile)
        return True

    def _set_busy(self, busy: bool, text: str, error: bool = False) -> None:
        self.busy.setVisible(busy)
        self.message.setStyleSheet(f"color:{STATUS_COLOURS['error']};" if error else "")
        self.run_button.setEnabled(not busy)
        self.choose_button.setEnabled(not busy)
        self.message.setText(text)

    def _on_analysed(self, path: str, model: str, shown: DisplayResult) -> None:
        if path != self.path or model != self._pending:
            return
        self._pending = ""
        self.second = shown
        self._set_busy(False, "" if shown.analysis.ok else f"The second network could not analyse the photo: "
                       f"{shown.analysis.errors[0]}", error=not shown.analysis.ok)
        self._show_panels()
        self.comparisonShown.emit(shown.analysis.ok)

    def _on_failed(self, path: str, model: str, message: str) -> None:
        if path != self.path or model != self._pending:
            return
        self._pending = ""
        self._set_busy(False, f"The second network cannot be used: {message}", error=True)
        self.right.network.setText(display_name(Path(model).name))
        self.comparisonShown.emit(False)

    def _show_panels(self) -> None:
        results = [self.first] + ([self.second] if self.second is not None else [])
        crop = shared_crop(self.image, results) if self.image is not None else (0, 0, 0, 0)
        self.left.show_result(self.image, self.first, crop, self.paper.isChecked())
        if self.second is not None:
            self.right.show_result(self.image, self.second, crop, self.paper.isChecked())

    def done(self, result: int) -> None:
        """Closing stops listening to the worker (a late result for a closed dialog is dropped)."""
        for signal, slot in ((self.worker.backboneAnalysed, self._on_analysed), (self.worker.backboneFailed, self._on_failed)):
            with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
                signal.disconnect(slot)
        super().done(result)
