"""Notebooks run as Jupyter runs them: `display` and IPython's magics work when graded, and what
grading does not run (shell commands, other languages' cells, package installs) is named in the
row's message while the rest of the notebook is graded.

`cnngrade grade` through the real sandbox; the Gradescope zip (through `cnngrade try-zip`) in the slow test.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.build import Built
from autograder.course import assignment
from autograder.grading.run import GradeRun, grade
from solutions import hw1

from .factories import require_try_zip, write_notebook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = 17
FULL = sum(assignment("hw1").points().values())
CORRECT_Q1 = f"import numpy as np\nvertical_edges = {hw1.vertical_edges.tolist()}"


def with_features(source: Path, target: Path) -> Path:
    """The sample class's correct hw1, using each of display, %%time, %%capture, %timeit, %time,
    %matplotlib inline (and pandas, shown with display) on the way to its answers."""
    notebook = nbformat.read(source, as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        text = cell.source
        if text.startswith("import numpy"):
            text = "%matplotlib inline\n" + text + "\nimport pandas as pd"
        elif text.startswith("vertical_edges ="):
            text = "%%time\n" + text
        elif "horizontal_edges" in text and "grader.check" not in text:
            text = "%%capture q2_output\n" + text
        elif text.startswith("strided_edges ="):
            text = "%time " + text
        cell.source = text
        cells.append(cell)
        if text.startswith("def conv2d"):
            for extra in (
                "display(conv2d(image, vertical))\ndisplay(pd.DataFrame(conv2d(image, vertical)))",
                "%timeit conv2d(image, vertical)",
            ):
                added = nbformat.v4.new_code_cell(extra)
                added["id"] = f"feature-{len(cells)}"
                cells.append(added)
    notebook.cells = cells
    sources = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    for feature in ("%matplotlib inline", "%%time", "%%capture", "%time ", "%timeit", "display("):
        assert feature in sources, f"the sample notebook changed: no place for {feature}"
    nbformat.write(notebook, target)
    return target


REFUSED = {
    "shell_line": (["!ls -la\n" + CORRECT_Q1], "`!ls -la` was not run: shell commands do not run"),
    "shell_capture": ([CORRECT_Q1 + "\nfiles = !ls"], "`!ls` was not run"),
    "bash_cell": (["%%bash\necho hello", CORRECT_Q1], "`%%bash` was not run"),
    "pip_install": (["%pip install scipy\n" + CORRECT_Q1], "`%pip install scipy` was not run"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    folder = tmp_path_factory.mktemp("submissions")
    with_features(EXAMPLES / "hw1" / "passes_all.ipynb", folder / "features.ipynb")
    for name, (cells, _) in REFUSED.items():
        write_notebook(folder / f"{name}.ipynb", cells)
    return grade(assignment="hw1", submissions=folder, out=tmp_path_factory.mktemp("out"), seed=SEED, timeout=20)


def row(run: GradeRun, name: str):
    return next(result for result in run.results if result.submission == name)


def test_a_correct_notebook_using_magics_and_display_gets_full_marks(graded: GradeRun) -> None:
    result = row(graded, "features")
    assert (result.status, result.message) == ("ok", "")
    assert result.score == result.max_score == FULL, [c.message for c in result.cases if c.score < c.max_score]
    # what Jupyter would show under the cells, in the captured output
    for shown in ("CPU times", "Wall time", "per loop", "-16.]]", "-16.0"):  # display: an array, a DataFrame
        assert shown in result.output


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_grading_does_not_run_is_named_and_the_rest_is_graded(graded: GradeRun, name: str) -> None:
    result = row(graded, name)
    assert result.status == "ok"
    assert REFUSED[name][1] in result.message
    assert result.question_scores()["q1"] == assignment("hw1").points()["q1"]


@pytest.mark.slow
def test_the_gradescope_zip_gives_the_same_notebook_full_marks(fresh_build: dict[str, Built], tmp_path: Path) -> None:
    from autograder.build.try_zip import try_one

    require_try_zip()
    notebook = with_features(EXAMPLES / "hw1" / "passes_all.ipynb", tmp_path / "features.ipynb")
    run = try_one(fresh_build["hw1"].zip_path, notebook, tmp_path / "zip", seed=SEED)
    assert {q: score for q, (score, _) in run.question_scores().items()} == assignment("hw1").points()
