"""Reason codes of decisions in words: what an officer reads in the window, the PDF and the audit trail.

Decisions store stable codes (check ids such as ``inter_eye_distance`` and the
``other:*`` codes); every place that shows them to a person uses `reason_label`, or,
beside the analysis the decision was taken on, `decided_reasons_text`, which words a
failed check by what it found (`problem_label`: "Head too large").
A decision taken after a renewal check also carries ``reference_photo:<SHA-256>``,
the reference photo the officer compared the face with (`reference_code`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from pfiq_desktop.engine.icao.eyes_mouth import GLASSES_UNITS
from pfiq_desktop.engine.icao.grading import RANGE_KEYS
from pfiq_desktop.engine.icao.registry import (
    COPIES_UNIT,
    DETAIL_UNIT,
    EYE_COVER_CHECK,
    EYE_OPEN_CHECKS,
    FRAMING_CHECKS,
    GLASSES_CHECK,
    HIDDEN_UNIT,
    IMAGE_SIZE_CHECK,
    doubted,
    in_fix_order,
    in_look_order,
)
from pfiq_desktop.engine.results import FACE_PRESENT, Analysis, CheckResult, Verdict, bound_side, stored_how, upright_by

# A check's name is the requirement ("No head covering"); as the reason a photo was refused or accepted despite,
# it would read backwards in the record. These are the problems, as an officer writes them.
CHECK_PROBLEMS = {
    FACE_PRESENT: "No face found",
    "single_face": "More than one face",
    "inter_eye_distance": "Too few pixels between the eyes",
    "head_size": "Head too small or too large",
    "head_width": "Face too narrow or too wide in the frame",
    "eye_line_height": "Eyes too high or too low in the frame",
    "top_margin": "Too much or too little space above the head",
    "chin_margin": "Too much or too little space below the chin",
    "horizontal_centre": "Face not centred",
    "face_cropped": "Head cut off by the photo's edge",
    "aspect_ratio": "Wrong photo aspect ratio",
    "image_size": "Photo too small or too large in pixels",
    "plq_regions": "Face regions unusable for recognition",
    "face_occlusion": "Eyes, nose or mouth obstructed",
    "lower_face_covered": "Mouth or chin covered (mask, scarf, hand)",
    "head_covering": "Head covering",
    "eye_occlusion": "Eyes covered (sunglasses, patch, hand, hair)",
    "eye_open_left": "Eye closed or hidden (photo left)",
    "eye_open_right": "Eye closed or hidden (photo right)",
    "mouth_closed": "Mouth open or teeth showing",
    "glasses": "Glasses",
    "eye_glare": "Glare on the eyes or glasses",
    "red_eye": "Red eye",
    "pose_yaw": "Head turned (yaw)",
    "pose_pitch": "Head tilted up or down (pitch)",
    "pose_roll": "Head tilted sideways (roll)",
    "exposure": "Face too dark or too bright",
    "clipping": "Under- or over-exposed areas",
    "dynamic_range": "Flat tones (low dynamic range)",
    "lighting_uniformity": "Uneven lighting (side shadow)",
    "sharpness": "Blurred",
    "compression": "Compression artefacts",
    "greyscale": "Not a colour photo",
    "natural_colour": "Unnatural skin colour",
    "background_uniformity": "Background not plain",
    "background_brightness": "Background too dark",
    "background_shadow": "Shadow behind the head",
    "transparency": "Transparent areas (background cut out?)",
    "one_image": "Several images in the file (first checked)",
}
# Problems that go either way, worded for each side: (value below the check's bounds, value above them), or for a
# signed angle (negative, positive). Where a failed check's value says which side, the photo list and the summary
# name it ("Head too large"); the decision keeps the check's code, whose label covers both.
TWO_WAY_PROBLEMS = {
    "head_size": ("Head too small", "Head too large"),
    "head_width": ("Face too narrow in the frame", "Face too wide in the frame"),
    "eye_line_height": ("Eyes too high in the frame", "Eyes too low in the frame"),
    "top_margin": ("Too little space above the head", "Too much space above the head"),
    "chin_margin": ("Too little space below the chin", "Too much space below the chin"),
    "exposure": ("Face too dark", "Face too bright"),
    "image_size": ("Photo too small in pixels", "Photo too large in pixels"),
}
# signed angles (engine/icao/pose.py POSE_WORDS: positive = to the photo's right, chin raised, clockwise): "Head turned
# (yaw)" left the applicant to work out which way in a mirror (photographer's walk-through)
SIGNED_PROBLEMS = {
    "pose_yaw": ("Head turned to the photo's left", "Head turned to the photo's right"),
    "pose_pitch": ("Head tilted down", "Head tilted up"),
    "pose_roll": ("Head tilted anticlockwise", "Head tilted clockwise"),
}
# What the applicant or the photographer changes for each problem, for the report that goes back to them (photographer's
# walk-through: the reasons said what was wrong, never what to do); two-way problems per side, as TWO_WAY_PROBLEMS.
FIXES: dict[str, str | tuple[str, str]] = {
    FACE_PRESENT: "Retake with the whole face towards the camera, uncovered and well lit",
    "single_face": "Retake with the applicant alone in the photo",
    # "full-resolution file" meant nothing to an applicant holding a scan (applicant's page walk-through)
    "inter_eye_distance": "Use a larger photo: the camera's original file, the print scanned at a higher resolution, or "
                          "a new photo taken from closer",
    "head_size": ("Move the camera closer or crop tighter", "Move the camera back or crop wider"),
    "head_width": ("Move the camera closer or crop tighter", "Move the camera back or crop wider"),
    "eye_line_height": ("Crop so the eyes sit lower: more space above the head",
                        "Crop so the eyes sit higher: less space above the head"),
    "top_margin": ("Leave more space above the head", "Leave less space above the head"),
    "chin_margin": ("Leave more space below the chin", "Leave less space below the chin"),
    "horizontal_centre": "Centre the face in the photo",
    "face_cropped": "Keep the whole head in the photo, from the top of the hair to the chin",
    "aspect_ratio": "Crop to the shape the document's photo must have (its width to its height)",
    "image_size": ("Use a larger photo: the camera's original file, or the print scanned at a higher resolution",
                   "Resize the photo to the pixel size the document asks for"),
    "plq_regions": "Retake with nothing covering or shadowing the face",
    "face_occlusion": "Remove whatever covers the eyes, nose or mouth",
    "lower_face_covered": "Remove the mask, scarf or hand from the mouth and chin",
    "head_covering": "Remove the hat or cap; a religious covering may be allowed if the face stays visible from chin to "
                     "forehead",
    "eye_occlusion": "Remove sunglasses, a patch, a hand or hair from the eyes, or the shadow over them (a cap's brim)",
    "eye_open_left": "Retake with both eyes open, looking at the camera",
    "eye_open_right": "Retake with both eyes open, looking at the camera",
    "mouth_closed": "Retake with the mouth closed and a neutral expression",
    "glasses": "Take the glasses off (where clear glasses are allowed: no tint, no reflection, frames clear of the eyes)",
    "eye_glare": "Move the lights, or tilt the glasses slightly, so no reflection covers the eyes",
    "red_eye": "Retake without a flash on the camera, or with red-eye reduction",
    "pose_yaw": "Face the camera squarely",
    "pose_pitch": ("Raise the chin slightly, so the face is level with the camera",
                   "Lower the chin slightly, so the face is level with the camera"),
    "pose_roll": "Hold the head straight, both eyes level",
    "exposure": ("Add light or increase the exposure", "Reduce the light or the exposure"),
    "clipping": "Light the face evenly and set the exposure so no part of it is pure black or pure white",
    "dynamic_range": "Improve the light and the exposure, so the face shows its full range of tones",
    "lighting_uniformity": "Light both sides of the face evenly: add a light or a reflector on the shadowed side",
    "sharpness": "Focus on the eyes and hold the camera steady (a faster shutter helps); a face whose tones look flat "
                 "needs more light",  # the check fails flat tones too, which hide detail as blur does
    "compression": "Send the original file, or save the photo at a higher JPEG quality",
    "greyscale": "Send a colour photo",
    "natural_colour": "Set the white balance for the lights used, and apply no colour filter",
    "background_uniformity": "Use a plain, evenly lit backdrop",
    "background_brightness": "Use a lighter backdrop, or light it",
    "background_shadow": "Move the applicant away from the backdrop, or light it, so no shadow falls behind the head",
    "transparency": "Send the photo with its own background, not cut out",
    "one_image": "Send one photo per file",
}
# Offered, unticked, where no face was found: a covered face is what the detector most often misses, and masked faces
# left the officer only "No face found" or "Other" to file (walk-through).
NO_FACE_CAUSES = ("lower_face_covered", "eye_occlusion", "head_covering")
# Reasons an officer can give beyond the failed checks (offered after them, unticked).
OTHER_REASONS = {
    "other:identity_doubt": "Identity doubt",
    "other:photo_altered": "Photo appears altered",
    "other:wrong_format": "Wrong size or format",
    "other:other": "Other (see note)",
}
# Codes the application adds itself.
ENLARGED_PROBLEM = "Too little detail (enlarged or blurred)"  # "Inter-eye distance" failed for its detail, not its pixels
# "Only one face" failed for copies of the subject's own picture (a booth sheet scanned whole), not another person
COPIES_PROBLEM, COPIES_FIX = "Several copies of one portrait", "Scan or crop one copy of the portrait alone"
# ... whose framing, measured on the whole sheet, that crop sets anew: a booth sheet listed "Move the camera closer or
# crop tighter", "Centre the face" and the aspect ratio as changes of their own (its pixels and a cut head stay)
FRAMED_BY_ONE_COPY = FRAMING_CHECKS - {"inter_eye_distance", IMAGE_SIZE_CHECK, "face_cropped"}
# ... and, where their own changes differ, one reframing: a tight Yale crop read "Move the camera back or crop wider"
# (head too large) beside "Move the camera closer or crop tighter" (face too narrow; applicant's page walk-through)
REFRAME_FIX = "Reframe the photo: the whole head centred, at the size and in the shape the document asks for"
NOT_ANALYSED_YET = "not_analysed_yet"  # the checks a reject or retake before the analysis was filed against
NOT_ANALYSABLE = "not_analysable"  # the checks a decision on a photo the engine could not read was filed against
ANALYSIS_FAILED = "error:not_analysed"  # the reason pre-ticked on such a photo
REFERENCE_NO_MATCH = "reference_no_match"  # accepting a photo that a renewal check found to be someone else
SYSTEM_REASONS = {
    NOT_ANALYSED_YET: "not analysed yet",
    NOT_ANALYSABLE: "photo could not be analysed",
    ANALYSIS_FAILED: "Photo could not be analysed",
    REFERENCE_NO_MATCH: "Not the same person as the reference photo",
}
REFERENCE_PREFIX = "reference_photo:"
CHECK_PREFIX = "reference_check:"  # what the renewal check said: reference_check:<outcome>:<score>:<reference file name>


def reference_code(image_sha256: str) -> str:
    """The reason code that files the reference photo of a renewal check with a decision."""
    return f"{REFERENCE_PREFIX}{image_sha256}"


def reference_check_code(outcome: str, score: float, name: str) -> str:
    """The reason code that files what the renewal check said (outcome, score, the reference's file name): a
    supervisor reading the report must see it, not only which photo was compared."""
    return f"{CHECK_PREFIX}{outcome}:{score:.3f}:{name.replace(';', ',')}"  # ';' separates reasons in the CSV


def is_reference(code: str) -> bool:
    """Whether a reason code files a renewal check (the application's, never one the officer ticks)."""
    return code.startswith((REFERENCE_PREFIX, CHECK_PREFIX))


def reference_in(codes: Iterable[str]) -> str:
    """The SHA-256 of the reference photo among a decision's reason codes ('' when it has none)."""
    return next((code[len(REFERENCE_PREFIX):] for code in codes if code.startswith(REFERENCE_PREFIX)), "")


def reason_label(code: str) -> str:
    """The words for a reason code: a check's problem (CHECK_PROBLEMS); the code itself when it is unknown
    (e.g. a check of a newer version)."""
    if code in CHECK_PROBLEMS:
        return CHECK_PROBLEMS[code]
    if code.startswith(REFERENCE_PREFIX):
        return f"Compared with reference photo {code[len(REFERENCE_PREFIX):][:12]}…"
    if code.startswith(CHECK_PREFIX):
        from pfiq_desktop.engine.comparison import DECISION_LABELS

        outcome, score, name = (code[len(CHECK_PREFIX):].split(":", 2) + ["", ""])[:3]
        return f"Renewal check against {name or 'the reference photo'}: {DECISION_LABELS.get(outcome, outcome)} (score {score})"
    return OTHER_REASONS.get(code) or SYSTEM_REASONS.get(code) or code


def problem_label(check: CheckResult) -> str:
    """A failed check's problem in the words of what it found, where its code's label would mislead: a photo stored
    sideways fails "Face present", but "No face found" sends the officer to look for a covered face."""
    if check.turn is not None:
        return f"Photo stored {stored_how(check.turn)}"
    if check.unit == DETAIL_UNIT:  # its pixels are enough: "Too few pixels" beside "185 px" puzzled (walk-through)
        return ENLARGED_PROBLEM
    if check.unit == COPIES_UNIT:
        return COPIES_PROBLEM
    sides, side = SIGNED_PROBLEMS.get(check.id) or TWO_WAY_PROBLEMS.get(check.id), _side(check)
    return sides[side > 0] if sides and side else reason_label(check.id)


def _side(check: CheckResult) -> int:
    """-1 where the check's value lies below its bounds (or is a negative angle), +1 above (positive); for a value
    inside them, the side its measured interval crosses, where it crosses one only; 0 unknown."""
    value = check.value
    if value is None or check.verdict is Verdict.PASS:
        return 0
    if check.id in SIGNED_PROBLEMS:
        return (value > 0) - (value < 0)
    side = bound_side(value, check.thresholds)
    low, high = (check.thresholds.get(key) for key in RANGE_KEYS)
    if side or low is None or high is None:
        return side
    # a reading inside the bounds whose interval crosses one of them: the side it crosses ("Head too small or too
    # large" for a head measured at 74-82 % against 70-80 %, which can only be too large; third walk-through)
    below, above = bound_side(low, check.thresholds) < 0, bound_side(high, check.thresholds) > 0
    return -1 if below and not above else 1 if above and not below else 0


def fix_for(check: CheckResult) -> str:
    """What to change for a failed check (FIXES), for the side its value lies on; '' for a check without one. A photo
    stored sideways needs turning, not a retake (review: "Photo stored sideways: Retake with the whole face ...")."""
    if check.turn is not None:
        return f"Turn the photo {upright_by(check.turn)} and save it again"
    if check.unit == COPIES_UNIT:
        return COPIES_FIX
    fix = FIXES.get(check.id, "")
    if isinstance(fix, str):
        return fix
    side = _side(check)
    return fix[side > 0] if side else ""


def to_change(analysis: Analysis, ticked: Collection[str] | None = None) -> list[tuple[list[str], str]]:
    """What to change, most important first: (the problems `failed_problems` lists that one change mends, the change);
    both eyes shut are one retake, a sheet of copies' framing one crop, framing that asks for opposite moves one
    reframing, tinted glasses over covered eyes one removal. A problem without a change of its own ('') stands alone.
    With `ticked` (a decision's reason codes), the checks the officer gave as reasons, whatever they found, and no
    others: a retake for side light listed seven changes, none about the light (applicant's page walk-through)."""
    subject = analysis.subject_checks()
    uncertain = doubted(subject) if ticked is None else set()
    listed = _listed(subject, uncertain, ticked)
    fixes = [fix_for(check) for check in listed]
    copies = any(c.unit == COPIES_UNIT and c.verdict is Verdict.FAIL for c in subject)
    framing = {fix for check, fix in zip(listed, fixes, strict=True) if check.id in FRAMED_BY_ONE_COPY}
    reframe = COPIES_FIX if copies else REFRAME_FIX if len(framing) > 1 else ""
    cover = next((fix for c, fix in zip(listed, fixes, strict=True) if c.id == EYE_COVER_CHECK and c.verdict is Verdict.FAIL), "")
    groups: dict[str, tuple[list[str], str]] = {}
    for check, fix in zip(listed, fixes, strict=True):
        if reframe and check.id in FRAMED_BY_ONE_COPY:
            fix = reframe
        elif cover and check.id == GLASSES_CHECK and check.unit == GLASSES_UNITS["tinted"]:
            fix = cover  # "Remove sunglasses ..." and "Take the glasses off" for one pair
        problem = problem_label(check) + ("?" if check.id in uncertain else "")
        groups.setdefault(fix or problem, ([], fix))[0].append(problem)
    return list(groups.values())


def _listed(subject: list[CheckResult], uncertain: set[str], ticked: Collection[str] | None = None) -> list[CheckResult]:
    """The failed checks (or those `ticked`) in fix order, then the uncertain warnings (a head's turn read on a face too
    dark to place its landmarks came before "Face too dark"); an eye not visible behind a cover said once."""
    hidden = behind_the_cover(subject)
    listed = in_fix_order(c for c in subject if c.id not in hidden
                          and ((c.verdict is Verdict.FAIL or c.id in uncertain) if ticked is None else c.id in ticked))
    return sorted(listed, key=lambda c: c.id in uncertain)


def behind_the_cover(subject: Iterable[CheckResult]) -> set[str]:
    """The eye checks that report an eye not visible (covered) where "Eyes covered" flags that cover at least as
    surely: the cover, said once. Sunglasses read "Eyes covered, Eye closed or hidden (photo left), Eye closed or
    hidden (photo right), Glasses +6 more" in the list, and the decision panel ticked all three (walk-through). An eye
    failing behind a cover that only warns stays named: hiding it would say a failure as a warning."""
    checks = list(subject)
    cover = next((c.verdict.severity for c in checks if c.id == EYE_COVER_CHECK), 0)
    return {c.id for c in checks if c.id in EYE_OPEN_CHECKS and c.unit == HIDDEN_UNIT
            and c.verdict in (Verdict.WARN, Verdict.FAIL) and c.verdict.severity <= cover}


def failed_problems(analysis: Analysis) -> list[str]:
    """What the subject's failed checks found, in fix order: what to tell the applicant (list rows, console, summary).
    An eye not visible behind what "Eyes covered" reports is that cover, said once: sunglasses read "Eyes covered, Eye
    closed or hidden (photo left), Eye closed or hidden (photo right), Glasses" and pushed the rest into "+6 more".
    A warning that stands for a failure made uncertain (sunglasses in a blocky JPEG) is listed with a question mark,
    after the certain ones: "Compression artefacts" alone sent the officer for a better file rather than a new pose."""
    return [problem for problems, _ in to_change(analysis) for problem in problems]


def warned_problems(analysis: Analysis) -> list[str]:
    """What the subject's warnings found, each with a question mark, what covers or shuts the face first
    (`in_look_order`), leaving out those `failed_problems` lists (a failure made uncertain): what to look at. The
    overviews listed failures only, so a wink the network thought 87 % likely, a warning, showed in neither the console
    table nor the batch summary (walk-through)."""
    subject = analysis.subject_checks()
    skipped = doubted(subject) | behind_the_cover(subject)
    return [problem_label(c) + "?" for c in in_look_order(c for c in subject if c.verdict is Verdict.WARN and c.id not in skipped)]


def problems_overview(failed: Sequence[str], warned: Sequence[str], shown: int = 2) -> str:
    """One line for a photo in an overview (list row, console table, batch summary): the first failures, then the
    first warning to look at; a photo with warnings alone, the first of those."""
    if not failed:
        return first_problems(warned, shown)
    return first_problems(failed, shown) + to_look_at(warned)


def to_look_at(warned: Sequence[str]) -> str:
    """After a photo's failures, the first warning to look at and how many more ('' for none): a count alone left the
    wink unnamed wherever anything failed (review)."""
    return f"; look at {first_problems(warned, 1)}" if warned else ""


def first_problems(labels: Sequence[str], shown: int = 2) -> str:
    """The first few problems and how many more: 'Head too small, Blurred +3 more' (a list row, a console line). A bare
    '+7' read as degrees after 'Head tilted down' (walk-through)."""
    return ", ".join(labels[:shown]) + (f" +{len(labels) - shown} more" if len(labels) > shown else "")


def no_face_problem(analysis: Analysis) -> str:
    """Why an analysis has no face to judge, in the words of "Face present": stored turned (the second detector may
    have found a face lying on its side), or no face found at all."""
    present = next((c for c in analysis.checks if c.id == FACE_PRESENT), None)
    return problem_label(present) if present is not None else CHECK_PROBLEMS[FACE_PRESENT]


def decided_reasons_text(codes: Iterable[str], analysis: Analysis | None, profile: str, profile_sha256: str = "") -> str:
    """A decision's reason codes (or the checks it overrode) in words: a failed check's code reads as what the check
    found on `analysis` ("Head too large") when the decision was taken under that analysis's profile."""
    same = analysis is not None and not analysis.judged_under_other(profile, profile_sha256)
    return reasons_text(codes, analysis if same else None)


def reasons_text(codes: Iterable[str], analysis: Analysis | None = None) -> str:
    """Several reason codes as one readable list ('–' for none); with the analysis they were given on, a failed
    check's code reads as what the check found there (`problem_label`)."""
    found = {c.id: c for c in analysis.subject_checks() if c.verdict is not Verdict.PASS} if analysis is not None else {}
    return ", ".join(problem_label(found[code]) if code in found else reason_label(code) for code in codes) or "–"
