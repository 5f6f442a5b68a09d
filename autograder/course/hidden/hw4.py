"""Hidden checks for hw4: the parameter counts of "why convolution" and the VGG-16 shapes."""

from __future__ import annotations

from typing import Any

from autograder.checks.coerce import as_int, as_shape, describe, same_vector_shape
from autograder.checks.compare import check_count
from autograder.checks.core import Answers, Case, CheckFailed, Probe
from autograder.checks.public import VGG16_ROW_COUNT
from autograder.checks.tables import require_layer_axes
from autograder.course.hidden.common import value_case
from autograder.course.hidden.hw3 import shape_hint
from solutions import hw3
from solutions import hw4 as ref

VALUES = (
    "params_10_filters_3x3x3",
    "fc_weights_hr",
    "fc_weights_lenet_conv1",
    "conv_params_lenet_conv1",
    "pool_params",
    "vgg16_shapes",
)
FUNCTIONS: tuple[str, ...] = ()
NO_BIAS = "the biases are left out: each filter has one bias too"
VGG_GROUPS = (("the input and blocks 1-2", 0, 7), ("blocks 3-5", 7, 19), ("the FC and softmax rows", 19, 22))


def hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    return {}


def _count_case(case_id: str, name: str, expected: int, mistakes: dict[str, int], points: float = 1) -> Case:
    def check(answers: Answers) -> None:
        check_count(answers.value(name), name, expected, mistakes)

    return value_case(case_id, f"{name} has the right count", points, check)


def _pool_check(answers: Answers) -> None:
    got = as_int(answers.value("pool_params"), "pool_params")
    if got != ref.pool_params:
        raise CheckFailed(
            f"`pool_params` is {got:,}: pooling learns nothing; f and s are hyperparameters, not parameters.",
            mistake="a pooling layer is given parameters",
        )


def _vgg_hint(layer: hw3.Layer, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if isinstance(layer, (hw3.Conv, hw3.Pool)) and got[:2] != expected[:2]:
        return "a 3x3 same convolution keeps height and width, and a 2x2 pool of stride 2 halves them"
    return shape_hint(layer, got, expected)


LECTURE_TABLE_MISTAKE = "the lecture's VGG-16 table copied: it is VGG-19's convolution stack"


def _is_lecture_table(shapes: list[Any]) -> bool:
    """Whether every row is the lecture's table's (VGG-19's convolution stack, no FC rows: the erratum)."""
    try:
        got = [as_shape(shape, "vgg16_shapes") for shape in shapes]
    except CheckFailed:
        return False
    return len(got) == len(ref.lecture_vgg_shapes) and all(map(same_vector_shape, got, ref.lecture_vgg_shapes))


def _vgg_group(title: str, start: int, stop: int) -> Case:
    def check(answers: Answers) -> None:
        shapes: Any = answers.value("vgg16_shapes")
        if not isinstance(shapes, list) or len(shapes) != VGG16_ROW_COUNT:
            raise CheckFailed(
                f"`vgg16_shapes` is {describe(shapes)}; it needs a list of {VGG16_ROW_COUNT} shapes, one per row "
                "of the table."
            )
        rows = range(start, stop)
        if _is_lecture_table(shapes) and any(ref.lecture_vgg_shapes[row] != ref.vgg16_shapes[row] for row in rows):
            raise CheckFailed(
                "`vgg16_shapes` is the lecture's table, which is titled VGG-16 but shows VGG-19's convolution stack "
                "(four convolutions in each of blocks 3-5, and no FC rows): an erratum. VGG-16 has 2, 2, 3, 3, 3 "
                "convolutions, each block closed by a pool, then FC 4096, FC 4096 and softmax 1000.",
                mistake=LECTURE_TABLE_MISTAKE,
            )
        for row in rows:
            label, (name, layer) = f"vgg16_shapes[{row}]", ref.VGG16[row]
            got, expected = as_shape(shapes[row], label), ref.vgg16_shapes[row]
            require_layer_axes(got, label, volume=not isinstance(layer, hw3.Dense))
            if not same_vector_shape(got, expected):
                raise CheckFailed(f"`{label}` ({name}) is {got}; {_vgg_hint(layer, got, expected)}.")

    return value_case(f"hw4.q5.rows-{start}-{stop - 1}", f"vgg16_shapes: {title}", 1, check)


def hidden_cases(seed: int) -> tuple[Case, ...]:
    conv_weights = ref.conv_params_lenet_conv1 - 6
    return (
        _count_case(
            "hw4.q1.value",
            "params_10_filters_3x3x3",
            ref.params_10_filters_3x3x3,
            {
                NO_BIAS: ref.params_10_filters_3x3x3 - 10,
                "each filter is counted with one channel": hw3.conv_params(3, 1, 10),
            },
        ),
        _count_case(
            "hw4.q2.value",
            "fc_weights_hr",
            ref.fc_weights_hr,
            {"the 1,000 biases are counted too; the question asks for weights only": ref.fc_weights_hr + 1000},
        ),
        _count_case(
            "hw4.q3.fc",
            "fc_weights_lenet_conv1",
            ref.fc_weights_lenet_conv1,
            {
                "the biases are counted too; the question asks for weights only": ref.fc_weights_lenet_conv1
                + 28 * 28 * 6
            },
        ),
        _count_case("hw4.q3.conv", "conv_params_lenet_conv1", ref.conv_params_lenet_conv1, {NO_BIAS: conv_weights}),
        value_case("hw4.q4.value", "pool_params is right", 1, _pool_check),
        *(_vgg_group(title, start, stop) for title, start, stop in VGG_GROUPS),
    )
