"""Does the map's "look for an occluder, shadow or reflection there" lead to one?

    python benchmarks/eval_map_leads.py [--data ../shared/data/faces] [--depths -2.5,-3.0]

The whole Analyzer on the official portraits of the deviation map's split (`evaluation/deviation_split.json`: dev, on
which `findings.LEAD_DEPTH` was chosen, and test), each as it is and with each of the five occluders of `pfiq
evaluate` drawn once at a random place of the face (seed 7). The findings are then rebuilt for each depth a place
no check explains must reach to be sent looking (`findings.LEAD_DEPTH`; -2.5 was the depth of any such place). A clean
photo with the sentence is a false lead; on an occluded face a lead is right where the region it names overlaps the
occluder (5 chip pixels or more).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pfiq_desktop.engine import findings
from pfiq_desktop.engine.analyzer import Analyzer
from pfiq_desktop.engine.icao.regions import REGION_WORDS, polygon_mask, region_polygons
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.evaluation.deviation import KINDS, chip_mask, occlude_photo, portrait_split

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"


@dataclass
class Face:
    """What the findings are rebuilt from, and where the drawn occluder is (None: the photo as it is)."""

    part: str
    analysis: Analysis
    occluder: np.ndarray | None


def leads(face: Face) -> list[str]:
    """The face's findings, rebuilt under the current `findings.LEAD_DEPTH`, that send the officer looking."""
    first = face.analysis.faces[0]
    sentences, _ = findings.findings_for_face(first.deviation_chip, first.chip_landmarks,
                                              face.analysis.face_checks(0), first.quality)
    return [s for s in sentences if findings.LOOK_THERE in s]


def named_region(sentence: str) -> str | None:
    """The region a lead names: "An area near the forehead (...)" or "Forehead: ..."."""
    near = re.match(r"An area near the (.*?) \(", sentence)
    words = (near.group(1) if near else sentence.split(":")[0]).lower().replace("eye on", "eye area on")
    return next((name for name, said in REGION_WORDS.items() if said.lower() == words), None)


def on_the_occluder(face: Face, sentence: str) -> bool:
    name = named_region(sentence)
    if name is None or face.occluder is None:
        return False
    first = face.analysis.faces[0]
    polygons = region_polygons(np.asarray(first.chip_landmarks, np.float64))
    return int((polygon_mask(polygons[name], first.deviation_chip.shape) & face.occluder).sum()) >= 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--depths", default=f"-2,-2.5,{findings.LEAD_DEPTH}")
    args = parser.parse_args()
    analyzer, rng = Analyzer(device="cpu"), np.random.default_rng(7)
    faces: list[Face] = []
    for part, paths in portrait_split(args.data, ()).items():  # the split's portraits are none of the reference's
        for path in paths:
            image = load_image(path)
            clean = analyzer.analyse(image)
            if not clean.faces or not clean.faces[0].deviation_chip.size:
                continue
            faces.append(Face(part, clean, None))
            for kind in KINDS:
                photo, mask = occlude_photo(image, clean.faces[0], kind, rng)
                drawn = analyzer.analyse(photo)
                if drawn.faces and drawn.faces[0].deviation_chip.size:
                    faces.append(Face(part, drawn, chip_mask(mask, drawn.faces[0])))
    print("| LEAD_DEPTH | split | clean photos with a lead | occluded faces: a lead on the occluder | a lead elsewhere | no lead |")
    print("|---|---|---|---|---|---|")
    for depth in (float(d) for d in args.depths.split(",")):
        findings.LEAD_DEPTH = depth
        for part in ("dev", "test"):
            clean = [f for f in faces if f.part == part and f.occluder is None]
            drawn = [(f, leads(f)) for f in faces if f.part == part and f.occluder is not None]
            right = sum(any(on_the_occluder(f, s) for s in said) for f, said in drawn)
            wrong = sum(any(not on_the_occluder(f, s) for s in said) for f, said in drawn)
            print(f"| {depth:g} | {part} | {sum(bool(leads(f)) for f in clean)} of {len(clean)} | {right} of {len(drawn)} | "
                  f"{wrong} | {sum(not said for _, said in drawn)} |")


if __name__ == "__main__":
    main()
