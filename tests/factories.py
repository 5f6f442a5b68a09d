"""Small factories for fixture notebooks and reference namespaces, so tests state what they vary."""

from __future__ import annotations

import importlib
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course import assignment


def write_notebook(path: Path, cells: Iterable[str], assignment_name: str = "hw1") -> Path:
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "otter": {"assignment_name": assignment_name},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def reference_namespace(name: str) -> dict[str, Any]:
    """Every name the assignment reads, taken from solutions/: a submission that is all correct."""
    reference = importlib.import_module(f"solutions.{name}")
    homework = assignment(name)
    namespace = {key: getattr(reference, key) for key in homework.values + homework.functions if key != "lenet_table"}
    if "lenet_table" in homework.values:
        namespace["lenet_table"] = reference.lenet_table()
    return namespace


def require_try_zip() -> None:
    """`cnngrade try-zip` runs the zip as Gradescope does: as root, in a bubblewrap container. In CI it
    must run (a skipped red-team test would pass silently); elsewhere its tests skip without it."""
    import os
    import shutil

    import pytest

    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run try-zip: root and bubblewrap")
        pytest.skip("try-zip needs root and bubblewrap")


def as_from_a_terminal() -> None:
    """A child's Ctrl-C as a terminal's shell leaves it: a suite started in the background (`make test &`) runs
    with SIGINT ignored, and its children would inherit that, so no test of Ctrl-C could send one."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def descendants(root: int) -> list[int]:
    """Every process below `root` now, children first found first."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                # The command name may hold spaces or parentheses: the fields after the last ")" are fixed.
                parents[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def alive(pid: int) -> bool:
    """Running, or stopped: not gone and not a zombie waiting for its parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status
