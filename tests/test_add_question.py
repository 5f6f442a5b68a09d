"""The README's "To add a question", done literally on a copy of the project, then built and graded.

hw2 q5 `stride_for(n, f, target)`: the smallest stride whose output is at most `target` long. Each
step edits the one place the README names; nothing else is touched, so a fact that must also be
typed somewhere else (a probe list, a master's points) shows up here as a wrong score.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from .factories import write_notebook

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

REFERENCE = '''

def stride_for(n: int, f: int, target: int) -> int:
    """The smallest stride s >= 1 with output_size(n, f, 0, s) <= target."""
    s = 1
    while output_size(n, f, 0, s) > target:
        s += 1
    return s


__all__.append("stride_for")
'''
HIDDEN_PROBES = """
    strides = tuple(Probe(f"stride_for.hidden-{index}", (n, f, target), {}, f"n={n}, f={f}, target={target}")
                    for index, (n, f, target) in enumerate(
                        [(int(rng.integers(20, 60)), int(rng.integers(2, 6)), int(rng.integers(3, 9))) for _ in range(3)],
                        start=1))
    return {"output_size": sizes, "same_padding": paddings, "stride_for": strides}"""
HIDDEN_CHECK = """

def _stride_check(output: Any, probe: Probe) -> None:
    check_count(output, "stride_for(...)", ref.stride_for(*probe.args), {}, probe.description)
"""
PUBLIC_CASE = """    _case("hw2.q5.lecture", "stride_for on the lecture's image", 1,
          lambda answers: check_count(answers.call("stride_for", STRIDE_FOR_LECTURE), "stride_for(6, 3, 2)", 2),
          (STRIDE_FOR_LECTURE,)),
"""
STUDENT = """
def stride_for(n, f, target):
    s = 1
    while (n - f) // s + 1 > target:
        s += 1
    return s
"""


def edit(path: Path, anchor: str, replacement: str) -> None:
    """Replace the one occurrence of `anchor`: a missing anchor means the README's step moved."""
    text = path.read_text()
    assert text.count(anchor) == 1, f"{path.name}: the README's step no longer finds {anchor!r}"
    path.write_text(text.replace(anchor, replacement))


def add_stride_for(project: Path) -> None:
    # 1. The reference.
    with (project / "solutions" / "hw2.py").open("a") as reference:
        reference.write(REFERENCE)
    # 2. The hidden checks: the name, its probes, its cases.
    hidden = project / "autograder" / "course" / "hidden" / "hw2.py"
    edit(
        hidden,
        'FUNCTIONS = ("output_size", "same_padding")',
        'FUNCTIONS = ("output_size", "same_padding", "stride_for")',
    )
    edit(hidden, '\n    return {"output_size": sizes, "same_padding": paddings}', HIDDEN_PROBES)
    edit(
        hidden,
        "_floor_output\n        ),\n    )\n",  # the end of hidden_cases' tuple
        '_floor_output\n        ),\n        *probe_cases("hw2.q5", "stride_for", probes["stride_for"], 1, _stride_check),\n'
        "    )\n",
    )
    with hidden.open("a") as checks:
        checks.write(HIDDEN_CHECK)
    # 3. The public case, with the probe it calls registered beside it.
    public = project / "autograder" / "checks" / "public.py"
    edit(
        public,
        "\nPUBLIC_CASES: tuple[Case, ...] = (\n",
        '\nSTRIDE_FOR_LECTURE = Probe("stride_for.public-lecture", (6, 3, 2), {}, "n=6, f=3, target=2")\n'
        "\nPUBLIC_CASES: tuple[Case, ...] = (\n",
    )
    first_hw3_case = '    _case(\n        "hw3.q1.form"'  # as ruff formats a case whose title is long
    edit(public, first_hw3_case, PUBLIC_CASE + first_hw3_case)
    # 4. The text: a heading and the question's cells, no points and no tests.
    master_path = project / "assignments" / "hw2" / "hw2.ipynb"
    master = nbformat.read(master_path, as_version=4)
    master.cells += [
        new_markdown_cell(
            "**Question 5**\n\nWrite `stride_for(n, f, target)`: the smallest stride `s` for which "
            "a side of `n` with an `f x f` filter and no padding gives at most `target`."
        ),
        new_raw_cell("# BEGIN QUESTION\nname: q5"),
        new_raw_cell("# BEGIN SOLUTION"),
        new_code_cell(
            "from solutions import hw2 as reference  # SOLUTION NO PROMPT\n\n\n"
            "def stride_for(n, f, target):\n    # BEGIN SOLUTION\n"
            "    return reference.stride_for(n, f, target)\n    # END SOLUTION"
        ),
        new_raw_cell("# END SOLUTION"),
        new_raw_cell("# END QUESTION"),
    ]
    nbformat.write(master, master_path)


def copy_project(target: Path) -> Path:
    anywhere = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache")
    top_level = {".git", ".venv", "build", "dist", "out", "examples", "student_template"}

    def ignored(folder: str, names: list[str]) -> set[str]:
        # build/ at the top is setuptools' scratch; autograder/build/ is the package's own `build` verb.
        return set(anywhere(folder, names)) | (top_level & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, target, ignore=ignored)
    return target


def run_cnngrade(project: Path, *args: str) -> subprocess.CompletedProcess:
    # The copy's package, not the installed one: it is first on the path.
    env = {**os.environ, "PYTHONPATH": str(project), "CNNGRADE_SEED": "7"}
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_question_added_as_the_readme_says_is_built_and_graded_out_of_the_same_points(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    add_stride_for(project)

    built = run_cnngrade(project, "build", "hw2", "--root", str(project))
    assert built.returncode == 0, built.stderr[-3000:]

    solved = project / "student_template" / "hw2" / "hw2.ipynb"
    student = nbformat.read(solved, as_version=4)
    assert any(cell.source.startswith("**Question 5** (4 points: 1 checked now") for cell in student.cells)
    answers = [
        cell.source
        for cell in nbformat.read(ROOT / "examples" / "hw2" / "passes_all.ipynb", as_version=4).cells
        if cell.cell_type == "code"
    ]
    write_notebook(tmp_path / "class" / "ada.ipynb", [*answers, STUDENT], "hw2")

    # The Gradescope zip grades the new question out of the points the student was told.
    tried = run_cnngrade(
        project,
        "try-zip",
        str(project / "dist" / "hw2" / "autograder.zip"),
        str(tmp_path / "class" / "ada.ipynb"),
        "--out",
        str(tmp_path / "try-zip"),
    )
    assert tried.returncode == 0, tried.stdout[-3000:] + tried.stderr[-3000:]
    results = json.loads((tmp_path / "try-zip" / "ada" / "results.json").read_text())
    q5 = [test for test in results["tests"] if test["name"].startswith("q5:")]
    q5_points = sum(test["max_score"] for test in q5)
    assert q5_points == 4  # the public case and three hidden probes, one point each
    assert sum(test["score"] for test in q5) == q5_points

    graded = run_cnngrade(project, "grade", "hw2", str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    assert graded.returncode == 0, graded.stderr[-3000:]
    with (tmp_path / "out" / "gradebook.csv").open(newline="") as gradebook:
        row = next(csv.DictReader(gradebook))
    assert float(row["q5"]) == q5_points
    assert float(row["score"]) == float(row["max_score"]) == results["score"]
