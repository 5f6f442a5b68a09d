"""Record a notebook's answers as JSON-able data: values by name, functions by their probe outputs."""

from __future__ import annotations

import difflib
import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..checks import codec
from ..checks.answers import call_on_probe, missing_message, take_function, take_value
from ..checks.core import CheckFailed, Probe
from ..checks.environment import globals_reached
from ..checks.plain import type_name


class ProbeTimeout(BaseException):
    """A student's function ran past its time on one probe. BaseException, so `except Exception`
    in the student's code cannot swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise ProbeTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def probe_from_json(data: dict[str, Any]) -> Probe:
    return Probe(
        data["id"],
        tuple(codec.decode(arg) for arg in data["args"]),
        {key: codec.decode(value) for key, value in data["kwargs"].items()},
        data["description"],
        tuple(data["positional"]),
    )


def probe_to_json(probe: Probe) -> dict[str, Any]:
    return {
        "id": probe.id,
        "args": [codec.encode(arg) for arg in probe.args],
        "kwargs": {key: codec.encode(value) for key, value in probe.kwargs.items()},
        "description": probe.description,
        "positional": list(probe.positional),
    }


def record_value(namespace: dict[str, Any], name: str) -> Any:
    try:
        return codec.encode(take_value(namespace, name))
    except CheckFailed as failure:
        return codec.error(str(failure))
    except MemoryError:
        raise  # the notebook's memory is spent: it ends as a `memory` row (child.py)
    except BaseException as error:  # a class passing for pandas', whose methods are the student's
        return codec.error(f"`{name}` could not be read: reading it raised {type_name(type(error))}.")


def record_call(function: Any, name: str, probe: Probe, seconds: float) -> Any:
    try:
        with time_limit(seconds):
            return codec.encode(call_on_probe(function, name, probe))
    except CheckFailed as failure:
        return codec.error(str(failure))
    except ProbeTimeout:
        return codec.error(
            f"`{name}` did not return within {seconds:g} s on {probe.description}: look for a loop that never ends."
        )
    except RecursionError:
        return codec.error(f"`{name}` recursed without end on {probe.description}.")
    except MemoryError:
        raise  # the notebook's memory is spent: it ends as a `memory` row (child.py)
    except BaseException as stopped:
        # sys.exit(), KeyboardInterrupt or a student's own BaseException, raised on one probe: that probe's failure.
        # Let through, it would end the notebook there, and every answer after the last snapshot would be lost.
        return codec.error(
            f"`{name}` raised {type_name(type(stopped))} on {probe.description}: a function hands back its answer "
            "with `return`; it does not end the program."
        )


# Values whose encoding cannot change while the name holds the same object: immutable built-ins and
# numpy's own scalars (exact types: a subclass is the student's and may do anything).
_IMMUTABLE = frozenset(
    {type(None), bool, int, float, str, type(Ellipsis)}
    | {t for t in np.sctypeDict.values() if issubclass(t, (np.number, np.bool_, np.str_, np.bytes_))}
)
# The values whose two encodings may differ from each other (a NaN is unequal to itself).
_MAY_HOLD_NAN = _IMMUTABLE | {np.ndarray}
_MISSING = object()
# Below missing_message's "did you mean" cutoff: a name scoring less is never its hint.
_HINT_FLOOR = 0.5


class _Held:
    """What a value was when last encoded: the object itself (held, so its id is never reused) and,
    for an array, its dtype, shape and bytes. Nothing here calls a method the student could define."""

    def __init__(self, value: Any):
        self.value = value
        self.array = _array_state(value) if type(value) is np.ndarray else None

    def same(self, value: Any) -> bool:
        if value is not self.value:
            return False
        if type(value) in _IMMUTABLE:
            return True
        return self.array is not None and _array_state(value) == self.array


def _array_state(array: np.ndarray) -> tuple[Any, ...] | None:
    # Numbers only: an object array's items can change without its bytes changing.
    if array.dtype.kind not in "biuf" or array.size > 1_000_000:
        return None
    return (array.dtype.str, array.shape, array.tobytes())


class _Hints:
    """missing_message, comparing each name the notebook defines with a missing answer's name once
    per run rather than after every cell. The same message: only names that cannot be the hint are
    left out of what missing_message compares."""

    def __init__(self) -> None:
        self._scored: dict[str, set[str]] = {}  # per missing name: the names already compared with it
        self._close: dict[str, list[str]] = {}  # per missing name: those that may be its hint
        self._messages: dict[tuple[str, tuple[str, ...]], str] = {}
        self._matchers: dict[str, difflib.SequenceMatcher[str]] = {}

    def message(self, name: str, namespace: dict[str, Any]) -> str:
        scored = self._scored.setdefault(name, set())
        new = namespace.keys() - scored
        if not all(type(key) is str for key in new):
            return missing_message(name, list(namespace))  # as it always did, whatever that does
        close = self._close.setdefault(name, [])
        for key in new:
            scored.add(key)
            # missing_message never suggests a name with a leading underscore (IPython's own `_i3`, ...).
            if not key.startswith("_") and self._may_be_hint(name, key):
                close.append(key)
        present = tuple(key for key in close if key in namespace)
        message = self._messages.get((name, present))
        if message is None:
            message = self._messages[(name, present)] = missing_message(name, present)
        return message

    def _may_be_hint(self, name: str, key: str) -> bool:
        # As difflib.get_close_matches scores a candidate against the word, cheapest bounds first.
        score = self._matchers.get(name)
        if score is None:
            score = self._matchers[name] = difflib.SequenceMatcher()
            score.set_seq2(name)
        score.set_seq1(key)
        return (
            score.real_quick_ratio() >= _HINT_FLOOR
            and score.quick_ratio() >= _HINT_FLOOR
            and score.ratio() >= _HINT_FLOOR
        )


def _helpers_read(namespace: dict[str, Any], name: str) -> dict[str, Any]:
    """What makes the function `name` run on its probes again after a cell when bound anew: itself, and the helpers
    it reads (functions, classes, modules; transitively) or names it reads that are not bound (yet: a helper defined in
    a later cell counts even when a time-out ends the notebook before the last re-run). Taken after it ran, and not
    its data: a global it updates as it runs (a counter) must not make it run again after every cell."""
    read = {name: namespace.get(name, _MISSING)}
    for reached in globals_reached(namespace, name, unbound=True):
        value = namespace.get(reached, _MISSING)
        if value is _MISSING or issubclass(type(value), _HELPER_TYPES):  # type(): nothing of the student's is run
            read[reached] = value
    return read


_HELPER_TYPES = (types.FunctionType, types.ModuleType, type)


class Recorder:
    """The answers so far. A value is re-encoded after a cell only when it may have changed (a new
    binding, or an array whose bytes changed); after a cell, a function is re-run on its probes only
    when its name, a helper it reads (a function, class or module, transitively) or a name it reads
    that was unbound is bound anew, and once more at the end (see update, _helpers_read)."""

    def __init__(self, values: list[str], probes: dict[str, list[Probe]], probe_seconds: float):
        self.values, self.probes, self.probe_seconds = values, probes, probe_seconds
        self._values: dict[str, Any] = {}
        self._held: dict[str, _Held] = {}
        # An encoding unequal to itself (a NaN in it) counted as changed after every cell; it still does.
        self._self_unequal: dict[str, bool] = {}
        self._hints = _Hints()
        self._calls: dict[str, dict[str, Any]] = {}
        # What each function's outputs were recorded with (_helpers_read: the function, its helpers, the names it read
        # unbound as _MISSING), held, so that no new object can take an id and pass for the one it replaced.
        self._called: dict[str, dict[str, Any]] = {}

    def _value_changed(self, namespace: dict[str, Any], name: str) -> bool:
        value = namespace.get(name, _MISSING)
        held = self._held.get(name)
        if held is not None and held.same(value):
            return self._self_unequal[name]
        if value is _MISSING:
            encoded: Any = codec.error(self._hints.message(name, namespace))
            self._self_unequal[name] = False
        else:
            encoded = record_value(namespace, name)
            # Two encodings of one value are compared as the last cell's and this cell's would be.
            self._self_unequal[name] = type(value) in _MAY_HOLD_NAN and (record_value(namespace, name) != encoded)
        changed = encoded != self._values.get(name)
        self._values[name] = encoded
        self._held[name] = _Held(value)
        return changed

    def update(self, namespace: dict[str, Any], everything: bool = False) -> bool:
        """Record what changed; True when the answers differ from the last record.

        With `everything` (after the last cell), every function is run on its probes again, bound anew
        or not: what it reaches may have changed since (a helper defined in a later cell, a dict it reads
        filled in, a decorator's wrapped function), and it is graded as the notebook leaves it."""
        changed = False
        for name in self.values:
            changed |= self._value_changed(namespace, name)
        for name, probes in self.probes.items():
            read = self._called.get(name)
            if not everything and read is not None and all(namespace.get(g, _MISSING) is v for g, v in read.items()):
                continue
            try:
                function = take_function(namespace, name)
                outputs = {probe.id: record_call(function, name, probe, self.probe_seconds) for probe in probes}
            except CheckFailed as failure:
                outputs = {probe.id: codec.error(str(failure)) for probe in probes}
            self._called[name] = _helpers_read(namespace, name)
            changed |= outputs != self._calls.get(name)
            self._calls[name] = outputs
        return changed

    def answers(self) -> dict[str, Any]:
        return {"values": dict(self._values), "calls": {name: dict(o) for name, o in self._calls.items()}}
