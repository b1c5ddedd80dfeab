"""Per-backbone calibration constants, kept as data beside the network (not in code paths).

`dlib_resnet_v1.json` holds each quality estimator's gauge (raw -> expected share of
successful genuine comparisons, written by `benchmarks/train_quality_head.py` from the
development identity sets; see "quality_method" there), the PLQ constants per map
method (written by `benchmarks/calibrate.py` from clean portraits; see "method") and the
comparison thresholds ("verification", by `benchmarks/eval_compare.py` from identity sets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pfiq_desktop.engine.backbones import data_file
from pfiq_desktop.engine.comparison import MatchThresholds
from pfiq_desktop.engine.plq import PlqCalibration
from pfiq_desktop.engine.quality import Calibration

CALIBRATION_FILE = "dlib_resnet_v1.json"


@dataclass(frozen=True)
class BackboneCalibration:
    """Quality gauges per estimator, PLQ constants per map method and comparison thresholds for one backbone."""

    backbone: str
    data: dict[str, Any]
    hint: str = ""  # appended to "no calibration" errors, e.g. how to calibrate a user's backbone

    def quality(self, estimator: str) -> Calibration:
        try:
            entry = self.data["quality"][estimator]
        except KeyError:
            raise ValueError(f"No quality calibration for estimator {estimator!r} on {self.backbone}{self.hint}") from None
        return Calibration(tuple(entry["raw_knots"]), tuple(entry["quality_knots"]))

    def plq(self, method: str) -> PlqCalibration:
        try:
            entry = self.data["plq"][method]
        except KeyError:
            raise ValueError(f"No PLQ calibration for map method {method!r} on {self.backbone}{self.hint}") from None
        return PlqCalibration(a=entry["a"], b=entry["b"])

    def has_verification(self) -> bool:
        """Whether comparison thresholds exist (a user's backbone has none until they are measured)."""
        return "thresholds" in self.data.get("verification", {})

    def verification(self) -> MatchThresholds:
        """The comparison's decision thresholds (FMR 1e-3 and 1e-2), written by benchmarks/eval_compare.py."""
        try:
            entry = self.data["verification"]["thresholds"]
        except KeyError:
            raise ValueError(f"No comparison thresholds for {self.backbone}") from None
        return MatchThresholds.from_dict(entry)


def load_calibration(name: str = CALIBRATION_FILE) -> BackboneCalibration:
    text = data_file(name).read_text(encoding="utf-8")
    data = json.loads(text)
    return BackboneCalibration(backbone=data["backbone"], data=data)
