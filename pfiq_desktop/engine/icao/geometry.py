"""Geometry: is there exactly one face, big enough, centred and whole, in a photo of the right shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.registry import Measure, NotAssessable, check, graded
from pfiq_desktop.engine.results import Evidence, Verdict


def _box_size(box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = box
    return float(np.sqrt(max(x1 - x0, 0) * max(y1 - y0, 0)))


def _float_box(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return float(x0), float(y0), float(x1), float(y1)


@check("face_present", "Face present", "geometry", scope="image")
def face_present(ctx: Context, params: dict[str, Any]) -> Measure:
    if ctx.face is None:
        return Measure(Verdict.FAIL, "No face was found in the photo.", 0.0, "faces")
    return Measure(
        Verdict.PASS, "A face was found.", float(len(ctx.faces)), "faces", evidence=Evidence(boxes=[_float_box(ctx.face.box)])
    )


@check("single_face", "Only one face", "geometry", per_face=False)
def single_face(ctx: Context, params: dict[str, Any]) -> Measure:
    """Ratio of the largest other face to the subject's face: background faces small enough are tolerated."""
    if ctx.face is None:
        raise NotAssessable("no face found")
    subject = _box_size(ctx.face.box) or 1.0
    others = ctx.faces[1:]
    ratio = max((_box_size(f.box) / subject for f in others), default=0.0)
    evidence = Evidence(boxes=[_float_box(f.box) for f in others])
    return graded(
        ratio,
        params,
        {
            "ok": "Only one face is visible." if not others else "Other faces are tiny compared with the subject ({v:.2f}).",
            "high": f"{len(others)} other face(s) in the photo; the largest is {{v:.0%}} of the subject's size.",
        },
        "ratio",
        evidence,
    )


@check("inter_eye_distance", "Inter-eye distance", "geometry")
def inter_eye_distance(ctx: Context, params: dict[str, Any]) -> Measure:
    left, right = ctx.eyes
    return graded(
        ctx.inter_eye,
        params,
        {
            "ok": "Eyes are {v:.0f} px apart: enough resolution.",
            "low": (
                "Eyes are only {v:.0f} px apart (required {fail_below:.0f}, preferred {warn_below:.0f}): "
                "face too small or photo resolution too low."
            ),
        },
        "px",
        Evidence(points=[tuple(left), tuple(right)], lines=[(*left, *right)], regions=["left_eye", "right_eye"]),
    )


@check("head_size", "Head height (chin to crown)", "geometry")
def head_size(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = ctx.head_height / ctx.height
    return graded(
        ratio,
        params,
        {
            "ok": "Head height is {v:.0%} of the photo height.",
            "low": "Head is too small: chin to crown is {v:.0%} of the photo height (needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Head is too large: chin to crown is {v:.0%} of the photo height (needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of height",
        Evidence(points=[tuple(ctx.crown), tuple(ctx.chin)], lines=[(*ctx.crown, *ctx.chin)]),
    )


@check("head_width", "Head width", "geometry")
def head_width(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = ctx.head_width / ctx.width
    a, b = ctx.landmarks[0], ctx.landmarks[16]
    return graded(
        ratio,
        params,
        {
            "ok": "Face width is {v:.0%} of the photo width.",
            "low": "Face is too narrow in the frame: {v:.0%} of the photo width (needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Face is too wide in the frame: {v:.0%} of the photo width (needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of width",
        Evidence(points=[tuple(a), tuple(b)], lines=[(*a, *b)]),
    )


@check("eye_line_height", "Eye line height", "geometry")
def eye_line_height(ctx: Context, params: dict[str, Any]) -> Measure:
    """Distance of the eye midpoint from the top edge, as a fraction of the photo height."""
    ratio = float(ctx.eye_mid[1] / ctx.height)
    y = float(ctx.eye_mid[1])
    return graded(
        ratio,
        params,
        {
            "ok": "Eyes are {v:.0%} of the height below the top edge.",
            "low": "Eyes are too high in the photo ({v:.0%} from the top; needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Eyes are too low in the photo ({v:.0%} from the top; needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of height",
        Evidence(points=[tuple(ctx.eye_mid)], lines=[(0.0, y, float(ctx.width), y)]),
    )


@check("horizontal_centre", "Face horizontally centred", "geometry")
def horizontal_centre(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = float(ctx.eye_mid[0] / ctx.width)
    x = float(ctx.eye_mid[0])
    return graded(
        ratio,
        params,
        {
            "ok": "Face is centred (eye midpoint at {v:.0%} of the width).",
            "low": "Face is off-centre to the left (eye midpoint at {v:.0%} of the width; needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Face is off-centre to the right (eye midpoint at {v:.0%} of the width; needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of width",
        Evidence(points=[tuple(ctx.eye_mid)], lines=[(x, 0.0, x, float(ctx.height))]),
    )


@check("face_cropped", "Whole head in the photo", "geometry")
def face_cropped(ctx: Context, params: dict[str, Any]) -> Measure:
    """Smallest margin between the head box (crown, jaw, chin) and an image edge, relative to head height."""
    x0, y0, x1, y1 = ctx.head_box
    margins = {"left": x0, "top": y0, "right": ctx.width - x1, "bottom": ctx.height - y1}
    side = min(margins, key=margins.__getitem__)
    value = margins[side] / max(ctx.head_height, 1.0)
    return graded(
        value,
        params,
        {
            "ok": "The whole head is inside the photo.",
            "low": f"The head is cut or touches the {side} edge (margin {{v:.0%}} of the head height).",
        },
        "fraction of head height",
        Evidence(boxes=[(x0, y0, x1, y1)]),
    )


@check("aspect_ratio", "Photo aspect ratio", "geometry", scope="image")
def aspect_ratio(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = ctx.width / ctx.height
    return graded(
        ratio,
        params,
        {
            "ok": "Width:height is {v:.3f}.",
            "low": "Photo is too narrow: width:height {v:.3f} (needs {fail_below:.3f}-{fail_above:.3f}, e.g. 35x45 mm = 0.778).",
            "high": "Photo is too wide: width:height {v:.3f} (needs {fail_below:.3f}-{fail_above:.3f}, e.g. 35x45 mm = 0.778).",
        },
        "width/height",
    )
