"""Whether a face was enlarged from a smaller photo, and by about how much: the detail it holds, not its pixel count.

A native photo keeps sensor noise and fine detail up to the pixel scale, so its power at the highest frequencies stays
well above the rounding noise of 8-bit grey levels. Interpolation (linear, cubic, Lanczos) cannot make detail finer
than the pixels it started from: a face enlarged k times holds nothing above 0.5/k cycles per pixel, and reads at that
floor there, also after a JPEG re-save once the frequencies of JPEG's 8 px block grid are left out. Measured against
the fixed 8-bit floor, not against the next octave (which could not tell a soft web photo from an enlarged one:
docs/EVALUATION.md, "An enlarged thumbnail"). Figures: `benchmarks/eval_enlargement.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FINEST_BAND = (0.35, 0.5)  # cycles per pixel: the band an enlarged face lacks
# log10 of the finest band's mean power (grey levels squared per bin) under which a face reads enlarged: about the 1st
# percentile of native photos on the development half (0.7 % of dev natives, 0.3 % of test; enlarged 4x or more: 97-100 %)
ENLARGED_BELOW = -0.35
# above every development native's score (the highest, a web photo seen at JPEG 90, 0.19; test 0.19, a beauty-filtered
# selfie) and from a factor the estimate holds at (x4 and more: 0.71-1.04 of the true one at the median, linear
# interpolation lowest, so the detail it claims is if anything too much; below x4 it reads 1.1-1.7 times high, and the
# detail too low): a failure, not a warning. A genuine face softened by a blur of 1.5-2.5 px reads so too, which the
# check's words allow for
SURE_SCORE = 0.25
SURE_FACTOR = 4.0
MIN_FACTOR = 1.5  # under it the factor is within its own error of 1: not said ("enlarged about 1 times")
DETAIL_POWER = 0.5  # log10 power that still counts as detail, read for the frequency where the face's detail ends
FACTOR_GAIN = 1.12  # 0.5 / that frequency, times this, is the factor (the median ratio on the development half)
MAX_FACTOR = 16.0
MIN_SIDE = 64  # px: a smaller region holds too few segments to read
EYE_SQUARE = 2.5  # eye distances: the side of the square read around the eyes (the figures were measured on it)
_SEGMENT = 256  # px per spectrum segment (Welch), fewer on smaller regions
_ROWS = 160  # at most about this many rows (and columns) are read


@dataclass(frozen=True)
class Enlargement:
    """`factor` (1 where the face holds detail to the pixel) and `score`: how far under `ENLARGED_BELOW` the finest
    band's power lies, in decades (> 0: enlarged, the larger the surer)."""

    factor: float
    score: float

    @property
    def enlarged(self) -> bool:
        return self.score > 0

    @property
    def sure(self) -> bool:
        """Enlarged beyond doubt: no native photo of the developers' sets read so."""
        return self.score > SURE_SCORE and self.factor >= SURE_FACTOR


def _spectrum(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (cycles/px) and log10 power per bin of the rows' and the columns' mean spectrum, without the bins at
    and beside each multiple of 1/8 cycle/px, where a JPEG's 8 px block edges lie."""
    side = min(grey.shape)
    length = _SEGMENT if side >= _SEGMENT else side // 16 * 16
    window = np.hanning(length)
    total, lines = np.zeros(length // 2 + 1), 0
    for image in (grey, grey.T):
        rows = image[:: max(1, image.shape[0] // _ROWS)].astype(np.float64)  # only the rows read: a few ms on any face
        step = max(length // 2, (image.shape[1] - length) // 6 or length)
        for start in range(0, image.shape[1] - length + 1, step):
            segment = rows[:, start : start + length]
            segment = (segment - segment.mean(1, keepdims=True)) * window
            total += (np.abs(np.fft.rfft(segment, axis=1)) ** 2).sum(0)
            lines += len(segment)
    power = total / lines / float((window**2).sum())
    bins = np.arange(len(power))
    grid = length // 8
    kept = (bins % grid > 1) & (bins % grid < grid - 1)
    return bins[kept] / length, np.log10(power[kept] + 1e-9)


def enlargement(grey: np.ndarray) -> Enlargement | None:
    """How many times the face in `grey` (0-255, the photo's own pixels, cut without resampling: about 2.5 eye
    distances around the eyes) was enlarged; None for a region under `MIN_SIDE`, or without detail at any scale. The
    factor is within about 1.5x of the true one (linear interpolation reads low); a strongly smoothed (beauty-filtered)
    native face can read enlarged too, so a check fails only a `sure` one."""
    if grey.ndim != 2 or min(grey.shape) < MIN_SIDE:
        return None
    frequency, power = _spectrum(grey)
    finest = (frequency >= FINEST_BAND[0]) & (frequency <= FINEST_BAND[1])
    score = ENLARGED_BELOW - float(power[finest].mean())
    if score <= 0:
        return Enlargement(1.0, score)
    smooth = np.convolve(power, np.ones(5) / 5, "same")
    detail = np.flatnonzero(smooth[:-2] > DETAIL_POWER)
    if not len(detail):  # no detail at any scale: a flat area (a blown-out face, a box on a wall), not a face enlarged
        return None
    return Enlargement(float(np.clip(FACTOR_GAIN * 0.5 / frequency[detail[-1]], 1.0, MAX_FACTOR)), score)


def detail_between_eyes(inter_eye: float, found: Enlargement | None) -> float | None:
    """The px of detail a face holds between its eyes (their distance over the factor), where it reads enlarged by a
    factor it can tell from 1 (`MIN_FACTOR`); None where it holds the detail its pixels claim."""
    if found is None or not found.enlarged or found.factor < MIN_FACTOR:
        return None
    return inter_eye / found.factor


def around_the_eyes(grey: np.ndarray, eye_mid: np.ndarray, inter_eye: float) -> tuple[tuple[float, float, float, float],
                                                                                        Enlargement | None]:
    """The square of `EYE_SQUARE` eye distances around the eyes' midpoint (within the photo), and its `enlargement`:
    the eyes, brows and nose hold a face's finest detail, the background none."""
    half = EYE_SQUARE / 2 * inter_eye
    x0, y0 = max(int(eye_mid[0] - half), 0), max(int(eye_mid[1] - half), 0)
    x1, y1 = min(int(eye_mid[0] + half), grey.shape[1]), min(int(eye_mid[1] + half), grey.shape[0])
    return (float(x0), float(y0), float(x1), float(y1)), enlargement(grey[y0:y1, x0:x1])
