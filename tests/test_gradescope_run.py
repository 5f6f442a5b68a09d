"""The Gradescope runner's own parts: which upload it grades, the sweep of the student's processes,
the results file written whole and only by root, and /autograder closed to everyone else."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from autograder.grading.gradescope_run import (
    FALLBACK_UIDS,
    ResultsFile,
    find_upload,
    kill_every_process_of,
    lock_down,
    processes_of,
    student_uid,
)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the runner runs as root, as on Gradescope")


def touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_one_notebook_anywhere_in_the_upload_is_the_one(tmp_path: Path) -> None:
    notebook = touch(tmp_path / "my folder" / "HW1 (2).IPYNB")
    touch(tmp_path / "notes.pdf")
    touch(tmp_path / ".ipynb_checkpoints" / "hw1-checkpoint.ipynb")
    touch(tmp_path / "__MACOSX" / "._hw1.ipynb")
    assert find_upload(tmp_path, "hw1") == (notebook, "")


def test_what_macos_adds_beside_a_notebook_and_links_are_never_the_upload(tmp_path: Path) -> None:
    notebook = touch(tmp_path / "hw1 - Jane Doe.ipynb")
    touch(tmp_path / "._hw1 - Jane Doe.ipynb")  # macOS's AppleDouble twin, uploaded with it
    (tmp_path / "linked.ipynb").symlink_to("/etc/hostname")
    assert find_upload(tmp_path, "hw1") == (notebook, "")


def test_with_several_notebooks_the_one_named_after_the_assignment_is_graded(tmp_path: Path) -> None:
    touch(tmp_path / "scratch.ipynb")
    named = touch(tmp_path / "HW1.ipynb")
    assert find_upload(tmp_path, "hw1") == (named, "")
    (tmp_path / "HW1.ipynb").unlink()
    found, problem = find_upload(tmp_path, "hw1")
    assert found == tmp_path / "scratch.ipynb"
    touch(tmp_path / "other.ipynb")
    found, problem = find_upload(tmp_path, "hw1")
    assert found is None and "scratch.ipynb" in problem and "other.ipynb" in problem and "hw1.ipynb" in problem


def test_the_export_cell_s_zip_is_graded_when_no_notebook_was_uploaded(tmp_path: Path) -> None:
    exported = touch(tmp_path / "hw1_2026_11_26.zip", "not read here")
    assert find_upload(tmp_path, "hw1") == (exported, "")


def test_an_upload_with_no_notebook_says_what_it_holds(tmp_path: Path) -> None:
    touch(tmp_path / "hw1.pdf")
    found, problem = find_upload(tmp_path, "hw1")
    assert found is None and "hw1.pdf" in problem and "Upload hw1.ipynb" in problem
    assert find_upload(tmp_path / "missing", "hw1")[0] is None


def test_results_are_written_whole_readable_by_gradescope_and_replace_a_planted_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    touch(target, "untouched")
    (tmp_path / "results.json").symlink_to(target)
    written = ResultsFile(tmp_path).write({"score": 3.5, "tests": []})
    assert json.loads(written.read_text()) == {"score": 3.5, "tests": []}
    assert not written.is_symlink() and target.read_text() == "untouched"
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results-")] == []


@needs_root
def test_results_are_written_even_when_the_notebook_filled_the_disk(tmp_path: Path) -> None:
    """On a small file system of its own: the room is taken, the disk filled to the last byte, then written."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux's unshare for a private tmpfs")
    script = f"""
import errno, json, sys
from pathlib import Path
from autograder.grading.gradescope_run import ResultsFile
folder = Path({str(tmp_path)!r})
results = ResultsFile(folder)
index = 0
try:
    while True:  # as a notebook would: many files, each well under any size limit
        (folder / f"fill-{{index}}").write_bytes(b"x" * 65536)
        index += 1
except OSError as error:
    assert error.errno == errno.ENOSPC, error
written = results.write({{"score": 1.5, "tests": [{{"name": "q1", "output": "x" * 100000}}]}})
print(json.loads(written.read_text())["score"])
"""
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            f'mount -t tmpfs -o size=16m tmpfs {tmp_path} && exec {sys.executable} -c "$0"',
            script,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1.5"


@needs_root
def test_autograder_is_locked_to_root(tmp_path: Path) -> None:
    for folder in ("source", "submission"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder).chmod(0o777)
    results = lock_down(tmp_path)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "source").stat().st_mode) == 0o700
    assert stat.S_IMODE(results.stat().st_mode) == 0o755 and results.stat().st_uid == 0


@needs_root
def test_the_fallback_uid_is_nobody_s() -> None:
    import pwd

    uid = student_uid()
    if uid in FALLBACK_UIDS:
        with pytest.raises(KeyError):
            pwd.getpwuid(uid)
        assert processes_of(uid) == []


def _start_as(uid: int, code: str) -> int:
    """A process of `uid` running `code`, detached from us as a student's would try to be.

    Forked from this one (the uid may not reach this Python's files to start a new one)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            exec(code, {})
        finally:
            os._exit(0)
    return pid


@needs_root
def test_the_sweep_kills_every_process_of_the_uid_however_it_hid(tmp_path: Path) -> None:
    uid = student_uid()
    escapes = [
        "import time\ntime.sleep(60)",
        # A double fork into a process group of its own, orphaned: no parent or group kill reaches it.
        "import os, time\nif os.fork() == 0:\n    os.setpgid(0, 0)\n    if os.fork() == 0:\n        time.sleep(60)\n"
        "    os._exit(0)\ntime.sleep(60)",
        # Ignores every signal it can.
        "import signal, time\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\n"
        "time.sleep(60)",
        # Not dumpable: its /proc files belong to root, so it does not look like the uid's by their owner.
        "import ctypes, time\nctypes.CDLL(None).prctl(4, 0, 0, 0, 0)\ntime.sleep(60)",
        # A zombie leader whose thread lives on: the process is not over.
        "import ctypes, threading, time\nthreading.Thread(target=time.sleep, args=(60,)).start()\n"
        "ctypes.CDLL(None).pthread_exit(None)",
    ]
    started = [_start_as(uid, code) for code in escapes]
    deadline = time.monotonic() + 10
    while len(processes_of(uid)) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_of(uid)) >= 6
    assert kill_every_process_of(uid) is True
    assert processes_of(uid) == []
    for pid in started:  # reaped here, so no zombie of ours is left to the session
        os.waitpid(pid, 0)


def test_a_message_quoting_the_student_stays_encodable_and_inert() -> None:
    """Whatever a notebook's exception says reaches results.json escaped: NUL, terminal escapes, bidi
    overrides and lone surrogates would make it unencodable or reach whoever prints it. Line breaks stay."""
    from autograder.checks.core import Case, CheckFailed
    from autograder.grading.phase2 import score_cases
    from autograder.outputs.inert import readable

    hostile = "".join(chr(c) for c in range(0x20)) + "\x7f\x9b\u202e\u2066\udcff line two"

    def check(answers: object) -> None:
        raise CheckFailed(f"`conv2d` raised ValueError: {hostile}")

    (result,) = score_cases([Case("hw1.q3.x", "x", 1.0, True, check)], answers=None)
    json.dumps({"output": result.message}, ensure_ascii=False).encode("utf-8")  # encodable: no lone surrogate
    assert readable(result.message) == result.message  # nothing left to escape
    assert "\n" in result.message and "line two" in result.message


class _FakeExecutor:
    """Phase 1 as the grader would see it when the fork server was lost after `seconds`."""

    def __init__(self, seconds: float):
        self.seconds, self.timeouts = seconds, []
        self.warning = ""

    def run(self, jobs):
        from autograder.grading.executor import Phase1Outcome

        for job in jobs:
            self.timeouts.append(job.timeout)
            yield job, Phase1Outcome("crash", "lost", None, self.seconds, graders_fault=True)


@pytest.mark.parametrize(("spent", "retried_with"), [(8.0, [10.0, 2.0]), (9.5, [10.0]), (0.2, [10.0, 9.8])])
def test_a_retry_gets_only_the_time_the_first_try_left(tmp_path: Path, spent: float, retried_with: list) -> None:
    from autograder.course import assignment
    from autograder.grading.run import LOST_TWICE, grade_notebook

    notebook = touch(
        tmp_path / "hw1.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
    )
    executor, afresh = _FakeExecutor(spent), []
    row = grade_notebook(
        homework=assignment("hw1"),
        name="hw1",
        path=notebook,
        seed=1,
        executor=executor,
        timeout=10.0,
        before_retry=lambda: afresh.append(True),
    )
    assert executor.timeouts == pytest.approx(retried_with)
    assert afresh == [True] * (len(retried_with) - 1)
    # Lost on both tries: the row says what a notebook may have done, not only "grade it again".
    assert (LOST_TWICE in row.message) is (len(retried_with) == 2)


@needs_root
def test_before_a_retry_the_uid_s_files_go_and_nothing_else(tmp_path: Path) -> None:
    from autograder.grading.gradescope_run import remove_files_of

    uid = student_uid()
    outside = touch(tmp_path / "outside" / "keep.txt", "root's")
    shared = tmp_path / "shared"
    notes = touch(shared / "notes.txt", "from the first try")
    rigged = shared / "rigged"
    rigged.mkdir()
    (rigged / "link").symlink_to(outside.parent)
    (shared / "link-to-outside").symlink_to(outside)
    root_file = touch(shared / "root.txt")
    for path in (notes, rigged, rigged / "link", shared / "link-to-outside"):
        os.lchown(path, uid, uid)
    remove_files_of(uid, shared)
    assert sorted(p.name for p in shared.iterdir()) == [root_file.name]
    assert outside.read_text() == "root's"
