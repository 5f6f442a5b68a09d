"""solutions.hw4 against torch parameter counts and a VGG-16 run on the meta device."""

from collections.abc import Callable

import pytest

from solutions import hw4

torch = pytest.importorskip("torch")  # an independent reference; see the Makefile for its CPU build
nn = torch.nn


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _lenet_conv1() -> nn.Conv2d:
    return nn.Conv2d(3, 6, kernel_size=5, device="meta")


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        pytest.param("params_10_filters_3x3x3", lambda: _n_params(nn.Conv2d(3, 10, 3, device="meta")), id="q1"),
        # Meta tensors have a shape but no storage: 3e9 weights would not fit in memory.
        pytest.param("fc_weights_hr", lambda: nn.Linear(1000 * 1000 * 3, 1000, device="meta").weight.numel(), id="q2"),
        pytest.param(
            "fc_weights_lenet_conv1",
            lambda: nn.Linear(
                3 * 32 * 32, _lenet_conv1()(torch.zeros(1, 3, 32, 32, device="meta")).numel(), device="meta"
            ).weight.numel(),
            id="q3-fc",
        ),
        pytest.param("conv_params_lenet_conv1", lambda: _n_params(_lenet_conv1()), id="q3-conv"),
        pytest.param("pool_params", lambda: _n_params(nn.MaxPool2d(2, 2)), id="q4"),
    ],
)
def test_counts_match_torch(name: str, reference: Callable[[], int]) -> None:
    value = getattr(hw4, name)
    assert isinstance(value, int)
    assert value == reference()


def _torch_vgg16_shapes() -> list[tuple[int, ...]]:
    """Each row's output shape from a VGG-16 run on the meta device, channels-last, dense rows as (units,)."""
    x = torch.zeros(1, 3, 224, 224, device="meta")
    shapes = [(224, 224, 3)]
    channels = 3
    layers: list[nn.Module] = []
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(convs):
            layers.append(nn.Conv2d(channels, filters, kernel_size=3, stride=1, padding=1, device="meta"))
            channels = filters
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    for layer in layers:
        x = layer(x)
        shapes.append(tuple(x.shape[2:]) + (x.shape[1],))
    x = x.flatten(start_dim=1)
    for units in (4096, 4096, 1000):
        x = nn.Linear(x.shape[1], units, device="meta")(x)
        shapes.append((x.shape[1],))
    return shapes


def test_vgg16_shapes_match_torch() -> None:
    expected = _torch_vgg16_shapes()
    assert len(expected) == 22
    assert hw4.vgg16_shapes == expected
    assert all(type(shape) is tuple and all(type(d) is int for d in shape) for shape in hw4.vgg16_shapes)


def test_vgg16_rows_label_each_shape() -> None:
    assert len(hw4.VGG16_ROWS) == len(hw4.vgg16_shapes)
    for label, shape in zip(hw4.VGG16_ROWS, hw4.vgg16_shapes, strict=True):
        kind, *units = label.split()
        if kind in ("CONV", "FC", "Softmax"):
            assert int(units[0]) == shape[-1], label
        assert len(shape) == (1 if kind in ("FC", "Softmax") else 3), label


def test_contract_names_are_exported() -> None:
    contract = {
        "params_10_filters_3x3x3",
        "fc_weights_hr",
        "fc_weights_lenet_conv1",
        "conv_params_lenet_conv1",
        "pool_params",
        "VGG16_ROWS",
        "vgg16_shapes",
    }
    assert contract <= set(hw4.__all__)
    assert all(hasattr(hw4, name) for name in hw4.__all__)
