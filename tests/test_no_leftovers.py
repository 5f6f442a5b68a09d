"""An unsandboxed run leaves nothing in TMPDIR, however its notebooks end and however it ends.

Without a sandbox's scratch folder each notebook's working folder is memory of its own mount
namespace, never a folder on the host: so a notebook that ends normally, runs out its time,
crashes, exits or leaves processes behind leaves nothing, and neither does a grader stopped by
Ctrl-C or killed outright (its fork server then kills every notebook's processes at once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import as_from_a_terminal, write_notebook

# What each notebook leaves, on top of how it ends: files in its folder, in TMPDIR, in /dev/shm.
LITTER = (
    "import os, tempfile\n"
    "open('here.txt', 'w').write('x')\n"
    "tempfile.mkdtemp()\n"
    "tempfile.NamedTemporaryFile(delete=False).write(b'x')\n"
    "open('/dev/shm/shared.txt', 'w').write('x') if os.path.isdir('/dev/shm') else None"
)
ENDINGS = {
    "normal": "vertical_edges = 1",
    "timeout": "while True:\n    pass",
    "killed": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "exit": "import os\nos._exit(3)",
    "crash": "import ctypes\nctypes.string_at(0)",
    "memory": "hog = bytearray(8 * 1024**3)",
    "orphan": "import subprocess\nsubprocess.Popen(['sleep', '60'], start_new_session=True)",
    "sleeps": "import time\ntime.sleep(600)",
}


def _environment(tmp_path: Path) -> dict[str, str]:
    """No bwrap on PATH (python by full path), and a TMPDIR of the test's own to look at afterwards."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "tmpdir").mkdir()
    return {**os.environ, "PATH": str(tmp_path / "empty"), "TMPDIR": str(tmp_path / "tmpdir")}


def _grade(tmp_path: Path, submissions: Path) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", "hw1", str(submissions), "--out", str(tmp_path / "out")]


def _left_in(folder: Path, seconds: float = 15.0) -> list[str]:
    """What is still in `folder` once every process of the run could have gone (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    while any(folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sorted(path.name for path in folder.iterdir())


def _class(tmp_path: Path, endings: dict[str, str]) -> Path:
    for name, ending in endings.items():
        write_notebook(tmp_path / "in" / f"{name}.ipynb", [LITTER, ending])
    return tmp_path / "in"


@pytest.mark.slow
def test_an_unsandboxed_class_leaves_nothing_however_its_notebooks_end(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    command = _grade(tmp_path, _class(tmp_path, ENDINGS))
    done = subprocess.run(
        [*command, "--unsandboxed", "--quiet", "--timeout", "4", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"{len(ENDINGS)} submissions" in done.stdout  # every notebook was graded, each its own way
    assert _left_in(tmp_path / "tmpdir") == []


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "grader-killed"])
def test_an_unsandboxed_run_stopped_midway_leaves_nothing(tmp_path: Path, stop: signal.Signals) -> None:
    env = _environment(tmp_path)
    started = tmp_path / "started"
    # The notebook says (on the host: unsandboxed, it can) when it runs, then sleeps past any wait.
    cell = f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(600)"
    write_notebook(tmp_path / "in" / "runs.ipynb", [LITTER, cell])
    command = [*_grade(tmp_path, tmp_path / "in"), "--unsandboxed", "--quiet", "--timeout", "300"]
    grader = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert grader.poll() is None and time.monotonic() < deadline, grader.communicate()
            time.sleep(0.05)
        os.killpg(grader.pid, stop)
        grader.communicate(timeout=60)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.communicate()
    assert _left_in(tmp_path / "tmpdir") == []
