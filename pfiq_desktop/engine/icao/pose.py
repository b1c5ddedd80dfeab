"""Pose: the head must face the camera squarely, judged with the estimate's own uncertainty.

Each angle is read as value +- its measured uncertainty (`headpose.POSE_UNCERTAINTY_DEG`). It fails
only when the whole band is beyond the profile's limit, so it never fails a reading it cannot back.
It passes when the reading itself is within the limit ("simple acceptance", ILAC G8), saying how far
the reading may be off; a reading beyond the limit but within its uncertainty of it asks the officer
to look. A profile that sets `pass_only_if_confirmed` passes only when the whole band is within the
limit: with landmarks (pitch +-7 deg against ICAO's 5) that rule warns on every photo, which is why it
is not the default (docs/EVALUATION.md, "Head pose").
"""

from __future__ import annotations

from typing import Any

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.headpose import POSE_UNCERTAINTY_DEG
from pfiq_desktop.engine.icao.registry import UNCERTAINTY_KEY, Measure, bounds_of, check, grade_interval
from pfiq_desktop.engine.results import Evidence, Verdict

# axis -> (words when it passes, what the head does, direction of a positive / negative angle)
_WORDS = {
    "yaw": ("Head faces the camera", "turned", "to the photo's right", "to the photo's left"),
    "pitch": ("Head is level", "tilted", "up (chin raised)", "down (chin lowered)"),
    "roll": ("Eye line is level", "tilted sideways", "clockwise", "anticlockwise"),
}


def _pose_measure(axis: str, value: float, params: dict[str, Any], evidence: Evidence) -> Measure:
    """Verdict and reason for one signed angle (degrees); the thresholds shown include the uncertainty."""
    ok_words, verb, positive, negative = _WORDS[axis]
    direction = positive if value > 0 else negative
    size, u = abs(value), POSE_UNCERTAINTY_DEG[axis]
    bounds = bounds_of(params)
    confirmed, straddles = grade_interval(size - u, size + u, bounds)
    if params["pass_only_if_confirmed"] or confirmed is Verdict.FAIL:
        verdict, imprecise = confirmed, straddles
    else:
        estimate, _ = grade_interval(size, size, bounds)
        imprecise = estimate is Verdict.FAIL  # beyond the limit, but by less than the uncertainty
        verdict = Verdict.WARN if imprecise else estimate
    limit = bounds.get("fail_above")
    # roll is known to +-2 deg, the others not; a reading just past the limit is not written as the limit
    digits = 1 if axis == "roll" or (limit is not None and size > limit and round(size) <= limit) else 0
    about = f"{size:.{digits}f} ± {u:g} deg"
    allowed = f"allowed {limit:g}" if limit is not None else "no limit set"
    if imprecise:
        near = f"limit {limit:g} deg" if limit is not None else "near the profile's bounds"
        reason = f"{axis.capitalize()} could not be measured precisely enough: about {about} {direction}, {near}. Please check by eye."
    elif verdict is Verdict.FAIL:
        reason = f"Head is {verb} {direction} by about {about} ({allowed})."
    elif verdict is Verdict.WARN:
        reason = f"Head is slightly {verb} {direction} (about {about}; {allowed})."
    elif confirmed is Verdict.PASS:
        reason = f"{ok_words} ({axis} {about}, {allowed})."
    else:
        reason = f"{ok_words} as measured ({axis} about {about}, {allowed}: it may be up to {size + u:.0f} deg)."
    return Measure(verdict, reason, value, "deg", {**bounds, UNCERTAINTY_KEY: u}, evidence)


def _axis_evidence(ctx: Context) -> Evidence:
    nose = ctx.landmarks[30]
    return Evidence(points=[tuple(ctx.eye_mid), tuple(nose)], lines=[(*ctx.landmarks[27], *ctx.chin)])


@check("pose_yaw", "Head not turned (yaw)", "pose", iso="HeadPoseYaw")
def pose_yaw(ctx: Context, params: dict[str, Any]) -> Measure:
    return _pose_measure("yaw", ctx.pose[0], params, _axis_evidence(ctx))


@check("pose_pitch", "Head not tilted up/down (pitch)", "pose", iso="HeadPosePitch")
def pose_pitch(ctx: Context, params: dict[str, Any]) -> Measure:
    return _pose_measure("pitch", ctx.pose[1], params, _axis_evidence(ctx))


@check("pose_roll", "Head not tilted sideways (roll)", "pose", iso="HeadPoseRoll")
def pose_roll(ctx: Context, params: dict[str, Any]) -> Measure:
    left, right = ctx.eyes
    evidence = Evidence(points=[tuple(left), tuple(right)], lines=[(*left, *right)], regions=["left_eye", "right_eye"])
    return _pose_measure("roll", ctx.pose[2], params, evidence)
