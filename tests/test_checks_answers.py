"""autograder.checks.answers: live and recorded answers, and the feedback when one cannot be taken."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograder.checks import codec
from autograder.checks.answers import LiveAnswers, RecordedAnswers
from autograder.checks.core import CheckFailed, Probe
from autograder.checks.given import NEVER_SUGGESTED
from autograder.checks.plain import to_plain

PROBE = Probe(
    "conv2d.test-probe",
    (np.arange(12.0).reshape(3, 4), np.ones((2, 2))),
    {"stride": 1, "sizes": [1, 2]},
    "a 3x4 image, a 2x2 kernel and stride=1",
)
OTHER_PROBE = Probe("conv2d.other-probe", (), {}, "no arguments at all")


def _message(action: Callable[[], Any]) -> str:
    with pytest.raises(CheckFailed) as info:
        action()
    return str(info.value)


def _valid_conv(x: np.ndarray, k: np.ndarray, stride: int = 1, sizes: Any = None) -> np.ndarray:
    """Any function of the probe will do: the answers module never judges the output."""
    return x[: x.shape[0] - k.shape[0] + 1, : x.shape[1] - k.shape[1] + 1] * stride


STUDENT_ERROR = ValueError("the kernel does not fit")


def _raises(x: np.ndarray, k: np.ndarray, stride: int = 1, sizes: Any = None) -> np.ndarray:
    raise STUDENT_ERROR


def _forgets_return(x: np.ndarray, k: np.ndarray, stride: int = 1, sizes: Any = None) -> None:
    result = x * k.sum()  # noqa: F841 - the mistake under test


def _returns_a_generator(x: np.ndarray, k: np.ndarray, stride: int = 1, sizes: Any = None) -> Any:
    return (row for row in x)


# --- LiveAnswers.value ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("defined", "suggested"),
    [
        pytest.param({"vertical_edge": 1}, "vertical_edge", id="missing-s"),
        pytest.param({"Vertical_edges": 1}, "Vertical_edges", id="capital"),
        pytest.param({"verticaledges": 1, "image": 1}, "verticaledges", id="no-underscore"),
        pytest.param({"image": 1, "vertical": 1}, None, id="nothing-close"),
        pytest.param({"_vertical_edge": 1}, None, id="private-names-never-suggested"),
        pytest.param({}, None, id="empty-namespace"),
    ],
)
def test_value_of_a_missing_name_names_it_and_suggests_a_close_one(
    defined: dict[str, Any], suggested: str | None
) -> None:
    message = _message(lambda: LiveAnswers(defined).value("vertical_edges"))
    assert "`vertical_edges` is not defined" in message
    if suggested is None:
        assert "You defined" not in message
    else:
        assert f"You defined `{suggested}`: rename it to `vertical_edges`" in message


@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(..., "is still `...`", id="ellipsis"),
        pytest.param(_valid_conv, "is a function", id="function"),
        pytest.param(print, "is a function", id="builtin"),
        pytest.param({1, 2}, "is an object of type set", id="set"),
        pytest.param((n for n in range(3)), "is an object of type generator", id="generator"),
    ],
)
def test_value_explains_why_it_cannot_be_taken(value: Any, said: str) -> None:
    message = _message(lambda: LiveAnswers({"strided_edges": value}).value("strided_edges"))
    assert f"`strided_edges` {said}" in message


def test_value_names_the_part_it_cannot_take() -> None:
    from decimal import Decimal

    message = _message(lambda: LiveAnswers({"strided_edges": [[1, 2], [3, Decimal(4)]]}).value("strided_edges"))
    assert "`strided_edges[1][1]` is an object of type Decimal" in message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(np.int64(4), id="numpy-int"),
        pytest.param(((28, 28, 8), 6272), id="tuples"),
        pytest.param(np.arange(4.0), id="array"),
    ],
)
def test_value_returns_the_plain_form(value: Any) -> None:
    got = LiveAnswers({"answer": value}).value("answer")
    want = to_plain(value)
    assert type(got) is type(want)
    np.testing.assert_equal(got, want)


# --- LiveAnswers.call -------------------------------------------------------------------------


def test_call_returns_the_plain_output_of_the_function() -> None:
    got = LiveAnswers({"conv2d": _valid_conv}).call("conv2d", PROBE)
    np.testing.assert_array_equal(got, _valid_conv(*PROBE.args, **PROBE.kwargs))


def test_call_reports_the_exception_and_the_probe() -> None:
    message = _message(lambda: LiveAnswers({"conv2d": _raises}).call("conv2d", PROBE))
    assert f"`conv2d` raised {type(STUDENT_ERROR).__name__}: {STUDENT_ERROR}" in message
    assert PROBE.description in message


def test_call_on_a_function_that_returns_none_mentions_return() -> None:
    message = _message(lambda: LiveAnswers({"conv2d": _forgets_return}).call("conv2d", PROBE))
    assert "`conv2d` returned None" in message
    assert "`return`" in message
    assert PROBE.description in message


def test_call_on_a_function_that_returns_non_plain_data_names_it() -> None:
    message = _message(lambda: LiveAnswers({"conv2d": _returns_a_generator}).call("conv2d", PROBE))
    assert "`conv2d` returned an object of type generator" in message
    assert PROBE.description in message


def test_a_function_that_mutates_its_input_does_not_change_the_probe() -> None:
    image_before, kernel_before = (array.copy() for array in PROBE.args)
    sizes_before = list(PROBE.kwargs["sizes"])

    def vandal(x: np.ndarray, k: np.ndarray, stride: int = 1, sizes: Any = None) -> np.ndarray:
        x[...] = -1
        k *= 0
        sizes.append(99)
        return x

    got = LiveAnswers({"conv2d": vandal}).call("conv2d", PROBE)
    assert (got == -1).all()  # the function did mutate: its own copy
    np.testing.assert_array_equal(PROBE.args[0], image_before)
    np.testing.assert_array_equal(PROBE.args[1], kernel_before)
    assert PROBE.kwargs["sizes"] == sizes_before


@pytest.mark.parametrize(
    ("namespace", "said"),
    [
        pytest.param({"conv2d": np.zeros((2, 2))}, "`conv2d` should be a function", id="an-array"),
        pytest.param({"conv2d": 3}, "`conv2d` should be a function", id="an-int"),
        pytest.param({"conv2d": ...}, "`conv2d` is still `...`", id="ellipsis"),
        pytest.param({"conv_2d": _valid_conv}, "You defined `conv_2d`", id="missing-with-suggestion"),
    ],
)
def test_call_explains_why_there_is_no_function(namespace: dict[str, Any], said: str) -> None:
    assert said in _message(lambda: LiveAnswers(namespace).call("conv2d", PROBE))


# --- RecordedAnswers --------------------------------------------------------------------------


def test_recorded_values_and_outputs_are_replayed() -> None:
    table = {"Input": ((32, 32, 3), 3072, 0)}
    output = _valid_conv(*PROBE.args, **PROBE.kwargs)
    recorded = RecordedAnswers(
        {"lenet_table": codec.encode(to_plain(table))}, {"conv2d": {PROBE.id: codec.encode(to_plain(output))}}
    )
    assert recorded.value("lenet_table") == to_plain(table)
    np.testing.assert_array_equal(recorded.call("conv2d", PROBE), output)


def test_recorded_errors_are_raised_with_their_message() -> None:
    value_error, call_error = "`hw2_rounding` is still `...`", "`conv2d` raised IndexError: out of range"
    recorded = RecordedAnswers(
        {"hw2_rounding": codec.error(value_error)}, {"conv2d": {PROBE.id: codec.error(call_error)}}
    )
    assert _message(lambda: recorded.value("hw2_rounding")) == value_error
    assert _message(lambda: recorded.call("conv2d", PROBE)) == call_error


@pytest.mark.parametrize(
    ("ask", "said"),
    [
        pytest.param(lambda answers: answers.value("sobel_edges"), "`sobel_edges` is not defined", id="missing-value"),
        pytest.param(
            lambda answers: answers.call("pool_forward", PROBE), "`pool_forward` is not defined", id="missing-function"
        ),
        pytest.param(
            lambda answers: answers.call("conv2d", OTHER_PROBE),
            f"`conv2d` was not run on {OTHER_PROBE.description}",
            id="missing-probe",
        ),
    ],
)
def test_recorded_answers_report_what_is_missing(ask: Callable[[RecordedAnswers], Any], said: str) -> None:
    recorded = RecordedAnswers({}, {"conv2d": {PROBE.id: codec.encode(1)}})
    assert said in _message(lambda: ask(recorded))


NAMESPACE = {
    "grid": np.eye(3),
    "shape": (28, 28, 8),
    "unfilled": ...,
    "function": _valid_conv,
    "a_set": {1},
    "conv2d": _valid_conv,
    "broken": _raises,
    "silent": _forgets_return,
}


def _record(live: LiveAnswers, take: Callable[[LiveAnswers], Any]) -> Any:
    """What the grading child writes: the encoded answer, or the error in its place."""
    try:
        return codec.encode(take(live))
    except CheckFailed as exc:
        return codec.error(str(exc))


def _verdict(take: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", take()
    except CheckFailed as exc:
        return "failed", str(exc)


@pytest.mark.parametrize("name", ["grid", "shape", "unfilled", "function", "a_set", "grdi"])
def test_recorded_values_give_the_live_verdict(name: str) -> None:
    live = LiveAnswers(NAMESPACE)
    recorded = RecordedAnswers({name: _record(live, lambda answers: answers.value(name))}, {})
    got_kind, got = _verdict(lambda: recorded.value(name))
    want_kind, want = _verdict(lambda: live.value(name))
    assert got_kind == want_kind
    np.testing.assert_equal(got, want)


@pytest.mark.parametrize("name", ["conv2d", "broken", "silent", "grid"])
def test_recorded_calls_give_the_live_verdict(name: str) -> None:
    live = LiveAnswers(NAMESPACE)
    recorded = RecordedAnswers({}, {name: {PROBE.id: _record(live, lambda answers: answers.call(name, PROBE))}})
    got_kind, got = _verdict(lambda: recorded.call(name, PROBE))
    want_kind, want = _verdict(lambda: live.call(name, PROBE))
    assert got_kind == want_kind
    np.testing.assert_equal(got, want)


@pytest.mark.parametrize("given", sorted(NEVER_SUGGESTED))
def test_a_missing_answer_is_never_told_to_rename_a_name_the_notebook_gives(given: str) -> None:
    answer = f"{given}_edges"
    with pytest.raises(CheckFailed) as failure:
        LiveAnswers({given: np.ones((3, 3))}).value(answer)
    assert "rename" not in str(failure.value) and f"`{given}`" not in str(failure.value)


def test_a_misspelt_answer_is_told_its_right_name() -> None:
    with pytest.raises(CheckFailed, match="You defined `horizontal_edgse`: rename it to `horizontal_edges`"):
        LiveAnswers({"horizontal": np.ones((3, 3)), "horizontal_edgse": np.ones((4, 4))}).value("horizontal_edges")


# --- options passed by position where the signature takes them so -----------------------------------------------


def _options(x, stride=1, padding=0):
    return [x, stride, padding]


def _swapped(x, padding=0, stride=1):
    return [x, stride, padding]


def _keyword_only(x, *, stride=1, padding=0):
    return [x, stride, padding]


def _options_dict(x, **options):
    return [x, options["stride"], options["padding"]]


def _any_arguments(*args, **kwargs):
    return [args[0], *args[1:], *kwargs.values()]


class _Callable:
    def __call__(self, x, stride=1, padding=0):
        return [x, stride, padding]


def _options_after_args(x, *args, stride=1, padding=0):
    return [x, stride, padding]


@functools.wraps(_options)
def _keyword_wrapper(x, **kwargs):  # a decorator's wrapper: its own signature is what a call by position meets
    return _options(x, **kwargs)


@pytest.mark.parametrize(
    ("function", "got"),
    [
        pytest.param(_options, [0, 3, 1], id="the-contract-s-order"),
        pytest.param(_swapped, [0, 1, 3], id="swapped-gets-them-by-position"),
        pytest.param(_keyword_only, [0, 3, 1], id="keyword-only-gets-them-by-keyword"),
        pytest.param(_options_dict, [0, 3, 1], id="only-keywords-beyond-x"),
        pytest.param(_any_arguments, [0, 3, 1], id="star-args"),
        pytest.param(_Callable(), [0, 3, 1], id="a-callable-object"),
        pytest.param(_options_after_args, [0, 3, 1], id="a-star-args-before-them"),
        pytest.param(_keyword_wrapper, [0, 3, 1], id="a-wrapper-taking-keywords"),
        pytest.param(
            functools.wraps(_options)(lambda *a, **k: _options(*a, **k)), [0, 3, 1], id="a-wrapper-passing-on"
        ),
        pytest.param(functools.wraps(_swapped)(lambda *a, **k: _swapped(*a, **k)), [0, 1, 3], id="wrapping-swapped"),
    ],
)
def test_a_probe_passes_its_options_by_position_where_the_signature_takes_them_so(
    function: Callable[..., Any], got: list[int]
) -> None:
    probe = Probe("f.positional", (0,), {"stride": 3, "padding": 1}, "x=0, stride 3, padding 1", ("stride", "padding"))
    assert LiveAnswers({"f": function}).call("f", probe) == got
    # By keyword, every one of them, the swapped one too, gets stride 3 and padding 1: only a call by position shows it.
    assert LiveAnswers({"f": function}).call("f", Probe("f.keywords", (0,), {"stride": 3, "padding": 1}, "")) == [
        0,
        3,
        1,
    ]


def test_a_probe_and_its_options_by_position_reach_the_notebook_s_process_whole() -> None:
    from autograder.sandboxed.extraction import probe_from_json, probe_to_json

    probe = Probe("f.positional", (np.arange(3.0),), {"stride": 3, "padding": 1}, "described", ("stride", "padding"))
    again = probe_from_json(probe_to_json(probe))
    assert (again.id, again.kwargs, again.description, again.positional) == (
        probe.id,
        probe.kwargs,
        probe.description,
        probe.positional,
    )
    assert np.array_equal(again.args[0], probe.args[0])
