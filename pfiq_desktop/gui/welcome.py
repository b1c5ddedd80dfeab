"""First-launch page: open a folder, open files, or try the sample."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from pfiq_desktop import APP_NAME
from pfiq_desktop.gui.widgets import named


class WelcomePage(QWidget):
    openFolder = Signal()
    openFiles = Signal()
    trySample = Signal()
    openRecent = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        title = QLabel(f"<h1>{APP_NAME}</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        intro = QLabel(
            "Is this face photo fit for an ID document, and why?<br>"
            "Every check of the ICAO portrait rules with its evidence, and a map that shows "
            "<b>pixel by pixel</b> which places of the face are less useful for face recognition than in "
            "compliant photos (coloured and outlined), with the findings in words."
        )
        intro.setWordWrap(True)
        intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        intro.setMaximumWidth(560)
        intro.setMinimumWidth(460)
        intro.setMinimumHeight(90)
        self.folder_button = named(QPushButton("Open folder…"), "welcomeOpenFolder")
        self.files_button = named(QPushButton("Open files…"), "welcomeOpenFiles")
        self.sample_button = named(QPushButton("Try the sample"), "welcomeTrySample")
        self.sample_button.setToolTip("A public-domain portrait and blurred, occluded and side-lit variants of it")
        for b in (self.folder_button, self.files_button, self.sample_button):
            b.setMinimumHeight(40)
            b.setMinimumWidth(150)
        self.folder_button.clicked.connect(self.openFolder)
        self.files_button.clicked.connect(self.openFiles)
        self.sample_button.clicked.connect(self.trySample)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.folder_button, self.files_button, self.sample_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.recent = named(QListWidget(), "welcomeRecent")
        self.recent.setMaximumWidth(560)
        self.recent.setMaximumHeight(140)
        self.recent.itemActivated.connect(self._on_recent)
        self.recent_label = QLabel("&Recent folders")
        self.recent_label.setBuddy(self.recent)
        self.recent.setAccessibleName("Recent folders")
        hint = QLabel("You can also drop photos or a folder anywhere on this window.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addWidget(intro, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addSpacing(16)
        layout.addWidget(self.recent_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.recent, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(hint)
        layout.addStretch(3)

    def _on_recent(self, item: QListWidgetItem) -> None:
        self.openRecent.emit(item.text())

    def set_recent(self, folders: list[str]) -> None:
        self.recent.clear()
        self.recent.addItems(folders)
        self.recent.setVisible(bool(folders))
        self.recent_label.setVisible(bool(folders))
