"""The deviation map's bands as an officer reads them: their limits and words, owned once for the legend, the
outline, the findings and the help. A light module (no dlib, no torch), so the palette can build its scale from it."""

from __future__ import annotations

MUCH_LOWER = -3.0
CLEARLY_LOWER = -2.0  # also the level of the outline drawn on the photo
SOMEWHAT_LOWER = -1.0
COMPARED = " than in compliant photos"  # what every band is lower, or not markedly lower, than
# (upper limit, the band's short words), from the bottom up; the last band is uncoloured. It is "not markedly lower",
# not "as in": a hand over an eye read "as in compliant photos (+2.2)" beside "covered 100 % likely" (explanation
# walk-through), and "not lower" beside -0.9 read as a contradiction (review)
BANDS = (
    (MUCH_LOWER, "much lower"),
    (CLEARLY_LOWER, "clearly lower"),
    (SOMEWHAT_LOWER, "somewhat lower"),
    (float("inf"), "not markedly lower"),
)
# above this a place is said to be higher: a mask's chin at +4.0 is as far above compliant photos as a "clearly lower"
# place is below them. Words only: the legend leaves it uncoloured, with the band below
HIGHER = -CLEARLY_LOWER
# how to read a region's mean deviation, where a table shows one (the window's region table, the PDF)
READING = f"0 = as in compliant photos, {CLEARLY_LOWER:g} and below = clearly lower"


def band_words(short: str) -> str:
    """A band's words in full: "clearly lower than in compliant photos"."""
    return short + COMPARED


def band(value: float) -> str:
    """The words for a deviation value, as on the legend, or "higher" past `HIGHER`."""
    return band_words("higher" if value > HIGHER else next(short for upper, short in BANDS if value <= upper))
