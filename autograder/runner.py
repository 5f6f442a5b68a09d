"""Phase 1, in a child process: run a notebook's code cells and record its answers as JSON.

This process runs student code, so it is trusted with nothing: it gets the cells and the probe
inputs as JSON, and all it gives back is JSON that the parent validates. It never sees solutions/.
"""
from __future__ import annotations

import io
import json
import os
import sys
import types
from typing import Any

from .checks import codec
from .checks.answers import call_on_probe, take_function, take_value
from .checks.core import CheckFailed, Probe

OUTPUT_CAP = 64 * 1024


class CappedOutput(io.TextIOBase):
    """Keep the first bytes a notebook prints and drop the rest, so printing cannot exhaust memory."""

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


def execute_cells(cells: list[str], namespace: dict[str, Any], progress: str | None = None) -> list[dict[str, Any]]:
    """Run each cell in one namespace; a failing cell is recorded and the next one still runs."""
    errors = []
    for index, source in enumerate(cells, start=1):
        if progress:
            _note_progress(progress, index)
        try:
            code = compile(transform(source), f"<cell {index}>", "exec")
            exec(code, namespace)  # noqa: S102 - running the student's notebook is the point
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: an early exit must not end grading
            errors.append({"cell": index, "error": type(exc).__name__, "message": str(exc)[:500],
                           "line": first_code_line(source)})
    return errors


def _note_progress(path: str, index: int) -> None:
    # Only for the timeout message ("the last cell to start was ..."); never read as a result.
    try:
        with open(path, "w") as handle:
            handle.write(str(index))
    except OSError:
        pass


def first_code_line(source: str) -> str:
    """The first line that is not blank or a comment: how a cell is named in messages."""
    lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return lines[0][:80] if lines else ""


def extract(namespace: dict[str, Any], values: list[str], probes: dict[str, list[Probe]]) -> dict[str, Any]:
    """The answers as JSON-able data: values by name, and each function's output on each probe."""
    recorded_values: dict[str, Any] = {}
    for name in values:
        try:
            recorded_values[name] = codec.encode(take_value(namespace, name))
        except CheckFailed as exc:
            recorded_values[name] = codec.error(str(exc))
    calls: dict[str, dict[str, Any]] = {}
    for name, function_probes in probes.items():
        calls[name] = {}
        for probe in function_probes:
            try:
                calls[name][probe.id] = codec.encode(call_on_probe(take_function(namespace, name), name, probe))
            except CheckFailed as exc:
                calls[name][probe.id] = codec.error(str(exc))
    return {"values": recorded_values, "calls": calls}


def probe_from_json(data: dict[str, Any]) -> Probe:
    return Probe(data["id"], tuple(codec.decode(arg) for arg in data["args"]),
                 {key: codec.decode(value) for key, value in data["kwargs"].items()}, data["description"])


def probe_to_json(probe: Probe) -> dict[str, Any]:
    return {"id": probe.id, "args": [codec.encode(arg) for arg in probe.args],
            "kwargs": {key: codec.encode(value) for key, value in probe.kwargs.items()},
            "description": probe.description}


def run(job: dict[str, Any], progress: str | None = None) -> dict[str, Any]:
    """Execute the job's cells, then extract its answers; always returns a result."""
    sys.modules["otter"] = _fake_otter()
    shell = _Shell()
    namespace: dict[str, Any] = {"__name__": "__main__", "get_ipython": lambda: shell}
    output = CappedOutput()
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = output
    try:
        errors = execute_cells(job["cells"], namespace, progress)
        probes = {name: [probe_from_json(p) for p in items] for name, items in job["probes"].items()}
        answers = extract(namespace, job["values"], probes)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    return {"cell_errors": errors, "output": output.text(), **answers}


def main(argv: list[str]) -> int:
    job_path, result_path = argv
    with open(job_path) as handle:
        job = json.load(handle)
    result = run(job, result_path + ".progress")
    temporary = result_path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(result, handle)
    os.replace(temporary, result_path)
    # Skip interpreter shutdown: a student's atexit hooks or threads must not change the result.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
