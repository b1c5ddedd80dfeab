"""Time per analysis with an ONNX backbone against the native one (issue 17's figure for the README).

The built-in dlib ResNet is exported to ONNX (same weights, the shipped calibration copied
into its sidecar) and loaded back through onnx2torch; both engines analyse the same
bundled portraits, interleaved so both see the same machine load. Printed: median whole
analysis and network stages (quality + PLQ), the ratio, and the largest map difference.
A ResNet-18-sized 112 x 112 network (tests/facenet.py) is timed the same way, as
TorchScript against ONNX, for a larger, ArcFace-shaped model.

    python benchmarks/bench_backbones.py [--photos 10] [--threads 1]
Needs the [onnx] extra.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.engine import Analyzer
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.backbones.external import sidecar_path, write_calibration
from tests.facenet import SIDECAR, export_onnx, make_facenet
from tests.test_backbones_onnx import DLIB_SIDECAR, FACENET_DROPOUT

PORTRAITS = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg"))


def timed(analyzer: Analyzer, photo: Path) -> tuple[float, float, np.ndarray]:
    """Whole-analysis seconds, network seconds (quality + PLQ) and the main face's PLQ chip."""
    start = time.perf_counter()
    analysis = analyzer.analyse(photo)
    total = time.perf_counter() - start
    network = analysis.timings.get("quality", 0.0) + analysis.timings.get("plq", 0.0)
    return total, network, analysis.faces[0].plq_chip


def compare(label: str, native: Analyzer, onnx: Analyzer, photos: list[Path]) -> None:
    rows: dict[str, list[float]] = {"native total": [], "onnx total": [], "native net": [], "onnx net": []}
    worst = 0.0
    for _ in range(2):  # the first round warms caches; only the second is kept
        for key in rows:
            rows[key].clear()
        for photo in photos:
            a_total, a_net, a_map = timed(native, photo)
            b_total, b_net, b_map = timed(onnx, photo)
            rows["native total"].append(a_total)
            rows["onnx total"].append(b_total)
            rows["native net"].append(a_net)
            rows["onnx net"].append(b_net)
            worst = max(worst, float(np.abs(a_map - b_map).max()))
    med = {key: 1000 * statistics.median(values) for key, values in rows.items()}
    print(f"{label}: whole analysis {med['native total']:.0f} ms native, {med['onnx total']:.0f} ms ONNX "
          f"(x{med['onnx total'] / med['native total']:.2f}); network stages {med['native net']:.0f} vs {med['onnx net']:.0f} ms "
          f"(x{med['onnx net'] / med['native net']:.2f}); largest PLQ difference {worst:.1e} ({len(photos)} photos)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    photos = PORTRAITS[: args.photos]
    shipped = load_calibration().data
    with tempfile.TemporaryDirectory() as folder:
        dlib_onnx = Path(folder) / "dlib_resnet_v1.onnx"
        export_onnx(load_dlib_resnet(), dlib_onnx, size=150)
        sidecar_path(dlib_onnx).write_text(DLIB_SIDECAR)
        write_calibration(dlib_onnx, {"quality": shipped["quality"], "plq": shipped["plq"]})
        start = time.perf_counter()
        # the probe ensemble on both: the default learned head reads the built-in module's inner statistics
        onnx = Analyzer(device="cpu", backbone=str(dlib_onnx), quality_estimator="probe-ensemble")
        print(f"ONNX dlib engine start-up (onnx2torch conversion, checks, warm-up): {time.perf_counter() - start:.1f} s")
        compare("dlib ResNet (150 px)", Analyzer(device="cpu", quality_estimator="probe-ensemble"), onnx, photos)

        facenet = make_facenet()
        facenet_onnx, facenet_ts = Path(folder) / "facenet.onnx", Path(folder) / "facenet_ts.pt"  # one sidecar each
        export_onnx(facenet, facenet_onnx)
        torch.jit.save(torch.jit.script(facenet), str(facenet_ts))
        calibration = {"quality": {"probe-ensemble": {"raw_knots": [20.0, 30.0], "quality_knots": [0.1, 0.95]}},
                       "plq": {"gradient": {"a": 3e11, "b": 2.0}}}
        for model, dropout in ((facenet_onnx, FACENET_DROPOUT), (facenet_ts, "features")):
            sidecar_path(model).write_text(SIDECAR + f'dropout_at = "{dropout}"\n')
            write_calibration(model, calibration)
        compare("ResNet-18-sized 112 px (TorchScript as native)", Analyzer(device="cpu", backbone=str(facenet_ts)),
                Analyzer(device="cpu", backbone=str(facenet_onnx)), photos)


if __name__ == "__main__":
    main()
