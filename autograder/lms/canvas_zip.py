"""The files of a Canvas download read as hostile input: what is wrong with one skips it, and never crashes collect.

The reading itself is `uploads`, shared with the other LMSs and with `grade`; this adds Canvas's words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from autograder.errors import CanvasError
from autograder.intake import uploads
from autograder.intake.uploads import Entry

MAX_TOTAL_BYTES = uploads.MAX_TOTAL_BYTES


class Budget(uploads.Budget):
    """The unpacked bytes one Canvas collect may still read; the cap is read when a collect starts."""

    def __init__(self) -> None:
        super().__init__(MAX_TOTAL_BYTES)


def entries(source: Path, stack: ExitStack) -> Iterator[Entry]:
    """The files of a download folder or zip, clutter left out; raises CanvasError when the zip cannot be opened."""
    try:
        yield from uploads.entries(source, stack)
    except uploads.UnreadableArchive as problem:
        raise CanvasError(
            f'{problem}: download it again with Canvas\'s "Download Submissions", or unzip it with '
            "another tool and give the folder it unzips to."
        ) from None


__all__ = ["MAX_TOTAL_BYTES", "Budget", "entries"]
