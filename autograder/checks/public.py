"""The public checks a student runs with grader.check: form and properties, never an answer.

Each check here can be read by students (this module ships in their bundle), so it tests only
what the lecture states openly: shapes from the size formula, types, and properties such as
"a 1x1 kernel of 1 returns the input".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .answers import LiveAnswers
from .coerce import as_choice, as_count, as_float_array, as_shape, describe, require_shape
from .compare import check_array, check_count
from .core import Answers, Case, CheckFailed, Probe, Tolerance
from .tables import read_table, require_layer_axes, require_size_of_shape

# The one float tolerance of the course, for public and hidden checks alike: loose enough for a
# correct float32 implementation (an FFT one included), tight enough for every known mistake to fail.
FLOAT = Tolerance(rtol=1e-5, atol=1e-4)
LENET_ROWS = ("Input", "CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax")
# The dense rows (FC layers and softmax), whose outputs are vectors; the others are volumes (n_H, n_W, n_C).
# The questions list the rows, so which kind each is is public.
LENET_DENSE_ROWS = ("FC3", "FC4", "Softmax")
VGG16_ROW_COUNT = 22
VGG16_DENSE_ROWS = 3  # the last three: FC 4096, FC 4096, Softmax 1000


def size_formula(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """The lecture's output size, floor((n + 2p - f) / s + 1), for shapes in messages."""
    return (n + 2 * p - f) // s + 1


def why_size(n: int, f: int, p: int = 0, s: int = 1) -> str:
    return (
        f"a side of {n} with f={f}, p={p}, s={s} gives floor(({n} + 2*{p} - {f}) / {s} + 1) "
        f"= {size_formula(n, f, p, s)}"
    )


def _counting_grid(n_h: int, n_w: int, channels: int = 0) -> np.ndarray:
    # Distinct, deterministic values: a mixed-up index grid makes transposes and shifts visible.
    shape = (n_h, n_w, channels) if channels else (n_h, n_w)
    return ((np.arange(np.prod(shape)).reshape(shape) * 7) % 11 - 5).astype(float)


def _grid_form(name: str, shape: tuple[int, int], why: str) -> Callable[[Answers], None]:
    def check(answers: Answers) -> None:
        require_shape(as_float_array(answers.value(name), name), name, shape, why)

    return check


def _whole_numbers(*names: str) -> Callable[[Answers], None]:
    def check(answers: Answers) -> None:
        for name in names:
            as_count(answers.value(name), name)

    return check


# Fixed public probes: the same for every student, so grader.check answers at once.
CONV2D_SHAPE = Probe(
    "conv2d.public-shape",
    (_counting_grid(5, 7), _counting_grid(3, 3)),
    {"stride": 2, "padding": 1},
    "a 5x7 image, a 3x3 kernel, stride=2, padding=1",
)
CONV2D_IDENTITY = Probe(
    "conv2d.public-identity", (_counting_grid(4, 6), np.ones((1, 1))), {}, "a 4x6 image and the 1x1 kernel [[1]]"
)
OUTPUT_SIZE_LECTURE = Probe("output_size.public-lecture", (6, 3), {}, "n=6, f=3 (the lecture's example)")
OUTPUT_SIZE_SAME = Probe("output_size.public-same", (6, 3, 1, 1), {}, "n=6, f=3, p=1, s=1")
SAME_PADDING_LECTURE = Probe("same_padding.public-lecture", (6, 3), {}, "n=6, f=3, s=1")
CONV_PARAMS_SMALL = Probe("conv_params.public-small", (1, 1, 1), {}, "f=1, n_c_prev=1, n_filters=1")
FC_PARAMS_SMALL = Probe("fc_params.public-small", (1, 1), {}, "n_in=1, n_out=1")
# Not square: the function must handle any (n_H, n_W, c) volume, as the hidden probes are not square either.
CONV_VOLUME_SHAPE = Probe(
    "conv_volume.public-shape",
    (_counting_grid(5, 6, 3), _counting_grid(3, 3, 3)),
    {},
    "a 5x6x3 volume and a 3x3x3 filter",
)
LAYER_SHAPE = Probe(
    "conv_layer_forward.public-shape",
    (_counting_grid(6, 6, 3), _counting_grid(3, 3, 3 * 2).reshape(3, 3, 3, 2), np.zeros(2)),
    {"stride": 1, "padding": 1},
    "a 6x6x3 input, two 3x3x3 filters, stride=1, padding=1",
)
POOL_MAX_SHAPE = Probe(
    "pool_forward.public-max", (_counting_grid(6, 6, 2), 2, 2), {"mode": "max"}, "a 6x6x2 input, f=2, s=2, mode='max'"
)
POOL_AVERAGE_SHAPE = Probe(
    "pool_forward.public-average",
    (_counting_grid(6, 6, 2), 2, 2),
    {"mode": "average"},
    "a 6x6x2 input, f=2, s=2, mode='average'",
)


def _conv2d_shape(answers: Answers) -> None:
    out = as_float_array(answers.call("conv2d", CONV2D_SHAPE), "conv2d(...)")
    require_shape(
        out,
        "conv2d(...)",
        (size_formula(5, 3, 1, 2), size_formula(7, 3, 1, 2)),
        f"on {CONV2D_SHAPE.description}, {why_size(5, 3, 1, 2)} and {why_size(7, 3, 1, 2)}",
    )


def _conv2d_identity(answers: Answers) -> None:
    image = CONV2D_IDENTITY.args[0]
    check_array(
        answers.call("conv2d", CONV2D_IDENTITY),
        "conv2d(...)",
        image,
        FLOAT,
        shape_why="a 1x1 kernel keeps the size",
        where=CONV2D_IDENTITY.description,
    )


def _lecture_sizes(answers: Answers) -> None:
    check_count(answers.call("output_size", OUTPUT_SIZE_LECTURE), "output_size(6, 3)", size_formula(6, 3))
    check_count(answers.call("output_size", OUTPUT_SIZE_SAME), "output_size(6, 3, 1, 1)", size_formula(6, 3, 1, 1))


def _lecture_same_padding(answers: Answers) -> None:
    # The lecture works this one out: a 3x3 filter at stride 1 needs p = (f - 1) / 2 = 1.
    check_count(answers.call("same_padding", SAME_PADDING_LECTURE), "same_padding(6, 3)", (3 - 1) // 2)


def _rounding_word(answers: Answers) -> None:
    as_choice(answers.value("hw2_rounding"), "hw2_rounding", ("floor", "ceil"))


def _lenet_form(answers: Answers) -> None:
    cells = read_table(answers.value("lenet_table"), LENET_ROWS, "lenet_table")
    for row, (shape, size, _) in cells.items():
        require_layer_axes(shape, f"lenet_table[{row!r}] shape", volume=row not in LENET_DENSE_ROWS)
        require_size_of_shape(shape, size, f"lenet_table[{row!r}] size")


def _count_functions(answers: Answers) -> None:
    as_count(answers.call("conv_params", CONV_PARAMS_SMALL), "conv_params(1, 1, 1)")
    as_count(answers.call("fc_params", FC_PARAMS_SMALL), "fc_params(1, 1)")


def _vgg_form(answers: Answers) -> None:
    shapes = answers.value("vgg16_shapes")
    if not isinstance(shapes, list) or len(shapes) != VGG16_ROW_COUNT:
        raise CheckFailed(
            f"`vgg16_shapes` is {describe(shapes)}; expected a list of "
            f"{VGG16_ROW_COUNT} shapes, one per row of VGG-16 (the question lists them)."
        )
    for row, shape in enumerate(shapes):
        label = f"vgg16_shapes[{row}]"
        require_layer_axes(as_shape(shape, label), label, volume=row < VGG16_ROW_COUNT - VGG16_DENSE_ROWS)


def _volume_shape(answers: Answers) -> None:
    out = as_float_array(answers.call("conv_volume", CONV_VOLUME_SHAPE), "conv_volume(...)")
    require_shape(
        out,
        "conv_volume(...)",
        (size_formula(5, 3), size_formula(6, 3)),
        f"on {CONV_VOLUME_SHAPE.description}, one filter gives one 2-D map of "
        f"(n_H - f + 1, n_W - f + 1): the channels are summed",
    )


def _layer_shape(answers: Answers) -> None:
    out = as_float_array(answers.call("conv_layer_forward", LAYER_SHAPE), "conv_layer_forward(...)")
    require_shape(
        out,
        "conv_layer_forward(...)",
        (6, 6, 2),
        f"on {LAYER_SHAPE.description}: {why_size(6, 3, 1, 1)}, one channel per filter",
    )
    if (out < 0).any():
        raise CheckFailed("`conv_layer_forward(...)` has negative outputs; the layer ends with ReLU.")


def _pool_shapes(answers: Answers) -> None:
    for probe in (POOL_MAX_SHAPE, POOL_AVERAGE_SHAPE):
        out = as_float_array(answers.call("pool_forward", probe), "pool_forward(...)")
        require_shape(
            out,
            "pool_forward(...)",
            (3, 3, 2),
            f"on {probe.description}: {why_size(6, 2, 0, 2)}, and pooling keeps the channels",
        )


def _case(
    case_id: str, title: str, points: float, check: Callable[[Answers], None], probes: tuple[Probe, ...] = ()
) -> Case:
    return Case(case_id, title, points, hidden=False, check=check, probes=probes)


PUBLIC_CASES: tuple[Case, ...] = (
    _case(
        "hw1.q1.form",
        "vertical_edges is a 4x4 grid of numbers",
        1,
        _grid_form("vertical_edges", (4, 4), why_size(6, 3)),
    ),
    _case(
        "hw1.q2.form-horizontal",
        "horizontal_edges is a 4x4 grid",
        0.5,
        _grid_form("horizontal_edges", (4, 4), why_size(6, 3)),
    ),
    _case("hw1.q2.form-sobel", "sobel_edges is a 4x4 grid", 0.5, _grid_form("sobel_edges", (4, 4), why_size(6, 3))),
    _case("hw1.q2.form-scharr", "scharr_edges is a 4x4 grid", 0.5, _grid_form("scharr_edges", (4, 4), why_size(6, 3))),
    _case("hw1.q3.shape", "conv2d gives the output size of the formula", 1, _conv2d_shape, (CONV2D_SHAPE,)),
    _case(
        "hw1.q3.identity", "conv2d with the 1x1 kernel [[1]] returns the image", 1, _conv2d_identity, (CONV2D_IDENTITY,)
    ),
    _case("hw1.q4.form", "strided_edges is a 3x3 grid", 1, _grid_form("strided_edges", (3, 3), why_size(6, 3, 1, 2))),
    _case(
        "hw1.q5.form", "flat_region_output is a 4x4 grid", 0.5, _grid_form("flat_region_output", (4, 4), why_size(6, 3))
    ),
    _case(
        "hw2.q1.lecture",
        "output_size on the lecture's examples",
        1,
        _lecture_sizes,
        (OUTPUT_SIZE_LECTURE, OUTPUT_SIZE_SAME),
    ),
    _case("hw2.q2.lecture", "same_padding on the lecture's example", 1, _lecture_same_padding, (SAME_PADDING_LECTURE,)),
    _case("hw2.q3.form", "hw2_rounding is 'floor' or 'ceil'", 0.5, _rounding_word),
    _case(
        "hw2.q4.form",
        "hw2_padding and hw2_output_other_rounding are whole numbers",
        0.5,
        _whole_numbers("hw2_padding", "hw2_output_other_rounding"),
    ),
    _case(
        "hw3.q1.form",
        "lenet_table has the 8 rows, each with shape, size, params; volumes have 3 axes; sizes match shapes",
        1,
        _lenet_form,
    ),
    _case(
        "hw3.q2.form",
        "conv_params and fc_params return whole numbers",
        1,
        _count_functions,
        (CONV_PARAMS_SMALL, FC_PARAMS_SMALL),
    ),
    _case("hw4.q1.form", "params_10_filters_3x3x3 is a whole number", 0.5, _whole_numbers("params_10_filters_3x3x3")),
    _case("hw4.q2.form", "fc_weights_hr is a whole number", 0.5, _whole_numbers("fc_weights_hr")),
    _case(
        "hw4.q3.form",
        "the two counts of q3 are whole numbers",
        0.5,
        _whole_numbers("fc_weights_lenet_conv1", "conv_params_lenet_conv1"),
    ),
    _case("hw4.q4.form", "pool_params is a whole number", 0.5, _whole_numbers("pool_params")),
    _case("hw4.q5.form", "vgg16_shapes lists 22 shapes: volumes (n_H, n_W, n_C), then vectors", 1, _vgg_form),
    _case("hw5.q1.shape", "conv_volume gives one 2-D map", 1, _volume_shape, (CONV_VOLUME_SHAPE,)),
    _case("hw5.q2.shape", "conv_layer_forward gives (n_H, n_W, n_C) and applies ReLU", 1, _layer_shape, (LAYER_SHAPE,)),
    _case(
        "hw5.q3.shape",
        "pool_forward keeps the channels and gives the formula's size",
        1,
        _pool_shapes,
        (POOL_MAX_SHAPE, POOL_AVERAGE_SHAPE),
    ),
)

_BY_ID = {case.id: case for case in PUBLIC_CASES}


def _probes_by_function(cases: tuple[Case, ...]) -> dict[str, dict[str, tuple[Probe, ...]]]:
    """Each assignment's public probes, by the function they are for (a probe id starts with it)."""
    found: dict[str, dict[str, tuple[Probe, ...]]] = {}
    for case in cases:
        functions = found.setdefault(case.assignment, {})
        for probe in case.probes:
            function = probe.id.split(".")[0]
            functions[function] = functions.get(function, ()) + (probe,)
    return found


PUBLIC_PROBES: Mapping[str, Mapping[str, tuple[Probe, ...]]] = _probes_by_function(PUBLIC_CASES)


def run_public(case_id: str, env: Mapping[str, Any]) -> None:
    """Run one public check on a notebook's namespace; raise CheckFailed with the student's message.

    A student's function that runs past the grading limit on a probe is stopped and said to."""
    from .time_limit import TimedAnswers

    _BY_ID[case_id].check(TimedAnswers(LiveAnswers(env, course_rule=True)))


__all__ = ["PUBLIC_CASES", "PUBLIC_PROBES", "run_public"]
