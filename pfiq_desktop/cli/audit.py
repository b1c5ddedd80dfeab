"""`pfiq audit verify [STORE] [--head HASH]`: check the review store's hash-chained audit log (read-only).

Exit 0 when the chain is intact, 1 when it is broken (the first broken link is
printed first), cannot be checked (a version-1 store) or does not hold the entry of
a head recorded earlier, 2 when the file is no review store.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pfiq_desktop import appdirs
from pfiq_desktop.cli.common import EXIT_OK, EXIT_PHOTO_PROBLEM, EXIT_USAGE, error, printable
from pfiq_desktop.review.chain import PRINTED_HASH_DIGITS


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help="check the review store's tamper-evident audit log")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="verify the audit log's hash chain and the decisions against it",
        description="Reports the first broken link: an edited, deleted, inserted or reordered audit entry, "
        "or a decision that differs from the entry that recorded it. Nothing is changed.",
    )
    verify.add_argument("store", nargs="?", default=None,
                        help=f"review store file (default: the application's, {appdirs.store_path()})")
    verify.add_argument("--head", metavar="HASH", default=None, type=_entry_hash,
                        help="the head this command printed earlier (or an entry's hash from a PDF report), noted "
                        "off this machine: the store must still hold that entry (a store deleted together with its "
                        ".head file, or put back from an older copy, is caught only this way)")
    verify.set_defaults(handler=run_verify)


def _entry_hash(text: str) -> str:
    value = text.strip().lower()
    if not PRINTED_HASH_DIGITS <= len(value) <= 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"expected the hexadecimal digits printed after 'head' (at least "
                                         f"{PRINTED_HASH_DIGITS}, as a PDF report prints an entry)")
    return value


def run_verify(args: argparse.Namespace) -> int:
    from pfiq_desktop.review.store import StoreError, verify_store

    path = Path(args.store) if args.store else appdirs.store_path()
    try:
        report = verify_store(path, args.head or "")
    except StoreError as problem:
        error(printable(str(problem)))
        return EXIT_USAGE
    if report.ok:
        print(f"OK: {printable(str(path))}: {report.entries} audit entries, chain intact")
        print(f"head {report.head or '(empty log)'}")
        if args.head:
            print("the entry of the recorded head is held: no entry written up to it was lost")
        if report.sealed:
            print(f"note: the entries of the version-1 store ({report.sealed}) were sealed then; "
                  "changes made before that cannot be detected")
        return EXIT_OK
    print(f"BROKEN: {printable(str(path))}: {printable(report.problems[0])}")
    for other in report.problems[1:]:
        print(f"  also: {printable(other)}")
    return EXIT_PHOTO_PROBLEM
