"""solutions.hw1 against scipy's and torch's cross-correlation."""

import itertools
import math

import numpy as np
import pytest
import scipy.signal

from solutions import hw1
from solutions.lecture import FILTERS, FLAT_IMAGE, IMAGE, VERTICAL

torch = pytest.importorskip("torch")  # an independent reference; see the Makefile for its CPU build
F = torch.nn.functional

RTOL = 1e-12

CASES = [
    pytest.param(f, s, p, id=f"f{f}-s{s}-p{p}") for f, s, p in itertools.product((1, 2, 3, 5), (1, 2, 3), (0, 1, 2))
]


def _input(f: int, s: int, p: int) -> np.ndarray:
    """A random non-square input, different for every case, reproducible."""
    rng = np.random.default_rng([f, s, p])
    return rng.normal(size=(7, 10))


def _scipy_conv(x: np.ndarray, k: np.ndarray, s: int, p: int) -> np.ndarray:
    return scipy.signal.correlate2d(np.pad(x, p), k, mode="valid")[::s, ::s]


@pytest.mark.parametrize(("f", "s", "p"), CASES)
def test_conv2d_matches_scipy(f: int, s: int, p: int) -> None:
    x = _input(f, s, p)
    k = np.random.default_rng(f).normal(size=(f, f))
    np.testing.assert_allclose(hw1.conv2d(x, k, stride=s, padding=p), _scipy_conv(x, k, s, p), rtol=RTOL)


@pytest.mark.parametrize(("f", "s", "p"), CASES)
def test_conv2d_matches_torch(f: int, s: int, p: int) -> None:
    x = _input(f, s, p)
    k = np.random.default_rng(f).normal(size=(f, f))
    expected = F.conv2d(
        torch.tensor(x, dtype=torch.float64)[None, None],
        torch.tensor(k, dtype=torch.float64)[None, None],
        stride=s,
        padding=p,
    )[0, 0].numpy()
    np.testing.assert_allclose(hw1.conv2d(x, k, stride=s, padding=p), expected, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize(("f", "s", "p"), CASES)
def test_conv2d_shape_follows_the_spec_formula(f: int, s: int, p: int) -> None:
    x = _input(f, s, p)
    out = hw1.conv2d(x, np.ones((f, f)), stride=s, padding=p)
    assert out.shape == tuple(math.floor((n + 2 * p - f) / s + 1) for n in x.shape)
    assert out.dtype == np.float64


def test_conv2d_accepts_nested_int_lists() -> None:
    out = hw1.conv2d(IMAGE.tolist(), VERTICAL.tolist())
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, scipy.signal.correlate2d(IMAGE, VERTICAL, mode="valid"), rtol=RTOL)


@pytest.mark.parametrize(
    ("x_shape", "k_shape", "padding"),
    [
        pytest.param((3, 6), (4, 4), 0, id="kernel-taller-than-input"),
        pytest.param((2, 2), (5, 5), 1, id="kernel-larger-than-padded-input"),
        pytest.param((6, 6), (3, 2), 0, id="non-square-kernel"),
        pytest.param((6,), (3, 3), 0, id="1-d-input"),
    ],
)
def test_conv2d_rejects_bad_shapes(x_shape: tuple[int, ...], k_shape: tuple[int, ...], padding: int) -> None:
    with pytest.raises(ValueError):
        hw1.conv2d(np.ones(x_shape), np.ones(k_shape), padding=padding)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in FILTERS])
def test_edge_grids_match_scipy(name: str) -> None:
    grid = getattr(hw1, f"{name}_edges")
    np.testing.assert_allclose(grid, scipy.signal.correlate2d(IMAGE, FILTERS[name], mode="valid"), rtol=RTOL)
    assert grid.dtype == np.float64


def test_strided_edges_match_scipy() -> None:
    np.testing.assert_allclose(hw1.strided_edges, _scipy_conv(IMAGE, VERTICAL, s=2, p=1), rtol=RTOL)
    assert hw1.strided_edges.shape == (math.floor((IMAGE.shape[0] + 2 - VERTICAL.shape[0]) / 2 + 1),) * 2


def test_flat_region_output_is_all_zeros() -> None:
    assert hw1.flat_region_output.shape == scipy.signal.correlate2d(FLAT_IMAGE, VERTICAL, mode="valid").shape
    assert not hw1.flat_region_output.any()


def test_contract_names_are_exported() -> None:
    contract = {
        "conv2d",
        "vertical_edges",
        "horizontal_edges",
        "sobel_edges",
        "scharr_edges",
        "strided_edges",
        "flat_region_output",
    }
    assert contract <= set(hw1.__all__)
    assert all(hasattr(hw1, name) for name in hw1.__all__)
