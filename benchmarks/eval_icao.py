"""Accuracy of the ICAO checklist against the labelled real photos in ../shared/data/faces.

Each check is scored only on the labels that concern it (Yale photos are
320x243 greyscale, so framing and colour checks are meaningless there). A
check "flags" a photo when its verdict is warn or fail; not-assessable counts
as not flagged. Yale files marked `identical_to` an earlier file are skipped, and
so are official portraits that are byte-identical to a labelled defect photo
(one photo cannot be both a positive and a negative).

    python benchmarks/eval_icao.py [--plq] [--details]
    python benchmarks/eval_icao.py --issue15 [--details]   (issue 15's tables: benchmarks/issue15/report.py)

--plq runs the full Analyzer (real pixel-level quality maps, slow on CPU) on
the misc set and the official portraits (the negatives of the misc tasks), so
the occlusion checks see real maps on both sides; without it faces get a
neutral constant map and the PLQ checks cannot flag anything. --details lists,
per task, the photos it gets wrong with the verdict and value of each check
involved and the number of faces found.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.icao import Profile, load_profile, run_checks
from pfiq_desktop.engine.results import CheckResult, Verdict
from tests.icao.facebuild import detect_faces

DATA = ROOT / ".." / "shared" / "data" / "faces"
FLAGGED = (Verdict.WARN, Verdict.FAIL)


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


@dataclass
class Sample:
    name: str
    tags: set[str]
    checks: dict[str, CheckResult] = field(default_factory=dict)


def flagged(sample: Sample, *ids: str) -> bool:
    return any(sample.checks[i].verdict in FLAGGED for i in ids if i in sample.checks)


def yale_samples(profile: Profile) -> list[Sample]:
    rows = list(csv.DictReader((DATA / "defects_yale" / "labels.csv").read_text().splitlines()))
    seen: set[str] = set()
    samples = []
    for row in rows:
        twin = row.get("identical_to") or ""
        if twin and twin in seen:
            continue
        seen.add(row["file"])
        rgb = load_rgb(DATA / "defects_yale" / row["file"])
        checks = run_checks(rgb, detect_faces(rgb), profile)
        samples.append(Sample(row["file"], {row["yale_condition"]}, {c.id: c for c in checks}))
    return samples


def misc_samples(profile: Profile, use_plq: bool) -> list[Sample]:
    analyse: Callable[[np.ndarray], list[CheckResult]]
    if use_plq:
        from pfiq_desktop.engine.analyzer import Analyzer

        analyzer = Analyzer(device="cpu", profile=profile.source)
        analyse = lambda rgb: analyzer.analyse(rgb).checks
    else:
        analyse = lambda rgb: run_checks(rgb, detect_faces(rgb), profile)
    samples = []
    labelled: set[str] = set()  # content hashes of the labelled defect photos
    for row in csv.DictReader((DATA / "defects_misc" / "labels.csv").read_text().splitlines()):
        path = DATA / "defects_misc" / row["file"]
        if not path.is_file():
            continue
        labelled.add(file_sha256(path))
        tags = {t.split("(")[0] for t in row["icao_tags"].split(";") if t}
        samples.append(Sample(row["file"], tags, {c.id: c for c in analyse(load_rgb(path))}))
    for path in sorted((DATA / "portraits_official").glob("*.jpg")):
        if file_sha256(path) in labelled:
            # e.g. 021118.jpg is the labelled hat photo: it cannot also be a negative.
            continue
        samples.append(Sample(path.name, {"portrait"}, {c.id: c for c in analyse(load_rgb(path))}))
    return samples


@dataclass
class Row:
    task: str
    checks: str
    positives: list[bool]  # flagged, per positive sample
    negatives: list[bool]  # flagged, per negative sample
    target: float | None
    misses: list[Sample] = field(default_factory=list)  # positives not flagged
    false_alarms: list[Sample] = field(default_factory=list)  # negatives flagged

    def details(self) -> list[str]:
        ids = self.checks.split("+")

        def describe(s: Sample) -> str:
            faces = s.checks["face_present"].value if "face_present" in s.checks else None
            found = "?" if faces is None else f"{faces:.0f}"
            parts = []
            for i in ids:
                c = s.checks.get(i)
                if c is not None:
                    parts.append(f"{i} {c.verdict.value}" + ("" if c.value is None else f" {c.value:.3g}"))
            return f"    {s.name}: faces {found}; " + "; ".join(parts)

        lines = [f"  {self.task}: {len(self.misses)} missed, {len(self.false_alarms)} false alarms"]
        if self.misses:
            lines += ["   missed:"] + [describe(s) for s in self.misses]
        if self.false_alarms:
            lines += ["   false alarms:"] + [describe(s) for s in self.false_alarms]
        return lines

    def line(self) -> str:
        tpr = np.mean(self.positives) if self.positives else float("nan")
        tnr = 1 - np.mean(self.negatives) if self.negatives else float("nan")
        bal = np.nanmean([tpr, tnr])
        target = f">= {self.target:.0%}" if self.target else "report"
        ok = "" if not self.target else ("ok" if bal >= self.target else "BELOW")
        return (
            f"{self.task:<24} {self.checks:<38} {len(self.positives):>4} {len(self.negatives):>4} "
            f"{tpr:>6.1%} {tnr:>6.1%} {bal:>7.1%}  {target:<7} {ok}"
        )


def task(
    name: str,
    checks: tuple[str, ...],
    samples: list[Sample],
    pos: Callable[[Sample], bool],
    neg: Callable[[Sample], bool],
    target: float | None = None,
) -> Row:
    return Row(
        name,
        "+".join(checks),
        [flagged(s, *checks) for s in samples if pos(s)],
        [flagged(s, *checks) for s in samples if neg(s)],
        target,
        [s for s in samples if pos(s) and not flagged(s, *checks)],
        [s for s in samples if neg(s) and flagged(s, *checks)],
    )


def main() -> None:
    if "--issue15" in sys.argv:
        from benchmarks.issue15.report import main as issue15

        sys.argv.remove("--issue15")
        issue15()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="icao-9303")
    parser.add_argument("--plq", action="store_true", help="real PLQ maps from the Analyzer on the misc set and the portraits (slow)")
    parser.add_argument(
        "--details", action="store_true", help="list the photos each task gets wrong (Yale/misc tasks; not the portrait flag rates)"
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"labelled data not found at {DATA.resolve()}")
    profile = load_profile(args.profile)
    yale = yale_samples(profile)
    misc = misc_samples(profile, args.plq)

    def cond(*names: str) -> Callable[[Sample], bool]:
        return lambda s: bool(s.tags & set(names))

    def not_cond(*names: str) -> Callable[[Sample], bool]:
        return lambda s: not (s.tags & set(names))

    human = lambda s: "no_human_face" not in s.tags
    single = lambda s: human(s) and "multiple_faces" not in s.tags
    rows = [
        task("eyes closed (yale)", ("eye_open_left", "eye_open_right"), yale, cond("sleepy"), not_cond("sleepy", "wink"), 0.9),
        task("one eye closed (yale)", ("eye_open_left", "eye_open_right"), yale, cond("wink"), not_cond("sleepy", "wink")),
        task("mouth open (yale)", ("mouth_closed",), yale, cond("surprised"), not_cond("surprised", "happy"), 0.9),
        task(
            "side lighting (yale)",
            ("lighting_uniformity",),
            yale,
            cond("leftlight", "rightlight"),
            not_cond("leftlight", "rightlight"),
            0.9,
        ),
        task("side-light bg shadow", ("background_shadow",), yale, cond("leftlight", "rightlight"), not_cond("leftlight", "rightlight")),
        task("glasses (yale)", ("glasses",), yale, cond("glasses"), cond("noglasses", "normal")),
        task("greyscale", ("greyscale",), yale + misc, lambda s: s in yale, cond("portrait")),
        task("multiple faces", ("single_face",), misc, cond("multiple_faces", "collage"), single, 0.9),
        task(
            "multiple f. (1+ found)",
            ("single_face",),
            misc,
            lambda s: (
                cond("multiple_faces", "collage")(s)
                and "single_face" in s.checks
                and s.checks["single_face"].verdict is not Verdict.NOT_ASSESSABLE
            ),
            single,
        ),
        task("face cropped", ("face_cropped",), misc, cond("partial_face", "tight_crop"), cond("portrait"), 0.9),
        task("head covering", ("head_covering",), misc, cond("head_covering"), cond("portrait")),
        task("no face (dogs)", ("face_present",), misc, cond("no_human_face"), cond("portrait")),
        task("face too small", ("inter_eye_distance", "head_size"), misc, cond("face_too_small"), lambda s: False),
        task("mask / eye patch", ("face_occlusion", "plq_regions"), misc, cond("face_mask", "eye_occluded"), cond("portrait")),
    ]
    print(f"profile: {profile.name}; PLQ maps: {'analyzer' if args.plq else 'neutral constant (PLQ checks cannot flag)'}")
    print(f"{'task':<24} {'checks (flagged = warn/fail)':<38} {'pos':>4} {'neg':>4} {'TPR':>6} {'TNR':>6} {'bal.acc':>7}  target")
    for row in rows:
        print(row.line())
    if args.details:
        print("\nper-task errors (a portrait false alarm is one of the official portraits):")
        for row in rows:
            if row.misses or row.false_alarms:
                print("\n".join(row.details()))
    portraits = [s for s in misc if "portrait" in s.tags]
    print(f"\nflag rate per check on {len(portraits)} official portraits (frontal, but not ICAO-framed: ~175x225 px,")
    print("smiles, flags behind; so framing/background/mouth flags are expected, the rest are false alarms):")
    ids = list(portraits[0].checks)
    rates = [
        f"{i}: {np.mean([p.checks[i].verdict in FLAGGED for p in portraits]):.0%}"
        + f" (n/a {np.mean([p.checks[i].verdict is Verdict.NOT_ASSESSABLE for p in portraits]):.0%})"
        for i in ids
    ]
    for start in range(0, len(rates), 4):
        print("  " + "; ".join(rates[start : start + 4]))
    errors = [s.name for s in yale + misc for c in s.checks.values() if "Error" in c.reason]
    print(f"checks that hit an internal error: {len(errors)}")


if __name__ == "__main__":
    main()
