"""Plain result objects every consumer (GUI, reports, review, CLI) reads.

They carry no engine internals: numbers, landmarks, maps and check verdicts,
with a lossless-enough JSON round-trip (maps as base64 float16) so results can
be cached, embedded in PDF reports and reloaded without re-running the network.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from typing import Any

import numpy as np

from pfiq_desktop.engine.filenames import path_from_text, path_text

# 2: profile_sha256 and models_sha256; 3: verdict and image_dpi; 4: image_transparent; 5: images_in_file; 6: checked;
# 7: no face embedding; 8: a check's `doubted`; 9: a face's `pose_landmarks` (older JSON still loads; fields this
# version does not know mean a newer version wrote the file)
SCHEMA_VERSION = 9


def looks_like_analysis(head: bytes) -> bool:
    """Whether a file's first bytes begin an analysis's JSON (`Analysis.to_dict` writes "schema" first): how a result
    given to `pfiq analyse` for a photo, or one truncated in a copy, is told from other files."""
    return head.lstrip().startswith(b"{") and b'"schema"' in head[:200]
DOUBT_MARK = "Not certain: "  # how a check's reason says a failed check made it uncertain (icao/checklist.py)


FACE_PRESENT = "face_present"  # the check that fails a photo with no face (every other face check is then not assessed)
STORED_TURNED_UNIT = "deg clockwise to upright"  # the unit of "Face present" failed on a photo stored turned


def stored_how(turn: float) -> str:
    """How a photo that must be turned by `turn` degrees clockwise to be upright is stored: "sideways", "upside down"."""
    return "upside down" if turn == 180 else "sideways"


def upright_by(turn: float) -> str:
    """The turn that makes such a photo upright, as the officer does it: "90 degrees anticlockwise" for 270."""
    return "180 degrees" if turn == 180 else f"90 degrees {'clockwise' if turn == 90 else 'anticlockwise'}"


def bound_side(value: float, bounds: dict[str, float]) -> int:
    """-1 where `value` lies below a check's lower bounds (fail_below, warn_below), +1 above its upper ones, else 0."""
    lows = [bounds[k] for k in ("fail_below", "warn_below") if k in bounds]
    highs = [bounds[k] for k in ("fail_above", "warn_above") if k in bounds]
    return -1 if lows and value < max(lows) else 1 if highs and value > min(highs) else 0


def engine_key(models_sha256: str, quality_estimator: str, map_method: str, app_version: str) -> str:
    """What an analysis depends on besides the photo and the profile: the cache key of finished analyses."""
    return "|".join((models_sha256, quality_estimator, map_method, app_version))


def engine_key_version(key: str) -> str:
    """The application version an engine key names (its last part)."""
    return key.rsplit("|", 1)[-1]


class Verdict(str, Enum):
    """Outcome of one check; ordered from best to worst by `severity`."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NOT_ASSESSABLE = "not_assessable"

    @property
    def severity(self) -> int:
        return {"pass": 0, "not_assessable": 1, "warn": 2, "fail": 3}[self.value]


@dataclass
class Evidence:
    """Geometry in photo pixels that shows where a check looked and what it found."""

    points: list[tuple[float, float]] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def has_geometry(self) -> bool:
        """Whether there is anything to draw on the photo (`regions` name face regions, drawn by the map)."""
        return bool(self.points or self.lines or self.boxes or self.polygons)


@dataclass
class CheckResult:
    """One requirement's verdict with the measurement behind it."""

    id: str
    name: str
    family: str
    verdict: Verdict
    reason: str
    value: float | None = None
    unit: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)
    face_index: int | None = None
    iso_measure: str = ""  # the ISO/IEC 29794-5 quality component it measures ('' when none), as other tools name it
    # its value in that component's unit and direction where `value` differs (a share, not mm; 1 - the probability of
    # a covered part)
    iso_value: float | None = None
    # a failure judged a warning because a check it is `doubted_by` failed (registry.Doubt): listed with a "?" as a
    # problem; a warning of its own is not (an imprecise pose reading on a dark face became "Head turned?": review)
    doubted: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        return data

    @property
    def turn(self) -> float | None:
        """On "Face present" failed for a photo stored sideways or upside down: the clockwise turn to upright."""
        return self.value if self.unit == STORED_TURNED_UNIT else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        data = dict(data)
        data["verdict"] = Verdict(data["verdict"])
        ev = data.get("evidence") or {}
        data["evidence"] = Evidence(
            points=[tuple(p) for p in ev.get("points", [])],
            lines=[tuple(line) for line in ev.get("lines", [])],
            boxes=[tuple(b) for b in ev.get("boxes", [])],
            polygons=[[tuple(p) for p in poly] for poly in ev.get("polygons", [])],
            regions=list(ev.get("regions", [])),
        )
        return cls(**data)


@dataclass
class ProfileSource:
    """One document a profile's values were taken from, and how far it was verified."""

    id: str
    title: str
    url: str
    retrieved: str = ""  # date the page was read
    basis: str = ""  # official | secondary | derived | icao-default | unverified | project
    clause: str = ""
    cited_in: str = ""  # the profile that lists it (a profile also carries the sources of the one it extends)


@dataclass
class PrintFormat:
    """The printed photo a profile asks for; mm sizes are measured on a photo printed at it (at the size the
    photo's stated dpi gives, when that is one of its sizes: mm_geometry.print_scale).

    `crown` says what the profile's head height measures to: "skull" (top of the head, hair
    ignored) or "hair" (top of the hair), which the landmarks cannot see.
    """

    width_mm: float
    height_mm: float
    width_mm_max: float | None = None  # the rule allows a range of sizes
    height_mm_max: float | None = None
    dpi: int = 0  # the print resolution the rule names: cited, not checked (resolution is judged by the eyes' distance in px)
    crown: str = "skull"

    def aspect_range(self) -> tuple[float, float]:
        """The narrowest and widest width:height the print's sizes allow (one value twice for a fixed size)."""
        return self.width_mm / (self.height_mm_max or self.height_mm), (self.width_mm_max or self.width_mm) / self.height_mm

    def aspect_text(self) -> str:
        """'0.778', or '0.700-0.889' for a range of sizes."""
        narrowest, widest = self.aspect_range()
        return f"{narrowest:.3f}" if widest == narrowest else f"{narrowest:.3f}-{widest:.3f}"

    def size_text(self) -> str:
        """'35 x 45 mm', or '35-40 x 45-50 mm' for a range of sizes."""

        def span(low: float, high: float | None) -> str:
            return f"{low:g}-{high:g}" if high and high != low else f"{low:g}"

        return f"{span(self.width_mm, self.width_mm_max)} x {span(self.height_mm, self.height_mm_max)} mm"


@dataclass
class ProfileInfo:
    """What a report cites about the profile a photo was checked under (its file may change or go later)."""

    title: str = ""
    version: str = ""
    print_format: PrintFormat | None = None
    rules: dict[str, str] = field(default_factory=dict)  # "glasses" -> "not allowed except medical (...)"
    sources: list[ProfileSource] = field(default_factory=list)
    not_assessable: dict[str, str] = field(default_factory=dict)  # check id -> why the profile cannot judge it
    switched_off: list[str] = field(default_factory=list)  # the checks the profile does not run (ids; names before 0.4.7)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileInfo:
        fmt = data.get("print_format")
        return cls(
            title=data.get("title", ""),
            version=data.get("version", ""),
            print_format=PrintFormat(**fmt) if fmt else None,
            rules=dict(data.get("rules", {})),
            sources=[ProfileSource(**s) for s in data.get("sources", [])],
            not_assessable=dict(data.get("not_assessable", {})),
            switched_off=list(data.get("switched_off", [])),
        )


@dataclass
class Face:
    """One detected face with its quality, embedding, pixel-level maps and findings in words.

    The embedding is a biometric template: it lives only in memory (`pfiq embed` prints it on request) and is never
    written with the rest (cache, JSON, PDF attachment, archive store), which a quality check does not need it for.

    `plq_chip` is the paper's pixel-level quality; `deviation_chip` the same utility
    compared with compliant faces at each place (engine/deviation.py: 0 = as in compliant
    photos, -2 and below clearly lower; empty where the map method has no reference).
    """

    box: tuple[int, int, int, int]
    detection_score: float
    landmarks: np.ndarray  # (68, 2) photo x, y
    landmarks5: np.ndarray  # (5, 2) photo x, y
    chip_transform: np.ndarray  # (2, 3) affine, photo -> 150x150 chip
    photo_shape: tuple[int, int]  # (height, width) of the photo the face lives in
    quality: float = float("nan")
    quality_raw: float = float("nan")
    embedding: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    plq_chip: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    regions: dict[str, float] = field(default_factory=dict)  # mean PLQ of each named region
    deviation_chip: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    region_deviation: dict[str, float] = field(default_factory=dict)  # mean deviation of each named region
    findings: list[str] = field(default_factory=list)
    attributes: dict[str, float] = field(default_factory=dict)  # the network probes' log-odds (engine/attributes.py); empty without
    detector: str = "hog"  # which detector found it: "hog", or "cnn" (the fallback; then detection_score is its confidence)
    # (68, 2) the points the head pose is read from (engine/faces.py, FaceDetector._pose_points); empty in results saved
    # before they were made, whose pose is then read from `landmarks`
    pose_landmarks: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))

    @property
    def plq(self) -> np.ndarray:
        """The paper's chip map warped onto the whole photo; NaN outside the face chip. Made anew at each use, never
        kept: kept on every face of an open folder, these photo-sized maps grew the window by 0.8 MB a 250 x 250 photo
        and 14 MB a 1200 x 1500 one, without bound (performance walk-through); the display cache keeps what it shows."""
        return self._on_photo(self.plq_chip)

    @property
    def deviation(self) -> np.ndarray:
        """The deviation map warped onto the whole photo; NaN outside the face (and everywhere without a map); made
        anew at each use, as `plq`."""
        return self._on_photo(self.deviation_chip)

    @property
    def chip_landmarks(self) -> np.ndarray:
        """The 68 landmarks in the aligned crop's pixels, where the maps, the region masks and the probes read."""
        from pfiq_desktop.engine.faces import photo_points_to_chip

        return photo_points_to_chip(self.landmarks, self.chip_transform)

    @property
    def plq_on_face(self) -> np.ndarray:
        """The paper's map as the views draw it: inside the face's outline only, as the deviation map is. Over the whole
        crop, the crop's border read red on every photo (the gradient falls off there), which a trainer's officers read
        as "the face's edges are poor" (map-reading walk-through)."""
        from pfiq_desktop.engine.deviation import face_area_chip

        if not self.plq_chip.size:
            return self.plq
        inside = face_area_chip(self.chip_landmarks, self.plq_chip.shape[0])
        return self._on_photo(np.where(inside, self.plq_chip, np.nan).astype(np.float32))

    def _on_photo(self, chip_map: np.ndarray) -> np.ndarray:
        from pfiq_desktop.engine.faces import warp_to_photo

        if not chip_map.size:
            return np.full(self.photo_shape, np.nan, np.float32)
        return warp_to_photo(chip_map, self.chip_transform, self.photo_shape)


_CHIP_MAPS = ("plq_chip", "deviation_chip")  # stored as STORED_MAP_DTYPE npy (compact; the maps' precision needs no more)
STORED_MAP_DTYPE = np.float16


def at_stored_precision(chip_map: np.ndarray) -> np.ndarray:
    """A chip map as a result file keeps it (STORED_MAP_DTYPE, read back as float32). The engine gives its maps this
    precision from the start, so a fresh analysis and a re-check of its saved result (another profile, the
    cache) judge the same numbers: the region means moved in the fourth decimal, near a bound a verdict."""
    return np.asarray(chip_map, np.float32).astype(STORED_MAP_DTYPE).astype(np.float32)
_FACE_ARRAYS = ("landmarks", "landmarks5", "pose_landmarks", "chip_transform", *_CHIP_MAPS)
_NOT_WRITTEN = ("embedding",)  # see Face


@dataclass
class Analysis:
    """Everything the engine found in one photo."""

    source: str
    image_size: tuple[int, int]  # (width, height)
    faces: list[Face] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    profile: str = ""
    profile_sha256: str = ""  # of the thresholds the checks ran under (the name alone can be reused)
    quality_estimator: str = ""
    map_method: str = ""
    backbone: str = ""
    model_sha256: str = ""  # the recognition network's file
    models_sha256: str = ""  # every model file the engine loads (engine.models.models_sha256)
    device: str = ""  # where the network ran: 'cpu' or 'cuda:0 (NVIDIA ...)'
    image_sha256: str = ""
    image_dpi: float | None = None  # the resolution the file states (sizes in mm use it when it gives the profile's print)
    image_transparent: float | None = None  # share of the file's pixels not fully opaque (None: saved before it was kept)
    images_in_file: int | None = None  # pages or frames the file holds; the first is analysed (None: saved before it was kept)
    app_version: str = ""
    created: str = ""  # when the photo was analysed (the network's run)
    # when its checklist was judged under `profile` (UTC, ISO 8601): later than `created` where the cached analysis
    # was re-checked under another profile ("" where saved before it was kept: then at `created`)
    checked: str = ""
    profile_info: ProfileInfo = field(default_factory=ProfileInfo)

    @property
    def ok(self) -> bool:
        """True when the photo could be analysed (it may still fail checks)."""
        return not self.errors

    @property
    def checked_at(self) -> str:
        """When the verdict under `profile` was made (an analysis saved before that was kept: when it was analysed)."""
        return self.checked or self.created

    def judged_under_other(self, profile: str, profile_sha256: str = "") -> bool:
        """Whether a decision recorded under this profile was taken under another than its checks ran under: another
        name, or another content where both hashes are known (an edited profile keeps its name); False when the
        decision recorded no profile."""
        known = profile_sha256 and self.profile_sha256
        return bool(profile) and (self.profile != profile or bool(known and self.profile_sha256 != profile_sha256))

    @property
    def engine_key(self) -> str:
        return engine_key(self.models_sha256, self.quality_estimator, self.map_method, self.app_version)

    @property
    def verdict(self) -> str:
        """Overall outcome: 'error', or the worst verdict of the photo's checks (its subject's, not bystanders')."""
        if self.errors:
            return "error"
        checks = self.subject_checks()
        if not checks:
            return Verdict.PASS.value if self.faces else Verdict.FAIL.value
        return max((c.verdict for c in checks), key=lambda v: v.severity).value

    @property
    def turn(self) -> float | None:
        """The clockwise turn that makes a photo stored sideways or upside down upright (nothing but "Face present" is
        then judged); None for a photo stored upright."""
        return next((c.turn for c in self.checks if c.id == FACE_PRESENT and c.turn is not None), None)

    @property
    def upright_face(self) -> bool:
        """Whether a face was found and judged: none, or one lying on its side in a photo stored turned, is a problem
        of the photo's own (`review.reasons.no_face_problem` words it)."""
        return bool(self.faces) and self.turn is None

    def subject_checks(self) -> list[CheckResult]:
        """The checks that decide the photo: photo-wide ones and those of its subject (face 1)."""
        return [c for c in self.checks if c.face_index in (None, 0)]

    def face_checks(self, index: int) -> list[CheckResult]:
        """What the checklist shows for one face of a group photo: photo-wide checks and that face's."""
        return [c for c in self.checks if c.face_index in (None, index)]

    def failed_checks(self) -> list[CheckResult]:
        """The subject's failed checks (what accepting the photo overrides), those that need a new photo first."""
        from pfiq_desktop.engine.icao.registry import in_fix_order

        return in_fix_order(c for c in self.subject_checks() if c.verdict is Verdict.FAIL)

    def photo_map(self, kind: str = "plq") -> np.ndarray | None:
        """All faces' maps of one kind ("plq" or "deviation") over the whole photo, NaN where no face; None
        when no face has that map.

        Where two faces' maps overlap the main face (index 0) wins: the photo is
        judged on its subject. Every view and report draws this one map.
        """
        maps = [face.plq_on_face if kind == "plq" else getattr(face, kind)
                for face in self.faces if getattr(face, f"{kind}_chip").size]
        if not maps:
            return None
        width, height = self.image_size
        combined = np.full((height, width), np.nan, np.float32)
        for face_map in reversed(maps):
            if face_map.shape == combined.shape:
                inside = np.isfinite(face_map)
                combined[inside] = face_map[inside]
        return combined

    def without_maps(self) -> Analysis:
        """A copy whose faces carry no pixel maps: what an archive store keeps of a photo nobody will look at
        (the two maps are about 80 % of the JSON). Verdicts, checks, findings and region means stay."""
        faces = [replace(face, plq_chip=np.zeros((0, 0), np.float32), deviation_chip=np.zeros((0, 0), np.float32))
                 for face in self.faces]
        return replace(self, faces=faces)

    def to_dict(self) -> dict[str, Any]:
        """Every field, with the overall `verdict` beside the checks for scripts (derived: not read back)."""
        data: dict[str, Any] = {"schema": SCHEMA_VERSION, "verdict": self.verdict}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "faces":
                value = [_face_to_dict(face) for face in value]
            elif f.name == "checks":
                value = [check.to_dict() for check in value]
            elif f.name == "profile_info":
                value = asdict(value)
            elif f.name == "source":  # valid UTF-8 for every JSON reader: a name that is not was written as lone
                value = path_text(value)  # surrogates, which jq turned into U+FFFD (international walk-through)
            data[f.name] = value
        return data

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=True)

    def judged_as(self, name: str, info: ProfileInfo) -> Analysis:
        """The same verdicts named as the profile that gives them today: its thresholds the same (the caller compares
        their hash), its name, version, rules or sources since changed (a profile author's new version read as the
        old in the report of a cached or saved result)."""
        return replace(self, profile=name, profile_info=info)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        if not isinstance(data.get("schema", 1), int) or data.get("schema", 1) > SCHEMA_VERSION:
            raise ValueError(f"schema {data.get('schema')!r}: written by a newer version of the application than this one")
        before_doubts = data.get("schema", 1) < 8
        data = {k: v for k, v in data.items() if k not in ("schema", "verdict")}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"fields {', '.join(unknown)} unknown to this version: written by a newer version of the application")
        data["source"] = path_from_text(data["source"])
        data["image_size"] = tuple(data["image_size"])
        if len(data["image_size"]) != 2 or not all(isinstance(side, int) and side >= 0 for side in data["image_size"]):
            raise ValueError(f"image_size {list(data['image_size'])} is not a width and height in pixels")
        data["faces"] = [_face_from_dict(face) for face in data.get("faces", [])]
        data["checks"] = [CheckResult.from_dict(c) for c in data.get("checks", [])]
        if before_doubts:  # a warning that said a failed check made it uncertain was listed as a doubted failure then
            data["checks"] = [replace(c, doubted=c.verdict is Verdict.WARN and DOUBT_MARK in c.reason) for c in data["checks"]]
        data["profile_info"] = ProfileInfo.from_dict(data.get("profile_info") or {})
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> Analysis:
        """ValueError (saying why) for text that is not an analysis written by `to_json`."""
        try:
            return cls.from_dict(json.loads(text))
        except (KeyError, TypeError, AttributeError, IndexError) as error:
            raise ValueError(f"not an analysis file ({type(error).__name__}: {error})") from error


def encode_array(array: np.ndarray) -> dict[str, str]:
    """Compact, portable encoding of a numeric array (npy bytes, base64)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return {"npy_base64": base64.b64encode(buffer.getvalue()).decode("ascii")}


def decode_array(data: dict[str, str]) -> np.ndarray:
    raw = base64.b64decode(data["npy_base64"])
    array: np.ndarray = np.load(io.BytesIO(raw), allow_pickle=False)
    return array


def _face_to_dict(face: Face) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in fields(face):
        if f.name in _NOT_WRITTEN:
            continue
        value = getattr(face, f.name)
        if f.name in _CHIP_MAPS:
            value = encode_array(value.astype(STORED_MAP_DTYPE))
        elif f.name in _FACE_ARRAYS:
            value = np.asarray(value).tolist()
        data[f.name] = value
    return data


def _face_from_dict(data: dict[str, Any]) -> Face:
    data = dict(data)
    data["box"] = tuple(data["box"])
    data["photo_shape"] = tuple(data["photo_shape"])
    for name in _CHIP_MAPS:
        if name in data:  # analyses saved before the deviation map have none
            data[name] = decode_array(data[name]).astype(np.float32)
    data["landmarks"] = np.asarray(data["landmarks"], np.float32).reshape(-1, 2)
    data["landmarks5"] = np.asarray(data["landmarks5"], np.float32).reshape(-1, 2)
    data["pose_landmarks"] = np.asarray(data.get("pose_landmarks", []), np.float32).reshape(-1, 2)
    data["chip_transform"] = np.asarray(data["chip_transform"], np.float64).reshape(2, 3)
    data.pop("embedding", None)  # written before schema 7: not kept
    return Face(**data)
