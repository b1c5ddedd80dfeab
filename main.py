"""Double-click entry: starts PFIQ Desktop (`python main.py [PATH] [--self-test] [--version]`)."""

import multiprocessing
import sys

from pfiq_desktop.gui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # in the frozen app, a child process (the face detector's fallback) starts here
    sys.exit(main())
