"""Turn a student's answer into plain data (numbers, strings, lists, dicts, numeric arrays).

Only known types pass: an ndarray subclass, an object with its own __eq__ or a generator is refused,
so nothing a student wrote can run inside a check. A subclass of list, tuple or dict (a namedtuple, an
OrderedDict, a defaultdict) is what it holds: read by the built-in type's own methods, never its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 8
# No question's answer comes near these; beyond them a value only costs the grader time and memory.
MAX_STRING = 10_000
MAX_INT = 2**64
PORTABLE_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"}
)
_WIDEST = {"b": "bool", "i": "int64", "u": "uint64", "f": "float64"}


class NotPlainData(ValueError):
    """An answer of a kind the checks cannot take; the message names the kind and, for a part of a
    list or dict, where that part is (`where`: "[0][1]", "['CONV1']")."""

    def __init__(self, what: str, where: str = ""):
        super().__init__(what if not where else f"a value whose item {where} is {what}")
        self.what, self.where = what, where

    def inside(self, step: str) -> NotPlainData:
        return NotPlainData(self.what, step + self.where)


def _step(key: Any) -> str:
    shown = repr(key)
    return f"[{shown if len(shown) <= 40 else shown[:37] + '...'}]"


def _items(pairs: Any, depth: int) -> list[tuple[Any, Any]]:
    """Each (step, item) as plain data; a part that is not plain data is refused with where it is."""
    plain = []
    for step, item in pairs:
        try:
            plain.append((step, to_plain(item, depth + 1)))
        except NotPlainData as refused:
            raise refused.inside(_step(step)) from None
    return plain


def type_name(kind: type) -> str:
    """A type's own name, read past whatever its metaclass says (a student's metaclass may compute or raise)."""
    name = type.__dict__["__name__"].__get__(kind)
    return name if type(name) is str else "?"


def _is_pandas(value: Any, kind: str) -> bool:
    cls = type(value)
    return cls.__name__ == kind and cls.__module__.split(".")[0] == "pandas"


def _is_counted(labels: Any) -> bool:
    """Labels 0, 1, 2, ... in order: what pandas gives rows or columns nobody named."""
    return all((type(label) is int or _is_numpy_integer(label)) and label == at for at, label in enumerate(labels))


def _is_numpy_integer(value: Any) -> bool:
    return isinstance(value, np.integer) and type(value).__module__ == "numpy"


def to_plain(value: Any, depth: int = 0) -> Any:
    """Return `value` as plain data, or raise NotPlainData saying what it is."""
    if depth > MAX_DEPTH:
        raise NotPlainData("nested too deeply")
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is int:
        if abs(value) >= MAX_INT:
            raise NotPlainData("an integer too large to grade (more than 64 bits)")
        return value
    if kind is str:
        if len(value) > MAX_STRING:
            raise NotPlainData(f"a string of {len(value)} characters (too long)")
        return value
    if kind is float:
        return value
    if kind is np.ndarray:
        return _plain_array(value, depth)
    if kind is np.matrix:  # numpy's own 2-D subclass (np.matrix(...), a.dot on one): its entries, as an array's
        return _plain_array(np.asarray(value), depth)
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return _plain_numpy_scalar(value)
    # type(), not isinstance(): an object's __class__ is whatever it says it is.
    if issubclass(kind, (list, tuple)):
        sequence: Any = list if issubclass(kind, list) else tuple
        if sequence.__len__(value) > MAX_ELEMENTS:
            raise NotPlainData("too long")
        return [item for _, item in _items(enumerate(sequence.__iter__(value)), depth)]
    if issubclass(kind, dict):
        pairs = list(dict.items(value))
        keys = [_plain_key(key) for key, _ in pairs]  # first: only a plain key is ever shown as where a part is
        return dict(zip(keys, (item for _, item in _items(pairs, depth))))
    if _is_pandas(value, "DataFrame"):
        if not value.index.is_unique:
            # pd.concat of one-row frames without ignore_index numbers every row 0: the rows are records,
            # named (if at all) by a column of their own, which tables.py reads.
            if not all(type(label) is int or _is_numpy_integer(label) for label in value.index):
                raise NotPlainData("a DataFrame with repeated row labels")
            return to_plain(value.to_dict(orient="records"), depth + 1)
        if _is_counted(value.columns) and _is_counted(value.index):
            # pd.DataFrame(grid): numbered rows and columns hold a grid, read as its rows, as the array it came from.
            return to_plain(value.values.tolist(), depth + 1)
        rows = [(row, dict(cells)) for row, cells in value.to_dict(orient="index").items()]
        labels = [_plain_key(row) for row, _ in rows]
        return dict(zip(labels, (item for _, item in _items(rows, depth))))
    if _is_pandas(value, "Series"):
        # Its entries only: a Series stands for a list (vgg16_shapes as df.set_index("layer")["shape"]) as often as
        # for a dict, and no answer reads its labels.
        return to_plain(value.to_list(), depth + 1)
    raise NotPlainData(f"an object of type {type_name(kind)}")


# The codec's tags: a student's dict may not carry them, so it can never pass for an array record.
ARRAY_TAG, ERROR_TAG = "__ndarray__", "__error__"
RESERVED_KEYS = frozenset({ARRAY_TAG, ERROR_TAG})


def _plain_key(key: Any) -> str:
    if type(key) is str:
        if len(key) > MAX_STRING:
            raise NotPlainData(f"a dict with a key of {len(key)} characters (too long)")
        if key in RESERVED_KEYS:
            raise NotPlainData(f"a dict with the reserved key {key!r}")
        return key
    if type(key) in (int, bool) and abs(key) >= MAX_INT:
        raise NotPlainData("a dict with an integer key too large to grade")
    if type(key) in (int, bool) or (isinstance(key, np.generic) and type(key).__module__ == "numpy"):
        return str(key)
    raise NotPlainData(f"a dict with a {type_name(type(key))} key")


def _plain_array(array: np.ndarray, depth: int) -> Any:
    if array.size > MAX_ELEMENTS:
        raise NotPlainData(f"an array of {array.size} elements (too large)")
    if array.dtype.kind == "O":
        # Usually a ragged list the student wrapped in np.array: keep it as lists.
        return to_plain(array.tolist(), depth + 1)
    if array.dtype.kind == "c":  # an FFT's output, say: the answer is its real part
        raise NotPlainData(f"an array of complex numbers ({array.dtype}): keep its real part, `.real`")
    if array.dtype.kind not in "biuf":
        raise NotPlainData(f"an array of dtype {array.dtype}")
    # Native byte order and a width JSON can carry: float128 becomes float64, '>f8' becomes '<f8'.
    name = array.dtype.name if array.dtype.name in PORTABLE_DTYPES else _WIDEST[array.dtype.kind]
    return np.array(array, dtype=name, copy=True)


def _plain_numpy_scalar(value: np.generic) -> Any:
    if value.dtype.kind in "biuf":
        return _plain_array(np.asarray(value), 0).item()
    if value.dtype.kind in "US":
        return str(value)
    raise NotPlainData(f"a numpy {value.dtype} value")
