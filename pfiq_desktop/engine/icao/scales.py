"""What each number of a profile is, and the values it can take: a profile is refused where one lies outside them.

A share written as a percent (`fail_above = 90` for 0.90) switched a check off without a word, as did a probability
past 1, an angle past 90 degrees, and a bound on a check that reads none (`[checks.glasses] fail_above` was ignored).
Each check states here the scale of its fail/warn bounds (None: it reads none), of its bounds in mm where it has them,
and of each of its settings; tests hold this table to the registered checks and to the default profile's settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from pfiq_desktop.engine.icao.grading import is_bound


class Scale(NamedTuple):
    """The values one number may take (both ends included) and what it is, as an error says it."""

    low: float
    high: float
    what: str
    percent: bool = False  # a share: a value past profile.PERCENT_LIKE up to 100 is read as a percent, the share said

    @property
    def text(self) -> str:
        """'a share of the face, from 0 to 1'; 'a number of pixels, 0 or more'."""
        if math.isinf(self.high):
            return f"{self.what}, {self.low:g} or more"
        return f"{self.what}, from {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class CheckScales:
    """The scales of one check's numbers."""

    bounds: Scale | None = None  # fail_below ... fail_above; None: the check reads no such bound
    mm: Scale | None = None  # the same bounds in mm on the print; None: the check has none
    settings: Mapping[str, Scale] = field(default_factory=dict)


def share(of: str) -> Scale:
    return Scale(0.0, 1.0, f"a share of {of}", percent=True)


def ratio(of: str) -> Scale:
    """A ratio from 0 to 1 (the smaller of two quantities over the larger, or a bar on such a ratio)."""
    return Scale(0.0, 1.0, of, percent=True)


def at_least_zero(what: str) -> Scale:
    return Scale(0.0, math.inf, what)


PROBABILITY = Scale(0.0, 1.0, "a probability", percent=True)
# a bar past 10 log-odds (a probability of 0.99995) switches a reading off: `occluded = 95` read a covered eye as open
LOG_ODDS = Scale(-10.0, 10.0, "log-odds (0 is even odds, 10 a probability of 0.99995)")
DEGREES = Scale(0.0, 90.0, "an angle in degrees")
GREY_LEVEL = Scale(0.0, 255.0, "an 8-bit grey level")
LIGHTNESS = Scale(0.0, 100.0, "a CIELAB lightness L*")
CIELAB_AXIS = Scale(-128.0, 127.0, "a CIELAB a* or b*")
SATURATION = "a saturation, chroma / L* (a chroma of 11 on skin of L* 60 is 0.18)"
MILLIMETRES = at_least_zero("a length in mm on the print")
PIXELS = at_least_zero("a number of pixels")

_LENS = {"dark_lens": ratio("a lens window's brightness over the cheek's")}
_EYE_BARS = {"closed_one": LOG_ODDS, "closed_both": LOG_ODDS, "wink_gap": Scale(0.0, 20.0, "a difference of log-odds"),
             "wink_floor": LOG_ODDS, "sure_closed": PROBABILITY, "occluded": LOG_ODDS, **_LENS}
_PLQ_RATIO = ratio("a region's pixel quality over the face's median")

SCALES: dict[str, CheckScales] = {
    "face_present": CheckScales(),
    "single_face": CheckScales(ratio("the largest other face's size over the subject's")),
    "inter_eye_distance": CheckScales(PIXELS),
    "head_size": CheckScales(share("the photo's height"), MILLIMETRES),
    "head_width": CheckScales(share("the photo's width"), MILLIMETRES),
    "eye_line_height": CheckScales(share("the photo's height"), MILLIMETRES),
    "top_margin": CheckScales(None, MILLIMETRES),
    "chin_margin": CheckScales(None, MILLIMETRES),
    "horizontal_centre": CheckScales(share("the photo's width")),
    "face_cropped": CheckScales(Scale(-1.0, 1.0, "a share of the head's height (below 0: cut off)", percent=True)),
    "one_image": CheckScales(at_least_zero("a number of images")),
    "image_size": CheckScales(PIXELS),
    "aspect_ratio": CheckScales(at_least_zero("the photo's width over its height")),
    "pose_yaw": CheckScales(DEGREES, settings={"not_assessable_above": DEGREES}),
    "pose_pitch": CheckScales(DEGREES),
    "pose_roll": CheckScales(DEGREES),
    "eye_open_left": CheckScales(settings=_EYE_BARS),
    "eye_open_right": CheckScales(settings=_EYE_BARS),
    "mouth_closed": CheckScales(share("the mouth's width"), settings={"teeth_above": PROBABILITY}),
    "glasses": CheckScales(settings={"frame": LOG_ODDS, "tinted": LOG_ODDS, "sure_tinted": PROBABILITY, **_LENS}),
    "eye_occlusion": CheckScales(settings={"occluded": LOG_ODDS, **_LENS}),
    "eye_glare": CheckScales(share("the eye area"), settings={"saturation": GREY_LEVEL,
                                                              "face_white_max": share("a skin region")}),
    "red_eye": CheckScales(share("the eye area")),
    "exposure": CheckScales(GREY_LEVEL, settings={
        "white_point": Scale(0.0, math.inf, "an 8-bit grey level (above 255: the rule is off)"), "lit_face": GREY_LEVEL}),
    "clipping": CheckScales(share("the face"), settings={"dark_level": GREY_LEVEL, "bright_level": GREY_LEVEL}),
    "dynamic_range": CheckScales(Scale(0.0, 8.0, "a number of bits")),
    "lighting_uniformity": CheckScales(ratio("the darker half's brightness over the brighter's")),
    "sharpness": CheckScales(at_least_zero("a Laplacian variance"), settings={
        "smear_fail_below": ratio("detail across a smear over detail along it"),
        "smear_warn_below": ratio("detail across a smear over detail along it"),
        "half_fail_below": ratio("the blurrier half's detail over the sharper half's"),
        "half_warn_below": ratio("the blurrier half's detail over the sharper half's")}),
    "compression": CheckScales(at_least_zero("a ratio of steps across and inside JPEG blocks (1: no blocks)")),
    "greyscale": CheckScales(),
    "natural_colour": CheckScales(at_least_zero("CIELAB units outside the skin range"), settings={
        "a_min": CIELAB_AXIS, "a_max": CIELAB_AXIS, "b_min": CIELAB_AXIS, "b_max": CIELAB_AXIS,
        "saturation_min": Scale(0.0, 1.0, SATURATION)}),
    "background_uniformity": CheckScales(at_least_zero("a texture index")),
    "background_brightness": CheckScales(LIGHTNESS),
    "background_shadow": CheckScales(ratio("the darker side's lightness over the brighter's")),
    "transparency": CheckScales(share("the photo")),
    "plq_regions": CheckScales(_PLQ_RATIO),
    "face_occlusion": CheckScales(_PLQ_RATIO),
    "lower_face_covered": CheckScales(PROBABILITY),
    "head_covering": CheckScales(PROBABILITY, settings={"headscarf_ears_below": share("the skin beside the jaw"),
                                                        "headscarf_neck_below": share("the skin under the chin")}),
}


def scale_of(check_id: str, key: str) -> Scale | None:
    """The scale of `key` in `[checks.<check_id>]`; None where the check reads no such number."""
    if (scales := SCALES.get(check_id)) is None:  # a check added without its scales: say where they belong
        raise LookupError(f"check {check_id!r} has no scales: add them to SCALES in engine/icao/scales.py")
    if is_bound(key):
        return scales.mm if key.endswith("_mm") else scales.bounds
    return scales.settings.get(key)
