"""Homework 4: why convolution needs few parameters, and the shapes of the lecture's VGG-16 table."""

from solutions.hw3 import Architecture, Conv, Dense, Input, Layer, Pool, conv_params, walk

__all__ = [
    "LECTURE_VGG_TABLE",
    "VGG16",
    "VGG16_ROWS",
    "conv_params_lenet_conv1",
    "fc_weights_hr",
    "fc_weights_lenet_conv1",
    "lecture_vgg_shapes",
    "params_10_filters_3x3x3",
    "pool_params",
    "vgg16_shapes",
]

params_10_filters_3x3x3 = conv_params(3, 3, 10)
# Weights only, as the question asks: one per (input pixel, hidden unit) pair.
fc_weights_hr = (1000 * 1000 * 3) * 1000
fc_weights_lenet_conv1 = (32 * 32 * 3) * (28 * 28 * 6)
conv_params_lenet_conv1 = conv_params(5, 3, 6)
pool_params = 0


def _vgg(convs_per_block: tuple[int, ...], dense: bool) -> Architecture:
    """3x3 same convs (p=1, s=1) in five blocks, each closed by a 2x2 max pool of stride 2; then, with `dense`,
    FC 4096, FC 4096 and the softmax."""
    rows: list[tuple[str, Layer]] = [("Input", Input(224, 224, 3))]
    for filters, convs in zip((64, 128, 256, 512, 512), convs_per_block):
        rows += [(f"CONV {filters}", Conv(f=3, s=1, filters=filters, p=1))] * convs
        rows.append(("POOL", Pool(f=2, s=2)))
    if dense:
        rows += [("FC 4096", Dense(4096)), ("FC 4096", Dense(4096)), ("Softmax 1000", Dense(1000))]
    return tuple(rows)


VGG16: Architecture = _vgg((2, 2, 3, 3, 3), dense=True)
VGG16_ROWS: tuple[str, ...] = tuple(name for name, _ in VGG16)
vgg16_shapes: list[tuple[int, ...]] = [shape for shape, _ in walk(VGG16)]
# The lecture's table titled VGG-16 (an erratum): VGG-19's convolution stack, four convolutions in each of
# blocks 3-5, and no FC rows. It has 22 rows too.
LECTURE_VGG_TABLE: Architecture = _vgg((2, 2, 4, 4, 4), dense=False)
lecture_vgg_shapes: list[tuple[int, ...]] = [shape for shape, _ in walk(LECTURE_VGG_TABLE)]
