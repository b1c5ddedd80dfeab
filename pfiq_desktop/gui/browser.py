"""Image browser: a list view of the review session's photos, lazy thumbnails off the GUI thread, filter, sort, search."""

from __future__ import annotations

import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QBuffer,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QRunnable,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication, QImage, QImageReader, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop.engine.filenames import display_name, is_valid_text, path_from_text, path_text, search_key
from pfiq_desktop.engine.imageio import MAX_FILE_BYTES, MAX_PIXELS, without_file_label
from pfiq_desktop.engine.results import FACE_PRESENT
from pfiq_desktop.gui.theme import draw_badge
from pfiq_desktop.gui.widgets import as_written, named, screen_pixmap
from pfiq_desktop.palette import RESULT_ORDER, STATUS_COLOURS, STATUS_LABELS
from pfiq_desktop.review.reasons import problems_overview, to_look_at
from pfiq_desktop.review.session import PhotoRecord, ReviewSession
from pfiq_desktop.review.values import counted
from pfiq_desktop.settings import LIST_SORTS

THUMB = 64
# thumbnails kept (16 kB each), the latest shown: scrolling through 3,000 photos kept all 3,000 (48 MB) until another
# folder replaced them; one scrolled back to is read again (a few ms, off the GUI thread)
THUMBS_KEPT = 1000
PathRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
BadgeRole = Qt.ItemDataRole.UserRole + 3
WORST_FIRST = LIST_SORTS.index("worst first")

_SEVERITY = {status: rank for rank, status in enumerate((*reversed(RESULT_ORDER), "analysing", "pending"))}
ModelIndex = QModelIndex | QPersistentModelIndex


Rank = tuple[Any, ...]  # (verdict, tier, the gravest failure's FixRank or () with none, minus the failures' count)
UNRANKED: Rank = (99,)  # a photo added since the order was taken: after every ranked one


def _rank(entry: PhotoRecord) -> Rank:
    """Worst first: by verdict; among failures, no face at all first (it fails one check, so it sank to the bottom),
    then those needing a new photo, then framing-only ones; within each, by the gravest failure (`fix_rank`: one face,
    what covers or shuts it, its pose, its light, the background, framing), then more failed checks first. By count
    alone, photos with an eye covered sank to rows 48 and 52 of 60 below unaltered portraits failing framing and
    background (third walk-through); when every photo of a batch failed, the verdict alone left the name order."""
    tier = 0 if FACE_PRESENT in entry.failed else 2 if entry.failure == "framing" else 1
    gravest = min(entry.failed_as.values(), default=())
    return _SEVERITY.get(entry.status, 9), tier, gravest, -len(entry.failed)


def path_at(index: QModelIndex | QPersistentModelIndex) -> str:
    """The photo path of a row of the browser's model (or its proxy)."""
    return path_from_text(index.data(PathRole))


class _ThumbSignals(QObject):
    loaded = Signal(object, QImage)  # object: a path may hold undecodable bytes, which a Qt string would drop


class _ThumbJob(QRunnable):
    def __init__(self, path: str, side: int, signals: _ThumbSignals) -> None:
        super().__init__()
        self.path, self.side, self.signals = path, side, signals

    def run(self) -> None:
        self.signals.loaded.emit(self.path, read_thumbnail(self.path, self.side))


def read_thumbnail(path: str, side: int = THUMB) -> QImage:
    """A picture of the file at most `side` pixels wide and high, or a null QImage when it is not one.

    The engine's cost limits apply here too (file size, pixel count), so a hostile
    file costs the browser nothing; a name that is not valid UTF-8 (which Qt cannot
    open by name) is read through Python.
    """
    try:
        status = os.stat(path)
    except OSError:
        return QImage()
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
        return QImage()
    buffer = None
    if is_valid_text(path):
        reader = QImageReader(path)
    else:
        try:
            with open(path, "rb") as handle:
                buffer = QBuffer()
                buffer.setData(QByteArray(handle.read(MAX_FILE_BYTES)))
        except OSError:
            return QImage()
        reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() * size.height() > MAX_PIXELS:
        return QImage()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        scale = side / max(size.width(), size.height())
        if scale < 1:
            reader.setScaledSize(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))))
    image = reader.read()
    if not image.isNull() and max(image.width(), image.height()) > side:
        image = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


class ImageListModel(QAbstractListModel):
    """One row per photo of the session, in the list's order; thumbnails are requested only when a row is painted.

    The model keeps the order itself, sorted once in Python: a sorting proxy asked `data` twice per comparison, 70,000
    calls into Python for 3,000 photos (0.2-0.3 s to open a folder or to sort it; the proxy now only filters)."""

    def __init__(self, session: ReviewSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._thumbs: OrderedDict[str, QPixmap | None] = OrderedDict()  # None: requested, not loaded yet; latest last
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # the engine needs the cores more than the thumbnails
        self._signals = _ThumbSignals(self)
        self._signals.loaded.connect(self._on_thumb)
        self._placeholder = _placeholder()
        self._unusable = _broken()  # a file that could not be analysed: a truncated JPEG's half face looked like a photo
        # thumbnails in screen pixels: at 150 % or 200 % a 64-pixel picture was stretched, soft beside its text
        app = QGuiApplication.instance()
        self._scale = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0  # the highest of its screens
        # each photo's severity when "worst first" last took the order: results arriving while the officer walks
        # the list do not move rows under the cursor (Down skipped photos); the order is taken again on request
        self._ranks: dict[str, Rank] = {}
        self.worst_first = False
        # the photos the list shows, in its order: its own copy, since the session opens photos before the window
        # tells the list (a batch cancelled in between still signals rows)
        self._shown: list[PhotoRecord] = []
        self._place_of: dict[str, int] = {}

    @property
    def entries(self) -> list[PhotoRecord]:
        return self.session.records

    def entry(self, path: str | None) -> PhotoRecord | None:
        return self.session.record(path)

    def entry_at(self, row: int) -> PhotoRecord:
        """The photo on the list's `row`."""
        return self._shown[row]

    def index_of(self, path: str) -> QModelIndex:
        """The list's row of `path` (invalid when the list does not show it)."""
        place = self._place_of.get(path)
        return QModelIndex() if place is None else self.index(place)

    def take_order(self) -> None:
        """Rank the photos by their severity now (for "worst first")."""
        self._ranks = {entry.path: _rank(entry) for entry in self.entries}
        self.arrange()

    def arrange(self) -> None:
        """Put the rows in the chosen order, by name or worst first; the selected photo stays selected (Qt moves
        the persistent indexes)."""
        order = self._sorted(self._shown)
        if all(now is then for now, then in zip(order, self._shown)):
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        paths = [self._shown[index.row()].path for index in before]
        self._show(order)
        self.changePersistentIndexList(before, [self.index_of(path) for path in paths])
        self.layoutChanged.emit()

    def _sorted(self, records: list[PhotoRecord]) -> list[PhotoRecord]:
        """By name, then path: no two photos tie. Worst first: by severity when the order was taken, then so; a photo
        added since then goes last until it is taken again."""
        if self.worst_first:
            return sorted(records, key=lambda r: (self._ranks.get(r.path, UNRANKED), r.name.casefold(), r.path))
        return sorted(records, key=lambda r: (r.name.casefold(), r.path))

    def _show(self, records: list[PhotoRecord]) -> None:
        self._shown = records
        self._place_of = {record.path: place for place, record in enumerate(records)}

    # -- following the session -------------------------------------------------
    def reset(self) -> None:
        """The session opened a new set of photos."""
        self._pool.clear()
        self.beginResetModel()
        self._thumbs.clear()
        self._show(self._sorted(self.entries))
        self.endResetModel()

    def appended(self, count: int) -> None:
        """The session added `count` photos at the end."""
        if count:
            first = len(self._shown)
            self.beginInsertRows(QModelIndex(), first, first + count - 1)
            self._show([*self._shown, *self.entries[-count:]])
            self.endInsertRows()
            self.arrange()

    def changed_many(self, paths: Iterable[str]) -> None:
        """Many photos changed at once, said in one signal: one per photo recounted the whole list each time, and
        cancelling 2,900 queued photos froze the window for 3 s (performance walk-through)."""
        rows = [place for path in paths if (place := self._place_of.get(path)) is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def changed(self, path: str) -> None:
        """A photo's status, result or decision changed."""
        index = self.index_of(path)
        if index.isValid():
            self.dataChanged.emit(index, index)

    # -- Qt model ----------------------------------------------------------
    def rowCount(self, parent: ModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._shown)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self.entry_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            note = problems_note(entry)
            return f"{entry.name}\n{note}" if note else entry.name
        if role == Qt.ItemDataRole.DecorationRole:
            if entry.analysis is not None and entry.analysis.errors:
                return self._unusable
            if entry.path not in self._thumbs:
                self._thumbs[entry.path] = None
                self._pool.start(_ThumbJob(entry.path, round(THUMB * self._scale), self._signals))
            else:
                self._thumbs.move_to_end(entry.path)
            return self._thumbs[entry.path] or self._placeholder
        if role == Qt.ItemDataRole.AccessibleTextRole:  # the badge is painted: a screen reader heard the name alone
            said = [entry.name, STATUS_LABELS.get(entry.status, entry.status)]
            if entry.problems:
                said.append(", ".join(entry.problems))
            if entry.warnings:  # apart from the failures: a "?" is not read aloud
                said.append(LOOK_AT + ", ".join(entry.warnings))
            if entry.profile:
                said.append(own_profile_text(entry))
            if entry.decision is not None:
                said.append(f"{entry.decision.label} by {entry.decision.signed_by}")
            return ", ".join(said)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{display_name(entry.path)}\n{STATUS_LABELS.get(entry.status, entry.status)}"
            if entry.problems:  # the row's line is cut in a narrow list: the tip names every problem it lists
                tip += ": " + ", ".join(entry.problems)
            if entry.warnings:
                tip += "\n" + LOOK_AT.capitalize() + ", ".join(entry.warnings)
            if entry.analysis is not None and entry.analysis.errors:
                tip += "\n" + "\n".join(entry.analysis.errors)
            if entry.profile:
                tip += "\n" + own_profile_text(entry)
            if entry.decision is not None:
                tip += f"\nDecision: {entry.decision.label} by {entry.decision.signed_by}"
            return as_written(tip)
        if role == PathRole:  # a Qt string cannot hold undecodable bytes: the reversible text form (path_at)
            return path_text(entry.path)
        if role == StatusRole:
            return entry.status
        if role == BadgeRole:
            return entry.badge
        return None

    def _on_thumb(self, path: str, image: QImage) -> None:
        index = self.index_of(path)
        if not index.isValid():
            return
        self._thumbs[path] = _thumbnail(image, self._scale) if not image.isNull() else _broken()
        while len(self._thumbs) > THUMBS_KEPT:
            self._thumbs.popitem(last=False)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def wait_for_thumbnails(self, ms: int = 5000) -> bool:
        return self._pool.waitForDone(ms)


FRAMING_ONLY = "crop or scan only"  # a failed photo that another crop or a scan fixes (registry.FRAMING_CHECKS)
LOOK_AT = "to look at: "  # before a photo's warnings in its tip and in what a screen reader says
CHECK_FILTER_TIP = "Show only the photos that fail with this problem, or are warned of it"
WARNED = "warned:"  # the check filter's data for a warned problem (a problem alone: a failure; PhotoRecord.failed_as)
ANY_CHECK = "Any check"  # the check filter off ("Failing any check or none" was cut to "Failing any check o")


def own_profile_text(entry: PhotoRecord) -> str:
    """What the list says of a photo with a profile of its own (the row looks like the others'): whether its checks
    are under it yet."""
    judged = entry.analysis is not None and entry.analysis.profile == entry.profile
    return f"{'Judged' if judged else 'To be judged'} under {entry.profile}, this photo only"


def problems_note(entry: PhotoRecord) -> str:
    """The second line of a photo in the list: what would fix it and the first warning to look at, what to look at
    on a photo that only warns, or why a file could not be analysed ('' for none)."""
    if entry.failure == "framing":
        return f"{FRAMING_ONLY}: " + ", ".join(entry.problems) + to_look_at(entry.warnings)
    if entry.analysis is not None and entry.analysis.errors and not entry.problems:  # only a badge said it (walk-through)
        # whole: a cut at ". " fell inside "Dr. Ana Lee.jpg" (review); the row elides it, and names the file above
        return without_file_label(entry.analysis.errors[0], entry.path)
    return problems_overview(entry.problems, entry.warnings)


def _thumbnail(image: QImage, scale: float) -> QPixmap:
    """A thumbnail read for `scale` screen pixels per layout pixel, shown THUMB layout pixels large (a photo smaller
    than that keeps its own size, as at 100 %)."""
    return screen_pixmap(image, max(1.0, min(scale, max(image.width(), image.height()) / THUMB)))


def _placeholder() -> QPixmap:
    pm = QPixmap(THUMB, THUMB)
    pm.fill(QColor(128, 128, 128, 60))
    return pm


def _broken() -> QPixmap:
    """A crossed-out tile for a file that cannot be shown (the word "unreadable" did not fit the tile: "unreadabl");
    the row's tooltip says why."""
    pm = QPixmap(THUMB, THUMB)
    tint = QColor(STATUS_COLOURS["error"])
    tint.setAlpha(60)
    pm.fill(tint)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(STATUS_COLOURS["error"]), max(2, THUMB // 16)))
    inset = THUMB // 4
    p.drawLine(inset, inset, THUMB - inset, THUMB - inset)
    p.drawLine(THUMB - inset, inset, inset, THUMB - inset)
    p.end()
    return pm


FILTERS = [
    ("All", None),
    ("Undecided", "undecided"),
    ("Decided", "decided"),
    (STATUS_LABELS["fail"], "fail"),
    (f"{STATUS_LABELS['fail']}: {FRAMING_ONLY}", "fail_framing"),
    (f"{STATUS_LABELS['fail']}: needs a new photo", "fail_face"),
    # the first ten have the keys Ctrl+1 ... Ctrl+0 (View > Show in the list): a filter added later goes last, so the
    # keys an officer has learnt stay
    *((STATUS_LABELS[status], status) for status in ("warn", "pass", "error", "pending", "not_assessable")),
]


class ImageFilterProxy(QSortFilterProxyModel):
    """The search and the filters; the order is the model's (`ImageListModel.arrange`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status_filter: str | None = None
        self.check_filter: str | None = None  # a failure's problem, or WARNED + a warning's
        self.text = ""

    def _refilter(self, **changes: object) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.__dict__.update(changes)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.__dict__.update(changes)
            self.invalidateFilter()

    def set_status_filter(self, status: str | None) -> None:
        self._refilter(status_filter=status)

    def set_text(self, text: str) -> None:
        self._refilter(text=search_key(text.strip()))

    def set_check_filter(self, problem: str | None) -> None:
        self._refilter(check_filter=problem)

    def filterAcceptsRow(self, row: int, parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ImageListModel)
        entry = model.entry_at(row)
        if self.text and self.text not in entry.search_key:
            return False
        if self.check_filter and self.check_filter.removeprefix(WARNED) not in (
            entry.warned_as if self.check_filter.startswith(WARNED) else entry.failed_as
        ):
            return False
        wanted = self.status_filter
        if wanted is None:
            return True
        if wanted == "decided":
            return entry.decision is not None
        if wanted == "undecided":
            return entry.decision is None
        if wanted.startswith("fail_"):
            return entry.failure == wanted.removeprefix("fail_")
        return entry.status == wanted


class BadgeDelegate(QStyledItemDelegate):
    """Paints the status badge (verdict, or the officer's decision) on the thumbnail."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().paint(painter, option, index)
        badge = index.data(BadgeRole)
        if not badge:
            return
        rect = option.rect
        size = 18
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_badge(painter, QRectF(rect.left() + 4 + THUMB - size + 2, rect.top() + 3, size, size), badge)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), THUMB + 8))


class BrowserWidget(QWidget):
    """Search box, status filter, sort order and the thumbnail list."""

    currentPathChanged = Signal(object)  # the photo's path (a str; object so undecodable bytes survive)
    nothingShown = Signal()  # a filter or search shows no photo: none is on screen, so none can be decided

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ImageListModel(session, self)
        self.proxy = ImageFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._place: str | None = None  # the photo the officer was on while a filter hides it
        self._stand_in: str | None = None  # the photo shown in its place, until the officer chooses another

        self.search = QLineEdit(placeholderText="Search file name…")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("browserSearch")
        self.search.setAcceptDrops(False)  # a dropped photo typed its file:/// path in and hid every photo: the window takes it
        self.filter = QComboBox()
        self.filter.setObjectName("browserFilter")
        for label, key in FILTERS:
            self.filter.addItem(label, key)
        self.sort = QComboBox()
        self.sort.setObjectName("browserSort")
        self.sort.addItems([f"Sort: {order}" for order in LIST_SORTS])
        self.sort.setToolTip("Worst first orders the photos by their results when you choose it and when a batch "
                             "finishes; results arriving in between do not move the list under you.")
        self.check_filter = named(QComboBox(), "browserCheckFilter")
        self.check_filter.setToolTip(CHECK_FILTER_TIP)
        self.check_filter.addItem(ANY_CHECK, None)
        self._check_filter_timer = QTimer(self, singleShot=True, interval=400)  # counts refresh at most every 0.4 s
        self._check_filter_timer.timeout.connect(self.refresh_check_filter)

        self.view = QListView()
        self.view.setObjectName("browserList")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(BadgeDelegate(self.view))
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSpacing(1)
        # a long line is cut with "…" (its tip has it whole), never scrolled sideways: the scroll bar took a row's room
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.summary = QLabel("No photos")
        self.summary.setObjectName("browserSummary")
        self.summary.setWordWrap(True)  # a long count line must not widen the panel

        # two rows of controls, not three: at 1280x720 the list under them showed one photo
        for combo in (self.sort, self.filter, self.check_filter):  # elide their texts rather than widen the panel
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.search, 1)
        first.addWidget(self.sort, 1)
        second.addWidget(self.filter, 1)
        second.addWidget(self.check_filter, 1)
        for widget, name in ((self.search, "Search photos by file name"), (self.sort, "Sort photos"),
                             (self.filter, "Show photos"), (self.check_filter, "Show photos failing a check or warned by one"),
                             (self.view, "Photos")):
            widget.setAccessibleName(name)  # a combo box announced its current value alone, a list nothing
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)

        self.search.textChanged.connect(lambda text: self._refilter(self.proxy.set_text, text))
        self.search.returnPressed.connect(self._go_to_results)
        self.filter.currentIndexChanged.connect(lambda _i: self._refilter(self.proxy.set_status_filter, self.filter.currentData()))
        self.check_filter.currentIndexChanged.connect(
            lambda _i: self._refilter(self.proxy.set_check_filter, self.check_filter.currentData()))
        self.check_filter.currentIndexChanged.connect(self._name_the_check_filter)
        self.sort.currentIndexChanged.connect(self._apply_sort)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.proxy.rowsRemoved.connect(self._on_rows_left)
        self.proxy.layoutChanged.connect(self._keep_current_in_view)
        self.model.modelReset.connect(self._forget_place)
        for changed in (self.model.dataChanged, self.model.modelReset, self.model.rowsInserted):
            changed.connect(self._update_summary)
            changed.connect(self._check_filter_timer.start)
        self._apply_sort(0)

    def _keep_current_in_view(self, *_args: object) -> None:
        """The rows moved (worst first chosen, or taken again when a batch finished): the photo on screen was left out
        of view, its row 1,555 px down a 343 px list, and the next Down went elsewhere (third walk-through)."""
        self._scroll_to_current(QAbstractItemView.ScrollHint.PositionAtCenter)

    def _scroll_to_current(self, hint: QAbstractItemView.ScrollHint) -> None:
        """Scrolled once the view has laid its rows out: at once, a list shown with the window reopened kept its top
        rows in view while its current row was far below."""
        QTimer.singleShot(0, lambda: self.view.scrollTo(self.view.currentIndex(), hint))

    def _name_the_check_filter(self, index: int) -> None:
        """The entry chosen, whole, as the filter's tooltip: cut to its width, "Eye closed or hid…" read the same for the
        failures and the warnings of one problem (review)."""
        self.check_filter.setToolTip(self.check_filter.itemText(index) if index > 0 else CHECK_FILTER_TIP)

    def _go_to_results(self) -> None:
        """Enter in the search box: to the list, on the first match, so A/R/T decide instead of typing."""
        if self.proxy.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        self.view.setFocus()

    def _refilter(self, apply: Callable[[Any], None], value: Any) -> None:
        """The officer changed what the list shows: the photo they were on stays selected where it is still shown
        (or is again, when a filter that hid it is undone); else the first photo shown is; with none shown, none is
        on screen (a decision key would otherwise decide a photo the list hides)."""
        current = self.model.session.current
        # a search letter by letter ("z", then "zz" matching none) left the officer on the first "z" match once
        # cleared: the photo a filter put in their place is not where they were
        place = (self._place or current) if current is None or current == self._stand_in else current
        apply(value)
        self._update_summary()
        if place is not None and self.select_path(place):
            self._place = self._stand_in = None
            return
        self._place = place
        if self.proxy.rowCount():
            self.select_row(0)
            self._stand_in = self.current_path()
        else:
            self._stand_in = None
            self.nothingShown.emit()

    def _apply_sort(self, which: int) -> None:
        self.model.worst_first = which == WORST_FIRST
        if self.model.worst_first:
            self.model.take_order()
        else:
            self.model.arrange()

    def take_order(self) -> None:
        """Worst first by the results as they are now (a batch finished): rows move once, not with each result."""
        if self.sort.currentIndex() == WORST_FIRST:
            self._apply_sort(WORST_FIRST)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.currentPathChanged.emit(path_at(current))

    def _forget_place(self) -> None:
        """Other photos replace the list: where the officer was in the last one is the window's to remember."""
        self._place = self._stand_in = None

    def _on_rows_left(self, *_args: object) -> None:
        """The last photo the filter showed left it (decided under "Undecided"): it stayed on screen, and a stray key
        decided it again out of sight (walk-through); none is shown now, as when a filter is chosen that shows none."""
        if self.model.entries and not self.proxy.rowCount() and self.model.session.current is not None:
            self._place = self.model.session.current
            self.nothingShown.emit()

    def _update_summary(self, *_args: object) -> None:
        counts = self.model.session.counts()
        total = len(self.model.entries)
        if not total:
            self.summary.setText("No photos")
            return
        shown = self.proxy.rowCount()  # a search or filter that hides photos says so where the counts are read
        parts = [counted(total, "photo") if shown == total else f"{shown} of {counted(total, 'photo')} shown"]
        for key in (*RESULT_ORDER, "pending"):
            if counts.get(key):
                parts.append(f"{counts[key]} {STATUS_LABELS[key].lower()}")
                if key == "fail" and counts.get("fail_framing"):
                    parts[-1] += f" ({counts['fail_framing']} {FRAMING_ONLY})"
        parts.append(f"{counts.get('decided', 0)} decided")
        self.summary.setText(" · ".join(parts))

    def refresh_check_filter(self) -> None:
        """The open photos' problems that failed, the gravest first (`ReviewSession.failing_problems`), then those warned
        of, the most frequent first; with their counts."""
        chosen = self.check_filter.currentData()
        self.check_filter.blockSignals(True)
        self.check_filter.clear()
        self.check_filter.addItem(ANY_CHECK, None)
        # the problem first, so that typing its first letters reaches it ("Failing: " began all 43 entries)
        for problem, count in self.model.session.failing_problems():
            self.check_filter.addItem(f"{problem} ({count} failing)", problem)
        for problem, count in self.model.session.warning_problems().most_common():
            self.check_filter.addItem(f"{problem}? ({count} warned)", WARNED + problem)
        index = self.check_filter.findData(chosen)
        self.check_filter.setCurrentIndex(max(index, 0))
        self.check_filter.blockSignals(False)
        if index < 0 and chosen is not None:
            self.proxy.set_check_filter(None)  # that check no longer fails anywhere

    # -- navigation --------------------------------------------------------
    def current_path(self) -> str | None:
        index = self.view.currentIndex()
        return path_at(index) if index.isValid() else None

    def _listed(self, path: str) -> QModelIndex:
        """The list's row of `path`; invalid when it is not open or a search or filter hides it."""
        return self.proxy.mapFromSource(self.model.index_of(str(path)))

    def select_path(self, path: str) -> bool:
        index = self._listed(path)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self._scroll_to_current(QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def reveal(self, path: str) -> bool:
        """Select `path`, clearing the search and the filters first when they hide it; False when it is not listed."""
        if self.select_path(path):
            return True
        self.search.clear()
        self.filter.setCurrentIndex(0)  # All
        self.check_filter.setCurrentIndex(0)  # failing any check or none
        return self.select_path(path)

    def select_row(self, row: int) -> None:
        if self.proxy.rowCount():
            row = max(0, min(row, self.proxy.rowCount() - 1))
            self.view.setCurrentIndex(self.proxy.index(row, 0))

    def next(self) -> None:
        self.step(1)

    def previous(self) -> None:
        self.step(-1)

    def step(self, delta: int) -> None:
        current = self.view.currentIndex()
        self.select_row((current.row() if current.isValid() else -1) + delta)

    def show_none(self) -> None:
        """No photo on screen, the list left as it is (Down or a click shows one again)."""
        self.view.selectionModel().clearCurrentIndex()
        self.view.clearSelection()
        self.nothingShown.emit()

    def narrowed_by(self) -> str:
        """What hides photos from the list, in words ("filter: Undecided; search: smith"); '' when nothing does."""
        parts = []
        if self.filter.currentIndex() > 0:
            parts.append(f"filter: {self.filter.currentText()}")
        if self.check_filter.currentIndex() > 0:
            parts.append(f"check: {self.check_filter.currentText()}")
        if self.search.text():
            parts.append(f"search: {self.search.text()}")
        return "; ".join(parts)

    def visible_paths(self) -> list[str]:
        return [path_at(self.proxy.index(r, 0)) for r in range(self.proxy.rowCount())]

    def paths_after(self, path: str) -> Iterator[str]:
        """The listed photos after `path` in the list's order, wrapping round to the one before it; none when `path`
        is not listed. Read as needed: listing all 3,000 rows for each decision's next photo cost 22 ms a key."""
        index = self._listed(path)
        count = self.proxy.rowCount()
        for step in range(1, count if index.isValid() else 0):
            yield path_at(self.proxy.index((index.row() + step) % count, 0))
