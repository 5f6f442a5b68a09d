"""Hidden checks for hw2: the size formula and same padding on fresh inputs, and the 3.5 question."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.coerce import as_choice
from autograder.checks.compare import check_count
from autograder.checks.core import Answers, Case, CheckFailed, Probe
from autograder.course.hidden.common import (
    cached_probes,
    merged_counts,
    probe_cases,
    redraw,
    residue_period,
    rng_for,
    value_case,
)
from solutions import hw2 as ref

VALUES = ("hw2_rounding", "hw2_padding", "hw2_output_other_rounding")
FUNCTIONS = ("output_size", "same_padding")
PROBES_EACH = 4


@dataclass(frozen=True)
class SizeRole:
    """What output_size probe k always is: f, p and s, and the residue of n + 2p - f modulo
    residue_period(s) (its remainder r by s, and for an even s the parity of the quotient); only n is
    drawn, up to `largest`. Every mistake that divides by s as the formula does (floor, round, ceil,
    a missing + 1, the padding counted once, n // s + ..., (n + 2p - f + 1) // s) is then off by the
    same amount on every draw: it fails the same probes on every seed."""

    largest: int
    f: int
    p: int
    s: int
    residue: int


# Probe 1 divides exactly (r = 0: (n + 2p - f + 1) // s and a loop one short show, ceil and round do
# not); probe 2 has r = 3 of s = 5, where floor, round, ceil and (n + 2p - f + 1) // s all differ;
# probes 3-4 (sizes as large as VGG's) have r < p, where the padding counted on one side shows.
# p never equals s, so swapping them shows too.
OUTPUT_SIZE_ROLES = (
    SizeRole(16, f=3, p=1, s=2, residue=0),
    SizeRole(32, f=4, p=2, s=5, residue=3),
    SizeRole(64, f=7, p=5, s=6, residue=4),
    SizeRole(256, f=5, p=4, s=3, residue=1),
)
ONE_SIDED_MISTAKE = "the padding is counted on one side only: it is added on both, n + 2p"
STRIDE_IGNORED = "the stride is ignored"
PRECEDENCE = "only f is divided by s (operator precedence): divide the whole n + 2p - f"
SWAPPED = "p and s are swapped: the parameters are output_size(n, f, p=0, s=1), in that order"
# These grow with n at another rate than the formula: a draw is kept only where they differ from it.
SLOPED_MISTAKES = (STRIDE_IGNORED, PRECEDENCE, SWAPPED)


def _size_mistakes(n: int, f: int, p: int, s: int) -> dict[str, int]:
    """What each known mistake in the size formula gives; the +1 first, as tests name it."""
    return {
        "the +1 of the formula is left out": ref.output_size(n, f, p, s) - 1,
        "the division is rounded up instead of down (the formula floors)": math.ceil((n + 2 * p - f) / s) + 1,
        "the division is rounded to the nearest integer (round); the formula floors": round((n + 2 * p - f) / s) + 1,
        "the size is rounded to the nearest integer (round); the formula floors": round((n + 2 * p - f) / s + 1),
        ONE_SIDED_MISTAKE: (n + p - f) // s + 1,
        "the padding is ignored": (n - f) // s + 1,
        STRIDE_IGNORED: n + 2 * p - f + 1,
        PRECEDENCE: n + 2 * p - f // s + 1,
        SWAPPED: (n + 2 * s - f) // p + 1 if p else -1,
        "the number of positions n + 2p - f + 1 is divided by s; the formula divides n + 2p - f, then adds 1": (
            n + 2 * p - f + 1
        )
        // s,
        "only n is divided by s (n // s + 2p - f + 1): divide the whole n + 2p - f": n // s + 2 * p - f + 1,
        "n + 2p and f are divided by s separately ((n + 2p) // s - f // s + 1): divide n + 2p - f as a whole": (
            n + 2 * p
        )
        // s
        - f // s
        + 1,
    }


def _size_probe(rng: np.random.Generator, index: int, role: SizeRole) -> Probe:
    f, p, s = role.f, role.p, role.s
    period = residue_period(s)
    sides = [n for n in range(f + 1, role.largest + 1) if (n + 2 * p - f) % period == role.residue]

    def accept(n: int) -> bool:
        mistakes = _size_mistakes(n, f, p, s)
        return all(mistakes[name] != ref.output_size(n, f, p, s) for name in SLOPED_MISTAKES)

    n = redraw(lambda: int(rng.choice(sides)), accept, f"output_size probe {index}")
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
        "(s - 1) // 2 is added to p rounded down: round p = (ns - n + f - s) / 2 up instead": lower // 2 + (s - 1) // 2,
    }


# Probe 1 (stride 1, odd f: p is whole) catches only these; the others catch the rest of the list.
WHOLE_P_MISTAKES = (
    "the - s of p = (ns - n + f - s) / 2 is left out",
    "1 is added to p rounded down: that is one too many when p is already whole",
)
STRIDE_1_MISTAKES = (
    "the stride is ignored (p = (f - 1) / 2 is the stride-1 answer)",
    "the stride is ignored (p = (f - 1) / 2, rounded up, is the stride-1 answer)",
)


@dataclass(frozen=True)
class PaddingRole:
    """What same_padding probe k always is: s and f, and ns - n + f - s modulo 4 (for s > 1, 1: p is
    a half, 2k + 1/2, which floor, round to even and the unrounded float all get wrong). Only n is
    drawn; every mistake that halves ns - n + f - s + c is off by the same amount on every draw."""

    s: int
    f: int
    lower_mod_4: int


SAME_PADDING_ROLES = (PaddingRole(1, 5, 0), PaddingRole(2, 3, 1), PaddingRole(3, 4, 1), PaddingRole(4, 5, 1))


def _padding_probe(rng: np.random.Generator, index: int, role: PaddingRole) -> Probe:
    s, f = role.s, role.f
    sides = [n for n in range(f + 2, 40) if (n * s - n + f - s) % 4 == role.lower_mod_4]

    def accept(n: int) -> bool:
        # The stride-1 answers do not grow with n as p does: kept only where they differ from it.
        mistakes = _padding_mistakes(n, f, s)
        return s == 1 or all(mistakes[name] != ref.same_padding(n, f, s) for name in STRIDE_1_MISTAKES)

    n = redraw(lambda: int(rng.choice(sides)), accept, f"same_padding probe {index}")
    return Probe(f"same_padding.hidden-{index}", (n, f, s), {}, f"n={n}, f={f}, s={s}")


def probe_structure(function: str, probe: Probe) -> tuple:
    """What every seed's probe k has in common (tests/test_mutants.py compares it across seeds): the
    fixed parameters, the residue of n, and which listed mistakes give the right answer."""
    if function == "output_size":
        n, f, p, s = probe.args
        expected, mistakes = ref.output_size(n, f, p, s), _size_mistakes(n, f, p, s)
        residue = (n + 2 * p - f) % residue_period(s)
        return f, p, s, residue, tuple(name for name, value in mistakes.items() if value == expected)
    n, f, s = probe.args
    expected, mistakes = ref.same_padding(n, f, s), _padding_mistakes(n, f, s)
    return f, s, (n * s - n + f - s) % 4, tuple(name for name, value in mistakes.items() if value == expected)


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw2")
    sizes = tuple(_size_probe(rng, index, role) for index, role in enumerate(OUTPUT_SIZE_ROLES, start=1))
    paddings = tuple(_padding_probe(rng, index, role) for index, role in enumerate(SAME_PADDING_ROLES, start=1))
    return {"output_size": sizes, "same_padding": paddings}


hidden_probes = cached_probes(_hidden_probes)


def _size_check(output: Any, probe: Probe) -> None:
    n, f, p, s = probe.args
    check_count(
        output,
        "output_size(...)",
        ref.output_size(n, f, p, s),
        merged_counts(_size_mistakes(n, f, p, s)),
        probe.description,
    )


def _padding_check(output: Any, probe: Probe) -> None:
    n, f, s = probe.args
    check_count(
        output,
        "same_padding(...)",
        ref.same_padding(n, f, s),
        merged_counts(_padding_mistakes(n, f, s)),
        probe.description,
    )


def _rounding_check(answers: Answers) -> None:
    word = as_choice(answers.value("hw2_rounding"), "hw2_rounding", ("floor", "ceil"))
    if word != ref.hw2_rounding:
        raise CheckFailed(
            f"`hw2_rounding` is {word!r}: with that rounding p = 3.5 gives an output of "
            f"{ref.output_size(6, 3, getattr(math, word)(3.5), 2)}, not 6. Check the "
            "output size with each rounding.",
            mistake=f"{word} instead of {ref.hw2_rounding}",
        )


def _padding_value(answers: Answers) -> None:
    check_count(
        answers.value("hw2_padding"), "hw2_padding", ref.hw2_padding, {"p = 3.5 is rounded down": math.floor(3.5)}
    )


def _floor_output(answers: Answers) -> None:
    check_count(
        answers.value("hw2_output_other_rounding"),
        "hw2_output_other_rounding",
        ref.hw2_output_other_rounding,
        {"the rounded-down padding is assumed to keep the size: compute output_size(6, 3, p, 2) with that p": 6},
    )


def hidden_cases(seed: int) -> tuple[Case, ...]:
    probes = hidden_probes(seed)
    return (
        *probe_cases("hw2.q1", "output_size", probes["output_size"], 1, _size_check, ref.output_size),
        *probe_cases("hw2.q2", "same_padding", probes["same_padding"], 1, _padding_check, ref.same_padding),
        value_case("hw2.q3.value", "hw2_rounding is the rounding that keeps 6x6", 1, _rounding_check),
        value_case("hw2.q4.padding", "hw2_padding is the same padding for n=6, f=3, s=2", 1, _padding_value),
        value_case(
            "hw2.q4.other-rounding", "hw2_output_other_rounding is the size the other rounding gives", 1, _floor_output
        ),
    )
