"""Hidden checks for hw5: volumes, one layer and pooling on fresh multi-channel inputs."""
from __future__ import annotations

import numpy as np

from solutions import hw5 as ref

from ..checks.core import Case, Probe
from ..checks.public import why_size
from .common import array_probe_check, probe_cases, rng_for, small_ints

VALUES: tuple[str, ...] = ()
FUNCTIONS = ("conv_volume", "conv_layer_forward", "pool_forward")
FLIPPED = "the filter is flipped (true convolution); the lecture's convolution is cross-correlation"


def hidden_probes(seed: int) -> dict[str, tuple[Probe, ...]]:
    rng = rng_for(seed, "hw5")
    volumes, layers, pools = [], [], []
    for index in range(1, 4):
        f, c = int(rng.choice([2, 3])), int(rng.integers(2, 5))
        n_h, n_w = (int(n) for n in rng.integers(f + 1, 9, size=2))
        volumes.append(Probe(f"conv_volume.hidden-{index}", (small_ints(rng, (n_h, n_w, c)), small_ints(rng, (f, f, c))),
                             {}, f"a {n_h}x{n_w}x{c} volume and a {f}x{f}x{c} filter"))
    for index in range(1, 5):
        f, c, filters = int(rng.choice([1, 3])), int(rng.integers(1, 4)), int(rng.integers(2, 5))
        stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        n_h, n_w = (int(n) for n in rng.integers(f + 2, 9, size=2))
        x, w = small_ints(rng, (n_h, n_w, c)), small_ints(rng, (f, f, c, filters))
        bias = small_ints(rng, (filters,), -3, 4)
        layers.append(Probe(f"conv_layer_forward.hidden-{index}", (x, w, bias), {"stride": stride, "padding": padding},
                            f"a {n_h}x{n_w}x{c} input, {filters} filters of {f}x{f}x{c}, stride={stride}, padding={padding}"))
    for index, mode in enumerate(("max", "average", "max", "average"), start=1):
        f, s, c = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
        n_h, n_w = (int(n) for n in rng.integers(f + 2, 10, size=2))
        pools.append(Probe(f"pool_forward.hidden-{index}", (small_ints(rng, (n_h, n_w, c)), f, s), {"mode": mode},
                           f"a {n_h}x{n_w}x{c} input, f={f}, s={s}, mode={mode!r}"))
    return {"conv_volume": tuple(volumes), "conv_layer_forward": tuple(layers), "pool_forward": tuple(pools)}


def _volume_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, w = probe.args
    return {FLIPPED: ref.conv_volume(x, w[::-1, ::-1, :])}


def _volume_why(probe: Probe) -> str:
    x, w = probe.args
    return f"{why_size(x.shape[0], w.shape[0])} and {why_size(x.shape[1], w.shape[0])}; the channels are summed"


def _layer_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, w, b = probe.args
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
    # ReLU(z) - ReLU(-z) = z: the pre-activation, from the reference alone.
    linear = ref.conv_layer_forward(x, w, b, stride, padding) - ref.conv_layer_forward(-x, w, -b, stride, padding)
    return {
        "ReLU is left out: the layer's output is ReLU(W * x + b)": linear,
        "the bias is left out": ref.conv_layer_forward(x, w, np.zeros_like(b), stride, padding),
        "the bias is added after the ReLU": ref.conv_layer_forward(x, w, np.zeros_like(b), stride, padding) + b,
        FLIPPED: ref.conv_layer_forward(x, w[::-1, ::-1], b, stride, padding),
    }


def _layer_why(probe: Probe) -> str:
    x, w, _ = probe.args
    stride, padding = probe.kwargs["stride"], probe.kwargs["padding"]
    return (f"{why_size(x.shape[0], w.shape[0], padding, stride)}, {why_size(x.shape[1], w.shape[0], padding, stride)}, "
            f"and one channel per filter ({w.shape[3]})")


def _pool_mistakes(probe: Probe) -> dict[str, np.ndarray]:
    x, f, s = probe.args
    other = "average" if probe.kwargs["mode"] == "max" else "max"
    return {f"mode is ignored ({other} pooling is computed instead)": ref.pool_forward(x, f, s, other),
            "the stride is ignored": ref.pool_forward(x, f, 1, probe.kwargs["mode"])}


def _pool_why(probe: Probe) -> str:
    x, f, s = probe.args
    return f"{why_size(x.shape[0], f, 0, s)}, {why_size(x.shape[1], f, 0, s)}, and pooling keeps the {x.shape[2]} channels"


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
