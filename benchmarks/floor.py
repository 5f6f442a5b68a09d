"""The floor under `cnngrade grade`: the least work that runs a class's notebooks in fresh processes.

A prepared parent that has imported numpy and whatever the notebooks import (nothing else: no IPython,
no cnngrade) forks one child per notebook, `--workers` at a time. Each child runs the notebook's code
cells with a plain exec in one namespace (a cell that raises is caught, and the next one runs), with a
stand-in `otter` whose Notebook() and grader.check do nothing, then calls each of the question's
functions on the same probe inputs `cnngrade grade` uses, and exits; the parent reads nothing but the
exit status. No sandbox, no channel, no answers recorded: whatever cnngrade does beyond this is its
overhead, and its rate over this one's is how close to the floor it runs.

    prepare(...)           in the benchmark: reads and parses the notebooks, draws the probes (before the clock)
    python floor.py JOBS   the floor itself: prints one JSON line {"notebooks", "seconds", "rate"}

Cells written for IPython (`%time`, `!ls`, `x?`) are not Python: those lines are dropped from the cell
before the clock starts, and `prepare` says how many cells lost lines that way.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import io
import json
import os
import pickle
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported by the floor's parent only if a notebook imports them; never by default.
NOT_PRELOADED = ("IPython", "autograder", "otter")


@dataclass
class FloorJobs:
    """What the floor process needs, as plain data (numpy arrays at most): unpickled with numpy alone."""

    #: one entry per notebook that could be read: its code cells, ready for exec
    notebooks: list[list[str]]
    #: function name -> the (args, kwargs) of each probe, as the grader draws them for the seed
    probes: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]]
    #: top-level modules the cells import (besides otter), imported by the parent before it forks
    imports: list[str]
    #: cells that had IPython-only lines dropped, and cells in all
    cells_trimmed: int = 0
    cells: int = 0
    #: notebooks that could not be read (not graded by cnngrade either)
    unreadable: int = 0


def plain_python(source: str) -> str | None:
    """The cell as plain Python: itself if it compiles, else without its IPython-only lines (magics, shell
    escapes, `x?` help); None when it needed no change."""
    try:
        compile(source, "<cell>", "exec")
        return None
    except SyntaxError:
        pass
    kept = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
            continue
        kept.append(line)
    return "\n".join(kept)


def imported_modules(cells: list[str]) -> set[str]:
    """Top-level module names the cells import, found by parsing (a cell that does not parse adds none)."""
    found: set[str] = set()
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def prepare(assignment: str, notebooks: list[Path], seed: int) -> FloorJobs:
    """Read and parse every notebook and draw the probes, as `cnngrade grade` would, before the floor's clock."""
    from autograder.course import assignment as find_assignment
    from autograder.intake.notebook import read_code_cells

    jobs = FloorJobs([], {}, [])
    for path in notebooks:
        try:
            cells = read_code_cells(path)
        except Exception:
            jobs.unreadable += 1
            continue
        ready = []
        for source in cells:
            trimmed = plain_python(source)
            jobs.cells += 1
            jobs.cells_trimmed += trimmed is not None
            ready.append(source if trimmed is None else trimmed)
        jobs.notebooks.append(ready)
    homework = find_assignment(assignment)
    jobs.probes = {
        name: [(probe.args, probe.kwargs) for probe in probes] for name, probes in homework.probes(seed).items()
    }
    every_cell = [source for cells in jobs.notebooks for source in cells]
    jobs.imports = sorted(
        name for name in imported_modules(every_cell) - set(NOT_PRELOADED) if _importable_outside(name)
    )
    return jobs


def _importable_outside(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _stand_in_otter() -> types.ModuleType:
    # runner._fake_otter's twin, on purpose: the floor imports nothing of cnngrade (its parent refuses to run with
    # autograder loaded), so that it measures exec and probes alone.
    module = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    module.Notebook = Notebook  # type: ignore[attr-defined]
    return module


def run_notebook(cells: list[str], probes: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]]) -> dict[str, int]:
    """What a floor child does: every cell, then every probe call; counts of each, for the tests."""
    counts = {"cells": 0, "cells_raised": 0, "calls": 0, "calls_raised": 0}
    sys.modules["otter"] = _stand_in_otter()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for index, source in enumerate(cells, start=1):
        counts["cells"] += 1
        try:
            exec(compile(source, f"<cell {index}>", "exec"), namespace)
        except BaseException:
            counts["cells_raised"] += 1
    for name, calls in probes.items():
        for args, kwargs in calls:
            counts["calls"] += 1
            try:
                # Copies, as the grader gives each call: a function that changes its input must not change the next probe.
                namespace[name](*copy.deepcopy(args), **copy.deepcopy(kwargs))
            except BaseException:
                counts["calls_raised"] += 1
    return counts


def _child(cells: list[str], probes: dict[str, Any], trace: Path | None, index: int) -> None:
    sys.stdout = sys.stderr = io.StringIO()  # what cells print is kept, as the grader keeps it, not written
    try:
        counts = run_notebook(cells, probes)
        if trace is not None:
            (trace / f"{index}.json").write_text(json.dumps(counts))
    finally:
        os._exit(0)


def run_floor(jobs: FloorJobs, workers: int, trace: Path | None = None) -> float:
    """Fork one child per notebook, `workers` at a time; the seconds until the last has exited."""
    for name in jobs.imports:
        importlib.import_module(name)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in NOT_PRELOADED)
    if loaded:
        raise SystemExit(f"floor: the parent must not have imported {', '.join(loaded)}")
    running = 0
    started = time.perf_counter()
    for index, cells in enumerate(jobs.notebooks):
        if running == workers:
            os.wait()
            running -= 1
        if os.fork() == 0:
            _child(cells, jobs.probes, trace, index)
        running += 1
    while running:
        os.wait()
        running -= 1
    return time.perf_counter() - started


def save(jobs: FloorJobs, path: Path) -> None:
    """A pickle of plain data (dicts, lists, numpy arrays): the floor process needs no class of this module to read it."""
    path.write_bytes(pickle.dumps(vars(jobs)))


def load(path: Path) -> FloorJobs:
    return FloorJobs(**pickle.loads(path.read_bytes()))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="The floor: plain exec plus probe calls, a fork per notebook.")
    parser.add_argument("jobs", type=Path, help="the jobs, as save() writes them")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--trace", type=Path, default=None, help="each child writes its counts here (tests)")
    args = parser.parse_args(argv)
    jobs = load(args.jobs)
    seconds = run_floor(jobs, args.workers, args.trace)
    print(json.dumps({"notebooks": len(jobs.notebooks), "seconds": seconds, "rate": len(jobs.notebooks) / seconds}))


if __name__ == "__main__":
    main(sys.argv[1:])
