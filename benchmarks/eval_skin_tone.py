"""Skin tone and the checklist: how often each check flags light, medium and dark-skinned faces in the in-the-wild set.

    python benchmarks/eval_skin_tone.py [--cache out/bench_cache/issue15] [--split dev|test]

Photos: every `identity_lfw_dev` photo (3,261), each with its identity's skin tone as one rater saw it
(`benchmarks/labels/lfw_identity_tone.csv`: 715 light, 96 medium, 26 dark identities) and its head-covering label
(`lfw_head_covering.csv`). LFW photos are not compliant portraits, so a rate here is not a false-alarm rate; what a
fairness gate reads is the gap between the groups on the same kind of photos. Head covering is counted on the photos
labelled bare-headed only, and the eye checks on the photos `lfw_eyes.csv` labels open (the others unlabelled are
left out of them). The checks run as the issue-15 harness runs them (its face and probe caches; a neutral pixel-level
map, so the checks that read the map are not listed). Fisher's exact test compares dark with light. `--split` keeps one
half of the identities (issue 15's covering split, `lfw_head_covering.csv`): the checks' models were fitted on the dev
half, and the head-covering model with its bare heads weighted by these tones, so the test half is the fair view.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.gridcache import Grids
from benchmarks.issue15.measure import Outcome, measure
from benchmarks.issue15.sets import DATA, LABELS, identity_tones, lfw_cover
from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.icao.registry import CHECKS

TONES = ("light", "medium", "dark")
READ_THE_MAP = ("plq_regions", "face_occlusion")  # a neutral map here: not measured
EYE_CHECKS = ("eye_open_left", "eye_open_right", "eye_occlusion")
GATE_P = 0.05  # Fisher's two-sided p under which a higher rate for dark faces counts as a gap


def fisher_p(a: int, n_a: int, b: int, n_b: int) -> float:
    """Two-sided Fisher's exact p for a of n_a against b of n_b."""
    total, flagged = n_a + n_b, a + b

    def prob(k: int) -> float:
        return math.comb(flagged, k) * math.comb(total - flagged, n_a - k) / math.comb(total, n_a)

    observed = prob(a)
    return min(1.0, sum(p for k in range(max(0, flagged - n_b), min(flagged, n_a) + 1) if (p := prob(k)) <= observed * (1 + 1e-9)))


def eye_labels() -> dict[str, str]:
    """File -> 'open' where lfw_eyes.csv labels both eyes open (the random sample and the mined rows)."""
    out = {}
    for name in ("lfw_eyes.csv", "lfw_eyes_mined.csv"):
        for row in csv.DictReader((LABELS / name).open(encoding="utf-8")):
            if row["left"] == row["right"] == "open":
                out[row["file"]] = "open"
    return out


def rates(outcomes: list[Outcome], tone: dict[str, str]) -> dict[str, dict[str, tuple[int, int]]]:
    """check -> tone -> (flagged, judged)."""
    opened = eye_labels()
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for o in outcomes:
        group = tone.get(o.photo.identity)
        if group not in TONES or not o.checks:
            continue
        for check_id in o.checks:
            if check_id in READ_THE_MAP:
                continue
            if check_id == "head_covering" and o.photo.labels["covering"] != "no":
                continue
            if check_id in EYE_CHECKS and opened.get(o.photo.key) != "open":
                continue
            flagged = o.flagged(check_id)
            if flagged is None:
                continue
            cell = counts[check_id][group]
            cell[0] += flagged
            cell[1] += 1
    return {c: {g: (v[0], v[1]) for g, v in groups.items()} for c, groups in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench_cache" / "issue15")
    parser.add_argument("--split", choices=("dev", "test"), help="only this half of the identities (default: both)")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"labelled data not found at {DATA.resolve()}")
    tone = identity_tones()
    photos = [p for p in lfw_cover() if p.labels["covering"] != "excluded" and args.split in (None, p.split)]
    outcomes = measure(photos, FaceCache(args.cache), load_profile(), None, Grids(args.cache / "grids"))
    found = {g: sum(1 for o in outcomes if tone.get(o.photo.identity) == g) for g in TONES}
    faces = {g: sum(1 for o in outcomes if tone.get(o.photo.identity) == g and o.checks) for g in TONES}
    print("photos (faces found): " + ", ".join(f"{g} {found[g]} ({faces[g]})" for g in TONES))
    print("| check | light | medium | dark | dark vs light, p |\n|---|---|---|---|---|")
    table = rates(outcomes, tone)
    darker_more = []
    for check_id in sorted(table, key=lambda c: list(CHECKS).index(c)):
        cells = table[check_id]
        shown = [f"{100 * f / n:.1f}% ({f}/{n})" if n else "-" for f, n in (cells.get(g, (0, 0)) for g in TONES)]
        (d, n_d), (li, n_l) = cells.get("dark", (0, 0)), cells.get("light", (0, 0))
        p = fisher_p(d, n_d, li, n_l) if n_d and n_l else math.nan
        if p < GATE_P and d * n_l > li * n_d:
            darker_more.append(CHECKS[check_id].name)
        print(f"| {CHECKS[check_id].name} | {' | '.join(shown)} | {'-' if math.isnan(p) else f'{p:.2g}'} |")
    print(f"\nGate (target: no check flags dark faces more often than light ones at p < {GATE_P}): "
          + (f"{len(darker_more)} do: {', '.join(darker_more)}" if darker_more else "none does"))


if __name__ == "__main__":
    main()
