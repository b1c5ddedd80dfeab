"""An analysis ready to draw: the photo-wide map and its colours, computed off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.palette import PLQ_SCALE


@dataclass(frozen=True)
class DisplayResult:
    """What the compare view shows for one photo; built by the worker so painting never waits on numpy."""

    analysis: Analysis
    photo_map: np.ndarray | None  # float32 photo-sized map, NaN outside faces
    heat_rgba: np.ndarray | None  # the same map coloured (RGBA uint8), transparent outside faces

    @classmethod
    def prepare(cls, analysis: Analysis) -> DisplayResult:
        photo_map = analysis.photo_map() if analysis.ok else None
        heat = PLQ_SCALE.rgba(photo_map) if photo_map is not None else None
        return cls(analysis, photo_map, heat)
