"""matplotlib when graded: a stand-in that accepts every plotting call and draws nothing.

Students plot their edge maps (`plt.imshow(vertical_edges)`), often in the cell that computes
them. A plot is never graded, but a refused or missing `import matplotlib.pyplot` would stop the
rest of that cell and cost the answers in it; the real library would cost half a second a
notebook and make the grade depend on whether it is installed. So a notebook that plots gets the
same grade whether or not matplotlib is installed where it is graded: every `matplotlib` module
is this stand-in. `plt.subplots` returns axes shaped as matplotlib's (so `fig, (a, b) =
plt.subplots(1, 2)` and `axes[0, 1]` work); anything else returns a `Drawing`, which takes any
call, attribute, index or `with`.
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


class Drawing:
    """What any plotting call returns when graded: it accepts everything and draws nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> Drawing:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and numpy probe dunders: answer as a plain object
        return self

    def __getitem__(self, key: Any) -> Drawing:
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

    def subplots(self, nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, **kwargs: Any) -> Any:
        return subplots(nrows, ncols, squeeze=squeeze)[1]


def subplots(nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, **kwargs: Any) -> tuple[Drawing, Any]:
    """(figure, axes) with matplotlib's shapes: one Axes, a 1-D or a 2-D array of them."""
    axes: Any = np.empty((int(nrows), int(ncols)), dtype=object)
    for index in np.ndindex(axes.shape):
        axes[index] = Drawing()
    if squeeze:
        axes = axes.item() if axes.size == 1 else axes.reshape(-1) if 1 in axes.shape else axes
    return Drawing(), axes


def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name, "A stand-in: plots are not drawn when a notebook is graded.")
    module.__path__ = []  # a package: every submodule is a stand-in too
    module.subplots = subplots  # type: ignore[attr-defined]
    drawing = Drawing()

    def anything(attribute: str) -> Any:
        # A submodule is not an attribute until imported: `from matplotlib import pyplot` then
        # imports the stand-in module (whose subplots returns a figure and axes), not a Drawing.
        if (attribute.startswith("__") and attribute.endswith("__")) or (name == PACKAGE and attribute in SUBMODULES):
            raise AttributeError(attribute)
        return drawing

    module.__getattr__ = anything  # type: ignore[method-assign]  # PEP 562
    return module


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves every `matplotlib` module, installed or not, as a stand-in."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == PACKAGE or fullname.startswith(PACKAGE + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    served = False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        self.served = True
        return _module(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install() -> Callable[[], None]:
    """Serve matplotlib as the stand-in from now on; returns what undoes it (for a run in-process)."""
    finder = StandIns()
    # A submodule is only ever imported after its package. Without the package there is nothing to
    # set aside, and walking sys.modules would touch (so copy, in a fresh fork) hundreds of pages.
    real = (
        {name: module for name, module in sys.modules.items() if name == PACKAGE or name.startswith(PACKAGE + ".")}
        if PACKAGE in sys.modules
        else {}
    )
    for name in real:
        del sys.modules[name]
    sys.meta_path.insert(0, finder)

    def uninstall() -> None:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        if PACKAGE in sys.modules or finder.served:
            for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
                del sys.modules[name]
        sys.modules.update(real)

    return uninstall


__all__ = ["Drawing", "StandIns", "install", "subplots"]
