"""An analysis ready to draw: photo-wide maps, their colours and the low-area outlines, computed off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pfiq_desktop.engine.deviation import low_outlines
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.palette import MAP_SCALES

MAP_KINDS = ("deviation", "plq")  # the officer's map first; the paper's map one click away


@dataclass(frozen=True)
class MapLayer:
    """One kind of map over the whole photo and its colours (RGBA, transparent outside the faces)."""

    values: np.ndarray
    rgba: np.ndarray


@dataclass(frozen=True)
class DisplayResult:
    """What the compare view shows for one photo; built by the worker so painting never waits on numpy."""

    analysis: Analysis
    maps: dict[str, MapLayer] = field(default_factory=dict)  # by kind; a kind the analysis lacks is absent
    outlines: dict[int, list[np.ndarray]] = field(default_factory=dict)  # face index -> its clearly-low areas, photo x, y

    @classmethod
    def prepare(cls, analysis: Analysis) -> DisplayResult:
        maps = {}
        for kind in MAP_KINDS:
            values = analysis.photo_map(kind) if analysis.ok else None
            if values is not None:
                maps[kind] = MapLayer(values, MAP_SCALES[kind].rgba(values))
        outlines = {index: low_outlines(face.deviation_chip, face.chip_transform, analysis.image_size)
                    for index, face in enumerate(analysis.faces) if face.deviation_chip.size}
        return cls(analysis, maps, outlines)
