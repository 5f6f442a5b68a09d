"""Plotting never costs the answers beside it: each of many students' plotting snippets runs whole when graded, and is
what the real matplotlib runs (tests/plotting_snippets.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandboxed.runner import run

from .plotting_snippets import HEADER, NEED_A_KERNEL, REFUSED_WHEN_GRADED, S
from .test_runner import CORRECT_Q1, job, q1_recorded

GRADED = sorted(set(S) - REFUSED_WHEN_GRADED)


@pytest.mark.parametrize("name", GRADED)
def test_a_cell_that_plots_runs_whole_when_graded(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(job([HEADER + S[name] + "\n" + CORRECT_Q1]))
    assert result["cell_errors"] == []
    assert q1_recorded(result)
    assert not list(tmp_path.iterdir())  # nothing is drawn, so nothing is saved


REAL = """
import contextlib, io, json, sys, warnings
import matplotlib
matplotlib.use("Agg")
warnings.filterwarnings("ignore")
import matplotlib.pyplot as plt
from IPython.core.interactiveshell import InteractiveShell
snippets = json.load(sys.stdin)
shell = InteractiveShell.instance()
failed = {}
for name, code in snippets.items():
    shell.reset(new_session=True)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = shell.run_cell(code)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        failed[name] = f"{type(error).__name__}: {error}"
    plt.close("all")
print(json.dumps(failed))
"""


@pytest.mark.slow
def test_each_snippet_is_what_the_real_matplotlib_runs(tmp_path: Path) -> None:
    # What the stand-in is held to is real plotting code: each snippet runs under matplotlib itself.
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    snippets = {name: HEADER + code for name, code in S.items() if name not in NEED_A_KERNEL}
    done = subprocess.run(
        [sys.executable, "-c", REAL],
        input=json.dumps(snippets),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
