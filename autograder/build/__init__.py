"""`cnngrade build`: the student bundle (by otter assign) and the Gradescope zip (by us) of each assignment."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.build.assign import otter_assign, replace_dir
from autograder.build.gradescope_zip import ZIP_NAME, write_gradescope_zip
from autograder.build.wheel import build_wheel
from autograder.course import ASSIGNMENTS
from autograder.course import assignment as find_assignment


@dataclass(frozen=True)
class Built:
    name: str
    student_dir: Path
    zip_path: Path


def build_one(root: Path, name: str, wheel: Path, work: Path, student_root: Path, dist_root: Path) -> Built:
    made = otter_assign(root, name, work / name)
    replace_dir(made / "student", student_root / name)
    target = dist_root / name
    target.mkdir(parents=True, exist_ok=True)
    write_gradescope_zip(name, wheel, target / ZIP_NAME)
    shutil.copy2(made / "autograder" / f"{name}.ipynb", target / f"{name}-solution.ipynb")
    return Built(name, student_root / name, target / ZIP_NAME)


def build(
    *,
    assignments: Sequence[str] | None = None,
    root: Path,
    student_root: Path | None = None,
    dist_root: Path | None = None,
) -> list[Built]:
    """Build the named assignments (all by default) from root/assignments into the two outputs."""
    names = [find_assignment(name).name for name in assignments] if assignments else list(ASSIGNMENTS)
    student_root = student_root or root / "student_template"
    dist_root = dist_root or root / "dist"
    with tempfile.TemporaryDirectory(prefix="cnngrade-build-") as temporary:
        work = Path(temporary)
        wheel = build_wheel(root, work / "wheel")
        return [build_one(root, name, wheel, work, student_root, dist_root) for name in names]


__all__ = ["Built", "build"]
