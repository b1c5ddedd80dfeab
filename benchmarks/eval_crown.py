"""How far the landmarks' crown lies from the real top of the head, and what "Whole head in the photo" says.

    python benchmarks/eval_crown.py [--data ../shared/data/faces]

The checklist puts the crown on the line from the chin through the eyes (`Context.crown`, CROWN_FACTOR). Where
it lies beyond the top edge, "Whole head in the photo" (`geometry.face_cropped`) says the head is cut. The real
top of the head (hair included) is found here by GrabCut: the highest row in which most of a band over the eyes
is foreground, with everything outside a box around the head (the top row included) given as background. So
only photos whose estimated crown is at least MIN_MARGIN of the head height below the top edge are measured, and
GrabCut results that reach the top rows (a failed segmentation) are left out. The overshoot (crown estimate
above the real top, in head heights) is reported for the dev half (even file positions) and the test half, and
then the check's verdicts on every official portrait of each half, as the product judges them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the test helpers below import from the repository root

from pfiq_desktop.engine.icao import run_checks
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.mm_geometry import CROWN_OVERSHOOT
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Verdict
from tests.icao.facebuild import detect_faces

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "faces"
MIN_MARGIN = 0.08  # head heights between the estimated crown and the top edge, for GrabCut's border to be background
TOP_ROWS = 3  # a head top found this close to the edge is GrabCut taking the background in


def head_top(rgb: np.ndarray, ctx: Context) -> float | None:
    """The highest row where most of a band over the eyes (0.4 jaw widths) is GrabCut foreground; None if unsure."""
    height, width = rgb.shape[:2]
    jaw = ctx.landmarks[16, 0] - ctx.landmarks[0, 0]
    x0, x1 = max(1, int(ctx.landmarks[0, 0] - 0.6 * jaw)), min(width - 2, int(ctx.landmarks[16, 0] + 0.6 * jaw))
    mask = np.zeros((height, width), np.uint8)
    cv2.grabCut(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), mask, (x0, 1, x1 - x0, height - 1), np.zeros((1, 65)),
                np.zeros((1, 65)), 5, cv2.GC_INIT_WITH_RECT)
    band = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD))[:, int(ctx.eye_mid[0] - 0.2 * jaw):int(ctx.eye_mid[0] + 0.2 * jaw)]
    rows = np.flatnonzero(band.mean(axis=1) > 0.5)
    return float(rows[0]) if len(rows) and rows[0] > TOP_ROWS else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    paths = sorted((args.data / "portraits_official").glob("*.jpg"))
    if not paths:
        sys.exit(f"no official portraits under {args.data}")
    halves = {"dev": paths[0::2], "test": paths[1::2]}
    print(f"Crown estimate against GrabCut's top of the head; overshoot in head heights (shipped CROWN_OVERSHOOT "
          f"{CROWN_OVERSHOOT:g}: a crown beyond the top edge by less is warned, not failed)")
    print(f"{'half':5} {'measured':>8} {'median':>7} {'P10':>6} {'P90':>6} {'max':>6}   whole head in the photo: pass / warn / fail")
    for half, files in halves.items():
        overshoot, verdicts = [], []
        for path in files:
            rgb = load_image(path)
            faces = detect_faces(rgb)
            if not faces:
                continue
            verdicts.append({c.id: c for c in run_checks(rgb, faces)}["face_cropped"].verdict)
            ctx = Context(rgb, faces)
            if ctx.crown[1] < MIN_MARGIN * ctx.head_height:
                continue
            top = head_top(rgb, ctx)
            if top is not None:
                overshoot.append((top - ctx.crown[1]) / ctx.head_height)
        o = np.array(overshoot)
        counts = " / ".join(str(verdicts.count(v)) for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL))
        print(f"{half:5} {len(o):8d} {np.median(o):7.3f} {np.percentile(o, 10):6.3f} {np.percentile(o, 90):6.3f} "
              f"{o.max():6.3f}   {counts} of {len(verdicts)}")


if __name__ == "__main__":
    main()
