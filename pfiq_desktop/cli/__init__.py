"""`pfiq`: the command line (analyse, compare, report, embed, evaluate, audit verify, audit prune, audit-archive, calibrate).

Exit codes, the same for every command:
0 everything done; 1 a photo had a problem (unreadable, no face, not analysable)
or, for `audit verify`, the audit log's chain is broken; 2 usage error (unknown
option value, missing input, a missing or damaged model file, a bad profile);
3 an output could not be written (disk full, unwritable folder); 130 cancelled
(Ctrl+C or SIGTERM).
"""

from __future__ import annotations

import argparse
import io
import sys

from pfiq_desktop import APP_NAME, __version__
from pfiq_desktop.cli import analyse, audit, audit_archive, calibrate, compare, embed, evaluate, report
from pfiq_desktop.cli.common import EXIT_CANCELLED, EXIT_USAGE, error
from pfiq_desktop.logs import setup_logging


def build_parser() -> argparse.ArgumentParser:
    from pfiq_desktop import appdirs

    # where the details of an error are: the command line never said (support walk-through)
    parser = argparse.ArgumentParser(prog="pfiq", description=f"{APP_NAME}: explainable face image quality.",
                                     epilog=f"Log file (the details of any error): {appdirs.log_path()}",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # the path whole, to copy
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (analyse, compare, report, embed, evaluate, audit, audit_archive, calibrate):
        module.register(commands)
    return parser


def tolerate_any_console_encoding() -> None:
    """Write what the console's encoding cannot hold as escapes: Python writes redirected output in the local code
    page on Windows (cp1252, cp932), where a photo named "Şahin" or an ellipsis ended the run with a traceback and
    exit 1, the table of results lost."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    tolerate_any_console_encoding()
    args = build_parser().parse_args(argv)
    setup_logging()
    # imported here, not above: the window's start reads this package's device option and needs none of them. None
    # loads torch, which `pfiq --help`, `--version` and `pfiq audit` do not need (claims audit: --version took 2.4 s)
    from pfiq_desktop.engine.backbones import BackboneLoadError
    from pfiq_desktop.engine.icao.profile import ProfileError
    from pfiq_desktop.engine.models import ModelFileError

    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("\ncancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except (ModelFileError, ProfileError, BackboneLoadError) as problem:  # the engine cannot start: one line, no traceback
        error(str(problem))
        return EXIT_USAGE
    return code
