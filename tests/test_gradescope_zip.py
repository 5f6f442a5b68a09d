"""The Gradescope zip, run by its own run_autograder through `cnngrade try-zip`: valid results, cnngrade's scores.

Also: the zip is the same bytes when rebuilt, pins every package it installs, and its setup.sh's
installation (pinned packages, then the wheel by its path) is enough to grade with."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from packaging.utils import canonicalize_name

from autograder.build import Built, build
from autograder.build.try_zip import container, try_one
from autograder.course import ASSIGNMENTS
from autograder.grading.gradescope_run import FALLBACK_UIDS
from autograder.grading.run import grade
from autograder.model import SubmissionResult

from .factories import require_try_zip

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED = 404
HOST_RESULTS = Path("/autograder/results/results.json")  # Gradescope's path, on this machine
pytestmark = pytest.mark.slow

# Gradescope's results format, from "Autograder Specifications" (sections "Output format", "Controlling
# Test Case Visibility", "Test case status", "Output String Formatting"):
# https://gradescope-autograders.readthedocs.io/en/latest/specs/ (source: github.com/gradescope/
# autograder_samples, docs/specs.md). Every key is optional there, except that a score must be given at the
# top level or on every test. Unknown keys are refused here, to catch a misspelt key that Gradescope would ignore.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "simple_format", "html", "md", "ansi"]}
NUMBER = {"type": "number"}
GRADESCOPE_TEST = {
    "type": "object",
    "properties": {
        "score": NUMBER,
        "max_score": NUMBER,
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"},
        "name_format": FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
    "additionalProperties": False,
}
GRADESCOPE_RESULTS = {
    "type": "object",
    "properties": {
        "score": NUMBER,
        "execution_time": NUMBER,
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": GRADESCOPE_TEST},
        "leaderboard": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"type": "string"},
                    "value": {"type": ["number", "string"]},
                    "order": {"enum": ["asc", "desc"]},
                },
            },
        },
    },
    "anyOf": [
        {"required": ["score"]},
        {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}},
    ],
    "additionalProperties": False,
}
# What the README promises on top: a total, and every test named, explained and with a visibility; a scored
# test has its maximum and a status.
CONTRACT = {
    "type": "object",
    "required": ["score", "tests"],
    "properties": {
        "tests": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "output", "visibility"],
                "dependentRequired": {"score": ["max_score", "status"], "max_score": ["score"]},
            },
        }
    },
}


def _host_results_state() -> tuple[int, int] | None:
    return (HOST_RESULTS.stat().st_mtime_ns, HOST_RESULTS.stat().st_size) if HOST_RESULTS.exists() else None


def cnngrade_scores(name: str, notebooks: list[Path], tmp: Path) -> dict[str, SubmissionResult]:
    submissions = tmp / "submissions"
    submissions.mkdir()
    for notebook in notebooks:
        shutil.copy(notebook, submissions)
    run = grade(assignment=name, submissions=submissions, out=tmp / "cnngrade", seed=SEED, timeout=10)
    return {result.submission: result for result in run.results}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_every_sample_scores_on_the_zip_what_cnngrade_grade_gives_it(
    fresh_build: dict[str, Built], name: str, tmp_path: Path
) -> None:
    require_try_zip()
    notebooks = sorted((EXAMPLES / name).glob("*.ipynb"))
    before = _host_results_state()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = dict(
            zip(
                (p.stem for p in notebooks),
                pool.map(
                    lambda p: try_one(
                        fresh_build[name].zip_path,
                        p,
                        tmp_path / "zip" / p.stem,
                        seed=SEED,
                        timeout=10,
                        kind="permissive",
                    ),
                    notebooks,
                ),
            )
        )
    assert _host_results_state() == before, f"a run wrote {HOST_RESULTS} on this machine"
    ours = cnngrade_scores(name, notebooks, tmp_path)
    points = ASSIGNMENTS[name].points()
    for stem, run in runs.items():
        results = run.results
        jsonschema.validate(results, GRADESCOPE_RESULTS, cls=jsonschema.Draft202012Validator)
        jsonschema.validate(results, CONTRACT, cls=jsonschema.Draft202012Validator)
        assert results["extra_data"]["sandbox"]["kind"] == "bubblewrap", stem
        assert results["extra_data"]["status"] == ours[stem].status, stem
        assert {q: most for q, (_, most) in run.question_scores().items()} == pytest.approx(points), stem
        assert {q: score for q, (score, _) in run.question_scores().items()} == pytest.approx(
            {q: ours[stem].question_scores().get(q, 0.0) for q in points}
        ), stem
        assert results["score"] == pytest.approx(ours[stem].score), stem
        for test in results["tests"]:
            assert test["status"] == ("passed" if test["score"] >= test["max_score"] else "failed"), test["name"]
    assert runs["passes_all"].results["score"] == pytest.approx(sum(points.values()))
    # What students see when (README): public cases at once; hidden ones, and so the total, once published.
    case_visibility = {case.id: case.hidden for case in ASSIGNMENTS[name].cases(SEED)}
    visibilities = [test["visibility"] for test in runs["passes_all"].results["tests"]]
    assert visibilities == ["after_published" if hidden else "visible" for hidden in case_visibility.values()]
    assert runs["passes_all"].results["stdout_visibility"] == "hidden"


@pytest.mark.parametrize("stem", ["passes_all", "flipped_kernel", "infinite_loop_last_cell"])
def test_in_a_docker_like_container_the_zip_grades_the_same_as_an_unprivileged_user(
    fresh_build: dict[str, Built], stem: str, tmp_path: Path
) -> None:
    require_try_zip()
    notebook = EXAMPLES / "hw1" / f"{stem}.ipynb"
    run = try_one(fresh_build["hw1"].zip_path, notebook, tmp_path / "zip", seed=SEED, kind="docker", timeout=10)
    (ours,) = cnngrade_scores("hw1", [notebook], tmp_path).values()
    sandbox = run.results["extra_data"]["sandbox"]
    assert (sandbox["kind"], sandbox["network"]) == ("unprivileged", "sockets refused") and sandbox[
        "uid"
    ] in FALLBACK_UIDS
    assert run.results["score"] == pytest.approx(ours.score)
    assert run.results["extra_data"]["status"] == ours.status


@pytest.mark.parametrize("kind", ["docker", "permissive"])
def test_every_folder_in_memory_that_try_zip_s_container_mounts_has_a_size(kind: str, tmp_path: Path) -> None:
    # A notebook's files in a tmpfs are nobody's memory: no limit of the grader's counts them, and without a size the
    # container's /tmp would hold as much of the TA's RAM as a notebook writes (red team: 4.2 GB from one notebook).
    command = container(tmp_path, Path(sys.executable), kind, 3 if kind == "docker" else None)
    mounts = [index for index, arg in enumerate(command) if arg == "--tmpfs"]
    # Read-only ones hold nothing (the covers over the grader's own package): the rest are what can be written.
    writable = [
        command[index + 1] for index in mounts if command[index + 2 : index + 4] != ["--remount-ro", command[index + 1]]
    ]
    assert writable == ["/dev/shm", "/tmp", "/run"]
    for previous, index in zip([-1, *mounts], mounts, strict=False):
        if command[index + 1] in writable:
            options = command[previous + 1 : index]
            assert "--size" in options, command[index + 1]
            assert 0 < int(options[options.index("--size") + 1]) <= 2**30


def test_a_rebuilt_zip_has_the_same_bytes(fresh_build: dict[str, Built], tmp_path: Path) -> None:
    again = build(assignments=["hw1"], root=ROOT, student_root=tmp_path / "student", dist_root=tmp_path / "dist")
    assert again[0].zip_path.read_bytes() == fresh_build["hw1"].zip_path.read_bytes()


def test_the_zip_pins_what_it_installs_and_installs_the_wheel_by_its_path(fresh_build: dict[str, Built]) -> None:
    with zipfile.ZipFile(fresh_build["hw1"].zip_path) as archive:
        names = set(archive.namelist())
        setup = archive.read("setup.sh").decode()
        requirements = [
            line for line in archive.read("requirements.txt").decode().splitlines() if line and not line.startswith("#")
        ]
        config = json.loads(archive.read("cnngrade.json"))
    (wheel,) = [n for n in names if n.startswith("files/wheels/")]
    assert names == {"run_autograder", "run_cnngrade.py", "setup.sh", "requirements.txt", "cnngrade.json", wheel}
    assert config["wheel"] == wheel and config["assignment"] == "hw1"
    pinned = dict(line.split("==") for line in requirements)
    assert all(re.fullmatch(r"[a-z0-9-]+==[\w.+!-]+", line) for line in requirements), requirements
    # The versions this test runs with, and nothing grading does not import (no Otter, no plotting, no tests).
    assert pinned == {name: metadata.version(name) for name in pinned}
    assert {"numpy", "pandas", "nbformat", "ipython"} <= set(pinned)
    assert not {"otter-grader", "matplotlib", "pytest", "playwright", "cnngrade", "jupyter-server"} & set(pinned)
    assert "--no-deps" in setup and '-r "$SOURCE/requirements.txt"' in setup
    assert f'--no-index --target "$SOURCE/lib" "$SOURCE/{wheel}"' in setup
    assert f"python={config['python']}" in setup and config["python"] == "{}.{}.{}".format(*sys.version_info[:3])


def _setup_pip_commands(setup: str) -> list[str]:
    return [line for line in setup.splitlines() if " -m pip install " in line]


def test_what_setup_sh_installs_is_enough_to_grade(fresh_build: dict[str, Built], tmp_path: Path) -> None:
    """setup.sh's two pip commands, run as written into a fresh environment of the same Python (from the
    package index), then the zip run on that environment: the pinned packages resolve and suffice."""
    require_try_zip()
    zip_path = fresh_build["hw1"].zip_path
    source = tmp_path / "source"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(source)
    environment = tmp_path / "env"
    subprocess.run([sys.base_prefix + "/bin/python3", "-m", "venv", str(environment)], check=True)
    for command in _setup_pip_commands((source / "setup.sh").read_text()):
        # The same command, with this machine's paths for the image's (and pip's cache, to be quick).
        line = command.replace('"$PREFIX/env', f'"{environment}').replace('"$SOURCE', f'"{source}')
        line = line.replace("--no-cache-dir ", "")
        done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (source / "lib" / "autograder").is_dir() and (source / "lib" / "solutions").is_dir()
    installed = subprocess.run(
        [
            str(environment / "bin/python"),
            "-I",
            "-c",
            "import importlib.metadata as m; print('\\n'.join(sorted(d.name.lower() for d in m.distributions())))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    with zipfile.ZipFile(zip_path) as archive:
        pinned = {
            line.split("==")[0] for line in archive.read("requirements.txt").decode().splitlines() if "==" in line
        }
    assert {canonicalize_name(name) for name in installed} - {"pip", "setuptools"} == pinned
    run = try_one(
        zip_path,
        EXAMPLES / "hw1" / "passes_all.ipynb",
        tmp_path / "out",
        seed=SEED,
        python=environment / "bin" / "python",
    )
    assert run.results["score"] == pytest.approx(sum(ASSIGNMENTS["hw1"].points().values())), run.log[-2000:]
