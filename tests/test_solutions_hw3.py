"""solutions.hw3 against the parameter counts and activation shapes of real torch layers."""

import itertools
import math
from collections.abc import Callable

import pytest

from solutions import hw3

torch = pytest.importorskip("torch")  # an independent reference; see the Makefile for its CPU build
nn = torch.nn


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("f", "n_c_prev", "n_filters"),
    [pytest.param(f, c, n, id=f"f{f}-c{c}-n{n}") for f, c, n in itertools.product((1, 3, 5), (1, 3, 8), (1, 6, 16))],
)
def test_conv_params_matches_torch(f: int, n_c_prev: int, n_filters: int) -> None:
    torch_conv = nn.Conv2d(n_c_prev, n_filters, f, device="meta")
    assert hw3.conv_params(f, n_c_prev, n_filters) == _n_params(torch_conv)


@pytest.mark.parametrize(
    ("n_in", "n_out"),
    [pytest.param(n_in, n_out, id=f"{n_in}-{n_out}") for n_in, n_out in itertools.product((1, 10, 400), (1, 84, 120))],
)
def test_fc_params_matches_torch(n_in: int, n_out: int) -> None:
    assert hw3.fc_params(n_in, n_out) == _n_params(nn.Linear(n_in, n_out, device="meta"))


def _torch_lenet_table() -> dict[str, tuple[tuple[int, ...], int, int]]:
    """The spec's network run in torch on zeros: {row: (channels-last shape, size, params)}."""
    x = torch.zeros(1, 3, 32, 32, dtype=torch.float64)
    table = {"Input": (tuple(x.shape[2:]) + (x.shape[1],), x.numel(), 0)}
    # Dense layers are built once the flattened input is known, so no size is typed here.
    layers: list[tuple[str, Callable[[int], nn.Module]]] = [
        ("CONV1", lambda c: nn.Conv2d(c, 8, kernel_size=5, stride=1)),
        ("POOL1", lambda c: nn.MaxPool2d(kernel_size=2, stride=2)),
        ("CONV2", lambda c: nn.Conv2d(c, 16, kernel_size=5, stride=1)),
        ("POOL2", lambda c: nn.MaxPool2d(kernel_size=2, stride=2)),
        ("FC3", lambda n: nn.Linear(n, 120)),
        ("FC4", lambda n: nn.Linear(n, 84)),
        ("Softmax", lambda n: nn.Sequential(nn.Linear(n, 10), nn.Softmax(dim=1))),
    ]
    for name, make in layers:
        if name.startswith(("FC", "Softmax")):
            x = x.flatten(start_dim=1)
        layer = make(x.shape[1]).to(torch.float64)
        x = layer(x)
        # Channels-first (N, C, H, W) becomes the lecture's (n_H, n_W, n_C); a dense row is a column.
        shape = tuple(x.shape[2:]) + (x.shape[1],) if x.ndim == 4 else (x.shape[1], 1)
        table[name] = (shape, x.numel(), _n_params(layer))
    return table


TORCH_TABLE = _torch_lenet_table()


def test_lenet_rows_in_order() -> None:
    assert list(hw3.lenet_table()) == list(hw3.LENET_ROWS) == list(TORCH_TABLE)


@pytest.mark.parametrize("row", [pytest.param(row, id=row) for row in TORCH_TABLE])
def test_lenet_table_row_matches_torch(row: str) -> None:
    shape, size, params = hw3.lenet_table()[row]
    assert (shape, size, params) == TORCH_TABLE[row]
    assert size == math.prod(shape)


def test_lecture_printed_params_differ_exactly_on_the_mistaken_rows() -> None:
    printed = hw3.lecture_printed_params()
    correct = {row: params for row, (_, _, params) in hw3.lenet_table().items()}
    assert list(printed) == list(correct)
    differing = {row for row in correct if printed[row] != correct[row]}
    assert differing == {"CONV1", "CONV2", "FC3", "FC4", "Softmax"}


def test_lecture_printed_params_apply_the_two_mistakes() -> None:
    printed = hw3.lecture_printed_params()
    # Mistake 1: filters of the right size on a one-channel input.
    for row, n_filters in (("CONV1", 8), ("CONV2", 16)):
        assert printed[row] == _n_params(nn.Conv2d(1, n_filters, 5, device="meta")), row
    # Mistake 2: the right weights but a single bias.
    previous = list(TORCH_TABLE)
    for row in ("FC3", "FC4", "Softmax"):
        n_in = TORCH_TABLE[previous[previous.index(row) - 1]][1]
        n_out = TORCH_TABLE[row][1]
        assert printed[row] == nn.Linear(n_in, n_out, device="meta").weight.numel() + 1, row


@pytest.mark.parametrize(
    "architecture",
    [
        pytest.param((("CONV", hw3.Conv(3, 1, 4)),), id="conv-without-input"),
        pytest.param((("Input", hw3.Input(8, 8, 1)), ("Input", hw3.Input(8, 8, 1))), id="input-twice"),
        pytest.param(
            (("Input", hw3.Input(8, 8, 1)), ("FC", hw3.Dense(4)), ("POOL", hw3.Pool(2, 2))), id="pool-after-fc"
        ),
    ],
)
def test_walk_rejects_impossible_architectures(architecture: hw3.Architecture) -> None:
    with pytest.raises(ValueError):
        hw3.walk(architecture)


def test_contract_names_are_exported() -> None:
    contract = {"conv_params", "fc_params", "LENET_ROWS", "lenet_table", "lecture_printed_params"}
    assert contract <= set(hw3.__all__)
    assert all(hasattr(hw3, name) for name in hw3.__all__)
