"""Correct answers written the many ways students write them all get full marks, on every seed.

Each function below is an independent, correct implementation in one student style (loops, window
views, im2col, FFT, float32, pure Python lists, ...), written here and never taken from solutions/.
Each is graded in-process on the public and hidden cases of its question for SEED_COUNT seeds, as
in tests/test_mutants.py; a few are also graded through the JSON round trip of a real grading.
Only the standard library, numpy and pandas, as a student's notebook may import.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from autograder.checks import codec
from autograder.checks.answers import RecordedAnswers, call_on_probe, take_value
from autograder.checks.core import Probe
from autograder.course import assignment
from autograder.course.hidden.mutants import ASSIGNMENT_OF
from autograder.grading.phase2 import score_cases
from solutions import hw1, hw3, hw4

from .factories import reference_namespace
from .test_mutants import losses, question_cases

SEED_COUNT = 50
SEEDS = tuple(range(SEED_COUNT))


# --- hw1 conv2d --------------------------------------------------------------------------------------


def conv2d_loops(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    f = k.shape[0]
    n_H = (x.shape[0] - f) // stride + 1
    n_W = (x.shape[1] - f) // stride + 1
    out = np.zeros((n_H, n_W))
    for i in range(n_H):
        for j in range(n_W):
            out[i, j] = np.sum(x[i * stride : i * stride + f, j * stride : j * stride + f] * k)
    return out


def conv2d_pure_python(x, k, stride=1, padding=0):
    """Lists only; returns a nested list of Python floats."""
    image = [[float(v) for v in row] for row in x]
    kernel = [[float(v) for v in row] for row in k]
    n, m, f = len(image), len(image[0]), len(kernel)
    padded = [[0.0] * (m + 2 * padding) for _ in range(n + 2 * padding)]
    for i, row in enumerate(image):
        padded[i + padding][padding : padding + m] = row
    n_H = (n + 2 * padding - f) // stride + 1
    n_W = (m + 2 * padding - f) // stride + 1
    return [
        [
            sum(padded[i * stride + a][j * stride + b] * kernel[a][b] for a in range(f) for b in range(f))
            for j in range(n_W)
        ]
        for i in range(n_H)
    ]


def conv2d_einsum(x, k, stride=1, padding=0):
    windows = sliding_window_view(np.pad(np.asarray(x, dtype=float), padding), np.shape(k))[::stride, ::stride]
    return np.einsum("ijab,ab->ij", windows, k)


def conv2d_tensordot(x, k, stride=1, padding=0):
    windows = sliding_window_view(np.pad(x, padding), np.shape(k))[::stride, ::stride]
    return np.tensordot(windows, np.asarray(k, dtype=float), axes=([2, 3], [0, 1]))


def conv2d_as_strided(x, k, stride=1, padding=0):
    x = np.ascontiguousarray(np.pad(np.asarray(x, dtype=float), padding))
    f = len(k)
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    row, col = x.strides
    windows = as_strided(x, shape=(n_H, n_W, f, f), strides=(row * stride, col * stride, row, col), writeable=False)
    return (windows * np.asarray(k, dtype=float)).sum(axis=(2, 3))


def conv2d_im2col(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    f = len(k)
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    columns = np.array(
        [x[i * stride : i * stride + f, j * stride : j * stride + f].ravel() for i in range(n_H) for j in range(n_W)]
    )
    return (columns @ np.asarray(k, dtype=float).ravel()).reshape(n_H, n_W)


def conv2d_fft(x, k, stride=1, padding=0):
    """Cross-correlation as an FFT convolution with the flipped kernel: exact up to round-off."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    k = np.asarray(k, dtype=float)
    (n, m), f = x.shape, k.shape[0]
    shape = (n + f - 1, m + f - 1)
    full = np.fft.irfft2(np.fft.rfft2(x, shape) * np.fft.rfft2(k[::-1, ::-1], shape), shape)
    return full[f - 1 : n, f - 1 : m][::stride, ::stride]


def conv2d_fft_float32(x, k, stride=1, padding=0):
    """The FFT in float32: its round-off (up to about 1.5e-5 on the probes) is what the tolerance allows."""
    x = np.pad(np.asarray(x, dtype=np.float32), padding)
    k = np.asarray(k, dtype=np.float32)
    (n, m), f = x.shape, k.shape[0]
    shape = (n + f - 1, m + f - 1)
    full = np.fft.irfft2(np.fft.rfft2(x, shape) * np.fft.rfft2(k[::-1, ::-1], shape), shape)
    return full[f - 1 : n, f - 1 : m][::stride, ::stride]


def conv2d_float32(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=np.float32), padding)
    k = np.asarray(k, dtype=np.float32)
    windows = sliding_window_view(x, k.shape)[::stride, ::stride]
    return (windows * k).sum(axis=(-2, -1))


def conv2d_keyword_only(x, k, *, stride=1, padding=0):
    """Keyword-only options, math.floor for the size, padding by slice assignment."""
    x, k = np.asarray(x), np.asarray(k)
    padded = np.zeros((x.shape[0] + 2 * padding, x.shape[1] + 2 * padding))
    padded[padding : padding + x.shape[0], padding : padding + x.shape[1]] = x
    f = k.shape[0]
    n_H = math.floor((x.shape[0] + 2 * padding - f) / stride + 1)
    n_W = math.floor((x.shape[1] + 2 * padding - f) / stride + 1)
    out = np.empty((n_H, n_W))
    for i in range(n_H):
        for j in range(n_W):
            out[i][j] = (padded[i * stride : i * stride + f, j * stride : j * stride + f] * k).sum()
    return out


def conv2d_shift_and_add(x, k, stride=1, padding=0):
    """One pass per kernel entry: out += k[a, b] * (the image shifted by a, b)."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    f = len(k)
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    out = np.zeros((n_H, n_W))
    for a in range(f):
        for b in range(f):
            out += k[a][b] * x[a : a + stride * (n_H - 1) + 1 : stride, b : b + stride * (n_W - 1) + 1 : stride]
    return out


def conv2d_row_correlate(x, k, stride=1, padding=0):
    """np.correlate of each image row with each kernel row (1-D 'valid' correlations)."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    f = len(k)
    n_H = (x.shape[0] - f) // stride + 1
    out = np.zeros((n_H, x.shape[1] - f + 1))
    for i in range(n_H):
        for a in range(f):
            out[i] += np.correlate(x[i * stride + a], np.asarray(k[a], dtype=float), mode="valid")
    return out[:, ::stride]


def conv2d_row_convolve(x, k, stride=1, padding=0):
    """np.convolve with each kernel row reversed: a flip undone is a cross-correlation."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    f = len(k)
    rows = [
        sum(np.convolve(x[i + a], np.asarray(k[a], dtype=float)[::-1], mode="valid") for a in range(f))
        for i in range(0, x.shape[0] - f + 1, stride)
    ]
    return np.array(rows)[:, ::stride]


def conv2d_tuples(image, kernel, stride=1, padding=0):
    """Renamed positional parameters, int() for the size, a tuple of tuples returned."""
    image = np.pad(np.array(image, dtype=np.float64), padding)
    size = len(kernel)
    rows = int((image.shape[0] - size) / stride) + 1
    cols = int((image.shape[1] - size) / stride) + 1
    return tuple(
        tuple(
            float(np.vdot(image[r * stride : r * stride + size, c * stride : c * stride + size], kernel))
            for c in range(cols)
        )
        for r in range(rows)
    )


def conv2d_matrix(x, k, stride=1, padding=0, **_):
    """A convolution matrix: each output cell is one row of a (cells x pixels) matrix."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    f = len(k)
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    matrix = np.zeros((n_H * n_W, x.size))
    for i in range(n_H):
        for j in range(n_W):
            placed = np.zeros_like(x)
            placed[i * stride : i * stride + f, j * stride : j * stride + f] = k
            matrix[i * n_W + j] = placed.ravel()
    return (matrix @ x.ravel()).reshape(n_H, n_W)


# --- hw2 output_size and same_padding -------------------------------------------------------------------


def output_size_count_positions(n, f, p=0, s=1):
    return len(range(0, n + 2 * p - f + 1, s))


def output_size_loop(n, f, p=0, s=1):
    count, start = 0, 0
    while start + f <= n + 2 * p:
        count, start = count + 1, start + s
    return count


OUTPUT_SIZE = {
    "floor-division": lambda n, f, p=0, s=1: (n + 2 * p - f) // s + 1,
    "math-floor": lambda n, f, p=0, s=1: math.floor((n + 2 * p - f) / s + 1),
    "int-truncation": lambda n, f, p=0, s=1: int((n + 2 * p - f) / s) + 1,
    "numpy-float": lambda n, f, p=0, s=1: np.floor((n + 2 * p - f) / s + 1),
    "numpy-int": lambda n, f, p=0, s=1: np.int64(np.floor_divide(n + 2 * p - f, s) + 1),
    "python-float": lambda n, f, p=0, s=1: float((n + 2 * p - f) // s + 1),
    "ceil-form": lambda n, f, p=0, s=1: -(-(n + 2 * p - f + 1) // s),
    "divmod": lambda n, f, p=0, s=1: divmod(n + 2 * p - f, s)[0] + 1,
    "count-positions": output_size_count_positions,
    "loop": output_size_loop,
    "one-element-array": lambda n, f, p=0, s=1: np.array([(n + 2 * p - f) // s + 1]),
}


def same_padding_search(n, f, s=1):
    p = 0
    while (n + 2 * p - f) // s + 1 < n:
        p += 1
    return p


SAME_PADDING = {
    "math-ceil": lambda n, f, s=1: math.ceil((n * s - n + f - s) / 2),
    "negative-floor-division": lambda n, f, s=1: -(-(n * s - n + f - s) // 2),
    "plus-one-halved": lambda n, f, s=1: (n * s - n + f - s + 1) // 2,
    "numpy-ceil-float": lambda n, f, s=1: np.ceil((n * s - n + f - s) / 2),
    "numpy-ceil-int": lambda n, f, s=1: np.ceil((n * s - n + f - s) / 2).astype(int),
    "max-with-zero": lambda n, f, s=1: max(0, math.ceil(((n - 1) * s + f - n) / 2)),
    "search": same_padding_search,
    "divmod": lambda n, f, s=1: sum(divmod(n * s - n + f - s, 2)),
}


# --- hw3 conv_params and fc_params --------------------------------------------------------------------

CONV_PARAMS = {
    "formula": lambda f, n_c_prev, n_filters: (f * f * n_c_prev + 1) * n_filters,
    "weights-plus-biases": lambda f, n_c_prev, n_filters: f**2 * n_c_prev * n_filters + n_filters,
    "numpy-prod": lambda f, n_c_prev, n_filters: np.prod([f, f, n_c_prev, n_filters]) + n_filters,
    "math-pow-float": lambda f, n_c_prev, n_filters: (math.pow(f, 2) * n_c_prev + 1) * n_filters,
    "array-sizes": lambda f, n_c_prev, n_filters: np.zeros((f, f, n_c_prev, n_filters)).size + np.zeros(n_filters).size,
    "math-prod": lambda f, n_c_prev, n_filters: math.prod((f, f, n_c_prev)) * n_filters + n_filters,
}

FC_PARAMS = {
    "formula": lambda n_in, n_out: n_in * n_out + n_out,
    "factored": lambda n_in, n_out: (n_in + 1) * n_out,
    "numpy-int": lambda n_in, n_out: np.int64(n_in) * n_out + n_out,
    "float": lambda n_in, n_out: float(n_in * n_out + n_out),
    "shape-product": lambda n_in, n_out: int(np.prod((n_in, n_out))) + n_out,
}


# --- hw5 conv_volume ------------------------------------------------------------------------------------


def conv_volume_loops(x, w):
    f = w.shape[0]
    out = np.zeros((x.shape[0] - f + 1, x.shape[1] - f + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + f, j : j + f, :] * w)
    return out


def conv_volume_einsum(x, w):
    return np.einsum("ijcab,abc->ij", sliding_window_view(x, w.shape[:2], axis=(0, 1)), w)


def conv_volume_tensordot(x, w):
    windows = sliding_window_view(np.asarray(x, dtype=float), w.shape)[:, :, 0]
    return np.tensordot(windows, w, axes=3)


def conv_volume_per_channel(x, w):
    """The 2-D convolution of each channel with its slice of the filter, summed."""
    return sum(conv2d_loops(x[:, :, c], w[:, :, c]) for c in range(x.shape[2]))


def conv_volume_im2col(x, w):
    f = w.shape[0]
    n_H, n_W = x.shape[0] - f + 1, x.shape[1] - f + 1
    columns = np.stack([x[i : i + f, j : j + f, :].reshape(-1) for i in range(n_H) for j in range(n_W)])
    return (columns @ w.reshape(-1)).reshape(n_H, n_W)


def conv_volume_fft(x, w):
    return sum(conv2d_fft(x[:, :, c], w[:, :, c]) for c in range(x.shape[2]))


def conv_volume_fft_float32(x, w):
    return sum(conv2d_fft_float32(x[:, :, c], w[:, :, c]) for c in range(x.shape[2]))


def conv_volume_float32(x, w):
    x, w = np.asarray(x, dtype=np.float32), np.asarray(w, dtype=np.float32)
    return np.einsum("ijcab,abc->ij", sliding_window_view(x, w.shape[:2], axis=(0, 1)), w)


def conv_volume_lists(x, w):
    f, channels = len(w), len(w[0][0])
    n_H, n_W = len(x) - f + 1, len(x[0]) - f + 1
    return [
        [
            sum(
                float(x[i + a][j + b][c]) * float(w[a][b][c])
                for a in range(f)
                for b in range(f)
                for c in range(channels)
            )
            for j in range(n_W)
        ]
        for i in range(n_H)
    ]


def conv_volume_shift_and_add(x, w):
    f = w.shape[0]
    n_H, n_W = x.shape[0] - f + 1, x.shape[1] - f + 1
    return sum(x[a : a + n_H, b : b + n_W, :] @ w[a, b] for a in range(f) for b in range(f))


# --- hw5 conv_layer_forward ---------------------------------------------------------------------------


def layer_loops(x, W, b, stride=1, padding=0):
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    f, _, _, n_C = W.shape
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    Z = np.zeros((n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            window = x[h * stride : h * stride + f, w * stride : w * stride + f, :]
            for c in range(n_C):
                Z[h, w, c] = np.sum(window * W[:, :, :, c]) + b[c]
    return np.maximum(Z, 0)


def layer_einsum(x, W, b, stride=1, padding=0):
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    windows = sliding_window_view(x, W.shape[:2], axis=(0, 1))[::stride, ::stride]
    z = np.einsum("ijcab,abcn->ijn", windows, W) + b
    return z * (z > 0)


def layer_im2col(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    f, _, channels, n_C = W.shape
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    columns = np.stack(
        [
            x[h * stride : h * stride + f, w * stride : w * stride + f, :].reshape(-1)
            for h in range(n_H)
            for w in range(n_W)
        ]
    )
    z = columns @ W.reshape(f * f * channels, n_C) + b
    return np.where(z > 0, z, 0.0).reshape(n_H, n_W, n_C)


def layer_per_filter(x, W, b, stride=1, padding=0):
    """conv_volume at stride 1 for each filter, then every s-th position."""
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    maps = [conv_volume_loops(x, W[..., c])[::stride, ::stride] + b[c] for c in range(W.shape[3])]
    return np.clip(np.stack(maps, axis=-1), 0, None)


def layer_float32(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=np.float32), ((padding, padding), (padding, padding), (0, 0)))
    windows = sliding_window_view(x, W.shape[:2], axis=(0, 1))[::stride, ::stride]
    z = np.einsum("ijcab,abcn->ijn", windows, W.astype(np.float32)) + b.astype(np.float32)
    return np.maximum(z, np.float32(0))


def layer_keyword_only(x, W, b, *, stride=1, padding=0):
    x = np.pad(x, [(padding, padding), (padding, padding), (0, 0)], mode="constant", constant_values=0)
    windows = sliding_window_view(x, W.shape[:2], axis=(0, 1))[::stride, ::stride]
    return np.maximum(np.tensordot(windows, W, axes=([2, 3, 4], [2, 0, 1])) + b.reshape(1, 1, -1), 0)


def layer_shift_and_add(x, W, b, stride=1, padding=0):
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    f = W.shape[0]
    n_H, n_W = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    z = np.zeros((n_H, n_W, W.shape[3])) + b
    for a in range(f):
        for c in range(f):
            z += x[a : a + stride * (n_H - 1) + 1 : stride, c : c + stride * (n_W - 1) + 1 : stride, :] @ W[a, c]
    return np.maximum(z, 0)


def layer_lists(x, W, b, stride=1, padding=0):
    out = layer_loops(x, W, b, stride, padding)
    return [[[float(v) for v in cell] for cell in row] for row in out]


def layer_fft(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    maps = [conv_volume_fft(x, W[..., c])[::stride, ::stride] + b[c] for c in range(W.shape[3])]
    return np.maximum(np.dstack(maps), 0)


def layer_fft_float32(x, W, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=np.float32), ((padding, padding), (padding, padding), (0, 0)))
    maps = [conv_volume_fft_float32(x, W[..., c])[::stride, ::stride] + np.float32(b[c]) for c in range(W.shape[3])]
    return np.maximum(np.dstack(maps), 0)


# --- hw5 pool_forward ---------------------------------------------------------------------------------


def pool_loops(x, f, s, mode="max"):
    n_H, n_W, n_C = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1, x.shape[2]
    out = np.zeros((n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            for c in range(n_C):
                window = x[h * s : h * s + f, w * s : w * s + f, c]
                out[h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return out


def pool_window_view(x, f, s, mode="max"):
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]
    return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))


def pool_as_strided(x, f, s, mode="max"):
    x = np.ascontiguousarray(x, dtype=float)
    n_H, n_W = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    sh, sw, sc = x.strides
    windows = as_strided(x, (n_H, n_W, x.shape[2], f, f), (sh * s, sw * s, sc, sh, sw), writeable=False)
    return {"max": np.amax, "average": np.average}[mode](windows, axis=(3, 4))


def pool_reshape(x, f, s, mode="max"):
    """Each window flattened to (f*f, n_C), reduced over its first axis."""
    n_H, n_W = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    reduce = np.max if mode == "max" else np.mean
    return np.array(
        [
            [reduce(x[h * s : h * s + f, w * s : w * s + f].reshape(-1, x.shape[2]), axis=0) for w in range(n_W)]
            for h in range(n_H)
        ]
    )


def pool_sum_over_area(x, f, s, mode="max"):
    x = np.asarray(x, dtype=np.float32)
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]
    if mode == "average":
        return windows.sum(axis=(3, 4)) / (f * f)
    return windows.max(axis=(3, 4))


def pool_shifted(x, f, s, mode="max"):
    """Reduce the f*f shifted, strided copies of the input element-wise."""
    n_H, n_W = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    shifted = [x[a : a + s * (n_H - 1) + 1 : s, b : b + s * (n_W - 1) + 1 : s, :] for a in range(f) for b in range(f)]
    return np.maximum.reduce(shifted) if mode == "max" else np.add.reduce(shifted) / len(shifted)


def pool_lists(x, f, s, mode="max"):
    values = x.tolist()
    n_H, n_W, n_C = (len(values) - f) // s + 1, (len(values[0]) - f) // s + 1, len(values[0][0])
    reduce = max if mode == "max" else (lambda cells: sum(cells) / len(cells))
    return [
        [
            [reduce([values[h * s + a][w * s + b][c] for a in range(f) for b in range(f)]) for c in range(n_C)]
            for w in range(n_W)
        ]
        for h in range(n_H)
    ]


HONEST: dict[str, dict[str, Callable[..., Any]]] = {
    "conv2d": {
        "loops": conv2d_loops,
        "pure-python-lists": conv2d_pure_python,
        "window-view-einsum": conv2d_einsum,
        "window-view-tensordot": conv2d_tensordot,
        "as-strided": conv2d_as_strided,
        "im2col": conv2d_im2col,
        "fft": conv2d_fft,
        "fft-float32": conv2d_fft_float32,
        "float32": conv2d_float32,
        "keyword-only-math-floor": conv2d_keyword_only,
        "shift-and-add": conv2d_shift_and_add,
        "row-correlate": conv2d_row_correlate,
        "row-convolve": conv2d_row_convolve,
        "renamed-params-tuples": conv2d_tuples,
        "convolution-matrix": conv2d_matrix,
    },
    "output_size": OUTPUT_SIZE,
    "same_padding": SAME_PADDING,
    "conv_params": CONV_PARAMS,
    "fc_params": FC_PARAMS,
    "conv_volume": {
        "loops": conv_volume_loops,
        "window-view-einsum": conv_volume_einsum,
        "window-view-tensordot": conv_volume_tensordot,
        "per-channel-conv2d": conv_volume_per_channel,
        "im2col": conv_volume_im2col,
        "fft": conv_volume_fft,
        "fft-float32": conv_volume_fft_float32,
        "float32": conv_volume_float32,
        "pure-python-lists": conv_volume_lists,
        "shift-and-add": conv_volume_shift_and_add,
    },
    "conv_layer_forward": {
        "loops": layer_loops,
        "window-view-einsum": layer_einsum,
        "im2col": layer_im2col,
        "per-filter-then-stride": layer_per_filter,
        "float32": layer_float32,
        "keyword-only-tensordot": layer_keyword_only,
        "shift-and-add": layer_shift_and_add,
        "nested-lists": layer_lists,
        "fft": layer_fft,
        "fft-float32": layer_fft_float32,
    },
    "pool_forward": {
        "loops": pool_loops,
        "window-view": pool_window_view,
        "as-strided": pool_as_strided,
        "reshape-windows": pool_reshape,
        "float32-sum-over-area": pool_sum_over_area,
        "shifted-copies": pool_shifted,
        "pure-python-lists": pool_lists,
    },
}
VARIANTS = [
    pytest.param(function, style, id=f"{function}-{style}") for function, styles in HONEST.items() for style in styles
]


@pytest.mark.parametrize(("function", "style"), VARIANTS)
def test_an_honest_variant_gets_full_marks_on_every_seed(function: str, style: str) -> None:
    lost = losses(function, HONEST[function][style], SEEDS)
    assert {seed: points for seed, points in zip(SEEDS, lost, strict=True) if points} == {}


def test_every_function_question_has_several_honest_styles() -> None:
    assert set(HONEST) == set(ASSIGNMENT_OF)
    assert len(HONEST["conv2d"]) >= 8
    assert all(len(styles) >= 4 for styles in HONEST.values())


def test_a_wrong_variant_is_caught_by_the_same_harness() -> None:
    # The harness can fail: the first honest style, off by a little, loses points.
    assert losses(
        "conv2d", lambda x, k, stride=1, padding=0: conv2d_loops(x, k, stride, padding) * 1.001, SEEDS[:3]
    ) != [0, 0, 0]


# --- the JSON round trip of a real grading: probes to the student, outputs back ------------------------


def _through_json(value: Any) -> Any:
    return codec.decode(json.loads(json.dumps(codec.encode(value))))


def recorded(name: str, namespace: dict[str, Any], seed: int) -> RecordedAnswers:
    """What phase 1 of `cnngrade grade` would record for this namespace, as phase 2 reads it."""
    homework = assignment(name)
    values = {value: codec.encode(take_value(namespace, value)) for value in homework.values}
    calls = {}
    for function, probes in homework.probes(seed).items():
        outputs = {}
        for probe in probes:
            sent = Probe(
                probe.id,
                tuple(_through_json(a) for a in probe.args),
                {key: _through_json(v) for key, v in probe.kwargs.items()},
                probe.description,
            )
            try:
                outputs[probe.id] = codec.encode(call_on_probe(namespace[function], function, sent))
            except Exception as failure:
                outputs[probe.id] = codec.error(str(failure))
        calls[function] = outputs
    return RecordedAnswers(json.loads(json.dumps(values)), json.loads(json.dumps(calls)))


@pytest.mark.parametrize(
    ("function", "style"),
    [
        ("conv2d", "pure-python-lists"),
        ("conv2d", "float32"),
        ("conv2d", "fft-float32"),
        ("conv2d", "renamed-params-tuples"),
        ("output_size", "numpy-float"),
        ("same_padding", "numpy-ceil-int"),
        ("fc_params", "numpy-int"),
        ("conv_volume", "float32"),
        ("conv_layer_forward", "nested-lists"),
        ("pool_forward", "float32-sum-over-area"),
    ],
)
def test_honest_variants_keep_full_marks_through_the_recorded_answers(function: str, style: str) -> None:
    name = ASSIGNMENT_OF[function]
    for seed in SEEDS[:5]:
        namespace = reference_namespace(name) | {function: HONEST[function][style]}
        results = score_cases(question_cases(function, seed), recorded(name, namespace, seed))
        assert [r.message for r in results if r.score < r.max_score] == []


# --- value questions in their other forms ---------------------------------------------------------------

LENET_FORMS = {
    "dict-of-tuples": lambda table: table,
    "dict-of-dicts": lambda table: {row: dict(zip(("shape", "size", "params"), cells)) for row, cells in table.items()},
    "dataframe": lambda table: pd.DataFrame(
        {
            "shape": [c[0] for c in table.values()],
            "size": [c[1] for c in table.values()],
            "params": [c[2] for c in table.values()],
        },
        index=list(table),
    ),
    "dataframe-numpy-ints": lambda table: pd.DataFrame.from_dict(
        {row: {"shape": list(c[0]), "size": np.int64(c[1]), "params": np.int64(c[2])} for row, c in table.items()},
        orient="index",
    ),
    "lists-and-vector-shapes": lambda table: {
        row: [tuple(n for n in c[0] if n != 1) if len(c[0]) == 2 else c[0], float(c[1]), c[2]]
        for row, c in table.items()
    },
    # The natural construction: one dict per row, pd.DataFrame puts the rows as columns.
    "dataframe-rows-as-columns": lambda table: pd.DataFrame(
        {row: {"shape": c[0], "size": c[1], "params": c[2]} for row, c in table.items()}
    ),
    "dataframe-layer-column": lambda table: pd.DataFrame(
        [{"layer": row, "shape": c[0], "size": c[1], "params": c[2]} for row, c in table.items()]
    ),
    "dataframe-layer-column-counted-from-1": lambda table: pd.DataFrame(
        [{"layer": row, "shape": c[0], "size": c[1], "params": c[2]} for row, c in table.items()],
        index=range(1, len(table) + 1),
    ),
    "concat-of-one-row-frames": lambda table: pd.concat(
        pd.DataFrame([{"layer": row, "shape": c[0], "size": c[1], "params": c[2]}]) for row, c in table.items()
    ),
    "dataframe-rows-as-columns-with-a-note": lambda table: pd.DataFrame(
        {
            row: {"shape": c[0], "size": c[1], "params": c[2], "kind": row.rstrip("0123456789")}
            for row, c in table.items()
        }
    ),
    "records": lambda table: [{"Layer": row, "Shape": c[0], "Size": c[1], "Params": c[2]} for row, c in table.items()],
    "shapes-as-text": lambda table: {row: (str(c[0]), c[1], c[2]) for row, c in table.items()},
}

# Every way a shape is written as text that the checks accept (checks/coerce.py as_shape): how the
# lecture's tables print it, how Python prints a tuple or a list, and what a student types.
WRITTEN_SHAPES: dict[str, Callable[[tuple[int, ...]], str]] = {
    "tuple-repr": str,
    "list-repr": lambda shape: str(list(shape)),
    "x": lambda shape: "x".join(map(str, shape)),
    "spaced-x": lambda shape: " x ".join(map(str, shape)),
    "upper-X": lambda shape: "X".join(map(str, shape)),
    "spaced-upper-X": lambda shape: " X ".join(map(str, shape)),
    "times-sign": lambda shape: " × ".join(map(str, shape)),
    "times-sign-non-breaking-spaces": lambda shape: "\u00a0×\u00a0".join(map(str, shape)),
    "star": lambda shape: "*".join(map(str, shape)),
    "by": lambda shape: " by ".join(map(str, shape)),
    "upper-BY": lambda shape: " BY ".join(map(str, shape)),
    "bare-commas": lambda shape: ", ".join(map(str, shape)),
    "tight-parentheses": lambda shape: "(" + ",".join(map(str, shape)) + ")",
    "padded-parentheses": lambda shape: "( " + " , ".join(map(str, shape)) + " )",
    "parenthesised-x": lambda shape: "(" + "x".join(map(str, shape)) + ")",
    "bracketed-by": lambda shape: "[" + " by ".join(map(str, shape)) + "]",
    "trailing-comma": lambda shape: "(" + ", ".join(map(str, shape)) + ",)",
    "surrounding-spaces": lambda shape: "  " + "x".join(map(str, shape)) + " ",
}


@pytest.mark.parametrize("form", sorted(LENET_FORMS))
def test_lenet_table_in_any_documented_form_gets_full_marks(form: str) -> None:
    table = LENET_FORMS[form](hw3.lenet_table())
    namespace = reference_namespace("hw3") | {"lenet_table": table}
    results = score_cases([c for c in assignment("hw3").cases(0) if c.question == "q1"], recorded("hw3", namespace, 0))
    assert [r.message for r in results if r.score < r.max_score] == []


@pytest.mark.parametrize("written", sorted(WRITTEN_SHAPES))
def test_every_lenet_shape_in_every_written_form_gets_full_marks(written: str) -> None:
    table = {
        row: (WRITTEN_SHAPES[written](shape), size, params) for row, (shape, size, params) in hw3.lenet_table().items()
    }
    namespace = reference_namespace("hw3") | {"lenet_table": table}
    results = score_cases([c for c in assignment("hw3").cases(0) if c.question == "q1"], recorded("hw3", namespace, 0))
    assert [r.message for r in results if r.score < r.max_score] == []


@pytest.mark.parametrize("written", sorted(WRITTEN_SHAPES))
def test_every_vgg_row_in_every_written_form_gets_full_marks(written: str) -> None:
    namespace = reference_namespace("hw4") | {"vgg16_shapes": [WRITTEN_SHAPES[written](s) for s in hw4.vgg16_shapes]}
    cases = [c for c in assignment("hw4").cases(0) if c.question == "q5"]  # q5: vgg16_shapes, public and hidden
    assert len(cases) > 1
    results = score_cases(cases, recorded("hw4", namespace, 0))
    assert [r.message for r in results if r.score < r.max_score] == []


def _matrix(grid: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # deprecated, still written
        return np.matrix(grid)


@pytest.mark.parametrize("form", ["nested-lists", "int32", "tuples", "float32", "matrix", "dataframe"])
def test_hw1_grids_in_any_form_get_full_marks(form: str) -> None:
    convert = {
        "nested-lists": lambda g: [[int(v) for v in row] for row in g],
        "int32": lambda g: np.asarray(g).astype(np.int32),
        "tuples": lambda g: tuple(tuple(float(v) for v in row) for row in g),
        "float32": lambda g: np.asarray(g, dtype=np.float32),
        "matrix": _matrix,
        "dataframe": lambda g: pd.DataFrame(np.asarray(g)),
    }[form]
    names = [name for name in assignment("hw1").values]
    namespace = reference_namespace("hw1") | {name: convert(getattr(hw1, name)) for name in names}
    results = score_cases([c for c in assignment("hw1").cases(0) if c.question != "q3"], recorded("hw1", namespace, 0))
    assert [r.message for r in results if r.score < r.max_score] == []


def test_hw4_shapes_as_lists_and_counts_as_floats_get_full_marks() -> None:
    namespace = reference_namespace("hw4") | {
        "vgg16_shapes": [list(shape) for shape in hw4.vgg16_shapes],
        "params_10_filters_3x3x3": float(hw4.params_10_filters_3x3x3),
        "fc_weights_hr": np.int64(hw4.fc_weights_hr),
        "pool_params": 0.0,
    }
    results = score_cases(assignment("hw4").cases(0), recorded("hw4", namespace, 0))
    assert [r.message for r in results if r.score < r.max_score] == []
