"""Hidden checks for hw1: the four edge grids, conv2d on fresh inputs, stride and padding."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions import hw1 as ref
from solutions import lecture

from ..checks.compare import check_array
from ..checks.core import Answers, Case, Probe
from ..checks.public import why_size
from .common import (FLOAT, array_probe_check, cached_probes, distinguishes, eighths, floor_size, has_fraction,
                     probe_cases, reaches_far_padding, redraw, rng_for, shape_mistakes, sizes_tell_apart, value_case,
                     whole_numbers, with_article)

VALUES = ("vertical_edges", "horizontal_edges", "sobel_edges", "scharr_edges", "strided_edges",
          "flat_region_output")
FUNCTIONS = ("conv2d",)
MAX_SIDE = 11


def _flipped(kernel: np.ndarray) -> np.ndarray:
    return np.asarray(kernel)[::-1, ::-1]


FLIPPED = "the kernel is flipped (true convolution); the lecture's convolution is cross-correlation, no flip"
TRUNCATED = ("the values are cut to whole numbers (an integer output array, such as np.zeros(..., dtype=int) "
             "or np.zeros_like of an integer image): conv2d returns a float array")


@dataclass(frozen=True)
class Role:
    """What probe k always is; only the numbers are drawn."""

    strides: tuple[int, ...]
    paddings: tuple[int, ...]
    kernel_sizes: tuple[int, ...]
    whole_image: bool = False    # an integer-dtype image (as the lecture's), with a fractional kernel
    keywords: bool = True        # pass stride and padding; False calls conv2d(x, k) on its defaults


# Probe 1 is the lecture's setting (3x3 kernel, defaults) on an integer image; probe 2 pads at
# stride 1; probe 3 strides without padding; probes 4-6 do both. Every output is non-square and
# holds fractions; a flipped, transposed or integer-cut kernel, a wrong size formula, ... is told apart
# wherever its role allows (see _conv2d_mistakes), so each mistake loses the same cases on every seed.
CONV2D_ROLES = (
    Role(strides=(1,), paddings=(0,), kernel_sizes=(3,), whole_image=True, keywords=False),
    Role(strides=(1,), paddings=(1, 2), kernel_sizes=(2, 4)),
    Role(strides=(2, 3), paddings=(0,), kernel_sizes=(2, 4, 5)),
    Role(strides=(2, 3), paddings=(1, 2), kernel_sizes=(2, 4, 5)),
    Role(strides=(2, 3, 4), paddings=(1, 2), kernel_sizes=(2, 4, 5)),
    Role(strides=(2, 3), paddings=(1,), kernel_sizes=(2, 4, 5)),
)
CONV2D_PROBES = len(CONV2D_ROLES)


def _grid_case(case_id: str, name: str, kernel: np.ndarray, points: float) -> Case:
    expected = ref.conv2d(lecture.IMAGE, kernel)
    mistakes = {FLIPPED: ref.conv2d(lecture.IMAGE, _flipped(kernel)),
                "the grid is transposed (rows and columns swapped)": expected.T}

    def check(answers: Answers) -> None:
        check_array(answers.value(name), name, expected, FLOAT, mistakes, why_size(6, 3))
    return value_case(case_id, f"{name} has the right values", points, check)


def _conv2d_probe(rng: np.random.Generator, index: int, role: Role) -> Probe:
    def structure() -> tuple[int, int, int, int, int]:
        f, s, p = (int(rng.choice(options)) for options in (role.kernel_sizes, role.strides, role.paddings))
        n_h, n_w = (int(n) for n in rng.integers(max(f, f + s - 2 * p), MAX_SIDE + 1, size=2))
        return f, s, p, n_h, n_w

    def fits(drawn: tuple[int, int, int, int, int]) -> bool:
        # Non-square output of at least 2x2; with a stride, sizes where round and ceil differ from
        # the floor; with padding, a last window that reaches the bottom or right padding, and a
        # size other than the unpadded image's.
        f, s, p, n_h, n_w = drawn
        out_h, out_w = floor_size(n_h, f, p, s), floor_size(n_w, f, p, s)
        return (min(out_h, out_w) >= 2 and out_h != out_w
                and (s == 1 or sizes_tell_apart((n_h, n_w), f, p, s))
                and (p == 0 or (reaches_far_padding((n_h, n_w), f, p, s)
                                and any(floor_size(n, f, 0, s) != floor_size(n, f, p, s) for n in (n_h, n_w)))))

    def draw() -> Probe:
        f, s, p, n_h, n_w = redraw(structure, fits, f"the shape of conv2d probe {index}")
        image = whole_numbers(rng, (n_h, n_w)) if role.whole_image else eighths(rng, (n_h, n_w))
        kwargs = {"stride": s, "padding": p} if role.keywords else {}
        shown = f", stride={s}, padding={p}" if role.keywords else ""
        kind = "integer image (int64)" if role.whole_image else "image"
        return Probe(f"conv2d.hidden-{index}", (image, eighths(rng, (f, f))), kwargs,
                     f"{with_article(f'{n_h}x{n_w} {kind}')}, a {f}x{f} kernel{shown}")

    def accept(probe: Probe) -> bool:
        return distinguishes(ref.conv2d(*probe.args, **probe.kwargs), _conv2d_mistakes(probe).values())

    return redraw(draw, accept, f"conv2d probe {index}")


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
    mistakes = {
        FLIPPED: ref.conv2d(image, _flipped(kernel), stride, padding),
        "the kernel is transposed (k[b, a] instead of k[a, b])": ref.conv2d(image, kernel.T, stride, padding),
        TRUNCATED: np.trunc(expected),
        "the values are rounded to whole numbers: conv2d returns a float array": np.round(expected),
        "the kernel is converted to integers": ref.conv2d(image, np.trunc(kernel), stride, padding),
        "the window and the kernel are matrix-multiplied (@ or np.dot) instead of multiplied element-wise "
        "and summed": np.einsum("ijab,bc->ij", windows, kernel),
        "the loops stop one short, so the last row and column are never filled":
            np.pad(expected[:-1, :-1], ((0, 1), (0, 1))),
        "the output is transposed (rows and columns swapped)": expected.T,
        **shape_mistakes(expected),
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
        mistakes["the image sits in the top-left corner of the padded array (all the padding at the bottom "
                 "and right)"] = ref.conv2d(np.pad(image, ((0, 2 * padding), (0, 2 * padding))), kernel, stride, 0)
        mistakes["the padding repeats the edge values; padding is zeros"] = ref.conv2d(
            np.pad(image, padding, mode="edge"), kernel, stride, 0)
        mistakes["the padding is doubled"] = ref.conv2d(image, kernel, stride, 2 * padding)
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
    check_array(answers.value("strided_edges"), "strided_edges", ref.strided_edges, FLOAT, STRIDED_MISTAKES,
                why_size(6, 3, 1, 2))


def _flat_check(answers: Answers) -> None:
    check_array(answers.value("flat_region_output"), "flat_region_output", ref.flat_region_output, FLOAT,
                {}, why_size(6, 3))


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
