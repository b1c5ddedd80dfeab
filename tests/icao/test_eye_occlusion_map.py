"""A hand over one eye is found with the pixel-level quality map's help (issue 15).

A skin-coloured occluder keeps the eye region's colour, so the eye's own pixels alone often read it
as a closed eye; the recognition network finds little identity in it, and the map's value in that
eye box, against the face and against the other eye, tells the eye-occlusion model so."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pfiq_desktop.engine.faces import DetectedFace
from pfiq_desktop.engine.icao.eye_pixels import measure_eyes
from pfiq_desktop.engine.results import Verdict
from tests.photos import load_portrait

SIDES = ("left", "right")


def _hand(img: np.ndarray, lm: np.ndarray, side: str) -> np.ndarray:
    """Four finger-shaped ellipses in the colour of the nose's skin over one eye, outlined a little darker."""
    out = img.copy()
    eye = lm[36:42].mean(axis=0) if side == "left" else lm[42:48].mean(axis=0)
    ied = float(np.hypot(*(lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0))))
    skin = np.median(img[int(lm[29][1]) : int(lm[33][1]), int(lm[31][0]) : int(lm[35][0])].reshape(-1, 3), axis=0)
    tilt = -35 if side == "left" else 35
    across = np.array([np.cos(np.radians(tilt)), np.sin(np.radians(tilt))])
    for k in range(4):
        centre = eye + [0.0, 0.1 * ied] + across * (k - 1.5) * 0.28 * ied
        args = ((int(centre[0]), int(centre[1])), (int(0.6 * ied), int(0.15 * ied)), tilt + 90, 0, 360)
        cv2.ellipse(out, *args, skin.tolist(), -1)
        cv2.ellipse(out, *args, (skin * 0.6).tolist(), 1)
    return out


@pytest.mark.parametrize("index", [0, 13])
def test_a_hand_over_one_eye_is_found_with_the_map(analyzer, index: int) -> None:
    photo = load_portrait(index)
    clean = analyzer.analyse(photo)
    assert next(c for c in clean.checks if c.id == "eye_occlusion").verdict is Verdict.PASS
    face = clean.faces[0]
    # HOG may miss a face with a covered eye: keep the clean photo's geometry
    geometry = DetectedFace(face.box, face.detection_score, face.landmarks5, face.landmarks)
    for side in SIDES:
        covered = _hand(photo, face.landmarks, side)
        result = analyzer.analyse(covered, known_faces=[geometry])
        check = next(c for c in result.checks if c.id == "eye_occlusion")
        assert check.verdict is Verdict.FAIL and check.evidence.regions == [f"{side}_eye"], check.reason
        with_map = measure_eyes(covered, face.landmarks, result.faces[0].chip_transform, result.faces[0].plq_chip)
        without = measure_eyes(covered, face.landmarks)
        assert with_map.occluded[side] > without.occluded[side] + 2.0  # the map carries the finding
