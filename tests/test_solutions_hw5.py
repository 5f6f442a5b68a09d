"""solutions.hw5 against scipy's 2-D correlation and torch's conv and pooling."""

import itertools

import numpy as np
import pytest
import scipy.signal

from solutions import hw5

torch = pytest.importorskip("torch")  # an independent reference; see the Makefile for its CPU build
F = torch.nn.functional

RTOL = 1e-12
ATOL = 1e-12


def _rng(*seed: int) -> np.random.Generator:
    return np.random.default_rng(list(seed))


def _to_torch(x: np.ndarray) -> torch.Tensor:
    """(n_H, n_W, n_C) channels-last to torch's (1, n_C, n_H, n_W)."""
    return torch.tensor(x, dtype=torch.float64).permute(2, 0, 1)[None]


def _from_torch(y: torch.Tensor) -> np.ndarray:
    return y[0].permute(1, 2, 0).numpy()


@pytest.mark.parametrize(
    ("f", "c"), [pytest.param(f, c, id=f"f{f}-c{c}") for f, c in itertools.product((1, 2, 3, 4), (1, 3, 4))]
)
def test_conv_volume_matches_scipy_summed_over_channels(f: int, c: int) -> None:
    rng = _rng(f, c)
    x, w = rng.normal(size=(6, 8, c)), rng.normal(size=(f, f, c))
    expected = sum(scipy.signal.correlate2d(x[:, :, i], w[:, :, i], mode="valid") for i in range(c))
    np.testing.assert_allclose(hw5.conv_volume(x, w), expected, rtol=RTOL, atol=ATOL)


def test_conv_volume_rejects_a_channel_mismatch() -> None:
    with pytest.raises(ValueError):
        hw5.conv_volume(np.ones((5, 5, 3)), np.ones((3, 3, 2)))


@pytest.mark.parametrize(
    ("f", "s", "p"),
    [pytest.param(f, s, p, id=f"f{f}-s{s}-p{p}") for f, s, p in itertools.product((1, 3, 4), (1, 2, 3), (0, 1, 2))],
)
def test_conv_layer_forward_matches_torch(f: int, s: int, p: int) -> None:
    rng = _rng(f, s, p)
    x = rng.normal(size=(7, 9, 3))
    W = rng.normal(size=(f, f, 3, 5))
    b = rng.normal(size=5)
    # torch holds filters as (n_C, n_C_prev, f, f).
    z = F.conv2d(_to_torch(x), torch.tensor(W, dtype=torch.float64).permute(3, 2, 0, 1), stride=s, padding=p)
    expected = _from_torch(torch.relu(z + torch.tensor(b, dtype=torch.float64)[:, None, None]))
    out = hw5.conv_layer_forward(x, W, b, stride=s, padding=p)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    assert (out == 0).any() and (out > 0).any(), "the case should exercise both sides of the ReLU"


def test_conv_layer_forward_rejects_a_bias_per_wrong_filter_count() -> None:
    with pytest.raises(ValueError):
        hw5.conv_layer_forward(np.ones((5, 5, 2)), np.ones((3, 3, 2, 4)), np.ones(3))


TORCH_POOLS = {"max": F.max_pool2d, "average": F.avg_pool2d}


@pytest.mark.parametrize(
    ("mode", "f", "s"),
    [
        pytest.param(mode, f, s, id=f"{mode}-f{f}-s{s}")
        for mode, f, s in itertools.product(TORCH_POOLS, (1, 2, 3), (1, 2, 3))
    ],
)
def test_pool_forward_matches_torch(mode: str, f: int, s: int) -> None:
    x = _rng(f, s).normal(size=(7, 10, 4))
    expected = _from_torch(TORCH_POOLS[mode](_to_torch(x), kernel_size=f, stride=s))
    np.testing.assert_allclose(hw5.pool_forward(x, f, s, mode=mode), expected, rtol=RTOL, atol=ATOL)


def test_pool_forward_defaults_to_max() -> None:
    x = _rng(0).normal(size=(4, 4, 2))
    expected = _from_torch(F.max_pool2d(_to_torch(x), 2, 2))
    np.testing.assert_allclose(hw5.pool_forward(x, 2, 2), expected, rtol=RTOL)


@pytest.mark.parametrize("mode", [pytest.param("min", id="min"), pytest.param("avg", id="avg")])
def test_pool_forward_rejects_an_unknown_mode(mode: str) -> None:
    with pytest.raises(ValueError):
        hw5.pool_forward(np.ones((4, 4, 1)), 2, 2, mode=mode)


def test_contract_names_are_exported() -> None:
    contract = {"conv_volume", "conv_layer_forward", "pool_forward"}
    assert contract <= set(hw5.__all__)
    assert all(hasattr(hw5, name) for name in hw5.__all__)
