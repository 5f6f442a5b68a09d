"""The Gradescope zip: cnngrade's own grader, pinned, the same bytes for the same commit.

Gradescope unpacks it into /autograder/source, runs setup.sh once to build the image, then
run_autograder once per submission. What it holds:

    run_autograder, run_cnngrade.py   the entry point: cnngrade's two-phase grader (grading/gradescope_run.py)
    setup.sh                          Python and the pinned packages; the wheel into a folder only root reads
    requirements.txt                  every package the grader's environment holds, each pinned (==)
    cnngrade.json                     which assignment, the Python version, the limits
    files/wheels/cnngrade-*.whl       this project (installed by its path, never looked up on an index)

The pins are the versions installed where the zip is built, which are the ones the project was
tested with; otter assign made the student bundle, and none of Otter is needed to grade.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.errors import BuildError
from autograder.grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT

ZIP_NAME = "autograder.zip"
CONFIG = "cnngrade.json"
WHEELS = "files/wheels"
RUNTIME = Path(__file__).resolve().parent / "gradescope"
# What grading imports: the notebook format, the shell cells run in, arrays and (for tables) pandas.
GRADING_DISTRIBUTIONS = ("numpy", "pandas", "nbformat", "ipython")
# Every entry gets this time and one of two modes: the bytes depend on the content alone.
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE, READABLE = 0o755, 0o644


def pinned_requirements(roots: tuple[str, ...] = GRADING_DISTRIBUTIONS) -> list[str]:
    """`name==version` for each root and everything it requires on this Python, as installed here."""
    environment = {key: str(value) for key, value in default_environment().items()}
    pins: dict[str, str] = {}
    pending = list(roots)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in pins:
            continue
        try:
            pins[name] = metadata.version(name)
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            raise BuildError(f"{name} is needed to grade but is not installed here, so it cannot be pinned") from None
        for line in requirements:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({**environment, "extra": ""}):
                pending.append(requirement.name)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def python_version() -> str:
    return "{}.{}.{}".format(*sys.version_info[:3])


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ENTRY_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the mode below is read back
    info.external_attr = (0o100000 | mode) << 16
    return info


def zip_entries(assignment: str, wheel: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry of the zip: its bytes and its mode."""
    wheel_path = f"{WHEELS}/{wheel.name}"
    setup = (RUNTIME / "setup.sh").read_text()
    for placeholder, value in {"@PYTHON_VERSION@": python_version(), "@WHEEL@": wheel_path}.items():
        if placeholder not in setup:
            raise BuildError(f"setup.sh has no {placeholder}")
        setup = setup.replace(placeholder, value)
    requirements = (
        "# Every package the grading environment holds, at the versions cnngrade was built and tested\n"
        "# with. setup.sh installs exactly these (--no-deps), then the bundled wheel by its path.\n"
        + "".join(f"{pin}\n" for pin in pinned_requirements())
    )
    config = {
        "assignment": assignment,
        "python": python_version(),
        "wheel": wheel_path,
        "timeout": DEFAULT_TIMEOUT,
        "memory_bytes": DEFAULT_MEMORY,
    }
    return {
        "run_autograder": ((RUNTIME / "run_autograder").read_bytes(), EXECUTABLE),
        "run_cnngrade.py": ((RUNTIME / "run_cnngrade.py").read_bytes(), READABLE),
        "setup.sh": (setup.encode(), EXECUTABLE),
        "requirements.txt": (requirements.encode(), READABLE),
        CONFIG: ((json.dumps(config, indent=2, sort_keys=True) + "\n").encode(), READABLE),
        wheel_path: (wheel.read_bytes(), READABLE),
    }


def write_gradescope_zip(assignment: str, wheel: Path, target: Path) -> Path:
    if not re.fullmatch(r"cnngrade-[^-]+-py3-none-any\.whl", wheel.name):
        raise BuildError(f"{wheel.name} is not a pure-Python cnngrade wheel")
    with zipfile.ZipFile(target, "w") as archive:
        for name, (data, mode) in sorted(zip_entries(assignment, wheel).items()):
            archive.writestr(_entry(name, mode), data)
    return target
