"""Double-click entry: starts PFIQ Desktop (`python main.py [PATH] [--self-test] [--version]`)."""

import sys

from pfiq_desktop.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
