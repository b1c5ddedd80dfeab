"""Threshold profiles: every number a check compares against, in a file an officer can read.

A profile is a TOML (or JSON) file with a `name`, a `description` and one table
per check id under `[checks]`. A profile may `extends` another one and override
only the values it changes, so a user's copy stays short and readable.

Profiles are validated on load (a check id the checklist does not know, a string
or NaN where a number belongs, bounds in the wrong order are a ProfileError naming
the file and the key), and identified by the hash of their *content*
(`Profile.sha256`): a copied and edited profile keeps its name but not its hash,
so results computed under other thresholds are never taken for this profile's.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pfiq_desktop.engine.defaults import DEFAULT_PROFILE
from pfiq_desktop.engine.icao.registry import THRESHOLD_KEYS

FLAG_KEYS = frozenset({"enabled", "fail_if_present", "allow_greyscale"})  # true/false; every other value is a number

_PACKAGE = "pfiq_desktop.engine.icao"


class ProfileError(ValueError):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class Profile:
    """Named thresholds per check id (`checks[check_id][key] -> number`)."""

    name: str
    description: str = ""
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""

    def params(self, check_id: str) -> dict[str, Any]:
        """The thresholds of one check; empty when the profile does not mention it."""
        return dict(self.checks.get(check_id, {}))

    def enabled(self, check_id: str) -> bool:
        return bool(self.checks.get(check_id, {}).get("enabled", True))

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the thresholds themselves (not the name): what a verdict depends on."""
        text = json.dumps(self.checks, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bundled_dir() -> Path:
    return Path(str(resources.files(_PACKAGE) / "profiles"))


def list_profiles() -> list[str]:
    """Names of the profiles shipped with the application, default first."""
    names = sorted(p.stem for p in _bundled_dir().glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.suffix.lower() == ".json":
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError) as exc:
        raise ProfileError(f"Cannot read profile {path}: {exc}") from exc


def _known_check_ids() -> set[str]:
    # imported here: the checklist imports this module, and the checks register on import
    from pfiq_desktop.engine.icao.checklist import ordered_checks

    return {spec.id for spec in ordered_checks()}


def _value(path: Path, check_id: str, key: str, value: Any) -> float | bool:
    """One threshold, checked: a flag is true/false, anything else a finite number (returned as float)."""
    where = f"{path}: [checks.{check_id}] {key}"
    if key in FLAG_KEYS:
        if not isinstance(value, bool):
            raise ProfileError(f"{where} = {value!r}: expected true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{where} = {value!r}: expected a number")
    if not math.isfinite(value):
        raise ProfileError(f"{where} = {value!r}: expected a finite number")
    return float(value)


def _validated(path: Path, checks: Any) -> dict[str, dict[str, float | bool]]:
    """The `[checks]` table of one file with every id and value checked."""
    if not isinstance(checks, dict):
        raise ProfileError(f"{path}: 'checks' must be a table")
    known = _known_check_ids()
    result: dict[str, dict[str, float | bool]] = {}
    for check_id, values in checks.items():
        if check_id not in known:
            raise ProfileError(f"{path}: [checks.{check_id}] is not a check this version knows")
        if not isinstance(values, dict):
            raise ProfileError(f"{path}: [checks.{check_id}] must be a table of thresholds")
        result[check_id] = {key: _value(path, check_id, key, value) for key, value in values.items()}
    return result


def _check_order(path: Path, checks: dict[str, dict[str, float | bool]]) -> None:
    """fail_below <= warn_below <= warn_above <= fail_above, and every x_min <= x_max."""
    for check_id, values in checks.items():
        present = [key for key in THRESHOLD_KEYS if key in values]
        pairs = list(zip(present, present[1:])) + [(key, key[:-4] + "_max") for key in values if key.endswith("_min")]
        for low, high in pairs:
            if low in values and high in values and values[low] > values[high]:
                raise ProfileError(
                    f"{path}: [checks.{check_id}] {low} = {values[low]:g} is above {high} = {values[high]:g} "
                    "(bounds in the wrong order)"
                )


def _merge(base: dict[str, dict[str, Any]], override: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged = {key: dict(values) for key, values in base.items()}
    for check_id, values in override.items():
        merged.setdefault(check_id, {}).update(values)
    return merged


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE, _seen: tuple[str, ...] = ()) -> Profile:
    """A bundled profile by name, or a user's TOML/JSON file by path."""
    text = str(name_or_path)
    bundled = _bundled_dir() / f"{text}.toml"
    path = bundled if bundled.is_file() else Path(text).expanduser()
    if not path.is_file():
        raise ProfileError(f"No profile named {text!r} (bundled: {', '.join(list_profiles())}) and no such file")
    data = _read(path)
    checks: dict[str, dict[str, Any]] = _validated(path, data.get("checks", {}))
    parent = data.get("extends")
    if parent:
        if not isinstance(parent, str):
            raise ProfileError(f"{path}: extends = {parent!r}: expected a profile name or file")
        if parent in _seen:
            raise ProfileError(f"{path}: circular 'extends' ({parent})")
        checks = _merge(load_profile(parent, (*_seen, parent)).checks, checks)
    _check_order(path, checks)
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        checks=checks,
        source=str(path),
    )
