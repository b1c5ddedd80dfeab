"""Threshold profiles: every number a check compares against, in a file an officer can read.

A profile is a TOML (or JSON) file with a `name`, a `description` and one table
per check id under `[checks]`. A profile may `extends` another one and override
only the values it changes, so a user's copy stays short and readable.

The default profile states every setting a check needs, and it is their only owner
(the checks hold no bounds of their own; what they measure with, such as when a photo
counts as greyscale, is defined beside the measurement): a profile that extends nothing gets the
default's table for each check it leaves out and the default's settings (everything
but the fail/warn bounds) in each table it leaves incomplete. A table that is there
keeps only the bounds it states, so leaving one out still means "no such bound".

Where they are found: the bundled ones by name, the user's own (TOML files in the data
folder's profiles/, `appdirs.profiles_dir`) by file name, any other by path. A file of
the user's never passes for a bundled profile: its title names the file.

Profiles are validated on load (an unknown top-level key, check id or setting, a string
or NaN where a number belongs, a number outside what it is (`scales.SCALES`), bounds in
the wrong order are a ProfileError naming the file and the key), and identified by the hash of their *content*
(`Profile.sha256`): a copied and edited profile keeps its name but not its hash,
so results computed under other thresholds are never taken for this profile's.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import math
import os
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pfiq_desktop import appdirs
from pfiq_desktop.engine import results
from pfiq_desktop.engine.defaults import DEFAULT_PROFILE
from pfiq_desktop.engine.icao.grading import THRESHOLD_KEYS, is_bound
from pfiq_desktop.engine.icao.registry import CHECKS
from pfiq_desktop.engine.icao.scales import SATURATION, scale_of

log = logging.getLogger(__name__)

TOP_LEVEL_KEYS = frozenset({"name", "description", "extends", "meta", "print", "rules", "not_assessable", "cite", "checks"})
# settings an earlier version had, with what took their place: a profile written for it is refused with the way forward
RETIRED_SETTINGS = {
    ("natural_colour", "chroma_min"): f"0.4.12 bounds saturation_min instead, {SATURATION}: chroma falls with lightness "
                                      "and called darker skin washed out",
}
# true/false; every other value is a number
FLAG_KEYS = frozenset({"enabled", "fail_if_present", "fail_if_headscarf", "fail_if_teeth", "allow_greyscale", "pass_only_if_confirmed"})


class ProfileError(ValueError):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class Profile:
    """Named thresholds per check id (`checks[check_id][key] -> number`)."""

    name: str
    description: str = ""
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""
    info: results.ProfileInfo = field(default_factory=results.ProfileInfo)

    def params(self, check_id: str) -> dict[str, Any]:
        """The thresholds of one check; empty when the profile does not mention it."""
        return dict(self.checks.get(check_id, {}))

    def enabled(self, check_id: str) -> bool:
        return bool(self.checks.get(check_id, {}).get("enabled", True))

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of what a verdict depends on, not of the name: the thresholds, the print format the
        geometry is measured at and the checks the profile declares it cannot assess."""
        decisive = {"checks": self.checks, "print_format": asdict(self.info.print_format)
                    if self.info.print_format else None, "not_assessable": self.info.not_assessable}
        text = json.dumps(decisive, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bundled_dir() -> Path:
    return Path(str(resources.files(__package__) / "profiles"))


def _your_files() -> list[Path]:
    folder = appdirs.profiles_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def shadowed_profiles() -> list[Path]:
    """The user's profile files named like a bundled profile: not offered, as the bundled one is what that name loads
    (a release that adds a bundled profile can take the name of one a user made: 0.4.14's age profiles)."""
    bundled = set(list_profiles())
    return [p for p in _your_files() if p.stem in bundled]


def your_profiles() -> list[str]:
    """The profiles in the user's profiles folder, by file name (not those `shadowed_profiles` lists)."""
    shadowed = shadowed_profiles()
    for path in shadowed:
        log.warning("profile file %s is not offered: %r is a bundled profile's name; rename the file", path, path.stem)
    return [p.stem for p in _your_files() if p not in shadowed]


def list_profiles() -> list[str]:
    """Names of the profiles shipped with the application, default first."""
    names = sorted(p.stem for p in _bundled_dir().glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


class ProfileTitle(NamedTuple):
    """What a list of profiles says of one: its title, and whether it loads (one that does not is shown, not offered)."""

    text: str
    loads: bool


def profile_title(name: str) -> ProfileTitle:
    """A profile's title and description for a list of names ("ICAO 9303 (default): ICAO 9303 / ISO 39794-5
    defaults"); the error for one that does not load (it is logged, the list still shows its name)."""
    try:
        profile = load_profile(name)
    except ProfileError as failure:
        log.warning("profile %s does not load: %s", name, failure)
        return ProfileTitle(f"does not load: {failure}", loads=False)
    title, description = profile.info.title, profile.description
    return ProfileTitle(description if description.startswith(title) else ": ".join(filter(None, (title, description))), loads=True)


def _read(path: Path) -> dict[str, Any]:
    """The file's tables; a UTF-8 byte-order mark (Windows Notepad writes one) is allowed."""
    try:
        data_bytes = path.read_bytes()
        text = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # "'utf-8' codec can't decode byte 0x96 in position 80" (profile author)
        line = data_bytes[: exc.start].count(b"\n") + 1
        raise ProfileError(f"{path} is not saved as UTF-8 (line {line}): save it as UTF-8 in your editor "
                           "(Notepad: Save as, Encoding UTF-8)") from exc
    except OSError as exc:
        raise ProfileError(f"Cannot read profile {path}: {exc}") from exc
    try:
        if path.suffix.lower() == ".json":
            data: dict[str, Any] = json.loads(text)
            return data
        return tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ProfileError(f"Cannot read profile {path}: {exc}") from exc


def _did_you_mean(text: str, known: Iterable[str]) -> str:
    """'; did you mean head_size?' for a near miss, else ''."""
    close = difflib.get_close_matches(text, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _find(name_or_path: str) -> tuple[Path | None, bool]:
    """(the file of a profile named so, bundled or the user's, or at that path; None when there is none, whether it
    was found by name)."""
    try:
        bundled, yours = _bundled_dir() / f"{name_or_path}.toml", appdirs.profiles_dir() / f"{name_or_path}.toml"
        by_name = next((p for p in (bundled, yours) if Path(name_or_path).name == name_or_path and p.is_file()), None)
        path = by_name or Path(name_or_path).expanduser()
        return (path if path.is_file() else None), by_name is not None
    except (OSError, RuntimeError, ValueError) as error:  # "~nosuchuser/x", a 5,000-character name
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ProfileError(f"not a usable profile name or file path ({reason})") from error


def _extended(path: Path, extends: str) -> str:
    """What a profile's `extends` names: a profile by name, else a file, a relative one beside the profile that
    extends it (the working folder is wherever the app was started from, so it found the file or not by chance)."""
    try:
        if _find(extends)[1]:
            return extends
    except ProfileError as error:
        raise ProfileError(f"{path}: extends = {_shown(extends)}: {error}") from error
    return str(path.parent / os.path.expanduser(extends))


def _shown(text: str) -> str:
    """A profile reference as an error quotes it: a 5,000-character one cut short."""
    return repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text)} characters)"


def _identity(profile: str | Path) -> str:
    """One name for one profile, to see a cycle of `extends`: a name as it is, a file as its real path ('..' and
    symbolic links resolved the way the system opens it)."""
    return str(profile) if _find(str(profile))[1] else os.path.realpath(profile)


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
    try:  # a whole number of 400 digits does not fit a float: it stopped the window from opening (security review)
        number = float(value)
    except OverflowError:
        raise ProfileError(f"{where}: the number is far too large") from None
    if not math.isfinite(number):
        raise ProfileError(f"{where} = {value!r}: expected a finite number")
    return number


def _is_default(path: Path) -> bool:
    return path == _bundled_dir() / f"{DEFAULT_PROFILE}.toml"


def _check_keys(path: Path, check_id: str, values: dict[str, Any]) -> None:
    """Every key of a table is a bound, `enabled` or a setting the default profile gives this check: a misspelt key
    would otherwise be ignored without a word."""
    settings = {key for key in _default_checks().get(check_id, {}) if not is_bound(key)}
    for key in values:
        if is_bound(key) and scale_of(check_id, key) is None:  # it was ignored without a word
            kind = "bounds in mm" if key.endswith("_mm") else "fail/warn bounds"
            others = f" (its settings: {', '.join(sorted(settings))})" if settings else ""
            raise ProfileError(f"{path}: [checks.{check_id}] {key}: this check takes no {kind}{others}")
        if not (is_bound(key) or key == "enabled" or key in settings):
            if retired := RETIRED_SETTINGS.get((check_id, key)):
                raise ProfileError(f"{path}: [checks.{check_id}] {key} is no longer a setting: {retired}")
            others = f"; its settings: {', '.join(sorted(settings))}" if settings else ""
            raise ProfileError(f"{path}: [checks.{check_id}] {key} is not a setting of this check (bounds: "
                               f"{', '.join(THRESHOLD_KEYS)}, also with _mm{others})")


PERCENT_LIKE = 2.0  # a share's value above this (up to 100) was written as a percent


def _check_range(path: Path, check_id: str, values: dict[str, float | bool]) -> None:
    """Every number within the range of what it is (`scales.SCALES`). A share written as a percent (`fail_above = 90`
    for 0.90) loaded without a word and switched the check off: a hat read at probability 1.0 passed "No head
    covering" (profile author's walk-through); it is refused with the share to write."""
    for key, value in values.items():
        if isinstance(value, bool) or (scale := scale_of(check_id, key)) is None:
            continue
        if scale.low <= value <= scale.high:
            continue
        where = f"{path}: [checks.{check_id}] {key} = {value:g}"
        if scale.percent and PERCENT_LIKE < value <= 100.0:
            raise ProfileError(f"{where} looks like a percentage, but it is {scale.text}: write {value / 100:g}")
        # below PERCENT_LIKE a value is as likely a slip as a percent: the range is said, and the share a percent would be
        meant = f" (for {value:g} %, write {value / 100:g})" if scale.percent and 1.0 < value <= PERCENT_LIKE else ""
        raise ProfileError(f"{where} is out of range: it is {scale.text}{meant}")


@cache
def _default_checks() -> dict[str, dict[str, Any]]:
    """The default profile's checks, read once: every user profile's tables are compared with them."""
    return load_profile(DEFAULT_PROFILE).checks


def _validated(path: Path, checks: Any) -> dict[str, dict[str, float | bool]]:
    """The `[checks]` table of one file with every id, key and value checked."""
    if not isinstance(checks, dict):
        raise ProfileError(f"{path}: 'checks' must be a table")
    known = _known_check_ids()
    result: dict[str, dict[str, float | bool]] = {}
    for check_id, values in checks.items():
        if check_id not in known:
            raise ProfileError(f"{path}: [checks.{check_id}] is not a check this version knows{_did_you_mean(check_id, known)}")
        if not isinstance(values, dict):
            raise ProfileError(f"{path}: [checks.{check_id}] must be a table of thresholds")
        if not _is_default(path):  # the default profile is where the settings are defined
            _check_keys(path, check_id, values)
        result[check_id] = {key: _value(path, check_id, key, value) for key, value in values.items()}
        _check_range(path, check_id, result[check_id])  # the default's numbers too: a slip there misjudges every photo
    return result


def _check_order(path: Path, checks: dict[str, dict[str, float | bool]]) -> None:
    """fail_below <= warn_below <= warn_above <= fail_above (in fractions and in mm), and every x_min <= x_max."""
    for check_id, values in checks.items():
        pairs = [(key, key[:-4] + "_max") for key in values if key.endswith("_min")]
        for suffix in ("", "_mm"):
            present = [key + suffix for key in THRESHOLD_KEYS if key + suffix in values]
            pairs += list(zip(present, present[1:]))
        for low, high in pairs:
            if low in values and high in values and values[low] > values[high]:
                raise ProfileError(
                    f"{path}: [checks.{check_id}] {low} = {values[low]:g} is above {high} = {values[high]:g} "
                    "(bounds in the wrong order)"
                )


# The checks whose fraction bounds restate mm bounds, and the print side each is a share of.
_SHARES_OF_THE_PRINT = {"head_size": "height", "eye_line_height": "height", "head_width": "width"}
SHARE_TOLERANCE = 0.002  # the bundled profiles' fractions are their mm bounds rounded to 3 decimals


def _check_print_agreement(path: Path, checks: dict[str, dict[str, Any]], fmt: results.PrintFormat,
                           not_assessable: dict[str, str]) -> None:
    """A profile's print size, its mm bounds, their fractions and its aspect-ratio bounds must state one geometry.

    The mm bounds judge a photo of the print's shape, the fractions any other, and the aspect ratio which one
    a photo is: a child profile that changes [print] but keeps its parent's fractions or aspect ratio would
    judge photos by two different rules (found adding a profile from the docs).
    """
    for check_id, side in _SHARES_OF_THE_PRINT.items():
        values = checks.get(check_id, {})
        if check_id in not_assessable or values.get("enabled", True) is False:
            continue
        size = fmt.height_mm if side == "height" else fmt.width_mm
        for key in THRESHOLD_KEYS:
            if key in values and f"{key}_mm" in values and abs(values[key] - values[f"{key}_mm"] / size) > SHARE_TOLERANCE:
                raise ProfileError(
                    f"{path}: [checks.{check_id}] {key} = {values[key]:g} but {key}_mm = {values[f'{key}_mm']:g} is "
                    f"{values[f'{key}_mm'] / size:.3f} of the {size:g} mm print {side} ([print]): set {key} = "
                    f"{values[f'{key}_mm'] / size:.3f} (fractions judge photos of another shape, mm those of the print's)"
                )
    aspect = checks.get("aspect_ratio", {})
    narrowest, widest = fmt.aspect_range()
    low, high = aspect.get("fail_below", 0.0), aspect.get("fail_above", float("inf"))
    if aspect.get("enabled", True) is not False and not low <= narrowest <= widest <= high:
        raise ProfileError(
            f"{path}: [checks.aspect_ratio] fail_below = {low:g}, fail_above = {high:g} fail the {fmt.size_text()} "
            f"print's own width:height {fmt.aspect_text()} ([print]): widen them to include it"
        )


def _merge(base: dict[str, dict[str, Any]], override: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged = {key: dict(values) for key, values in base.items()}
    for check_id, values in override.items():
        merged.setdefault(check_id, {}).update(values)
    return merged


def _completed(checks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`checks` with what it leaves out taken from the default profile: whole tables, and the settings that
    are not bounds in the tables it has."""
    default = load_profile(DEFAULT_PROFILE).checks
    completed = {check_id: dict(values) for check_id, values in default.items() if check_id not in checks}
    for check_id, values in checks.items():
        settings = {key: value for key, value in default.get(check_id, {}).items() if not is_bound(key)}
        completed[check_id] = {**settings, **values}
    return completed


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE, _seen: tuple[str, ...] = ()) -> Profile:
    """A bundled profile by name, one in the user's profiles folder by its file name, or a TOML/JSON file by path."""
    text = str(name_or_path)
    try:
        path, by_name = _find(text)
    except ProfileError as error:
        raise ProfileError(f"{_shown(text)}: {error}") from error
    if path is None:
        raise ProfileError(f"No profile named {text!r} (bundled: {', '.join(list_profiles())}; yours, in "
                           f"{appdirs.profiles_dir()}: {', '.join(your_profiles()) or 'none'}) and no such file")
    data = _read(path)
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:  # `extend = "strict"` or `[check.exposure]` would be ignored, and the defaults taken for the agency's
        raise ProfileError(f"{path}: {', '.join(unknown)} is not part of a profile (a profile has: {', '.join(sorted(TOP_LEVEL_KEYS))})")
    checks: dict[str, dict[str, Any]] = _validated(path, data.get("checks", {}))
    extends = data.get("extends")
    if extends:
        if not isinstance(extends, str):
            raise ProfileError(f"{path}: extends = {extends!r}: expected a profile name or file")
        parent = _extended(path, extends)
        seen_as = _identity(parent)
        if seen_as in (*_seen, os.path.realpath(path)):
            raise ProfileError(f"{path}: circular 'extends' ({extends})")
        if len(_seen) >= MAX_EXTENDS:  # 1,200 files each extending the next ran out of stack (security review)
            raise ProfileError(f"{path}: extends = {extends!r}: more than {MAX_EXTENDS} profiles extend one another")
        if _find(parent)[0] is None:  # "No profile named 'au-pasport'" named neither the file nor its extends line
            bundled, yours = list_profiles(), your_profiles()  # (each lists a folder)
            looked = "" if os.path.isabs(os.path.expanduser(extends)) else f"; a file is looked for from {path.parent}"
            raise ProfileError(f"{path}: extends = {extends!r}: there is no such profile or file"
                               f"{_did_you_mean(extends, bundled + yours)} (bundled: {', '.join(bundled)}; yours: "
                               f"{', '.join(yours) or 'none'}{looked})")
        inherited = load_profile(parent, (*_seen, seen_as))
        checks, base = _merge(inherited.checks, checks), inherited.info
    elif not _is_default(path):  # without `extends`, whatever it leaves out is the default profile's
        checks, base = _completed(checks), load_profile(DEFAULT_PROFILE).info
    else:
        base = results.ProfileInfo()
    _check_order(path, checks)
    info = replace(profile_info(path, data, base), switched_off=_switched_off(checks))
    if info.print_format is not None:
        _check_print_agreement(path, checks, info.print_format, info.not_assessable)
    bundled_file = path.parent == _bundled_dir()
    if not bundled_file:  # an edited copy of a bundled file must not pass for it in a report
        info = replace(info, title=f"{info.title} ({path.name})")
    return Profile(name=_own_name(text if by_name else str(data.get("name", path.stem)), path, bundled_file),
                   description=str(data.get("description", "")), checks=checks, source=str(path), info=info)


def not_checked(switched_off: Iterable[str]) -> list[str]:
    """The names of the checks the default profile runs that a profile with these `switched_off` ids does not (a
    child's open mouth, a screening's aspect ratio), in checklist order: what the officer must be told is not checked
    on any photo while it is chosen (a baby's profile chosen for one photo judged every adult after it)."""
    default_off = set(_default_switched_off())
    return [CHECKS[c].name for c in switched_off if c in CHECKS and c not in default_off]


@cache
def _default_switched_off() -> tuple[str, ...]:
    return tuple(load_profile(DEFAULT_PROFILE).info.switched_off)


def _switched_off(checks: dict[str, dict[str, Any]]) -> list[str]:
    """The ids of the checks `enabled = false` leaves out, in checklist order (a report names which were not run; the
    CSV lists them by id, as it lists the failed ones)."""
    from pfiq_desktop.engine.icao.checklist import ordered_checks

    return [spec.id for spec in ordered_checks() if checks.get(spec.id, {}).get("enabled", True) is False]


def _own_name(name: str, path: Path, bundled_file: bool) -> str:
    """The name a profile is known by: a file of the user's that calls itself like a bundled profile (a copy
    keeps `name = "icao-9303"`) is known by its file name instead, so its results never carry the bundled name."""
    return path.stem if not bundled_file and name in list_profiles() else name


# A country profile also says where its values come from and what it asks for beyond thresholds
# (`Profile.info`): [meta] (display name, version, [[meta.sources]]), [print] (printed size in mm,
# dpi, and what its head height measures to), [rules.<name>] (background, glasses, head covering,
# in words), [not_assessable] (checks the profile cannot judge, and why) and [cite.<check id>]
# (the source of each check's numbers; read by people and the tests, not by the checks).
#
# How far a cited value was verified: read in the authority's own text, quoted by a third party,
# computed from cited values, the ICAO default for lack of a national rule, not verified at all,
# or chosen by this project (the photometric thresholds).
SOURCE_BASES = ("official", "secondary", "derived", "icao-default", "unverified", "project")
CROWNS = ("skull", "hair")
MAX_DPI = 100_000  # a print's stated resolution: far above any scanner's
MAX_EXTENDS = 16  # profiles extending one another: an agency's own on a country's on the default is three
_PRINT_SIZES = ("width_mm", "height_mm", "width_mm_max", "height_mm_max")


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: [{key}] must be a table")
    return table


def _text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProfileError(f"{path}: {where} = {value!r}: expected text")
    return value


def _source(path: Path, profile: str, entry: Any) -> results.ProfileSource:
    if not isinstance(entry, dict) or not {"id", "title", "url"} <= set(entry):
        raise ProfileError(f"{path}: each [[meta.sources]] needs an id, a title and a url")
    texts = {key: _text(path, f"[[meta.sources]] {entry['id']} {key}", value) for key, value in entry.items()}
    if texts.get("basis", "unverified") not in SOURCE_BASES:
        raise ProfileError(f"{path}: source {texts['id']} has basis {texts['basis']!r}, expected one of {SOURCE_BASES}")
    try:
        return results.ProfileSource(**texts, cited_in=profile)
    except TypeError as exc:  # a key the format does not have
        raise ProfileError(f"{path}: source {texts['id']}: {exc}") from exc


def _print_format(path: Path, table: dict[str, Any]) -> results.PrintFormat:
    sizes = {key: table[key] for key in _PRINT_SIZES if key in table}
    if "width_mm" not in sizes or "height_mm" not in sizes:
        raise ProfileError(f"{path}: [print] needs width_mm and height_mm")
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1000:
            raise ProfileError(f"{path}: [print] {key} = {value!r}: expected a size in mm")
    crown = table.get("crown", "skull")
    if crown not in CROWNS:
        raise ProfileError(f"{path}: [print] crown = {crown!r}: expected one of {CROWNS}")
    dpi = table.get("dpi", 0)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 0 <= dpi <= MAX_DPI:
        raise ProfileError(f"{path}: [print] dpi = {dpi!r}: expected a whole number from 0 to {MAX_DPI}")
    return results.PrintFormat(**{key: float(value) for key, value in sizes.items()}, dpi=dpi, crown=crown)


def _rule(path: Path, name: str, table: Any) -> str:
    """One [rules.<name>] table in the words a report prints: the rule, then its note."""
    if not isinstance(table, dict) or "rule" not in table:
        raise ProfileError(f"{path}: [rules.{name}] must be a table with a rule")
    words = _text(path, f"[rules.{name}] rule", table["rule"]).replace("_", " ")
    note = _text(path, f"[rules.{name}] note", table.get("note", ""))
    return f"{words} ({note})" if note else words


def profile_info(path: Path, data: dict[str, Any], base: results.ProfileInfo) -> results.ProfileInfo:
    """The cited parts of a profile file over those of its parent (`base`: the profile it `extends`, or the default).

    The child's [print] replaces its parent's; its rules, not-assessable checks and
    sources (by id) are added to its parent's and replace those of the same name.
    """
    meta = _table(path, data, "meta")
    own = [_source(path, str(data.get("name", path.stem)), entry) for entry in meta.get("sources", [])]
    ids = {source.id for source in own}
    printed = _table(path, data, "print")
    rules = {name: _rule(path, name, table) for name, table in _table(path, data, "rules").items()}
    unassessed = {
        check_id: _text(path, f"[not_assessable] {check_id}", why)
        for check_id, why in _table(path, data, "not_assessable").items()
    }
    sources = own + [source for source in base.sources if source.id not in ids]
    _check_citations(path, data, {source.id for source in sources})
    return results.ProfileInfo(
        title=_text(path, "[meta] name", meta.get("name", data.get("name", path.stem))),
        version=_text(path, "[meta] version", meta.get("version", "")),
        print_format=_print_format(path, printed) if printed else base.print_format,
        rules={**base.rules, **rules},
        sources=sources,
        not_assessable={**base.not_assessable, **unassessed},
    )


def _check_citations(path: Path, data: dict[str, Any], known: set[str]) -> None:
    """Every `source = "id"` of a [cite.<check>], [rules.<name>] or [print] table names a source the profile or its
    parent lists: a misspelt id loaded without a word, and the report printed its sources as if complete (profile
    author's walk-through)."""
    tables = [(f"[cite.{name}]", table) for name, table in _table(path, data, "cite").items()]
    tables += [(f"[rules.{name}]", table) for name, table in _table(path, data, "rules").items()]
    tables.append(("[print]", _table(path, data, "print")))
    for where, table in tables:
        cited = table.get("source") if isinstance(table, dict) else None
        if isinstance(cited, str) and cited and cited not in known:
            raise ProfileError(f"{path}: {where} source = {cited!r} is not among the sources it or its parent lists "
                               f"([[meta.sources]]: {', '.join(sorted(known)) or 'none'}){_did_you_mean(cited, known)}")
