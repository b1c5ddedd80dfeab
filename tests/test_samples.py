"""The bundled "Try the sample" photos each show what they are named for (issue 12): the named defect fails
its check, and the unedited portrait fails none of those checks, nor any framing check that would bury them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.icao.registry import FRAMING_CHECKS
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import CheckResult, Verdict
from pfiq_desktop.gui.samples import make_sample_folder
from tests.icao.facebuild import detect_faces

EYES = ("eye_open_left", "eye_open_right")
# sample file -> the checks it must fail
EXPECTED_FAILURES = {
    "1_astronaut.jpg": (),
    "2_blurred.png": ("sharpness",),
    "3_sunglasses.png": ("glasses", "eye_occlusion", *EYES),
    "4_side_lit.png": ("lighting_uniformity",),
}
# the frame is enlarged 3 times, which the inter-eye check reads where nothing drawn over the face adds fine detail (the
# sunglasses' edges do)
READ_ENLARGED = {"1_astronaut.jpg", "2_blurred.png", "4_side_lit.png"}
NAMED_CHECKS = sorted({check for checks in EXPECTED_FAILURES.values() for check in checks})


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_folder(tmp_path_factory.mktemp("samples"))


def checks_of(path: Path) -> dict[str, CheckResult]:
    image = load_image(path)
    faces = detect_faces(image)
    assert len(faces) == 1, path.name
    return {c.id: c for c in run_checks(image, faces, load_profile("icao-9303"))}


def test_the_sample_folder_holds_every_sample(samples: Path) -> None:
    assert sorted(p.name for p in samples.iterdir()) == sorted(EXPECTED_FAILURES)


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_each_sample_fails_the_checks_it_is_named_for_and_no_other_named_one(samples: Path, name: str) -> None:
    checks = checks_of(samples / name)
    failed = {check for check in NAMED_CHECKS if checks[check].verdict is Verdict.FAIL}
    assert failed == set(EXPECTED_FAILURES[name]), {check: checks[check].reason for check in NAMED_CHECKS}


def test_the_sunglasses_are_tinted_glasses_and_the_side_light_is_a_shadow(samples: Path) -> None:
    sunglasses = checks_of(samples / "3_sunglasses.png")
    assert "Tinted glasses or sunglasses" in sunglasses["glasses"].reason
    assert all("not visible" in sunglasses[eye].reason for eye in EYES)
    side_lit = checks_of(samples / "4_side_lit.png")["lighting_uniformity"]
    assert "Side lighting: the right half of the face" in side_lit.reason and side_lit.value < 0.45


def test_the_unedited_portrait_is_framed_as_a_passport_photo_so_only_its_smile_fails(samples: Path) -> None:
    checks = checks_of(samples / "1_astronaut.jpg")
    failed = {check for check, result in checks.items() if result.verdict is Verdict.FAIL}
    assert failed == {"mouth_closed"}, {check: checks[check].reason for check in failed}
    # the README says which warn: it named only the enlargement, and a new officer's first photo also warned of a head
    # covering (walk-through): her fringe, low over the forehead, which the application's warning names
    warned = {check for check, result in checks.items() if result.verdict is Verdict.WARN}
    assert warned == {"inter_eye_distance", "head_covering"}, {check: checks[check].reason for check in warned}


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_no_sample_is_flagged_for_its_framing_but_for_being_enlarged(samples: Path, name: str) -> None:
    # the wide shot failed nine framing checks on every variant, burying what each is there to show; framed with the
    # eyes 121 px apart, the sunglasses' landmarks still warned "Too few pixels between the eyes?" (review). The frame
    # is the 512 px portrait enlarged 3 times, and "Inter-eye distance" may say so: only as a warning, and only that
    checks = checks_of(samples / name)
    flagged = {check for check in FRAMING_CHECKS if check in checks and checks[check].verdict in (Verdict.FAIL, Verdict.WARN)}
    assert flagged == ({"inter_eye_distance"} if name in READ_ENLARGED else set()), {c: checks[c].reason for c in flagged}
    if flagged:
        eyes = checks["inter_eye_distance"]
        # the blurred one reads as enlarged 12 times, doubted by its failed focus
        assert eyes.verdict is Verdict.WARN and re.search(r"enlarged about \d+ times", eyes.reason), eyes.reason


