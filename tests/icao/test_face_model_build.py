"""The shipped 3-D face of the head pose is what benchmarks/build_face_model.py rebuilds (developers' data)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from benchmarks.build_face_model import build, mirror
from pfiq_desktop.engine.icao.headpose import MODEL_FILE
from tests.photos import shared_faces


def test_shipped_face_model_equals_its_rebuild() -> None:
    """The mesh, the portraits' dev half and the fits give the shipped points to the file's 0.001 mm."""
    shared_faces("portraits_official")
    points, pitch, _, used = build()
    text = (resources.files("pfiq_desktop.engine.icao") / "data" / MODEL_FILE).read_text(encoding="utf-8")
    shipped = np.array(json.loads(text)["points_mm"])
    assert used == 75 and 4.0 < pitch < 6.0
    assert np.array_equal(np.round(points, 3), shipped)
    assert np.allclose(mirror(points), points)  # left and right halves are mirror images
