"""Scientific evaluation of the pixel maps and the scalar quality (same as `pfiq evaluate`).

Deletion/insertion curves, synthetic-occluder localisation and pointing game, ICAO defect
region changes, and the error-versus-discard characteristic of every quality estimator;
writes CSV, Markdown and PNG into --out. See docs/EVALUATION.md.

    python benchmarks/eval_plq.py --out eval_out [--quick] [--data ../shared/data/faces]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pfiq_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
