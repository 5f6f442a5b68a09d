"""The first cell of every student notebook: Otter's grader, or one sentence on what is missing.

Otter's own first cell (`import otter; grader = otter.Notebook(...)`) fails in ways a student
cannot act on: a 40-line traceback without tests/, `No module named 'cnn_checks'` (which invites
a pip install), a FileNotFoundError from another working directory, a bare ImportError without
otter. The cell is `start_otter` below, pasted in as source (it must work when `cnn_checks/` is
the thing missing, so it uses nothing from outside its own body), and its call. Graders give the
notebook an otter of their own (autograder/sandboxed/runner.py's stand-in, Otter's grading mode),
and then it only makes the grader.
"""

from __future__ import annotations

import inspect

import nbformat
from nbformat.v4 import new_code_cell

from autograder.course import Assignment

CHECKS_BUNDLE = "cnn_checks"
HEADER = (
    "# Initialize Otter. This cell first checks that this notebook can run its checks here (in its own\n"
    "# folder, beside tests/ and cnn_checks/, with otter-grader and numpy installed); if not, it says what to do.\n"
)


def start_otter(notebook, needed):
    """Otter's grader for `notebook` and None; or, when its checks cannot run here, a stand-in
    grader whose every use says what is wrong and what to do, and that one-sentence problem.
    `needed`: the files the checks read, relative to the notebook's folder."""
    # Unannotated: this source runs in a notebook cell, where `typing` is not imported.
    import importlib.util
    import os
    import sys

    class SetupProblem(Exception):
        def _render_traceback_(self):
            # What IPython shows instead of a traceback: the sentence is all there is to know.
            return [str(self)]

    class NotSetUp:
        def __init__(self, message):
            self.message = message

        def __getattr__(self, name):
            if name.startswith("_"):
                raise AttributeError(name)
            raise SetupProblem(self.message)

    try:
        import otter
    except ImportError:
        otter = None
    if otter is not None and (
        getattr(otter, "__file__", None) is None or getattr(otter.Notebook, "_grading_mode", False)
    ):
        # A grader runs this notebook (cnngrade's stand-in otter, or Otter's own): its folders are its business.
        return otter.Notebook(notebook), None
    here, stem = os.getcwd(), notebook.rsplit(".", 1)[0]
    again = "then run the notebook's first cell again"
    problem = ""
    lacking = ["otter-grader"] if otter is None else []
    try:
        import numpy  # noqa: F401
    except ImportError:
        lacking.append("numpy")
    # The notebook running, where Jupyter (its path, absolute or from the server's root) or VS Code names it.
    opened = os.environ.get("JPY_SESSION_NAME") or globals().get("__vsc_ipynb_file__") or ""
    name = os.path.basename(opened)
    # Another copy of the notebook, in this folder ("hw1 (1).ipynb", a second download): Otter's export
    # reads `notebook` by name, so it would send the other file, or fail.
    copy_here = (
        name.endswith(".ipynb")
        and name != notebook
        and os.path.isfile(os.path.join(here, name))
        and (not os.path.isabs(opened) or os.path.realpath(os.path.dirname(opened)) == os.path.realpath(here))
    )
    # The bundle's folders are here: the student is in the right folder, and only the name is wrong.
    bundle_here = all(os.path.isdir(os.path.join(here, path.split("/")[0])) for path in needed if "/" in path)
    if lacking:
        packages = " and ".join(lacking)
        problem = (
            f"This notebook needs {packages}, which the Python running it ({sys.executable}) does not have: "
            f"run `%pip install {' '.join(lacking)}` in a new cell, restart the kernel, {again}."
        )
    elif copy_here or (bundle_here and not os.path.isfile(os.path.join(here, notebook))):
        if copy_here:
            which = f"This notebook, {name},"
        else:
            others = sorted(entry for entry in os.listdir(here) if entry.endswith(".ipynb"))
            which = "This notebook" + (f" (this folder holds {', '.join(others)})" if others else "")
        first = (
            f" (first rename or delete the other {notebook} in this folder)"
            if os.path.isfile(os.path.join(here, notebook))
            else ""
        )
        problem = (
            f"{which} must be named {notebook} (Otter's checks and its export read that file): "
            f"rename it (File > Rename){first} and run this cell again."
        )
    elif not os.path.isfile(os.path.join(here, notebook)):
        if name == notebook and os.path.isfile(opened):
            fix = f"run `%cd {os.path.dirname(os.path.abspath(opened))}` in a new cell, {again}"
        else:
            fix = f"open {notebook} from inside its unzipped {stem} folder (beside tests/ and cnn_checks/)"
        problem = f"This notebook is running in the folder {here}, which is not its own (no {notebook} there): {fix}."
    else:
        missing = [path for path in needed if not os.path.isfile(os.path.join(here, path))]
        folders = sorted({path.split("/")[0] for path in missing})
        absent = [f"the folder {folder}/" for folder in folders if not os.path.isdir(os.path.join(here, folder))]
        absent += [path for path in missing if os.path.isdir(os.path.join(here, path.split("/")[0]))]
        if absent:
            found = sorted(os.listdir(here))
            shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "")
            problem = (
                f"This notebook needs {' and '.join(absent)} beside it in {here} (found there: {shown}): "
                f"unzip the whole {stem} bundle and open {notebook} from inside the folder it makes."
            )
        else:
            try:
                spec = importlib.util.find_spec("cnn_checks")
            except (ImportError, ValueError):
                spec = None
            origin = os.path.dirname(os.path.realpath(spec.origin)) if spec and spec.origin else ""
            if origin != os.path.realpath(os.path.join(here, "cnn_checks")):
                problem = (
                    f"Python imports cnn_checks from {origin or 'nowhere'}, not from the folder beside this "
                    f"notebook: restart the kernel (and `%pip uninstall cnn_checks` if one is installed), {again}."
                )
    if problem:
        return NotSetUp(problem), SetupProblem(problem)
    return otter.Notebook(notebook), None


def needed_files(homework: Assignment) -> tuple[str, ...]:
    """What the notebook's checks read beside it: a test file per question, and the checks bundle."""
    tests = tuple(f"tests/{question}.py" for question in homework.questions())
    return (*tests, f"{CHECKS_BUNDLE}/__init__.py", f"{CHECKS_BUNDLE}/student.py")


def setup_cell_source(homework: Assignment) -> str:
    call = f"grader, _setup_problem = start_otter({f'{homework.name}.ipynb'!r}, {needed_files(homework)!r})"
    return (
        f"{HEADER}{inspect.getsource(start_otter)}\n\n{call}\ndel start_otter\n"
        "if _setup_problem:\n    raise _setup_problem"
    )


def setup_cell(homework: Assignment) -> nbformat.NotebookNode:
    cell = new_code_cell(setup_cell_source(homework))
    # Locked as Otter locks its own init cell; its code folded away (JupyterLab, Notebook 7): what a
    # student needs of it is its message.
    cell.metadata.update({"deletable": False, "editable": False, "jupyter": {"source_hidden": True}})
    return cell


__all__ = ["needed_files", "setup_cell", "setup_cell_source"]
