"""A module's compiled bytecode carried into a copy of it, so that a process importing the copy need not compile it.

The fork server imports the runner tree (runner_tree.py) from a fresh, read-only copy made for each
run, where it can write no bytecode: without the grader's own `.pyc` beside each copy, every server
start compiled the whole of `sandboxed/` and `checks/` from source, a tenth of a second on the path
of a one-notebook run. Only bytecode Python itself checks against its source is carried over
(timestamp or checked-hash `.pyc`): Python still compares it with the copy on import and compiles
the source instead where they differ, so a stale or foreign file costs time, never behaviour.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

# PEP 552's header: magic (4 bytes), flags (4), then the source's mtime and size, or its hash (8).
_HEADER = 16
_CHECKED_HASH = 0b11


def copy_module(source: Path, target: Path) -> None:
    """Copy the module `source` to `target`, its modification time and valid bytecode with it."""
    shutil.copyfile(source, target)
    # The copy keeps the source's time: that is what a timestamp `.pyc` was checked against.
    stat = source.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    compiled = _valid_bytecode(source, stat)
    if compiled is None:
        return
    # Where the server looks: beside the copy, with the plain (not -O) name, whatever cache prefix or
    # optimisation the grader itself runs with.
    carried = target.parent / "__pycache__" / f"{target.stem}.{sys.implementation.cache_tag}.pyc"
    carried.parent.mkdir(exist_ok=True)
    carried.write_bytes(compiled)


def _valid_bytecode(source: Path, stat: os.stat_result) -> bytes | None:
    """This Python's bytecode of `source` if it is there and Python checks it against the source; else None."""
    try:
        data = Path(importlib.util.cache_from_source(str(source), optimization="")).read_bytes()
    except (OSError, ValueError, NotImplementedError):
        return None
    if len(data) < _HEADER or data[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags == _CHECKED_HASH:
        return data
    if flags != 0:
        return None  # unchecked hash: Python would trust it without looking at the source
    mtime, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
    if mtime != int(stat.st_mtime) & 0xFFFFFFFF or size != stat.st_size & 0xFFFFFFFF:
        return None
    return data
