"""Known-wrong answers to every function question ("mutants"): each is a mistake students make.

Staff only: hidden/ is masked from the sandbox and left out of the student bundle. Each mutant is
written as a student would write it, so it fails the way a student's code fails (a wrong value, a
wrong shape, an integer array, an exception). tests/test_mutants.py grades every mutant on the probes
of hundreds of seeds: none may get full marks for its question, and each must lose the same points
on every seed (`python -m tests.test_mutants` prints the matrix).

Nothing here is an expected value: the checks compare with solutions/, never with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


@dataclass(frozen=True)
class Mutant:
    """One known mistake: the function it answers, a short name, and the mistake in words."""

    function: str
    name: str
    mistake: str
    implementation: Callable[..., Any]


ASSIGNMENT_OF = {
    "conv2d": "hw1",
    "output_size": "hw2",
    "same_padding": "hw2",
    "conv_params": "hw3",
    "fc_params": "hw3",
    "conv_volume": "hw5",
    "conv_layer_forward": "hw5",
    "pool_forward": "hw5",
}
_REGISTRY: dict[str, list[Mutant]] = {function: [] for function in ASSIGNMENT_OF}


def mutant(function: str, name: str, mistake: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        if any(m.name == name for m in _REGISTRY[function]):
            raise ValueError(f"two {function} mutants named {name!r}")
        _REGISTRY[function].append(Mutant(function, name, mistake, implementation))
        return implementation

    return register


def mutants(function: str) -> tuple[Mutant, ...]:
    return tuple(_REGISTRY[function])


def all_mutants() -> tuple[Mutant, ...]:
    return tuple(m for function in _REGISTRY for m in _REGISTRY[function])


# --- hw1 conv2d -----------------------------------------------------------------------------------
# Two styles, as students write it: a double loop over the output, or every window at once.


def _zero_pad(x: np.ndarray, p: int) -> np.ndarray:
    """np.pad(x, p) on the first two axes, as a student pads (written out: it runs thousands of times in tests)."""
    if not p:
        return x
    padded = np.zeros((x.shape[0] + 2 * p, x.shape[1] + 2 * p, *x.shape[2:]), dtype=x.dtype)
    padded[p : p + x.shape[0], p : p + x.shape[1]] = x
    return padded


def _windows2d(x: np.ndarray, f: int, stride: int) -> np.ndarray:
    return sliding_window_view(x, (f, f))[::stride, ::stride]


def _conv2d_windows(
    x,
    k,
    stride=1,
    padding=0,
    *,
    pad: Callable[[np.ndarray, int], np.ndarray] | None = None,
    contract: str = "ijab,ab->ij",
    rows: bool = True,
    cols: bool = True,
    out: Any = None,
):
    """The vectorised student: pad, take every window, contract with the kernel."""
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    f = k.shape[0]
    n_H = (x.shape[0] + 2 * padding - f) // stride + 1
    n_W = (x.shape[1] + 2 * padding - f) // stride + 1
    x = pad(x, padding) if pad else _zero_pad(x, padding)
    windows = sliding_window_view(x, (f, f))[:: stride if rows else 1, :: stride if cols else 1][:n_H, :n_W]
    result = np.einsum(contract, windows, k)
    if out is None:
        return result
    out[...] = result
    return out


def _conv2d_loop(
    x,
    k,
    stride=1,
    padding=0,
    *,
    n_H: int | None = None,
    n_W: int | None = None,
    f: int | None = None,
    dtype: Any = float,
    stop_short: int = 0,
):
    """The looping student: pad, size the output, fill it cell by cell."""
    x = _zero_pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    f = k.shape[0] if f is None else f
    n_H = (x.shape[0] - f) // stride + 1 if n_H is None else n_H
    n_W = (x.shape[1] - f) // stride + 1 if n_W is None else n_W
    out = np.zeros((n_H, n_W), dtype=dtype)
    for i in range(n_H - stop_short):
        for j in range(n_W - stop_short):
            out[i, j] = np.sum(x[i * stride : i * stride + f, j * stride : j * stride + f] * k)
    return out


@mutant("conv2d", "flipped-kernel", "true convolution: the kernel flipped on both axes")
def _conv2d_flipped(x, k, stride=1, padding=0):
    return _conv2d_loop(x, np.asarray(k)[::-1, ::-1], stride, padding)


@mutant("conv2d", "transposed-kernel", "the kernel indexed k[b, a] (transposed)")
def _conv2d_kernel_t(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, contract="ijab,ba->ij")


@mutant("conv2d", "stride-ignored", "the window always moves by 1")
def _conv2d_no_stride(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, 1, padding)


@mutant("conv2d", "stride-rows-only", "the stride is applied down the rows, not across the columns")
def _conv2d_stride_rows(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, cols=False)


@mutant("conv2d", "stride-cols-only", "the stride is applied across the columns, not down the rows")
def _conv2d_stride_cols(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, rows=False)


@mutant("conv2d", "stride-in-size-only", "the stride shrinks the output, but the window moves by 1")
def _conv2d_stride_size(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, rows=False, cols=False)


@mutant("conv2d", "padding-ignored", "never pads")
def _conv2d_no_padding(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, 0)


@mutant("conv2d", "padding-one-side", "np.pad(x, (padding, 0)): padding on the top and left only")
def _conv2d_pad_one_side(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), (padding, 0))
    k = np.asarray(k, dtype=float)
    return np.einsum("ijab,ab->ij", _windows2d(x, k.shape[0], stride), k)


@mutant("conv2d", "padding-in-corner", "the image copied into the top-left corner of the padded array")
def _conv2d_pad_corner(x, k, stride=1, padding=0):
    def corner(image: np.ndarray, p: int) -> np.ndarray:
        padded = np.zeros((image.shape[0] + 2 * p, image.shape[1] + 2 * p))
        padded[: image.shape[0], : image.shape[1]] = image
        return padded

    return _conv2d_windows(x, k, stride, padding, pad=corner)


@mutant("conv2d", "padding-edge", "np.pad(..., mode='edge'): the border repeats instead of zeros")
def _conv2d_pad_edge(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, pad=lambda image, p: np.pad(image, p, mode="edge"))


@mutant("conv2d", "padding-doubled", "pads 2p on each side (the 2p of the formula applied per side)")
def _conv2d_pad_doubled(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), 2 * padding)
    k = np.asarray(k, dtype=float)
    return np.einsum("ijab,ab->ij", _windows2d(x, k.shape[0], stride), k)


@mutant("conv2d", "size-from-unpadded", "the output size computed from the unpadded image")
def _conv2d_size_unpadded(x, k, stride=1, padding=0):
    x, f = np.asarray(x), len(k)
    return _conv2d_loop(x, k, stride, padding, n_H=(x.shape[0] - f) // stride + 1, n_W=(x.shape[1] - f) // stride + 1)


def _conv2d_sized(size: Callable[[int, int, int, int], int]) -> Callable[..., Any]:
    def conv2d(x, k, stride=1, padding=0):
        x, f = np.asarray(x), len(k)
        return _conv2d_loop(
            x, k, stride, padding, n_H=size(x.shape[0], f, padding, stride), n_W=size(x.shape[1], f, padding, stride)
        )

    return conv2d


mutant("conv2d", "size-round", "int(round((n + 2p - f) / s)) + 1")(
    _conv2d_sized(lambda n, f, p, s: int(round((n + 2 * p - f) / s)) + 1)
)
mutant("conv2d", "size-round-whole", "round((n + 2p - f) / s + 1)")(
    _conv2d_sized(lambda n, f, p, s: round((n + 2 * p - f) / s + 1))
)
mutant("conv2d", "size-ceil", "math.ceil((n + 2p - f) / s) + 1")(
    _conv2d_sized(lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1)
)
mutant("conv2d", "size-no-plus-one", "(n + 2p - f) // s, without the + 1")(
    _conv2d_sized(lambda n, f, p, s: (n + 2 * p - f) // s)
)


@mutant("conv2d", "int-output-buffer", "out = np.zeros((n_H, n_W), dtype=int): every value cut to an int")
def _conv2d_int_buffer(x, k, stride=1, padding=0):
    return _conv2d_loop(x, k, stride, padding, dtype=int)


@mutant("conv2d", "buffer-dtype-of-image", "out = np.zeros_like(x, shape=...): an int image gives an int output")
def _conv2d_zeros_like(x, k, stride=1, padding=0):
    f = len(k)
    shape = ((x.shape[0] + 2 * padding - f) // stride + 1, (x.shape[1] + 2 * padding - f) // stride + 1)
    return _conv2d_windows(x, k, stride, padding, out=np.zeros_like(x, shape=shape))


@mutant("conv2d", "rounded-values", "each sum rounded: out[i, j] = round(np.sum(...))")
def _conv2d_rounded(x, k, stride=1, padding=0):
    return np.round(_conv2d_windows(x, k, stride, padding))


@mutant("conv2d", "image-as-int", "x = np.array(x, dtype=int): the image's fractions dropped")
def _conv2d_image_int(x, k, stride=1, padding=0):
    return _conv2d_windows(np.array(x, dtype=int), k, stride, padding)


@mutant("conv2d", "kernel-as-int", "k = np.array(k, dtype=int): the kernel's fractions dropped")
def _conv2d_kernel_int(x, k, stride=1, padding=0):
    return _conv2d_windows(x, np.array(k, dtype=int), stride, padding)


@mutant("conv2d", "square-only", "n_H used for both axes (works on square images only)")
def _conv2d_square(x, k, stride=1, padding=0):
    n = (np.asarray(x).shape[0] + 2 * padding - len(k)) // stride + 1
    return _conv2d_loop(x, k, stride, padding, n_H=n, n_W=n)


@mutant("conv2d", "kernel-size-3", "f = 3 hard-coded (the lecture's filters)")
def _conv2d_f3(x, k, stride=1, padding=0):
    return _conv2d_loop(x, k, stride, padding, f=3)


@mutant("conv2d", "transposed-output", "out[j, i] = ...: the output transposed")
def _conv2d_transposed(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, contract="ijab,ab->ji")


@mutant("conv2d", "matrix-product", "np.sum(window @ k): a matrix product instead of the element-wise one")
def _conv2d_matmul(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, contract="ijab,bc->ij")


@mutant("conv2d", "options-swapped", "def conv2d(x, k, padding=0, stride=1): wrong on a call by position")
def _conv2d_options_swapped(x, k, padding=0, stride=1):
    return _conv2d_windows(x, k, stride, padding)


@mutant("conv2d", "loop-one-short", "range(n_H - 1): the last row and column stay 0")
def _conv2d_one_short(x, k, stride=1, padding=0):
    return _conv2d_loop(x, k, stride, padding, stop_short=1)


@mutant(
    "conv2d",
    "input-range-one-short",
    "for i in range(0, H - f, stride): the input positions one short, "
    "into an output sized by the formula (its last row/column stays 0 where the last window ends on the edge)",
)
def _conv2d_input_range_short(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    f = k.shape[0]
    H, W = x.shape
    out = np.zeros(((H - f) // stride + 1, (W - f) // stride + 1))
    for i in range(0, H - f, stride):
        for j in range(0, W - f, stride):
            out[i // stride, j // stride] = np.sum(x[i : i + f, j : j + f] * k)
    return out


@mutant("conv2d", "input-range-one-short-appended", "rows appended for i in range(0, H - f, stride): one short")
def _conv2d_input_range_short_append(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    f = k.shape[0]
    H, W = x.shape
    return np.array(
        [[np.sum(x[i : i + f, j : j + f] * k) for j in range(0, W - f, stride)] for i in range(0, H - f, stride)]
    )


@mutant("conv2d", "kernel-centred", "windows centred on (i, j): x[i - f//2 : i + f//2 + 1], right for odd f only")
def _conv2d_centred(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    f = k.shape[0]
    r = f // 2
    H, W = x.shape
    return np.array(
        [
            [np.sum(x[i - r : i + r + 1, j - r : j + r + 1] * k) for j in range(r, W - (f - 1 - r), stride)]
            for i in range(r, H - (f - 1 - r), stride)
        ]
    )


mutant("conv2d", "size-positions-over-stride", "(n + 2p - f + 1) // s: the number of positions divided by s")(
    _conv2d_sized(lambda n, f, p, s: (n + 2 * p - f + 1) // s)
)


@mutant("conv2d", "uneven-padding", "np.pad(x, ((p, p - 1), (p, p - 1))): one row and column of padding short")
def _conv2d_uneven_padding(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    if padding:
        x = np.pad(x, ((padding, padding - 1), (padding, padding - 1)))
    return _conv2d_windows(x, k, stride, 0)


@mutant("conv2d", "relu-on-output", "np.maximum(out, 0): a ReLU on the convolution")
def _conv2d_relu(x, k, stride=1, padding=0):
    return np.maximum(_conv2d_windows(x, k, stride, padding), 0)


@mutant("conv2d", "abs-on-output", "np.abs(out): only the edge strength kept")
def _conv2d_abs(x, k, stride=1, padding=0):
    return np.abs(_conv2d_windows(x, k, stride, padding))


@mutant("conv2d", "rounded-2-decimals", "np.round(out, 2), for a tidy print")
def _conv2d_round2(x, k, stride=1, padding=0):
    return np.round(_conv2d_windows(x, k, stride, padding), 2)


@mutant("conv2d", "float16-output", "out = np.zeros(..., dtype=np.float16)")
def _conv2d_float16(x, k, stride=1, padding=0):
    return _conv2d_loop(x, k, stride, padding, dtype=np.float16)


# Partial flips, rotations and transformations of the kernel or image that equal the right answer
# only on a kernel with a symmetry, a kernel summing to 1 or an image of mean 0 (never drawn).
def _conv2d_kernel_as(transform: Callable[[np.ndarray], np.ndarray]) -> Callable[..., Any]:
    def conv2d(x, k, stride=1, padding=0):
        return _conv2d_loop(x, transform(np.asarray(k, dtype=float)), stride, padding)

    return conv2d


_CONV2D_KERNELS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "flipud-kernel": ("np.flipud(k): the kernel flipped upside down only", np.flipud),
    "fliplr-kernel": ("k[:, ::-1]: the kernel flipped left to right only", lambda k: k[:, ::-1]),
    "rot90-kernel": ("np.rot90(k): the kernel rotated a quarter turn", np.rot90),
    "rot90-clockwise-kernel": (
        "np.rot90(k, -1): the kernel rotated a quarter turn clockwise",
        lambda k: np.rot90(k, -1),
    ),
    "anti-transposed-kernel": (
        "np.rot90(k, 2).T: the kernel transposed along its other diagonal",
        lambda k: np.rot90(k, 2).T,
    ),
    "abs-kernel": ("np.abs(k): the kernel's signs dropped", np.abs),
    "kernel-normalised": ("k / k.sum(): the kernel normalised to sum 1", lambda k: k / k.sum() if k.sum() else k),
    "kernel-normalised-abs": (
        "k / np.abs(k).sum(): the kernel normalised by its absolute sum",
        lambda k: k / np.abs(k).sum(),
    ),
    "kernel-mean-subtracted": ("k - k.mean(): the kernel centred", lambda k: k - k.mean()),
}
for _name, (_mistake, _transform) in _CONV2D_KERNELS.items():
    mutant("conv2d", _name, _mistake)(_conv2d_kernel_as(_transform))


@mutant("conv2d", "image-mean-subtracted", "x - x.mean(): the image centred first")
def _conv2d_image_centred(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    return _conv2d_windows(x - x.mean(), k, stride, padding)


@mutant("conv2d", "padding-with-mean", "np.pad(x, p, constant_values=x.mean()): the border is the image's mean")
def _conv2d_pad_mean(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, pad=lambda image, p: np.pad(image, p, constant_values=image.mean()))


@mutant("conv2d", "padding-reflect", "np.pad(x, p, mode='reflect')")
def _conv2d_pad_reflect(x, k, stride=1, padding=0):
    return _conv2d_windows(x, k, stride, padding, pad=lambda image, p: np.pad(image, p, mode="reflect"))


# --- hw2 output_size and same_padding ---------------------------------------------------------------

_OUTPUT_SIZE = {
    "no-plus-one": ("(n + 2p - f) // s, without the + 1", lambda n, f, p=0, s=1: (n + 2 * p - f) // s),
    "ceil": ("math.ceil instead of the floor", lambda n, f, p=0, s=1: math.ceil((n + 2 * p - f) / s) + 1),
    "round": ("round() instead of the floor", lambda n, f, p=0, s=1: round((n + 2 * p - f) / s) + 1),
    "round-whole": ("round((n + 2p - f) / s + 1)", lambda n, f, p=0, s=1: round((n + 2 * p - f) / s + 1)),
    "true-division": ("(n + 2p - f) / s + 1 with no floor: a float", lambda n, f, p=0, s=1: (n + 2 * p - f) / s + 1),
    "padding-once": ("n + p - f: the padding counted on one side", lambda n, f, p=0, s=1: (n + p - f) // s + 1),
    "padding-ignored": ("(n - f) // s + 1", lambda n, f, p=0, s=1: (n - f) // s + 1),
    "stride-ignored": ("n + 2p - f + 1", lambda n, f, p=0, s=1: n + 2 * p - f + 1),
    "precedence": ("n + 2*p - f // s + 1: only f divided by s", lambda n, f, p=0, s=1: n + 2 * p - f // s + 1),
    "p-s-swapped": (
        "def output_size(n, f, s=1, p=0): the parameters in the wrong order",
        lambda n, f, s=1, p=0: (n + 2 * p - f) // s + 1,
    ),
    "positions-over-stride": (
        "(n + 2p - f + 1) // s: the number of positions divided by s",
        lambda n, f, p=0, s=1: (n + 2 * p - f + 1) // s,
    ),
    "stride-on-n-only": ("n // s + 2p - f + 1", lambda n, f, p=0, s=1: n // s + 2 * p - f + 1),
    "divided-separately": ("(n + 2p) // s - f // s + 1", lambda n, f, p=0, s=1: (n + 2 * p) // s - f // s + 1),
}
for _name, (_mistake, _function) in _OUTPUT_SIZE.items():
    mutant("output_size", _name, _mistake)(_function)

# No formula at all: one answer whatever the input, or the public inputs' answers and one answer besides. A probe's
# role fixes some parameters on every seed, so a constant is right on some probe of some seeds.
_CONSTANTS: dict[str, int] = {"output_size": 5, "same_padding": 2, "conv_params": 608, "fc_params": 10164}
for _function_name, _constant in _CONSTANTS.items():
    mutant(_function_name, "constant", f"return {_constant}: the same answer whatever the input")(
        lambda *args, _answer=_constant, **kwargs: _answer
    )

_SAME_PADDING: dict[str, tuple[str, Callable[..., int]]] = {
    "floor": ("p rounded down", lambda n, f, s=1: math.floor((n * s - n + f - s) / 2)),
    "stride-ignored": ("(f - 1) // 2, the stride-1 answer", lambda n, f, s=1: (f - 1) // 2),
    "stride-ignored-ceil": ("math.ceil((f - 1) / 2)", lambda n, f, s=1: math.ceil((f - 1) / 2)),
    "round": ("round(p): to the nearest (even) integer", lambda n, f, s=1: round((n * s - n + f - s) / 2)),
    "plus-one": (
        "(ns - n + f - s) // 2 + 1: 'rounding up' by adding 1",
        lambda n, f, s=1: (n * s - n + f - s) // 2 + 1,
    ),
    "minus-s-forgotten": ("ceil((ns - n + f) / 2): the - s left out", lambda n, f, s=1: math.ceil((n * s - n + f) / 2)),
    "no-rounding": ("(ns - n + f - s) / 2, not rounded: a float", lambda n, f, s=1: (n * s - n + f - s) / 2),
    "largest": (
        "the largest padding that keeps n, not the smallest",
        lambda n, f, s=1: max(p for p in range(n * s + f) if (n + 2 * p - f) // s + 1 == n),
    ),
    "floor-plus-half-stride": (
        "(ns - n + f - s) // 2 + (s - 1) // 2",
        lambda n, f, s=1: (n * s - n + f - s) // 2 + (s - 1) // 2,
    ),
}
for _name, (_mistake, _function) in _SAME_PADDING.items():
    mutant("same_padding", _name, _mistake)(_function)
mutant("same_padding", "public-lookup", "the public input's answer, and 2 for any other input")(
    lambda n, f, s=1: (f - 1) // 2 if (n, f, s) == (6, 3, 1) else 2
)
mutant("output_size", "public-lookup", "the public inputs' answers, and 5 for any other input")(
    lambda n, f, p=0, s=1: n + 2 * p - f + 1 if (n, f, s) == (6, 3, 1) and p in (0, 1) else 5
)


# --- hw3 conv_params and fc_params ------------------------------------------------------------------

_CONV_PARAMS: dict[str, tuple[str, Callable[..., int]]] = {
    "no-bias": ("the biases left out", lambda f, n_c_prev, n_filters: f * f * n_c_prev * n_filters),
    "channels-ignored": (
        "n_c_prev ignored (the lecture's printed table)",
        lambda f, n_c_prev, n_filters: (f * f + 1) * n_filters,
    ),
    "one-bias-per-layer": (
        "a single bias for the layer",
        lambda f, n_c_prev, n_filters: f * f * n_c_prev * n_filters + 1,
    ),
    "f-once": (
        "f * n_c_prev: the filter's side counted once",
        lambda f, n_c_prev, n_filters: (f * n_c_prev + 1) * n_filters,
    ),
    "bias-per-channel": ("a bias per input channel", lambda f, n_c_prev, n_filters: (f * f + 1) * n_c_prev * n_filters),
    "one-filter": ("n_filters ignored: one filter's parameters", lambda f, n_c_prev, n_filters: f * f * n_c_prev + 1),
    "arguments-swapped": (
        "def conv_params(f, n_filters, n_c_prev): the parameters in the wrong order",
        lambda f, n_filters, n_c_prev: (f * f * n_c_prev + 1) * n_filters,
    ),
    "bias-per-input-channel": (
        "+ n_c_prev biases instead of + n_filters",
        lambda f, n_c_prev, n_filters: f * f * n_c_prev * n_filters + n_c_prev,
    ),
}
for _name, (_mistake, _function) in _CONV_PARAMS.items():
    mutant("conv_params", _name, _mistake)(_function)

_FC_PARAMS: dict[str, tuple[str, Callable[..., int]]] = {
    "no-bias": ("the biases left out", lambda n_in, n_out: n_in * n_out),
    "single-bias": ("one bias for the layer (the lecture's printed table)", lambda n_in, n_out: n_in * n_out + 1),
    "bias-per-input": ("a bias per input instead of per unit", lambda n_in, n_out: n_in * n_out + n_in),
    "both-biases": ("a bias per input and per unit", lambda n_in, n_out: n_in * n_out + n_in + n_out),
}
for _name, (_mistake, _function) in _FC_PARAMS.items():
    mutant("fc_params", _name, _mistake)(_function)


# --- hw5 conv_volume --------------------------------------------------------------------------------


def _volume(x, w, *, mean: bool = False, dtype: Any = float, f: int | None = None, square: bool = False):
    """The student who sizes an output array, then fills it from every window at once."""
    f = w.shape[0] if f is None else f
    n_H = x.shape[0] - f + 1
    n_W = n_H if square else x.shape[1] - f + 1
    out = np.zeros((n_H, n_W), dtype=dtype)
    windows = sliding_window_view(np.asarray(x, dtype=float), (f, f), axis=(0, 1))
    out[...] = np.einsum("ijcab,abc->ij", windows, w)[:n_H, :n_W] / (w.size if mean else 1)
    return out


def _volume_loop(x, w):
    """The student who loops over the output, one window at a time."""
    f = w.shape[0]
    n_H, n_W = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.zeros((n_H, n_W))
    for i in range(n_H):
        for j in range(n_W):
            out[i, j] = np.sum(x[i : i + f, j : j + f, :] * w)
    return out


@mutant("conv_volume", "flipped-filter", "the filter flipped on both spatial axes")
def _volume_flipped(x, w):
    return _volume_loop(np.asarray(x, dtype=float), np.asarray(w, dtype=float)[::-1, ::-1, :])


@mutant("conv_volume", "flipped-every-axis", "np.flip(w): the channels reversed too")
def _volume_flip_all(x, w):
    return _volume(x, np.flip(np.asarray(w, dtype=float)))


@mutant("conv_volume", "channels-not-summed", "one map per channel: the channels are never summed")
def _volume_per_channel(x, w):
    windows = sliding_window_view(np.asarray(x, dtype=float), w.shape[:2], axis=(0, 1))
    return np.einsum("ijcab,abc->ijc", windows, w)


@mutant("conv_volume", "channels-summed-first", "x and w summed over channels first, then a 2-D convolution")
def _volume_sum_first(x, w):
    x2, w2 = np.asarray(x, dtype=float).sum(axis=2), np.asarray(w, dtype=float).sum(axis=2)
    return np.einsum("ijab,ab->ij", sliding_window_view(x2, w2.shape), w2)


@mutant("conv_volume", "first-channel-only", "only x[:, :, 0] and w[:, :, 0] are used")
def _volume_first_channel(x, w):
    x2, w2 = np.asarray(x, dtype=float)[:, :, 0], np.asarray(w, dtype=float)[:, :, 0]
    return np.einsum("ijab,ab->ij", sliding_window_view(x2, w2.shape), w2)


@mutant("conv_volume", "mean-not-sum", "np.mean(window * w) instead of the sum")
def _volume_mean(x, w):
    return _volume(x, np.asarray(w, dtype=float), mean=True)


@mutant("conv_volume", "square-only", "n_H used for both axes")
def _volume_square(x, w):
    return _volume(x, np.asarray(w, dtype=float), square=True)


@mutant("conv_volume", "no-plus-one", "n - f, without the + 1")
def _volume_no_plus_one(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    f = w.shape[0]
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[: x.shape[0] - f, : x.shape[1] - f]
    return np.einsum("ijcab,abc->ij", windows, w)


@mutant("conv_volume", "int-output-buffer", "np.zeros(..., dtype=int): every value cut to an int")
def _volume_int(x, w):
    return _volume(x, np.asarray(w, dtype=float), dtype=int)


@mutant("conv_volume", "buffer-dtype-of-input", "np.zeros(..., dtype=x.dtype): an int input gives an int output")
def _volume_dtype_of_x(x, w):
    return _volume(x, w, dtype=x.dtype)


@mutant("conv_volume", "input-as-int", "x = x.astype(int): the input's fractions dropped")
def _volume_x_int(x, w):
    return _volume(np.asarray(x).astype(int), np.asarray(w, dtype=float))


@mutant("conv_volume", "rounded-values", "np.round on the output")
def _volume_rounded(x, w):
    windows = sliding_window_view(np.asarray(x, dtype=float), w.shape[:2], axis=(0, 1))
    return np.round(np.einsum("ijcab,abc->ij", windows, w))


@mutant("conv_volume", "filter-size-3", "f = 3 hard-coded")
def _volume_f3(x, w):
    return _volume(x, np.asarray(w, dtype=float), f=3)


@mutant("conv_volume", "transposed-output", "out[j, i] = ...: the map transposed")
def _volume_transposed(x, w):
    windows = sliding_window_view(np.asarray(x, dtype=float), w.shape[:2], axis=(0, 1))
    return np.einsum("ijcab,abc->ji", windows, w)


@mutant("conv_volume", "channels-first", "x read as (c, n_H, n_W)")
def _volume_channels_first(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    _, n_H, n_W = x.shape
    f = w.shape[0]
    out = np.zeros((n_H - f + 1, n_W - f + 1))
    for i in range(n_H - f + 1):
        for j in range(n_W - f + 1):
            out[i, j] = np.sum(x[:, i : i + f, j : j + f] * w)
    return out


@mutant("conv_volume", "relu-on-output", "np.maximum(out, 0)")
def _volume_relu(x, w):
    return np.maximum(_volume_loop(np.asarray(x, dtype=float), np.asarray(w, dtype=float)), 0)


@mutant("conv_volume", "abs-on-output", "np.abs(out)")
def _volume_abs(x, w):
    return np.abs(_volume_loop(np.asarray(x, dtype=float), np.asarray(w, dtype=float)))


@mutant("conv_volume", "last-channel-dropped", "for c in range(n_C - 1): the last channel never added")
def _volume_last_channel(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    return sum(_volume_loop(x[:, :, c : c + 1], w[:, :, c : c + 1]) for c in range(x.shape[2] - 1))


@mutant("conv_volume", "last-channel-dropped-when-deep", "the last channel dropped only beyond two channels")
def _volume_last_channel_deep(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    channels = x.shape[2] - 1 if x.shape[2] > 2 else x.shape[2]
    return _volume_loop(x[:, :, :channels], w[:, :, :channels])


@mutant("conv_volume", "rounded-2-decimals", "np.round(out, 2)")
def _volume_round2(x, w):
    return np.round(_volume_loop(np.asarray(x, dtype=float), np.asarray(w, dtype=float)), 2)


@mutant("conv_volume", "float16-output", "np.zeros(..., dtype=np.float16)")
def _volume_float16(x, w):
    return _volume(x, np.asarray(w, dtype=float), dtype=np.float16)


def _volume_filter_as(transform: Callable[[np.ndarray], np.ndarray]) -> Callable[..., Any]:
    def conv_volume(x, w):
        return _volume_loop(np.asarray(x, dtype=float), transform(np.asarray(w, dtype=float)))

    return conv_volume


_VOLUME_FILTERS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "flipud-filter": ("w[::-1]: the filter flipped upside down only", lambda w: w[::-1]),
    "fliplr-filter": ("w[:, ::-1]: the filter flipped left to right only", lambda w: w[:, ::-1]),
    "transposed-filter": ("w.transpose(1, 0, 2): each slice transposed", lambda w: w.transpose(1, 0, 2)),
    "rot90-filter": ("np.rot90(w): the filter rotated a quarter turn", np.rot90),
    "channels-reversed": ("w[:, :, ::-1]: the filter's channels in reverse order", lambda w: w[:, :, ::-1]),
}
for _name, (_mistake, _transform) in _VOLUME_FILTERS.items():
    mutant("conv_volume", _name, _mistake)(_volume_filter_as(_transform))


# --- hw5 conv_layer_forward --------------------------------------------------------------------------


def _layer(
    x,
    W,
    b,
    stride=1,
    padding=0,
    *,
    pad: Any = "both",
    flip: Callable[[np.ndarray], np.ndarray] | None = None,
    size: Callable[[int, int, int, int], int] | None = None,
    dtype: Any = float,
    f: int | None = None,
    square: bool = False,
    rows: bool = True,
    cols: bool = True,
    relu: str = "after",
    bias: Callable[[np.ndarray, int], float] | None = None,
    weights: Callable[[np.ndarray, int], np.ndarray] | None = None,
    loop_short: bool = False,
):
    """A student who sizes Z, then fills it from every window at once; one knob per mistake (each
    mutant turns exactly one). Z of the wrong size raises, as the student's loop would."""
    x0 = np.asarray(x, dtype=float) if dtype is float else np.asarray(x)
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    f = W.shape[0] if f is None else f
    size = size or (lambda n, f_, p, s: (n + 2 * p - f_) // s + 1)
    n_H = size(x0.shape[0], f, padding, stride)
    n_W = n_H if square else size(x0.shape[1], f, padding, stride)
    n_C = W.shape[3]
    if pad == "both":
        x = _zero_pad(x0, padding)
    elif pad == "none":
        x = x0
    else:
        x = pad(x0, padding)
    if flip is not None:
        W = flip(W)
    kernels = np.stack([weights(W, c) for c in range(n_C)], axis=-1) if weights else W
    biases = np.array([bias(b, c) for c in range(n_C)]) if bias else b
    windows = sliding_window_view(np.asarray(x, dtype=float), (f, f), axis=(0, 1))
    windows = windows[:: stride if rows else 1, :: stride if cols else 1][:n_H, :n_W]
    z = np.einsum("ijcab,abcn->ijn", windows, kernels)
    Z = np.zeros((n_H, n_W, n_C), dtype=dtype)
    last_h, last_w = n_H - loop_short, n_W - loop_short
    Z[:last_h, :last_w] = (np.maximum(z, 0) + b if relu == "before-bias" else z + biases)[:last_h, :last_w]
    if relu == "after":
        return np.maximum(Z, 0)
    return Z


_LAYER_KNOBS: dict[str, tuple[str, dict[str, Any]]] = {
    "flipped-filter": ("the filters flipped on both spatial axes", {"flip": lambda W: W[::-1, ::-1]}),
    "flipped-every-axis": ("np.flip(W): channels and filters reversed too", {"flip": np.flip}),
    "stride-ignored": ("the window always moves by 1", {"stride_ignored": True}),
    "stride-rows-only": ("the stride applied down the rows only", {"cols": False}),
    "stride-cols-only": ("the stride applied across the columns only", {"rows": False}),
    "padding-ignored": ("never pads", {"pad": "none", "size": lambda n, f, p, s: (n - f) // s + 1}),
    "padding-one-side": (
        "pads the top and left only",
        {"pad": lambda x, p: np.pad(x, ((p, 0), (p, 0), (0, 0))), "size": lambda n, f, p, s: (n + p - f) // s + 1},
    ),
    "padding-in-corner": (
        "the input copied into the top-left corner of the padded array",
        {"pad": lambda x, p: np.pad(x, ((0, 2 * p), (0, 2 * p), (0, 0)))},
    ),
    "pads-channels-too": ("np.pad(x, padding) pads the channel axis too", {"pad": lambda x, p: np.pad(x, p)}),
    "size-round": ("round() in the output size", {"size": lambda n, f, p, s: int(round((n + 2 * p - f) / s)) + 1}),
    "size-ceil": ("math.ceil in the output size", {"size": lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1}),
    "size-no-plus-one": ("the + 1 of the size left out", {"size": lambda n, f, p, s: (n + 2 * p - f) // s}),
    "size-from-unpadded": ("the size computed from the unpadded input", {"size": lambda n, f, p, s: (n - f) // s + 1}),
    "int-output-buffer": ("Z = np.zeros(..., dtype=int)", {"dtype": int}),
    "square-only": ("n_H used for both axes", {"square": True}),
    "filter-size-3": ("f = 3 hard-coded", {"f": 3}),
    "relu-forgotten": ("returns Z, no ReLU", {"relu": "none"}),
    "bias-forgotten": ("never adds b", {"bias": lambda b, c: 0.0}),
    "bias-after-relu": ("ReLU(W * x) + b", {"relu": "before-bias"}),
    "first-bias-only": ("b[0] for every filter", {"bias": lambda b, c: b[0]}),
    "filter-axes-swapped": (
        "W[:, :, c] (an input channel) instead of W[..., c] (a filter)",
        {"weights": lambda W, c: W[:, :, c]},
    ),
    "loop-one-short": ("range(n_H - 1): the last row and column stay 0", {"loop_short": True}),
}


def _layer_mutant(knobs: dict[str, Any]) -> Callable[..., Any]:
    if knobs.get("stride_ignored"):
        return lambda x, W, b, stride=1, padding=0: _layer(x, W, b, 1, padding)
    return lambda x, W, b, stride=1, padding=0: _layer(x, W, b, stride, padding, **knobs)


for _name, (_mistake, _knobs) in _LAYER_KNOBS.items():
    mutant("conv_layer_forward", _name, _mistake)(_layer_mutant(_knobs))


@mutant(
    "conv_layer_forward",
    "options-swapped",
    "def conv_layer_forward(x, W, b, padding=0, stride=1): wrong on a call by position",
)
def _layer_options_swapped(x, W, b, padding=0, stride=1):
    return _layer(x, W, b, stride, padding)


@mutant("conv_layer_forward", "buffer-dtype-of-input", "Z = np.zeros(..., dtype=x.dtype): an int input gives ints")
def _layer_dtype_of_x(x, W, b, stride=1, padding=0):
    return _layer(x, W, b, stride, padding, dtype=np.asarray(x).dtype)


@mutant("conv_layer_forward", "input-as-int", "x = x.astype(int): the input's fractions dropped")
def _layer_x_int(x, W, b, stride=1, padding=0):
    return _layer(np.asarray(x).astype(int), W, b, stride, padding)


@mutant("conv_layer_forward", "rounded-values", "np.round on the output")
def _layer_rounded(x, W, b, stride=1, padding=0):
    return np.round(_layer(x, W, b, stride, padding))


@mutant("conv_layer_forward", "channels-first-output", "returns (n_C, n_H, n_W)")
def _layer_channels_first(x, W, b, stride=1, padding=0):
    return np.moveaxis(_layer(x, W, b, stride, padding), -1, 0)


@mutant(
    "conv_layer_forward",
    "input-range-one-short",
    "for i in range(0, H - f, stride): one position short, into a Z sized by the formula",
)
def _layer_input_range_short(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    f = W.shape[0]
    H, Wd = x.shape[:2]
    Z = np.zeros(((H - f) // stride + 1, (Wd - f) // stride + 1, W.shape[3]))
    for i in range(0, H - f, stride):
        for j in range(0, Wd - f, stride):
            for c in range(W.shape[3]):
                Z[i // stride, j // stride, c] = np.sum(x[i : i + f, j : j + f] * W[..., c]) + b[c]
    return np.maximum(Z, 0)


_LAYER_EXTRA: dict[str, tuple[str, dict[str, Any]]] = {
    "size-positions-over-stride": (
        "(n + 2p - f + 1) // s in the output size",
        {"size": lambda n, f, p, s: (n + 2 * p - f + 1) // s},
    ),
    "uneven-padding": (
        "np.pad with (p, p - 1) on each axis",
        {
            "pad": lambda x, p: np.pad(x, ((p, max(p - 1, 0)), (p, max(p - 1, 0)), (0, 0))),
            "size": lambda n, f, p, s: (n + 2 * p - 1 - f) // s + 1 if p else (n - f) // s + 1,
        },
    ),
    "bias-sum": ("Z + np.sum(b): every filter gets the sum of the biases", {"bias": lambda b, c: b.sum()}),
}
for _name, (_mistake, _knobs) in _LAYER_EXTRA.items():
    mutant("conv_layer_forward", _name, _mistake)(_layer_mutant(_knobs))


@mutant("conv_layer_forward", "relu-twice", "ReLU(ReLU(W * x) + b)")
def _layer_relu_twice(x, W, b, stride=1, padding=0):
    return np.maximum(_layer(x, W, b, stride, padding, relu="before-bias"), 0)


@mutant("conv_layer_forward", "abs-activation", "np.abs(W * x + b) as the activation")
def _layer_abs(x, W, b, stride=1, padding=0):
    return np.abs(_layer(x, W, b, stride, padding, relu="none"))


@mutant("conv_layer_forward", "kernel-centred", "windows centred on (i, j): right for odd f only")
def _layer_centred(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    f = W.shape[0]
    r = f // 2
    H, Wd = x.shape[:2]
    Z = [
        [
            [np.sum(x[i - r : i + r + 1, j - r : j + r + 1] * W[..., c]) + b[c] for c in range(W.shape[3])]
            for j in range(r, Wd - (f - 1 - r), stride)
        ]
        for i in range(r, H - (f - 1 - r), stride)
    ]
    return np.maximum(np.array(Z), 0)


@mutant("conv_layer_forward", "rounded-2-decimals", "np.round(A, 2)")
def _layer_round2(x, W, b, stride=1, padding=0):
    return np.round(_layer(x, W, b, stride, padding), 2)


@mutant("conv_layer_forward", "float16-output", "Z = np.zeros(..., dtype=np.float16)")
def _layer_float16(x, W, b, stride=1, padding=0):
    return _layer(x, W, b, stride, padding, dtype=np.float16)


_LAYER_MORE: dict[str, tuple[str, dict[str, Any]]] = {
    "flipud-filters": ("W[::-1]: the filters flipped upside down only", {"flip": lambda W: W[::-1]}),
    "fliplr-filters": ("W[:, ::-1]: the filters flipped left to right only", {"flip": lambda W: W[:, ::-1]}),
    "transposed-filters": (
        "W.transpose(1, 0, 2, 3): each slice transposed",
        {"flip": lambda W: W.transpose(1, 0, 2, 3)},
    ),
    "filters-reversed": ("W[..., ::-1]: the filters in reverse order", {"flip": lambda W: W[..., ::-1]}),
    "channels-reversed": ("W[:, :, ::-1]: the filters' channels in reverse order", {"flip": lambda W: W[:, :, ::-1]}),
    "last-bias-only": ("b[-1] for every filter (the loop variable of an earlier loop)", {"bias": lambda b, c: b[-1]}),
    "bias-max": ("b.max() for every filter", {"bias": lambda b, c: b.max()}),
    "bias-reversed": ("b[::-1]: the biases in reverse order", {"bias": lambda b, c: b[::-1][c]}),
    "bias-abs": ("np.abs(b): the biases' signs dropped", {"bias": lambda b, c: abs(b[c])}),
    "bias-relu": ("max(b[c], 0): a ReLU on the bias", {"bias": lambda b, c: max(b[c], 0.0)}),
    "bias-subtracted": ("Z - b", {"bias": lambda b, c: -b[c]}),
}
for _name, (_mistake, _knobs) in _LAYER_MORE.items():
    mutant("conv_layer_forward", _name, _mistake)(_layer_mutant(_knobs))


@mutant("conv_layer_forward", "last-filter-dropped", "for c in range(n_C - 1): the last filter's channel stays 0")
def _layer_last_filter(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    f, n_C = W.shape[0], W.shape[3]
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    Z = np.zeros((n_H, n_W, n_C))
    for i in range(n_H):
        for j in range(n_W):
            for c in range(n_C - 1):
                Z[i, j, c] = np.sum(x[i * stride : i * stride + f, j * stride : j * stride + f] * W[..., c]) + b[c]
    return np.maximum(Z, 0)


@mutant("conv_layer_forward", "relu-threshold-1", "np.where(Z >= 1, Z, 0): the ReLU's threshold at 1")
def _layer_relu_1(x, W, b, stride=1, padding=0):
    Z = _layer(x, W, b, stride, padding, relu="none")
    return np.where(Z >= 1, Z, 0)


@mutant("conv_layer_forward", "relu6", "np.clip(Z, 0, 6): ReLU6 as the activation")
def _layer_relu6(x, W, b, stride=1, padding=0):
    return np.clip(_layer(x, W, b, stride, padding, relu="none"), 0, 6)


@mutant("conv_layer_forward", "leaky-relu", "np.where(Z > 0, Z, 0.01 * Z): a leaky ReLU")
def _layer_leaky(x, W, b, stride=1, padding=0):
    Z = _layer(x, W, b, stride, padding, relu="none")
    return np.where(Z > 0, Z, 0.01 * Z)


# --- hw5 pool_forward ----------------------------------------------------------------------------------


def _pool(
    x,
    f,
    s,
    mode="max",
    *,
    reducers: dict[str, Callable[..., Any]] | None = None,
    size: Callable[[int, int, int], int] | None = None,
    dtype: Any = float,
    square: bool = False,
    rows: bool = True,
    cols: bool = True,
    across_channels: tuple[str, ...] = (),
):
    """A student who sizes the output, then pools every window at once; one knob per mistake (each
    mutant turns exactly one). An output of the wrong size raises, as the student's loop would."""
    x0 = np.asarray(x)
    reducers = reducers or {"max": np.max, "average": np.mean}
    size = size or (lambda n, f_, s_: (n - f_) // s_ + 1)
    n_H = size(x0.shape[0], f, s)
    n_W = n_H if square else size(x0.shape[1], f, s)
    n_C = x0.shape[2]
    out = np.zeros((n_H, n_W, n_C), dtype=dtype)
    windows = sliding_window_view(np.asarray(x0, dtype=float), (f, f), axis=(0, 1))
    windows = windows[:: s if rows else 1, :: s if cols else 1][:n_H, :n_W]
    if mode in across_channels:
        out[...] = reducers[mode](windows, axis=(2, 3, 4))[:, :, None]
    elif mode in reducers:
        out[...] = reducers[mode](windows, axis=(3, 4))
    return out


_POOL_KNOBS: dict[str, tuple[str, dict[str, Any]]] = {
    "always-max": ("mode ignored: always max pooling", {"reducers": {"max": np.max, "average": np.max}}),
    "always-average": ("mode ignored: always average pooling", {"reducers": {"max": np.mean, "average": np.mean}}),
    "mode-avg": ('checks mode == "avg": "average" leaves zeros', {"reducers": {"max": np.max, "avg": np.mean}}),
    "stride-rows-only": ("the stride applied down the rows only", {"cols": False}),
    "stride-cols-only": ("the stride applied across the columns only", {"rows": False}),
    "size-round": ("round() in the output size", {"size": lambda n, f, s: int(round((n - f) / s)) + 1}),
    "size-ceil": ("math.ceil in the output size", {"size": lambda n, f, s: math.ceil((n - f) / s) + 1}),
    "size-no-plus-one": ("the + 1 of the size left out", {"size": lambda n, f, s: (n - f) // s}),
    "int-output-buffer": ("np.zeros(..., dtype=int)", {"dtype": int}),
    "square-only": ("n_H used for both axes", {"square": True}),
    "max-over-channels": ("max pooling takes the max over every channel of the window", {"across_channels": ("max",)}),
    "average-over-channels": (
        "average pooling averages over every channel of the window",
        {"across_channels": ("average",)},
    ),
    "average-divides-by-f": (
        "the sum divided by f, not f * f",
        {"reducers": {"max": np.max, "average": lambda v, axis: np.sum(v, axis=axis) / v.shape[-1]}},
    ),
    "average-is-sum": ("the window summed, never divided", {"reducers": {"max": np.max, "average": np.sum}}),
}


def _pool_mutant(knobs: dict[str, Any]) -> Callable[..., Any]:
    def pool_forward(x, f, s, mode="max"):
        return _pool(x, f, s, mode, **knobs)

    return pool_forward


for _name, (_mistake, _knobs) in _POOL_KNOBS.items():
    mutant("pool_forward", _name, _mistake)(_pool_mutant(_knobs))


@mutant("pool_forward", "stride-ignored", "the window always moves by 1")
def _pool_no_stride(x, f, s, mode="max"):
    return _pool(x, f, 1, mode)


@mutant("pool_forward", "f-as-stride", "the stride taken to be f (as in the lecture's 2x2, stride 2 pool)")
def _pool_f_stride(x, f, s, mode="max"):
    return _pool(x, f, f, mode)


@mutant("pool_forward", "buffer-dtype-of-input", "np.zeros_like(x, shape=...): an int input gives ints")
def _pool_dtype_of_x(x, f, s, mode="max"):
    return _pool(x, f, s, mode, dtype=np.asarray(x).dtype)


@mutant("pool_forward", "input-as-int", "x = x.astype(int): the input's fractions dropped")
def _pool_x_int(x, f, s, mode="max"):
    return _pool(np.asarray(x).astype(int), f, s, mode)


@mutant("pool_forward", "fixed-window-2", "f = 2 hard-coded")
def _pool_f2(x, f, s, mode="max"):
    return _pool(x, 2, s, mode)


@mutant("pool_forward", "transposed-output", "the first two axes swapped")
def _pool_transposed(x, f, s, mode="max"):
    return np.swapaxes(_pool(x, f, s, mode), 0, 1)


def _max_from(start: Callable[[np.ndarray, int], float]) -> Callable[..., Any]:
    """The looping student whose running max starts at `start(x, channel)`, not at the window's first value."""

    def pool_forward(x, f, s, mode="max"):
        x = np.asarray(x, dtype=float)
        H, W, C = x.shape
        out = np.zeros(((H - f) // s + 1, (W - f) // s + 1, C))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                for c in range(C):
                    window = x[i * s : i * s + f, j * s : j * s + f, c]
                    if mode == "max":
                        best = start(x, c)
                        for value in window.ravel():
                            if value > best:
                                best = value
                        out[i, j, c] = best
                    else:
                        out[i, j, c] = window.mean()
        return out

    return pool_forward


mutant("pool_forward", "max-starts-at-0", "best = 0, then best = max(best, v) over the window")(
    _max_from(lambda x, c: 0)
)
mutant("pool_forward", "max-starts-at-minus-1", "best = -1 as the running max's start")(_max_from(lambda x, c: -1))
mutant("pool_forward", "max-starts-at-first-input", "best = x[0, 0, c]: the input's first value, not the window's")(
    _max_from(lambda x, c: x[0, 0, c])
)


@mutant("pool_forward", "max-initial-0", "np.max(window, initial=0)")
def _pool_initial_0(x, f, s, mode="max"):
    return _pool(x, f, s, mode, reducers={"max": lambda v, axis: np.max(v, axis=axis, initial=0), "average": np.mean})


@mutant(
    "pool_forward",
    "input-range-one-short",
    "for i in range(0, H - f, s): one position short, into an output sized by the formula",
)
def _pool_input_range_short(x, f, s, mode="max"):
    x = np.asarray(x, dtype=float)
    H, W, C = x.shape
    out = np.zeros(((H - f) // s + 1, (W - f) // s + 1, C))
    reduce = np.max if mode == "max" else np.mean
    for i in range(0, H - f, s):
        for j in range(0, W - f, s):
            out[i // s, j // s] = reduce(x[i : i + f, j : j + f], axis=(0, 1))
    return out


@mutant("pool_forward", "input-range-one-short-rows", "rows appended for i in range(0, H - f, s); columns right")
def _pool_input_range_short_rows(x, f, s, mode="max"):
    x = np.asarray(x, dtype=float)
    H, W, _ = x.shape
    reduce = np.max if mode == "max" else np.mean
    return np.array(
        [[reduce(x[i : i + f, j : j + f], axis=(0, 1)) for j in range(0, W - f + 1, s)] for i in range(0, H - f, s)]
    )


mutant("pool_forward", "size-positions-over-stride", "(n - f + 1) // s in the output size")(
    _pool_mutant({"size": lambda n, f, s: (n - f + 1) // s})
)


@mutant("pool_forward", "float16-output", "np.zeros(..., dtype=np.float16)")
def _pool_float16(x, f, s, mode="max"):
    return _pool(x, f, s, mode, dtype=np.float16)


def _max_started(start: Callable[[np.ndarray, int, int, int, int], float]) -> Callable[..., Any]:
    """The looping student whose running max starts at start(x, i, j, c, s)."""

    def pool_forward(x, f, s, mode="max"):
        x = np.asarray(x, dtype=float)
        H, W, C = x.shape
        out = np.zeros(((H - f) // s + 1, (W - f) // s + 1, C))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                for c in range(C):
                    window = x[i * s : i * s + f, j * s : j * s + f, c]
                    if mode != "max":
                        out[i, j, c] = window.mean()
                        continue
                    best = start(x, i, j, c, s)
                    for value in window.ravel():
                        best = max(best, value)
                    out[i, j, c] = best
        return out

    return pool_forward


mutant("pool_forward", "max-starts-at-minus-2", "best = -2 as the running max's start")(
    _max_started(lambda x, i, j, c, s: -2)
)
mutant("pool_forward", "max-starts-at-channel-0", "best = x[i*s, j*s, 0]: the window's first value in channel 0")(
    _max_started(lambda x, i, j, c, s: x[i * s, j * s, 0])
)
mutant("pool_forward", "max-starts-at-row-start", "best = x[i*s, 0, c]: the first value of the window's rows")(
    _max_started(lambda x, i, j, c, s: x[i * s, 0, c])
)
mutant("pool_forward", "max-starts-at-column-start", "best = x[0, j*s, c]: the first value of the window's columns")(
    _max_started(lambda x, i, j, c, s: x[0, j * s, c])
)


@mutant(
    "pool_forward", "max-not-reset", "best set once per channel, before the loops: each window starts from the last"
)
def _pool_not_reset(x, f, s, mode="max"):
    x = np.asarray(x, dtype=float)
    H, W, C = x.shape
    out = np.zeros(((H - f) // s + 1, (W - f) // s + 1, C))
    for c in range(C):
        best = -np.inf
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                window = x[i * s : i * s + f, j * s : j * s + f, c]
                if mode == "max":
                    best = max(best, window.max())
                    out[i, j, c] = best
                else:
                    out[i, j, c] = window.mean()
    return out


def _max_over(cells: Callable[[np.ndarray], np.ndarray]) -> Callable[..., Any]:
    """Max pooling over some of each window's cells: cells(windows (..., f, f)) -> (..., k)."""

    def pool_forward(x, f, s, mode="max"):
        windows = sliding_window_view(np.asarray(x, dtype=float), (f, f), axis=(0, 1))[::s, ::s]
        if mode == "max":
            return cells(windows).max(axis=-1)
        return windows.mean(axis=(3, 4))

    return pool_forward


_POOL_WINDOWS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "max-misses-last-column": (
        "x[i*s:i*s+f, j*s:j*s+f-1]: the max window one column short",
        lambda w: w[..., :, :-1].reshape(*w.shape[:3], -1),
    ),
    "max-misses-last-row": (
        "x[i*s:i*s+f-1, j*s:j*s+f]: the max window one row short",
        lambda w: w[..., :-1, :].reshape(*w.shape[:3], -1),
    ),
    "max-skips-first-element": (
        "for v in window.ravel()[1:] with best = -inf: the first value skipped",
        lambda w: w.reshape(*w.shape[:3], -1)[..., 1:],
    ),
    "max-window-f-minus-1": ("an (f - 1) x (f - 1) max window", lambda w: w[..., :-1, :-1].reshape(*w.shape[:3], -1)),
    "max-first-row-only": ("np.max(window[0]): only the window's first row", lambda w: w[..., 0, :]),
    "max-of-abs": ("np.max(np.abs(window))", lambda w: np.abs(w).reshape(*w.shape[:3], -1)),
}
for _name, (_mistake, _cells) in _POOL_WINDOWS.items():
    mutant("pool_forward", _name, _mistake)(_max_over(_cells))
