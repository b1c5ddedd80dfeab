"""Child process for the kill -9 test: decides photos as their analyses arrive, prints each saved one."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402

from pfiq_desktop.gui.app import make_app  # noqa: E402
from pfiq_desktop.gui.main_window import MainWindow  # noqa: E402


def main() -> None:
    folder, store_path = sys.argv[1], sys.argv[2]
    app = make_app()
    settings = QSettings(str(store_path) + ".ini", QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, store_path=store_path, restore_geometry=False)
    window.prefs.officer = "child"
    window.auto_advance = False
    window.show()
    kinds = ["reject", "retake"]

    def decide(path, analysis):
        window.browser.select_path(path)
        kind = kinds[len(decided) % 2]
        if window.record_decision(kind, ["test"], "killed mid-batch"):
            decided.append(path)
            print(f"SAVED {kind} {path}", flush=True)

    decided: list[str] = []
    window.worker.itemDone.connect(decide)
    window.open_paths([folder])
    app.exec()


if __name__ == "__main__":
    main()
