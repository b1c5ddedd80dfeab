"""Child process for the kill -9 test: decides photos as their analyses arrive, prints each saved one."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pfiq_desktop.gui.app import make_app
from pfiq_desktop.gui.main_window import MainWindow
from pfiq_desktop.settings import SettingsStore


def main() -> None:
    """Argument: the photo folder; PFIQ_DATA_DIR (set by the parent) holds the review store."""
    folder = sys.argv[1]
    app = make_app()
    window = MainWindow(SettingsStore(overrides={"officer": "child"}), restore_geometry=False)
    window.decisions.ask_officer_name = lambda current: current
    window.decisions.auto_advance = False
    window.show()
    kinds = ["reject", "retake"]

    def decide(path, _shown):
        window.browser.select_path(path)
        kind = kinds[len(decided) % 2]
        if window.decisions.record(kind, ["test"], "killed mid-batch"):
            decided.append(path)
            print(f"SAVED {kind} {path}", flush=True)

    decided: list[str] = []
    window.worker.itemDone.connect(decide)
    window.open_paths([folder])
    app.exec()


if __name__ == "__main__":
    main()
