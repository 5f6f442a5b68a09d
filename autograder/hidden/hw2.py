"""Hidden checks for hw2: the size formula and same padding on fresh inputs, and the 3.5 question."""
from __future__ import annotations

import math
from typing import Any

from solutions import hw2 as ref

from ..checks.coerce import as_choice
from ..checks.compare import check_count
from ..checks.core import Answers, Case, CheckFailed, Probe
from .common import probe_cases, rng_for, value_case

VALUES = ("hw2_rounding", "hw2_padding", "hw2_output_other_rounding")
FUNCTIONS = ("output_size", "same_padding")
PROBES_EACH = 4


def hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw2")
    sizes, paddings = [], []
    for index in range(1, PROBES_EACH + 1):
        f = int(rng.integers(2, 8))
        n, p, s = int(rng.integers(f + 3, 64)), int(rng.integers(0, 4)), int(rng.integers(2, 5))
        # Draw until the division is not exact, so floor versus round matters on every probe.
        while (n + 2 * p - f) % s == 0:
            n += 1
        sizes.append(Probe(f"output_size.hidden-{index}", (n, f, p, s), {}, f"n={n}, f={f}, p={p}, s={s}"))
        same_s = 1 if index == 1 else int(rng.integers(2, 4))
        same_f = int(rng.choice([3, 5, 7])) if same_s == 1 else int(rng.integers(2, 8))
        same_n = int(rng.integers(same_f + 2, 40))
        paddings.append(Probe(f"same_padding.hidden-{index}", (same_n, same_f, same_s), {},
                              f"n={same_n}, f={same_f}, s={same_s}"))
    return {"output_size": tuple(sizes), "same_padding": tuple(paddings)}


def _size_check(output: Any, probe: Probe) -> None:
    n, f, p, s = probe.args
    check_count(output, "output_size(...)", ref.output_size(n, f, p, s),
                {"the +1 of the formula is left out": ref.output_size(n, f, p, s) - 1,
                 "the division is rounded up instead of down (the formula floors)": math.ceil((n + 2 * p - f) / s) + 1},
                probe.description)


def _padding_check(output: Any, probe: Probe) -> None:
    n, f, s = probe.args
    raw = (n * s - n + f - s) / 2
    mistakes = {"p is rounded down: the output is then smaller than n, so round up": math.floor(raw),
                "the stride is ignored (p = (f - 1) / 2 is the stride-1 answer)": (f - 1) // 2}
    check_count(output, "same_padding(...)", ref.same_padding(n, f, s), mistakes, probe.description)


def _rounding_check(answers: Answers) -> None:
    word = as_choice(answers.value("hw2_rounding"), "hw2_rounding", ("floor", "ceil"))
    if word != ref.hw2_rounding:
        raise CheckFailed(f"`hw2_rounding` is {word!r}: with that rounding p = 3.5 gives an output of "
                          f"{ref.output_size(6, 3, getattr(math, word)(3.5), 2)}, not 6. Check the "
                          "output size with each rounding.", mistake=f"{word} instead of {ref.hw2_rounding}")


def _padding_value(answers: Answers) -> None:
    check_count(answers.value("hw2_padding"), "hw2_padding", ref.hw2_padding,
                {"p = 3.5 is rounded down": math.floor(3.5)})


def _floor_output(answers: Answers) -> None:
    check_count(answers.value("hw2_output_other_rounding"), "hw2_output_other_rounding", ref.hw2_output_other_rounding,
                {"the rounded-down padding is assumed to keep the size: compute output_size(6, 3, p, 2) with that p": 6})


def hidden_cases(seed: int) -> tuple[Case, ...]:
    probes = hidden_probes(seed)
    return (
        *probe_cases("hw2.q1", "output_size", probes["output_size"], 1, _size_check),
        *probe_cases("hw2.q2", "same_padding", probes["same_padding"], 1, _padding_check),
        value_case("hw2.q3.value", "hw2_rounding is the rounding that keeps 6x6", 1, _rounding_check),
        value_case("hw2.q4.padding", "hw2_padding is the same padding for n=6, f=3, s=2", 1, _padding_value),
        value_case("hw2.q4.other-rounding", "hw2_output_other_rounding is the size the other rounding gives", 1, _floor_output),
    )
