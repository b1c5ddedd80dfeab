"""Officer decisions and their audit trail (Qt-free)."""

from pfiq_desktop.engine.hashing import file_sha256
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
    StoreError,
    verify_store,
)

__all__ = [
    "ACCEPT", "DECISION_LABELS", "DECISIONS", "REJECT", "RETAKE", "AuditEntry", "Decision",
    "DecisionError", "OverrideNeedsNote", "ReviewStore", "StoreError", "file_sha256", "verify_store",
]
