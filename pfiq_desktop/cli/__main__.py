"""`python -m pfiq_desktop.cli`: the same as the `pfiq` command."""

import sys

from pfiq_desktop.cli import main

sys.exit(main())
