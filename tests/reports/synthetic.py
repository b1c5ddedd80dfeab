"""Hand-built Analysis objects for report tests that need odd cases (many checks, several faces, errors).

Faces come from the real detector on the sample photo (via tests/icao/facebuild);
the PLQ chip is a smooth made-up pattern and the checks are invented but shaped
like the engine's (thresholds from `grade`, evidence in photo pixels).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from pfiq_desktop.engine.results import Analysis, CheckResult, Evidence, Face, Verdict

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample_astronaut.jpg"


def sample_rgb() -> np.ndarray:
    from pfiq_desktop.reports.inputs import load_photo

    image = load_photo(SAMPLE)
    assert image is not None, SAMPLE
    return image


def _plq_chip(seed: int = 0) -> np.ndarray:
    y, x = np.mgrid[0:150, 0:150] / 149.0
    chip = 0.85 - 0.9 * ((x - 0.5) ** 2 + (y - 0.45) ** 2) + 0.1 * np.sin(8 * x + seed)
    chip[100:125, 40:110] -= 0.35  # a poor mouth region
    return np.clip(chip, 0, 1).astype(np.float32)


def synthetic_faces(image: np.ndarray, n_faces: int = 1) -> list[Face]:
    from tests.icao.facebuild import detect_faces

    faces = detect_faces(image)[:1]
    assert faces, "the detector found no face in the sample photo"
    face = faces[0]
    face.plq_chip = _plq_chip()
    face.quality, face.quality_raw = 0.71, 0.0312
    face.regions = {
        "left_eye": 0.82, "right_eye": 0.79, "nose": 0.74, "mouth": 0.31,
        "forehead": 0.66, "left_cheek": 0.7, "right_cheek": 0.69, "chin": 0.58,
    }
    face.region_deviation = {
        "left_eye": 0.4, "right_eye": 0.1, "nose": -0.3, "mouth": -2.6,
        "forehead": -0.2, "left_cheek": 0.2, "right_cheek": -0.1, "chin": -1.1,
    }
    face.findings = ["Mouth: clearly lower than in compliant photos (-2.6); the checklist reports the mouth is open."]
    out = [face]
    for k in range(1, n_faces):  # a shifted copy standing for a second person
        shift = np.array([-110.0 * k, 60.0 * k])
        other = dataclasses.replace(
            face,
            box=tuple(int(v) for v in np.array(face.box) + np.tile(shift, 2)),
            landmarks=face.landmarks + shift.astype(np.float32),
            landmarks5=face.landmarks5 + shift.astype(np.float32),
            chip_transform=face.chip_transform - np.hstack([np.zeros((2, 2)), (face.chip_transform[:, :2] @ shift)[:, None]]),
            quality=0.42,
            quality_raw=0.011,
            plq_chip=_plq_chip(k),
        )
        out.append(other)
    return out


def synthetic_checks(face: Face, n_extra: int = 0) -> list[CheckResult]:
    lm = face.landmarks
    left, top, right, bottom = face.box
    checks = [
        CheckResult("single_face", "Exactly one face", "scene", Verdict.PASS, "One face found.", 1, "faces", {"fail_above": 1}),
        CheckResult(
            "sharpness", "Sharpness", "image", Verdict.PASS, "Sharp enough: 212.4.", 212.4, "", {"fail_below": 60, "warn_below": 100}
        ),
        CheckResult(
            "exposure",
            "Exposure",
            "image",
            Verdict.WARN,
            "Slightly dark: mean L 41.",
            41.2,
            "L*",
            {"fail_below": 30, "warn_below": 45, "warn_above": 80, "fail_above": 90},
            Evidence(boxes=[(left, top, right, bottom)]),
        ),
        CheckResult("eyes_open", "Eyes open", "expression", Verdict.PASS, "Both eyes open.", 0.31, "EAR", {"fail_below": 0.18}),
        CheckResult(
            "mouth_closed",
            "Mouth closed",
            "expression",
            Verdict.FAIL,
            "Mouth open: 0.42 > 0.25.",
            0.42,
            "MAR",
            {"fail_above": 0.25, "warn_above": 0.18},
            Evidence(polygons=[[tuple(map(float, p)) for p in lm[48:60]]], regions=["mouth"]),
        ),
        CheckResult(
            "yaw", "Head turned (yaw)", "pose", Verdict.PASS, "Facing the camera: 3.1°.", 3.1, "°", {"fail_above": 12, "warn_above": 8}
        ),
        CheckResult(
            "roll",
            "Head tilted (roll)",
            "pose",
            Verdict.FAIL,
            "Head tilted 9.4° > 8°.",
            9.4,
            "°",
            {"fail_above": 8, "warn_above": 5},
            Evidence(lines=[tuple(map(float, (*lm[36:42].mean(0), *lm[42:48].mean(0))))]),
        ),
        CheckResult(
            "background",
            "Plain background",
            "scene",
            Verdict.FAIL,
            "Background not uniform: 38.5 > 20.",
            38.5,
            "ΔE",
            {"fail_above": 20, "warn_above": 14},
            Evidence(boxes=[(5, 5, 120, 200)], points=[(60.0, 100.0)]),
        ),
        CheckResult("glasses", "No glare on glasses", "accessories", Verdict.NOT_ASSESSABLE, "No glasses detected.", None),
    ]
    for i in range(n_extra):
        checks.append(
            CheckResult(f"extra_{i}", f"Extra requirement {i}", "extra", Verdict.PASS, "Fine.", 0.5 + i / 100, "", {"fail_below": 0.2})
        )
    return checks


def synthetic_analysis(source: str | Path = SAMPLE, n_faces: int = 1, n_extra_checks: int = 0, image: np.ndarray | None = None) -> Analysis:
    image = sample_rgb() if image is None else image
    faces = synthetic_faces(image, n_faces)
    checks = synthetic_checks(faces[0], n_extra_checks)
    for k in range(1, len(faces)):
        checks.append(CheckResult("sharpness", "Sharpness", "image", Verdict.WARN, "Soft face.", 80.0, "",
                                  {"fail_below": 60, "warn_below": 100}, face_index=k))
    return Analysis(
        source=str(source),
        image_size=(image.shape[1], image.shape[0]),
        faces=faces,
        checks=checks,
        timings={"total": 0.5},
        profile="icao-9303",
        quality_estimator="probe-ensemble",
        map_method="gradient",
        backbone="dlib-resnet",
        model_sha256="ab" * 32,
        image_sha256="cd" * 32,
        app_version="0.1.0",
        created="2025-01-02T03:04:05+00:00",
    )


def error_analysis(source: str = "broken.jpg") -> Analysis:
    return Analysis(source=source, image_size=(0, 0), errors=[f"Cannot read {source}: not an image"], app_version="0.1.0")


def with_engine_checks(analysis: Analysis, image: np.ndarray) -> Analysis:
    """The engine's real checklist (icao.run_checks) and region PLQ on the synthetic faces."""
    from pfiq_desktop.engine import icao

    analysis.checks = icao.run_checks(image, analysis.faces, icao.load_profile(icao.DEFAULT_PROFILE))
    for face in analysis.faces:
        face.regions = icao.region_plq(face)
    return analysis
