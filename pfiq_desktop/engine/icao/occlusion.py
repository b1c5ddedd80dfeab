"""Occlusion and covering, read from the pixel-level quality map and from the face's own colours.

Low PLQ marks pixels the face recogniser cannot use (occluders, glare,
shadow, blur); a region far below the face's own median is reported by name.
Masks, scarves, hands and head coverings are measured on the upright face
frame against the face's skin (`coverings.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from pfiq_desktop.engine.attributes import HEAD_COVERED
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.coverings import (
    LOWER_FACE_OUTLINE,
    covering_outline,
    covering_probability,
    head_covering_features,
    hides_ears_and_neck,
    lower_face_features,
    object_before_mouth,
)
from pfiq_desktop.engine.icao.grading import Measure, bounds_of, grade_interval, graded
from pfiq_desktop.engine.icao.regions import REGION_NAMES, REGION_WORDS
from pfiq_desktop.engine.icao.registry import BLOCKY_MOUTH, EYE_COVER_CHECK, LOWER_FACE_CHECK, TURNED_HEAD_MAX_YAW, NotAssessable, check
from pfiq_desktop.engine.results import Evidence, Verdict

KEY_REGIONS = ("left_eye", "right_eye", "nose", "mouth")
# Wording only (what the officer is told was seen), not the verdicts.
LIPS_VISIBLE = 3.0  # mouth a* above the cheeks' by this much: the lips show
BRIM_EDGE = 6.0  # a horizontal edge this strong across the forehead is named
CROWN_SHARE = 0.3  # a head-top share (white, unlike the hair) this large is named
# what "Mouth and chin uncovered" says where the network's object probe alone reads something before them
OBJECT_SEEN = ("A hand or an object may be in front of the mouth or chin: the recognition network reads one there, "
               "though the colours do not look like a mask. Please look.")


def _low_regions(ctx: Context, names: tuple[str, ...], ratio: float) -> tuple[list[str], float, dict[str, float]]:
    """Regions whose mean PLQ is below ratio x face median; also the lowest region/median ratio and every judged
    region's ratio (a region wholly in the map's edge band, `regions.MAP_EDGE`, has none)."""
    means, median = ctx.plq_stats
    rel = {n: means[n] / median for n in names if np.isfinite(means.get(n, np.nan)) and median > 0}
    if not rel:
        raise NotAssessable("no region of the face lies on the quality map")
    low = sorted((n for n, r in rel.items() if r < ratio), key=rel.__getitem__)
    return low, min(rel.values()), rel


def _named(names: Iterable[str]) -> str:
    """Regions in a sentence, saying whose left ("left eye" read as the subject's)."""
    return ", ".join(REGION_WORDS[n].lower() for n in names)


def _unjudged(names: tuple[str, ...], rel: dict[str, float]) -> tuple[str, str]:
    """(the regions of `names` with no reading, as said; a sentence saying so, or ''): a chin an open mouth pushes to
    the chip's edge has none, and "every region" or "eyes, nose and mouth" claimed it was judged (review)."""
    missing = _named(n for n in names if n not in rel)
    return missing, f" Not judged: {missing} (outside the part of the quality map that can be read)." if missing else ""


def _polygons(ctx: Context, names: list[str]) -> list[list[tuple[float, float]]]:
    return [[tuple(p) for p in ctx.regions[n]] for n in names]


def _ratio_bound(params: dict[str, Any], key: str) -> float:
    """The one bound a region check compares against; without it the check has nothing to judge by."""
    if key not in params:
        raise NotAssessable(f"the profile sets no {key} for it")
    return float(params[key])


@check("plq_regions", "Face regions usable for recognition", "occlusion")
def plq_regions(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = _ratio_bound(params, "warn_below")
    low, worst, rel = _low_regions(ctx, REGION_NAMES, ratio)
    thresholds = {"warn_below": ratio}
    unjudged, aside = _unjudged(REGION_NAMES, rel)
    if not low:
        found = "The judged face regions carry their" if unjudged else "Every face region carries its"
        return Measure(
            Verdict.PASS, f"{found} share of recognisable detail.{aside}", worst, "fraction of face median PLQ", thresholds
        )
    listing = ", ".join(f"{_named([n])} ({rel[n]:.0%})" for n in low)
    return Measure(
        Verdict.WARN,
        f"Low pixel quality, far below the rest of the face: {listing}.{aside}",
        worst,
        "fraction of face median PLQ",
        thresholds,
        Evidence(polygons=_polygons(ctx, low), regions=low),
    )


# under a failed mask check it read "Eyes, nose and mouth look unobstructed" beside it (walk-through of unseen photos),
# and so it did beside "Eyes covered" for a grey patch over an eye (graded-defect walk-through)
@check("face_occlusion", "Eyes, nose and mouth unobstructed", "occlusion", frontal=True, iso="FaceOcclusionPrevention",
       unless_failed=(LOWER_FACE_CHECK, EYE_COVER_CHECK), unless_failed_why="that check reports the covering")
def face_occlusion(ctx: Context, params: dict[str, Any]) -> Measure:
    """A key region the recogniser cannot use, although its landmarks were found, is likely covered."""
    ratio = _ratio_bound(params, "fail_below")
    low, worst, rel = _low_regions(ctx, KEY_REGIONS, ratio)
    thresholds = {"fail_below": ratio}
    unjudged, aside = _unjudged(KEY_REGIONS, rel)
    if not low:
        judged = _named(n for n in KEY_REGIONS if n in rel).capitalize()
        found = f"{judged}: unobstructed." if unjudged else "Eyes, nose and mouth look unobstructed."
        return Measure(Verdict.PASS, f"{found}{aside}", worst, "fraction of face median PLQ", thresholds)
    return Measure(
        Verdict.FAIL,
        f"Possibly covered: {_named(low)} (pixel quality {rel[low[0]]:.0%} of the face median).{aside}",
        worst,
        "fraction of face median PLQ",
        thresholds,
        Evidence(polygons=_polygons(ctx, low), regions=low),
    )


@check(LOWER_FACE_CHECK, "Mouth and chin uncovered (no mask, scarf or hand)", "occlusion", frontal=True, iso="MouthOcclusionPrevention",
       max_yaw=TURNED_HEAD_MAX_YAW, doubted_by=BLOCKY_MOUTH)  # masks at 30-45 deg: BA 0.93 / 1.00 (dev / test), 0.96 / 0.95 below 30
def lower_face_covered(ctx: Context, params: dict[str, Any]) -> Measure:
    """A face mask, scarf or hand: the lower face does not look like the face's own skin and shows no lips; or the
    network's object probe reads a hand or an object before it (a warning: `OBJECT_SEEN`)."""
    if ctx.is_greyscale:
        # measured: a lightness-only model reached balanced accuracy 0.72-0.77 on the masks made grey
        raise NotAssessable("black-and-white photo: a mask cannot be told from skin without colour")
    found = lower_face_features(ctx.face_frame)
    probability = covering_probability("lower_face", found, ctx.attributes)
    seen = [f"their colour differs from the face's skin by {found['colour_shift']:.0f} CIELAB units"]
    if found["lower_skin"] < SKIN_SHARE_SAID_BELOW:
        seen.append(f"only {found['lower_skin']:.0%} of them looks like skin")
    seen.append("the lips are visible" if found["lips"] > LIPS_VISIBLE else "the lips are not visible")
    covered = f"The mouth and chin look covered (face mask, scarf or hand): {', '.join(seen)}."
    measure = graded(
        probability,
        params,
        {"ok": "Mouth and chin are uncovered.", "high": covered},
        "probability",
        Evidence(polygons=[[tuple(ctx.landmarks[i]) for i in LOWER_FACE_OUTLINE]], regions=["mouth", "chin"]),
    )
    if measure.verdict is Verdict.PASS and ctx.face is not None and object_before_mouth(ctx.face):
        # only a warning: the probe is right about half the time where it speaks on in-the-wild photos (a shout, a
        # beard) and catches about 4 in 10 hands and objects there (docs/EVALUATION.md, "A hand before the mouth")
        # no value: the mask's probability ("covered <0.1 % likely") beside this warning read as a contradiction
        measure = replace(measure, verdict=Verdict.WARN, reason=OBJECT_SEEN, value=None)
    return replace(measure, iso_value=round(1.0 - probability, 4))  # MouthOcclusionPrevention: mouth and chin seen


UNSURE = "or hair low over the forehead"  # what an unsure head-covering warning may also be
# the mask's share of skin-coloured pixels is said only where it speaks for a cover: a black mask read "100% of them
# looks like skin" beside the finding
SKIN_SHARE_SAID_BELOW = 0.5

# with the head probe, at 30-45 deg on dev: 4 of 4 coverings found, 0 of 94 bare heads flagged; the pixels alone found
# 4 of 8 past 30 deg, so without the probe the profile's limit stays
@check("head_covering", "No head covering", "occlusion", frontal=True, iso="NoHeadCoverings",
       max_yaw=TURNED_HEAD_MAX_YAW, max_yaw_probe=HEAD_COVERED)
def head_covering(ctx: Context, params: dict[str, Any]) -> Measure:
    """Hat, cap, band, helmet or headscarf, from the forehead, the head top and the sides of the face.

    A covering that also hides the ears and the neck is described as headscarf-like: most issuers
    allow religious coverings, so above `fail_above` it warns (the officer decides) unless the
    profile sets `fail_if_headscarf`.
    """
    frame = ctx.face_frame
    found = head_covering_features(frame)
    probability = covering_probability("head_covering", found, ctx.attributes)
    bounds = bounds_of(params)
    verdict, _ = grade_interval(probability, probability, bounds)
    if verdict is Verdict.PASS:
        reason = "No head covering seen: hair and forehead look uncovered."
        return Measure(verdict, reason, probability, "probability", bounds, Evidence(regions=["forehead"]))
    seen = []
    if found["brim_edge"] > BRIM_EDGE:
        seen.append(f"a straight edge crosses the forehead {found['brim_height']:.1f} eye distances above the brows")
    if found["crown_white"] > CROWN_SHARE:
        seen.append(f"{found['crown_white']:.0%} of the head top is white")
    if found["crown_unlike_hair"] > CROWN_SHARE:
        seen.append(f"{found['crown_unlike_hair']:.0%} of the head top is unlike the colour of the brows (hair)")
    details = f" ({'; '.join(seen)})" if seen else ""
    around_face = hides_ears_and_neck(found, params)
    if around_face:
        religious = "If it is worn for religious reasons it may be allowed: the whole face from chin to forehead must stay visible."
        if verdict is Verdict.FAIL:
            reason = f"Head covering that also hides the ears and the neck, as a headscarf or hijab does{details}. {religious}"
        else:  # below the fail bound the check is unsure, as it is for any covering: the bundled astronaut's fringe
            reason = f"Possibly a head covering that also hides the ears and the neck, as a headscarf or hijab does, {UNSURE}"
            reason = f"{reason}{details}: please look. {religious}"
        if not params["fail_if_headscarf"]:
            verdict = Verdict.WARN
            # it cannot fail here: shown beside "fail >90 %", a 99 % warning read as a contradiction
            bounds = {k: v for k, v in bounds.items() if not k.startswith("fail_")}
    elif verdict is Verdict.FAIL:
        reason = f"Head covering (hat, cap, band or helmet){details}."  # "on the head" said twice what a covering is
    else:
        reason = f"Possibly a head covering (hat, cap or band), {UNSURE}{details}: please look."
    evidence = Evidence(polygons=[covering_outline(frame, found, around_face)], regions=["forehead"])
    return Measure(verdict, reason, probability, "probability", bounds, evidence)
