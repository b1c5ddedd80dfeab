"""Eyes and mouth: each eye open (from its pixels), eyes not covered, mouth closed, glasses, glare, red eye."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from pfiq_desktop.engine.attributes import GLASSES, MOUTH_OPEN, fuse, has_probe, sigmoid
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.enlargement import detail_between_eyes
from pfiq_desktop.engine.icao.eye_pixels import (
    DARK_BAND,
    DEEP_SHADOW_GREY,
    EyeAssessment,
    EyeMeasurements,
    EyeThresholds,
    decide,
    measure_eyes,
)
from pfiq_desktop.engine.icao.grading import Measure, graded
from pfiq_desktop.engine.icao.profile import Profile, load_profile
from pfiq_desktop.engine.icao.regions import SKIN_REGIONS, polygon_mask
from pfiq_desktop.engine.icao.registry import (
    BLOCKY,
    CLOSED_UNIT,
    EYE_COVER_CHECK,
    EYE_OPEN_CHECKS,
    GLASSES_CHECK,
    HALF_BLURRED,
    HIDDEN_UNIT,
    LOWER_FACE_CHECK,
    SMEARED,
    TURNED_HEAD_MAX_YAW,
    NotAssessable,
    check,
)
from pfiq_desktop.engine.landmarks import LEFT_EYE, RIGHT_EYE
from pfiq_desktop.engine.results import Evidence, Verdict

EYE_STATE_BARS = ("closed_one", "closed_both", "wink_gap", "wink_floor", "sure_closed")  # reported as applied
EYE_THRESHOLDS = (*EYE_STATE_BARS, "occluded", "tinted", "sure_tinted", "frame", "dark_lens")
EYE_CHECKS = (EYE_OPEN_CHECKS[0], EYE_COVER_CHECK, GLASSES_CHECK)  # the checks whose tables hold the eye thresholds
RED_OVER_SKIN = 1.6  # how much redder (red over green) than the cheeks a flash-red pupil is at least
# White on the eyes is a reflection where its share of the eye area is at least this many times the rest of the face's
# (the eyes and the bare-skin regions left out, where a flash's hot spots lie). At 130 % of their grey levels, 17 of 150
# official portraits were flagged for glare (7 failed): their lids and brows turn white with the rest of the face, which
# the median skin region's share did not show; with this rule 1 is. Drawn reflections stay found beside flash spots on
# the forehead and the nose (leaving out only the whitest region hid 102 of 102 small ones there; review) and on a face
# at 120 % (wrong-cause audit, docs/EVALUATION.md "Wrong causes, second pass")
GLARE_APART = 3.0
# with the built-in network's mouth probe (engine/attributes.py): log-odds that teeth show or the lips are apart =
# a x lip gap + b x network + c, refitted by `python -m benchmarks.fit_attribute_probes --probes mouth_open --check`
MOUTH_WITH_NETWORK = (
    (
        ("pixels", 22.2803),
        ("network", 1.3449),
    ),
    -2.3924,
)
EYE_DOUBTS = (BLOCKY, SMEARED, HALF_BLURRED)  # what can fake a closed or covered eye: JPEG blocks, a smear, a blur
GLASSES_UNITS = {"clear": "% clear", "tinted": "% tinted", "none": "% no glasses"}  # the reading's confidence in what it saw


def profile_eye_thresholds(profile: Profile) -> dict[str, float]:
    """The eye thresholds of a profile's eye checks' tables (`EYE_CHECKS`, a later table's value over an earlier one's:
    occluded is "Eyes not covered"'s, dark_lens "Glasses"'; the right eye's table decides that eye's check only)."""
    return {k: float(v) for check_id in EYE_CHECKS for k, v in profile.params(check_id).items() if k in EYE_THRESHOLDS}


@cache
def _default_eye_thresholds() -> dict[str, float]:
    return profile_eye_thresholds(load_profile())


def eye_thresholds(params: dict[str, Any], profile: Profile | None = None) -> EyeThresholds:
    """A check's eye thresholds: its own table's, and the profile's (default: the default profile) for those another
    eye check owns. One measurement decides the eye states, the glasses and the occlusion together, so "Eye open"
    reads a profile's tint bar from its glasses table, and "Glasses" its closed-eye bars from its eye tables."""
    own = {k: float(params[k]) for k in EYE_THRESHOLDS if k in params}
    return EyeThresholds(**{**(_default_eye_thresholds() if profile is None else profile_eye_thresholds(profile)), **own})


def eye_assessment(ctx: Context, params: dict[str, Any]) -> EyeAssessment:
    """Both eyes read from their pixels; measured once per face, decided with each check's own thresholds."""
    if "eye_pixels" not in ctx.cache:
        face = ctx.face
        assert face is not None  # ctx.landmarks below raises NotAssessable first without a face
        landmarks = ctx.landmarks
        cheeks = {name: ctx.regions[name] for name in ("left_cheek", "right_cheek")}
        ctx.cache["eye_pixels"] = measure_eyes(ctx.rgb, landmarks, face.chip_transform, face.plq_chip, cheeks, face.attributes)
    measured: EyeMeasurements = ctx.cache["eye_pixels"]
    return decide(measured, eye_thresholds(params, ctx.profile))


def _eye_check(ctx: Context, params: dict[str, Any], side: str) -> Measure:
    assessment = eye_assessment(ctx, params)
    eye = getattr(assessment, side)
    if eye.state == "not_assessable":
        raise NotAssessable(eye.why_unjudged)
    hidden = eye.state == "not_visible"
    bars = assessment.thresholds
    applied = {k: float(getattr(bars, k)) for k in EYE_STATE_BARS if k in params}
    # the bars in the value's own unit, for one eye alone (a wink or both eyes shut are flagged lower, and say so):
    # the log-odds beside a "% closed" value told a supervisor nothing (walk-through). Without the network's probes
    # every eye called closed fails (sure_closed 0): no warning band then
    flagged, sure = sigmoid(bars.closed_one), max(sigmoid(bars.closed_one), bars.sure_closed)
    if not hidden:
        applied |= {"fail_above": 100 * sure} | ({"warn_above": 100 * flagged} if sure > flagged else {})
    return Measure(
        Verdict.PASS if eye.state == "open" else Verdict.FAIL if eye.sure else Verdict.WARN,
        eye.reason,
        100 * (eye.score if hidden else eye.closed_score),  # unrounded: its sentence rounds the same number
        HIDDEN_UNIT if hidden else CLOSED_UNIT,
        applied,
        Evidence(boxes=[eye.box], regions=[f"{side}_eye"]),
        iso_value=round(eye.seen_open, 3),  # EyesOpen
    )


@check(EYE_OPEN_CHECKS[0], "Eye open (photo left)", "eyes_mouth", frontal=True, iso="EyesOpen", doubted_by=EYE_DOUBTS)
def eye_open_left(ctx: Context, params: dict[str, Any]) -> Measure:
    """Open, closed or not visible, from the eye's pixels (an iris, a lid line, a cover), not the landmarks alone."""
    return _eye_check(ctx, params, "left")


@check(EYE_OPEN_CHECKS[1], "Eye open (photo right)", "eyes_mouth", frontal=True, iso="EyesOpen", doubted_by=EYE_DOUBTS)
def eye_open_right(ctx: Context, params: dict[str, Any]) -> Measure:
    return _eye_check(ctx, params, "right")


def lip_gap(landmarks: np.ndarray) -> float:
    """The inner lips' gap over the mouth's width (points 61-67, 62-66, 63-65 over 60-64)."""
    gap = np.mean([np.hypot(*(landmarks[a] - landmarks[b])) for a, b in ((61, 67), (62, 66), (63, 65))])
    return float(gap / max(float(np.hypot(*(landmarks[64] - landmarks[60]))), 1e-6))


def mouth_in_shadow(ctx: Context) -> float | None:
    """The brightest of the cheeks' and the chin's median grey (of 255) where even that is deep shadow
    (`DEEP_SHADOW_GREY`, the eyes' bar): the skin all around the mouth is too dark for its lips to be seen, and the
    landmarks' lips are a guess; None where any of it is lit, or none of it is on the photo. A pitch-black face (face
    mean 0.7 of 255) warned "Mouth is open (lip gap 12 %)" beside eyes, glasses and covers not judged, and the officer's
    pre-ticked reasons named an open mouth (walk-through). The brightest, not one side: under side light the lit half
    of the mouth is still read, as the lit eye is. Dev (276 Extended Yale B photos, nearly all mouths closed): of those read "open"
    (warn or fail), 3 of 3 ambient-lit, 10 of 15 lit from above or below and 11 of 25 under strong side light are not
    judged (the brightest of the three at 0-30); none lit from the front or moderately from a side is. On 150 official
    portraits and 200 LFW photos the brightest is 80 or more, so none of their verdicts moves."""
    greys = [float(np.median(values)) for name in ("left_cheek", "right_cheek", "chin")
             if (values := ctx.grey[ctx.region_mask(name)]).size]
    return max(greys) if greys and max(greys) < DEEP_SHADOW_GREY else None


@check("mouth_closed", "Mouth closed", "eyes_mouth", frontal=True, iso="MouthClosed", unless_failed=LOWER_FACE_CHECK)
def mouth_closed(ctx: Context, params: dict[str, Any]) -> Measure:
    """The lips' gap against the profile's bounds; with the network's mouth probe, also teeth or an opening between
    lips the landmarks draw nearly closed (a smile's): where the network itself reads them (its log-odds above 0) and
    the probability fused with the gap is above `teeth_above`, they fail, or warn where the profile's `fail_if_teeth`
    is false. It can only raise the gap's verdict, never soften it.

    A mouth that reads open where the skin all around it lies in deep shadow (`mouth_in_shadow`) is not judged, as an
    eye that reads shut or covered beside a cheek in deep shadow is not: the exposure or lighting check names what to
    change. A closed reading stands, as an open eye's does."""
    measure = _mouth_reading(ctx, params)
    if measure.verdict is not Verdict.PASS and (shadow := mouth_in_shadow(ctx)) is not None:
        raise NotAssessable(f"the mouth lies in deep shadow (the cheeks and chin around it are at {shadow:.0f} of 255 at "
                            "most), so whether it is open cannot be seen")
    return measure


def _mouth_reading(ctx: Context, params: dict[str, Any]) -> Measure:
    """The mouth's verdict from the lips' gap and, with the network's probe, teeth (`mouth_closed`)."""
    lm = ctx.landmarks
    gap = lip_gap(lm)
    evidence = Evidence(polygons=[[tuple(p) for p in lm[60:68]]], regions=["mouth"])
    by_gap = graded(
        gap,
        params,
        {"ok": "Mouth is closed.", "high": "Mouth is open (lip gap {v:.0%} of the mouth width; allowed {fail_above:.0%})."},
        "gap/width",
        evidence,
    )
    if not has_probe(ctx.attributes, MOUTH_OPEN):
        return by_gap
    teeth = sigmoid(fuse(MOUTH_WITH_NETWORK, gap, ctx.attributes, MOUTH_OPEN))
    verdict = Verdict.FAIL if params["fail_if_teeth"] else Verdict.WARN
    # (written so that a NaN reading raises nothing; the network's own reading is asked for, so that the gap alone never
    # speaks in the network's name: on the development halves it changed no verdict)
    seen = ctx.attributes[MOUTH_OPEN] > 0 and teeth > params["teeth_above"]
    if not seen or by_gap.verdict.severity >= verdict.severity:
        return by_gap
    must = "must" if verdict is Verdict.FAIL else "should"
    return Measure(
        verdict,
        f"Teeth or an opening show between the lips (confidence {teeth:.0%}, read by the recognition network; lip gap "
        f"{gap:.0%} of the mouth width): the mouth {must} be closed.",
        teeth,
        "teeth probability",
        {"fail_above" if verdict is Verdict.FAIL else "warn_above": float(params["teeth_above"])},
        evidence,
        iso_value=gap,  # MouthClosed stays the lip gap, as for every other mouth
    )


def too_little_detail(ctx: Context) -> str:
    """Why the face holds less detail than "Inter-eye distance" requires ('' where it holds enough): enlarged from a
    small photo (or blurred), an eye loses the texture the tint model tells a bare eye from a lens by, and reads as a
    smooth, tinted window. Thumbnails of bare faces enlarged 4 and 6 times read "may be tinted" where the same faces as
    taken did not (docs/EVALUATION.md, "Enlarged faces read as tinted lenses")."""
    required = ctx.profile.params("inter_eye_distance").get("fail_below")
    detail = detail_between_eyes(ctx.inter_eye, ctx.enlargement[1])
    if required is None or detail is None or detail >= required:
        return ""
    return f"the face holds the detail of only about {detail:.0f} px between the eyes (enlarged or blurred)"


# with the network probe, at 30-47 deg on dev: glasses found 16 of 17 (3 of 3 real, 13 of 14 drawn), 0 of 17 bare
# faces flagged (the pixels alone were not measured there). Under a mask the lenses are read against the mask where the
# cheek should be: 13 of 42 masked dev faces failed "tinted" (11 wore no glasses, 2 clear ones), 0 of 108 bare ones
@check(GLASSES_CHECK, "No glasses", "eyes_mouth", frontal=True, max_yaw=TURNED_HEAD_MAX_YAW, max_yaw_probe=GLASSES,
       unless_failed=LOWER_FACE_CHECK, doubted_by=BLOCKY)
def glasses(ctx: Context, params: dict[str, Any]) -> Measure:
    """Clear glasses warn (or fail where the profile says so); tinted glasses and sunglasses fail, or warn "may be
    tinted" when read with less confidence than `sure_tinted`.

    An unsure tint is not read on a face holding less detail than "Inter-eye distance" requires (`too_little_detail`):
    the frame's reading alone decides, and where it sees none the check is not judged. Glare on lenses is its own
    check (eye_glare)."""
    found = eye_assessment(ctx, params)
    if found.in_shadow and found.glasses != "tinted":  # dark windows and the shadow's edges read as lenses and frames
        raise NotAssessable(f"{found.in_shadow} in deep shadow, so glasses cannot be told")
    if found.dark_band:  # a cap's brim's shadow read as sunglasses, worn by no one (walk-through): "Eyes covered" fails
        raise NotAssessable(f"both eyes lie in {DARK_BAND}, so glasses cannot be told")
    soft = too_little_detail(ctx) if found.glasses == "tinted" and not found.tinted_sure else ""
    if soft:
        found = decide(replace(ctx.cache["eye_pixels"], tint=-math.inf), found.thresholds)  # the frame's reading alone
        if found.glasses == "none":
            raise NotAssessable(f"{soft}, where a bare eye reads like a tinted lens, so tinted glasses cannot be told")
    none_allowed = bool(params["fail_if_present"])
    if found.glasses == "tinted":  # unsure, the lenses may be clear: they still fail where no glasses are allowed
        verdict = Verdict.FAIL if found.tinted_sure or none_allowed else Verdict.WARN
    elif found.glasses == "clear":
        verdict = Verdict.FAIL if none_allowed else Verdict.WARN
    else:
        verdict = Verdict.PASS
    reason = found.glasses_reason
    if soft:  # the frame's glasses, whose tint was not read: "clear" alone would let a tinted pair pass the officer
        reason = (f"Glasses seen (confidence {found.glasses_score:.0%}); whether their lenses are tinted cannot be told: "
                  f"{soft}. Look at the lenses: tinted lenses are not allowed, clear ones are.")
    if none_allowed and found.glasses != "none" and not found.tinted_sure:  # "clear ones are allowed" beside a FAIL
        kind = found.clear_glasses_seen if found.glasses == "clear" else f"Glasses (tinted {found.glasses_score:.0%} likely) are worn"
        reason = f"{kind}: not allowed under this profile, which allows no glasses."
    return Measure(
        verdict,
        reason,
        100 * found.glasses_score,
        GLASSES_UNITS[found.glasses],
        {k: float(params[k]) for k in ("tinted", "sure_tinted", "frame", "dark_lens") if k in params},
        Evidence(boxes=[found.frame_box], regions=["left_eye", "right_eye"]),
    )


@check(EYE_COVER_CHECK, "Eyes not covered (sunglasses, patch, hand, hair)", "occlusion", frontal=True, iso="EyesVisible",
       doubted_by=EYE_DOUBTS)
def eye_occlusion(ctx: Context, params: dict[str, Any]) -> Measure:
    """Something over an eye (a dark lens, an eye patch, a hand, hair): the eye region shows no eye."""
    found = eye_assessment(ctx, params)
    eyes = (found.left, found.right)
    if found.in_shadow and not found.occluded:
        them = "them" if found.left.in_shadow and found.right.in_shadow else "it"
        raise NotAssessable(f"{found.in_shadow} in deep shadow, so whether something covers {them} cannot be seen")
    covered = [e for e in eyes if e.state == "not_visible"]
    hidden = covered or (list(eyes) if found.occluded else [])
    judged = [e for e in eyes if not e.in_shadow] or list(eyes)  # a shadowed eye's reading is no evidence of a cover
    hidden_share = max(e.score if e.state == "not_visible" else e.occluded_score for e in judged)
    return Measure(
        Verdict.FAIL if found.occluded else Verdict.PASS,
        found.occlusion_reason,
        100 * hidden_share,
        HIDDEN_UNIT,
        {k: float(params[k]) for k in ("occluded", "dark_lens") if k in params},
        Evidence(boxes=[e.box for e in hidden], regions=[f"{e.side}_eye" for e in hidden]),
        iso_value=round(1.0 - hidden_share, 3),  # EyesVisible: both eyes seen
    )


@check("eye_glare", "No glare on eyes or glasses", "eyes_mouth", frontal=True)
def eye_glare(ctx: Context, params: dict[str, Any]) -> Measure:
    """Fraction of near-saturated pixels in the eye regions (reflections on lenses or skin). Not judged where the rest
    of the face is that white too: an over-exposed face failed here (19 % of the eye area white at x1.6, graded-defect
    walk-through), where white eyes are the exposure, not a reflection."""
    mask = ctx.region_mask("left_eye") | ctx.region_mask("right_eye")
    values = ctx.grey[mask]
    if values.size == 0:
        raise NotAssessable("eye regions are outside the photo")
    white = float(np.median(list(ctx.skin_white_shares(params["saturation"]).values()) or [0.0]))
    if white > params["face_white_max"]:  # the median region: a flash's spot on the forehead alone leaves it at 0
        raise NotAssessable(f"the skin is white too ({white:.0%} of a typical face region: over-exposed), so white on the "
                            "eyes may be that, not a reflection")
    fraction = float(np.mean(values >= params["saturation"]))
    measure = graded(
        fraction,
        params,
        {
            "ok": "No glare in the eye area.",
            "high": "Glare / specular highlights cover {v:.1%} of the eye area (allowed {fail_above:.1%}).",
        },
        "fraction",
        Evidence(polygons=[[tuple(p) for p in ctx.regions[n]] for n in ("left_eye", "right_eye")], regions=["left_eye", "right_eye"]),
    )
    if measure.verdict is not Verdict.PASS and fraction < GLARE_APART * (rest := _rest_of_face_white(ctx, mask, params["saturation"])):
        raise NotAssessable(f"the face is white elsewhere too ({rest:.1%} of it beside the eyes' {fraction:.1%}: over-exposed "
                            "skin), so white on the eyes may be that, not a reflection")
    return measure


def _rest_of_face_white(ctx: Context, eyes: np.ndarray, level: float) -> float:
    """The share of the face at or above `level`, the eye areas and the bare-skin regions (hot spots) left out: the lids'
    and brows' surroundings, the jaw's sides and the mouth, which over-exposure whitens with the lids."""
    rest = ctx.face_mask & ~eyes
    for name in SKIN_REGIONS:
        rest &= ~ctx.region_mask(name)
    values = ctx.grey[rest]
    return float(np.mean(values >= level)) if values.size else 0.0


@check("red_eye", "No red eye", "eyes_mouth", frontal=True)
def red_eye(ctx: Context, params: dict[str, Any]) -> Measure:
    """Fraction of strongly red pixels inside the eye outlines (the pupils light up under flash)."""
    if ctx.is_greyscale:
        raise NotAssessable("greyscale photo: red eye cannot be judged")
    shape = (ctx.height, ctx.width)
    mask = polygon_mask(ctx.landmarks[LEFT_EYE], shape) | polygon_mask(ctx.landmarks[RIGHT_EYE], shape)
    pixels = ctx.rgb[mask].astype(np.float32)
    if len(pixels) < 4:
        raise NotAssessable("eyes too small to inspect")
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    # Flash-red pupils are bright and saturated; reddish skin caught by the outline is not (r < 2.2 g). Under a warm
    # cast the skin itself reaches that: a red cast of 70 levels read as red eye in 10 of 11 portraits (graded-defect
    # walk-through), so the pupil must also be far redder than the photo's own cheeks.
    cheeks = ctx.rgb[ctx.cheek_mask].astype(np.float32)
    skin_red = float(np.median(cheeks[:, 0] / np.maximum(cheeks[:, 1], 1.0))) if len(cheeks) else 0.0
    red = (r > 150) & (r > np.maximum(2.2, RED_OVER_SKIN * skin_red) * g) & (r > 2.2 * b)
    return graded(
        float(red.mean()),
        params,
        {"ok": "No red eye.", "high": "Red eye: {v:.0%} of the eye area is flash-red."},
        "fraction",
        Evidence(polygons=[[tuple(p) for p in ctx.landmarks[eye]] for eye in (LEFT_EYE, RIGHT_EYE)], regions=["left_eye", "right_eye"]),
    )
