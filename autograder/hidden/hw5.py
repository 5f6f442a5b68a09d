"""Hidden checks for hw5: volumes, one layer and pooling on fresh multi-channel inputs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions import hw5 as ref

from ..checks.core import Case, Probe
from ..checks.public import why_size
from .common import (array_probe_check, cached_probes, distinguishes, eighths, floor_size, has_fraction,
                     probe_cases, reaches_far_padding, redraw, rng_for, shape_mistakes, sizes_tell_apart,
                     whole_numbers, with_article)

VALUES: tuple[str, ...] = ()
FUNCTIONS = ("conv_volume", "conv_layer_forward", "pool_forward")
FLIPPED = "the filter is flipped (true convolution); the lecture's convolution is cross-correlation"
FLIPPED_EVERY_AXIS = "the filter is flipped on every axis, channels included (np.flip without axes)"
MAX_SIDE = 10
POOL_MAX_SIDE = 12


def _truncated(what: str) -> str:
    return (f"the values are cut to whole numbers (an integer output array, such as np.zeros(..., dtype=int) "
            f"or one with the dtype of an integer input): {what} returns floats")


def _input(rng: np.random.Generator, shape: tuple[int, ...], whole: bool) -> np.ndarray:
    return whole_numbers(rng, shape) if whole else eighths(rng, shape)


def _volume_noun(n_h: int, n_w: int, c: int, whole: bool, noun: str) -> str:
    return with_article(f"{n_h}x{n_w}x{c} {'integer ' if whole else ''}{noun}{' (int64)' if whole else ''}")


# --- conv_volume: probe 1 is an integer volume with a 3x3 filter, probes 2-3 fractional with f = 2, 4.

@dataclass(frozen=True)
class VolumeRole:
    filter_sizes: tuple[int, ...]
    whole_input: bool = False


VOLUME_ROLES = (VolumeRole((3,), whole_input=True), VolumeRole((2,)), VolumeRole((4,)))


def _volume_probe(rng: np.random.Generator, index: int, role: VolumeRole) -> Probe:
    def structure() -> tuple[int, int, int, int]:
        f, c = int(rng.choice(role.filter_sizes)), int(rng.integers(2, 5))
        n_h, n_w = (int(n) for n in rng.integers(f + 1, MAX_SIDE + 1, size=2))
        return f, c, n_h, n_w

    def draw() -> Probe:
        f, c, n_h, n_w = redraw(structure, lambda drawn: drawn[2] != drawn[3],
                                f"the shape of conv_volume probe {index}")
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (f, f, c))
        return Probe(f"conv_volume.hidden-{index}", (x, w), {},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'volume')} and a {f}x{f}x{c} filter")

    def accept(probe: Probe) -> bool:
        return distinguishes(ref.conv_volume(*probe.args), _volume_mistakes(probe).values())

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
    }
    if has_fraction(x):
        mistakes["the input is converted to integers"] = ref.conv_volume(np.trunc(x), w)
    return mistakes


def _volume_why(probe: Probe) -> str:
    x, w = probe.args
    return f"{why_size(x.shape[0], w.shape[0])} and {why_size(x.shape[1], w.shape[0])}; the channels are summed"


# --- conv_layer_forward: probe 1 pads at stride 1 on an integer input; probe 2 strides without
# padding; probes 3-4 do both. No probe has f = 3 but the first, or f = 1, where a flip is invisible.

@dataclass(frozen=True)
class LayerRole:
    strides: tuple[int, ...]
    paddings: tuple[int, ...]
    filter_sizes: tuple[int, ...]
    whole_input: bool = False


LAYER_ROLES = (
    LayerRole((1,), (1, 2), (3,), whole_input=True),
    LayerRole((2, 3), (0,), (2, 4)),
    LayerRole((2, 3), (1, 2), (2, 4, 5)),
    LayerRole((2, 3), (1,), (2, 4)),
)


def _layer_probe(rng: np.random.Generator, index: int, role: LayerRole) -> Probe:
    def structure() -> tuple[int, int, int, int, int, int, int]:
        f, s, p = (int(rng.choice(options)) for options in (role.filter_sizes, role.strides, role.paddings))
        # Two or three channels and another number of filters: np.pad(x, padding) (channels padded
        # too) then always fails, and so does W[:, :, c] taken for filter c.
        c = int(rng.integers(2, 4))
        filters = int(rng.choice([n for n in range(2, 5) if n != c]))
        n_h, n_w = (int(n) for n in rng.integers(max(f, f + s - 2 * p), MAX_SIDE + 1, size=2))
        return f, s, p, c, filters, n_h, n_w

    def fits(drawn: tuple[int, int, int, int, int, int, int]) -> bool:
        # As conv2d's probes, and with padding, a size that differs from the unpadded input's.
        f, s, p, _, _, n_h, n_w = drawn
        out_h, out_w = floor_size(n_h, f, p, s), floor_size(n_w, f, p, s)
        return (min(out_h, out_w) >= 2 and out_h != out_w
                and (s == 1 or sizes_tell_apart((n_h, n_w), f, p, s))
                and (p == 0 or (reaches_far_padding((n_h, n_w), f, p, s)
                                and any(floor_size(n, f, 0, s) != floor_size(n, f, p, s) for n in (n_h, n_w)))))

    def draw() -> Probe:
        f, s, p, c, filters, n_h, n_w = redraw(structure, fits, f"the shape of conv_layer_forward probe {index}")
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (f, f, c, filters))
        bias = eighths(rng, (filters,), limit=2)
        return Probe(f"conv_layer_forward.hidden-{index}", (x, w, bias), {"stride": s, "padding": p},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, {filters} filters of {f}x{f}x{c}, "
                     f"stride={s}, padding={p}")

    def accept(probe: Probe) -> bool:
        return distinguishes(ref.conv_layer_forward(*probe.args, **probe.kwargs), _layer_mistakes(probe).values())

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
        **shape_mistakes(expected),
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

@dataclass(frozen=True)
class PoolRole:
    mode: str
    windows: tuple[int, ...]
    strides: tuple[int, ...]
    whole_input: bool = False


POOL_ROLES = (
    PoolRole("max", (2,), (2,)),
    PoolRole("average", (3,), (1,), whole_input=True),
    PoolRole("max", (3,), (2,)),
    PoolRole("average", (4,), (3,)),
)


def _pool_probe(rng: np.random.Generator, index: int, role: PoolRole) -> Probe:
    def structure() -> tuple[int, int, int, int, int]:
        f, s, c = int(rng.choice(role.windows)), int(rng.choice(role.strides)), int(rng.integers(2, 4))
        n_h, n_w = (int(n) for n in rng.integers(f + s, POOL_MAX_SIDE + 1, size=2))
        return f, s, c, n_h, n_w

    def fits(drawn: tuple[int, int, int, int, int]) -> bool:
        f, s, _, n_h, n_w = drawn
        return (floor_size(n_h, f, 0, s) != floor_size(n_w, f, 0, s)
                and (s == 1 or sizes_tell_apart((n_h, n_w), f, 0, s)))

    def draw() -> Probe:
        f, s, c, n_h, n_w = redraw(structure, fits, f"the shape of pool_forward probe {index}")
        x = _input(rng, (n_h, n_w, c), role.whole_input)
        return Probe(f"pool_forward.hidden-{index}", (x, f, s), {"mode": role.mode},
                     f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, f={f}, s={s}, mode={role.mode!r}")

    def accept(probe: Probe) -> bool:
        return distinguishes(ref.pool_forward(*probe.args, **probe.kwargs), _pool_mistakes(probe).values())

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
    }
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
