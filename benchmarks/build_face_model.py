"""Rebuild the head pose's 3-D mean face (engine/icao/data/face_model_68.json) from its two sources.

- Depth and 3-D shape: MediaPipe's canonical face mesh (benchmarks/data/mediapipe, Apache-2.0), one
  point per dlib landmark (the mean of the mapped mesh vertices), mirror-symmetrised;
- frontal x, y: the mirror-symmetrised Procrustes mean of the dlib landmarks of the development half
  of the official portraits (../shared/data/faces/portraits_official; seeded split of the file names),
  scaled to the mesh after rotating the mesh about x (pitch) so that it projects onto that mean best:
  an average official portrait then reads yaw = pitch = 0.

Deterministic (closed-form fits and a bracketed 1-D search; the split's seed is fixed).

    python -m benchmarks.build_face_model [--check] [--write]

It prints the pitch and scale; --check compares the points with the shipped file at its 0.001 mm
(exit 1 on a difference), --write rewrites the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from benchmarks.eval_icao import DATA, load_rgb
from pfiq_desktop.engine.icao.headpose import MODEL_FILE
from tests.icao.facebuild import detect_faces

MESH = Path(__file__).parent / "data" / "mediapipe" / "canonical_face_model.obj"
SPLIT_SEED = 0  # the head-pose research's split of the portraits (issue 16)
# dlib 68 index -> canonical mesh vertices (their mean); subject's right = photo left = negative x in the mesh
DLIB_TO_MESH: tuple[tuple[int, ...], ...] = (
    (127,), (234,), (93,), (132, 58), (58, 172), (136,), (150,), (176,), (152,),   # jaw 0-8
    (400,), (379,), (365,), (397, 288), (361,), (323,), (454,), (356,),            # jaw 9-16
    (70,), (63,), (105,), (66,), (107,),                                           # right brow 17-21
    (336,), (296,), (334,), (293,), (300,),                                        # left brow 22-26
    (168, 6), (197, 195), (5,), (4,),                                              # nose bridge 27-30
    (98,), (97,), (2,), (326,), (327,),                                            # nose base 31-35
    (33,), (160,), (158,), (133,), (153,), (144,),                                 # right eye 36-41
    (362,), (385,), (387,), (263,), (373,), (380,),                                # left eye 42-47
    (61,), (40,), (37,), (0,), (267,), (270,), (291,), (321,), (314,), (17,), (84,), (91,),  # outer lip 48-59
    (78,), (81,), (13,), (311,), (308,), (402,), (14,), (178,),                    # inner lip 60-67
)  # fmt: skip
RIGID = [*range(17, 48), 48, 54]  # brows, nose, eyes and mouth corners: the points the fits use
MIRROR_PAIRS = (
    *[(i, 16 - i) for i in range(8)], *[(17 + i, 26 - i) for i in range(5)], (31, 35), (32, 34), (36, 45), (37, 44),
    (38, 43), (39, 42), (40, 47), (41, 46), (48, 54), (49, 53), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67),
)  # fmt: skip


def mirror(points: np.ndarray) -> np.ndarray:
    """The shape mirrored about x = 0, left and right landmarks relabelled (2-D or 3-D)."""
    order = np.arange(68)
    for a, b in MIRROR_PAIRS:
        order[a], order[b] = b, a
    out = points[order].copy()
    out[:, 0] = -out[:, 0]
    return out


def symmetric(points: np.ndarray) -> np.ndarray:
    """Mirror-symmetrised, centred on the rigid points."""
    sym = (points + mirror(points)) / 2.0
    return sym - sym[RIGID].mean(0)


def mesh_points() -> np.ndarray:
    """The mapped mesh in mm, camera axes of a frontal head (x right, y down, z away from the camera)."""
    lines = MESH.read_text(encoding="utf-8").splitlines()
    verts = np.array([[float(v) for v in line.split()[1:4]] for line in lines if line.startswith("v ")]) * 10.0
    verts[:, 1:] *= -1.0
    return symmetric(np.array([verts[list(ix)].mean(0) for ix in DLIB_TO_MESH]))


def dev_portraits() -> list[Path]:
    """The development half of the official portraits (seeded permutation of the sorted names)."""
    files = sorted((DATA / "portraits_official").glob("*.jpg"))
    order = np.random.default_rng(SPLIT_SEED).permutation(len(files))
    return sorted(files[i] for i in order[: round(len(files) / 2)])


def similarity_align(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """src mapped onto dst by the least-squares similarity transform of the rigid points."""
    s, d = src[RIGID], dst[RIGID]
    s0, d0 = s - s.mean(0), d - d.mean(0)
    a = (s0 * d0).sum() / (s0**2).sum()
    b = (s0[:, 0] * d0[:, 1] - s0[:, 1] * d0[:, 0]).sum() / (s0**2).sum()
    return (src - s.mean(0)) @ np.array([[a, -b], [b, a]]).T + d.mean(0)


def procrustes_mean(shapes: list[np.ndarray], iterations: int = 10) -> np.ndarray:
    """Mean shape (unit RMS size over the rigid points) of the similarity-aligned shapes."""
    ref = shapes[0] - shapes[0][RIGID].mean(0)
    ref /= np.sqrt((ref[RIGID] ** 2).sum(1).mean())
    for _ in range(iterations):
        ref = np.mean([similarity_align(s, ref) for s in shapes], axis=0)
        ref -= ref[RIGID].mean(0)
        ref /= np.sqrt((ref[RIGID] ** 2).sum(1).mean())
    return ref


def pitched(points: np.ndarray, degrees: float) -> np.ndarray:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return points @ np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]).T


def scale_fit(frontal: np.ndarray, projected: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Scale and shift of the frontal shape onto a projection (least squares), and the residual."""
    f, p = frontal[RIGID], projected[RIGID]
    f0, p0 = f - f.mean(0), p - p.mean(0)
    scale = float((f0 * p0).sum() / (f0**2).sum())
    return scale, p.mean(0) - scale * f.mean(0), float(((scale * f0 - p0) ** 2).sum())


def best_pitch(mesh: np.ndarray, frontal: np.ndarray) -> float:
    """The mesh rotation about x whose projection the frontal shape fits best (grid, then golden section)."""

    def cost(degrees: float) -> float:
        return scale_fit(frontal, pitched(mesh, degrees)[:, :2])[2]

    grid = np.arange(-30.0, 30.01, 0.5)
    best = int(np.argmin([cost(float(g)) for g in grid]))
    lo, hi = float(grid[max(best - 1, 0)]), float(grid[min(best + 1, len(grid) - 1)])
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    while hi - lo > 1e-9:
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, b) if cost(a) < cost(b) else (a, hi)
    return (lo + hi) / 2.0


def build() -> tuple[np.ndarray, float, float, int]:
    """The 68 x 3 points (mm), the mesh pitch, the scale (mm per unit) and the number of portraits used."""
    shapes = []
    for path in dev_portraits():
        faces = detect_faces(load_rgb(path))
        if faces:
            shapes.append(np.asarray(faces[0].landmarks, np.float64))
    frontal = symmetric(procrustes_mean(shapes))
    mesh = mesh_points()
    pitch = best_pitch(mesh, frontal)
    rotated = pitched(mesh, pitch)
    scale, shift, _ = scale_fit(frontal, rotated[:, :2])
    hybrid = rotated.copy()
    hybrid[:, :2] = scale * frontal + shift
    return symmetric(hybrid), pitch, scale, len(shapes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 unless the shipped points equal the rebuilt ones")
    parser.add_argument("--write", action="store_true", help="rewrite the points of the package data file")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    points, pitch, scale, used = build()
    rebuilt = [[round(float(v), 3) for v in p] for p in points]
    target = resources.files("pfiq_desktop.engine.icao") / "data" / MODEL_FILE
    shipped = json.loads(target.read_text(encoding="utf-8"))
    worst = float(np.abs(np.array(rebuilt) - np.array(shipped["points_mm"])).max())
    print(f"{used} dev portraits; mesh pitch {pitch:.2f} deg, scale {scale:.2f} mm per unit")
    print(f"largest difference from the shipped points: {worst:.3f} mm" + (" (equal)" if rebuilt == shipped["points_mm"] else ""))
    if args.write:
        shipped["points_mm"] = rebuilt
        with open(str(target), "w", encoding="utf-8") as out:
            json.dump(shipped, out, indent=1)
    if args.check and rebuilt != shipped["points_mm"]:
        sys.exit("shipped face model differs from the rebuild")


if __name__ == "__main__":
    main()
