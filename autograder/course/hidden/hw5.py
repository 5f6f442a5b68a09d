"""Hidden checks for hw5: volumes, one layer and pooling on fresh multi-channel inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograder.checks.core import Case, Probe
from autograder.checks.public import why_size
from autograder.course.hidden.common import (
    EIGHTHS,
    Grid,
    Signature,
    array_probe_check,
    asymmetric,
    cached_probes,
    distinguishes,
    eighths,
    grid_of,
    has_fraction,
    probe_cases,
    redraw,
    rng_for,
    shape_mistakes,
    short_loop_mistakes,
    signature,
    value_mistakes,
    whole_numbers,
    with_article,
)
from solutions import hw5 as ref

VALUES: tuple[str, ...] = ()
FUNCTIONS = ("conv_volume", "conv_layer_forward", "pool_forward")
FLIPPED = "the filter is flipped (true convolution); the lecture's convolution is cross-correlation"
FLIPPED_EVERY_AXIS = "the filter is flipped on every axis, channels included (np.flip without axes)"
MAX_SIDE = 12
POOL_MAX_SIDE = 14


def _truncated(what: str) -> str:
    return (
        f"the values are cut to whole numbers (an integer output array, such as np.zeros(..., dtype=int) "
        f"or one with the dtype of an integer input): {what} returns floats"
    )


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
        return Signature(True, True, EIGHTHS if self.whole_input else EIGHTHS**2, not self.float16_shows)


VOLUME_ROLES = (
    VolumeRole(Grid(3, taller=True), 3, whole_input=True),
    VolumeRole(Grid(2, taller=False), 2),
    VolumeRole(Grid(4, taller=True), 4, float16_shows=True),
)


def _volume_probe(rng: np.random.Generator, index: int, role: VolumeRole) -> Probe:
    f, c = role.grid.f, role.channels

    def draw() -> Probe:
        n_h, n_w = role.grid.draw(rng, MAX_SIDE)
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (f, f, c))
        return Probe(
            f"conv_volume.hidden-{index}",
            (x, w),
            {},
            f"{_volume_noun(n_h, n_w, c, role.whole_input, 'volume')} and a {f}x{f}x{c} filter",
        )

    def accept(probe: Probe) -> bool:
        if not asymmetric(probe.args[1]):
            return False  # a symmetric channel slice would hide a partial flip on some draws
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
        **_partial_flips(lambda w_: ref.conv_volume(x, w_), w),
        "the filter's channels are reversed (w[:, :, ::-1]): channel c of the filter meets channel c of the input": ref.conv_volume(
            x, w[:, :, ::-1]
        ),
        _truncated("conv_volume"): np.trunc(expected),
        "the values are rounded to whole numbers: conv_volume returns floats": np.round(expected),
        "the channels are summed before convolving; multiply each channel by its own filter slice, then sum": ref.conv_volume(
            x.sum(axis=2, keepdims=True), w.sum(axis=2, keepdims=True)
        ),
        "only the first channel is used; a filter spans every channel": ref.conv_volume(x[:, :, :1], w[:, :, :1]),
        "the window is averaged (np.mean) instead of summed": expected / w.size,
        "the channels are not summed: one map per channel instead of one 2-D map": np.einsum(
            "ijcab,abc->ijc", windows, w
        ),
        "the map is transposed (rows and columns swapped)": expected.T,
        **shape_mistakes(expected),
        **value_mistakes(expected, linear=True),
    }
    if x.shape[2] > 2:
        # With two channels this is the first channel alone, named above.
        mistakes["the last channel is left out (range(n_C - 1)); a filter spans every channel"] = ref.conv_volume(
            x[:, :, :-1], w[:, :, :-1]
        )
    if has_fraction(x):
        mistakes["the input is converted to integers"] = ref.conv_volume(np.trunc(x), w)
    return mistakes


def _partial_flips(apply: Callable[[np.ndarray], np.ndarray], w: np.ndarray) -> dict[str, np.ndarray]:
    """A filter (f, f, ...) flipped on one spatial axis, transposed or rotated: what each gives."""
    return {
        "the filter is flipped upside down only (w[::-1]): the lecture's convolution flips nothing": apply(w[::-1]),
        "the filter is flipped left to right only (w[:, ::-1]): the lecture's convolution flips nothing": apply(
            w[:, ::-1]
        ),
        "the filter is transposed (rows and columns of each slice swapped)": apply(np.swapaxes(w, 0, 1)),
        "the filter is rotated a quarter turn (np.rot90)": apply(np.rot90(w)),
    }


def _volume_why(probe: Probe) -> str:
    x, w = probe.args
    return f"{why_size(x.shape[0], w.shape[0])} and {why_size(x.shape[1], w.shape[0])}; the channels are summed"


# --- conv_layer_forward: probe 1 pads at stride 1 on an integer input; probe 2 strides without
# padding; probes 3-4 do both. No probe has f = 3 but the first, or f = 1, where a flip is invisible.
# As conv2d's roles (see hw1.CONV2D_ROLES), each fixes f, s, p, the remainders on each axis and the
# longer axis, and also the number of channels and of filters (never equal: np.pad(x, padding), which
# pads the channels too, and W[:, :, c] taken for filter c then always fail). The biases have both
# signs and are all different, every slice of every filter is asymmetric (see filters_apart), every
# filter's output has positive entries and its pre-activation negative ones (see every_filter_alive:
# a filter ReLU kills would hide any mistake in it), and the output has the same finest fraction and
# float16 exactness on every seed.


@dataclass(frozen=True)
class LayerRole:
    grid: Grid
    channels: int
    filters: int
    float16_shows: bool = False
    whole_input: bool = False
    positional: bool = False  # stride and padding by position, as the signature orders them

    def __post_init__(self) -> None:
        if self.channels == self.filters or (self.grid.p and not self.grid.reaches_far_padding()):
            raise ValueError(f"{self}: equal channels and filters, or no axis reaches the far padding")

    @property
    def signature(self) -> Signature:
        return Signature(False, True, EIGHTHS if self.whole_input else EIGHTHS**2, not self.float16_shows)


LAYER_ROLES = (
    LayerRole(Grid(3, 1, 1, taller=True), channels=3, filters=2, whole_input=True),
    LayerRole(Grid(4, 2, 0, residues=(3, 0), taller=False), channels=2, filters=3, float16_shows=True),
    LayerRole(Grid(5, 3, 2, residues=(0, 2), taller=True), channels=3, filters=2, float16_shows=True),
    LayerRole(Grid(2, 3, 1, residues=(2, 0), taller=False), channels=2, filters=4, positional=True),
)


def _layer_probe(rng: np.random.Generator, index: int, role: LayerRole) -> Probe:
    grid, c, filters = role.grid, role.channels, role.filters

    def draw() -> Probe:
        n_h, n_w = grid.draw(rng, MAX_SIDE)
        x, w = _input(rng, (n_h, n_w, c), role.whole_input), eighths(rng, (grid.f, grid.f, c, filters))
        bias = eighths(rng, (filters,), limit=2)
        return Probe(
            f"conv_layer_forward.hidden-{index}",
            (x, w, bias),
            {"stride": grid.s, "padding": grid.p},
            f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, {filters} filters of "
            f"{grid.f}x{grid.f}x{c}, stride={grid.s}, padding={grid.p}"
            + (f", passed by position: conv_layer_forward(x, W, b, {grid.s}, {grid.p})" if role.positional else ""),
            ("stride", "padding") if role.positional else (),
        )

    def accept(probe: Probe) -> bool:
        if not filters_apart(*probe.args[1:]):
            return False
        z = _pre_activation(probe)
        expected = np.maximum(z, 0)
        return (
            alive(z)
            and signature(expected) == role.signature
            and distinguishes(expected, _layer_mistakes(probe).values())
        )

    return redraw(draw, accept, f"conv_layer_forward probe {index}")


def filters_apart(w: np.ndarray, b: np.ndarray) -> bool:
    """No coincidence of weights or biases hides a mistake on some draws only: every 2-D slice of
    every filter is asymmetric (common.asymmetric), and the biases have both signs and are all
    different (so b[::-1], b[-1], b.max(), np.abs(b), ... change some filter's bias)."""
    return asymmetric(w) and bool(np.any(b < 0) and np.any(b > 0)) and len(np.unique(b)) == len(b)


def _pre_activation(probe: Probe) -> np.ndarray:
    """W * x + b, from the reference alone: ReLU(z) - ReLU(-z) = z."""
    x, w, b = (np.asarray(a, dtype=float) for a in probe.args)
    return ref.conv_layer_forward(x, w, b, **probe.kwargs) - ref.conv_layer_forward(-x, w, -b, **probe.kwargs)


def every_filter_alive(probe: Probe) -> bool:
    """Every output channel has positive entries and its pre-activation negative ones too. A filter
    whose output ReLU kills everywhere hides every mistake in that filter (its bias, its weights, the
    loop over filters stopping one short) on the draws that have one; a filter with no negative
    pre-activation hides a ReLU left out, or another activation, in that filter."""
    return alive(_pre_activation(probe))


def alive(z: np.ndarray) -> bool:
    """Every channel of this pre-activation (n_H, n_W, n_C) has positive and negative entries."""
    per_channel = z.reshape(-1, z.shape[-1])
    return bool(np.all(per_channel.max(axis=0) > 0) and np.all(per_channel.min(axis=0) < 0))


def _layer_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, w, b = (np.asarray(a, dtype=float) for a in probe.args)
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]

    def layer(
        x_: np.ndarray = x, w_: np.ndarray = w, b_: np.ndarray = b, stride_: int = stride, padding_: int = padding
    ) -> np.ndarray:
        if x_ is x and stride_ == stride and padding_ == padding:
            # The probe's own windows: only the weights or the biases change (the reference's
            # arithmetic, without its padding and checks on every call).
            return np.maximum(np.einsum("ijcab,abcn->ijn", windows, w_) + b_, 0)
        return ref.conv_layer_forward(x_, w_, b_, stride_, padding_)

    windows = sliding_window_view(
        np.pad(x, ((padding, padding), (padding, padding), (0, 0))), w.shape[:2], axis=(0, 1)
    )[::stride, ::stride]
    expected = ref.conv_layer_forward(x, w, b, stride, padding)
    out_h, out_w = expected.shape[:2]
    # ReLU(z) - ReLU(-z) = z: the pre-activation, from the reference alone.
    linear = expected - ref.conv_layer_forward(-x, w, -b, stride, padding)
    weights_only = np.maximum(linear - b, 0)
    mistakes = {
        "ReLU is left out: the layer's output is ReLU(W * x + b)": linear,
        "the bias is left out": weights_only,
        "the bias is added after the ReLU": weights_only + b,
        FLIPPED: layer(w_=w[::-1, ::-1]),
        FLIPPED_EVERY_AXIS: layer(w_=w[::-1, ::-1, ::-1, ::-1]),
        "every filter gets the first bias, b[0]; filter c adds b[c]": layer(b_=np.full_like(b, b[0])),
        _truncated("conv_layer_forward"): np.trunc(expected),
        "the values are rounded to whole numbers: the layer returns floats": np.round(expected),
        "the loops stop one short, so the last row and column are never filled": np.pad(
            expected[:-1, :-1], ((0, 1), (0, 1), (0, 0))
        ),
        "the output is channels-first (n_C, n_H, n_W); the course is channels-last": np.moveaxis(expected, -1, 0),
        "the ReLU is applied twice, once before the bias: ReLU(ReLU(W * x) + b); apply it once, to W * x + b": np.maximum(
            weights_only + b, 0
        ),
        "np.abs is used as the activation; the layer's is ReLU, max(0, z)": np.abs(linear),
        "every filter gets the sum of the biases; filter c adds b[c]": layer(b_=np.full_like(b, b.sum())),
        "every filter gets the mean of the biases; filter c adds b[c]": layer(b_=np.full_like(b, b.mean())),
        "every filter gets the last bias, b[-1] (a loop variable left over?); filter c adds b[c]": layer(
            b_=np.full_like(b, b[-1])
        ),
        "every filter gets the largest bias; filter c adds b[c]": layer(b_=np.full_like(b, b.max())),
        "the biases are reversed (b[::-1]); filter c adds b[c]": layer(b_=b[::-1]),
        "np.abs is applied to the biases; a bias keeps its sign": layer(b_=np.abs(b)),
        "a ReLU is applied to the biases; only the sum W * x + b goes through it": layer(b_=np.maximum(b, 0)),
        "the bias is subtracted: the layer computes W * x + b": layer(b_=-b),
        "the bias is added twice": layer(b_=2 * b),
        "the last filter is left out (range(n_C - 1)): its output channel stays 0": np.concatenate(
            [expected[..., :-1], np.zeros_like(expected[..., -1:])], axis=-1
        ),
        "the first filter's output is left at 0": np.concatenate(
            [np.zeros_like(expected[..., :1]), expected[..., 1:]], axis=-1
        ),
        "the filters are taken in reverse order (W[..., ::-1])": layer(w_=w[..., ::-1]),
        "the filters' channels are reversed (W[:, :, ::-1])": layer(w_=w[:, :, ::-1]),
        **_partial_flips(lambda w_: layer(w_=w_), w),
        "the ReLU keeps only values of at least 1 (np.where(z >= 1, z, 0)); ReLU is max(0, z)": np.where(
            linear >= 1, linear, 0.0
        ),
        "a leaky ReLU is used (0.01 z below 0); the layer's activation is ReLU, max(0, z)": np.where(
            linear > 0, linear, 0.01 * linear
        ),
        "the ReLU is capped at 6 (ReLU6, np.clip(z, 0, 6)); the layer's activation is ReLU, max(0, z)": np.clip(
            linear, 0, 6
        ),
        **shape_mistakes(expected),
        **short_loop_mistakes(
            expected, grid_of(x.shape[0], x.shape[1], w.shape[0], stride, padding), both_named_elsewhere=True
        ),
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
        mistakes[
            "the input sits in the top-left corner of the padded array (all the padding at the bottom and right)"
        ] = layer(x_=np.pad(x, ((0, 2 * padding), (0, 2 * padding), (0, 0))), padding_=0)
    if probe.positional and padding:
        mistakes[
            "stride and padding are swapped: the signature is conv_layer_forward(x, W, b, stride=1, padding=0), "
            f"so conv_layer_forward(x, W, b, {stride}, {padding}) is stride {stride}, padding {padding}"
        ] = layer(stride_=padding, padding_=stride)
    if stride > 1:
        unstrided = layer(stride_=1)
        mistakes["the stride is ignored"] = unstrided
        mistakes["the stride moves the window down the rows only, not across the columns"] = unstrided[::stride, :out_w]
        mistakes["the stride moves the window across the columns only, not down the rows"] = unstrided[:out_h, ::stride]
    return mistakes


def _layer_why(probe: Probe) -> str:
    x, w, _ = probe.args
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
    return (
        f"{why_size(x.shape[0], w.shape[0], padding, stride)}, {why_size(x.shape[1], w.shape[0], padding, stride)}, "
        f"and one channel per filter ({w.shape[3]})"
    )


# --- pool_forward: probe 1 is the lecture's 2x2 max pool of stride 2; probe 2 averages overlapping
# windows (s = 1) of an integer input; probes 3-4 stride by other than f, with windows other than 2x2.
# Each role fixes f, s, the remainders on each axis, the longer axis and the number of channels.
#
# A max-pool input is built so that no coincidence of values hides a mistake in where the running max
# starts, which cells a window covers or which channel it reads (see _max_pool_input):
# - within a channel every value is different (multiples of 1/64), so every window's max is unique;
# - each channel c has one "floor" window N_c, never in the first row or column of windows, whose
#   values are all at most -5/2, its max exactly -5/2; every other value of the channel is above -5/2,
#   and the channels' floor windows share no cell. A max that starts anywhere but at the window's own
#   values (0, -1, -2, x[0, 0, c], x[i*s, 0, c], x[0, j*s, c], x[i*s, j*s, 0], the previous window's
#   max, ...) then gives more than -5/2 there and fails; a fixed start of -5/2 or less is right on
#   every input of these roles. Every seed, the same;
# - each channel has a window whose max sits in its bottom-right corner and one whose max sits in its
#   top-left corner (cell-disjoint from each other and from N_c), so a window missing its last row,
#   its last column, its first element or its first row or column fails every time.


@dataclass(frozen=True)
class PoolRole:
    mode: str
    grid: Grid
    channels: int
    signature: Signature
    whole_input: bool = False


SIXTY_FOURTHS = EIGHTHS * EIGHTHS
POOL_ROLES = (
    PoolRole("max", Grid(2, 2, residues=(0, 3), taller=True), 3, Signature(True, True, SIXTY_FOURTHS, True)),
    PoolRole("average", Grid(3, 1, taller=False), 2, Signature(True, True, 0, False), whole_input=True),
    PoolRole("max", Grid(3, 2, residues=(1, 2), taller=True), 2, Signature(True, True, SIXTY_FOURTHS, True)),
    PoolRole("average", Grid(4, 3, residues=(2, 0), taller=False), 3, Signature(True, True, 16 * EIGHTHS, True)),
)
FLOOR = -2.5  # the max of each channel's floor window, and the least window max of the channel
# Every other value of a max-pool channel: distinct 64ths in (FLOOR, 3]; the floor window's others in [-3, FLOOR).
ABOVE_FLOOR = np.arange(int(FLOOR * SIXTY_FOURTHS) + 1, 3 * SIXTY_FOURTHS + 1) / SIXTY_FOURTHS
BELOW_FLOOR = np.arange(-3 * SIXTY_FOURTHS, int(FLOOR * SIXTY_FOURTHS)) / SIXTY_FOURTHS


def _overlap(grid: Grid, a: tuple[int, int], b: tuple[int, int]) -> bool:
    return abs(a[0] - b[0]) * grid.s < grid.f and abs(a[1] - b[1]) * grid.s < grid.f


def _pick_window(
    rng: np.random.Generator, grid: Grid, out_h: int, out_w: int, first: int, taken: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """A window (i, j), i and j >= first, sharing no cell with the windows taken; None if there is none."""
    free = [
        (i, j)
        for i in range(first, out_h)
        for j in range(first, out_w)
        if not any(_overlap(grid, (i, j), other) for other in taken)
    ]
    return free[int(rng.integers(len(free)))] if free else None


def _max_pool_input(rng: np.random.Generator, n_h: int, n_w: int, channels: int, grid: Grid) -> np.ndarray | None:
    """A max-pool input with the structure described above, or None when these sides are too small for it."""
    f, s = grid.f, grid.s
    out_h, out_w = grid.out(n_h), grid.out(n_w)
    x = np.stack(
        [rng.choice(ABOVE_FLOOR, size=n_h * n_w, replace=False).reshape(n_h, n_w) for _ in range(channels)], axis=-1
    )
    floors: list[tuple[int, int]] = []
    for _ in range(channels):
        window = _pick_window(rng, grid, out_h, out_w, 1, floors)
        if window is None:
            return None
        floors.append(window)
    for c, (i, j) in enumerate(floors):
        values = rng.choice(BELOW_FLOOR, size=f * f, replace=False)
        values[int(rng.integers(f * f))] = FLOOR
        x[i * s : i * s + f, j * s : j * s + f, c] = values.reshape(f, f)
        corners: list[tuple[int, int]] = [(i, j)]
        for corner in (f * f - 1, 0):  # the window's max moved to its last cell, then to its first
            window = _pick_window(rng, grid, out_h, out_w, 0, corners)
            if window is None:
                return None
            corners.append(window)
            cells = x[window[0] * s : window[0] * s + f, window[1] * s : window[1] * s + f, c]  # a view
            flat = cells.reshape(-1).copy()
            top = int(np.argmax(flat))
            flat[[top, corner]] = flat[[corner, top]]
            cells[...] = flat.reshape(f, f)
    return x


def _pool_probe(rng: np.random.Generator, index: int, role: PoolRole) -> Probe:
    grid, c = role.grid, role.channels

    def draw() -> Probe | None:
        n_h, n_w = grid.draw(rng, POOL_MAX_SIDE)
        x = (
            _max_pool_input(rng, n_h, n_w, c, grid)
            if role.mode == "max"
            else _input(rng, (n_h, n_w, c), role.whole_input)
        )
        if x is None:
            return None
        return Probe(
            f"pool_forward.hidden-{index}",
            (x, grid.f, grid.s),
            {"mode": role.mode},
            f"{_volume_noun(n_h, n_w, c, role.whole_input, 'input')}, f={grid.f}, s={grid.s}, mode={role.mode!r}",
        )

    def accept(probe: Probe | None) -> bool:
        if probe is None:
            return False
        expected = ref.pool_forward(*probe.args, **probe.kwargs)
        return signature(expected) == role.signature and distinguishes(expected, _pool_mistakes(probe).values())

    probe = redraw(draw, accept, f"pool_forward probe {index}")
    if probe is None:  # accept() refuses None, so redraw never returns it
        raise AssertionError(f"pool_forward probe {index}: no probe drawn")
    return probe


def max_pool_structure(x: np.ndarray, f: int, s: int) -> tuple:
    """What _max_pool_input guarantees, read back from an input (tests and probe_structure compare it)."""
    windows = sliding_window_view(np.asarray(x, dtype=float), (f, f), axis=(0, 1))[::s, ::s]  # (i, j, c, a, b)
    maxima = windows.max(axis=(3, 4))
    flat = windows.reshape(*windows.shape[:3], -1)
    facts = []
    for c in range(x.shape[2]):
        values = x[:, :, c].ravel()
        floor_windows = np.argwhere(maxima[:, :, c] == FLOOR)
        below = np.argwhere(x[:, :, c] <= FLOOR)
        facts.append(
            (
                len(np.unique(values)) == values.size,
                float(maxima[:, :, c].min()) == FLOOR and len(floor_windows) == 1 and len(below) == f * f,
                bool(len(floor_windows) == 1 and floor_windows[0].min() >= 1),
                bool(np.any(flat[:, :, c].argmax(axis=-1) == f * f - 1)),
                bool(np.any(flat[:, :, c].argmax(axis=-1) == 0)),
            )
        )
    floors = [tuple(map(tuple, np.argwhere(x[:, :, c] <= FLOOR))) for c in range(x.shape[2])]
    disjoint = len(set().union(*map(set, floors))) == sum(map(len, floors))
    return tuple(facts), disjoint


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
        "the window spans every channel: pooling works channel by channel": np.repeat(together, x.shape[2], axis=2),
        _truncated("pool_forward"): np.trunc(expected),
        "the values are rounded to whole numbers: pooling returns floats": np.round(expected),
        "the output is transposed (the first two axes swapped)": np.swapaxes(expected, 0, 1),
        **shape_mistakes(expected),
        **short_loop_mistakes(expected, grid_of(x.shape[0], x.shape[1], f, s)),
        **value_mistakes(expected, linear=mode == "average"),
    }
    if mode == "max":
        mistakes[
            "the max starts at 0 (best = 0, or np.max(..., initial=0)): a window of negative values then "
            "gives 0; start from the window's first value"
        ] = np.maximum(expected, 0)
        mistakes[
            "the max starts at a fixed value such as -1: a window of smaller values then gives it; start "
            "from the window's first value"
        ] = np.maximum(expected, -1)
        mistakes["the max starts at x[0, 0, c], the input's first value, not the window's"] = np.maximum(
            expected, x[0, 0, :]
        )
        mistakes.update(_max_start_mistakes(x, f, s, expected))
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


def _max_start_mistakes(x: np.ndarray, f: int, s: int, expected: np.ndarray) -> dict[str, np.ndarray]:
    """A running max started at the wrong value, or a window that misses some of its cells."""
    windows = sliding_window_view(x, (f, f), axis=(0, 1))[::s, ::s]  # (i, j, c, a, b)
    starts = windows[:, :, :, 0, 0]  # x[i*s, j*s, c]
    out_h, out_w = expected.shape[:2]
    rows, cols = np.arange(out_h) * s, np.arange(out_w) * s
    carried = np.maximum.accumulate(expected.reshape(-1, x.shape[2]), axis=0).reshape(expected.shape)
    return {
        "the max starts at -2: a window of smaller values then gives -2; start from the window's first value": np.maximum(
            expected, -2
        ),
        "the max starts at channel 0's value (x[i*s, j*s, 0]), not the window's own channel": np.maximum(
            expected, starts[:, :, :1]
        ),
        "the max starts at the row's first value x[i*s, 0, c], not the window's": np.maximum(expected, x[rows, :1, :]),
        "the max starts at the column's first value x[0, j*s, c], not the window's": np.maximum(
            expected, x[:1, cols, :]
        ),
        "the running max is not reset between windows (it starts at the previous window's max)": carried,
        "the window misses its last column": windows[..., :, :-1].max(axis=(3, 4)),
        "the window misses its last row": windows[..., :-1, :].max(axis=(3, 4)),
        "the window misses its first element (the max starts at it, then the loop skips it, but from another "
        "start)": windows.reshape(*windows.shape[:3], -1)[..., 1:].max(axis=-1),
        "the window is (f - 1) x (f - 1)": windows[..., :-1, :-1].max(axis=(3, 4)),
        "only the window's first row is pooled": windows[..., 0, :].max(axis=-1),
        "np.abs is applied before the max": np.abs(windows).max(axis=(3, 4)),
    }


def _pool_why(probe: Probe) -> str:
    x, f, s = probe.args
    return (
        f"{why_size(x.shape[0], f, 0, s)}, {why_size(x.shape[1], f, 0, s)}, and pooling keeps the {x.shape[2]} channels"
    )


def probe_structure(function: str, probe: Probe) -> tuple:
    """What every seed's probe k has in common (tests/test_mutants.py compares it across seeds)."""
    if function == "conv_volume":
        x, w = probe.args
        return grid_of(x.shape[0], x.shape[1], w.shape[0]), x.shape[2], x.dtype.kind, signature(ref.conv_volume(x, w))
    if function == "conv_layer_forward":
        x, w, b = probe.args
        stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
        expected = ref.conv_layer_forward(x, w, b, stride, padding)
        return (
            grid_of(x.shape[0], x.shape[1], w.shape[0], stride, padding),
            probe.positional,
            w.shape[2:],
            x.dtype.kind,
            filters_apart(w, b),
            every_filter_alive(probe),
            signature(expected),
        )
    x, f, s = probe.args
    expected = ref.pool_forward(x, f, s, probe.kwargs["mode"])
    built = max_pool_structure(x, f, s) if probe.kwargs["mode"] == "max" else ()
    return (
        grid_of(x.shape[0], x.shape[1], f, s),
        x.shape[2],
        x.dtype.kind,
        probe.kwargs["mode"],
        signature(expected),
        built,
    )


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
        *probe_cases(
            "hw5.q1",
            "conv_volume",
            probes["conv_volume"],
            1,
            array_probe_check("conv_volume(...)", ref.conv_volume, _volume_mistakes, _volume_why),
        ),
        *probe_cases(
            "hw5.q2",
            "conv_layer_forward",
            probes["conv_layer_forward"],
            1,
            array_probe_check("conv_layer_forward(...)", ref.conv_layer_forward, _layer_mistakes, _layer_why),
        ),
        *probe_cases(
            "hw5.q3",
            "pool_forward",
            probes["pool_forward"],
            1,
            array_probe_check("pool_forward(...)", ref.pool_forward, _pool_mistakes, _pool_why),
        ),
    )
