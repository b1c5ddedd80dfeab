"""Profiles kept for single photos (a child's among adults): which can still judge a photo, and why not.

The review store keeps the officer's choice by path and bytes (`ReviewStore.keep_photo_profile`); the window and
the commands (`pfiq analyse`, `compare`, `report`) restore it by these rules, so all judge the photo alike.
"""

from __future__ import annotations

from pathlib import Path

from pfiq_desktop.engine.filenames import display_name, first_few
from pfiq_desktop.engine.icao import ProfileError, list_profiles, load_profile, your_profiles
from pfiq_desktop.engine.results import Analysis
from pfiq_desktop.review.store import ReviewStore


def is_offered(name: str) -> bool:
    """Whether the window offers a profile of this name (bundled, or a file in the user's profiles folder)."""
    return name in list_profiles() or name in your_profiles()


def why_unusable(name: str) -> str:
    """'' when a profile kept for a photo can judge it, else why not. Only a profile the window offers, by that name:
    the store is outside the audit log, and a path kept there would have judged under any file (review); a user's file
    removed or broken since is not used either. (A user's file that a bundled profile of its name hides since is not
    told apart: the bundled one judges, and the window's start says the file is hidden.)"""
    if not is_offered(name):
        bundled, yours = list_profiles(), your_profiles()
        return f"no profile of that name is offered (bundled: {', '.join(bundled)}; yours: {', '.join(yours) or 'none'})"
    try:
        loaded = load_profile(name)
    except ProfileError as error:
        return str(error)
    return "" if loaded.name == name else f"it loads as {loaded.name}"


class KeptProfiles:
    """The profiles kept in the window for single photos, looked up as a command judges each photo, and what to say of
    them: a child's photo given its own profile in the window was reported under the adult rules."""

    def __init__(self, store: ReviewStore | None, named_for_all: str = "") -> None:
        self.store = store
        self.named_for_all = named_for_all  # the --profile given for every photo ('' none: the kept ones judge)
        self.judged: list[str] = []  # "child.jpg (uk-passport-child-under-6)"
        self.passed_over: list[str] = []  # ... photos with one, judged under `named_for_all` instead
        self.changed: list[str] = []  # photos replaced since their profile was chosen
        self.unusable: dict[str, str] = {}  # a kept profile that cannot judge -> why
        self.not_rechecked: list[str] = []  # saved results whose photo could not be judged again under it

    def for_photo(self, analysis: Analysis) -> str:
        """The profile kept for this photo alone that judges it here ('' none)."""
        return self.for_file(analysis.source, analysis.image_sha256) if analysis.ok else ""

    def for_file(self, source: str | Path, image_sha256: str) -> str:
        """The profile kept for the photo at `source`, of these bytes, that judges it here ('' none)."""
        if self.store is None or not image_sha256:
            return ""
        kept = self.store.kept_profile(source, image_sha256)
        name = display_name(Path(source).name)
        if kept is None:
            return ""
        if kept.image_sha256 and kept.image_sha256 != image_sha256:
            self.changed.append(name)
            return ""
        if why := why_unusable(kept.profile):
            self.unusable[kept.profile] = why
            return ""
        if self.named_for_all:
            self.passed_over.append(f"{name} ({kept.profile})")
            return ""
        return kept.profile

    def judged_under(self, analysis: Analysis) -> None:
        """Say that `analysis` was judged under the profile kept for its photo (once it was: not before)."""
        self.judged.append(f"{display_name(Path(analysis.source).name)} ({analysis.profile})")

    def not_judged_under(self, saved: Analysis) -> None:
        """Say that a saved result is reported as analysed: its photo, gone or changed, cannot be judged again."""
        self.not_rechecked.append(display_name(Path(saved.source).name))

    def notes(self) -> list[str]:
        """What to say on the console once the photos are judged."""
        said = []
        if self.judged:
            said.append(f"note: judged under the profile kept for it alone in the window: {first_few(self.judged, 5)} "
                        "(--profile NAME judges all under one)")
        if self.passed_over:
            said.append(f"note: judged under --profile {self.named_for_all}, not the profile kept for it in the window: "
                        f"{first_few(self.passed_over, 5)}")
        if self.changed:
            said.append(f"warning: changed since a profile was chosen for it alone in the window, so that profile does not "
                        f"judge it: {first_few(self.changed, 5)}")
        if self.not_rechecked:
            said.append(f"warning: reported as analysed, as its photo is missing or changed, not under the profile kept "
                        f"for it in the window: {first_few(self.not_rechecked, 5)}")
        said += [f"warning: the profile {name}, kept for photos alone in the window, cannot be used, so it does not judge "
                 f"them: {why}" for name, why in self.unusable.items()]
        return said
