"""The face recogniser's pixel-level quality (PLQ) map of every cached face, computed once and kept on disk.

The eye checks read the map (an eye box far below the face's median PLQ is evidence of an
occluder), and the app always has it, so the harness measures them with the real map, made by
the engine's own `Analyzer` from the cached faces (no second detection). The network's
gradient pass is the slow part (~0.3-1 s a face on one CPU thread), so maps are kept as
compressed float16, one file per photo, keyed by the face key and the engine's model key.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from benchmarks.issue15.facecache import CachedFace
from pfiq_desktop.engine.faces import DetectedFace

if TYPE_CHECKING:
    from pfiq_desktop.engine.analyzer import Analyzer

log = logging.getLogger(__name__)


class PlqMaps:
    """PLQ chips per (face key, engine key) in `folder`/<hash>.npz; the network loads on the first miss."""

    def __init__(self, folder: Path, analyzer: Analyzer | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._analyzer = analyzer

    def _engine(self) -> Analyzer:
        """The engine on one CPU thread, loaded on first use (a few seconds); its key names the maps it makes."""
        if self._analyzer is None:
            from pfiq_desktop.engine import Analyzer

            torch.set_num_threads(1)
            self._analyzer = Analyzer(device="cpu")
        return self._analyzer

    def chips(self, face_key: tuple[str, float, str], rgb: np.ndarray, faces: list[CachedFace]) -> list[np.ndarray]:
        """One CHIP_SIZE x CHIP_SIZE PLQ map per face of the photo, as the app computes it (float16 precision
        whether computed now or loaded, so a warm run gives the cold run's figures)."""
        engine = self._engine()
        path = self.folder / (hashlib.sha256(repr((face_key, engine.engine_key)).encode()).hexdigest()[:24] + ".npz")
        if path.is_file():
            with np.load(path) as stored:
                return [stored[f"arr_{i}"].astype(np.float32) for i in range(len(faces))]
        analysis = engine.analyse(rgb, known_faces=[
            DetectedFace(f.box, f.score, f.landmarks5, f.landmarks68, f.detector) for f in faces])  # type: ignore[arg-type]
        if len(analysis.faces) != len(faces):
            log.warning("PLQ: %d of %d faces came back (%s)", len(analysis.faces), len(faces), analysis.errors)
            raise ValueError("the engine did not return every cached face")
        chips = [np.asarray(face.plq_chip, np.float16) for face in analysis.faces]
        np.savez_compressed(path, *chips)  # arr_0, arr_1, ... in face order
        return [chip.astype(np.float32) for chip in chips]
