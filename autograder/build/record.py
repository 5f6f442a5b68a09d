"""What each assignment's build was made from, so that `cnngrade build` redoes only what changed.

Beside an assignment's outputs (dist/HW/.cnngrade-build.json) a build records a hash of every input
that reaches them and a hash of the outputs it wrote. The next build reuses them only when both
still match; anything it cannot hash counts as changed. The inputs, by content (never by time):

    master        assignments/HW/, all of it
    package       what the Gradescope zip's wheel is made of: pyproject.toml, README.md, autograder/,
                  solutions/ of the course being built (--root). The wheel holds every assignment's
                  hidden checks, so a change to any of it reaches every assignment's zip.
    grader        the autograder/ and solutions/ this build runs: stage() copies their checks/ into
                  the bundle, otter assign runs the master's tests against their registry and
                  solutions. The same files as `package` unless --root names another copy.
    environment   this Python and every installed distribution's version: the zip pins the versions
                  installed here, and otter, nbformat and ipykernel shape the student bundle.

A build that stops half-way leaves no record (it is removed first), so the next one starts over.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path

from autograder.build.assign import PACKAGE_ROOT
from autograder.build.wheel import WHEEL_SOURCES
from autograder.outputs.files import write_atomic

RECORD = ".cnngrade-build.json"
# Bumped when what is recorded changes meaning: every older record then counts as stale.
FORMAT = 1
WHY = {
    "master": "assignments/{name}/ changed",
    "package": "the package changed (" + ", ".join(WHEEL_SOURCES) + ")",
    "grader": "the cnngrade this build runs changed",
    "environment": "the Python or its installed packages changed",
}


def _files(folder: Path) -> Iterator[tuple[str, Path]]:
    # As copytree copies: through symbolic links, without Python's caches.
    for directory, subfolders, names in os.walk(folder, followlinks=True):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(names):
            if not name.endswith(".pyc"):
                path = Path(directory) / name
                yield path.relative_to(folder).as_posix(), path


def tree_digest(path: Path) -> str:
    """A hash of a file's bytes, or of a folder's file names and bytes; raises OSError if unreadable."""
    digest = hashlib.sha256()
    if path.is_dir():
        digest.update(b"folder\0")
        for name, file in _files(path):
            data = file.read_bytes()
            digest.update(os.fsencode(name) + b"\0" + str(len(data)).encode() + b"\0" + data)
    elif path.is_file():
        digest.update(b"file\0" + path.read_bytes())
    else:
        digest.update(b"missing\0")
    return digest.hexdigest()


def _digest_of(paths: Mapping[str, Path]) -> str | None:
    try:
        parts = {label: tree_digest(path) for label, path in sorted(paths.items())}
    except OSError:
        return None
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _installed() -> list[str]:
    return sorted({f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()})


def _python() -> list[str]:
    return [sys.version, sys.platform, platform.machine()]


def environment_digest() -> str:
    facts = [*_python(), *_installed()]
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()


def _running_solutions() -> Path | None:
    # Found, not imported: the build reaches the reference only through the course (import-linter).
    spec = importlib.util.find_spec("solutions")
    return Path(spec.origin).parent if spec and spec.origin else None


def shared_inputs(root: Path) -> dict[str, str | None]:
    """The inputs every assignment shares; None where something could not be read."""
    solutions = _running_solutions()
    grader = {"autograder": PACKAGE_ROOT, **({"solutions": solutions} if solutions else {})}
    return {
        "package": _digest_of({name: root / name for name in WHEEL_SOURCES}),
        "grader": _digest_of(grader),
        "environment": environment_digest(),
    }


def assignment_inputs(root: Path, name: str, shared: Mapping[str, str | None]) -> dict[str, str | None]:
    return {"master": _digest_of({name: root / "assignments" / name}), **shared}


def outputs_digest(outputs: Mapping[str, Path]) -> str | None:
    return _digest_of(outputs)


def why_stale(record: Path, name: str, inputs: Mapping[str, str | None], outputs: str | None) -> str | None:
    """Why the outputs must be built again, or None when they are what these inputs build."""
    try:
        recorded = json.loads(record.read_text())
        if recorded["format"] != FORMAT:
            return "its record is from another version of cnngrade"
        recorded_inputs, recorded_outputs = dict(recorded["inputs"]), recorded["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return "no earlier build is recorded"
    for key, value in inputs.items():
        if value is None or recorded_inputs.get(key) != value:
            return WHY[key].format(name=name)
    if set(recorded_inputs) != set(inputs):
        return "its record is from another version of cnngrade"
    if outputs is None or recorded_outputs != outputs:
        return "its outputs are missing or were changed since"
    return None


def forget(record: Path) -> None:
    record.unlink(missing_ok=True)


def remember(record: Path, inputs: Mapping[str, str | None], outputs: str | None) -> None:
    if outputs is None or any(value is None for value in inputs.values()):
        return  # something could not be read: no record, so the next build builds again
    write_atomic(record, json.dumps({"format": FORMAT, "inputs": dict(inputs), "outputs": outputs}, indent=2) + "\n")
