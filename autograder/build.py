"""`cnngrade build`: otter assign on each master, then the student bundle and the autograder zip.

The staging folder adds what the masters' tests import: `cnn_checks` (a copy of the student-safe
autograder.checks, for public tests) and a wheel of this project (for hidden tests on a grading
host). The student bundle is normalised so that building twice gives the same bytes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import nbformat

from .course import ASSIGNMENTS, assignment as find_assignment
from .checks.environment import MASTER_BUILD_VARIABLE
from .errors import BuildError
from .master_cells import fill_from_registry

CHECKS_BUNDLE = "cnn_checks"
WHEELS = "wheels"
GRADESCOPE_SOURCE = "/autograder/source"
# The zip's entry point (run_autograder runs it): Otter's own run_otter.py, then a "status" on every
# scored test. Otter 7.0.0 writes "status" only on its unscored "Public Tests" entry; Gradescope's
# format has it per test ("passed"/"failed"). try/finally, so an Otter error still fails the run.
RUN_OTTER = '''"""Runs Otter-Grader's autograding process, then gives every scored test a Gradescope status."""
import json
import os

try:
    from otter.run.run_autograder import main as run_autograder
except ModuleNotFoundError as e:
    if "'otter'" in str(e):
        raise RuntimeError(
            "The 'otter' module could not be imported. This is usually caused by errors while building the "
            "grading image, so check the image build logs and include them when requesting "
            "support."
        )
    raise e

RESULTS = "/autograder/results/results.json"


def add_status(path):
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    for test in results.get("tests", []):
        if "status" not in test and "score" in test and "max_score" in test:
            test["status"] = "passed" if test["score"] >= test["max_score"] else "failed"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=4)


if __name__ == "__main__":
    try:
        run_autograder("/autograder")
    finally:
        if os.path.isfile(RESULTS):
            add_status(RESULTS)
'''


@dataclass(frozen=True)
class Built:
    name: str
    student_dir: Path
    zip_path: Path


def _run(command: list[str], cwd: Path, what: str) -> None:
    # The master's solution cells call solutions/, the one reference, which no student may import.
    environment = {**os.environ, MASTER_BUILD_VARIABLE: "solutions"}
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise BuildError(f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def build_wheel(root: Path, into: Path) -> Path:
    """A wheel of this project, so a grading host can install the hidden checks offline."""
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(into), str(root)],
         cwd=root, what="building the cnngrade wheel")
    wheels = sorted(into.glob("cnngrade-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one cnngrade wheel in {into}, found {len(wheels)}")
    return wheels[0]


def _requirements(wheel: Path) -> str:
    version = wheel.name.split("-")[1]
    return "\n".join(["numpy", "pandas", f"--find-links {GRADESCOPE_SOURCE}/files/{WHEELS}", f"cnngrade=={version}", ""])


def _ignore_caches(directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__" or name.endswith(".pyc")]


def stage(root: Path, name: str, wheel: Path, staging: Path) -> Path:
    """Copy a master and everything its tests import into a fresh folder; return the master."""
    shutil.copytree(root / "assignments" / name, staging, ignore=_ignore_caches)
    shutil.copytree(Path(__file__).parent / "checks", staging / CHECKS_BUNDLE, ignore=_ignore_caches)
    (staging / WHEELS).mkdir()
    shutil.copy2(wheel, staging / WHEELS / wheel.name)
    (staging / "requirements.txt").write_text(_requirements(wheel))
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


def _replace_dir(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=_ignore_caches)


def write_gradescope_zip(otter_zip: Path, target: Path) -> None:
    """Otter's autograder zip with run_otter.py replaced by RUN_OTTER; every other entry (and mode) kept."""
    with zipfile.ZipFile(otter_zip) as source:
        if "run_otter.py" not in source.namelist():
            raise BuildError(f"{otter_zip.name} has no run_otter.py: has Otter changed its zip layout?")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                out.writestr(info, RUN_OTTER if info.filename == "run_otter.py" else source.read(info))


def build_one(root: Path, name: str, wheel: Path, work: Path, student_root: Path, dist_root: Path) -> Built:
    staging = work / name
    master = stage(root, name, wheel, staging)
    # otter assign runs every test, hidden ones included, against the master's solutions.
    _run([sys.executable, "-m", "otter", "assign", master.name, "dist"], cwd=staging, what=f"otter assign {name}")
    student = staging / "dist" / "student"
    normalise_notebook(student / f"{name}.ipynb")
    _replace_dir(student, student_root / name)
    zips = sorted((staging / "dist" / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise BuildError(f"otter assign {name} wrote {len(zips)} autograder zips; expected one")
    target = dist_root / name
    target.mkdir(parents=True, exist_ok=True)
    write_gradescope_zip(zips[0], target / "autograder.zip")
    shutil.copy2(staging / "dist" / "autograder" / f"{name}.ipynb", target / f"{name}-solution.ipynb")
    return Built(name, student_root / name, target / "autograder.zip")


def build(*, assignments: Sequence[str] | None = None, root: Path,
          student_root: Path | None = None, dist_root: Path | None = None) -> list[Built]:
    """Build the named assignments (all by default) from root/assignments into the two outputs."""
    names = [find_assignment(name).name for name in assignments] if assignments else list(ASSIGNMENTS)
    student_root = student_root or root / "student_template"
    dist_root = dist_root or root / "dist"
    with tempfile.TemporaryDirectory(prefix="cnngrade-build-") as temporary:
        work = Path(temporary)
        wheel = build_wheel(root, work / "wheel")
        return [build_one(root, name, wheel, work, student_root, dist_root) for name in names]
