"""`report` and `export canvas` on a place the system refuses: the README's exit code for files (4), with the wording
that says what to give instead, as the installed command a TA runs (without root's power to write anywhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.errors import EXIT_FILES

from .test_canvas import CLASS, write_roster
from .test_cli_usage import POWERLESS, cnngrade, one_line
from .test_report import class_of_names, write_out

pytestmark = pytest.mark.skipif(
    os.geteuid() == 0 and not POWERLESS, reason="as root, only setpriv makes a folder read-only"
)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_out(tmp_path / "out", *class_of_names((CLASS[0].user_id,)))
    write_roster(tmp_path / "roster.csv")
    (tmp_path / "read_only").mkdir()
    (tmp_path / "read_only").chmod(0o555)
    (tmp_path / "unreadable.csv").write_bytes((tmp_path / "roster.csv").read_bytes())
    (tmp_path / "unreadable.csv").chmod(0)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "said"),
    [
        pytest.param(
            ("report", "out", "--into", "read_only/report"), "give --into a folder you can write to", id="report-into"
        ),
        pytest.param(
            ("export", "canvas", "out", "--roster", "roster.csv", "--into", "read_only/x.csv"),
            "give --into a file in a folder you can write to",
            id="export-into",
        ),
        pytest.param(
            ("export", "canvas", "out", "--roster", "unreadable.csv", "--into", "x.csv"),
            "cannot read the roster",
            id="export-roster",
        ),
        pytest.param(("report", "out", "--roster", "unreadable.csv"), "cannot read the roster", id="report-roster"),
    ],
)
def test_a_path_the_system_refuses_exits_with_the_files_code(world: Path, args: tuple[str, ...], said: str) -> None:
    done = cnngrade(*args, cwd=world)
    line = one_line(done.stderr)
    assert done.returncode == EXIT_FILES, line
    assert said in line
