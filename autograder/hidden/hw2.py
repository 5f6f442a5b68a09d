"""Hidden checks for hw2: the size formula and same padding on fresh inputs, and the 3.5 question."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from solutions import hw2 as ref

from ..checks.coerce import as_choice
from ..checks.compare import check_count
from ..checks.core import Answers, Case, CheckFailed, Probe
from .common import cached_probes, merged_counts, probe_cases, redraw, rng_for, value_case

VALUES = ("hw2_rounding", "hw2_padding", "hw2_output_other_rounding")
FUNCTIONS = ("output_size", "same_padding")
PROBES_EACH = 4
# Each output_size probe: its largest n (small sides, then sizes as large as VGG's) and whether it
# shows the padding counted on one side (n + p - f). Every probe shows every other mistake.
OUTPUT_SIZE_ROLES = ((16, False), (32, False), (64, True), (256, True))
ONE_SIDED_MISTAKE = "the padding is counted on one side only: it is added on both, n + 2p"
# The stride of each same_padding probe: probe 1 is the lecture's stride 1 with an odd f.
SAME_PADDING_STRIDES = ((1,), (2,), (3,), (4, 5))


def _size_mistakes(n: int, f: int, p: int, s: int) -> dict[str, int]:
    """What each known mistake in the size formula gives; the +1 first, as tests name it."""
    return {
        "the +1 of the formula is left out": ref.output_size(n, f, p, s) - 1,
        "the division is rounded up instead of down (the formula floors)": math.ceil((n + 2 * p - f) / s) + 1,
        "the division is rounded to the nearest integer (round); the formula floors":
            round((n + 2 * p - f) / s) + 1,
        "the size is rounded to the nearest integer (round); the formula floors": round((n + 2 * p - f) / s + 1),
        ONE_SIDED_MISTAKE: (n + p - f) // s + 1,
        "the padding is ignored": (n - f) // s + 1,
        "the stride is ignored": n + 2 * p - f + 1,
        "only f is divided by s (operator precedence): divide the whole n + 2p - f": n + 2 * p - f // s + 1,
        "p and s are swapped: the parameters are output_size(n, f, p=0, s=1), in that order":
            (n + 2 * s - f) // p + 1 if p else -1,
    }


def _size_probe(rng: np.random.Generator, index: int, largest: int, one_sided_shows: bool) -> Probe:
    def draw() -> tuple[int, int, int, int]:
        f, s = int(rng.integers(1, 12)), int(rng.integers(2, 7))
        p = int(rng.integers(2, 7)) if one_sided_shows else int(rng.integers(1, 4))
        return int(rng.integers(f + 1, largest + 1)), f, p, s

    def accept(drawn: tuple[int, int, int, int]) -> bool:
        n, f, p, s = drawn
        expected = ref.output_size(n, f, p, s)
        mistakes = _size_mistakes(n, f, p, s)
        # Padding counted on one side changes the size only when the remainder of the division is
        # smaller than p: a role shows it or never does, so it loses the same cases on every seed.
        if (mistakes.pop(ONE_SIDED_MISTAKE) != expected) != one_sided_shows:
            return False
        # Not a whole division, so (n + 2p - f) / s + 1 unrounded is not a whole number either.
        return (n + 2 * p - f) % s != 0 and expected not in mistakes.values()

    n, f, p, s = redraw(draw, accept, f"output_size probe {index}")
    return Probe(f"output_size.hidden-{index}", (n, f, p, s), {}, f"n={n}, f={f}, p={p}, s={s}")


LARGEST_MISTAKE = "it is the largest padding that keeps n; the question asks for the smallest"


def _padding_mistakes(n: int, f: int, s: int) -> dict[str, int]:
    lower = n * s - n + f - s
    return {
        "p is rounded down: the output is then smaller than n, so round up": math.floor(lower / 2),
        "the stride is ignored (p = (f - 1) / 2 is the stride-1 answer)": (f - 1) // 2,
        "the stride is ignored (p = (f - 1) / 2, rounded up, is the stride-1 answer)": math.ceil((f - 1) / 2),
        "p is rounded to the nearest even integer (Python's round); round up": round(lower / 2),
        "the - s of p = (ns - n + f - s) / 2 is left out": math.ceil((lower + s) / 2),
        "1 is added to p rounded down: that is one too many when p is already whole": lower // 2 + 1,
        LARGEST_MISTAKE: (lower + s - 1) // 2,
    }


# Probe 1 (stride 1, odd f: p is whole) catches only these; the others catch the rest of the list.
WHOLE_P_MISTAKES = ("the - s of p = (ns - n + f - s) / 2 is left out",
                    "1 is added to p rounded down: that is one too many when p is already whole")


def _padding_probe(rng: np.random.Generator, index: int, strides: tuple[int, ...]) -> Probe:
    def draw() -> tuple[int, int, int]:
        s = int(rng.choice(strides))
        f = int(rng.choice([3, 5, 7])) if s == 1 else int(rng.integers(2, 8))
        return int(rng.integers(f + 2, 40)), f, s

    def accept(drawn: tuple[int, int, int]) -> bool:
        n, f, s = drawn
        expected = ref.same_padding(n, f, s)
        mistakes = _padding_mistakes(n, f, s)
        if s == 1:
            return all(mistakes[name] != expected for name in WHOLE_P_MISTAKES)
        # p = (1 mod 4) / 2: a half that floor, round and the unrounded float all get wrong. The
        # largest padding that keeps n is another one only from s = 4 on (p is a half here).
        lower = n * s - n + f - s
        required = [value for name, value in mistakes.items()
                    if name not in WHOLE_P_MISTAKES and (s >= 4 or name != LARGEST_MISTAKE)]
        return lower % 4 == 1 and expected not in required

    n, f, s = redraw(draw, accept, f"same_padding probe {index}")
    return Probe(f"same_padding.hidden-{index}", (n, f, s), {}, f"n={n}, f={f}, s={s}")


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw2")
    sizes = tuple(_size_probe(rng, index, *role) for index, role in enumerate(OUTPUT_SIZE_ROLES, start=1))
    paddings = tuple(_padding_probe(rng, index, strides) for index, strides in enumerate(SAME_PADDING_STRIDES, start=1))
    return {"output_size": sizes, "same_padding": paddings}


hidden_probes = cached_probes(_hidden_probes)


def _size_check(output: Any, probe: Probe) -> None:
    n, f, p, s = probe.args
    check_count(output, "output_size(...)", ref.output_size(n, f, p, s), merged_counts(_size_mistakes(n, f, p, s)),
                probe.description)


def _padding_check(output: Any, probe: Probe) -> None:
    n, f, s = probe.args
    check_count(output, "same_padding(...)", ref.same_padding(n, f, s), merged_counts(_padding_mistakes(n, f, s)),
                probe.description)


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
