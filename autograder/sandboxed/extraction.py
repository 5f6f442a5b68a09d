"""Record a notebook's answers as JSON-able data: values by name, functions by their probe outputs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..checks import codec
from ..checks.answers import call_on_probe, take_function, take_value
from ..checks.core import CheckFailed, Probe


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
    )


def probe_to_json(probe: Probe) -> dict[str, Any]:
    return {
        "id": probe.id,
        "args": [codec.encode(arg) for arg in probe.args],
        "kwargs": {key: codec.encode(value) for key, value in probe.kwargs.items()},
        "description": probe.description,
    }


def record_value(namespace: dict[str, Any], name: str) -> Any:
    try:
        return codec.encode(take_value(namespace, name))
    except CheckFailed as failure:
        return codec.error(str(failure))


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


def global_bindings(function: Any, namespace: dict[str, Any]) -> int:
    """A fingerprint of the globals a function can reach (its names, its helpers' names, ...):
    it changes when any of them is bound anew, so only then is the function worth re-running."""
    seen: set[str] = set()
    pending = [function]
    while pending:
        code = getattr(pending.pop(), "__code__", None)
        if code is None:
            return hash(tuple(sorted((key, id(value)) for key, value in namespace.items())))
        codes = [code]
        while codes:
            current = codes.pop()
            codes.extend(const for const in current.co_consts if hasattr(const, "co_names"))
            for name in current.co_names:
                if name in namespace and name not in seen:
                    seen.add(name)
                    if callable(namespace[name]) and hasattr(namespace[name], "__code__"):
                        pending.append(namespace[name])
    return hash(tuple(sorted((name, id(namespace[name])) for name in seen)))


class Recorder:
    """The answers so far. Values are re-read after every cell (cheap, and a cell may fill an
    array in place); a function is re-run on its probes only when its name is bound anew."""

    def __init__(self, values: list[str], probes: dict[str, list[Probe]], probe_seconds: float):
        self.values, self.probes, self.probe_seconds = values, probes, probe_seconds
        self._values: dict[str, Any] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        self._seen: dict[str, int] = {}
        self._globals_when_called: dict[str, int] = {}

    def update(self, namespace: dict[str, Any], everything: bool = False) -> bool:
        """Record what changed; True when the answers differ from the last record.

        With `everything`, a function is also re-run when any global it could use was bound anew
        since its last run (a helper defined in a later cell)."""
        changed = False
        for name in self.values:
            encoded = record_value(namespace, name)
            changed |= encoded != self._values.get(name)
            self._values[name] = encoded
        for name, probes in self.probes.items():
            identity = id(namespace.get(name))
            fresh = self._seen.get(name) == identity and name in self._calls
            bindings = global_bindings(namespace.get(name), namespace) if everything or not fresh else 0
            if fresh and (not everything or self._globals_when_called.get(name) == bindings):
                continue
            self._seen[name] = identity
            self._globals_when_called[name] = bindings
            try:
                function = take_function(namespace, name)
                outputs = {probe.id: record_call(function, name, probe, self.probe_seconds) for probe in probes}
            except CheckFailed as failure:
                outputs = {probe.id: codec.error(str(failure)) for probe in probes}
            changed |= outputs != self._calls.get(name)
            self._calls[name] = outputs
        return changed

    def answers(self) -> dict[str, Any]:
        return {"values": dict(self._values), "calls": {name: dict(o) for name, o in self._calls.items()}}
