"""What the application needs of an analysis engine: the `Analyzer`, or a fast fake in tests.

Typed structurally (a Protocol), so the GUI and the analysis cache never probe
the engine with getattr, and a test double is checked against the same contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pfiq_desktop.engine.comparison import Comparison
from pfiq_desktop.engine.results import Analysis, ProfileInfo


class NamedProfile(Protocol):
    """A threshold profile as seen from outside the engine: its name and the hash of its thresholds."""

    @property
    def name(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    @property
    def info(self) -> ProfileInfo:
        """What reports cite of it (version, rules, sources): outside the hash, which covers the thresholds."""
        ...


class Engine(Protocol):
    """Analyse photos, compare two, re-run the checks under another profile, and say what it runs on."""

    @property
    def engine_key(self) -> str:
        """What its analyses depend on besides photo and profile (results.engine_key); keys cached analyses."""
        ...

    @property
    def profile(self) -> NamedProfile: ...

    def describe(self) -> str:
        """One line for the status bar: device and profile."""
        ...

    def analyse(self, source: str | Path) -> Analysis: ...

    def compare(self, photo_a: str | Path, photo_b: str | Path, *, profile: str | None = None) -> Comparison:
        """The two photos compared, both judged under `profile` (a name), else the engine's own."""
        ...

    def recheck(self, analysis: Analysis, *, profile: str | None = None) -> Analysis:
        """`analysis` with its checks re-run under `profile` (a name), else the engine's own."""
        ...

    def set_profile(self, profile: str | Path) -> None: ...
