"""Geometry: is there exactly one face, big enough, centred and whole, in a photo of the right shape.

Head height, head width, eye line and the top and chin margins are judged in mm on the
printed photo (`mm_geometry.print_scale`: at the file's dpi when that gives one of the
profile's sizes, else at the profile's size) when the profile states them in mm (`*_mm` bounds)
and the photo has the print's shape; otherwise in fractions of the photo (the result's
unit says which; the aspect-ratio check says why the shape is wrong), and a check the
profile states only in mm says why it cannot be judged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from pfiq_desktop.engine.faces import box_size, turned_face
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.enlargement import detail_between_eyes
from pfiq_desktop.engine.icao.grading import Measure, bounds_of, grade_interval, graded, graded_range
from pfiq_desktop.engine.icao.mm_geometry import CROWN_OVERSHOOT, PrintScale, head_height_range
from pfiq_desktop.engine.icao.registry import (
    ASPECT_RATIO_CHECK,
    BLURRED_DETAIL,
    CHECK_BY_EYE,
    COPIES_UNIT,
    DETAIL_UNIT,
    IMAGE_SIZE_CHECK,
    IMPRECISE,
    LOWER_FACE_CHECK,
    ONE_IMAGE_CHECK,
    NotAssessable,
    check,
)
from pfiq_desktop.engine.imageio import images_text
from pfiq_desktop.engine.results import FACE_PRESENT, STORED_TURNED_UNIT, Evidence, Face, Verdict, stored_how, upright_by
from pfiq_desktop.engine.same_picture import SAME_PICTURE_AT, picture_similarity


def _float_box(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return float(x0), float(y0), float(x1), float(y1)


def _needs(bounds: dict[str, float], percent: bool = False) -> str:
    """'needs 25-35 mm', 'needs at least 7 mm', 'needs 27-40 mm, ideally 32-36 mm' (or in % for fractions)."""

    def show(value: float) -> str:
        return f"{value:.0%}" if percent else f"{value:g}"

    unit = "" if percent else " mm"

    def span(low: float | None, high: float | None) -> str:
        if low is None:
            return f"at most {show(high)}{unit}" if high is not None else ""
        return f"at least {show(low)}{unit}" if high is None else f"{show(low)}-{show(high)}{unit}"

    fail_below, fail_above = bounds.get("fail_below"), bounds.get("fail_above")
    warn_below, warn_above = bounds.get("warn_below", fail_below), bounds.get("warn_above", fail_above)
    text = "needs " + span(fail_below, fail_above) if fail_below is not None or fail_above is not None else "no limit set"
    if (warn_below, warn_above) != (fail_below, fail_above):
        text += ", ideally " + span(warn_below, warn_above)
    return text


def _mm_scale(ctx: Context, params: dict[str, Any]) -> tuple[PrintScale | None, str]:
    """(the print's scale, '') when the profile states this check in mm and the photo can be measured so;
    (None, why not) when it cannot; (None, '') when the profile has no mm bounds for it."""
    if not bounds_of(params, "_mm"):
        return None, ""
    try:
        return ctx.print_scale, ""
    except NotAssessable as exc:
        return None, str(exc)


def _share_rule_scale(ctx: Context, params: dict[str, Any]) -> tuple[PrintScale | None, str]:
    """`_mm_scale` for the eye line and the face width, which ICAO states as shares of the photo (30-50 % of the
    height, 50-75 % of the width); no issuer with a range of sizes states them in mm, so their mm bounds are those
    shares of the profile's print. On another of its sizes (the file's dpi says so) the share itself is judged."""
    scale, why_not_mm = _mm_scale(ctx, params)
    return (None, why_not_mm) if scale is not None and scale.other_size else (scale, why_not_mm)


def _in_fractions(
    value: float, params: dict[str, Any], reasons: dict[str, str], unit: str, evidence: Evidence, why_not_mm: str
) -> Measure:
    """The check in fractions of the photo (its unit says so); not assessable when the profile states it only in mm."""
    if why_not_mm and not bounds_of(params):
        raise NotAssessable(why_not_mm)
    return graded(value, params, reasons, unit, evidence)


@check(FACE_PRESENT, "Face present", "geometry", scope="image")
def face_present(ctx: Context, params: dict[str, Any]) -> Measure:
    # the usual detector saw no upright face: a photo stored sideways or upside down shows it one when turned (the
    # fallback detector finds some sideways faces, so its faces are asked too; no upright photo without a usual-detector
    # face showed one turned on the development sets, docs/EVALUATION.md); the engine's CNN fallback confirms a weak
    # turned face where it reads it more surely than the face it found upright, if any
    upright = 0.0 if ctx.face is None else ctx.face.detection_score
    turn = turned_face(ctx.rgb, ctx.detector, upright) if ctx.face is None or ctx.face.detector == "cnn" else 0
    if turn:
        how = f"{stored_how(turn)} (turned {upright_by(turn)} it shows a face)"
        return Measure(Verdict.FAIL, f"No upright face: the photo is stored {how}. Turn it upright and save it again "
                       "(its file gives no orientation).", float(turn), STORED_TURNED_UNIT)
    if ctx.face is None:
        mean = float(ctx.grey.mean()) if ctx.grey.size else 0.0
        # a scan whose first page is a form (officer walk-through): its other pages are not checked
        images = ctx.images or 1
        several = images > 1
        where = (f"the first of the file's {images_text(images)} images (pages or frames), the only one checked"
                 if several else "the photo")
        elsewhere = " Or the photo is on another page of the file: save it as a file of its own." if several else ""
        if ctx.too_dark_below is not None and mean < ctx.too_dark_below:
            # a photo too dark to find a face in was told "covered, turned away, too small or too dark": say which
            # (the floor is the face's: a dark background alone can bring a photo under it, so the other causes stay)
            return Measure(Verdict.FAIL, f"No face was found in {where}, which is too dark (mean grey {mean:.0f}/255 over the "
                           f"whole photo; a face needs at least {ctx.too_dark_below:.0f}): retake it in more light. The face "
                           f"may also be covered, turned away or too small.{elsewhere}", 0.0, "faces")
        # an officer tells the applicant what to change: the usual causes, not only the fact
        return Measure(Verdict.FAIL, f"No face was found in {where}: the face may be covered (a mask, a scarf, a hand), "
                       f"turned away, too small or too dark, or the photo stored sideways.{elsewhere}", 0.0, "faces")
    # the fallback detector runs only when the usual one sees no face: often strong side light or a mask
    how = " by the second (CNN) detector: the usual one saw none" if ctx.face.detector == "cnn" else ""
    return Measure(
        Verdict.PASS, f"A face was found{how}.", float(len(ctx.faces)), "faces", evidence=Evidence(boxes=[_float_box(ctx.face.box)])
    )


@check("single_face", "Only one face", "geometry", per_face=False, iso="SingleFacePresent")
def single_face(ctx: Context, params: dict[str, Any]) -> Measure:
    """Ratio of the largest other face to the subject's face: background faces small enough are tolerated."""
    if ctx.face is None:
        raise NotAssessable("no face found")
    subject = box_size(ctx.face.box) or 1.0
    others = ctx.faces[1:]
    ratio = max((box_size(f.box) / subject for f in others), default=0.0)
    evidence = Evidence(boxes=[_float_box(f.box) for f in others])
    measure = graded(
        ratio,
        params,
        {
            "ok": "Only one face is visible." if not others else "Other faces are tiny compared with the subject ({v:.2f}).",
            "high": (f"{len(others)} other face{'s' * (len(others) > 1)} in the photo; the largest is {{v:.0%}} of the "
                     "subject's size."),
        },
        "largest other face / subject",
        evidence,
    )
    if measure.verdict is Verdict.PASS or not _copies_of_the_subject(ctx, ctx.face, others):
        return measure
    # a scanned booth sheet holds one portrait several times: "Retake with the applicant alone" told an applicant who
    # was alone to retake (counter walk-through); one print is the fix
    copies = len(others) + 1
    return Measure(measure.verdict, f"The photo holds {copies} copies of one portrait (a sheet of prints, or a page "
                   "scanned whole): one copy is the applicant's photo. Scan or crop one copy alone.", float(copies),
                   COPIES_UNIT, evidence=evidence)


def _copies_of_the_subject(ctx: Context, subject: Face, others: list[Face]) -> bool:
    """Whether every other face is the subject's picture again (`same_picture`: the same pixels on the face and around
    it). The copies on a booth sheet read 0.99, two people in one LFW photo at most 0.69 (77 photos, dev)."""
    return all(picture_similarity(ctx.rgb, subject, ctx.rgb, other) >= SAME_PICTURE_AT for other in others)


@check("inter_eye_distance", "Inter-eye distance", "geometry", iso="InterEyeDistance", doubted_by=BLURRED_DETAIL)
def inter_eye_distance(ctx: Context, params: dict[str, Any]) -> Measure:
    """The eyes' distance in pixels, and, where it is enough, whether the face holds the detail those pixels claim: a
    thumbnail of 80 x 100 px enlarged to 900 x 1125 read "Eyes are 145 px apart: enough resolution" (walk-through)."""
    left, right = ctx.eyes
    evidence = Evidence(points=[tuple(left), tuple(right)], lines=[(*left, *right)], regions=["left_eye", "right_eye"])
    measure = graded(
        ctx.inter_eye,
        params,
        {
            "ok": "Eyes are {v:.0f} px apart: enough resolution.",
            # no warn bound quoted: a warning then reads "(recommended 120) ... Borderline: within the limit", where
            # "(required 90, preferred 120) ... higher resolution is needed" told a passing photo it failed
            "low": "Eyes are only {v:.0f} px apart (required {fail_below:.0f}): too few pixels across the face; use a "
                   "photo or scan of higher resolution.",
        },
        "px",
        evidence,
    )
    required = params.get("fail_below")
    if measure.verdict is Verdict.FAIL or required is None:
        return measure
    box, found = ctx.enlargement
    if found is None or (detail := detail_between_eyes(ctx.inter_eye, found)) is None or detail >= required:
        return measure
    # a failure only where sure, and worded for both causes: a blurred or smoothed genuine face reads as an enlarged one
    # (a review's photos softened by 1.5-2.5 px read "enlarged 4-6 times" while "Sharp focus" passed); the focus
    # check's failure doubts it (BLURRED_DETAIL). docs/EVALUATION.md, "An enlarged thumbnail"
    holds = (f"The face holds the detail of only about {detail:.0f} px between the eyes (required {required:.0f}), though "
             f"the eyes are {ctx.inter_eye:.0f} px apart")
    reason = (f"{holds}: the photo was enlarged about {found.factor:.0f} times from a smaller one, or is out of focus. "
              "Ask for the original file, sharp." if found.sure else
              f"{holds}: the photo seems enlarged about {found.factor:.0f} times from a smaller one (or blurred, or "
              f"smoothed by a filter). {CHECK_BY_EYE} Ask for the original file.")
    return Measure(Verdict.FAIL if found.sure else Verdict.WARN, reason, detail, DETAIL_UNIT, measure.thresholds,
                   replace(evidence, boxes=[box]), iso_value=ctx.inter_eye)


# the chin under a mask, scarf or hand is dlib's guess: a mask drawn on 20 official portraits moved the head height by
# 4.7 % on average, 9.4 % at P90 (docs/EVALUATION.md, "Spoiled light"); the checks of the crown estimated from it wait too
@check("head_size", "Head height (chin to crown)", "geometry", iso="HeadSize", unless_failed=LOWER_FACE_CHECK)
def head_size(ctx: Context, params: dict[str, Any]) -> Measure:
    """Chin to crown, graded as an interval: the crown is estimated, and rules that count the hair add it."""
    ratio = ctx.head_height / ctx.height
    evidence = Evidence(points=[tuple(ctx.crown), tuple(ctx.chin)], lines=[(*ctx.crown, *ctx.chin)])
    crown = ctx.print_format.crown if ctx.print_format else "skull"
    scale, why_not_mm = _mm_scale(ctx, params)
    if scale is not None:
        value, bounds, unit = ctx.head_height / scale.px_per_mm, bounds_of(params, "_mm"), "mm"
        shown, span = "{v:.1f} mm", "{lo:.1f} to {hi:.1f} mm"
        needs = _needs(bounds) + scale.note
        where = f"({ratio:.0%} of the photo height; {needs})"
    else:
        if why_not_mm and not bounds_of(params):
            raise NotAssessable(why_not_mm)
        value, bounds, unit = ratio, bounds_of(params), "fraction of height"
        shown, span = "{v:.0%} of the photo height", "{lo:.0%} to {hi:.0%} of the photo height"
        needs = _needs(bounds, percent=True)
        where = f"({needs})"
    low, high = head_height_range(value, crown)
    seen = "to the top of the hair, which the landmarks do not show" if crown == "hair" else "to the estimated crown"
    measure = graded_range(
        value,
        low,
        high,
        bounds,
        {
            "ok": f"Head height is about {shown} {where}.",
            "low": f"Head is too small: chin to crown is about {shown} {where}.",
            "high": f"Head is too large: chin to crown is about {shown} {where}.",
            "imprecise": f"Head height {IMPRECISE}: {span} chin {seen}; {needs}. {CHECK_BY_EYE}",
        },
        unit,
        evidence,
    )
    return replace(measure, iso_value=ratio) if scale is not None else measure  # ISO's HeadSize is a share of the height


@check("head_width", "Head width", "geometry")
def head_width(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = ctx.head_width / ctx.width
    a, b = ctx.landmarks[0], ctx.landmarks[16]
    evidence = Evidence(points=[tuple(a), tuple(b)], lines=[(*a, *b)])
    scale, why_not_mm = _share_rule_scale(ctx, params)
    if scale is not None:
        bounds = bounds_of(params, "_mm")
        where = f"({ratio:.0%} of the photo width; {_needs(bounds)}{scale.note})"
        return graded(
            ctx.head_width / scale.px_per_mm,
            bounds,
            {
                "ok": f"Face width is {{v:.1f}} mm {where}.",
                "low": f"Face is too narrow: {{v:.1f}} mm cheek to cheek {where}.",
                "high": f"Face is too wide: {{v:.1f}} mm cheek to cheek {where}.",
            },
            "mm",
            evidence,
        )
    return _in_fractions(
        ratio,
        params,
        {
            "ok": "Face width is {v:.0%} of the photo width.",
            "low": "Face is too narrow in the frame: {v:.0%} of the photo width (needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Face is too wide in the frame: {v:.0%} of the photo width (needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of width",
        evidence,
        why_not_mm,
    )


@check("eye_line_height", "Eye line height", "geometry", iso="MarginAboveOfTheFaceImage")
def eye_line_height(ctx: Context, params: dict[str, Any]) -> Measure:
    """Distance of the eye midpoint from the top edge: in mm, or as a fraction of the photo height."""
    ratio = float(ctx.eye_mid[1] / ctx.height)
    y = float(ctx.eye_mid[1])
    evidence = Evidence(points=[tuple(ctx.eye_mid)], lines=[(0.0, y, float(ctx.width), y)])
    scale, why_not_mm = _share_rule_scale(ctx, params)
    if scale is not None:
        bounds = bounds_of(params, "_mm")
        where = f"{(ctx.height - y) / scale.px_per_mm:.1f} mm above the bottom ({_needs(bounds)} from the top{scale.note})"
        return replace(graded(
            y / scale.px_per_mm,
            bounds,
            {
                "ok": f"Eyes are {{v:.1f}} mm below the top edge, {where}.",
                "low": f"Eyes are too high: {{v:.1f}} mm below the top edge, {where}.",
                "high": f"Eyes are too low: {{v:.1f}} mm below the top edge, {where}.",
            },
            "mm",
            evidence,
        ), iso_value=ratio)  # the ISO column holds the share of the height, as without a print size
    return _in_fractions(
        ratio,
        params,
        {
            "ok": "Eyes are {v:.0%} of the height below the top edge.",
            "low": "Eyes are too high in the photo ({v:.0%} from the top; needs {fail_below:.0%}-{fail_above:.0%}).",
            "high": "Eyes are too low in the photo ({v:.0%} from the top; needs {fail_below:.0%}-{fail_above:.0%}).",
        },
        "fraction of height",
        evidence,
        why_not_mm,
    )


# the crown is estimated 1.1 chin-to-eye distances above the eyes: under a mask it moves with the guessed chin
@check("top_margin", "Space above the head", "geometry", unless_failed=LOWER_FACE_CHECK)
def top_margin(ctx: Context, params: dict[str, Any]) -> Measure:
    """Crown to the top edge in mm: an interval, because the crown (and any hair) is estimated."""
    if not bounds_of(params, "_mm"):
        raise NotAssessable("the profile sets no space above the head in mm")
    printed = ctx.print_scale
    scale = printed.px_per_mm
    low, high = head_height_range(ctx.head_height / scale, ctx.printed.crown)
    vertical = float(ctx.chin[1] - ctx.crown[1]) / max(ctx.head_height, 1e-9)  # the crown lies along the face axis
    chin_mm = float(ctx.chin[1]) / scale
    bounds = bounds_of(params, "_mm")
    needs = _needs(bounds) + printed.note
    x = float(ctx.crown[0])
    return graded_range(
        float(ctx.crown[1]) / scale,
        chin_mm - high * vertical,
        chin_mm - low * vertical,
        bounds,
        {
            "ok": f"About {{v:.1f}} mm above the head ({needs}).",
            "low": f"Too little space above the head: about {{v:.1f}} mm ({needs}).",
            "high": f"Too much space above the head: about {{v:.1f}} mm ({needs}).",
            "imprecise": (
                f"Space above the head {IMPRECISE}: {{lo:.1f}} to {{hi:.1f}} mm with the "
                f"crown estimated from the landmarks; {needs}. {CHECK_BY_EYE}"
            ),
        },
        "mm",
        Evidence(points=[tuple(ctx.crown)], lines=[(x, 0.0, x, float(ctx.crown[1]))]),
    )


@check("chin_margin", "Space below the chin", "geometry", iso="MarginBelowOfTheFaceImage", unless_failed=LOWER_FACE_CHECK)
def chin_margin(ctx: Context, params: dict[str, Any]) -> Measure:
    """Chin to the bottom edge in mm."""
    if not bounds_of(params, "_mm"):
        raise NotAssessable("the profile sets no space below the chin in mm")
    printed = ctx.print_scale
    below = (ctx.height - float(ctx.chin[1])) / printed.px_per_mm
    bounds = bounds_of(params, "_mm")
    needs = _needs(bounds) + printed.note
    x, y = float(ctx.chin[0]), float(ctx.chin[1])
    return graded(
        below,
        bounds,
        {
            "ok": f"{{v:.1f}} mm below the chin ({needs}).",
            "low": f"Too little space below the chin: {{v:.1f}} mm ({needs}).",
            "high": f"Too much space below the chin: {{v:.1f}} mm ({needs}).",
        },
        "mm",
        Evidence(points=[tuple(ctx.chin)], lines=[(x, y, x, float(ctx.height))]),
    )


@check("horizontal_centre", "Face horizontally centred", "geometry", iso="LeftwardCropOfTheFaceImage")
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


@check("face_cropped", "Whole head in the photo", "geometry", unless_failed=LOWER_FACE_CHECK)
def face_cropped(ctx: Context, params: dict[str, Any]) -> Measure:
    """Smallest margin between the head box (crown, jaw, chin) and an image edge, relative to head height.

    The crown is estimated, and too high more often than not (six whole heads of 150 official portraits failed "cut
    by the top edge"): the top margin is read as the interval up to CROWN_OVERSHOOT more, so a crown past the top
    edge by less warns as "could not be measured precisely enough"; the other edges are the landmarks' own."""
    x0, y0, x1, y1 = ctx.head_box
    head = max(ctx.head_height, 1.0)
    margins = {"left": x0, "top": y0, "right": ctx.width - x1, "bottom": ctx.height - y1}
    reach = {**margins, "top": margins["top"] + CROWN_OVERSHOOT * head}  # the most each margin may really be
    bounds = bounds_of(params)
    sure_cut = min(reach.values()) / head < bounds.get("fail_below", -np.inf)
    named = reach if sure_cut else margins  # a cut for sure is named before an unsure one
    side = min(named, key=named.__getitem__)
    value = margins[side] / head
    outside = round(-100 * value)  # a negative margin is the share of the head beyond the edge
    where = (f"lies about {outside} % of the head's height beyond the top edge" if outside > 0
             else "is {v:.0%} of the head's height below the top edge (needs {fail_below:.0%})")
    return graded_range(
        value,
        value,
        reach[side] / head,
        bounds,
        {
            "ok": "The whole head is inside the photo.",
            "low": (f"The head is cut by the {side} edge: about {outside} % of its height is outside the photo."
                    if outside > 0 else f"The head touches the {side} edge (margin {{v:.0%}} of the head height)."),
            "imprecise": (f"Whole head {IMPRECISE}: the top of the head, estimated from the face, {where}; in 9 of 10 "
                          f"photos that estimate lies less than {100 * CROWN_OVERSHOOT:.0f} % too high. {CHECK_BY_EYE}"),
        },
        "fraction of head height",
        Evidence(boxes=[(x0, y0, x1, y1)]),
    )


@check(ONE_IMAGE_CHECK, "One image in the file", "geometry", scope="image")
def one_image(ctx: Context, params: dict[str, Any]) -> Measure:
    """A multi-page TIFF or an animation holds more than the photo shown: only its first image is checked, and a
    scan whose first page is a form would be judged on the form."""
    if ctx.images is None:
        raise NotAssessable("the analysis was saved before the file's images were counted; analyse the photo again")
    bounds = bounds_of(params)
    verdict, _ = grade_interval(ctx.images, ctx.images, bounds)
    several = f"The file holds {images_text(ctx.images)} images (pages or frames); only the first, shown here, was checked"
    if ctx.images == 1:
        reason = "The file holds one image."
    elif verdict is Verdict.PASS:
        reason = f"{several}, within the profile's limit."
    else:
        reason = f"{several}. Make sure it is the applicant's photo, or ask for a file with that photo alone."
    return Measure(verdict, reason, float(ctx.images), "images", bounds)


@check(IMAGE_SIZE_CHECK, "Photo size in pixels", "geometry", scope="image")
def image_size(ctx: Context, params: dict[str, Any]) -> Measure:
    """Digital submissions state a pixel range (United States 600-1200 px square, New Zealand 900 x 1200 to 2400 x
    3200): judged on the height, since the aspect ratio check holds the width to it. ICAO states none, so the default
    profile leaves this check off (profile author's walk-through: the rule was text for the officer)."""
    size = f"The photo is {ctx.width} x {ctx.height} px"
    return graded(
        float(ctx.height),
        params,
        {
            "ok": f"{size}.",
            "low": f"{size}: too small (needs {{fail_below:.0f}} px high or more).",
            "high": f"{size}: too large (allowed {{fail_above:.0f}} px high at most).",
        },
        "px high",
    )


@check(ASPECT_RATIO_CHECK, "Photo aspect ratio", "geometry", scope="image")
def aspect_ratio(ctx: Context, params: dict[str, Any]) -> Measure:
    ratio = ctx.width / ctx.height
    fmt = ctx.print_format
    example = f"{fmt.size_text()} print = {fmt.width_mm / fmt.height_mm:.3f}" if fmt else "35x45 mm = 0.778"
    return graded(
        ratio,
        params,
        {
            "ok": "Width:height is {v:.3f}.",
            "low": f"Photo is too narrow: width:height {{v:.3f}} (needs {{fail_below:.3f}}-{{fail_above:.3f}}; {example}).",
            "high": f"Photo is too wide: width:height {{v:.3f}} (needs {{fail_below:.3f}}-{{fail_above:.3f}}; {example}).",
        },
        "width/height",
    )
