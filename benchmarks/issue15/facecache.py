"""Faces of every evaluation photo, detected once and kept on disk.

Detection and landmarks are the slow part of the evaluation (HOG, and dlib's CNN
fallback at ~0.4 s when HOG finds nothing); the checks themselves take a few ms.
So faces are cached keyed by the photo's content hash, the padding and a hash of
the detector's code: a change to a check is re-measured at once, a change to the
detector re-detects. The checks then run on the unpadded photo with the faces
shifted back (padding is never "face"), as the research did.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np

from pfiq_desktop.engine import faces as engine_faces
from pfiq_desktop.engine.faces import CHIP_SIZE, FaceDetector, chip_transform, on_grey_canvas
from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.results import Face

log = logging.getLogger(__name__)
NEUTRAL_PLQ = 0.6  # a face without its map (sets whose checks do not read it): PLQ-based evidence sees a uniform face


def detector_code_key() -> str:
    """Changes whenever the detector's code or dlib changes (then faces are detected again)."""
    source = Path(engine_faces.__file__).read_bytes()
    return hashlib.sha256(source + dlib.__version__.encode()).hexdigest()[:16]


def pad(rgb: np.ndarray, factor: float) -> tuple[np.ndarray, int, int]:
    """The photo centred on the detector's grey canvas `factor` times its size, with the left and top offsets."""
    if factor <= 1.0:
        return rgb, 0, 0
    canvas, (left, top) = on_grey_canvas(rgb, factor)
    return canvas, int(left), int(top)


@dataclass(frozen=True)
class CachedFace:
    """What the detector found, in the unpadded photo's pixels."""

    box: tuple[int, int, int, int]
    score: float
    landmarks68: np.ndarray
    landmarks5: np.ndarray
    pose_landmarks68: np.ndarray  # the points the product reads the head pose from (FaceDetector._pose_points)
    detector: str
    seconds: float  # detection time (CPU, one thread) of the whole photo, on the first face only

    def as_face(self, photo_shape: tuple[int, int], plq_chip: np.ndarray | None = None,
                attributes: dict[str, float] | None = None) -> Face:
        """The engine's Face; `plq_chip` the network's map of it (plqcache.py), else a neutral one;
        `attributes` the network probes' log-odds (gridcache.py), else none (the checks read the pixels alone)."""
        return Face(
            box=self.box,
            detection_score=self.score,
            landmarks=self.landmarks68.astype(np.float32),
            landmarks5=self.landmarks5.astype(np.float32),
            pose_landmarks=self.pose_landmarks68.astype(np.float32),
            chip_transform=chip_transform(self.landmarks5),
            photo_shape=photo_shape,
            plq_chip=np.full((CHIP_SIZE, CHIP_SIZE), NEUTRAL_PLQ, np.float32) if plq_chip is None else plq_chip,
            attributes=attributes or {},
            detector=self.detector,
        )


class FaceCache:
    """Faces per (content hash, padding, detector code), in one pickle file per cache folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "faces.pkl"
        self.code = detector_code_key()
        self._entries: dict[tuple[str, float, str], list[CachedFace]] = {}
        if self.path.is_file():
            with open(self.path, "rb") as handle:
                self._entries = pickle.load(handle)
        self._detector: FaceDetector | None = None
        self._dirty = 0

    def key(self, path: Path, pad_factor: float) -> tuple[str, float, str]:
        """What a photo's faces are stored under (the PLQ maps use it too)."""
        return file_sha256(path), pad_factor, self.code

    def faces(self, path: Path, rgb: np.ndarray, pad_factor: float) -> list[CachedFace]:
        key = self.key(path, pad_factor)
        if key not in self._entries:
            self._entries[key] = self._detect(rgb, pad_factor)
            self._dirty += 1
            if self._dirty >= 100:
                self.save()
        return self._entries[key]

    def _detect(self, rgb: np.ndarray, pad_factor: float) -> list[CachedFace]:
        if self._detector is None:
            self._detector = FaceDetector()
        padded, px, py = pad(rgb, pad_factor)
        start = time.process_time()
        found = self._detector.detect(padded)
        seconds = time.process_time() - start
        shift = np.array([px, py], np.float64)
        return [
            CachedFace(
                box=(f.box[0] - px, f.box[1] - py, f.box[2] - px, f.box[3] - py),
                score=f.score,
                landmarks68=f.landmarks68 - shift,
                landmarks5=f.landmarks5 - shift,
                pose_landmarks68=f.pose_landmarks68 - shift,
                detector=f.detector,
                seconds=seconds if i == 0 else 0.0,
            )
            for i, f in enumerate(found)
        ]

    def all_faces(self) -> list[CachedFace]:
        """Every cached first face (for the detectors' cost)."""
        return [found[0] for key, found in self._entries.items() if found and key[2] == self.code]

    def save(self) -> None:
        if not self._dirty:
            return
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(self._entries, handle)
        tmp.replace(self.path)
        self._dirty = 0
