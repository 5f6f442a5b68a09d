"""Building blocks shared by the hidden checks: probe cases and random probe inputs."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..checks.compare import check_array
from ..checks.core import Answers, Case, Probe, Tolerance

FLOAT = Tolerance(rtol=1e-6, atol=1e-6)

ProbeCheck = Callable[[Any, Probe], None]


def rng_for(seed: int, assignment: str) -> np.random.Generator:
    """A generator per (grading seed, assignment), so assignments draw independent probes."""
    return np.random.default_rng([seed, int(assignment.removeprefix("hw"))])


def small_ints(rng: np.random.Generator, shape: Sequence[int], low: int = -4, high: int = 5) -> np.ndarray:
    # Whole numbers as floats keep every reference sum exact, so tolerance never hides a mistake.
    return rng.integers(low, high, size=tuple(shape)).astype(float)


def probe_cases(question: str, function: str, probes: Sequence[Probe], points_each: float,
                check: ProbeCheck) -> tuple[Case, ...]:
    """One hidden case per probe: partial credit per input the function gets right."""
    def case_for(index: int, probe: Probe) -> Case:
        def run(answers: Answers) -> None:
            check(answers.call(function, probe), probe)
        return Case(f"{question}.{function}-{index}", f"{function} on a hidden input ({probe.description})",
                    points_each, hidden=True, check=run)

    return tuple(case_for(i, probe) for i, probe in enumerate(probes, start=1))


def array_probe_check(label: str, reference: Callable[..., np.ndarray],
                      mistakes: Callable[[Probe], Mapping[str, np.ndarray]],
                      shape_why: Callable[[Probe], str], tolerance: Tolerance = FLOAT) -> ProbeCheck:
    """Compare a function's output on a probe with the reference's, naming known mistakes.

    The reference side depends on the probe alone, so it is computed once per probe and reused for
    every submission of the run, not once per submission."""
    expectations: dict[str, tuple[np.ndarray, Mapping[str, np.ndarray], str]] = {}

    def check(output: Any, probe: Probe) -> None:
        if probe.id not in expectations:
            expectations[probe.id] = (reference(*probe.args, **probe.kwargs), mistakes(probe), shape_why(probe))
        expected, variants, why = expectations[probe.id]
        check_array(output, label, expected, tolerance, variants, why, probe.description)
    return check


def value_case(case_id: str, title: str, points: float, check: Callable[[Answers], None]) -> Case:
    return Case(case_id, title, points, hidden=True, check=check)
