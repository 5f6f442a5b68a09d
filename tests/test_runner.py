"""Phase 1 in-process: cells run through IPython's shell in order, answers are recorded after each
cell and at the end, errors and what grading does not run are recorded per cell, and the course's
import rule holds while the cells run."""

from __future__ import annotations

import builtins
import importlib
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from autograder.checks import codec
from autograder.checks.environment import RULE
from autograder.course import assignment
from autograder.sandboxed.extraction import probe_to_json
from autograder.sandboxed.runner import OUTPUT_CAP, fresh_shell, run

CORRECT_Q1 = "vertical_edges = [[1] * 4] * 4"


def job(cells: list[str], name: str = "hw1", probe_seconds: float = 2.0) -> dict:
    homework = assignment(name)
    probes = {fn: [probe_to_json(p) for p in ps] for fn, ps in homework.probes(7).items()}
    return {"cells": cells, "values": list(homework.values), "probes": probes, "probe_seconds": probe_seconds}


def errors_of(outputs: dict) -> list[str]:
    return [message for message in map(codec.error_message, outputs.values()) if message]


def q1_recorded(result: dict) -> bool:
    return codec.error_message(result["values"]["vertical_edges"]) is None


def test_a_helper_defined_in_a_later_cell_is_used_at_the_end() -> None:
    helper = (
        "import numpy as np\ndef helper(x, k, stride, padding):\n    x = np.pad(np.asarray(x, float), padding)\n"
        "    k = np.asarray(k, float)\n    f = k.shape[0]\n    n, m = (x.shape[0] - f) // stride + 1, "
        "(x.shape[1] - f) // stride + 1\n    return np.array([[np.sum(x[i*stride:i*stride+f, j*stride:j*stride+f]"
        " * k) for j in range(m)] for i in range(n)])"
    )
    result = run(job(["def conv2d(x, k, stride=1, padding=0):\n    return helper(x, k, stride, padding)", helper]))
    assert errors_of(result["calls"]["conv2d"]) == []


CONV2D_BY_HELPER = (
    "import numpy as np\ndef {name}(x, k, stride, padding, flip=False):\n    x = np.pad(np.asarray(x, float), padding)\n"
    "    k = np.asarray(k, float)[::-1, ::-1] if flip else np.asarray(k, float)\n    f = k.shape[0]\n"
    "    n, m = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1\n"
    "    return np.array([[np.sum(x[i*stride:i*stride+f, j*stride:j*stride+f] * k) for j in range(m)] for i in range(n)])"
)
# Each: a conv2d whose name is bound once, in the first cell, while what it reaches changes in later cells
# without that name being bound again (a dict filled in, a decorator's wrapped function's helper, a class
# attribute, a setting flipped, a helper redefined).
REACHED_LATER = {
    "a dict filled in later": [
        "IMPLS = {}\ndef conv2d(x, k, stride=1, padding=0):\n    return IMPLS['conv'](x, k, stride, padding)",
        CONV2D_BY_HELPER.format(name="_conv") + "\nIMPLS['conv'] = _conv",
    ],
    "a decorated function's helper defined later": [
        "import functools\ndef timed(f):\n    @functools.wraps(f)\n    def wrapper(*a, **k):\n        return f(*a, **k)\n"
        "    return wrapper\n@timed\ndef conv2d(x, k, stride=1, padding=0):\n    return _conv(x, k, stride, padding)",
        CONV2D_BY_HELPER.format(name="_conv"),
    ],
    "a class attribute set later": [
        "class Ops:\n    pass\ndef conv2d(x, k, stride=1, padding=0):\n    return Ops.conv(x, k, stride, padding)",
        CONV2D_BY_HELPER.format(name="_conv") + "\nOps.conv = staticmethod(_conv)",
    ],
    "a setting flipped later (wrong at the end)": [
        "CONFIG = {'flip': False}\ndef conv2d(x, k, stride=1, padding=0):\n    return _conv(x, k, stride, padding, CONFIG['flip'])",
        CONV2D_BY_HELPER.format(name="_conv"),
        "CONFIG['flip'] = True",
    ],
    "a decorated function's helper redefined later (wrong at the end)": [
        "import functools\ndef timed(f):\n    @functools.wraps(f)\n    def wrapper(*a, **k):\n        return f(*a, **k)\n"
        "    return wrapper\n@timed\ndef conv2d(x, k, stride=1, padding=0):\n    return _conv(x, k, stride, padding)",
        CONV2D_BY_HELPER.format(name="_conv"),
        CONV2D_BY_HELPER.format(name="_conv").replace("flip=False", "flip=True"),
    ],
}


@pytest.mark.parametrize("cells", REACHED_LATER.values(), ids=REACHED_LATER.keys())
def test_a_function_is_graded_as_the_notebook_leaves_it(cells: list[str]) -> None:
    from autograder.sandboxed.extraction import record_call

    homework = assignment("hw1")
    result = run(job(cells))
    # Independently: every cell run in one plain namespace, then the function it leaves called on each probe.
    namespace: dict = {}
    for source in cells:
        exec(source, namespace)
    expected = {p.id: record_call(namespace["conv2d"], "conv2d", p, 2.0) for p in homework.probes(7)["conv2d"]}
    assert result["calls"]["conv2d"] == expected
    assert errors_of(result["calls"]["conv2d"]) == []


def test_the_last_re_run_is_announced_after_the_last_cell_and_told_as_such() -> None:
    from autograder.grading.executor import _last_cell_started

    announced: list[int] = []
    cells = ("x = 1", "y = 2")
    run(job(list(cells)), progress=announced.append)
    assert announced == [1, 2, 3]
    assert "its functions were being called on the hidden inputs a last time" in _last_cell_started(3, cells)
    assert "the last cell to start was cell 2: `y = 2`" in _last_cell_started(2, cells)


STOPS = {
    "sys.exit": "import sys\n    sys.exit(3)",
    "exit()": "exit()",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "GeneratorExit": "raise GeneratorExit",
    "a student's own BaseException": "class Stop(BaseException):\n        pass\n    raise Stop",
}


@pytest.mark.parametrize("stop", STOPS.values(), ids=STOPS.keys())
def test_a_function_that_ends_the_program_on_a_probe_fails_that_probe_only(stop: str) -> None:
    snapshots: list[dict] = []
    cells = [f"def conv2d(x, k, stride=1, padding=0):\n    {stop}", CORRECT_Q1]
    result = run(job(cells), record=snapshots.append)
    assert result["complete"] and result["cells_run"] == 2 and q1_recorded(result)
    messages = errors_of(result["calls"]["conv2d"])
    assert len(messages) == len(result["calls"]["conv2d"]) and all("it does not end the program" in m for m in messages)


# What a student can make a type's name do: a metaclass's __name__ that ends the program.
ENDS_ON_NAME = "class Ends(type):\n    __name__ = property(lambda cls: __import__('sys').exit())\n"


@pytest.mark.parametrize(
    "raised", ["1 / 0", "__import__('sys').exit()", "(_ for _ in ()).throw(KeyboardInterrupt)", "raise_ends()"]
)
def test_a_value_whose_reading_raises_is_that_value_s_error_only(raised: str) -> None:
    fake = (
        ENDS_ON_NAME + "class Stop(BaseException, metaclass=Ends):\n    pass\n"
        "def raise_ends():\n    raise Stop\n"
        f"class DataFrame:\n    __module__ = 'pandas'\n    index = property(lambda self: {raised})\n"
        "lenet_table = DataFrame()"
    )
    result = run(job([fake, "conv_out = 1"], name="hw3"))
    assert result["complete"] and "could not be read" in codec.error_message(result["values"]["lenet_table"])


def test_a_key_or_exception_whose_type_name_ends_the_program_fails_its_own_answer_only() -> None:
    cells = [
        ENDS_ON_NAME + "class Key(metaclass=Ends):\n    pass\nvertical_edges = {Key(): 1}",
        "class Stop(BaseException, metaclass=Ends):\n    pass\ndef conv2d(x, k, stride=1, padding=0):\n    raise Stop",
        "horizontal_edges = [[1] * 4] * 4",
    ]
    result = run(job(cells))
    assert result["complete"] and codec.error_message(result["values"]["vertical_edges"])
    assert codec.error_message(result["values"]["horizontal_edges"]) is None
    assert len(errors_of(result["calls"]["conv2d"])) == len(result["calls"]["conv2d"])


def test_an_array_filled_in_place_by_a_later_cell_is_read_as_filled() -> None:
    result = run(job(["import numpy as np\nvertical_edges = np.zeros((4, 4))", "vertical_edges[:] = 7"]))
    assert codec.decode(result["values"]["vertical_edges"]).tolist() == [[7.0] * 4] * 4


def test_snapshots_are_recorded_after_the_cell_that_defines_an_answer() -> None:
    snapshots: list[dict] = []
    run(job(["x = 1", "vertical_edges = [[0] * 4] * 4", "y = 2"]), record=snapshots.append)
    first_with_answer = next(s for s in snapshots if codec.error_message(s["values"]["vertical_edges"]) is None)
    assert first_with_answer["cells_run"] == 2 and first_with_answer["complete"] is False


def test_a_function_that_loops_on_some_probes_is_stopped_per_probe() -> None:
    looping = "def conv2d(x, k, stride=1, padding=0):\n    while padding:\n        pass\n    return x"
    result = run(job([looping], probe_seconds=0.2))
    messages = errors_of(result["calls"]["conv2d"])
    assert messages and all("did not return within 0.2 s" in m for m in messages)
    assert len(messages) < len(result["calls"]["conv2d"])  # the probes without padding still ran


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="Python 3.10 does not act on SIGALRM in `while True: try: ... except Exception`: such a function "
    "runs until the notebook's own timeout (README, 'Python 3.10')",
)
def test_a_function_that_catches_everything_still_times_out() -> None:
    stubborn = (
        "def conv2d(x, k, stride=1, padding=0):\n    while True:\n        try:\n            pass\n"
        "        except Exception:\n            pass"
    )
    result = run(job([stubborn], probe_seconds=0.1))
    assert all("did not return" in m for m in errors_of(result["calls"]["conv2d"]))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("%matplotlib inline", id="matplotlib"),
        pytest.param("%%time\nx = 1", id="time-cell"),
        pytest.param("%time x = 1", id="time-line"),
        pytest.param("%timeit 1 + 1", id="timeit-line"),
        pytest.param("%%timeit\n1 + 1", id="timeit-cell"),
        pytest.param("%%capture captured\nprint('hidden')", id="capture"),
        pytest.param(
            "display(3)\nfrom IPython.display import display as shown, Markdown\nshown(Markdown('*x*'))", id="display"
        ),
        pytest.param("%%writefile notes.txt\nsome text", id="writefile"),
        pytest.param("x = 3\nx?", id="help"),
        pytest.param("%load_ext autoreload\n%autoreload 2", id="autoreload"),
        pytest.param(
            "import otter\ngrader = otter.Notebook('hw1.ipynb')\ngrader.check('q1')\ngrader.export()", id="otter"
        ),
    ],
)
def test_magics_display_and_otter_calls_run_as_in_jupyter(source: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # %%writefile writes where the notebook runs
    result = run(job([source, CORRECT_Q1]))
    assert result["cell_errors"] == []
    assert q1_recorded(result)


PLOTTING = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.imshow(image, cmap='gray'); plt.colorbar(); plt.show()",
    "from matplotlib import pyplot as plt\nfig, (left, right) = plt.subplots(1, 2, figsize=(8, 4))\n"
    "left.imshow(image); right.set_title('edges'); fig.tight_layout()",
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (6, 6)\n"
    "fig, axes = plt.subplots(2, 3)\nfor ax in axes.flat:\n    ax.axis('off')\naxes[1, 2].imshow(image)\n"
    "with plt.style.context('dark_background'):\n    plt.figure().add_subplot(111).plot([1, 2])",
    "import matplotlib.pyplot as plt\nfrom matplotlib.colors import ListedColormap\nfig = plt.figure()\n"
    "ax = fig.subplots()\nax.imshow(image, cmap=ListedColormap(['k', 'w'])); plt.savefig('edges.png')",
]


# What plotting calls give back, taken apart, looped over or printed, as students write it; each snippet asserts what
# matplotlib gives, and test_each_plotting_snippet_is_what_the_real_matplotlib_runs holds it to the real library.
TAKEN_APART = {
    "mosaic": "import matplotlib.pyplot as plt\nfig, axd = plt.subplot_mosaic([['v', 'h'], ['s', '.']])\n"
    "for key in 'vhs':\n    axd[key].imshow(image)\nassert sorted(axd) == ['h', 's', 'v'] and len(fig.axes) == 3",
    "mosaic-string": "import matplotlib.pyplot as plt\nfig, axd = plt.subplot_mosaic('AB;CC')\nassert sorted(axd) == ['A', 'B', 'C']",
    "figure-axes": "import matplotlib.pyplot as plt\nfig = plt.figure()\nfor i in range(4):\n"
    "    fig.add_subplot(1, 4, i + 1)\ndrawn = [ax.imshow(image) for ax in fig.axes]\nassert len(drawn) == len(fig.get_axes()) == 4",
    "pyplot-subplot": "import matplotlib.pyplot as plt\nfor i in range(3):\n    plt.subplot(1, 3, i + 1)\n    plt.imshow(image)\n"
    "assert len(plt.gcf().axes) == 3",
    "line-unpacked": "import matplotlib.pyplot as plt\nline, = plt.plot([1, 2, 3])\nfirst, second = plt.plot([0, 1], [[1, 2], [3, 4]])",
    "hist": "import numpy as np\nimport matplotlib.pyplot as plt\nn, bins, patches = plt.hist(np.ravel(image), bins=4)\n"
    "assert n.sum() == 4 and len(bins) == 5",
    "sizes": "import matplotlib.pyplot as plt\nw, h = plt.rcParams['figure.figsize']\nassert (w, h) == (6.4, 4.8)\n"
    "fig = plt.figure(figsize=(8, 3))\nwidth, height = fig.get_size_inches()\nassert (width, height) == (8, 3)\n"
    "lo, hi = plt.xlim()\nleft, right = fig.gca().get_ylim()",
    "colormaps": "import numpy as np\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
    "colors = plt.cm.viridis(np.linspace(0, 1, 4))\nassert colors.shape == (4, 4)\n"
    "for color, row in zip(colors, [1, 2, 3, 4]):\n    plt.plot([row], color=color)\n"
    "r, g, b, a = plt.get_cmap('gray')(0.5)\nassert matplotlib.colormaps['gray'](np.zeros((2, 3))).shape == (2, 3, 4)",
    "legend": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2], label='a')\n"
    "handles, labels = ax.get_legend_handles_labels()\nax.legend(handles, labels)",
    "version": "import matplotlib\nprint('matplotlib', matplotlib.__version__)\nmajor = int(matplotlib.__version__.split('.')[0])",
    "axes-grid": "import matplotlib.pyplot as plt\nfrom mpl_toolkits.axes_grid1 import make_axes_locatable\n"
    "fig, ax = plt.subplots()\nim = ax.imshow(image)\ncax = make_axes_locatable(ax).append_axes('right', size='5%', pad=0.05)\n"
    "fig.colorbar(im, cax=cax)",
    "pandas-plot": "import pandas as pd\ndf = pd.DataFrame(image, columns=['a', 'b'])\nax = df['a'].plot.bar(logy=True)\n"
    "df.plot(kind='line', title='x')\ndf.plot.scatter(x='a', y='b')\ndf.hist()\ndf.boxplot()\npd.plotting.scatter_matrix(df)",
}
PYLAB = {
    "pylab": "%pylab inline\nimshow(image); colorbar()\nx = linspace(0, 1, 3)\nassert plt is not None and np is not None",
    "pylab-no-import-all": "%pylab --no-import-all\nplt.imshow(image)\nassert 'imshow' not in globals()",
}


@pytest.mark.parametrize("snippet", [*TAKEN_APART.values(), *PYLAB.values()], ids=[*TAKEN_APART, *PYLAB])
def test_what_a_plotting_call_gives_back_can_be_taken_apart_as_matplotlib_s(
    snippet: str, tmp_path, monkeypatch
) -> None:
    # A plot is never graded, but an answer beside it is: a stand-in whose results cannot be unpacked, looped over or
    # printed as the real ones would stop that cell, and cost every answer after the plot.
    monkeypatch.chdir(tmp_path)
    result = run(job(["image = [[1.0, 2.0], [3.0, 4.0]]\n" + snippet + "\n" + CORRECT_Q1]))
    assert result["cell_errors"] == []
    assert q1_recorded(result)


@pytest.mark.parametrize("snippet", TAKEN_APART.values(), ids=TAKEN_APART)
def test_each_plotting_snippet_is_what_the_real_matplotlib_runs(snippet: str, tmp_path: Path) -> None:
    # The snippets above are real matplotlib: what they assert of the stand-in is what matplotlib gives.
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    source = "import matplotlib\nmatplotlib.use('Agg')\nimage = [[1.0, 2.0], [3.0, 4.0]]\n" + snippet
    done = subprocess.run([sys.executable, "-c", source], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("installed", [True, False], ids=["matplotlib-installed", "matplotlib-missing"])
@pytest.mark.parametrize("plotting", PLOTTING, ids=["imshow", "subplots-1x2", "subplots-2x3", "figure"])
def test_a_cell_that_plots_runs_whole_whether_or_not_matplotlib_is_installed(
    plotting: str, installed: bool, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    # A plot is never graded; the answer computed in the same cell is, and must not depend on the machine.
    monkeypatch.chdir(tmp_path)
    if not installed:
        for module in ("matplotlib", "matplotlib.pyplot", "matplotlib_inline"):
            monkeypatch.setitem(sys.modules, module, None)
    result = run(job(["image = [[1.0, 2.0], [3.0, 4.0]]\n" + plotting + "\n" + CORRECT_Q1]))
    assert result["cell_errors"] == []
    assert q1_recorded(result)
    assert not list(tmp_path.iterdir())  # nothing was drawn, so nothing was saved


def test_a_cell_magic_defines_its_names_in_the_notebook() -> None:
    result = run(job(["%%time\n" + CORRECT_Q1]))
    assert q1_recorded(result)
    result = run(job(["%%capture out\nprint('not shown')\n" + CORRECT_Q1, "print(out.stdout.strip())"]))
    assert q1_recorded(result) and "not shown" in result["output"]
    assert result["output"].count("not shown") == 1  # captured by the magic, printed once by the next cell


def test_display_reaches_the_captured_output_and_a_cell_result_becomes_underscore() -> None:
    # A cell's last value is not formatted when grading (nobody reads Out[n]), but is still `_`.
    result = run(
        {**job(["display('shown by display')", "'the value of the last line'", "previous = _"]), "values": ["previous"]}
    )
    assert "shown by display" in result["output"]
    assert codec.decode(result["values"]["previous"]) == "the value of the last line"


@pytest.mark.parametrize(
    ("source", "named"),
    [
        pytest.param("!pip install numpy", "`!pip install numpy`", id="shell"),
        pytest.param("files = !ls", "`!ls`", id="shell-capture"),
        pytest.param("%system ls", "`!ls`", id="system-magic"),
        pytest.param("%ls", "`!ls", id="alias"),
        pytest.param("%%bash\necho hi", "`%%bash`", id="bash"),
        pytest.param("%%script sh\necho hi", "`%%script sh`", id="script"),
        pytest.param("%pip install scipy", "`%pip install scipy`", id="pip"),
        pytest.param("%conda install scipy", "`%conda install scipy`", id="conda"),
        pytest.param("%run helpers.py", "`%run helpers.py`", id="run"),
        pytest.param("%load helpers.py", "`%load helpers.py`", id="load"),
        pytest.param("%pastebin 1", "`%pastebin 1`", id="pastebin"),
        pytest.param("%debug", "`%debug`", id="debug"),
    ],
)
def test_what_grading_does_not_run_is_skipped_with_a_note(source: str, named: str) -> None:
    result = run(job([source + "\nprint('the rest', 'of the cell')", CORRECT_Q1]))
    (note,) = result["cell_errors"]
    assert note["cell"] == 1 and note["refused"] is True and note["error"] == "NotRunWhenGraded"
    assert note["message"].startswith(named) and "was not run" in note["message"]
    assert q1_recorded(result)
    # A line that is not run leaves the rest of its cell running; a cell magic owns its whole cell.
    assert ("the rest of the cell" in result["output"]) is (not source.startswith("%%"))


def test_each_failing_cell_is_recorded_and_the_next_still_runs() -> None:
    cells = [
        "raise ValueError('midway')",
        "%%time\nraise KeyError('in time')",
        "%%capture\nraise TypeError('hidden')",
        "def broken(:\n    pass",
        "import sys\nsys.exit(3)",
        "exit()",
        "raise KeyboardInterrupt",
        CORRECT_Q1,
    ]
    result = run(job(cells))
    assert [(e["cell"], e["error"]) for e in result["cell_errors"]] == [
        (1, "ValueError"),
        (2, "KeyError"),
        (3, "TypeError"),
        (4, "SyntaxError"),
        (5, "SystemExit"),
        (6, "SystemExit"),
        (7, "KeyboardInterrupt"),
    ]
    first = result["cell_errors"][0]
    assert first == {"cell": 1, "error": "ValueError", "message": "midway", "line": "raise ValueError('midway')"}
    assert result["cell_errors"][3]["message"] == "invalid syntax (line 1)"
    assert q1_recorded(result)
    assert "ValueError: midway" in result["output"] and "Traceback" not in result["output"]


def test_errors_are_recorded_even_when_the_notebook_breaks_its_output() -> None:
    breaking = (
        "import sys\nclass Broken:\n    def write(self, text):\n        raise OSError('no output')\n"
        "    def flush(self):\n        pass\nsys.stdout = sys.stderr = Broken()"
    )
    result = run(job([breaking, "raise ValueError('still recorded')", CORRECT_Q1]))
    assert [(e["cell"], e["error"]) for e in result["cell_errors"]] == [(2, "ValueError")]
    assert q1_recorded(result)


def test_nothing_of_one_notebook_is_left_for_the_next() -> None:
    run(job(["secret = 42", "x = 1\nx", CORRECT_Q1]))
    result = run(job(["print(sorted(k for k in globals() if not k.startswith('_')))", "print(len(In), len(Out))"]))
    assert "secret" not in result["output"] and "vertical_edges" not in result["output"]
    assert "3 0" in result["output"]  # In holds '' and this notebook's two cells; Out is empty


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import scipy", id="import"),
        pytest.param("import scipy.signal as ss", id="import-as"),
        pytest.param("from scipy.signal import correlate2d", id="from-import"),
        pytest.param("import importlib\nimportlib.import_module('scipy')", id="import_module"),
        pytest.param("__import__('scipy')", id="dunder-import"),
        pytest.param("import not_a_real_package_at_all", id="not-installed"),
        pytest.param("import dateutil", id="imported-by-pandas"),
        pytest.param("%load_ext scipy", id="load_ext"),
    ],
)
def test_imports_outside_the_course_rule_are_refused_with_the_rule(source: str) -> None:
    import pandas  # noqa: F401 - dateutil is then in sys.modules: already imported makes no difference

    result = run(job([source + "\n" + CORRECT_Q1]))
    (error,) = result["cell_errors"]
    assert error["error"] == "RefusedImport"
    assert f"cannot be used: {RULE}" in error["message"]
    assert not q1_recorded(result)  # the import raised: the rest of that cell did not run


def test_a_refused_import_inside_a_function_fails_its_calls_with_the_rule() -> None:
    cells = [
        "def conv2d(x, k, stride=1, padding=0):\n    from scipy.signal import correlate2d\n    return correlate2d(x, k)"
    ]
    result = run(job(cells))
    messages = errors_of(result["calls"]["conv2d"])
    assert messages and all("`scipy` cannot be used" in m for m in messages)


def test_the_standard_library_numpy_pandas_and_their_own_imports_are_allowed() -> None:
    cells = [
        "import math, json, itertools, collections.abc\nfrom functools import reduce\nimport numpy as np\n"
        "from numpy.lib.stride_tricks import sliding_window_view\nimport pandas as pd",
        "df = pd.DataFrame({'a': [1, 2], 't': pd.to_datetime(['2020-01-01', '2021-03-04'])})\n"
        "df['t'].dt.tz_localize('UTC')\npd.Timestamp('2020-01-01', tz='Europe/Paris')",
        "import io\npd.read_csv(io.StringIO('a,b\\n1,2\\n')).describe()",
        "def f():\n    import math\n    return math.pi\nf()",
        "try:\n    import scipy\nexcept ImportError:\n    fallback = True\nfallback",
        CORRECT_Q1,
    ]
    result = run(job(cells))
    assert result["cell_errors"] == []
    assert q1_recorded(result)


def test_the_import_rule_and_the_notebook_modules_are_undone_after_the_run() -> None:
    before = (
        builtins.__import__,
        importlib.import_module,
        list(sys.meta_path),
        sys.modules.get("__main__"),
        sys.modules.get("otter"),
    )
    run(job(["import scipy", CORRECT_Q1]))
    after = (
        builtins.__import__,
        importlib.import_module,
        list(sys.meta_path),
        sys.modules.get("__main__"),
        sys.modules.get("otter"),
    )
    assert after == before


def test_printing_is_captured_and_capped() -> None:
    result = run(job(["for _ in range(100):\n    print('x' * 10_000)"]))
    assert len(result["output"]) < 70_000 and "more characters not kept" in result["output"]


@pytest.mark.parametrize("show", ["print(i)", "display(i)"], ids=["print", "display"])
def test_what_a_notebook_shows_is_held_only_as_far_as_the_cap(show: str) -> None:
    # Many items shown: whatever the shell does with each, its memory must not grow with them.
    items = 100_000
    shell = fresh_shell()
    before = tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        result = run(job([f"for i in range({items}):\n    {show}", CORRECT_Q1]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not before:
            tracemalloc.stop()
    assert not result["cell_errors"], result["cell_errors"]
    assert result["output"].startswith("0\n1\n") and result["output"].endswith("more characters not kept]")
    assert peak < 8 * OUTPUT_CAP + 4 * 1024 * 1024, peak  # the cap's worth and the notebook's own, not every item
    assert not any(getattr(shell.history_manager, "outputs", {}).values())  # IPython 8 keeps no such history


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            "from IPython.utils.importstring import import_item\nc = import_item('scipy.signal.correlate2d')",
            id="ipython-import_item",
        ),
        pytest.param(
            "from pandas.compat._optional import import_optional_dependency\ns = import_optional_dependency('scipy')",
            id="pandas-optional-dependency",
        ),
        pytest.param(
            "import importlib.util\nspec = importlib.util.find_spec('scipy')\n"
            "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)",
            id="find_spec",
        ),
        pytest.param("import pickle\nc = pickle.loads(b'cscipy.signal\\ncorrelate2d\\n.')", id="pickle"),
    ],
)
def test_an_allowed_package_asked_to_import_a_refused_one_for_the_notebook_is_refused(source: str) -> None:
    # Not the door but who is asking: while the notebook's code runs, a package may import its own
    # dependencies only, so the grade is the same wherever scipy is installed.
    import scipy  # noqa: F401 - already imported makes no difference either

    result = run(job([source + "\n" + CORRECT_Q1]))
    assert result["cell_errors"], "scipy was imported"
    assert not q1_recorded(result)
    assert "c" not in result.get("values", {})


@pytest.mark.parametrize(
    "source",
    [
        "import pandas as pd\nimport io\ndf = pd.read_csv(io.StringIO('a,b\\n1,2'))\nwhen = pd.to_datetime(['2020-01-01'])\n"
        "text = df.to_string() + df.to_html()",
        "import numpy as np\nnp.testing.assert_allclose(1.0, 1.0)\nspectrum = np.fft.fft([1.0, 2.0])\n"
        "norm = np.linalg.norm([3.0, 4.0])",
    ],
)
def test_what_numpy_and_pandas_import_for_themselves_still_works(source: str) -> None:
    result = run(job([source + "\n" + CORRECT_Q1]))
    assert result["cell_errors"] == []
    assert q1_recorded(result)


@pytest.mark.parametrize("imported_before", [True, False], ids=["matplotlib-imported", "matplotlib-not-imported"])
def test_a_run_in_process_leaves_matplotlib_s_modules_as_it_found_them(imported_before: bool) -> None:
    # The stand-in replaces every matplotlib module while cells run, whether or not the real one was
    # imported first (the fork server never imports it), and a run in-process puts back what was there.
    if imported_before:
        pytest.importorskip("matplotlib.pyplot")
    else:
        for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
            del sys.modules[name]

    def matplotlib_modules() -> dict[str, object]:
        return {name: module for name, module in sys.modules.items() if name.split(".")[0] == "matplotlib"}

    before = matplotlib_modules()
    cells = [
        "import matplotlib.pyplot as plt\nfrom matplotlib import colors\nkind = type(plt.imshow([[1.0]])).__name__\n"
        + CORRECT_Q1
    ]
    result = run({**job(cells), "values": ["kind", *job([])["values"]]})
    assert q1_recorded(result)
    assert codec.decode(result["values"]["kind"]) == "Drawing"  # the stand-in drew, not matplotlib
    assert matplotlib_modules() == before


def test_a_helper_defined_in_a_later_cell_is_used_even_when_a_time_out_ends_the_notebook_first() -> None:
    # The last re-run of every function never comes when the notebook times out: a function is re-run as soon as a
    # global it reads (its helper, here) is bound.
    from autograder.grading.executor import Job, LocalExecutor

    homework = assignment("hw1")
    cells = (
        "def conv2d(x, k, stride=1, padding=0):\n    return helper(x, k, stride, padding)",
        CONV2D_BY_HELPER.format(name="helper"),
        "while True:\n    pass",
    )
    probes = {fn: [probe_to_json(p) for p in ps] for fn, ps in homework.probes(7).items()}
    timed_out = Job("slow", cells, homework.values, probes, 5.0, 2**31)
    ((_, outcome),) = list(LocalExecutor(1).run([timed_out]))
    assert outcome.status == "timeout" and outcome.data is not None
    assert outcome.data["calls"]["conv2d"] and errors_of(outcome.data["calls"]["conv2d"]) == []


@pytest.mark.parametrize(
    "counted",
    [
        "import numpy as np\nRUNS = []\ndef conv2d(x, k, stride=1, padding=0):\n    RUNS.append(1)\n"
        "    return np.zeros((2, 2))",
        # Its own data, bound anew as it runs: what it reads, but not what makes it run again.
        "import numpy as np\nRUNS = []\nCALLS = 0\ndef conv2d(x, k, stride=1, padding=0):\n    global CALLS\n"
        "    CALLS += 1\n    RUNS.append(1)\n    return np.zeros((2, 2)) + CALLS * 0",
    ],
    ids=["a-list-it-fills", "a-counter-it-binds-anew"],
)
def test_a_function_is_not_run_again_after_a_cell_that_binds_nothing_it_reads(counted: str) -> None:
    unrelated = ["a = 1", "b = [a] * 3", "import numpy as np", "RUNS.append(0)"]  # np: the same module again
    result = run(job([counted, *unrelated, "vertical_edges = RUNS.count(1)"]))
    # Run on its probes after its own cell, and at the end (after this count): in none of the cells between.
    assert codec.decode(result["values"]["vertical_edges"]) == len(assignment("hw1").probes(7)["conv2d"])
