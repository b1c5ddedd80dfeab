"""Run the whole checklist on one photo: never raises, always one result per enabled check."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from pfiq_desktop.engine.defaults import DEFAULT_PROFILE
from pfiq_desktop.engine.icao import background, eyes_mouth, geometry, occlusion, photometric, pose  # noqa: F401  (register checks)
from pfiq_desktop.engine.icao.context import Context
from pfiq_desktop.engine.icao.grading import Measure
from pfiq_desktop.engine.icao.profile import Profile, load_profile
from pfiq_desktop.engine.icao.registry import CHECKS, DISPLAY_ORDER, ONE_IMAGE_CHECK, CheckSpec, NotAssessable
from pfiq_desktop.engine.results import DOUBT_MARK, FACE_PRESENT, CheckResult, Evidence, Face, Verdict, stored_how

if TYPE_CHECKING:
    from pfiq_desktop.engine.faces import FaceDetector

log = logging.getLogger(__name__)


def ordered_checks() -> list[CheckSpec]:
    """Registered checks grouped by family in checklist order (stable within a family)."""
    return sorted(CHECKS.values(), key=lambda spec: DISPLAY_ORDER.index(spec.family))


def _not_assessable(reason: str) -> Measure:
    return Measure(Verdict.NOT_ASSESSABLE, reason)


def _plain(evidence: Evidence) -> Evidence:
    """Evidence with built-in floats only, so it serialises to JSON and compares exactly after a round trip."""

    def pts(items: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in items]

    def quads(items: Sequence[Sequence[float]]) -> list[tuple[float, float, float, float]]:
        return [(float(a), float(b), float(c), float(d)) for a, b, c, d in items]

    return Evidence(
        points=pts(evidence.points),
        lines=quads(evidence.lines),
        boxes=quads(evidence.boxes),
        polygons=[pts(poly) for poly in evidence.polygons],
        regions=list(evidence.regions),
    )


def _no_face_reason(present: CheckResult | None) -> str:
    """Why a check is not judged on a photo without an upright face, in the words "Face present" found: "not checked",
    since the format checks (aspect ratio, colour, transparency) could be; it read "cannot be checked" beside them."""
    if present is not None and present.turn is not None:
        return f"The photo is stored {stored_how(present.turn)}, so this was not checked: turn it upright first."
    return "No face found, so this was not checked."


def _run_one(spec: CheckSpec, ctx: Context | None, profile: Profile, setup_error: str, face_index: int = 0,
             covered: CheckResult | None = None, present: CheckResult | None = None) -> CheckResult:
    """One check's result; `covered` is the first result of the checks its `unless_failed` names that found what
    covers the face (failed, or failed with a doubt: `_run_all`) and `present` that of "Face present", when they
    ran."""
    params = profile.params(spec.id)
    if ctx is None:
        measure = _not_assessable(f"The photo could not be read: {setup_error}")
    elif spec.id in profile.info.not_assessable:
        measure = _not_assessable(f"Not assessed under this profile: {profile.info.not_assessable[spec.id]}.")
    elif spec.id not in (FACE_PRESENT, ONE_IMAGE_CHECK) and (ctx.face is None or (present is not None and present.turn is not None)):
        # Without an upright subject the photo is rejected anyway; judging its format alone, or a face lying on its
        # side (the fallback detector finds some: their masks, coverings and eyes were judged sideways), would mislead.
        # How many images the file holds is judged all the same: the face may be on its second page
        measure = _not_assessable(_no_face_reason(present))
    elif covered is not None:
        # measured: under masks "Mouth closed" flagged 12 of 21 dev faces and "Natural skin colour" 21 of 23; a mask
        # drawn on frontal portraits moved the landmarks' pitch by 10 deg on average (yaw 7), beyond their uncertainty
        found = ("found a possible covering (not certain)" if covered.doubted else
                 "failed" if covered.verdict is Verdict.FAIL else "warned")
        measure = _not_assessable(f"Cannot be checked: \"{covered.name}\" {found}, and {spec.unless_failed_why}.")
    else:
        try:
            if spec.frontal and abs(ctx.pose[0]) > spec.yaw_limit(ctx.profile_yaw, ctx.attributes):
                raise NotAssessable(f"the head is turned too far ({abs(ctx.pose[0]):.0f} deg) to judge this")
            measure = spec.func(ctx, params)
        except NotAssessable as exc:
            measure = _not_assessable(f"Cannot be checked: {exc}.")
        except Exception:
            log.exception("check %s failed", spec.id)
            measure = _not_assessable("Could not be checked (a fault of the application, written to its log): "
                                      "judge this by eye.")
    return CheckResult(
        id=spec.id,
        name=spec.name,
        family=spec.family,
        verdict=measure.verdict,
        reason=measure.reason,
        value=_finite(measure.value),
        unit=measure.unit,
        thresholds={k: float(v) for k, v in measure.thresholds.items()},
        evidence=_plain(measure.evidence),
        face_index=face_index if spec.per_face else None,
        iso_measure=spec.iso_measure,
        iso_value=_finite(measure.iso_value),
    )


def _finite(value: float | None) -> float | None:
    """A measured number as a plain float, or None when there is none (NaN and inf are not a measurement)."""
    return None if value is None or not np.isfinite(value) else float(value)


def run_checks(
    image: np.ndarray, faces: Sequence[Face], profile: Profile | str | None = None, dpi: float | None = None,
    transparent: float | None = None, images: int | None = 1, detector: FaceDetector | None = None,
) -> list[CheckResult]:
    """Every enabled check of the profile on the photo's subject (faces[0]), family by family (`DISPLAY_ORDER`); then,
    for a group photo, the per-face checks of every other face (face_index 1, 2, ...; on a photo stored turned,
    not judged). `dpi` is the resolution the photo file states (it may set the print size of checks in mm),
    `transparent` the share of its pixels the loader found not opaque (None: from the image's own alpha, if any),
    `images` how many pages or frames the file holds (the first is `image`; None: not known, an older analysis),
    `detector` the engine's face detector, whose CNN fallback "Face present" asks about a weak face on a turned copy
    (None: HOG's clear faces alone name a turn; `faces.turned_face`)."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile or DEFAULT_PROFILE)
    ctx: Context | None
    error = ""
    try:
        ctx = Context(image, list(faces or []), profile, dpi, transparent, images, detector)
    except Exception as exc:
        log.exception("the checklist could not prepare the photo")
        ctx, error = None, str(exc)
    enabled = [spec for spec in ordered_checks() if profile.enabled(spec.id)]
    present = _run_one(CHECKS[FACE_PRESENT], ctx, profile, error) if FACE_PRESENT in {s.id for s in enabled} else None
    results = _run_all(enabled, ctx, profile, error, present=present)
    if ctx is not None:
        for index in range(1, len(ctx.faces)):
            results += _run_all([spec for spec in enabled if spec.per_face], ctx.for_face(index), profile, error, index, present)
    return results


def _run_all(specs: list[CheckSpec], ctx: Context | None, profile: Profile, error: str, face_index: int = 0,
             present: CheckResult | None = None) -> list[CheckResult]:
    """`specs` in order on one face, given the photo's "Face present" result (run first: a photo stored turned is
    judged no further), and a check another one waits for (`unless_failed`) or is doubted by (`doubted_by`) before
    that one."""
    done: dict[str, CheckResult] = {FACE_PRESENT: present} if present is not None else {}
    wanted = {spec.id for spec in specs}

    def run(spec: CheckSpec) -> CheckResult:
        if spec.id not in done:
            first = [run(CHECKS[waited]) for waited in spec.unless_failed if waited in wanted]
            covered = next((r for r in first if r.verdict is Verdict.FAIL or r.doubted), None)  # (a doubted one still holds back)
            doubts = [(doubt, run(CHECKS[doubt.check])) for doubt in spec.doubted_by if doubt.check in wanted]
            result = _run_one(spec, ctx, profile, error, face_index, covered, present)
            if result.verdict in (Verdict.FAIL, Verdict.WARN):
                doubt, by = next(((d, r) for d, r in doubts if d.holds(r, result)), (None, None))
                if doubt is not None and by is not None:
                    result = replace(result, verdict=Verdict.WARN, doubted=result.verdict is Verdict.FAIL,
                                     reason=f"{result.reason} {DOUBT_MARK}\"{by.name}\" failed, and {doubt.why}.")
            done[spec.id] = result
        return done[spec.id]

    return [run(spec) for spec in specs]
