"""Synthetic eye-region defects drawn onto the clean official portraits (fixed seed), for the eye-occlusion
and glasses rows: sunglasses (dark lenses), tinted (light tint, eyes visible), clear (frames only),
patch (one eye, dark or beige, with a strap), hand (fingers over one eye), hair (dark strands over one eye).

The research's generator (/work/scratch/eyes/synth.py) moved here unchanged in what it draws: the same
seed, the portraits in the same order and the same landmarks give the same photos. Each synthetic photo
inherits its base portrait's split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.issue15.facecache import CachedFace, FaceCache
from benchmarks.issue15.sets import Photo
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.evaluation.figures import save_png

SEED = 20240615
WINK_SEED = 15  # which eye each synthetic wink closes
KINDS = ("sunglasses", "tinted", "clear", "patch", "hand", "hair")


def rot(v: np.ndarray, c: float, s: float) -> np.ndarray:
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def ellipse_mask(shape: tuple[int, ...], centre: Any, axes: tuple[float, float], angle: float) -> np.ndarray:
    m = np.zeros(shape[:2], np.uint8)
    at = (int(round(centre[0] * 16)), int(round(centre[1] * 16)))
    cv2.ellipse(m, at, (int(axes[0] * 16), int(axes[1] * 16)), angle, 0, 360, 255, -1, cv2.LINE_AA, 4)
    return m.astype(np.float32) / 255.0


def blend(img: np.ndarray, mask: np.ndarray, colour: Any, alpha: float) -> np.ndarray:
    a = (mask * alpha)[..., None]
    return img * (1 - a) + np.asarray(colour, np.float32)[None, None, :] * a


Lenses = tuple[list[np.ndarray], tuple[float, float], float, float, tuple[float, float]]  # centres, axes, angle, eye distance, cos/sin


def lens_geometry(lm: np.ndarray, rng: np.random.Generator) -> Lenses:
    cl, cr = lm[36:42].mean(0), lm[42:48].mean(0)
    ied = float(np.hypot(*(cr - cl)))
    ang = float(np.degrees(np.arctan2(cr[1] - cl[1], cr[0] - cl[0])))
    c, s = np.cos(np.radians(ang)), np.sin(np.radians(ang))
    ax = (ied * rng.uniform(0.36, 0.46), ied * rng.uniform(0.26, 0.34))
    dy = ied * rng.uniform(0.0, 0.08)
    centres = [cl + rot(np.array([0, dy]), c, s), cr + rot(np.array([0, dy]), c, s)]
    return centres, ax, ang, ied, (c, s)


def draw_frames(img: np.ndarray, lm: np.ndarray, centres: list[np.ndarray], ax: tuple[float, float], ang: float, ied: float,
                cs: tuple[float, float], colour: Any, thick: float, shape_kind: str) -> None:
    c, s = cs
    t = max(1, int(round(thick)))
    for ctr in centres:
        if shape_kind == "ellipse":
            at = (int(ctr[0] * 16), int(ctr[1] * 16))
            cv2.ellipse(img, at, (int(ax[0] * 16), int(ax[1] * 16)), ang, 0, 360, colour, t, cv2.LINE_AA, 4)
        else:
            box = cv2.boxPoints(((float(ctr[0]), float(ctr[1])), (2 * ax[0], 2 * ax[1]), ang))
            cv2.polylines(img, [np.round(box * 16).astype(np.int32)], True, colour, t, cv2.LINE_AA, 4)
    # bridge and temple arms
    inner_l = centres[0] + rot(np.array([ax[0], -0.35 * ax[1]]), c, s)
    inner_r = centres[1] + rot(np.array([-ax[0], -0.35 * ax[1]]), c, s)
    cv2.line(img, tuple(int(v * 16) for v in inner_l), tuple(int(v * 16) for v in inner_r), colour, t, cv2.LINE_AA, 4)
    for ctr, side, jaw in ((centres[0], -1, lm[0]), (centres[1], 1, lm[16])):
        outer = ctr + rot(np.array([side * ax[0], -0.4 * ax[1]]), c, s)
        end = np.array([jaw[0], outer[1]])
        cv2.line(img, tuple(int(v * 16) for v in outer), tuple(int(v * 16) for v in end), colour, t, cv2.LINE_AA, 4)


def make(img: np.ndarray, lm: np.ndarray, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, str]]:
    out = img.astype(np.float32).copy()
    h, w = img.shape[:2]
    centres, ax, ang, ied, cs = lens_geometry(lm, rng)
    lab = {"left": "open", "right": "open", "glasses": "none"}
    if kind in ("sunglasses", "tinted", "clear"):
        shape_kind = rng.choice(["ellipse", "rect"])
        frame_col = [tuple(float(v) for v in rng.choice([(20, 20, 20), (60, 40, 25), (150, 150, 155), (170, 140, 60)]))][0]
        if kind == "sunglasses":
            dark = [(20, 20, 22), (35, 28, 20), (20, 35, 25), (15, 20, 40), (45, 45, 45)]
            tint = np.array(rng.choice(dark), np.float32) * rng.uniform(0.6, 1.3)
            alpha = rng.uniform(0.82, 0.97)
            lab.update(left="not_visible", right="not_visible", glasses="tinted")
        elif kind == "tinted":
            tint = np.array(rng.choice([(120, 80, 40), (90, 90, 90), (160, 90, 110), (70, 100, 70), (60, 60, 110)]), np.float32)
            alpha = rng.uniform(0.4, 0.6)
            lab.update(glasses="tinted")
        else:
            tint = np.array([235, 240, 245], np.float32)
            alpha = rng.uniform(0.0, 0.08)
            lab.update(glasses="clear")
        for ctr in centres:
            if shape_kind == "ellipse":
                m = ellipse_mask(img.shape, ctr, ax, ang)
            else:
                m = np.zeros((h, w), np.uint8)
                box = cv2.boxPoints(((float(ctr[0]), float(ctr[1])), (2 * ax[0], 2 * ax[1]), ang))
                cv2.fillPoly(m, [np.round(box * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
                m = m.astype(np.float32) / 255
            # vertical gradient: lenses often darker at the top
            yy = (np.arange(h, dtype=np.float32)[:, None] - (ctr[1] - ax[1])) / (2 * ax[1])
            grad = 1.0 - 0.25 * rng.uniform(0, 1) * np.clip(yy, 0, 1)
            out = blend(out, m * grad, tint, alpha)
            if kind != "clear" and rng.uniform() < 0.5:  # specular glint
                g = ellipse_mask(img.shape, ctr + np.array([-0.3 * ax[0], -0.4 * ax[1]]), (0.25 * ax[0], 0.12 * ax[1]), ang - 20)
                out = blend(out, cv2.GaussianBlur(g, (0, 0), 1.0), (250, 250, 250), rng.uniform(0.3, 0.7))
        thick = ied * rng.uniform(0.02, 0.06)
        draw_frames(out, lm, centres, ax, ang, ied, cs, frame_col, thick, shape_kind)
    else:
        side = rng.choice(["left", "right"])
        ctr = centres[0] if side == "left" else centres[1]
        lab[side] = "not_visible"
        if kind == "patch":
            col = rng.choice([(15, 15, 15), (30, 25, 20), (225, 200, 170), (200, 200, 200)])
            axp = (ied * rng.uniform(0.36, 0.45), ied * rng.uniform(0.3, 0.38))
            m = ellipse_mask(img.shape, ctr, axp, ang)
            out = blend(out, m, col, 1.0)
            strap = (20, 20, 20) if col[0] < 100 else (230, 220, 200)
            t = max(1, int(round(ied * 0.05)))
            a = ctr + np.array([-axp[0] * 0.7 if side == "left" else axp[0] * 0.7, -axp[1] * 0.7])
            b = np.array([lm[0][0] if side == "left" else lm[16][0], lm[19][1] - 0.9 * ied])
            a2 = ctr + np.array([axp[0] * 0.7 if side == "left" else -axp[0] * 0.7, -axp[1] * 0.7])
            b2 = np.array([lm[16][0] if side == "left" else lm[0][0], lm[19][1] - 0.5 * ied])
            cv2.line(out, tuple(int(v * 16) for v in a), tuple(int(v * 16) for v in b), strap, t, cv2.LINE_AA, 4)
            cv2.line(out, tuple(int(v * 16) for v in a2), tuple(int(v * 16) for v in b2), strap, t, cv2.LINE_AA, 4)
        elif kind == "hand":
            cheek = np.median(img[int(lm[29][1]) : int(lm[33][1]), int(lm[31][0]) : int(lm[35][0])].reshape(-1, 3), axis=0)
            col = np.clip(cheek * rng.uniform(0.85, 1.1) + rng.normal(0, 8, 3), 0, 255)
            tilt = rng.uniform(-60, -20) if side == "left" else rng.uniform(20, 60)
            fw = ied * rng.uniform(0.13, 0.16)
            hand = np.zeros((h, w), np.float32)
            base = ctr + np.array([0, ied * 0.1])
            d = np.array([np.sin(np.radians(tilt)), -np.cos(np.radians(tilt))])
            n = np.array([-d[1], d[0]])
            for k in range(4):
                fc = base + n * (k - 1.5) * fw * 1.9 + d * ied * rng.uniform(-0.1, 0.2)
                m = ellipse_mask(img.shape, fc, (fw, ied * 0.6), tilt)
                hand = np.maximum(hand, m)
                # shading and the gap line between fingers
                out = blend(out, m, col * rng.uniform(0.9, 1.05), 1.0)
                edge = cv2.Canny((m * 255).astype(np.uint8), 50, 150).astype(np.float32) / 255
                out = blend(out, cv2.GaussianBlur(edge, (0, 0), 0.6), col * 0.55, 0.8)
        else:  # hair
            col = np.array(rng.choice([(25, 20, 15), (60, 40, 25), (110, 80, 50), (15, 15, 15)]), np.float32)
            strands = np.zeros((h, w), np.float32)
            count = int(rng.integers(35, 60))
            for _ in range(max(8, int(count * ied / 45))):
                x0 = ctr[0] + rng.uniform(-0.7, 0.7) * ied
                y0 = ctr[1] - ied * rng.uniform(0.8, 1.2)
                pts = []
                ph = rng.uniform(0, 6.28)
                amp = ied * rng.uniform(0.05, 0.2)
                slope = rng.uniform(-0.5, 0.5)
                for t in np.linspace(0, 1, 20):
                    y = y0 + t * ied * rng.uniform(1.3, 1.6)
                    x = x0 + slope * (y - y0) + amp * np.sin(ph + 4 * t)
                    pts.append((x * 16, y * 16))
                cv2.polylines(strands, [np.array(pts, np.int32)], False, 1.0, 1 if rng.integers(1, 3) == 1 else 1, cv2.LINE_AA, 4)
            box = ellipse_mask(img.shape, ctr - np.array([0, 0.3 * ied]), (0.5 * ied, 0.75 * ied), ang)
            strands = np.clip(cv2.GaussianBlur(strands, (0, 0), 0.4) * 1.2, 0, 1) * np.clip(box * 1.5, 0, 1)
            out = blend(out, strands, col, 0.95)
    return np.clip(out, 0, 255).astype(np.uint8), lab


def close_eye(rgb: np.ndarray, lm: np.ndarray, first: int) -> np.ndarray:
    """One eye shut: the lid skin from just above the eye laid over its outline (soft edge) and a lash line
    a fifth of the eye height below its centre. The landmarks are left to the detector, which (as on real
    closed eyes) often still draws an open eye."""
    eye = lm[first : first + 6]
    centre, width = eye.mean(axis=0), float(np.ptp(eye[:, 0]))
    above = rgb[int(centre[1] - 0.9 * width) : int(centre[1] - 0.45 * width), int(eye[:, 0].min()) : int(eye[:, 0].max())]
    skin = np.median(above.reshape(-1, 3), axis=0)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(centre + (eye - centre) * [1.2, 1.8]).astype(np.int32)], 255)
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 0.08 * width)[..., None]
    out: np.ndarray = (rgb * (1 - soft) + skin * soft).astype(np.uint8)
    y = int(round(centre[1] + 0.2 * np.ptp(eye[:, 1])))
    lash = tuple(int(v) for v in skin * 0.35)
    cv2.line(out, (int(round(eye[0, 0])), y), (int(round(eye[3, 0])), y), lash, max(1, int(round(0.08 * width))), cv2.LINE_AA)
    return out


def _read_as_research(path: Path) -> np.ndarray:
    """The photo as the eye research read it (OpenCV's JPEG decoder), so the synthetic pixels stay the same."""
    bgr = cv2.imread(str(path))
    if bgr is None:
        raise OSError(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _with_faces(
    portraits: list[Photo], cache: FaceCache, read: Callable[[Path], np.ndarray]
) -> Iterator[tuple[Photo, np.ndarray, list[CachedFace]]]:
    """Each portrait in key order (the order the seeded draws follow), read by `read`, with its faces (maybe none)."""
    for base in sorted(portraits, key=lambda p: p.key):
        rgb = read(base.path)
        yield base, rgb, cache.faces(base.path, rgb, 1.0)


def wink_set(portraits: list[Photo], cache: FaceCache, folder: Path) -> list[Photo]:
    """One synthetic wink per official portrait with a face (the eye drawn shut chosen at random, fixed seed)."""
    rng = np.random.default_rng(WINK_SEED)
    out = []
    for base, rgb, found in _with_faces(portraits, cache, load_image):
        side = str(rng.choice(["left", "right"]))  # drawn for every portrait, with a face or not
        if not found:
            continue
        path = folder / f"{base.identity}__wink_{side}.png"
        if not path.is_file():
            save_png(path, close_eye(rgb, found[0].landmarks68, 36 if side == "left" else 42))
        labels = {"left": "closed" if side == "left" else "open", "right": "closed" if side == "right" else "open", "glasses": "none"}
        out.append(Photo(f"synth_wink/{path.name}", path, base.identity, base.split, labels))
    return out


def synth_set(portraits: list[Photo], cache: FaceCache, folder: Path) -> list[Photo]:
    """Six synthetic photos per official portrait with a face (written to `folder` once), labelled per eye."""
    rng = np.random.default_rng(SEED)
    out = []
    for base, rgb, found in _with_faces(portraits, cache, _read_as_research):
        if not found:
            continue
        for kind in KINDS:
            image, labels = make(rgb, found[0].landmarks68.astype(np.float32).astype(np.float64), kind, rng)  # draws even when written
            path = folder / f"{base.identity}__{kind}.png"
            if not path.is_file():
                save_png(path, image)
            out.append(Photo(f"synth/{path.name}", path, base.identity, base.split, {**labels, "kind": kind}))
    return out


FRAMES_SEED = 9303  # with the photo's key, which frame each drawn-glasses photo gets
FRAME_COLOURS = ((15, 15, 15), (45, 30, 20), (90, 60, 35), (150, 150, 155), (170, 140, 60))


def draw_glasses(rgb: np.ndarray, lm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Clear glasses drawn over both eyes: thin to thick rims (2-10 % of the eye distance, real office frames
    reach 8 %), dark, brown, metal or gold; the eyes themselves are left as they are."""
    centres, ax, ang, ied, cs = lens_geometry(lm, rng)
    out = rgb.astype(np.float32).copy()
    colour = tuple(float(v) for v in FRAME_COLOURS[int(rng.integers(len(FRAME_COLOURS)))])
    draw_frames(out, lm, centres, ax, ang, ied, cs, colour, ied * rng.uniform(0.02, 0.10), str(rng.choice(["ellipse", "rect"])))
    return np.clip(out, 0, 255).astype(np.uint8)


def frames_set(photos: list[Photo], cache: FaceCache, folder: Path) -> list[Photo]:
    """Clear glasses drawn on every photo labelled without glasses whose eyes are labelled open or closed, keeping
    its eye labels: frames must not read as shut eyes (LFW's thick frames did, issue 15). Each photo's frame
    is drawn from its own seed, so a changed label elsewhere changes no other drawing."""
    out = []
    eligible = [p for p in photos if p.labels["glasses"] == "none" and {p.labels["left"], p.labels["right"]} <= {"open", "closed"}]
    for base, rgb, found in _with_faces(eligible, cache, load_image):
        if not found:
            continue
        rng = np.random.default_rng([FRAMES_SEED, *hashlib.sha256(base.key.encode()).digest()[:4]])
        image = draw_glasses(rgb, found[0].landmarks68.astype(np.float64), rng)
        path = folder / base.key.replace("/", "__").rsplit(".", 1)[0]
        path = path.with_name(path.name + "__frames.png")
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            save_png(path, image)
        out.append(Photo(f"frames/{path.name}", path, base.identity, base.split, {**base.labels, "glasses": "clear"}))
    return out
