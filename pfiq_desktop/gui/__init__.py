"""PySide6 desktop application: browser, compare view, checklist, decisions."""
