"""The grading parent's peak memory for a class of any size, with phase 1 simulated.

    python simulated_grade.py record HW SAMPLES RECORDS   one real sandboxed run of each sample: its outcome
    python simulated_grade.py grade HW CLASS OUT RECORDS  grade() with every notebook's phase 1 replayed

`grade` runs the real `grade()` (reading, fingerprints, phase 2, records, results, gradebook) with an
executor that forks nothing: for each job it yields at once the outcome recorded for the sample the
notebook was copied from (the class is made by benchmarks/throughput.py, `<index>_<sample>.ipynb`).
It prints one JSON line: the process's peak RSS (ru_maxrss) and the rows written. Run it with the
Python of the install to measure, from outside the repository, so that it grades with that install.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from autograder.grading import sandbox
from autograder.grading.executor import Executor, Job, LocalExecutor, Phase1Outcome
from autograder.grading.run import grade
from autograder.model import Status

SEED = 1


class Recording:
    """The local executor, keeping each outcome by submission."""

    def __init__(self, inner: Executor):
        self.inner, self.warning = inner, inner.warning
        self.outcomes: dict[str, Phase1Outcome] = {}

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job, outcome in self.inner.run(jobs):
            self.outcomes[job.submission] = outcome
            yield job, outcome


class Replayed:
    """Phase 1 without forks: each job's outcome is its sample's recorded one, yielded as soon as it is asked for."""

    warning = ""  # the outcomes replayed were recorded sandboxed

    def __init__(self, outcomes: dict[str, Phase1Outcome]):
        self.outcomes = outcomes

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        # Lazily, one job at a time: whatever the grader holds per job is the grader's, not this stand-in's.
        for job in jobs:
            yield job, self.outcomes[sample_of(job.submission)]


def sample_of(submission: str) -> str:
    """`00042_passes_all` -> `passes_all`: the sample a generated notebook was copied from."""
    return submission.split("_", 1)[1] if submission[:1].isdigit() else submission


def record(assignment: str, samples: Path, to: Path) -> None:
    recording = Recording(LocalExecutor(sandbox=sandbox.detect()))
    with tempfile.TemporaryDirectory(prefix="cnngrade-record-") as out:
        grade(assignment=assignment, submissions=samples, out=Path(out), seed=SEED, executor=recording)
    to.write_text(
        json.dumps(
            {
                name: {
                    "status": outcome.status.value,
                    "message": outcome.message,
                    "data": outcome.data,
                    "seconds": outcome.seconds,
                }
                for name, outcome in recording.outcomes.items()
            }
        )
    )


def load(records: Path) -> dict[str, Phase1Outcome]:
    saved: dict[str, dict[str, Any]] = json.loads(records.read_text())
    return {
        name: Phase1Outcome(Status(item["status"]), item["message"], item["data"], item["seconds"])
        for name, item in saved.items()
    }


def replay(assignment: str, folder: Path, out: Path, records: Path) -> None:
    executor = Replayed(load(records))
    started = time.perf_counter()
    run = grade(assignment=assignment, submissions=folder, out=out, seed=SEED, executor=executor)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_bytes": peak_kib * 1024, "rows": len(run.results), "seconds": seconds}))


def main(argv: list[str]) -> None:
    if argv[:1] == ["record"] and len(argv) == 4:
        record(argv[1], Path(argv[2]), Path(argv[3]))
    elif argv[:1] == ["grade"] and len(argv) == 5:
        replay(argv[1], Path(argv[2]), Path(argv[3]), Path(argv[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
