"""Reason codes of decisions in words: what an officer reads in the window, the PDF and the audit trail.

Decisions store stable codes (check ids such as ``inter_eye_distance`` and the
``other:*`` codes); every place that shows them to a person uses `reason_label`.
A decision taken after a renewal check also carries ``reference_photo:<SHA-256>``,
the reference photo the officer compared the face with (`reference_code`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pfiq_desktop.engine.icao import CHECKS

# Reasons an officer can give beyond the failed checks (offered after them, unticked).
OTHER_REASONS = {
    "other:identity_doubt": "Identity doubt",
    "other:photo_altered": "Photo appears altered",
    "other:wrong_format": "Wrong size or format",
    "other:other": "Other (see note)",
}
# Codes the application adds itself.
SYSTEM_REASONS = {
    "not_analysed_yet": "not analysed yet",
    "not_analysable": "photo could not be analysed",
    "error:not_analysed": "Photo could not be analysed",
    "reference_no_match": "Not the same person as the reference photo",
}
REFERENCE_PREFIX = "reference_photo:"


def reference_code(image_sha256: str) -> str:
    """The reason code that files the reference photo of a renewal check with a decision."""
    return f"{REFERENCE_PREFIX}{image_sha256}"


def reference_in(codes: Iterable[str]) -> str:
    """The SHA-256 of the reference photo among a decision's reason codes ('' when it has none)."""
    return next((code[len(REFERENCE_PREFIX):] for code in codes if code.startswith(REFERENCE_PREFIX)), "")


def reason_label(code: str) -> str:
    """The words for a reason code; the code itself when it is unknown (e.g. a check of a newer version)."""
    if code in CHECKS:
        return CHECKS[code].name
    if code.startswith(REFERENCE_PREFIX):
        return f"Compared with reference photo {code[len(REFERENCE_PREFIX):][:12]}…"
    return OTHER_REASONS.get(code) or SYSTEM_REASONS.get(code) or code


def reasons_text(codes: Iterable[str]) -> str:
    """Several reason codes as one readable list ('–' for none)."""
    return ", ".join(reason_label(code) for code in codes) or "–"
