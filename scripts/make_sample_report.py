"""Make the sample report shown in the README from the public-domain sample photo.

    .venv/bin/python scripts/make_sample_report.py [--out docs] [--page-size A4]

Runs the real Analyzer on resources/sample_astronaut.jpg and records an
illustrative officer decision (a retake, then a rejection) in a throw-away
review store, so the sample shows the decision and audit-trail sections too.
Writes sample_report.pdf, sample_report.png (the annotated PNG report) and
sample_applicant_page.pdf (File ▸ Print for the applicant's page).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "resources" / "sample_astronaut.jpg"


def make_sample(out_dir: Path, page_size: str = "A4") -> list[Path]:
    from pfiq_desktop.atomic import write_bytes_atomic
    from pfiq_desktop.engine.analyzer import Analyzer
    from pfiq_desktop.reports.applicant_page import print_applicant_page
    from pfiq_desktop.reports.figures import save_annotated_png
    from pfiq_desktop.reports.inputs import item_from_store
    from pfiq_desktop.reports.paged import render_pdf
    from pfiq_desktop.reports.pdf_report import now_text, write_pdf_report
    from pfiq_desktop.review import ReviewStore

    analysis = Analyzer(device="cpu").analyse(SAMPLE)
    if not analysis.ok or not analysis.faces:
        raise RuntimeError("the sample photo could not be analysed: " + "; ".join(analysis.errors))
    analysis.source = SAMPLE.name  # no machine-specific path in the committed sample
    failed = [c.id for c in analysis.failed_checks()]
    with tempfile.TemporaryDirectory() as tmp, ReviewStore(Path(tmp) / "reviews.sqlite3") as store:
        sha = analysis.image_sha256
        judged = {"verdict": analysis.verdict, "profile": analysis.profile, "profile_sha256": analysis.profile_sha256}
        store.record_decision(SAMPLE.name, sha, "retake", reasons=["framing"], officer="sample.officer",
                              failed_checks=failed, **judged)
        store.record_decision(SAMPLE.name, sha, "reject", reasons=["not a passport portrait", *failed[:2]],
                              note="Full-length studio portrait, not an ID photo: ask for a head-and-shoulders picture.",
                              officer="sample.officer", failed_checks=failed, **judged)
        item = item_from_store(store, analysis)
    from pfiq_desktop.reports.inputs import load_photo

    item.image = load_photo(SAMPLE)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, png = out_dir / "sample_report.pdf", out_dir / "sample_report.png"
    write_pdf_report(pdf, item, page_size, officer="sample.officer")
    save_annotated_png(png, item.image, analysis, item.decision_label, width=1200)
    page = out_dir / "sample_applicant_page.pdf"
    data, _ = render_pdf(lambda device: print_applicant_page(device, item, now_text()), page_size)
    write_bytes_atomic(page, data)
    return [pdf, png, page]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs"))
    parser.add_argument("--page-size", default="A4")
    args = parser.parse_args(argv)
    for path in make_sample(Path(args.out), args.page_size):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
