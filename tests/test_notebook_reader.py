"""read_code_cells checks a notebook's JSON against the schema directly, and asks nbformat.validate
only about what that does not pass. Its verdicts must be nbformat.validate's: every notebook it
accepted gives the same cells, every one it refused is refused with the same message.

The notebooks are the sample classes' (examples/), each edited at a place hypothesis chooses: a key
dropped, a value of another type, a key the schema does not know, ids missing or repeated, other
format versions."""

from __future__ import annotations

import copy
import itertools
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import nbformat
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from autograder.intake.notebook import InvalidNotebook, read_code_cells

ROOT = Path(__file__).resolve().parent.parent


def samples() -> list[dict[str, Any]]:
    found = []
    for path in sorted(ROOT.glob("examples/hw*/*.ipynb")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # not JSON: refused before any schema is asked
    return found


SAMPLES = samples()


@contextmanager
def numbered_ids() -> Iterator[None]:
    """validate gives a cell without an id a random one, which a refusal may quote: numbered instead,
    the same in both readings."""
    numbers = itertools.count()
    with mock.patch("nbformat.validator.generate_corpus_id", lambda: f"made-{next(numbers)}"):
        yield


def verdict_of_validate(data: dict[str, Any]) -> tuple[str, Any]:
    """What the reader gave before it checked the JSON itself: nbformat.from_dict, then nbformat.validate
    (whose warnings, a repaired id's, went to the TA's terminal and changed nothing)."""
    try:
        notebook = nbformat.from_dict(copy.deepcopy(data))
        with numbered_ids(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
            warnings.filterwarnings("ignore", category=DuplicateCellId)
            nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        return "refused", f"the notebook does not follow the notebook format: {exc.message}"
    except Exception as exc:
        return "error", type(exc).__name__
    return "cells", [
        "".join(cell.source) if isinstance(cell.source, list) else cell.source
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def verdict_of_reader(data: dict[str, Any], folder: Path) -> tuple[str, Any]:
    path = folder / "submission.ipynb"
    path.write_text(json.dumps(data))
    try:
        with numbered_ids():
            return "cells", read_code_cells(path)
    except InvalidNotebook as problem:
        return "refused", str(problem)
    except Exception as exc:
        return "error", type(exc).__name__


LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=10),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "code", "markdown", "raw", "heading", "x", "4", "stream", "execute_result", "a b", "id-1"]),
)
VALUE = st.recursive(
    LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3))
)


def places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value in the JSON tree."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += places(value, (*path, index))
    return found


def at(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


@st.composite
def edited_notebooks(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        edit = draw(st.sampled_from(["drop", "replace", "add", "ids", "version"]))
        path = draw(st.sampled_from(places(data)))
        if edit == "ids":
            cells = data.get("cells")
            if isinstance(cells, list) and cells and all(isinstance(c, dict) for c in cells):
                if draw(st.booleans()):
                    for cell in cells:
                        cell.pop("id", None)
                else:
                    cells[-1]["id"] = cells[0].get("id", "same")
        elif edit == "version":
            data["nbformat_minor"] = draw(st.one_of(st.integers(min_value=0, max_value=9), st.just("5"), st.just(5.0)))
            if draw(st.booleans()):
                data["nbformat"] = draw(st.sampled_from([4, 4.0, True]))
        elif not path:
            continue
        else:
            parent, last = at(data, path[:-1]), path[-1]
            if edit == "drop":
                del parent[last]
            elif edit == "replace":
                parent[last] = draw(VALUE)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=6))] = draw(VALUE)
            else:
                parent.insert(last, draw(VALUE))
    return data


@pytest.mark.parametrize("data", SAMPLES, ids=lambda data: str(len(data.get("cells", []))))
def test_every_sample_notebook_reads_as_validate_reads_it(data: dict[str, Any], tmp_path: Path) -> None:
    assert verdict_of_reader(data, tmp_path) == verdict_of_validate(data)
    assert verdict_of_reader(data, tmp_path)[0] == "cells"


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=edited_notebooks())
def test_an_edited_notebook_is_accepted_or_refused_as_validate_decides(data: dict[str, Any], tmp_path: Path) -> None:
    # Without cells, or of another major version, it is refused before any schema is asked (unchanged).
    assume(("cells" in data or "worksheets" in data) and data.get("nbformat") == 4)
    assert verdict_of_reader(data, tmp_path) == verdict_of_validate(data)


def test_the_edits_reach_both_verdicts() -> None:
    # The test above means something only if edits both keep notebooks valid and break them.
    seen = set()

    @settings(max_examples=150, deadline=None, database=None)
    @given(edited_notebooks())
    def collect(data: dict[str, Any]) -> None:
        seen.add(verdict_of_validate(data)[0])

    collect()
    assert {"cells", "refused"} <= seen


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda nb: [c.pop("id") for c in nb["cells"]], id="no-cell-ids"),
        pytest.param(lambda nb: nb["cells"][1].update(id=nb["cells"][0]["id"]), id="repeated-id"),
        pytest.param(lambda nb: nb.update(nbformat_minor=99), id="minor-from-the-future"),
        pytest.param(lambda nb: (nb.update(nbformat_minor=4), [c.pop("id") for c in nb["cells"]]), id="older-minor"),
    ],
)
def test_what_validate_repairs_or_relaxes_is_still_accepted_with_the_same_cells(edit: Any, tmp_path: Path) -> None:
    data = copy.deepcopy(SAMPLES[0])
    edit(data)
    expected = verdict_of_validate(data)
    assert expected[0] == "cells"
    assert verdict_of_reader(data, tmp_path) == expected


def test_a_cell_seen_valid_does_not_let_an_edited_copy_of_it_through(tmp_path: Path) -> None:
    data = copy.deepcopy(SAMPLES[0])
    assert verdict_of_reader(data, tmp_path)[0] == "cells"  # every cell of it now seen
    for cell in data["cells"]:
        cell["cell_type"] = "code" if cell["cell_type"] != "code" else "markdown"
    assert verdict_of_reader(data, tmp_path) == verdict_of_validate(data)
    assert verdict_of_reader(data, tmp_path)[0] == "refused"


def test_this_nbformats_schema_is_checked_cell_by_cell() -> None:
    # The speed of reading a class rests on it: if nbformat's schema stops being cut this way, the
    # whole notebook is checked (still right, slower), and this says so.
    from autograder.intake.notebook_schema import _Checker

    assert _Checker(SAMPLES[0]["nbformat_minor"]).cut_by_cell
