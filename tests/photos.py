"""Photos for the tests: the bundled public-domain portraits, what the tests make from them, and the
developers' optional data folder.

- `tests/fixtures/portraits/`: 20 official U.S. Congress portraits (public domain, see
  tests/fixtures/SOURCES.md). Every test that needs "some real portraits" uses these, so a fresh
  clone runs the whole product suite.
- Generated here from them: more photo files than there are portraits (`write_portraits`), group
  photos (`group_photo`), cut-off faces (`crop_top`). Defects (blur, lost resolution, JPEG) come from the
  engine's own `disturbances.defects`.
- `../shared/data/faces`: the developers' large, partly research-only data sets. The scientific
  evaluation's quick run and a few real-photo checks use it when `shared_missing` says it is there
  (real genuine pairs, other tools' files), and otherwise run on photos made from the bundled
  portraits: no test skips for want of it. `PFIQ_TEST_NO_SHARED=1` makes them behave as if the
  folder were absent (and tests/conftest.py then fails any test that still opens a file in it).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
PORTRAITS = FIXTURES / "portraits"
SHARED_FACES = REPO.parent / "shared" / "data" / "faces"
NO_SHARED_ENV = "PFIQ_TEST_NO_SHARED"
# An engine's maps carry the precision a result file keeps (results.at_stored_precision): two computations that agree
# to float32 noise may round one step apart (2**-11 below 1), so maps through the engine agree within this.
ENGINE_MAP_TOLERANCE = float(np.finfo(np.float16).eps)
BROKEN_NAME = "zz_broken.jpg"  # sorts after every photo `write_portraits` makes


# ------------------------------------------------------------------ bundled portraits


def portrait_paths(count: int | None = None) -> list[Path]:
    """The bundled portraits in name order (the first `count`)."""
    paths = sorted(PORTRAITS.glob("*.jpg"))
    assert paths, f"the bundled test portraits are missing from {PORTRAITS}"
    return paths[:count]


def load_portrait(index: int = 0) -> np.ndarray:
    """Bundled portrait number `index` as RGB uint8."""
    from pfiq_desktop.engine.imageio import load_image

    return load_image(portrait_paths()[index])


def save_rgb(path: Path, image: np.ndarray, quality: int = 92) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params):
        raise OSError(f"could not write {path}")
    return path


def variant(image: np.ndarray, round_: int) -> np.ndarray:
    """Another real-looking photo made from a portrait (mirrored on odd rounds, a little brighter each round),
    so that more photo files than bundled portraits still have distinct content and hashes."""
    out = image[:, ::-1] if round_ % 2 else image
    gain = 1.0 + 0.04 * round_
    return np.clip(out.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def write_portraits(folder: Path, n: int, broken: bool = True) -> Path:
    """`n` portrait photos in `folder`: the bundled ones first (same bytes and names), then variants named
    v<round>_<name>.jpg; with `broken`, also a damaged file zz_broken.jpg (text with a .jpg name)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = portrait_paths()
    for k in range(n):
        round_, src = divmod(k, len(sources))
        src = sources[src]
        if round_ == 0:
            (folder / src.name).write_bytes(src.read_bytes())
        else:
            save_rgb(folder / f"v{round_}_{src.name}", variant(load_portrait(sources.index(src)), round_))
    if broken:
        (folder / BROKEN_NAME).write_bytes(b"this is not a jpeg")
    return folder


# ------------------------------------------------------------------ generated photos


def group_photo(images: list[np.ndarray], height: int = 300, gap: int = 12) -> np.ndarray:
    """Portraits side by side on one grey canvas, each scaled to `height`: a group photo of len(images) people.
    At the bundled portraits' own size (~220 px) the detector misses some of the ~75 px faces; at 300 px it
    finds every one."""
    scaled = [cv2.resize(im, (round(im.shape[1] * height / im.shape[0]), height), interpolation=cv2.INTER_CUBIC) for im in images]
    width = sum(im.shape[1] for im in scaled) + gap * (len(scaled) + 1)
    canvas = np.full((height + 2 * gap, width, 3), 200, np.uint8)
    x = gap
    for im in scaled:
        canvas[gap : gap + height, x : x + im.shape[1]] = im
        x += im.shape[1] + gap
    return canvas


def crop_top(image: np.ndarray, landmarks68: np.ndarray, above_brows: float = 0.25) -> np.ndarray:
    """The photo cut just above the eyebrows (by `above_brows` of the brow-to-chin height): the crown is off
    the picture, as in a badly framed photo, while the face itself stays detectable."""
    brows = float(landmarks68[17:27, 1].min())
    chin = float(landmarks68[8, 1])
    top = max(0, int(brows - above_brows * (chin - brows)))
    return np.ascontiguousarray(image[top:])


# a light-blue surgical mask on bundled portrait 015021, which only the CNN fallback's search of its tones as they are
# finds (`faces.FaceDetector`)
MASKED_PORTRAIT = 6
MASK_BLUE = (150, 185, 215)


def masked(image: np.ndarray, landmarks68: np.ndarray, colour: tuple[int, int, int] = MASK_BLUE) -> np.ndarray:
    """The photo with a face mask painted from the nose bridge to under the chin, jaw to jaw."""
    from pfiq_desktop.engine.icao.regions import polygon_mask

    top = landmarks68[29, 1]
    outline = np.vstack([[landmarks68[1, 0], top], landmarks68[2:15], [landmarks68[15, 0], top]])
    out = image.copy()
    out[polygon_mask(outline, image.shape[:2])] = colour
    return out


# ------------------------------------------------------------------ the developers' data (optional)


def shared_hidden() -> bool:
    """True when PFIQ_TEST_NO_SHARED asks the tests to act as on a fresh clone without ../shared."""
    return os.environ.get(NO_SHARED_ENV, "").strip() not in ("", "0")


def shared_missing(*subfolders: str) -> str | None:
    """Why the developers' data cannot be used (naming the folders needed and their state), or None when it can."""
    wanted = [SHARED_FACES / s for s in subfolders] or [SHARED_FACES]
    if shared_hidden():
        state = f"hidden by {NO_SHARED_ENV}=1"
    else:
        absent = [p for p in wanted if not p.is_dir()]
        if not absent:
            return None
        state = "absent: " + ", ".join(str(p) for p in absent)
    names = ", ".join(f"../shared/data/faces/{s}" for s in subfolders) or "../shared/data/faces"
    return f"needs the developers' data {names} (not part of the repository, not needed for the product; {state})"


def refuse_shared_reads(event: str, args: tuple) -> None:
    """Audit hook installed under PFIQ_TEST_NO_SHARED: any file opened or folder listed in ../shared is an error."""
    if event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    target = args[0]
    if isinstance(target, int) or target is None:
        return
    try:
        path = os.path.abspath(os.fsdecode(target))
    except TypeError:
        return
    if path == str(SHARED_FACES) or path.startswith(str(SHARED_FACES) + os.sep):
        raise PermissionError(f"a test read the developers' data {path} although {NO_SHARED_ENV}=1 hides it")
