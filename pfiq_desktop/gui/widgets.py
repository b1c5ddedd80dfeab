"""Small typed helpers for building widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QHelpEvent, QImage, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QPixmap, QShortcut, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QLabel, QStyle, QStyleOptionComboBox, QStylePainter, QToolTip, QWidget

from pfiq_desktop.engine.defaults import ONNX_SUFFIXES, TORCHSCRIPT_SUFFIXES
from pfiq_desktop.engine.discovery import IMAGE_EXTENSIONS
from pfiq_desktop.engine.icao.profile import profile_title

# the file dialogs' filter for an agency's own recognition network
IMAGE_FILTER = f"Images ({' '.join('*' + ext for ext in sorted(IMAGE_EXTENSIONS))});;All files (*)"
MODEL_FILTER = f"Face recognition models ({' '.join('*' + s for s in ONNX_SUFFIXES + TORCHSCRIPT_SUFFIXES)});;All files (*)"

_Q = TypeVar("_Q", bound=QObject)


def screen_pixmap(image: QImage, scale: float) -> QPixmap:
    """`image`, drawn with `scale` pixels per layout pixel, as a pixmap Qt shows at its layout size: stretched from
    layout pixels, pictures were soft at 125 % and above (screen walk-through)."""
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(scale)
    return pixmap


def named(obj: _Q, name: str) -> _Q:
    """`obj` with its object name set (tests and accessibility tools find widgets by it).

    Qt takes `objectName=` in any constructor, but PySide6's stubs list only each class's own properties,
    so that keyword fails type checking; this keeps construction on one typed line.
    """
    obj.setObjectName(name)
    return obj


def shortcut(keys: str | QKeySequence.StandardKey | Qt.Key, parent: QWidget, slot: Callable[[], object],
             context: Qt.ShortcutContext) -> QShortcut:
    """A key for `slot` that works only in `context` of `parent`. PySide6 ignores QShortcut's `context=` keyword:
    such shortcuts stayed window-wide (the photo view's arrows changed the photo from the reasons list; the note's
    Ctrl+Enter accepted from the photo list)."""
    made = QShortcut(QKeySequence(keys), parent, slot)
    made.setContext(context)
    return made


class SteadyDropDowns(QObject):
    """An event filter for drop-downs. A letter typed in one chooses its entry, as Qt's drop-downs do, and is not taken
    by the window's one-letter keys: typing "More" in the check filter rejected the photo on screen with its "r", and
    the filter did not move (third usability walk-through). The wheel turns one only once it has the keyboard focus
    (clicked or tabbed to); over it otherwise, the wheel scrolls what lies under it: three notches over the profile box
    on the way to the checklist switched every photo to China's passport rules (fourth walk-through)."""

    def __init__(self, parent: QWidget) -> None:
        """Watches every drop-down `parent` holds now (the window's, a dialog's)."""
        super().__init__(parent)
        for combo in parent.findChildren(QComboBox):
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel alone would give it the focus
            combo.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
                and event.text().isprintable() and event.text().strip()):
            event.accept()  # the key goes to the drop-down, not to a shortcut
            return True
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QComboBox) and not watched.hasFocus():
            event.ignore()  # not the drop-down's: Qt offers it to the widgets under it
            return True
        return super().eventFilter(watched, event)


def plain(label: QLabel) -> QLabel:
    """`label` showing its text as written: Qt reads a text that starts like HTML as HTML, and a damaged photo named
    '<h1 style="color:green">PHOTO COMPLIANT ...' showed a large green line where its error belonged (security review)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class OneLineLabel(QLabel):
    """A plain one-line label that ends its text with "..." where the text does not fit, and shows the whole text on
    hover. The status line cut a long message mid-word with no sign that more followed (a cancelled batch naming twelve
    retaken photos ended at "ph"). Its text stays whole, for the code that reads it and for screen readers; only what
    is drawn is shortened."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        plain(self)

    def minimumSizeHint(self) -> QSize:
        """As high as the text, as narrow as the layout likes: a long message must not widen the window."""
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn: whole where it fits, ended with an ellipsis where it does not."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment().value), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent) and not self.toolTip():
            if self.shown_text() != self.text():
                QToolTip.showText(event.globalPos(), as_written(self.text()), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class OneLineComboBox(QComboBox):
    """A drop-down that asks for room for `least` characters only and ends its current entry with "…" where the box
    is narrower (its list shows every entry whole). Sized to its longest entry, the face selector widened the checklist
    and a 1280x720 window to 1326 px; Qt's own box cuts a long entry without a sign ("quality 0.89" read "quality 0.8")."""

    def __init__(self, least: int) -> None:
        super().__init__()
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(least)

    def _option(self) -> QStyleOptionComboBox:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        return option

    def shown_text(self) -> str:
        """The current entry as drawn: whole where it fits, ended with an ellipsis where it does not."""
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, self._option(),
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        # (the style draws the text 1 px in from either side of the field)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideRight, field.width() - 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        """QComboBox's own painting, with the text shortened (an editable box draws its line edit instead)."""
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(QtGui.QPalette.ColorRole.Text))
        option = self._option()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        if not self.isEditable():
            option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def as_written(text: str) -> str:
    """`text` for a tooltip or a message box, which cannot be told to show plain text: where Qt would read it as HTML
    (a file or folder name with tags), it is converted so that it shows as written; other text is left as it is."""
    return QtGui.Qt.convertFromPlainText(text) if QtGui.Qt.mightBeRichText(text) else text


def fill_profiles(box: QComboBox, names: list[str], current: str) -> None:
    """The profiles by name, `current` selected (kept when it is not among `names`), each with its title on hover
    ("de-passport" alone did not say which rules). One that does not load is greyed out, its error on hover: choosing
    it only led to a banner saying it could not be used (a profile author's half-written file, a base meant only for
    `extends`)."""
    box.clear()
    for name in [*names, *([current] if current and current not in names else [])]:
        box.addItem(name)
        title = profile_title(name)
        box.setItemData(box.count() - 1, title.text, Qt.ItemDataRole.ToolTipRole)
        model = box.model()
        if not title.loads and isinstance(model, QStandardItemModel):  # (a combo box's own model is one)
            model.item(box.count() - 1).setEnabled(False)
    box.setCurrentText(current)
