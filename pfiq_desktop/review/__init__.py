"""Officer decisions and their audit trail (Qt-free)."""

from pfiq_desktop.review.store import (
    ACCEPT,
    DECISION_LABELS,
    DECISIONS,
    REJECT,
    RETAKE,
    AuditEntry,
    Decision,
    DecisionError,
    OverrideNeedsNote,
    ReviewStore,
    default_store_path,
    file_sha256,
)

__all__ = [
    "ACCEPT", "DECISION_LABELS", "DECISIONS", "REJECT", "RETAKE", "AuditEntry", "Decision",
    "DecisionError", "OverrideNeedsNote", "ReviewStore", "default_store_path", "file_sha256",
]
