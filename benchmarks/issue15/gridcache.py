"""The built-in network's mid-level grid and descriptor of every cached face, computed once and kept on disk.

The checklist reads the network probes' log-odds (engine/attributes.py), which the app
computes from these during the analysis. The harness computes the same from the cached
faces' chips (~20 ms a face), keeps them (the grid as float16; one file per photo, keyed
by the face key and the recognition network's digest: refitting the probes or the quality head
does not make them again; a change to how a chip is cut needs a fresh cache folder) and applies the current
probes on each run, so a refit of the probes is measured at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.issue15.facecache import CachedFace
from pfiq_desktop.engine.attributes import HEAD_CHIP_PADDING, AttributeProbes, head_chip, load_attribute_probes
from pfiq_desktop.engine.backbones.dlib_resnet import EYE_GRID_BLOCKS, SPATIAL_BLOCKS, DlibResNet, load_dlib_resnet
from pfiq_desktop.engine.faces import chip_transform, extract_chip, photo_points_to_chip
from pfiq_desktop.engine.models import RECOGNITION_MODEL, model_sha256
from pfiq_desktop.evaluation.data import to_tensor

BACKBONE = "dlib-resnet-v1"


class Grids:
    """Grids (C x h x w) per (face key) in `folder`/<hash>.npz; the network loads on the first miss."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._net: DlibResNet | None = None
        self.probes: AttributeProbes | None = load_attribute_probes(BACKBONE)

    def grids(self, face_key: tuple[str, float, str], rgb: np.ndarray, faces: list[CachedFace]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(grid, descriptor) per face of the photo (the grid in float16 precision whether computed now or loaded)."""
        return self._cached((face_key, model_sha256(RECOGNITION_MODEL)),
                            lambda: [extract_chip(rgb, chip_transform(f.landmarks5)) for f in faces], len(faces))

    def eye_grids(self, face_key: tuple[str, float, str], rgb: np.ndarray, faces: list[CachedFace]) -> list[np.ndarray]:
        """The grid the eye-state probe reads (after `EYE_GRID_BLOCKS`) per face, kept like `grids`."""
        return [grid for grid, _ in self._cached((face_key, model_sha256(RECOGNITION_MODEL), "eye", EYE_GRID_BLOCKS),
                                                 lambda: [extract_chip(rgb, chip_transform(f.landmarks5)) for f in faces],
                                                 len(faces), EYE_GRID_BLOCKS)]

    def heads(self, face_key: tuple[str, float, str], rgb: np.ndarray, faces: list[CachedFace]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(grid, descriptor) of each face's head chip (attributes.HEAD_CHIP_PADDING), kept like `grids`."""
        return self._cached((face_key, model_sha256(RECOGNITION_MODEL), "head", HEAD_CHIP_PADDING),
                            lambda: [head_chip(rgb, f.landmarks5) for f in faces], len(faces))

    def _cached(self, key: tuple[object, ...], chips: Callable[[], list[np.ndarray]], count: int,
                blocks: int = SPATIAL_BLOCKS) -> list[tuple[np.ndarray, np.ndarray]]:
        """The stored (grid after `blocks`, descriptor) per face under `key`, or the chips' through the network, then
        stored."""
        if count == 0:
            return []
        path = self.folder / (hashlib.sha256(repr(key).encode()).hexdigest()[:24] + ".npz")
        if path.is_file():
            with np.load(path) as stored:
                if f"grid_{count - 1}" in stored.files:  # a caller that asked for fewer faces stored fewer: made again
                    return [(stored[f"grid_{i}"].astype(np.float32), stored[f"descriptor_{i}"]) for i in range(count)]
        grids, descriptors = self._through_network(to_tensor(chips()), blocks)
        np.savez_compressed(path, **{f"grid_{i}": g for i, g in enumerate(grids)},
                            **{f"descriptor_{i}": d for i, d in enumerate(descriptors)})
        return [(grid.astype(np.float32), d) for grid, d in zip(grids, descriptors, strict=True)]

    def _through_network(self, chips: torch.Tensor, blocks: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Grids after `blocks` (float16, as stored) and descriptors of a batch of chips."""
        if self._net is None:
            torch.set_num_threads(1)
            self._net = load_dlib_resnet()
        with torch.no_grad():
            grids = [grid.numpy().astype(np.float16) for grid in self._net.spatial_features(chips, blocks)]
            descriptors = [d.numpy().astype(np.float32) for d in self._net(chips)]
        return grids, descriptors

    def attributes(self, face_key: tuple[str, float, str], rgb: np.ndarray, faces: list[CachedFace]) -> list[dict[str, float]]:
        """The shipped probes' log-odds per face, as the analysis gives them (empty without probes)."""
        if self.probes is None:
            return [{} for _ in faces]
        heads: list[tuple[np.ndarray, np.ndarray] | None] = (
            list(self.heads(face_key, rgb, faces)) if self.probes.reads_head else [None] * len(faces))
        return [self.probes.log_odds(grid, eye_grid, chip_landmarks(face), descriptor, head)
                for (grid, descriptor), eye_grid, face, head in zip(self.grids(face_key, rgb, faces), self.eye_grids(face_key, rgb, faces),
                                                                     faces, heads, strict=True)]


def chip_landmarks(face: CachedFace) -> np.ndarray:
    """The face's 68 landmarks in its chip's pixels (where the grid's cells lie)."""
    return photo_points_to_chip(face.landmarks68, chip_transform(face.landmarks5))
