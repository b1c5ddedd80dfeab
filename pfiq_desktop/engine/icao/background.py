"""Background: plain, light and free of shadows behind the head.

The background is everything above the nose base outside an ellipse around the
head (hair included); lower down, shoulders and collars begin. Measurements run on a
copy scaled to a fixed width, so they do not depend on the photo's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.icao.context import Context, lab_from_8bit
from pfiq_desktop.engine.icao.grading import Measure, bounds_of, grade_interval, graded
from pfiq_desktop.engine.icao.registry import NotAssessable, check
from pfiq_desktop.engine.results import Evidence, Verdict

WORK_WIDTH = 160
MIN_PIXELS = 50
MIN_BESIDE = MIN_PIXELS // 5  # of background close to the head on one side
# a photo this much transparent, whose background shows this much of the pure white it is drawn over, is a cut-out:
# its background checks would judge that white, and a cut-out flag background that failed "Light background" and "No
# shadow" passed both (officer's walk-through). The white is looked for, not only the share: a photo left at alpha 254
# or with a feathered edge looks as it is and is judged (review)
CUT_OUT_SHARE = 0.01
CUT_OUT_WHITE = 0.2  # of the background's pixels


@dataclass
class Background:
    """The photo at working scale, the background mask and the head ellipse there."""

    scale: float
    lab: np.ndarray
    mask: np.ndarray
    near: np.ndarray  # background ring close to the head, where its shadow would fall
    cut_out: str = ""  # why the background cannot be judged: the file's transparency shows the white behind it


def _background(ctx: Context) -> Background:
    """The background, measured once per photo (NotAssessable where it is a cut-out's white)."""
    if "background" not in ctx.cache:
        ctx.cache["background"] = _measured(ctx)
    found: Background = ctx.cache["background"]
    if found.cut_out:
        raise NotAssessable(found.cut_out)
    return found


def _measured(ctx: Context) -> Background:
    scale = min(WORK_WIDTH / ctx.width, 1.0)
    size = (max(int(round(ctx.width * scale)), 2), max(int(round(ctx.height * scale)), 2))
    lab = lab_from_8bit(cv2.cvtColor(cv2.resize(ctx.rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2Lab))
    (cx, cy), (w, h), angle = ctx.head_ellipse
    head = np.zeros(lab.shape[:2], np.uint8)
    ring = np.zeros_like(head)
    centre = (int(round(cx * scale)), int(round(cy * scale)))
    axes = (int(round(w * scale / 2)), int(round(h * scale / 2)))
    cv2.ellipse(head, centre, axes, angle, 0, 360, 1, -1)
    cv2.ellipse(ring, centre, (int(axes[0] * 1.6), int(axes[1] * 1.25)), angle, 0, 360, 1, -1)
    rows = np.arange(lab.shape[0])[:, None] < ctx.background_bottom * scale
    mask = rows & (head == 0)
    white = float(np.mean((lab[:, :, 0][mask] >= 99.5) & (np.abs(lab[:, :, 1:][mask]).max(axis=-1) < 0.5))) if mask.any() else 0.0
    cut_out = ""
    if ctx.transparent is not None and ctx.transparent >= CUT_OUT_SHARE and white >= CUT_OUT_WHITE:
        cut_out = (f"{ctx.transparent:.1%} of the photo is transparent in the file, and {white:.0%} of the background "
                   "shows the white it is drawn over (it may have been cut out): that white is not a background")
    return Background(scale, lab, mask, mask & (ring > 0), cut_out)


def _require(ctx: Context, bg: Background) -> tuple[np.ndarray, np.ndarray]:
    """Enough background, beside the head on both sides (returned: left and right of its centre). Where the head fills
    the photo's width, what lies outside its outline is mostly hair (a tight crop with a mask read "Background is too
    dark (L* 5)" beside "background beside the head is not visible", walk-through; 10 of 14 such crops among the masks
    failed so, none of the official portraits nor of 82 LFW photos is one)."""
    if int(bg.mask.sum()) < MIN_PIXELS:
        raise NotAssessable("too little background visible around the head")
    sides = _beside(ctx, bg)
    if any(side.sum() < MIN_BESIDE for side in sides):
        raise NotAssessable("background beside the head is not visible on both sides (the head fills the photo's width), "
                            "so what lies around it is mostly hair")
    return sides


def _beside(ctx: Context, bg: Background) -> tuple[np.ndarray, np.ndarray]:
    """The background close to the head on the photo's left and right of its centre."""
    cols = np.arange(bg.mask.shape[1])[None, :]
    centre_x = ctx.head_ellipse[0][0] * bg.scale
    return bg.near & (cols < centre_x), bg.near & (cols >= centre_x)


def _evidence(ctx: Context) -> Evidence:
    bottom = ctx.background_bottom
    return Evidence(boxes=[(0.0, 0.0, float(ctx.width), bottom)], lines=[(0.0, bottom, float(ctx.width), bottom)])


@check("background_uniformity", "Plain background", "background", per_face=False, iso="BackgroundUniformity")
def background_uniformity(ctx: Context, params: dict[str, Any]) -> Measure:
    """Mean gradient of L* plus colour spread in the background: texture, objects and patterns raise it."""
    bg = _background(ctx)
    _require(ctx, bg)
    light = bg.lab[:, :, 0]
    gx = cv2.Sobel(light, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(light, cv2.CV_32F, 0, 1, ksize=3)
    inner = cv2.erode(bg.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if inner.sum() < MIN_PIXELS:
        raise NotAssessable("too little background visible around the head")
    gradient = float(np.mean(np.hypot(gx, gy)[inner])) / 8.0
    spread = float(np.sqrt(bg.lab[bg.mask].var(axis=0).sum()))
    value = gradient + 0.25 * spread
    return graded(
        value,
        params,
        {
            "ok": "Background is plain (texture {v:.1f}).",
            "high": "Background is not plain: objects, a pattern, texture or a shadow behind the head (texture {v:.1f}; allowed "
                    "{fail_above:.1f}).",
        },
        "texture index",
        _evidence(ctx),
    )


@check("background_brightness", "Light background", "background", per_face=False)
def background_brightness(ctx: Context, params: dict[str, Any]) -> Measure:
    bg = _background(ctx)
    _require(ctx, bg)
    return graded(
        float(np.median(bg.lab[:, :, 0][bg.mask])),
        params,
        {"ok": "Background is light (L* {v:.0f}).", "low": "Background is too dark (L* {v:.0f}; needs {fail_below:.0f})."},
        "L*",
        _evidence(ctx),
    )


@check("background_shadow", "No shadow behind the head", "background", per_face=False)
def background_shadow(ctx: Context, params: dict[str, Any]) -> Measure:
    """Darker over brighter side of the background next to the head: a cast shadow darkens one side."""
    bg = _background(ctx)
    sides = [float(np.median(bg.lab[:, :, 0][side_mask])) for side_mask in _require(ctx, bg)]
    ratio = (min(sides) + 1.0) / (max(sides) + 1.0)
    darker = "left" if sides[0] < sides[1] else "right"
    return graded(
        ratio,
        params,
        {
            "ok": "No shadow on the background beside the head.",
            # the two sides' lightness alone cannot tell a shadow from a darker object there (a flag beside the head)
            "low": (f"The background at the photo's {darker} of the head is darker ({{v:.0%}} of the other side's "
                    "brightness): a shadow, or something darker behind the head there."),
        },
        "darker side / brighter side",
        _evidence(ctx),
    )


@check("transparency", "No transparent areas", "background", scope="image")
def transparency(ctx: Context, params: dict[str, Any]) -> Measure:
    """Pixels the file leaves (partly) transparent: they are shown over white, so the background checks judge the
    white. A cut-out or replaced background is an edit the officer judges; a camera writes no transparency."""
    if ctx.transparent is None:
        raise NotAssessable("the analysis was saved before transparency was recorded; analyse the photo again")
    bounds = bounds_of(params)
    verdict, _ = grade_interval(ctx.transparent, ctx.transparent, bounds)
    pixels = round(ctx.transparent * ctx.width * ctx.height)
    share = (f"{ctx.transparent:.1%} of the photo is" if ctx.transparent >= 0.001
             else f"{pixels} pixel{'s are' if pixels != 1 else ' is'}")  # "0.0% of the photo" read as none
    if not pixels:
        reason = "The photo has no transparent areas."
    elif verdict is Verdict.PASS:
        reason = f"{share} transparent in the file (shown here over white), within the profile's limit."
    else:
        reason = (f"{share} transparent in the file (shown here over white; the background checks do not judge a "
                  "background that shows that white): the background may have been cut out or replaced. Ask for the "
                  "unedited photo.")
    evidence = Evidence(boxes=[(0.0, 0.0, float(ctx.width), float(ctx.height))])
    return Measure(verdict, reason, ctx.transparent, "fraction", bounds, evidence)
