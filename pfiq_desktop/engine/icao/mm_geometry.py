"""Photo pixels -> millimetres at a profile's print size, and how well the landmarks know the head height.

Country rules state head height, eye line and margins in mm on the printed photo.
A digital photo has no size of its own, so it is taken to be printed at the
profile's size (`PrintFormat`; for a size range, its smallest size). When its
width:height differs from the print's by more than `ASPECT_TOLERANCE` it cannot
be that print, and `px_per_mm` says so instead of guessing a scale.

The 68 landmarks do not contain the crown: it is estimated from the chin and the
eyes (`Context.crown`, the top of the skull). Its uncertainty is carried as an
interval, and rules that measure to the top of the hair (`crown = "hair"`) widen
it upwards, so a head near a limit is reported as "could not be measured
precisely enough" rather than passed or failed on a guess.
"""

from __future__ import annotations

from pfiq_desktop.engine.results import PrintFormat

ASPECT_TOLERANCE = 0.03
# Relative uncertainty of the landmark crown estimate (an assumption, not measured: no photos with
# marked crowns were available; docs/EVALUATION.md).
CROWN_UNCERTAINTY = 0.05
# Hair above the skull, as a share of the chin-to-skull height, allowed for by crown = "hair" rules
# (an assumption: hair volume varies from none to several centimetres).
HAIR_ALLOWANCE = 0.12


class NoPrintScale(ValueError):
    """The photo's shape is not the profile's print format, so sizes in mm cannot be measured."""


def px_per_mm(image_size: tuple[int, int], fmt: PrintFormat) -> float:
    """Scale of a (width, height) px photo printed at the profile's size."""
    width, height = image_size
    aspect = width / height
    narrowest = fmt.width_mm / (fmt.height_mm_max or fmt.height_mm)
    widest = (fmt.width_mm_max or fmt.width_mm) / fmt.height_mm
    if not narrowest * (1 - ASPECT_TOLERANCE) <= aspect <= widest * (1 + ASPECT_TOLERANCE):
        shape = f"{narrowest:.3f}" if widest == narrowest else f"{narrowest:.3f}-{widest:.3f}"
        raise NoPrintScale(f"the photo's width:height {aspect:.3f} is not the {fmt.size_text()} print's {shape}")
    return height / fmt.height_mm


def head_height_range(skull_mm: float, crown: str) -> tuple[float, float]:
    """The head heights (mm) a landmark estimate of the chin-to-skull height allows, for the profile's crown."""
    low, high = skull_mm * (1 - CROWN_UNCERTAINTY), skull_mm * (1 + CROWN_UNCERTAINTY)
    if crown == "hair":
        high += skull_mm * HAIR_ALLOWANCE
    return low, high
