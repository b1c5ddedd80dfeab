"""The Qt-free quality engine: photo in, `Analysis` out.

    from pfiq_desktop.engine import Analyzer
    result = Analyzer(device="auto").analyse("photo.jpg")

`Analyzer` is imported lazily, so code that only reads results (reports, review,
GUI start-up) does not pay for importing torch and dlib.
"""

from typing import Any

from pfiq_desktop.engine.results import Analysis, CheckResult, Evidence, Face, Verdict

__all__ = ["Analyzer", "Analysis", "CheckResult", "Evidence", "Face", "Verdict"]


def __getattr__(name: str) -> Any:
    if name == "Analyzer":
        from pfiq_desktop.engine.analyzer import Analyzer

        return Analyzer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
