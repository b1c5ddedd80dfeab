"""Photo and its map side by side (linked zoom/pan), or the aligned chip with its map.

The map shown first compares each place of the face with compliant photos (the
deviation map: only "lower" is coloured, clearly lower areas are outlined on the
photo too); the paper's pixel-level quality is one click away in the map selector.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pfiq_desktop.engine.deviation_bands import band
from pfiq_desktop.engine.faces import CHIP_SIZE, extract_chip
from pfiq_desktop.engine.icao.regions import region_polygons
from pfiq_desktop.engine.results import Analysis, CheckResult, Face
from pfiq_desktop.gui.display import MAP_KINDS, DisplayResult
from pfiq_desktop.gui.widgets import named, plain
from pfiq_desktop.palette import (
    BOX_COLOUR,
    EVIDENCE_COLOUR,
    LANDMARK_COLOUR,
    MAP_SCALES,
    OUTLINE_COLOUR,
    OUTLINE_SHADOW_COLOUR,
    PLQ_SCALE,
    REGION_COLOUR,
    SELECTED_BOX_COLOUR,
    MapScale,
    deviation_legend,
)
from pfiq_desktop.review.reasons import no_face_problem

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)

MODE_CHIP = 1  # the view-mode box's second entry
MAP_LABELS = {"deviation": "vs compliant photos", "plq": "pixel-level quality (PLQ)"}
MAP_TITLES = {
    "deviation": f"{MAP_SCALES['deviation'].title} (outlined: clearly lower)",
    # its level follows a factor of each photo's own (q / sum e): a clean face read all blue in one photo and mostly
    # red in another (map-reading walk-through)
    "plq": f"{PLQ_SCALE.title}: red low · blue high, within this face only",
}


def legend_html() -> str:
    """The deviation map's legend in words, one coloured swatch per band."""
    items = []
    for words, colour in deviation_legend():
        swatch = (f"<span style='background:{colour}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>" if colour
                  else "<span style='border:1px solid gray'>&nbsp;&nbsp;&nbsp;&nbsp;</span>")
        items.append(f"{swatch}&nbsp;{words.replace(' ', '&nbsp;')}")  # lines break between entries only
    return " &nbsp; ".join(items)


def chip_image(image: np.ndarray, face: Face) -> np.ndarray:
    """The aligned face chip as the network saw it (RGB uint8), at the backbone's crop size (the map's)."""
    size = face.plq_chip.shape[0] if np.ndim(face.plq_chip) == 2 and np.size(face.plq_chip) else CHIP_SIZE
    chip = extract_chip(image, np.asarray(face.chip_transform, np.float64).reshape(2, 3), size)
    return chip if chip.dtype == np.uint8 else np.clip(chip, 0, 255).astype(np.uint8)


BAR_STOPS = 64
DIMMING = 1.6  # the photo beneath the map is shown grey, its levels stretched this much darker
# what the bar shows the map's colours over: a face's grey (luma 170) as the dimmed photo shows it
DIMMED_FACE = (round(170 / DIMMING),) * 3


def colour_map(scale: MapScale, opacity: float) -> pg.ColorMap:
    """The palette's scale as the overlay at `opacity` draws it over the dimmed photo (`MapScale.as_drawn`), as a pyqtgraph
    colour map; its stops run over 0..1, which a colour bar stretches over the scale's levels (stops placed at the
    levels themselves clamp every level outside 0..1 to one colour)."""
    colours = scale.as_drawn(BAR_STOPS, opacity, DIMMED_FACE)
    return pg.ColorMap(np.linspace(0.0, 1.0, BAR_STOPS), [QColor(*map(int, c)) for c in colours])


class _Layer:
    """Items drawn over one view, removable together."""

    def __init__(self, view: pg.ViewBox) -> None:
        self.view = view
        self.items: list[QGraphicsItem] = []

    def add(self, item: QGraphicsItem) -> None:
        self.view.addItem(item)
        self.items.append(item)

    def clear(self) -> None:
        for item in self.items:
            self.view.removeItem(item)
        self.items = []


class CompareView(QWidget):
    """The centre of the window: what the network sees, pixel by pixel."""

    hoverText = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Analysis | None = None
        self.image: np.ndarray | None = None
        self.check: CheckResult | None = None
        self._evidence_shown = np.empty((0, 2))  # where the check's evidence is drawn (view coordinates)
        self.face_index = 0
        self._map: np.ndarray | None = None  # map shown in the right view (photo or chip pixels)
        self._affine: np.ndarray | None = None  # photo -> shown pixels (chip mode)
        self._shown: DisplayResult | None = None

        # toolbar
        self.mode = named(QComboBox(), "viewMode")
        self.mode.addItems(["Photo | map", "Face crop | map"])  # "chip" is the developers' word (wording review)
        self.mode.setToolTip("The photo with its map, or the aligned face crop the network saw (C)")
        self.map_kind = named(QComboBox(), "mapKind")
        for kind in MAP_KINDS:
            self.map_kind.addItem(MAP_LABELS[kind], kind)
        self.map_kind.setToolTip("Which map: each place of the face compared with compliant photos, or its "
                                 "pixel-level quality (PLQ), the published method's map (M)")
        self.opacity = named(QSlider(Qt.Orientation.Horizontal), "opacitySlider")
        self.opacity.setRange(0, 100)
        self.opacity.setValue(75)
        self.opacity.setMaximumWidth(110)
        self.opacity.setMinimumWidth(50)
        self.opacity.setToolTip("Heat-map opacity")
        # what is drawn over the photos: one drop-down keeps the toolbar narrow enough for a 1366-pixel screen
        self.show_menu = QMenu(self)
        self.show_outline = self._show_action("Outline clearly lower areas", True)
        self.show_evidence = self._show_action("Evidence of the selected check", True)
        self.show_box = self._show_action("Face boxes", True)
        self.show_landmarks = self._show_action("Landmarks (L)", False)
        self.show_button = named(QToolButton(popupMode=QToolButton.ToolButtonPopupMode.InstantPopup), "showButton")
        self.show_button.setText("Show")
        self.show_button.setMenu(self.show_menu)
        self.show_button.setToolTip("What to draw over the photos")
        self.fit_button = named(QPushButton("Fit"), "fitButton")
        self.fit_button.setToolTip("Fit the photo to the view (F)")
        self.face_button = named(QPushButton("Face"), "faceButton")
        self.face_button.setToolTip("Zoom to the face (Z)")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.mode)
        bar.addWidget(self.map_kind)
        opacity_label = QLabel("Opacity")
        opacity_label.setBuddy(self.opacity)
        self.mode.setAccessibleName("View")
        self.map_kind.setAccessibleName("Map")
        self.opacity.setAccessibleName("Map opacity")
        bar.addWidget(opacity_label)
        bar.addWidget(self.opacity)
        bar.addWidget(self.show_button)
        bar.addStretch(1)
        bar.addWidget(self.face_button)
        bar.addWidget(self.fit_button)

        # graphics
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setObjectName("compareGraphics")
        self.glw.setAccessibleName("Photo and map")
        self.glw.setAccessibleDescription("Up and Down: previous and next photo; Z: zoom to the face; F: fit the photo. "
                                          "The checks and face regions tables say in words what the map shows")
        self.glw.ci.setContentsMargins(2, 2, 2, 2)
        # titles as plain labels above the graphics: inside the grid their text widths would make the
        # two views different sizes, and linked views of different sizes do not show the same pixels
        self.left_title = named(plain(QLabel("Photo", alignment=Qt.AlignmentFlag.AlignCenter)), "leftTitle")
        self.right_title = named(plain(QLabel("", alignment=Qt.AlignmentFlag.AlignCenter)), "rightTitle")
        for title in (self.left_title, self.right_title):
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            title.setWordWrap(True)  # a long map title wraps instead of losing both ends at narrow widths
        self.left_view = self.glw.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.right_view = self.glw.addViewBox(row=0, col=1, lockAspect=True, invertY=True, enableMenu=False)
        self.right_view.setXLink(self.left_view)
        self.right_view.setYLink(self.left_view)
        # its label is set with the map shown (the deviation map also has words below)
        self.colorbar = pg.ColorBarItem(values=PLQ_SCALE.levels, colorMap=colour_map(PLQ_SCALE, self.opacity.value() / 100),
                                        interactive=False, width=14)
        self._scale_shown: tuple[str, int] | None = None  # (map, opacity) the bar shows; its label is not set yet
        self.glw.addItem(self.colorbar, row=0, col=2)  # own column: a bar inside a locked view skews the links
        # room above and below the bar for half of its end labels ("1.0", "-4.0" were cut in half)
        half_label = self.fontMetrics().height() // 2 + 1
        self.colorbar.layout.setContentsMargins(0, half_label, 0, half_label)
        grid = self.glw.ci.layout
        grid.setColumnStretchFactor(0, 1)  # both views the same size, so linked ranges match exactly
        grid.setColumnStretchFactor(1, 1)
        grid.setColumnStretchFactor(2, 0)
        self.left_image = pg.ImageItem()
        self.base_image = pg.ImageItem()
        self.heat_image = pg.ImageItem()
        self.heat_image.setOpacity(self.opacity.value() / 100)
        self.left_view.addItem(self.left_image)
        self.right_view.addItem(self.base_image)
        self.right_view.addItem(self.heat_image)
        self.layers = {
            "left": _Layer(self.left_view),
            "right": _Layer(self.right_view),
        }
        self.outline_layers = (_Layer(self.left_view), _Layer(self.right_view))
        self.message = named(plain(QLabel(alignment=Qt.AlignmentFlag.AlignCenter)), "compareMessage")
        self.message.setWordWrap(True)
        graphics = QWidget()
        titles = QHBoxLayout()
        titles.setContentsMargins(4, 0, 64, 0)  # leave the colour bar's column free
        titles.addWidget(self.left_title, 1)
        titles.addWidget(self.right_title, 1)
        graphics_layout = QVBoxLayout(graphics)
        graphics_layout.setContentsMargins(0, 0, 0, 0)
        graphics_layout.setSpacing(0)
        graphics_layout.addLayout(titles)
        graphics_layout.addWidget(self.glw, 1)
        self.legend = named(QLabel(legend_html(), alignment=Qt.AlignmentFlag.AlignCenter), "mapLegend")
        self.legend.setWordWrap(True)
        self.legend.setToolTip("Each place of the face compared with compliant photos at the same place; uncoloured "
                               "does not prove unobstructed (skin-coloured covers barely lower the map)")
        graphics_layout.addWidget(self.legend)
        self.graphics = graphics
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(graphics)
        self.hover = named(plain(QLabel(" ")), "hoverLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.hover)
        self.show_message("Open a folder or a photo to begin.")

        self.mode.currentIndexChanged.connect(self._on_mode)
        self.map_kind.currentIndexChanged.connect(self._on_map_kind)
        self.opacity.valueChanged.connect(self._on_opacity)
        for box in (self.show_landmarks, self.show_box, self.show_evidence, self.show_outline):
            box.toggled.connect(self._draw_overlays)
        self.fit_button.clicked.connect(self.fit)
        self.face_button.clicked.connect(self.zoom_to_face)
        self.glw.scene().sigMouseMoved.connect(self._on_mouse)

    def _show_action(self, text: str, checked: bool) -> QAction:
        action = self.show_menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(checked)
        return action

    def _on_mode(self, _index: int) -> None:
        self._render(fit=True)

    def _on_map_kind(self, _index: int) -> None:
        """The other map over the same pixels: the view stays where the officer zoomed (M on a zoomed eye showed the
        whole photo again, walk-through at 150 %); photo and chip differ in size, so changing those fits anew."""
        self._render(fit=False)

    def _on_opacity(self, value: int) -> None:
        self.heat_image.setOpacity(value / 100)
        self._show_scale(self.map_shown())

    def _show_scale(self, kind: str) -> None:
        """The colour bar of map `kind` at the overlay's opacity, set only when either changed: set for every photo
        shown, it rebuilt its colours and redrew its axis each time."""
        wanted = (kind, self.opacity.value())
        if wanted == self._scale_shown:
            return
        self._scale_shown = wanted
        scale = MAP_SCALES[kind]
        self.colorbar.setColorMap(colour_map(scale, wanted[1] / 100))
        self.colorbar.setLevels(scale.levels)
        self.colorbar.axis.setLabel(scale.short)

    def toggle_mode(self) -> None:
        self.mode.setCurrentIndex(1 - self.mode.currentIndex())

    # -- public ------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def clear(self) -> None:
        self.analysis, self.image, self.check, self._map, self._shown = None, None, None, None, None
        self.hover.setText(" ")
        for layer in (*self.layers.values(), *self.outline_layers):
            layer.clear()

    def set_result(self, shown: DisplayResult | None, image: np.ndarray, keep_view: bool = False) -> None:
        """Show one photo (RGB uint8 as analysed) with its result, if any; keep_view keeps zoom and pan."""
        keep_view = keep_view and self.image is not None and self.image.shape == image.shape
        self.analysis = shown.analysis if shown is not None else None
        self.image, self.check, self._shown = image, None, shown
        if not (keep_view and self.face_index < len(self._faces())):  # the same photo again keeps its face
            self.face_index = 0
        self._render(fit=not keep_view)

    def set_analysis(self, shown: DisplayResult) -> None:
        """New results for the photo on screen (e.g. re-checked under another profile): same view."""
        self.analysis, self._shown, self.check = shown.analysis, shown, None
        self._draw_overlays()

    def map_shown(self) -> str:
        """The kind of map on screen: the one chosen, or the paper's when this photo has no deviation map."""
        kind = str(self.map_kind.currentData())
        if kind == "deviation" and self._shown is not None and "deviation" not in self._shown.maps:
            return "plq"
        return kind

    def toggle_map(self) -> None:
        self.map_kind.setCurrentIndex(1 - self.map_kind.currentIndex())

    def _faces(self) -> list[Face]:
        return list(self.analysis.faces) if self.analysis is not None else []

    def set_check(self, check: CheckResult | None) -> None:
        """Highlight one check's evidence and regions, and bring them into view where the view is zoomed elsewhere."""
        self.check = check
        if check is not None and check.face_index is not None and check.face_index != self.face_index:
            self.set_face(check.face_index)  # draws the overlays
        else:
            self._draw_overlays()
        self._bring_into_view(self._evidence_shown)

    def _bring_into_view(self, points: np.ndarray) -> None:
        """Pan so that `points` (view coordinates) lie in the view, zooming out only as far as they need: zoomed in on
        the chin, a click on "Inter-eye distance" drew its boxes off screen (fourth walk-through)."""
        if not len(points):
            return
        (x0, x1), (y0, y1) = self.left_view.viewRange()
        (px0, py0), (px1, py1) = points.min(axis=0), points.max(axis=0)
        if x0 <= px0 and px1 <= x1 and y0 <= py0 and py1 <= y1:
            return
        half_x, half_y = max(x1 - x0, (px1 - px0) * 1.2) / 2, max(y1 - y0, (py1 - py0) * 1.2) / 2
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        self.left_view.setRange(xRange=(cx - half_x, cx + half_x), yRange=(cy - half_y, cy + half_y), padding=0)

    def set_face(self, index: int) -> None:
        """Select one face of several: its box is highlighted, chip mode shows its chip and raw map."""
        faces = self._faces()
        index = max(0, min(int(index), len(faces) - 1)) if faces else 0
        if index == self.face_index:
            return
        self.face_index = index
        if self._affine is not None:
            self._render(fit=True)  # another chip
        else:
            self._draw_overlays()

    def fit(self) -> None:
        if self.image is None:
            return
        h, w = (self.left_image.image.shape[:2] if self.left_image.image is not None else self.image.shape[:2])
        self.left_view.setRange(xRange=(-0.5, w - 0.5), yRange=(-0.5, h - 0.5), padding=0.02)

    def zoom(self, factor: float) -> None:
        """Zoom about the middle of the view (`factor` < 1 zooms in): looking closely needed the mouse wheel."""
        if self.image is not None:
            self.left_view.scaleBy((factor, factor))

    def zoom_to_face(self) -> None:
        """Frame the selected face with a margin (photo mode); the chip is already the face."""
        faces = self._faces()
        if not faces or self._affine is not None:
            self.fit()
            return
        x0, y0, x1, y1 = faces[min(self.face_index, len(faces) - 1)].box
        mx, my = 0.6 * (x1 - x0), 0.6 * (y1 - y0)
        self.left_view.setRange(xRange=(x0 - mx, x1 + mx), yRange=(y0 - my * 1.2, y1 + my), padding=0)

    # -- drawing -----------------------------------------------------------
    def _render(self, fit: bool = False) -> None:
        # another photo, face, view or map: the read-out of the last pixel hovered named another photo's value under
        # this one (second usability walk-through); the next mouse move reads this one
        self.hover.setText(" ")
        if self.image is None:
            return
        self.stack.setCurrentWidget(self.graphics)
        analysis = self.analysis
        faces = self._faces()
        chip_mode = self.mode.currentIndex() == MODE_CHIP and faces
        kind = self.map_shown()
        scale = MAP_SCALES[kind]
        heat: np.ndarray | None
        rgba: np.ndarray | None = None
        if chip_mode:
            face = faces[min(self.face_index, len(faces) - 1)]
            shown = chip_image(self.image, face)
            heat = np.asarray(getattr(face, f"{kind}_chip"), np.float32)
            self._affine = np.asarray(face.chip_transform, np.float64).reshape(2, 3)
            size = f"{shown.shape[1]}×{shown.shape[0]}"
            self.left_title.setText(
                f"Face {self.face_index + 1} of {len(faces)}: aligned face crop {size}"
                if len(faces) > 1 else f"Aligned face crop {size}"
            )
            self.right_title.setText(MAP_TITLES[kind] + " — the crop the network saw")
        else:
            shown = self.image
            layer = self._shown.maps.get(kind) if self._shown is not None else None
            heat, rgba = (layer.values, layer.rgba) if layer is not None else (None, None)
            self._affine = None
            self.left_title.setText("Photo")
            if analysis is not None and not faces and analysis.ok:
                self.right_title.setText(f"{no_face_problem(analysis)}: no map")
            elif analysis is not None and not analysis.ok:
                self.right_title.setText("Not analysed: " + "; ".join(analysis.errors))
            else:
                self.right_title.setText(MAP_TITLES[kind])
        self.legend.setVisible(kind == "deviation")
        self._show_scale(kind)
        h, w = shown.shape[:2]
        # a crop where the photo was (its analysis came in the crop view) is framed anew: the photo's range left the
        # 150 px crop a speck in a corner (second usability walk-through)
        fit = fit or self.left_image.image is None or self.left_image.image.shape[:2] != (h, w)
        self.left_image.setImage(shown, levels=(0, 255), autoLevels=False)
        # luma by OpenCV: numpy's float mean over the channels took 60 ms for a 16-megapixel photo, on every show
        grey = cv2.cvtColor(np.ascontiguousarray(shown), cv2.COLOR_RGB2GRAY) if shown.ndim == 3 else shown
        # dimmed here, once (given as levels, pyqtgraph rescaled every pixel again at each paint of the view)
        dimmed = cv2.convertScaleAbs(grey, alpha=1 / DIMMING)
        self.base_image.setImage(dimmed, levels=(0, 255), autoLevels=False)  # the dimmed photo beneath the map
        for item in (self.left_image, self.base_image, self.heat_image):
            item.setRect(-0.5, -0.5, w, h)
        self._map = heat
        # no face, no map: a colour scale of nothing misled. Faded, not hidden: hiding the item made the process crash
        # at exit in 4 of 8 self-tests (pyqtgraph's layout)
        self.colorbar.setOpacity(1.0 if heat is not None and heat.size else 0.0)
        if heat is not None and heat.size:
            rgba = rgba if rgba is not None else scale.rgba(heat)
            self.heat_image.setImage(rgba, autoLevels=False, levels=(0, 255))
            self.heat_image.setRect(-0.5, -0.5, heat.shape[1], heat.shape[0])
            self.heat_image.setVisible(True)
        else:
            self.heat_image.setVisible(False)
        self._draw_overlays()
        if fit:
            self.left_view.setRange(xRange=(-0.5, w - 0.5), yRange=(-0.5, h - 0.5), padding=0.02)

    def _tf(self, points: npt.ArrayLike) -> np.ndarray:
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        if self._affine is None:
            return pts
        shown: np.ndarray = pts @ self._affine[:, :2].T + self._affine[:, 2]
        return shown

    def _draw_overlays(self, *_args: object) -> None:
        for layer in (*self.layers.values(), *self.outline_layers):
            layer.clear()
        self._evidence_shown = np.empty((0, 2))
        analysis = self.analysis
        if analysis is None or self.image is None:
            return
        self._draw_outlines()
        faces = list(analysis.faces)
        chip_mode = self._affine is not None
        several = len(faces) > 1
        for i, face in enumerate(faces):
            if chip_mode and i != self.face_index:
                continue
            if self.show_box.isChecked() and not chip_mode:
                x0, y0, x1, y1 = face.box
                selected = several and i == self.face_index  # the face the checklist shows
                for layer in self.layers.values():
                    rect = QGraphicsRectItem(x0, y0, x1 - x0, y1 - y0)
                    pen = QPen(QColor(SELECTED_BOX_COLOUR if selected else BOX_COLOUR), 0)
                    pen.setCosmetic(True)
                    pen.setWidthF(2.5 if selected else 1.5)
                    pen.setStyle(Qt.PenStyle.SolidLine if selected else Qt.PenStyle.DashLine)
                    rect.setPen(pen)
                    rect.setData(0, i)  # face index (tests)
                    layer.add(rect)
                    if several:
                        label = pg.TextItem(str(i + 1), color=pen.color(), anchor=(0, 1))
                        label.setPos(x0, y0)
                        layer.add(label)
            if self.show_landmarks.isChecked() and len(face.landmarks):
                pts = self._tf(face.landmarks)
                for layer in self.layers.values():
                    layer.add(pg.ScatterPlotItem(pts[:, 0], pts[:, 1], size=4, pen=None,
                                                 brush=pg.mkBrush(QColor(LANDMARK_COLOUR))))
        other_face = chip_mode and self.check is not None and self.check.face_index not in (None, self.face_index)
        if self.check is not None and self.show_evidence.isChecked() and not other_face:
            self._evidence_shown = self._draw_evidence(self.check, faces)  # never another face's evidence on this face's chip

    def _draw_outlines(self) -> None:
        """The clearly-lower areas outlined on both views (white over a dark shadow, readable on any photo)."""
        if self._shown is None or not self.show_outline.isChecked() or self.map_shown() != "deviation":
            return
        chip_mode = self._affine is not None
        for index, lines in self._shown.outlines.items():
            if chip_mode and index != self.face_index:
                continue
            path = QPainterPath()
            for line in lines:
                path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self._tf(line)]))
                path.closeSubpath()
            # one path item per colour and view: a pyqtgraph curve per line and colour recomputed its bounds in Python
            # at every paint
            for layer in self.outline_layers:
                for colour, width in ((OUTLINE_SHADOW_COLOUR, 3.0), (OUTLINE_COLOUR, 1.5)):
                    item = QGraphicsPathItem(path)
                    item.setPen(pg.mkPen(QColor(colour), width=width))
                    layer.add(item)

    def _draw_evidence(self, check: CheckResult, faces: list[Face]) -> np.ndarray:
        """Draw `check`'s evidence on both views; the points it is drawn through (view coordinates)."""
        ev = check.evidence
        pen = pg.mkPen(QColor(EVIDENCE_COLOUR), width=2.5)
        region_pen = pg.mkPen(QColor(REGION_COLOUR), width=2, style=Qt.PenStyle.DashLine)
        shapes: list[tuple[np.ndarray, object, bool]] = []  # (points, pen, closed)
        for line in ev.lines:
            shapes.append((self._tf([line[:2], line[2:]]), pen, False))
        for x0, y0, x1, y1 in ev.boxes:
            shapes.append((self._tf([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), pen, True))
        for poly in ev.polygons:
            if len(poly) >= 2:
                shapes.append((self._tf(poly), pen, True))
        if ev.regions and faces:
            face = faces[check.face_index if check.face_index is not None and check.face_index < len(faces) else 0]
            polys = region_polygons(face.landmarks)
            for name in ev.regions:
                if name in polys:
                    shapes.append((self._tf(polys[name]), region_pen, True))
        marks = self._tf(ev.points) if ev.points else np.empty((0, 2))
        for layer in self.layers.values():
            for pts, p, closed in shapes:
                if closed:
                    pts = np.vstack([pts, pts[:1]])
                layer.add(pg.PlotCurveItem(pts[:, 0], pts[:, 1], pen=p))
            if len(marks):
                layer.add(pg.ScatterPlotItem(marks[:, 0], marks[:, 1], size=9, symbol="x",
                                             pen=pg.mkPen(QColor(EVIDENCE_COLOUR), width=2), brush=None))
        return np.vstack([marks, *(pts for pts, _, _ in shapes)])

    def evidence_item_count(self) -> int:
        """How many evidence items are drawn per view (a test hook: nothing in the window calls it)."""
        n = 0
        for item in self.layers["left"].items:
            if isinstance(item, pg.PlotCurveItem) or (isinstance(item, pg.ScatterPlotItem) and item.opts.get("symbol") == "x"):
                n += 1
        return n

    # -- hover -------------------------------------------------------------
    def _on_mouse(self, pos: QPointF) -> None:
        for view in (self.left_view, self.right_view):
            if view.sceneBoundingRect().contains(pos):
                p = view.mapSceneToView(pos)
                self.hoverText.emit(self.describe_pixel(p.x(), p.y()))
                self.hover.setText(self.describe_pixel(p.x(), p.y()))
                return
        self.hover.setText(" ")  # off both views: no pixel is read

    def describe_pixel(self, x: float, y: float) -> str:
        if self.image is None:
            return " "
        col, row = int(round(x)), int(round(y))
        where = "face crop" if self._affine is not None else "photo"
        heat = self._map
        if heat is None or not (0 <= row < heat.shape[0] and 0 <= col < heat.shape[1]):
            return f"{where} x={col} y={row}"
        value = float(heat[row, col])
        if np.isnan(value):
            return f"{where} x={col} y={row} · outside the analysed face"
        if self.map_shown() == "deviation":
            return f"{where} x={col} y={row} · {value:+.1f}: {band(value)}"
        return f"{where} x={col} y={row} · PLQ {value:.3f}"
