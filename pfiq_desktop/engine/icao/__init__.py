"""ICAO 9303 / ISO 29794-5 portrait checklist: per-requirement verdicts with evidence and region PLQ.

    profile = load_profile("icao-9303")
    regions = region_plq(face)
    checks = run_checks(image_rgb, faces, profile)
"""

from pfiq_desktop.engine.defaults import DEFAULT_PROFILE
from pfiq_desktop.engine.icao.checklist import run_checks
from pfiq_desktop.engine.icao.profile import (
    Profile,
    ProfileError,
    list_profiles,
    load_profile,
    not_checked,
    shadowed_profiles,
    your_profiles,
)
from pfiq_desktop.engine.icao.regions import REGION_LABELS, REGION_NAMES, region_plq
from pfiq_desktop.engine.icao.registry import CHECKS, FRAMING_CHECKS, failure_kind

__all__ = [
    "CHECKS",
    "FRAMING_CHECKS",
    "DEFAULT_PROFILE",
    "REGION_LABELS",
    "REGION_NAMES",
    "Profile",
    "failure_kind",
    "ProfileError",
    "list_profiles",
    "your_profiles",
    "load_profile",
    "not_checked",
    "shadowed_profiles",
    "region_plq",
    "run_checks",
]
