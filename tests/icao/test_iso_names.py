"""ISO/IEC 29794-5 names: every check that measures a quality component says which, in results and JSON."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from pfiq_desktop.engine.icao import CHECKS, run_checks
from pfiq_desktop.engine.icao.registry import ISO_29794_5_MEASURES
from pfiq_desktop.engine.results import Analysis, Face

MAPPING = Path(__file__).resolve().parents[2] / "docs" / "ISO_29794_5_MAPPING.md"


def test_the_28_components_as_ofiq_names_them() -> None:
    assert len(ISO_29794_5_MEASURES) == 28
    assert {"HeadPoseYaw", "HeadPosePitch", "HeadPoseRoll", "InterEyeDistance", "UnifiedQualityScore"} <= ISO_29794_5_MEASURES


def test_checks_carry_only_component_names_and_share_one_only_for_the_two_eyes() -> None:
    names = Counter(spec.iso_measure for spec in CHECKS.values() if spec.iso_measure)  # (an unknown one fails at import)
    assert {name for name, count in names.items() if count > 1} == {"EyesOpen"}  # export takes the less open eye
    assert CHECKS["pose_yaw"].iso_measure == "HeadPoseYaw" and CHECKS["glasses"].iso_measure == ""


def test_the_mapping_document_covers_every_component_and_check() -> None:
    text = MAPPING.read_text(encoding="utf-8")
    assert not (missing := [name for name in ISO_29794_5_MEASURES if name not in text]), f"{MAPPING.name} lacks {missing}"
    assert not (missing := [c for c in CHECKS if f"`{c}`" not in text]), f"{MAPPING.name} has no row for the checks {missing}"


def test_results_carry_the_name_through_json(portrait: np.ndarray, portrait_faces: list[Face]) -> None:
    results = run_checks(portrait, portrait_faces)
    named = {c.id: c.iso_measure for c in results}
    assert named["inter_eye_distance"] == "InterEyeDistance" and named["eye_open_left"] == named["eye_open_right"] == "EyesOpen"
    data = Analysis(source="x", image_size=(570, 735), checks=results).to_dict()
    assert {c["id"]: c["iso_measure"] for c in data["checks"]}["pose_pitch"] == "HeadPosePitch"
    assert Analysis.from_dict(data).checks == results
    old = Analysis.from_dict({**data, "checks": [{k: v for k, v in c.items() if k != "iso_measure"} for c in data["checks"]]})
    assert {c.iso_measure for c in old.checks} == {""}  # analyses saved before the field still load
