"""The first notebook a run reads is checked against nbformat's whole schema (one compile, as nbformat
does); from the second on, cell by cell. Both ways give nbformat.validate's verdict, on the same
hypothesis-edited notebooks the reader's own tests use, so which way a notebook happened to be
checked (first in its run or not) never changes whether it is accepted. The schema is read without
importing nbformat, which only a notebook the check does not pass needs."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings

from autograder.intake import notebook_schema
from autograder.intake.notebook_schema import _Checker
from tests.test_notebook_reader import ROOT, SAMPLES, edited_notebooks, verdict_of_validate


def _fresh(minor: int) -> _Checker:
    return _Checker(minor)


_WARMED: dict[int, _Checker] = {}


def _warmed(minor: int) -> _Checker:
    """A checker that has read a notebook already (compiled once per minor: compiling takes a tenth of a second)."""
    if minor not in _WARMED:
        checker = _Checker(minor)
        checker.passes(copy.deepcopy(SAMPLES[0]))  # the first: checked whole
        _WARMED[minor] = checker
    return _WARMED[minor]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=edited_notebooks())
def test_first_and_later_notebooks_get_validate_s_verdict(data: dict[str, Any]) -> None:
    minor = data.get("nbformat_minor")
    assume(data.get("nbformat") == 4 and type(minor) is int and minor in notebook_schema._MINORS)
    assume(isinstance(data.get("cells"), list))
    checker = _warmed(minor)
    assert checker._whole is not None
    # What the first notebook of a run gets (test_one_notebook_compiles_... shows it), and what later ones get.
    first, later = checker._whole(copy.deepcopy(data)), checker.passes(copy.deepcopy(data))
    assert checker._cell is not None or not checker.cut_by_cell  # the later one really went cell by cell
    # passes_as_is is a fast yes; a no sends the notebook to nbformat.validate, which decides.
    assert first == later
    if first:
        assert verdict_of_validate(data)[0] == "cells"


def test_every_sample_passes_whether_first_or_later() -> None:
    for data in SAMPLES:
        checker = _warmed(data["nbformat_minor"])
        assert checker._whole is not None and checker._whole(copy.deepcopy(data))
        assert checker.passes(copy.deepcopy(data))


def test_one_notebook_compiles_no_cell_schema_and_a_second_does() -> None:
    minor = SAMPLES[0]["nbformat_minor"]
    checker = _fresh(minor)
    assert checker.cut_by_cell
    whole = checker._whole
    assert whole is not None
    asked: list[Any] = []
    checker._whole = lambda data: asked.append(data) or whole(data)
    assert checker.passes(copy.deepcopy(SAMPLES[0]))
    assert checker._cell is None
    assert [len(data["cells"]) for data in asked] == [len(SAMPLES[0]["cells"])]  # the whole notebook, cells and all
    assert checker.passes(copy.deepcopy(SAMPLES[-1]))
    assert checker._cell is not None


READ_AND_LIST_MODULES = """
import json, sys
from pathlib import Path
from autograder.intake.notebook import InvalidNotebook, read_code_cells
try:
    verdict = ["cells", read_code_cells(Path(sys.argv[1]))]
except InvalidNotebook as problem:
    verdict = ["refused", str(problem)]
print(json.dumps({"verdict": verdict, "nbformat": "nbformat" in sys.modules, "jsonschema": "jsonschema" in sys.modules}))
"""


def _read_in_a_fresh_process(path: Path, **environment: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", READ_AND_LIST_MODULES, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **environment},
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_a_valid_notebook_is_read_without_importing_nbformat(tmp_path: Path) -> None:
    path = tmp_path / "ok.ipynb"
    path.write_text(json.dumps(SAMPLES[0]))
    seen = _read_in_a_fresh_process(path)
    assert seen["verdict"] == list(verdict_of_validate(SAMPLES[0]))
    assert not seen["nbformat"] and not seen["jsonschema"]


@pytest.mark.parametrize("validator", ["fastjsonschema", "jsonschema"])
def test_a_notebook_the_schema_refuses_gets_validate_s_own_words(tmp_path: Path, validator: str) -> None:
    data = copy.deepcopy(SAMPLES[0])
    data["cells"][0]["cell_type"] = "program"
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(data))
    seen = _read_in_a_fresh_process(path, NBFORMAT_VALIDATOR=validator)
    assert seen["verdict"] == list(verdict_of_validate(data))
    assert seen["verdict"][0] == "refused"


# --- the validator shipped for nbformat's current schema (notebook_schema_v4_5.py)


def _installed_schema_bytes() -> bytes:
    path = notebook_schema._schema_file(notebook_schema.SHIPPED_MINOR)
    assert path is not None, "nbformat ships its 4.5 schema"
    return path.read_bytes()


def test_the_shipped_validator_is_used_exactly_when_it_was_made_from_the_installed_schema_and_fastjsonschema() -> None:
    from autograder.intake import notebook_schema_v4_5 as shipped

    schema_bytes = _installed_schema_bytes()
    made_here = notebook_schema.generated_check(schema_bytes)
    used = notebook_schema._shipped_check(notebook_schema.SHIPPED_MINOR, schema_bytes)
    if shipped.VERSION == fastjsonschema.VERSION:
        # The same fastjsonschema makes the same code from the same schema: what is shipped is what it would compile.
        assert notebook_schema.SHIPPED_MODULE.read_text(encoding="utf-8") == made_here, (
            "nbformat's schema changed: run `python -m autograder.intake.notebook_schema`"
        )
        assert used is shipped.validate
    else:
        assert used is None  # another fastjsonschema: compiled at run time, as nbformat compiles it


def test_a_shipped_validator_made_from_other_bytes_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograder.intake import notebook_schema_v4_5 as shipped

    schema_bytes = _installed_schema_bytes()
    monkeypatch.setattr(shipped, "VERSION", fastjsonschema.VERSION)
    assert notebook_schema._shipped_check(notebook_schema.SHIPPED_MINOR, schema_bytes) is shipped.validate
    # Any other byte of schema, or another minor: not what it was made from.
    edited = schema_bytes.replace(b'"nbformat_minor"', b'"nbformat_minor" ', 1)
    assert edited != schema_bytes
    assert notebook_schema._shipped_check(notebook_schema.SHIPPED_MINOR, edited) is None
    assert notebook_schema._shipped_check(notebook_schema.SHIPPED_MINOR - 1, schema_bytes) is None
    monkeypatch.setattr(shipped, "VERSION", fastjsonschema.VERSION + ".other")
    assert notebook_schema._shipped_check(notebook_schema.SHIPPED_MINOR, schema_bytes) is None
    # Not used, the schema is compiled as nbformat compiles it, with the same verdicts.
    checker = _Checker(notebook_schema.SHIPPED_MINOR)
    assert checker._whole is not None
    for data in SAMPLES:
        assert checker._whole(copy.deepcopy(data))
    broken = copy.deepcopy(SAMPLES[0])
    broken["cells"][0]["cell_type"] = "program"
    assert not checker._whole(broken)
