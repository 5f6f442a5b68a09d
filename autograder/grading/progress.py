"""The terminal side of a grading run: a progress bar while it runs and a summary at the end."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tqdm import tqdm

from autograder.grading.run import GradeRun
from autograder.model import SubmissionResult, slowest
from autograder.outputs.inert import screen

# How many skipped files (and late submissions) the summary names; the rest are counted. All of them are in
# OUT/skipped.csv (and the gradebook's late column).
SHOWN = 10


class Progress:
    """A bar with count, rate and ETA on a terminal; nothing at all otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def start(self, total: int, reused: int) -> None:
        if self.enabled:
            self._bar = tqdm(total=total, initial=reused, unit="nb", desc="grading", dynamic_ncols=True)

    def advance(self, result: SubmissionResult) -> None:
        if self._bar is not None:
            self._bar.update(1)


def summary(run: GradeRun) -> str:
    """Counts per status, the mean score, the slowest submissions, the seed and where the files are."""
    results = run.results
    counts = Counter(result.status for result in results)
    mean = sum(r.score for r in results) / len(results)
    lines = [
        f"{len(results)} submissions ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}); "
        f"{len(results) - run.reused} graded now, {run.reused} unchanged since the last run",
        f"mean score {mean:.2f} / {results[0].max_score:g}",
        "slowest: " + ", ".join(f"{r.submission} ({r.seconds:.1f} s)" for r in slowest(results)),
        f"seed {run.seed}; gradebook {run.gradebook}",
    ]
    if run.late:
        late = sorted(run.late)
        more = f" and {len(late) - SHOWN} more" if len(late) > SHOWN else ""
        lines.append(f"{len(late)} late, as collected (the gradebook's late column): {', '.join(late[:SHOWN])}{more}")
    lines.extend(_skipped_lines(run))
    if run.sandbox_warning:
        lines.append(f"WARNING: {run.sandbox_warning}")
    return screen(lines)  # submission names are the students' file names


def _skipped_lines(run: GradeRun) -> list[str]:
    """One line per file of the submissions folder that was not graded, with why (the first few)."""
    if not run.skipped:
        return []
    count = len(run.skipped)
    lines = [
        f"{count} file{'s' if count != 1 else ''} in the submissions folder not graded (listed in {run.skipped_file}):"
    ]
    lines += [f"  skipped: {item.reason}: {item.name}" for item in run.skipped[:SHOWN]]
    if count > SHOWN:
        lines.append(f"  and {count - SHOWN} more")
    return lines
