""""Mouth closed" against labelled mouths: a smile showing teeth and an opened mouth must fail where the profile asks
for a closed mouth, closed mouths must pass.

    python -m benchmarks.eval_mouth [--cache out/bench_cache/issue15]

The mouths are `benchmarks.issue15.sets.mouth_set`: the official portraits (labelled by eye in
benchmarks/labels/official_mouth.csv, their split column), an LFW sample (lfw_mouth.csv, split by identity) and
Yale's expressions (`happy` smiles with the teeth showing, `surprised` opens the mouth, the other conditions are
neutral; dev = odd subjects, where the lip gap's bound was chosen). Faces come from the issue-15 harness's cache and
the checks run as the app runs them, once with the lip gap alone (a backbone without probes) and once with the
network's probes (the mouth probe and `teeth_above` were fitted and chosen on the dev halves, the bundled test
portraits left out). The bundled portraits are counted apart: the tests judge them.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.gridcache import Grids
from benchmarks.issue15.measure import measure, only
from benchmarks.issue15.sets import DATA, ROOT, Photo, is_bundled_portrait, mouth_set
from pfiq_desktop.engine.icao import load_profile
from pfiq_desktop.engine.results import Verdict

PROFILES = ("icao-9303", "lenient")
SOURCES = {"portraits_official": "official portraits", "identity_lfw_dev": "LFW sample", "defects_yale": "Yale"}
Tally = dict[tuple[str, str, str, str], Counter[Verdict]]


def group(photo: Photo) -> str:
    """The row a photo is counted in: its source, the bundled test portraits apart."""
    return "bundled portraits" if is_bundled_portrait(photo) else SOURCES[photo.key.split("/")[0]]


def tally(photos: list[Photo], cache: FaceCache, grids: Grids | None) -> Tally:
    """Each profile's "Mouth closed" verdicts by (profile, source, half, label); photos without a face left out."""
    out: Tally = {}
    for profile in PROFILES:
        for outcome in measure(photos, cache, only(load_profile(profile), ("mouth_closed",)), grids=grids):
            result = outcome.checks.get("mouth_closed")
            if result is not None:
                photo = outcome.photo
                out.setdefault((profile, group(photo), photo.split, photo.labels["mouth"]), Counter())[result.verdict] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "bench_cache" / "issue15", help="the issue-15 harness's cache")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the developers' labelled photos are not at {DATA.resolve()}")
    photos, cache = mouth_set(), FaceCache(args.cache)
    alone, probed = tally(photos, cache, None), tally(photos, cache, Grids(args.cache / "grids"))
    print('"Mouth closed", pass / warn / fail (not assessable: n/a): lip gap alone -> with the network\'s mouth probe')
    print(f"{'profile':10} {'set':18} {'half':5} {'mouth':7} {'lip gap alone':>16} {'with the probe':>16}")
    for key in sorted(probed):
        a, b = (f"{c[Verdict.PASS]}/{c[Verdict.WARN]}/{c[Verdict.FAIL]} n/a {c[Verdict.NOT_ASSESSABLE]}"
                for c in (alone.get(key, Counter()), probed[key]))
        print(f"{key[0]:10} {key[1]:18} {key[2]:5} {key[3]:7} {a:>16} {b:>16}")


if __name__ == "__main__":
    main()
