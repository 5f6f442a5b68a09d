"""skipped.csv: what `grade` found in the submissions folder and did not grade, with why; beside the gradebook.

Written by every run, so it always describes the folder as last graded: removed when nothing was skipped."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from autograder.outputs.files import write_atomic
from autograder.outputs.inert import inert_csv, read_inert_csv

SKIPPED = "skipped.csv"
SKIPPED_COLUMNS = ("path", "reason")


def write_skipped(out: Path, skipped: Iterable[tuple[str, str]]) -> Path | None:
    """OUT/skipped.csv listing each (path in the submissions folder, reason); none, and no file, when nothing was."""
    rows = sorted(skipped)
    path = out / SKIPPED
    if not rows:
        path.unlink(missing_ok=True)
        return None
    write_atomic(path, inert_csv([SKIPPED_COLUMNS, *rows]))
    return path


def read_skipped(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The (path, reason) pairs of a skipped.csv, as they were before being made inert."""
    _, *rows = read_inert_csv(lines) or [[]]
    return [(row[0], row[1]) for row in rows]


__all__ = ["SKIPPED", "SKIPPED_COLUMNS", "read_skipped", "write_skipped"]
