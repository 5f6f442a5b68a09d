"""autograder.checks: the exported names, the public cases, and the imports that keep it student-safe."""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path

import pytest

import autograder.checks as checks

PACKAGE_DIR = Path(checks.__file__).parent
MODULES = sorted(PACKAGE_DIR.rglob("*.py"))
OWN_MODULES = {path.stem for path in MODULES if path.parent == PACKAGE_DIR}
ALLOWED_TOP_LEVEL = set(sys.stdlib_module_names) | {"numpy"}
ASSIGNMENTS = {f"hw{n}" for n in range(1, 6)}


def test_all_is_pinned() -> None:
    assert sorted(checks.__all__) == sorted(
        [
            "Answers",
            "Case",
            "CheckFailed",
            "Probe",
            "Tolerance",
            "PUBLIC_CASES",
            "PUBLIC_PROBES",
            "run_public",
        ]
    )


def test_all_is_exactly_what_the_package_exports() -> None:
    exported = {
        name
        for name, value in vars(checks).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert exported == set(checks.__all__)
    assert len(checks.__all__) == len(set(checks.__all__))


def test_public_case_ids_are_unique_and_start_with_an_assignment() -> None:
    ids = [case.id for case in checks.PUBLIC_CASES]
    assert len(ids) == len(set(ids))
    assert {case.assignment for case in checks.PUBLIC_CASES} <= ASSIGNMENTS
    assert all(case.question.startswith("q") for case in checks.PUBLIC_CASES)


def test_no_public_case_is_hidden() -> None:
    assert [case.id for case in checks.PUBLIC_CASES if case.hidden] == []


def test_public_probes_are_keyed_by_assignment_with_unique_ids() -> None:
    assert set(checks.PUBLIC_PROBES) == ASSIGNMENTS
    ids = [probe.id for functions in checks.PUBLIC_PROBES.values() for probes in functions.values() for probe in probes]
    assert len(ids) == len(set(ids))


class _RecordingAnswers:
    """A correct submission that notes every probe a check calls a function on."""

    def __init__(self, namespace: dict) -> None:
        self._live = checks.answers.LiveAnswers(namespace)
        self.called: list[str] = []

    def value(self, name: str) -> object:
        return self._live.value(name)

    def call(self, name: str, probe: checks.Probe) -> object:
        self.called.append(probe.id)
        return self._live.call(name, probe)


@pytest.mark.parametrize("case", checks.PUBLIC_CASES, ids=lambda case: case.id)
def test_every_probe_a_public_case_calls_is_registered_with_it(case: checks.Case) -> None:
    # The bulk grader runs a function only on registered probes: one called but not registered
    # would score every student 0 ("was not run on ...") while grader.check passes.
    from tests.factories import reference_namespace

    answers = _RecordingAnswers(reference_namespace(case.assignment))
    case.check(answers)
    assert set(answers.called) == {probe.id for probe in case.probes}


# --- the safety property: nothing in the package can reach an answer --------------------------


def _modules_reached(node: ast.Import | ast.ImportFrom) -> list[tuple[int, str]]:
    """(level, dotted name) of each module an import statement loads; level > 0 is relative."""
    if isinstance(node, ast.Import):
        return [(0, alias.name) for alias in node.names]
    if node.module:
        return [(node.level, node.module)]
    return [(node.level, alias.name) for alias in node.names]  # from . import codec


def foreign_imports(source: str) -> list[str]:
    """Every import in `source` that reaches outside numpy, the standard library and this package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        # A dynamic import would get past the static checks below, so none is allowed.
        if isinstance(node, ast.Name) and node.id == "__import__":
            found.append("__import__")
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for level, module in _modules_reached(node):
            top = module.split(".")[0]
            if level == 0:
                allowed = top in ALLOWED_TOP_LEVEL and top != "importlib"
            else:  # relative: the package itself only, never a parent (where `hidden` lives)
                allowed = level == 1 and top in OWN_MODULES
            if not allowed:
                found.append("." * level + module)
    return found


def test_the_package_has_the_expected_modules() -> None:
    assert OWN_MODULES >= {"__init__", "core", "plain", "codec", "coerce", "answers", "compare", "tables", "public"}


@pytest.mark.parametrize("path", [pytest.param(path, id=path.name) for path in MODULES])
def test_module_imports_only_numpy_the_standard_library_and_its_own_package(path: Path) -> None:
    assert foreign_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import solutions", id="import-solutions"),
        pytest.param("import solutions.hw1 as hw1", id="import-solutions-submodule"),
        pytest.param("from solutions import hw1", id="from-solutions"),
        pytest.param("from solutions.lecture import IMAGE", id="from-solutions-submodule"),
        pytest.param("from .. import hidden", id="relative-parent"),
        pytest.param("from ..hidden.hw3 import CASES", id="relative-parent-module"),
        pytest.param("from . import solutions", id="relative-not-own-module"),
        pytest.param("from .solutions import hw1", id="relative-from-not-own-module"),
        pytest.param("import pandas", id="third-party"),
        pytest.param("from autograder.course.hidden import hw1", id="absolute-own-project"),
        pytest.param("import importlib", id="importlib"),
        pytest.param("from importlib import import_module", id="from-importlib"),
        pytest.param("hw1 = __import__('solutions.hw1')", id="dunder-import"),
        pytest.param("def f():\n    import solutions\n", id="import-inside-a-function"),
    ],
)
def test_foreign_imports_catches(source: str) -> None:
    assert foreign_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("from __future__ import annotations", id="future"),
        pytest.param("import numpy as np", id="numpy"),
        pytest.param("import numpy.linalg", id="numpy-submodule"),
        pytest.param("from typing import Any", id="stdlib"),
        pytest.param("import copy, difflib", id="stdlib-several"),
        pytest.param("from . import codec", id="own-module"),
        pytest.param("from .core import CheckFailed", id="from-own-module"),
    ],
)
def test_foreign_imports_allows(source: str) -> None:
    assert foreign_imports(source) == []
