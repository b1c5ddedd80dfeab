"""Checklist: every ICAO check with verdict, value, threshold and reason; quality gauge; region PLQ."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QConicalGradient, QFocusEvent, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop.engine.deviation_bands import READING, band
from pfiq_desktop.engine.icao import not_checked
from pfiq_desktop.engine.icao.regions import REGION_LABELS
from pfiq_desktop.engine.icao.registry import in_fix_order
from pfiq_desktop.engine.results import Analysis, CheckResult, Face, Verdict
from pfiq_desktop.gui.theme import banner_style, status_icon
from pfiq_desktop.gui.widgets import OneLineComboBox, fill_profiles, named, plain
from pfiq_desktop.palette import DEVIATION_SCALE, PLQ_SCALE, STATUS_LABELS, MapScale, status_badge, status_hex
from pfiq_desktop.review.reasons import fix_for, no_face_problem, to_change
from pfiq_desktop.review.values import bounds_text, check_value_text, quality_text

TO_CHANGE = "To change"  # the tab of what to ask of the applicant
CHOOSE_A_CHECK = "Choose a check (click, or Up and Down in the table) to see where it looked."
FINDINGS_MAX_HEIGHT = 110  # pixels for the map's findings; longer ones scroll, so the check table keeps its rows
VALUE_COLUMN_SAMPLE = "13 % of head heig"  # the value column's width: a typical value and most of its unit
VALUE_COLUMN_LEAST = "lip gap 17"  # ... its least, where the table is narrow (`ChecklistPanel._fit_columns`)
SHORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a cell's text in short words, for a column too narrow for the whole
AS_ALL_PHOTOS = "as all photos"  # the photo-profile box's first entry: no profile of its own (the window's is named)
VERDICT_COLUMN_PADDING = 16  # px beside the verdict column's longest word: the cell's margins
CHECK_ICON_PX = 14  # a check's verdict icon, before its name
GAUGE_STOPS = 16  # colours along the quality gauge's arc
FACE_COMBO_LEAST = 8  # characters the face selector keeps room for: "Face 1 ·" at the narrowest
# A name the check column keeps room for: where the table is too narrow for it beside the value and the verdict's word,
# the word gives way and the icon says the verdict (at 1280x800 names read "Ey… (photo right)" beside "Fail"; at
# 1024 px the column read "Che": usability walk-through)
NAME_COLUMN_SAMPLE = "Head height (chin to crown)"
NAME_COLUMN_LEAST = "Eye open (photo right)"  # where the table is narrow, the value gives way to a name this long
ENGINE_DOWN = "engine_down"  # set_analysis's status for a photo that waits for an engine that could not start


def shortened_name(name: str, metrics: QFontMetrics, width: int) -> str:
    """A check's name cut to `width` pixels at its end, but keeping a short bracket that tells a pair apart:
    "Eye open (photo left)" and "(photo right)" both read "Eye open (photo …" when cut at the end (screen
    walk-through), and cut in the middle, "Inter-eye distance" read "Inter-…stance". A bracket of three or more words
    explains the name ("(sunglasses, patch, hand, hair)") and is cut first."""
    if metrics.horizontalAdvance(name) <= width:
        return name
    head, opening, which = name.rpartition(" (")
    if opening and which.endswith(")") and len(which.split()) <= 2:
        tail = opening + which
        room = width - metrics.horizontalAdvance(tail)
        if room >= metrics.horizontalAdvance("…"):
            return metrics.elidedText(head, Qt.TextElideMode.ElideRight, room) + tail
    return metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)


# a value's reading: its number, a range or ± its uncertainty, and its unit ("17 %", "-3 ± 7 deg", "72/100", "90 degrees")
_READING = re.compile(r"[<>~]?[-+\u2212]?\d[\d.,]*(?:/\d+)?(?:[eE][-+]?\d+)?(?:\s*(?:±|–|to)\s*[-+\u2212]?\d[\d.,]*)?"
                      r"(?:\s*(?:%|px|deg|degrees|mm|bits)\b|\s*%)?")


def shortened_value(value: str, metrics: QFontMetrics, width: int) -> str:
    """A check's value cut to `width` pixels, keeping its reading whole and as many of the words that give it its
    meaning as fit: the value up to its reading ("hidden 100 %" of "hidden 100 % likely"), then the word before it
    ("gap 17 %"), then the reading alone; else cut at its end. Cut at its end, a narrow column read "lip gap 1…" and
    "hidden 1…" (third walk-through); the reading alone, "100 %" beside "Eye open … Fail" read as an open eye (review)."""
    if metrics.horizontalAdvance(value) <= width:
        return value
    reading = _READING.search(value)
    if reading is None:
        return metrics.elidedText(value, Qt.TextElideMode.ElideRight, width)
    before = value[: reading.start()].split()
    candidates = (value[: reading.end()], " ".join([*before[-1:], reading.group(0).strip()]), reading.group(0).strip())
    return next((text for text in candidates if metrics.horizontalAdvance(text) <= width),
                metrics.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, width))


class Shortened(QStyledItemDelegate):
    """A column whose text is cut to its cell by `shorten` (`shortened_name`, `shortened_value`), from its short words
    where a cell holds them (`SHORT_ROLE`) and the whole does not fit; whole in the tooltip."""

    def __init__(self, shorten: Callable[[str, QFontMetrics, int], str], parent: QWidget) -> None:
        super().__init__(parent)
        self.shorten = shorten
        self._room: tuple[tuple[object, ...], int] | None = None  # (cell's size and style, text's width) last asked

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if option.rect.width() <= 0:  # asked for a size hint, not painted: the whole text
            return
        width = self._text_width(option)
        if option.fontMetrics.horizontalAdvance(option.text) > width:
            option.text = self.shorten(index.data(SHORT_ROLE) or option.text, option.fontMetrics, width)

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        """The room for the text in a cell like `option`'s. Every row of a column has the same, so the style is asked
        once per cell size, not for every cell painted."""
        style = option.widget.style() if option.widget is not None else QApplication.style()
        key = (id(style), option.rect.width(), option.rect.height(), option.icon.isNull(), option.decorationSize.width())
        if self._room is None or self._room[0] != key:
            text_box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, option.widget)
            margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, option.widget) + 1
            self._room = (key, text_box.width() - 2 * margin)
        return self._room[1]


class QualityGauge(QWidget):
    """Semicircular gauge of the scalar face quality, 0..1, in the pixel-level quality map's colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value: float | None = None
        self.setMinimumSize(150, 86)
        self.setObjectName("qualityGauge")

    def set_value(self, value: float | None) -> None:
        self.value = None if value is None or not math.isfinite(value) else max(0.0, min(1.0, float(value)))
        shown = "" if self.value is None else f" {quality_text(self.value)}"
        self.setAccessibleName(f"Recognition quality{shown}")  # drawn, not written: a screen reader heard nothing
        self.setToolTip(f"Recognition quality{shown}: how well the face recognition network can use this face "
                        "(0 = unusable, 1 = excellent). It is not the ICAO verdict: a recognisable face can still "
                        "fail the checklist.")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width() - 12, 2 * (self.height() - 24))
        rect = QRectF((self.width() - side) / 2, 8, side, side)
        # one arc stroked with the scale as a conical gradient, not forty arcs of one colour each (redrawn for every
        # photo shown); the gradient runs anticlockwise from 3 o'clock, so quality q sits at half a turn less q/2
        gradient = QConicalGradient(rect.center(), 0.0)
        for q, colour in zip(np.linspace(0.0, 1.0, GAUGE_STOPS), PLQ_SCALE.lut(GAUGE_STOPS).tolist()):
            gradient.setColorAt(0.5 - q / 2, QColor(*colour))
        pen = QPen(QBrush(gradient), 12)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        p.setPen(pen)
        p.drawArc(rect.adjusted(6, 6, -6, -6), 180 * 16, -180 * 16)
        text_colour = self.palette().color(self.foregroundRole())
        if self.value is not None:
            angle = math.radians(180 - self.value * 180)
            c = rect.center()
            r = side / 2 - 6
            p.setPen(QPen(text_colour, 3))
            p.drawLine(c, c + type(c)(r * math.cos(angle), -r * math.sin(angle)))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        p.setFont(font)
        p.setPen(text_colour)
        label = quality_text(self.value)
        p.drawText(QRectF(0, rect.center().y() - 4, self.width(), 26), Qt.AlignmentFlag.AlignCenter, label)
        p.end()


def _coloured_cells(values: list[float | None], scale: MapScale, form: str, tips: list[str]) -> list[QTableWidgetItem]:
    """Table cells showing `values` in their map's colours ('–' where there is none), the colours looked up in one
    call rather than one per cell (each photo shown fills the table anew)."""
    numbers = np.array([np.nan if value is None else value for value in values], np.float32)
    colours, alphas = scale.rgb(numbers), scale.opacity(numbers)
    cells = []
    for value, tip, (r, g, b), alpha in zip(values, tips, colours.tolist(), alphas.tolist()):
        if value is None or not math.isfinite(value):
            cells.append(QTableWidgetItem("–"))
            continue
        cell = QTableWidgetItem(form.format(value))
        cell.setToolTip(tip)
        if alpha > 0:
            colour = QColor(r, g, b)
            colour.setAlphaF(max(alpha, 0.35))
            cell.setBackground(QBrush(colour))
            cell.setForeground(QBrush(QColor("black")))
        cells.append(cell)
    return cells


def face_label(index: int, face: Face) -> str:
    text = f"Face {index + 1}" + (" · subject" if index == 0 else "")
    if math.isfinite(face.quality):
        text += f" · quality {quality_text(face.quality)}"
    return text


class ChecklistPanel(QWidget):
    checkSelected = Signal(object)  # CheckResult or None
    profileChanged = Signal(str)
    photoProfileChanged = Signal(str)  # the photo on screen alone judged under this profile ('' = as all photos)
    faceChanged = Signal(int)  # index into analysis.faces shown by the gauge and the region table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Analysis | None = None
        self.profile = named(QComboBox(), "profileCombo")
        self.profile.setToolTip("Threshold profile: switching re-evaluates the checks without re-running the network. "
                                "The choice is kept, and the pfiq commands judge under it too unless given --profile.")
        self.photo_profile = named(QComboBox(), "photoProfileCombo")
        self.photo_profile.setToolTip("The photo on screen alone judged under another profile (a young child's among "
                                      "adults); the other photos keep the one above. Its decision records the profile "
                                      "it was made under; the choice is kept for the next time the photo is opened.")
        self.verdict = named(plain(QLabel("–")), "verdictLabel")
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.verdict.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.verdict.setFont(font)
        self.gauge = QualityGauge()
        self.faces = named(plain(QLabel("")), "facesLabel")
        self.faces.setWordWrap(True)
        # several faces: which one the gauge, the region table and the chip view show (subject first)
        self.face_index = 0
        self.face_combo = named(OneLineComboBox(FACE_COMBO_LEAST), "faceCombo")
        self.face_combo.setToolTip("Face shown by the gauge, the region table and the face crop view"
                                   " (Ctrl+] next, Ctrl+[ previous); the applicant's face comes first: the largest inside the photo, "
                                   "or of faces about as large, the most central")
        self.face_prev = named(QToolButton(autoRaise=True), "facePrev")
        self.face_prev.setText("◀")
        self.face_prev.setToolTip("Previous face (Ctrl+[)")
        self.face_next = named(QToolButton(autoRaise=True), "faceNext")
        self.face_next.setText("▶")
        self.face_next.setToolTip("Next face (Ctrl+])")
        self.face_row = named(QWidget(), "faceRow")
        face_layout = QHBoxLayout(self.face_row)
        face_layout.setContentsMargins(0, 0, 0, 0)
        face_layout.setSpacing(2)
        face_layout.addWidget(self.face_prev)
        face_layout.addWidget(self.face_combo, 1)
        face_layout.addWidget(self.face_next)
        self.face_row.hide()

        head = QFormLayout()
        head.addRow("Profile", self.profile)
        head.addRow("This photo", self.photo_profile)
        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.verdict)
        left.addWidget(self.faces)
        left.addStretch(1)
        top.addLayout(left, 1)
        gauge_column = QVBoxLayout()
        gauge_column.setSpacing(0)
        gauge_column.addWidget(self.gauge)
        # green is not a pass: the verdict is beside it. In the text's own colour: in a light grey at 8 pt (contrast
        # 1.8:1) nothing near a large 0.98 beside FAIL said what the number was (usability walk-through)
        caption = named(QLabel("recognition quality\n(not the verdict)"), "gaugeCaption")
        caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        font = caption.font()  # a font, not a style sheet: one froze its colour at the theme it started in (walk-through)
        font.setPointSize(9)
        caption.setFont(font)
        gauge_column.addWidget(caption)
        top.addLayout(gauge_column)

        # Three narrow columns fit a 1366-pixel screen; threshold and reason are in the details below.
        self.tree = named(QTreeWidget(), "checkTree")
        self.tree.setHeaderLabels(["Check", "Value", "Verdict"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemDelegateForColumn(0, Shortened(shortened_name, self.tree))
        self.tree.setItemDelegateForColumn(1, Shortened(shortened_value, self.tree))
        header = self.tree.header()
        header.setStretchLastSection(False)
        # the check's name is read first: it takes the room, the value a fixed width (a long unit is elided, whole in
        # the tooltip); sized to its contents, one verbose value squeezed every name to a few letters
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, self.tree.fontMetrics().horizontalAdvance(VALUE_COLUMN_SAMPLE))  # _fit_columns narrows it
        # the verdict a fixed width too, that of the longest word: sized to its contents, the columns jumped when a
        # photo with a "Not assessable" row followed one without
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        widest = max(self.tree.fontMetrics().horizontalAdvance(label) for label in STATUS_LABELS.values())
        self._verdict_width = widest + VERDICT_COLUMN_PADDING
        header.resizeSection(2, self._verdict_width)
        # the name's column stretches with the table; fitted once Qt has laid the header out (fitted at once, a size set
        # while the table was narrow came back after the last fit: values cut at 1400 px)
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self._fit_columns)
        header.sectionResized.connect(self._fit_timer.start)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.itemClicked.connect(self._on_clicked)  # re-clicking the current check shows it again
        self.tree.installEventFilter(self)

        self.regions = named(QTableWidget(0, 3), "regionTable")
        self.regions.setHorizontalHeaderLabels(["Region", DEVIATION_SCALE.short, PLQ_SCALE.short])
        for column, tip in (
            (0, "Left and right as seen on the photo, as the checks say them"),  # whose left? (wording review)
            (1, f"Mean deviation from compliant photos at this place of the face: {READING}"),
            (2, "Mean pixel-level quality (PLQ), 0..1: red low, blue high"),
        ):
            header_item = self.regions.horizontalHeaderItem(column)  # made by setHorizontalHeaderLabels above
            if header_item is not None:
                header_item.setToolTip(tip)
        self.regions.verticalHeader().setVisible(False)
        self.regions.horizontalHeader().setStretchLastSection(True)
        self.regions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.regions.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)

        # What the map and the checklist found, in sentences, for the selected face.
        self.findings = named(QLabel(""), "findingsLabel")
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.findings.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.findings_area = named(QScrollArea(), "findingsArea")
        self.findings_area.setWidget(self.findings)
        self.findings_area.setWidgetResizable(True)
        self.findings_area.setFrameShape(QFrame.Shape.NoFrame)
        self.findings_area.setMaximumHeight(FINDINGS_MAX_HEIGHT)
        self.findings_area.hide()
        # What to ask of the applicant, all of it, most important first: at a counter it was read out one check row at a
        # time, 9-13 rows a photo (counter walk-through); the PDF's "What to change" in full
        self.changes = named(QLabel(""), "changesLabel")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        self.changes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.changes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy into a letter
        self.changes.setMargin(6)
        self.changes_area = changes_area = named(QScrollArea(), "changesArea")
        changes_area.setWidget(self.changes)
        changes_area.setWidgetResizable(True)
        self.tabs = named(QTabWidget(), "checklistTabs")
        self.tabs.addTab(self.tree, "Checks")
        self.tabs.addTab(changes_area, TO_CHANGE)
        self.tabs.addTab(self.regions, "Face regions")
        self.details = named(QLabel(CHOOSE_A_CHECK), "checkDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumHeight(48)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        for widget, name in ((self.tree, "Checks"), (changes_area, TO_CHANGE), (self.regions, "Face regions"),
                             (self.findings_area, "Findings"),
                             (self.tabs, "Checklist"), (self.profile, "Threshold profile"),
                             (self.photo_profile, "Threshold profile for this photo only")):
            widget.setAccessibleName(name)  # a screen reader announced nothing for them
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(top)
        # the face selector under the verdict and the gauge, across the panel: beside the gauge, sized to its text
        # ("Face 1 · subject · quality 0.89"), it widened the checklist dock from 261 to 427 px and a 1280x720 window to
        # 1326 px, for good, once a photo with two faces was shown; squeezed into that column, it read "Fa"
        layout.addWidget(self.face_row)
        layout.addWidget(self.findings_area)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.details)
        self.profile.currentTextChanged.connect(self._on_profile)
        self.photo_profile.currentIndexChanged.connect(self._on_photo_profile)
        self.face_combo.currentIndexChanged.connect(self._on_face_combo)
        self.face_prev.clicked.connect(self.previous_face)
        self.face_next.clicked.connect(self.next_face)
        self._quiet = False

    def set_profiles(self, names: list[str], current: str) -> None:
        """The profiles by name, each with its title on hover, without announcing a change of profile; the photo's
        own choice stays."""
        self._quiet = True
        own = self.photo_profile.currentData() if self.photo_profile.isEnabled() else None
        fill_profiles(self.profile, names, current)
        fill_profiles(self.photo_profile, names, "")
        for index in range(self.photo_profile.count()):
            self.photo_profile.setItemData(index, self.photo_profile.itemText(index))  # what `photoProfileChanged` says
        self.photo_profile.insertItem(0, AS_ALL_PHOTOS, "")
        self._quiet = False
        self._name_the_window_profile(current)
        self.show_photo_profile(own)

    def show_photo_profile(self, name: str | None) -> None:
        """Say which profile the photo on screen has of its own ('' for none; None: no photo on screen, so the box is
        off: a choice made then applied to nothing and stayed shown), without announcing a change."""
        self.photo_profile.setEnabled(name is not None)
        self._quiet = True
        found = self.photo_profile.findData(name) if name else 0
        if name and found < 0:  # a profile listed since (the window's list is read again when Settings opens)
            self.photo_profile.addItem(name, name)
            found = self.photo_profile.count() - 1
        self.photo_profile.setCurrentIndex(found)
        self._quiet = False

    def _name_the_window_profile(self, name: str) -> None:
        """'as all photos (icao-9303)': which profile that is, without looking a row up (review)."""
        self.photo_profile.setItemText(0, f"{AS_ALL_PHOTOS} ({name})" if name else AS_ALL_PHOTOS)

    def _on_profile(self, name: str) -> None:
        self._name_the_window_profile(name)
        if not self._quiet and name:
            self.profileChanged.emit(name)

    def _on_photo_profile(self, index: int) -> None:
        if not self._quiet and index >= 0:
            self.photoProfileChanged.emit(self.photo_profile.itemData(index) or "")

    def clear(self, text: str = "–") -> None:
        self.analysis = None
        self.tree.clear()
        self.regions.setRowCount(0)
        self.findings_area.hide()
        self.gauge.set_value(None)
        self.verdict.setText(text)
        self.verdict.setStyleSheet("")
        self.faces.setText("")
        self._fill_changes()
        self.face_index = 0
        self._fill_faces([])

    def set_analysis(self, analysis: Analysis | None, status: str | None = None) -> None:
        previous = self.analysis
        self.analysis = analysis
        self.tree.blockSignals(True)  # repopulating must not select a check by itself
        self.tree.clear()
        self.tree.blockSignals(False)
        self.regions.setRowCount(0)
        if analysis is None:  # "Waiting for analysis…" stood for ever while the engine was down (walk-through)
            self.clear({"analysing": "Analysing…", ENGINE_DOWN: "Not analysed: the analysis engine could not start "
                        "(the message above says why)."}.get(status or "", "Waiting for analysis…"))
            return
        verdict = analysis.verdict
        colour = status_hex(verdict)
        self.verdict.setText(status_badge(verdict))
        self.verdict.setStyleSheet(banner_style(colour))
        faces = analysis.faces
        if analysis.errors:
            self.faces.setText("\n".join(analysis.errors))
        elif not analysis.upright_face:  # none, or one the second detector found lying on its side
            unjudged = sum(c.verdict is Verdict.NOT_ASSESSABLE for c in analysis.subject_checks())
            problem = no_face_problem(analysis)  # "Photo stored sideways" where turning it shows a face
            self.faces.setText(f"{problem}: the {unjudged} checks that need a face were not assessed." if unjudged else f"{problem}.")
        else:
            unchecked = not_checked(analysis.profile_info.switched_off)
            off = f" · not checked: {', '.join(unchecked)}" if unchecked else ""
            self.faces.setText(f"{len(faces)} face{'s' if len(faces) > 1 else ''} · profile {analysis.profile}{off}")
        same_photo = previous is not None and previous.source == analysis.source
        self.face_index = self.face_index if same_photo and self.face_index < len(faces) else 0
        self._fill_faces(faces)
        self._fill_checks()
        self._fill_changes()
        self._show_face()
        if faces:
            self.faceChanged.emit(self.face_index)  # the compare view follows (same photo: same face)

    def _fill_changes(self) -> None:
        """The photo's changes (`to_change`: the subject's, whichever face is shown), numbered; their count in the tab."""
        changes = to_change(self.analysis) if self.analysis is not None else []
        self.tabs.setTabText(self.tabs.indexOf(self.changes_area), f"{TO_CHANGE} ({len(changes)})" if changes else TO_CHANGE)
        if self.analysis is None:
            self.changes.setText("")
        elif not changes:
            self.changes.setText("Nothing to change: no check failed.")
        else:
            unsure = "<p>“?”: the checks are not sure of it; look at the photo.</p>" if any(
                problem.endswith("?") for problems, _ in changes for problem in problems) else ""
            items = "".join(f"<li><b>{html.escape(', '.join(problems))}</b>{': ' + html.escape(fix) + '.' if fix else ''}</li>"
                            for problems, fix in changes)
            self.changes.setText(f"<ol style='margin-left:12px'>{items}</ol>{unsure}")

    def _fill_checks(self) -> None:
        """The checks of the selected face (and the photo-wide ones), worst first."""
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.blockSignals(False)
        if self.analysis is None:
            return
        # worst verdict first, and within one the order the reasons, list rows and reports name them in (fix order)
        checks = sorted(in_fix_order(self.analysis.face_checks(self.face_index)), key=lambda c: -c.verdict.severity)
        if not self.analysis.upright_face:  # 33 "Not assessable" rows buried the one that matters
            checks = [c for c in checks if c.verdict is not Verdict.NOT_ASSESSABLE]
        items = []
        for check in checks:
            verdict = STATUS_LABELS.get(check.verdict.value, check.verdict.value)
            value = check_value_text(check)
            item = QTreeWidgetItem([check.name, value, verdict])
            item.setData(1, SHORT_ROLE, check_value_text(check, short=True))
            item.setIcon(0, status_icon(check.verdict.value, CHECK_ICON_PX))
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{check.name}: {verdict}")  # also where its column gave way
            item.setData(0, Qt.ItemDataRole.UserRole, check)
            tip = f"{check.name}: {value} · {verdict}\n{check.reason}\nlimits: {bounds_text(check.thresholds, check.unit)}"
            for column in range(3):
                item.setToolTip(column, tip)
            items.append(item)
        self.tree.addTopLevelItems(items)  # at once: the table lays itself out once, not once per check
        self.tree.setCurrentItem(None)  # type: ignore[call-overload]  # Qt takes nullptr (no current check); the stub lacks None
        self._show_details(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Tabbed into with no check chosen, the table drew no focus at all (accessibility walk-through): its first
        check, the worst, becomes current, as the first Down made it. Only from the keyboard."""
        first = self.tree.topLevelItem(0)
        by_keyboard = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)  # a click chooses its own
        if (watched is self.tree and isinstance(event, QFocusEvent) and event.reason() in by_keyboard
                and self.tree.currentItem() is None and first):
            self.tree.setCurrentItem(first)
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """The verdict's word gives way to the check's name where the table cannot show both (NAME_COLUMN_SAMPLE), then
        the value's width, down to VALUE_COLUMN_LEAST, to a name as long as NAME_COLUMN_LEAST: at 1024 px the names read
        "E… (photo right)" beside whole values (usability walk-through). Both stay whole in the tooltip and the details
        below."""
        metrics = self.tree.fontMetrics()
        padding = 2 * VERDICT_COLUMN_PADDING + CHECK_ICON_PX  # the cell's margins and the icon
        value = metrics.horizontalAdvance(VALUE_COLUMN_SAMPLE)
        room = self.tree.viewport().width() - value
        narrow = room - self._verdict_width < metrics.horizontalAdvance(NAME_COLUMN_SAMPLE) + padding
        self.tree.setColumnHidden(2, narrow)
        shortfall = metrics.horizontalAdvance(NAME_COLUMN_LEAST) + padding - room
        if narrow and shortfall > 0:
            value = max(metrics.horizontalAdvance(VALUE_COLUMN_LEAST), value - shortfall)
        if self.tree.header().sectionSize(1) != value:
            self.tree.header().resizeSection(1, value)

    # -- faces ---------------------------------------------------------------
    def _fill_faces(self, faces: list[Face]) -> None:
        self.face_combo.blockSignals(True)
        self.face_combo.clear()
        self.face_combo.addItems([face_label(i, f) for i, f in enumerate(faces)])
        self.face_combo.setCurrentIndex(self.face_index if faces else -1)
        self.face_combo.blockSignals(False)
        self.face_row.setVisible(len(faces) > 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_findings()

    def _fit_findings(self) -> None:
        """The findings take the height their sentences need (a scroll area alone kept its maximum and left a blank
        band above the check table), up to FINDINGS_MAX_HEIGHT."""
        needed = self.findings.heightForWidth(self.findings_area.viewport().width())
        self.findings_area.setMaximumHeight(min(FINDINGS_MAX_HEIGHT, max(needed, 0) + 2))

    def _show_face(self) -> None:
        """Gauge and region table of the selected face."""
        faces = list(self.analysis.faces) if self.analysis is not None else []
        face = faces[self.face_index] if self.face_index < len(faces) else None
        self.gauge.set_value(face.quality if face is not None else None)
        findings = face.findings if face is not None else []
        self.findings.setText("<br>".join(f"• {html.escape(sentence)}" for sentence in findings))
        self.findings_area.setVisible(bool(findings))
        self._fit_findings()
        regions = (face.regions or {}) if face is not None else {}
        deviations = (face.region_deviation or {}) if face is not None else {}
        self.regions.setRowCount(len(regions))
        deviation = [deviations.get(name) for name in regions]
        bands = [band(d) if d is not None and math.isfinite(d) else "" for d in deviation]
        columns = (_coloured_cells(deviation, DEVIATION_SCALE, "{:+.1f}", bands),
                   _coloured_cells(list(regions.values()), PLQ_SCALE, "{:.2f}", ["pixel-level quality (PLQ)"] * len(regions)))
        for row, name in enumerate(regions):
            self.regions.setItem(row, 0, QTableWidgetItem(REGION_LABELS.get(name, name)))
            for column, cells in enumerate(columns, start=1):
                self.regions.setItem(row, column, cells[row])

    def face_count(self) -> int:
        return len(self.analysis.faces) if self.analysis is not None else 0

    def set_face(self, index: int) -> bool:
        """Show face `index` (0 = the subject); False when there is no such face."""
        if not 0 <= index < self.face_count():
            return False
        if index != self.face_index:
            self.face_index = index
            self.face_combo.blockSignals(True)
            self.face_combo.setCurrentIndex(index)
            self.face_combo.blockSignals(False)
            self._fill_checks()
            self._show_face()
            self.faceChanged.emit(index)
        return True

    def next_face(self) -> None:
        if self.face_count() > 1:
            self.set_face((self.face_index + 1) % self.face_count())

    def previous_face(self) -> None:
        if self.face_count() > 1:
            self.set_face((self.face_index - 1) % self.face_count())

    def _on_face_combo(self, index: int) -> None:
        if index >= 0:
            self.set_face(index)

    def check_items(self) -> list[QTreeWidgetItem]:
        return [item for i in range(self.tree.topLevelItemCount()) if (item := self.tree.topLevelItem(i)) is not None]

    def select_check(self, check_id: str) -> bool:
        """Select `check_id`'s row, as a click would (a test hook: nothing in the window calls it)."""
        for item in self.check_items():
            if item.data(0, Qt.ItemDataRole.UserRole).id == check_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self._emit_check(item.data(0, Qt.ItemDataRole.UserRole))

    def _on_current(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self._emit_check(current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None)

    def _emit_check(self, check: CheckResult | None) -> None:
        if check is not None and check.face_index is not None:
            self.set_face(check.face_index)  # a face's check is shown on that face
        self._show_details(check)
        self.checkSelected.emit(check)

    def _show_details(self, check: CheckResult | None) -> None:
        if check is None:
            self.details.setText(CHOOSE_A_CHECK)
            return
        colour = status_hex(check.verdict.value)
        verdict = STATUS_LABELS.get(check.verdict.value, check.verdict.value)
        # what the applicant changes, as the report says it (photographer's walk-through); a warning may only be a
        # measurement too imprecise to tell, so only a failure gets one, and a failure made uncertain if it is confirmed
        fix = fix_for(check) if check.verdict is Verdict.FAIL or check.doubted else ""
        if fix and check.doubted:
            fix += " (if the problem is confirmed)"
        self.details.setText(
            f"<b>{html.escape(check.name)}</b> <span style='color:{colour}'><b>{verdict}</b></span><br>"
            f"{html.escape(check.reason)}<br>" + (f"<b>To change:</b> {html.escape(fix)}.<br>" if fix else "")
            + f"<small>value {html.escape(check_value_text(check))}"
            f" · limits: {html.escape(bounds_text(check.thresholds, check.unit))}</small>"
        )
