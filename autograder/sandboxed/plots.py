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
Anything else returns a `Drawing`, which takes any call, attribute, index or `with`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

PACKAGE = "matplotlib"
#: Every top-level module matplotlib's distribution installs, and pandas' backend that draws with it.
SERVED = ("matplotlib", "mpl_toolkits", "pylab", "pandas.plotting._matplotlib")
PYPLOT_MODULES = frozenset({"matplotlib.pyplot", "matplotlib.pylab", "pylab"})
VERSION = "3.8.0"
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
        return iter(())

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


class Axes(Drawing):
    """One Axes: what its calls return in shape (lines, histogram counts, limits), none of it drawn."""

    def plot(self, *args: Any, **kwargs: Any) -> list[Drawing]:
        return [Drawing() for _ in range(_series(args))]

    def hist(
        self, x: Any = (), bins: Any = 10, range: Any = None, density: bool = False, weights: Any = None, **kwargs: Any
    ) -> Any:
        try:
            counts, edges = np.histogram(
                np.ravel(np.asarray(x, dtype=float)),
                bins=bins,
                range=range,
                density=density,
                weights=None if weights is None else np.ravel(weights),
            )
        except Exception:
            counts, edges = np.zeros(10), np.linspace(0.0, 1.0, 11)
        return counts.astype(float), edges, Drawing()

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

    def __init__(self, figsize: Any = None) -> None:
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

    def subplots(self, nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, **kwargs: Any) -> Any:
        axes = _grid(nrows, ncols)
        self.axes += list(axes.flat)
        if squeeze:
            return axes.item() if axes.size == 1 else axes.reshape(-1) if 1 in axes.shape else axes
        return axes

    def subplot_mosaic(self, mosaic: Any, *args: Any, empty_sentinel: Any = ".", **kwargs: Any) -> dict[Any, Axes]:
        return {label: self._added() for label in _mosaic_labels(mosaic, empty_sentinel)}


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
        known = {"__version__": VERSION, "rcParams": rc_params, "colormaps": Colormaps()}
    elif name == PACKAGE + ".cm":
        known = {"get_cmap": Colormaps().get_cmap, "ScalarMappable": drawing}
    elif name == PACKAGE + ".figure":
        known = {"Figure": Figure}
    module.__dict__.update(known)
    colormaps = name == PACKAGE + ".cm"

    def anything(attribute: str) -> Any:
        # A submodule is not an attribute until imported: `from matplotlib import pyplot` then
        # imports the stand-in module (whose subplots returns a figure and axes), not a Drawing.
        if (attribute.startswith("__") and attribute.endswith("__")) or (name == PACKAGE and attribute in SUBMODULES):
            raise AttributeError(attribute)
        return Colormap() if colormaps else drawing

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
