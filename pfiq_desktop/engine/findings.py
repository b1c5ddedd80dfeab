"""Findings in words: sentences that join the deviation map, the region table and the checklist.

No language model: every sentence is a template filled with what the engine measured.
Deviation values are in compliant faces' spreads (0 = as in compliant photos at that
place, -2 and below = clearly lower recognition utility than compliant photos have there).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pfiq_desktop.engine.deviation import low_share, region_deviation
from pfiq_desktop.engine.deviation_bands import CLEARLY_LOWER, SOMEWHAT_LOWER, band
from pfiq_desktop.engine.icao.regions import REGION_NAMES, REGION_WORDS, polygon_mask, region_polygons
from pfiq_desktop.engine.icao.registry import COMPRESSION_CHECK, EXPOSURE_CHECK, FRAMING_CHECKS, LIGHTING_CHECK, doubted
from pfiq_desktop.engine.results import Analysis, CheckResult, Verdict, stored_how

MIN_AREA_SHARE = 0.02  # an unnamed low area is reported from this share of the face
MAX_DETAIL = 40  # characters: longer parenthesised detail of a check's reason is left to the checklist
UNNAMED_DEPTH = -2.5  # ... and when its mean deviation is at least this low
# A place no check explains sends the officer looking (`LOOK_THERE`) only from this mean deviation down; above it the
# sentence says where the map is lower and that no check names a cause. At -2.5, 11 of 40 clean development portraits
# were sent looking (hair, beards, the face's edge: 15 of 15 such sentences in the explanation walk-through led
# nowhere); see docs/EVALUATION.md, "An explanation walk-through", for the figures at this depth
LEAD_DEPTH = -3.0
# the share of the face clearly lower in compliant photos (engine/deviation.py low_share), on the 30 development
# portraits outside the reference: median 2.8 %, 90th percentile 6.8 % (docs/EVALUATION.md, issue 14). "Typically
# 2-3 %" read as the most a clean photo shows, and 4 of 10 clean photos exceeded it (map-reading walk-through)
TYPICAL_LOW_SHARE, UNUSUAL_LOW_SHARE = 0.03, 0.07
TYPICAL_RANGE = f"about {100 * TYPICAL_LOW_SHARE:.0f} %, 9 in 10 under {100 * UNUSUAL_LOW_SHARE:.0f} %"
TYPICAL_LOW_SHARE_TEXT = f"(compliant photos: {TYPICAL_RANGE})"
# why the map's own sentences are left out under side light: its scale is the face's own (deviation.py subtracts the
# face's median), so the shadowed half read higher than the lit half on 7 of 7 side-lit faces and the outlines fell on
# the lit half (map-reading walk-through)
SIDE_LIGHT_NOTE = ("The light is uneven: the map compares places within the face, so under side light its outlines "
                   "can fall on the lit half as well as in the shadow; judge the face by eye.")
# what a place the map leaves uncoloured beside a failed check says: "recognition uses this area as usual" read as
# reassurance beside a mask, a shut eye and a deep shadow, all of which the map misses (map-reading walk-through)
MAP_MISSES = "the map shows no loss here, but it seldom shows closed eyes, masks, shadows, blur or plain covers"
# a region this much outlined (its share at <= CLEARLY_LOWER) is said with a check that only warns there: a glare spot
# the map outlined (19 % of the cheek) and a warning named ("11% of the cheek ... pure white") was left to "scattered
# outlined spots" (explanation walk-through); the regions of clean portraits read 0-7 %
SPOTTED_REGION = 0.1
LOOK_THERE = "look for an occluder, shadow or reflection there"  # what an unexplained clearly lower place asks
TURNED_HEAD_CHECKS = ("pose_yaw", "pose_pitch")  # a head turned or tilted up or down shows less of part of the face
WHOLE_FACE_CHECKS = ("sharpness", EXPOSURE_CHECK, "clipping", "dynamic_range", COMPRESSION_CHECK)  # the map cannot show these
# what a failed exposure check is said to do to a place the map shows lower: "Chin: clearly lower (-2.1); no checklist
# item names a cause" stood right above "face is too dark (mean 0/255)" on a pitch-black face (walk-through)
EXPOSURE_HIDES = "which can hide some places of the face more than others"



@dataclass(frozen=True)
class LowArea:
    """A connected clearly-low area that no clearly-low named region explains."""

    share: float  # of the face area
    mean: float  # mean deviation inside
    near: str  # the named region it overlaps most, else the one whose centre is closest


def _said(check: CheckResult, uncertain: bool = False) -> str:
    """A check's reason as a short clause: 'the eye on the photo's left looks closed (confidence 97%)'.

    Only the first sentence up to a semicolon, without long parenthesised detail: the checklist row
    beside the findings has the whole reason. An `uncertain` one (registry.doubted) says so: its doubt is in the
    sentences cut off.
    """
    reason = re.sub(rf"\s*\([^()]{{{MAX_DETAIL},}}\)", "", check.reason.strip())
    reason = re.split(r"\. |;", reason)[0].rstrip(".")
    if reason.count("(") > reason.count(")"):  # cut inside a short parenthesis
        reason = reason[: reason.rindex("(")].rstrip()
    reason = reason if reason[1:2].isupper() else reason[:1].lower() + reason[1:]  # "JPEG ..." stays, "Face ..." does not
    return f"{reason} (not certain)" if uncertain else reason


def _about_a_place(check: CheckResult) -> bool:
    """Whether a check speaks about a place of the face: not framing (about the photo), not head pose (about
    the whole head) and not the PLQ region check (which restates the map these findings already read)."""
    return check.id not in FRAMING_CHECKS and check.family != "pose" and check.id != "plq_regions"


def _join(phrases: Sequence[str]) -> str:
    """'a, b and c'; phrases that hold commas or colons themselves are quoted, so each reads as one (three such clauses
    about sunglasses, joined bare, read as one run-on sentence)."""
    if len(phrases) == 1:
        return phrases[0]
    if any("," in p or ":" in p for p in phrases):
        phrases = [f"\u201c{p}\u201d" for p in phrases]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def low_areas(deviation: np.ndarray, region_masks: dict[str, np.ndarray], explained: set[str]) -> list[LowArea]:
    """Clearly-low connected areas (>= MIN_AREA_SHARE of the face, mean <= UNNAMED_DEPTH) touching no explained region."""
    face = np.isfinite(deviation)
    if not face.any():
        return []
    low = (np.nan_to_num(deviation, nan=np.inf) <= CLEARLY_LOWER).astype(np.uint8)
    count, labels = cv2.connectedComponents(low)
    covered = np.zeros_like(face)
    for name in explained:
        covered |= region_masks[name]
    centres = {n: np.argwhere(m).mean(axis=0) for n, m in region_masks.items() if m.any()}
    areas = []
    for k in range(1, count):
        blob = labels == k
        share = float(blob.sum() / face.sum())
        if share < MIN_AREA_SHARE or (blob & covered).any() or float(deviation[blob].mean()) > UNNAMED_DEPTH:
            continue
        overlap = {n: int((blob & m).sum()) for n, m in region_masks.items()}
        near = max(overlap, key=overlap.__getitem__)
        if overlap[near] == 0:
            centre = np.argwhere(blob).mean(axis=0)
            near = min(centres, key=lambda n: float(np.hypot(*(centres[n] - centre))))
        areas.append(LowArea(share, float(deviation[blob].mean()), near))
    return sorted(areas, key=lambda a: a.share, reverse=True)


def face_findings(
    regions: dict[str, float], checks: Sequence[CheckResult], quality: float, areas: Sequence[LowArea], clear_share: float,
    outlined: Mapping[str, float] | None = None,
) -> list[str]:
    """Sentences for one face from its region deviations, its checks (and the photo-wide ones) and its quality.

    One sentence per face region that is clearly lower or that a flagged check points at, lowest first;
    each check is quoted once. Framing checks (resolution, cropping) are about the photo, not a place of
    the face, and checks of the whole face (blur, exposure) get a sentence of their own.
    """
    known = {n: v for n, v in regions.items() if n in REGION_WORDS and np.isfinite(v)}
    side_lit = any(c.id == LIGHTING_CHECK and c.verdict is Verdict.FAIL for c in checks)
    low = [n for n, v in known.items() if v <= CLEARLY_LOWER]
    sentences, quoted, spots_told = _region_sentences(known, low, checks, areas, side_lit, outlined or {})
    for area in [] if side_lit else [a for a in areas if a not in spots_told]:
        near = REGION_WORDS[area.near].lower().replace("eye area", "eye")  # not "an area near the eye area"
        sentences.append(f"An area near the {near} ({100 * area.share:.0f} % of the face): "
                         f"{band(area.mean)} ({area.mean:+.1f}); {_unexplained(area.mean, checks, quoted)}.")
    # (one quoted at a region already, as a hot spot on the forehead is, is not quoted again as about the whole face)
    whole = [_said(c) for c in checks if c.id in WHOLE_FACE_CHECKS and c.verdict is Verdict.FAIL and c.id not in quoted]
    if whole:
        sentences.append(f"The checklist reports {_join(whole)}: this concerns the whole face, which the map does not "
                         f"rate (it compares places within the face); overall recognition quality {quality:.2f}.")
    # under side light the caveat comes first: fourth, it was below the fold of the findings box (officer's walk-through)
    return [_headline(bool(low or areas), clear_share), *([SIDE_LIGHT_NOTE] if side_lit else []), *sentences]


def _region_sentences(
    known: dict[str, float], low: list[str], checks: Sequence[CheckResult], areas: Sequence[LowArea], side_lit: bool,
    outlined: Mapping[str, float],
) -> tuple[list[str], set[str], set[LowArea]]:
    """A sentence per clearly lower region, or region a failed check points at, or a warned one where the map outlines
    spots (`SPOTTED_REGION`), lowest first; with the checks it quoted and the spots it told of (neither is said again)."""
    uncertain = doubted(checks)
    pointed: dict[str, list[CheckResult]] = {}
    for check in checks:
        if check.verdict in (Verdict.WARN, Verdict.FAIL) and _about_a_place(check):
            for name in check.evidence.regions:
                if name in known:
                    pointed.setdefault(name, []).append(check)
    sentences: list[str] = []
    quoted: set[str] = set()
    spots_told: set[LowArea] = set()
    for name in sorted(set(low) | set(pointed), key=known.__getitem__):
        said = [c for c in pointed.get(name, []) if c.id not in quoted]
        spotted = outlined.get(name, 0.0) >= SPOTTED_REGION
        if name not in low and not spotted and not any(c.verdict is Verdict.FAIL for c in said):
            continue  # a warning where the map is as usual: the checklist row says enough
        quoted.update(c.id for c in said)
        # under side light the map's reading of a place is left out: a shadowed cheek at 12 % of the lit one's
        # brightness read "higher than in compliant photos (+3.4)" (officer's walk-through; SIDE_LIGHT_NOTE says why)
        text = f"{REGION_WORDS[name]}: " + ("" if side_lit else f"{band(known[name])} ({known[name]:+.1f}); ")
        if said:
            # a clearly lower spot inside the region a check points at is said here: a sentence of its own read "look
            # for an occluder" beside the check that had found it (a hot spot on the forehead; map-reading walk-through)
            pointed_at = {region for c in said for region in c.evidence.regions}  # a mask's mouth and chin alike
            spots = [] if side_lit else [a for a in areas if a.near in pointed_at and a not in spots_told]
            spots_told.update(spots)
            told = "".join(f", with a spot ({100 * a.share:.0f} % of the face) {band(a.mean)} ({a.mean:+.1f})" for a in spots)
            spotted = spotted and not spots and name not in low and not side_lit  # a lower region's band says it already
            if spotted:
                told += f", with outlined spots over {100 * outlined[name]:.0f} % of it"
            text = (text.removesuffix("; ") + told + "; ") if told else text
            text += f"the checklist reports {_join([_said(c, c.id in uncertain) for c in said])}"
            if (not spots and not spotted and not side_lit and known[name] > SOMEWHAT_LOWER
                    and all(c.verdict is Verdict.FAIL for c in said)):
                # said as "not a recognition problem", an officer read a mask as unimportant (walk-through)
                text += f" ({MAP_MISSES})"
            sentences.append(text + ".")
        elif pointed.get(name):  # its check was quoted at a region before (a mask's chin, then its mouth): not unexplained
            sentences.append(text + "the checklist's finding above concerns it too.")
        elif not side_lit:
            sentences.append(text + f"{_unexplained(known[name], checks, quoted)}.")
    return sentences, quoted, spots_told


def _unexplained(mean: float, checks: Sequence[CheckResult], quoted: set[str]) -> str:
    """What a place lower on the map that no check of a place explains is said to need: where the head is turned or
    tilted, that this may be why (beside a failed 40-degree turn, "look for an occluder" sent the officer looking for
    an object that was not there; officer's walk-through); else, where the face is too dark or too bright, that this
    may be (`EXPOSURE_HIDES`; the exposure check is then added to `quoted`, so the whole face's sentence does not say
    it again); a look for an occluder where it is deep (`LEAD_DEPTH`), after the exposure where that failed; else only
    that no check names a cause."""
    turned = [f"\u201c{c.name}\u201d" for c in checks if c.id in TURNED_HEAD_CHECKS and c.verdict is Verdict.FAIL]
    if turned:
        return (f"perhaps because the head is turned or tilted (the checklist fails {_join(turned)}), which hides or "
                "foreshortens part of the face")
    exposure = [c for c in checks if c.id == EXPOSURE_CHECK and c.verdict is Verdict.FAIL]
    if exposure:
        # a deep place keeps its lead: nothing measured says a too dark face hides an occluder's depth of loss
        lead = f"; if not, {LOOK_THERE}" if mean <= LEAD_DEPTH else ""
        if EXPOSURE_CHECK in quoted:  # said at a place above
            return f"perhaps from the exposure the checklist reports above, {EXPOSURE_HIDES}{lead}"
        quoted.add(EXPOSURE_CHECK)
        return f"perhaps as the checklist reports {_said(exposure[0])}, {EXPOSURE_HIDES}{lead}"
    return f"no checklist item explains it: {LOOK_THERE}" if mean <= LEAD_DEPTH else "no checklist item names a cause"


def _headline(anything_low: bool, clear_share: float) -> str:
    """The first sentence: how much of the face the map outlines, against compliant photos."""
    if anything_low:
        return f"Clearly lower areas cover {100 * clear_share:.0f} % of the face {TYPICAL_LOW_SHARE_TEXT}."
    if round(100 * clear_share) > round(100 * UNUSUAL_LOW_SHARE):  # compared as written: "7 %" is not unusual, even at 0.074
        # many small spots: "no area" beside 10 % outlined
        return (f"No face region is clearly lower as a whole, but scattered outlined spots cover {100 * clear_share:.0f} % "
                f"of the face, more than in compliant photos ({TYPICAL_RANGE}).")
    # the map may still outline small spots: say so, or the words contradict the picture
    # a share that rounds to none is said as under 1 %: "the scattered outlined spots cover 0 %" (walk-through)
    covered = f"{100 * clear_share:.0f} %" if round(100 * clear_share) else "under 1 %"
    scattered = f"; only scattered spots are outlined, covering {covered} of the face {TYPICAL_LOW_SHARE_TEXT}" if clear_share > 0 else ""
    # "region ... as a whole": "No face area is clearly lower" under a legend saying outlines are clearly lower, with
    # outlines drawn, read as a contradiction (officer's walk-through)
    return f"No face region is clearly lower as a whole than in compliant photos{scattered}."


def findings_for_face(
    deviation: np.ndarray, landmarks_chip: np.ndarray, checks: Sequence[CheckResult], quality: float
) -> tuple[list[str], dict[str, float]]:
    """The sentences and the region table (mean deviation per region) of one face.

    `deviation` is the face's chip map (NaN outside the face); `checks` the checks that
    concern this face (its own and the photo-wide ones).
    """
    regions = region_deviation(deviation, landmarks_chip)
    polygons = region_polygons(np.asarray(landmarks_chip, np.float64))
    masks = {n: polygon_mask(polygons[n], deviation.shape) for n in REGION_NAMES}
    explained = {n for n, v in regions.items() if np.isfinite(v) and v <= CLEARLY_LOWER}
    areas = low_areas(deviation, masks, explained)
    outlined = {n: low_share(np.where(mask, deviation, np.nan)) for n, mask in masks.items()}
    return face_findings(regions, checks, quality, areas, low_share(deviation), outlined), regions


def add_findings(analysis: Analysis) -> None:
    """Each face's findings and region deviations from its deviation map and the checks that concern it."""
    turn = analysis.turn
    for index, face in enumerate(analysis.faces):
        if not face.deviation_chip.size:
            face.findings, face.region_deviation = [], {}
            continue
        landmarks_chip = face.chip_landmarks
        face.findings, face.region_deviation = findings_for_face(
            face.deviation_chip, landmarks_chip, analysis.face_checks(index), face.quality
        )
        if turn is not None:  # a face the second detector found lying on its side: none of its checks was judged, so
            # "no checklist item explains it: look for an occluder" would send the officer looking for one
            face.findings = [f"The photo is stored {stored_how(turn)}: its checks and findings wait until it is turned "
                             "upright and analysed again."]
