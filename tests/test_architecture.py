"""The architecture holds: layers as folders with imports pointing down (import-linter's contracts in
pyproject.toml), the sandboxed side alone, reading a finished folder without the grader, one public API."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograder

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograder"


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("importlinter.cli")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
    )


def test_the_import_contracts_are_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        pytest.param(
            "autograder/outputs/folder.py", "from autograder.grading import run", id="outputs-imports-grading"
        ),
        pytest.param("autograder/report/data.py", "import solutions.hw1", id="report-reads-the-reference"),
        pytest.param("autograder/sandboxed/wire.py", "from autograder import model", id="sandboxed-imports-trusted"),
        pytest.param("autograder/checks/coerce.py", "import autograder.errors", id="student-checks-import-project"),
        pytest.param("autograder/grading/executor.py", "import otter", id="grading-needs-otter"),
        pytest.param("autograder/grading/phase2.py", "import solutions.hw1", id="grading-reads-the-reference"),
        pytest.param("autograder/cli.py", "def f():\n    import solutions", id="cli-reads-the-reference"),
        pytest.param(
            "autograder/model.py",
            "def later():\n    from autograder.outputs import gradebook",
            id="model-imports-up-inside-a-function",
        ),
    ],
)
def test_an_import_against_the_layers_breaks_a_contract(tmp_path: Path, module: str, line: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "pyproject.toml", project)
    for package in ("autograder", "solutions"):
        shutil.copytree(ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__"))
    target = project / module
    target.write_text(target.read_text() + "\n" + line + "\n")
    done = lint_imports(project)
    assert done.returncode != 0 and "BROKEN" in done.stdout.upper(), done.stdout + done.stderr


def modules_loaded_by(statement: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def project_modules(loaded: set[str]) -> set[str]:
    return {name for name in loaded if name.split(".")[0] in ("autograder", "solutions")}


THE_GRADER = ("autograder.grading", "autograder.course", "autograder.sandboxed", "autograder.build", "solutions")


@pytest.mark.parametrize(
    "statement",
    [
        "from autograder.outputs.folder import read_out",
        "from autograder.diff import diff_runs",
        "from autograder.report.html import write_report",
        "from autograder.lms.canvas import export_canvas, collect_canvas_submissions",
        "from autograder.lms.gradescope import collect_gradescope_submissions",
        "from autograder import read_out, diff_runs, write_report, export_canvas",
    ],
)
def test_reading_a_finished_folder_loads_neither_the_grader_nor_the_reference(statement: str) -> None:
    loaded = modules_loaded_by(statement)
    assert not {name for name in project_modules(loaded) if name.startswith(THE_GRADER)}
    assert "otter" not in loaded and "matplotlib" not in loaded


def test_the_sandboxed_side_is_importable_alone_with_the_student_checks() -> None:
    modules = [m.name for m in pkgutil.walk_packages([str(PACKAGE / "sandboxed")], "autograder.sandboxed.")]
    loaded = modules_loaded_by(f"import importlib; [importlib.import_module(m) for m in {modules!r}]")
    outside = {
        name
        for name in project_modules(loaded)
        if not name.startswith(("autograder.sandboxed", "autograder.checks")) and name != "autograder"
    }
    assert not outside
    assert not {"pandas", "nbformat", "otter", "jinja2", "tqdm", "matplotlib", "yaml"} & loaded


def test_import_autograder_loads_nothing_else() -> None:
    assert project_modules(modules_loaded_by("import autograder")) == {"autograder"}


def test_the_public_api_is_every_verb_and_its_records() -> None:
    for name in autograder.__all__:
        value = getattr(autograder, name)
        assert value.__module__.startswith("autograder."), name
    assert set(dir(autograder)) >= set(autograder.__all__)
    assert sorted(autograder.__all__) == sorted(autograder._HOME)
    verbs = {
        "build_course",
        "try_zip",
        "grade",
        "write_report",
        "collect_canvas_submissions",
        "collect_gradescope_submissions",
        "export_canvas",
        "diff_runs",
        "read_out",
    }
    assert verbs <= set(autograder.__all__)
    with pytest.raises(AttributeError):
        _ = autograder.solutions


def every_module() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], "autograder."))


def defined_names(module: str) -> set[str]:
    path = Path(importlib.util.find_spec(module).origin)  # type: ignore[union-attr, arg-type]
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, ast.Name):
                        names.add(element.id)
    return names


@pytest.mark.parametrize("module", [m for m in every_module() if m != "autograder"])
def test_all_names_only_what_the_module_defines(module: str) -> None:
    imported = importlib.import_module(module)
    exported = getattr(imported, "__all__", None)
    if exported is None or imported.__file__.endswith("__init__.py"):
        return  # a package's __init__ may gather its modules' names (checks/ is cnn_checks' facade)
    assert sorted(set(exported) - defined_names(module)) == [], f"{module}.__all__ re-exports names defined elsewhere"
    assert len(exported) == len(set(exported))


def test_each_folder_says_what_it_is_for() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring, f"{init.relative_to(ROOT)} has no docstring"
    assert (PACKAGE / "py.typed").is_file()


def test_no_module_imports_through_the_lazy_public_api() -> None:
    """`autograder/__init__.py` imports its names on first use, where import-linter cannot follow: inside the
    package, `from autograder import grade` or `autograder.grade` would hide an import against the layers."""
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            through_the_api = (
                isinstance(node, ast.ImportFrom) and node.module == "autograder" and node.level == 0
            ) or (isinstance(node, ast.Import) and any(alias.name == "autograder" for alias in node.names))
            if through_the_api:
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offending == []
