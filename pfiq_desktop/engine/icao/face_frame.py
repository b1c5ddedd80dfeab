"""The upright face frame: the face resampled with its eye line horizontal at a fixed scale.

Lower-face covering, head covering and even lighting are judged here, so each check works on
a small image (112 x 144 px) whatever the photo's resolution, and its regions are simple shapes
in units of the inter-eye distance (IED): the eye midpoint is the origin, x grows to the photo's
right, y downwards, the eye centres sit at (-0.5, 0) and (0.5, 0).

The frame also owns the face's skin colour (`FaceFrame.skin`), which the covering checks
compare everything else with.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from pfiq_desktop.engine.icao.registry import NotAssessable
from pfiq_desktop.engine.landmarks import upright_frame

PX_PER_IED = 32
HALF_WIDTH = 1.75  # the frame spans x in [-1.75, 1.75] IED ...
TOP, BOTTOM = -2.25, 2.25  # ... and y in [-2.25, 2.25] IED (the crown of a tall hat .. below the chin)

# A pixel is skin-coloured when its CIELAB distance from the skin's median, each channel divided by
# the skin's spread (80th percentile of |deviation|, at least these floors), is under SKIN_DISTANCE.
SKIN_SPREAD_FLOOR = np.array([4.0, 2.5, 2.5], np.float32)
SKIN_DISTANCE = 2.5
MIN_SKIN_PIXELS = 15  # a reference region with fewer frame pixels inside the photo is left out


@dataclass(frozen=True)
class SkinModel:
    """Median CIELAB colour of the face's skin and its robust spread per channel."""

    median: np.ndarray
    spread: np.ndarray

    @classmethod
    def of(cls, lab_pixels: np.ndarray) -> SkinModel:
        median = np.median(lab_pixels, axis=0)
        return cls(median, np.maximum(np.percentile(np.abs(lab_pixels - median), 80, axis=0), SKIN_SPREAD_FLOOR))

    def matches(self, lab_pixels: np.ndarray) -> np.ndarray:
        """Which pixels are skin-coloured (boolean, one per pixel)."""
        distance: np.ndarray = np.sqrt((((lab_pixels - self.median) / self.spread) ** 2).sum(axis=-1))
        return distance < SKIN_DISTANCE


@dataclass(eq=False)
class FaceFrame:
    """Pixels, landmarks and geometry of one face in the upright frame."""

    rgb: np.ndarray  # (H, W, 3) uint8
    inside: np.ndarray  # (H, W) bool: frame pixels that come from the photo (padding is never face)
    landmarks: np.ndarray  # (68, 2) frame pixel x, y
    to_frame: np.ndarray  # 2x3 affine photo -> frame

    @cached_property
    def lab(self) -> np.ndarray:
        """CIELAB in true units (L* 0..100, signed a*, b*), float32."""
        lab: np.ndarray = cv2.cvtColor(self.rgb.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2Lab)
        return lab

    @cached_property
    def grey(self) -> np.ndarray:
        """Luma 0..255 as the photo's grey view has it, float32."""
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)

    @cached_property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every frame pixel centre, in IED units."""
        h, w = self.inside.shape
        xs = (np.arange(w, dtype=np.float32) + 0.5) / PX_PER_IED - HALF_WIDTH
        ys = (np.arange(h, dtype=np.float32) + 0.5) / PX_PER_IED + TOP
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy

    @cached_property
    def units(self) -> np.ndarray:
        """Landmarks in IED units."""
        units: np.ndarray = self.landmarks / PX_PER_IED + np.array([-HALF_WIDTH, TOP])
        return units

    @cached_property
    def brow_y(self) -> float:
        """Height of the brows (median of landmarks 17-26), IED."""
        return float(np.median(self.units[17:27, 1]))

    @cached_property
    def skin(self) -> SkinModel:
        """The skin colour three small regions agree on, so that any one of them may be covered.

        The nasal bridge between the eyes (sunglasses cover it), the forehead just above the
        brows (fringes, caps) and the skin just under the eyes (a high mask): the region whose
        median colour is nearest the others' (the medoid) is the reference. The cheeks are no
        candidate: a mask covers them together with the skin under the eyes, and two covered
        regions of four would tie with the two uncovered ones.
        """
        gx, gy = self.grid
        bridge_x = float(self.units[27, 0])
        candidates = [
            self.inside & (np.abs(gx - bridge_x) < 0.18) & (gy > self.brow_y - 0.15) & (gy < 0.12),
            self.inside & (np.abs(gx) < 0.45) & (gy < self.brow_y - 0.08) & (gy > self.brow_y - 0.35),
            self.inside & (np.abs(gx) > 0.25) & (np.abs(gx) < 0.75) & (gy > 0.15) & (gy < 0.32),
        ]
        models = [SkinModel.of(self.lab[mask]) for mask in candidates if mask.sum() >= MIN_SKIN_PIXELS]
        if not models:
            raise NotAssessable("the skin around the eyes is outside the photo")
        medians = np.array([model.median for model in models])
        distances = [float(np.linalg.norm(medians - median, axis=1).sum()) for median in medians]
        return models[int(np.argmin(distances))]

    def polygon(self, points: np.ndarray) -> np.ndarray:
        """Boolean frame mask of a polygon given in frame pixels."""
        mask = np.zeros(self.inside.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
        return mask.astype(bool)

    def to_photo(self, points_units: np.ndarray) -> list[tuple[float, float]]:
        """Points in IED units back to photo x, y (where the evidence is drawn)."""
        pts = (np.asarray(points_units, np.float64).reshape(-1, 2) - [-HALF_WIDTH, TOP]) * PX_PER_IED
        back = cv2.invertAffineTransform(self.to_frame)
        photo = pts @ back[:, :2].T + back[:, 2]
        return [(float(x), float(y)) for x, y in photo]


def build_face_frame(rgb: np.ndarray, landmarks: np.ndarray) -> FaceFrame:
    """Resample the face: area-average down to about the frame's scale first, then one affine warp.

    A plain bilinear warp of a high-resolution photo to 32 px per IED would alias (hair and
    fabric texture turn into noise), so a large face is first shrunk with INTER_AREA around its
    footprint, keeping 1.5x the frame's resolution for the final bilinear step.
    """
    lm = np.asarray(landmarks, np.float64)
    upright, mid, ied = upright_frame(lm)
    scale = PX_PER_IED / ied
    width = round(2 * HALF_WIDTH * PX_PER_IED)
    height = round((BOTTOM - TOP) * PX_PER_IED)

    # a square around the frame's footprint, cut to the photo
    reach = ied * float(np.hypot(HALF_WIDTH, max(-TOP, BOTTOM))) + 2.0
    h, w = rgb.shape[:2]
    cx0, cy0 = max(int(np.floor(mid[0] - reach)), 0), max(int(np.floor(mid[1] - reach)), 0)
    cx1, cy1 = min(int(np.ceil(mid[0] + reach)) + 1, w), min(int(np.ceil(mid[1] + reach)) + 1, h)
    if cx1 <= cx0 or cy1 <= cy0:
        raise NotAssessable("the face is outside the photo")
    crop = rgb[cy0:cy1, cx0:cx1]
    inside_crop: np.ndarray = np.ones(crop.shape[:2], np.uint8)
    shrink = min(1.0, 1.5 * scale)
    sx = sy = 1.0
    if shrink < 1.0:
        size = (max(1, round(crop.shape[1] * shrink)), max(1, round(crop.shape[0] * shrink)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        inside_crop = cv2.resize(inside_crop, size, interpolation=cv2.INTER_NEAREST)
        sx, sy = size[0] / (cx1 - cx0), size[1] / (cy1 - cy0)
    # photo -> frame: R * scale * (p - mid) + the frame's centre
    rotation = upright * scale
    centre = np.array([HALF_WIDTH * PX_PER_IED, -TOP * PX_PER_IED])
    to_frame = np.hstack([rotation, (centre - rotation @ mid)[:, None]])
    # area resampling puts crop pixel i's centre at photo cx0 + (i + 0.5) / s - 0.5; cv2 and dlib both
    # put integer coordinates at pixel centres
    crop_to_photo = np.array([[1.0 / sx, 0.0, cx0 + 0.5 / sx - 0.5], [0.0, 1.0 / sy, cy0 + 0.5 / sy - 0.5]])
    crop_to_frame = np.hstack([rotation @ crop_to_photo[:, :2], (rotation @ crop_to_photo[:, 2] + to_frame[:, 2])[:, None]])
    frame_rgb = cv2.warpAffine(crop, crop_to_frame, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.warpAffine(inside_crop, crop_to_frame, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT) > 0
    return FaceFrame(frame_rgb, inside, lm @ to_frame[:, :2].T + to_frame[:, 2], to_frame)
