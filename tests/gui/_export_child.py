"""Child process for the SIGTERM-during-export test: the application's own signal handling, an export running.

Arguments: the photo folder and the export folder. Prints EXPORTING once the first file is being written.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pfiq_desktop.gui.app import _quit_on_ctrl_c, make_app
from pfiq_desktop.gui.main_window import MainWindow
from pfiq_desktop.settings import SettingsStore
from tests.gui.fakes import fake_factory


def main() -> None:
    photos, out = sys.argv[1], sys.argv[2]
    app = make_app()
    window = MainWindow(SettingsStore(), engine_factory=fake_factory(), restore_geometry=False)
    window.show()
    window.exporter.ask_folder = lambda title: out
    window.decisions.ask_officer_name = lambda current: "test-officer"  # a report names who made it
    _quit_on_ctrl_c(app, window)  # SIGINT and SIGTERM close the window, as in the installed application

    def started(step: int, total: int, name: str) -> None:
        if step == 1:
            print("EXPORTING", flush=True)

    def analysed(_count: int) -> None:
        window.export_batch()
        window.exporter.job.progressed.connect(started)

    window.worker.batchFinished.connect(analysed)
    window.open_paths([photos])
    code = app.exec()
    window.shutdown()
    print(f"EXITED {code}", flush=True)


if __name__ == "__main__":
    main()
