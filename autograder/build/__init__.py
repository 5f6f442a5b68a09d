"""`cnngrade build`: the student bundle (by otter assign) and the Gradescope zip (by us) of each assignment.

An assignment is built again only when what its outputs are made of changed, or its outputs did
(build/record.py says what counts); `force` builds every named assignment regardless.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nbformat.warnings import MissingIDFieldWarning

from autograder.build import record
from autograder.build.assign import otter_assign, replace_dir
from autograder.build.gradescope_zip import ZIP_NAME, write_gradescope_zip
from autograder.build.wheel import WHEEL_SOURCES, build_wheel
from autograder.course import ASSIGNMENTS
from autograder.course import assignment as find_assignment
from autograder.errors import BuildError

# Which of the wheel's sources are folders (the rest are files).
FOLDERS = frozenset({"autograder", "solutions"})


@dataclass(frozen=True)
class Built:
    name: str
    student_dir: Path
    zip_path: Path
    # Why it was built now (for the TA: "assignments/hw1/ changed"); empty when it was up to date.
    why: str = "built"

    @property
    def up_to_date(self) -> bool:
        return not self.why


def _outputs(name: str, student_root: Path, dist_root: Path) -> dict[str, Path]:
    return {
        "student": student_root / name,
        "zip": dist_root / name / ZIP_NAME,
        "solution": dist_root / name / f"{name}-solution.ipynb",
    }


def build_one(root: Path, name: str, wheel: Path, work: Path, student_root: Path, dist_root: Path) -> None:
    outputs = _outputs(name, student_root, dist_root)
    with warnings.catch_warnings():
        # A master saved without cell ids is read and written here; the bundle gets ids of its own
        # (normalise_notebook), so nbformat's advice to add them is nothing the TA need act on.
        warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
        made = otter_assign(root, name, work / name)
    replace_dir(made / "student", outputs["student"])
    outputs["zip"].parent.mkdir(parents=True, exist_ok=True)
    write_gradescope_zip(name, wheel, outputs["zip"])
    shutil.copy2(made / "autograder" / f"{name}.ipynb", outputs["solution"])


def check_course_root(root: Path) -> None:
    """That `root` holds what a build reads (the masters and the wheel's sources), before anything is read:
    run elsewhere, the first missing file would otherwise be the message, not where the build ran."""
    needed = {"pyproject.toml": root / "pyproject.toml", "assignments/": root / "assignments"}
    needed |= {name + "/" if name in FOLDERS else name: root / name for name in WHEEL_SOURCES}
    missing = [
        label for label, path in needed.items() if not (path.is_dir() if label.endswith("/") else path.is_file())
    ]
    if missing:
        raise BuildError(
            f"{root} is not a cnngrade course repository (no {', '.join(missing)}): "
            "run build from the repository's root or pass --root"
        )


def build(
    *,
    assignments: Sequence[str] | None = None,
    root: Path,
    student_root: Path | None = None,
    dist_root: Path | None = None,
    force: bool = False,
    on_done: Callable[[Built], None] | None = None,
) -> list[Built]:
    """Build the named assignments (all by default) from root/assignments into the two outputs.

    Assignments whose inputs and outputs match their record are kept as they are, unless `force`;
    `on_done` hears of each assignment as soon as it is built or found up to date."""
    names = [find_assignment(name).name for name in assignments] if assignments else list(ASSIGNMENTS)
    check_course_root(root)
    student_root = student_root or root / "student_template"
    dist_root = dist_root or root / "dist"
    shared = record.shared_inputs(root)
    inputs = {name: record.assignment_inputs(root, name, shared) for name in names}
    stale: dict[str, str] = {}
    for name in names:
        outputs = record.outputs_digest(_outputs(name, student_root, dist_root))
        why = "--force" if force else record.why_stale(dist_root / name / record.RECORD, name, inputs[name], outputs)
        if why is not None:
            stale[name] = why
    done: list[Built] = []
    with tempfile.TemporaryDirectory(prefix="cnngrade-build-") as temporary:
        work = Path(temporary)
        # The wheel only when something is built, and once for all of them.
        wheel = build_wheel(root, work / "wheel") if stale else None
        for name in names:
            why = stale.get(name, "")
            if wheel is not None and why:
                record_path = dist_root / name / record.RECORD
                record.forget(record_path)
                build_one(root, name, wheel, work, student_root, dist_root)
                made = record.outputs_digest(_outputs(name, student_root, dist_root))
                record.remember(record_path, inputs[name], made)
            built = Built(name, student_root / name, dist_root / name / ZIP_NAME, why)
            done.append(built)
            if on_done is not None:
                on_done(built)
    return done


__all__ = ["Built", "build"]
