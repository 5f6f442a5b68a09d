"""The names a notebook defines itself before any answer (the lecture's data).

They are never an answer, so a missing answer is never told to "rename" one of them: a student who
has not yet written `horizontal_edges` has not misspelt it as the given filter `horizontal`.
"""

from __future__ import annotations

GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "hw1": ("image", "vertical", "horizontal", "sobel", "scharr"),
    "hw2": (),
    "hw3": (),
    "hw4": (),
    "hw5": (),
}

NEVER_SUGGESTED = frozenset(name for names in GIVEN_NAMES.values() for name in names)
