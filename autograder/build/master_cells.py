"""A master as Otter reads it: its points and test cells written from the course registry.

The masters hold what only they can say (text, skeletons, solutions); how many points each
question carries and which cases test it are the registry's, so a question added to the registry
reaches the student notebook, Otter's zip and `cnngrade grade` with the same points, and a master
cannot drift from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_raw_cell

from autograder.build.setup_cell import setup_cell
from autograder.checks.core import Case
from autograder.course import Assignment
from autograder.errors import BuildError

QUESTION_HEADING = re.compile(r"^\*\*Question (\d+)\*\*")


def number(points: float) -> str:
    return f"{points:g}"


def _yaml_points(points: float) -> int | float:
    # 13, not 13.0: what the masters said before build wrote it, so a rebuild changes no byte.
    return int(points) if float(points).is_integer() else float(points)


def points_sentence(cases: Iterable[Case]) -> str:
    """What a question's heading tells the student about its points, e.g. "(5 points: 1 ... 4 ...)"."""
    cases = list(cases)
    total = sum(case.points for case in cases)
    public = sum(case.points for case in cases if not case.hidden)
    unit = "point" if total == 1 else "points"
    if not public:
        return f"({number(total)} {unit}, all checked by hidden tests when graded)"
    if public == total:
        return f"({number(total)} {unit}, all checked now by `grader.check`)"
    return (
        f"({number(total)} {unit}: {number(public)} checked now by `grader.check`, "
        f"{number(total - public)} by hidden tests when graded)"
    )


def _test_name(case: Case, taken: set[str]) -> str:
    stem = "test_" + re.sub(r"\W", "_", case.id.split(".", 2)[2])
    name, suffix = stem, 2
    while name in taken:
        name, suffix = f"{stem}_{suffix}", suffix + 1
    taken.add(name)
    return name


def case_cell_source(case: Case, function_name: str) -> str:
    config = f'""" # BEGIN TEST CONFIG\npoints: {number(case.points)}\nhidden: {str(case.hidden).lower()}\n'
    if case.hidden:  # the grader's registry, which no student bundle holds
        body = f'    from autograder.course import run_case\n    run_case("{case.id}", env)'
    else:
        # The student bundle only. Otter quotes the line a failed test raised on, so the case id
        # stays off it: a failure reads "check(env)", then the case's title and message.
        body = f'    from cnn_checks.student import public_check\n    check = public_check("{case.id}")\n    check(env)'
    return f'{config}""" # END TEST CONFIG\ndef {function_name}(env):\n{body}'


def _tests_block(cases: Iterable[Case]) -> list[nbformat.NotebookNode]:
    taken: set[str] = set()
    body = [new_code_cell(case_cell_source(case, _test_name(case, taken))) for case in cases]
    return [new_raw_cell("# BEGIN TESTS"), *body, new_raw_cell("# END TESTS")]


def _config(source: str, header: str) -> dict:
    return yaml.safe_load(source.removeprefix(header)) or {}


def fill_from_registry(notebook: nbformat.NotebookNode, homework: Assignment) -> None:
    """Write the registry's points and test cells, and the set-up cell, into a master, in place.

    Raises BuildError when the master and the registry disagree on which questions exist, or when
    the master carries facts that belong to the registry (test cells, points)."""
    by_question: dict[str, list[Case]] = {}
    for case in homework.cases(0):
        by_question.setdefault(case.question, []).append(case)
    cells: list[nbformat.NotebookNode] = []
    in_master: list[str] = []
    current = ""
    for cell in notebook.cells:
        source = cell.source
        if cell.cell_type == "raw" and source.startswith("# ASSIGNMENT CONFIG"):
            config = _config(source, "# ASSIGNMENT CONFIG")
            if "points_possible" in config.get("generate", {}):
                raise BuildError(
                    f"{homework.name}: remove `points_possible` from the master's ASSIGNMENT "
                    "CONFIG; build sets it to the registry's total"
                )
            if "init_cell" in config:
                raise BuildError(
                    f"{homework.name}: remove `init_cell` from the master's ASSIGNMENT CONFIG; build writes "
                    "the notebook's first cell (autograder/build/setup_cell.py)"
                )
            config.setdefault("generate", {})["points_possible"] = _yaml_points(sum(homework.points().values()))
            # Otter's own first cell is replaced by one that says what is wrong with a student's set-up.
            config["init_cell"] = False
            cell.source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False, width=1000)
            cells.extend([cell, setup_cell(homework)])
            continue
        elif cell.cell_type == "raw" and source.startswith("# BEGIN QUESTION"):
            config = _config(source, "# BEGIN QUESTION")
            current = str(config.get("name", ""))
            if current not in by_question:
                raise BuildError(
                    f"{homework.name}: the master has question {current!r}, which has no case "
                    f"in the registry (autograder/course/hidden/{homework.name}.py or checks/public.py)"
                )
            if "points" in config:
                raise BuildError(
                    f"{homework.name} {current}: remove `points` from BEGIN QUESTION; build writes the registry's"
                )
            config["points"] = _yaml_points(sum(case.points for case in by_question[current]))
            in_master.append(current)
            cell.source = "# BEGIN QUESTION\n" + yaml.safe_dump(config, sort_keys=False)
        elif cell.cell_type == "raw" and source.startswith("# BEGIN TESTS"):
            raise BuildError(
                f"{homework.name} {current}: remove the master's test cells; build writes one per registry case"
            )
        elif cell.cell_type == "raw" and source.startswith("# END QUESTION"):
            cells.extend(_tests_block(by_question[current]))
        elif cell.cell_type == "markdown" and (found := QUESTION_HEADING.match(source)):
            question = f"q{found.group(1)}"
            if question in by_question:
                heading = found.group(0)
                cell.source = f"{heading} {points_sentence(by_question[question])}{source[len(heading) :]}"
        cells.append(cell)
    missing = [question for question in by_question if question not in in_master]
    if missing:
        raise BuildError(
            f"{homework.name}: the registry has cases for {', '.join(missing)}, which the master "
            "has no BEGIN QUESTION cell for"
        )
    notebook.cells = cells
