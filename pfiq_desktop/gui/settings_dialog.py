"""Settings: device, recognition network (backbone), threshold profile, officer name, output folder, theme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import cast

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from pfiq_desktop.engine.backbones import BackboneLoadError
from pfiq_desktop.engine.backbones.external import checked_model_file
from pfiq_desktop.engine.defaults import DEVICES
from pfiq_desktop.gui.widgets import MODEL_FILTER, SteadyDropDowns, fill_profiles, named, plain
from pfiq_desktop.palette import status_hex
from pfiq_desktop.settings import SYSTEM_THEME, THEMES, Settings

# words for each choice the settings offer (a new device or theme fails here until it has its words)
_DEVICE_WORDS = {"auto": "Automatic (GPU if available)", "cpu": "CPU", "cuda": "CUDA GPU"}
_THEME_WORDS = {SYSTEM_THEME: "Follow the system", "light": "Light", "dark": "Dark"}
DEVICE_LABELS = tuple((_DEVICE_WORDS[device], device) for device in DEVICES)
THEME_LABELS = tuple((_THEME_WORDS[theme], theme) for theme in THEMES)
RECOGNITION_NETWORK, EXPORT_FOLDER = "Recognition network", "Export folder"  # form labels, and the names of their fields
MIN_WIDTH = 560  # px: a path is read whole enough to see a typo (363 px showed "xistent/agency.onnx")


class SettingsDialog(QDialog):
    """Edit the settings; `values()` gives the edited copy (recent folders untouched)."""

    def __init__(self, settings: Settings, profiles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.original = settings
        self.device = named(QComboBox(), "settingsDevice")
        for label, key in DEVICE_LABELS:
            self.device.addItem(label, key)
        self._offer_cuda_only_with_a_gpu(settings.device)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.profile = named(QComboBox(), "settingsProfile")
        fill_profiles(self.profile, profiles, settings.profile)
        self.officer = named(QLineEdit(settings.officer), "settingsOfficer")
        self.officer.setPlaceholderText("Name recorded with every decision")
        self.output = named(QLineEdit(settings.export_folder), "settingsOutput")
        self.output.setToolTip("The folder each export offers first; exporting to another one makes that the next "
                               "one offered")
        out_row = _with_button(self.output, "Browse…", self._browse, EXPORT_FOLDER)
        self.backbone = named(QLineEdit(settings.backbone), "settingsBackbone")
        self.backbone.setPlaceholderText("Built-in (dlib ResNet)")
        self.backbone.setToolTip("The face recogniser whose utility the maps explain: empty for the built-in dlib ResNet, "
                                 "or an ONNX (.onnx) or TorchScript (.pt) model with its .toml sidecar beside it")
        backbone_row = _with_button(self.backbone, "Choose…", self._choose_backbone, RECOGNITION_NETWORK)
        self.theme = named(QComboBox(), "settingsTheme")
        for label, key in THEME_LABELS:
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow(RECOGNITION_NETWORK, backbone_row)
        form.addRow("Threshold profile", self.profile)
        form.addRow("Officer name", self.officer)
        form.addRow(EXPORT_FOLDER, out_row)
        form.addRow("Theme", self.theme)
        self.problem = named(plain(QLabel("")), "settingsProblem")  # why OK did not close the dialog
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {status_hex('fail')};")
        self.problem.hide()
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(MIN_WIDTH)
        self._steady = SteadyDropDowns(self)  # the wheel over "Threshold profile" changed it unseen (review)

    def accept(self) -> None:
        """Closes only on choices that can work: a mistyped network file was accepted, and the engine then stopped
        for every photo (second usability walk-through)."""
        problem = self.problem_with_choices()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        if not problem:
            super().accept()

    def problem_with_choices(self) -> str:
        """Why a changed network file or export folder cannot be used ('' where they can)."""
        backbone = self.backbone.text().strip()
        if backbone and backbone != self.original.backbone:
            try:
                checked_model_file(Path(backbone))
            except BackboneLoadError as error:
                return f"{RECOGNITION_NETWORK}: {error}"
        folder = self.output.text().strip()
        if folder and folder != self.original.export_folder and not Path(folder).is_dir():
            return f"{EXPORT_FOLDER}: {folder} is not a folder on this computer"
        return ""

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.output.text())
        if folder:
            self.output.setText(folder)

    def _choose_backbone(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Recognition network", self.backbone.text(),
                                              MODEL_FILTER)
        if path:
            self.backbone.setText(path)

    def _offer_cuda_only_with_a_gpu(self, saved: str) -> None:
        """Without a CUDA device the choice could only fail (the engine would not start): shown, not selectable,
        saying why; unless it is the saved setting, which stays visible as chosen."""
        import torch

        if torch.cuda.is_available() or saved == "cuda":
            return
        item = cast(QStandardItemModel, self.device.model()).item(self.device.findData("cuda"))
        item.setEnabled(False)
        item.setToolTip("This computer has no CUDA device")

    def values(self) -> Settings:
        return replace(
            self.original,
            device=self.device.currentData(),
            backbone=self.backbone.text().strip(),
            profile=self.profile.currentText(),
            officer=self.officer.text().strip(),
            export_folder=self.output.text().strip(),
            theme=self.theme.currentData(),
        )


def _with_button(field: QLineEdit, label: str, slot: Callable[[], None], what: str) -> QWidget:
    """A text field with a button to its right (a file or folder picker), as one form row; both are named for
    `what`: the form's label names the row widget, and a screen reader heard nothing for the field or the button."""
    field.setAccessibleName(what)
    button = QPushButton(label)
    button.setAccessibleName(f"{label.rstrip('…')} the {what.lower()}")
    button.clicked.connect(slot)
    row_widget = QWidget()
    row = QHBoxLayout(row_widget)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(field, 1)
    row.addWidget(button)
    return row_widget
