"""The deviation map (issue 14): a face's map compared with compliant faces, on bundled portraits the
reference was not built from (portraits_official 0-19; the reference uses 70 others)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pfiq_desktop.engine import disturbances as dist
from pfiq_desktop.engine.deviation import (
    deviation_chip,
    load_reference,
    low_outlines,
    low_share,
)
from pfiq_desktop.engine.deviation_bands import CLEARLY_LOWER, band
from pfiq_desktop.engine.faces import photo_points_to_chip
from pfiq_desktop.engine.results import Analysis, CheckResult, Evidence, Verdict
from tests.photos import load_portrait

PORTRAITS = range(6)


def _eye_patch(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A black patch over the eye on the photo's left (landmarks 36-41), half an eye width beyond it."""
    eye = landmarks[36:42]
    (left, top), (right, bottom) = eye.min(axis=0), eye.max(axis=0)
    pad = 0.5 * (right - left)
    return dist.occlude(image, (int(left - pad), int(top - pad), int(right + pad), int(bottom + pad)), "black")


@pytest.fixture(scope="module")
def pairs(analyzer) -> list[tuple[Analysis, Analysis]]:
    """(clean, eye-patched) analyses of each portrait."""
    out = []
    for index in PORTRAITS:
        image = load_portrait(index)
        clean = analyzer.analyse(image)
        out.append((clean, analyzer.analyse(_eye_patch(image, clean.faces[0].landmarks))))
    return out


def test_clean_portraits_have_little_clearly_low_area(pairs):
    shares = [low_share(clean.faces[0].deviation_chip) for clean, _ in pairs]
    assert float(np.median(shares)) <= 0.05, shares  # issue 14: median share at <= -2 at most 5 %


def test_an_eye_patch_is_the_lowest_region_and_clearly_low(pairs):
    pointed = 0
    for clean, patched in pairs:
        regions = patched.faces[0].region_deviation
        pointed += min(regions, key=regions.__getitem__) == "left_eye"
        assert low_share(patched.faces[0].deviation_chip) > low_share(clean.faces[0].deviation_chip)
    assert pointed >= len(pairs) - 1, pointed
    eyes = [patched.faces[0].region_deviation["left_eye"] for _, patched in pairs]
    assert float(np.median(eyes)) <= CLEARLY_LOWER, eyes


def test_findings_name_the_patched_eye_and_not_a_clean_face(pairs):
    patched_named = sum(any(s.startswith("Eye area on the photo's left") for s in patched.faces[0].findings)
                        for _, patched in pairs)
    assert patched_named >= len(pairs) - 1
    clean_first = [clean.faces[0].findings[0] for clean, _ in pairs]
    assert sum(s.startswith("No face region is clearly lower as a whole") for s in clean_first) >= len(pairs) // 2, clean_first
    # where the map outlines spots, the words say so rather than that nothing is lower
    for (clean, _), first in zip(pairs, clean_first):
        if first.startswith("No face region"):
            assert ("spots are outlined" in first) == (low_share(clean.faces[0].deviation_chip) > 0), first


def test_outlines_surround_the_patch_on_the_photo(pairs):
    _, patched = pairs[0]
    face = patched.faces[0]
    lines = low_outlines(face.deviation_chip, face.chip_transform, patched.image_size)
    assert lines, "the patched eye must be outlined"
    eye_centre = face.landmarks[36:42].mean(axis=0)
    assert any(np.linalg.norm(line.mean(axis=0) - eye_centre) < 0.6 * np.ptp(face.landmarks[:, 0]) for line in lines)


def test_outlines_stay_inside_the_photo(pairs):
    # a chip reaching past the photo's edge (a face low in the frame) drew its outline through the border beneath it
    clean, _ = pairs[0]
    face = clean.faces[0]
    everything_low = np.full_like(face.deviation_chip, -5.0)  # the outline is then the chip's own border
    width, height = clean.image_size
    cut = int(face.landmarks[:, 1].max())  # a photo ending at the chin: the chip reaches below it
    lines = low_outlines(everything_low, face.chip_transform, (width, cut))
    assert lines and all((line >= 0).all() and (line[:, 0] <= width - 1).all() and (line[:, 1] <= cut - 1).all()
                         for line in lines)
    assert max(line[:, 1].max() for line in lines) == cut - 1  # clipped at the edge, not dropped


def test_a_factor_on_the_whole_map_cancels(pairs):
    """q / sum(e) multiplies the paper's map; the deviation must not depend on it."""
    clean, _ = pairs[0]
    face = clean.faces[0]
    reference = load_reference(clean.backbone, clean.map_method)
    assert reference is not None
    magnitude = np.exp(np.random.default_rng(3).normal(size=(150, 150))).astype(np.float32)
    landmarks = photo_points_to_chip(face.landmarks, face.chip_transform)
    base = deviation_chip(magnitude, landmarks, reference)
    for factor in (37.5, 1e-3):
        scaled = deviation_chip(magnitude * factor, landmarks, reference)
        assert np.nanmax(np.abs(scaled - base)) < 1e-3


def test_deviation_and_findings_survive_json(pairs):
    _, patched = pairs[0]
    restored = Analysis.from_json(patched.to_json())
    face, back = patched.faces[0], restored.faces[0]
    assert back.findings == face.findings and back.region_deviation == pytest.approx(face.region_deviation)
    assert np.allclose(back.deviation_chip, face.deviation_chip, atol=0.01, equal_nan=True)
    assert back.deviation.shape == face.deviation.shape == (patched.image_size[1], patched.image_size[0])
    assert np.isnan(back.deviation[0, 0])  # NaN outside the face, like face.plq


def test_bands_read_from_the_bottom_up():
    assert band(-3.5) == "much lower than in compliant photos"
    assert band(-2.5) == "clearly lower than in compliant photos"
    assert band(0.3) == band(-0.9) == "not markedly lower than in compliant photos"
    # not "as in": a hand over an eye read "as in compliant photos (+2.2)" beside "covered 100 % likely" (walk-through)
    assert band(2.2) == "higher than in compliant photos"


def test_a_check_quoted_in_a_finding_keeps_an_acronym():
    # "... too few tones and jPEG compression blocks are visible": the first letter was lowered, word or acronym
    from pfiq_desktop.engine.findings import _said
    from pfiq_desktop.engine.results import CheckResult, Verdict

    def said(reason: str) -> str:
        return _said(CheckResult("compression", "No compression artefacts", "photometric", Verdict.FAIL, reason))

    assert said("JPEG compression blocks are visible (blockiness 3.63; allowed 1.60).") == "JPEG compression blocks are visible"
    assert said("Face is too dark (mean 41/255).") == "face is too dark (mean 41/255)"


def test_a_failed_check_where_the_map_is_as_usual_is_not_called_unimportant():
    # a surgical mask: mouth and chin as in compliant photos on the map; "(a requirement of the photo standard rather
    # than a recognition problem here)" read to an officer as "the mask does not matter"
    from pfiq_desktop.engine.findings import face_findings
    from pfiq_desktop.engine.results import CheckResult, Evidence, Verdict

    mask = CheckResult("lower_face_covered", "Mouth and chin uncovered (no mask, scarf or hand)", "occlusion", Verdict.FAIL,
                       "The mouth and chin look covered (a mask, a scarf or a hand): 84 % likely.",
                       evidence=Evidence(regions=["mouth", "chin"]))
    sentences = face_findings({"mouth": 2.1, "chin": 1.3, "nose": 0.2}, [mask], 0.9, [], 0.0)
    said = next(s for s in sentences if "mouth and chin look covered" in s)
    assert said.startswith("Chin: not markedly lower than in compliant photos (+1.3)") and "the map shows no loss here" in said, sentences
    assert "rather than a recognition problem" not in " ".join(sentences)
    # "recognition uses this area as usual" read as reassurance beside a mask, a shut eye and a deep shadow, which the
    # map misses (map-reading walk-through): the sentence says so, and leaves the verdict to the checklist
    assert "seldom shows closed eyes, masks, shadows, blur or plain covers" in said and "as usual" not in said


def test_many_scattered_spots_are_not_called_nothing_clearly_lower():
    # a snowy background's face: "No face area is clearly lower ...; the scattered outlined spots cover 10 % of the face
    # (compliant photos: typically 2-3 %)" beside another photo's "Clearly lower areas cover 10 %" (walk-through)
    from pfiq_desktop.engine.findings import face_findings

    regions = {"mouth": -0.5, "chin": -0.8, "nose": 0.2}
    many, usual, few = (face_findings(regions, [], 0.9, [], share)[0] for share in (0.10, 0.07, 0.02))
    assert many.startswith("No face region is clearly lower as a whole, but scattered outlined spots cover 10 %"), many
    assert "more than in compliant photos (about 3 %, 9 in 10 under 7 %)" in many
    # 7 % is the 90th percentile of clean portraits: "typically 2-3 %" made 4 of 10 clean photos look defective
    assert usual.startswith("No face region is clearly lower as a whole than in compliant photos; only scattered spots are "
                            "outlined, covering 7 %"), usual
    assert few.startswith("No face region is clearly lower as a whole than in compliant photos; only scattered spots are "
                         "outlined, covering 2 %"), few


def test_under_side_light_the_map_sends_no_one_to_the_lit_cheek():
    # side-lit faces: the shadowed half read higher than the lit half on 7 of 7 faces, and "Cheek on the photo's right
    # (lit): clearly lower ...; look for an occluder" sent the officer to the wrong side (map-reading walk-through)
    from pfiq_desktop.engine.findings import SIDE_LIGHT_NOTE, LowArea, face_findings

    regions = {"right_cheek": -3.2, "left_cheek": 2.9, "nose": 0.2}
    areas = [LowArea(0.05, -3.3, "right_eye")]
    even = CheckResult("lighting_uniformity", "Even lighting (no side shadow)", "photometric", Verdict.PASS, "Even.")
    side = dataclasses.replace(even, verdict=Verdict.FAIL, reason="Side lighting: the left half of the face is in shadow.")
    lit = face_findings(regions, [even], 0.9, areas, 0.08)
    assert sum("look for an occluder" in s for s in lit) == 2 and SIDE_LIGHT_NOTE not in lit, lit
    shadowed = face_findings(regions, [side], 0.9, areas, 0.08)
    assert not any("look for an occluder" in s for s in shadowed) and shadowed[1] == SIDE_LIGHT_NOTE, shadowed
    assert shadowed[0].startswith("Clearly lower areas cover 8 % of the face"), shadowed
    # the shadowed cheek the check names read "higher than in compliant photos (+3.4)", and the caveat, fourth, was
    # below the fold of the findings box (officer's walk-through): the caveat comes first, the map's reading is left out
    named = dataclasses.replace(side, evidence=Evidence(regions=["left_cheek"]))
    said = face_findings(regions, [named], 0.9, areas, 0.08)
    assert said[1] == SIDE_LIGHT_NOTE and said[2].startswith("Cheek on the photo's left: the checklist reports side lighting"), said
    assert "+2.9" not in said[2] and "higher" not in said[2], said


def test_several_check_clauses_with_their_own_punctuation_are_quoted_apart():
    # sunglasses: "...reports the eye on the photo's left is not visible behind a dark lens, tinted glasses or sunglasses
    # are worn: not allowed and the eyes are hidden..." read as one run-on sentence (officer walk-through)
    from pfiq_desktop.engine.findings import _join

    assert _join(["the mouth is open", "the chin is covered"]) == "the mouth is open and the chin is covered"
    quoted = _join(["the eye is not visible", "sunglasses are worn: not allowed", "the eyes are hidden"])
    assert quoted == "\u201cthe eye is not visible\u201d, \u201csunglasses are worn: not allowed\u201d and \u201cthe eyes are hidden\u201d"


def test_a_face_lying_on_its_side_in_a_photo_stored_turned_gets_no_occluder_hunt(pairs):
    # the findings read "no checklist item explains it: look for an occluder" where no check had been judged
    import dataclasses

    from pfiq_desktop.engine.findings import add_findings
    from pfiq_desktop.engine.results import FACE_PRESENT, STORED_TURNED_UNIT

    _, patched = pairs[0]
    turned = dataclasses.replace(patched, faces=[dataclasses.replace(f) for f in patched.faces], checks=[
        dataclasses.replace(c, verdict=Verdict.FAIL, value=270.0, unit=STORED_TURNED_UNIT) if c.id == FACE_PRESENT
        else dataclasses.replace(c, verdict=Verdict.NOT_ASSESSABLE) for c in patched.checks])
    add_findings(turned)
    assert turned.faces[0].findings == ["The photo is stored sideways: its checks and findings wait until it is turned "
                                        "upright and analysed again."]
    assert turned.faces[0].region_deviation == patched.faces[0].region_deviation  # the region table stays
    assert any("Eye area" in s for s in patched.faces[0].findings)


def test_a_face_cut_through_its_forehead_is_not_said_to_be_low_where_the_photo_ends(analyzer, pairs):
    # a face cropped from the brows to the chin read "Forehead: much lower than in compliant photos (-3.6); no
    # checklist item explains it: look for an occluder", and the map painted the chip's fill above the photo red
    clean = pairs[0][0]
    face = clean.faces[0]
    brows, chin = float(face.landmarks[17:27, 1].min()), float(face.landmarks[8, 1])
    jaw = face.landmarks[[0, 16], 0]
    image = load_portrait(PORTRAITS[0])
    cut = analyzer.analyse(np.ascontiguousarray(image[int(brows):int(chin) + 5, int(jaw[0]):int(jaw[1])]))
    assert cut.faces, cut.errors
    assert np.isnan(cut.faces[0].region_deviation["forehead"])  # not seen: no mean of the strip at the edge
    assert not any("forehead" in sentence.lower() for sentence in cut.faces[0].findings), cut.faces[0].findings
    # the chip's pixels from outside the photo have no deviation; a whole photo keeps every pixel's
    in_photo = np.isfinite(cut.faces[0].deviation_chip)
    assert in_photo[: in_photo.shape[0] // 5].mean() < 0.2 and np.isfinite(face.deviation_chip).mean() > 0.6


def test_only_a_deep_unexplained_place_sends_the_officer_looking_for_an_occluder():
    # at -2.5 hair, beards and the face's edge on 11 of 40 clean development portraits got "look for an occluder", and
    # 15 of 15 such sentences in the explanation walk-through led nowhere; drawn occluders mostly read -3 and lower. A
    # shallower place is still said, lower on the map with no cause named (a region at -2.2 kept the lead: review)
    from pfiq_desktop.engine.findings import LOOK_THERE, LowArea, face_findings

    for depth, sent in ((-2.7, False), (-3.4, True)):
        area = face_findings({"nose": 0.1}, [], 0.9, [LowArea(0.05, depth, "nose")], 0.05)
        region = face_findings({"forehead": depth, "nose": 0.1}, [], 0.9, [], 0.05)
        for sentences in (area, region):
            assert sentences[0].startswith("Clearly lower areas cover 5 %"), sentences  # the headline says it either way
            said = [s for s in sentences[1:] if f"({depth:+.1f})" in s]
            assert len(said) == 1 and (LOOK_THERE in said[0]) is sent, sentences
            assert sent or "no checklist item names a cause" in said[0], said


def test_a_deep_place_beside_a_turned_head_names_the_turn_not_an_occluder():
    # "Eye area on the photo's right: much lower (-3.0); no checklist item explains it: look for an occluder" beside
    # a failed 40-degree turn to that side, whose far eye is foreshortened (officer's walk-through)
    from pfiq_desktop.engine.findings import LOOK_THERE, LowArea, face_findings
    from pfiq_desktop.engine.results import CheckResult, Verdict

    turned = CheckResult("pose_yaw", "Head not turned (yaw)", "pose", Verdict.FAIL, "Head turned 40.6 deg to the photo's right.")
    for sentences in (face_findings({"right_eye": -3.0, "nose": 0.1}, [turned], 0.9, [], 0.05),
                      face_findings({"nose": 0.1}, [turned], 0.9, [LowArea(0.05, -3.4, "right_eye")], 0.05)):
        said = [s for s in sentences[1:] if "(-3." in s]
        assert len(said) == 1 and LOOK_THERE not in said[0], sentences
        assert "perhaps because the head is turned or tilted (the checklist fails \u201cHead not turned (yaw)\u201d)" in said[0], said
    untouched = face_findings({"right_eye": -3.0, "nose": 0.1}, [dataclasses.replace(turned, verdict=Verdict.PASS)], 0.9, [], 0.05)
    assert any(LOOK_THERE in s for s in untouched), untouched  # a head held straight: still a lead to follow


def test_a_place_lower_on_a_face_too_dark_names_the_exposure_as_a_possible_cause():
    # "Chin: clearly lower (-2.1); no checklist item names a cause" stood right above "The checklist reports face is too
    # dark (mean 0/255)" on a pitch-black face (walk-through): the failed exposure is named at the place, once
    from pfiq_desktop.engine.findings import LOOK_THERE, LowArea, face_findings
    from pfiq_desktop.engine.results import CheckResult, Verdict

    dark = CheckResult("exposure", "Exposure", "photometric", Verdict.FAIL, "Face is too dark (mean 0/255). The light may not "
                       "reach the face.")
    black = CheckResult("clipping", "No under-/over-exposed areas", "photometric", Verdict.FAIL, "100% of the face is pure black.")
    said = face_findings({"chin": -2.1, "nose": 0.1}, [dark, black], 0.2, [LowArea(0.05, -3.4, "nose")], 0.11)
    chin = [s for s in said if s.startswith("Chin:")]
    assert len(chin) == 1 and "no checklist item" not in chin[0], said
    assert "perhaps as the checklist reports face is too dark (mean 0/255), which can hide" in chin[0], chin
    area = [s for s in said if s.startswith("An area near the nose")]  # said again as above; a deep place keeps its lead
    assert len(area) == 1 and "the exposure the checklist reports above" in area[0] and LOOK_THERE in area[0], said
    whole = [s for s in said if "concerns the whole face" in s]
    assert len(whole) == 1 and "too dark" not in whole[0] and "pure black" in whole[0], said  # said once
    lit = face_findings({"chin": -2.1, "nose": 0.1}, [dataclasses.replace(dark, verdict=Verdict.PASS)], 0.9, [], 0.05)
    assert any("no checklist item names a cause" in s for s in lit), lit  # a face exposed well: as before


def test_a_warning_where_the_map_outlines_spots_is_said_with_them():
    # a glare spot the map outlined and a warning named ("11% of the cheek ... pure white") read only "the scattered
    # outlined spots cover 4 %" in the findings (explanation walk-through)
    from pfiq_desktop.engine.findings import face_findings
    from pfiq_desktop.engine.results import CheckResult, Evidence, Verdict

    glare = CheckResult("clipping", "No under-/over-exposed areas", "photometric", Verdict.WARN,
                        "11% of the cheek on the photo's left is pure white: a hot spot (over-exposed), or something white there.",
                        evidence=Evidence(regions=["left_cheek"]))
    regions = {"left_cheek": -1.3, "nose": 0.2}
    said = face_findings(regions, [glare], 0.9, [], 0.04, {"left_cheek": 0.19, "nose": 0.0})
    cheek = [s for s in said if s.startswith("Cheek on the photo's left")]
    assert len(cheek) == 1 and "with outlined spots over 19 % of it" in cheek[0] and "pure white" in cheek[0], said
    # where the map outlines little there, the warning's checklist row says enough, as before
    assert not any("pure white" in s for s in face_findings(regions, [glare], 0.9, [], 0.04, {"left_cheek": 0.03}))


def test_outlined_spots_too_small_to_round_to_a_percent_are_not_said_to_cover_0_percent():
    # "the scattered outlined spots cover 0 % of the face" (explanation walk-through)
    from pfiq_desktop.engine.findings import face_findings

    headline = face_findings({"nose": 0.1}, [], 0.9, [], 0.003)[0]
    assert "spots are outlined, covering under 1 % of the face" in headline and " 0 %" not in headline, headline
    assert "spots are outlined, covering 3 % of the face" in face_findings({"nose": 0.1}, [], 0.9, [], 0.03)[0]


def test_an_area_near_an_eye_is_not_called_an_area_near_the_eye_area():
    # "An area near the eye area on the photo's left ..." (reports walk-through)
    from pfiq_desktop.engine.findings import LowArea, face_findings

    sentences = face_findings({"left_eye": -0.5, "nose": 0.2}, [], 0.9, [LowArea(0.04, -2.5, "left_eye")], 0.04)
    assert any(s.startswith("An area near the eye on the photo's left (4 % of the face): clearly lower") for s in sentences), sentences


def test_a_hot_spot_is_quoted_at_its_region_and_not_again_as_about_the_whole_face():
    # "The checklist reports 30% of the forehead is pure white...: this concerns the whole face" beside the forehead's
    # own sentence quoting it (review of the day's diff)
    from pfiq_desktop.engine.findings import face_findings
    from pfiq_desktop.engine.results import CheckResult, Evidence, Verdict

    spot = CheckResult("clipping", "No under-/over-exposed areas", "photometric", Verdict.FAIL,
                       "30% of the forehead is pure white: a hot spot (over-exposed), or something white there.", 0.3, "fraction",
                       evidence=Evidence(regions=["forehead"]))
    sentences = face_findings({"forehead": -2.4, "nose": 0.1}, [spot], 0.9, [], 0.05)
    assert sum("30% of the forehead is pure white" in s for s in sentences) == 1, sentences
    assert not any("concerns the whole face" in s for s in sentences), sentences


def test_a_spot_inside_a_region_a_check_points_at_is_said_with_that_check():
    # a hot spot: "Forehead: not markedly lower than in compliant photos (-0.9); the checklist reports ... pure white (the map does not show
    # it ...)" then "An area near the forehead (7 %): clearly lower (-2.9); look for an occluder" (map-reading walk-through)
    from pfiq_desktop.engine.findings import MAP_MISSES, LowArea, face_findings

    glare = CheckResult("clipping", "No under-/over-exposed areas", "photometric", Verdict.FAIL,
                        "A hot spot on the forehead is pure white.", evidence=Evidence(regions=["forehead"]))
    sentences = face_findings({"forehead": -0.9, "nose": 0.2}, [glare], 0.9, [LowArea(0.07, -2.9, "forehead")], 0.07)
    forehead = [s for s in sentences if "orehead" in s]
    assert forehead == ["Forehead: not markedly lower than in compliant photos (-0.9), with a spot (7 % of the face) clearly lower than in "
                        "compliant photos (-2.9); the checklist reports a hot spot on the forehead is pure white."], sentences
    assert MAP_MISSES not in " ".join(sentences) and "look for an occluder" not in " ".join(sentences)
    elsewhere = face_findings({"forehead": -0.9, "nose": 0.2}, [glare], 0.9, [LowArea(0.07, -2.9, "chin")], 0.07)
    assert any(s.startswith("An area near the chin (7 % of the face)") for s in elsewhere), elsewhere
    # a check pointing at two regions: a spot in the second is said with it too (review of the day's diff)
    mask = CheckResult("lower_face_covered", "Mouth and chin uncovered", "occlusion", Verdict.FAIL,
                       "The mouth and chin look covered.", evidence=Evidence(regions=["mouth", "chin"]))
    both = face_findings({"mouth": -0.5, "chin": -0.8, "nose": 0.2}, [mask], 0.9, [LowArea(0.05, -2.9, "mouth")], 0.05)
    assert not any("look for an occluder" in s for s in both) and any("with a spot (5 % of the face)" in s for s in both), both
    low_both = face_findings({"mouth": -2.5, "chin": -3.0, "nose": 0.2}, [mask], 0.9, [], 0.1)  # both regions low
    assert "Mouth: clearly lower than in compliant photos (-2.5); the checklist's finding above concerns it too." in low_both
    assert not any("look for an occluder" in s for s in low_both), low_both
