"""A face enlarged from a smaller photo holds less detail than its pixels claim, and "Inter-eye distance" warns of it:
a thumbnail of 80 x 100 px enlarged to 900 x 1125 read "Eyes are 145 px apart: enough resolution" (walk-through)."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from pfiq_desktop.engine import disturbances
from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.icao.enlargement import enlargement
from pfiq_desktop.engine.results import CheckResult, Face, Verdict
from tests.icao.facebuild import detect_faces
from tests.photos import load_portrait

INTERPOLATIONS = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}
DETAIL = re.compile(r"holds the detail of only about (\d+) px \(required 90\): the photo seems enlarged about (\d+) times")


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _inter_eye(image: np.ndarray, faces: list[Face] | None = None) -> CheckResult:
    faces = detect_faces(image) if faces is None else faces
    return next(c for c in run_checks(image, faces, load_profile()) if c.id == "inter_eye_distance")


@pytest.mark.parametrize("index", range(20))
def test_a_native_portrait_as_taken_resaved_or_shrunk_holds_its_detail(index: int) -> None:
    rgb = load_portrait(index)
    shrunk = cv2.resize(rgb, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    for copy in (rgb, disturbances.jpeg(rgb, 75), shrunk):
        found = enlargement(_grey(copy))
        assert found is not None and not found.enlarged and found.factor == 1.0, found


@pytest.mark.parametrize("index", range(20))
@pytest.mark.parametrize("interpolation", sorted(INTERPOLATIONS))
def test_a_portrait_enlarged_four_times_is_found_and_its_factor_read_within_half_again(index: int, interpolation: str) -> None:
    big = cv2.resize(load_portrait(index), None, fx=4, fy=4, interpolation=INTERPOLATIONS[interpolation])
    found = enlargement(_grey(disturbances.jpeg(big, 90)))  # re-saved: its 8 px blocks must not read as detail
    assert found is not None and found.enlarged and 4 / 1.5 <= found.factor <= 4 * 1.5, found


@pytest.mark.parametrize("index", range(0, 20, 4))
def test_a_thumbnail_enlarged_to_passport_size_warns_that_its_face_holds_little_detail(index: int) -> None:
    thumbnail = cv2.resize(load_portrait(index), (80, 100), interpolation=cv2.INTER_AREA)
    result = _inter_eye(disturbances.jpeg(cv2.resize(thumbnail, (900, 1125), interpolation=cv2.INTER_CUBIC), 90))
    assert result.verdict is Verdict.WARN and result.value >= 90, result.reason  # its pixels alone would pass
    said = DETAIL.search(result.reason)
    assert said and int(said[1]) < 40 and int(said[2]) >= 5, result.reason  # eyes about 15 px apart in the thumbnail
    assert result.evidence.boxes, "the square read is shown"


def test_the_test_portrait_is_read_as_the_astronaut_enlarged_three_and_a_half_times(portrait: np.ndarray,
                                                                                     portrait_faces: list[Face]) -> None:
    result = _inter_eye(portrait, portrait_faces)
    said = DETAIL.search(result.reason)
    assert result.verdict is Verdict.WARN and said, result.reason
    assert 30 <= int(said[1]) <= 75 and 2 <= int(said[2]) <= 5, result.reason  # eyes 43 px apart in the original


def test_a_face_too_small_to_read_is_not_judged_for_it() -> None:
    assert enlargement(np.zeros((63, 200), np.float32)) is None
