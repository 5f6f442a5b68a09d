"""Homework 5: convolution over volumes, one convolutional layer (ReLU(W * x + b)) and pooling."""

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["conv_layer_forward", "conv_volume", "pool_forward"]


def conv_volume(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Convolve an (n_H, n_W, c) volume with one (f, f, c) filter: a 2-D (n_H - f + 1, n_W - f + 1) map."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 3 or w.ndim != 3 or w.shape[0] != w.shape[1] or w.shape[2] != x.shape[2]:
        raise ValueError(f"expected x (n_H, n_W, c) and w (f, f, c), got {x.shape} and {w.shape}")
    f = w.shape[0]
    if f > min(x.shape[:2]):
        raise ValueError(f"a {f}x{f} filter does not fit in an input of shape {x.shape}")
    # Windows have shape (n_H', n_W', c, f, f); the filter is summed over its height, width and channels.
    windows = sliding_window_view(x, (f, f), axis=(0, 1))
    return np.einsum("ijcab,abc->ij", windows, w)


def conv_layer_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """One conv layer: ReLU(W * x + b), x (n_H, n_W, n_C_prev), W (f, f, n_C_prev, n_C), b (n_C,)."""
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if x.ndim != 3 or W.ndim != 4 or W.shape[0] != W.shape[1] or W.shape[2] != x.shape[2]:
        raise ValueError(f"expected x (n_H, n_W, n_C_prev) and W (f, f, n_C_prev, n_C), got {x.shape} and {W.shape}")
    if b.shape != (W.shape[3],):
        raise ValueError(f"expected one bias per filter, {W.shape[3]}, got shape {b.shape}")
    if stride < 1 or padding < 0:
        raise ValueError(f"stride must be at least 1 and padding non-negative, got {stride} and {padding}")
    # Pad height and width only: the channels are summed over, never padded.
    padded = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    f = W.shape[0]
    if f > min(padded.shape[:2]):
        raise ValueError(f"a {f}x{f} filter does not fit in the padded input of shape {padded.shape}")
    windows = sliding_window_view(padded, (f, f), axis=(0, 1))[::stride, ::stride]
    z = np.einsum("ijcab,abcn->ijn", windows, W) + b
    return np.maximum(z, 0.0)


def pool_forward(x: np.ndarray, f: int, s: int, mode: str = "max") -> np.ndarray:
    """Max or average pooling of (n_H, n_W, n_C), per channel, no padding: floor((n - f) / s + 1) per axis."""
    reducers: dict[str, Callable[..., np.ndarray]] = {"max": np.max, "average": np.mean}
    if mode not in reducers:
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"expected x (n_H, n_W, n_C), got shape {x.shape}")
    if s < 1 or f < 1 or f > min(x.shape[:2]):
        raise ValueError(f"a {f}x{f} window with stride {s} does not fit an input of shape {x.shape}")
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]
    return reducers[mode](windows, axis=(-2, -1))
