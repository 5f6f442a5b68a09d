"""Building blocks shared by the hidden checks: probe cases and random probe inputs.

Every hidden probe is drawn at random for freshness, but within a role: probe k of a function
always has the same structure (stride or not, padding or not, an integer or a fractional input,
...), and a draw is kept only when it tells the correct answer apart from every known mistake that
its role is there to catch. A mistake therefore loses the same cases on every grading seed.
autograder/hidden/mutants.py holds those mistakes as student code; tests/test_mutants.py grades
them on hundreds of seeds.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import numpy as np

from ..checks.compare import check_array
from ..checks.core import Answers, Case, Probe, Tolerance

# Loose enough for float32 arithmetic (about 7 significant digits; the sums of probe values are
# exact in float32 anyway) and for float64 FFT round-off, tight enough that the smallest difference a
# mistake makes on the values drawn here (1/128: an average of 16 eighths) fails by far.
FLOAT = Tolerance(rtol=1e-6, atol=1e-6)
# Probe values are multiples of 1/8 between -3 and 3: sums of products are then multiples of 1/64,
# exact in float32 as in float64, and a mistake that truncates or rounds to whole numbers shows.
EIGHTHS = 8
MAX_DRAWS = 10_000

ProbeCheck = Callable[[Any, Probe], None]
T = TypeVar("T")


def rng_for(seed: int, assignment: str) -> np.random.Generator:
    """A generator per (grading seed, assignment), so assignments draw independent probes."""
    return np.random.default_rng([seed, int(assignment.removeprefix("hw"))])


def eighths(rng: np.random.Generator, shape: Sequence[int], limit: int = 3) -> np.ndarray:
    """Floats that are multiples of 1/8 in [-limit, limit]: fractional, yet every sum stays exact."""
    return rng.integers(-limit * EIGHTHS, limit * EIGHTHS + 1, size=tuple(shape)) / EIGHTHS


def whole_numbers(rng: np.random.Generator, shape: Sequence[int], limit: int = 4) -> np.ndarray:
    """An integer-dtype array, like the lecture's image: a float result must not inherit its dtype."""
    return rng.integers(-limit, limit + 1, size=tuple(shape), dtype=np.int64)


def redraw(draw: Callable[[], T], accept: Callable[[T], bool], what: str) -> T:
    """Draw until `accept` holds: the role's structure stays, the numbers change with the seed."""
    for _ in range(MAX_DRAWS):
        candidate = draw()
        if accept(candidate):
            return candidate
    raise RuntimeError(f"no {what} found in {MAX_DRAWS} draws: the role's constraints cannot be met")


# How two mistakes that give the same answer are named together: "... matches what you get when A;
# or when B."
ALTERNATIVE = "; or when "


def merged_counts(mistakes: Mapping[str, int]) -> dict[str, int]:
    """Mistakes that give the same count named together, in their order (for check_count)."""
    names: dict[int, list[str]] = {}
    for name, value in mistakes.items():
        names.setdefault(value, []).append(name)
    return {ALTERNATIVE.join(group): value for value, group in names.items()}


class VariantIndex:
    """Known-mistake outputs grouped by shape, to find which one an answer matches in one pass.

    A match is what check_array calls one: the same shape and np.allclose(answer, variant) with
    the tolerance, that is |answer - variant| <= atol + rtol * |variant| everywhere."""

    def __init__(self, variants: Mapping[str, Any], tolerance: Tolerance = FLOAT):
        self.variants = {name: np.asarray(variant, dtype=float) for name, variant in variants.items()}
        grouped: dict[tuple[int, ...], list[str]] = {}
        for name, variant in self.variants.items():
            grouped.setdefault(variant.shape, []).append(name)
        self._groups = {}
        for shape, names in grouped.items():
            stack = np.stack([self.variants[name] for name in names])
            self._groups[shape] = (names, stack, tolerance.atol + tolerance.rtol * np.abs(stack))

    def matches(self, answer: Any) -> list[str]:
        """The names of the variants `answer` matches, in their order."""
        try:
            array = np.array(answer, dtype=float)
        except (TypeError, ValueError, OverflowError):
            return []
        group = self._groups.get(array.shape)
        if group is None:
            return []
        names, stack, bound = group
        with np.errstate(invalid="ignore", over="ignore"):
            close = np.abs(stack - array) <= bound
        hits = close.reshape(len(names), -1).all(axis=1)
        return [name for name, hit in zip(names, hits, strict=True) if hit]

    def first_match(self, answer: Any) -> dict[str, np.ndarray]:
        """The variant `answer` matches, as a one-entry mistakes dict for check_array, or {}. When
        several mistakes give this very output, all are named: any of them may be the student's."""
        found = self.matches(answer)
        return {ALTERNATIVE.join(found): self.variants[found[0]]} if found else {}


def distinguishes(expected: np.ndarray, variants: Iterable[Any], tolerance: Tolerance = FLOAT) -> bool:
    """True when no variant would pass the check for `expected` (a different shape or a value off)."""
    return not VariantIndex({str(i): v for i, v in enumerate(variants)}, tolerance).matches(expected)


def with_article(phrase: str) -> str:
    """'a 7x8 image', 'an 8x7 image', 'an 11x6 image', 'an 18x5 image'."""
    head = phrase.split("x", 1)[0].split(" ", 1)[0]
    spoken_with_vowel = head.isdigit() and (head.startswith("8") or head in ("11", "18")
                                            or (len(head) in (5, 6) and head[:2] in ("11", "18")))
    return ("an " if spoken_with_vowel else "a ") + phrase


def floor_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """The lecture's output size, floor((n + 2p - f) / s + 1), in integer arithmetic."""
    return (n + 2 * p - f) // s + 1


# Output sizes students compute instead of the lecture's floor: a probe meant to catch them has, on
# some axis, a size where each of these differs from the floor.
WRONG_SIZES: Mapping[str, Callable[[int, int, int, int], int]] = {
    "the division is rounded up (ceil)": lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1,
    "the division is rounded to nearest (round)": lambda n, f, p, s: round((n + 2 * p - f) / s) + 1,
    "the size is rounded to nearest (round)": lambda n, f, p, s: round((n + 2 * p - f) / s + 1),
    "the +1 of the formula is left out": lambda n, f, p, s: (n + 2 * p - f) // s,
}


def sizes_tell_apart(sides: Sequence[int], f: int, p: int, s: int) -> bool:
    """Every wrong size formula differs from the floor on at least one of the sides."""
    return all(any(wrong(n, f, p, s) != floor_size(n, f, p, s) for n in sides) for wrong in WRONG_SIZES.values())


def reaches_far_padding(sides: Sequence[int], f: int, p: int, s: int) -> bool:
    """The last window on some axis overlaps the padding after the input (bottom or right): else
    padding on the top and left only gives the same output, and cannot be told apart."""
    return any((floor_size(n, f, p, s) - 1) * s + f > n + p for n in sides)


def shape_mistakes(expected: np.ndarray) -> dict[str, np.ndarray]:
    """What a right computation gives without the + 1 of the size (one row and one column short).

    Other wrong sizes are left to the shape message, which names the short axis and the formula:
    an answer cut short on one axis has too many possible causes to name one."""
    return {"the + 1 of the size formula is left out (one row and one column short)": expected[:-1, :-1]}


def has_fraction(array: np.ndarray) -> bool:
    return bool(np.any(np.asarray(array) != np.trunc(array)))


ProbeSets = dict[str, tuple[Probe, ...]]


def cached_probes(generate: Callable[[int], ProbeSets]) -> Callable[[int], ProbeSets]:
    """Probes are a pure function of the seed; the checks of one grading ask for them once per case.

    The cached arrays are made read-only: a student's function gets a copy (answers.call_on_probe),
    and nothing on the staff side may change a probe another case will use."""
    @lru_cache(maxsize=16)
    def frozen(seed: int) -> ProbeSets:
        probes = generate(seed)
        for group in probes.values():
            for probe in group:
                for value in (*probe.args, *probe.kwargs.values()):
                    if isinstance(value, np.ndarray):
                        value.setflags(write=False)
        return probes

    def probes_for(seed: int) -> ProbeSets:
        return dict(frozen(seed))
    probes_for.__doc__ = generate.__doc__
    return probes_for


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
    expectations: dict[str, tuple[np.ndarray, VariantIndex, str]] = {}

    def check(output: Any, probe: Probe) -> None:
        if probe.id not in expectations:
            expectations[probe.id] = (reference(*probe.args, **probe.kwargs), VariantIndex(mistakes(probe), tolerance),
                                      shape_why(probe))
        expected, variants, why = expectations[probe.id]
        # check_array names the first mistake the output matches; only that one is handed over.
        check_array(output, label, expected, tolerance, variants.first_match(output), why, probe.description)
    return check


def value_case(case_id: str, title: str, points: float, check: Callable[[Answers], None]) -> Case:
    return Case(case_id, title, points, hidden=True, check=check)
