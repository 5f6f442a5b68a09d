"""One declared grading environment: a notebook may import the standard library, numpy, pandas and matplotlib.

The rule lives in autograder/checks/environment.py. In the student's own Jupyter its static
scanner finds what a namespace uses against it; when graded, the sandboxed runner refuses such an
import with the same message, whether or not the package is installed where grading runs.
"""

from __future__ import annotations

import importlib.util
import os
import types
from pathlib import Path

import pytest

from autograder.checks import environment
from autograder.checks.core import CheckFailed
from autograder.checks.environment import allowed, refusal_message, refused_imports
from autograder.checks.public import run_public
from autograder.course import run_case
from autograder.grading import sandbox
from autograder.grading.run import GradeRun, grade
from solutions import hw1

from .factories import write_notebook

RULE = f"cannot be used: {environment.RULE}"
CORRECT_Q1 = f"import numpy as np\nvertical_edges = {hw1.vertical_edges.tolist()}"
# A correct conv2d, on top of scipy's correlation (what the course does not allow).
SCIPY_CONV2D = """import numpy as np
from scipy.signal import correlate2d
def conv2d(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, float), padding)
    return correlate2d(x, np.asarray(k, float), mode="valid")[::stride, ::stride]"""
# Not installed anywhere, and as long as `scipy`: the two row messages then match character for character.
NOT_INSTALLED = "nopkg"
EXTRA = "cnngrade_extra"


def namespace_of(source: str) -> dict:
    """The namespace a notebook's cells leave, as in Jupyter: module `__main__`."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<ipython-input-1-0>", "exec"), namespace)
    return namespace


# -- the rule and its message --------------------------------------------------------------------


def test_the_rule_allows_the_standard_library_numpy_pandas_matplotlib_and_the_notebook_itself() -> None:
    for name in (
        "math",
        "os.path",
        "collections.abc",
        "numpy",
        "numpy.lib.stride_tricks",
        "pandas",
        "pandas.api",
        "IPython.display",
        "otter",
        "cnn_checks",
        "__future__",
        "matplotlib.pyplot",
    ):
        assert allowed(name), name
    for name in ("scipy", "scipy.signal", "torch", "dateutil", "sklearn", NOT_INSTALLED):
        assert not allowed(name), name


def test_the_message_names_the_package_and_the_rule() -> None:
    assert refusal_message("scipy.signal") == f"`scipy` {RULE} (see the course README)."


# -- the static scanner (grader.check in the student's Jupyter) -----------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import scipy", id="module"),
        pytest.param("import scipy.signal as ss", id="submodule-as"),
        pytest.param("from scipy import signal", id="from-package-import-module"),
        pytest.param("from scipy.signal import correlate2d", id="function"),
        pytest.param("from scipy.sparse import csr_matrix\nm = csr_matrix((2, 2))\ndel csr_matrix", id="instance"),
        pytest.param(
            "def conv2d(x, k):\n    import scipy.signal\n    return scipy.signal.correlate2d(x, k)", id="in-function"
        ),
        pytest.param(
            "def conv2d(x, k):\n    from scipy.signal import correlate2d\n    return correlate2d(x, k)",
            id="from-in-function",
        ),
        pytest.param("def outer():\n    def inner():\n        import scipy\n    return inner", id="nested-function"),
        pytest.param(
            "class Layer:\n    def forward(self, x):\n        import scipy.ndimage\n        return x", id="method"
        ),
        pytest.param(
            "class Layer:\n    @staticmethod\n    def forward(x):\n        import scipy\n        return x",
            id="staticmethod",
        ),
        pytest.param(
            "import functools\ndef deco(f):\n    @functools.wraps(f)\n    def wrapper(*a):\n        return f(*a)\n"
            "    return wrapper\n@deco\ndef conv2d(x):\n    import scipy\n    return x",
            id="decorated",
        ),
        pytest.param(
            "import functools\n@functools.lru_cache\ndef conv2d(x):\n    import scipy\n    return x", id="cached"
        ),
    ],
)
def test_the_scanner_finds_each_way_a_notebook_uses_a_refused_package(source: str) -> None:
    assert refused_imports(namespace_of(source)) == ["scipy"]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import numpy as np\nimport pandas as pd\nimport math, os.path, json", id="modules"),
        pytest.param(
            "from numpy.lib.stride_tricks import sliding_window_view\nfrom pandas import DataFrame\n"
            "df = DataFrame({'a': [1]})\nx = np.zeros(3) if False else None\nfrom math import floor, ceil",
            id="objects",
        ),
        pytest.param(
            "def conv2d(x, k):\n    import math\n    import numpy as np\n    from numpy.lib.stride_tricks import "
            "sliding_window_view as windows\n    return windows(np.asarray(x), (2, 2)).sum() + math.pi",
            id="in-function",
        ),
        pytest.param(
            "from IPython.display import display, Markdown\nimport otter\nNotebook = otter.Notebook\n"
            "import types\ncnn_checks = types.ModuleType('cnn_checks')",
            id="notebook-machinery",
        ),
        pytest.param(
            "import scipy\n_hidden = scipy\nIn = Out = scipy\nget_ipython = exit = quit = scipy.signal\ndel scipy",
            id="infrastructure-names",
        ),
        pytest.param("def relative():\n    from . import sibling", id="relative-import"),
        # A string that names a package is no import: only a constant passed to __import__ or import_module is.
        pytest.param('def conv2d(x):\n    name = "scipy"\n    return x', id="a-string-first-in-a-function"),
        pytest.param('def outer():\n    def inner():\n        return "scipy"\n    return inner', id="a-nested-string"),
        pytest.param('LIBRARY = "torch"\ndef conv2d(x):\n    return x', id="a-module-string"),
    ],
)
def test_the_scanner_ignores_what_the_rule_allows(source: str) -> None:
    assert refused_imports(namespace_of(source)) == []


def test_with_answer_names_the_scanner_follows_only_what_those_answers_use() -> None:
    namespace = namespace_of(
        "import scipy.signal as ss\nimport numpy as np\n"
        "def helper(x, k):\n    return ss.correlate2d(x, k)\n"
        "def conv2d(x, k, stride=1, padding=0):\n    return helper(np.asarray(x), k)\n"
        "vertical_edges = np.zeros((4, 4))"
    )
    assert refused_imports(namespace, ["conv2d"]) == ["scipy"]
    assert refused_imports(namespace, ["vertical_edges"]) == []
    assert refused_imports(namespace, ["not_defined"]) == []
    assert refused_imports(namespace) == ["scipy"]


def test_the_scanner_survives_objects_that_raise_on_every_attribute() -> None:
    class Hostile:
        def __getattribute__(self, name: str):
            raise RuntimeError(name)

    hostile_module = types.ModuleType("torch")
    namespace = {"__name__": "__main__", "thing": Hostile(), "torch": hostile_module}
    assert refused_imports(namespace) == ["torch"]


# -- when graded: the runtime rule, through the real sandbox --------------------------------------


def rows(run: GradeRun) -> dict:
    return {result.submission: result for result in run.results}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    assert importlib.util.find_spec("scipy") is not None  # the test extra installs it
    assert importlib.util.find_spec(NOT_INSTALLED) is None
    folder = tmp_path_factory.mktemp("submissions")
    write_notebook(folder / "scipy.ipynb", ["import scipy.signal", CORRECT_Q1])
    write_notebook(folder / "not_installed.ipynb", [f"import {NOT_INSTALLED}.signal", CORRECT_Q1])
    write_notebook(folder / "scipy_conv2d.ipynb", [CORRECT_Q1, SCIPY_CONV2D])
    write_notebook(
        folder / "scipy_in_function.ipynb",
        [
            CORRECT_Q1,
            SCIPY_CONV2D.replace("from scipy.signal import correlate2d\n", "").replace(
                "    x = np.pad", "    from scipy.signal import correlate2d\n    x = np.pad"
            ),
        ],
    )
    return grade(assignment="hw1", submissions=folder, out=tmp_path_factory.mktemp("out"), seed=3, timeout=20)


def test_an_installed_and_a_missing_package_get_the_same_message_naming_it_and_the_rule(graded: GradeRun) -> None:
    scipy, missing = rows(graded)["scipy"], rows(graded)["not_installed"]
    assert scipy.status == missing.status == "ok"
    assert "cell 1 raised RefusedImport: `scipy` " + RULE in scipy.message
    assert missing.message == scipy.message.replace("scipy", NOT_INSTALLED)
    # the rest of the notebook is graded as usual
    assert scipy.question_scores()["q1"] == missing.question_scores()["q1"] == 4


def test_a_function_built_on_a_refused_package_says_so(graded: GradeRun) -> None:
    top_level = rows(graded)["scipy_conv2d"]
    assert "`scipy` " + RULE in top_level.message
    assert top_level.question_scores()["q3"] == 0
    inside = rows(graded)["scipy_in_function"]
    q3 = [case.message for case in inside.cases if case.question == "q3"]
    assert q3 and all("`conv2d` raised RefusedImport: `scipy` " + RULE in message for message in q3)


EXTRA_NOTEBOOKS = {
    "extra_import": [f"import {EXTRA}", CORRECT_Q1],
    "extra_from_import": [f"from {EXTRA} import VALUE\n" + CORRECT_Q1],
    "extra_import_module": [f"import importlib\nimportlib.import_module('{EXTRA}')", CORRECT_Q1],
    "extra_in_function": [CORRECT_Q1, f"def conv2d(x, k, stride=1, padding=0):\n    import {EXTRA}\n    return x"],
    "scipy": ["import scipy", CORRECT_Q1],
    # Says (in its output, which the gradebook does not hold) whether the package could be found at all.
    # (Looking on the path itself: asking the import system, find_spec, is refused like an import.)
    "probe": [
        f"import os, sys\nprint('{EXTRA} importable:', any(os.path.isdir(os.path.join(folder, '{EXTRA}')) "
        "for folder in sys.path))"
    ],
}


def extra_package(folder: Path) -> Path:
    """A package that nothing installs: importable only where its folder is put on the path."""
    package = folder / EXTRA
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    for path in (folder, package, package / "__init__.py"):
        path.chmod(0o755)  # the sandbox's unprivileged uid reads it
    return folder


def test_grading_does_not_depend_on_what_else_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same notebooks graded twice: once as usual, once with an extra package importable where
    they run. The gradebooks are byte-identical; only the probe notebook's output shows the difference.

    How the package becomes importable: the sandbox (grading/sandbox.py) clears the environment
    and shows only the Python installation and the runner tree, so a folder on PYTHONPATH is not
    enough there. The test adds the folder to what the sandbox shows (`_visible_dirs`, which also
    makes it reachable for the unprivileged uid) and to the PYTHONPATH set inside it (`_pythonpath`).
    Without bubblewrap, the fork server inherits this process's environment: PYTHONPATH is enough."""
    submissions = tmp_path / "submissions"
    for name, cells in EXTRA_NOTEBOOKS.items():
        write_notebook(submissions / f"{name}.ipynb", cells)
    first = grade(
        assignment="hw1",
        submissions=submissions,
        out=tmp_path / "plain",
        seed=5,
        timeout=20,
        unsandboxed=not sandbox.detect().isolated,
    )

    extra = extra_package(tmp_path / "extra")
    if sandbox.detect().isolated:
        visible, pythonpath = sandbox._visible_dirs, sandbox._pythonpath
        monkeypatch.setattr(sandbox, "_visible_dirs", lambda: visible() + [extra])
        monkeypatch.setattr(sandbox, "_pythonpath", lambda: pythonpath() + os.pathsep + str(extra))
    else:
        monkeypatch.setenv("PYTHONPATH", str(extra) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    second = grade(
        assignment="hw1",
        submissions=submissions,
        out=tmp_path / "extra-importable",
        seed=5,
        timeout=20,
        unsandboxed=not sandbox.detect().isolated,
    )

    probe_output = [rows(run)["probe"].output for run in (first, second)]
    assert f"{EXTRA} importable: False" in probe_output[0] and f"{EXTRA} importable: True" in probe_output[1]
    assert second.gradebook.read_bytes() == first.gradebook.read_bytes()
    for name in EXTRA_NOTEBOOKS:
        if name != "probe":
            assert RULE in (rows(second)[name].message + " ".join(c.message for c in rows(second)[name].cases)), name


# --- grader.check and the Otter tests: the same rule, before submission -----------------------


@pytest.mark.parametrize("run", [run_public, run_case], ids=["grader.check", "otter-hidden"])
def test_a_check_on_an_answer_using_a_refused_package_gives_the_rule(run) -> None:
    case = "hw1.q3.shape" if run is run_public else "hw1.q3.conv2d-1"
    with pytest.raises(CheckFailed) as failure:
        run(case, namespace_of(SCIPY_CONV2D))
    assert str(failure.value) == refusal_message("scipy")


def test_an_import_no_answer_uses_costs_the_other_checks_nothing() -> None:
    # As when graded: the import fails alone, and an answer that does not need it still counts.
    run_public("hw1.q1.form", namespace_of("import scipy\n" + CORRECT_Q1))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            "import functools\nfrom scipy.signal import correlate2d\ndef _conv(x, k):\n    return correlate2d(x, k)\n"
            "conv2d = functools.partial(_conv)",
            id="partial",
        ),
        pytest.param(
            "from scipy.signal import correlate2d as c\nclass Conv:\n    def __call__(self, x, k):\n        return c(x, k)\n"
            "conv2d = Conv()",
            id="callable-instance",
        ),
        pytest.param(
            "def make():\n    from scipy.signal import correlate2d\n    def conv(x, k):\n        return correlate2d(x, k)\n"
            "    return conv\nconv2d = make()",
            id="closure",
        ),
    ],
)
def test_an_answer_reaching_a_refused_package_through_a_wrapper_is_found(source: str) -> None:
    assert refused_imports(namespace_of(source), ["conv2d"]) == ["scipy"]


@pytest.mark.parametrize("attribute", ["pad", "zeros", "fft", "convolve"])
def test_an_attribute_of_an_allowed_module_never_drags_in_a_global_of_the_same_name(attribute: str) -> None:
    # `np.pad` names the attribute `pad`; a global `pad` taken from scipy elsewhere is not used by conv2d.
    source = f"import numpy as np\nfrom scipy import signal as {attribute}\ndef conv2d(x):\n    return np.{attribute}\n"
    assert refused_imports(namespace_of(source), ["conv2d"]) == []


@pytest.mark.parametrize(
    "call", ["__import__('scipy.signal')", "importlib.import_module('scipy.signal')", "import_module('scipy.signal')"]
)
def test_an_import_by_name_inside_a_function_is_found(call: str) -> None:
    source = (
        f"import importlib\nfrom importlib import import_module\ndef conv2d(x, k):\n    signal = {call}\n    return x"
    )
    assert refused_imports(namespace_of(source), ["conv2d"]) == ["scipy"]
