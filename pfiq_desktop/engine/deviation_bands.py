"""The deviation map's bands as an officer reads them: their limits and words, owned once for the legend, the
outline, the findings and the help. A light module (no dlib, no torch), so the palette can build its scale from it."""

from __future__ import annotations

MUCH_LOWER = -3.0
CLEARLY_LOWER = -2.0  # also the level of the outline drawn on the photo
SOMEWHAT_LOWER = -1.0
COMPARED = " than in compliant photos"  # what every band is lower, or not lower, than
# (upper limit, the band's short words), from the bottom up; the last band is uncoloured. It is "not lower", not "as
# in": a hand over an eye read "as in compliant photos (+2.2)" beside "covered 100 % likely", and a mask's chin at +4.0
# is as far above compliant photos as a "clearly lower" area is below them (explanation walk-through)
BANDS = (
    (MUCH_LOWER, "much lower"),
    (CLEARLY_LOWER, "clearly lower"),
    (SOMEWHAT_LOWER, "somewhat lower"),
    (float("inf"), "not lower"),
)
# how to read a region's mean deviation, where a table shows one (the window's region table, the PDF)
READING = f"0 = as in compliant photos, {CLEARLY_LOWER:g} and below = clearly lower"


def band_words(short: str) -> str:
    """A band's words in full: "clearly lower than in compliant photos"."""
    return short + COMPARED


def band(value: float) -> str:
    """The words for a deviation value, as on the legend."""
    return band_words(next(short for upper, short in BANDS if value <= upper))
