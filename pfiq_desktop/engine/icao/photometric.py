"""Photometric: exposure, dynamic range, even lighting, focus, compression, natural colour."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.registry import Measure, NotAssessable, check, graded
from pfiq_desktop.engine.results import Evidence, Verdict

# Focus is measured with the face resampled to this inter-eye distance, so the
# number does not depend on the photo's resolution.
SHARPNESS_IED = 40.0


def _face_values(ctx: Context) -> np.ndarray:
    values: np.ndarray = ctx.grey[ctx.face_mask]
    if values.size < 16:
        raise NotAssessable("face area is outside the photo")
    return values


def _face_outline(ctx: Context) -> Evidence:
    x0, y0, x1, y1 = ctx.head_box
    return Evidence(boxes=[(x0, max(y0, 0.0), x1, y1)])


@check("exposure", "Exposure", "photometric", iso="LuminanceMean")
def exposure(ctx: Context, params: dict[str, Any]) -> Measure:
    return graded(
        float(_face_values(ctx).mean()),
        params,
        {
            "ok": "Face brightness is normal ({v:.0f}/255).",
            "low": "Face is too dark (mean {v:.0f}/255).",
            "high": "Face is too bright (mean {v:.0f}/255).",
        },
        "grey level",
        _face_outline(ctx),
    )


@check("clipping", "No under-/over-exposed areas", "photometric")
def clipping(ctx: Context, params: dict[str, Any]) -> Measure:
    values = _face_values(ctx)
    low, high = float(params.get("dark_level", 8)), float(params.get("bright_level", 247))
    dark, bright = float(np.mean(values <= low)), float(np.mean(values >= high))
    what = "black (under-exposed)" if dark >= bright else "white (over-exposed)"
    return graded(
        dark + bright,
        params,
        {"ok": "No clipped areas on the face.", "high": f"{{v:.0%}} of the face is pure {what}."},
        "fraction",
        _face_outline(ctx),
    )


@check("dynamic_range", "Dynamic range", "photometric", iso="DynamicRange")
def dynamic_range(ctx: Context, params: dict[str, Any]) -> Measure:
    """Entropy of the face's grey-level histogram: low means flat, washed-out or posterised."""
    hist = np.bincount(np.clip(_face_values(ctx), 0, 255).astype(np.uint8), minlength=256).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    return graded(
        float(-(p * np.log2(p)).sum()),
        params,
        {
            "ok": "Face tones are well spread ({v:.1f} bits).",
            "low": "Face has too few tones ({v:.1f} bits; needs {fail_below:.1f}): flat, washed-out or posterised.",
        },
        "bits",
        _face_outline(ctx),
    )


@check("lighting_uniformity", "Even lighting (no side shadow)", "photometric", frontal=True, iso="IlluminationUniformity")
def lighting_uniformity(ctx: Context, params: dict[str, Any]) -> Measure:
    """Darker over brighter half of the face (split along the nose line), from cheeks and eye areas."""
    means = []
    for side in ("left", "right"):
        mask = ctx.region_mask(f"{side}_cheek") | ctx.region_mask(f"{side}_eye")
        values = ctx.grey[mask]
        if values.size < 8:
            raise NotAssessable("one side of the face is outside the photo")
        means.append(float(np.median(values)))
    ratio = (min(means) + 1.0) / (max(means) + 1.0)
    darker = "left" if means[0] < means[1] else "right"
    return graded(
        ratio,
        params,
        {
            "ok": "Lighting is even across the face (darker side at {v:.0%} of the brighter).",
            "low": f"Side lighting: the photo's {darker} half of the face is at {{v:.0%}} of the other half's brightness.",
        },
        "ratio",
        Evidence(
            polygons=[[tuple(p) for p in ctx.regions[f"{darker}_cheek"]]],
            regions=[f"{darker}_cheek", f"{darker}_eye"],
        ),
    )


@check("sharpness", "Sharp focus", "photometric", iso="Sharpness")
def sharpness(ctx: Context, params: dict[str, Any]) -> Measure:
    """Laplacian variance inside the face, on the face resampled to a fixed inter-eye distance."""
    lm = ctx.landmarks
    x0, x1 = max(int(lm[:, 0].min()), 0), min(int(lm[:, 0].max()) + 1, ctx.width)
    y0, y1 = max(int(lm[17:27, 1].min()), 0), min(int(lm[:, 1].max()) + 1, ctx.height)
    crop = ctx.grey[y0:y1, x0:x1]
    mask = ctx.face_mask[y0:y1, x0:x1].astype(np.uint8)
    scale = SHARPNESS_IED / max(ctx.inter_eye, 1.0)
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        raise NotAssessable("face is outside the photo")
    size = (max(int(crop.shape[1] * scale), 8), max(int(crop.shape[0] * scale), 8))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    small_mask = cv2.erode(cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8)) > 0
    lap = cv2.Laplacian(small, cv2.CV_32F)[small_mask]
    if lap.size < 16:
        raise NotAssessable("face too small to judge focus")
    return graded(
        float(lap.var()),
        params,
        {"ok": "Face is in focus (detail {v:.0f}).", "low": "Face is blurred or out of focus (detail {v:.0f}; needs {fail_below:.0f})."},
        "Laplacian variance",
        Evidence(boxes=[(float(x0), float(y0), float(x1), float(y1))]),
    )


@check("compression", "No compression artefacts", "photometric", iso="CompressionArtifacts")
def compression(ctx: Context, params: dict[str, Any]) -> Measure:
    """JPEG blockiness: pixel steps across the 8x8 block grid versus steps inside blocks, over the face."""
    x0, y0, x1, y1 = ctx.head_box
    xi0, yi0 = max(int(x0), 0) // 8 * 8, max(int(y0), 0) // 8 * 8
    crop = ctx.grey[yi0 : min(int(y1) + 1, ctx.height), xi0 : min(int(x1) + 1, ctx.width)]
    if crop.shape[0] < 24 or crop.shape[1] < 24:
        raise NotAssessable("face too small to judge compression")
    dx = np.abs(np.diff(crop, axis=1))
    dy = np.abs(np.diff(crop, axis=0))
    on_x = (np.arange(dx.shape[1]) % 8) == 7
    on_y = (np.arange(dy.shape[0]) % 8) == 7
    across = dx[:, on_x].mean() + dy[on_y, :].mean()
    inside = dx[:, ~on_x].mean() + dy[~on_y, :].mean()
    return graded(
        float(across / max(inside, 1e-3)),
        params,
        {
            "ok": "No visible compression blocks (blockiness {v:.2f}).",
            "high": "JPEG compression blocks are visible (blockiness {v:.2f}; allowed {fail_above:.2f}).",
        },
        "ratio",
        _face_outline(ctx),
    )


@check("greyscale", "Colour photo", "photometric", scope="image")
def greyscale(ctx: Context, params: dict[str, Any]) -> Measure:
    if not ctx.is_greyscale:
        return Measure(Verdict.PASS, "The photo is in colour.", 1.0, "colour")
    verdict = Verdict.WARN if params.get("allow_greyscale", False) else Verdict.FAIL
    return Measure(verdict, "The photo is black and white; a colour photo is required.", 0.0, "colour")


@check("natural_colour", "Natural skin colour", "photometric", iso="NaturalColour")
def natural_colour(ctx: Context, params: dict[str, Any]) -> Measure:
    """Mean CIELAB a*, b* of both cheeks against the range of natural skin tones (colour cast otherwise)."""
    if ctx.is_greyscale:
        raise NotAssessable("black-and-white photo: colour cannot be judged")
    mask = ctx.region_mask("left_cheek") | ctx.region_mask("right_cheek")
    lab = ctx.lab_of(mask)
    if len(lab) < 8:
        raise NotAssessable("cheeks are outside the photo")
    a, b = float(np.median(lab[:, 1])), float(np.median(lab[:, 2]))
    lo_a, hi_a = float(params.get("a_min", 3)), float(params.get("a_max", 30))
    lo_b, hi_b = float(params.get("b_min", 3)), float(params.get("b_max", 35))
    outside = max(lo_a - a, a - hi_a, lo_b - b, b - hi_b, 0.0)
    thresholds = {"a_min": lo_a, "a_max": hi_a, "b_min": lo_b, "b_max": hi_b, "fail_above": float(params.get("fail_above", 5))}
    evidence = Evidence(
        polygons=[[tuple(p) for p in ctx.regions[n]] for n in ("left_cheek", "right_cheek")], regions=["left_cheek", "right_cheek"]
    )
    if outside == 0.0:
        verdict, reason = Verdict.PASS, f"Skin colour looks natural (a* {a:.0f}, b* {b:.0f})."
    else:
        verdict = Verdict.FAIL if outside > thresholds["fail_above"] else Verdict.WARN
        cast = "red/magenta" if a > hi_a else "green" if a < lo_a else "yellow" if b > hi_b else "blue"
        reason = f"Skin colour looks unnatural: {cast} cast (a* {a:.0f}, b* {b:.0f})."
    return Measure(verdict, reason, outside, "CIELAB units outside the skin range", thresholds, evidence)
