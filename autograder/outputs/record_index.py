"""OUT/records/.index.jsonl: what a rerun needs of every record without opening it, one line per row, by name.

A line holds the row's name, its notebook's `SourceKey` and sha256 (so an unchanged file is not hashed again), the
record's fingerprint, the record file's own key (so a record changed or replaced since is read, not trusted), and
what the gradebook and the summary show of the row. Lines are sorted by name, the gradebook's order, so that it is
read and written as a stream beside the sorted names of the class: its size in memory does not grow with the class.

The index only saves work: a line that does not match its record, or an index that cannot be read, sends the run
back to the records themselves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from autograder.outputs.records import RECORDS, SourceKey

INDEX = ".index.jsonl"
# Beside it: what the gradebook was written from and what the summary said of it, so that a rerun that changes
# nothing neither writes the gradebook again nor reads the index twice.
SUMMARY = ".index.summary"
# A record's size, mtime_ns, ctime_ns and inode: `save` replaces a record by a new file, so any save changes it.
RecordKey = tuple[int, int, int, int]


@dataclass(frozen=True)
class Entry:
    name: str
    source: SourceKey | None  # the notebook's key before it was hashed; None: hash it
    sha256: str | None
    fingerprint: dict[str, Any] | None  # as in the record; None: never reused
    record: RecordKey  # the record file this line was made from
    row_text: str  # what the gradebook and the summary show of the row, as JSON (read only when needed)

    @property
    def row(self) -> dict[str, Any]:
        row = json.loads(self.row_text)
        if not isinstance(row, dict):
            raise ValueError("not a row")
        return row

    def line(self) -> str:
        # Two JSON texts (JSON never holds a raw tab): a rerun reads the first of each line only.
        fields = [self.name, self.source and list(self.source), self.sha256, self.fingerprint, list(self.record)]
        return f"{json.dumps(fields, sort_keys=True)}\t{self.row_text}\n"


def make_entry(
    name: str,
    source: SourceKey | None,
    sha256: str | None,
    fingerprint: dict[str, Any] | None,
    record: RecordKey,
    row: dict[str, Any],
) -> Entry:
    return Entry(name, source, sha256, fingerprint, record, json.dumps(row, sort_keys=True))


def index_path(out: Path) -> Path:
    return out / RECORDS / INDEX


def record_key(path: str | Path) -> RecordKey | None:
    try:
        status = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _entry(line: str) -> Entry | None:
    try:
        fields, row_text = line.rstrip("\n").split("\t")
        name, source, sha256, fingerprint, record = json.loads(fields)
        if not (isinstance(name, str) and (fingerprint is None or isinstance(fingerprint, dict))):
            return None
        return Entry(
            name,
            tuple(map(int, source)) if source is not None else None,  # type: ignore[arg-type]
            sha256 if isinstance(sha256, str) else None,
            fingerprint,
            tuple(map(int, record)),  # type: ignore[arg-type]
            row_text,
        )
    except (ValueError, TypeError):
        return None


class IndexReader:
    """The entries of an index for names asked in sorted order; nothing for a name it lacks, or a bad index."""

    def __init__(self, out: Path) -> None:
        self._lines: Iterator[str] = iter(())
        self._handle: IO[str] | None = None
        try:
            self._handle = index_path(out).open(encoding="utf-8", errors="strict")
            self._lines = iter(self._handle)
        except OSError:
            pass
        self._next: Entry | None = None
        self._previous_name: str | None = None
        self.passed_over = 0  # entries of names never asked for (rows no longer in the class), or unreadable lines
        self._advance()

    def _advance(self) -> None:
        try:
            line = next(self._lines, None)
        except (OSError, ValueError):  # unreadable, or not UTF-8: the records are read instead
            line = None
        entry = _entry(line) if line is not None else None
        if entry is not None and self._previous_name is not None and entry.name <= self._previous_name:
            entry = None  # out of order: not an index `write_index` wrote; what is left is not trusted
        if line is not None and entry is None:
            self._lines = iter(())
            self.passed_over += 1
        self._next = entry
        if entry is not None:
            self._previous_name = entry.name

    def get(self, name: str) -> Entry | None:
        """NAME's entry; names must be asked in increasing order."""
        while self._next is not None and self._next.name < name:
            self.passed_over += 1
            self._advance()
        if self._next is not None and self._next.name == name:
            found = self._next
            self._advance()
            return found
        return None

    def finish(self) -> None:
        """Pass over what is left (entries of names after the last one asked for)."""
        while self._next is not None:
            self.passed_over += 1
            self._advance()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def index_lines(entries: Iterable[Entry]) -> Iterator[bytes]:
    for entry in entries:
        yield entry.line().encode("ascii")


__all__ = [
    "INDEX",
    "SUMMARY",
    "Entry",
    "IndexReader",
    "RecordKey",
    "index_lines",
    "index_path",
    "make_entry",
    "record_key",
]
