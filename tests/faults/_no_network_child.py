"""Child process for the no-network test: analysis, GUI start-up and export under a socket audit hook.

Prints one JSON line: the network socket events seen (must be none) and what was done.
"""

from __future__ import annotations

import json
import os
import socket
import sys

EVENTS: list[str] = []
NETWORK_FAMILIES = {int(socket.AF_INET), int(socket.AF_INET6)}


def audit(event: str, args: tuple) -> None:
    """Record every network socket opened, bound, connected or resolved (local AF_UNIX sockets are not network)."""
    if event == "socket.__new__" and int(args[1]) in NETWORK_FAMILIES:
        EVENTS.append(f"{event} family={args[1]}")
    elif event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg") and isinstance(args[1], tuple):
        EVENTS.append(f"{event} {args[1]!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        EVENTS.append(f"{event} {args[0]!r}")


sys.addaudithook(audit)  # first: everything imported below is watched


def main() -> None:
    sample, out = sys.argv[1], sys.argv[2]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pfiq_desktop.engine import Analyzer

    analyzer = Analyzer(device="cpu")
    analysed = analyzer.analyse(sample).ok
    from pfiq_desktop.gui.app import make_app, wait_until
    from pfiq_desktop.gui.main_window import MainWindow
    from pfiq_desktop.settings import SettingsStore

    _app = make_app()  # held to the end: the window lives in it
    window = MainWindow(SettingsStore(), engine_factory=lambda device, profile: analyzer, restore_geometry=False)
    window.show()
    window.open_paths([sample])
    record = window.session.records[0]
    shown = wait_until(lambda: record.analysis is not None, 300)
    window.browser.select_row(0)
    window.exporter.ask_folder = lambda title: out
    window.decisions.ask_officer_name = lambda current: "test-officer"  # a report names who made it
    started = window.export_report()
    wait_until(lambda: started and not window.exporter.running(), 300)
    window.shutdown()
    print(json.dumps({"events": EVENTS, "analysed": analysed, "shown": shown, "exported": sorted(os.listdir(out))}))


if __name__ == "__main__":
    main()
