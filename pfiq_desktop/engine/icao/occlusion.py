"""Occlusion and covering, read from the pixel-level quality map and from the skin.

Low PLQ marks pixels the face recogniser cannot use (occluders, glare,
shadow, blur); a region far below the face's own median is reported by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.registry import Measure, NotAssessable, check
from pfiq_desktop.engine.results import Evidence, Verdict

KEY_REGIONS = ("left_eye", "right_eye", "nose", "mouth")


def _low_regions(ctx: Context, names: tuple[str, ...], ratio: float) -> tuple[list[str], float, dict[str, float]]:
    """Regions whose mean PLQ is below ratio x face median; also the lowest region/median ratio."""
    means, median = ctx.plq_stats
    rel = {n: means[n] / median for n in names if np.isfinite(means.get(n, np.nan)) and median > 0}
    if not rel:
        raise NotAssessable("no region of the face lies on the quality map")
    low = sorted((n for n, r in rel.items() if r < ratio), key=rel.__getitem__)
    return low, min(rel.values()), rel


def _polygons(ctx: Context, names: list[str]) -> list[list[tuple[float, float]]]:
    return [[tuple(p) for p in ctx.regions[n]] for n in names]


@check("plq_regions", "Face regions usable for recognition", "occlusion")
def plq_regions(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = float(params.get("warn_below", 0.6))
    low, worst, rel = _low_regions(ctx, tuple(ctx.plq_stats[0]), ratio)
    thresholds = {"warn_below": ratio}
    if not low:
        return Measure(
            Verdict.PASS, "Every face region carries its share of recognisable detail.", worst, "fraction of face median PLQ", thresholds
        )
    listing = ", ".join(f"{n.replace('_', ' ')} ({rel[n]:.0%})" for n in low)
    return Measure(
        Verdict.WARN,
        f"Low pixel quality, far below the rest of the face: {listing}.",
        worst,
        "fraction of face median PLQ",
        thresholds,
        Evidence(polygons=_polygons(ctx, low), regions=low),
    )


@check("face_occlusion", "Eyes, nose and mouth unobstructed", "occlusion", frontal=True, iso="FaceOcclusionPrevention")
def face_occlusion(ctx: Context, params: dict[str, Any]) -> Measure:
    """A key region the recogniser cannot use, although its landmarks were found, is likely covered."""
    ratio = float(params.get("fail_below", 0.45))
    low, worst, rel = _low_regions(ctx, KEY_REGIONS, ratio)
    thresholds = {"fail_below": ratio}
    if not low:
        return Measure(Verdict.PASS, "Eyes, nose and mouth look unobstructed.", worst, "fraction of face median PLQ", thresholds)
    listing = ", ".join(n.replace("_", " ") for n in low)
    return Measure(
        Verdict.FAIL,
        f"Possibly covered: {listing} (pixel quality {rel[low[0]]:.0%} of the face median).",
        worst,
        "fraction of face median PLQ",
        thresholds,
        Evidence(polygons=_polygons(ctx, low), regions=low),
    )


@check("head_covering", "Forehead visible (no head covering)", "occlusion", frontal=True, iso="NoHeadCoverings")
def head_covering(ctx: Context, params: dict[str, Any]) -> Measure:
    """Share of the forehead whose colour matches the cheeks: caps, hats, scarves and fringes lower it."""
    cheeks = ctx.lab_of(ctx.region_mask("left_cheek") | ctx.region_mask("right_cheek"))
    forehead = ctx.lab_of(ctx.region_mask("forehead"))
    if len(cheeks) < 8 or len(forehead) < 8:
        raise NotAssessable("forehead or cheeks are outside the photo")
    skin = np.median(cheeks, axis=0)
    spread = np.maximum(np.percentile(np.abs(cheeks - skin), 90, axis=0), (8.0, 4.0, 4.0))
    weights = 1.0 / spread
    distance = np.sqrt((((forehead - skin) * weights) ** 2).sum(axis=1))
    fraction = float(np.mean(distance <= 1.5))
    warn_below = float(params.get("warn_below", 0.5))
    fail_below = float(params.get("fail_below", 0.0))
    verdict = Verdict.FAIL if fraction < fail_below else Verdict.WARN if fraction < warn_below else Verdict.PASS
    reason = (
        "The forehead is visible."
        if verdict is Verdict.PASS
        else f"Only {fraction:.0%} of the forehead looks like skin: check for a head covering, cap brim or hair over the forehead."
    )
    return Measure(
        verdict,
        reason,
        fraction,
        "fraction of skin",
        {"warn_below": warn_below, "fail_below": fail_below},
        Evidence(polygons=_polygons(ctx, ["forehead"]), regions=["forehead"]),
    )
