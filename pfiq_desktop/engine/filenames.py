"""File names as text, whatever bytes the file system holds.

A Linux file name is bytes. Python hands a name that is not valid UTF-8 over as a
str with "surrogate escapes" (U+DC80..U+DCFF), which SQLite, UTF-8 files, Qt and
terminals refuse. Such a file must still be analysed, reported and decided on, so
every name that leaves Python goes through one of two views:

- `display_name`: for people (reports, the window, messages). Undecodable bytes
  read as ``\\xNN``; not reversible, always valid text.
- `path_text` / `path_from_text`: a reversible, valid-UTF-8 form for storing
  (review store keys, CSV and JSON path columns). A valid name is unchanged; an
  invalid absolute path becomes ``bytes:`` + its bytes with backslashes doubled
  and undecodable bytes as ``\\xNN``. No absolute path starts with ``bytes:``,
  so the two kinds never collide.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence

BYTES_PREFIX = "bytes:"
_ESCAPE = re.compile(r"\\\\|\\x([0-9a-f]{2})")


def is_valid_text(name: str) -> bool:
    """True when `name` encodes to UTF-8 as it is (no surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Unicode's explicit direction controls: a name holding one reorders what is drawn after it (applicant_1\u202e2_tnacilppa.jpg
# read "applicant_1applicant_2 gpj." and turned the summary's SHA-256 round); the marks LRM / RLM are left alone
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def valid_name(name: str | os.PathLike[str]) -> str:
    """`name` as valid text: undecodable bytes as \\xNN, everything else unchanged (what output file names are made
    of: changing them would leave earlier reports of the same photo beside the new ones)."""
    text = os.fspath(name)
    return text if is_valid_text(text) else os.fsencode(text).decode("utf-8", "backslashreplace")


def display_name(name: str | os.PathLike[str]) -> str:
    """`name` as text for people: valid (`valid_name`), and direction controls as \\uNNNN (seen, and unable to reorder
    the text round the name)."""
    return _DIRECTION_CONTROLS.sub(lambda control: f"\\u{ord(control.group()):04x}", valid_name(name))


def one_line(text: str) -> str:
    """`text` safe for one line of a terminal or a log: what is not printable (a newline, an escape sequence's ESC,
    an undecodable byte) written as its escape, so a file name can neither forge a line nor drive the terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


_KANA_VOICING = {"\u3099", "\u309a"}  # combining, yet tell ka from ga: not an accent to ignore


def search_key(text: str) -> str:
    """`text` as a search matches it: case and accents ignored, composed and decomposed letters alike. A name from a
    Mac is decomposed, and searching "Müller" found one of two; "Papadopoulos" typed in Greek without its accent found
    none (international walk-through)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch in _KANA_VOICING)


def first_few(names: Sequence[str], shown: int, separator: str = ", ") -> str:
    """The first `shown` names joined, then 'and N more' for the rest: a message stays short however many there are."""
    rest = len(names) - shown
    return separator.join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def path_text(path: str | os.PathLike[str]) -> str:
    """A valid-UTF-8, reversible text form of an absolute path (see the module docstring)."""
    text = os.fspath(path)
    if is_valid_text(text):
        return text
    raw = os.fsencode(text).replace(b"\\", b"\\\\")
    return BYTES_PREFIX + raw.decode("utf-8", "backslashreplace")


def path_from_text(text: str) -> str:
    """The path `path_text` was given (as Python's str for it, surrogate escapes included)."""
    if not text.startswith(BYTES_PREFIX):
        return text
    escaped = text[len(BYTES_PREFIX):]
    parts: list[bytes] = []
    end = 0
    for match in _ESCAPE.finditer(escaped):
        parts.append(escaped[end:match.start()].encode("utf-8"))
        parts.append(b"\\" if match.group(1) is None else bytes([int(match.group(1), 16)]))
        end = match.end()
    parts.append(escaped[end:].encode("utf-8"))
    return os.fsdecode(b"".join(parts))
