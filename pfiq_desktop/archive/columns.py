"""The flat columns stored beside each analysis's JSON: what SQL, pandas or DuckDB filter on.

One row per photo: its verdict, the subject's quality, each check's verdict and
value, the mean pixel-level quality and the mean deviation from compliant photos
of each face region. Check and region
columns are named after their ids, so a new check in a later version simply adds
a column to the store.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pfiq_desktop.engine.results import Analysis

SqlValue = str | int | float | None

# Columns every result has, with their SQLite types (the key columns are the store's own).
SUMMARY_COLUMNS: dict[str, str] = {
    "verdict": "TEXT",
    "faces": "INTEGER",
    "quality": "REAL",
    "quality_raw": "REAL",
    "failed_checks": "TEXT",
    "errors": "TEXT",
    "image_width": "INTEGER",
    "image_height": "INTEGER",
}


def column_name(*parts: str) -> str:
    """A safe SQL/Parquet column name from check or region ids ('check', 'pose_yaw', 'value')."""
    return "_".join(re.sub(r"[^0-9a-z_]", "_", part.lower()) for part in parts)


def column_type(name: str) -> str:
    """The SQLite type of a column, from its name alone (so any writer agrees on it)."""
    if name in SUMMARY_COLUMNS:
        return SUMMARY_COLUMNS[name]
    return "TEXT" if name.endswith("_verdict") else "REAL"


def _number(value: float | None) -> float | None:
    """NaN and infinities become NULL: SQL and Parquet readers treat them as missing, which they are."""
    return None if value is None or not math.isfinite(value) else float(value)


def flat_columns(analysis: Analysis) -> dict[str, SqlValue]:
    """The photo's flat columns; the subject (face 1) decides, as in the verdict."""
    face = analysis.faces[0] if analysis.faces else None
    row: dict[str, Any] = {
        "verdict": analysis.verdict,
        "faces": len(analysis.faces),
        "quality": _number(face.quality) if face else None,
        "quality_raw": _number(face.quality_raw) if face else None,
        "failed_checks": ";".join(c.id for c in analysis.failed_checks()),
        "errors": "; ".join(analysis.errors),
        "image_width": analysis.image_size[0],
        "image_height": analysis.image_size[1],
    }
    for check in analysis.subject_checks():
        row[column_name("check", check.id, "verdict")] = check.verdict.value
        row[column_name("check", check.id, "value")] = _number(check.value)
    if face is not None:
        for region, value in face.regions.items():
            row[column_name("region", region)] = _number(value)
        for region, value in face.region_deviation.items():
            row[column_name("region", region, "deviation")] = _number(value)
    return row
