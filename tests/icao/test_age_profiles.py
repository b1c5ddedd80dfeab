"""Profiles for young children: what the UK allows a child under 6 and a baby under 1, and what it still asks.

A baby's closed eyes and a child's smile are allowed, so those checks do not run; "Eyes not covered" still does, and
a shut eye must not read as covered there. The photos: bundled portraits with both eyes drawn shut
(benchmarks/issue15/synth.close_eye), smiling ones as taken, and one eye area blacked out.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.issue15.synth import close_eye
from pfiq_desktop.engine.disturbances import eye_box, occlude
from pfiq_desktop.engine.faces import DetectedFace
from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.results import Analysis, CheckResult, Verdict
from tests.photos import load_portrait

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py
ADULT, CHILD, BABY = "uk-passport", "uk-passport-child-under-6", "uk-passport-baby-under-1"
EYES_OPEN = {"eye_open_left", "eye_open_right"}
SMILING = (0, 2, 3, 4)  # portraits whose mouth fails "Mouth closed" as taken (teeth or parted lips)


def _flagged(photo: np.ndarray, analysis: Analysis, profile: str) -> dict[str, CheckResult]:
    """The subject's checks that warn or fail under `profile`, by id."""
    results = run_checks(photo, analysis.faces, load_profile(profile))
    return {c.id: c for c in results if c.face_index in (None, 0) and c.verdict in (Verdict.WARN, Verdict.FAIL)}


def _same_face(analysis: Analysis) -> list[DetectedFace]:
    face = analysis.faces[0]
    return [DetectedFace(face.box, face.detection_score, face.landmarks5, face.landmarks)]


def test_the_age_profiles_relax_only_what_the_uk_allows() -> None:
    adult, child, baby = (set(load_profile(name).info.switched_off) for name in (ADULT, CHILD, BABY))
    assert child - adult == {"mouth_closed"}
    assert baby - adult == {"mouth_closed"} | EYES_OPEN
    assert {"expression", "eyes"} <= set(load_profile(BABY).info.rules)


@pytest.mark.parametrize("index", SMILING)
def test_a_childs_open_mouth_is_not_flagged(analyzer, index: int) -> None:
    photo = load_portrait(index)
    analysis = analyzer.analyse(photo)
    adult, child = (_flagged(photo, analysis, name) for name in (ADULT, CHILD))
    assert "mouth_closed" in adult and set(adult) - set(child) == {"mouth_closed"}, (sorted(adult), sorted(child))


@pytest.mark.parametrize("index", (1, 5, 11))
def test_a_babys_shut_eyes_pass_and_a_covered_eye_still_fails(analyzer, index: int) -> None:
    photo = load_portrait(index)
    clean = analyzer.analyse(photo)
    landmarks = clean.faces[0].landmarks.astype(np.float64)
    shut = close_eye(close_eye(photo, landmarks, 36), landmarks, 42)
    analysis = analyzer.analyse(shut, known_faces=_same_face(clean))
    adult, baby = (_flagged(shut, analysis, name) for name in (ADULT, BABY))
    assert EYES_OPEN & set(adult), sorted(adult)  # the drawn eyes do read as shut
    assert not EYES_OPEN & set(baby) and "eye_occlusion" not in baby, {k: c.reason for k, c in baby.items()}
    assert set(baby) == set(adult) - EYES_OPEN - {"mouth_closed"}
    covered = occlude(photo, eye_box(landmarks), "black")
    hidden = _flagged(covered, analyzer.analyse(covered, known_faces=_same_face(clean)), BABY)
    assert hidden.get("eye_occlusion") is not None and hidden["eye_occlusion"].verdict is Verdict.FAIL, sorted(hidden)
