"""Eyes and mouth: eyes open, mouth closed, glasses, glare in the eye area, red eye."""

from __future__ import annotations

from typing import Any

import numpy as np

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.regions import polygon_mask
from pfiq_desktop.engine.icao.registry import Measure, NotAssessable, check, graded
from pfiq_desktop.engine.results import Evidence, Verdict


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """Soukupova & Cech EAR: lid opening over eye width; about 0.3 open, under 0.2 closed."""
    vertical = np.hypot(*(eye[1] - eye[5])) + np.hypot(*(eye[2] - eye[4]))
    width = np.hypot(*(eye[0] - eye[3]))
    return float(vertical / (2.0 * width)) if width > 0 else 0.0


def _eye_check(ctx: Context, params: dict[str, Any], side: str) -> Measure:
    sl = slice(36, 42) if side == "left" else slice(42, 48)
    eye = ctx.landmarks[sl]
    return graded(
        eye_aspect_ratio(eye),
        params,
        {
            "ok": f"The eye on the photo's {side} is open (opening ratio {{v:.2f}}).",
            "low": f"The eye on the photo's {side} looks closed or half-closed (opening ratio {{v:.2f}}, needs {{fail_below:.2f}}).",
        },
        "EAR",
        Evidence(polygons=[[tuple(p) for p in eye]], regions=[f"{side}_eye"]),
    )


@check("eye_open_left", "Eye open (photo left)", "eyes_mouth", frontal=True)
def eye_open_left(ctx: Context, params: dict[str, Any]) -> Measure:
    return _eye_check(ctx, params, "left")


@check("eye_open_right", "Eye open (photo right)", "eyes_mouth", frontal=True)
def eye_open_right(ctx: Context, params: dict[str, Any]) -> Measure:
    return _eye_check(ctx, params, "right")


@check("mouth_closed", "Mouth closed", "eyes_mouth", frontal=True)
def mouth_closed(ctx: Context, params: dict[str, Any]) -> Measure:
    """Inner-lip gap over mouth width (points 61-67, 62-66, 63-65 over 60-64)."""
    lm = ctx.landmarks
    gap = np.mean([np.hypot(*(lm[a] - lm[b])) for a, b in ((61, 67), (62, 66), (63, 65))])
    width = max(float(np.hypot(*(lm[64] - lm[60]))), 1e-6)
    return graded(
        float(gap / width),
        params,
        {"ok": "Mouth is closed.", "high": "Mouth is open (lip gap {v:.2f} of the mouth width; allowed {fail_above:.2f})."},
        "gap/width",
        Evidence(polygons=[[tuple(p) for p in lm[60:68]]], regions=["mouth"]),
    )


@check("glasses", "No glasses", "eyes_mouth", frontal=True)
def glasses(ctx: Context, params: dict[str, Any]) -> Measure:
    """A spectacle bridge shows as a horizontal edge on the nose bridge between the eyes."""
    lm = ctx.landmarks
    ied = ctx.inter_eye
    x0, x1 = lm[39, 0] + 0.15 * ied, lm[42, 0] - 0.15 * ied
    y0, y1 = min(lm[27, 1], lm[39, 1], lm[42, 1]) - 0.25 * ied, lm[28, 1] + 0.1 * ied
    xi0, xi1 = int(max(np.floor(min(x0, x1)), 0)), int(min(np.ceil(max(x0, x1)), ctx.width))
    yi0, yi1 = int(max(np.floor(y0), 0)), int(min(np.ceil(y1), ctx.height))
    patch = ctx.grey[yi0:yi1, xi0:xi1]
    if patch.shape[0] < 4 or patch.shape[1] < 2:
        raise NotAssessable("nose bridge too small to inspect")
    profile = patch.mean(axis=1)
    contrast = float(np.max(np.abs(np.diff(profile)))) / max(float(patch.std()) + 8.0, 1e-6)
    verdict_if_found = Verdict.FAIL if params.get("fail_if_present", False) else Verdict.WARN
    measure = graded(
        contrast,
        {"warn_above": params.get("detect_above", 1.0)},
        {
            "ok": "No spectacle frame seen on the nose bridge.",
            "high": "Glasses seem to be worn: check for glare, tinted lenses and frames over the eyes.",
        },
        "edge contrast",
        Evidence(boxes=[(float(xi0), float(yi0), float(xi1), float(yi1))], regions=["left_eye", "right_eye"]),
    )
    if measure.verdict is not Verdict.PASS:
        measure.verdict = verdict_if_found
    return measure


@check("eye_glare", "No glare on eyes or glasses", "eyes_mouth", frontal=True)
def eye_glare(ctx: Context, params: dict[str, Any]) -> Measure:
    """Fraction of near-saturated pixels in the eye regions (reflections on lenses or skin)."""
    mask = ctx.region_mask("left_eye") | ctx.region_mask("right_eye")
    values = ctx.grey[mask]
    if values.size == 0:
        raise NotAssessable("eye regions are outside the photo")
    fraction = float(np.mean(values >= params.get("saturation", 245)))
    return graded(
        fraction,
        params,
        {
            "ok": "No glare in the eye area.",
            "high": "Glare / specular highlights cover {v:.1%} of the eye area (allowed {fail_above:.1%}).",
        },
        "fraction",
        Evidence(polygons=[[tuple(p) for p in ctx.regions[n]] for n in ("left_eye", "right_eye")], regions=["left_eye", "right_eye"]),
    )


@check("red_eye", "No red eye", "eyes_mouth", frontal=True)
def red_eye(ctx: Context, params: dict[str, Any]) -> Measure:
    """Fraction of strongly red pixels inside the eye outlines (the pupils light up under flash)."""
    if ctx.is_greyscale:
        raise NotAssessable("greyscale photo: red eye cannot be judged")
    shape = (ctx.height, ctx.width)
    mask = polygon_mask(ctx.landmarks[36:42], shape) | polygon_mask(ctx.landmarks[42:48], shape)
    pixels = ctx.rgb[mask].astype(np.float32)
    if len(pixels) < 4:
        raise NotAssessable("eyes too small to inspect")
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    # Flash-red pupils are bright and saturated; reddish skin caught by the outline is not (r < 2.2 g).
    red = (r > 150) & (r > 2.2 * g) & (r > 2.2 * b)
    return graded(
        float(red.mean()),
        params,
        {"ok": "No red eye.", "high": "Red eye: {v:.0%} of the eye area is flash-red."},
        "fraction",
        Evidence(
            polygons=[[tuple(p) for p in ctx.landmarks[36:42]], [tuple(p) for p in ctx.landmarks[42:48]]], regions=["left_eye", "right_eye"]
        ),
    )
