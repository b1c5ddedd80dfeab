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
from pfiq_desktop.engine.icao.grading import UNCERTAINTY_KEY, Measure, bounds_of, grade_interval, reading_text
from pfiq_desktop.engine.icao.headpose import POSE_UNCERTAINTY_DEG
from pfiq_desktop.engine.icao.registry import CHECK_BY_EYE, IMPRECISE, LOWER_FACE_CHECK, NOT_SHARP, TOO_DARK_OR_BRIGHT, check
from pfiq_desktop.engine.results import Evidence, Verdict

# axis -> (what the head does, direction of a positive / negative angle)
POSE_WORDS = {
    "yaw": ("turned", "to the photo's right", "to the photo's left"),
    "pitch": ("tilted", "up (chin raised)", "down (chin lowered)"),
    "roll": ("tilted sideways", "clockwise", "anticlockwise"),
}
_LIMIT_WORDS = (("recommended", "warn_above"), ("allowed", "fail_above"))
CONFIRMED_ONLY_KEY = "pass_only_if_confirmed"  # the profile's rule, also among a result's thresholds where it is set


def _verdict(confirmed: Verdict, straddles: bool, estimate: Verdict, confirmed_only: bool) -> tuple[Verdict, bool]:
    """(verdict, whether the reading cannot tell) from the grades of the reading's whole band (`confirmed`, and whether
    it `straddles` a fail bound) and of the reading itself (`estimate`)."""
    if confirmed is Verdict.FAIL:
        return confirmed, False
    if confirmed_only:  # past a warn bound only by the uncertainty cannot tell either
        return confirmed, straddles or (confirmed is Verdict.WARN and estimate is Verdict.PASS)
    if estimate is Verdict.FAIL:  # beyond the limit, but by less than the uncertainty
        return Verdict.WARN, True
    return estimate, False


def _pose_measure(axis: str, value: float, params: dict[str, Any], evidence: Evidence) -> Measure:
    """Verdict and reason for one signed angle (degrees), with the reading's uncertainty in the reason."""
    verb, positive, negative = POSE_WORDS[axis]
    size, u = abs(value), POSE_UNCERTAINTY_DEG[axis]
    bounds = bounds_of(params)
    confirmed, straddles = grade_interval(size - u, size + u, bounds)
    estimate, confirmed_only = grade_interval(size, size, bounds)[0], bool(params[CONFIRMED_ONLY_KEY])
    verdict, imprecise = _verdict(confirmed, straddles, estimate, confirmed_only)
    written = reading_text(size, u, bounds)  # "12.3" where "12" would read as the other side of a verdict's edge
    direction = "" if float(written) == 0 else f" {positive if value > 0 else negative}"
    reading = f"{written} ± {u:g} deg"
    reach = f"{float(written) + u:.{len(written.partition('.')[2])}f}"  # the sentence's own numbers add up
    limits = ", ".join(f"{word} {bounds[key]:g}" for word, key in _LIMIT_WORDS if key in bounds) or "no limit set"
    if imprecise and confirmed_only and estimate is Verdict.PASS:
        # the default profile passes this very reading: the sentence says that the profile's rule, not the reading, warns
        # (a supervisor saw the same thresholds pass under one profile and warn under the other, with no word why)
        reason = (f"{axis.capitalize()} is not confirmed within the limit, which this profile requires: about {reading}"
                  f"{direction} may be up to {reach} deg, {limits}. {CHECK_BY_EYE}")
    elif imprecise:
        reason = f"{axis.capitalize()} {IMPRECISE}: about {reading}{direction}, {limits}. {CHECK_BY_EYE}"
    elif verdict is Verdict.FAIL:
        reason = f"Head is {verb}{direction} by about {reading}, {limits}."
    elif verdict is Verdict.WARN:
        reason = f"Head is slightly {verb}{direction}: about {reading}, {limits}."
    elif confirmed is Verdict.PASS:
        reason = f"{axis.capitalize()} is within the limit: {reading}{direction}, {limits}."
    else:
        reason = (f"{axis.capitalize()} is within the limit as measured: about {reading}{direction}, {limits}; it may be up "
                  f"to {reach} deg.")
    rule = {CONFIRMED_ONLY_KEY: 1.0} if confirmed_only else {}  # the saved result says which rule judged it
    return Measure(verdict, reason, value, "deg", {**bounds, UNCERTAINTY_KEY: u, **rule}, evidence)


def _axis_evidence(ctx: Context) -> Evidence:
    nose = ctx.landmarks[30]
    return Evidence(points=[tuple(ctx.eye_mid), tuple(nose)], lines=[(*ctx.landmarks[27], *ctx.chin)])


# yaw and pitch lean on the nose and mouth landmarks, which dlib guesses under a mask: a mask drawn on 65 frontal
# portraits moved pitch by 10 deg and yaw by 7 on average (P90 19 and 16), roll by 1.4 (benchmarks/eval_pose_rule.py);
# on a face too dark or not sharp they move by about their uncertainty (MOVES_THE_LANDMARKS), roll by under 1 deg
SPOILED_BY = (TOO_DARK_OR_BRIGHT, NOT_SHARP)


@check("pose_yaw", "Head not turned (yaw)", "pose", iso="HeadPoseYaw", unless_failed=LOWER_FACE_CHECK, doubted_by=SPOILED_BY)
def pose_yaw(ctx: Context, params: dict[str, Any]) -> Measure:
    return _pose_measure("yaw", ctx.pose[0], params, _axis_evidence(ctx))


@check("pose_pitch", "Head not tilted up/down (pitch)", "pose", iso="HeadPosePitch", unless_failed=LOWER_FACE_CHECK,
       doubted_by=SPOILED_BY)
def pose_pitch(ctx: Context, params: dict[str, Any]) -> Measure:
    return _pose_measure("pitch", ctx.pose[1], params, _axis_evidence(ctx))


@check("pose_roll", "Head not tilted sideways (roll)", "pose", iso="HeadPoseRoll")
def pose_roll(ctx: Context, params: dict[str, Any]) -> Measure:
    left, right = ctx.eyes
    evidence = Evidence(points=[tuple(left), tuple(right)], lines=[(*left, *right)], regions=["left_eye", "right_eye"])
    return _pose_measure("roll", ctx.pose[2], params, evidence)
