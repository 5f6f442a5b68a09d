"""A class's row names and their files, packed: what a survey keeps of a submissions folder, however large.

A `Submissions` maps each row name to the file graded under it, in name order (the gradebook's and the records'
index's). It holds one byte buffer, each row's name and its path under the folder NUL-terminated (neither can hold a
NUL: names are printable, and no file name holds one), and an array of where each row starts: a few tens of bytes a
row, against some hundreds for a dict of `Path`s. A top-level `<name>.ipynb`, Canvas's collect's layout and the
usual case, stores no path at all. Names and paths become `str`s only when asked for.

It is built from rows in any order by sorting runs of `_RUN` rows and merging them, so that building it never holds
more than a run's worth of `str` or `bytes` objects either.
"""

from __future__ import annotations

import heapq
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

_RUN = 4096  # rows sorted at a time
_DERIVED = b".ipynb"  # the path a row stores as empty: `<name>.ipynb` at the top of the folder
_ENCODING, _ERRORS = "utf-8", "surrogateescape"  # a path's undecodable bytes come back as they were


class Submissions(Mapping[str, Path]):
    """Row name -> the file graded under it, iterated in name order. Build one with `pack`."""

    def __init__(self, prefix: str, rows: bytes | bytearray, starts: array[int]) -> None:
        self._prefix = prefix  # the folder with its "/", or "" where paths are whole (`pack_mapping`)
        self._rows = rows
        self._starts = starts  # where each row's name starts in ROWS, in name order
        self.names: Sequence[str] = _Names(self)  # every name in order, made as asked for

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __getitem__(self, name: str) -> Path:
        index = self.index(name)
        if index is None:
            raise KeyError(name)
        return Path(self.file(index))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.index(name) is not None

    def name(self, index: int) -> str:
        start = self._starts[index]
        return self._rows[start : self._rows.index(0, start)].decode(_ENCODING)

    def file(self, index: int) -> str:
        """The path of row INDEX's file, as a string for `os` (no `Path` made)."""
        start = self._starts[index]
        middle = self._rows.index(0, start)
        relative = self._rows[middle + 1 : self._rows.index(0, middle + 1)]
        if not relative:
            relative = self._rows[start:middle] + _DERIVED
        return self._prefix + relative.decode(_ENCODING, _ERRORS)

    def index(self, name: str) -> int | None:
        """NAME's place in name order, or None. UTF-8 keeps code point order, so bytes compare as names do."""
        try:
            wanted = name.encode(_ENCODING)
        except UnicodeEncodeError:  # a lone surrogate: never a name
            return None
        low, high = 0, len(self._starts)
        while low < high:
            middle = (low + high) // 2
            start = self._starts[middle]
            if self._rows[start : self._rows.index(0, start)] < wanted:
                low = middle + 1
            else:
                high = middle
        if low < len(self._starts):
            start = self._starts[low]
            if self._rows[start : self._rows.index(0, start)] == wanted:
                return low
        return None


class _Names(Sequence[str]):
    def __init__(self, submissions: Submissions) -> None:
        self._of = submissions

    def __len__(self) -> int:
        return len(self._of)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self._of.name(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._of.name(index)

    def __iter__(self) -> Iterator[str]:
        return (self._of.name(index) for index in range(len(self)))


def pack(folder: str, rows: Iterable[tuple[str, str]]) -> Submissions:
    """ROWS, (name, path under FOLDER with "/" between folders), as a `Submissions`; FOLDER "" for whole paths.

    Names must be unique, printable and without NUL; paths are `os.fsdecode`'s strings."""
    runs: list[bytes] = []
    run: list[bytes] = []
    for name, relative in rows:
        encoded = name.encode(_ENCODING)
        stored = relative.encode(_ENCODING, _ERRORS)
        # NUL sorts before every other byte: a row's record sorts as its name does.
        run.append(encoded + b"\0" + (b"" if stored == encoded + _DERIVED else stored) + b"\0")
        if len(run) == _RUN:
            runs.append(_sorted_run(run))
            run = []
    runs.append(_sorted_run(run))
    buffer, starts = bytearray(), array("Q")
    for record in heapq.merge(*(_records(each) for each in runs)):
        starts.append(len(buffer))
        buffer += record
    return Submissions(folder if not folder or folder.endswith("/") else f"{folder}/", buffer, starts)


def pack_mapping(files: Mapping[str, os.PathLike[str] | str]) -> Submissions:
    """FILES (name -> any path) as a `Submissions`: what a survey made by hand becomes."""
    if isinstance(files, Submissions):
        return files
    return pack("", ((name, os.fspath(path)) for name, path in files.items()))


def _sorted_run(run: list[bytes]) -> bytes:
    run.sort()
    return b"".join(run)


def _records(run: bytes) -> Iterator[bytes]:
    """Each record of a run: a name and a path, each ending in NUL."""
    start = 0
    while start < len(run):
        end = run.index(0, run.index(0, start) + 1) + 1
        yield run[start:end]
        start = end


__all__ = ["Submissions", "pack", "pack_mapping"]
