"""CSV columns named by ISO/IEC 29794-5 component, so results line up with other tools' (e.g. OFIQ's) columns."""

from __future__ import annotations

import csv

import pytest

from pfiq_desktop.engine.icao import CHECKS
from pfiq_desktop.engine.icao.regions import REGION_NAMES
from pfiq_desktop.engine.results import Analysis, CheckResult, Verdict
from pfiq_desktop.reports.export import csv_rows, export_dict, iso_values, write_csv
from pfiq_desktop.reports.inputs import ReportItem


def _check(check_id: str, value: float, iso: str, face_index: int | None = 0, iso_value: float | None = None) -> CheckResult:
    return CheckResult(check_id, check_id, "pose", Verdict.PASS, "ok", value, "deg", face_index=face_index, iso_measure=iso,
                       iso_value=iso_value)


def _item() -> ReportItem:
    checks = [
        _check("pose_yaw", -3.5, "HeadPoseYaw"),
        _check("eye_open_left", 8.0, "EyesOpen", iso_value=0.92),  # % closed; the eye seen open
        _check("eye_open_right", 93.0, "EyesOpen", iso_value=0.07),
        _check("glasses", 0.1, ""),
        _check("pose_yaw", 12.0, "HeadPoseYaw", face_index=1),  # a bystander: not the photo's subject
    ]
    return ReportItem(Analysis(source="a.jpg", image_size=(10, 10), checks=checks))


def test_csv_has_a_column_per_component(tmp_path) -> None:
    columns, rows = csv_rows([_item()])
    regions = [f"region:{name}:deviation" for name in REGION_NAMES]
    assert columns[-len(regions):] == regions  # the deviation per region closes the row
    components = {spec.iso_measure for spec in CHECKS.values() if spec.iso_measure}  # every one, measured here or not
    assert set(columns[-len(regions) - len(components) : -len(regions)]) == components and "glasses:value" in columns
    assert rows[0]["HeadPoseYaw"] == "-3.5" and rows[0]["pose_yaw:value"] == "-3.5"
    assert rows[0]["pose_yaw:unit"] == "deg"  # a check may measure in mm on one photo and in fractions on another
    assert rows[0]["EyesOpen"] == "0.07"  # the less open eye, as OFIQ reports EyesOpen
    write_csv(tmp_path / "r.csv", [_item()])
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as handle:
        assert float(next(csv.DictReader(handle))["HeadPoseYaw"]) == pytest.approx(-3.5)


def test_json_has_the_name_on_each_check() -> None:
    checks = export_dict([_item()])["photos"][0]["analysis"]["checks"]
    assert [c["iso_measure"] for c in checks][:4] == ["HeadPoseYaw", "EyesOpen", "EyesOpen", ""]


def test_a_mm_value_saved_without_its_share_leaves_the_column_empty() -> None:
    # results saved before `iso_value` existed would put 23.05 (mm) into a HeadSize column of shares
    old = CheckResult("head_size", "Head height", "geometry", Verdict.PASS, "ok", 23.05, "mm", iso_measure="HeadSize")
    new = CheckResult("head_size", "Head height", "geometry", Verdict.PASS, "ok", 23.05, "mm", iso_measure="HeadSize",
                      iso_value=0.59)
    fraction = CheckResult("head_size", "Head height", "geometry", Verdict.PASS, "ok", 0.61, "fraction of height",
                           iso_measure="HeadSize")
    assert [iso_values([c]).get("HeadSize") for c in (old, new, fraction)] == [None, 0.59, 0.61]

