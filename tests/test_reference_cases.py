"""Every case passes on the reference and names the lecture's known mistakes when it meets them."""

from __future__ import annotations

import numpy as np
import pandas
import pytest

from autograder.checks.answers import LiveAnswers
from autograder.checks.core import CheckFailed
from autograder.course import ASSIGNMENTS, assignment
from autograder.course.hidden.hw4 import VGG_GROUPS
from solutions import hw1, hw2, hw3, hw4, hw5, lecture

from .factories import reference_namespace

SEEDS = (0, 1, 2026, 2**31 - 1)


def failures(name: str, namespace: dict, seed: int = 0) -> dict[str, str]:
    found = {}
    for case in assignment(name).cases(seed):
        try:
            case.check(LiveAnswers(namespace))
        except CheckFailed as failure:
            found[case.id] = str(failure)
    return found


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_reference_passes_every_case(name: str, seed: int) -> None:
    assert failures(name, reference_namespace(name), seed) == {}


@pytest.mark.parametrize("name", sorted(name for name, hw in ASSIGNMENTS.items() if hw.functions))
def test_probes_change_with_the_seed_and_repeat_for_the_same_seed(name: str) -> None:
    homework = assignment(name)
    hidden = [probe for probes in homework.probes(1).values() for probe in probes if "hidden" in probe.id]
    again = [probe for probes in homework.probes(1).values() for probe in probes if "hidden" in probe.id]
    other = [probe for probes in homework.probes(2).values() for probe in probes if "hidden" in probe.id]
    flat = lambda probes: [np.asarray(arg).tolist() for probe in probes for arg in probe.args]  # noqa: E731
    assert flat(hidden) == flat(again)
    assert flat(hidden) != flat(other)


def test_hw1_grids_typed_as_nested_lists_get_full_marks() -> None:
    namespace = reference_namespace("hw1")
    for name in (
        "vertical_edges",
        "horizontal_edges",
        "sobel_edges",
        "scharr_edges",
        "strided_edges",
        "flat_region_output",
    ):
        namespace[name] = [[int(v) for v in row] for row in np.asarray(namespace[name])]
    assert failures("hw1", namespace) == {}


def test_hidden_probes_cover_non_square_stride_padding_and_channels() -> None:
    conv2d = assignment("hw1").probes(5)["conv2d"]
    assert any(p.args[0].shape[0] != p.args[0].shape[1] for p in conv2d)
    assert any(p.kwargs.get("stride", 1) > 1 and p.kwargs.get("padding", 0) > 0 for p in conv2d)
    layers = assignment("hw5").probes(5)["conv_layer_forward"]
    assert any(p.args[0].shape[2] > 1 for p in layers)


def flipped_conv2d(x, k, stride=1, padding=0):
    return hw1.conv2d(x, np.asarray(k)[::-1, ::-1], stride, padding)


MISTAKES = [
    pytest.param(
        "hw1",
        {"vertical_edges": hw1.conv2d(lecture.IMAGE, lecture.VERTICAL[::-1, ::-1]), "conv2d": flipped_conv2d},
        {"hw1.q1.values": "flipped", "hw1.q3.conv2d-1": "flipped"},
        id="hw1-kernel-flipped",
    ),
    pytest.param(
        "hw1",
        {"vertical_edges": hw1.vertical_edges[:3, :3]},
        {"hw1.q1.form": "floor((6 + 2*0 - 3) / 1 + 1) = 4"},
        id="hw1-no-plus-one",
    ),
    pytest.param(
        "hw1",
        {"strided_edges": hw1.conv2d(lecture.IMAGE, lecture.VERTICAL, stride=2)},
        {"hw1.q4.values": "padding is ignored"},
        id="hw1-padding-ignored",
    ),
    pytest.param("hw2", {"hw2_rounding": "floor"}, {"hw2.q3.value": "not 6"}, id="hw2-floor-not-ceil"),
    pytest.param(
        "hw2",
        {"same_padding": lambda n, f, s=1: int(np.floor((n * s - n + f - s) / 2))},
        {"hw2.q2.same_padding-2": "rounded down"},
        id="hw2-same-padding-floor",
    ),
    pytest.param(
        "hw2",
        {"output_size": lambda n, f, p=0, s=1: (n + 2 * p - f) // s},
        {"hw2.q1.output_size-1": "+1"},
        id="hw2-output-size-no-plus-one",
    ),
    pytest.param(
        "hw3",
        {"conv_params": lambda f, c, n: f * f * c * n},
        {"hw3.q2.conv_params-1": "biases are left out"},
        id="hw3-biases-forgotten",
    ),
    pytest.param(
        "hw3", {"fc_params": lambda i, o: i * o + 1}, {"hw3.q2.fc_params-1": "single bias"}, id="hw3-single-bias"
    ),
    pytest.param(
        "hw4",
        {"params_10_filters_3x3x3": 3 * 3 * 3 * 10},
        {"hw4.q1.value": "biases are left out"},
        id="hw4-biases-forgotten",
    ),
    pytest.param("hw4", {"pool_params": 4}, {"hw4.q4.value": "pooling learns nothing"}, id="hw4-pool-params"),
    pytest.param(
        "hw5",
        {
            "conv_layer_forward": lambda x, W, b, stride=1, padding=0: (
                hw5.conv_layer_forward(x, W, b, stride, padding) - hw5.conv_layer_forward(-x, W, -b, stride, padding)
            )
        },
        {"hw5.q2.conv_layer_forward-1": "ReLU is left out"},
        id="hw5-relu-forgotten",
    ),
]


@pytest.mark.parametrize(("name", "changes", "expected"), MISTAKES)
def test_known_mistakes_get_named_feedback(name: str, changes: dict, expected: dict[str, str]) -> None:
    namespace = reference_namespace(name) | changes
    found = failures(name, namespace, seed=3)
    for case_id, phrase in expected.items():
        assert case_id in found, f"{case_id} passed; failures were {sorted(found)}"
        assert phrase in found[case_id]


def test_lecture_printed_lenet_values_earn_partial_credit_and_name_both_mistakes() -> None:
    printed = hw3.lecture_printed_params()
    table = {row: (shape, size, printed[row]) for row, (shape, size, _) in hw3.lenet_table().items()}
    namespace = reference_namespace("hw3") | {"lenet_table": table}
    found = failures("hw3", namespace)
    wrong_rows = {row for row in hw3.LENET_ROWS if printed[row] != hw3.lenet_table()[row][2]}
    assert set(found) == {f"hw3.q1.{row}.params" for row in wrong_rows}
    assert "one channel" in found["hw3.q1.CONV1.params"] and "one channel" in found["hw3.q1.CONV2.params"]
    assert all("single bias" in found[f"hw3.q1.{row}.params"] for row in ("FC3", "FC4", "Softmax"))
    cases = assignment("hw3").cases(0)
    earned = sum(case.points for case in cases if case.id not in found)
    assert 0 < earned < sum(case.points for case in cases)


@pytest.mark.parametrize(
    "form", [pytest.param(list, id="tuples"), pytest.param(lambda shape: "x".join(map(str, shape)), id="text")]
)
def test_the_lecture_s_vgg_table_copied_loses_the_rows_it_gets_wrong_and_names_the_erratum(form) -> None:
    copied = [form(shape) for shape in hw4.lecture_vgg_shapes]
    found = failures("hw4", reference_namespace("hw4") | {"vgg16_shapes": copied})
    groups = {f"hw4.q5.rows-{start}-{stop - 1}": range(start, stop) for _, start, stop in VGG_GROUPS}
    wrong = {
        case for case, rows in groups.items() if any(hw4.lecture_vgg_shapes[r] != hw4.vgg16_shapes[r] for r in rows)
    }
    # The public form check fails too (its last three rows are volumes, where FC rows are vectors): a form, not the erratum.
    assert set(found) == wrong | {"hw4.q5.form"} and wrong != set(groups)
    assert all("VGG-19" in found[case] and "erratum" in found[case] for case in wrong)


def test_lenet_table_as_dataframe_with_vector_shapes_gets_full_marks() -> None:
    rows = hw3.lenet_table()
    frame = pandas.DataFrame(
        {
            "shape": [tuple(n for n in shape if n != 1) if len(shape) == 2 else shape for shape, _, _ in rows.values()],
            "size": [np.int64(size) for _, size, _ in rows.values()],
            "params": [params for _, _, params in rows.values()],
        },
        index=list(rows),
    )
    assert failures("hw3", reference_namespace("hw3") | {"lenet_table": frame}) == {}


def test_vgg_shapes_accept_column_vectors_for_dense_rows() -> None:
    shapes = [shape + (1,) if len(shape) == 1 else shape for shape in hw4.vgg16_shapes]
    assert failures("hw4", reference_namespace("hw4") | {"vgg16_shapes": shapes}) == {}


def test_nan_is_refused_with_a_message() -> None:
    grid = hw1.vertical_edges.copy()
    grid[1, 2] = np.nan
    found = failures("hw1", reference_namespace("hw1") | {"vertical_edges": grid})
    assert "nan" in found["hw1.q1.form"].lower() and "[1, 2]" in found["hw1.q1.form"]


def test_hw2_reference_answers_follow_from_the_formula() -> None:
    # The floor padding really shrinks the 6x6 input and the ceil one keeps it.
    assert hw2.output_size(6, 3, hw2.hw2_padding, 2) == 6
    assert hw2.output_size(6, 3, hw2.hw2_padding - 1, 2) == hw2.hw2_output_other_rounding < 6


@pytest.mark.parametrize("row", [row for row, layer in hw3.LENET if isinstance(layer, hw3.Dense)])
def test_a_dense_row_given_no_parameters_is_told_it_is_a_dense_layer(row: str) -> None:
    namespace = reference_namespace("hw3")
    shape, size, _ = namespace["lenet_table"][row]
    namespace["lenet_table"] = {**namespace["lenet_table"], row: (shape, size, 0)}
    case = next(case for case in assignment("hw3").cases(0) if case.id == f"hw3.q1.{row}.params")
    rows = [name for name, _ in hw3.LENET]
    n_in, units = hw3.lenet_table()[rows[rows.index(row) - 1]][1], dict(hw3.LENET)[row].units
    with pytest.raises(CheckFailed, match=f"dense layer \\({n_in} → {units},"):
        case.check(LiveAnswers(namespace))
