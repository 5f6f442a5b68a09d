"""Hidden checks for hw1: the four edge grids, conv2d on fresh inputs, stride and padding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograder.checks.compare import check_array
from autograder.checks.core import Answers, Case, Probe
from autograder.checks.public import why_size
from autograder.course.hidden.common import (
    EIGHTHS,
    FLOAT,
    Grid,
    Signature,
    array_probe_check,
    asymmetric,
    cached_probes,
    distinguishes,
    eighths,
    grid_of,
    has_fraction,
    probe_cases,
    redraw,
    rng_for,
    shape_mistakes,
    short_loop_mistakes,
    signature,
    value_case,
    value_mistakes,
    whole_numbers,
    with_article,
)
from solutions import hw1 as ref
from solutions import lecture

VALUES = ("vertical_edges", "horizontal_edges", "sobel_edges", "scharr_edges", "strided_edges", "flat_region_output")
FUNCTIONS = ("conv2d",)
MAX_SIDE = 12


def _flipped(kernel: np.ndarray) -> np.ndarray:
    return np.asarray(kernel)[::-1, ::-1]


FLIPPED = "the kernel is flipped (true convolution); the lecture's convolution is cross-correlation, no flip"
TRUNCATED = (
    "the values are cut to whole numbers (an integer output array, such as np.zeros(..., dtype=int) "
    "or np.zeros_like of an integer image): conv2d returns a float array"
)


@dataclass(frozen=True)
class Role:
    """What probe k always is; only the sides and the numbers are drawn."""

    grid: Grid
    float16_shows: bool = False  # some output entry is one float16 cannot hold
    whole_image: bool = False  # an integer-dtype image (as the lecture's), with a fractional kernel
    keywords: bool = True  # pass stride and padding; False calls conv2d(x, k) on its defaults
    positional: bool = False  # stride and padding by position, conv2d(x, k, s, p), as the signature orders them

    def __post_init__(self) -> None:
        if self.grid.p and not self.grid.reaches_far_padding():
            raise ValueError(f"{self}: no axis reaches the far padding, so one-sided padding cannot show")

    @property
    def signature(self) -> Signature:
        # Negative and positive entries; an odd number of eighths (integer image) or of 64ths.
        return Signature(True, True, EIGHTHS if self.whole_image else EIGHTHS**2, not self.float16_shows)


# Probe 1 is the lecture's setting (3x3 kernel, defaults) on an integer image; probe 2 pads at
# stride 1; probe 3 strides without padding; probes 4-6 do both. Each role fixes f (so its parity),
# s, p, the remainder of n + 2p - f by s on each axis (see Grid) and which axis is longer: every
# output is non-square, has negative and positive entries and fractions finer than 1/4, so a
# flipped or transposed kernel, a wrong size formula, a loop one short, a ReLU or a rounding of the
# output ... fails the same probes on every seed (see _conv2d_mistakes and tests/test_mutants.py).
# Remainders r: round and ceil show where r > s/2 (or r = s/2 with the quotient's parity fixed),
# ceil wherever r > 0, a loop one short and (n + 2p - f + 1) // s where r = 0.
CONV2D_ROLES = (
    Role(Grid(3, taller=True), whole_image=True, keywords=False),
    Role(Grid(2, 1, 1, taller=False)),
    Role(Grid(4, 2, 0, residues=(0, 3), taller=True), float16_shows=True),
    Role(Grid(5, 3, 2, residues=(2, 0), taller=False), float16_shows=True),
    Role(Grid(2, 3, 1, residues=(0, 2), taller=True), positional=True),
    Role(Grid(4, 2, 1, residues=(1, 2), taller=False), float16_shows=True),
)
CONV2D_PROBES = len(CONV2D_ROLES)


def _grid_case(case_id: str, name: str, kernel: np.ndarray, points: float) -> Case:
    expected = ref.conv2d(lecture.IMAGE, kernel)
    mistakes = {
        FLIPPED: ref.conv2d(lecture.IMAGE, _flipped(kernel)),
        "the grid is transposed (rows and columns swapped)": expected.T,
    }

    def check(answers: Answers) -> None:
        check_array(answers.value(name), name, expected, FLOAT, mistakes, why_size(6, 3))

    return value_case(case_id, f"{name} has the right values", points, check)


def _conv2d_probe(rng: np.random.Generator, index: int, role: Role) -> Probe:
    grid = role.grid

    def draw() -> Probe:
        n_h, n_w = grid.draw(rng, MAX_SIDE)
        image = whole_numbers(rng, (n_h, n_w)) if role.whole_image else eighths(rng, (n_h, n_w))
        kwargs = {"stride": grid.s, "padding": grid.p} if role.keywords else {}
        shown = f", stride={grid.s}, padding={grid.p}" if role.keywords else ""
        if role.positional:
            shown += f", passed by position: conv2d(x, k, {grid.s}, {grid.p})"
        kind = "integer image (int64)" if role.whole_image else "image"
        return Probe(
            f"conv2d.hidden-{index}",
            (image, eighths(rng, (grid.f, grid.f))),
            kwargs,
            f"{with_article(f'{n_h}x{n_w} {kind}')}, a {grid.f}x{grid.f} kernel{shown}",
            ("stride", "padding") if role.positional else (),
        )

    def accept(probe: Probe) -> bool:
        image, kernel = probe.args
        if not values_apart(image, kernel):
            return False
        expected = ref.conv2d(*probe.args, **probe.kwargs)
        return signature(expected) == role.signature and distinguishes(expected, _conv2d_mistakes(probe).values())

    return redraw(draw, accept, f"conv2d probe {index}")


def values_apart(image: np.ndarray, kernel: np.ndarray) -> bool:
    """No coincidence of values hides a mistake on some draws only: the kernel has no symmetry (a
    flip on one axis, a transpose or a rotation changes it; see common.asymmetric) and both signs
    (np.abs changes it), its sum is neither 0 nor +-1 (dividing by it, or by the sum of its absolute
    values, changes it; subtracting its mean changes it), and the image's mean is not 0 (subtracting
    it, or padding with it, changes the output)."""
    total = float(np.sum(kernel))
    return (
        asymmetric(kernel)
        and bool(np.any(kernel < 0) and np.any(kernel > 0))
        and abs(total) not in (0.0, 1.0)
        and float(np.abs(kernel).sum()) != 1.0
        and float(np.mean(image)) != 0.0
    )


def probe_structure(function: str, probe: Probe) -> tuple:
    """What every seed's probe k has in common (tests/test_mutants.py compares it across seeds)."""
    image, kernel = probe.args
    stride, padding = probe.kwargs.get("stride", 1), probe.kwargs.get("padding", 0)
    return (
        grid_of(image.shape[0], image.shape[1], kernel.shape[0], stride, padding),
        image.dtype.kind,
        tuple(sorted(probe.kwargs)),
        probe.positional,
        signature(ref.conv2d(image, kernel, stride, padding)),
        values_apart(image, kernel),
    )


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw1")
    return {"conv2d": tuple(_conv2d_probe(rng, index, role) for index, role in enumerate(CONV2D_ROLES, start=1))}


hidden_probes = cached_probes(_hidden_probes)


def _conv2d_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    """What each known mistake returns on this probe, computed from the reference.

    A mistake is listed only where the probe's role can show it (padding mistakes where p > 0, ...);
    the probe is redrawn until each listed one differs from the right answer."""
    image, kernel = (np.asarray(a, dtype=float) for a in probe.args)
    stride, padding = probe.kwargs.get("stride", 1), probe.kwargs.get("padding", 0)
    expected = ref.conv2d(image, kernel, stride, padding)
    out_h, out_w = expected.shape
    windows = sliding_window_view(np.pad(image, padding), kernel.shape)[::stride, ::stride]

    def with_kernel(k: np.ndarray) -> np.ndarray:
        return np.einsum("ijab,ab->ij", windows, k)

    mistakes = {
        FLIPPED: with_kernel(_flipped(kernel)),
        "the kernel is transposed (k[b, a] instead of k[a, b])": with_kernel(kernel.T),
        "the kernel is flipped upside down only (k[::-1] or np.flipud): the lecture's convolution flips nothing": with_kernel(
            kernel[::-1]
        ),
        "the kernel is flipped left to right only (k[:, ::-1] or np.fliplr): the lecture's convolution flips "
        "nothing": with_kernel(kernel[:, ::-1]),
        "the kernel is rotated a quarter turn (np.rot90)": with_kernel(np.rot90(kernel)),
        "the kernel is rotated a quarter turn clockwise (np.rot90(k, -1))": with_kernel(np.rot90(kernel, -1)),
        "the kernel is transposed along its other diagonal (k[::-1, ::-1].T)": with_kernel(kernel[::-1, ::-1].T),
        "np.abs is applied to the kernel: its signs are what detects an edge": with_kernel(np.abs(kernel)),
        "the kernel is divided by its sum (normalised): use it as given": expected / kernel.sum(),
        "the kernel is divided by the sum of its absolute values: use it as given": expected / np.abs(kernel).sum(),
        "the kernel's mean is subtracted: use it as given": with_kernel(kernel - kernel.mean()),
        "the image's mean is subtracted: use it as given": ref.conv2d(image - image.mean(), kernel, stride, padding),
        TRUNCATED: np.trunc(expected),
        "the values are rounded to whole numbers: conv2d returns a float array": np.round(expected),
        "the kernel is converted to integers": with_kernel(np.trunc(kernel)),
        "the window and the kernel are matrix-multiplied (@ or np.dot) instead of multiplied element-wise "
        "and summed": np.einsum("ijab,bc->ij", windows, kernel),
        "the loops stop one short, so the last row and column are never filled": np.pad(
            expected[:-1, :-1], ((0, 1), (0, 1))
        ),
        "the output is transposed (rows and columns swapped)": expected.T,
        **shape_mistakes(expected),
        **short_loop_mistakes(
            expected,
            grid_of(image.shape[0], image.shape[1], kernel.shape[0], stride, padding),
            both_named_elsewhere=True,
        ),
        **value_mistakes(expected, linear=True),
    }
    if has_fraction(image):
        mistakes["the image is converted to integers"] = ref.conv2d(np.trunc(image), kernel, stride, padding)
    if padding:
        mistakes["padding is ignored"] = ref.conv2d(image, kernel, stride, 0)
        one_sided = ref.conv2d(np.pad(image, ((padding, 0), (padding, 0))), kernel, stride, 0)
        if one_sided.shape == expected.shape:
            # Of another shape it is the right answer cut short, as many other bugs give it: the
            # check then says which axis is short, and why.
            mistakes["padding is added on one side only (top and left)"] = one_sided
        mistakes[
            "the image sits in the top-left corner of the padded array (all the padding at the bottom and right)"
        ] = ref.conv2d(np.pad(image, ((0, 2 * padding), (0, 2 * padding))), kernel, stride, 0)
        mistakes["the padding repeats the edge values; padding is zeros"] = ref.conv2d(
            np.pad(image, padding, mode="edge"), kernel, stride, 0
        )
        mistakes["the padding is doubled"] = ref.conv2d(image, kernel, stride, 2 * padding)
        mistakes["the padding is the image's mean; padding is zeros"] = ref.conv2d(
            np.pad(image, padding, constant_values=image.mean()), kernel, stride, 0
        )
        mistakes["the padding is ones; padding is zeros"] = ref.conv2d(
            np.pad(image, padding, constant_values=1), kernel, stride, 0
        )
        for mode in ("reflect", "symmetric", "wrap"):
            mistakes[f"np.pad(..., mode={mode!r}) repeats the image into the border; padding is zeros"] = ref.conv2d(
                np.pad(image, padding, mode=mode), kernel, stride, 0
            )
    if probe.positional and padding:
        mistakes[
            "stride and padding are swapped: the signature is conv2d(x, k, stride=1, padding=0), so "
            f"conv2d(x, k, {stride}, {padding}) is stride {stride}, padding {padding}"
        ] = ref.conv2d(image, kernel, padding, stride)
    if stride > 1:
        unstrided = ref.conv2d(image, kernel, 1, padding)
        mistakes["stride is ignored (every position is visited)"] = unstrided
        mistakes["the stride moves the window down the rows only, not across the columns"] = unstrided[::stride, :out_w]
        mistakes["the stride moves the window across the columns only, not down the rows"] = unstrided[:out_h, ::stride]
        mistakes["the stride shrinks the output but the window still moves by 1"] = unstrided[:out_h, :out_w]
    return mistakes


def _conv2d_shape_why(probe: Probe) -> str:
    (n_h, n_w), f = probe.args[0].shape, probe.args[1].shape[0]
    stride, padding = probe.kwargs.get("stride", 1), probe.kwargs.get("padding", 0)
    return f"{why_size(n_h, f, padding, stride)} rows and {why_size(n_w, f, padding, stride)} columns"


STRIDED_MISTAKES = {
    "padding is ignored": ref.conv2d(lecture.IMAGE, lecture.VERTICAL, stride=2),
    "stride is ignored": ref.conv2d(lecture.IMAGE, lecture.VERTICAL, padding=1),
    FLIPPED: ref.conv2d(lecture.IMAGE, _flipped(lecture.VERTICAL), stride=2, padding=1),
}


def _strided_check(answers: Answers) -> None:
    check_array(
        answers.value("strided_edges"),
        "strided_edges",
        ref.strided_edges,
        FLOAT,
        STRIDED_MISTAKES,
        why_size(6, 3, 1, 2),
    )


def _flat_check(answers: Answers) -> None:
    check_array(
        answers.value("flat_region_output"), "flat_region_output", ref.flat_region_output, FLOAT, {}, why_size(6, 3)
    )


def hidden_cases(seed: int) -> tuple[Case, ...]:
    conv2d_check: Callable = array_probe_check("conv2d(...)", ref.conv2d, _conv2d_mistakes, _conv2d_shape_why)
    return (
        _grid_case("hw1.q1.values", "vertical_edges", lecture.VERTICAL, 3),
        _grid_case("hw1.q2.horizontal", "horizontal_edges", lecture.HORIZONTAL, 1),
        _grid_case("hw1.q2.sobel", "sobel_edges", lecture.SOBEL, 1),
        _grid_case("hw1.q2.scharr", "scharr_edges", lecture.SCHARR, 1),
        *probe_cases("hw1.q3", "conv2d", hidden_probes(seed)["conv2d"], 1, conv2d_check),
        value_case("hw1.q4.values", "strided_edges has the right values", 2, _strided_check),
        value_case("hw1.q5.values", "flat_region_output has the right values", 1, _flat_check),
    )
