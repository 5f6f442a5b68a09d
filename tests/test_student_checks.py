"""What a student sees from grader.check in the committed bundle: our message, not a transcript."""

from __future__ import annotations

import builtins
import importlib
import re
import shutil
import time
from pathlib import Path

import numpy as np
import otter
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from autograder.checks import PUBLIC_CASES, codec
from autograder.checks.environment import RULE
from autograder.checks.student import WIDTH, failure_text
from autograder.checks.time_limit import PROBE_SECONDS
from autograder.sandboxed.runner import run
from solutions import hw1

from .test_runner import errors_of, job

ROOT = Path(__file__).resolve().parent.parent
HW1_CASES = [case for case in PUBLIC_CASES if case.assignment == "hw1"]


def bundle_grader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    """Otter's grader in a copy of the committed student bundle of `name`, as a student runs it."""
    shutil.copytree(ROOT / "student_template" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path / name)
    monkeypatch.syspath_prepend(str(tmp_path / name))
    return otter.Notebook(f"{name}.ipynb", tests_dir="tests")


@pytest.fixture
def grader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    return bundle_grader(tmp_path, monkeypatch, "hw1")


def said(result) -> str:
    """What the check said, as one line: wrapping puts line breaks and indents between its words."""
    return " ".join(repr(result).split())


def test_wrong_shape_shows_the_formula(grader) -> None:
    result = grader.check("q1", global_env={"vertical_edges": np.zeros((3, 3))})
    assert not result.passed_all
    assert "`vertical_edges` has shape (3, 3); expected (4, 4)" in said(result)
    assert "floor((6 + 2*0 - 3) / 1 + 1)" in said(result)
    assert "Traceback" not in repr(result)


def test_missing_name_suggests_the_typo(grader) -> None:
    text = said(grader.check("q1", global_env={"vertical_edge": np.zeros((4, 4))}))
    assert "`vertical_edges` is not defined" in text and "rename it" in text


def test_a_right_form_passes_the_public_check(grader) -> None:
    assert grader.check("q1", global_env={"vertical_edges": [[0] * 4] * 4}).passed_all


def test_public_function_checks_run_on_the_students_function(grader) -> None:
    notebook = {"__name__": "__main__", "np": np}  # defined in a cell, as a notebook defines it
    exec("def conv2d(x, k, stride=1, padding=0):\n    return np.zeros((2, 2))", notebook)

    assert "conv2d(...)` has shape (2, 2)" in said(grader.check("q3", global_env=notebook))


def test_a_function_using_a_package_the_course_does_not_allow_is_told_so_before_submission(grader) -> None:
    # The bundle's own rule, as cnngrade grade applies it: the message names the package and the rule.
    notebook = {"__name__": "__main__"}
    exec(
        "import numpy as np\ndef conv2d(x, k, stride=1, padding=0):\n    import pytest\n    return np.zeros((2, 2))",
        notebook,
    )
    result = grader.check("q3", global_env=notebook)
    assert not result.passed_all
    assert f"`pytest` cannot be used: {RULE}" in said(result)


FALLS_BACK = """import numpy as np
def conv2d(x, k, stride=1, padding=0):
    try:
        import nbformat  # installed here, refused when graded: scipy in a student's own Jupyter
        raise RuntimeError("the way a graded notebook never goes")
    except ImportError:
        pass
    x, k = np.pad(np.asarray(x, float), padding), np.asarray(k, float)
    f = len(k)
    rows, cols = range(0, x.shape[0] - f + 1, stride), range(0, x.shape[1] - f + 1, stride)
    return np.array([[np.sum(x[i : i + f, j : j + f] * k) for j in cols] for i in rows])
"""


def test_a_function_s_fallback_for_a_refused_package_is_what_the_check_runs_as_grading_does(grader) -> None:
    # When graded the import fails and the fallback runs: the student's own check must say what grading will, where
    # the package is installed (it passed grading and failed the check, "`scipy` cannot be used", before).
    notebook = {"__name__": "__main__"}
    exec(FALLS_BACK, notebook)
    imports_before = builtins.__import__, importlib.import_module
    assert grader.check("q3", global_env=notebook).passed_all
    assert (builtins.__import__, importlib.import_module) == imports_before  # nothing of the check stays behind
    graded = run(job([FALLS_BACK]))
    assert graded["calls"]["conv2d"] and errors_of(graded["calls"]["conv2d"]) == []


def test_a_function_that_needs_a_refused_package_fails_the_check_as_it_fails_grading(grader) -> None:
    notebook = {"__name__": "__main__"}
    source = FALLS_BACK.replace("except ImportError:\n        pass", "finally:\n        pass")
    exec(source, notebook)
    checked = said(grader.check("q3", global_env=notebook))
    graded = errors_of(run(job([source]))["calls"]["conv2d"])
    assert graded and all(f"`nbformat` cannot be used: {RULE}" in message for message in graded)
    assert f"`nbformat` cannot be used: {RULE}" in checked


VERTICAL = f"vertical_edges = {hw1.vertical_edges.tolist()}"


@pytest.mark.parametrize(
    ("cells", "set_when_graded"),
    [
        pytest.param(["import nbformat", VERTICAL], True, id="an-unrelated-cell-s-import"),
        pytest.param([f"import nbformat\n{VERTICAL}"], False, id="imported-first-in-its-cell"),
        pytest.param([f"{VERTICAL}\nimport nbformat"], True, id="imported-after-it-in-its-cell"),
        pytest.param([f"if True:\n    import nbformat\n    {VERTICAL}"], False, id="in-a-block"),
        pytest.param(
            [f"try:\n    import nbformat\nexcept ImportError:\n    nbformat = None\n{VERTICAL}"], True, id="a-fallback"
        ),
        pytest.param(
            [
                "try:\n    from nbformat import reads\nexcept ImportError:\n    def reads(text):\n        return text",
                f"shown = reads\n{VERTICAL}",
            ],
            True,
            id="a-name-with-a-fallback",
        ),
        pytest.param(
            [
                "try:\n    import nbformat\n    HAVE = True\nexcept ImportError:\n    HAVE = False",
                f"if HAVE:\n    print(nbformat.__version__)\n{VERTICAL}",
            ],
            True,
            id="a-flag",
        ),
        pytest.param(
            [f"import contextlib\nwith contextlib.suppress(ImportError):\n    import nbformat\n{VERTICAL}"],
            True,
            id="suppressed",
        ),
        pytest.param(["scale = 1", f"{VERTICAL}", "from nbformat import v4 as scale"], True, id="a-name-bound-again"),
        pytest.param([f"import nbformat\n{VERTICAL}", f"%%time\n{VERTICAL}"], True, id="set-again-in-a-magic"),
        pytest.param([VERTICAL, f"import nbformat\n{VERTICAL}"], True, id="set-earlier-by-a-cell-that-runs"),
        pytest.param(
            ["from nbformat import reads", f"shown = reads\n{VERTICAL}"], False, id="a-name-a-refused-import-sets"
        ),
        pytest.param(
            [f"IN_COLAB = False\nif IN_COLAB:\n    import nbformat\n{VERTICAL}"], True, id="colab-boilerplate"
        ),
        pytest.param([f"for _ in range(0):\n    import nbformat\n{VERTICAL}"], True, id="in-a-loop-that-does-not-run"),
        # What the cell that sets it reads first, set in a cell that stops (the given data below a stray import).
        pytest.param(["import nbformat\nimage = 1", f"seen = image\n{VERTICAL}"], False, id="from-a-name-never-set"),
        pytest.param(
            ["image = 1", "import nbformat\nother = 2", f"seen = image\n{VERTICAL}"], True, id="from-a-set-name"
        ),
        pytest.param(["import nbformat\nimage = 1", f"{VERTICAL}\nseen = image"], True, id="a-name-read-after"),
        pytest.param(
            ["import nbformat\nimage = 1", f"try:\n    seen = image\nexcept NameError:\n    pass\n{VERTICAL}"],
            True,
            id="a-name-read-in-a-try",
        ),
        pytest.param(
            ["import nbformat\nrow = 1", f"rows = [row for row in range(4)]\n{VERTICAL}"], True, id="its-own-variable"
        ),
        pytest.param(
            ["import nbformat\ndef make():\n    return 1", f"if make():\n    {VERTICAL}"], False, id="a-function-called"
        ),
    ],
)
def test_a_value_set_in_a_cell_that_grading_stops_fails_the_check_too(
    grader, cells: list[str], set_when_graded: bool
) -> None:
    # nbformat is installed here and refused when graded, as scipy is in a student's own Jupyter. What the check says
    # is what grading does, with the same cells: neither a value grading never sets passing, nor one it sets failing.
    graded = run(job(cells))
    assert (codec.error_message(graded["values"]["vertical_edges"]) is None) is set_when_graded
    transform = TransformerManager().transform_cell
    notebook: dict = {"__name__": "__main__", "In": ["", *map(transform, cells)]}  # IPython's history of the cells
    for cell in cells:
        exec(cell.removeprefix("%%time\n"), notebook)
    result = grader.check("q1", global_env=notebook)
    assert result.passed_all is set_when_graded
    if not set_when_graded:
        assert re.search(r"`vertical_edges` (needs `\w+`, which )?is set in a cell that needs `nbformat`", said(result))


CONV = """def conv2d(x, k, stride=1, padding=0):
    x, k = np.pad(np.asarray(x, float), padding), np.asarray(k, float)
    f = len(k)
    rows, cols = range(0, x.shape[0] - f + 1, stride), range(0, x.shape[1] - f + 1, stride)
    return np.array([[np.sum(x[i : i + f, j : j + f] * k) * {scale} for j in cols] for i in rows])
"""
CONSTANT, HELPER = CONV.format(scale="ONE"), CONV.format(scale="unit(1)")
SETS_ONE = "import numpy as np\nONE = 1"


@pytest.mark.parametrize(
    ("cells", "runs_when_graded", "blamed"),
    [
        pytest.param([SETS_ONE, CONSTANT], True, "", id="nothing-refused"),
        pytest.param([f"import nbformat\n{SETS_ONE}", CONSTANT], False, "needs `", id="its-globals-never-set"),
        pytest.param([SETS_ONE, f"import nbformat\n{CONSTANT}"], False, "`conv2d` is set", id="itself-never-set"),
        pytest.param([SETS_ONE, "import nbformat\nONE = 1", CONSTANT], True, "", id="a-global-set-earlier-too"),
        pytest.param(
            [SETS_ONE, "import nbformat\ndef unit(v):\n    return v", HELPER], False, "needs `unit`", id="its-helper"
        ),
        pytest.param(
            ["import numpy as np", "try:\n    import nbformat\nexcept ImportError:\n    pass\nONE = 1", CONSTANT],
            True,
            "",
            id="a-fallback",
        ),
        pytest.param(["import numpy as np", "ONE = 1", CONSTANT, "import nbformat"], True, "", id="imported-after"),
    ],
)
def test_a_function_that_reads_what_grading_never_sets_fails_the_check_too(
    grader, cells: list[str], runs_when_graded: bool, blamed: str
) -> None:
    # The function itself, a constant or a helper it reads, set in a cell that stops at a refused import when graded:
    # the function is missing or fails there, and the check, where nbformat is installed, must say so too.
    graded = run(job(cells))
    outputs = graded["calls"].get("conv2d")
    assert bool(outputs and errors_of(outputs) == []) is runs_when_graded, outputs
    notebook: dict = {"__name__": "__main__", "In": ["", *cells]}
    for cell in cells:
        exec(cell, notebook)
    result = grader.check("q3", global_env=notebook)
    assert result.passed_all is runs_when_graded
    if not runs_when_graded:
        assert blamed in said(result) and "is set in a cell that needs `nbformat`" in said(result)


IMPORTED_WITH = "try:\n    from nbformat import reads as parse\nexcept ImportError:\n    {fallback}"


@pytest.mark.parametrize(
    ("cells", "runs_when_graded"),
    [
        pytest.param(
            ["import numpy as np", IMPORTED_WITH.format(fallback="parse = None"), CONV.format(scale="(parse is None)")],
            True,
            id="a-fallback-the-function-handles",
        ),
        pytest.param(
            [
                "import numpy as np",
                IMPORTED_WITH.format(fallback="parse = lambda it: it"),
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="a-stand-in-function",
        ),
        pytest.param(
            ["import numpy as np", IMPORTED_WITH.format(fallback="parse = None"), CONV.format(scale="parse(1)")],
            False,
            id="a-fallback-the-function-cannot-use",
        ),
        pytest.param(
            ["import numpy as np", IMPORTED_WITH.format(fallback="pass"), CONV.format(scale="len(parse([1]))")],
            False,
            id="no-fallback-bound",
        ),
        pytest.param(
            [
                "import numpy as np",
                IMPORTED_WITH.format(fallback="parse = lambda it: it"),
                "from nbformat import reads as parse",
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="imported-again-in-a-cell-grading-stops-there",
        ),
        pytest.param(
            [
                "import numpy as np",
                IMPORTED_WITH.format(fallback="parse = lambda it: it"),
                "import nbformat\nparse = nbformat.reads",
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="bound-again-in-a-cell-grading-stops-first",
        ),
        pytest.param(
            [
                "import numpy as np",
                IMPORTED_WITH.format(fallback="parse = lambda it: it"),
                IMPORTED_WITH.format(fallback="pass"),
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="imported-again-with-a-clause-that-binds-nothing",
        ),
        pytest.param(
            [
                "import numpy as np",
                IMPORTED_WITH.format(fallback="parse = lambda it: it"),
                "from nbformat import reads\nparse = reads",
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="bound-again-after-a-refused-import",
        ),
        pytest.param(
            [
                "import numpy as np",
                "try:\n    from nbformat import reads as parse\nexcept ImportError as missing:\n    print(missing)\n"
                "    parse = lambda it: it",
                CONV.format(scale="len(parse([1]))"),
            ],
            True,
            id="a-handler-that-names-the-error",
        ),
    ],
)
def test_a_global_imported_with_a_fallback_is_checked_as_grading_binds_it(
    grader, cells: list[str], runs_when_graded: bool
) -> None:
    # When graded the import fails and the except clause binds the name; here nbformat is installed and the clause
    # never ran. The check must judge the function with what grading binds, in both directions.
    graded = run(job(cells))
    outputs = graded["calls"].get("conv2d")
    assert bool(outputs and errors_of(outputs) == []) is runs_when_graded, outputs
    notebook = run_as_ipython(cells)
    result = grader.check("q3", global_env=notebook)
    assert result.passed_all is runs_when_graded, said(result)
    assert notebook["parse"].__module__.startswith("nbformat")  # the notebook's own binding is left as it was


def test_an_except_clause_that_does_more_than_bind_names_is_never_run_by_the_check(grader, tmp_path: Path) -> None:
    # A clause that installs the package, downloads or counts would act in the student's Jupyter at every check:
    # the check does not run it, and refuses the import as it did before it knew of fallbacks.
    marker = tmp_path / "ran"
    fallback = f"open({str(marker)!r}, 'w').close()\n    ran.append(1)\n    parse = lambda it: it"
    cells = [
        "import numpy as np\nran = []",
        IMPORTED_WITH.format(fallback=fallback),
        CONV.format(scale="len(parse([1]))"),
    ]
    notebook = run_as_ipython(cells)
    result = grader.check("q3", global_env=notebook)
    assert not result.passed_all and "`nbformat` cannot be used" in said(result)
    assert notebook["ran"] == [] and not marker.exists()


WRITES_SCRIPT = f"%%writefile helpers.py\nimport numpy as np\nONE = 1\n{VERTICAL}\n{CONSTANT}"


def run_as_ipython(cells: list[str]) -> dict:
    """The namespace IPython leaves after CELLS, in the working directory (the grader fixture's bundle folder)."""
    transform = TransformerManager().transform_cell
    notebook: dict = {"__name__": "__main__", "In": ["", *map(transform, cells)]}
    for cell in cells:
        magic, _, body = cell.partition("\n")
        if magic.startswith("%%writefile "):
            Path(magic.split()[-1]).write_text(body)
        elif magic.startswith("%run "):
            exec(Path(magic.split()[-1]).read_text(), notebook)
        else:
            exec(cell, notebook)
    return notebook


@pytest.mark.parametrize(
    ("cells", "set_when_graded"),
    [
        pytest.param([WRITES_SCRIPT, "%run helpers.py"], False, id="from-the-script"),
        pytest.param([WRITES_SCRIPT, "%run -i helpers.py"], False, id="from-the-script-run-in-the-notebook"),
        pytest.param([WRITES_SCRIPT, "%run helpers.py", "vertical_edges"], False, id="shown-by-a-cell"),
        pytest.param([WRITES_SCRIPT, "%run helpers.py", "print(vertical_edges)  # vertical_edges"], False, id="read"),
        pytest.param([WRITES_SCRIPT, "%run helpers.py", VERTICAL], True, id="set-by-a-cell-too"),
        pytest.param(["%%writefile other.py\nX = 1", "%run other.py", VERTICAL], True, id="an-unrelated-script"),
    ],
)
def test_a_value_from_a_script_run_with_percent_run_fails_the_check_as_grading_never_sets_it(
    grader, cells: list[str], set_when_graded: bool
) -> None:
    # `%run` is not run when graded (a graded notebook runs only its own cells): what the script sets is never set.
    graded = run(job(cells))
    assert (codec.error_message(graded["values"]["vertical_edges"]) is None) is set_when_graded
    result = grader.check("q1", global_env=run_as_ipython(cells))
    assert result.passed_all is set_when_graded
    if not set_when_graded:
        assert "`vertical_edges` is set by no cell of this notebook: it comes from a script `%run` ran" in said(result)


def test_a_function_from_a_script_run_with_percent_run_fails_the_check_as_grading_never_defines_it(grader) -> None:
    cells = [WRITES_SCRIPT, "%run helpers.py"]
    graded = run(job(cells))
    errors = errors_of(graded["calls"]["conv2d"])
    assert errors and all("`conv2d` is not defined" in error for error in errors)
    result = grader.check("q3", global_env=run_as_ipython(cells))
    assert not result.passed_all
    assert "`conv2d` is set by no cell of this notebook: it comes from a script `%run` ran" in said(result)


@pytest.mark.parametrize("question", sorted({case.question for case in HW1_CASES}))
def test_a_failed_check_shows_each_cases_title_and_wrapped_message_without_its_id(grader, question: str) -> None:
    # An empty notebook fails every public case of the question: each failure reads as the student should see it.
    result = grader.check(question, global_env={"__name__": "__main__"})
    cases = [case for case in HW1_CASES if case.question == question]
    for shown in (repr(result), result._repr_html_()):
        for case in cases:
            assert f"CheckFailed: {case.title}\n" in shown
            assert case.id not in shown
        assert "is not defined" in shown
    message_lines = [line for line in repr(result).splitlines() if line.startswith(" " * 10)]
    assert message_lines and all(len(line.strip()) <= WIDTH for line in message_lines)


def test_long_messages_wrap_within_the_width_and_keep_every_word() -> None:
    message = "`conv2d(...)` has shape (2, 2); expected (3, 4) " * 6 + "see /a/very/long/path/" * 6 + " 'ceil'"
    text = failure_text("conv2d gives the output size of the formula", message)
    title, *lines = text.splitlines()
    assert title == "conv2d gives the output size of the formula"
    assert len(lines) > 3 and all(line.startswith("  ") for line in lines)
    assert all(len(line) <= WIDTH for line in lines if " " in line.strip())  # an unbreakable word may run on
    assert " ".join(text.split()[len(title.split()) :]) == " ".join(message.split()) + "."
    assert re.search(r"'ceil'\.$", text)  # Otter strips the quotes at the ends; the period keeps ours


LONG_TITLES = [case for case in PUBLIC_CASES if len(case.title) > WIDTH]


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda case: case.id)
def test_every_title_wraps_to_the_messages_width_and_keeps_every_word(case) -> None:
    text = failure_text(case.title, "the message")
    title_lines = text.splitlines()[:-1]
    assert all(len(line) <= WIDTH and not line.startswith(" ") for line in title_lines)
    assert " ".join(title_lines) == " ".join(case.title.split())


@pytest.mark.parametrize("case", LONG_TITLES, ids=lambda case: case.id)
def test_a_long_title_reaches_the_student_wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case) -> None:
    # The committed bundle's own cnn_checks: a title longer than a line is wrapped there too.
    result = bundle_grader(tmp_path, monkeypatch, case.assignment).check(case.question, global_env={})
    shown = repr(result)
    assert " ".join(case.title.split()) in said(result)
    first = next(line for line in shown.splitlines() if "CheckFailed: " in line)
    assert (
        case.title.startswith(first.split("CheckFailed: ", 1)[1]) and len(first.split("CheckFailed: ", 1)[1]) <= WIDTH
    )


def test_some_title_is_longer_than_a_line() -> None:
    assert LONG_TITLES, "no title to wrap: the two tests above test nothing"


@pytest.mark.slow
def test_a_function_that_never_returns_is_stopped_and_said_to(grader) -> None:
    notebook = {"__name__": "__main__"}
    exec("def conv2d(x, k, stride=1, padding=0):\n    while True:\n        pass", notebook)
    started = time.monotonic()
    result = grader.check("q3", global_env=notebook)
    assert time.monotonic() - started < 3 * PROBE_SECONDS * 2  # two cases, each stopped after PROBE_SECONDS
    assert not result.passed_all
    assert f"`conv2d` did not return within {PROBE_SECONDS:g} s on" in said(result)
    assert "look for a loop that never ends" in said(result)
