"""The recorder re-encodes a value only when it may have changed, yet records exactly what encoding
every value after every cell records: the same answers, the same "changed" after each cell (so the
same snapshots), the same "did you mean" hints."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.sandboxed.extraction import Recorder, record_value

NAMES = ["conv_out", "edges", "score"]


class EveryCell:
    """The recorder as it was: every value encoded again after every cell (the reference)."""

    def __init__(self, values: list[str]):
        self.values, self._values = values, {}

    def update(self, namespace: dict[str, Any]) -> bool:
        changed = False
        for name in self.values:
            encoded = record_value(namespace, name)
            changed |= encoded != self._values.get(name)
            self._values[name] = encoded
        return changed


def _in_place(array: np.ndarray, how: int) -> None:
    if how == 0 and array.dtype.kind == "O":
        array.flat[0].append(9)  # its items change, its bytes (pointers) do not
    elif how == 0 and array.size:
        array.flat[0] = array.flat[0] + 1
    elif how == 1:
        array.shape = (array.size,)  # same bytes, another shape
    elif how == 2 and array.dtype == np.float64:
        array.dtype = np.int64  # same bytes, another dtype
    elif how == 3 and array.size and array.dtype.kind == "f":
        array.flat[-1] = np.nan


NEW_VALUES = st.sampled_from(
    [
        lambda: 3,
        lambda: 3.5,
        lambda: float("nan"),
        lambda: np.float64("nan"),
        lambda: np.float32(2.5),
        lambda: "text",
        lambda: None,
        lambda: ...,
        lambda: [1, 2.0, float("nan")],
        lambda: {"a": 1},
        lambda: np.zeros((2, 3)),
        lambda: np.arange(6),
        lambda: np.array([1.0, np.nan]),
        lambda: np.array([[1, 2], [3]], dtype=object),
        lambda: np.zeros((2, 2))[:, 0],
        lambda: print,
    ]
)
# Names close to an answer's, so the "did you mean" hint comes and goes; some never suggested.
NEAR = st.sampled_from(["conv_outt", "conv_ou", "_conv_out", "edge", "edgez", "_edges", "scores", "sc", "print"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("bind"), st.sampled_from(NAMES), NEW_VALUES),
        st.tuples(st.just("delete"), st.sampled_from(NAMES), st.none()),
        st.tuples(st.just("in_place"), st.sampled_from(NAMES), st.integers(0, 3)),
        st.tuples(st.just("near"), NEAR, st.none()),
        st.tuples(st.just("unnear"), NEAR, st.none()),
    ),
    max_size=25,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(STEPS)
def test_the_recorder_records_what_encoding_every_cell_records(steps: list[tuple[str, str, Any]]) -> None:
    namespace: dict[str, Any] = {"np": np}
    quick, reference = Recorder(NAMES, {}, 1.0), EveryCell(NAMES)
    for kind, name, what in steps:
        if kind == "bind":
            namespace[name] = what()
        elif kind in ("delete", "unnear"):
            namespace.pop(name, None)
        elif kind == "in_place" and type(namespace.get(name)) is np.ndarray:
            _in_place(namespace[name], what)
        elif kind == "near":
            namespace[name] = 1
        assert quick.update(namespace) == reference.update(namespace)
        assert repr(quick.answers()["values"]) == repr(reference._values)


def test_an_unchanged_value_is_not_encoded_again(monkeypatch: Any) -> None:
    from autograder.sandboxed import extraction

    namespace: dict[str, Any] = {"conv_out": np.ones((3, 3)), "edges": 7}
    recorder = Recorder(["conv_out", "edges"], {}, 1.0)
    recorder.update(namespace)
    calls: list[str] = []
    monkeypatch.setattr(extraction, "record_value", lambda ns, name: calls.append(name) or record_value(ns, name))
    assert recorder.update(namespace) is False
    namespace["conv_out"][1, 1] = 5
    assert recorder.update(namespace) is True
    assert calls and set(calls) == {"conv_out"}
