"""solutions.hw2 against torch's output lengths and a brute-force padding search."""

import itertools
import math

import pytest

from solutions import hw2

torch = pytest.importorskip("torch")  # an independent reference; see the Makefile for its CPU build
F = torch.nn.functional


def _torch_length(n: int, f: int, p: int, s: int) -> int:
    """Output length of a real 1-D convolution: torch applies its own size rule."""
    x = torch.zeros(1, 1, n, dtype=torch.float64)
    w = torch.zeros(1, 1, f, dtype=torch.float64)
    return F.conv1d(x, w, stride=s, padding=p).shape[-1]


@pytest.mark.parametrize("s", [pytest.param(s, id=f"s{s}") for s in (1, 2, 3, 4)])
def test_output_size_matches_torch(s: int) -> None:
    mismatches = [
        (n, f, p, hw2.output_size(n, f, p, s), _torch_length(n, f, p, s))
        for n, f, p in itertools.product(range(1, 13), range(1, 6), range(4))
        if n + 2 * p >= f and hw2.output_size(n, f, p, s) != _torch_length(n, f, p, s)
    ]
    assert not mismatches, "(n, f, p, output_size, torch): " + repr(mismatches)


def test_output_size_defaults_are_no_padding_and_stride_one() -> None:
    assert hw2.output_size(9, 4) == _torch_length(9, 4, 0, 1)


def _brute_force_same_padding(n: int, f: int, s: int) -> int | None:
    """Smallest p with floor((n + 2p - f) / s + 1) == n, searched past every p that could work."""
    for p in range(n * s + f + 1):
        if math.floor((n + 2 * p - f) / s + 1) == n:
            return p
    return None


@pytest.mark.parametrize("s", [pytest.param(s, id=f"s{s}") for s in (1, 2, 3, 4)])
def test_same_padding_matches_brute_force(s: int) -> None:
    for n, f in itertools.product(range(1, 21), range(1, 8)):
        expected = _brute_force_same_padding(n, f, s)
        if expected is None:
            with pytest.raises(ValueError):
                hw2.same_padding(n, f, s)
        else:
            assert hw2.same_padding(n, f, s) == expected, (n, f, s)


@pytest.mark.parametrize("f", [pytest.param(f, id=f"f{f}") for f in (2, 4, 6)])
def test_same_padding_has_no_answer_for_even_filters_at_stride_one(f: int) -> None:
    with pytest.raises(ValueError):
        hw2.same_padding(6, f)


def test_hw2_answers_agree_with_the_formula() -> None:
    n, f, s = 6, 3, 2
    raw = (n * s - n + f - s) / 2
    assert hw2.hw2_rounding in ("floor", "ceil")
    assert hw2.hw2_padding == getattr(math, hw2.hw2_rounding)(raw) == hw2.same_padding(n, f, s)
    assert isinstance(hw2.hw2_padding, int)
    # The chosen padding keeps the size; the other rounding really shrinks it.
    assert _torch_length(n, f, hw2.hw2_padding, s) == n
    other = math.floor(raw) if hw2.hw2_rounding == "ceil" else math.ceil(raw)
    assert hw2.hw2_output_other_rounding == _torch_length(n, f, other, s) < n


def test_contract_names_are_exported() -> None:
    contract = {"output_size", "same_padding", "hw2_rounding", "hw2_padding", "hw2_output_other_rounding"}
    assert contract <= set(hw2.__all__)
    assert all(hasattr(hw2, name) for name in hw2.__all__)
