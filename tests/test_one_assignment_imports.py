"""A run grades one assignment: it imports that assignment's hidden checks, not every assignment's
(each costs its import, and a one-notebook run pays every one). Every assignment is still listed
and reachable, with the same cases, whatever was imported before."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import ASSIGNMENTS, assignment

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = sorted(path.stem for path in (ROOT / "autograder" / "course" / "hidden").glob("hw*.py"))

LOADED_AFTER_CASES = """
import json, sys
from autograder.course import ASSIGNMENTS, assignment
cases = assignment(sys.argv[1]).cases(7)
print(json.dumps({
    "listed": sorted(ASSIGNMENTS),
    "loaded": sorted(name.rsplit(".", 1)[1] for name in sys.modules if name.startswith("autograder.course.hidden.hw")),
    "cases": [case.id for case in cases],
}))
"""


def imported_hidden(name: str) -> set[str]:
    """The hidden modules `name`'s own source imports, and theirs: read from the sources, not by importing."""
    found, todo = {name}, [name]
    while todo:
        tree = ast.parse((ROOT / "autograder" / "course" / "hidden" / f"{todo.pop()}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograder.course.hidden."):
                module = node.module.rsplit(".", 1)[1]
                if module in HIDDEN and module not in found:
                    found.add(module)
                    todo.append(module)
    return found


def test_every_hidden_module_is_an_assignment() -> None:
    assert sorted(ASSIGNMENTS) == HIDDEN


@pytest.mark.parametrize("name", HIDDEN)
def test_one_assignment_s_cases_import_its_hidden_checks_alone(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER_CASES, name], capture_output=True, text=True, check=True, cwd=ROOT
    )
    seen = json.loads(done.stdout)
    assert seen["listed"] == HIDDEN
    assert seen["loaded"] == sorted(imported_hidden(name))
    assert len(seen["loaded"]) < len(HIDDEN)
    # The same cases as this process gives, where the suite may have imported every assignment already.
    assert seen["cases"] == [case.id for case in assignment(name).cases(7)]


@pytest.mark.parametrize("name", HIDDEN)
def test_questions_and_points_are_every_seed_s_cases_counted(name: str) -> None:
    # Kept once per assignment: right only if no seed's cases say otherwise.
    homework = assignment(name)
    for seed in (0, 1, 2**32 - 1):
        totals: dict[str, float] = {}
        for case in homework.cases(seed):
            totals[case.question] = totals.get(case.question, 0.0) + case.points
        assert homework.points() == totals
        assert homework.questions() == tuple(totals)
    homework.points()["q1"] = -1.0  # a caller's copy: what the next caller gets is unchanged
    assert homework.points()["q1"] != -1.0
