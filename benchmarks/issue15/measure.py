"""Run the engine's own checks (issue 15's, via `run_checks`) on every photo of a set.

Only faces come from the cache; the checks always run, so a change to a check or a
profile threshold is measured on the next run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from benchmarks.issue15.facecache import FaceCache
from benchmarks.issue15.gridcache import Grids
from benchmarks.issue15.plqcache import PlqMaps
from benchmarks.issue15.sets import Photo
from pfiq_desktop.engine.defaults import MAX_FACES
from pfiq_desktop.engine.icao import Profile, run_checks
from pfiq_desktop.engine.icao.registry import CHECKS
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.results import CheckResult, Verdict

log = logging.getLogger(__name__)
CHECK_IDS = (
    "eye_open_left", "eye_open_right", "eye_occlusion", "glasses",
    "lower_face_covered", "head_covering", "lighting_uniformity",
)


@dataclass
class Outcome:
    """One photo: the checks' results (empty when no face was found) and what it cost."""

    photo: Photo
    checks: dict[str, CheckResult]
    detector: str  # "hog", "cnn" or "" (no face)
    checks_seconds: float  # CPU time of the issue-15 checks on this photo

    def flagged(self, check_id: str) -> bool | None:
        """Warn or fail = flagged; None when there is no face or the check could not judge it."""
        result = self.checks.get(check_id)
        if result is None or result.verdict is Verdict.NOT_ASSESSABLE:
            return None
        return result.verdict is not Verdict.PASS


def only(profile: Profile, ids: tuple[str, ...] = CHECK_IDS) -> Profile:
    """The profile with every other check switched off (same thresholds for these)."""
    return replace(profile, checks={k: {**profile.params(k), "enabled": k in ids} for k in CHECKS})


def measure(photos: list[Photo], cache: FaceCache, profile: Profile, maps: PlqMaps | None = None,
            grids: Grids | None = None) -> list[Outcome]:
    """Outcomes in the order of `photos`; unreadable photos are logged and left out.

    `maps`: give the faces the network's PLQ map (the eye checks read it); None: a neutral map,
    for sets whose checks do not read it (coverings, masks, light). `grids`: give the faces the
    network probes' log-odds, as the analysis does; None: the checks read the pixels alone.
    """
    out = []
    for photo in photos:
        try:
            rgb = load_image(photo.path)
        except (OSError, ValueError) as exc:  # two mask crops are under 32 px: the product refuses them too
            log.warning("left out %s: %s", photo.key, exc)
            continue
        found = cache.faces(photo.path, rgb, photo.pad)
        if not found:
            out.append(Outcome(photo, {}, "", 0.0))
            continue
        key = cache.key(photo.path, photo.pad)  # the file's SHA-256: read once
        chips = maps.chips(key, rgb, found[:MAX_FACES]) if maps is not None else []
        attributes = grids.attributes(key, rgb, found[:MAX_FACES]) if grids is not None else []
        faces = [f.as_face(rgb.shape[:2], chips[i] if i < len(chips) else None, attributes[i] if i < len(attributes) else None)
                 for i, f in enumerate(found)]
        start = time.process_time()
        results = run_checks(rgb, faces, profile)
        seconds = time.process_time() - start
        out.append(Outcome(photo, {r.id: r for r in results if r.face_index in (None, 0)}, found[0].detector, seconds))
    cache.save()
    return out
