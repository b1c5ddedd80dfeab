"""The engine configuration hash: which analyses of the same photo are interchangeable.

A result is keyed by the photo's content hash and this hash, so a re-run skips
what is done and a changed model, profile, estimator, map method or application
version analyses again. The client computes it without loading the network; each
worker computes it from the engine it actually loaded, and the two must agree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pfiq_desktop import __version__
from pfiq_desktop.engine.icao.profile import Profile
from pfiq_desktop.engine.models import models_sha256

if TYPE_CHECKING:
    from pfiq_desktop.engine.analyzer import Analyzer

HASH_LENGTH = 16  # hex digits: 64 bits tell a handful of configurations apart and keep the key index small


@dataclass(frozen=True)
class EngineConfig:
    """Everything that changes an analysis's content (the device only changes float rounding)."""

    models_sha256: str  # every model file the engine loads
    profile_name: str
    profile_sha256: str  # the profile's content (thresholds, print format): an edited file is a new profile
    quality_estimator: str
    map_method: str
    app_version: str

    @property
    def hash(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]

    def describe(self) -> dict[str, Any]:
        """Readable form for the store's `configs` table (the thresholds themselves stay in the hash)."""
        return asdict(self) | {"config_hash": self.hash}


def engine_config(
    profile: Profile, quality_estimator: str, map_method: str, models_hash: str | None = None, app_version: str = __version__
) -> EngineConfig:
    """The configuration an engine with these settings will have (on the client: no network is loaded)."""
    return EngineConfig(
        models_sha256=models_hash or models_sha256(),
        profile_name=profile.name,
        profile_sha256=profile.sha256,
        quality_estimator=quality_estimator,
        map_method=map_method,
        app_version=app_version,
    )


def config_of(analyzer: Analyzer) -> EngineConfig:
    """The configuration of a loaded engine (on a worker), from what it really loaded."""
    return engine_config(analyzer.profile, analyzer.estimator.name, analyzer.map_method, analyzer.models_sha256)
