"""Phase 1, in a child process: run a notebook's code cells, recording its answers as it goes.

This process runs student code, so it is trusted with nothing: it gets the cells and the probe
inputs as plain data, and all it gives back is JSON that the parent validates. It never sees
solutions/. Answers are recorded after every cell, so a notebook that later loops, crashes or
exits still gets the credit of what it defined before.
"""
from __future__ import annotations

import io
import sys
import types
from typing import Any, Callable

from .extraction import Recorder, probe_from_json

OUTPUT_CAP = 64 * 1024
# The feedback names the first few failing cells; a notebook with thousands need not send them all.
ERRORS_KEPT = 50


def _name_of(exc: BaseException) -> str:
    return str(type(exc).__name__)[:100]


def _message_of(exc: BaseException) -> str:
    # str() of the student's own exception class runs the student's code: it may raise or never end.
    try:
        return str(exc)[:500]
    except BaseException:  # noqa: BLE001
        return "(its message could not be read)"


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


class _Shell:
    """Stands in for get_ipython(): magics and shell escapes do nothing when grading."""

    def run_line_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    run_cell_magic = run_line_magic
    system = run_line_magic
    getoutput = run_line_magic

    def __getattr__(self, name: str) -> Any:
        return self.run_line_magic


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


def transform(source: str) -> str:
    """IPython syntax (%magics, !commands) into plain Python that calls the stand-in shell."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def first_code_line(source: str) -> str:
    """The first line that is not blank or a comment: how a cell is named in messages."""
    lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return lines[0][:80] if lines else ""


def execute_cells(cells: list[str], namespace: dict[str, Any],
                  before: Callable[[int], None] = lambda index: None,
                  after: Callable[[int, list[dict[str, Any]]], None] = lambda index, errors: None) -> list[dict[str, Any]]:
    """Run each cell in one namespace; a failing cell is recorded and the next one still runs."""
    errors: list[dict[str, Any]] = []
    for index, source in enumerate(cells, start=1):
        before(index)
        try:
            code = compile(transform(source), f"<cell {index}>", "exec")
            exec(code, namespace)  # noqa: S102 - running the student's notebook is the point
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: an early exit must not end grading
            if len(errors) < ERRORS_KEPT:
                errors.append({"cell": index, "error": _name_of(exc), "message": _message_of(exc),
                               "line": first_code_line(source)})
        after(index, errors)
    return errors


def run(job: dict[str, Any], record: Callable[[dict[str, Any]], None] = lambda result: None,
        progress: Callable[[int], None] = lambda index: None) -> dict[str, Any]:
    """Execute the job's cells, recording answers after each; returns the final, complete result."""
    real_otter = sys.modules.get("otter")
    sys.modules["otter"] = _fake_otter()
    shell = _Shell()
    namespace: dict[str, Any] = {"__name__": "__main__", "get_ipython": lambda: shell}
    probes = {name: [probe_from_json(p) for p in items] for name, items in job["probes"].items()}
    recorder = Recorder(job["values"], probes, job.get("probe_seconds", 2.0))
    output = CappedOutput()
    real_stdout, real_stderr = sys.stdout, sys.stderr

    def snapshot(index: int, errors: list[dict[str, Any]]) -> None:
        if recorder.update(namespace):
            record({"complete": False, "cells_run": index, "cell_errors": errors, "output": output.text(),
                    **recorder.answers()})

    sys.stdout = sys.stderr = output
    try:
        errors = execute_cells(job["cells"], namespace, progress, snapshot)
        # A function may use a helper defined in a later cell: the last word is a full re-run.
        recorder.update(namespace, everything=True)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
        if real_otter is None:
            sys.modules.pop("otter", None)
        else:
            sys.modules["otter"] = real_otter
    return {"complete": True, "cells_run": len(job["cells"]), "cell_errors": errors, "output": output.text(),
            **recorder.answers()}
