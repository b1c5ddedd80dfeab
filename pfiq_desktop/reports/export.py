"""CSV and JSON of every result and decision, for spreadsheets and other systems."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.atomic import write_text_atomic
from pfiq_desktop.engine.comparison import Comparison
from pfiq_desktop.engine.filenames import path_text
from pfiq_desktop.engine.icao.checklist import ordered_checks
from pfiq_desktop.engine.icao.regions import REGION_NAMES
from pfiq_desktop.engine.icao.registry import ISO_VALUE_ONLY
from pfiq_desktop.reports.inputs import ReportItem

if TYPE_CHECKING:  # annotations only
    from pfiq_desktop.engine.results import CheckResult

EXPORT_SCHEMA = 1
BASE_COLUMNS = [
    "file", "path", "image_sha256", "verdict", "faces", "quality", "quality_raw", "findings",
    "fail_count", "warn_count", "failed_checks", "warned_checks", "errors",
    "decision", "decision_reasons", "decision_note", "decision_officer", "decision_login", "decided_at", "overridden_checks",
    "decision_profile", "decision_profile_sha256", "review_store_problem",
    "profile", "profile_sha256", "not_run_checks", "quality_estimator", "map_method", "backbone", "model_sha256", "models_sha256",
    "app_version", "analysed_at", "checked_at",
]
FINDINGS_SEPARATOR = " | "  # the findings column joins the main face's sentences
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a separator another spreadsheet may split cells or rows on (";" in much of Europe, a tab, a line break) before a
# formula's first character, perhaps behind a quote or spaces
_FORMULA_AFTER_SEPARATOR = re.compile(r'([;,\t\r\n])(?=["\s]*[=+\-@\t\r])')


def _text_cell(value: str) -> str:
    """Free text that a spreadsheet would run as a formula gets an apostrophe before it (CSV injection): at its start,
    and after a separator inside it, where a spreadsheet that splits on ";" started a new cell with "=HYPERLINK(...)"
    from a file name (security review)."""
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    return f"{value:.6g}"


def check_columns(items: Sequence[ReportItem]) -> list[str]:
    """Per-check columns '<id>:verdict', '<id>:value' and '<id>:unit' (a check may measure in mm on a photo of the
    profile's print shape and in fractions on another: the unit says which) of every registered check in checklist
    order, then one column per ISO/IEC 29794-5 component they measure, named as other tools name it (e.g.
    HeadPoseYaw; in the check's unit, except where a check measured in mm: there its share of the photo height, see
    `iso_values`), then the main face's mean deviation from compliant photos per
    region ('region:left_eye:deviation'). The same header for every batch of one app version (taken from the
    batch's checks, a day of unreadable files had 38 columns instead of 161, and appended tables broke); checks of
    another version's analyses come after."""
    specs = ordered_checks()
    ids = [spec.id for spec in specs]
    measures = list(dict.fromkeys(spec.iso_measure for spec in specs if spec.iso_measure))
    for item in items:
        for check in item.analysis.subject_checks():
            if check.id not in ids:
                ids.append(check.id)
            if check.iso_measure and check.iso_measure not in measures:
                measures.append(check.iso_measure)
    regions = [f"region:{name}:deviation" for name in REGION_NAMES]
    return [f"{i}:{part}" for i in ids for part in ("verdict", "value", "unit")] + measures + regions


def iso_values(checks: Sequence[CheckResult]) -> dict[str, float]:
    """The value of each ISO/IEC 29794-5 component the checks measure, in the component's direction. Two checks
    measure EyesOpen, one per eye, as the probability that the eye is seen open; like OFIQ, which reports the less
    open eye, the column holds the smaller of the two. A check measured in mm gives its `iso_value` (a share of the
    photo height), and so does one measuring the other way round (`ISO_VALUE_ONLY`); one saved before it had that
    (an older result file or archive) leaves the column empty rather than mix mm or the opposite direction into it."""
    values: dict[str, float] = {}
    for check in checks:
        value = check.iso_value
        if value is None and check.unit != "mm" and check.iso_measure not in ISO_VALUE_ONLY:
            value = check.value
        if check.iso_measure and value is not None:
            values[check.iso_measure] = min(values.get(check.iso_measure, value), value)
    return values


def csv_rows(items: Sequence[ReportItem]) -> tuple[list[str], list[dict[str, str]]]:
    extra = check_columns(items)
    rows = []
    for item in items:
        a = item.analysis
        d = item.decision
        face = a.faces[0] if a.faces else None
        row = {
            "file": _text_cell(item.name),
            "path": _text_cell(path_text(a.source)),
            "image_sha256": a.image_sha256,
            "verdict": a.verdict,
            "faces": str(len(a.faces)),
            "quality": _number(face.quality) if face else "",
            "quality_raw": _number(face.quality_raw) if face else "",
            "findings": _text_cell(FINDINGS_SEPARATOR.join(face.findings)) if face else "",
            "fail_count": str(sum(c.verdict.value == "fail" for c in a.subject_checks())),
            "warn_count": str(sum(c.verdict.value == "warn" for c in a.subject_checks())),
            "failed_checks": ";".join(c.id for c in a.subject_checks() if c.verdict.value == "fail"),
            "warned_checks": ";".join(c.id for c in a.subject_checks() if c.verdict.value == "warn"),
            "errors": _text_cell("; ".join(a.errors)),
            "decision": d.decision if d else "",
            "decision_reasons": _text_cell(";".join(d.reasons)) if d else "",
            "decision_note": _text_cell(d.note) if d else "",
            "decision_officer": _text_cell(d.officer) if d else "",
            "decision_login": _text_cell(d.login) if d else "",
            "decided_at": d.decided_at if d else "",
            "overridden_checks": ";".join(d.overridden) if d else "",
            "decision_profile": _text_cell(d.profile) if d else "",
            "decision_profile_sha256": d.profile_sha256 if d else "",
            "review_store_problem": _text_cell(item.store_problem),
            "profile": _text_cell(a.profile),
            "profile_sha256": a.profile_sha256,
            "not_run_checks": _text_cell(";".join(a.profile_info.switched_off)),  # the checks the profile does not run
            "quality_estimator": a.quality_estimator,
            "map_method": a.map_method,
            "backbone": a.backbone,
            "model_sha256": a.model_sha256,
            "models_sha256": a.models_sha256,
            "app_version": a.app_version,
            "analysed_at": a.created,
            "checked_at": a.checked_at,  # later where a cached analysis was judged under another profile
        }
        for check in a.subject_checks():
            row[f"{check.id}:verdict"] = check.verdict.value
            row[f"{check.id}:value"] = _number(check.value)
            row[f"{check.id}:unit"] = _text_cell(check.unit)
        row.update({measure: _number(value) for measure, value in iso_values(a.subject_checks()).items()})
        if face:
            row.update({f"region:{name}:deviation": _number(value) for name, value in face.region_deviation.items()})
        rows.append(row)
    return BASE_COLUMNS + extra, rows


def write_csv(target: str | Path, items: Sequence[ReportItem]) -> None:
    """One row per photo; UTF-8 with BOM so Excel opens accents correctly; written atomically."""
    _write_rows(target, *csv_rows(items))


COMPARISON_COLUMNS = [
    "photo_a", "photo_b", "score", "decision", "same_person_at", "not_same_below", "verdict_a", "verdict_b", "profile",
    "check_differences", "errors", "image_sha256_a", "image_sha256_b", "compared_at", "app_version",
]


def comparison_rows(comparisons: Sequence[Comparison]) -> list[dict[str, str]]:
    """One row per comparison; check_differences as 'id:verdict_a>verdict_b' separated by ';'."""
    return [
        {
            "photo_a": _text_cell(c.a.source),
            "photo_b": _text_cell(c.b.source),
            "score": _number(c.score),
            "decision": c.decision,
            "same_person_at": _number(c.thresholds.strict.threshold),
            "not_same_below": _number(c.thresholds.lenient.threshold),
            "verdict_a": c.a.verdict,
            "verdict_b": c.b.verdict,
            "profile": _text_cell(c.a.profile),  # the checklist both verdicts were judged under (one engine)
            "check_differences": ";".join(f"{d.id}:{d.verdict_a or '-'}>{d.verdict_b or '-'}" for d in c.check_changes()),
            "errors": _text_cell("; ".join(c.errors)),
            "image_sha256_a": c.a.image_sha256,
            "image_sha256_b": c.b.image_sha256,
            "compared_at": c.created,
            "app_version": c.app_version,
        }
        for c in comparisons
    ]


def write_comparisons_csv(target: str | Path, comparisons: Sequence[Comparison]) -> None:
    """One row per compared pair (`pfiq compare --pairs`), like `write_csv`."""
    _write_rows(target, COMPARISON_COLUMNS, comparison_rows(comparisons))


def _write_rows(target: str | Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(target, "\ufeff" + buffer.getvalue())


def export_dict(items: Sequence[ReportItem]) -> dict[str, Any]:
    """Everything as plain JSON data: each photo's full Analysis (no face embedding: `Face`), decision and audit trail."""
    photos = []
    for item in items:
        analysis = item.analysis.to_dict()
        photos.append(
            {
                "file": item.name,
                "verdict": item.analysis.verdict,
                "analysis": analysis,
                "decision": item.decision.to_dict() if item.decision else None,
                "audit": [e.to_dict() for e in item.audit],
                "review_store_problem": item.store_problem,
            }
        )
    return {
        "schema": EXPORT_SCHEMA,
        "generator": f"{APP_NAME} {__version__}",
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "photos": photos,
    }


def write_json(target: str | Path, items: Sequence[ReportItem]) -> None:
    write_text_atomic(target, json.dumps(export_dict(items), indent=1, allow_nan=True))
