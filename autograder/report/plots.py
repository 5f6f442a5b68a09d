"""Score distribution plots for the class report: PNG bytes from matplotlib's Agg canvas.

matplotlib is the `plots` extra: without it the report is written without plots and says how to get them."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from importlib.util import find_spec

import numpy as np

PLOTS_MISSING = (
    ""
    if find_spec("matplotlib")
    else (
        "Plots need matplotlib, which is not installed: pip install 'cnngrade[plots]' and run `cnngrade report` again."
    )
)

BAR = "#4C72B0"
MEAN = "#C44E52"


def bin_width(max_score: float) -> float:
    """Half points while a bar per half point stays readable; wider bins for long scales."""
    if max_score <= 15:
        return 0.5
    if max_score <= 40:
        return 1.0
    return float(math.ceil(max_score / 40))


def score_histogram(scores: Sequence[float], max_score: float, title: str) -> bytes:
    """A bar per score bin from 0 to max_score (full marks in a bin of its own), with the mean marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    width = bin_width(max_score)
    # One edge past max_score, so full marks never share a bin with the score just below.
    edges = np.arange(0.0, max_score + 2 * width, width)
    counts, _ = np.histogram(np.asarray(scores, dtype=float), bins=edges)
    # Figure + FigureCanvasAgg rather than pyplot: no global figure registry, no GUI backend lookup.
    figure = Figure(figsize=(5.6, 2.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # Each bar is centred on the lowest score of its bin: with half-point bins, on the score itself.
    axes.bar(edges[:-1], counts, width=width * 0.8, align="center", color=BAR)
    if len(scores):
        mean = float(np.mean(scores))
        axes.axvline(mean, color=MEAN, linestyle="--", linewidth=1.2, label=f"mean {mean:.2f}")
        axes.legend(loc="upper left", frameon=False, fontsize=8)
    axes.set_xlim(-width, edges[-2] + width)
    axes.set_ylim(0, max(1, int(counts.max(initial=0))) * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("score", fontsize=9)
    axes.set_ylabel("submissions", fontsize=9)
    # Titles are set as plain text: a `$` in a name must not switch matplotlib to mathtext.
    axes.set_title(title, fontsize=10, loc="left", usetex=False, parse_math=False)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    # No "Software" key: the PNG then depends only on the scores, so reruns give identical bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


__all__ = ["PLOTS_MISSING", "bin_width", "score_histogram"]
