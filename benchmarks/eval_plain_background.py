""""Plain background" against backgrounds labelled by eye: flags, buildings and furniture behind the head must be
flagged, plain studio backdrops and walls must pass.

    python benchmarks/eval_plain_background.py [--data ../shared/data/faces]

Labels: `benchmarks/labels/official_background.csv` (the 150 official portraits: `plain` or `objects`; dev = even
file positions, test = odd) and Extended Yale's front-lit photos (a plain wall). Verdicts are the shipped
icao-9303 profile's; "flagged" = warn or fail.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the test helpers below import from the repository root

from pfiq_desktop.engine.icao import load_profile, run_checks
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Verdict
from tests.icao.facebuild import detect_faces

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "faces"
LABELS = ROOT / "benchmarks" / "labels" / "official_background.csv"
FRONT_LIT = ("normal", "noglasses", "glasses", "happy", "sad", "sleepy", "surprised", "wink", "centerlight")


def verdict_of(path: Path) -> tuple[Verdict, float] | None:
    """The check's verdict and texture index on the photo's subject; None without a face or a measurement."""
    rgb = load_image(path)
    faces = detect_faces(rgb)
    if not faces:
        return None
    found = {c.id: c for c in run_checks(rgb, faces, load_profile("icao-9303"))}["background_uniformity"]
    return None if found.value is None else (found.verdict, float(found.value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    with open(LABELS, newline="") as handle:
        rows = list(csv.DictReader(handle))
    print("Plain background (icao-9303): verdicts pass / warn / fail, and the texture index range")
    print(f"{'set':32} {'photos':>6} {'pass':>5} {'warn':>5} {'fail':>5}   texture")
    groups: dict[str, list[tuple[Verdict, float]]] = {}
    for row in rows:
        found = verdict_of(args.data / row["file"])
        if found is not None:
            groups.setdefault(f"portraits {row['split']}, {row['background']}", []).append(found)
    for path in sorted((args.data / "defects_yale").glob("subject*")):
        found = verdict_of(path) if path.name.split(".")[1] in FRONT_LIT else None
        if found is not None:
            groups.setdefault("Extended Yale, front lit (plain)", []).append(found)
    for name in sorted(groups):
        verdicts = Counter(v for v, _ in groups[name])
        values = [t for _, t in groups[name]]
        print(f"{name:32} {len(values):6d} {verdicts[Verdict.PASS]:5d} {verdicts[Verdict.WARN]:5d} {verdicts[Verdict.FAIL]:5d}"
              f"   {min(values):.1f}-{max(values):.1f}")


if __name__ == "__main__":
    main()
