"""A TA who only grades installs `pip install cnngrade` with no extra: that alone grades, reports and exports.

Made for real: a fresh venv with this checkout installed (not editable) and nothing else, then the
README's commands, compared with the same commands in the full environment the suite runs in."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "hw1"
# What only building the course, plotting, Dask or the tests need.
NOT_FOR_GRADING = {"otter-grader", "matplotlib", "dask", "distributed", "pytest", "ipykernel", "torch", "scipy"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grading_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv's bin folder."""
    work = tmp_path_factory.mktemp("grading-only")
    source = work / "source"  # a copy: building the wheel writes into the tree it builds from
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for package in ("autograder", "solutions"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)],
        check=True,
        timeout=1200,
    )
    return venv / "bin"


def installed(bin_folder: Path) -> set[str]:
    listed = subprocess.run(
        [str(bin_folder / "python"), "-m", "pip", "list", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {package["name"].lower() for package in json.loads(listed)}


def cnngrade(bin_folder: Path, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_folder / "cnngrade"), *map(str, arguments)], capture_output=True, text=True, timeout=900
    )


def grade_sample(bin_folder: Path, out: Path) -> bytes:
    done = cnngrade(bin_folder, "grade", "hw1", EXAMPLES, "--out", out, "--seed", 7, "--timeout", 10, "--unsandboxed")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return (out / "gradebook.csv").read_bytes()


def test_nothing_but_grading_is_installed(grading_only: Path) -> None:
    packages = installed(grading_only)
    assert "cnngrade" in packages
    assert not NOT_FOR_GRADING & packages


def test_it_grades_reports_and_exports_as_the_full_install_does(grading_only: Path, tmp_path: Path) -> None:
    full = Path(sys.executable).parent
    gradebook = grade_sample(grading_only, tmp_path / "out")
    assert gradebook == grade_sample(full, tmp_path / "full")

    done = cnngrade(grading_only, "report", tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    index = (tmp_path / "out" / "report" / "index.html").read_text(encoding="utf-8")
    assert "pip install &#39;cnngrade[plots]&#39;" in index  # no plots, and the page says how to get them
    assert not (tmp_path / "out" / "report" / "plots").exists()

    with (tmp_path / "out" / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw1 (1)"])
        for number, row in enumerate(rows):
            writer.writerow([f"Student {number}", row["submission"], "", "", "A", ""])
    done = cnngrade(
        grading_only, "export", "canvas", tmp_path / "out", "--roster", roster, "--into", tmp_path / "c.csv"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (tmp_path / "c.csv").open(newline="", encoding="utf-8") as handle:
        exported = {row["ID"]: row["hw1 (1)"] for row in csv.DictReader(handle)}
    graded = {row["submission"]: row for row in rows}
    for submission, cell in exported.items():
        if graded[submission]["status"] == "invalid":
            assert cell == ""  # not graded: left for the TA, not a zero
        else:
            assert float(cell) == pytest.approx(float(graded[submission]["score"]), abs=0.01)
