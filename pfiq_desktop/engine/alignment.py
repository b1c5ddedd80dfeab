"""Alignment templates: how a detected face becomes the square crop a recognition backbone reads.

Two templates, named in a backbone's metadata (a user model's sidecar says which one it
was trained on):

- ``dlib-chip``: dlib's ``get_face_chip`` (150 x 150, padding 0.25) from the 5-point
  landmarks, pixel-exact with dlib (see faces.py); the built-in ResNet's alignment.
- ``arcface``: the five-point similarity alignment of InsightFace's ArcFace models
  (112 x 112 template; other sizes scale it). The five points (both eye centres, the
  nose tip, both mouth corners) come from dlib's 68-point landmarks; the similarity
  transform is the least-squares fit of ``cv2.estimateAffinePartial2D`` and the pixels
  come from ``cv2.warpAffine`` (bilinear, black outside the photo), as InsightFace
  aligns its training faces. The transform is exactly the one the pixels were sampled
  with, so maps drawn back onto the photo land where their pixels came from.

Torch-free (it runs in the preparation worker processes); an ``Alignment`` is a small
frozen value that pickles.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pfiq_desktop.engine.faces import CHIP_PADDING, CHIP_SIZE, DetectedFace, chip_transform, extract_chip
from pfiq_desktop.engine.landmarks import eye_centres

TEMPLATES = ("dlib-chip", "arcface")

# InsightFace's ArcFace destination points on the 112 x 112 crop: the photo's left eye, right eye,
# nose tip, left and right mouth corner (x, y; pixel centres at integers, OpenCV's convention).
ARCFACE_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]]
)


def five_points(landmarks68: np.ndarray) -> np.ndarray:
    """ArcFace's five points from dlib's 68: eye centres (36-41, 42-47), nose tip (30), mouth corners (48, 54)."""
    points = np.asarray(landmarks68, dtype=np.float64)
    if points.shape != (68, 2):
        raise ValueError(f"expected 68 landmarks as a (68, 2) array, got {points.shape}")
    return np.stack([*eye_centres(points), points[30], points[48], points[54]])


def arcface_transform(landmarks68: np.ndarray, size: int = 112) -> np.ndarray:
    """2x3 photo->crop similarity (rotation, uniform scale, shift) onto the ArcFace template at `size` pixels."""
    target = ARCFACE_TEMPLATE_112 * (size / 112.0)
    # every point an inlier (huge threshold): RANSAC's start is then refined to the least-squares fit
    matrix, _ = cv2.estimateAffinePartial2D(five_points(landmarks68), target, method=cv2.RANSAC, ransacReprojThreshold=1e6)
    if matrix is None:
        raise ValueError("the five face points do not define a similarity transform")
    return np.asarray(matrix, dtype=np.float64)


@dataclass(frozen=True)
class Alignment:
    """A template and crop size: `transform` finds the photo->crop affine, `extract` cuts the crop."""

    template: str = "dlib-chip"
    size: int = CHIP_SIZE
    padding: float = CHIP_PADDING  # dlib-chip only

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise ValueError(f"Unknown alignment {self.template!r}; choose one of {', '.join(TEMPLATES)}")
        if not 16 <= self.size <= 1024:
            raise ValueError(f"Crop size {self.size} is out of range (16..1024 pixels)")

    def transform(self, face: DetectedFace) -> np.ndarray:
        """2x3 photo->crop affine for one detected face."""
        if self.template == "dlib-chip":
            return chip_transform(face.landmarks5, self.size, self.padding)
        return arcface_transform(face.landmarks68, self.size)

    def extract(self, image: np.ndarray, transform: np.ndarray) -> np.ndarray:
        """The size x size uint8 crop of `image` under `transform` (from `self.transform`)."""
        if self.template == "dlib-chip":
            return extract_chip(image, transform, self.size)
        crop: np.ndarray = cv2.warpAffine(np.ascontiguousarray(image), np.asarray(transform, np.float64), (self.size, self.size),
                                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return crop


DLIB_CHIP = Alignment()
