"""The Otter autograder zip and `cnngrade grade` give the same scores on the sample class."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.build import Built
from autograder.course import ASSIGNMENTS, SEED_VARIABLE
from autograder.grade import grade

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = 404
# otter run has no timeout and crashes on a file that is not JSON: those two are ours alone.
OTTER_CANNOT_GRADE = {"infinite_loop_last_cell", "broken_json"}
pytestmark = pytest.mark.slow


def otter_run(zip_path: Path, notebook: Path, out: Path) -> dict[str, float]:
    out.mkdir(parents=True)
    # The same probe seed as the bulk grader, so functions are called on the same hidden inputs.
    env = os.environ | {SEED_VARIABLE: str(SEED)}
    done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out), str(notebook)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    # A failed public test adds a score-less "Public Tests" summary entry: only questions count.
    return {test["name"]: float(test["score"]) for test in results["tests"] if "score" in test}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_otter_and_cnngrade_agree_on_every_sample(fresh_build: dict[str, Built], name: str, tmp_path: Path) -> None:
    notebooks = sorted(p for p in (EXAMPLES / name).glob("*.ipynb") if p.stem not in OTTER_CANNOT_GRADE)
    ours = grade(assignment=name, submissions=EXAMPLES / name, out=tmp_path / "cnngrade", seed=SEED, timeout=10)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        theirs = dict(zip((p.stem for p in notebooks), pool.map(
            lambda p: otter_run(fresh_build[name].zip_path, p, tmp_path / "otter" / p.stem), notebooks)))
    mine = {result.submission: result.question_scores() for result in ours.results if result.submission in theirs}
    disagreements = {stem: (mine[stem], theirs[stem]) for stem in theirs if mine[stem] != theirs[stem]}
    assert disagreements == {}
    passes = mine["passes_all"]
    assert sum(passes.values()) == sum(ASSIGNMENTS[name].points().values())
