"""A check's measured value and bounds, and counts, in an officer's words, for every place that shows them (window,
PDF, figures, commands).

The engine keeps its measurement units in the JSON and CSV ("fraction of width", "probability", "L*"): exact, and
what other tools' columns line up with. Read on screen they were engineer-speak ("0.309 fraction of height",
"0.815 probability"); here each unit gets a scale and a phrase ("31 % of height", "82 % likely").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from pfiq_desktop.engine.icao.grading import RANGE_KEYS, UNCERTAINTY_KEY, bounds_of, finer_decimals, reading_text
from pfiq_desktop.engine.icao.registry import CLOSED_UNIT, COPIES_UNIT, DETAIL_UNIT, HALF_BLUR_UNIT, HIDDEN_UNIT, SMEAR_UNIT
from pfiq_desktop.engine.results import STORED_TURNED_UNIT, CheckResult, Verdict, upright_by

# unit -> (factor, how the scaled number is written: {n} is the number, already formatted)
_SHOWN: dict[str, tuple[float, str]] = {
    "fraction of width": (100.0, "{n} % of width"),
    "fraction of height": (100.0, "{n} % of height"),
    "fraction of head height": (100.0, "margin {n} % of head height"),  # "214 % of head height" read as the head's share
    "fraction": (100.0, "{n} % of area"),
    "probability": (100.0, "covered {n} % likely"),  # the covering checks' (mask, head covering): "92 % likely" said not of what
    "fraction of face median PLQ": (100.0, "lowest region {n} % of face median"),  # "134 %" read as the face's share
    "gap/width": (100.0, "lip gap {n} %"),
    "grey level": (1.0, "{n}/255"),
    "L*": (1.0, "lightness {n}/100"),
    CLOSED_UNIT: (1.0, "closed {n} % likely"),  # "64.8 % closed" beside "Pass" read as a lid two-thirds shut
    HIDDEN_UNIT: (1.0, "hidden {n} % likely"),
    "teeth probability": (100.0, "teeth {n} % likely"),
    "% clear": (1.0, "clear lenses {n} %"),  # the eye check's confidence in what it saw
    "% tinted": (1.0, "tinted lenses {n} %"),
    "% no glasses": (1.0, "no glasses {n} %"),
    "Laplacian variance": (1.0, "detail {n}"),
    "texture index": (1.0, "texture {n}"),
    "CIELAB units outside the skin range": (1.0, "{n} outside skin tones"),
    "width/height": (1.0, "w:h {n}"),
    "bits": (1.0, "{n} bits of tone"),
    "darker half / brighter half": (100.0, "darker half {n} %"),
    "darker side / brighter side": (100.0, "darker side {n} %"),
    "largest other face / subject": (100.0, "largest other face {n} %"),  # of the subject's ("other faces 120 %" puzzled)
    "blockiness": (1.0, "blockiness {n}"),
    SMEAR_UNIT: (100.0, "detail across the smear {n} %"),
    HALF_BLUR_UNIT: (100.0, "blurred half {n} % of the other's detail"),  # "0.00875 blurrier / sharper half" in the PDF
    DETAIL_UNIT: (1.0, "{n} px of detail"),  # an enlarged face's (its pixels would pass)
}
# ... where the table's column is too narrow for them: the word that gives the number its meaning beside it. Cut to the
# words that fit, "no glasses 99.5 %" read "glasses 99.5 %" beside a pass, "tinted lenses" "lenses" (fourth walk-through)
_SHORT: dict[str, str] = {
    "fraction of head height": "margin {n} %",
    "fraction of face median PLQ": "lowest {n} %",
    "% clear": "clear {n} %",
    "% tinted": "tinted {n} %",
    "% no glasses": "none {n} %",
    "CIELAB units outside the skin range": "off-tone {n}",
    "bits": "{n} bits",
    "largest other face / subject": "others {n} %",
    DETAIL_UNIT: "detail {n} px",
}
PLAIN_UNITS = frozenset({"deg", "mm", "px", "px high"})  # read as they stand: "12.3 deg", "152 px"
# "1 images" (and "1 image(s)") read as an engineer's: the noun and its plural
_COUNTED = {"faces": ("face", "faces"), "images": ("image", "images"), COPIES_UNIT: ("copy", "copies")}
_PERCENT = {unit for unit, (factor, _) in _SHOWN.items() if factor == 100.0 or unit.startswith("%")}  # bounds shown as "90 %"
# read in whole steps: "lightness 72/100", not "72.5/100"
_WHOLE = {"grey level", "L*", "Laplacian variance", CLOSED_UNIT, HIDDEN_UNIT, DETAIL_UNIT}
_DECIMALS = {"width/height": 3}  # as the profiles state them: "w:h 1" read as a broken ratio beside "needs 0.740-0.820"


def _missing(value: float | int | None) -> bool:
    """No measurement: None, NaN or infinite (shown as a dash)."""
    return value is None or not math.isfinite(value)


def counted(count: int, noun: str, plural: str = "") -> str:
    """'1 photo', '2 photos' ('1 entry', '2 entries' given the plural): a count as the window and the commands write it
    ("1 photos" was a window's title)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def format_number(value: float | int | None) -> str:
    """A float to 3 significant digits (none or NaN: a dash), an int as str() writes it."""
    if _missing(value):
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def profile_text(name: str, sha256: str) -> str:
    """A profile's name and the start of its content hash (an edited profile keeps its name: "under de-passport, not
    de-passport" said nothing)."""
    return f"{name or '–'} ({sha256[:12]})" if sha256 else name or "–"


def quality_text(quality: float | None) -> str:
    """The recognition quality (0..1) as every view writes it, two decimals: "1" beside "0.977" in one summary read
    as two kinds of number."""
    return "–" if _missing(quality) else f"{quality:.2f}"


def _scaled(value: float, unit: str) -> str:
    factor = _SHOWN[unit][0] if unit in _SHOWN else 1.0
    scaled = float(value) * factor
    if unit in _DECIMALS:
        return f"{scaled:.{_DECIMALS[unit]}f}"
    if unit in _WHOLE or (factor == 100.0 and abs(scaled) >= 1):
        return f"{scaled:.0f}"  # percentages: whole numbers read best ("31 %", not "30.9 %")
    if factor == 100.0 and 0 < abs(scaled) < 0.1:
        return "<0.1"  # "0.00155 % likely" claimed a precision the estimate does not have
    if factor == 100.0:
        return f"{scaled:.1f}".rstrip("0").rstrip(".")
    return format_number(scaled)


def _apart(value: float, unit: str, bounds: Iterable[float]) -> str:
    """The value's number as `_scaled` writes it, with as many more decimals as it takes (`finer_decimals`) to
    differ from a bound it is not equal to: "lip gap 20 %" against "fail >20 %" hid why the check failed."""
    text = _scaled(value, unit)
    near = [b for b in bounds if b != value and _scaled(b, unit) == text]
    if not near:
        return text
    factor = _SHOWN[unit][0] if unit in _SHOWN else 1.0
    digits = finer_decimals(value * factor, [b * factor for b in near], len(text.partition(".")[2]))
    return text if digits is None else f"{value * factor:.{digits}f}"


def value_text(value: float | int | None, unit: str = "", bounds: Iterable[float] = (), short: bool = False) -> str:
    """A check's value as an officer reads it: "31 % of height", "12.3 deg", "1 face"; never written as one of the
    `bounds` it differs from (see `_apart`); `short`: in its unit's short words, for a narrow column."""
    if value is None or _missing(value):  # (the None test again, for the type checker)
        return "–"
    if unit in _COUNTED:
        return counted(round(value), *_COUNTED[unit])
    if unit == "colour":
        return "colour" if value else "black and white"
    if unit == STORED_TURNED_UNIT:  # as the reason says it ("turned 90 degrees anticlockwise"), not "270 deg clockwise"
        return f"turn {upright_by(value)}"
    number = _apart(value, unit, bounds) if unit in _SHOWN or isinstance(value, float) else format_number(value)
    return _phrased(number, unit, short)


def has_words(unit: str) -> bool:
    """Whether `value_text` words a check's unit for an officer, not as the engineer's bare unit ("8.78 noise sigma")."""
    return unit in _SHOWN or unit in _COUNTED or unit in PLAIN_UNITS or unit in ("colour", STORED_TURNED_UNIT)


def _phrased(number: str, unit: str, short: bool = False) -> str:
    """A number already written on its unit's scale, in that unit's words ("31 % of height", "12.3 deg"), or its short
    words (`_SHORT`)."""
    if short and unit in _SHORT:
        return _SHORT[unit].format(n=number)
    return _SHOWN[unit][1].format(n=number) if unit in _SHOWN else f"{number} {unit}".strip()


def check_value_text(check: CheckResult, short: bool = False) -> str:
    """A check's value with its measurement's uncertainty where it has one ("2.7 ± 4.5 deg"), written as its sentence
    writes it (`reading_text`): a head-pose warning at 3 deg against a 5 deg limit read as a contradiction without it.
    `short`: in its unit's short words (`_SHORT`), for a column too narrow for the whole."""
    uncertainty = check.thresholds.get(UNCERTAINTY_KEY)
    low, high = (check.thresholds.get(key) for key in RANGE_KEYS)
    if low is not None and high is not None:  # "66–73 % of height": it may lie either side of a bound
        dash = " to " if low < 0 else "–"  # "margin -4–16 %" read as one number (fourth walk-through)
        return _phrased(f"{_scaled(low, check.unit)}{dash}{_scaled(high, check.unit)}", check.unit, short)
    if uncertainty is None or check.value is None or _missing(check.value):
        text = value_text(check.value, check.unit, bounds_of(check.thresholds).values(), short)
        # a green "Pass" beside "closed 71 % likely" read as a contradiction; the reason, not on the reports, said the
        # eye was taken as open under the bar at which one eye alone is flagged (explanation walk-through)
        seen_open = check.unit == CLOSED_UNIT and check.verdict is Verdict.PASS and (check.value or 0.0) >= 50.0
        return text + ", taken as open" if seen_open else text
    return f"{reading_text(check.value, uncertainty, bounds_of(check.thresholds))} ± {format_number(uncertainty)} {check.unit}".strip()


def bound_text(value: float, unit: str = "") -> str:
    """One bound of a check, on the same scale as `value_text` ("50 %" for a fraction of the width)."""
    return f"{_scaled(value, unit)} %" if unit in _PERCENT else _scaled(value, unit)


def bounds_text(thresholds: dict[str, float], unit: str = "") -> str:
    """The profile's fail/warn bounds, compact: 'fail <50 % >75 % · warn <55 %' (model settings are left out)."""
    numeric = {k: v for k, v in (thresholds or {}).items() if isinstance(v, (int, float))}
    parts = []
    for word, low, high in (("fail", "fail_below", "fail_above"), ("warn", "warn_below", "warn_above")):
        bounds = [f"{sign}{bound_text(float(numeric[key]), unit)}" for key, sign in ((low, "<"), (high, ">"))
                  if key in numeric]
        if bounds:
            parts.append(f"{word} {' '.join(bounds)}")
    return " · ".join(parts) if parts else "–"


def when(iso: str) -> str:
    """'2025-01-02T10:00:00.123+00:00' -> '2025-01-02 11:00:00 +01:00' on a computer in Paris: readable, exact to the
    second, in this computer's time zone. Times are stored in UTC; shown so, a Tokyo officer's report said "made 09:07
    +09:00" beside decisions at 00:07 +00:00, and a retention day (local) cut where the reports dated entries a day
    earlier (international walk-through)."""
    if not iso:
        return "–"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.utcoffset() is not None:
        moment = moment.astimezone()
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.utcoffset() is not None:
        offset = moment.strftime("%z")
        text += f" {offset[:3]}:{offset[3:5]}"
    return text
