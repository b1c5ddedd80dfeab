"""Shared, expensive fixtures for the ICAO checklist tests: a compliant portrait and its face."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.icao.facebuild import detect_faces


def compliant_portrait() -> np.ndarray:
    """The astronaut cropped and scaled into an ICAO-like 570x735 frame (head ~76 % of height, eyes centred)."""
    from skimage import data

    scale, x0, y0 = 3.5, 143.5, 8.5
    warp = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    return cv2.warpAffine(data.astronaut(), warp, (570, 735), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    image = compliant_portrait()
    image.setflags(write=False)
    return image


@pytest.fixture(scope="session")
def portrait_faces(portrait: np.ndarray) -> list:
    faces = detect_faces(portrait)
    assert len(faces) == 1
    return faces
