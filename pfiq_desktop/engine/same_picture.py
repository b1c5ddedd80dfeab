"""Is a renewal's new photo the picture on file again? An applicant's old photo re-saved, cropped, brightened or
scanned scored 0.99 as the "same person", which is true and beside the point: a renewal needs a new photo, and only
identical bytes were refused (officer's walk-through).

One picture saved twice puts the same pixels on the aligned face and around it (hair, collar, background); two photos of
one person taken on other days differ in expression, light, pose, hair and clothes. The measure is the lower of two
correlations: of the aligned face chips, and of a chip twice as wide (head and shoulders), each in grey, blurred so that
re-encoding and rescaling do not count, and photo B also mirrored. The face alone let two press photos of one woman
from other days reach 0.975; the head and shoulders around it told them apart. Chosen on a development half and
measured on a test half (copies of official and LFW photos edited ten ways, against LFW pairs of one person and Yale and
ORL pairs of one sitting): docs/EVALUATION.md, "The picture on file again"; `benchmarks/eval_same_picture.py`.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from pfiq_desktop.engine.faces import CHIP_PADDING, CHIP_SIZE, chip_transform, extract_chip

SAME_PICTURE_AT = 0.92  # the lower correlation from which two photos are one picture (dev: LFW pairs at most 0.893)
WIDE_PADDING = 1.0  # the head-and-shoulders chip: the face chip's alignment, padded to twice its width
BLUR_PX = 3.0  # on the 150 px chips
MARGIN = 0.1  # of the chip's side left out on each edge (the wide chip's padding of photo edges)


class Aligned(Protocol):
    """A face as found (`faces.DetectedFace`) or as analysed (`results.Face`): its five landmarks align its chips."""

    @property
    def landmarks5(self) -> np.ndarray: ...


def picture_similarity(image_a: np.ndarray, face_a: Aligned, image_b: np.ndarray, face_b: Aligned) -> float:
    """The lower of the face's and the head-and-shoulders' correlations (-1..1) of two photos' main faces, photo B as
    it is or mirrored, whichever matches better."""
    a = [_normalised(image_a, face_a, padding) for padding in (CHIP_PADDING, WIDE_PADDING)]
    best = -1.0
    for mirrored in (False, True):
        b = [_normalised(image_b, face_b, padding, mirrored) for padding in (CHIP_PADDING, WIDE_PADDING)]
        best = max(best, min(float((x * y).sum()) for x, y in zip(a, b, strict=True)))
    return best


def _normalised(image: np.ndarray, face: Aligned, padding: float, mirrored: bool = False) -> np.ndarray:
    chip = extract_chip(image, chip_transform(face.landmarks5, CHIP_SIZE, padding))
    grey = cv2.GaussianBlur(cv2.cvtColor(chip[:, ::-1] if mirrored else chip, cv2.COLOR_RGB2GRAY).astype(np.float32),
                            (0, 0), BLUR_PX)
    margin = int(CHIP_SIZE * MARGIN)
    inner = grey[margin:CHIP_SIZE - margin, margin:CHIP_SIZE - margin]
    centred = inner - float(inner.mean())
    normalised: np.ndarray = centred / (float(np.linalg.norm(centred)) + 1e-6)
    return normalised
