"""What each issue-15 figure counts: positives, negatives and the check(s) that must flag them.

A task turns a set's outcomes into scored items (id, is positive, flagged). "Flagged" is
warn or fail; a check that cannot judge a face counts as not flagged. Photos without a
face are left out unless a task says "end to end" (then "No face found" rejects the photo,
which is the officer's outcome). The task definitions are the research's
(/work/scratch/eyes/metrics.py, /work/scratch/facecover/eval_issue15.py), so figures compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from benchmarks.issue15.measure import Outcome

EYES = ("eye_open_left", "eye_open_right")
VISIBLE = ("open", "closed")


@dataclass(frozen=True)
class Item:
    id: str
    positive: bool
    flagged: bool
    shown: str  # the check's verdict and value, for --details
    judged: bool = True  # False when no check could judge the face (e.g. the head turned past the frontal limit)


def show(o: Outcome, *ids: str) -> str:
    if not o.checks:
        return "no face found"
    parts = []
    for i in ids:
        r = o.checks.get(i)
        if r is not None:
            unit = r.unit if r.unit.startswith("%") or not r.unit else f" {r.unit}"  # "87% no glasses", "0.8 darker half / ..."
            parts.append(f"{i} {r.verdict.value}" + ("" if r.value is None else f" {r.value:.3g}{unit}"))
    return "; ".join(parts)


def _item(o: Outcome, positive: bool, *ids: str, suffix: str = "") -> Item:
    judged = any(o.flagged(i) is not None for i in ids)
    return Item(o.photo.key + suffix, positive, any(bool(o.flagged(i)) for i in ids), show(o, *ids), judged)


def glasses_class(o: Outcome) -> str:
    """none / clear / tinted, as the glasses check named it (its unit carries the class)."""
    r = o.checks["glasses"]
    return r.unit.removeprefix("% ").replace("no glasses", "none") if r.unit else "none"


# ---- eyes (labels: left, right in open/closed/not_visible/uncertain; glasses none/clear/tinted/uncertain)
def eyes_closed(outcomes: list[Outcome]) -> Iterator[Item]:
    """Photo: both eyes closed vs both open (tinted lenses left out); flagged when either eye check flags."""
    for o in outcomes:
        lab = (o.photo.labels["left"], o.photo.labels["right"])
        if lab in (("closed", "closed"), ("open", "open")) and o.photo.labels["glasses"] != "tinted":
            yield _item(o, lab[0] == "closed", *EYES)


def one_eye_closed(outcomes: list[Outcome]) -> Iterator[Item]:
    """Per eye of photos with an open eye: the closed eye of a wink vs open eyes, judged by that eye's check."""
    for o in outcomes:
        left, right = o.photo.labels["left"], o.photo.labels["right"]
        if {left, right} <= set(VISIBLE) and "open" in (left, right) and o.photo.labels["glasses"] != "tinted":
            yield _item(o, left == "closed", "eye_open_left", suffix="#left")
            yield _item(o, right == "closed", "eye_open_right", suffix="#right")


def eye_occlusion(outcomes: list[Outcome]) -> Iterator[Item]:
    """Photo: an eye not visible (sunglasses, patch, hand, hair) vs both visible."""
    for o in outcomes:
        lab = (o.photo.labels["left"], o.photo.labels["right"])
        tinted_only = o.photo.labels["glasses"] == "tinted" and "not_visible" not in lab
        if "uncertain" not in lab and not tinted_only:
            yield _item(o, "not_visible" in lab, "eye_occlusion")


def glasses_any(outcomes: list[Outcome]) -> Iterator[Item]:
    """Photo: glasses (clear or tinted) vs none."""
    for o in outcomes:
        if o.photo.labels["glasses"] in ("none", "clear", "tinted"):
            yield _item(o, o.photo.labels["glasses"] != "none", "glasses")


def tinted(outcomes: list[Outcome]) -> Iterator[Item]:
    """Photo with glasses: tinted vs clear, as named by the glasses check."""
    for o in outcomes:
        if o.photo.labels["glasses"] in ("clear", "tinted"):
            yield Item(o.photo.key, o.photo.labels["glasses"] == "tinted", glasses_class(o) == "tinted", show(o, "glasses"))


EYE_TASKS: dict[str, Callable[[list[Outcome]], Iterator[Item]]] = {
    "eyes closed": eyes_closed,
    "one eye closed (per eye)": one_eye_closed,
    "eye occlusion": eye_occlusion,
    "glasses (any)": glasses_any,
    "tinted (among glasses)": tinted,
}


# ---- coverings, masks, light
def _judged(o: Outcome, positive: bool, check_id: str, end_to_end: bool) -> Iterator[Item]:
    """The check's verdict on the photo's face; end to end, a photo without a face counts as rejected."""
    if o.checks:
        yield _item(o, positive, check_id)
    elif end_to_end:
        yield Item(o.photo.key, positive, True, "no face found")


def masks(outcomes: list[Outcome], end_to_end: bool = False) -> Iterator[Item]:
    """Mask vs no mask, `lower_face_covered`; end to end a photo without a face counts as rejected.
    (The pose check is no stand-in for heads the covering check does not judge: on these tight crops it
    fails 40 % of the faces without a mask too.)"""
    for o in outcomes:
        yield from _judged(o, o.photo.labels["label"] == "mask", "lower_face_covered", end_to_end)


def head_covering(outcomes: list[Outcome]) -> Iterator[Item]:
    """LFW: head covering (labelled by eye) vs none; `excluded` rows left out."""
    for o in outcomes:
        if o.checks and o.photo.labels["covering"] != "excluded":
            yield _item(o, o.photo.labels["covering"] == "yes", "head_covering")


def face_object(outcomes: list[Outcome], occluders: dict[str, str]) -> Iterator[Item]:
    """LFW: a hand or an object over the mouth, the nose or much of the chin vs none (`sets.lfw_occluders`; those over
    the cheek, the eyes or the chin's edge, or in doubt, left out), `lower_face_covered`."""
    for o in outcomes:
        if o.checks and occluders.get(o.photo.key) != "other":
            yield _item(o, o.photo.key in occluders, "lower_face_covered")


def side_light(outcomes: list[Outcome], end_to_end: bool = False) -> Iterator[Item]:
    """Extended Yale B: strong side light vs frontal light, `lighting_uniformity`."""
    for o in outcomes:
        if o.photo.labels["label"] not in ("strong_side", "frontal"):
            continue
        yield from _judged(o, o.photo.labels["label"] == "strong_side", "lighting_uniformity", end_to_end)


def yale_side_light(outcomes: list[Outcome]) -> Iterator[Item]:
    """Yale: left/right light vs normal/centre light."""
    for o in outcomes:
        cond = o.photo.labels["condition"]
        if o.checks and cond in ("leftlight", "rightlight", "normal", "centerlight"):
            yield _item(o, cond in ("leftlight", "rightlight"), "lighting_uniformity")
