""""Mouth closed" against Extended Yale's expressions: a smile showing teeth and an opened mouth must fail where the
profile asks for a closed mouth, neutral faces must pass.

    python benchmarks/eval_mouth.py [--data ../shared/data/faces]

Yale's `happy` photos smile with the teeth showing (all ten subjects, checked by eye), `surprised` opens the mouth
wide; the other conditions are neutral. Dev = odd subjects (the bounds were chosen there), test = even ones.
The official portraits are labelled by eye in benchmarks/labels/official_mouth.csv (teeth showing or lips closed;
`uncertain` rows left out), dev = even file positions; these labels were made after the bounds were chosen.
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
PROFILES = ("icao-9303", "lenient")
EXPRESSION = {"happy": "smile showing teeth", "surprised": "mouth opened"}
OFFICIAL_LABELS = ROOT / "benchmarks" / "labels" / "official_mouth.csv"
Tally = dict[tuple[str, str, str], Counter[Verdict]]


def tally_photo(tally: Tally, path: Path, half: str, expression: str) -> None:
    """Each profile's "Mouth closed" verdict on one photo, counted under (profile, half, expression)."""
    rgb = load_image(path)
    faces = detect_faces(rgb)
    if not faces:
        return
    for profile in PROFILES:
        found = {c.id: c for c in run_checks(rgb, faces, load_profile(profile))}["mouth_closed"]
        tally.setdefault((profile, half, expression), Counter())[found.verdict] += 1


def print_tally(title: str, tally: Tally) -> None:
    print(title)
    print(f"{'profile':12} {'half':5} {'expression':20} {'pass':>5} {'warn':>5} {'fail':>5}")
    for (profile, half, expression), counts in sorted(tally.items()):
        print(f"{profile:12} {half:5} {expression:20} {counts[Verdict.PASS]:5d} {counts[Verdict.WARN]:5d} {counts[Verdict.FAIL]:5d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    yale: Tally = {}
    for path in sorted((args.data / "defects_yale").glob("subject*")):
        subject, condition = path.name.split(".")[:2]
        half = "dev" if int(subject[-2:]) % 2 else "test"
        tally_photo(yale, path, half, EXPRESSION.get(condition, "neutral"))
    print_tally("Mouth closed on Extended Yale: verdicts pass / warn / fail (not assessable left out)", yale)
    official: Tally = {}
    with OFFICIAL_LABELS.open(newline="") as rows:
        for row in csv.DictReader(rows):
            if row["mouth"] != "uncertain":
                expression = "smile showing teeth" if row["mouth"] == "teeth" else "lips closed"
                tally_photo(official, args.data / row["file"], row["split"], expression)
    print_tally("\nMouth closed on the official portraits (labels by eye)", official)


if __name__ == "__main__":
    main()
