"""Face detection, landmarks and dlib-exact face-chip alignment.

Every pixel-level quality map is computed on a 150x150 face chip and must be drawn
back onto the photo, so the chip geometry has to be known exactly. Chip pixels come
from dlib's own ``extract_image_chip`` (the routine behind ``get_face_chip``): a NumPy
port of it matched dlib pixel for pixel but ran ~20x slower, and OpenCV cannot match
it (fixed-point bilinear weights, a different pyramid), so dlib does the sampling and
this module supplies the geometry.

Transforms are 2x3 float64 affine matrices mapping photo (x, y) to chip (x, y), with
integer coordinates at pixel centres (dlib's convention). They are the mapping dlib's
chip really has: when the chip is much smaller than the face, dlib samples from a
``pyramid_down<2>`` level, and each level sits (-0.5, +0.5) source pixels away from
where dlib's ``point_down`` says it is (its 1-4-6-4-1 filter centres output pixel i
on input 2i+2, ``point_up`` says 2i+2.5 / 2i+1.5). Such a chip's content is therefore
shifted by ``(-0.5, +0.5) * (2**levels - 1)`` photo pixels against dlib's
``get_mapping_to_chip``; :func:`chip_transform` includes that shift, so maps drawn
back onto the photo land where the chip's content came from.
"""

from __future__ import annotations

import logging
import math
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import cv2
import dlib
import numpy as np

from pfiq_desktop.engine.child_processes import spawn_pool
from pfiq_desktop.engine.models import MMOD_DETECTOR, SHAPE_PREDICTOR_5, SHAPE_PREDICTOR_68, verified_model_path

CHIP_SIZE = 150
CHIP_PADDING = 0.25

# Per pyramid level: where pyramid_down<2> centres a pixel minus where point_up() puts it.
_PYRAMID_OFFSET = np.array([-0.5, 0.5])

# MMOD box -> HOG-like box: MMOD's boxes sit up and left of HOG's by this fraction of the box width
# (x, y; median over 207 official and Yale portraits both detectors found). Shifted, the 68 landmarks
# land within median 0.015 (90th percentile 0.029) inter-eye distances of those from HOG's box.
MMOD_TO_HOG_SHIFT = (0.056, 0.069)
APART_TIMEOUT_S = 120  # a child process's search (about 0.5 s; its start about 1 s) is given up after this
FALLBACK_MAX_AREA = 4  # the fallback's copy holds at most this many squares of its short side (see _detect_cnn)
HOG_THRESHOLD = 0.2  # dlib HOG score a face needs (FaceDetector's docstring says why)
# The box the pose's landmarks are fitted in (`FaceDetector._pose_points`), from the 33 points the pose is fitted to
# (mirror-symmetric: brows, nose, eyes, mouth corners), in units of their RMS distance from their centroid: (the box
# centre's drop below the centroid, half the box's side). The medians of HOG's boxes on official portraits and their
# mirrors (dev half, 168 boxes), so the predictor sees the box it was trained with, placed where HOG places it on average.
POSE_BOX = (0.648, 2.056)
POSE_BOX_POINTS: tuple[int, ...] = (*range(17, 48), 48, 54)
# index i of the mirrored face's 68 points is point MIRRORED_68[i] of the face (jaw, brows, nose, eyes, mouth reversed)
MIRRORED_68: tuple[int, ...] = (
    *range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, *range(35, 30, -1),
    45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, *range(54, 47, -1), *range(59, 54, -1), *range(64, 59, -1), 67, 66, 65,
)
HOG_MAX_PIXELS = 300_000  # photos above this are searched on a downscaled copy
# A small photo is searched at 2x as well where 1x found a face: a second, smaller face beside it is found only there
# (two 175x216 portraits side by side read "1 face" and passed "Only one face"; usability walk-through). On 1187 LFW
# development photos (250x250) it finds 17 more faces, 15 of them bystanders seen by eye; none on 132 official
# portraits. Its cost, a search of 4x the pixels, is small under this size (a 250x250 photo: about 15 ms)
BESIDE_SEARCH_PIXELS = 100_000
# ... and so is a larger one whose widest face found at 1x is narrower than this share of it: a group photo (a
# portrait's face spans 0.38-0.69 of the official portraits' width; the dlib example group photo's subject 0.15, its
# second face missed). Its cost, up to 4x HOG_MAX_PIXELS, falls on photos that fail the head's width anyway
BESIDE_SEARCH_SHARE = 0.3
SAME_FACE_OVERLAP = 0.3  # a 2x face overlapping a 1x one by this much (intersection over union) is the same face
# Faces at least this share of the largest one's size are about as large: the one nearest the photo's centre is the
# subject. Once the 2x search found bystanders, "the largest" named one a few pixels larger than the centred subject. On
# the 3,261 LFW development photos (141 with two faces or more) 3 subjects change, each to the centred, named person
# (the named person at 0.83 and 0.97 of the bystander's size); at 0.9 only the second
AS_LARGE = 0.8
# A small photo showing no face is searched again in the middle of a grey canvas this many times its size (FaceDetector:
# tight crops). Extended Yale B's crops and the face-mask photos were padded so for the issue-15 figures.
TIGHT_CROP_PAD = 2.0
PAD_GREY = 128
# a photo this small or smaller (every 35 x 45 mm photo at 300 dpi is) in which no face was found is searched again:
# by HOG at 2x, and both detectors on a padded copy (FaceDetector's docstring)
SMALL_PHOTO_PIXELS = 500_000
FALLBACK_SIDE = 224  # the CNN fallback's copy: its shorter side, in pixels
FALLBACK_GAMMA = 0.5  # ... its tones lifted by this gamma (and last as they are, where no search found a face)
FALLBACK_THRESHOLD = 0.3  # ... and the confidence a face it finds needs

Detector = Literal["hog", "cnn"]
_Box = tuple[int, int, int, int]
_Found = tuple[int, int, int, int, float]  # an MMOD box (inclusive, in its search image) and its confidence

log = logging.getLogger(__name__)


@dataclass
class DetectedFace:
    """One face found in a photo.

    ``box`` is (left, top, right, bottom) in photo pixels with right/bottom inclusive,
    as dlib reports it; it may reach past the photo edge for faces cut by the border.
    Landmarks are x, y in photo pixels from dlib's 5- and 68-point shape predictors; for a face found on the padded
    copy of a tight crop (`FaceDetector`), those of its cut-off parts lie outside the photo, guessed over grey.
    """

    box: tuple[int, int, int, int]
    score: float
    landmarks5: np.ndarray
    landmarks68: np.ndarray
    detector: Detector = "hog"  # which detector found it: "cnn" is the fallback (then `score` is its confidence)
    # the 68 points the head pose is read from (`FaceDetector._pose_points`); empty where not made
    pose_landmarks68: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))


def _inside(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> bool:
    """Whether a face box (right and bottom inclusive) lies wholly inside a photo of `shape` (height, width, ...)."""
    left, top, right, bottom = box
    return left >= 0 and top >= 0 and right < shape[1] and bottom < shape[0]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    shared = max(width, 0) * max(height, 0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - shared
    return shared / union if union > 0 else 0.0


def _subject_first(faces: list[DetectedFace], shape: tuple[int, ...]) -> list[DetectedFace]:
    """`faces` (the largest first) with the subject first: of those as large as the largest (`AS_LARGE`) and as wholly
    inside the photo, the one nearest its centre."""
    if len(faces) < 2:
        return faces
    lead = faces[0]
    inside, size = _inside(lead.box, shape), box_size(lead.box)
    rivals = [f for f in faces if _inside(f.box, shape) == inside and box_size(f.box) >= AS_LARGE * size]
    subject = min(rivals, key=lambda f: _off_centre(f.box, shape))
    return [subject, *(f for f in faces if f is not subject)]


def _off_centre(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> float:
    """How far a face box's centre lies from the photo's, in pixels."""
    return float(np.hypot((box[0] + box[2] - shape[1] + 1) / 2, (box[1] + box[3] - shape[0] + 1) / 2))


def box_size(box: tuple[int, int, int, int]) -> float:
    """A face box's size as the side of the square of its area, in pixels: what "largest face" compares."""
    x0, y0, x1, y1 = box
    return float(np.sqrt(max(x1 - x0, 0) * max(y1 - y0, 0)))


class FaceDetector:
    """dlib HOG face detector plus both shape predictors, loaded once; dlib's CNN detector as a fallback.

    dlib's detector and predictors are not documented as thread-safe, so ``detect``
    holds a lock: one instance may be shared between threads (calls are serialised);
    use one instance per worker thread for parallel detection.

    Speed: HOG cost grows with the pixel count (about 30 ms for 600x800 on one core,
    21 ms at 0.3 MP), so photos above 0.3 MP are searched on a downscaled
    copy and the boxes mapped back; landmarks always use the full-resolution photo (HOG_MAX_PIXELS).
    At 0.3 MP the smallest face found in a 600x800 portrait is ~100 px, a quarter of
    a compliant subject's (the single-face check fails a second face at 0.3 of the
    subject's size); `eval_icao.py` gives the same figures at 0.3 and 0.48 MP. When nothing is
    found, or the photo is small or its faces narrow (BESIDE_SEARCH_*), the search is repeated
    once at 2x, which finds faces down to about 40 px instead of 80 px; dlib draws
    those boxes 36-40 px wide, so ``min_face_px`` (32) sits below them rather than at
    40, where it dropped exactly the faces the 2x search was run to find.

    HOG_THRESHOLD 0.2: below it dlib's HOG reports texture (a face-sized false
    detection on the astronaut's suit scores 0.00-0.12) while the weakest real
    faces in the shared group photos score 0.31 and more.

    Fallback: HOG misses most faces in strong side light (it found 33 of 527 Extended
    Yale B faces lit from 60 degrees or more) and many under face masks. Only when HOG
    found nothing, and ``fallback`` is on, dlib's MMOD CNN detector (its model ships in
    the same models package) searches a copy scaled so its shorter side is
    FALLBACK_SIDE px (down or up: MMOD misses faces under ~80 px, so a portrait is
    found while a face must fill ~40 % of the shorter side), its tones lifted by gamma
    FALLBACK_GAMMA (a half-dark face is what HOG missed), keeping detections of
    confidence FALLBACK_THRESHOLD or more. With it 96 % of the Extended Yale B photos
    have a face, and no face was found on 151 face-free images. It costs about 0.4 s of
    CPU per photo (dlib-bin runs the CNN without BLAS), so it never runs when HOG found a face.
    Last, where no search found a face (the padded one below included), the CNN searches each copy
    again with its tones as they are: the lift flattens a masked face in ordinary light, and such
    faces read "No face found" where an officer expects "Mouth or chin covered" (walk-through).
    It found the face in 10 of the 87 dev-half face-mask photos that had none (test half: 5 of 94;
    `benchmarks/eval_no_face.py`), every one then failing the mask check; none on 300 face-free
    images. It comes last, so no face found before changes, and not first because the plain copy
    finds fewer side-lit faces (81 of 150 sampled Extended Yale B photos, the lifted one 132, and
    none that one missed). A photo without a face pays for it: 1.0-1.7 s instead of 0.5-0.8 s on
    the walk-through's masked photos (one core; a small photo is searched padded too, below).

    Tight crops: a face that fills the photo leaves HOG's window and the CNN no margin (face-mask
    photos cropped to the face read "No face found"). A photo of at most SMALL_PHOTO_PIXELS
    in which neither found a face is searched again, both ways, in the middle of a grey canvas
    TIGHT_CROP_PAD times its size: 43 of 60 face-mask photos had a face found, 39 without; none on
    300 face-free crops. A small photo without a face therefore costs twice as much.

    dlib's HOG search lets other threads run; its CNN holds Python's lock for its whole call
    (about 0.5 s), which would freeze a window's event loop. With ``fallback_apart`` the CNN
    runs in one child process (started on first use; the same model and input give the same
    faces), and in this process again, with the reason logged, if that child dies.
    """

    def __init__(
        self,
        min_face_px: int = 32,
        fallback: bool = True,
        fallback_apart: bool = False,
    ) -> None:
        self.min_face_px = min_face_px
        self.fallback = fallback
        self._lift = (255.0 * (np.arange(256) / 255.0) ** FALLBACK_GAMMA + 0.5).astype(np.uint8)  # gamma lookup table
        # checked now, like every model file, so a damaged one stops the engine at start; loaded on first use
        self._cnn_path = verified_model_path(MMOD_DETECTOR) if fallback else None
        self._cnn: dlib.cnn_face_detection_model_v1 | None = None
        self._apart: ProcessPoolExecutor | None = None
        self.fallback_apart = fallback_apart
        self.apart_failures = 0  # searches the child process failed (then done here): the self-test reports them
        self._detector = dlib.get_frontal_face_detector()
        self._predictor5 = dlib.shape_predictor(str(verified_model_path(SHAPE_PREDICTOR_5)))
        self._predictor68 = dlib.shape_predictor(str(verified_model_path(SHAPE_PREDICTOR_68)))
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """All faces at least ``min_face_px`` on their shorter box side, the subject first: the largest face whose box
        lies inside the photo (else the largest), or of those about as large (`AS_LARGE`), the most central. The
        detector's most confident face was often a small one behind the subject; the largest alone was, in 2 of 4
        in-the-wild photos where the choice changed, a bystander cut by the photo's edge."""
        rgb = _as_rgb_uint8(rgb)
        with self._lock:
            image, offset = rgb, np.zeros(2, np.float32)
            copies = [(image, offset)]
            failures = self.apart_failures
            found = self._find(rgb)
            # a tight crop (class docstring), unless the fallback's child process just failed: it would be started
            # again and waited for again within the same call
            if (not found and self.fallback and rgb.shape[0] * rgb.shape[1] <= SMALL_PHOTO_PIXELS
                    and self.apart_failures == failures):
                image, offset = on_grey_canvas(rgb, TIGHT_CROP_PAD)
                copies.append((image, offset))
                found = self._find(image)
            # last, each copy searched again by the CNN in its tones as they are (class docstring); so too not after
            # its child process failed
            for copy, at in copies:
                if found or not self.fallback or self.apart_failures != failures:
                    break
                found, image, offset = self._detect_cnn(copy, lift=False), copy, at
            left, top = (round(v) for v in offset)
            faces = []
            for box, score, detector in found:
                if not self._large_enough(box):
                    continue
                rect = dlib.rectangle(*box)
                faces.append(
                    DetectedFace(
                        box=(box[0] - left, box[1] - top, box[2] - left, box[3] - top),
                        score=score,
                        landmarks5=_shape_points(self._predictor5(image, rect)) - offset,
                        landmarks68=(landmarks68 := _shape_points(self._predictor68(image, rect))) - offset,
                        detector=detector,
                        pose_landmarks68=self._pose_points(image, landmarks68) - offset,
                    )
                )
        faces.sort(key=lambda face: (_inside(face.box, rgb.shape), box_size(face.box)), reverse=True)
        return _subject_first(faces, rgb.shape)

    def _pose_points(self, image: np.ndarray, landmarks68: np.ndarray) -> np.ndarray:
        """The 68 points the head pose is read from: dlib's fit in a box made from `landmarks68` (POSE_BOX), averaged with
        its fit on the mirrored photo in the mirrored box, mirrored back. The predictor's points follow the box it is
        given, the nose less than the eyes, brows and mouth, and HOG's box steps by whole cells: official portrait
        020342's box, 4 px (6 %) to one side of its mirror's, read yaw 12.1 on the photo and -3.3 on its mirror, and 3.8
        at 2x (docs/EVALUATION.md, "Head pose")."""
        rigid = np.asarray(landmarks68, np.float64)[list(POSE_BOX_POINTS)]
        centre = rigid.mean(axis=0)
        spread = float(np.sqrt(((rigid - centre) ** 2).sum(axis=1).mean()))
        half, middle = POSE_BOX[1] * spread, centre[1] + POSE_BOX[0] * spread
        # the box and as much again around it, so a large photo is not copied whole to be mirrored
        x0, y0 = max(round(centre[0] - 3 * half), 0), max(round(middle - 3 * half), 0)
        crop = np.ascontiguousarray(image[y0:round(middle + 3 * half) + 1, x0:round(centre[0] + 3 * half) + 1])
        width = crop.shape[1]
        box = (round(centre[0] - half) - x0, round(middle - half) - y0, round(centre[0] + half) - x0, round(middle + half) - y0)
        fitted = _shape_points(self._predictor68(crop, dlib.rectangle(*box)))
        flipped = dlib.rectangle(width - 1 - box[2], box[1], width - 1 - box[0], box[3])
        seen = _shape_points(self._predictor68(np.ascontiguousarray(crop[:, ::-1]), flipped))[list(MIRRORED_68)]
        seen[:, 0] = width - 1 - seen[:, 0]
        points: np.ndarray = ((fitted + seen) / 2.0 + np.array([x0, y0], np.float32)).astype(np.float32)
        return points

    def _find(self, rgb: np.ndarray) -> list[tuple[_Box, float, Detector]]:
        """HOG's faces (on a copy of at most HOG_MAX_PIXELS; at 2x as well where 1x showed none, the copy is at most
        BESIDE_SEARCH_PIXELS or its faces are narrow: BESIDE_SEARCH_SHARE), else the CNN's."""
        height, width = rgb.shape[:2]
        grey = _hog_grey(rgb)
        scale_x = grey.shape[1] / width
        scale_y = grey.shape[0] / height
        found = self._hog(grey, 0, scale_x, scale_y)
        widest = max((box[2] - box[0] + 1 for box, _, _ in found), default=0)
        if not found or grey.size <= BESIDE_SEARCH_PIXELS or widest < BESIDE_SEARCH_SHARE * width:
            found += [face for face in self._hog(grey, 1, scale_x, scale_y)
                      if all(_overlap(face[0], known[0]) < SAME_FACE_OVERLAP for known in found)]
        if not found and self.fallback:
            found = self._detect_cnn(rgb)
        return found

    def _hog(self, grey: np.ndarray, upsample: int, scale_x: float, scale_y: float) -> list[tuple[_Box, float, Detector]]:
        """HOG's faces in `grey` searched at 2^`upsample` x, as boxes in photo pixels."""
        rects, scores, _ = self._detector.run(grey, upsample, HOG_THRESHOLD)
        return [(_box_to_photo(rect, scale_x, scale_y), float(score), "hog") for rect, score in zip(rects, scores)]

    def close(self, wait: bool = True) -> None:
        """Stop the fallback's child process, if one was started (a later fallback starts another); `wait` False
        leaves a hung child behind rather than hang with it."""
        if self._apart is not None:
            self._apart.shutdown(wait=wait, cancel_futures=True)
            self._apart = None

    def fallback_confidence(self, rgb: np.ndarray) -> float:
        """The CNN fallback's best confidence on `rgb` (its tones lifted, then as they are), unpadded; 0 where it finds
        no face of ``min_face_px``, or without ``fallback``: the second opinion `turned_face` asks for."""
        if not self.fallback:
            return 0.0
        rgb = _as_rgb_uint8(rgb)
        with self._lock:
            failures = self.apart_failures
            found = self._detect_cnn(rgb)
            if not found and self.apart_failures == failures:
                found = self._detect_cnn(rgb, lift=False)
        return max((score for box, score, _ in found if self._large_enough(box)), default=0.0)

    def _large_enough(self, box: _Box) -> bool:
        """Whether a found face's box is at least ``min_face_px`` on its shorter side."""
        return min(box[2] - box[0] + 1, box[3] - box[1] + 1) >= self.min_face_px

    def _search_cnn(self, image: np.ndarray) -> list[_Found]:
        """MMOD's detections of `image`, in the child process when ``fallback_apart`` (see the class docstring)."""
        if self.fallback_apart:
            try:
                if self._apart is None:
                    self._apart = spawn_pool(1)
                return self._apart.submit(_mmod_search, str(self._cnn_path), image).result(timeout=APART_TIMEOUT_S)
            except (BrokenProcessPool, OSError, TimeoutError):
                log.exception("the face detector's fallback process failed; searching in this process")
                self.apart_failures += 1
                self.close(wait=False)
        if self._cnn is None:
            self._cnn = dlib.cnn_face_detection_model_v1(str(self._cnn_path))
        return _mmod_found(self._cnn, image)

    def _detect_cnn(self, rgb: np.ndarray, lift: bool = True) -> list[tuple[_Box, float, Detector]]:
        """MMOD's faces as HOG-like boxes in photo pixels, searched on a copy with its tones lifted, or as they are
        (see the class docstring)."""
        height, width = rgb.shape[:2]
        # The copy's area is capped at FALLBACK_MAX_AREA x side^2: a 32 x 10000 strip scaled to a 224 px short
        # side would be 15 MP and take minutes; capped, a long strip is searched at a smaller scale in ~1 s.
        factor = min(FALLBACK_SIDE / min(height, width),
                     float(np.sqrt(FALLBACK_MAX_AREA * FALLBACK_SIDE**2 / (height * width))))
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if factor < 1.0 else cv2.INTER_LINEAR)
        scale_x, scale_y = size[0] / width, size[1] / height
        found: list[tuple[_Box, float, Detector]] = []
        for *box, confidence in self._search_cnn(self._lift[small] if lift else small):
            if confidence < FALLBACK_THRESHOLD:
                continue
            left, top, right, bottom = _box_to_photo(dlib.rectangle(*box), scale_x, scale_y)
            shift_x = round(MMOD_TO_HOG_SHIFT[0] * (right - left + 1))
            shift_y = round(MMOD_TO_HOG_SHIFT[1] * (right - left + 1))
            found.append(((left + shift_x, top + shift_y, right + shift_x, bottom + shift_y), confidence, "cnn"))
        return found


_TURNS = ((90, cv2.ROTATE_90_CLOCKWISE), (270, cv2.ROTATE_90_COUNTERCLOCKWISE), (180, cv2.ROTATE_180))
# a turned copy must show a clear face: weak HOG hits (0.3-0.9) on upright masked faces told applicants to turn an
# upright photo (docs/EVALUATION.md, benchmarks/eval_turned.py); a weaker one counts where the CNN fallback confirms it
TURNED_FACE_THRESHOLD = 0.9
_turn_search_lock = threading.Lock()


@cache
def _turn_detector() -> dlib.fhog_object_detector:
    return dlib.get_frontal_face_detector()


def _hog_grey(rgb: np.ndarray) -> np.ndarray:
    """The grey copy HOG searches, of at most HOG_MAX_PIXELS (on grey HOG is ~25% faster than on RGB and finds the same
    faces)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    scale = min(1.0, math.sqrt(HOG_MAX_PIXELS / (height * width)))
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    return grey


def turned_face(rgb: np.ndarray, detector: FaceDetector | None = None, upright: float = 0.0) -> int:
    """The clockwise turn (90, 270 or 180 degrees) at which dlib's HOG finds a face in a photo where none was found
    upright; 0 when no turn shows one. A scan or a photo stored sideways without its EXIF orientation otherwise
    reads only "no face found". About 100 ms per turn (1x and 2x), so only for photos without an upright face.

    A turn where HOG's face is weaker than TURNED_FACE_THRESHOLD (but at least HOG_THRESHOLD) counts where `detector`'s
    CNN fallback finds a face on that turned copy more confident than `upright`, its confidence on the photo as stored
    (0: none found). A portrait with glasses HOG reads at 0.57-0.76 turned, which the CNN reads at 1.06-1.08, read "No
    face found" both ways (walk-through); the two weak turned hits on upright masked faces the threshold is there for,
    the CNN reads at 0. About 0.3 s more (45 ms -> 320-340 ms), only for a photo with such a weak hit and no clear
    one. Of 450 official portraits stored turned 450 are named (429 by HOG alone), of 1,552 upright photos without a
    HOG face still none (`benchmarks/eval_turned.py`)."""
    rgb = _as_rgb_uint8(rgb)
    grey = _hog_grey(rgb)
    weak = []  # the turns where HOG saw only a weak face
    with _turn_search_lock:  # dlib's detector is not documented as thread-safe
        for degrees, turn in _TURNS:
            # searched at 1x and 2x, as the upright search is: a 44 px face was missed at 1x, and a portrait HOG reads
            # at 2.1 at 1x read 0.78 at 2x, so the fallback detector's sideways face was analysed as a masked one (third
            # walk-through: "Remove the mask, scarf or hand")
            turned = cv2.rotate(grey, turn)
            scores: list[float] = []
            for upsample in (0, 1):
                scores += _turn_detector().run(turned, upsample, HOG_THRESHOLD)[1]
                if max(scores, default=HOG_THRESHOLD) >= TURNED_FACE_THRESHOLD:
                    return degrees
            if scores:
                weak.append((degrees, turn))
    if detector is None:
        return 0
    return next((degrees for degrees, turn in weak if detector.fallback_confidence(cv2.rotate(rgb, turn)) > upright), 0)


def _mmod_found(model: dlib.cnn_face_detection_model_v1, image: np.ndarray) -> list[_Found]:
    """The model's detections as plain tuples (they cross a process boundary; dlib's objects do not pickle)."""
    return [(d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom(), float(d.confidence)) for d in model(image, 0)]


@cache
def _mmod_model(path: str) -> dlib.cnn_face_detection_model_v1:
    return dlib.cnn_face_detection_model_v1(path)


def _mmod_search(path: str, image: np.ndarray) -> list[_Found]:
    """The fallback's child process: the model loaded once, one search per call."""
    return _mmod_found(_mmod_model(path), image)


def on_grey_canvas(rgb: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
    """`rgb` in the middle of a grey canvas `factor` times its size, and where its top-left corner lies (x, y)."""
    height, width = rgb.shape[:2]
    top, left = round(height * (factor - 1) / 2), round(width * (factor - 1) / 2)
    canvas = np.full((height + 2 * top, width + 2 * left, 3), PAD_GREY, np.uint8)
    canvas[top : top + height, left : left + width] = rgb
    return canvas, np.array([left, top], np.float32)


def _as_rgb_uint8(rgb: np.ndarray) -> np.ndarray:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 HxWx3 image, got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def _box_to_photo(
    rect: dlib.rectangle, scale_x: float, scale_y: float
) -> tuple[int, int, int, int]:
    """Map an inclusive dlib box from the (downscaled) search image to photo pixels."""
    if scale_x == 1.0 and scale_y == 1.0:
        return rect.left(), rect.top(), rect.right(), rect.bottom()
    return (
        round(rect.left() / scale_x),
        round(rect.top() / scale_y),
        round((rect.right() + 1) / scale_x) - 1,
        round((rect.bottom() + 1) / scale_y) - 1,
    )


def _shape_points(shape: dlib.full_object_detection) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


# ----------------------------------------------------------------------------------
# Alignment


@dataclass(frozen=True)
class _ChipGeometry:
    """dlib's chip_details for one square chip: rect (photo pixels), angle, size."""

    left: float
    top: float
    right: float
    bottom: float
    angle: float
    size: int

    @property
    def levels(self) -> int:
        """How many pyramid_down<2> levels dlib samples from (its rect_down area loop)."""
        # rect_down maps both corners p -> p / 2 - const, i.e. halves right - left;
        # drectangle width is right - left + 1.
        span_x, span_y = self.right - self.left, self.bottom - self.top
        levels = 0
        while True:
            span_x, span_y = span_x / 2.0, span_y / 2.0
            if (span_x + 1) * (span_y + 1) <= self.size * self.size:
                return levels
            levels += 1

    def chip_to_photo(self) -> np.ndarray:
        """dlib's nominal chip->photo map: chip corners onto the rotated rect corners."""
        cos_a, sin_a = math.cos(self.angle), math.sin(self.angle)
        rotation = np.array([[cos_a, -sin_a], [sin_a, cos_a]])
        centre = np.array([(self.left + self.right) / 2.0, (self.top + self.bottom) / 2.0])
        steps = np.diag([self.right - self.left, self.bottom - self.top]) / (self.size - 1)
        origin = rotation @ (np.array([self.left, self.top]) - centre) + centre
        return np.column_stack([rotation @ steps, origin])

    def chip_details(self) -> dlib.chip_details:
        return dlib.chip_details(
            dlib.drectangle(self.left, self.top, self.right, self.bottom),
            dlib.chip_dims(self.size, self.size),
            self.angle,
        )


def _geometry_from_landmarks(landmarks5: np.ndarray, size: int, padding: float) -> _ChipGeometry:
    points = np.asarray(landmarks5, dtype=np.float64)
    if points.shape != (5, 2):
        raise ValueError(f"expected 5 landmarks as a (5, 2) array, got {points.shape}")
    # dlib keeps landmarks as integer points, so the chip is defined on rounded ones.
    parts = [dlib.point(int(math.floor(x + 0.5)), int(math.floor(y + 0.5))) for x, y in points]
    shape = dlib.full_object_detection(dlib.rectangle(0, 0, 1, 1), parts)
    details = dlib.get_face_chip_details(shape, size, padding)
    rect = details.rect
    return _ChipGeometry(rect.left(), rect.top(), rect.right(), rect.bottom(), details.angle, size)


def _geometry_from_transform(transform: np.ndarray, size: int) -> _ChipGeometry:
    """Undo :func:`chip_transform`: recover dlib's rect and angle from the affine."""
    chip_to_photo = invert_transform(transform)
    linear = chip_to_photo[:, :2]
    angle = math.atan2(linear[1, 0], linear[0, 0])
    half = math.hypot(linear[0, 0], linear[1, 0]) * (size - 1) / 2.0
    geometry = _ChipGeometry(-half, -half, half, half, angle, size)
    centre = chip_to_photo @ np.array([(size - 1) / 2.0, (size - 1) / 2.0, 1.0])
    centre -= _PYRAMID_OFFSET * (2**geometry.levels - 1)
    return _ChipGeometry(
        centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half, angle, size
    )


def invert_transform(transform: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine transform."""
    full = np.vstack([np.asarray(transform, dtype=np.float64), [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]


def chip_transform(
    landmarks5: np.ndarray, size: int = CHIP_SIZE, padding: float = CHIP_PADDING
) -> np.ndarray:
    """2x3 photo->chip affine of ``dlib.get_face_chip(img, shape5, size, padding)``.

    Uses dlib's own ``get_face_chip_details`` for the similarity fit, then adds the
    pyramid offset described in the module docstring.
    """
    geometry = _geometry_from_landmarks(landmarks5, size, padding)
    effective = geometry.chip_to_photo()
    effective[:, 2] += _PYRAMID_OFFSET * (2**geometry.levels - 1)
    return invert_transform(effective)


def extract_chip(
    rgb: np.ndarray, transform_or_face: np.ndarray | DetectedFace, size: int = CHIP_SIZE
) -> np.ndarray:
    """The face chip exactly as ``dlib.get_face_chip`` makes it (size x size, uint8).

    Accepts a :class:`DetectedFace` (default padding) or a transform returned by
    :func:`chip_transform` with the same ``size``. The pixels come from dlib's own
    ``extract_image_chip`` (the routine behind ``get_face_chip``), so they are dlib's;
    any HxW or HxWx3 uint8 image works, e.g. to cut a mask out with the same geometry.
    """
    if isinstance(transform_or_face, DetectedFace):
        geometry = _geometry_from_landmarks(transform_or_face.landmarks5, size, CHIP_PADDING)
    else:
        transform = np.asarray(transform_or_face, dtype=np.float64)
        geometry = _geometry_from_transform(transform, size)
    image = np.ascontiguousarray(rgb)
    if image.dtype != np.uint8 or image.shape[2:] not in ((), (3,)):
        raise ValueError(
            f"extract_chip needs a uint8 HxW or HxWx3 image, got {image.dtype} {image.shape}"
        )
    chip: np.ndarray = dlib.extract_image_chip(image, geometry.chip_details())
    return chip


# ----------------------------------------------------------------------------------
# Chip <-> photo


def photo_points_to_chip(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Map (N, 2) photo x, y to chip x, y."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = np.asarray(transform, dtype=np.float64)
    return pts @ m[:, :2].T + m[:, 2]


def chip_points_to_photo(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Map (N, 2) chip x, y back to photo x, y."""
    return photo_points_to_chip(points, invert_transform(transform))


def warp_to_photo(
    chip_map: np.ndarray, transform: np.ndarray, photo_shape: tuple[int, ...]
) -> np.ndarray:
    """Draw a chip-space map onto the photo (bilinear); NaN where the chip has no data.

    The footprint is where bilinear interpolation between chip pixel centres is
    defined, i.e. photo pixels whose chip position lies within [0, size-1] on both axes.
    """
    chip_map = np.asarray(chip_map, dtype=np.float32)
    height, width = int(photo_shape[0]), int(photo_shape[1])
    rows, cols = chip_map.shape
    out = np.full((height, width), np.nan, dtype=np.float32)
    corners = chip_points_to_photo(
        np.array([[0, 0], [cols - 1, 0], [0, rows - 1], [cols - 1, rows - 1]]), transform
    )
    x0 = max(math.floor(corners[:, 0].min()), 0)
    y0 = max(math.floor(corners[:, 1].min()), 0)
    x1 = min(math.ceil(corners[:, 0].max()), width - 1)
    y1 = min(math.ceil(corners[:, 1].max()), height - 1)
    if x1 < x0 or y1 < y0:
        return out
    px, py = np.meshgrid(
        np.arange(x0, x1 + 1, dtype=np.float64), np.arange(y0, y1 + 1, dtype=np.float64)
    )
    m = np.asarray(transform, dtype=np.float64)
    u = m[0, 0] * px + m[0, 1] * py + m[0, 2]
    v = m[1, 0] * px + m[1, 1] * py + m[1, 2]
    inside = (u >= 0) & (u <= cols - 1) & (v >= 0) & (v <= rows - 1)
    warped = cv2.remap(
        chip_map,
        u.astype(np.float32),
        v.astype(np.float32),
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    region = out[y0 : y1 + 1, x0 : x1 + 1]
    region[inside] = warped[inside]
    return out
