"""Issue 15's evaluation: eyes, coverings and side light re-measured with the engine's own checks (report.py)."""
