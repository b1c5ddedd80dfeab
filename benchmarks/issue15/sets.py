"""The labelled photo sets of issue 15, each photo with its identity, dev/test split and labels.

Splits are the research's, so figures stay comparable: the eye sets carry their split in
`benchmarks/labels/*_eyes.csv` (by identity, seed 15) and the head-covering labels in
`lfw_head_covering.csv`; the covering, mask and side-light sets use `cover_split` (a salted
hash of the identity). Dev is what constants were fitted and thresholds chosen on; test is
reported.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pfiq_desktop.engine.faces import TIGHT_CROP_PAD  # Extended Yale B and the mask crops are padded so before detecting

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "benchmarks" / "labels"
DATA = ROOT / ".." / "shared" / "data" / "faces"
COVER_SEED = "pfiq-issue15-facecover"  # the covering/mask/light research's split salt
BUNDLED_PORTRAITS = ROOT / "tests" / "fixtures" / "portraits"  # the tests' own official portraits


@dataclass(frozen=True)
class Photo:
    key: str  # file name relative to its root (the id in --details)
    path: Path
    identity: str
    split: str  # "dev" | "test"
    labels: dict[str, str] = field(default_factory=dict)
    pad: float = 1.0


def cover_split(identity: str) -> str:
    """'dev' or 'test' for an identity: half each by a salted SHA-256 (covering, mask, light sets)."""
    return "dev" if hashlib.sha256((COVER_SEED + identity).encode()).digest()[0] % 2 == 0 else "test"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def eye_set(name: str, root: Path, strip: str = "") -> list[Photo]:
    """`labels/<name>_eyes.csv`: left / right eye state and glasses per photo, split by identity."""
    return [
        Photo(r["file"], root / r["file"][len(strip):], r["subject"], r["split"],
              {"left": r["left"], "right": r["right"], "glasses": r["glasses"]})
        for r in _rows(LABELS / f"{name}_eyes.csv")
    ]


def yale_light() -> list[Photo]:
    """Yale faces by lighting condition (duplicates of an earlier file left out)."""
    rows = _rows(DATA / "defects_yale" / "labels.csv")
    return [Photo(f"defects_yale/{r['file']}", DATA / "defects_yale" / r["file"], r["subject"], cover_split(r["subject"]),
                  {"condition": r["yale_condition"]}) for r in rows if not r["identical_to"]]


def official_cover() -> list[Photo]:
    """Official portraits; the manifest's one hat (021118) is a covering, the rest clean negatives."""
    rows = _rows(DATA / "portraits_official" / "manifest.csv")
    return [Photo(f"portraits_official/{r['file']}", DATA / "portraits_official" / r["file"], r["file"], cover_split(r["file"]),
                  {"covering": "yes" if "head covering" in r["icao_note"] else "no"}) for r in rows]


def lfw_cover() -> list[Photo]:
    """All LFW dev photos with a head covering label (yes / no / excluded) and its kind."""
    return [Photo(r["file"], DATA / r["file"], r["identity"], r["split"], {"covering": r["covering"], "kind": r["kind"]})
            for r in _rows(LABELS / "lfw_head_covering.csv")]


def lfw_beards() -> dict[str, str]:
    """`labels/lfw_beard.csv`: beard / moustache / stubble / none / unsure by file, for LFW photos the covering set holds."""
    return {r["file"]: r["beard"] for r in _rows(LABELS / "lfw_beard.csv")}


def lfw_occluders() -> dict[str, str]:
    """`labels/lfw_face_occluders.csv` by file: "mouth" where a hand or an object surely covers the mouth, the nose or
    much of the chin, "other" where it covers only the cheek, the eyes or the chin's edge, or the overlap is in doubt.
    LFW photos not listed have no such occluder."""
    def kind(row: dict[str, str]) -> str:
        covers = set(row["region"].split("+"))
        over_mouth = bool(covers & {"mouth", "nose"}) or ("chin" in covers and row["amount"] == "large")
        return "mouth" if over_mouth and row["unsure"] == "no" else "other"

    return {r["file"]: kind(r) for r in _rows(LABELS / "lfw_face_occluders.csv")}


def identity_tones() -> dict[str, str]:
    """Each LFW development identity's skin tone as a rater saw it (`labels/lfw_identity_tone.csv`: light, medium,
    dark or unsure)."""
    return {r["identity"]: r["tone"] for r in _rows(LABELS / "lfw_identity_tone.csv")}


def tight_crops(folder: str) -> list[Photo]:
    """defects_masks_dev / defects_yaleb_light_dev: `label` per photo, padded before detection."""
    return [Photo(f"{folder}/{r['file']}", DATA / folder / r["file"], r["identity"], cover_split(r["identity"]),
                  {"label": r["label"]}, TIGHT_CROP_PAD) for r in _rows(DATA / folder / "labels.csv")]


@cache
def _bundled_names() -> frozenset[str]:
    return frozenset(path.name for path in BUNDLED_PORTRAITS.iterdir())


def is_bundled_portrait(photo: Photo) -> bool:
    """Whether a labelled official portrait is one the tests bundle (tests/fixtures/portraits): never fitted on, so
    the tests judge a probe on photos it never saw."""
    return photo.key.startswith("portraits_official/") and photo.path.name in _bundled_names()


def mouth_set() -> list[Photo]:
    """Mouths labelled `teeth` (teeth showing or lips apart) or `closed`: the official portraits (their split column),
    the LFW sample (`cover_split` by identity) and Yale's expressions (happy and surprised open the mouth; the other
    conditions are neutral), dev = odd subjects as the lip gap's bound was chosen (benchmarks/eval_mouth.py)."""
    official = [Photo(r["file"], DATA / r["file"], r["file"], r["split"], {"mouth": r["mouth"]})
                for r in _rows(LABELS / "official_mouth.csv") if r["mouth"] != "uncertain"]
    lfw = [Photo(r["file"], DATA / r["file"], r["identity"], cover_split(r["identity"]), {"mouth": r["mouth"]})
           for r in _rows(LABELS / "lfw_mouth.csv") if r["mouth"] != "uncertain"]
    yale = [Photo(f"defects_yale/{r['file']}", DATA / "defects_yale" / r["file"], r["subject"],
                  "dev" if int(r["subject"][-2:]) % 2 else "test",
                  {"mouth": "teeth" if r["yale_condition"] in ("happy", "surprised") else "closed"})
            for r in _rows(DATA / "defects_yale" / "labels.csv") if not r["identical_to"]]
    return [*official, *lfw, *yale]


def all_sets(samples_dir: Path) -> dict[str, Callable[[], list[Photo]]]:
    """Loaders by set name; the bundled samples are written to `samples_dir` first."""
    return {
        "yale": lambda: eye_set("yale", DATA),
        "official": lambda: eye_set("official", DATA),
        "lfw": lambda: eye_set("lfw", DATA),
        "misc": lambda: eye_set("misc", DATA),
        "samples": lambda: eye_set("samples", samples_dir, "samples/"),
        "yale_light": yale_light,
        "official_cover": official_cover,
        "lfw_cover": lfw_cover,
        "masks": lambda: tight_crops("defects_masks_dev"),
        "yaleb": lambda: tight_crops("defects_yaleb_light_dev"),
    }
