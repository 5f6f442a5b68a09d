"""Lint, format and types are part of the suite, so CI enforces them wherever `make test` runs.

The settings are pyproject.toml's ([tool.ruff], [tool.mypy]); these only run the tools."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed beside {sys.executable}: pip install -e '.[test]'")
    return found


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    done = run(tool("ruff"), "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


def test_the_code_is_formatted() -> None:
    done = run(tool("ruff"), "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:] + "\nrun: ruff format ."


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="numpy 2.2, the last for Python 3.10, types sliding_window_view's axis narrower"
)
def test_mypy_finds_nothing() -> None:
    done = run(sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
