"""Where a check gets a submission's answers: a live namespace, or data recorded from one.

The same checks run on both, so the notebook's `grader.check`, the Otter autograder and the
bulk grader give the same verdict for the same answers.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import codec
from .core import CheckFailed, Probe
from .environment import (
    INFRASTRUCTURE_NAMES,
    MASTER_BUILD_VARIABLE,
    WhereSet,
    globals_reached,
    graded_fallbacks,
    refusal_message,
    refused_imports,
    refused_value,
    refusing_imports,
    where_set_when_graded,
)
from .given import NEVER_SUGGESTED
from .plain import NotPlainData, to_plain, type_name


def missing_message(name: str, defined: Iterable[str] = ()) -> str:
    candidates = [n for n in defined if not n.startswith("_") and n not in NEVER_SUGGESTED]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    hint = f" You defined `{close[0]}`: rename it to `{name}`." if close else ""
    return (
        f"`{name}` is not defined. Run the cell that defines it, and keep the name exactly "
        f"`{name}`: the grader looks answers up by name.{hint}"
    )


def unfilled_message(name: str) -> str:
    return f"`{name}` is still `...`: replace the `...` with your answer."


def _answer(namespace: Mapping[str, Any], name: str) -> Any:
    """Whatever the notebook bound to `name`, unless it is missing or still the template's `...`."""
    if name not in namespace:
        raise CheckFailed(missing_message(name, namespace))
    if namespace[name] is Ellipsis:
        raise CheckFailed(unfilled_message(name))
    return namespace[name]


def take_value(namespace: Mapping[str, Any], name: str) -> Any:
    """The plain value of `name` in a namespace, or CheckFailed saying why not."""
    value = _answer(namespace, name)
    if callable(value) and not isinstance(value, np.ndarray):
        raise CheckFailed(f"`{name}` is a function; this question wants its value. Did you mean to call it?")
    try:
        return to_plain(value)
    except NotPlainData as exc:
        raise CheckFailed(
            f"`{name}{exc.where}` is {exc.what}; expected numbers, strings, lists, dicts or numpy arrays of numbers."
        ) from None


def take_function(namespace: Mapping[str, Any], name: str) -> Any:
    """The student's function `name`, or CheckFailed saying why not."""
    function = _answer(namespace, name)
    if not callable(function):
        raise CheckFailed(f"`{name}` should be a function (def {name}(...):), not a value.")
    return function


def _said(error: BaseException) -> str:
    """An exception's message; its __str__ is the student's, and may raise in turn."""
    try:
        return str(error)
    except Exception:
        return "(a message that could not be shown)"


def call_on_probe(function: Any, name: str, probe: Probe) -> Any:
    """Call a student's function on a fresh copy of the probe; its plain output or CheckFailed."""
    args = copy.deepcopy(probe.args)
    kwargs = copy.deepcopy(probe.kwargs)
    if probe.positional and _takes_by_position(function, (*args, *(kwargs[name] for name in probe.positional))):
        args = (*args, *(kwargs.pop(name) for name in probe.positional))
    try:
        output = function(*args, **kwargs)
    except CheckFailed:
        raise
    except Exception as exc:
        raise CheckFailed(f"`{name}` raised {type_name(type(exc))}: {_said(exc)} — on {probe.description}.") from None
    if output is None:
        raise CheckFailed(f"`{name}` returned None on {probe.description}: did you forget `return`?")
    try:
        return to_plain(output)
    except NotPlainData as exc:
        raise CheckFailed(
            f"`{name}` returned {exc} on {probe.description}; expected a number or a numpy array."
        ) from None


def _takes_by_position(function: Any, args: tuple[Any, ...]) -> bool:
    """Whether `function` takes ARGS by position into parameters of their own: the wrapper a decorator made (its own
    signature) and the function it wraps (`functools.wraps`) alike, and not into a `*args`. True where there is no
    signature to read (a builtin)."""
    for wrapped in (False, True):
        try:
            signature = inspect.signature(function, follow_wrapped=wrapped)
        except Exception:  # no signature (a C function), or one the student's object fails to give
            continue
        try:
            bound = signature.bind(*args)
        except TypeError:
            return False
        rest = [p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.VAR_POSITIONAL]
        if wrapped and rest and bound.arguments.get(rest[0]):
            return False  # `def conv2d(x, k, *args, stride=1, padding=0)`: by position they would land in args
    return True


# How many names an answer's needs are followed through: a notebook's whole namespace, at most.
_MAX_NEEDED = 1_000


class LiveAnswers:
    """Answers read straight from a notebook's namespace (grader.check, the Otter autograder).

    With `course_rule`, an answer that uses a package the course does not allow fails with the
    rule's message: in the student's own Jupyter nothing else enforces it, and a check that passed
    there would otherwise turn into a silent 0 when graded, where the import is refused."""

    def __init__(self, namespace: Mapping[str, Any], course_rule: bool = False):
        self._namespace = namespace
        self._rule = course_rule
        # What the history says of each name, read once: one check follows the same names for several probes.
        self._where_set: dict[str, WhereSet] = {}
        self._fallbacks: dict[str, dict[str, Any]] = {}

    def _graded_fallbacks(self, name: str) -> dict[str, Any]:
        """The globals `name` reaches that are bound from a refused package with a fallback, as grading binds them."""
        if name not in self._fallbacks:
            reached = [found for found in globals_reached(self._namespace, name) if found in self._namespace]
            refused = [found for found in reached if refused_value(self._namespace[found])]
            self._fallbacks[name] = graded_fallbacks(self._namespace, refused) if refused else {}
        return self._fallbacks[name]

    def _keeps_rule(self, name: str, inside_functions: bool = True) -> None:
        # Only what this answer reaches: an unrelated cell's import costs other questions nothing,
        # as when graded, where only the code that needs the import fails.
        if self._rule and name in self._namespace:
            fallbacks = self._graded_fallbacks(name)
            seen = {**self._namespace, **fallbacks} if fallbacks else self._namespace
            refused = refused_imports(seen, [name], inside_functions=inside_functions)
            refused = [module for module in refused if module not in _exempt()]
            if refused:
                raise CheckFailed(refusal_message(refused[0]))

    def _needed_set_when_graded(self, answer: str) -> None:
        """Fails where `answer`, or what it needs (the names its cell reads before setting it, the globals a function
        reads; transitively), is set only in cells that grading stops at a refused import."""
        seen: set[str] = set()
        pending = [answer]
        while pending and len(seen) < _MAX_NEEDED:
            name = pending.pop()
            if name in seen or name not in self._namespace or name.startswith("_") or name in INFRASTRUCTURE_NAMES:
                continue
            seen.add(name)
            if name not in self._where_set:
                self._where_set[name] = where_set_when_graded(self._namespace, name)
            where = self._where_set[name]
            subject = f"`{name}`" if name == answer else f"`{answer}` needs `{name}`, which"
            if where.refused is not None and where.refused not in _exempt():
                raise CheckFailed(
                    f"{subject} is set in a cell that needs `{where.refused}`. {refusal_message(where.refused)} When "
                    f"graded, that cell stops where it uses `{where.refused}`, and `{name}` is never set."
                )
            if where.from_run:
                raise CheckFailed(
                    f"{subject} is set by no cell of this notebook: it comes from a script `%run` ran. A graded "
                    f"notebook runs only its own cells, so `{name}` is never set: paste that code into a cell."
                )
            pending.extend(where.read_first)
            pending.extend(globals_reached(self._namespace, name))

    def value(self, name: str) -> Any:
        self._keeps_rule(name)
        if self._rule:
            self._needed_set_when_graded(name)
        return take_value(self._namespace, name)

    def call(self, name: str, probe: Probe) -> Any:
        # The imports a function makes as it runs are refused as it runs, as when graded: a fallback it has for a
        # missing package (`except ImportError`) is then what both see.
        self._keeps_rule(name, inside_functions=False)
        if self._rule:
            self._needed_set_when_graded(name)
        function = take_function(self._namespace, name)
        if not self._rule:
            return call_on_probe(function, name, probe)
        with refusing_imports(self._namespace, _exempt()), _standing_in(self._namespace, self._graded_fallbacks(name)):
            return call_on_probe(function, name, probe)


@contextmanager
def _standing_in(namespace: Mapping[str, Any], fallbacks: Mapping[str, Any]) -> Iterator[None]:
    """While a function runs on a probe: the globals it reads that grading binds to their fallback, bound so."""
    if not fallbacks or not isinstance(namespace, dict):
        yield
        return
    originals = {name: namespace[name] for name in fallbacks if name in namespace}
    namespace.update(fallbacks)
    try:
        yield
    finally:
        for name, original in originals.items():
            if namespace.get(name) is fallbacks[name]:  # unless the function itself bound it anew
                namespace[name] = original


def _exempt() -> list[str]:
    return os.environ.get(MASTER_BUILD_VARIABLE, "").split(",")


class RecordedAnswers:
    """Answers recorded as JSON by the process that ran the notebook (phase 2 of grading).

    Everything is decoded and checked against the schema up front, so a malformed record is
    refused as a whole before any check runs.
    """

    def __init__(self, values: Mapping[str, Any], calls: Mapping[str, Mapping[str, Any]]):
        self._values = {name: _Recorded.from_json(encoded) for name, encoded in _mapping(values).items()}
        self._calls = {
            name: {probe: _Recorded.from_json(encoded) for probe, encoded in _mapping(outputs).items()}
            for name, outputs in _mapping(calls).items()
        }

    def value(self, name: str) -> Any:
        recorded = self._values.get(name)
        if recorded is None:
            raise CheckFailed(missing_message(name))
        return recorded.replay()

    def call(self, name: str, probe: Probe) -> Any:
        outputs = self._calls.get(name)
        if outputs is None:
            raise CheckFailed(missing_message(name))
        recorded = outputs.get(probe.id)
        if recorded is None:
            raise CheckFailed(f"`{name}` was not run on {probe.description}.")
        return recorded.replay()


def _mapping(data: Any) -> Mapping[str, Any]:
    if type(data) is not dict or not all(type(key) is str for key in data):
        raise codec.MalformedData("expected an object with string keys")
    return data


class _Recorded:
    """One recorded answer: plain data, or the message of why there is none."""

    def __init__(self, value: Any, failure: str | None):
        self._value, self._failure = value, failure

    @classmethod
    def from_json(cls, encoded: Any) -> _Recorded:
        message = codec.error_message(encoded)
        if message is not None:
            return cls(None, message)
        return cls(codec.decode(encoded), None)

    def replay(self) -> Any:
        if self._failure is not None:
            raise CheckFailed(self._failure)
        return self._value
