"""How the pose checks decide: how often a head at a known angle passes, warns or fails, per profile.

    python benchmarks/eval_pose_rule.py [--data ../shared/data/faces] [--heads 400]

The landmark pose estimate is known to +-7 deg (pitch), wider than ICAO's 5 deg limit. icao-9303 passes a
reading within the limit (simple acceptance) and fails one only when it is beyond the limit by more than its
uncertainty; strict sets `pass_only_if_confirmed` and passes only a reading whose whole band is within the
limit. Both rules are the product's own (`pose._pose_measure` under each profile's settings), measured on:

- controlled heads: the 3-D mean face with 2 mm of shape noise per coordinate and dlib-sized landmark jitter
  (as tests/icao/test_headpose.py), at a known angle on one axis (either sign) and +-2 deg on the others; the
  truth is known, so the shares at 7.5 and 10 deg are the rule's false passes;
- real near-frontal photos (with --data): official portraits and Extended Yale B's frontal pose (padded as the
  issue-15 harness pads them). Their true angles are not known (the portraits are turned 4.9 deg yaw on
  average), so these rows say how often a real photo is left to the officer's eye, not who is right;
- the same frontal portraits spoiled (every other official portrait, scaled 2x, and the bundled test portraits): a
  mask drawn (light blue, black or white from the nose bridge to under the chin), made dark, flat or blurred: how far
  the landmarks' angles move, against each angle's uncertainty.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the test helpers below import from the repository root

from pfiq_desktop.engine.faces import FaceDetector
from pfiq_desktop.engine.icao import load_profile, pose
from pfiq_desktop.engine.icao.headpose import POSE_UNCERTAINTY_DEG, estimate_pose, load_face_model
from pfiq_desktop.engine.imageio import ImageLoadError, load_image
from pfiq_desktop.engine.results import Evidence, Verdict
from tests.icao.test_headpose import JITTER, SIZE, rendered

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "faces"
AXES = ("yaw", "pitch", "roll")
PROFILES = ("icao-9303", "strict")
TRUE_ANGLES = (0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0)
MASK_COLOURS = ((150, 185, 215), (30, 30, 30), (235, 235, 235))
REAL_SETS = (("official portraits", "portraits_official", False), ("Yale B frontal pose", "defects_yaleb_light_dev/frontal", True))


def verdict_shares(axis: str, readings: np.ndarray, profile: str) -> dict[Verdict, float]:
    params = load_profile(profile).params(f"pose_{axis}")
    verdicts = [pose._pose_measure(axis, float(v), params, Evidence()).verdict for v in readings]
    return {v: verdicts.count(v) / len(verdicts) for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL)}


def shares_text(shares: dict[Verdict, float]) -> str:
    return " / ".join(f"{shares[v]:4.0%}" for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL))


def controlled_readings(axis: int, true: float, heads: int, rng: np.random.Generator) -> np.ndarray:
    """Readings (yaw, pitch, roll) of `heads` random heads turned by +-`true` deg on `axis`."""
    model = load_face_model()
    readings = []
    for _ in range(heads):
        head = model + rng.normal(scale=2.0, size=model.shape)
        angles = rng.uniform(-2.0, 2.0, 3)
        angles[axis] = true * rng.choice([-1.0, 1.0])
        lm = rendered(head, *angles)
        inter_eye = np.hypot(*(lm[42:48].mean(0) - lm[36:42].mean(0)))
        readings.append(estimate_pose(lm + rng.normal(scale=JITTER * inter_eye, size=lm.shape), SIZE))
    return np.array(readings)


def real_readings(folder: Path, pad: bool) -> np.ndarray:
    detector, readings = FaceDetector(), []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            image = load_image(path)
        except ImageLoadError:
            continue
        if pad:
            image = cv2.copyMakeBorder(image, *(image.shape[0] // 2,) * 2, *(image.shape[1] // 2,) * 2, cv2.BORDER_REPLICATE)
        found = detector.detect(image)
        if found:
            readings.append(estimate_pose(found[0].pose_landmarks68.astype(np.float64), (image.shape[1], image.shape[0])))
    return np.array(readings)


def pose_of(detector: FaceDetector, image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    found = detector.detect(image)
    if not found:
        return None
    # the pose as the product reads it (FaceDetector._pose_points); dlib's own points place the drawn mask
    pose = estimate_pose(found[0].pose_landmarks68.astype(np.float64), (image.shape[1], image.shape[0]))
    return found[0].landmarks68.astype(np.float64), np.array(pose)


def masked(image: np.ndarray, landmarks: np.ndarray, index: int) -> np.ndarray:
    """A mask from the nose bridge to under the chin, jaw to jaw, in one of three colours."""
    outline = np.vstack([[landmarks[1, 0], landmarks[29, 1]], landmarks[2:15], [landmarks[15, 0], landmarks[29, 1]]])
    covered = image.copy()
    cv2.fillPoly(covered, [outline.astype(np.int32)], MASK_COLOURS[index % len(MASK_COLOURS)])
    return covered


def scaled_tones(image: np.ndarray, gain: float, around: float) -> np.ndarray:
    return np.clip((image.astype(np.float32) - around) * gain + around, 0, 255).astype(np.uint8)


# how a capture spoils a photo: (name, photo, its landmarks, its index -> the spoiled photo); the exposure and focus
# checks fail most of the dark and blurred ones, and the pose checks then only warn (registry.MOVES_THE_LANDMARKS)
SPOILS: tuple[tuple[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]], ...] = (
    ("mask drawn", masked),
    ("dark (x0.35)", lambda image, _, __: scaled_tones(image, 0.35, 0.0)),
    ("flat (contrast x0.35)", lambda image, _, __: scaled_tones(image, 0.35, 128.0)),
    ("blurred (sigma 4 px at 600 px)", lambda image, _, __: cv2.GaussianBlur(image, (0, 0), image.shape[0] / 150)),
)


def spoiled_changes(portraits: list[Path], spoil: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> tuple[np.ndarray, int]:
    """(yaw, pitch, roll) change per portrait once it is spoiled, and how many spoiled faces were not found."""
    detector, changes, lost = FaceDetector(), [], 0
    for index, path in enumerate(portraits):
        image = load_image(path)
        if image.shape[0] < 400:  # as big as a passport scan's face, so the landmarks are not the limit
            image = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        bare = pose_of(detector, image)
        if bare is None:
            continue
        under = pose_of(detector, spoil(image, bare[0], index))
        if under is None:
            lost += 1
            continue
        changes.append(under[1] - bare[1])
    return np.array(changes), lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--heads", type=int, default=400, help="controlled heads per angle")
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    print("pass / warn / fail per profile (" + ", ".join(PROFILES) + ")\n")
    print("Controlled heads, true angle known (target: icao-9303 passes >= 90 % at 0 deg, strict never passes pitch)")
    for index, axis in ((1, "pitch"), (0, "yaw")):
        for true in TRUE_ANGLES:
            readings = controlled_readings(index, true, args.heads, rng)[:, index]
            row = "   ".join(shares_text(verdict_shares(axis, readings, p)) for p in PROFILES)
            print(f"  {axis:5} {true:4.1f} deg: {row}")
    if not args.data.is_dir():
        print(f"\nReal photos skipped: {args.data} is not there (the developers' data)")
        return
    print("\nReal near-frontal photos, true angle unknown")
    for title, folder, pad in REAL_SETS:
        readings = real_readings(args.data / folder, pad)
        print(f"  {title} ({len(readings)} faces)")
        every = {p: np.ones(len(readings), bool) for p in PROFILES}
        for index, axis in enumerate(AXES):
            print(f"    {axis:5}: " + "   ".join(shares_text(verdict_shares(axis, readings[:, index], p)) for p in PROFILES))
            for p in PROFILES:
                params = load_profile(p).params(f"pose_{axis}")
                every[p] &= [pose._pose_measure(axis, float(v), params, Evidence()).verdict is Verdict.PASS for v in readings[:, index]]
        print("    all three axes pass: " + "   ".join(f"{p} {every[p].mean():.0%}" for p in PROFILES))
    official = sorted((args.data / "portraits_official").glob("*.jpg"))[::2]
    portraits = official + sorted((ROOT / "tests" / "fixtures" / "portraits").glob("*.jpg"))
    print("\nFrontal portraits spoiled: change of the reading, mean |change| / 90th percentile (target: within the")
    print("uncertainty, else the angle is not judged (a mask) or only warns (failed exposure or focus))")
    for title, spoil in SPOILS:
        changes, lost = spoiled_changes(portraits, spoil)
        sizes = np.abs(changes)
        print(f"  {title} ({len(changes)} faces found again, {lost} not): " + ", ".join(
            f"{axis} {sizes[:, index].mean():.1f} / {np.percentile(sizes[:, index], 90):.1f} deg "
            f"(uncertainty {POSE_UNCERTAINTY_DEG[axis]:g})" for index, axis in enumerate(AXES)))

if __name__ == "__main__":
    main()
