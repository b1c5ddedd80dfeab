"""PySide6 desktop application: browser, compare view, checklist, decisions."""

from pfiq_desktop.gui import qtcompat as _qtcompat  # noqa: F401 - guards a PySide6 6.12 refcount bug first
