"""Where the application keeps its files: one Qt-free owner for every per-user path.

The GUI, `pfiq report` and the log all read these, so decisions recorded in the
window are the ones the command line reports. The folder matches what Qt's
`QStandardPaths.AppDataLocation` gives for organisation "PFIQ" and application
"PFIQ Desktop", so data written by earlier versions of the GUI stays in place.
`PFIQ_DATA_DIR` moves everything (portable installs, tests).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pfiq_desktop import APP_NAME, ORG_NAME

DATA_DIR_ENV = "PFIQ_DATA_DIR"


def data_dir() -> Path:
    """The per-user data folder (not created here)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / ORG_NAME / APP_NAME


EARLIER_MODES = (0o755, 0o775, 0o777)  # what versions before 0.4.8 made the data folder under the usual umasks


def make_data_dir() -> Path:
    """The data folder, readable by this login alone: it holds officers' decisions and notes and analyses by photo
    (made 0755, every local account could read them: data-protection walk-through). A new one is made 0700, and one
    that versions before 0.4.8 made (0755, 0775 or 0777, by the login's umask: the security review found 0775 kept) is
    narrowed to it; any other permissions are kept: an administrator may share the folder on purpose (two officers on
    one store, 0770)."""
    folder = data_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if os.name == "posix" and status.st_uid == os.geteuid() and status.st_mode & 0o777 in EARLIER_MODES:
        folder.chmod(0o700)
    return folder


def store_path() -> Path:
    """The review store: officer decisions and the audit log."""
    return data_dir() / "reviews.sqlite3"


def cache_path() -> Path:
    """Finished analyses by photo hash, shared by the GUI and `pfiq report`."""
    return data_dir() / "analysis-cache.sqlite3"


def settings_path() -> Path:
    """The user's settings (device, profile, officer, folders, theme)."""
    return data_dir() / "settings.json"


def window_state_path() -> Path:
    """Window geometry and dock layout (Qt's own format, nothing else)."""
    return data_dir() / "window-state.ini"


def log_path() -> Path:
    """The rotating log file."""
    return data_dir() / "logs" / "pfiq.log"


def profiles_dir() -> Path:
    """The user's own threshold profiles (TOML), offered by their file names beside the bundled ones."""
    return data_dir() / "profiles"


def samples_dir() -> Path:
    """Where "Try the sample" writes the sample photo and its variants."""
    return data_dir() / "samples"


def legacy_store_paths() -> list[Path]:
    """Review stores written by earlier versions of `pfiq report` (Qt-free guess of the folder)."""
    if os.environ.get(DATA_DIR_ENV):
        return []
    return [data_dir().parent.parent / APP_NAME / "reviews.sqlite3"]
