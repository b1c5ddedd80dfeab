"""Everything the checks share for one photo, computed once and only when asked for.

Keeping the derived images (grey, CIELAB), the subject's landmarks, head
geometry and pose here keeps each check short and the whole checklist fast.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from numpy.typing import NDArray

from pfiq_desktop.engine.icao.enlargement import Enlargement, around_the_eyes
from pfiq_desktop.engine.icao.face_frame import FaceFrame, build_face_frame
from pfiq_desktop.engine.icao.headpose import estimate_pose
from pfiq_desktop.engine.icao.mm_geometry import NoPrintScale, PrintScale, print_scale
from pfiq_desktop.engine.icao.profile import Profile, load_profile
from pfiq_desktop.engine.icao.regions import SKIN_REGIONS, polygon_mask, region_plq_stats, region_polygons
from pfiq_desktop.engine.icao.registry import NotAssessable
from pfiq_desktop.engine.imageio import composite_on_white
from pfiq_desktop.engine.landmarks import eye_centres, upright_frame
from pfiq_desktop.engine.results import Face, PrintFormat

if TYPE_CHECKING:
    from pfiq_desktop.engine.faces import FaceDetector

# The eye line sits roughly half-way between chin and crown; with hair volume the
# crown lies a little further from the eyes than the chin does (measured on
# frontal portraits). crown = eyes - CROWN_FACTOR * (chin - eyes).
CROWN_FACTOR = 1.1
# What a Context knows about the photo itself (shared by every face's view of it).
_PHOTO_STATE = frozenset(
    {"rgb", "profile", "profile_yaw", "print_format", "dpi", "transparent", "images", "too_dark_below", "height", "width", "faces",
     "detector", "grey", "lab8", "sample", "is_greyscale", "white_point"}
)


def as_rgb(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Any photo array (grey, RGB, RGBA, float or integer) as contiguous RGB uint8, RGBA over white as the photo
    loader shows it, with the share of its pixels that were not opaque."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"not an image array (shape {arr.shape})")
    if arr.dtype != np.uint8:
        arr = arr.astype(np.float64)
        if np.issubdtype(np.asarray(image).dtype, np.floating) and np.nanmax(arr, initial=0.0) <= 1.0:
            arr = arr * 255.0
        arr = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
    if arr.shape[2] == 4:
        return composite_on_white(arr), float(np.count_nonzero(arr[:, :, 3] < 255)) / (arr.shape[0] * arr.shape[1])
    return np.ascontiguousarray(arr), 0.0


def lab_from_8bit(lab8: np.ndarray) -> np.ndarray:
    """OpenCV's 8-bit Lab encoding (L*255/100, a+128, b+128) back to CIELAB units, float32."""
    lab = lab8.astype(np.float32)
    lab[..., 0] *= 100.0 / 255.0
    lab[..., 1:] -= 128.0
    return lab

# A photo counts as greyscale when its mean |R - G| + |G - B| is small both in itself and for its brightness. In itself:
# the chroma noise of a greyscale JPEG stays below 3, the palest of the 150 official colour portraits measures 13.7. For
# its brightness (over the mean of each pixel's brightest channel): a colour photo's spread shrinks with its light (an
# official portrait at a tenth of it: 0.9), this ratio much less (official portraits 0.16 and up at any exposure; LFW
# 0.073 and up as taken, the two lowest 0.048-0.064 at a tenth of their light as JPEG q75, so read as greyscale),
# and a dark greyscale photo's faint tint stays under it (0.043, Thomas_Wyman_0002): the bound errs towards calling
# a black-and-white photo so
GREYSCALE_SPREAD = 3.0
GREYSCALE_SPREAD_PER_BRIGHTNESS = 0.07


class Context:
    """The photo and its subject, with lazily derived views for the checks."""

    def __init__(self, image: np.ndarray, faces: list[Face], profile: Profile | None = None, dpi: float | None = None,
                 transparent: float | None = None, images: int | None = 1, detector: FaceDetector | None = None) -> None:
        profile = profile or load_profile()
        self.profile = profile  # the eye checks read each other's thresholds from it (eyes_mouth.eye_thresholds)
        self.rgb, own_transparent = as_rgb(image)
        # beyond this yaw the frontal checks are not judged (the far side of the face is hidden)
        self.profile_yaw = float(profile.params("pose_yaw")["not_assessable_above"])
        self.print_format = profile.info.print_format  # the profile's printed photo, for sizes in mm
        self.dpi = dpi  # the resolution the photo file states, if any
        # share of the file's pixels that were not opaque (shown over white): as the loader measured the file, or this
        # array's own alpha (an RGB array already composited says nothing of it)
        self.transparent = own_transparent if transparent is None else transparent
        self.images = images  # pages or frames in the photo's file, the first being this one (None: not known)
        # the grey level below which the profile calls a face too dark (exposure), also said of a photo with no face found
        exposure = profile.params("exposure")
        self.too_dark_below: float | None = exposure.get("fail_below") if profile.enabled("exposure") else None
        self.height, self.width = self.rgb.shape[:2]
        self.faces = list(faces)
        self.detector = detector  # the engine's, whose CNN fallback confirms a weak face on a turned copy (or None)
        self.face: Face | None = self.faces[0] if self.faces else None
        self.cache: dict[str, Any] = {}  # per-family derived data (e.g. the background mask)

    def for_face(self, index: int) -> Context:
        """The same photo seen through another face: image views are shared, face geometry is not."""
        other = Context.__new__(Context)
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k in _PHOTO_STATE})
        other.face = self.faces[index]
        other.cache = {}
        return other

    # ---- image views -------------------------------------------------------
    @cached_property
    def grey(self) -> np.ndarray:
        """Luminance 0..255 (float32)."""
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)

    @cached_property
    def lab8(self) -> np.ndarray:
        """OpenCV 8-bit CIELAB of the photo (fast); use `lab_of` for true L*a*b* values."""
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2Lab)

    def lab_of(self, mask: np.ndarray) -> np.ndarray:
        """True CIELAB (L* 0..100, signed a*, b*) of the masked pixels, n x 3 float32."""
        return lab_from_8bit(self.lab8[mask])

    @cached_property
    def sample(self) -> np.ndarray:
        """The photo on a grid of about 200 x 200 pixels (a view, no copy): what photo-wide statistics read, at a cost
        that does not grow with the photo."""
        return self.rgb[:: max(1, self.height // 200), :: max(1, self.width // 200)]

    @cached_property
    def is_greyscale(self) -> bool:
        """Whether the photo has no colour to judge (a measurement, not a verdict: "Colour photo" decides with the
        profile's allow_greyscale, and the colour checks then say they cannot judge)."""
        small = self.sample.astype(np.int16)
        spread = float(np.mean(np.abs(small[:, :, 0] - small[:, :, 1]) + np.abs(small[:, :, 1] - small[:, :, 2])))
        brightness = max(float(np.mean(small.max(axis=2))), 1.0)
        return spread < GREYSCALE_SPREAD and spread / brightness < GREYSCALE_SPREAD_PER_BRIGHTNESS

    @cached_property
    def white_point(self) -> float:
        """The photo's brightest parts (99.5th percentile of each pixel's brightest channel, on `sample`): near 255 in a
        photo exposed right, whatever the skin of the face in it (the backdrop, a collar, a highlight); an exposure a
        stop short brings it under 190."""
        return float(np.percentile(self.sample.max(axis=2), 99.5))

    # ---- subject geometry --------------------------------------------------
    @property
    def attributes(self) -> dict[str, float]:
        """The subject's network probes (engine/attributes.py); empty without a face or without probes."""
        return self.face.attributes if self.face is not None else {}

    @cached_property
    def landmarks(self) -> NDArray[np.float64]:
        """The subject's 68 landmarks (photo x, y); NotAssessable when absent or broken."""
        if self.face is None:
            raise NotAssessable("no face found")
        lm = np.asarray(self.face.landmarks, np.float64)
        if lm.shape != (68, 2) or not np.all(np.isfinite(lm)):
            raise NotAssessable("no facial landmarks for this face")
        return lm

    @cached_property
    def eyes(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return eye_centres(self.landmarks)

    @cached_property
    def eye_mid(self) -> NDArray[np.float64]:
        left, right = self.eyes
        return (left + right) / 2.0

    @cached_property
    def inter_eye(self) -> float:
        return upright_frame(self.landmarks)[2]

    @cached_property
    def enlargement(self) -> tuple[tuple[float, float, float, float], Enlargement | None]:
        """The square around the eyes and how many times the face there was enlarged (`around_the_eyes`): "Inter-eye
        distance" says it, and the glasses check reads no lens tint on a face holding so little detail."""
        return around_the_eyes(self.grey, self.eye_mid, self.inter_eye)

    @cached_property
    def chin(self) -> NDArray[np.float64]:
        chin: NDArray[np.float64] = self.landmarks[8]
        return chin

    @cached_property
    def crown(self) -> NDArray[np.float64]:
        """Estimated top of the head, on the line from the chin through the eyes."""
        return self.eye_mid - CROWN_FACTOR * (self.chin - self.eye_mid)

    @cached_property
    def head_height(self) -> float:
        return float(np.hypot(*(self.chin - self.crown)))

    @cached_property
    def head_width(self) -> float:
        """Face width at the cheekbones (jaw points 0 and 16)."""
        return float(np.hypot(*(self.landmarks[16] - self.landmarks[0])))

    @cached_property
    def head_box(self) -> tuple[float, float, float, float]:
        """Axis-aligned box around crown, chin and jaw (x0, y0, x1, y1), photo pixels."""
        pts = np.vstack([self.landmarks, self.crown])
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())

    @cached_property
    def regions(self) -> dict[str, np.ndarray]:
        return region_polygons(self.landmarks)

    def region_mask(self, name: str) -> np.ndarray:
        """Boolean photo-sized mask of a named region (cached: several checks share them)."""
        key = f"mask:{name}"
        if key not in self.cache:
            self.cache[key] = polygon_mask(self.regions[name], (self.height, self.width))
        mask: np.ndarray = self.cache[key]
        return mask

    @cached_property
    def cheek_mask(self) -> np.ndarray:
        """Both cheeks: where the skin's own colour is read (natural colour, and the red a pupil must exceed)."""
        mask: np.ndarray = self.region_mask("left_cheek") | self.region_mask("right_cheek")
        return mask

    def skin_white_shares(self, level: float) -> dict[str, float]:
        """The share of each bare-skin region (`SKIN_REGIONS`) at or above grey `level`, for the regions inside the
        photo: a hot spot shows in one, an over-exposed face in most (clipping and glare read them)."""
        key = f"skin_white:{level}"
        if key not in self.cache:
            self.cache[key] = {name: float(np.mean(pixels >= level)) for name in SKIN_REGIONS
                               if (pixels := self.grey[self.region_mask(name)]).size}
        shares: dict[str, float] = self.cache[key]
        return shares

    @cached_property
    def face_frame(self) -> FaceFrame:
        """The face upright at 32 px per inter-eye distance: where coverings and lighting are judged."""
        return build_face_frame(self.rgb, self.landmarks)

    @cached_property
    def face_mask(self) -> np.ndarray:
        """Skin area: convex hull of the landmarks plus the forehead."""
        pts = np.vstack([self.landmarks, self.regions["forehead"]])
        return polygon_mask(cv2.convexHull(np.round(pts).astype(np.int32)).reshape(-1, 2), (self.height, self.width))

    @cached_property
    def head_ellipse(self) -> tuple[tuple[float, float], tuple[float, float], float]:
        """cv2 RotatedRect of the whole head (hair included), for masking it out of the background."""
        centre = (self.crown + self.chin) / 2.0
        axis = self.chin - self.crown
        angle = float(np.degrees(np.arctan2(axis[0], axis[1])))
        return (float(centre[0]), float(centre[1])), (1.7 * self.head_width, 1.15 * self.head_height), -angle

    @cached_property
    def background_bottom(self) -> float:
        """Rows above this (the nose base) are background outside the head; lower down, shoulders and collars start."""
        return float(self.landmarks[33, 1])

    @cached_property
    def pose(self) -> tuple[float, float, float]:
        """(yaw, pitch, roll) in degrees, conventions of `headpose` (yaw > 0: face turned to the photo's right)."""
        points = self.landmarks
        if self.face is not None and np.shape(self.face.pose_landmarks) == (68, 2):
            points = np.asarray(self.face.pose_landmarks, np.float64)  # fitted for the pose (FaceDetector._pose_points)
        try:
            return estimate_pose(points, (self.width, self.height))
        except ValueError as exc:
            raise NotAssessable(f"head pose could not be estimated ({exc})") from exc

    @property
    def printed(self) -> PrintFormat:
        """The profile's printed photo; NotAssessable when the profile states none."""
        if self.print_format is None:
            raise NotAssessable("not measurable in mm: the profile states no print size")
        return self.print_format

    @property
    def print_scale(self) -> PrintScale:
        """Pixels per mm of the printed photo (`mm_geometry.print_scale`); NotAssessable when it cannot be that print."""
        try:
            return print_scale((self.width, self.height), self.printed, self.dpi)
        except NoPrintScale as exc:
            raise NotAssessable(f"not measurable in mm: {exc}") from exc

    @cached_property
    def plq_stats(self) -> tuple[dict[str, float], float]:
        if self.face is None:
            raise NotAssessable("no face found")
        means, median = region_plq_stats(self.face)
        if not means or not np.isfinite(median):
            raise NotAssessable("no pixel-level quality map for this face")
        return means, median
