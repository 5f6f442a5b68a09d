"""The one exception hierarchy of cnngrade; only the CLI turns these into messages and exit codes."""

from __future__ import annotations

import difflib


class CnnGradeError(Exception):
    """Something the user can fix; the message says how."""

    exit_code = 2


class UnknownAssignment(CnnGradeError):
    def __init__(self, name: str, known: tuple[str, ...]):
        hint = difflib.get_close_matches(name, known, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        super().__init__(f"No assignment {name!r}; the course has {', '.join(known)}.{did_you_mean}")


class BuildError(CnnGradeError):
    """otter assign or the packaging around it failed."""

    exit_code = 3


class SubmissionsNotFound(CnnGradeError):
    """The submissions folder is missing or holds no notebooks."""


class SandboxRequired(CnnGradeError):
    """Bubblewrap cannot sandbox submissions here, and the grader was not told to run without it."""

    def __init__(self, why: str):
        super().__init__(
            f"refusing to run student code without a sandbox: {why}\n"
            "Unsandboxed, a notebook can read the reference solutions and hidden tests (and so earn full "
            "marks), read and change other students' submissions and the grading output, write into the "
            "Python environment the grader itself runs from, and leave processes running after the run.\n"
            "Get the sandbox: apt-get install bubblewrap (Debian/Ubuntu; dnf install bubblewrap on Fedora), on "
            "a kernel that allows unprivileged user namespaces. Or, for notebooks you trust (your own sample "
            "class), pass --unsandboxed."
        )


class DaskUnavailable(CnnGradeError):
    """--executor dask: Dask is not installed, or its scheduler or workers cannot be reached."""


class CanvasError(CnnGradeError):
    """A Canvas download or gradebook export we cannot use; the message says what to do."""


class OutFolderError(CnnGradeError):
    """A folder given as OUT is not what a finished `cnngrade grade --out` left there."""


class GradescopeError(CnnGradeError):
    """A Gradescope export we cannot use; the message says what to do."""


class TryZipError(CnnGradeError):
    """An autograder zip, or this machine, cannot run the zip as Gradescope would."""
