"""Settings: device, threshold profile, officer name, output folder, theme."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)


@dataclass
class AppSettings:
    device: str = "auto"
    profile: str = "icao-9303"
    officer: str = ""
    output_folder: str = ""
    theme: str = "system"


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, profiles: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = QComboBox(objectName="settingsDevice")
        for label, key in (("Automatic (GPU if available)", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda")):
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.profile = QComboBox(objectName="settingsProfile")
        self.profile.addItems(profiles or [settings.profile])
        self.profile.setCurrentText(settings.profile)
        self.officer = QLineEdit(settings.officer, objectName="settingsOfficer")
        self.officer.setPlaceholderText("Name recorded with every decision")
        self.output = QLineEdit(settings.output_folder, objectName="settingsOutput")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QWidget()
        row = QHBoxLayout(out_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.output, 1)
        row.addWidget(browse)
        self.theme = QComboBox(objectName="settingsTheme")
        for label, key in (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow("Threshold profile", self.profile)
        form.addRow("Officer name", self.officer)
        form.addRow("Output folder", out_row)
        form.addRow("Theme", self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.output.text())
        if folder:
            self.output.setText(folder)

    def values(self) -> AppSettings:
        return AppSettings(
            device=self.device.currentData(),
            profile=self.profile.currentText(),
            officer=self.officer.text().strip(),
            output_folder=self.output.text().strip(),
            theme=self.theme.currentData(),
        )
