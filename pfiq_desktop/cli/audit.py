"""`pfiq audit verify [STORE] [--head HASH]`: check the review store's hash-chained audit log (read-only);
`pfiq audit prune [STORE] --before DAY [--yes]`: remove its entries older than a day (retention).

Exit 0 when the chain is intact, 1 when it is broken (the first broken link is
printed first), cannot be checked (a version-1 store), does not hold the entry of
a head recorded earlier, or its witness beside it cannot be read, and when the store
is gone or empty though its witness records entries; 2 when the file is no review store.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pfiq_desktop import appdirs
from pfiq_desktop.cli.common import EXIT_OK, EXIT_OUTPUT, EXIT_PHOTO_PROBLEM, EXIT_USAGE, error, printable
from pfiq_desktop.review.chain import PRINTED_HASH_DIGITS
from pfiq_desktop.review.values import counted, when

if TYPE_CHECKING:  # (the store is imported where it is used: the commands start faster)
    from pfiq_desktop.review.store import Cut


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help="check the review store's tamper-evident audit log")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="verify the audit log's hash chain and the decisions against it",
        description="Reports the first broken link: an edited, deleted, inserted or reordered audit entry, "
        "or a decision that differs from the entry that recorded it. Nothing is changed.",
    )
    verify.add_argument("--head", metavar="HASH", default=None, type=_entry_hash,
                        help="the head this command printed earlier (or an entry's hash from a PDF report), noted "
                        "off this machine: the store must still hold that entry (a store deleted together with its "
                        ".head file, or put back from an older copy, is caught only this way)")
    verify.set_defaults(handler=run_verify)
    prune = actions.add_parser(
        "prune",
        help="retention: remove the audit entries and decisions older than a date",
        description="Removes the audit entries written before DATE and the decisions they were the last word on; "
        "the log records the cut and still verifies. Without --yes it only says what would go.",
    )
    prune.add_argument("--before", required=True, type=_date, metavar="YYYY-MM-DD",
                       help="entries written before this day (00:00 local time) are removed")
    prune.add_argument("--officer", default="", help="who orders the cut (recorded with the OS login)")
    prune.add_argument("--yes", action="store_true", help="remove them (without it: say what would go)")
    prune.set_defaults(handler=run_prune)
    for action in (verify, prune):
        action.add_argument("store", nargs="?", default=None,
                            help=f"review store file (default: the application's, {appdirs.store_path()})")


def _store(args: argparse.Namespace) -> Path:
    return Path(args.store) if args.store else appdirs.store_path()


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").astimezone()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, not {text!r}") from None


def _entry_hash(text: str) -> str:
    value = text.strip().lower()
    if not PRINTED_HASH_DIGITS <= len(value) <= 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"expected the hexadecimal digits printed after 'head' (at least "
                                         f"{PRINTED_HASH_DIGITS}, as a PDF report prints an entry)")
    return value


def run_verify(args: argparse.Namespace) -> int:
    from pfiq_desktop.review.store import StoreError, verify_store

    path = _store(args)
    try:
        report = verify_store(path, args.head or "")
    except StoreError as problem:
        error(printable(str(problem)))
        return EXIT_USAGE
    if report.ok:
        print(f"OK: {printable(str(path))}: {counted(report.entries, 'audit entry', 'audit entries')}, chain intact")
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


class _Unverified(Exception):
    """The store's audit log does not verify, so it is not cut."""


def _prune(path: Path, args: argparse.Namespace) -> Cut:
    from pfiq_desktop.review.store import ReviewStore

    with ReviewStore(path) as store:
        if not store.verify().ok:
            raise _Unverified
        return store.remove_before(args.before, officer=args.officer)


def _count(path: Path, before: datetime) -> Cut:
    """What a cut would remove, read without writing (a preview of an auditor's read-only copy)."""
    from pfiq_desktop.review.store import count_before, verify_store

    report = verify_store(path)
    if not report.ok and not report.unsealed:  # a version-1 store: --yes seals it, then cuts
        raise _Unverified
    return count_before(path, before)


def run_prune(args: argparse.Namespace) -> int:
    from pfiq_desktop.atomic import OutputError
    from pfiq_desktop.review.store import StoreError

    path = _store(args)
    if not path.is_file():
        error(printable(f"No review store at {path}"))
        return EXIT_USAGE
    day = args.before.date().isoformat()
    if args.before.date() > datetime.now().date():  # 2205 for 2025 would remove today's decisions too, for good
        error(f"--before {day} is after today: only entries older than a day that has begun can be removed")
        return EXIT_USAGE
    try:
        cut = _prune(path, args) if args.yes else _count(path, args.before)
    except _Unverified:  # a cut would hide how it was broken
        error(printable(f"{path}: the audit log does not verify; nothing was removed (run pfiq audit verify)"))
        return EXIT_PHOTO_PROBLEM
    except StoreError as problem:
        error(printable(str(problem)))
        return EXIT_USAGE
    except OutputError as problem:  # read-only, locked, disk full: the cut is one transaction, so nothing was removed
        error(printable(str(problem)))
        return EXIT_OUTPUT
    before = f"{when(args.before.isoformat())} (midnight on this computer's clock)"
    what = (f"{counted(cut.entries, 'audit entry', 'audit entries')} written before {before} and "
            f"{counted(cut.decisions, 'decision')} they were the last word on")
    # (profiles chosen for single photos name applicants' photos too: a cut removed them without a word: review)
    what += f", and {counted(cut.profiles, 'profile')} chosen for single photos before it" if cut.profiles else ""
    if not any(cut):
        print(f"Nothing in {printable(str(path))} was written before {before}.")
    elif args.yes and not cut.entries:  # nothing of the log went, so it records nothing (it claimed to: review)
        print(f"Removed {what}; the audit log had nothing to cut, so it records nothing of this.")
    elif args.yes:
        print(f"Removed {what}; the log records the cut and still verifies (pfiq audit verify).")
    else:
        print(f"Would remove {what}. Run again with --yes to remove them.")
    return EXIT_OK
