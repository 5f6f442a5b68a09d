"""Hidden checks for hw3: each of the 24 cells of the LeNet table, and the two count functions."""
from __future__ import annotations

import math
from typing import Any

from solutions import hw3 as ref

from ..checks.coerce import same_vector_shape
from ..checks.compare import check_count
from ..checks.core import Answers, Case, CheckFailed, Probe
from ..checks.tables import COLUMNS, read_cell
from .common import cached_probes, merged_counts, probe_cases, redraw, rng_for, value_case

VALUES = ("lenet_table",)
# Students build the table with pandas: the fork server imports it once for the whole class.
PRELOAD = ("pandas",)
FUNCTIONS = ("conv_params", "fc_params")
PROBES_EACH = 3
CELL_POINTS = 0.5

CHANNEL_MISTAKE = ("each filter is counted as if its input had one channel, as the lecture's "
                   "printed table does: a filter spans every channel of its input (f x f x n_C_prev)")
SINGLE_BIAS_MISTAKE = ("the layer gets a single bias, as the lecture's printed table does: every "
                       "unit has its own bias (n_in x n_out + n_out)")
NO_BIAS_MISTAKE = "the biases are left out: every filter or unit has one bias"
POOL_PARAMS_MISTAKE = "a pooling layer is given parameters"
NO_PARAMS_MISTAKE = ("the row is given no parameters: it is a dense layer ({n_in} → {units}, weights and one "
                     "bias per unit); the softmax after the last one adds none")


def _params_mistakes(row: str) -> dict[str, int]:
    layer = dict(ref.LENET)[row]
    printed = ref.lecture_printed_params()[row]
    expected = ref.lenet_table()[row][2]
    if isinstance(layer, ref.Conv):
        return {CHANNEL_MISTAKE: printed, NO_BIAS_MISTAKE: expected - layer.filters}
    if isinstance(layer, ref.Dense):
        n_in = (expected - layer.units) // layer.units
        return {SINGLE_BIAS_MISTAKE: printed, NO_BIAS_MISTAKE: expected - layer.units,
                NO_PARAMS_MISTAKE.format(n_in=n_in, units=layer.units): 0}
    return {}


def _cell_case(row: str, column: str) -> Case:
    expected = ref.lenet_table()[row][COLUMNS.index(column)]
    label = f"lenet_table[{row!r}] {column}"

    def check(answers: Answers) -> None:
        got = read_cell(answers.value("lenet_table"), row, column, "lenet_table")
        if column == "shape":
            if not same_vector_shape(got, expected):
                raise CheckFailed(f"{label} is {got}; that is not the shape of this row's output. "
                                  "Apply floor((n + 2p - f) / s + 1) to each side of the row before.")
            return
        if column == "params" and isinstance(dict(ref.LENET)[row], ref.Pool) and got != expected:
            raise CheckFailed(f"{label} is {got:,}: a pooling layer has no parameters to learn "
                              "(f and s are hyperparameters).", mistake=POOL_PARAMS_MISTAKE)
        mistakes = _params_mistakes(row) if column == "params" else {}
        check_count(got, label, expected, mistakes)
        if column == "size" and got != expected:
            raise CheckFailed(f"{label} is wrong: the size is the product of the shape's entries.")

    return value_case(f"hw3.q1.{row}.{column}", f"LeNet table, {row} {column}", CELL_POINTS, check)


def _conv_mistakes(f: int, c: int, n: int) -> dict[str, int]:
    return {CHANNEL_MISTAKE: ref.conv_params(f, 1, n), NO_BIAS_MISTAKE: f * f * c * n,
            "the layer gets a single bias: every filter has its own": f * f * c * n + 1,
            "the filter's side is counted once (f x n_C_prev): a filter has f x f x n_C_prev weights":
                (f * c + 1) * n,
            "each input channel gets a bias: a filter has one bias, whatever its depth": (f * f + 1) * c * n,
            "only one filter is counted: multiply by n_filters": ref.conv_params(f, c, 1)}


def _fc_mistakes(n_in: int, n_out: int) -> dict[str, int]:
    return {SINGLE_BIAS_MISTAKE: n_in * n_out + 1, NO_BIAS_MISTAKE: n_in * n_out,
            "each input gets a bias instead of each unit (n_in x n_out + n_out)": n_in * n_out + n_in,
            "both the inputs and the units get biases; only the units do": n_in * n_out + n_in + n_out}


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    # f, n_C_prev and n_filters are at least 2 and n_in differs from n_out, so every count of the
    # mistake lists differs from the right one: a mistake loses the same cases on every seed.
    rng = rng_for(seed, "hw3")
    conv, fc = [], []
    for index in range(1, PROBES_EACH + 1):
        f, c, n = redraw(lambda: (int(rng.integers(2, 8)), int(rng.integers(2, 65)), int(rng.integers(2, 129))),
                         lambda d: ref.conv_params(*d) not in _conv_mistakes(*d).values(), "conv_params probe")
        conv.append(Probe(f"conv_params.hidden-{index}", (f, c, n), {}, f"f={f}, n_c_prev={c}, n_filters={n}"))
        n_in, n_out = redraw(lambda: (int(rng.integers(2, 5000)), int(rng.integers(2, 500))),
                             lambda d: ref.fc_params(*d) not in _fc_mistakes(*d).values(), "fc_params probe")
        fc.append(Probe(f"fc_params.hidden-{index}", (n_in, n_out), {}, f"n_in={n_in}, n_out={n_out}"))
    return {"conv_params": tuple(conv), "fc_params": tuple(fc)}


hidden_probes = cached_probes(_hidden_probes)


def _conv_check(output: Any, probe: Probe) -> None:
    check_count(output, "conv_params(...)", ref.conv_params(*probe.args), merged_counts(_conv_mistakes(*probe.args)),
                probe.description)


def _fc_check(output: Any, probe: Probe) -> None:
    check_count(output, "fc_params(...)", ref.fc_params(*probe.args), merged_counts(_fc_mistakes(*probe.args)),
                probe.description)


def hidden_cases(seed: int) -> tuple[Case, ...]:
    probes = hidden_probes(seed)
    return (
        *(_cell_case(row, column) for row in ref.LENET_ROWS for column in COLUMNS),
        *probe_cases("hw3.q2", "conv_params", probes["conv_params"], 0.5, _conv_check),
        *probe_cases("hw3.q2", "fc_params", probes["fc_params"], 0.5, _fc_check),
    )


assert math.isclose(len(ref.LENET_ROWS) * len(COLUMNS) * CELL_POINTS, 12)
