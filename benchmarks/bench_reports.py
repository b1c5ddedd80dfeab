"""Speed of the batch outputs from cached analyses: the 300-photo summary PDF (target < 60 s on CPU),
CSV and JSON, one per-photo PDF report and one annotated PNG (target < 100 ms: `pfiq analyse` writes one per photo
by default, and at 194 ms it took 70 % of the batch's time).

    python benchmarks/bench_reports.py [--photos 300] [--page-size A4]

The analyses are cached results (no network run is timed): the real Analyzer's
result for the public-domain sample, when the engine runs, re-used with a
different source for every photo; each source is a real file (a hard link to
the sample) so thumbnail decoding is part of the figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import Verdict
from pfiq_desktop.reports.batch import write_batch_summary
from pfiq_desktop.reports.export import write_csv, write_json
from pfiq_desktop.reports.figures import save_annotated_png
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.pdf_report import write_pdf_report
from tests.reports.synthetic import SAMPLE, synthetic_analysis

TARGET_SUMMARY_S = 60.0
TARGET_PNG_MS = 100.0
DECISIONS = [None, {"decision": "accept", "officer": "a.lee", "note": "ok"}, {"decision": "reject", "officer": "b.kim"},
             {"decision": "retake", "officer": "a.lee"}]


def base_analyses():
    """A few real analyses (the sample photo, and a mirrored copy) or synthetic ones when the engine cannot run."""
    try:
        from pfiq_desktop.engine.analyzer import Analyzer

        analyzer = Analyzer(device="cpu")
        result = analyzer.analyse(SAMPLE)
        if not result.faces:
            raise RuntimeError("; ".join(result.errors) or "no face in the sample")
        return [result], "real Analyzer"
    except Exception as error:  # noqa: BLE001
        return [synthetic_analysis(SAMPLE)], f"synthetic analyses (engine unavailable: {error!r:.80})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--page-size", default="A4")
    args = parser.parse_args()
    bases, origin = base_analyses()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        items = []
        for i in range(args.photos):
            path = folder / f"photo_{i:04d}.jpg"
            try:
                os.link(SAMPLE, path)
            except OSError:
                shutil.copy(SAMPLE, path)
            base = bases[i % len(bases)]
            checks = [dataclasses.replace(c, verdict=Verdict.PASS) if (i + k) % 4 else c for k, c in enumerate(base.checks)]
            faces = [dataclasses.replace(f, quality=(i % 17) / 17) for f in base.faces]
            analysis = dataclasses.replace(base, source=str(path), checks=checks, faces=faces, image_sha256=f"{i:064x}")
            items.append(ReportItem(analysis, DECISIONS[i % 4]))

        start = time.perf_counter()
        pages = write_batch_summary(folder / "summary.pdf", items, args.page_size, officer="bench",
                                    links=[f"photo_{i:04d}.pdf" for i in range(args.photos)])
        summary_s = time.perf_counter() - start
        size_mb = (folder / "summary.pdf").stat().st_size / 1e6

        start = time.perf_counter()
        write_csv(folder / "r.csv", items)
        csv_s = time.perf_counter() - start
        start = time.perf_counter()
        write_json(folder / "r.json", items)
        json_s = time.perf_counter() - start

        times = []
        for item in items[:5]:
            start = time.perf_counter()
            write_pdf_report(folder / "one.pdf", item, args.page_size)
            times.append(time.perf_counter() - start)
        per_photo = sorted(times)[len(times) // 2]
        png_times = []
        photo = load_image(SAMPLE)
        for item in items[:5]:
            start = time.perf_counter()
            save_annotated_png(folder / "one.png", photo, item.analysis)
            png_times.append(time.perf_counter() - start)
        png_ms = sorted(png_times)[len(png_times) // 2] * 1000

    print(f"{args.photos} photos from {origin}, {args.page_size}, {os.cpu_count()} CPU(s)")
    verdict = "ok" if summary_s < TARGET_SUMMARY_S else "SLOW"
    print(f"batch summary PDF: {summary_s:.1f} s ({pages} pages, {size_mb:.1f} MB)   target < {TARGET_SUMMARY_S:.0f} s   {verdict}")
    print(f"CSV: {csv_s * 1000:.0f} ms   JSON: {json_s * 1000:.0f} ms")
    print(f"per-photo PDF report: median {per_photo * 1000:.0f} ms each")
    print(f"annotated PNG: median {png_ms:.0f} ms each   target < {TARGET_PNG_MS:.0f} ms   "
          f"{'ok' if png_ms < TARGET_PNG_MS else 'SLOW'}")


if __name__ == "__main__":
    main()
