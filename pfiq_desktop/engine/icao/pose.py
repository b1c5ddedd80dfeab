"""Pose: the head must face the camera squarely (yaw, pitch from solvePnP; roll from the eye line)."""

from __future__ import annotations

from typing import Any

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.registry import Measure, check, graded
from pfiq_desktop.engine.results import Evidence


def _axis_evidence(ctx: Context) -> Evidence:
    nose = ctx.landmarks[30]
    return Evidence(points=[tuple(ctx.eye_mid), tuple(nose)], lines=[(*ctx.landmarks[27], *ctx.chin)])


@check("pose_yaw", "Head not turned (yaw)", "pose")
def pose_yaw(ctx: Context, params: dict[str, Any]) -> Measure:
    yaw = ctx.pose[0]
    side = "right" if yaw > 0 else "left"
    return graded(
        abs(yaw),
        params,
        {
            "ok": "Head faces the camera (turned {v:.0f} deg).",
            "high": f"Head is turned to the photo's {side} by {{v:.0f}} deg (allowed {{fail_above:.0f}}).",
        },
        "deg",
        _axis_evidence(ctx),
    )


@check("pose_pitch", "Head not tilted up/down (pitch)", "pose")
def pose_pitch(ctx: Context, params: dict[str, Any]) -> Measure:
    pitch = ctx.pose[1]
    way = "up" if pitch > 0 else "down"
    return graded(
        abs(pitch),
        params,
        {"ok": "Head is level (pitch {v:.0f} deg).", "high": f"Head is tilted {way} by about {{v:.0f}} deg (allowed {{fail_above:.0f}})."},
        "deg",
        _axis_evidence(ctx),
    )


@check("pose_roll", "Head not tilted sideways (roll)", "pose")
def pose_roll(ctx: Context, params: dict[str, Any]) -> Measure:
    left, right = ctx.eyes
    return graded(
        abs(ctx.pose[2]),
        params,
        {"ok": "Eye line is level (roll {v:.1f} deg).", "high": "Head is tilted sideways by {v:.1f} deg (allowed {fail_above:.0f})."},
        "deg",
        Evidence(points=[tuple(left), tuple(right)], lines=[(*left, *right)], regions=["left_eye", "right_eye"]),
    )
