"""How a check's reading becomes a verdict and a sentence: its profile's fail/warn bounds, an interval graded against
them, and the sentence with the reading written apart from the bounds it differs from (`registry` holds the checks)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pfiq_desktop.engine.results import Evidence, Verdict, bound_side

log = logging.getLogger(__name__)


@dataclass
class Measure:
    """What a check found; `checklist._run_one` adds id, name, family and face index."""

    verdict: Verdict
    reason: str
    value: float | None = None
    unit: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)
    iso_value: float | None = None  # the value in its ISO/IEC 29794-5 component's unit, where `value` is in another (mm)


THRESHOLD_KEYS = ("fail_below", "warn_below", "warn_above", "fail_above")


def is_bound(key: str) -> bool:
    """Whether a profile key is a fail/warn bound (in fractions, or in mm with `_mm`) rather than a setting."""
    return key.removesuffix("_mm") in THRESHOLD_KEYS


MAX_EXTRA_DECIMALS = 3  # decimals added to write a measured value apart from a bound it rounds onto
UNCERTAINTY_KEY = "uncertainty"  # beside a check's bounds: +- what its measurement may be off by (head pose)
# beside a check's bounds, where its interval crosses one: the least and most the measurement may be (head size). The
# value column then shows the interval: "70 % of height" beside "fail <70 %" and a warning read as a contradiction
RANGE_KEYS = ("range_low", "range_high")
UNWORDED = "the profile's limits"  # ends the plain sentence of a reading the check's own words cannot state
LIMIT_WORDS = re.compile(r"\b(?:allowed|needs|required) (\{fail_)")  # how the checks' sentences quote a fail bound


def bounds_of(params: dict[str, Any], suffix: str = "") -> dict[str, float]:
    """The fail/warn bounds of a profile's check table (suffix "_mm": the bounds it states in mm)."""
    return {key: float(params[key + suffix]) for key in THRESHOLD_KEYS if key + suffix in params}


def grade_interval(low: float, high: float, bounds: dict[str, float]) -> tuple[Verdict, bool]:
    """The verdict for a quantity known only to lie in [low, high], and whether it is imprecise.

    PASS (or WARN) only when the whole interval allows it, FAIL only when the whole interval is
    beyond a fail bound; an interval across a fail bound gives (WARN, True): the measurement cannot
    tell pass from fail, so the report says so instead of passing a reading it cannot back.
    """
    fail_below, fail_above = bounds.get("fail_below"), bounds.get("fail_above")
    warn_below, warn_above = bounds.get("warn_below"), bounds.get("warn_above")
    if (fail_below is not None and high < fail_below) or (fail_above is not None and low > fail_above):
        return Verdict.FAIL, False
    if (fail_below is not None and low < fail_below) or (fail_above is not None and high > fail_above):
        return Verdict.WARN, True
    if (warn_below is not None and low < warn_below) or (warn_above is not None and high > warn_above):
        return Verdict.WARN, False
    return Verdict.PASS, False


def graded_range(
    value: float,
    low: float,
    high: float,
    bounds: dict[str, float],
    reasons: dict[str, str],
    unit: str = "",
    evidence: Evidence | None = None,
) -> Measure:
    """A Measure for `value`, known only to lie in [low, high], from `grade_interval`, with the reason that
    `_reason` words for it."""
    verdict, imprecise = grade_interval(low, high, bounds)
    if verdict is Verdict.WARN and not imprecise and "imprecise" in reasons:
        # the reading within the recommended bounds, its interval across one: "Head is too small: about 23.0 mm
        # (ideally 22.5-40.5 mm)" read as a contradiction (supervisor's walk-through); the interval says why it warns
        imprecise = grade_interval(value, value, bounds)[0] is Verdict.PASS
    if imprecise:
        key = "imprecise"
    elif verdict is Verdict.PASS:
        key = "ok"
    else:
        # the side the measured interval leaves the bounds on (its low end, not the point value: a head measured at
        # 22.4-24.8 mm against an ideal from 22.5 is at the small end, although the point estimate 23.6 is inside)
        key = "low" if bound_side(low, bounds) < 0 else "high"
    borderline = verdict is Verdict.WARN and not imprecise
    # a missing sentence gets the plain one below, never the pass sentence ("fail | Little noise on the face")
    template = reasons.get(key)
    reason = None if template is None else _reason(template, borderline, {"v": value, "lo": low, "hi": high}, bounds)
    if reason is None:
        where = "within" if verdict is Verdict.PASS else "across" if imprecise else "outside"
        limits = ", ".join(f"{key.replace('_', ' ')} {limit:g}" for key, limit in bounds.items())
        reason = f"Measured {value:.3g} {unit}, {where} {UNWORDED} ({limits})."
    shown = {**bounds, **dict(zip(RANGE_KEYS, (float(low), float(high)), strict=True))} if imprecise else bounds
    return Measure(verdict, reason, float(value), unit, shown, evidence or Evidence())


def finer_decimals(value: float, near: Iterable[float], decimals: int) -> int | None:
    """The fewest decimals, more than `decimals` and at most MAX_EXTRA_DECIMALS more, that write `value` apart from
    every number in `near`; None when none does (closer than that, the value reads as the bound)."""
    for digits in range(decimals + 1, decimals + MAX_EXTRA_DECIMALS + 1):
        if all(_unsigned_zero(f"{other:.{digits}f}") != _unsigned_zero(f"{value:.{digits}f}") for other in near):
            return digits
    return None


def _unsigned_zero(text: str) -> str:
    """A number written as zero without its sign: -0.001 as "-0%" read as a sign error, and differs from "0%" in sign only."""
    return re.sub(r"^-(?=0(?:\.0*)?%?$)", "", text)


class _Measured(float):
    """A measured value in a check's sentence: where the sentence's format rounds it onto a bound it differs from
    ("lip gap 0.20 of the mouth width; allowed 0.20"), it is written with the decimals that tell them apart."""

    bounds: tuple[float, ...] = ()

    def __format__(self, spec: str) -> str:
        text = _unsigned_zero(super().__format__(spec))
        fixed = re.fullmatch(r"\.(\d+)([f%])", spec)
        near = [b for b in self.bounds if b != self and format(b, spec) == text]
        if fixed is None or not near:
            return text
        scale = 100.0 if fixed[2] == "%" else 1.0
        digits = finer_decimals(self * scale, [b * scale for b in near], int(fixed[1]))
        return text if digits is None else _unsigned_zero(f"{self * scale:.{digits}f}") + ("%" if scale == 100.0 else "")


def uncertain_decimals(uncertainty: float) -> int:
    """Decimals for a value known to +- `uncertainty`: none from 5 up, else one (more would claim a precision
    that is not there: "-0.144 ± 7 deg")."""
    return 0 if uncertainty >= 5 else 1


def reading_text(value: float, uncertainty: float, bounds: dict[str, float]) -> str:
    """A value known to +- `uncertainty`, to the decimals that allows (`uncertain_decimals`), with more only where
    that would write it as a point where its verdict changes (a bound, or a bound +- the uncertainty): "12.3"
    fails against 5 + 7, "12" would read as a warning."""
    edges = [bound + shift for bound in bounds.values() for shift in (-uncertainty, 0.0, uncertainty)]
    size = format(_measured(abs(value), edges), f".{uncertain_decimals(uncertainty)}f")  # bounds hold for either sign
    return size if value >= 0 or float(size) == 0 else f"-{size}"  # "-0 ± 7" read as a sign


def _measured(value: float, bounds: Iterable[float]) -> _Measured:
    """`value` for a sentence, written apart from the `bounds` it differs from (see `_Measured`)."""
    shown = _Measured(value)
    shown.bounds = tuple(bounds)
    return shown


def _reason(template: str, borderline: bool, measured: dict[str, float], bounds: dict[str, float]) -> str | None:
    """The check's sentence with the measured values (v, lo, hi) and the bounds filled in; None when it quotes a
    bound the profile does not set.

    A borderline warning (past a warn bound, within the fail bounds) quotes the recommended bound the value missed
    in the fail bound's place, as "recommended", and says it is borderline: quoting the fail bound read as a
    contradiction ("too dark (L* 60; needs 45)"), and so did the warn bound as "allowed" ("lip gap 0.16; allowed 0.10.
    Borderline: within the limit"). A sentence that names a warn bound itself is left as it is."""
    quoted = bounds
    if borderline and "{warn_" not in template:
        quoted = {**bounds, **{f"fail_{side}": bounds[f"warn_{side}"] for side in ("below", "above") if f"warn_{side}" in bounds}}
        template = LIMIT_WORDS.sub(r"recommended \1", template) + " Borderline: within the limit, past the recommended value."
    try:
        return template.format(**{key: _measured(value, quoted.values()) for key, value in measured.items()}, **quoted)
    except KeyError as missing:  # a user's profile left out a bound the sentence quotes
        log.info("reason %r not worded: the profile sets no %s", template, missing)
        return None


def graded(
    value: float,
    params: dict[str, Any],
    reasons: dict[str, str],
    unit: str = "",
    evidence: Evidence | None = None,
) -> Measure:
    """A Measure for an exact value against the profile's fail/warn bounds (see `graded_range`)."""
    return graded_range(value, value, value, bounds_of(params), reasons, unit, evidence)
