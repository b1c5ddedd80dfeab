"""Photometric: exposure, dynamic range, even lighting, focus, compression, natural colour."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.face_frame import PX_PER_IED, FaceFrame
from pfiq_desktop.engine.icao.grading import Measure, bounds_of, finer_decimals, graded
from pfiq_desktop.engine.icao.regions import REGION_WORDS
from pfiq_desktop.engine.icao.registry import (
    COMPRESSION_CHECK,
    EXPOSURE_CHECK,
    HALF_BLUR_UNIT,
    LIGHTING_CHECK,
    LOWER_FACE_CHECK,
    MASKED,
    SHARPNESS_CHECK,
    SMEAR_UNIT,
    NotAssessable,
    check,
)
from pfiq_desktop.engine.landmarks import LEFT_EYE, RIGHT_EYE
from pfiq_desktop.engine.results import Evidence, Verdict, bound_side

# Focus is measured with the face resampled to this inter-eye distance, so the
# number does not depend on the photo's resolution.
SHARPNESS_IED = 40.0
# A flash's reflection shows on the bare skin (icao.regions.SKIN_REGIONS); a region is named as a hot spot where its
# share clipped to white is at least this many times the whole face's (else the face is over-exposed all over)
HOT_SPOT_APART = 2.0
# Noise raises the Laplacian's variance as detail does: a face blurred past failing passed once noise was added
# (graded-defect walk-through). Its share is taken off: Immerkaer's estimate of the noise's sigma (a kernel blind to
# edges and smooth gradients) times this gain, the Laplacian's variance per unit of noise variance at the face's
# resampled scale: 20 for white noise; measured on blurred-and-noised portraits 20-23 where the face is shrunk 2-3x,
# 25 where it is shrunk 1.3x (the noise then less averaged). 22 is taken: 25 took off so much where 20-22 applied
# that a slightly soft face failed once noise was added (detail 55 -> 0 at sigma 20), and a small face's heavy noise
# is under-corrected instead (docs/EVALUATION.md, "Sharp focus under noise").
NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
LAPLACIAN_NOISE_GAIN = 22.0
SECOND_DIFFERENCE = np.array([[1, -2, 1]], np.float32)  # along a row; its transpose along a column
# along the falling diagonal; mirrored, along the rising one. A smear at 45 deg lowers rows and columns alike, so their
# ratio missed it (medians 0.72 and 0.76 on the portraits smeared by 24 and 32 px at 3x, 0.52 as taken), and 24 of 150
# failed an eye check for it; on about 2,000 unsmeared upright photos the diagonals' ratio reads 0.476 at the lowest
# (a head rolled 30-45 deg can read lower: warnings on 8 of 27 such LFW faces, docs/EVALUATION.md "Motion blur read as
# closed eyes"). The same taps' energy, so the same noise correction
DIAGONAL_SECOND_DIFFERENCE = np.array([[1, 0, 0], [0, -2, 0], [0, 0, 1]], np.float32)
# the four directions a smear is read along: across rows, down columns, the falling and the rising diagonal
SMEAR_KERNELS = (SECOND_DIFFERENCE, SECOND_DIFFERENCE.T, DIAGONAL_SECOND_DIFFERENCE, np.fliplr(DIAGONAL_SECOND_DIFFERENCE).copy())
DIRECTION_NOISE_GAIN = LAPLACIAN_NOISE_GAIN * 6 / 20  # its taps' energy (6) over the Laplacian's (20), the same way
# the face's grey-level spread under which a lack of detail is said to be flatness as much as blur: a face at a fifth of
# its contrast failed as "out of focus" (graded-defect walk-through); official portraits spread 16.9 and up
FLAT_FACE_SPREAD = 12.0
# Focus is read as if the photo's brightest parts (`Context.white_point`, its exposure) reached this, the official
# portraits' median: the Laplacian's variance grows with the square of the grey levels, so sharp portraits at 60 % of
# them were called "blurred" beside a passing exposure (official portraits at 3x: 25 of 150 flagged, 2 as taken; now
# 3 at 40, 60 and 100 %). The exposure, not the face's own brightness: scaled by that, darker skin was boosted and a
# blurred dark face passed more often (blurred portraits flagged by face-brightness third 33 / 38 / 47 against 41 / 38
# / 43 unscaled; by the exposure 39 / 37 / 43; review, docs/EVALUATION.md "Wrong causes, second pass")
FOCUS_REFERENCE_WHITE = 248.0
# the face's mean grey under which focus is not judged: so scaled, quantisation noise reads as detail, and a blurred
# portrait at a twentieth of its grey levels read "in focus"; at a fifth (face mean about 27) 21 of 29 blurred
# portraits are flagged, 23 of 30 as taken. "Exposure" fails every face this dark.
MIN_FOCUS_GREY = 20.0
SMEAR_MIN_DETAIL = 10.0  # below this in both directions of a pair the pair tells no smear; in all four, focus alone judges
# A face has more detail up and down than sideways (eyes, brows and mouth are lines across it: the official portraits'
# median is 0.55 across per 1 down), so a smear up and down brings the ratio as low only when longer. Its ratio is read
# over this: taking the whole 1 / 0.55 flagged rolled, laughing LFW faces, none of them smeared (docs/EVALUATION.md).
UP_AND_DOWN_DETAIL = 1.25
# One half of the face blurred (a smudge on the lens, retouching) left the whole face's detail high, and a face blurred
# right of the nose passed "Sharp focus" while its smeared eye failed "Eyes not covered" at 100 % (explanation
# walk-through). Each half's detail is read per squared mean grey, so a half merely darker keeps its reading; halves are
# compared only where both are seen alike: a head turned so that one half has under this share of the other's pixels
# is not judged (LFW's turned heads read halves as unequal as a blur does) ...
HALF_MIN_PIXELS = 0.4
# ... nor one where the darker half's mean grey is under this share of the other's: in deep side light the shadowed
# half's detail is noise and its lit half read as the blurred one (the Yale faces' "leftlight"); "Even lighting" fails
HALF_MIN_LIGHT = 0.5
# the strip either side of the nose line left out of both halves (eye distances): where a blurred half meets the sharp
# one, the seam is sharp, and the landmarks of the face so blurred fall a few pixels off the nose, which put the seam
# into the blurred half: with 1 px, 15 of 130 dev portraits half blurred at a seventh of the eye distance passed
HALF_SEAM = 0.1
# ... and a half whose grey levels spread under this share of the other half's is flat, covered rather than blurred: a
# blur keeps a face's shading and its dark eyes and brows as soft blobs, a card or a hand over the half does not. A half
# covered in flat grey or skin read as "blurred", and the eye checks' doubt softened the covered eye's failure to a
# warning. On 40 development portraits halves blurred at a seventh to a thirteenth of the eye distance spread 0.34-0.97
# of the other half; flat covers (grey, or skin shaded top to bottom with noise) 0.02-0.27
FLAT_HALF = 0.25


def _face_values(ctx: Context) -> np.ndarray:
    values: np.ndarray = ctx.grey[ctx.face_mask]
    if values.size < 16:
        raise NotAssessable("face area is outside the photo")
    return values


def _face_outline(ctx: Context) -> Evidence:
    x0, y0, x1, y1 = ctx.head_box
    return Evidence(boxes=[(x0, max(y0, 0.0), x1, y1)])


@check(EXPOSURE_CHECK, "Exposure", "photometric", iso="LuminanceMean")
def exposure(ctx: Context, params: dict[str, Any]) -> Measure:
    """The face's mean grey (ISO/IEC 29794-5 LuminanceMean). A dark mean is darker skin as often as a dark photo: half
    a stop under, 31 % of dark-skinned in-the-wild faces warned, 3 % of light-skinned ones (fairness audit,
    docs/EVALUATION.md). Where the photo's brightest parts (`white_point`) and the face's lit parts (`lit_face`) are
    bright the exposure is shown right: a mean that would warn passes and one that would fail warns, each saying why.
    A face in shadow before a bright backdrop keeps its lit parts dark, and is still flagged. The rule needs something
    near white in the photo (a white backdrop, a collar): before a grey backdrop it seldom applies, and the sentence
    says only what is missing. A `white_point` above 255 switches it off. A failure made a warning here no longer makes
    the pose uncertain (only a failed exposure does): the landmarks of a face lit right are not moved by its skin."""
    values = _face_values(ctx)
    mean = float(values.mean())
    measure = graded(
        mean,
        params,
        {
            "ok": "Face brightness is normal ({v:.0f}/255).",
            "low": "Face is too dark (mean {v:.0f}/255).",
            "high": "Face is too bright (mean {v:.0f}/255).",
        },
        "grey level",
        _face_outline(ctx),
    )
    if measure.verdict is Verdict.PASS or bound_side(mean, measure.thresholds) > 0 or params["white_point"] > 255:
        return measure
    white, lit = ctx.white_point, float(np.percentile(values, 95))
    if white < params["white_point"]:
        return replace(measure, reason=f"{measure.reason} Nothing in the photo is brighter than {white:.0f}/255, so it "
                                        "cannot show that the exposure is right (a dark photo, or no white backdrop or "
                                        "collar).")
    if lit < params["lit_face"]:
        return replace(measure, reason=f"{measure.reason} The photo's brightest parts reach {white:.0f}/255 but the "
                                        f"face's lit parts only {lit:.0f}/255: the light may not reach the face (lit "
                                        "from behind, or in shadow), or it is dim on darker skin.")
    exposed = (f"the photo's brightest parts reach {white:.0f}/255 and the face's lit parts {lit:.0f}/255, so the "
               "exposure is right: darker skin reads lower")
    if measure.verdict is Verdict.FAIL:
        return replace(measure, verdict=Verdict.WARN,
                       reason=f"Face reads very dark (mean {mean:.0f}/255), but {exposed}. Check by eye that its detail is "
                              "clearly visible.")
    return replace(measure, verdict=Verdict.PASS, reason=f"Face brightness {mean:.0f}/255 is lower than most, but {exposed}.")


@check("clipping", "No under-/over-exposed areas", "photometric", doubted_by=MASKED)
def clipping(ctx: Context, params: dict[str, Any]) -> Measure:
    """The share of the face clipped to black or white, or of one skin region clipped to white (a hot spot), whichever
    is larger: a flash's hot spot on the forehead, plainly visible, was 5 % of the face and passed (graded-defect
    walk-through). Dark clipping is not taken per region (a black beard is not an under-exposed chin), nor does it
    hide a spot: the spot is weighed against the face's white share alone."""
    values = _face_values(ctx)
    low, high = float(params["dark_level"]), float(params["bright_level"])
    dark, bright = float(np.mean(values <= low)), float(np.mean(values >= high))
    # sunglasses, a cap's brim and a black collar inside the face outline read as "under-exposed" on faces lit right
    # (precision audit by eye, LFW)
    what = "black (under-exposed, or something black over it)" if dark >= bright else "white (over-exposed)"
    spots = ctx.skin_white_shares(high)
    spot = max(spots, key=lambda name: spots[name], default="")
    if spot and spots[spot] >= HOT_SPOT_APART * bright and spots[spot] > dark + bright:  # a spot, not white all over
        return graded(
            spots[spot],
            params,
            {"ok": "No clipped areas on the face.",
             "high": f"{{v:.0%}} of the {REGION_WORDS[spot].lower()} is pure white: a hot spot (over-exposed), or something "
                     "white there."},
            "fraction",
            Evidence(polygons=[[tuple(p) for p in ctx.regions[spot]]], regions=[spot]),
        )
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


# Mirror axis: the median x of the nose ridge, the nose base, the lips' centre and the chin.
NOSE_LINE = (27, 28, 29, 30, 33, 51, 57, 8)
RIDGE = 0.08  # IED either side of the nose line left out of the mirrored pairs
DEEP_SHADOW = np.log(2.0)  # a pixel under half as bright as its mirror image (wording only)
# Each half-face outline (photo landmarks) for the evidence: jaw, midline, brow.
HALF_OUTLINE = {
    "left": (0, 1, 2, 3, 4, 5, 6, 7, 8, 57, 51, 33, 30, 27, 21, 20, 19, 18, 17),
    "right": (16, 15, 14, 13, 12, 11, 10, 9, 8, 57, 51, 33, 30, 27, 22, 23, 24, 25, 26),
}


@dataclass(frozen=True)
class LightAsymmetry:
    """Asymmetry of the light on the face."""

    ratio: float  # darker half's brightness / brighter half's, 0..1 (1 = even)
    shadow: float  # share of the darker half under half as bright as its mirror image
    darker: str  # "left" or "right" half as seen in the photo


def light_asymmetry(frame: FaceFrame) -> LightAsymmetry:
    """Each skin pixel against its mirror image across the nose line, on the upright frame.

    Comparing mirrored pixels cancels the face's own shading (nose, eye sockets), so only the
    light's asymmetry is left: skin is inside the jaw line and below the brows, eyes and mouth
    (dilated 1 px) and the nose ridge left out; d = ln(grey + 1) left minus its mirror on the right;
    the ratio is exp(-|median d|).
    """
    lm = frame.landmarks
    skin = frame.polygon(np.vstack([lm[0:17], lm[26:16:-1]]))
    for part in (LEFT_EYE, RIGHT_EYE, slice(48, 60)):
        skin &= ~cv2.dilate(frame.polygon(lm[part]).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    skin &= frame.inside & (frame.grid[1] > frame.brow_y)
    axis = float(np.median(lm[list(NOSE_LINE), 0]))
    log_grey = np.log(frame.grey + 1.0)
    h, w = skin.shape
    mirror = np.array([[-1.0, 0.0, 2.0 * axis], [0.0, 1.0, 0.0]], np.float32)
    mirrored = cv2.warpAffine(log_grey, mirror, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mirrored_skin = cv2.warpAffine(skin.astype(np.uint8), mirror, (w, h), flags=cv2.INTER_NEAREST) > 0
    left = skin & mirrored_skin & (np.arange(w, dtype=np.float32)[None, :] < axis - RIDGE * PX_PER_IED)
    if left.sum() < 30:
        raise NotAssessable("too little of both face halves is visible")
    diff = (log_grey - mirrored)[left]  # photo-left minus photo-right
    centre = float(np.median(diff))
    towards_darker = diff if centre > 0 else -diff
    return LightAsymmetry(float(np.exp(-abs(centre))), float(np.mean(towards_darker > DEEP_SHADOW)), "right" if centre > 0 else "left")


@check(LIGHTING_CHECK, "Even lighting (no side shadow)", "photometric", frontal=True, iso="IlluminationUniformity")
def lighting_uniformity(ctx: Context, params: dict[str, Any]) -> Measure:
    """Darker half of the face over the brighter, from skin pixels mirrored across the nose line."""
    found = light_asymmetry(ctx.face_frame)
    half = f"the {found.darker} half of the face (as seen in the photo)"
    return graded(
        found.ratio,
        params,
        {
            "ok": "Lighting is even across the face (darker half at {v:.0%} of the brighter).",
            "low": f"Side lighting: {half} is at {{v:.0%}} of the other half's brightness; "
            f"{found.shadow:.0%} of it is in deep shadow (under half as bright as its mirror image).",
        },
        "darker half / brighter half",
        Evidence(
            polygons=[[tuple(ctx.landmarks[i]) for i in HALF_OUTLINE[found.darker]]],
            regions=[f"{found.darker}_cheek", f"{found.darker}_eye"],
        ),
    )


@check(SHARPNESS_CHECK, "Sharp focus", "photometric", iso="Sharpness")
def sharpness(ctx: Context, params: dict[str, Any]) -> Measure:
    """Laplacian variance inside the face, on the face resampled to a fixed inter-eye distance, less what the photo's
    noise adds to it (`LAPLACIAN_NOISE_GAIN`), at a standard exposure (`FOCUS_REFERENCE_WHITE`)."""
    lm = ctx.landmarks
    x0, x1 = max(int(lm[:, 0].min()), 0), min(int(lm[:, 0].max()) + 1, ctx.width)
    y0, y1 = max(int(lm[17:27, 1].min()), 0), min(int(lm[:, 1].max()) + 1, ctx.height)
    crop = ctx.grey[y0:y1, x0:x1]
    mask = ctx.face_mask[y0:y1, x0:x1].astype(np.uint8)
    scale = SHARPNESS_IED / max(ctx.inter_eye, 1.0)
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        raise NotAssessable("face is outside the photo")
    size = (max(int(crop.shape[1] * scale), 8), max(int(crop.shape[0] * scale), 8))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR).astype(np.float32)
    small_mask = cv2.erode(cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8)) > 0
    laplacian = cv2.Laplacian(small, cv2.CV_32F)
    lap = laplacian[small_mask]
    if lap.size < 16:
        raise NotAssessable("face too small to judge focus")
    noise_map = np.abs(cv2.filter2D(small, cv2.CV_32F, NOISE_KERNEL))
    noise = _noise_sigma(noise_map, small_mask)
    evidence = Evidence(boxes=[(float(x0), float(y0), float(x1), float(y1))])
    spread = float(small[small_mask].std())
    low = ("Face is blurred or out of focus (detail {v:.0f}; needs {fail_below:.0f})." if spread >= FLAT_FACE_SPREAD else
           f"Face shows too little detail (detail {{v:.0f}}; needs {{fail_below:.0f}}): its tones are very flat (spread "
           f"{spread:.0f} grey levels), which hides detail as blur does.")
    brightness = float(small[small_mask].mean())
    if brightness < MIN_FOCUS_GREY:
        raise NotAssessable(f"the face is too dark to judge its focus (mean grey {brightness:.0f}); see the exposure check")
    to_reference = FOCUS_REFERENCE_WHITE / max(ctx.white_point, 1.0)
    focus = graded(
        to_reference**2 * max(float(lap.var()) - LAPLACIAN_NOISE_GAIN * noise**2, 0.0),
        params,
        {"ok": "Face is in focus (detail {v:.0f}).", "low": low},
        "Laplacian variance",
        evidence,
    )
    axis = (float(np.median(lm[list(NOSE_LINE[:4]), 0])) - x0) * scale
    readings = (_judged(_smear, small * to_reference, small_mask, noise * to_reference, params, evidence),
                _judged(_half_blur, small, small_mask, laplacian, noise_map, axis, to_reference, params, ctx))
    causes = [reading for reading in readings if reading is not None]
    # a cause (the smear, then a blurred half) speaks where it is worse than the focus, or fails as the focus does: it
    # names the cause (motion, one half), and the eye checks' doubt reads the smear (registry.SMEARED); where both only
    # warn the focus speaks (small soft crops read both). The ISO Sharpness column keeps the focus value whichever
    # decides (a ratio beside variances mixed two quantities)
    speaking = [c for c in causes if c.verdict.severity > focus.verdict.severity or c.verdict is focus.verdict is Verdict.FAIL]
    if speaking:
        return replace(max(speaking, key=lambda c: c.verdict.severity), iso_value=focus.value)
    return focus


def _judged(reading: Callable[..., Measure], *args: Any) -> Measure | None:
    """A reading's measure; None where it cannot judge (the others decide)."""
    try:
        return reading(*args)
    except NotAssessable:
        return None


def _noise_sigma(noise_map: np.ndarray, mask: np.ndarray) -> float:
    """Immerkaer's estimate of the noise's sigma from the `NOISE_KERNEL` response over `mask`."""
    return math.sqrt(math.pi / 2) / 6 * float(noise_map[mask].mean())


def _half_blur(small: np.ndarray, mask: np.ndarray, laplacian: np.ndarray, noise_map: np.ndarray, axis: float,
               to_reference: float, params: dict[str, Any], ctx: Context) -> Measure:
    """The blurrier half's detail over the sharper's, each half's Laplacian variance (noise taken off) per squared mean
    grey, the halves split at the nose line (`axis`, a column of `small`); see `HALF_MIN_PIXELS`. Only a half that
    would fail focus on its own (under the check's `fail_below`, on its scale) is called blurred: dark strands of hair
    drawn over one eye gave that half so much detail that the other, sharp half read as the blurred one (74 of 150
    drawn hair covers; 4 still under `warn_below`, their sharp halves at 29-39), and the eyes' doubt then softened the
    covered eye's failure. Halves blurred at a thirteenth of the eye distance read 1-3."""
    cols = np.arange(small.shape[1], dtype=np.float32)[None, :]
    apart = HALF_SEAM * SHARPNESS_IED
    halves = {"left": mask & (cols < axis - apart), "right": mask & (cols > axis + apart)}  # as seen in the photo
    counts = {side: int(half.sum()) for side, half in halves.items()}
    if min(counts.values()) < 16 or min(counts.values()) < HALF_MIN_PIXELS * max(counts.values()):
        raise NotAssessable("one half of the face is too little seen to compare the halves' focus")
    means = {side: float(small[half].mean()) for side, half in halves.items()}
    if min(means.values()) < HALF_MIN_LIGHT * max(means.values()):
        raise NotAssessable("one half of the face is in shadow: its detail cannot be compared with the other's")
    spread = {side: float(small[half].std()) for side, half in halves.items()}
    if min(spread.values()) < FLAT_HALF * max(spread.values()):
        raise NotAssessable("one half of the face is flat: something covers it rather than blurs it")
    variance = {side: max(float(laplacian[half].var()) - LAPLACIAN_NOISE_GAIN * _noise_sigma(noise_map, half) ** 2, 0.0)
                for side, half in halves.items()}
    detail = {side: variance[side] / max(means[side], 1.0) ** 2 for side in halves}
    blurred = min(detail, key=detail.__getitem__)
    sharp = "right" if blurred == "left" else "left"
    own = {side: to_reference**2 * variance[side] for side in halves}  # the focus check's own scale
    if own[blurred] >= params["fail_below"]:
        raise NotAssessable(f"the less detailed half is sharp enough on its own (detail {own[blurred]:.0f})")
    if own[sharp] < params["fail_below"]:  # both halves blurred: "Face is blurred" says it ("only the right half": review)
        raise NotAssessable(f"neither half is sharp (details {own['left']:.0f} and {own['right']:.0f})")
    ratio = detail[blurred] / detail[sharp]
    shown = "under 1%" if round(100 * ratio) == 0 else "{v:.0%}"  # "0% of the other half's detail" read as none (review)
    return graded(
        ratio,
        {"fail_below": params["half_fail_below"], "warn_below": params["half_warn_below"]},
        {"ok": "Both halves of the face are equally sharp.",
         "low": f"The {blurred} half of the face (as seen in the photo) is blurred while the other is sharp: it shows "
                f"{shown} of the other half's detail (needs {{fail_below:.0%}}); a smudged lens or a retouched photo can "
                "do this."},
        HALF_BLUR_UNIT,
        Evidence(polygons=[[tuple(ctx.landmarks[i]) for i in HALF_OUTLINE[blurred]]], regions=[f"{blurred}_cheek", f"{blurred}_eye"]),
    )


def _smear(small: np.ndarray, mask: np.ndarray, noise: float, params: dict[str, Any], evidence: Evidence) -> Measure:
    """Detail across the face's weaker direction over its stronger one: motion or camera shake smears detail along one
    direction and leaves it across, so the Laplacian's total stayed high (a face smeared by a third of its eye distance
    passed, graded-defect walk-through). Second differences along the rows, the columns and the two diagonals, noise
    taken off."""
    across, down, falling, rising = (
        max(float(cv2.filter2D(small, cv2.CV_32F, kernel)[mask].var()) - DIRECTION_NOISE_GAIN * noise**2, 0.0)
        for kernel in SMEAR_KERNELS
    )
    readings = []  # the ratio of two near-zero, noise-corrected numbers says nothing: a pair without detail is left out
    if max(across, down) >= SMEAR_MIN_DETAIL:
        readings += [(across / max(down, 1e-6), "sideways"),  # detail across a sideways smear over detail along it
                     (down / max(across, 1e-6) / UP_AND_DOWN_DETAIL, "up and down")]
    if max(falling, rising) >= SMEAR_MIN_DETAIL:
        readings.append((min(falling, rising) / max(falling, rising), "diagonally"))
    if not readings:
        raise NotAssessable("too little detail to tell a smear")
    ratio, way = min(readings)
    return graded(
        ratio,
        {"fail_below": params["smear_fail_below"], "warn_below": params["smear_warn_below"]},
        {"ok": "Face is not smeared in one direction.",
         "low": f"Face is smeared {way} (motion or camera shake): little detail across the smear ({{v:.0%}} of the detail "
                "along it, allowing for a face's own; needs {fail_below:.0%})."},
        SMEAR_UNIT,
        evidence,
    )


@check(COMPRESSION_CHECK, "No compression artefacts", "photometric", iso="CompressionArtifacts")
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
        "blockiness",
        _face_outline(ctx),
    )


@check("greyscale", "Colour photo", "photometric", scope="image")
def greyscale(ctx: Context, params: dict[str, Any]) -> Measure:
    if not ctx.is_greyscale:
        return Measure(Verdict.PASS, "The photo is in colour.", 1.0, "colour")
    verdict = Verdict.WARN if params["allow_greyscale"] else Verdict.FAIL
    return Measure(verdict, "The photo is black and white; a colour photo is required.", 0.0, "colour")


# L* at which the cheeks' missing saturation is given in chroma units (a typical face's cheeks: median 58 in LFW and the
# official portraits), so that `fail_above` means the same at every lightness: a face with no colour at all fails
REFERENCE_LIGHTNESS = 60.0
# L* under which the cheeks' colour is not judged: a* and b* are then a few units, rounded to whole ones, and read as a
# cast or as grey (a face at 15 % of its light); no LFW or official face's cheeks are so dark
MIN_CHEEK_LIGHTNESS = 15.0


@check("natural_colour", "Natural skin colour", "photometric", iso="NaturalColour", unless_failed=LOWER_FACE_CHECK)
def natural_colour(ctx: Context, params: dict[str, Any]) -> Measure:
    """Median CIELAB a*, b* of both cheeks against the range of natural skin tones (colour cast otherwise), and their
    saturation (chroma / L*) against the least a colour photo's skin shows (a photo drained of 80 % of its colour
    passed: a* 4, b* 3 lay inside the range, graded-defect walk-through). Saturation, not chroma: chroma falls with
    lightness, so a bound on it called darker skin washed out 4 times as often (docs/EVALUATION.md "Natural colour
    and skin tone")."""
    if ctx.is_greyscale:
        raise NotAssessable("black-and-white photo: colour cannot be judged")
    lab = ctx.lab_of(ctx.cheek_mask)
    if len(lab) < 8:
        raise NotAssessable("cheeks are outside the photo")
    light, a, b = (float(v) for v in np.median(lab, axis=0))
    if light < MIN_CHEEK_LIGHTNESS:
        raise NotAssessable(f"the cheeks are too dark to judge their colour (L* {light:.0f}); see the exposure check")
    lo_a, hi_a = float(params["a_min"]), float(params["a_max"])
    lo_b, hi_b = float(params["b_min"]), float(params["b_max"])
    saturation, saturation_min = math.hypot(a, b) / light, float(params["saturation_min"])
    grey = (saturation_min - saturation) * REFERENCE_LIGHTNESS  # missing saturation, in chroma units
    outside = max(lo_a - a, a - hi_a, lo_b - b, b - hi_b, grey, 0.0)
    thresholds = {"a_min": lo_a, "a_max": hi_a, "b_min": lo_b, "b_max": hi_b, "saturation_min": saturation_min,
                  **bounds_of(params)}
    evidence = Evidence(
        polygons=[[tuple(p) for p in ctx.regions[n]] for n in ("left_cheek", "right_cheek")], regions=["left_cheek", "right_cheek"]
    )
    if outside == 0.0:
        verdict, reason = Verdict.PASS, f"Skin colour looks natural (a* {a:.0f}, b* {b:.0f})."
    else:
        verdict = Verdict.FAIL if outside > thresholds.get("fail_above", math.inf) else Verdict.WARN  # no bound: warn
        if grey == outside:  # little colour at all, not a green cast (a* 0, b* 0 read as one); a teal one is a cast
            # "almost no colour" was said of a face keeping 60 % of it, a* and b* inside the range (wrong-cause audit)
            digits = finer_decimals(saturation, [saturation_min], 1) or 2  # 0.176 read "0.18" beside the bound 0.18
            reason = (f"Skin colour looks washed out or grey: little colour for its lightness (saturation "
                      f"{saturation:.{digits}f}, natural skin {saturation_min:.2f} and up; a* {a:.0f}, b* {b:.0f}).")
        else:
            cast = "red/magenta" if a > hi_a else "green" if a < lo_a else "yellow" if b > hi_b else "blue"
            reason = f"Skin colour looks unnatural: {cast} cast (a* {a:.0f}, b* {b:.0f})."
    return Measure(verdict, reason, outside, "CIELAB units outside the skin range", thresholds, evidence)
