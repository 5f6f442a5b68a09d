"""Hidden checks for hw1: the four edge grids, conv2d on fresh inputs, stride and padding."""
from __future__ import annotations

from typing import Callable

import numpy as np

from solutions import hw1 as ref
from solutions import lecture

from ..checks.compare import check_array
from ..checks.core import Answers, Case, Probe
from ..checks.public import why_size
from .common import FLOAT, array_probe_check, probe_cases, rng_for, small_ints, value_case

VALUES = ("vertical_edges", "horizontal_edges", "sobel_edges", "scharr_edges", "strided_edges",
          "flat_region_output")
FUNCTIONS = ("conv2d",)
CONV2D_PROBES = 6


def _flipped(kernel: np.ndarray) -> np.ndarray:
    return np.asarray(kernel)[::-1, ::-1]


FLIPPED = "the kernel is flipped (true convolution); the lecture's convolution is cross-correlation, no flip"


def _grid_case(case_id: str, name: str, kernel: np.ndarray, points: float) -> Case:
    expected = ref.conv2d(lecture.IMAGE, kernel)
    mistakes = {FLIPPED: ref.conv2d(lecture.IMAGE, _flipped(kernel)),
                "the grid is transposed (rows and columns swapped)": expected.T}

    def check(answers: Answers) -> None:
        check_array(answers.value(name), name, expected, FLOAT, mistakes, why_size(6, 3))
    return value_case(case_id, f"{name} has the right values", points, check)


def hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw1")
    probes = []
    for index in range(1, CONV2D_PROBES + 1):
        f = int(rng.choice([2, 3, 5]))
        # Even probes always stride and pad, odd ones never: a function that ignores stride or
        # padding then loses the same cases whatever the seed, so two gradings agree.
        stride, padding = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        n_h, n_w = (int(n) for n in rng.integers(f + 2, 11, size=2))
        kwargs = {"stride": stride, "padding": padding} if index % 2 == 0 else {}
        shown = f", stride={stride}, padding={padding}" if kwargs else ""
        probes.append(Probe(f"conv2d.hidden-{index}", (small_ints(rng, (n_h, n_w)), small_ints(rng, (f, f))),
                            kwargs, f"a {n_h}x{n_w} image, a {f}x{f} kernel{shown}"))
    return {"conv2d": tuple(probes)}


def _conv2d_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    image, kernel = probe.args
    stride, padding = probe.kwargs.get("stride", 1), probe.kwargs.get("padding", 0)
    mistakes = {FLIPPED: ref.conv2d(image, _flipped(kernel), stride, padding)}
    if padding:
        mistakes["padding is ignored"] = ref.conv2d(image, kernel, stride, 0)
    if stride > 1:
        mistakes["stride is ignored (every position is visited)"] = ref.conv2d(image, kernel, 1, padding)
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
