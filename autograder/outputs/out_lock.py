"""One `grade` at a time per output folder: an flock on OUT/.cnngrade.lock, which also names who holds it.

The kernel releases an flock when the last descriptor of its open file closes, however its process ended (kill -9
too): a lock file left behind by a dead run is just a file, and the next run takes it. The file is never removed,
since removing it would let two runs lock two different files of one name. The descriptor is not inherited by
programs the run starts (close-on-exec); a process forked without exec while the run holds it would keep it.

`report`, `export` and `diff` do not take it: they read files `grade` replaces whole (atomic renames), and they
refuse a folder whose records and gradebook disagree (`outputs.folder.read_out`).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder.errors import OutFolderBusy
from autograder.outputs.files import new_file_mode
from autograder.outputs.inert import printable

LOCK = ".cnngrade.lock"


@contextmanager
def holding(out: Path, command: str) -> Iterator[None]:
    """Hold OUT's lock while the block runs; OutFolderBusy, naming the holder, when another process holds it."""
    out.mkdir(parents=True, exist_ok=True)
    handle = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, new_file_mode())
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutFolderBusy(
                f"{out} is being graded by {_holder(handle)}: wait for it to end, or grade into another --out."
            ) from None
        os.ftruncate(handle, 0)
        holder = {"pid": os.getpid(), "command": command, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
        os.pwrite(handle, (json.dumps(holder) + "\n").encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(handle, 0)  # held by no one: it names no one (and OUT is as the run left it)
    finally:
        os.close(handle)  # releases the lock


def _holder(handle: int) -> str:
    """Who holds the lock, as its file says (it may not have written it yet)."""
    try:
        holder = json.loads(os.pread(handle, 4096, 0).decode("utf-8"))
        return printable(f"process {int(holder['pid'])} (`{holder['command']}`, started {holder['started']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


__all__ = ["LOCK", "holding"]
