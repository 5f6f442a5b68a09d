"""Phase 1 in-process: cells run in order, answers are recorded after each cell and at the end."""
from __future__ import annotations

import pytest

from autograder.checks import codec
from autograder.course import assignment
from autograder.sandboxed.extraction import probe_to_json
from autograder.sandboxed.runner import run


def job(cells: list[str], name: str = "hw1", probe_seconds: float = 2.0) -> dict:
    homework = assignment(name)
    probes = {fn: [probe_to_json(p) for p in ps] for fn, ps in homework.probes(7).items()}
    return {"cells": cells, "values": list(homework.values), "probes": probes, "probe_seconds": probe_seconds}


def errors_of(outputs: dict) -> list[str]:
    return [message for message in map(codec.error_message, outputs.values()) if message]


def test_a_helper_defined_in_a_later_cell_is_used_at_the_end() -> None:
    result = run(job(["def conv2d(x, k, stride=1, padding=0):\n    return helper(x, k, stride, padding)",
                      "from solutions.hw1 import conv2d as helper"]))
    assert errors_of(result["calls"]["conv2d"]) == []


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


def test_a_function_that_catches_everything_still_times_out() -> None:
    stubborn = ("def conv2d(x, k, stride=1, padding=0):\n    while True:\n        try:\n            pass\n"
                "        except Exception:\n            pass")
    result = run(job([stubborn], probe_seconds=0.1))
    assert all("did not return" in m for m in errors_of(result["calls"]["conv2d"]))


@pytest.mark.parametrize("source", [
    pytest.param("%matplotlib inline", id="line-magic"),
    pytest.param("%%time\nx = 1", id="cell-magic"),
    pytest.param("!pip install numpy", id="shell"),
    pytest.param("files = !ls", id="shell-capture"),
    pytest.param("import otter\ngrader = otter.Notebook('hw1.ipynb')\ngrader.check('q1')\ngrader.export()", id="otter"),
])
def test_ipython_syntax_and_otter_calls_do_nothing(source: str) -> None:
    result = run(job([source, "vertical_edges = [[1] * 4] * 4"]))
    assert result["cell_errors"] == []
    assert codec.error_message(result["values"]["vertical_edges"]) is None


def test_printing_is_captured_and_capped() -> None:
    result = run(job(["for _ in range(100):\n    print('x' * 10_000)"]))
    assert len(result["output"]) < 70_000 and "more characters not kept" in result["output"]
