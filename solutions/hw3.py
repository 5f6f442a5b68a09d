"""Homework 3: parameter counts and the LeNet table (shape, size, parameters per row)."""

import math
from dataclasses import dataclass

from solutions.hw2 import output_size

__all__ = [
    "LENET",
    "LENET_ROWS",
    "Architecture",
    "Conv",
    "Dense",
    "Input",
    "Layer",
    "Pool",
    "conv_params",
    "fc_params",
    "lecture_printed_params",
    "lenet_table",
    "walk",
]


@dataclass(frozen=True)
class Input:
    """The input volume (n_H, n_W, n_C)."""

    n_h: int
    n_w: int
    channels: int


@dataclass(frozen=True)
class Conv:
    """A convolutional layer of `filters` f x f filters, each with its own bias."""

    f: int
    s: int
    filters: int
    p: int = 0


@dataclass(frozen=True)
class Pool:
    """A max-pooling layer: no parameters."""

    f: int
    s: int


@dataclass(frozen=True)
class Dense:
    """A fully connected layer (FC or softmax) of `units` units, each with its own bias."""

    units: int


Layer = Input | Conv | Pool | Dense
Architecture = tuple[tuple[str, Layer], ...]


def conv_params(f: int, n_c_prev: int, n_filters: int) -> int:
    """Parameters of a conv layer: an f x f x n_c_prev filter plus one bias, per filter."""
    return (f * f * n_c_prev + 1) * n_filters


def fc_params(n_in: int, n_out: int) -> int:
    """Parameters of a fully connected layer: an n_in x n_out weight matrix plus one bias per unit."""
    return n_in * n_out + n_out


LENET: Architecture = (
    ("Input", Input(32, 32, 3)),
    ("CONV1", Conv(f=5, s=1, filters=8)),
    ("POOL1", Pool(f=2, s=2)),
    ("CONV2", Conv(f=5, s=1, filters=16)),
    ("POOL2", Pool(f=2, s=2)),
    ("FC3", Dense(120)),
    ("FC4", Dense(84)),
    ("Softmax", Dense(10)),
)
LENET_ROWS: tuple[str, ...] = tuple(name for name, _ in LENET)


def walk(architecture: Architecture) -> list[tuple[tuple[int, ...], int]]:
    """Each row's output shape and parameter count: (n_H, n_W, n_C) for volumes, (units,) for dense rows."""
    rows: list[tuple[tuple[int, ...], int]] = []
    shape: tuple[int, ...] = ()
    for name, layer in architecture:
        match layer:
            case Input(n_h, n_w, channels) if not shape:
                shape, params = (n_h, n_w, channels), 0
            case Conv(f, s, filters, p) if len(shape) == 3:
                n_h, n_w, n_c = shape
                shape = (output_size(n_h, f, p, s), output_size(n_w, f, p, s), filters)
                params = conv_params(f, n_c, filters)
            case Pool(f, s) if len(shape) == 3:
                n_h, n_w, n_c = shape
                shape, params = (output_size(n_h, f, 0, s), output_size(n_w, f, 0, s), n_c), 0
            case Dense(units) if shape:
                # A volume is flattened before the first dense layer.
                params = fc_params(math.prod(shape), units)
                shape = (units,)
            case _:
                raise ValueError(f"row {name!r}: {layer} cannot follow an output of shape {shape or 'nothing'}")
        rows.append((shape, params))
    return rows


def lenet_table() -> dict[str, tuple[tuple[int, ...], int, int]]:
    """The LeNet table {row: (shape, size, params)}; dense rows are (units, 1) columns, as in the lecture."""
    table: dict[str, tuple[tuple[int, ...], int, int]] = {}
    for name, (shape, params) in zip(LENET_ROWS, walk(LENET), strict=True):
        if len(shape) == 1:
            shape = (shape[0], 1)
        table[name] = (shape, math.prod(shape), params)
    return table


def lecture_printed_params() -> dict[str, int]:
    """The parameter column as the lecture prints it, two mistakes included, to recognise copied answers."""
    printed: dict[str, int] = {}
    n_in = 0
    for (name, layer), (shape, params) in zip(LENET, walk(LENET), strict=True):
        match layer:
            case Conv(f, _, filters, _):
                # Mistake 1: every filter counted as if its input had one channel.
                printed[name] = conv_params(f, 1, filters)
            case Dense(units):
                # Mistake 2: one bias for the whole layer instead of one per unit.
                printed[name] = n_in * units + 1
            case _:
                printed[name] = params
        n_in = math.prod(shape)
    return printed
