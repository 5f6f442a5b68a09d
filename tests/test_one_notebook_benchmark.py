"""benchmarks/one_notebook.py times one notebook as an install grades it: each side's bytecode in a cache of
its own under the benchmark's folder (nothing written beside any source), and every run a real sandboxed grade."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import one_notebook  # noqa: E402


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="--require-sandbox needs bubblewrap")
def test_each_side_runs_from_its_own_bytecode_and_every_run_is_timed(tmp_path: Path) -> None:
    seconds: list[tuple[str, float]] = []
    failures: list[str] = []
    notebook = ROOT / "examples" / "hw1" / "passes_all.ipynb"
    one_notebook.measure(
        tmp_path, "hw1", notebook, {"this": one_notebook.THIS}, 2, lambda s, t: seconds.append((s, t)), failures.append
    )
    assert failures == []
    assert [side for side, _ in seconds] == ["this", "this"] and all(t > 0 for _, t in seconds)
    cache = tmp_path / "one-notebook" / "bytecode" / "this"
    # The grader's modules, the sandboxed ones too (which the runner tree carries into the sandbox).
    compiled = {path.name.split(".")[0] for path in cache.rglob("*.pyc") if "autograder" in path.parts}
    assert {"cli", "run", "forkserver", "runner", "shell"} <= compiled
    for out in (tmp_path / "one-notebook").glob("out-this-*"):
        assert (out / "gradebook.csv").read_text().splitlines()[1].split(",")[3] == "ok"
