"""Photo pixels -> millimetres at a profile's print size, and how well the landmarks know the head height.

Country rules state head height, eye line and margins in mm on the printed photo.
A photo file whose stated resolution (dpi) makes it one of the profile's print sizes
(`PrintFormat`, within `SIZE_TOLERANCE`) is measured at that size, and the results say
so; most files state none or a screen default (72 or 96 dpi: a 413 x 531 px photo
would be 146 x 187 mm), and those are taken to be printed at the profile's size (for
a size range, its smallest); where the stated print lies near the profile's sizes but
is not one of them (within `PRINT_NOTE_RANGE`), the results name it beside the mm.
A photo whose width:height differs from the print's by more than `ASPECT_TOLERANCE`
cannot be that print, and `print_scale` says so instead of guessing a scale.

The 68 landmarks do not contain the crown: it is estimated from the chin and the
eyes (`Context.crown`, the top of the skull). Its uncertainty is carried as an
interval, and rules that measure to the top of the hair (`crown = "hair"`) widen
it upwards, so a head near a limit is reported as "could not be measured
precisely enough" rather than passed or failed on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pfiq_desktop.engine.results import PrintFormat

MM_PER_INCH = 25.4
ASPECT_TOLERANCE = 0.03
# How far a size printed at the file's dpi may lie outside the profile's sizes and still be taken as that print
# (a 35 x 45 mm photo scanned at 300 dpi is 413 x 531 px, within 0.1 %; a screen default of 72 dpi is 4x off).
SIZE_TOLERANCE = 0.03
# A stated print this close to the profile's sizes (a 40 x 50 mm photo under a 35 x 45 mm profile) is named beside
# the mm, which are then the profile's print's; further off it is a camera's or a screen's default (a 600 x 750 px
# photo at 300 dpi states 51 x 64 mm, one at 72 dpi 212 x 265 mm), which says nothing about the print.
PRINT_NOTE_RANGE = 0.25
# What is known of the landmark crown estimate's error (context.CROWN_FACTOR), in head heights.
# Measured (benchmarks/eval_crown.py, docs/EVALUATION.md "Whole head in the photo"): on the dev half of the official
# portraits it lies from 0.06 below to CROWN_OVERSHOOT above the top of the hair (P10 to P90; median 0.04 above), so
# a crown past the top edge by less is not a sure cut (geometry.face_cropped).
CROWN_OVERSHOOT = 0.20
# Head height and the space above the head still take the estimate as +- CROWN_UNCERTAINTY, an assumption made before
# that measurement and narrower than it; following the measurement would leave most head sizes to the eye, a decision
# not yet taken (same section).
CROWN_UNCERTAINTY = 0.05
# Hair above the skull, as a share of the chin-to-skull height, allowed for by crown = "hair" rules
# (an assumption: hair volume varies from none to several centimetres).
HAIR_ALLOWANCE = 0.12


class NoPrintScale(ValueError):
    """The photo's shape is not the profile's print format, so sizes in mm cannot be measured."""


@dataclass(frozen=True)
class PrintScale:
    """Pixels per mm of the printed photo, and the words that say which print when the file's dpi chose it."""

    px_per_mm: float
    note: str = ""  # which print the mm are of: " on the 40 x 50 mm print its 300 dpi states", ", as if printed at ..."
    other_size: bool = False  # the file's dpi gives another of the profile's sizes than the one its mm rules assume


def print_scale(image_size: tuple[int, int], fmt: PrintFormat, dpi: float | None = None) -> PrintScale:
    """Scale of a (width, height) px photo: at the file's `dpi` when that prints it at one of the profile's
    sizes, otherwise printed at the profile's (smallest) size."""
    width, height = image_size
    narrowest, widest = fmt.aspect_range()
    if not narrowest * (1 - ASPECT_TOLERANCE) <= width / height <= widest * (1 + ASPECT_TOLERANCE):
        raise NoPrintScale(f"the photo's width:height {width / height:.3f} is not the {fmt.size_text()} print's {fmt.aspect_text()}")
    if dpi:
        width_mm, height_mm = width / dpi * MM_PER_INCH, height / dpi * MM_PER_INCH
        stated = f"{round(dpi, 1):g}"  # a PNG's 11811 px/m reads back as 299.9994 dpi
        size = f"{width_mm:.0f} x {height_mm:.0f} mm"
        if _is_print(width_mm, height_mm, fmt, SIZE_TOLERANCE):
            base = _is_print(width_mm, height_mm, replace(fmt, width_mm_max=None, height_mm_max=None), SIZE_TOLERANCE)
            return PrintScale(dpi / MM_PER_INCH, f" on the {size} print its {stated} dpi states", not base)
        if _is_print(width_mm, height_mm, fmt, PRINT_NOTE_RANGE):  # near the profile's sizes but not one: say so
            note = f" on the {fmt.width_mm:g} x {fmt.height_mm:g} mm print, not the {size} its {stated} dpi states"
            return PrintScale(height / fmt.height_mm, note)
        # a camera's default dpi says nothing of the print, but it is said: a 600 dpi file read as a 35 x 45 mm print
        # without a word (profile author's walk-through), and said as the size not taken: "as if printed at 35 x 45 mm
        # (its 75 dpi would print 61 x 76 mm)" left an officer unsure which size the rule was read at (walk-through)
        return PrintScale(height / fmt.height_mm, f", as if printed at {fmt.width_mm:g} x {fmt.height_mm:g} mm (not at "
                                                  f"the {size} its {stated} dpi states)")
    return PrintScale(height / fmt.height_mm, f", as if printed at {fmt.width_mm:g} x {fmt.height_mm:g} mm (no dpi stated)")


def _is_print(width_mm: float, height_mm: float, fmt: PrintFormat, tolerance: float) -> bool:
    """Whether a print of this size is one of the format's sizes, within `tolerance` either way."""
    return all(low * (1 - tolerance) <= size <= (high or low) * (1 + tolerance)
               for size, low, high in ((width_mm, fmt.width_mm, fmt.width_mm_max), (height_mm, fmt.height_mm, fmt.height_mm_max)))


def head_height_range(skull_mm: float, crown: str) -> tuple[float, float]:
    """The head heights (mm) a landmark estimate of the chin-to-skull height allows, for the profile's crown."""
    low, high = skull_mm * (1 - CROWN_UNCERTAINTY), skull_mm * (1 + CROWN_UNCERTAINTY)
    if crown == "hair":
        high += skull_mm * HAIR_ALLOWANCE
    return low, high
