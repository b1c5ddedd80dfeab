"""The scalar quality's evidence on the development identity sets: EDC per set and half, and test-retest.

    python benchmarks/eval_quality_edc.py --faces ../shared/data/faces --cache CACHE_DIR [--figures docs/figures] [--stability 150]

EDC (pfiq_desktop/evaluation/edc.py, ISO/IEC 29794-1): per set of
benchmarks/quality_dev_data.py and identity half (development = the head and every gauge
were fitted there; test = never seen), thresholds at FMR 1e-3 and 1e-2 over the half's
own impostor pairs, 1000 identity-bootstrap resamples. The learned head's raw quality is
computed from the cached statistics with the shipped weights; the other estimators' raw
values come from the cache (`<set>_raw_<name>.npy`, computed one face per call when
missing). Test-retest (pfiq_desktop/evaluation/stability.py): a seeded sample of the
LFW development photos and the official portraits 20-59 (the test fixtures are 0-19),
every change followed by detection and alignment again. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.quality_dev_data import SETS, centre_face, load_set, raw_qualities
from pfiq_desktop.engine.backbones.calibration import load_calibration
from pfiq_desktop.engine.backbones.dlib_resnet import load_dlib_resnet
from pfiq_desktop.engine.faces import FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.quality import LearnedHead, make_estimator
from pfiq_desktop.evaluation import edc, figures, stability

SHORT = {"identity_lfw_dev": "LFW", "defects_yaleb_light_dev": "Extended Yale B", "identity_orl": "ORL"}
SLUG = {"identity_lfw_dev": "lfw", "defects_yaleb_light_dev": "yaleb", "identity_orl": "orl"}


def head_raw(data: dict[str, np.ndarray]) -> np.ndarray:
    head = LearnedHead()
    with torch.no_grad():
        views = [((torch.from_numpy(data[k]).float() - head.mean) / head.scale) @ head.weight + head.bias for k in ("stats", "stats_m")]
    return ((views[0] + views[1]) / 2).numpy().astype(float)


def save_figure(path: Path, title: str, results: dict[str, edc.EdcResult]) -> None:
    """EDC curves of the estimators with the random and ideal orderings (0-50 % discarded)."""
    first = next(iter(results.values()))
    x = edc.DISCARD_GRID * 100
    series = {name: (x, r.curve) for name, r in results.items()}
    series["random"] = (x, np.full(len(x), first.fnmr))
    series["ideal"] = (x, first.ideal)
    styles = {"random": ((0, 0, 0), True), "ideal": ((120, 120, 120), True)}
    chart = figures.line_chart(series, f"{title} ({first.errors} errors in {first.pairs} genuine pairs)",
                               "% of genuine pairs discarded (lowest quality)", "FNMR", styles=styles)
    path.parent.mkdir(parents=True, exist_ok=True)
    figures.save_png(path, chart)


def edc_tables(args: argparse.Namespace, names: list[str]) -> None:
    for set_name in SETS:
        data = load_set(args.faces, args.cache, set_name)
        everyone = np.arange(len(data["ids"]))
        raws = {name: head_raw(data) if name == "learned-head" else
                raw_qualities(args.cache, set_name, name, data["index"], everyone) for name in names}
        for half, mask in (("dev", data["dev"]), ("test", ~data["dev"])):
            comparisons = edc.compare_all(data["desc"][mask], data["ids"][mask])
            for fmr in edc.FMRS:
                print(f"\n#### {SHORT[set_name]} {half}, FMR {fmr:g}: {mask.sum()} photos with a face, "
                      f"{np.unique(data['ids'][mask]).size} identities, threshold {comparisons.thresholds[fmr]:.4f}\n")
                print("| estimator | errors / pairs | FNMR -> after 10 % discarded [95 % CI] "
                      "| pAUC 0-20 % / random [95 % CI] | ideal / random |")
                print("|---|---|---|---|---|")
                results = {name: edc.evaluate_edc(comparisons, raws[name][mask], fmr, boots=args.boots) for name in names}
                if args.figures:
                    save_figure(args.figures / f"fig_edc_{SLUG[set_name]}_{half}_fmr{fmr:g}.png",
                                f"EDC, {SHORT[set_name]} {half} half, FMR {fmr:g}", results)
                oracle = edc.evaluate_edc(comparisons, edc.photo_oracle(comparisons, fmr, int(mask.sum())), fmr, boots=0)
                results_rows = {**results, "per-photo oracle (bound)": oracle}
                for name, r in results_rows.items():
                    print(f"| {name} | {r.errors} / {r.pairs} | {100 * r.fnmr:.2f} % -> {100 * r.fnmr_10:.2f} % "
                          f"[{100 * r.fnmr_10_ci[0]:.2f}, {100 * r.fnmr_10_ci[1]:.2f}] | **{r.ratio:.3f}** "
                          f"[{r.ratio_ci[0]:.3f}, {r.ratio_ci[1]:.3f}] | {r.ideal_ratio:.3f} |", flush=True)


def stability_tables(args: argparse.Namespace, names: list[str]) -> None:
    net, detector, calibration = load_dlib_resnet(), FaceDetector(), load_calibration()
    lfw = load_set(args.faces, args.cache, "identity_lfw_dev")
    candidates = np.flatnonzero(lfw["dev"] & (lfw["status"] == 1))
    chosen = np.sort(np.random.default_rng(1).choice(candidates, min(args.stability, len(candidates)), replace=False))
    samples = {
        f"LFW dev ({len(chosen)} photos)": [args.faces / lfw["files"][k] for k in chosen],
        "official portraits 20-59": sorted((args.faces / "portraits_official").glob("*.jpg"))[20:60],
    }
    for title, paths in samples.items():
        photos = [load_image(p) for p in paths]
        print(f"\n#### {title}: Spearman (mean |change| on the 0..1 gauge)\n")
        print("| estimator | " + " | ".join(stability.HARMLESS_CHANGES) + " |")
        print("|---" * (len(stability.HARMLESS_CHANGES) + 1) + "|")
        found: list[float] = []
        for name in names:
            estimator = make_estimator(name)

            def raw_quality(rgb: np.ndarray, estimator=estimator) -> float | None:  # type: ignore[no-untyped-def]
                faces = detector.detect(rgb)
                if not faces:
                    return None
                chip = extract_chip(rgb, chip_transform(centre_face(faces, rgb.shape).landmarks5))
                with torch.no_grad():
                    return float(estimator.raw(net, torch.from_numpy(chip[None]).permute(0, 3, 1, 2).float()).item())

            rows = stability.retest(photos, raw_quality, calibration.quality(name).many)
            found = [r.found for r in rows]
            print(f"| {name} | " + " | ".join(f"{r.spearman:.3f} ({r.mean_abs_gauge_change:.3f})" for r in rows) + " |", flush=True)
        print("| faces found again | " + " | ".join(f"{100 * f:.0f} %" for f in found) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--estimators", default="learned-head,probe-ensemble,flip,norm,ser-fiq")
    parser.add_argument("--boots", type=int, default=1000)
    parser.add_argument("--figures", type=Path, help="write the EDC figures (PNG) into this folder")
    parser.add_argument("--stability", type=int, default=0, help="LFW development photos for test-retest (0: skip)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = args.estimators.split(",")
    edc_tables(args, names)
    if args.stability:
        stability_tables(args, names)


if __name__ == "__main__":
    main()
