"""Whether a notebook's JSON follows nbformat's schema as it is, with the cells a class shares checked once.

nbformat's schema checks each cell on its own (the notebook's `cells` is an array of `cell`, with
no bound across cells), and most cells of a class's notebooks are the template's, byte for byte. So
the notebook is checked without its cells, then each cell against the schema's `cell`, skipping a
cell already seen to pass: the verdict is the whole schema's. Where nbformat's schema is not cut that
way (another nbformat, another validator), the whole notebook is checked as before.
"""

from __future__ import annotations

import marshal
import threading
from typing import Any

import fastjsonschema
from nbformat.validator import get_validator

# The shape of the schema's `cells` this relies on: an array of `cell`, each checked alone.
_CELLS = {"type": "array", "items": {"$ref": "#/definitions/cell"}}
# Cells remembered as passing: enough for a template's cells and a few variants, small in memory.
_KNOWN_CELLS = 4096
_KNOWN_CELL_BYTES = 16 * 1024
# Minor versions given a checker of their own; a notebook claiming another is checked whole.
_MINORS = range(0, 32)


class _Checker:
    """The schema of one nbformat 4.x, as nbformat's validator for it has it, cut into the notebook and its cells."""

    def __init__(self, minor: int):
        self._whole = get_validator(4, minor)
        schema = getattr(self._whole, "_schema", None)
        schema = schema if isinstance(schema, dict) else {}
        cells = schema.get("properties", {}).get("cells")
        self._cell = None
        if (
            getattr(self._whole, "name", None) == "fastjsonschema"
            and isinstance(cells, dict)
            and {key: value for key, value in cells.items() if key != "description"} == _CELLS
        ):
            self._cell = fastjsonschema.compile(
                {"$schema": schema.get("$schema"), "$ref": "#/definitions/cell", "definitions": schema["definitions"]}
            )
        self._lock = threading.Lock()
        self._known: dict[bytes, None] = {}

    def passes(self, data: dict[str, Any]) -> bool:
        if self._whole is None:
            return False
        cells = data.get("cells")
        if self._cell is None or type(cells) is not list:
            return _no_errors(self._whole, data)
        if not _no_errors(self._whole, {**data, "cells": []}):
            return False
        return all(self._cell_passes(cell) for cell in cells)

    def _cell_passes(self, cell: Any) -> bool:
        try:
            key = marshal.dumps(cell)  # the same bytes only for the same types, values and order
        except ValueError:
            key = None
        with self._lock:
            if key is not None and key in self._known:
                return True
        assert self._cell is not None
        try:
            self._cell(cell)
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
