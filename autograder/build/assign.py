"""`otter assign` on each master: the student bundle, and the staging the Gradescope zip is made from.

The staging folder adds what the masters' public tests import: `cnn_checks`, a copy of the
student-safe autograder.checks. The hidden tests in a master call this package's course registry
(otter assign runs them against the master's solutions: a free check of the master); they reach
no student and no zip. The student bundle is normalised so that building twice gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.build.master_cells import fill_from_registry
from autograder.checks.environment import MASTER_BUILD_VARIABLE
from autograder.course import assignment as find_assignment
from autograder.errors import BuildError

CHECKS_BUNDLE = "cnn_checks"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def run_step(command: list[str], cwd: Path, what: str, environment: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise BuildError(f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def ignore_caches(directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__" or name.endswith(".pyc")]


def stage(root: Path, name: str, staging: Path) -> Path:
    """Copy a master and everything its public tests import into a fresh folder; return the master."""
    shutil.copytree(root / "assignments" / name, staging, ignore=ignore_caches)
    shutil.copytree(PACKAGE_ROOT / "checks", staging / CHECKS_BUNDLE, ignore=ignore_caches)
    master = staging / f"{name}.ipynb"
    notebook = nbformat.read(master, as_version=4)
    fill_from_registry(notebook, find_assignment(name))
    nbformat.write(notebook, master)
    return master


def normalise_notebook(path: Path) -> None:
    """Stable cell ids, no outputs, no leading blank lines: a rebuild changes no byte."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = cell.source.lstrip("\n")
    nbformat.write(notebook, path)


def replace_dir(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=ignore_caches)


def otter_assign(root: Path, name: str, staging: Path) -> Path:
    """Run otter assign on the staged master; return its output folder (student/ and autograder/)."""
    master = stage(root, name, staging)
    # The master's solution cells call solutions/, the one reference, which no student may import.
    environment = {**os.environ, MASTER_BUILD_VARIABLE: "solutions"}
    run_step(
        [sys.executable, "-m", "otter", "assign", master.name, "dist"],
        cwd=staging,
        what=f"otter assign {name}",
        environment=environment,
    )
    student = staging / "dist" / "student"
    normalise_notebook(student / f"{name}.ipynb")
    return staging / "dist"
