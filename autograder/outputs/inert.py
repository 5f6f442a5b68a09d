"""Student-chosen text made harmless where a TA sees it: CSV cells that cannot run, terminal text that cannot steer."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterable, Sequence

# OWASP's CSV injection list (=, +, -, @, tab, carriage return), plus line feed and NUL (ASVS 1.2.10):
# a spreadsheet reads a cell starting with any of them as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_QUOTE = "'"


def _needs_quote(text: str) -> bool:
    # Leading spaces are looked through too, as Canvas's own exporter does (/^\s*=/): importers may trim them.
    # A cell already starting with the quote gets one more, so that reading back can always take one off.
    return text.startswith((_QUOTE, *FORMULA_STARTS)) or text.lstrip().startswith(FORMULA_STARTS)


def inert_cell(text: str) -> str:
    """TEXT as a CSV cell no spreadsheet evaluates: a single quote in front where it could start a formula."""
    return _QUOTE + text if _needs_quote(text) else text


def from_inert_cell(cell: str) -> str:
    """The text `inert_cell` was given: exactly, for any text."""
    return cell[1:] if cell.startswith(_QUOTE) and _needs_quote(cell[1:]) else cell


# What a NUL in a cell becomes: itself, except on Python 3.10, whose csv module can neither write nor read it.
CSV_NUL = "\0" if sys.version_info >= (3, 11) else "\ufffd"


def inert_csv(rows: Iterable[Sequence[str | float]], delimiter: str = ",") -> str:
    """ROWS as CSV for a spreadsheet: str cells through `inert_cell`; numbers, always ours, plain (`:g`).

    Numbers are passed as numbers, not text, so that Canvas and spreadsheets still read them as numbers."""
    buffer = io.StringIO()
    # Rows end in "\r\n" (RFC 4180) because the csv module quotes a cell holding a line break only when that
    # break is in the terminator: with "\n" alone, a student's "\r" would split a row in two.
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [inert_cell(cell.replace("\0", CSV_NUL)) if isinstance(cell, str) else f"{cell:g}" for cell in row]
        )
    return buffer.getvalue()


def read_inert_csv(lines: Iterable[str], delimiter: str = ",") -> list[list[str]]:
    """The rows `inert_csv` wrote, every cell as it was given (a number as its text); blank lines left out."""
    return [[from_inert_cell(cell) for cell in row] for row in csv.reader(lines, delimiter=delimiter) if row]


# C0 controls (newline and tab too: a student's line break must not start a row of ours), DEL, C1 controls,
# lone surrogates (an undecodable file name; a strict terminal encoding would crash on them), the line and
# paragraph separators, and the bidirectional marks, embeddings, overrides and isolates (Trojan Source).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_UNPRINTABLE_BUT_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """TEXT with each character that could move the cursor, retitle, clear or reorder a terminal written as an escape.

    A backslash stays as it is, so this is idempotent: the escapes are for a human to read, not to decode."""
    return _UNPRINTABLE.sub(_escape, text)


def readable(text: str) -> str:
    """`printable`, but line breaks and tabs kept: for feedback shown as text (a results.json `output`),
    where a message may run over lines. Still no NUL, terminal escape, bidi override or lone surrogate,
    which would make the file unencodable or reach whoever prints it."""
    return _UNPRINTABLE_BUT_LINES.sub(_escape, text)


def is_printable(text: str) -> bool:
    """Whether `printable` leaves TEXT as it is."""
    return _UNPRINTABLE.search(text) is None


def screen(lines: Iterable[str]) -> str:
    """LINES joined for the terminal, each made printable: the only line breaks are the ones between them."""
    return "\n".join(printable(line) for line in lines)
