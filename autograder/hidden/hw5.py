"""Hidden checks for hw5: volumes, one layer and pooling on fresh multi-channel inputs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions import hw5 as ref

from ..checks.core import Case, Probe
from ..checks.public import why_size
from .common import (EIGHTHS, Grid, Signature, array_probe_check, cached_probes, distinguishes, eighths, grid_of,
                     has_fraction, probe_cases, redraw, rng_for, shape_mistakes, short_loop_mistakes, signature,
                     value_mistakes, whole_numbers, with_article)

VALUES: tuple[str, ...] = ()
FUNCTIONS = ("conv_volume", "conv_layer_forward", "pool_forward")
FLIPPED = "the filter is flipped (true convolution); the lecture's convolution is cross-correlation"
FLIPPED_EVERY_AXIS = "the filter is flipped on every axis, channels included (np.flip without axes)"
MAX_SIDE = 12
POOL_MAX_SIDE = 14


def _truncated(what: str) -> str:
    return (f"the values are cut to whole numbers (an integer output array, such as np.zeros(..., dtype=int) "
            f"or one with the dtype of an integer input): {what} returns floats")


def _input(rng: np.random.Generator, shape: tuple[int, ...], whole: bool) -> np.ndarray:
    return whole_numbers(rng, shape) if whole else eighths(rng, shape)


def _volume_noun(n_h: int, n_w: int, c: int, whole: bool, noun: str) -> str:
    return with_article(f"{n_h}x{n_w}x{c} {'integer ' if whole else ''}{noun}{' (int64)' if whole else ''}")


# --- conv_volume: probe 1 is an integer volume with a 3x3 filter, probes 2-3 fractional with f = 2, 4.
# Each role fixes f, the number of channels and which side is longer; every map has negative and
# positive entries, the same finest fraction and float16 holds it or not, on every seed.

@dataclass(frozen=True)
class VolumeRole:
    grid: Grid
    channels: int
    float16_shows: bool = False
    whole_input: bool = False

    @property
    def signature(self) -> Signature:
        return Signature(True, True, EIGHTHS if self.whole_input else EIGHTHS ** 2, not self.float16_shows)


VOLUME_ROLES = (VolumeRole(Grid(3, taller=True), 3, whole_input=True), VolumeRole(Grid(2, taller=False), 2),
                VolumeRole(Grid(4, taller=True), 4, float16_shows=True))


def _volume_probe(rng: np.random.Generator, index: int, role: VolumeRole) -> Probe:
    f, c = role.grid.f, role.channels

    def draw() -> Probe:
        n_h, n_w = role.grid.draw(rng, MAX_SIDE)
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (f, f, c))
        return Probe(f"conv_volume.hidden-{index}", (x, w), {},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'volume')} and a {f}x{f}x{c} filter")

    def accept(probe: Probe) -> bool:
        expected = ref.conv_volume(*probe.args)
        return signature(expected) == role.signature and distinguishes(expected, _volume_mistakes(probe).values())

    return redraw(draw, accept, f"conv_volume probe {index}")


def _volume_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, w = (np.asarray(a, dtype=float) for a in probe.args)
    expected = ref.conv_volume(x, w)
    f = w.shape[0]
    windows = sliding_window_view(x, (f, f), axis=(0, 1))
    mistakes = {
        FLIPPED: ref.conv_volume(x, w[::-1, ::-1, :]),
        FLIPPED_EVERY_AXIS: ref.conv_volume(x, w[::-1, ::-1, ::-1]),
        _truncated("conv_volume"): np.trunc(expected),
        "the values are rounded to whole numbers: conv_volume returns floats": np.round(expected),
        "the channels are summed before convolving; multiply each channel by its own filter slice, then sum":
            ref.conv_volume(x.sum(axis=2, keepdims=True), w.sum(axis=2, keepdims=True)),
        "only the first channel is used; a filter spans every channel": ref.conv_volume(x[:, :, :1], w[:, :, :1]),
        "the window is averaged (np.mean) instead of summed": expected / w.size,
        "the channels are not summed: one map per channel instead of one 2-D map":
            np.einsum("ijcab,abc->ijc", windows, w),
        "the map is transposed (rows and columns swapped)": expected.T,
        **shape_mistakes(expected),
        **value_mistakes(expected, linear=True),
    }
    if x.shape[2] > 2:
        # With two channels this is the first channel alone, named above.
        mistakes["the last channel is left out (range(n_C - 1)); a filter spans every channel"] = \
            ref.conv_volume(x[:, :, :-1], w[:, :, :-1])
    if has_fraction(x):
        mistakes["the input is converted to integers"] = ref.conv_volume(np.trunc(x), w)
    return mistakes


def _volume_why(probe: Probe) -> str:
    x, w = probe.args
    return f"{why_size(x.shape[0], w.shape[0])} and {why_size(x.shape[1], w.shape[0])}; the channels are summed"


# --- conv_layer_forward: probe 1 pads at stride 1 on an integer input; probe 2 strides without
# padding; probes 3-4 do both. No probe has f = 3 but the first, or f = 1, where a flip is invisible.
# As conv2d's roles (see hw1.CONV2D_ROLES), each fixes f, s, p, the remainders on each axis and the
# longer axis, and also the number of channels and of filters (never equal: np.pad(x, padding), which
# pads the channels too, and W[:, :, c] taken for filter c then always fail). The biases have both
# signs; the pre-activation has negative entries where a positive bias sits (ReLU(ReLU(W * x) + b)
# shows) and the output the same finest fraction and float16 exactness on every seed.

@dataclass(frozen=True)
class LayerRole:
    grid: Grid
    channels: int
    filters: int
    float16_shows: bool = False
    whole_input: bool = False

    def __post_init__(self) -> None:
        if self.channels == self.filters or (self.grid.p and not self.grid.reaches_far_padding()):
            raise ValueError(f"{self}: equal channels and filters, or no axis reaches the far padding")

    @property
    def signature(self) -> Signature:
        return Signature(False, True, EIGHTHS if self.whole_input else EIGHTHS ** 2, not self.float16_shows)


LAYER_ROLES = (
    LayerRole(Grid(3, 1, 1, taller=True), channels=3, filters=2, whole_input=True),
    LayerRole(Grid(4, 2, 0, residues=(3, 0), taller=False), channels=2, filters=3, float16_shows=True),
    LayerRole(Grid(5, 3, 2, residues=(0, 2), taller=True), channels=3, filters=2, float16_shows=True),
    LayerRole(Grid(2, 3, 1, residues=(2, 0), taller=False), channels=2, filters=4),
)


def _layer_probe(rng: np.random.Generator, index: int, role: LayerRole) -> Probe:
    grid, c, filters = role.grid, role.channels, role.filters

    def draw() -> Probe:
        n_h, n_w = grid.draw(rng, MAX_SIDE)
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (grid.f, grid.f, c, filters))
        bias = eighths(rng, (filters,), limit=2)
        return Probe(f"conv_layer_forward.hidden-{index}", (x, w, bias), {"stride": grid.s, "padding": grid.p},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, {filters} filters of "
                     f"{grid.f}x{grid.f}x{c}, stride={grid.s}, padding={grid.p}")

    def accept(probe: Probe) -> bool:
        bias = probe.args[2]
        expected = ref.conv_layer_forward(*probe.args, **probe.kwargs)
        return (bool(np.any(bias < 0) and np.any(bias > 0)) and signature(expected) == role.signature
                and distinguishes(expected, _layer_mistakes(probe).values()))

    return redraw(draw, accept, f"conv_layer_forward probe {index}")


def _layer_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, w, b = (np.asarray(a, dtype=float) for a in probe.args)
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]

    def layer(x_: np.ndarray = x, w_: np.ndarray = w, b_: np.ndarray = b, stride_: int = stride,
              padding_: int = padding) -> np.ndarray:
        return ref.conv_layer_forward(x_, w_, b_, stride_, padding_)

    expected = layer()
    out_h, out_w = expected.shape[:2]
    # ReLU(z) - ReLU(-z) = z: the pre-activation, from the reference alone.
    linear = expected - layer(x_=-x, b_=-b)
    weights_only = layer(b_=np.zeros_like(b))
    mistakes = {
        "ReLU is left out: the layer's output is ReLU(W * x + b)": linear,
        "the bias is left out": weights_only,
        "the bias is added after the ReLU": weights_only + b,
        FLIPPED: layer(w_=w[::-1, ::-1]),
        FLIPPED_EVERY_AXIS: layer(w_=w[::-1, ::-1, ::-1, ::-1]),
        "every filter gets the first bias, b[0]; filter c adds b[c]": layer(b_=np.full_like(b, b[0])),
        _truncated("conv_layer_forward"): np.trunc(expected),
        "the values are rounded to whole numbers: the layer returns floats": np.round(expected),
        "the loops stop one short, so the last row and column are never filled":
            np.pad(expected[:-1, :-1], ((0, 1), (0, 1), (0, 0))),
        "the output is channels-first (n_C, n_H, n_W); the course is channels-last": np.moveaxis(expected, -1, 0),
        "the ReLU is applied twice, once before the bias: ReLU(ReLU(W * x) + b); apply it once, to W * x + b":
            np.maximum(weights_only + b, 0),
        "np.abs is used as the activation; the layer's is ReLU, max(0, z)": np.abs(linear),
        "every filter gets the sum of the biases; filter c adds b[c]": layer(b_=np.full_like(b, b.sum())),
        "every filter gets the mean of the biases; filter c adds b[c]": layer(b_=np.full_like(b, b.mean())),
        **shape_mistakes(expected),
        **short_loop_mistakes(expected, grid_of(x.shape[0], x.shape[1], w.shape[0], stride, padding),
                              both_named_elsewhere=True),
        **value_mistakes(expected, linear=False),
    }
    if has_fraction(x):
        mistakes["the input is converted to integers"] = layer(x_=np.trunc(x))
    if padding:
        mistakes["padding is ignored"] = layer(padding_=0)
        one_sided = layer(x_=np.pad(x, ((padding, 0), (padding, 0), (0, 0))), padding_=0)
        if one_sided.shape == expected.shape:
            # Of another shape it is the right answer cut short, as many other bugs give it.
            mistakes["padding is added on the top and left only"] = one_sided
        mistakes["the input sits in the top-left corner of the padded array (all the padding at the bottom and "
                 "right)"] = layer(x_=np.pad(x, ((0, 2 * padding), (0, 2 * padding), (0, 0))), padding_=0)
    if stride > 1:
        unstrided = layer(stride_=1)
        mistakes["the stride is ignored"] = unstrided
        mistakes["the stride moves the window down the rows only, not across the columns"] = unstrided[::stride, :out_w]
        mistakes["the stride moves the window across the columns only, not down the rows"] = unstrided[:out_h, ::stride]
    return mistakes


def _layer_why(probe: Probe) -> str:
    x, w, _ = probe.args
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
    return (f"{why_size(x.shape[0], w.shape[0], padding, stride)}, {why_size(x.shape[1], w.shape[0], padding, stride)}, "
            f"and one channel per filter ({w.shape[3]})")


# --- pool_forward: probe 1 is the lecture's 2x2 max pool of stride 2; probe 2 averages overlapping
# windows (s = 1) of an integer input; probes 3-4 stride by other than f, with windows other than 2x2.
# Each role fixes f, s, the remainders on each axis, the longer axis and the number of channels. In a
# max-pool probe each channel has a window of values from -3 to -2 (not its first) and a first value
# x[0, 0, c] above -2, so a max that starts at 0, at -1 or at x[0, 0, c] instead of at the window's
# first value fails in every channel, every time.

@dataclass(frozen=True)
class PoolRole:
    mode: str
    grid: Grid
    channels: int
    signature: Signature
    whole_input: bool = False


POOL_ROLES = (
    PoolRole("max", Grid(2, 2, residues=(0, 3), taller=True), 3, Signature(True, True, EIGHTHS, True)),
    PoolRole("average", Grid(3, 1, taller=False), 2, Signature(True, True, 0, False), whole_input=True),
    PoolRole("max", Grid(3, 2, residues=(1, 2), taller=True), 2, Signature(True, True, EIGHTHS, True)),
    PoolRole("average", Grid(4, 3, residues=(2, 0), taller=False), 3, Signature(True, True, 16 * EIGHTHS, True)),
)
NEGATIVE_WINDOW = (-3 * EIGHTHS, -2 * EIGHTHS)


def _negative_window(rng: np.random.Generator, x: np.ndarray, grid: Grid) -> None:
    """One window per channel, not the first, of values from -3 to -2, in place."""
    out_h, out_w = grid.out(x.shape[0]), grid.out(x.shape[1])
    f, s = grid.f, grid.s
    for channel in range(x.shape[2]):
        cell = int(rng.integers(1, out_h * out_w))
        i, j = divmod(cell, out_w)
        x[i * s:i * s + f, j * s:j * s + f, channel] = rng.integers(*NEGATIVE_WINDOW, endpoint=True, size=(f, f)) / EIGHTHS


def _pool_probe(rng: np.random.Generator, index: int, role: PoolRole) -> Probe:
    grid, c = role.grid, role.channels

    def draw() -> Probe:
        n_h, n_w = grid.draw(rng, POOL_MAX_SIDE)
        x = _input(rng, (n_h, n_w, c), role.whole_input)
        if role.mode == "max":
            _negative_window(rng, x, grid)
        return Probe(f"pool_forward.hidden-{index}", (x, grid.f, grid.s), {"mode": role.mode},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, f={grid.f}, s={grid.s}, "
                     f"mode={role.mode!r}")

    def accept(probe: Probe) -> bool:
        x = probe.args[0]
        if role.mode == "max" and not np.all(x[0, 0, :] > NEGATIVE_WINDOW[1] / EIGHTHS):
            return False   # each channel's first value is above its negative window's values
        expected = ref.pool_forward(*probe.args, **probe.kwargs)
        return signature(expected) == role.signature and distinguishes(expected, _pool_mistakes(probe).values())

    return redraw(draw, accept, f"pool_forward probe {index}")


def _pool_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, f, s = probe.args
    x = np.asarray(x, dtype=float)
    mode = probe.kwargs["mode"]
    other = "average" if mode == "max" else "max"
    expected = ref.pool_forward(x, f, s, mode)
    out_h, out_w = expected.shape[:2]
    unstrided = ref.pool_forward(x, f, 1, mode)
    # Pooling every channel of the window together: the channels pooled as one, then repeated.
    if mode == "max":
        together = ref.pool_forward(x.max(axis=2, keepdims=True), f, s, mode)
    else:
        together = ref.pool_forward(x.mean(axis=2, keepdims=True), f, s, mode)
    mistakes = {
        f"mode is ignored ({other} pooling is computed instead)": ref.pool_forward(x, f, s, other),
        "the window spans every channel: pooling works channel by channel":
            np.repeat(together, x.shape[2], axis=2),
        _truncated("pool_forward"): np.trunc(expected),
        "the values are rounded to whole numbers: pooling returns floats": np.round(expected),
        "the output is transposed (the first two axes swapped)": np.swapaxes(expected, 0, 1),
        **shape_mistakes(expected),
        **short_loop_mistakes(expected, grid_of(x.shape[0], x.shape[1], f, s)),
        **value_mistakes(expected, linear=mode == "average"),
    }
    if mode == "max":
        mistakes["the max starts at 0 (best = 0, or np.max(..., initial=0)): a window of negative values then "
                 "gives 0; start from the window's first value"] = np.maximum(expected, 0)
        mistakes["the max starts at a fixed value such as -1: a window of smaller values then gives it; start "
                 "from the window's first value"] = np.maximum(expected, -1)
        mistakes["the max starts at x[0, 0, c], the input's first value, not the window's"] = \
            np.maximum(expected, x[0, 0, :])
    if mode == "average":
        mistakes["the window's sum is divided by f, not by f x f"] = expected * f
        mistakes["the window is summed, not averaged"] = expected * f * f
        mistakes['mode "average" is not recognised (e.g. only "avg" is): nothing is computed'] = np.zeros_like(expected)
    if has_fraction(x):
        mistakes["the input is converted to integers"] = ref.pool_forward(np.trunc(x), f, s, mode)
    if s > 1:
        mistakes["the stride is ignored"] = unstrided
        mistakes["the stride moves the window down the rows only, not across the columns"] = unstrided[::s, :out_w]
        mistakes["the stride moves the window across the columns only, not down the rows"] = unstrided[:out_h, ::s]
    if s != f:
        mistakes[f"the window moves by f = {f}, not by s = {s}"] = ref.pool_forward(x, f, f, mode)
    if f != 2:
        mistakes["the window is 2x2 whatever f is"] = ref.pool_forward(x, 2, s, mode)
    return mistakes


def _pool_why(probe: Probe) -> str:
    x, f, s = probe.args
    return f"{why_size(x.shape[0], f, 0, s)}, {why_size(x.shape[1], f, 0, s)}, and pooling keeps the {x.shape[2]} channels"


def probe_structure(function: str, probe: Probe) -> tuple:
    """What every seed's probe k has in common (tests/test_mutants.py compares it across seeds)."""
    if function == "conv_volume":
        x, w = probe.args
        return grid_of(x.shape[0], x.shape[1], w.shape[0]), x.shape[2], x.dtype.kind, signature(ref.conv_volume(x, w))
    if function == "conv_layer_forward":
        x, w, b = probe.args
        stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
        expected = ref.conv_layer_forward(x, w, b, stride, padding)
        return (grid_of(x.shape[0], x.shape[1], w.shape[0], stride, padding), w.shape[2:], x.dtype.kind,
                bool(np.any(b < 0)), bool(np.any(b > 0)), signature(expected))
    x, f, s = probe.args
    expected = ref.pool_forward(x, f, s, probe.kwargs["mode"])
    return grid_of(x.shape[0], x.shape[1], f, s), x.shape[2], x.dtype.kind, probe.kwargs["mode"], signature(expected)


def _hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw5")
    return {
        "conv_volume": tuple(_volume_probe(rng, i, role) for i, role in enumerate(VOLUME_ROLES, start=1)),
        "conv_layer_forward": tuple(_layer_probe(rng, i, role) for i, role in enumerate(LAYER_ROLES, start=1)),
        "pool_forward": tuple(_pool_probe(rng, i, role) for i, role in enumerate(POOL_ROLES, start=1)),
    }


hidden_probes = cached_probes(_hidden_probes)


def hidden_cases(seed: int) -> tuple[Case, ...]:
    probes = hidden_probes(seed)
    return (
        *probe_cases("hw5.q1", "conv_volume", probes["conv_volume"], 1,
                     array_probe_check("conv_volume(...)", ref.conv_volume, _volume_mistakes, _volume_why)),
        *probe_cases("hw5.q2", "conv_layer_forward", probes["conv_layer_forward"], 1,
                     array_probe_check("conv_layer_forward(...)", ref.conv_layer_forward, _layer_mistakes, _layer_why)),
        *probe_cases("hw5.q3", "pool_forward", probes["pool_forward"], 1,
                     array_probe_check("pool_forward(...)", ref.pool_forward, _pool_mistakes, _pool_why)),
    )
