"""Child process for the kill -9 tests; prints one line per finished unit of work, then waits to be killed.

    python _kill_child.py decide STORE FIRST      records decisions FIRST, FIRST+1, ... ("SAVED n" once committed)
    python _kill_child.py export ANALYSIS.json OUT   writes reports for 2 photos ("WROTE name" once renamed into place)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def decide(store_path: str, first: int) -> None:
    from pfiq_desktop.review import ReviewStore

    kinds = ("reject", "retake", "accept")
    with ReviewStore(store_path) as store:
        print("READY", flush=True)
        for n in range(first, first + 10_000):
            store.record_decision(f"/photos/p{n}.jpg", f"{n:064x}", kinds[n % 3], officer="child",
                                  note="killed mid-write" * 20, reasons=["pose"], failed_checks=[])
            print(f"SAVED {n}", flush=True)


def export(analysis_json: str, out: str) -> None:
    from pfiq_desktop.engine.results import Analysis
    from pfiq_desktop.reports.inputs import ReportItem
    from pfiq_desktop.reports.runner import export_reports

    base = Analysis.from_json(Path(analysis_json).read_text(encoding="utf-8"))
    # a PDF and a PNG each, then the summary, CSV and JSON: every kind of file within 7 writes
    items = [ReportItem(Analysis.from_json(base.to_json())) for _ in range(2)]
    for n, item in enumerate(items):
        item.analysis.source = str(Path(base.source).with_name(f"photo_{n}.jpg"))
    print("READY", flush=True)
    while True:  # again and again, so the kill can land anywhere
        export_reports(items, out, ["pdf", "png", "summary", "csv", "json"],
                       progress=lambda step, total, name: print(f"WROTE {step}", flush=True))
        time.sleep(0)


if __name__ == "__main__":
    {"decide": lambda: decide(sys.argv[2], int(sys.argv[3])), "export": lambda: export(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
