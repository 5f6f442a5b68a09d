"""Plotting code as students write it in a CNN course's notebooks: grids of filters and feature maps, colorbars,
annotations, colormaps, figure sizes and pixels, animations, patches, ticks, pandas plots, pylab.

Each snippet runs after HEADER. Every one runs under the real matplotlib (Agg) except those in NEED_A_KERNEL, and
every one runs whole under the grading stand-in (autograder/sandboxed/plots.py) except those in REFUSED_WHEN_GRADED.
Gathered by an audit of the stand-in (tests/test_plotting_snippets.py holds both sides to it).
"""

HEADER = "import numpy as np\nimport matplotlib.pyplot as plt\nimage = [[1.0, 2.0], [3.0, 4.0]]\n"
#: Magics that pick a backend need a running kernel (or ipympl) under the real matplotlib.
NEED_A_KERNEL = frozenset({"percent_matplotlib_inline", "pylab_magic", "matplotlib_notebook_magic"})
#: None now: pandas' Styler imports jinja2 for itself, which the import rule lets it.
REFUSED_WHEN_GRADED: frozenset[str] = frozenset()

S: dict[str, str] = {}
S["subplots_grid_imshow_flat"] = """
filters = np.random.randn(8, 3, 3)
fig, axes = plt.subplots(2, 4, figsize=(8, 4))
for i, ax in enumerate(axes.flat):
    im = ax.imshow(filters[i], cmap="gray")
    ax.set_title(f"filter {i}")
    ax.axis("off")
fig.suptitle("Filters")
plt.tight_layout()
plt.show()
"""
S["subplots_ravel_zip_titles"] = """
maps = [np.random.rand(4, 4) for _ in range(3)]
titles = ["a", "b", "c"]
fig, axs = plt.subplots(1, 3)
for ax, m, t in zip(axs.ravel(), maps, titles):
    ax.imshow(m); ax.set_title(t)
plt.show()
"""
S["subplots_flatten_enumerate"] = """
fig, axes = plt.subplots(2, 2)
axes = axes.flatten()
for i, ax in enumerate(axes):
    ax.imshow(np.eye(3) * i)
print(len(axes))
"""
S["squeeze_false"] = """
fig, axes = plt.subplots(1, 1, squeeze=False)
axes[0, 0].imshow(image)
print(axes.shape)
"""
S["subplots_sharex_sharey"] = """
fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, sharey=True)
ax1.plot([1, 2, 3]); ax2.plot([3, 2, 1])
"""
S["colorbar_im"] = """
fig, ax = plt.subplots()
im = ax.imshow(image, cmap="viridis")
cbar = fig.colorbar(im, ax=ax)
cbar.set_label("intensity")
plt.colorbar(im)
"""
S["colorbar_ticks_arith"] = """
fig, ax = plt.subplots()
im = ax.imshow(image)
cb = fig.colorbar(im)
ticks = cb.get_ticks()
print(ticks.min(), len(ticks))
"""
S["ndenumerate_text"] = """
out = np.array(image)
fig, ax = plt.subplots()
ax.imshow(out, cmap="gray")
for (i, j), v in np.ndenumerate(out):
    ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="red")
plt.show()
"""
S["text_loop_shape"] = """
out = np.array(image)
plt.imshow(out)
for i in range(out.shape[0]):
    for j in range(out.shape[1]):
        plt.text(j, i, round(out[i, j], 1), ha="center")
"""
S["text_color_by_threshold_im_norm"] = """
out = np.array(image)
fig, ax = plt.subplots()
im = ax.imshow(out, cmap="Blues")
thresh = out.max() / 2
for (i, j), v in np.ndenumerate(out):
    ax.text(j, i, f"{v:.1f}", color=im.cmap(im.norm(v)) if v < thresh else "white")
"""
S["cm_call_linspace"] = """
colors = plt.cm.viridis(np.linspace(0, 1, 5))
for i, c in enumerate(colors):
    plt.plot([0, 1], [i, i], color=c)
"""
S["get_cmap_N"] = """
cmap = plt.get_cmap("tab10")
print(cmap.N)
colors = [cmap(i) for i in range(cmap.N)]
print(len(colors))
"""
S["matplotlib_colormaps_resampled"] = """
import matplotlib
cmap = matplotlib.colormaps["viridis"].resampled(8)
cols = cmap(np.arange(8))
print(cols.shape)
"""
S["cm_get_cmap_lut"] = """
import matplotlib.cm as cm
cmap = cm.get_cmap("jet", 10) if hasattr(cm, "get_cmap") else plt.get_cmap("jet", 10)
print(cmap(0.5))
"""
S["Normalize"] = """
from matplotlib.colors import Normalize
norm = Normalize(vmin=-1, vmax=1)
print(norm(0.5))
vals = norm(np.array([-1.0, 0.0, 1.0]))
print(vals * 2)
"""
S["Normalize_plus_cmap"] = """
import matplotlib.colors as mcolors
norm = mcolors.Normalize(vmin=0, vmax=4)
rgba = plt.cm.gray(norm(np.array(image)))
print(rgba.shape)
"""
S["ListedColormap"] = """
from matplotlib.colors import ListedColormap
cmap = ListedColormap(["white", "black"])
plt.imshow(np.array(image) > 2, cmap=cmap)
print(cmap.N)
"""
S["TwoSlopeNorm"] = """
from matplotlib.colors import TwoSlopeNorm
k = np.array([[-1, 0, 1]] * 3)
plt.imshow(k, cmap="RdBu", norm=TwoSlopeNorm(vcenter=0))
"""
S["to_rgba"] = """
import matplotlib.colors as mcolors
r, g, b, a = mcolors.to_rgba("red")
print(r + g)
h = mcolors.to_hex((1, 0, 0))
print(h.upper())
"""
S["rcparams_read_figsize"] = """
w, h = plt.rcParams["figure.figsize"]
plt.rcParams["figure.figsize"] = (w * 2, h)
plt.rcParams.update({"font.size": 12})
print(plt.rcParams["font.size"] + 1)
"""
S["rcparams_prop_cycle"] = """
colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
for i, c in enumerate(colors[:3]):
    plt.plot([i, i + 1], color=c)
"""
S["rc_context"] = """
import matplotlib as mpl
with mpl.rc_context({"font.size": 8}):
    plt.plot([1, 2])
mpl.rc("font", size=10)
mpl.rcParams["axes.grid"] = True
"""
S["style_use_context"] = """
plt.style.use("ggplot")
with plt.style.context("seaborn-v0_8"):
    plt.plot([1, 2, 3])
print(len(plt.style.available) > 0)
"""
S["canvas_buffer_rgba"] = """
fig, ax = plt.subplots(figsize=(2, 2))
ax.imshow(image)
fig.canvas.draw()
buf = np.asarray(fig.canvas.buffer_rgba())
print(buf.shape)
rgb = buf[..., :3]
"""
S["canvas_get_width_height"] = """
fig = plt.figure()
fig.canvas.draw()
w, h = fig.canvas.get_width_height()
arr = np.frombuffer(fig.canvas.buffer_rgba(), dtype=np.uint8).reshape(h, w, 4)
print(arr.shape)
"""
S["savefig_bytesio"] = """
import io
buf = io.BytesIO()
plt.plot([1, 2, 3])
plt.savefig(buf, format="png")
buf.seek(0)
data = buf.getvalue()
print(len(data))
"""
S["savefig_file"] = """
plt.plot([1, 2])
plt.savefig("plot.png", dpi=100, bbox_inches="tight")
"""
S["funcanimation"] = """
from matplotlib.animation import FuncAnimation
fig, ax = plt.subplots()
line, = ax.plot([], [])
def update(frame):
    line.set_data(range(frame), range(frame))
    return line,
anim = FuncAnimation(fig, update, frames=5, blit=True)
plt.close(fig)
"""
S["animation_to_jshtml"] = """
from matplotlib import animation
fig, ax = plt.subplots()
im = ax.imshow(np.zeros((3, 3)))
def f(i):
    im.set_data(np.random.rand(3, 3)); return [im]
ani = animation.FuncAnimation(fig, f, frames=3)
html = ani.to_jshtml()
print(len(html) > 0)
plt.close(fig)
"""
S["rectangle_patch"] = """
from matplotlib.patches import Rectangle
fig, ax = plt.subplots()
ax.imshow(np.random.rand(6, 6))
rect = Rectangle((-0.5, -0.5), 3, 3, linewidth=2, edgecolor="r", facecolor="none")
ax.add_patch(rect)
print(rect.get_width() * 2)
"""
S["patches_module_loop"] = """
import matplotlib.patches as patches
fig, ax = plt.subplots()
ax.imshow(np.zeros((5, 5)))
for i in range(3):
    p = ax.add_patch(patches.Rectangle((i - 0.5, -0.5), 3, 3, fill=False))
    p.set_edgecolor("red")
"""
S["circle_patch"] = """
from matplotlib.patches import Circle, FancyArrowPatch
fig, ax = plt.subplots()
ax.add_patch(Circle((0.5, 0.5), 0.1))
ax.add_artist(FancyArrowPatch((0, 0), (1, 1)))
"""
S["get_xticks_arith"] = """
fig, ax = plt.subplots()
ax.plot([0, 10])
ticks = ax.get_xticks()
ax.set_xticks(ticks[::2])
ax.set_xticklabels([f"{t:.0f}" for t in ticks[::2]])
"""
S["get_xticks_plus"] = """
fig, ax = plt.subplots()
ax.bar(range(3), [1, 2, 3])
ax.set_xticks(np.arange(3) + 0.5)
locs = ax.get_yticks()
print(locs / 2)
"""
S["xticks_return_unpack"] = """
plt.plot([1, 2, 3])
locs, labels = plt.xticks()
print(len(locs))
"""
S["tick_formatter"] = """
import matplotlib.ticker as mticker
fig, ax = plt.subplots()
ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, pos: f"{x:.1f}"))
"""
S["strmethodformatter"] = """
from matplotlib.ticker import StrMethodFormatter, MultipleLocator
ax = plt.gca()
ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
ax.xaxis.set_major_locator(MultipleLocator(1))
"""
S["get_position"] = """
fig, ax = plt.subplots()
pos = ax.get_position()
cax = fig.add_axes([pos.x1 + 0.01, pos.y0, 0.02, pos.height])
"""
S["get_position_bounds"] = """
fig, ax = plt.subplots()
x0, y0, w, h = ax.get_position().bounds
print(x0 + w)
"""
S["figwidth"] = """
fig = plt.figure(figsize=(8, 3))
print(fig.get_figwidth() / fig.get_figheight())
fig.set_size_inches(fig.get_figwidth() * 2, 3)
"""
S["bar_label"] = """
fig, ax = plt.subplots()
bars = ax.bar(["cat", "dog"], [0.8, 0.2])
ax.bar_label(bars, fmt="%.2f")
for b in bars:
    print(b.get_height())
"""
S["bar_patches_loop_text"] = """
fig, ax = plt.subplots()
bars = ax.bar(range(3), [3, 1, 2])
for rect in bars:
    height = rect.get_height()
    ax.text(rect.get_x() + rect.get_width() / 2.0, height, f"{height:.0f}", ha="center")
"""
S["barh_ax_patches"] = """
fig, ax = plt.subplots()
ax.barh(["a", "b"], [1, 2])
for p in ax.patches:
    ax.annotate(f"{p.get_width():.1f}", (p.get_width(), p.get_y() + p.get_height() / 2))
"""
S["bar_index_first"] = """
bars = plt.bar([0, 1, 2], [1, 2, 3])
bars[0].set_color("red")
print(len(bars))
"""
S["errorbar"] = """
x = np.arange(5)
cont = plt.errorbar(x, x ** 2, yerr=0.5, fmt="o-", capsize=3)
line, caps, bars = cont
"""
S["scatter_colorbar"] = """
x = np.random.rand(20); y = np.random.rand(20)
sc = plt.scatter(x, y, c=y, cmap="coolwarm")
plt.colorbar(sc, label="y")
"""
S["scatter_legend_elements"] = """
x = np.random.rand(20); y = np.random.rand(20); lab = np.arange(20) % 3
sc = plt.scatter(x, y, c=lab)
handles, labels = sc.legend_elements()
plt.legend(handles, labels, title="class")
"""
S["contour_clabel"] = """
X, Y = np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20))
Z = X ** 2 + Y ** 2
cs = plt.contour(X, Y, Z, levels=5)
plt.clabel(cs, inline=True, fontsize=8)
cf = plt.contourf(X, Y, Z)
plt.colorbar(cf)
"""
S["contour_levels_arith"] = """
X, Y = np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20))
cs = plt.contour(X, Y, X * Y)
print(cs.levels.min(), len(cs.levels))
"""
S["pandas_df_plot_ax"] = """
import pandas as pd
df = pd.DataFrame({"loss": [1.0, 0.5, 0.3], "acc": [0.5, 0.7, 0.9]})
ax = df.plot(figsize=(5, 3), title="training")
ax.set_ylabel("value"); ax.set_xlabel("epoch")
ax.grid(True)
plt.show()
"""
S["pandas_df_plot_subplots"] = """
import pandas as pd
df = pd.DataFrame({"loss": [1.0, 0.5, 0.3], "acc": [0.5, 0.7, 0.9]})
axes = df.plot(subplots=True, layout=(1, 2), figsize=(6, 2))
for ax in axes.flat:
    ax.set_xlabel("epoch")
"""
S["pandas_series_hist_bar"] = """
import pandas as pd
s = pd.Series([1, 2, 2, 3, 3, 3])
ax = s.value_counts().sort_index().plot(kind="bar")
ax.set_title("counts")
s.hist(bins=3)
"""
S["pandas_df_plot_ax_kw"] = """
import pandas as pd
fig, ax = plt.subplots()
df = pd.DataFrame({"train": [1.0, 0.5], "val": [1.1, 0.7]})
df.plot(ax=ax)
df.plot.line(y="val", ax=ax, style="--")
ax.legend(["train", "val"])
"""
S["pandas_boxplot"] = """
import pandas as pd
df = pd.DataFrame(np.random.rand(10, 3), columns=list("abc"))
ax = df.boxplot()
ax.set_ylim(0, 1)
"""
S["heatmap_confusion"] = """
cm_ = np.array([[5, 1], [2, 7]])
fig, ax = plt.subplots()
im = ax.imshow(cm_, interpolation="nearest", cmap=plt.cm.Blues)
ax.figure.colorbar(im, ax=ax)
ax.set(xticks=np.arange(cm_.shape[1]), yticks=np.arange(cm_.shape[0]), xticklabels=["a", "b"], yticklabels=["a", "b"], title="CM", ylabel="True", xlabel="Pred")
plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
thresh = cm_.max() / 2.
for i in range(cm_.shape[0]):
    for j in range(cm_.shape[1]):
        ax.text(j, i, format(cm_[i, j], "d"), ha="center", color="white" if cm_[i, j] > thresh else "black")
fig.tight_layout()
"""
S["ioff_context"] = """
with plt.ioff():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
plt.close(fig)
"""
S["close_all_clf"] = """
plt.plot([1]); plt.clf(); plt.cla(); plt.close("all")
plt.close()
"""
S["ipython_display_fig"] = """
from IPython.display import display
fig, ax = plt.subplots()
ax.imshow(image)
display(fig)
plt.close(fig)
"""
S["ipython_display_image_bytes"] = """
import io
from IPython.display import Image, display
fig = plt.figure(); plt.plot([1, 2])
buf = io.BytesIO(); fig.savefig(buf, format="png"); plt.close(fig)
display(Image(data=buf.getvalue()))
"""
S["twinx_legend_combo"] = """
fig, ax1 = plt.subplots()
l1, = ax1.plot([1, 2, 3], label="loss", color="r")
ax2 = ax1.twinx()
l2, = ax2.plot([0.3, 0.5, 0.9], label="acc", color="b")
lines = [l1, l2]
ax1.legend(lines, [l.get_label() for l in lines], loc="center right")
"""
S["twinx_handles_labels_concat"] = """
fig, ax1 = plt.subplots()
ax1.plot([1, 2, 3], label="loss")
ax2 = ax1.twinx()
ax2.plot([0.3, 0.5, 0.9], label="acc")
h1, lab1 = ax1.get_legend_handles_labels()
h2, lab2 = ax2.get_legend_handles_labels()
ax1.legend(h1 + h2, lab1 + lab2)
"""
S["legend_get_texts"] = """
plt.plot([1, 2], label="a")
leg = plt.legend()
for t in leg.get_texts():
    t.set_fontsize(8)
for h in leg.legend_handles:
    h.set_alpha(1)
"""
S["gridspec"] = """
import matplotlib.gridspec as gridspec
fig = plt.figure(figsize=(6, 4))
gs = gridspec.GridSpec(2, 3, figure=fig)
ax_big = fig.add_subplot(gs[0, :])
ax_small = [fig.add_subplot(gs[1, i]) for i in range(3)]
ax_big.imshow(image)
"""
S["fig_add_gridspec"] = """
fig = plt.figure()
gs = fig.add_gridspec(2, 2, hspace=0.3)
axs = gs.subplots(sharex=True)
for ax in axs.flat:
    ax.plot([1, 2])
"""
S["subplot2grid"] = """
ax1 = plt.subplot2grid((3, 3), (0, 0), colspan=3)
ax2 = plt.subplot2grid((3, 3), (1, 0), rowspan=2)
ax1.plot([1, 2]); ax2.imshow(image)
"""
S["subplot_index_loop"] = """
feature_maps = np.random.rand(6, 4, 4)
plt.figure(figsize=(10, 2))
for i in range(feature_maps.shape[0]):
    plt.subplot(1, 6, i + 1)
    plt.imshow(feature_maps[i], cmap="gray")
    plt.axis("off")
    plt.title(str(i))
plt.suptitle("feature maps")
plt.show()
"""
S["ceil_grid_delete_extra"] = """
n = 5
cols = 3
rows = int(np.ceil(n / cols))
fig, axes = plt.subplots(rows, cols, figsize=(cols * 2, rows * 2))
for i in range(rows * cols):
    ax = axes[i // cols, i % cols]
    if i < n:
        ax.imshow(np.random.rand(3, 3))
    else:
        fig.delaxes(ax)
"""
S["axes_remove_extra_flat"] = """
fig, axes = plt.subplots(2, 3)
for ax in axes.flat[5:]:
    ax.remove()
for ax in axes.flat[5:]:
    ax.set_visible(False)
"""
S["imshow_get_array_clim"] = """
im = plt.imshow(np.array(image))
vmin, vmax = im.get_clim()
print(vmax - vmin)
arr = im.get_array()
print(arr.shape)
"""
S["imshow_extent"] = """
plt.imshow(np.array(image), extent=[0, 2, 0, 2], origin="lower", vmin=0, vmax=4, interpolation="nearest", aspect="auto")
"""
S["matshow_pylab_star"] = """
from pylab import *
matshow(np.array(image))
colorbar()
show()
"""
S["plt_hist_return"] = """
n, bins, patches = plt.hist(np.random.randn(100), bins=20, alpha=0.5)
centers = (bins[:-1] + bins[1:]) / 2
for c, p in zip(n, patches):
    p.set_facecolor(plt.cm.viridis(c / n.max()))
"""
S["ax_hist_patches_zip"] = """
fig, ax = plt.subplots()
n, bins, patches = ax.hist(np.random.rand(50), bins=5)
for count, patch in zip(n, patches):
    patch.set_alpha(0.5)
print(len(patches))
"""
S["plot_multi_lines_set"] = """
lines = plt.plot(np.random.rand(5, 3))
for l, name in zip(lines, ["a", "b", "c"]):
    l.set_label(name)
plt.legend()
print(lines[0].get_color())
"""
S["line_get_data_arith"] = """
line, = plt.plot([1, 2, 3], [4, 5, 6])
x, y = line.get_data()
print(np.mean(y))
xd = line.get_xdata()
print(xd[0] + 1)
"""
S["ax_set_multiple_kw"] = """
fig, ax = plt.subplots()
ax.set(xlim=(0, 10), ylim=(0, 1), xlabel="epoch", ylabel="loss", title="loss")
ax.spines["top"].set_visible(False)
ax.spines[["right", "top"]].set_visible(False)
ax.tick_params(axis="x", labelrotation=45)
"""
S["xlim_arith"] = """
fig, ax = plt.subplots()
ax.plot([0, 10], [0, 100])
lo, hi = ax.get_ylim()
ax.set_ylim(lo, hi * 1.1)
ax.text(0, hi * 0.9, "peak")
xmin, xmax = plt.xlim()
plt.xlim(xmin - 1, xmax + 1)
"""
S["annotate_arrow"] = """
fig, ax = plt.subplots()
ax.plot([1, 3, 2])
ann = ax.annotate("max", xy=(1, 3), xytext=(1.5, 3.5), arrowprops=dict(arrowstyle="->"))
ann.set_fontsize(10)
"""
S["axhline_axvline_fill"] = """
plt.plot([1, 2, 3])
plt.axhline(0.5, color="k", linestyle="--")
plt.axvline(1)
plt.fill_between([0, 1, 2], [0, 1, 2], [1, 2, 3], alpha=0.2)
plt.axvspan(0, 1, alpha=0.1)
"""
S["semilogy_loss"] = """
hist = {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.4]}
plt.semilogy(hist["loss"], label="train")
plt.semilogy(hist["val_loss"], label="val")
plt.yscale("log"); plt.legend(loc="best"); plt.grid(True, which="both")
"""
S["figure_number_and_fignum_exists"] = """
fig = plt.figure(num=3)
print(fig.number)
print(plt.fignum_exists(3))
print(plt.get_fignums())
"""
S["get_fignums_len"] = """
plt.figure(); plt.figure()
print(len(plt.get_fignums()))
for n in plt.get_fignums():
    plt.close(n)
"""
S["fig_dpi_times_size"] = """
fig = plt.figure(figsize=(4, 3), dpi=80)
w, h = fig.get_size_inches() * fig.dpi
print(int(w), int(h))
"""
S["mpl_toolkits_axes_grid"] = """
from mpl_toolkits.axes_grid1 import make_axes_locatable
fig, ax = plt.subplots()
im = ax.imshow(image)
divider = make_axes_locatable(ax)
cax = divider.append_axes("right", size="5%", pad=0.05)
plt.colorbar(im, cax=cax)
"""
S["imagegrid"] = """
from mpl_toolkits.axes_grid1 import ImageGrid
fig = plt.figure(figsize=(4, 4))
grid = ImageGrid(fig, 111, nrows_ncols=(2, 2), axes_pad=0.1)
for ax, im in zip(grid, [np.random.rand(3, 3)] * 4):
    ax.imshow(im)
"""
S["mplot3d_surface"] = """
from mpl_toolkits.mplot3d import Axes3D
fig = plt.figure()
ax = fig.add_subplot(111, projection="3d")
X, Y = np.meshgrid(np.arange(3), np.arange(3))
ax.plot_surface(X, Y, X * Y, cmap="viridis")
ax.view_init(30, 45)
"""
S["mpl_version_compare"] = """
import matplotlib
major, minor = map(int, matplotlib.__version__.split(".")[:2])
print(major >= 3)
"""
S["matplotlib_use_inline"] = """
import matplotlib
matplotlib.use("Agg")
print(matplotlib.get_backend())
"""
S["percent_matplotlib_inline"] = """
%matplotlib inline
plt.plot([1, 2])
"""
S["config_inline_backend"] = """
%config InlineBackend.figure_format = 'retina'
plt.plot([1])
"""
S["text_transform_axes"] = """
fig, ax = plt.subplots()
ax.text(0.05, 0.95, "acc=0.9", transform=ax.transAxes, fontsize=9, va="top", bbox=dict(boxstyle="round", facecolor="wheat"))
"""
S["fig_text_and_legend_fig"] = """
fig, axs = plt.subplots(1, 2)
fig.text(0.5, 0.02, "epoch", ha="center")
fig.legend(["a"], loc="upper right")
fig.subplots_adjust(wspace=0.3, top=0.85)
fig.supxlabel("x"); fig.supylabel("y")
"""
S["tight_bbox_renderer"] = """
fig, ax = plt.subplots()
t = ax.text(0.5, 0.5, "hello")
fig.canvas.draw()
bb = t.get_window_extent()
print(bb.width > 0)
"""
S["imshow_uint8_conv_output"] = """
x = np.random.rand(8, 8)
k = np.array([[1, 0, -1]] * 3)
out = np.zeros((6, 6))
for i in range(6):
    for j in range(6):
        out[i, j] = (x[i:i+3, j:j+3] * k).sum()
fig, (a, b, c) = plt.subplots(1, 3, figsize=(9, 3))
for axis, arr, name in [(a, x, "input"), (b, k, "kernel"), (c, out, "output")]:
    axis.imshow(arr, cmap="gray"); axis.set_title(name); axis.set_xticks([]); axis.set_yticks([])
"""
S["cmap_with_extremes_set_bad"] = """
import copy
cmap = copy.copy(plt.get_cmap("viridis"))
cmap.set_bad("red")
plt.imshow(np.ma.masked_less(np.array(image), 2), cmap=cmap)
"""
S["cmap_reversed_name"] = """
cmap = plt.get_cmap("viridis")
print(cmap.name)
r = cmap.reversed()
print(r.name.endswith("_r"))
"""
S["colormaps_list_in"] = """
import matplotlib
print("viridis" in matplotlib.colormaps)
print(len(list(matplotlib.colormaps)) > 10)
print(sorted(plt.colormaps())[:3])
"""
S["mcolors_dicts"] = """
import matplotlib.colors as mcolors
names = list(mcolors.TABLEAU_COLORS)
print(names[0])
print(len(mcolors.CSS4_COLORS) > 10)
"""
S["color_cycle_next"] = """
fig, ax = plt.subplots()
c = next(ax._get_lines.prop_cycler)["color"] if hasattr(ax._get_lines, "prop_cycler") else "C0"
print(c)
"""
S["prop_cycle_zip"] = """
for col, k in zip(plt.rcParams["axes.prop_cycle"], range(3)):
    plt.plot([k], color=col["color"])
"""
S["stem_and_step"] = """
markerline, stemlines, baseline = plt.stem([1, 2, 3])
plt.setp(markerline, markersize=4)
plt.step([1, 2, 3], [1, 2, 1])
"""
S["pie_return"] = """
wedges, texts, autotexts = plt.pie([1, 2, 3], autopct="%1.1f%%")
for t in autotexts:
    t.set_color("white")
"""
S["boxplot_dict"] = """
bp = plt.boxplot([np.random.rand(10), np.random.rand(10)], patch_artist=True)
for box in bp["boxes"]:
    box.set_facecolor("lightblue")
"""
S["violin_bodies"] = """
parts = plt.violinplot([np.random.rand(10)])
for pc in parts["bodies"]:
    pc.set_alpha(0.5)
"""
S["hist2d_return"] = """
h, xe, ye, img = plt.hist2d(np.random.rand(50), np.random.rand(50), bins=5)
plt.colorbar(img)
print(h.sum())
"""
S["pcolormesh_colorbar"] = """
qm = plt.pcolormesh(np.random.rand(4, 4), cmap="magma")
cb = plt.colorbar(qm)
cb.ax.set_ylabel("v")
"""
S["axes_flat_indexing"] = """
fig, axes = plt.subplots(3, 3)
axes.flat[0].imshow(image)
axes[-1, -1].axis("off")
print(axes.size, axes.ndim)
"""
S["subplots_1_n_index"] = """
fig, axes = plt.subplots(1, 4)
for i in range(len(axes)):
    axes[i].imshow(np.random.rand(2, 2))
"""
S["subplots_kw_gridspec_kw"] = """
fig, axes = plt.subplots(2, 2, subplot_kw={"xticks": [], "yticks": []}, gridspec_kw={"hspace": 0.3, "wspace": 0.1})
for ax in axes.flat:
    ax.imshow(image)
"""
S["subplots_nrows_kwargs"] = """
fig, axes = plt.subplots(nrows=2, ncols=3, figsize=(6, 4))
for ax in axes.ravel():
    ax.imshow(image)
print(axes.shape)
"""
S["subplots_positional_figsize"] = """
fig, ax = plt.subplots(figsize=(3, 3), dpi=100, constrained_layout=True)
ax.imshow(image)
"""
S["fig_axes_loop_after"] = """
fig, axes = plt.subplots(2, 2)
for ax in fig.axes:
    ax.set_xticks([])
print(len(fig.get_axes()))
"""
S["fig_savefig_then_close"] = """
fig, ax = plt.subplots()
fig.savefig("out.png")
plt.close(fig)
"""
S["plt_show_block_false_pause"] = """
plt.plot([1, 2]); plt.show(block=False); plt.pause(0.001)
plt.draw()
"""
S["clear_output_live_plot"] = """
from IPython.display import clear_output
losses = []
for epoch in range(3):
    losses.append(1 / (epoch + 1))
    clear_output(wait=True)
    plt.figure(figsize=(4, 2))
    plt.plot(losses)
    plt.show()
print(losses[-1])
"""
S["axes_get_title_label"] = """
fig, ax = plt.subplots()
ax.set_title("abc")
print(ax.get_title().upper())
print(ax.get_xlabel() == "")
"""
S["lines_get_lines"] = """
fig, ax = plt.subplots()
ax.plot([1, 2]); ax.plot([2, 1])
print(len(ax.get_lines()))
for l in ax.lines:
    l.set_linewidth(2)
"""
S["images_list"] = """
fig, ax = plt.subplots()
ax.imshow(image)
print(len(ax.images))
ax.images[0].set_cmap("gray")
"""
S["tick_labels_text"] = """
fig, ax = plt.subplots()
ax.set_xticks([0, 1]); ax.set_xticklabels(["a", "b"])
labels = [t.get_text() for t in ax.get_xticklabels()]
print(labels)
"""
S["figure_get_size_tuple"] = """
fig = plt.gcf()
w, h = fig.get_size_inches()
fig.set_size_inches(w * 2, h * 2)
print(f"{w:.1f}x{h:.1f}")
"""
S["format_fig_dpi"] = """
fig = plt.figure()
print(f"dpi={fig.dpi:.0f}")
print(f"{plt.rcParams['figure.dpi']:.0f}")
"""
S["axis_return_limits"] = """
plt.plot([1, 2])
x0, x1, y0, y1 = plt.axis()
print(x1 - x0)
"""
S["ax_axis_off_returns"] = """
fig, ax = plt.subplots()
lims = ax.axis("off")
print(len(lims))
"""
S["colorbar_fraction_pad_ticks_format"] = """
im = plt.imshow(np.array(image))
cb = plt.colorbar(im, fraction=0.046, pad=0.04)
cb.set_ticks([1, 2, 3, 4])
cb.ax.tick_params(labelsize=8)
cb.outline.set_visible(False)
"""
S["legend_bbox_to_anchor_ncol"] = """
for i in range(3):
    plt.plot(np.arange(3) * i, label=f"k={i}")
plt.legend(bbox_to_anchor=(1.05, 1), loc="upper left", ncol=2, frameon=False)
"""
S["table"] = """
fig, ax = plt.subplots()
ax.axis("off")
tab = ax.table(cellText=[["1", "2"]], colLabels=["a", "b"], loc="center")
tab.auto_set_font_size(False); tab.set_fontsize(8); tab.scale(1, 2)
"""
S["widgets_slider"] = """
from matplotlib.widgets import Slider
fig, ax = plt.subplots()
s = Slider(fig.add_axes([0.2, 0.02, 0.6, 0.03]), "k", 0, 10, valinit=3)
print(s.val * 2)
"""
S["dates_formatter"] = """
import matplotlib.dates as mdates
fig, ax = plt.subplots()
ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
"""
S["patheffects"] = """
import matplotlib.patheffects as pe
plt.text(0.5, 0.5, "x", path_effects=[pe.withStroke(linewidth=3, foreground="w")])
"""
S["lines_Line2D_legend_custom"] = """
from matplotlib.lines import Line2D
handles = [Line2D([0], [0], color=c, lw=2) for c in ["r", "b"]]
plt.legend(handles, ["x", "y"])
"""
S["patch_legend"] = """
import matplotlib.patches as mpatches
h = [mpatches.Patch(color=plt.cm.tab10(i), label=str(i)) for i in range(3)]
plt.legend(handles=h)
"""
S["image_imread_imsave"] = """
import matplotlib.image as mpimg
plt.imsave("img.png", np.random.rand(4, 4), cmap="gray")
img = mpimg.imread("img.png")
print(img.shape)
gray = img[..., 0]
"""
S["image_imread_mean"] = """
img = plt.imread("img2.png") if False else np.random.rand(4, 4, 3)
plt.imsave("img2.png", img)
x = plt.imread("img2.png")
print(x.mean() >= 0, x.dtype)
"""
S["mcolors_rgb_to_hsv"] = """
import matplotlib.colors as mcolors
hsv = mcolors.rgb_to_hsv(np.random.rand(4, 4, 3))
print(hsv.shape)
"""
S["cmap_call_bytes"] = """
cmap = plt.get_cmap("gray")
rgb = cmap(np.array(image) / 4.0)[..., :3]
print((rgb * 255).astype(np.uint8).shape)
"""
S["Normalize_inverse_autoscale"] = """
from matplotlib import colors
n = colors.Normalize()
n.autoscale(np.array(image))
print(n.vmin, n.vmax)
print(float(n(2.5)))
"""
S["LogNorm"] = """
from matplotlib.colors import LogNorm
plt.imshow(np.array(image), norm=LogNorm(vmin=1, vmax=4))
"""
S["BoundaryNorm"] = """
from matplotlib.colors import BoundaryNorm, ListedColormap
cmap = ListedColormap(["r", "g", "b"])
norm = BoundaryNorm([0, 1, 2, 3], cmap.N)
plt.imshow(np.array(image) - 1, cmap=cmap, norm=norm)
"""
S["LinearSegmented"] = """
from matplotlib.colors import LinearSegmentedColormap
cm2 = LinearSegmentedColormap.from_list("bw", ["black", "white"], N=256)
print(cm2(0.5)[:3])
"""
S["ScalarMappable_colorbar"] = """
import matplotlib.cm as cm
import matplotlib as mpl
sm = cm.ScalarMappable(cmap="viridis", norm=mpl.colors.Normalize(0, 1))
sm.set_array([])
fig, ax = plt.subplots()
fig.colorbar(sm, ax=ax)
"""
S["mpl_colors_attr_access"] = """
import matplotlib as mpl
norm = mpl.colors.Normalize(vmin=0, vmax=10)
c = mpl.cm.viridis(norm(5))
print(len(c))
"""
S["fig_canvas_tostring_rgb_alt"] = """
fig, ax = plt.subplots(figsize=(1, 1), dpi=10)
fig.canvas.draw()
img = np.array(fig.canvas.renderer.buffer_rgba())
print(img.shape[-1])
"""
S["axes_in_dict_mosaic"] = """
fig, axd = plt.subplot_mosaic([["img", "hist"], ["img", "kern"]], figsize=(5, 3))
axd["img"].imshow(image)
for k, ax in axd.items():
    ax.set_title(k)
"""
S["axes_get_subplotspec"] = """
fig, axes = plt.subplots(2, 2)
for ax in axes.flat:
    ss = ax.get_subplotspec()
    if ss.is_last_row():
        ax.set_xlabel("x")
"""
S["label_outer"] = """
fig, axes = plt.subplots(2, 2, sharex="col", sharey="row")
for ax in axes.flat:
    ax.label_outer()
"""
S["matplotlib_pyplot_from_import"] = """
from matplotlib import pyplot as plt2, cm, colors
plt2.imshow(image, cmap=cm.gray, norm=colors.Normalize(0, 4))
"""
S["print_figure_repr"] = """
fig = plt.figure()
print(fig)
ax = fig.add_subplot(1, 1, 1)
print(type(ax).__name__)
"""
S["isinstance_ndarray_axes"] = """
fig, axes = plt.subplots(1, 2)
if isinstance(axes, np.ndarray):
    axes = axes.ravel()
print(len(axes))
"""
S["hasattr_flat"] = """
fig, axes = plt.subplots(1, 1)
axes = axes.flat if hasattr(axes, "flat") else [axes]
for ax in axes:
    ax.imshow(image)
"""
S["np_atleast_1d_axes"] = """
fig, axes = plt.subplots(1, 1)
axes = np.atleast_1d(axes)
for ax in axes:
    ax.imshow(image)
print(axes.shape)
"""
S["np_array_axes_reshape"] = """
fig, axes = plt.subplots(2, 2)
axes = np.array(axes).reshape(-1)
axes[3].axis("off")
"""
S["xticks_range_labels"] = """
plt.bar(range(3), [1, 2, 3])
plt.xticks(range(3), ["a", "b", "c"], rotation=45)
plt.yticks([])
"""
S["ax_margins_autoscale"] = """
fig, ax = plt.subplots()
ax.margins(0.1); ax.autoscale(tight=True); ax.set_aspect("equal"); ax.invert_yaxis()
"""
S["ax_set_xlim_return"] = """
fig, ax = plt.subplots()
left, right = ax.set_xlim(0, 5)
print(right - left)
"""
S["imshow_shape_check_text"] = """
fig, ax = plt.subplots()
im = ax.imshow(np.array(image))
h, w = im.get_array().shape
for i in range(h):
    for j in range(w):
        ax.text(j, i, im.get_array()[i, j])
"""
S["im_get_size"] = """
im = plt.imshow(np.zeros((3, 5)))
print(im.get_size())
rows, cols = im.get_size()
"""
S["ax_bbox_width"] = """
fig, ax = plt.subplots()
bbox = ax.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
width, height = bbox.width, bbox.height
print(width * fig.dpi)
"""
S["fig_get_size_px"] = """
fig = plt.figure(figsize=(2, 1))
print(fig.get_size_inches() * fig.get_dpi())
print(fig.get_figheight() * 2)
"""
S["gcf_number"] = """
plt.figure(5)
print(plt.gcf().number + 1)
"""
S["interactive_isinteractive"] = """
print(plt.isinteractive())
plt.ion(); plt.ioff()
if not plt.isinteractive():
    print("ok")
"""
S["xkcd_context"] = """
with plt.xkcd():
    plt.plot([1, 2])
"""
S["mpl_rcdefaults"] = """
import matplotlib as mpl
mpl.rcdefaults()
plt.rcdefaults()
print(mpl.rcParams["lines.linewidth"] * 2)
"""
S["rcparams_unknown_key_arith"] = """
print(plt.rcParams["axes.linewidth"] * 2)
print(plt.rcParams["figure.titlesize"])
print(plt.rcParams["xtick.labelsize"])
"""
S["rcParams_font_update_read_back"] = """
plt.rcParams["figure.figsize"] = [10, 5]
w, h = plt.rcParams["figure.figsize"]
print(w * h)
"""
S["rcparams_savefig_dpi"] = """
print(plt.rcParams["savefig.dpi"])
print(plt.rcParams["legend.fontsize"])
print(plt.rcParams["axes.prop_cycle"])
"""
S["cm_name_iteration"] = """
for name in ["gray", "viridis", "hot"]:
    plt.imshow(image, cmap=getattr(plt.cm, name))
print(plt.cm.gray.name)
"""
S["Axes_class_isinstance"] = """
import matplotlib.axes
fig, ax = plt.subplots()
print(isinstance(ax, matplotlib.axes.Axes))
"""
S["Figure_isinstance"] = """
from matplotlib.figure import Figure
fig = plt.figure()
print(isinstance(fig, Figure))
"""
S["Figure_direct_oo"] = """
from matplotlib.figure import Figure
fig = Figure(figsize=(2, 2))
ax = fig.subplots()
ax.plot([1, 2])
import io
buf = io.BytesIO()
fig.savefig(buf, format="png")
print(buf.getbuffer().nbytes > 0)
"""
S["backend_agg_canvas"] = """
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
fig = Figure()
canvas = FigureCanvasAgg(fig)
ax = fig.add_subplot()
ax.imshow(image)
canvas.draw()
rgba = np.asarray(canvas.buffer_rgba())
print(rgba.shape)
"""
S["ArtistAnimation"] = """
from matplotlib.animation import ArtistAnimation
fig = plt.figure()
frames = [[plt.imshow(np.random.rand(3, 3), animated=True)] for _ in range(3)]
ani = ArtistAnimation(fig, frames, interval=50)
plt.close()
"""
S["html_anim"] = """
from matplotlib import animation
from IPython.display import HTML
fig, ax = plt.subplots()
ln, = ax.plot([], [])
ani = animation.FuncAnimation(fig, lambda i: (ln,), frames=2)
h = HTML(ani.to_jshtml())
plt.close(fig)
"""
S["fig_canvas_tostring_argb"] = """
fig = plt.figure(figsize=(1, 1), dpi=20)
fig.canvas.draw()
a = np.frombuffer(fig.canvas.tostring_argb(), dtype=np.uint8)
print(a.size)
"""
S["loss_curve_min_annotate"] = """
losses = [1.0, 0.6, 0.4, 0.45]
plt.plot(losses, "o-")
best = int(np.argmin(losses))
plt.annotate(f"best {losses[best]:.2f}", (best, losses[best]))
plt.xticks(range(len(losses)))
"""
S["subplots_adjust_return"] = """
fig, axes = plt.subplots(2, 2)
plt.subplots_adjust(hspace=0.5)
fig.tight_layout(pad=1.0)
fig.set_tight_layout(True)
"""
S["axes_flat_len"] = """
fig, axes = plt.subplots(2, 3)
print(len(axes.flat))
n = min(len(axes.flat), 4)
"""
S["ax_set_title_return_text"] = """
fig, ax = plt.subplots()
t = ax.set_title("x")
t.set_fontsize(14)
print(t.get_text())
"""
S["pandas_plot_scatter_c"] = """
import pandas as pd
df = pd.DataFrame({"x": [1, 2, 3], "y": [3, 2, 1], "c": [0.1, 0.5, 0.9]})
ax = df.plot.scatter(x="x", y="y", c="c", colormap="viridis")
ax.set_title("s")
"""
S["pandas_plot_returns_get_figure"] = """
import pandas as pd
ax = pd.Series([1, 2, 3]).plot()
fig = ax.get_figure()
fig.savefig("s.png")
"""
S["pandas_hist_df_axes_array"] = """
import pandas as pd
df = pd.DataFrame(np.random.rand(10, 2), columns=["a", "b"])
axes = df.hist(bins=5)
for ax in axes.flatten():
    ax.set_ylabel("n")
"""
S["pandas_plotting_scatter_matrix"] = """
import pandas as pd
from pandas.plotting import scatter_matrix
df = pd.DataFrame(np.random.rand(10, 2), columns=["a", "b"])
axs = scatter_matrix(df, figsize=(4, 4))
print(axs.shape)
"""
S["pylab_magic"] = """
%pylab inline
plot([1, 2, 3])
x = linspace(0, 1, 5)
title("p")
"""
S["imread_then_gray_arith"] = """
img = plt.imread("/tmp/rt3/cat.png")
gray = img[..., :3].mean(axis=2)
edges = gray[:, 1:] - gray[:, :-1]
print(edges.shape)
"""
S["imread_div255_astype"] = """
import matplotlib.image as mpimg
img = mpimg.imread("/tmp/rt3/cat.png")
h, w = img.shape[:2]
img = (img * 255).astype(np.uint8)
"""
S["imread_np_dot_gray"] = """
img = plt.imread("/tmp/rt3/cat.png")
gray = np.dot(img[..., :3], [0.299, 0.587, 0.114])
print(gray.shape[0] > 0)
"""
S["imread_from_bytesio"] = """
import io
fig, ax = plt.subplots(); ax.plot([1, 2])
buf = io.BytesIO(); fig.savefig(buf, format="png"); buf.seek(0)
arr = plt.imread(buf)
h, w = arr.shape[:2]
"""
S["hist_two_datasets_unpack"] = """
a = np.random.rand(20); b = np.random.rand(30)
(n1, n2), bins, _ = plt.hist([a, b], bins=5, label=["a", "b"])
plt.legend()
"""
S["hist_2d_input_columns"] = """
n, bins, patches = plt.hist(np.random.rand(20, 3), bins=4)
print(n.shape)
for row in n:
    print(row.sum())
"""
S["hist_stacked_len"] = """
n, bins, patches = plt.hist(np.random.randn(50), bins=np.arange(-3, 4))
print(len(bins) - 1 == len(n))
print(int(n.sum()))
"""
S["get_yticks_times100"] = """
fig, ax = plt.subplots()
ax.plot([0.1, 0.5])
ax.set_yticks(ax.get_yticks())
ax.set_yticklabels([f"{y * 100:.0f}%" for y in ax.get_yticks()])
print(ax.get_yticks() * 100)
"""
S["format_drawing_fstring"] = """
line, = plt.plot([1, 2], linewidth=2)
print(f"lw={line.get_linewidth():.1f}")
"""
S["format_cbar_vmin"] = """
im = plt.imshow(np.array(image))
lo, hi = im.get_clim() if False else (im.norm.vmin, im.norm.vmax)
print("{:.2f} {:.2f}".format(lo, hi))
"""
S["cm_tab10_colors_len"] = """
colors = plt.cm.tab10.colors
print(len(colors))
for c in colors[:3]:
    plt.plot([0, 1], color=c)
"""
S["cmap_N_arange"] = """
cmap = plt.get_cmap("viridis", 5)
cols = cmap(np.arange(cmap.N))
print(cols.shape)
"""
S["colormaps_get_cmap"] = """
import matplotlib
cmap = matplotlib.colormaps.get_cmap("gray")
print(cmap(0.0))
"""
S["to_rgba_array"] = """
import matplotlib.colors as mcolors
arr = mcolors.to_rgba_array(["r", "g", "b"])
print(arr.shape, arr[0, 0] + 0)
"""
S["to_rgb_unpack"] = """
from matplotlib.colors import to_rgb
r, g, b = to_rgb("tab:blue")
"""
S["is_color_like"] = """
import matplotlib.colors as mcolors
if mcolors.is_color_like("red"):
    print("ok")
print(mcolors.is_color_like("notacolor") is False)
"""
S["hsv_to_rgb_max"] = """
import matplotlib.colors as mcolors
hsv = np.random.rand(3, 3, 3)
rgb = mcolors.hsv_to_rgb(hsv)
print(rgb.max() <= 1.0)
"""
S["get_lines_ydata"] = """
fig, ax = plt.subplots()
ax.plot([1, 5, 3])
y = ax.get_lines()[0].get_ydata()
print(y.max() - y.min())
"""
S["get_xbound_unpack"] = """
fig, ax = plt.subplots()
lo, hi = ax.get_xbound()
"""
S["transData_transform_unpack"] = """
fig, ax = plt.subplots()
px, py = ax.transData.transform((0.5, 0.5))
print(px > 0)
"""
S["legend_elements_star"] = """
sc = plt.scatter([1, 2, 3], [1, 2, 3], c=[0, 1, 2])
plt.legend(*sc.legend_elements(), title="cls")
"""
S["bar_label_comprehension"] = """
fig, ax = plt.subplots()
accs = [0.91, 0.85]
bars = ax.bar(["cnn", "mlp"], accs)
ax.bar_label(bars, labels=[f"{a:.1%}" for a in accs])
for c in ax.containers:
    ax.bar_label(c, padding=2)
"""
S["bars_zip_heights"] = """
bars = plt.bar(["a", "b", "c"], [3, 1, 2])
for bar, val in zip(bars, [3, 1, 2]):
    plt.text(bar.get_x() + bar.get_width() / 2, val + 0.05, str(val))
"""
S["bars_max_height"] = """
bars = plt.bar(range(3), [3, 1, 2])
tallest = max(bars, key=lambda b: b.get_height())
tallest.set_color("red")
"""
S["rcparams_update_default"] = """
import matplotlib
matplotlib.rcParams.update(matplotlib.rcParamsDefault)
from matplotlib import rcParams
rcParams["figure.figsize"] = 10, 6
"""
S["style_available_sorted"] = """
styles = sorted(plt.style.available)
print(styles[:3])
if "ggplot" in plt.style.available:
    plt.style.use("ggplot")
"""
S["mpl_cm_viridis_via_package"] = """
import matplotlib as mpl
c = mpl.cm.viridis(0.5)
print(c)
"""
S["mpl_colors_Normalize_via_package"] = """
import matplotlib as mpl
norm = mpl.colors.Normalize(vmin=0, vmax=1)
print(norm)
"""
S["mpl_ticker_via_package"] = """
import matplotlib as mpl
fig, ax = plt.subplots()
ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
"""
S["plt_matplotlib_attr"] = """
print(plt.matplotlib.__version__)
"""
S["cbar_ax_get_yticks"] = """
im = plt.imshow(np.array(image))
cb = plt.colorbar(im)
ticks = cb.ax.get_yticks()
print(len(ticks) >= 0)
"""
S["subplots_return_tuple_index"] = """
res = plt.subplots(2, 2)
fig = res[0]; axes = res[1]
axes[0][1].imshow(image)
"""
S["subplots_2_rows_default"] = """
fig, (top, bottom) = plt.subplots(2)
top.plot([1]); bottom.plot([2])
"""
S["subplots_nested_unpack"] = """
fig, ((a, b), (c, d)) = plt.subplots(2, 2)
for ax in (a, b, c, d):
    ax.imshow(image)
"""
S["figure_subplots_grid_loop_layer_acts"] = """
acts = {"conv1": np.random.rand(4, 5, 5), "conv2": np.random.rand(8, 3, 3)}
for name, act in acts.items():
    n = act.shape[0]
    cols = 4
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols, rows), squeeze=False)
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        ax.axis("off")
        if k < n:
            ax.imshow(act[k], cmap="viridis")
    fig.suptitle(f"{name}: {n} maps")
    plt.show()
"""
S["pandas_styler_gradient"] = """
import pandas as pd
df = pd.DataFrame([[5, 1], [2, 7]], columns=["a", "b"])
html = df.style.background_gradient(cmap="Blues").to_html()
print(len(html) > 0)
"""
S["pandas_plot_bar_patches_annot"] = """
import pandas as pd
ax = pd.Series([3, 1, 2], index=list("abc")).plot(kind="bar", rot=0)
for p in ax.patches:
    ax.annotate(str(p.get_height()), (p.get_x() * 1.005, p.get_height() * 1.005))
ax.get_legend()
"""
S["pandas_plot_twin_secondary"] = """
import pandas as pd
df = pd.DataFrame({"loss": [1.0, 0.5], "acc": [0.5, 0.9]})
ax = df.plot(y="loss", legend=False)
ax2 = ax.twinx()
df.plot(y="acc", ax=ax2, color="r", legend=False)
ax.figure.legend()
"""
S["pandas_plot_secondary_y_right_ax"] = """
import pandas as pd
df = pd.DataFrame({"loss": [1.0, 0.5], "acc": [0.5, 0.9]})
ax = df.plot(secondary_y=["acc"])
ax.right_ax.set_ylabel("acc")
"""
S["pandas_df_plot_lines_len"] = """
import pandas as pd
df = pd.DataFrame({"loss": [1.0, 0.5], "acc": [0.5, 0.9]})
ax = df.plot()
print(len(ax.get_lines()))
"""
S["pandas_register_converters"] = """
import pandas as pd
pd.plotting.register_matplotlib_converters()
pd.Series([1, 2], index=pd.date_range("2020", periods=2)).plot()
"""
S["pandas_plot_hist_by_ax_array"] = """
import pandas as pd
df = pd.DataFrame({"v": np.random.rand(20), "g": ["a", "b"] * 10})
axes = df.hist(column="v", by="g", figsize=(4, 2))
print(axes.shape)
"""
S["matplotlib_notebook_magic"] = """
%matplotlib widget
plt.plot([1])
"""
S["ax_imshow_return_get_cmap_name"] = """
im = plt.imshow(np.array(image), cmap="gray")
print(im.get_cmap().name)
"""
S["text_bbox_props_loop_fmt_d"] = """
out = np.arange(9).reshape(3, 3)
fig, ax = plt.subplots()
ax.matshow(out, cmap=plt.cm.Greens)
for i in range(3):
    for j in range(3):
        ax.text(x=j, y=i, s=out[i, j], va="center", ha="center", size="xx-large")
"""
S["np_asarray_canvas_reshape_copy"] = """
fig = plt.figure(figsize=(2, 2), dpi=50)
canvas = fig.canvas
canvas.draw()
w, h = canvas.get_width_height()
image_arr = np.frombuffer(canvas.buffer_rgba(), dtype="uint8").reshape((h, w, 4))
"""
S["subplots_adjust_getpos_colorbar_axes"] = """
fig, axes = plt.subplots(1, 2)
im = axes[0].imshow(image)
fig.subplots_adjust(right=0.8)
cbar_ax = fig.add_axes([0.85, 0.15, 0.05, 0.7])
fig.colorbar(im, cax=cbar_ax)
"""
S["ax_get_figure_savefig"] = """
fig, ax = plt.subplots()
ax.get_figure().savefig("x.png")
ax.figure.set_size_inches(3, 3)
"""
S["zip_axes_row_images"] = """
imgs = np.random.rand(2, 3, 4, 4)
fig, axes = plt.subplots(2, 3)
for row_axes, row_imgs in zip(axes, imgs):
    for ax, im in zip(row_axes, row_imgs):
        ax.imshow(im)
"""
S["dict_of_axes_mosaic_string"] = """
fig, axd = plt.subplot_mosaic("AB;CC")
axd["C"].plot([1, 2])
print(sorted(axd))
"""
S["plt_subplots_per_filter_weights_minmax"] = """
w = np.random.randn(4, 3, 3)
wmin, wmax = w.min(), w.max()
fig, axs = plt.subplots(1, 4)
for i in range(4):
    axs[i].imshow((w[i] - wmin) / (wmax - wmin), cmap="gray", vmin=0, vmax=1)
    axs[i].set_xticks([]); axs[i].set_yticks([])
"""
S["figimage_and_fig_number_name"] = """
fig = plt.figure("loss")
print(fig.get_label())
"""
S["display_fig_list"] = """
from IPython.display import display
figs = []
for i in range(2):
    f, a = plt.subplots(); a.plot([i]); figs.append(f); plt.close(f)
for f in figs:
    display(f)
"""
S["fig_repr_png"] = """
fig, ax = plt.subplots()
data = fig._repr_html_() if hasattr(fig, "_repr_html_") else None
print(type(data))
"""
S["gca_get_legend_none"] = """
plt.plot([1])
if plt.gca().get_legend() is None:
    print("no legend")
"""
S["pylab_star_numpy_names"] = """
from pylab import *
x = linspace(0, 2 * pi, 10)
plot(x, sin(x))
a = zeros((3, 3))
"""
S["pylab_star_np_alias"] = """
from pylab import *
figure(figsize=(3, 3))
y = np.arange(5) ** 2
plot(y)
"""
S["mlab_import"] = """
from matplotlib import mlab
import matplotlib.pylab as pl
pl.plot([1, 2])
"""
S["isinstance_rectangle"] = """
from matplotlib.patches import Rectangle
r = Rectangle((0, 0), 1, 1)
print(isinstance(r, Rectangle))
"""
S["imread_clip_stack"] = """
img = plt.imread("/tmp/rt3/cat.png")
img = np.clip(img * 1.2, 0, 1)
batch = np.stack([img, img])
print(batch.shape)
"""
S["xticks_np_round_labels"] = """
fig, ax = plt.subplots()
ax.plot([0.0, 0.5])
ticks = np.round(ax.get_yticks(), 2)
ax.set_yticklabels([f"{t:.0%}" for t in ticks])
"""
S["bar_container_patches"] = """
bars = plt.bar(["a", "b", "c"], [3, 1, 2])
for patch, value in zip(bars.patches, bars.datavalues):
    plt.text(0, value, str(value))
assert len(bars) == 3 and list(bars.datavalues) == [3, 1, 2]
"""
S["lines_counted"] = """
fig, ax = plt.subplots()
while len(ax.lines) < 3:
    ax.plot([1, 2, 3])
assert len(ax.get_lines()) == 3
"""
S["hist_with_nan"] = """
n, bins, _ = plt.hist([1.0, 2.0, np.nan, 3.0], bins=3)
assert n.sum() == 3 and len(bins) == 4
"""
S["hist_columns"] = """
counts, edges, _ = plt.hist(np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]]), bins=2)
assert len(counts) == 2 and all(c.sum() == 3 for c in counts)
"""
S["cycler_prop_cycle"] = """
from cycler import cycler
plt.rc("axes", prop_cycle=cycler(color=["k", "r"]))
plt.plot([1, 2])
"""
S["pylab_keeps_builtins"] = """
from pylab import *
k = max(4, 1)
assert k == 4 and round(1.2) == 1 and isinstance(round(1.2), int)
x = linspace(0, 1, 3)
"""
