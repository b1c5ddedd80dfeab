"""Threshold profiles: every number a check compares against, in a file an officer can read.

A profile is a TOML (or JSON) file with a `name`, a `description` and one table
per check id under `[checks]`. A profile may `extends` another one and override
only the values it changes, so a user's copy stays short and readable.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pfiq_desktop.engine.defaults import DEFAULT_PROFILE

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


def _merge(base: dict[str, dict[str, Any]], override: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged = {key: dict(values) for key, values in base.items()}
    for check_id, values in override.items():
        if not isinstance(values, dict):
            raise ProfileError(f"[checks.{check_id}] must be a table of thresholds")
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
    checks = data.get("checks", {})
    if not isinstance(checks, dict):
        raise ProfileError(f"{path}: 'checks' must be a table")
    parent = data.get("extends")
    if parent:
        if parent in _seen:
            raise ProfileError(f"{path}: circular 'extends' ({parent})")
        checks = _merge(load_profile(parent, (*_seen, parent)).checks, checks)
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        checks=_merge({}, checks),
        source=str(path),
    )
