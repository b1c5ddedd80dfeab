"""Calibrate the dlib backbone's PLQ constants from clean portraits.

The quality gauges (raw -> expected share of successful genuine comparisons) are
fitted on the development identity sets by benchmarks/train_quality_head.py and
kept as they are here.

PLQ (per map method): the method is `pfiq_desktop.engine.calibration_run.PLQ_METHOD`,
the same code `pfiq calibrate --backbone FILE --faces DIR` runs for a user's model.
Calibration uses portraits_official[CALIBRATION_SLICE]; tests use other portraits.

    python benchmarks/calibrate.py        # rewrites the "plq" section of pfiq_desktop/engine/backbones/dlib_resnet_v1.json
    python benchmarks/calibrate.py --maps gradient_norm   # (re)calibrates these map methods only
    python benchmarks/calibrate.py --check  # measures again and compares with the shipped constants, writes nothing
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine.alignment import DLIB_CHIP
from pfiq_desktop.engine.backbones import DATA_DIR
from pfiq_desktop.engine.backbones.calibration import CALIBRATION_FILE
from pfiq_desktop.engine.backbones.dlib_resnet import DLIB_RESNET_V1, load_dlib_resnet
from pfiq_desktop.engine.calibration_run import PLQ_METHOD, calibrate, collect_faces
from pfiq_desktop.engine.defaults import DEFAULT_QUALITY_ESTIMATOR, MAP_METHODS
from pfiq_desktop.engine.faces import FaceDetector

FACES = REPO.parent / "shared" / "data" / "faces"
CALIBRATION_SLICE = slice(100, 140)
TARGET = DATA_DIR / CALIBRATION_FILE


def calibration_photos(root: Path = FACES) -> list[Path]:
    """The development portraits the shipped PLQ constants were measured on."""
    return sorted((root / "portraits_official").glob("*.jpg"))[CALIBRATION_SLICE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", nargs="+", choices=list(MAP_METHODS),
                        help="calibrate only these map methods and keep every other constant in the file")
    parser.add_argument("--check", action="store_true", help="compare with the shipped constants instead of writing them")
    args = parser.parse_args()
    torch.set_num_threads(2)
    net = load_dlib_resnet()
    faces = collect_faces(calibration_photos(), FaceDetector(), DLIB_CHIP)
    previous = json.loads(TARGET.read_text())
    result = calibrate(net, faces, [], args.maps or list(MAP_METHODS), DEFAULT_QUALITY_ESTIMATOR, previous["quality"], print)
    if args.check:
        worst = max(abs(entry[k] / previous["plq"][name][k] - 1) for name, entry in result.plq.items() for k in entry)
        print(f"largest relative difference from the shipped PLQ constants: {worst:.2e}")
        return
    data = previous | {  # other sections (the gauges, comparison thresholds) are kept as they are
        "backbone": DLIB_RESNET_V1.name,
        "model_sha256": DLIB_RESNET_V1.model_sha256,
        "calibrated_on": f"portraits_official {CALIBRATION_SLICE.start}-{CALIBRATION_SLICE.stop - 1} ({len(faces)} faces)",
        "method": [PLQ_METHOD],
        "plq": {**previous.get("plq", {}), **result.plq},
    }
    TARGET.write_text(json.dumps(data, indent=2) + "\n")
    print(f"written {TARGET}")


if __name__ == "__main__":
    main()
