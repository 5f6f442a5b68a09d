"""Phase 1, in a child process: run a notebook's code cells, recording its answers as it goes.

This process runs student code, so it is trusted with nothing: it gets the cells and the probe
inputs as plain data, and all it gives back is JSON that the parent validates. It never sees
solutions/. Answers are recorded after every cell, so a notebook that later loops, crashes or
exits still gets the credit of what it defined before.

Cells run through IPython's own shell (shell.py), prepared once in the fork server, so magics and
`display` behave as in Jupyter; the course's import rule (imports.py) holds while they run.
"""

from __future__ import annotations

import io
import sys
import tempfile
import types
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import imports, plots
from .extraction import Recorder, probe_from_json

if TYPE_CHECKING:  # IPython is imported by whoever runs cells, not by the grader that imports first_code_line
    from .shell import GradingShell

OUTPUT_CAP = 64 * 1024
# The feedback names the first few failing cells; a notebook with thousands need not send them all.
ERRORS_KEPT = 50


class CappedOutput(io.TextIOBase):
    """Keep the first characters a notebook prints and count the rest, so printing cannot exhaust memory."""

    def __init__(self, cap: int = OUTPUT_CAP):
        self.parts: list[str] = []
        self.size, self.cap, self.dropped = 0, cap, 0

    def write(self, text: str) -> int:
        room = self.cap - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        tail = f"\n[... {self.dropped} more characters not kept]" if self.dropped else ""
        return "".join(self.parts) + tail


def _fake_otter() -> types.ModuleType:
    # Student notebooks start with `grader = otter.Notebook(...)` and call grader.check: both
    # must do nothing here (the checks run in the parent), and quickly.
    module = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    module.Notebook = Notebook  # type: ignore[attr-defined]
    return module


def first_code_line(source: str) -> str:
    """The first line that is not blank or a comment: how a cell is named in messages."""
    lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return lines[0][:80] if lines else ""


def execute_cells(
    cells: list[str],
    shell: GradingShell,
    before: Callable[[int], None] = lambda index: None,
    after: Callable[[int, list[dict[str, Any]]], None] = lambda index, errors: None,
) -> list[dict[str, Any]]:
    """Run each cell in the shell's one namespace, as Jupyter does; a failing cell is recorded and
    the next one still runs. Each error, and each thing grading did not run, is one entry: cell,
    error, message, first line."""
    from .shell import REFUSED_NAME, describe_error

    errors: list[dict[str, Any]] = []
    for index, source in enumerate(cells, start=1):
        before(index)
        shell.cell_notes.clear()
        try:
            result = shell.run_cell(source, store_history=True)
            shell.note_error(result.error_before_exec or result.error_in_exec)
        except BaseException as exc:
            shell.note_error(exc)
        line = first_code_line(source)
        for kind, what in shell.cell_notes:
            if len(errors) >= ERRORS_KEPT:
                break
            if kind == "error":
                name, message = describe_error(what)
                errors.append({"cell": index, "error": name, "message": message, "line": line})
            else:
                errors.append({"cell": index, "error": REFUSED_NAME, "message": what, "line": line, "refused": True})
        shell.cell_notes.clear()  # no reference to a cell's exception (and its frames) outlives the cell
        after(index, errors)
    return errors


def _quiet_exit_reminder() -> None:
    # IPython's reminder after a SystemExit in a cell, which the recorded error already says.
    warnings.filterwarnings("ignore", "To exit: use 'exit', 'quit', or Ctrl-D.", UserWarning)


def fresh_shell() -> GradingShell:
    """The prepared shell, with nothing in it from before (in a child, it is fresh from the server)."""
    from .shell import make

    shell = make()
    if getattr(shell, "used", False):
        shell.reset(new_session=True)
    shell.used = True  # type: ignore[attr-defined]
    return shell


def warm() -> None:
    """Run once in the fork server, before any notebook: what a cell's first run imports or compiles
    (the transformer, magics, display, the import rule) is then paid once, not per child. The
    shell is left as new."""
    shell = fresh_shell()
    output, real = CappedOutput(), (sys.stdout, sys.stderr)
    _quiet_exit_reminder()  # its pattern is compiled (and cached) here, once
    uninstall = imports.install()
    sys.stdout = sys.stderr = output
    try:
        execute_cells(WARM_UP, shell)
    finally:
        sys.stdout, sys.stderr = real
        uninstall()
    shell.reset(new_session=True)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):  # the warm-up's own error (%tb)
        if hasattr(sys, name):
            delattr(sys, name)
    shell.used = False  # type: ignore[attr-defined]


WARM_UP = [
    "x = 1\nx",
    "%time y = x\n!true\nx?",
    "%%capture\ndisplay(x)",
    "%timeit x",
    "%%time\nz = x",
    "raise ValueError('warm')",
    "def f(:",
    "try:\n    import not_a_course_package\nexcept ImportError:\n    pass",
]


def run(
    job: dict[str, Any],
    record: Callable[[dict[str, Any]], None] = lambda result: None,
    progress: Callable[[int], None] = lambda index: None,
) -> dict[str, Any]:
    """Execute the job's cells, recording answers after each; returns the final, complete result."""
    shell = fresh_shell()
    namespace = shell.user_ns
    probes = {name: [probe_from_json(p) for p in items] for name, items in job["probes"].items()}
    recorder = Recorder(job["values"], probes, job.get("probe_seconds", 2.0))
    output = CappedOutput()

    def snapshot(index: int, errors: list[dict[str, Any]]) -> None:
        if recorder.update(namespace):
            record(
                {
                    "complete": False,
                    "cells_run": index,
                    "cell_errors": errors,
                    "output": output.text(),
                    **recorder.answers(),
                }
            )

    saved_modules = {name: sys.modules.get(name) for name in ("otter", "__main__")}
    saved_streams = sys.stdout, sys.stderr
    sys.modules["otter"] = _fake_otter()
    sys.modules["__main__"] = shell.user_module  # as in Jupyter: pickle and friends find the notebook's names
    shell.user_module.__spec__ = None  # as in Jupyter: multiprocessing's spawn reads it
    # The child's private folder (TMPDIR, set after the fork): temporary files go there.
    tempfile.tempdir = None
    _quiet_exit_reminder()
    uninstall_plots = plots.install()
    uninstall = imports.install()
    sys.stdout = sys.stderr = output
    try:
        errors = execute_cells(job["cells"], shell, progress, snapshot)
        progress(len(job["cells"]) + 1)  # every cell has run: a time-out or crash from here is the last re-run's
        # A function is graded as the notebook leaves it (a helper defined, a dict it reads filled in by a
        # later cell): the last word is a full re-run.
        recorder.update(namespace, everything=True)
    finally:
        sys.stdout, sys.stderr = saved_streams
        uninstall()
        uninstall_plots()
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return {
        "complete": True,
        "cells_run": len(job["cells"]),
        "cell_errors": errors,
        "output": output.text(),
        **recorder.answers(),
    }
