"""The grading shell's quick cell transform gives exactly what IPython's own gives, for every cell.

The quick path skips IPython's tokenizing only where no token transform could change the cell; any
doubt takes IPython's full path. These tests compare the two on every cell the project holds, on
every form of IPython syntax, and on generated text dense in the characters the transforms key on.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.inputtransformer2 import TransformerManager

from autograder.intake.notebook import read_code_cells
from autograder.sandboxed.shell import QuickTransformer, needs_token_transforms

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_FOLDERS = ("examples", "student_template", "assignments")

IPYTHON_FORMS = [
    "%matplotlib inline",
    "%time x = 1",
    "%%time\nx = 1",
    "%%capture out\nprint(1)",
    "!ls -l",
    "!!ls",
    "x = !ls",
    "x = %who_ls",
    "files = ! ls",
    "x?",
    "x??",
    "np.zeros?",
    "?x",
    "??x",
    "%timeit?",
    ",f a b",
    ";f a b",
    "/f a b",
    "def f():\n    !ls\n    return 1",
    "for i in range(3):\n    %time x = i",
    "if True:\n    x?",
    ">>> x = 1\n>>> x",
    ">>> def f():\n...     return 1",
    "x = 1\n...\n",
    "x = 1\n... y = 2",
    "In [1]: x = 1\nIn [2]: x",
    "In [1]: def f():\n   ...:     return 1",
    "    x = 1\n    y = 2",
    "\n\n  x = 1",
    "\tx = 1\n\ty = 2",
    "x = 1\n   \ny = '''a\n  \nb'''",
    'x = """\n%not a magic\n!not a shell\n"""',
    "x = 'what?'",
    "x = 1  # why?",
    "print('%d' % 3)",
    "x = 1 != 2",
    "x = (1,\n     2)\ny = (3\n     , 4)",
    "x = (1\n     / 2)",
    "x = 1 \\\n    / 2",
    "a = 1; b = 2",
    "x = f'{1}?'",
    "x = f'{1!r}'",
    "await something()",
    "async def f():\n    await g()",
    "def f(:",
    "x = 'unterminated",
    "x = (1,",
    "x = 0b12",
    "x = 1\x0c,f",
    "x = 1\x0b;f",
    "x = 1\r/f a",
    "x = 1\u2028?y",
    "",
    "\n",
    "   ",
    "%%",
    "%",
    "!",
    "?",
]


def _project_cells() -> list[str]:
    cells: list[str] = []
    for folder in NOTEBOOK_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            try:
                cells.extend(read_code_cells(path))
            except Exception:
                continue  # a sample that is not a readable notebook holds no cell to compare
    return cells


PROJECT_CELLS = _project_cells()


def _outcome(manager: TransformerManager, cell: str) -> tuple[str, str]:
    try:
        return "ok", manager.transform_cell(cell)
    except Exception as error:  # IPython's own path may refuse a cell: the quick one must refuse it alike
        return type(error).__name__, str(error)


def assert_same(cell: str) -> None:
    assert _outcome(QuickTransformer(), cell) == _outcome(TransformerManager(), cell), repr(cell)


def test_the_project_holds_notebook_cells_to_compare() -> None:
    assert len(PROJECT_CELLS) > 200
    # The quick path is what most of them take: otherwise this file tests the slow path twice.
    quick = [cell for cell in PROJECT_CELLS if not needs_token_transforms(cell.splitlines(keepends=True))]
    assert len(quick) > len(PROJECT_CELLS) // 2


@pytest.mark.parametrize("index", range(len(PROJECT_CELLS)))
def test_every_cell_of_the_project_transforms_as_ipython_does(index: int) -> None:
    assert_same(PROJECT_CELLS[index])


@pytest.mark.parametrize("cell", IPYTHON_FORMS)
def test_every_form_of_ipython_syntax_transforms_as_ipython_does(cell: str) -> None:
    assert_same(cell)


@pytest.mark.parametrize("cell", IPYTHON_FORMS)
def test_ipython_syntax_indented_or_after_code_transforms_as_ipython_does(cell: str) -> None:
    for variant in (f"x = 0\n{cell}", f"if True:\n    {cell}", f"{cell}\nx = 0", f"  {cell}"):
        assert_same(variant)


def test_cells_ipython_changes_are_never_taken_as_unchanged() -> None:
    # Whatever IPython's tokenizing changes, the quick check must have sent to IPython.
    base = TransformerManager()
    for cell in itertools.chain(PROJECT_CELLS, IPYTHON_FORMS):
        lines = (cell if cell.endswith("\n") else cell + "\n").splitlines(keepends=True)
        for transform in base.cleanup_transforms + base.line_transforms:
            lines = transform(lines)
        if not needs_token_transforms(lines):
            assert base.do_token_transforms(list(lines)) == lines, repr(cell)


# Text dense in what the transforms key on: escapes, prompts, quotes, brackets, indentation and
# every kind of line end, between bits of ordinary code.
_PIECES = st.sampled_from(
    [
        "%",
        "%%",
        "!",
        "!!",
        "?",
        "??",
        ",",
        ";",
        "/",
        "=",
        " = ",
        "==",
        "!=",
        ">>> ",
        "... ",
        "...",
        "In [1]: ",
        "   ...: ",
        "'",
        '"',
        "'''",
        '"""',
        "#",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "\\",
        "\n",
        "\r",
        "\r\n",
        "\x0b",
        "\x0c",
        "\u2028",
        " ",
        "    ",
        "\t",
        "x",
        "f",
        "ls",
        "1",
        "def f():",
        "time",
        "matplotlib",
        "f'",
        "{x}",
        "{x!r}",
        "await ",
        "async ",
        "lambda: ",
        ":",
    ]
)
CELLS = st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=60)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CELLS)
def test_generated_cells_transform_as_ipython_does(cell: str) -> None:
    assert_same(cell)


def test_the_grading_shell_uses_the_quick_transform() -> None:
    from autograder.sandboxed import shell

    assert isinstance(shell.make().input_transformer_manager, QuickTransformer)


@pytest.mark.parametrize("action", ["default", "once", "always", "error"])
def test_the_quick_check_shows_no_warning_and_leaves_the_warning_state_alone(action: str) -> None:
    import warnings

    cell = "if True:\n    pattern = '\\d+'\n"  # an invalid escape: the parser warns
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter(action)
        once = dict(warnings.onceregistry)
        assert_same(cell)
        quick = [w for w in seen if "<cell>" in str(w.filename)]
        assert quick == [] and warnings.onceregistry == once


# Every character str.splitlines ends a line at (IPython splits a cell with it; Python's parser knows only \n and
# \r), found by asking splitlines itself rather than listed by hand.
SPLITLINES_BREAKS = [chr(code) for code in range(0x110000) if len(f"a{chr(code)}b".splitlines()) == 2]


@pytest.mark.parametrize("brk", SPLITLINES_BREAKS, ids=[f"U+{ord(c):04X}" for c in SPLITLINES_BREAKS])
def test_a_line_end_only_splitlines_knows_transforms_as_ipython_does_anywhere_in_a_cell(brk: str) -> None:
    # Inside a comment or a string of an indented block, followed by any indentation: where IPython's tokenizer
    # sees a new line there, the quick path must see one too (or take IPython's path).
    for indent in ("", " ", "  ", "\t", "        "):
        for cell in (
            f"def f():\n    x = 1  # page{brk}{indent}y\n    return x\n",
            f"def f():\n    s = 'a{brk}{indent}b'\n    return s\n",
            f"x = 1  # note{brk}{indent}y = 2\n",
            f"if True:\n    x = 1{brk}{indent}y = 2\n",
        ):
            assert_same(cell)
