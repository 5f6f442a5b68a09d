"""The lecture's given data: the 6x6 image, its flat twin and the four 3x3 edge filters."""

import numpy as np

__all__ = ["FILTERS", "FLAT_IMAGE", "HORIZONTAL", "IMAGE", "SCHARR", "SOBEL", "VERTICAL"]

IMAGE = np.array(
    [
        [3, 0, 1, 2, 7, 4],
        [1, 5, 8, 9, 3, 1],
        [2, 7, 2, 5, 1, 3],
        [0, 1, 3, 1, 7, 8],
        [4, 2, 1, 6, 2, 8],
        [2, 4, 5, 2, 3, 9],
    ]
)

# Also the Prewitt filter.
VERTICAL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
HORIZONTAL = np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
SOBEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
SCHARR = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]])

# Constant intensity: every edge filter sums to zero, so it answers 0 everywhere.
FLAT_IMAGE = np.full((6, 6), 10)

FILTERS: dict[str, np.ndarray] = {
    "vertical": VERTICAL,
    "horizontal": HORIZONTAL,
    "sobel": SOBEL,
    "scharr": SCHARR,
}
