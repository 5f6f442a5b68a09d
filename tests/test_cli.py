"""The CLI only parses and maps onto core functions; user errors become one line and an exit code."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from autograder.cli import main, parse_size

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_help_lists_the_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "build" in done.stdout and "grade" in done.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2GiB", 2 * 1024**3, id="gib"),
        pytest.param("512M", 512 * 1024**2, id="m"),
        pytest.param("1000", 1000, id="bytes"),
    ],
)
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


def test_unknown_assignment_suggests_the_close_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["grade", "hw11", str(EXAMPLES / "hw1"), "--out", str(tmp_path)])
    assert code == 2
    assert "did you mean 'hw1'?" in capsys.readouterr().err


def test_missing_submissions_folder_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["grade", "hw1", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "No submissions folder" in capsys.readouterr().err


def test_grade_prints_the_gradebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    submissions = tmp_path / "in"
    submissions.mkdir()
    for name in ("passes_all", "broken_json"):
        (submissions / f"{name}.ipynb").write_bytes((EXAMPLES / "hw2" / f"{name}.ipynb").read_bytes())
    assert main(["grade", "hw2", str(submissions), "--out", str(tmp_path / "out"), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "passes_all" in printed and "invalid" in printed and "seed 3" in printed
    assert (tmp_path / "out" / "gradebook.csv").exists()


def test_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    submissions = tmp_path / "in"
    submissions.mkdir()
    (submissions / "passes_all.ipynb").write_bytes((EXAMPLES / "hw2" / "passes_all.ipynb").read_bytes())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            "hw2",
            str(submissions),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "1 submissions (1 ok)" in done.stdout and "mean score" in done.stdout and "slowest" in done.stdout


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    submissions = tmp_path / "in"
    submissions.mkdir()
    (submissions / "passes_all.ipynb").write_bytes((EXAMPLES / "hw2" / "passes_all.ipynb").read_bytes())
    controller, terminal = pty.openpty()
    # A new pseudo-terminal is 0 columns wide: give it a real size, as a terminal window has.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    grader = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", "hw2", str(submissions), "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    grader.communicate()
    assert grader.returncode == 0
    text = shown.decode(errors="replace")
    assert "grading" in text and "1/1" in text and "nb/s" in text


def test_report_of_a_folder_never_graded_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no run.json" in capsys.readouterr().err
