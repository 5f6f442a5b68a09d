"""Whether a notebook's JSON follows nbformat's schema as it is, with the cells a class shares checked once.

nbformat's schema checks each cell on its own (the notebook's `cells` is an array of `cell`, with
no bound across cells), and most cells of a class's notebooks are the template's, byte for byte. So
the notebook is checked without its cells, then each cell against the schema's `cell`, skipping a
cell already seen to pass: the verdict is the whole schema's. Where nbformat's schema is not cut that
way (another nbformat, another validator), the whole notebook is checked as before.

The schema is nbformat's own file for the notebook's minor version, compiled with fastjsonschema as
nbformat's default validator compiles it, but read without importing nbformat: its import (with
jsonschema's, which it brings) is a good part of what one notebook's run spends before its notebook
can start. A notebook this check does not pass goes to nbformat.validate (notebook.py), which imports it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema

# The shape of the schema's `cells` this relies on: an array of `cell`, each checked alone.
_CELLS = {"type": "array", "items": {"$ref": "#/definitions/cell"}}
# Cells remembered as passing: enough for a template's cells and a few variants, small in memory.
_KNOWN_CELLS = 4096
_KNOWN_CELL_BYTES = 16 * 1024
# Minor versions given a checker of their own; a notebook claiming another is checked whole.
_MINORS = range(0, 32)
# nbformat's choice of validator (nbformat.json_compat), and the one it uses unless told otherwise.
_VALIDATOR_VARIABLE = "NBFORMAT_VALIDATOR"
_FAST = "fastjsonschema"


def _schema_file(minor: int) -> Path | None:
    """nbformat's schema file for nbformat 4.`minor` (nbformat.v4.nbformat_schema names it so), found
    without importing nbformat; None where nbformat has none (a minor from the future: nbformat
    relaxes its latest schema for it) or where nbformat would not check it with fastjsonschema."""
    if os.environ.get(_VALIDATOR_VARIABLE, _FAST) != _FAST:
        return None
    spec = importlib.util.find_spec("nbformat")
    for location in (spec.submodule_search_locations or ()) if spec else ():
        path = Path(location) / "v4" / f"nbformat.v4.{minor}.schema.json"
        if path.is_file():
            return path
    return None


def generated_check(schema_bytes: bytes) -> str:
    """The module notebook_schema_v4_5.py holds for this schema file: fastjsonschema's code for it (as nbformat's
    FastJsonSchemaValidator compiles it), and what it was made from, so that it is only used for the same."""
    schema = json.loads(schema_bytes)
    return (
        "# Made by `python -m autograder.intake.notebook_schema` from"
        f" nbformat's {SHIPPED_MINOR_FILE}: do not edit.\n"
        "# fastjsonschema's validator of that schema, as nbformat compiles it, with its bytecode made at install:\n"
        "# compiling it (a twentieth of a second) was on the way to the first notebook's run.\n"
        f"SCHEMA_SHA256 = {hashlib.sha256(schema_bytes).hexdigest()!r}\n" + fastjsonschema.compile_to_code(schema)
    )


SHIPPED_MINOR = 5
SHIPPED_MINOR_FILE = f"nbformat.v4.{SHIPPED_MINOR}.schema.json"
SHIPPED_MODULE = Path(__file__).with_name(f"notebook_schema_v4_{SHIPPED_MINOR}.py")


def _shipped_check(minor: int, schema_bytes: bytes) -> Callable[[Any], Any] | None:
    """The validator shipped for this schema, if it was made from these very bytes by this fastjsonschema."""
    if minor != SHIPPED_MINOR:
        return None
    try:
        from autograder.intake import notebook_schema_v4_5 as shipped
    except ImportError:  # made by a fastjsonschema with names this one lacks
        return None
    if shipped.SCHEMA_SHA256 != hashlib.sha256(schema_bytes).hexdigest() or shipped.VERSION != fastjsonschema.VERSION:
        return None
    return shipped.validate  # type: ignore[no-any-return,unused-ignore]


def _whole_schema(minor: int) -> tuple[dict[str, Any], Callable[[Any], bool]] | None:
    """The schema nbformat checks a notebook of 4.`minor` against, and a check of a notebook against it
    (True: no error), as nbformat's validator would give them; None where nbformat's are not fastjsonschema's."""
    path = _schema_file(minor)
    if path is not None:
        schema_bytes = path.read_bytes()
        schema = json.loads(schema_bytes)
        # As nbformat's FastJsonSchemaValidator compiles it; made ahead for nbformat's current schema.
        compiled = _shipped_check(minor, schema_bytes) or fastjsonschema.compile(schema)

        def check(data: Any) -> bool:
            try:
                compiled(data)
            except fastjsonschema.JsonSchemaException:
                return False
            return True

        return schema, check
    from nbformat.validator import get_validator

    validator = get_validator(4, minor)
    if validator is None:
        return None
    schema = getattr(validator, "_schema", None)
    if getattr(validator, "name", None) != _FAST or not isinstance(schema, dict):
        schema = {}  # not cut by cell: checked whole
    return schema, lambda data: _no_errors(validator, data)


class _Checker:
    """The schema of one nbformat 4.x, as nbformat's validator for it has it, cut into the notebook and its cells."""

    def __init__(self, minor: int):
        found = _whole_schema(minor)
        schema: dict[str, Any] = found[0] if found is not None else {}
        self._whole: Callable[[Any], bool] | None = found[1] if found is not None else None
        cells = schema.get("properties", {}).get("cells")
        self._cell_schema: dict[str, Any] | None = None
        if isinstance(cells, dict) and {key: value for key, value in cells.items() if key != "description"} == _CELLS:
            self._cell_schema = {
                "$schema": schema.get("$schema"),
                "$ref": "#/definitions/cell",
                "definitions": schema["definitions"],
            }
        self._cell: Any = None
        self._notebooks = 0
        self._lock = threading.Lock()
        self._known: dict[bytes, None] = {}

    @property
    def cut_by_cell(self) -> bool:
        """Whether this schema is checked cell by cell from the second notebook on."""
        return self._cell_schema is not None

    def _cell_checker(self) -> Any:
        # The first notebook is checked whole, as nbformat checks it: compiling the schema's `cell` takes
        # as long as compiling the whole (a tenth of a second), which only a second notebook pays back.
        with self._lock:
            self._notebooks += 1
            if self._cell is None and self._cell_schema is not None and self._notebooks > 1:
                self._cell = fastjsonschema.compile(self._cell_schema)
            return self._cell

    def passes(self, data: dict[str, Any]) -> bool:
        if self._whole is None:
            return False
        cells = data.get("cells")
        if type(cells) is not list:
            return self._whole(data)
        check = self._cell_checker()
        if check is None:
            return self._whole(data)
        if not self._whole({**data, "cells": []}):
            return False
        return all(self._cell_passes(cell, check) for cell in cells)

    def _cell_passes(self, cell: Any, check: Any) -> bool:
        try:
            key = marshal.dumps(cell)  # the same bytes only for the same types, values and order
        except ValueError:
            key = None
        with self._lock:
            if key is not None and key in self._known:
                return True
        try:
            check(cell)
        except fastjsonschema.JsonSchemaException:
            return False
        if key is not None and len(key) <= _KNOWN_CELL_BYTES:
            with self._lock:
                if len(self._known) >= _KNOWN_CELLS:
                    del self._known[next(iter(self._known))]
                self._known[key] = None
        return True


def _no_errors(validator: Any, data: Any) -> bool:
    return next(iter(validator.iter_errors(data)), None) is None


_checkers: dict[int, _Checker] = {}
_checkers_lock = threading.Lock()


def passes_as_is(data: dict[str, Any], minor: int) -> bool:
    """True when the nbformat-4 notebook `data`, as it is, follows the schema of its minor version.
    Any failure of the check itself is a False: the caller then asks nbformat.validate."""
    try:
        if minor not in _MINORS:
            from nbformat.validator import get_validator

            validator = get_validator(4, minor)
            return validator is not None and _no_errors(validator, data)
        with _checkers_lock:
            checker = _checkers.get(minor)
        if checker is None:
            checker = _Checker(minor)
            with _checkers_lock:
                _checkers.setdefault(minor, checker)
        return checker.passes(data)
    except Exception:
        return False


if __name__ == "__main__":
    found = _schema_file(SHIPPED_MINOR)
    if found is None:
        raise SystemExit(f"no {SHIPPED_MINOR_FILE} in the installed nbformat")
    SHIPPED_MODULE.write_text(generated_check(found.read_bytes()), encoding="utf-8")
    print(f"wrote {SHIPPED_MODULE}")
