"""cnngrade: auto-graded homework for a CNN course. The public API, one function per verb of the CLI.

Names are imported on first use, so `import autograder` (or reading a finished folder with
`read_out`) never loads the grader, the sandbox or the reference solutions.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograder.build import Built
    from autograder.build import build as build_course
    from autograder.build.try_zip import TryRun, try_zip
    from autograder.diff import RunDiff, diff_runs
    from autograder.errors import CnnGradeError
    from autograder.grading.run import GradeRun, grade
    from autograder.lms.canvas import collect_canvas_submissions, export_canvas
    from autograder.lms.gradescope import collect_gradescope_submissions
    from autograder.model import CaseResult, Status, SubmissionResult
    from autograder.outputs.folder import GradedOut, read_out
    from autograder.report.html import write_report

_HOME: dict[str, str | tuple[str, str]] = {
    # Not `build`: importing the subpackage autograder.build would replace it with the module.
    "build_course": ("autograder.build", "build"),
    "Built": "autograder.build",
    "try_zip": "autograder.build.try_zip",
    "TryRun": "autograder.build.try_zip",
    "grade": "autograder.grading.run",
    "GradeRun": "autograder.grading.run",
    "write_report": "autograder.report.html",
    "collect_canvas_submissions": "autograder.lms.canvas",
    "export_canvas": "autograder.lms.canvas",
    "collect_gradescope_submissions": "autograder.lms.gradescope",
    "diff_runs": "autograder.diff",
    "RunDiff": "autograder.diff",
    "read_out": "autograder.outputs.folder",
    "GradedOut": "autograder.outputs.folder",
    "CaseResult": "autograder.model",
    "Status": "autograder.model",
    "SubmissionResult": "autograder.model",
    "CnnGradeError": "autograder.errors",
}

__all__ = [
    "Built",
    "CaseResult",
    "CnnGradeError",
    "GradeRun",
    "GradedOut",
    "RunDiff",
    "Status",
    "SubmissionResult",
    "TryRun",
    "build_course",
    "collect_canvas_submissions",
    "collect_gradescope_submissions",
    "diff_runs",
    "export_canvas",
    "grade",
    "read_out",
    "try_zip",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    home = _HOME[name]
    module, attribute = home if isinstance(home, tuple) else (home, name)
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
