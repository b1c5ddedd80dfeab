"""The user's settings: one owner for device, profile, officer, folders and theme.

Saved as JSON in the application's data folder (`appdirs.settings_path`). Values
given on the command line for one session (`main.py --profile strict`) are
overrides: they win while the program runs and are never written back, so a
one-off choice does not become the officer's default.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from pfiq_desktop import appdirs
from pfiq_desktop.atomic import OutputError, set_aside, write_text_atomic
from pfiq_desktop.engine.defaults import DEFAULT_DEVICE, DEFAULT_PROFILE

log = logging.getLogger(__name__)

SYSTEM_THEME = "system"  # follow the desktop, also when it switches between light and dark
THEMES = (SYSTEM_THEME, "light", "dark")
DEFAULT_THEME = SYSTEM_THEME
MAX_RECENT = 8
LIST_SORTS = ("name", "worst first")  # the photo list's orders, as its sort box lists them


@dataclass(frozen=True)
class Settings:
    """What the officer chose; every default is the engine's or the application's own."""

    device: str = DEFAULT_DEVICE
    profile: str = DEFAULT_PROFILE
    backbone: str = ""  # "" = the built-in dlib ResNet; otherwise a model file (.onnx, .pt) with its .toml sidecar
    compare_backbone: str = ""  # the last model file the compare mode (Analysis > Compare recognition networks) used
    officer: str = ""
    export_folder: str = ""
    theme: str = DEFAULT_THEME
    recent_folders: tuple[str, ...] = field(default_factory=tuple)
    last_photo: str = ""  # the photo on screen when the window closed: reopening its folder goes back to it
    list_sort: str = LIST_SORTS[0]  # the photo list's order at closing: it came back sorted by name
    map_kind: str = ""  # the map the photo view showed at closing ('' the default; display.MAP_KINDS): it came back as the default
    list_filter: str = ""  # ... and what it showed ('' all; browser.FILTERS): "Undecided" came back as "All" beside the kept sort

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Known keys of the right type; anything else is ignored (and logged)."""
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value, default = data[f.name], getattr(defaults, f.name)
            if isinstance(default, tuple) and isinstance(value, list) and all(isinstance(v, str) for v in value):
                values[f.name] = tuple(value)
            elif isinstance(default, str) and isinstance(value, str):
                values[f.name] = value
            else:
                log.warning("settings: ignoring %s=%r (expected %s)", f.name, value, type(default).__name__)
        if values.get("theme", DEFAULT_THEME) not in THEMES:
            log.warning("settings: unknown theme %r, using the system's", values.pop("theme"))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recent_folders"] = list(self.recent_folders)
        return data

    def with_recent(self, folder: str) -> Settings:
        """The same settings with `folder` first in the recent folders."""
        folders = [folder, *(f for f in self.recent_folders if f != folder)][:MAX_RECENT]
        return replace(self, recent_folders=tuple(folders))


class SettingsStore:
    """Loads, holds and saves the settings; session overrides win but are never saved."""

    def __init__(self, path: str | Path | None = None, overrides: dict[str, str] | None = None) -> None:
        self.path = Path(path) if path is not None else appdirs.settings_path()
        self.problem = ""  # what the window says about settings it could not read ('' when they were read)
        self.saved = self._load()
        self.overrides = {k: v for k, v in (overrides or {}).items() if v}

    @property
    def current(self) -> Settings:
        """The settings in force now: the saved ones with this session's overrides."""
        return replace(self.saved, **cast(dict[str, Any], self.overrides))  # (only string fields are overridden)

    def update(self, **changes: Any) -> Settings:
        """Change and save settings; a value the user sets replaces this session's override."""
        for key in changes:
            self.overrides.pop(key, None)
        self.saved = replace(self.saved, **changes)
        self.save()
        return self.current

    def save(self) -> None:
        """Write the saved settings; a failure is logged, the program carries on."""
        try:
            write_text_atomic(self.path, json.dumps(self.saved.to_dict(), indent=1))
        except OutputError:
            log.exception("settings could not be saved to %s", self.path)

    def _load(self) -> Settings:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except OSError:
            log.exception("settings could not be read from %s; using defaults", self.path)
            return Settings()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as damage:
            self._set_aside(damage)
            return Settings()
        return Settings.from_dict(data)

    def _set_aside(self, damage: ValueError) -> None:
        """A damaged settings file is kept as '<name>.damaged' and said: it was overwritten with the defaults at the
        next save, and the officer went on under the default profile without a word (resilience walk-through)."""
        try:
            aside = set_aside(self.path)
        except OSError as problem:
            log.warning("the damaged settings file %s could not be set aside: %s", self.path, problem)
            aside = self.path
        log.warning("settings file %s is damaged (%s); kept as %s, the defaults are in use", self.path, damage, aside.name)
        self.problem = (f"Your settings file was damaged and is kept as {aside}: the default settings are in use (profile "
                        f"{DEFAULT_PROFILE}). Choose your profile and settings again in File ▸ Settings.")
