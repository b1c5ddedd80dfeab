"""Face masks and head coverings, measured on the upright face frame (`face_frame.py`).

A handful of colour, texture and edge measurements in landmark-defined regions, each in units
a person can check (CIELAB distances, shares of pixels, heights in inter-eye distances), are
combined by a logistic model. The models' few constants ship as package data
(`data/covering_models.json`, rebuilt by `benchmarks/fit_cover_constants.py`); the checks that
use them are in `occlusion.py`, their thresholds in the profiles.

Skin colour everywhere is the frame's skin reference (`FaceFrame.skin`); the colour of the hair
is read from the brows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import cv2
import numpy as np

from pfiq_desktop.engine.attributes import (
    HEAD_COVERED,
    LOWER_FACE_COVERED,
    LOWER_FACE_OBJECT,
    fuse,
    has_probe,
    lower_face_in_photo,
    sigmoid,
)
from pfiq_desktop.engine.icao.face_frame import PX_PER_IED, FaceFrame
from pfiq_desktop.engine.icao.registry import NotAssessable
from pfiq_desktop.engine.results import Face

MODELS_FILE = "covering_models.json"
# with the built-in network's probe (engine/attributes.py): log-odds = a x pixels + b x network + c of the lower
# face, refitted with the probes by `python -m benchmarks.fit_attribute_probes --check`
LOWER_FACE_WITH_NETWORK = (
    (
        ("pixels", 0.6280),
        ("network", 0.5998),
    ),
    1.3952,
)
# the head covering model fused with the head probe (the network on the head chip), the same way and by the same script
HEAD_WITH_NETWORK = (
    (
        ("pixels", 0.6050),
        ("network", 0.4037),
    ),
    0.8285,
)
# each covering model's network probe (engine/attributes.py) and the fusion with it
NETWORK_PROBES = {"lower_face": (LOWER_FACE_COVERED, LOWER_FACE_WITH_NETWORK), "head_covering": (HEAD_COVERED, HEAD_WITH_NETWORK)}
# Beside its probe, a pixel model's log-odds count up to this. A full beard is a large area of non-skin colour under
# the nose, as a mask is: "Mouth and chin uncovered" flagged about 4 of 218 LFW beards without a covering (3 failed)
# against 1 of about 2,988 other bare faces, while the probe tells every beard from every mask (dev: beards <= -3.3,
# masks >= +0.1). At this cap, the largest flagging no dev beard (the nearest then reads 0.598 against the 0.6 warn
# bound), colour alone no longer outvotes a probe sure the face is bare: with the fusion above, a warning needs the
# probe above about -3.3, a failure above -1.7. Test beards flagged 1 -> 0, masks 81 of 81 still flagged; a black
# collar and a finger before the chin are lost (docs/EVALUATION.md, "Beards read as masks"). The fusion is fitted
# before the cap: refitting it moves those probe levels, so the beard table of the issue-15 report is measured again
PIXELS_BESIDE_PROBE = {"lower_face": 1.6}
# Above this log-odds the network's object probe (attributes.LOWER_FACE_OBJECT: a hand, a microphone or another object
# before the mouth and chin, which neither the mask probe nor the pixels read as covered) makes "Mouth and chin
# uncovered" warn: 1 % of the bare in-the-wild faces of LFW's development half read above it out of fold, none of the
# clean official portraits. Fitted with the probe by `python -m benchmarks.fit_attribute_probes --probes lower_face_object`
OBJECT_WARN_LOG_ODDS = 1.6925
RIM_OFFSET = 3  # frame rows (0.1 IED) above an edge pixel where skin must be for a mask's upper rim
LOWER_INSIDE_MIN = 0.9  # share of the lower face that must lie inside the photo to judge it
MIN_CROWN_SEEN = 0.5  # share of the head top's band that must lie inside the photo to judge a head covering
BACKGROUND_DE = 10.0  # CIELAB distance under which a head-top pixel counts as background
MIDLINE_HALF_WIDTH = 0.45  # IED: the forehead midline strip whose row colours show a band or a brim
MIDLINE_SPAN = (0.05, 1.4)  # IED above the brows: where the midline strip is read
STEP_ROWS = 3  # frame rows (0.1 IED) averaged on either side of a colour step down the midline
BAND_ROWS = 6  # frame rows (0.2 IED): the narrowest headband the band measure looks for
BRIM_SIDE_DE = 12.0  # CIELAB distance under which a pixel beside the head top has the head top's colour
# Photo landmarks outlining the lower face: the jaw 2..14, closed along the nose base.
LOWER_FACE_OUTLINE = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 35, 34, 33, 32, 31)


@dataclass(frozen=True)
class LogisticModel:
    """Log-odds sum_i w_i (x_i - mean_i) / std_i + bias; a missing feature adds nothing."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def log_odds(self, values: dict[str, float]) -> float:
        z = self.bias
        for name, mean, std, weight in zip(self.features, self.mean, self.std, self.weights, strict=True):
            value = values.get(name, math.nan)
            z += weight * ((value - mean) / std if math.isfinite(value) else 0.0)
        return z


def covering_probability(model: str, values: dict[str, float], network: Mapping[str, float]) -> float:
    """A covering model's probability ("lower_face", "head_covering"), fused with its network probe's log-odds
    where the face has that probe."""
    probe, fusion = NETWORK_PROBES[model]
    pixels = covering_models()[model].log_odds(values)
    if has_probe(network, probe):
        pixels = min(pixels, PIXELS_BESIDE_PROBE.get(model, math.inf))
    return sigmoid(fuse(fusion, pixels, network, probe))


def object_before_mouth(face: Face) -> bool:
    """Whether the network's object probe reads a hand or an object before the face's mouth and chin
    (OBJECT_WARN_LOG_ODDS), where the chip it read lies in the photo; False for a backbone without that probe."""
    network = face.attributes
    if not (has_probe(network, LOWER_FACE_OBJECT) and network[LOWER_FACE_OBJECT] > OBJECT_WARN_LOG_ODDS):
        return False
    return lower_face_in_photo(face.chip_landmarks, face.chip_transform, face.photo_shape)


@cache
def covering_models() -> dict[str, LogisticModel]:
    """The fitted models by name ("lower_face", "head_covering"), read once from the package data."""
    text = (resources.files(__package__) / "data" / MODELS_FILE).read_text(encoding="utf-8")
    return {
        name: LogisticModel(
            tuple(model["features"]), tuple(model["mean"]), tuple(model["std"]), tuple(model["weights"]), float(model["bias"])
        )
        for name, model in json.loads(text)["models"].items()
    }


def _rim_edge(frame: FaceFrame, band: np.ndarray, skin: np.ndarray) -> float:
    """Strongest row-coherent edge leaving skin downwards (skin above, something else below).

    Per pixel, |dL*/dy| counts only where the pixel RIM_OFFSET rows above is skin-coloured, so a
    mask's upper rim (skin above) counts and a lens's lower rim (dark lens above) does not; the
    largest row mean over the band is divided by the band's mean |dL*/dy| + 1.
    """
    light = cv2.GaussianBlur(frame.lab[..., 0], (3, 3), 0)
    dy = np.abs(cv2.Sobel(light, cv2.CV_32F, 0, 1, ksize=3)) / 8.0
    skin_above = np.zeros_like(skin)
    skin_above[RIM_OFFSET:] = skin[:-RIM_OFFSET]
    counts = band.sum(axis=1)
    rows = counts >= 4
    if not rows.any():
        return math.nan
    row_means = (dy * (band & skin_above)).sum(axis=1)[rows] / counts[rows]
    return float(row_means.max() / (dy[band].mean() + 1.0))


def cheek_mask(frame: FaceFrame) -> np.ndarray:
    """Both cheeks on the frame, drawn as `regions.py` draws them on the photo."""
    lm = frame.landmarks
    drop = PX_PER_IED * 0.35
    left = frame.polygon(np.vstack([lm[[1, 3, 48, 31]], lm[[39, 36]] + [0.0, drop]]))
    right = frame.polygon(np.vstack([lm[[15, 13, 54, 35]], lm[[42, 45]] + [0.0, drop]]))
    cheeks: np.ndarray = (left | right) & frame.inside
    return cheeks


def lower_face_features(frame: FaceFrame) -> dict[str, float]:
    """The lower face against the face's own skin: what a mask, scarf or hand changes.

    chroma_shift: a*b* distance of the lower face's median colour from the skin's;
    lips: how much redder the mouth is than the cheeks (a* difference; a covered mouth shows no lips);
    nose_skin: share of skin-coloured pixels on the lower nose (a high mask covers it);
    mask_edge: strongest row-coherent edge leaving skin downwards between 0.15 IED under the eye
    line and just below the nose tip (a mask's upper rim; see `_rim_edge`);
    lower_skin: share of skin-coloured pixels in the lower face (for the wording, not the model);
    colour_shift: CIELAB distance, lightness included, of the lower face's median colour from the skin's (for the
    wording: a black mask's shift is mostly in lightness, which chroma_shift leaves out).
    """
    u = frame.units
    gx, gy = frame.grid
    lab = frame.lab
    lm = frame.landmarks
    nose_tip_y, chin_y = float(u[33, 1]), float(u[8, 1])
    lower_all = frame.polygon(np.vstack([lm[0:17], lm[26:16:-1]])) & (gy > nose_tip_y + 0.05) & (gy < chin_y - 0.05)
    lower = lower_all & frame.inside
    if lower.sum() < 30 or lower.sum() < LOWER_INSIDE_MIN * lower_all.sum():
        raise NotAssessable("the mouth and chin are not all inside the photo")
    skin = frame.skin
    shift = np.median(lab[lower], axis=0) - skin.median
    cheeks = cheek_mask(frame)
    mouth = frame.polygon(lm[48:60]) & frame.inside
    half_bridge = [[0.25 * PX_PER_IED, 0.0], [-0.25 * PX_PER_IED, 0.0]]
    nose = frame.polygon(np.vstack([lm[31:36] + [0.0, 0.05 * PX_PER_IED], lm[[29, 29]] + half_bridge])) & frame.inside
    band = frame.inside & (np.abs(gx) < 0.75) & (gy > 0.15) & (gy < nose_tip_y + 0.1)
    enough_lips = mouth.sum() >= 6 and cheeks.sum() >= 20
    return {
        "chroma_shift": float(np.hypot(shift[1], shift[2])),
        "lips": float(np.median(lab[mouth][:, 1]) - np.median(lab[cheeks][:, 1])) if enough_lips else math.nan,
        "nose_skin": float(skin.matches(lab[nose]).mean()) if nose.sum() >= 8 else math.nan,
        "mask_edge": _rim_edge(frame, band, skin.matches(lab)),
        "lower_skin": float(skin.matches(lab[lower]).mean()),
        "colour_shift": float(np.linalg.norm(shift)),
    }


@dataclass(frozen=True)
class HeadRegions:
    """Where a head covering shows, as boolean frame masks."""

    forehead: np.ndarray  # band just above the brows
    crown: np.ndarray  # from 0.65 IED above the brows up to the estimated crown, background left out
    brows: np.ndarray
    temples: np.ndarray  # beside the face at eye-to-mouth height
    ears: np.ndarray  # band just outside the upper jaw line
    neck: np.ndarray  # just under the chin
    edge_band: np.ndarray  # where a brim or band crosses the forehead
    background: np.ndarray  # pixels of the background's colour (none when the corners are outside the photo)
    crown_seen: float = 1.0  # share of the head top's band that lies inside the photo


def head_regions(frame: FaceFrame) -> HeadRegions:
    """The regions of `HeadRegions`; the crown is the context's estimate, eyes - 1.1 (chin - eyes)."""
    u = frame.units
    gx, gy = frame.grid
    lm = frame.landmarks
    inside = frame.inside
    brow_y = frame.brow_y
    chin_y = float(u[8, 1])
    crown_y = -1.1 * chin_y
    mouth_y = float(u[48:60, 1].mean())
    centre = lm[27]
    outward = [lm[i] + (lm[i] - centre) / (np.linalg.norm(lm[i] - centre) + 1e-6) * 0.25 * PX_PER_IED for i in range(17)]
    ears = frame.polygon(np.vstack([lm[0:5], outward[4::-1]])) | frame.polygon(np.vstack([lm[12:17], outward[16:11:-1]]))
    brows = np.zeros(inside.shape, bool)
    for start, stop in ((17, 22), (22, 27)):
        points = lm[start:stop]
        brows |= frame.polygon(np.vstack([points - [0.0, 0.06 * PX_PER_IED], points[::-1] + [0.0, 0.06 * PX_PER_IED]]))
    band = (np.abs(gx) < 0.8) & (gy < brow_y - 0.65) & (gy > crown_y + 0.1)
    crown = inside & band
    crown_seen = float(crown.sum() / max(band.sum(), 1))
    # the background: the frame's upper corners beside the head; head-top pixels of its colour are not head
    corners = inside & (np.abs(gx) > 1.3) & (gy < brow_y - 1.2)
    background = np.zeros(inside.shape, bool)
    if corners.sum() >= 20:
        background = np.linalg.norm(frame.lab - np.median(frame.lab[corners], axis=0), axis=-1) <= BACKGROUND_DE
        if (crown & ~background).sum() >= 20:
            crown &= ~background
    return HeadRegions(
        forehead=inside & (np.abs(gx) < 0.5) & (gy < brow_y - 0.08) & (gy > brow_y - 0.60),
        crown=crown,
        brows=brows & inside,
        temples=inside & (np.abs(gx) > 0.95) & (np.abs(gx) < 1.35) & (gy > -0.3) & (gy < mouth_y),
        ears=ears & inside,
        neck=inside & (np.abs(gx - float(u[8, 0])) < 0.35) & (gy > chin_y + 0.12) & (gy < chin_y + 0.5),
        edge_band=inside & (np.abs(gx) < 0.5) & (gy < brow_y - 0.1) & (gy > brow_y - 1.1),
        background=background,
        crown_seen=crown_seen,
    )


def _row_medians(values: np.ndarray, mask: np.ndarray, min_count: int) -> np.ndarray:
    """Per row, the median of `values` (rows, cols[, C]) over the row's `mask` pixels; NaN where too few."""
    counts = mask.sum(axis=1)
    enough = counts >= min_count
    keep = mask & enough[:, None]
    masked = np.where(keep if values.ndim == 2 else keep[..., None], values, np.nan)
    out = np.full((len(values),) + values.shape[2:], np.nan, np.float32)
    if enough.any():
        out[enough] = np.nanmedian(masked[enough], axis=1)
    return out


def _window_means(profile: np.ndarray, width: int) -> np.ndarray:
    """Mean of the finite entries of every run of `width` rows of a profile (rows[, channels]); NaN where none."""
    finite = np.isfinite(profile)
    zero = np.zeros((1,) + profile.shape[1:])
    sums = np.concatenate([zero, np.cumsum(np.where(finite, profile, 0.0), axis=0)])
    counts = np.concatenate([zero, np.cumsum(finite, axis=0)])
    n = counts[width:] - counts[:-width]
    return np.where(n > 0, (sums[width:] - sums[:-width]) / np.maximum(n, 1), np.nan)


def _strongest_step(profile: np.ndarray) -> float:
    """Largest colour distance between the STEP_ROWS rows above and below a row of a midline profile (rows
    STEP_ROWS .. len - STEP_ROWS - 1)."""
    means = _window_means(profile, STEP_ROWS)  # means[j]: rows j .. j + STEP_ROWS - 1
    if len(means) <= STEP_ROWS + 1:
        return 0.0
    steps = np.linalg.norm(means[STEP_ROWS:-1] - means[: -STEP_ROWS - 1], axis=-1)
    finite = steps[np.isfinite(steps)]
    return float(finite.max()) if finite.size else 0.0


def _band_features(frame: FaceFrame, regions: HeadRegions, brows_median: np.ndarray) -> dict[str, float]:
    """A band or brim across the forehead, read from the row colours of the midline strip above the brows.

    mid_edge, mid_ab_edge: the strongest colour step down the strip (CIELAB, and a*b* only so that a
    coloured band on skin of the same lightness counts); band_de: the most un-skin-like and un-hair-like
    BAND_ROWS rows (median of each pixel's CIELAB distance from the nearer of the skin and the brows),
    the background left out: a headband is neither skin nor hair.
    """
    gx, gy = frame.grid
    rows = np.flatnonzero((gy[:, 0] < frame.brow_y - MIDLINE_SPAN[0]) & (gy[:, 0] > frame.brow_y - MIDLINE_SPAN[1]))
    cols = np.flatnonzero(np.abs(gx[0]) < MIDLINE_HALF_WIDTH)
    lab = frame.lab[np.ix_(rows, cols)]
    strip = frame.inside[np.ix_(rows, cols)]
    colours = _row_medians(lab, strip, 6)
    unlike = np.minimum(np.linalg.norm(lab - frame.skin.median, axis=-1), np.linalg.norm(lab - brows_median, axis=-1))
    band = _row_medians(unlike, strip & ~regions.background[np.ix_(rows, cols)], 8)
    windows = _window_means(band, BAND_ROWS) if len(band) >= BAND_ROWS else np.array([])
    finite_windows = windows[np.isfinite(windows)]
    return {
        "mid_edge": _strongest_step(colours),
        "mid_ab_edge": _strongest_step(colours[:, 1:]),
        "band_de": float(finite_windows.max()) if np.isfinite(band).sum() >= BAND_ROWS and finite_windows.size else math.nan,
    }


def head_covering_features(frame: FaceFrame) -> dict[str, float]:
    """The forehead and the head top against the skin and against the hair (read from the brows).

    forehead_skin: share of skin-coloured pixels in the band above the brows;
    fringe_texture: mean |Laplacian| of L* on that band's pixels that are not skin (hair over the
    forehead is textured, a cap's front or a band is smooth);
    fringe_vs_brows: CIELAB distance of those pixels' median from the brows' (hair matches the brows);
    crown_skin: share of skin-coloured pixels on the head top (bald heads, high foreheads);
    crown_white: share of white pixels (L* > 80, chroma < 12) on the head top;
    crown_unlike_hair: share of head-top pixels unlike the brows (dE > 20), not skin and not dark;
    crown_vs_brows: CIELAB distance between the head top's and the brows' median colours;
    brim_edge: strongest horizontal edge crossing the forehead (row mean of dL*/dy), brim_height its
    height above the brows (IED); crown_texture: mean |Laplacian| of L* on the head top;
    temples_vs_crown: CIELAB distance between the temples' and the head top's median colours;
    mid_edge, mid_ab_edge, band_de: a band or brim across the forehead (`_band_features`);
    crown_ab_vs_brows: a*b* distance between the head top and the brows (a coloured hat on dark hair, in
    any light); crown_l_minus_brows: how much lighter the head top is than the brows;
    brim_side: share of the pixels beside the head top that have its colour and are not background (a
    brim wider than the head);
    ears_skin, neck_skin: skin shares beside the jaw and under the chin (a headscarf covers both).
    """
    regions = head_regions(frame)
    lab = frame.lab
    if regions.forehead.sum() < 20 or regions.crown.sum() < 20 or regions.brows.sum() < 5:
        raise NotAssessable("the forehead or the top of the head is outside the photo")
    if regions.crown_seen < MIN_CROWN_SEEN:  # the strip left at the top edge read as a coloured hat
        raise NotAssessable(f"only {regions.crown_seen:.0%} of the top of the head is inside the photo")
    skin = frame.skin
    crown = lab[regions.crown]
    crown_median = np.median(crown, axis=0)
    brows_median = np.median(lab[regions.brows], axis=0)
    crown_skin = skin.matches(crown)
    chroma = np.hypot(crown[:, 1], crown[:, 2])
    light = cv2.GaussianBlur(lab[..., 0], (3, 3), 0)
    laplacian = np.abs(cv2.Laplacian(light, cv2.CV_32F))
    dy = cv2.Sobel(light, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    band = regions.edge_band.astype(np.float32)
    counts = band.sum(axis=1)
    rows = np.flatnonzero(counts >= 4)
    if rows.size == 0:
        raise NotAssessable("the forehead is outside the photo")
    row_means = np.abs((dy * band).sum(axis=1)[rows] / counts[rows])
    best_row = rows[int(np.argmax(row_means))]
    forehead_skin = skin.matches(lab[regions.forehead])
    covered = lab[regions.forehead][~forehead_skin]
    fringe = covered.shape[0] >= 10
    gx, gy = frame.grid
    beside = frame.inside & (np.abs(gx) > 1.05) & (np.abs(gx) < 1.7) & (gy > frame.brow_y - 1.3) & (gy < frame.brow_y - 0.4)
    beside_like_crown = (np.linalg.norm(lab[beside] - crown_median, axis=1) < BRIM_SIDE_DE) & ~regions.background[beside]
    return {
        **_band_features(frame, regions, brows_median),
        "crown_ab_vs_brows": float(np.linalg.norm(crown_median[1:] - brows_median[1:])),
        "crown_l_minus_brows": float(crown_median[0] - brows_median[0]),
        "brim_side": float(beside_like_crown.mean()) if beside.sum() >= 20 else math.nan,
        "forehead_skin": float(forehead_skin.mean()),
        "fringe_texture": float(laplacian[regions.forehead][~forehead_skin].mean()) if fringe else math.nan,
        "fringe_vs_brows": float(np.linalg.norm(np.median(covered, axis=0) - brows_median)) if fringe else math.nan,
        "crown_skin": float(crown_skin.mean()),
        "crown_white": float(np.mean((crown[:, 0] > 80) & (chroma < 12))),
        "crown_unlike_hair": float(np.mean((np.linalg.norm(crown - brows_median, axis=1) > 20) & ~crown_skin & (crown[:, 0] > 25))),
        "crown_vs_brows": float(np.linalg.norm(crown_median - brows_median)),
        "brim_edge": float(row_means.max()),
        "brim_height": float(frame.brow_y - frame.grid[1][best_row, 0]),
        "crown_texture": float(laplacian[regions.crown].mean()),
        "temples_vs_crown": float(np.linalg.norm(np.median(lab[regions.temples], axis=0) - crown_median))
        if regions.temples.sum() >= 20
        else math.nan,
        "ears_skin": float(skin.matches(lab[regions.ears]).mean()) if regions.ears.sum() >= 10 else math.nan,
        "neck_skin": float(skin.matches(lab[regions.neck]).mean()) if regions.neck.sum() >= 10 else math.nan,
    }


def hides_ears_and_neck(values: dict[str, float], params: dict[str, Any]) -> bool:
    """The covering also hides the ears and the neck, as a headscarf, hijab or hood does.

    A description for the officer, not a classification: of the LFW coverings the check flags it
    marked 7 of 11 headscarf-like ones and 31 of 214 others (collars, long hair). False when the
    profile sets no bounds for it.
    """
    bounds = (("ears_skin", "headscarf_ears_below"), ("neck_skin", "headscarf_neck_below"))
    return all(key in params and values[name] < float(params[key]) for name, key in bounds)


def covering_outline(frame: FaceFrame, values: dict[str, float], around_face: bool) -> list[tuple[float, float]]:
    """Where the covering is, in photo pixels: the head top from the brim line up, and down both sides
    of the face to the chin when it frames the face."""
    bottom = frame.brow_y - min(max(values["brim_height"], 0.1), 1.0)
    chin_y = float(frame.units[8, 1])
    top = -1.1 * chin_y - 0.3
    if around_face:
        points = [(-1.35, chin_y), (-1.35, top), (1.35, top), (1.35, chin_y), (1.0, chin_y), (1.0, bottom), (-1.0, bottom), (-1.0, chin_y)]
    else:
        points = [(-1.0, bottom), (-1.0, top), (1.0, top), (1.0, bottom)]
    return frame.to_photo(np.array(points))
