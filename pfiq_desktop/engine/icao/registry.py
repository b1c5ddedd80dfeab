"""The checklist: each check registers itself here with its id, name and family (`grading` turns its reading into a
verdict and a sentence).

A check is a plain function `(ctx, params) -> Measure`; `checklist._run_one` turns
it into a `CheckResult`, and turns "cannot be judged" into a verdict, never an
exception, so one odd photo cannot break the checklist.

Adding a check (the steps marked * are enforced by a test that names what is missing):
1. * `@check("my_id", "Name the officer reads", family, ...)` on the function in its family's module
   (a new module is imported in `checklist.py`); `scope="image"` for photo-wide checks. A new family is
   placed in `DISPLAY_ORDER`, `FIX_ORDER` and `LOOK_ORDER` below.
2. * A `[checks.my_id]` table in `profiles/icao-9303.toml` with every setting and bound it reads (the
   default profile owns them; `enabled = false` ships it switched off); a `[cite.my_id]` table naming where
   the bounds come from (`basis = "project"` without a source where this project chose them) is required of
   country profiles, and welcome in the default.
3. * What its bounds and settings are in `scales.py` `SCALES` (every profile's numbers are checked against them).
4. * Its sentences: "ok", and "low" and/or "high" for the sides it can fail on ("imprecise" where it grades an
   interval); a fail bound quoted as "allowed/needs/required {fail_...}" (`grading.LIMIT_WORDS`) reads "recommended" in a
   borderline warning.
5. * Its problem's words in `review/reasons.py` `CHECK_PROBLEMS` (decisions and reports quote them), by side in
   `TWO_WAY_PROBLEMS` or `SIGNED_PROBLEMS` where it goes both ways, and what to change in `FIXES` (the report's
   "What to change"); a new unit's wording in `review/values.py` `_SHOWN`.
6. * Its row in `docs/ISO_29794_5_MAPPING.md` (or "no ISO component"), and `iso=` on the decorator if it has one.
7. * A pass / fail case in `tests/icao/test_checks.py` `CASES`; a geometry check also says how it answers the
   landmark shifts of `tests/icao/test_geometry_pose.py` `TRANSFORMS`.
8. Whether a rescan or another crop fixes it: then it belongs in `FRAMING_CHECKS` (nothing can test that).
The CLI's JSON and CSV, the window's checklist and the PDF pick a registered check up by themselves; the
README's count of checks is checked by a test. Cached analyses are keyed on the version: bump it (or run with
`--no-cache`) while a check's results change, or the cache serves the earlier ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pfiq_desktop.engine.attributes import has_probe
from pfiq_desktop.engine.icao.grading import Measure
from pfiq_desktop.engine.results import CheckResult, Verdict

if TYPE_CHECKING:
    from pfiq_desktop.engine.icao.context import Context


class NotAssessable(Exception):
    """Raised inside a check when the photo does not allow an honest verdict."""


READS_THE_COVERING = "this would read the covering, not the face"  # why a check waits for one that found a covering
# why the eye checks' failures are only warnings where the compression check fails: the bundled portraits at JPEG
# quality 5 / 10 / 20 failed or warned "Eye open" on 12 / 5 / 4 open eyes and warned "No glasses" on 6 / 1 / 0 bare
# faces (docs/EVALUATION.md "Wrong-cause alarms"), while sunglasses and shut eyes stay visible at those qualities. The
# bound is the profile's compression bound: a profile that loosens it has the eyes' failures stand on blockier photos
READS_THE_BLOCKS = "its square JPEG blocks can look like closed eyelids, glasses or a cover: check the eyes by eye"
# ... and like a cover over the mouth: 2 of 18 bundled portraits saved at JPEG quality 5 warned "mouth and chin look
# covered (face mask, scarf or hand)" with no word of the blocks (officer's walk-through)
HIDES_THE_LIPS = "its square JPEG blocks can hide the lips and the skin's colour: check the mouth and chin by eye"
# why "No under-/over-exposed areas"'s failure is only a warning where a mask or scarf is found: a white surgical mask
# read "55% of the nose is pure white: a hot spot (over-exposed)" (walk-through); not judging it at all would also hide
# a real hot spot or black area that the mask check itself took for a cover
READS_THE_MASK = "a white or black mask or scarf there reads as clipped skin: check the lit parts of the face by eye"
# why the yaw and pitch checks' failures are only warnings where the face is too dark or bright, or not sharp: made
# dark (x0.35), flat or blurred, 95 frontal portraits' yaw moved 1.2-1.6 deg on average (P90 2.5-3.8) and pitch
# 1.5-2.3 (P90 2.9-4.2), mostly within the uncertainty, yet 1-3 of 30 portraits newly failed a pose check per change
# and one photo's yaw moved 13 deg (docs/EVALUATION.md, "Spoiled light")
MOVES_THE_LANDMARKS = "the landmarks the angle is read from move on such a face: check the pose on a better photo"
# why an eye check's failure is only a warning where "Sharp focus" fails for a smear: the 150 official portraits at 3x,
# all eyes open, smeared sideways by 16 / 24 / 32 px failed an eye check on 9 / 30 / 51 photos ("looks closed" or
# "covered"), on every one of them with the smear failing focus; no unsmeared photo with a closed or covered eye
# reads a smear that low (96 dev, 79 test failures of the labelled eye sets). Gaussian blur fakes no closed eye, so
# a failure of focus alone doubts nothing (docs/EVALUATION.md, "Motion blur read as closed eyes")
DRAWS_EYES_SHUT = ("the face is smeared (motion or camera shake), which can draw an open eye as a closed or covered one: "
                   "check the eyes on a sharper photo")
# ... unless the eye reads at least this sure (its check's value, % closed or % hidden): LFW, Yale and mined eyes
# smeared sideways by 0.08-0.32 of the eye distance, per eye, the doubt then makes warnings of 322 of 484 wrong
# failures on open eyes and of 61 of 257 right ones on shut eyes (without this bar 389 and 147); test half 123 of 194
# and 51 of 165 (153 and 112). Chosen on the dev half
SURE_DESPITE_SMEAR = 98.0
# why an eye check's failure is only a warning where "Sharp focus" fails for one blurred half of the face: official
# portraits with a half blurred read that half's open eye as covered at 87-99.9 % (explanation walk-through), so no
# bar of certainty holds; no photo of the developers' sets that was not blurred reads a blurred half at all (150
# portraits, 3,261 LFW faces, the misc and Yale defects, 900 eye covers and 150 winks drawn on portraits), so it softens
# no real closed or covered eye there (docs/EVALUATION.md, "An explanation walk-through")
BLURS_AN_EYE = ("one half of the face is blurred, which can read an open eye there as closed or covered: check the eyes "
                "on a sharper photo")
# why "Inter-eye distance"'s failure for an enlarged photo is only a warning where "Sharp focus" fails: a blurred face
# holds as little fine detail as an enlarged one (the gallery's blurred sample reads "enlarged about 12 times")
BLURRED_LIKE_ENLARGED = "a blurred face holds as little detail as an enlarged one: check the focus on a sharper photo"


CheckFunc = Callable[["Context", dict[str, Any]], Measure]
# The yaw to which a frontal check shown to hold on turned heads is judged (its `max_yaw`), past the profile's
# general limit: the dev halves have almost no faces beyond it, so the evidence stops there. Which checks, and the
# figures that show they hold: docs/EVALUATION.md, issue 15 ("Turned heads").
TURNED_HEAD_MAX_YAW = 45.0


@dataclass(frozen=True)
class CheckSpec:
    """One requirement. `scope` 'image' checks need no face; `frontal` ones need a near-frontal head:
    not judged past the profile's `pose_yaw.not_assessable_above`, or past `max_yaw` where the
    check's measurement was shown to hold further (docs/EVALUATION.md says on what evidence).

    `per_face` face checks run on every face of a group photo, so the officer can
    look at each one; the others judge the photo through its subject (background,
    "only one face") and run once.
    """

    id: str
    name: str
    family: str
    func: CheckFunc
    scope: str = "face"
    frontal: bool = False
    per_face: bool = True
    iso_measure: str = ""
    max_yaw: float | None = None
    max_yaw_probe: str = ""  # the network probe `max_yaw` was shown to hold with ("" = the check's own measure)
    # the checks whose failure means this one would measure what covers the face (a mask over the mouth and cheeks)
    # or only repeat it: then it is not judged, and says which check failed and why
    unless_failed: tuple[str, ...] = ()
    unless_failed_why: str = READS_THE_COVERING  # said when a check of `unless_failed` failed
    # the checks whose failure makes this one's failure uncertain (JPEG blocks over the eyes): it is still judged, and
    # a failure or warning becomes a warning that says why (`Doubt`)
    doubted_by: tuple[Doubt, ...] = ()

    def yaw_limit(self, profile_yaw: float, attributes: Mapping[str, float]) -> float:
        """How far the head may be turned for this check to judge it: the profile's limit, or its own `max_yaw` where
        that lies further and the face has the probe it was shown to hold with (a backbone without probes has not)."""
        if self.max_yaw is None or (self.max_yaw_probe and not has_probe(attributes, self.max_yaw_probe)):
            return profile_yaw
        return max(profile_yaw, self.max_yaw)


CHECKS: dict[str, CheckSpec] = {}

# The quality components of ISO/IEC 29794-5, as OFIQ names them (OFIQ::QualityMeasure, BSI-OFIQ/OFIQ-Project):
# a check that measures one carries its name, so JSON and CSV columns line up with other tools'
# (docs/ISO_29794_5_MAPPING.md says what each check measures differently).
ISO_29794_5_MEASURES = frozenset(
    {
        "UnifiedQualityScore", "BackgroundUniformity", "IlluminationUniformity", "LuminanceMean", "LuminanceVariance",
        "UnderExposurePrevention", "OverExposurePrevention", "DynamicRange", "Sharpness", "CompressionArtifacts",
        "NaturalColour", "SingleFacePresent", "EyesOpen", "MouthClosed", "EyesVisible", "MouthOcclusionPrevention",
        "FaceOcclusionPrevention", "InterEyeDistance", "HeadSize", "LeftwardCropOfTheFaceImage",
        "RightwardCropOfTheFaceImage", "MarginAboveOfTheFaceImage", "MarginBelowOfTheFaceImage", "HeadPoseYaw",
        "HeadPosePitch", "HeadPoseRoll", "ExpressionNeutrality", "NoHeadCoverings",
    }
)


# Components whose checks measure the other way round (the probability of a closed, hidden or covered part, where
# ISO/IEC 29794-5 and OFIQ measure how open, visible or uncovered it is): their column is the check's `iso_value`
# (1 - that probability), never its value, so a result saved before it had one leaves the column empty.
ISO_VALUE_ONLY = frozenset({"EyesOpen", "EyesVisible", "MouthOcclusionPrevention"})


def check(
    id: str, name: str, family: str, *, scope: str = "face", frontal: bool = False, per_face: bool = True, iso: str = "",
    max_yaw: float | None = None, max_yaw_probe: str = "", unless_failed: str | tuple[str, ...] = (),
    unless_failed_why: str = READS_THE_COVERING, doubted_by: Doubt | tuple[Doubt, ...] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check function under a stable id (ids are what profiles and reports key on).

    `iso` is the ISO/IEC 29794-5 component the check measures, if any; `unless_failed` names the checks (one, or a
    tuple) whose failure means this one would measure a covering or an artefact instead of the face, or only repeat
    it (the checklist runs those first, and a check may wait for one that waits in turn, never in a circle);
    `unless_failed_why` says why. `doubted_by` names the `Doubt`s whose failed check leaves this one judged but its
    failure uncertain: a warning that says why.
    """
    waits_for = (unless_failed,) if isinstance(unless_failed, str) else unless_failed
    doubts = (doubted_by,) if isinstance(doubted_by, Doubt) else doubted_by
    if any(doubt.check == id for doubt in doubts):
        raise ValueError(f"check {id!r} cannot be doubted by its own result (doubted_by)")
    if iso and iso not in ISO_29794_5_MEASURES:
        raise ValueError(f"check {id!r}: {iso!r} is not an ISO/IEC 29794-5 quality component")
    if any(family not in order for order in (DISPLAY_ORDER, FIX_ORDER, LOOK_ORDER)):  # each order places checks by family
        raise ValueError(f"check {id!r}: place its family {family!r} in DISPLAY_ORDER, FIX_ORDER and LOOK_ORDER (icao/registry.py)")

    def register(func: CheckFunc) -> CheckFunc:
        if id in CHECKS:
            raise ValueError(f"check id {id!r} registered twice")
        if id in waits_for:
            raise ValueError(f"check {id!r} cannot wait for its own result (unless_failed)")
        CHECKS[id] = CheckSpec(
            id=id, name=name, family=family, func=func, scope=scope, frontal=frontal, per_face=per_face and scope == "face",
            iso_measure=iso, max_yaw=max_yaw, max_yaw_probe=max_yaw_probe, unless_failed=waits_for,
            unless_failed_why=unless_failed_why, doubted_by=doubts)
        return func

    return register


LOWER_FACE_CHECK = "lower_face_covered"  # a mask, scarf or hand over the mouth and chin
EYE_COVER_CHECK = "eye_occlusion"  # sunglasses, a patch, a hand or hair over an eye
GLASSES_CHECK = "glasses"  # clear or tinted lenses
COMPRESSION_CHECK = "compression"  # JPEG blocks
EXPOSURE_CHECK = "exposure"  # the face's brightness
SHARPNESS_CHECK = "sharpness"  # focus, smear and flat tones
LIGHTING_CHECK = "lighting_uniformity"  # side light: one half of the face in shadow
EYE_OPEN_CHECKS = ("eye_open_left", "eye_open_right")  # one per eye, as the officer sees the photo
HIDDEN_UNIT = "% hidden"  # an eye check's value where the eye is not visible (covered), not open or closed
CLOSED_UNIT = "% closed"  # an eye check's value where the eye is seen: how likely it is closed
ONE_IMAGE_CHECK = "one_image"  # a fact of the file, judged with or without a face
ASPECT_RATIO_CHECK = "aspect_ratio"  # the photo's shape, which cropping fixes before the other framing checks
IMAGE_SIZE_CHECK = "image_size"  # the photo's pixels, for profiles that state a digital photo's size
SMEAR_UNIT = "weaker / stronger direction"  # "Sharp focus"'s unit where the smear decided it, not the focus
HALF_BLUR_UNIT = "blurrier / sharper half"  # "Sharp focus"'s unit where one half of the face blurred decided it
DETAIL_UNIT = "px of detail"  # "Inter-eye distance"'s unit where an enlarged face's detail decided it, not its pixels
COPIES_UNIT = "copies"  # "Only one face"'s unit where every other face is a copy of the subject's picture (a print sheet)


@dataclass(frozen=True)
class Doubt:
    """A failed check that leaves another's failure uncertain: that failure becomes a warning saying `why`."""

    check: str  # the doubting check's id
    why: str  # what its failure can fake, as the end of the doubted check's sentence
    failed_on: str = ""  # only where the doubting check failed on a reading in this unit ("" = on any)
    below: float = math.inf  # only where the doubted check's own value is below this: a surer reading stands
    same_place: bool = False  # only where every region the doubted check points at lies among the doubting one's
    doubted_unit: str = ""  # only where the doubted check's reading is in this unit ("" = in any)

    def holds(self, doubting: CheckResult, doubted: CheckResult) -> bool:
        """Whether `doubting`'s result makes `doubted`'s failure or warning uncertain."""
        sure = doubted.value is not None and doubted.value >= self.below  # an unknown certainty is not a sure one
        elsewhere = self.same_place and not (doubted.evidence.regions and set(doubted.evidence.regions) <= set(doubting.evidence.regions))
        return (doubting.verdict is Verdict.FAIL and self.failed_on in ("", doubting.unit) and self.doubted_unit in ("", doubted.unit)
                and not sure and not elsewhere)


BLOCKY = Doubt(COMPRESSION_CHECK, READS_THE_BLOCKS)
BLOCKY_MOUTH = Doubt(COMPRESSION_CHECK, HIDES_THE_LIPS)
MASKED = Doubt(LOWER_FACE_CHECK, READS_THE_MASK)
TOO_DARK_OR_BRIGHT = Doubt(EXPOSURE_CHECK, MOVES_THE_LANDMARKS)
NOT_SHARP = Doubt(SHARPNESS_CHECK, MOVES_THE_LANDMARKS)
SMEARED = Doubt(SHARPNESS_CHECK, DRAWS_EYES_SHUT, failed_on=SMEAR_UNIT, below=SURE_DESPITE_SMEAR)
# only the eye in the blurred half: a patch or a shut eye on the sharp half was softened too (review)
HALF_BLURRED = Doubt(SHARPNESS_CHECK, BLURS_AN_EYE, failed_on=HALF_BLUR_UNIT, same_place=True)
BLURRED_DETAIL = Doubt(SHARPNESS_CHECK, BLURRED_LIKE_ENLARGED, doubted_unit=DETAIL_UNIT)
IMPRECISE = "could not be measured precisely enough"  # a reading whose uncertainty spans a bound: pass or fail?
CHECK_BY_EYE = "Please check by eye."

# Checks about resolution and cropping: a larger scan or another crop of the same capture fixes them,
# whereas every other failed check needs a new photo. Triage shows the two apart.
FRAMING_CHECKS = frozenset(
    {
        "inter_eye_distance", "head_size", "head_width", "eye_line_height", "horizontal_centre", "face_cropped",
        ASPECT_RATIO_CHECK, IMAGE_SIZE_CHECK, "top_margin", "chin_margin",
    }
)


# the order the checklist shows the families in (window, reports, CSV columns)
DISPLAY_ORDER = ("geometry", "pose", "eyes_mouth", "photometric", "background", "occlusion")
# the order failed checks are named in (list rows, banners, reports): whether there is one face, then what covers or
# spoils it, then its setting; framing last, since a rescan or another crop fixes it
FIX_ORDER = ("geometry", "occlusion", "eyes_mouth", "pose", "photometric", "background")


def doubted(checks: Iterable[CheckResult]) -> set[str]:
    """The ids of the failures among `checks` (one face's) that a failed check of their `doubted_by` made warnings:
    sunglasses in a blocky JPEG, which the problem list and the findings still name, with a doubt."""
    return {c.id for c in checks if c.verdict is Verdict.WARN and c.doubted}


# within their family, the checks whose defect spoils the others' readings: side light makes a face "too dark" and
# its shadow "under-exposed", and the advice "Add light or increase the exposure" came first for a side-lit face,
# which would blow out its lit half (explanation walk-through); JPEG blocks spoil focus and colour
CAUSES_FIRST = (LIGHTING_CHECK, COMPRESSION_CHECK)


FixRank = tuple[bool, int, bool, bool]


def fix_rank(check: CheckResult) -> FixRank:
    """A check's place in the fix order (`in_fix_order`; lower comes first): the gravest of a photo's failures ranks
    it worst first in the list, and orders the list's check filter."""
    family = FIX_ORDER.index(check.family) if check.family in FIX_ORDER else len(FIX_ORDER)
    return check.id in FRAMING_CHECKS, family, check.id != ASPECT_RATIO_CHECK, check.id not in CAUSES_FIRST


def in_fix_order(checks: Iterable[CheckResult]) -> list[CheckResult]:
    """`checks` with those that need a new photo first (FIX_ORDER), framing last, the photo's shape first among
    framing (cropping to it changes the others: a landscape photo read "Head too large" before "Wrong photo aspect
    ratio" beside "Face too narrow in the frame"), and the causes (`CAUSES_FIRST`) first in their family; stable
    otherwise, so an officer reading "and 8 more" has already read what matters."""
    return sorted(checks, key=fix_rank)


# the order warnings are named in, for the officer to look at: what covers or shuts the face first, framing last (most
# photos warn on a borderline framing reading; a wink came after "Head cut off by the photo's edge?")
LOOK_ORDER = ("occlusion", "eyes_mouth", "pose", "photometric", "background", "geometry")


def in_look_order(checks: Iterable[CheckResult]) -> list[CheckResult]:
    """`checks` in `LOOK_ORDER` of their families, stable within one (a family no longer known, from an analysis saved by
    another version, last)."""
    return sorted(checks, key=lambda c: LOOK_ORDER.index(c.family) if c.family in LOOK_ORDER else len(LOOK_ORDER))


def failure_kind(failed_ids: Iterable[str]) -> str:
    """'' when nothing failed, 'framing' when only resolution/cropping failed, else 'face'."""
    failed = set(failed_ids)
    if not failed:
        return ""
    return "framing" if failed <= FRAMING_CHECKS else "face"


