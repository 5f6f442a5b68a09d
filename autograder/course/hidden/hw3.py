"""Hidden checks for hw3: each of the 24 cells of the LeNet table, and the two count functions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.coerce import same_vector_shape
from autograder.checks.compare import check_count
from autograder.checks.core import Answers, Case, CheckFailed, Probe
from autograder.checks.tables import COLUMNS, read_cell, require_layer_axes, require_size_of_shape
from autograder.course.hidden.common import cached_probes, merged_counts, probe_cases, redraw, rng_for, value_case
from solutions import hw3 as ref

VALUES = ("lenet_table",)
# Students build the table with pandas: the fork server imports it once for the whole class.
PRELOAD = ("pandas",)
FUNCTIONS = ("conv_params", "fc_params")
PROBES_EACH = 3
CELL_POINTS = 0.5

CHANNEL_MISTAKE = (
    "each filter is counted as if its input had one channel, as the lecture's "
    "printed table does: a filter spans every channel of its input (f x f x n_C_prev)"
)
SINGLE_BIAS_MISTAKE = (
    "the layer gets a single bias, as the lecture's printed table does: every "
    "unit has its own bias (n_in x n_out + n_out)"
)
NO_BIAS_MISTAKE = "the biases are left out: every filter or unit has one bias"
POOL_PARAMS_MISTAKE = "a pooling layer is given parameters"
NO_PARAMS_MISTAKE = (
    "the row is given no parameters: it is a dense layer ({n_in} → {units}, weights and one "
    "bias per unit); the softmax after the last one adds none"
)


def _params_mistakes(row: str) -> dict[str, int]:
    layer = dict(ref.LENET)[row]
    printed = ref.lecture_printed_params()[row]
    expected = ref.lenet_table()[row][2]
    if isinstance(layer, ref.Conv):
        return {CHANNEL_MISTAKE: printed, NO_BIAS_MISTAKE: expected - layer.filters}
    if isinstance(layer, ref.Dense):
        n_in = (expected - layer.units) // layer.units
        return {
            SINGLE_BIAS_MISTAKE: printed,
            NO_BIAS_MISTAKE: expected - layer.units,
            NO_PARAMS_MISTAKE.format(n_in=n_in, units=layer.units): 0,
        }
    return {}


def shape_hint(layer: ref.Layer, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """Why a shape with the right number of axes is wrong, from the kind of layer and the axis that differs."""
    if isinstance(layer, ref.Input):
        return "the Input row is the network's input, as the question gives it (n_H x n_W x n_C)"
    if isinstance(layer, ref.Dense):
        return "a dense layer's output has one entry per unit"
    if got[:2] != expected[:2]:
        return "apply floor((n + 2p - f) / s + 1) to each side (n_H and n_W) of the row before"
    if isinstance(layer, ref.Conv):
        return "a conv layer's output has one channel per filter"
    return "pooling works channel by channel: it keeps the channels of the row before"


def _size_hint(table: Any, row: str, got: int) -> str:
    """A wrong size: the product of a wrong shape, or not the product of the row's own shape."""
    try:
        shape = read_cell(table, row, "shape", "lenet_table")
    except CheckFailed:
        return "the size is the product of the shape's entries"
    require_size_of_shape(shape, got, f"lenet_table[{row!r}] size")
    return f"it is the product of this row's shape {shape}, which is wrong too: fix the shape"


def _cell_case(row: str, column: str) -> Case:
    expected: Any = ref.lenet_table()[row][COLUMNS.index(column)]  # a shape, a size or a count, by column
    label = f"lenet_table[{row!r}] {column}"
    layer = dict(ref.LENET)[row]

    def check(answers: Answers) -> None:
        table = answers.value("lenet_table")
        got = read_cell(table, row, column, "lenet_table")
        if column == "shape":
            # The number of axes first: a missing channel axis is not a side the formula got wrong.
            require_layer_axes(got, label, volume=not isinstance(layer, ref.Dense))
            if not same_vector_shape(got, expected):
                raise CheckFailed(
                    f"`{label}` is {got}; that is not the shape of this row's output: {shape_hint(layer, got, expected)}."
                )
            return
        if column == "size" and got != expected:
            raise CheckFailed(f"`{label}` is {got:,}; {_size_hint(table, row, got)}.")
        if column == "params" and isinstance(dict(ref.LENET)[row], ref.Pool) and got != expected:
            raise CheckFailed(
                f"`{label}` is {got:,}: a pooling layer has no parameters to learn (f and s are hyperparameters).",
                mistake=POOL_PARAMS_MISTAKE,
            )
        check_count(got, label, expected, _params_mistakes(row) if column == "params" else {})

    return value_case(f"hw3.q1.{row}.{column}", f"LeNet table, {row} {column}", CELL_POINTS, check)


def _conv_mistakes(f: int, c: int, n: int) -> dict[str, int]:
    return {
        CHANNEL_MISTAKE: ref.conv_params(f, 1, n),
        NO_BIAS_MISTAKE: f * f * c * n,
        "n_c_prev and n_filters are swapped: the parameters are conv_params(f, n_c_prev, n_filters)": ref.conv_params(
            f, n, c
        ),
        "a bias is counted per input channel (+ n_c_prev): each filter has one bias (+ n_filters)": f * f * c * n + c,
        "the layer gets a single bias: every filter has its own": f * f * c * n + 1,
        "the filter's side is counted once (f x n_C_prev): a filter has f x f x n_C_prev weights": (f * c + 1) * n,
        "each input channel gets a bias: a filter has one bias, whatever its depth": (f * f + 1) * c * n,
        "only one filter is counted: multiply by n_filters": ref.conv_params(f, c, 1),
    }


def _fc_mistakes(n_in: int, n_out: int) -> dict[str, int]:
    return {
        SINGLE_BIAS_MISTAKE: n_in * n_out + 1,
        NO_BIAS_MISTAKE: n_in * n_out,
        "each input gets a bias instead of each unit (n_in x n_out + n_out)": n_in * n_out + n_in,
        "both the inputs and the units get biases; only the units do": n_in * n_out + n_in + n_out,
    }


# The order of (f, n_c_prev, n_filters) in each conv_params probe, smallest first, and whether n_in
# exceeds n_out in each fc_params probe: the three are always distinct and in this order, so a count
# that mixes two of them up (swapped arguments, + n_c_prev for + n_filters, a max or min) is wrong
# on the same probes on every seed. Probe 3 of conv_params is LeNet's CONV1 kind: c < f < n.
CONV_ORDERS = (("f", "c", "n"), ("f", "n", "c"), ("c", "f", "n"))
FC_WIDER_INPUT = (True, True, False)


def _conv_probe(rng: np.random.Generator, index: int, order: tuple[str, ...]) -> Probe:
    def accept(drawn: tuple[int, int, int]) -> bool:
        values = dict(zip("fcn", drawn, strict=True))
        return (
            [values[name] for name in order] == sorted(drawn)
            and len(set(drawn)) == 3
            and ref.conv_params(*drawn) not in _conv_mistakes(*drawn).values()
        )

    f, c, n = redraw(
        lambda: (int(rng.integers(2, 8)), int(rng.integers(2, 65)), int(rng.integers(2, 129))),
        accept,
        f"conv_params probe {index}",
    )
    return Probe(f"conv_params.hidden-{index}", (f, c, n), {}, f"f={f}, n_c_prev={c}, n_filters={n}")


def _fc_probe(rng: np.random.Generator, index: int, wider_input: bool) -> Probe:
    def draw() -> tuple[int, int]:
        return (int(rng.integers(2, 5000)) if wider_input else int(rng.integers(2, 500))), int(rng.integers(2, 500))

    def accept(drawn: tuple[int, int]) -> bool:
        return (drawn[0] > drawn[1]) == wider_input and ref.fc_params(*drawn) not in _fc_mistakes(*drawn).values()

    n_in, n_out = redraw(draw, accept, f"fc_params probe {index}")
    return Probe(f"fc_params.hidden-{index}", (n_in, n_out), {}, f"n_in={n_in}, n_out={n_out}")


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    # f, n_C_prev and n_filters are at least 2, distinct and in a fixed order, and n_in differs from
    # n_out, so every count of the mistake lists differs from the right one.
    rng = rng_for(seed, "hw3")
    conv, fc = [], []
    for index in range(1, PROBES_EACH + 1):
        conv.append(_conv_probe(rng, index, CONV_ORDERS[index - 1]))
        fc.append(_fc_probe(rng, index, FC_WIDER_INPUT[index - 1]))
    return {"conv_params": tuple(conv), "fc_params": tuple(fc)}


def probe_structure(function: str, probe: Probe) -> tuple:
    """What every seed's probe k has in common (tests/test_mutants.py compares it across seeds)."""
    if function == "conv_params":
        f, c, n = probe.args
        return tuple(name for _, name in sorted(zip((f, c, n), "fcn", strict=True))), len({f, c, n})
    n_in, n_out = probe.args
    return n_in > n_out, n_in != n_out


hidden_probes = cached_probes(_hidden_probes)


def _conv_check(output: Any, probe: Probe) -> None:
    check_count(
        output,
        "conv_params(...)",
        ref.conv_params(*probe.args),
        merged_counts(_conv_mistakes(*probe.args)),
        probe.description,
    )


def _fc_check(output: Any, probe: Probe) -> None:
    check_count(
        output,
        "fc_params(...)",
        ref.fc_params(*probe.args),
        merged_counts(_fc_mistakes(*probe.args)),
        probe.description,
    )


def hidden_cases(seed: int) -> tuple[Case, ...]:
    probes = hidden_probes(seed)
    return (
        *(_cell_case(row, column) for row in ref.LENET_ROWS for column in COLUMNS),
        *probe_cases("hw3.q2", "conv_params", probes["conv_params"], 0.5, _conv_check, ref.conv_params),
        *probe_cases("hw3.q2", "fc_params", probes["fc_params"], 0.5, _fc_check, ref.fc_params),
    )


assert math.isclose(len(ref.LENET_ROWS) * len(COLUMNS) * CELL_POINTS, 12)
