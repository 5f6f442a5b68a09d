"""Every known-wrong function (autograder/course/hidden/mutants.py) loses points, and the same points on every seed.

Each mutant is graded in-process, as `cnngrade grade` scores recorded answers (grade.score_cases: a
check that raises anything but CheckFailed scores 0), on the public and hidden cases of its
question for SEED_COUNT seeds. The rest of the namespace is the reference, so only the mutant's
question can lose points.

    .venv/bin/python -m tests.test_mutants          # prints the matrix: mutant x question, points lost
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

import numpy as np
import pytest

from autograder.checks.answers import LiveAnswers
from autograder.checks.core import Case, Probe
from autograder.course import assignment
from autograder.course.hidden.common import Grid
from autograder.course.hidden.mutants import ASSIGNMENT_OF, Mutant, all_mutants, mutants
from autograder.grading.phase2 import score_cases

from .factories import reference_namespace

SEED_COUNT = 200
SEEDS = tuple(range(SEED_COUNT))


@cache
def question_of(function: str) -> str:
    """The question whose cases call `function` (its probe cases are named q.function-k)."""
    return next(case.question for case in assignment(ASSIGNMENT_OF[function]).cases(0) if f".{function}-" in case.id)


@cache
def all_cases(name: str, seed: int) -> tuple[Case, ...]:
    return assignment(name).cases(seed)


@cache
def question_cases(function: str, seed: int) -> tuple[Case, ...]:
    """The public and hidden cases of the function's question, for one seed."""
    question = question_of(function)
    return tuple(case for case in all_cases(ASSIGNMENT_OF[function], seed) if case.question == question)


def points_lost(function: str, implementation: object, seed: int, cases: Sequence[Case] | None = None) -> float:
    """What `implementation` in place of the reference's `function` loses on the question's cases."""
    namespace = reference_namespace(ASSIGNMENT_OF[function]) | {function: implementation}
    cases = question_cases(function, seed) if cases is None else cases
    with warnings.catch_warnings():
        # A mutant may average an empty window, as the student's code would: NaN, then a failed case.
        warnings.simplefilter("ignore", RuntimeWarning)
        results = score_cases(cases, LiveAnswers(namespace))
    return sum(result.max_score - result.score for result in results)


def losses(function: str, implementation: object, seeds: Sequence[int]) -> list[float]:
    """Points lost on each seed. The public cases do not depend on the seed: they are run once."""
    public = [case for case in question_cases(function, seeds[0]) if not case.hidden]
    fixed = points_lost(function, implementation, seeds[0], public)
    return [
        fixed
        + points_lost(function, implementation, seed, [case for case in question_cases(function, seed) if case.hidden])
        for seed in seeds
    ]


@dataclass(frozen=True)
class Row:
    mutant: Mutant
    question: str
    lost: float
    out_of: float
    seeds: int
    varying: tuple[tuple[int, float], ...]  # (seed, points lost) where it differs from the first seed


def matrix(functions: Sequence[str] | None = None, seeds: Sequence[int] = SEEDS) -> list[Row]:
    rows = []
    for m in all_mutants():
        if functions is not None and m.function not in functions:
            continue
        lost = losses(m.function, m.implementation, seeds)
        out_of = sum(case.points for case in question_cases(m.function, seeds[0]))
        varying = tuple((seed, points) for seed, points in zip(seeds, lost, strict=True) if points != lost[0])
        rows.append(
            Row(m, f"{ASSIGNMENT_OF[m.function]}.{question_of(m.function)}", lost[0], out_of, len(seeds), varying)
        )
    return rows


FUNCTIONS = sorted(ASSIGNMENT_OF, key=lambda name: (ASSIGNMENT_OF[name], name))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_reference_loses_nothing(function: str) -> None:
    from solutions import hw1, hw2, hw3, hw5

    reference = {"hw1": hw1, "hw2": hw2, "hw3": hw3, "hw5": hw5}[ASSIGNMENT_OF[function]]
    assert [points_lost(function, getattr(reference, function), seed) for seed in SEEDS[:20]] == [0] * 20


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_mutant_loses_the_same_points_on_every_seed(function: str) -> None:
    assert mutants(function), f"no mutants for {function}"
    problems = []
    for row in matrix([function]):
        if row.lost == 0:
            problems.append(f"{row.mutant.name}: full marks on seed {SEEDS[0]}")
        if row.varying:
            problems.append(
                f"{row.mutant.name}: loses {row.lost} on seed {SEEDS[0]} but "
                + ", ".join(f"{lost} on seed {seed}" for seed, lost in row.varying[:5])
            )
    assert problems == []


@pytest.mark.parametrize("function", ["output_size", "same_padding", "conv_params", "fc_params"])
def test_a_function_that_gives_one_answer_whatever_its_input_earns_no_hidden_point(function: str) -> None:
    # Each probe's role fixes some of its parameters on every seed: for every answer some probe has on some seed, a
    # function returning only it must still earn nothing hidden, on every seed.
    answers = {
        getattr(import_module(f"solutions.{ASSIGNMENT_OF[function]}"), function)(*probe.args, **probe.kwargs)
        for seed in SEEDS[:50]
        for probe in assignment(ASSIGNMENT_OF[function]).probes(seed)[function]
    }
    for answer in sorted(answers):
        for seed in SEEDS[:50]:
            hidden = [case for case in question_cases(function, seed) if case.hidden and f".{function}-" in case.id]
            assert points_lost(function, lambda *args, _answer=answer, **kwargs: _answer, seed, hidden) == sum(
                case.points for case in hidden
            ), f"return {answer} earned a hidden point on seed {seed}"


def test_the_check_can_fail_a_mutant_that_escapes() -> None:
    # The harness itself: a "mutant" that is the reference in disguise is caught as losing nothing.
    from solutions import hw1

    assert points_lost("conv2d", lambda x, k, stride=1, padding=0: hw1.conv2d(x, k, stride, padding), 0) == 0
    assert points_lost("conv2d", lambda x, k, stride=1, padding=0: hw1.conv2d(x, k, stride, padding) + 1e-3, 0) > 0


# --- the mechanism itself: each probe's structure is the same on every seed --------------------------
# The mutants above are the mistakes we know; these tests pin what keeps an unknown one constant too:
# probe k of a function has the same structure on every seed (f, s, p, the remainder of n + 2p - f by
# s on each axis, the longer axis, channels, dtype, the signs and finest fraction of the right
# output, ...), so whatever a mistake depends on among these, it fails probe k always or never.


@cache
def hidden_module(function: str) -> Any:
    return import_module(f"autograder.course.hidden.{ASSIGNMENT_OF[function]}")


@cache
def hidden_probes(name: str, seed: int) -> dict[str, tuple[Probe, ...]]:
    return import_module(f"autograder.course.hidden.{name}").hidden_probes(seed)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_probe_has_the_structure_of_its_role_on_every_seed(function: str) -> None:
    module = hidden_module(function)
    seen: dict[int, set] = {}
    for seed in SEEDS:
        for index, probe in enumerate(hidden_probes(ASSIGNMENT_OF[function], seed)[function], start=1):
            seen.setdefault(index, set()).add(module.probe_structure(function, probe))
    assert {index: structures for index, structures in seen.items() if len(structures) > 1} == {}


def _grids() -> list[Any]:
    from autograder.course.hidden import hw1, hw5

    return [
        pytest.param(role.grid, id=f"{function}-{index}")
        for function, roles in (
            ("conv2d", hw1.CONV2D_ROLES),
            ("conv_layer_forward", hw5.LAYER_ROLES),
            ("pool_forward", hw5.POOL_ROLES),
        )
        for index, role in enumerate(roles, start=1)
    ]


@pytest.mark.parametrize("grid", _grids())
def test_a_strided_role_has_one_axis_whose_last_window_ends_on_the_edge_and_one_that_does_not(grid: Grid) -> None:
    # range(0, n + 2p - f, s) misses the last window, and (n + 2p - f + 1) // s one output, exactly
    # where r = 0; ceil where r > 0. One axis of each kind shows all three on every seed.
    if grid.s > 1:
        assert sorted(grid.short_axes()) == [False, True]
    if grid.p:
        assert grid.reaches_far_padding()


def test_every_max_pool_probe_has_a_floor_window_in_every_channel_and_unique_maxima() -> None:
    # Every window max unique; each channel's least window max exactly -5/2, in one window off the first
    # row and column, holding the channel's only values <= -5/2, no cell shared with another channel's;
    # maxima in a window's last cell and in its first. A max that starts anywhere but at the window's own
    # values, or a window that misses a row, a column or its first cell, fails on every seed.
    from autograder.course.hidden.hw5 import FLOOR, max_pool_structure

    for seed in SEEDS[:50]:
        for probe in hidden_probes("hw5", seed)["pool_forward"]:
            if probe.kwargs["mode"] != "max":
                continue
            x, f, s = probe.args
            facts, disjoint = max_pool_structure(x, f, s)
            assert disjoint and all(all(channel) for channel in facts)
            windows = np.lib.stride_tricks.sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]
            assert np.all(windows.max(axis=(3, 4)).min(axis=(0, 1)) == FLOOR)
            assert np.all(x[0, 0, :] > FLOOR)


def test_every_layer_probe_keeps_every_filter_alive_and_its_biases_apart() -> None:
    # A filter ReLU kills everywhere would hide every mistake in it (its bias, its weights, a loop over
    # filters one short); equal or symmetric biases hide b[::-1], b[-1], ...
    from autograder.course.hidden.hw5 import every_filter_alive, filters_apart

    for seed in SEEDS[:50]:
        for probe in hidden_probes("hw5", seed)["conv_layer_forward"]:
            assert every_filter_alive(probe) and filters_apart(*probe.args[1:])


def test_kernels_have_no_symmetry() -> None:
    from autograder.course.hidden.common import asymmetric

    assert not asymmetric(np.array([[1.0, 2.0], [1.0, 2.0]]))  # equal rows: k[::-1] == k
    assert not asymmetric(np.array([[1.0, 2.0], [2.0, 1.0]]))  # k.T == k
    assert not asymmetric(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 4.0], [3.0, 2.0, 1.0]]))  # rot180
    assert asymmetric(np.array([[1.0, 2.0], [3.0, 4.0]]))
    for seed in SEEDS[:50]:
        for probe in hidden_probes("hw1", seed)["conv2d"]:
            assert asymmetric(probe.args[1])
        probes = hidden_probes("hw5", seed)
        assert all(asymmetric(probe.args[1]) for probe in probes["conv_volume"] + probes["conv_layer_forward"])


def format_matrix(rows: Sequence[Row]) -> str:
    width = max(len(f"{row.mutant.function}/{row.mutant.name}") for row in rows)
    lines = [f"{'mutant':<{width}}  question  lost / of   seeds  constant"]
    for row in rows:
        label = f"{row.mutant.function}/{row.mutant.name}"
        lines.append(
            f"{label:<{width}}  {row.question:<8}  {row.lost:>4g} / {row.out_of:<4g} {row.seeds:>5}  "
            f"{'yes' if not row.varying else 'NO: ' + str(row.varying[:3])}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    seeds = range(int(argv[0])) if argv else SEEDS
    start = time.perf_counter()
    rows = matrix(seeds=tuple(seeds))
    print(format_matrix(rows))
    print(f"\n{len(rows)} mutants, {len(seeds)} seeds each, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
