"""matplotlib when graded: a stand-in that accepts every plotting call and draws nothing.

Students plot their edge maps (`plt.imshow(vertical_edges)`), often in the cell that computes
them. A plot is never graded, but a refused or missing `import matplotlib.pyplot` would stop the
rest of that cell and cost the answers in it; the real library would cost half a second a
notebook and make the grade depend on whether it is installed. So a notebook that plots gets the
same grade whether or not matplotlib is installed where it is graded: every module of matplotlib's
distribution (`matplotlib`, `mpl_toolkits`, `pylab`) and pandas' matplotlib backend (`df.plot`) is
this stand-in.

What a plotting call hands back is often taken apart (`fig, axd = plt.subplot_mosaic(...)`,
`line, = ax.plot(x)`, `n, bins, _ = plt.hist(x)`, `w, h = fig.get_size_inches()`), looped over
(`zip(fig.axes, grids)`, `plt.cm.viridis(np.linspace(0, 1, 4))`) or printed
(`matplotlib.__version__`): those calls return what matplotlib's do, in shape and kind (figures
keep their axes; a colormap gives one RGBA colour per value; rcParams holds matplotlib's defaults).
Anything else returns a `Drawing`, which takes any call, attribute, index or `with`, unpacks into
as many drawings as the statement asks for (read from the unpacking instruction), counts as zero
in arithmetic, formatting and `len`, and is an instance of the stand-in class a module names
(`isinstance(r, Rectangle)`). tests/plotting_snippets.py holds it to over 240 students' snippets.
"""

from __future__ import annotations

import builtins
import dis
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

PACKAGE = "matplotlib"
#: Every top-level module matplotlib's distribution installs, and pandas' backend that draws with it.
SERVED = ("matplotlib", "mpl_toolkits", "pylab", "cycler", "pandas.plotting._matplotlib")
PYPLOT_MODULES = frozenset({"matplotlib.pyplot", "matplotlib.pylab", "pylab"})
#: What `matplotlib.__version__` says where neither matplotlib nor pandas gives one (see matplotlib_version).
RECENT_VERSION = "3.10.5"
SUBMODULES = frozenset(
    {
        "animation",
        "axes",
        "backends",
        "cm",
        "collections",
        "colorbar",
        "colors",
        "dates",
        "figure",
        "font_manager",
        "gridspec",
        "image",
        "legend",
        "lines",
        "markers",
        "patches",
        "path",
        "pyplot",
        "style",
        "table",
        "text",
        "ticker",
        "transforms",
        "widgets",
    }
)
# matplotlib's own defaults for what a notebook reads back (the rest read as a Drawing).
_DEFAULTS = {
    "figure.figsize": [6.4, 4.8],
    "figure.dpi": 100.0,
    "savefig.dpi": "figure",
    "font.size": 10.0,
    "font.family": ["sans-serif"],
    "image.cmap": "viridis",
    "image.interpolation": "antialiased",
    "lines.linewidth": 1.5,
    "axes.grid": False,
    "axes.titlesize": "large",
    "axes.labelsize": "medium",
}
_COLORMAPS = (
    "viridis",
    "plasma",
    "inferno",
    "magma",
    "cividis",
    "gray",
    "Greys",
    "binary",
    "hot",
    "jet",
    "RdBu",
    "coolwarm",
    "bwr",
    "seismic",
    "Blues",
    "Reds",
)


class Drawing:
    """What any plotting call returns when graded: it accepts everything and draws nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and numpy probe dunders: answer as a plain object
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Any:
        # `a, b = drawing`: as many drawings as the statement unpacks; any other loop: none.
        frame = sys._getframe(1)
        op = _unpacking(frame.f_code, frame.f_lasti)
        return iter([Drawing() for _ in range(op)])

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return True

    def __format__(self, spec: str) -> str:
        # f"{ax}" is the repr, as for any object; a number's format (f"{im.norm.vmin:.2f}") formats a zero.
        if not spec:
            return repr(self)
        for value in (0, 0.0, ""):
            try:
                return format(value, spec)
            except (TypeError, ValueError):
                continue
        return ""

    def __float__(self) -> float:
        return 0.0

    def __int__(self) -> int:
        return 0

    __index__ = __int__

    def _same(self, *args: Any) -> Any:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _same
    __neg__ = __pos__ = __abs__ = __invert__ = _same
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _same

    def _false(self, other: Any) -> bool:
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _false
    __hash__ = object.__hash__
    __array_ufunc__ = None  # `array * drawing`: the drawing's own operators answer, not numpy's broadcasting

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return Drawing()  # np.dot(drawing, w), np.clip(drawing, 0, 1): a drawing, as its operators give

    def __next__(self) -> Any:
        return Drawing()

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __repr__(self) -> str:
        return "<matplotlib stand-in: plots are not drawn when a notebook is graded>"


class RcParams(dict[str, Any]):
    """matplotlib.rcParams: its defaults for the settings a notebook reads, any other read or written freely."""

    def __missing__(self, key: str) -> Any:
        return Drawing()


class Colormap(Drawing):
    """A colormap: one RGBA colour per value (a shade of grey here), as a tuple for a number, an array for arrays."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            return self
        values = args[0]
        try:
            levels = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
        except (TypeError, ValueError):
            return self
        rgba = np.stack([levels, levels, levels, np.ones_like(levels)], axis=-1)
        if kwargs.get("bytes") or (len(args) > 2 and args[2]):
            rgba = (rgba * 255).astype(np.uint8)
        return tuple(rgba.tolist()) if rgba.ndim == 1 else rgba

    N = 256
    name = "viridis"

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        if attribute == "colors":
            return [tuple(c) for c in self(np.linspace(0.0, 1.0, 10)).tolist()]
        if attribute in ("resampled", "reversed", "with_extremes", "copy"):
            return lambda *args, **kwargs: Colormap()
        return Drawing()


class Colormaps(Drawing):
    """`plt.cm`, `matplotlib.colormaps`: every colormap by name or index, and the list of their names."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Colormap()

    def __getitem__(self, key: Any) -> Any:
        return Colormap()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return list(_COLORMAPS)

    def __iter__(self) -> Any:
        return iter(_COLORMAPS)

    def get_cmap(self, *args: Any, **kwargs: Any) -> Colormap:
        return Colormap()


# Per code object that iterated a drawing: the offset of each instruction that unpacks, and into how many names.
_UNPACKS: dict[types.CodeType, dict[int, int]] = {}


def _unpacking(code: types.CodeType, offset: int) -> int:
    """How many values the instruction at `offset` of `code` unpacks (`a, b = ...`, `a, *rest, b = ...`), else 0."""
    table = _UNPACKS.get(code)
    if table is None:
        table = {}
        for instruction in dis.get_instructions(code):
            argument = instruction.arg or 0
            if instruction.opname == "UNPACK_SEQUENCE":
                table[instruction.offset] = argument
            elif instruction.opname == "UNPACK_EX":  # the names before the starred one, and after it
                table[instruction.offset] = (argument & 0xFF) + (argument >> 8)
                if sys.version_info < (3, 11):  # 3.10's frame still points at the instruction before it then
                    table.setdefault(instruction.offset - 2, table[instruction.offset])
        _UNPACKS[code] = table
    return table.get(offset, 0)


def _finite(values: Any) -> np.ndarray:
    flat = np.ravel(np.asarray(values, dtype=float))
    return flat[~np.isnan(flat)]


def _series(args: tuple[Any, ...]) -> int:
    """How many lines `plot(*args)` draws: one per column of each y, in matplotlib's groups of x, y and a format."""
    data = [arg for arg in args if not isinstance(arg, str)]
    groups = [data[index : index + 2] for index in range(0, len(data), 2)] or [[]]
    count = 0
    for group in groups:
        y: Any = group[-1] if group else None
        try:
            shape = np.shape(y)
        except Exception:
            shape = ()
        count += shape[1] if len(shape) == 2 else 1
    return max(count, 1)


class Bars(list[Drawing]):
    """What `bar` returns: one patch per bar, as matplotlib's BarContainer (`bars.patches`, `bars.datavalues`)."""

    def __init__(self, patches: list[Drawing], heights: Any) -> None:
        super().__init__(patches)
        self.patches = list(patches)
        self.datavalues = heights

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Drawing()


class Axes(Drawing):
    """One Axes: what its calls return in shape (lines, histogram counts, limits), none of it drawn; its lines and
    images are kept, as matplotlib's (`len(ax.lines)`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lines: list[Drawing] = []
        self.images: list[Drawing] = []

    def plot(self, *args: Any, **kwargs: Any) -> list[Drawing]:
        lines = [Drawing() for _ in range(_series(args))]
        self.lines += lines
        return lines

    def imshow(self, *args: Any, **kwargs: Any) -> Drawing:
        image = Drawing()
        self.images.append(image)
        return image

    def get_lines(self) -> list[Drawing]:
        return list(self.lines)

    def get_images(self) -> list[Drawing]:
        return list(self.images)

    def hist(
        self, x: Any = (), bins: Any = 10, range: Any = None, density: Any = False, weights: Any = None, **kwargs: Any
    ) -> Any:
        # Several datasets (a list of arrays, or a 2-D array's columns) give one count per dataset, as matplotlib's;
        # NaN is left out, as there.
        several = isinstance(x, (list, tuple)) and x and all(np.ndim(item) >= 1 for item in x)
        try:
            if several or np.ndim(x) == 2:
                columns = x if several else np.asarray(x, dtype=float).T
                datasets = [_finite(item) for item in columns]
                edges = np.histogram_bin_edges(np.concatenate(datasets), bins=bins, range=range)
                counts_each = [np.histogram(d, bins=edges, density=density)[0].astype(float) for d in datasets]
                return np.array(counts_each), edges, [Drawing() for _ in datasets]
            values = np.ravel(np.asarray(x, dtype=float))
            kept = ~np.isnan(values)
            counts, edges = np.histogram(
                values[kept],
                bins=bins,
                range=range,
                density=density,
                weights=None if weights is None else np.ravel(weights)[kept],
            )
        except Exception:
            counts, edges = np.zeros(10), np.linspace(0.0, 1.0, 11)
        return counts.astype(float), edges, Drawing()

    def bar(self, x: Any = (), height: Any = 1, *args: Any, **kwargs: Any) -> Bars:
        try:
            count = int(np.broadcast(np.asarray(x, dtype=object), np.asarray(height, dtype=object)).size)
        except Exception:
            count = 1
        return Bars([Drawing() for _ in range(count)], height)

    barh = bar

    def _limits(self, *args: Any, **kwargs: Any) -> tuple[float, float]:
        return 0.0, 1.0

    get_xlim = get_ylim = set_xlim = set_ylim = _limits

    def get_legend_handles_labels(self, *args: Any, **kwargs: Any) -> tuple[list[Any], list[str]]:
        return [], []


def _grid(nrows: Any, ncols: Any) -> np.ndarray:
    axes = np.empty((int(nrows), int(ncols)), dtype=object)
    for index in np.ndindex(axes.shape):
        axes[index] = Axes()
    return axes


def _mosaic_labels(mosaic: Any, empty: Any = ".") -> list[Any]:
    """The labels of a subplot mosaic (a list of rows, or a string "AB;CD" or lines), each once, in order."""
    if isinstance(mosaic, str):
        rows: list[Any] = [list(row.strip()) for row in mosaic.replace(";", "\n").splitlines() if row.strip()]
    else:
        rows = list(mosaic)
    labels: list[Any] = []
    for row in rows:
        for item in row if isinstance(row, (list, tuple, str)) else [row]:
            if isinstance(item, (list, tuple)):  # a nested mosaic: its own labels
                found = _mosaic_labels(item, empty)
            else:
                found = [item]
            labels += [label for label in found if label != empty and label not in labels]
    return labels


class Figure(Drawing):
    """A figure that keeps its axes, as matplotlib's does: `fig.axes` lists every one added."""

    dpi = 100.0

    def __init__(self, figsize: Any = None, *args: Any, **kwargs: Any) -> None:
        self.axes: list[Axes] = []
        try:
            size: Any = figsize if figsize is not None else _DEFAULTS["figure.figsize"]
            width, height = size
            self._size = np.array([float(width), float(height)])
        except (TypeError, ValueError):
            self._size = np.array(_DEFAULTS["figure.figsize"])

    def _added(self, *args: Any, **kwargs: Any) -> Axes:
        axes = Axes()
        self.axes.append(axes)
        return axes

    add_subplot = add_axes = _added

    def gca(self, *args: Any, **kwargs: Any) -> Axes:
        return self.axes[-1] if self.axes else self._added()

    def get_axes(self) -> list[Axes]:
        return list(self.axes)

    def get_size_inches(self) -> np.ndarray:
        return self._size.copy()

    def get_dpi(self) -> float:
        return self.dpi

    def get_figwidth(self) -> float:
        return float(self._size[0])

    def get_figheight(self) -> float:
        return float(self._size[1])

    @property
    def canvas(self) -> Any:
        return Canvas(self)

    def subplots(self, nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, **kwargs: Any) -> Any:
        axes = _grid(nrows, ncols)
        self.axes += list(axes.flat)
        if squeeze:
            return axes.item() if axes.size == 1 else axes.reshape(-1) if 1 in axes.shape else axes
        return axes

    def subplot_mosaic(self, mosaic: Any, *args: Any, empty_sentinel: Any = ".", **kwargs: Any) -> dict[Any, Axes]:
        return {label: self._added() for label in _mosaic_labels(mosaic, empty_sentinel)}


class Canvas(Drawing):
    """A figure's canvas: its pixels, blank, in the figure's size."""

    def __init__(self, figure: Any = None) -> None:
        self.figure = figure if isinstance(figure, Figure) else Figure()

    def get_width_height(self, *args: Any, **kwargs: Any) -> tuple[int, int]:
        width, height = self.figure._size * self.figure.dpi
        return int(width), int(height)

    def buffer_rgba(self, *args: Any, **kwargs: Any) -> np.ndarray:
        width, height = self.get_width_height()
        return np.zeros((height, width, 4), dtype=np.uint8)

    def tostring_argb(self, *args: Any, **kwargs: Any) -> bytes:
        return self.buffer_rgba().tobytes()

    tostring_rgb = tostring_argb

    @property
    def renderer(self) -> Any:
        return self


class Pyplot:
    """pyplot's calls whose results a notebook takes apart, with a current figure as pyplot keeps one."""

    def __init__(self) -> None:
        self.current: Figure | None = None

    def figure(self, *args: Any, figsize: Any = None, **kwargs: Any) -> Figure:
        self.current = Figure(figsize)
        return self.current

    def gcf(self) -> Figure:
        return self.current or self.figure()

    def gca(self, *args: Any, **kwargs: Any) -> Axes:
        return self.gcf().gca()

    def subplot(self, *args: Any, **kwargs: Any) -> Axes:
        return self.gcf()._added()

    axes = subplot

    def subplots(
        self, nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, figsize: Any = None, **kwargs: Any
    ) -> tuple[Figure, Any]:
        figure = self.figure(figsize=figsize)
        return figure, figure.subplots(nrows, ncols, squeeze=squeeze)

    def subplot_mosaic(
        self, mosaic: Any, *args: Any, figsize: Any = None, **kwargs: Any
    ) -> tuple[Figure, dict[Any, Axes]]:
        figure = self.figure(figsize=figsize)
        return figure, figure.subplot_mosaic(mosaic, *args, **kwargs)

    def plot(self, *args: Any, **kwargs: Any) -> list[Drawing]:
        return self.gca().plot(*args, **kwargs)

    def hist(self, *args: Any, **kwargs: Any) -> Any:
        return self.gca().hist(*args, **kwargs)

    def bar(self, *args: Any, **kwargs: Any) -> Any:
        return self.gca().bar(*args, **kwargs)

    barh = bar

    def xlim(self, *args: Any, **kwargs: Any) -> tuple[float, float]:
        return 0.0, 1.0

    ylim = xlim

    def get_cmap(self, *args: Any, **kwargs: Any) -> Colormap:
        return Colormap()

    def colormaps(self) -> list[str]:
        return list(_COLORMAPS)


# What `from matplotlib.pyplot import *` (and %pylab) binds: pyplot's everyday names.
_PYPLOT_ALL = [
    "axes",
    "axis",
    "bar",
    "barh",
    "cla",
    "clf",
    "close",
    "colorbar",
    "contour",
    "contourf",
    "figure",
    "gca",
    "gcf",
    "get_cmap",
    "grid",
    "hist",
    "imshow",
    "legend",
    "matshow",
    "pause",
    "pcolormesh",
    "pie",
    "plot",
    "savefig",
    "scatter",
    "show",
    "subplot",
    "subplot_mosaic",
    "subplots",
    "subplots_adjust",
    "suptitle",
    "text",
    "tight_layout",
    "title",
    "xlabel",
    "xlim",
    "xticks",
    "ylabel",
    "ylim",
    "yticks",
]


class _Class(type):
    """A matplotlib class when graded: instances are drawings, `isinstance` works, class attributes are drawings."""

    def __getattr__(cls, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return lambda *args, **kwargs: cls() if attribute.startswith("from_") else Drawing()


def _accept(self: Any, *args: Any, **kwargs: Any) -> None:
    pass


def matplotlib_version() -> str:
    """What `matplotlib.__version__` says: the installed matplotlib's, as in the student's Jupyter; else the least
    pandas accepts (its Styler and its plots check it); else a recent release."""
    from importlib import metadata

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        pass
    try:
        from pandas.compat._optional import VERSIONS

        return str(VERSIONS.get(PACKAGE, RECENT_VERSION))
    except ImportError:
        return RECENT_VERSION


def _module(name: str, pyplot: Pyplot, rc_params: RcParams) -> types.ModuleType:
    module = types.ModuleType(name, "A stand-in: plots are not drawn when a notebook is graded.")
    module.__path__ = []  # a package: every submodule is a stand-in too
    drawing = Drawing()
    known: dict[str, Any] = {}
    if name in PYPLOT_MODULES:
        known = {attribute: getattr(pyplot, attribute) for attribute in dir(Pyplot) if not attribute.startswith("_")}
        known.update(cm=Colormaps(), rcParams=rc_params)
        module.__all__ = list(_PYPLOT_ALL)  # type: ignore[attr-defined]
    elif name == PACKAGE:
        known = {"__version__": matplotlib_version(), "rcParams": rc_params, "colormaps": Colormaps()}
    elif name == PACKAGE + ".cm":
        known = {"get_cmap": Colormaps().get_cmap, "ScalarMappable": drawing}
    elif name == PACKAGE + ".figure":
        known = {"Figure": Figure}
    if name in ("pylab", "matplotlib.pylab"):  # pylab is numpy's names too, as matplotlib's is
        numpy_names = {n: getattr(np, n) for n in getattr(np, "__all__", []) if hasattr(np, n)}
        # As matplotlib's pylab: numpy's names, but Python's own of these (max(4, 1) stays 4).
        builtin = {n: getattr(builtins, n) for n in ("bytes", "abs", "bool", "max", "min", "pow", "round")}
        known = {**numpy_names, **builtin, **known, "np": np}
        module.__all__ = list(_PYPLOT_ALL) + [n for n in numpy_names if n not in _PYPLOT_ALL] + ["np"]  # type: ignore[attr-defined]
    elif name == PACKAGE + ".colors":
        known = {
            "TABLEAU_COLORS": {
                f"tab:{c}": "#000000"
                for c in ("blue", "orange", "green", "red", "purple", "brown", "pink", "gray", "olive", "cyan")
            },
            "BASE_COLORS": {c: (0.0, 0.0, 0.0) for c in "bgrcmykw"},
            "CSS4_COLORS": {
                c: "#000000"
                for c in (
                    "black",
                    "white",
                    "red",
                    "green",
                    "blue",
                    "gray",
                    "orange",
                    "purple",
                    "yellow",
                    "cyan",
                    "magenta",
                )
            },
        }
        known["XKCD_COLORS"] = {}
    elif name == PACKAGE + ".animation":

        class FuncAnimation(Drawing):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                pass

            def to_jshtml(self, *args: Any, **kwargs: Any) -> str:
                return "<div></div>"

            to_html5_video = to_jshtml

        known = {"FuncAnimation": FuncAnimation, "ArtistAnimation": FuncAnimation}
    elif name == PACKAGE + ".style":
        known = {
            "available": [
                "default",
                "classic",
                "ggplot",
                "bmh",
                "dark_background",
                "fivethirtyeight",
                "grayscale",
                "seaborn-v0_8",
            ],
            "library": {},
        }
    module.__dict__.update(known)
    colormaps = name == PACKAGE + ".cm"

    def anything(attribute: str) -> Any:
        # A submodule is not an attribute until imported: `from matplotlib import pyplot` then
        # imports the stand-in module (whose subplots returns a figure and axes), not a Drawing.
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        if (name == PACKAGE and attribute in SUBMODULES) or (name in PYPLOT_MODULES and attribute == PACKAGE):
            return importlib.import_module(PACKAGE if attribute == PACKAGE else name + "." + attribute)
        if attribute[:1].isupper() and any(c.islower() for c in attribute) and not colormaps:
            kind = classes.get(attribute)
            if kind is None:
                base = Colormap if attribute.endswith("Colormap") else Drawing
                kind = classes[attribute] = _Class(attribute, (base,), {"__init__": _accept})
            return kind
        return Colormap() if colormaps else drawing

    classes: dict[str, type] = {"Axes": Axes, "Figure": Figure} if name.startswith(PACKAGE + ".") else {}
    module.__getattr__ = anything  # type: ignore[method-assign]  # PEP 562
    return module


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves every module of matplotlib's, installed or not, as a stand-in; they share one pyplot state and one
    rcParams, as matplotlib's modules do."""

    def __init__(self) -> None:
        self.pyplot = Pyplot()
        self.rc_params = RcParams(_DEFAULTS)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if served(fullname):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    served = False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        self.served = True
        return _module(spec.name, self.pyplot, self.rc_params)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def served(name: str) -> bool:
    """Whether the module named `name` is a stand-in when graded."""
    return any(name == top or name.startswith(top + ".") for top in SERVED)


def install() -> Callable[[], None]:
    """Serve matplotlib as the stand-in from now on; returns what undoes it (for a run in-process)."""
    finder = StandIns()
    # A submodule is only ever imported after its package. Without any of them there is nothing to
    # set aside, and walking sys.modules would touch (so copy, in a fresh fork) hundreds of pages.
    real = {name: module for name, module in sys.modules.items() if served(name)} if _any_served() else {}
    for name in real:
        del sys.modules[name]
    sys.meta_path.insert(0, finder)

    def uninstall() -> None:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        if _any_served() or finder.served:
            for name in [name for name in sys.modules if served(name)]:
                del sys.modules[name]
        sys.modules.update(real)

    return uninstall


def _any_served() -> bool:
    return any(top in sys.modules for top in SERVED)


__all__ = ["Drawing", "StandIns", "install", "served"]
