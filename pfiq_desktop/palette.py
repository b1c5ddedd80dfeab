"""How results look: the map colour scales and the status colours, for the GUI and every report.

One owner for each colour: the window, the PDF, the PNG and the batch summary
all read these, so a "fail" or a low-quality pixel has the same colour everywhere.
Qt-free (numpy only); `gui/theme.py` turns these into Qt objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np

from pfiq_desktop.engine.deviation_bands import BANDS, MUCH_LOWER, SOMEWHAT_LOWER, band_words
from pfiq_desktop.engine.results import Verdict

# Status of a photo or a check, and the officer's decisions. Green, amber and red, chosen to stay apart for red-green
# colour-blind officers too: a teal green and a dark red (the earlier #1a9850 and #c81e1e looked one olive under
# deuteranopia, CIE76 dE 25; now 50, and at least 37 between any two of the three). Words and symbols say it as well.
PASS_COLOUR, WARN_COLOUR, FAIL_COLOUR = "#00897b", "#d68200", "#99000d"
STATUS_COLOURS = {
    "pending": "#9aa0a6",
    "analysing": "#3a7bd5",
    "pass": PASS_COLOUR,
    "warn": WARN_COLOUR,
    "fail": FAIL_COLOUR,
    "error": "#7b3fa0",
    "not_assessable": "#6e6e6e",
    "decided": "#1f6feb",
    "accept": PASS_COLOUR,
    "reject": FAIL_COLOUR,
    "retake": "#e07b00",
    # a comparison's decision (engine/comparison.py)
    "match": PASS_COLOUR,
    "uncertain": WARN_COLOUR,
    "no_match": FAIL_COLOUR,
    "not_compared": "#7b3fa0",
}
STATUS_LABELS = {
    "pending": "Pending",
    "analysing": "Analysing",
    "pass": "Pass",
    "warn": "Warning",
    "fail": "Fail",
    "error": "Error",
    "not_assessable": "Not assessable",
}


# An analysed photo's status, best first: its subject's worst check verdict (by `Verdict.severity`), or an analysis that
# failed. Every count, filter and worst-first order reads it: a photo judged "not assessable" had been left out of them.
RESULT_ORDER = (*(verdict.value for verdict in sorted(Verdict, key=lambda verdict: verdict.severity)), "error")


def status_counts(counts: Mapping[str, int], keys: Iterable[str]) -> str:
    """'2 fail, 30 pass': the counts of `keys`, in that order, in the window's words; '' when all are zero."""
    return ", ".join(f"{counts[key]} {STATUS_LABELS[key].lower()}" for key in keys if counts.get(key))


def status_badge(key: str) -> str:
    """A photo's verdict as its banner in the window and the badges of its reports write it ("WARNING")."""
    return STATUS_LABELS.get(key, key).upper()


# Light tints behind a report's table rows: a failed or warned check, and every other row.
ROW_TINTS = {"fail": "#fbe3e3", "warn": "#fcf0d8"}
ROW_TINT_PLAIN = "#f4f4f4"
# the reports' print: small text, table rules and header rows, a shaded panel (the officer's decision, the renewal
# check's verdict), and the audit trail's header, darker than its rows' ROW_TINT_PLAIN
NOTE_GREY = "#666666"
RULE_COLOUR = "#bbbbbb"
HEADER_SHADE = "#eeeeee"
PANEL_SHADE = "#f7f7f7"
AUDIT_HEADER_SHADE = "#e4e4e4"
# Overlay colours drawn on photos.
EVIDENCE_COLOUR = "#00b7ff"
REGION_COLOUR = "#ff00c8"
BOX_COLOUR = "#ffffff"
SELECTED_BOX_COLOUR = "#ffd400"
OTHER_FACE_BOX_COLOUR = "#bebebe"  # a report's box round a face that is not the subject's (the subject's: BOX_COLOUR)
LANDMARK_COLOUR = "#39d0ff"


def status_hex(status: str) -> str:
    """The colour of a status, verdict or decision ('#rrggbb'); grey for anything unknown."""
    return STATUS_COLOURS.get(status, STATUS_COLOURS["pending"])


@dataclass(frozen=True)
class MapScale:
    """A colour scale for one kind of map: anchors from low to high over `levels`.

    With `fade` = (full, none) the overlay is opaque at `full` and transparent from
    `none` on, so values that need no attention leave the photo untouched.
    """

    name: str
    title: str  # the map's name where there is room (a view's title, a column of a figure)
    caption: str  # its name above a panel
    short: str  # its name beside a colour bar or over a table column
    anchors: tuple[tuple[int, int, int], ...]
    levels: tuple[float, float]
    ticks: tuple[tuple[float, str], ...]
    fade: tuple[float, float] | None = None

    def opacity(self, values: np.ndarray) -> np.ndarray:
        """0..1 per value: 1 everywhere, or the fade ramp; 0 where the value is NaN."""
        values = np.asarray(values, np.float32)
        finite: np.ndarray = np.isfinite(values)
        if self.fade is None:
            return finite.astype(np.float32)
        full, none = self.fade
        ramp = np.clip((np.nan_to_num(values, nan=none) - none) / (full - none), 0.0, 1.0)
        return np.where(finite, ramp, 0.0).astype(np.float32)

    def lut(self, size: int = 256) -> np.ndarray:
        """(size, 3) uint8 RGB lookup table, low to high."""
        positions = np.linspace(0.0, 1.0, len(self.anchors))
        samples = np.linspace(0.0, 1.0, size)
        colours = np.asarray(self.anchors, np.float64)
        channels = [np.interp(samples, positions, colours[:, c]) for c in range(3)]
        return np.round(np.stack(channels, axis=1)).astype(np.uint8)

    def index(self, values: np.ndarray) -> np.ndarray:
        """Values -> 0..255 LUT indices (NaN -> 0)."""
        low, high = self.levels
        scaled = (np.nan_to_num(np.asarray(values, np.float32), nan=low) - low) / (high - low)
        return cast(np.ndarray, np.clip(scaled * 255.0, 0, 255).astype(np.uint8))

    def rgb(self, values: np.ndarray) -> np.ndarray:
        """RGB uint8; NaN (outside the face) becomes black."""
        rgb: np.ndarray = _lut(self)[self.index(values)]
        rgb[~np.isfinite(values)] = 0
        return rgb

    def as_drawn(self, size: int, opacity: float, under: tuple[int, int, int]) -> np.ndarray:
        """(size, 3) uint8, low to high: each level's colour as the overlay at `opacity` shows it over the colour
        `under` (the fade included). A colour bar in full colour promised a red the map at -1.5 never drew: there it
        tints the skin by a tenth (map-reading walk-through). The legend's swatches keep the full colours: they name
        the bands' hues."""
        values = np.linspace(*self.levels, size, dtype=np.float32)
        alpha = (self.opacity(values) * opacity)[:, None]
        return np.round(self.rgb(values) * alpha + np.asarray(under) * (1 - alpha)).astype(np.uint8)

    def rgba(self, values: np.ndarray, alpha: int = 255) -> np.ndarray:
        """RGBA uint8 with `alpha` as the most opaque; NaN (outside the face) becomes transparent black.

        Only the box around the finite values is coloured: a photo's map is NaN outside its faces, and colouring
        every pixel of a 16-megapixel photo took 0.5 s per map (on the window's thread when a photo is shown again).
        """
        values = np.asarray(values, np.float32)
        rgba = np.zeros(values.shape + (4,), np.uint8)
        finite = np.isfinite(values)
        rows, columns = np.flatnonzero(finite.any(axis=1)), np.flatnonzero(finite.any(axis=0))
        if not rows.size:
            return rgba
        box = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
        part, inside = values[box], rgba[box]
        inside[..., :3] = _lut(self)[self.index(part)]
        inside[..., 3] = np.round(self.opacity(part) * alpha).astype(np.uint8)
        inside[~finite[box]] = 0
        return rgba

    def hex_at(self, value: float) -> str | None:
        """'#rrggbb' of one value as the map draws it; None where the map leaves the photo uncoloured."""
        point = np.array([value], np.float32)
        if not self.opacity(point)[0] > 0:
            return None
        r, g, b = (int(c) for c in self.rgb(point)[0])
        return f"#{r:02x}{g:02x}{b:02x}"

    def blend(self, photo: np.ndarray, values: np.ndarray, opacity: float = 0.6) -> np.ndarray:
        """The coloured map over an RGB photo where the map is defined."""
        coloured = self.rgb(values).astype(np.float32)
        alpha = (self.opacity(values) * opacity)[..., None]
        return (photo.astype(np.float32) * (1 - alpha) + coloured * alpha).round().astype(np.uint8)


_LUTS: dict[str, np.ndarray] = {}
SKIN_UNDER_THE_BAR = (200, 166, 146)  # a mid skin tone: what a report's colour bar shows the map's colours over


def _lut(scale: MapScale) -> np.ndarray:
    if scale.name not in _LUTS:
        _LUTS[scale.name] = scale.lut()
    return _LUTS[scale.name]


# ColorBrewer RdYlBu: red = low pixel-level quality, blue = high. The paper's figures use RdYlGn, whose two ends a
# red-green colour-blind officer (1 man in 12) sees as one dark olive (simulated deuteranopia: CIE76 dE 17 between
# them, against 97 for normal sight); red and blue stay apart.
PLQ_SCALE = MapScale(
    name="plq",
    title="Pixel-level quality (PLQ)",
    caption="Pixel-level quality (PLQ)",
    short="PLQ",
    anchors=(
        (165, 0, 38), (215, 48, 39), (244, 109, 67), (253, 174, 97), (254, 224, 144), (255, 255, 191),
        (224, 243, 248), (171, 217, 233), (116, 173, 209), (69, 117, 180), (49, 54, 149),
    ),
    levels=(0.0, 1.0),
    ticks=((0.0, "0 low"), (0.5, "0.5"), (1.0, "1 high")),
)

DEVIATION_LEVELS = (MUCH_LOWER - 1.0, SOMEWHAT_LOWER)  # the coloured bands: "not markedly lower" stays uncoloured


def _band_middles() -> list[tuple[float | None, str]]:
    """(the middle of each coloured band of the deviation map, None for the uncoloured one; its short words)."""
    middles: list[tuple[float | None, str]] = []
    previous = DEVIATION_LEVELS[0]
    for upper, words in BANDS:
        middles.append((None if upper == float("inf") else (previous + upper) / 2, words))
        previous = upper
    return middles


def _band_ticks() -> tuple[tuple[float, str], ...]:
    """The colour bar's ticks: the middle of each coloured band, and the top of the scale for the uncoloured one."""
    return tuple((DEVIATION_LEVELS[1] if middle is None else middle, words) for middle, words in _band_middles())


# Deviation from compliant photos (engine/deviation.py): only "lower" is coloured, so a compliant face stays
# as it is. ColorBrewer YlOrRd, ordered by lightness: readable with red-green colour blindness and in greyscale.
DEVIATION_SCALE = MapScale(
    name="deviation",
    title="Recognition utility compared with compliant photos",
    caption="Compared with compliant photos",
    short="vs compliant",
    anchors=((189, 0, 38), (240, 59, 32), (253, 141, 60), (254, 204, 92), (255, 255, 178)),
    levels=DEVIATION_LEVELS,
    ticks=_band_ticks(),
    fade=DEVIATION_LEVELS,
)
OUTLINE_COLOUR = "#ffffff"  # the outline on the photo (deviation_bands.CLEARLY_LOWER), over a dark shadow line
OUTLINE_SHADOW_COLOUR = "#000000"
MAP_SCALES = {scale.name: scale for scale in (DEVIATION_SCALE, PLQ_SCALE)}


def deviation_legend(short: bool = False) -> list[tuple[str, str | None]]:
    """(words, '#rrggbb' or None when uncoloured) for each band of the deviation map, lowest first; with `short`,
    the words without "than in compliant photos"."""
    return [(words if short else band_words(words), None if middle is None else DEVIATION_SCALE.hex_at(middle))
            for middle, words in _band_middles()]


# A comparison's maps (engine/similarity.py), in units of the comparison's map scale: ColorBrewer Greens
# for the pixels that raise the score, Reds for those that lower it (shown apart, titled: never one red-green scale).
SUPPORT_SCALE = MapScale(
    name="support",
    title="Supports the match",
    caption="Supports the match",
    short="supports",
    anchors=((247, 252, 245), (199, 233, 192), (116, 196, 118), (35, 139, 69), (0, 68, 27)),
    levels=(0.0, 1.0),
    ticks=((0.0, "0"), (1.0, "high")),
    fade=(1.0, 0.0),  # only high values say something: the rest leaves the chip visible
)
OPPOSE_SCALE = MapScale(
    name="oppose",
    title="Opposes the match",
    caption="Opposes the match",
    short="opposes",
    anchors=((255, 245, 240), (252, 187, 161), (251, 106, 74), (203, 24, 29), (103, 0, 13)),
    levels=(0.0, 1.0),
    ticks=((0.0, "0"), (1.0, "high")),
    fade=(1.0, 0.0),  # only high values say something: the rest leaves the chip visible
)
