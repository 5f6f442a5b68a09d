"""Bad submissions: each is one row with a status and a message, and the rest is still graded."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from autograder.grading.executor import Job, Phase1Outcome
from autograder.grading.run import GradeRun, grade
from autograder.model import Status
from solutions import hw1

from .factories import write_notebook

# The answer typed in, as a student would: the sandbox hides solutions/ from submissions.
CORRECT_Q1 = f"import numpy as np\nvertical_edges = {hw1.vertical_edges.tolist()}"

# A student's correct conv2d, without its return: the cases below end it in their own ways.
CONV2D = """import numpy as np
def conv2d(x, k, stride=1, padding=0):
    x, k = np.pad(np.asarray(x, float), padding), np.asarray(k, float)
    f = k.shape[0]
    rows, cols = (x.shape[0] - f) // stride + 1, (x.shape[1] - f) // stride + 1
    out = np.array([[np.sum(x[i*stride:i*stride+f, j*stride:j*stride+f] * k) for j in range(cols)]
                    for i in range(rows)])"""

# name -> (cells, or raw bytes for a file that is not a notebook)
SUBMISSIONS: dict[str, list[str] | bytes] = {
    "passes_q1": [CORRECT_Q1],
    "ipython_syntax": ["%matplotlib inline\n!pip install nothing", CORRECT_Q1],
    "raises_then_answers": ["raise ValueError('midway')", CORRECT_Q1],
    "sys_exit_then_answers": ["import sys\nsys.exit(0)", CORRECT_Q1],
    "os_exit": [CORRECT_Q1, "import os\nos._exit(0)"],
    "endless_loop": [CORRECT_Q1, "while True:\n    pass"],
    "memory_hog": [CORRECT_Q1, "import numpy as np\nhog = np.ones(10**10)"],
    "segfault": [CORRECT_Q1, "import ctypes\nctypes.string_at(0)"],
    "prints_a_lot": ["chunk = 'x' * 1_000_000\nfor _ in range(300):\n    print(chunk)", CORRECT_Q1],
    "syntax_error": ["def broken(:\n    pass", CORRECT_Q1],
    "conv2d_raises_on_padding": [
        CORRECT_Q1,
        CONV2D + "\n    if padding:\n        raise ValueError('no padding here')" + "\n    return out",
    ],
    "conv2d_wrong_shape": [CORRECT_Q1, CONV2D + "\n    return out[:-1]"],
    "conv2d_loops_on_padding": [CORRECT_Q1, CONV2D + "\n    while padding:\n        pass\n    return out"],
    "empty_notebook": [],
    "nan_answer": ["import numpy as np\nvertical_edges = np.full((4, 4), np.nan)"],
    "png_renamed": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "truncated_json": b'{"cells": [{"cell_type": "code", "source": "x = ',
    "nbformat_3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}).encode(),
    "empty_file": b"",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    folder = tmp_path_factory.mktemp("submissions")
    for name, content in SUBMISSIONS.items():
        if isinstance(content, bytes):
            (folder / f"{name}.ipynb").write_bytes(content)
        else:
            write_notebook(folder / f"{name}.ipynb", content)
    return grade(
        assignment="hw1",
        submissions=folder,
        out=tmp_path_factory.mktemp("out"),
        seed=1,
        timeout=8,
        memory_bytes=1024**3,
        probe_seconds=0.5,
    )


def row(run: GradeRun, name: str):
    return next(result for result in run.results if result.submission == name)


def q1(run: GradeRun, name: str) -> float:
    return row(run, name).question_scores()["q1"]


def test_every_submission_is_one_row(run: GradeRun) -> None:
    assert sorted(r.submission for r in run.results) == sorted(SUBMISSIONS)


@pytest.mark.parametrize(
    ("name", "status", "phrase"),
    [
        pytest.param("passes_q1", Status.OK, "", id="correct"),
        pytest.param("ipython_syntax", Status.OK, "", id="magics-and-shell"),
        pytest.param("raises_then_answers", Status.OK, "ValueError", id="raising-cell"),
        pytest.param("sys_exit_then_answers", Status.OK, "SystemExit", id="sys-exit"),
        pytest.param("os_exit", Status.CRASH, "os._exit", id="os-exit"),
        pytest.param("endless_loop", Status.TIMEOUT, "while True", id="endless-loop"),
        pytest.param("memory_hog", Status.MEMORY, "memory", id="memory-hog"),
        pytest.param("segfault", Status.CRASH, "segmentation fault", id="segfault"),
        pytest.param("prints_a_lot", Status.OK, "", id="huge-output"),
        pytest.param("syntax_error", Status.OK, "SyntaxError", id="syntax-error"),
        pytest.param("empty_notebook", Status.OK, "", id="no-cells"),
        pytest.param("png_renamed", "invalid", "the file is a PNG image", id="png"),
        pytest.param("truncated_json", "invalid", "truncated", id="truncated"),
        pytest.param("nbformat_3", "invalid", "nbformat 3", id="nbformat-3"),
        pytest.param("empty_file", "invalid", "the file is empty (0 bytes)", id="empty-file"),
    ],
)
def test_status_and_message(run: GradeRun, name: str, status: str, phrase: str) -> None:
    result = row(run, name)
    assert result.status == status, result.message
    assert phrase in result.message


@pytest.mark.parametrize(
    "name",
    [
        "passes_q1",
        "ipython_syntax",
        "raises_then_answers",
        "sys_exit_then_answers",
        "os_exit",
        "endless_loop",
        "syntax_error",
        "prints_a_lot",
        "memory_hog",
        "segfault",
    ],
)
def test_answers_defined_around_a_failure_still_earn_credit(run: GradeRun, name: str) -> None:
    assert q1(run, name) == q1(run, "passes_q1") > 0


def test_huge_output_is_capped(run: GradeRun) -> None:
    assert len(row(run, "prints_a_lot").output) <= 4000


def test_nan_and_missing_answers_say_so(run: GradeRun) -> None:
    nan_messages = [c.message for c in row(run, "nan_answer").cases if c.question == "q1"]
    assert all("nan" in message for message in nan_messages)
    missing = [c.message for c in row(run, "empty_notebook").cases if c.question == "q1"]
    assert all("`vertical_edges` is not defined" in message for message in missing)


class FakeExecutor:
    """Answers every job with a canned outcome, so grade() is tested without processes."""

    warning = ""  # it runs no student code at all

    def __init__(self, outcome: Phase1Outcome):
        self.outcome, self.jobs = outcome, []

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job in jobs:
            self.jobs.append(job)
            yield job, self.outcome


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"values": "not a dict", "calls": {}}, id="values-not-a-dict"),
        pytest.param(
            {"values": {"vertical_edges": {"__ndarray__": [1], "dtype": "object", "shape": [1]}}, "calls": {}},
            id="object-dtype",
        ),
    ],
)
def test_malformed_phase1_data_is_a_crash_never_an_exception(tmp_path: Path, data: dict) -> None:
    write_notebook(tmp_path / "in" / "one.ipynb", ["x = 1"])
    fake = FakeExecutor(Phase1Outcome(Status.OK, "", data, 0.1))
    run = grade(assignment="hw1", submissions=tmp_path / "in", out=tmp_path / "out", seed=1, executor=fake)
    (result,) = run.results
    assert [job.submission for job in fake.jobs] == ["one"]
    assert result.score == 0
    assert result.status == Status.CRASH or all(
        "could not" in c.message or "malformed" in c.message.lower() for c in result.cases if c.question == "q1"
    )


def q3_messages(run: GradeRun, name: str) -> dict[str, str]:
    return {case.id: case.message for case in row(run, name).cases if case.question == "q3"}


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        pytest.param("conv2d_raises_on_padding", "raised ValueError: no padding here", id="raises-on-some-probes"),
        pytest.param("conv2d_wrong_shape", "has shape", id="wrong-shape"),
        pytest.param("conv2d_loops_on_padding", "did not return within 0.5 s", id="loops-on-some-probes"),
    ],
)
def test_a_function_failing_on_some_probes_loses_only_those(run: GradeRun, name: str, phrase: str) -> None:
    messages = q3_messages(run, name)
    failed = {case: message for case, message in messages.items() if message != "Passed."}
    assert failed and all(phrase in message for message in failed.values())
    if name != "conv2d_wrong_shape":
        assert len(failed) < len(messages), "the probes without padding should still pass"
    assert row(run, name).status == Status.OK


def test_every_entry_named_ipynb_gets_a_row_and_no_file_is_read_twice_or_forever(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_notebook(folder / "plain.ipynb", ["x = 1"])
    (folder / "a folder.ipynb").mkdir()  # a real folder is walked into whatever its name (empty here: no row)
    os.mkfifo(folder / "a pipe.ipynb")  # reading it would wait for a writer forever
    (folder / "dangling.ipynb").symlink_to(tmp_path / "nowhere")
    fake = FakeExecutor(Phase1Outcome(Status.OK, "", {"complete": True, "values": {}, "calls": {}}, 0.1))
    run = grade(assignment="hw1", submissions=folder, out=tmp_path / "out", seed=1, executor=fake)
    rows = {result.submission: result for result in run.results}
    assert set(rows) == {"plain", "a pipe", "dangling"}
    assert [job.submission for job in fake.jobs] == ["plain"]
    assert all(rows[name].status == "invalid" and "not a file" in rows[name].message for name in ("a pipe", "dangling"))


def test_names_and_messages_reach_the_gradebook_without_control_characters(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    hostile = "\x1b]0;owned\x07\x1b[2J=HYPERLINK(1)\r"
    write_notebook(folder / f"{hostile}.ipynb", ["x = 1"])
    write_notebook(folder / "escaped.ipynb", ["x = 1"])
    os.rename(folder / "escaped.ipynb", os.fsencode(folder) + b"/caf\xe9.ipynb")  # not UTF-8
    message = "cell 1 raised \x1b[31mError\x1b[0m: \x9b2J"
    fake = FakeExecutor(Phase1Outcome(Status.CRASH, message, None, 0.1))
    run = grade(assignment="hw1", submissions=folder, out=tmp_path / "out", seed=1, executor=fake)
    text = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8")
    assert len(run.results) == 2
    control = [ch for ch in text if (ord(ch) < 32 and ch not in "\r\n") or 0x7F <= ord(ch) < 0xA0]
    assert control == []
    assert text.count("\n") == 3  # a header and two rows: no name or message split a row


def test_a_row_the_grader_failed_is_graded_again_on_the_next_run(tmp_path: Path) -> None:
    # A crash of the grader's own making (its fork server gone, say) must not be reused as if it
    # were the notebook's result: the rerun asks the executor again.
    write_notebook(tmp_path / "in" / "one.ipynb", ["x = 1"])
    failed = FakeExecutor(
        Phase1Outcome(
            Status.CRASH, "The grader could not start this notebook's process.", None, 0.1, graders_fault=True
        )
    )
    first = grade(assignment="hw1", submissions=tmp_path / "in", out=tmp_path / "out", seed=1, executor=failed)
    assert first.results[0].status == Status.CRASH
    # Recorded for report, export and diff, but without a fingerprint: never reused.
    assert json.loads((tmp_path / "out" / "records" / "one.json").read_text())["fingerprint"] is None
    assert (tmp_path / "out" / "results" / "one.json").exists()
    again = FakeExecutor(Phase1Outcome(Status.OK, "", {"complete": True, "values": {}, "calls": {}}, 0.1))
    second = grade(assignment="hw1", submissions=tmp_path / "in", out=tmp_path / "out", seed=1, executor=again)
    assert [job.submission for job in again.jobs] == ["one"] and second.reused == 0
    assert second.results[0].status == Status.OK
