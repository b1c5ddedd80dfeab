"""A renewal check's result: is the new photo the same person as the reference photo, and why.

Plain data like results.py (numbers, maps and both analyses, no torch), so the
GUI, reports and the command line read it, and its JSON round trip lets a
comparison be filed and reloaded without the network.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pfiq_desktop.engine.results import Analysis, CheckResult, decode_array, encode_array

SCHEMA_VERSION = 1
MAP_SCALE_PERCENTILE = 99.0

MATCH = "match"
UNCERTAIN = "uncertain"
NO_MATCH = "no_match"
NOT_COMPARED = "not_compared"
DECISION_LABELS = {
    MATCH: "Same person",
    UNCERTAIN: "Uncertain",
    NO_MATCH: "Not the same person",
    NOT_COMPARED: "Not compared",
}


@dataclass(frozen=True)
class OperatingPoint:
    """A decision threshold on the score, the false match rate it was set for and the FNMR measured there."""

    fmr: float
    threshold: float
    fnmr: float

    def to_dict(self) -> dict[str, float]:
        return {"fmr": self.fmr, "threshold": self.threshold, "fnmr": self.fnmr}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperatingPoint:
        return cls(float(data["fmr"]), float(data["threshold"]), float(data["fnmr"]))


@dataclass(frozen=True)
class MatchThresholds:
    """Two operating points: at or above `strict` the faces match; below `lenient` they do not; between, uncertain."""

    strict: OperatingPoint  # FMR 1e-3
    lenient: OperatingPoint  # FMR 1e-2

    def decide(self, score: float) -> str:
        if not math.isfinite(score):
            return NOT_COMPARED
        if score >= self.strict.threshold:
            return MATCH
        return UNCERTAIN if score >= self.lenient.threshold else NO_MATCH

    def explain(self, decision: str) -> str:
        """Why the decision is what it is, in one line for the officer."""
        strict, lenient = self.strict, self.lenient
        return {
            MATCH: f"score at or above {strict.threshold:.3f}, where {_percent(strict.fmr)} of different people would pass",
            UNCERTAIN: f"score between {lenient.threshold:.3f} and {strict.threshold:.3f}: compare the faces yourself",
            NO_MATCH: f"score below {lenient.threshold:.3f}, which {_percent(1 - lenient.fnmr)} of same-person pairs reach",
            NOT_COMPARED: "a photo has no face to compare",
        }[decision]

    def to_dict(self) -> dict[str, Any]:
        return {"strict": self.strict.to_dict(), "lenient": self.lenient.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchThresholds:
        return cls(OperatingPoint.from_dict(data["strict"]), OperatingPoint.from_dict(data["lenient"]))


def _percent(share: float) -> str:
    return f"{100 * share:.3g} %"


@dataclass
class FaceMaps:
    """One photo's maps on its main face's 150x150 chip, >= 0, in units of the comparison's `map_scale` / `oppose_scale`."""

    support: np.ndarray
    oppose: np.ndarray


def scaled_maps(
    support: np.ndarray, oppose: np.ndarray, oppose_full_scale: float | None = None
) -> tuple[float, float, FaceMaps, FaceMaps]:
    """Photos A and B's maps (each 2 x H x W) in display units: (support scale, oppose scale, maps of A, maps of B).

    A gradient map's scale (score per pixel) is the largest of its maps' 99th
    percentiles over their non-zero pixels, one for both photos, so a faint map
    next to a strong one reads as what it is. An opposing map in z units
    (`oppose_full_scale` given) keeps that fixed scale, so its colour means the
    same in every comparison; with None both map kinds share one score scale.
    """

    def level(maps: tuple[np.ndarray, ...]) -> float:
        levels = [float(np.percentile(m[m > 0], MAP_SCALE_PERCENTILE)) for m in maps if np.any(m > 0)]
        return max(levels, default=0.0) or 1.0

    if oppose_full_scale is None:
        support_scale = oppose_scale = level((*support, *oppose))
    else:
        support_scale, oppose_scale = level(tuple(support)), oppose_full_scale
    a, b = (FaceMaps(support[i] / support_scale, oppose[i] / oppose_scale) for i in (0, 1))
    return support_scale, oppose_scale, a, b


@dataclass(frozen=True)
class CheckChange:
    """A check whose verdict differs between the two photos: each photo's own result (None where it has no such
    check), since the two may state their values in other units (mm under a print format, or a share of the photo
    where it fails the format)."""

    id: str
    name: str
    a: CheckResult | None
    b: CheckResult | None

    @property
    def verdict_a(self) -> str:
        return self.a.verdict.value if self.a is not None else ""

    @property
    def verdict_b(self) -> str:
        return self.b.verdict.value if self.b is not None else ""


def check_changes(a: Analysis, b: Analysis) -> list[CheckChange]:
    """The subjects' checks whose verdicts differ, in photo A's checklist order; none where a photo's checklist was
    not run (a photo that could not be read listed every check of the other as a difference, 36 in the CSV)."""
    if not a.checks or not b.checks:
        return []
    checks_a = {c.id: c for c in a.subject_checks()}
    checks_b = {c.id: c for c in b.subject_checks()}
    changes = []
    for check_id in dict.fromkeys([*checks_a, *checks_b]):
        ca, cb = checks_a.get(check_id), checks_b.get(check_id)
        if ca is not None and cb is not None and ca.verdict is cb.verdict:
            continue
        named = ca or cb
        assert named is not None  # the id came from one of them
        changes.append(CheckChange(check_id, named.name, ca, cb))
    return changes


@dataclass
class Comparison:
    """Photo A (the new one) against photo B (the reference): score, decision, both maps, both analyses."""

    a: Analysis
    b: Analysis
    score: float  # cosine of the main faces' descriptors; NaN when a photo has no face
    decision: str
    thresholds: MatchThresholds
    maps_a: FaceMaps | None = None
    maps_b: FaceMaps | None = None
    map_scale: float = 1.0  # score per pixel that 1.0 on the supporting maps stands for
    oppose_scale: float = 1.0  # what 1.0 on the opposing maps stands for: z units (built-in network) or score per pixel
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: "analyses", "maps", "total"
    created: str = ""
    app_version: str = ""

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]

    @property
    def reason(self) -> str:
        return self.errors[0] if self.errors else self.thresholds.explain(self.decision)

    def check_changes(self) -> list[CheckChange]:
        return check_changes(self.a, self.b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "kind": "comparison",
            "score": self.score,
            "decision": self.decision,
            "thresholds": self.thresholds.to_dict(),
            "map_scale": self.map_scale,
            "oppose_scale": self.oppose_scale,
            "maps_a": _maps_to_dict(self.maps_a),
            "maps_b": _maps_to_dict(self.maps_b),
            "errors": list(self.errors),
            "timings": dict(self.timings),
            "created": self.created,
            "app_version": self.app_version,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            a=Analysis.from_dict(data["a"]),
            b=Analysis.from_dict(data["b"]),
            score=float(data["score"]),
            decision=str(data["decision"]),
            thresholds=MatchThresholds.from_dict(data["thresholds"]),
            maps_a=_maps_from_dict(data.get("maps_a")),
            maps_b=_maps_from_dict(data.get("maps_b")),
            map_scale=float(data.get("map_scale", 1.0)),
            oppose_scale=float(data.get("oppose_scale", data.get("map_scale", 1.0))),
            errors=list(data.get("errors", [])),
            timings=dict(data.get("timings", {})),
            created=str(data.get("created", "")),
            app_version=str(data.get("app_version", "")),
        )

    @classmethod
    def from_json(cls, text: str) -> Comparison:
        return cls.from_dict(json.loads(text))


def _maps_to_dict(maps: FaceMaps | None) -> dict[str, Any] | None:
    if maps is None:
        return None
    return {"support": encode_array(maps.support.astype(np.float16)), "oppose": encode_array(maps.oppose.astype(np.float16))}


def _maps_from_dict(data: dict[str, Any] | None) -> FaceMaps | None:
    if data is None:
        return None
    return FaceMaps(decode_array(data["support"]).astype(np.float32), decode_array(data["oppose"]).astype(np.float32))
