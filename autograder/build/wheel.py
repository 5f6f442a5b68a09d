"""A wheel of this project for the Gradescope zip, the same bytes every time the same commit is built.

Built from a clean copy of what the wheel holds (pyproject.toml, README.md, autograder/, solutions/):
an in-tree build would pick up whatever a stale build/ folder still holds. The build backend is
pinned in pyproject.toml and the file times come from SOURCE_DATE_EPOCH, so the bytes depend on
the commit alone.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.build.assign import ignore_caches, run_step
from autograder.errors import BuildError

# 1980-01-01, the earliest time a zip entry can hold.
SOURCE_DATE_EPOCH = "315532800"
WHEEL_SOURCES = ("pyproject.toml", "README.md", "autograder", "solutions")


def build_wheel(root: Path, into: Path) -> Path:
    """The project's wheel (no dependencies) in `into`."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-wheel-source-") as temporary:
        source = Path(temporary) / "cnngrade"
        source.mkdir()
        for name in WHEEL_SOURCES:
            if (root / name).is_dir():
                shutil.copytree(root / name, source / name, ignore=ignore_caches)
            else:
                shutil.copy2(root / name, source / name)
        environment = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        run_step(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(into), str(source)],
            cwd=source,
            what="building the cnngrade wheel",
            environment=environment,
        )
    wheels = sorted(into.glob("cnngrade-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one cnngrade wheel in {into}, found {len(wheels)}")
    return wheels[0]
