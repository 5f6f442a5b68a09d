"""Building blocks shared by the hidden checks: probe cases and random probe inputs.

Every hidden probe is drawn at random for freshness, but within a role: probe k of a function
always has the same structure (stride or not, padding or not, an integer or a fractional input,
...), and a draw is kept only when it tells the correct answer apart from every known mistake that
its role is there to catch. A mistake therefore loses the same cases on every grading seed.
autograder/course/hidden/mutants.py holds those mistakes as student code; tests/test_mutants.py grades
them on hundreds of seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from autograder.checks.compare import check_array
from autograder.checks.core import Answers, Case, CheckFailed, Probe, Tolerance

# One float tolerance for public and hidden checks, defined once in checks/public.py: rtol=1e-5, atol=1e-4.
# A correct float32 FFT convolution is off by at most 1.53e-5 on the hidden probes of 200 seeds (about
# 7e-6 * (1 + |value|); tests/test_honest_variants.py grades it), under a sixth of atol. Probe values
# are multiples of 1/8 (1/64 for max pooling): a mistake moves some entry by 1/128 or more, a rounding
# to 2 decimals by 6e-4 or more, and each probe is drawn so that every known mistake fails it with this
# tolerance (distinguishes). A rounding to 4 decimals (2.5e-5 or 5e-5 off) is within float32's reach.
from autograder.checks.public import FLOAT

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
    spoken_with_vowel = head.isdigit() and (
        head.startswith("8") or head in ("11", "18") or (len(head) in (5, 6) and head[:2] in ("11", "18"))
    )
    return ("an " if spoken_with_vowel else "a ") + phrase


def floor_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """The lecture's output size, floor((n + 2p - f) / s + 1), in integer arithmetic."""
    return (n + 2 * p - f) // s + 1


def residue_period(s: int) -> int:
    """How often the rounding of (n + 2p - f) / s repeats as n grows: every s for an odd stride,
    every 2s for an even one (round() sends q + 1/2 to the even neighbour of q and q + 1, so the
    parity of q matters there too)."""
    return s if s % 2 else 2 * s


@dataclass(frozen=True)
class Grid:
    """The window structure shared by every probe of a role; only the sides and the values are drawn.

    f, s and p are fixed, and so, on each axis, is the residue of n + 2p - f modulo residue_period(s):
    the remainder r of its division by s (and, for an even s, the parity of the quotient). Whatever a
    size formula or a loop bound gets wrong with floor, round, ceil, "+ 1" or "range(0, n - f, s)"
    then goes wrong on the same axes of every draw. So is which axis has more outputs (`taller`):
    an answer that mixes up the axes is told apart the same way on every seed.
    """

    f: int
    s: int = 1
    p: int = 0
    residues: tuple[int, int] = (0, 0)
    taller: bool = True

    def __post_init__(self) -> None:
        period = residue_period(self.s)
        if any(not 0 <= r < period for r in self.residues):
            raise ValueError(f"residues {self.residues} are not in range({period}) for s={self.s}")

    def out(self, n: int) -> int:
        return floor_size(n, self.f, self.p, self.s)

    def axis_sides(self, residue: int, high: int) -> tuple[int, ...]:
        """Sides from f to `high` with this residue and at least two outputs."""
        period = residue_period(self.s)
        return tuple(
            n for n in range(self.f, high + 1) if (n + 2 * self.p - self.f) % period == residue and self.out(n) >= 2
        )

    def sides(self, high: int) -> tuple[tuple[int, int], ...]:
        """Every (n_H, n_W) up to `high` with the role's residues and orientation (never square)."""
        return _grid_sides(self, high)

    def draw(self, rng: np.random.Generator, high: int) -> tuple[int, int]:
        choices = self.sides(high)
        if not choices:
            raise RuntimeError(f"no sides up to {high} have the structure {self}")
        n_h, n_w = choices[int(rng.integers(len(choices)))]
        return n_h, n_w

    def remainders(self) -> tuple[int, int]:
        """r = (n + 2p - f) mod s on the rows and on the columns."""
        return self.residues[0] % self.s, self.residues[1] % self.s

    def reaches_far_padding(self) -> bool:
        """The last window on some axis overlaps the padding after the input (bottom or right): it
        ends at n + 2p - r, past n + p when r < p. Else padding only the top and left gives the
        same output, and cannot be told apart."""
        return self.p > 0 and any(r < self.p for r in self.remainders())

    def short_axes(self) -> tuple[bool, bool]:
        """The axes a loop over input positions, range(0, n + 2p - f, s), leaves one short: those
        where the last window ends exactly on the edge (r = 0)."""
        rows, cols = self.remainders()
        return rows == 0, cols == 0


@lru_cache(maxsize=64)
def _grid_sides(grid: Grid, high: int) -> tuple[tuple[int, int], ...]:
    rows, cols = (grid.axis_sides(r, high) for r in grid.residues)
    return tuple(
        (n_h, n_w)
        for n_h in rows
        for n_w in cols
        if grid.out(n_h) != grid.out(n_w) and (grid.out(n_h) > grid.out(n_w)) == grid.taller
    )


def grid_of(n_h: int, n_w: int, f: int, s: int = 1, p: int = 0) -> Grid:
    """The Grid a probe of these sides has: what tests compare across seeds."""
    period = residue_period(s)
    return Grid(
        f,
        s,
        p,
        ((n_h + 2 * p - f) % period, (n_w + 2 * p - f) % period),
        floor_size(n_h, f, p, s) > floor_size(n_w, f, p, s),
    )


def short_loop_mistakes(expected: np.ndarray, grid: Grid, both_named_elsewhere: bool = False) -> dict[str, np.ndarray]:
    """What a loop over input positions one short, range(0, n + 2p - f, s), gives into an output
    sized by the formula: its last row and/or column left at 0 (on the axes where r = 0). When both
    are, the caller may already name it (the loops stop one short). Rows appended by such a loop
    give an output cut short instead: the shape message names the axis and the formula, as for
    every output cut short on one axis (see shape_mistakes)."""
    rows, cols = grid.short_axes()
    if not (rows or cols) or (rows and cols and both_named_elsewhere):
        return {}
    unfilled = np.array(expected, dtype=float)
    if rows:
        unfilled[-1] = 0
    if cols:
        unfilled[:, -1] = 0
    axes = "last row and column" if rows and cols else "last row" if rows else "last column"
    return {
        f"range(0, n + 2p - f, s) over the input positions stops one short (range's end is excluded: use "
        f"n + 2p - f + 1), so the {axes} of the output is never filled": unfilled
    }


@dataclass(frozen=True)
class Signature:
    """What a probe's right output always shows, whatever the draw: its signs, the finest binary
    fraction in it (8: some entry is an odd number of eighths; 0: some entry is no binary fraction at
    all, as an average over 9), and whether float16 holds every entry exactly. A ReLU or abs on a
    linear output, a rounding to 2 decimals or a float16 cast then fails the same probes every time."""

    negative: bool
    positive: bool
    denominator: int
    float16_exact: bool


def finest_denominator(array: Any, limit: int = 1 << 12) -> int:
    values = np.asarray(array, dtype=float)
    d = 1
    while d <= limit:
        if np.array_equal(values * d, np.round(values * d)):
            return d
        d *= 2
    return 0


def signature(array: Any) -> Signature:
    values = np.asarray(array, dtype=float)
    return Signature(
        bool(np.any(values < 0)),
        bool(np.any(values > 0)),
        finest_denominator(values),
        bool(np.array_equal(values.astype(np.float16).astype(float), values)),
    )


def value_mistakes(expected: np.ndarray, linear: bool) -> dict[str, np.ndarray]:
    """Output post-processing students add: on a linear map, a ReLU or abs (caught by negative
    entries); on any, a rounding to 2 decimals (caught by an entry that is not a multiple of 1/4) and
    a float16 cast (caught by an entry float16 cannot hold). Listed only where the output shows it."""
    mistakes = {}
    if linear and np.any(expected < 0):
        mistakes["a ReLU is applied (np.maximum(out, 0)): this output is linear and keeps its negative values"] = (
            np.maximum(expected, 0)
        )
        mistakes["np.abs is applied: this output keeps its negative values"] = np.abs(expected)
    if not np.array_equal(np.round(expected, 2), expected):
        mistakes["the values are rounded to 2 decimals: return them unrounded"] = np.round(expected, 2)
    half = expected.astype(np.float16).astype(float)
    if not np.array_equal(half, expected):
        mistakes["the output is float16, which cannot hold every value exactly: return float64 (or float32)"] = half
    return mistakes


def shape_mistakes(expected: np.ndarray) -> dict[str, np.ndarray]:
    """What a right computation gives without the + 1 of the size (one row and one column short).

    Other wrong sizes are left to the shape message, which names the short axis and the formula:
    an answer cut short on one axis has too many possible causes to name one."""
    return {"the + 1 of the size formula is left out (one row and one column short)": expected[:-1, :-1]}


def asymmetric(kernel: Any) -> bool:
    """True when no flip, transpose or rotation leaves a kernel (or any 2-D slice of a filter
    (f, f, ...): one per channel and filter) unchanged, and no two of its rows, nor two of its
    columns, are equal. A kernel with a symmetry hides a partial flip (k[::-1], np.fliplr, np.rot90,
    k.T) on the draws that have it: such a mistake would lose points on some seeds only."""
    array = np.asarray(kernel, dtype=float)
    f = array.shape[0]
    planes = array.reshape(f, f, -1).transpose(2, 0, 1)  # (slices, f, f)
    images = (
        planes[:, ::-1],
        planes[:, :, ::-1],
        planes[:, ::-1, ::-1],
        planes.transpose(0, 2, 1),
        planes[:, ::-1, ::-1].transpose(0, 2, 1),
        np.rot90(planes, axes=(1, 2)),
        np.rot90(planes, -1, axes=(1, 2)),
    )
    if any(np.any(np.all(image == planes, axis=(1, 2))) for image in images):
        return False
    off_diagonal = ~np.eye(f, dtype=bool)
    columns = planes.transpose(0, 2, 1)
    equal_rows = np.all(planes[:, :, None, :] == planes[:, None, :, :], axis=3)
    equal_cols = np.all(columns[:, :, None, :] == columns[:, None, :, :], axis=3)
    return not (np.any(equal_rows & off_diagonal) or np.any(equal_cols & off_diagonal))


def has_fraction(array: np.ndarray) -> bool:
    return bool(np.any(np.asarray(array) != np.trunc(array)))


ProbeSets = dict[str, tuple[Probe, ...]]


def cached_probes(generate: Callable[[int], ProbeSets]) -> Callable[[int], ProbeSets]:
    """Probes are a pure function of the seed; the checks of one grading ask for them once per case.

    The cached arrays are made read-only: a student's function gets a copy (answers.call_on_probe),
    and nothing on the staff side may change a probe another case will use."""

    # Enough for every seed tests/test_mutants.py grades: its cases and its structure test share the draws.
    @lru_cache(maxsize=256)
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


def probe_cases(
    question: str,
    function: str,
    probes: Sequence[Probe],
    points_each: float,
    check: ProbeCheck,
    reference: Callable[..., Any] | None = None,
) -> tuple[Case, ...]:
    """One hidden case per probe: partial credit per input the function gets right.

    With `reference` (a function of a few whole numbers, whose answers repeat across inputs): a function that gives
    one answer on every probe, where the reference gives several, earns none of them. Each probe's role fixes some
    of its parameters on every seed (same_padding's first is f = 5, s = 1, so p = 2 whatever n is): `return 2`
    would be right there on every seed, and a lookup of the public inputs with a constant besides likewise."""
    varies = reference is not None and len({reference(*p.args, **p.kwargs) for p in probes}) > 1

    def case_for(index: int, probe: Probe) -> Case:
        def run(answers: Answers) -> None:
            output = answers.call(function, probe)
            check(output, probe)
            if varies:
                _require_varying(answers, function, probes, output)

        return Case(
            f"{question}.{function}-{index}",
            f"{function} on a hidden input ({probe.description})",
            points_each,
            hidden=True,
            check=run,
        )

    return tuple(case_for(i, probe) for i, probe in enumerate(probes, start=1))


def _require_varying(answers: Answers, function: str, probes: Sequence[Probe], output: Any) -> None:
    for other in probes:
        try:
            if answers.call(function, other) != output:
                return
        except CheckFailed:
            return  # it failed there, so it does not give one answer everywhere: that case says why
    raise CheckFailed(
        f"`{function}` gives {output!r} on every hidden input, whatever the input, where the right answers differ: "
        "it must compute its answer from its arguments.",
        mistake="the same answer on every input",
    )


def array_probe_check(
    label: str,
    reference: Callable[..., np.ndarray],
    mistakes: Callable[[Probe], Mapping[str, np.ndarray]],
    shape_why: Callable[[Probe], str],
    tolerance: Tolerance = FLOAT,
) -> ProbeCheck:
    """Compare a function's output on a probe with the reference's, naming known mistakes.

    The reference side depends on the probe alone, so it is computed once per probe and reused for
    every submission of the run, not once per submission."""
    expectations: dict[str, tuple[np.ndarray, VariantIndex, str]] = {}

    def check(output: Any, probe: Probe) -> None:
        if probe.id not in expectations:
            expectations[probe.id] = (
                reference(*probe.args, **probe.kwargs),
                VariantIndex(mistakes(probe), tolerance),
                shape_why(probe),
            )
        expected, variants, why = expectations[probe.id]
        # check_array names the first mistake the output matches; only that one is handed over.
        check_array(output, label, expected, tolerance, variants.first_match(output), why, probe.description)

    return check


def value_case(case_id: str, title: str, points: float, check: Callable[[Answers], None]) -> Case:
    return Case(case_id, title, points, hidden=True, check=check)
