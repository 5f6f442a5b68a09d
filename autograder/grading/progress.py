"""The terminal side of a grading run: a progress bar while it runs and a summary at the end."""

from __future__ import annotations

from typing import Any

from autograder.grading.run import GradeRun
from autograder.grading.tally import NAMES_SHOWN
from autograder.lms.canvas import parse_canvas_name
from autograder.model import SubmissionResult
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
            # Only for a bar: a run that shows none (quiet, or not on a terminal) starts without its import.
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=reused, unit="nb", desc="grading", dynamic_ncols=True)

    def advance(self, result: SubmissionResult) -> None:
        if self._bar is not None:
            self._bar.update(1)


def summary(run: GradeRun) -> str:
    """Counts per status, the mean score, the slowest submissions, the seed and where the files are.

    From the run's tally and names only: no row is read again, however large the class."""
    tally = run.tally
    counts = tally.statuses
    mean = tally.total_score / tally.rows
    lines = [
        f"{tally.rows} submissions ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}); "
        f"{tally.rows - run.reused} graded now, {run.reused} unchanged since the last run",
        f"mean score {mean:.2f} / {tally.max_score:g}",
        "slowest: " + ", ".join(f"{name} ({seconds:.1f} s)" for name, seconds in tally.slowest()),
        f"seed {run.seed}; gradebook {run.gradebook}",
    ]
    if run.late:
        late = sorted(run.late)
        more = f" and {len(late) - SHOWN} more" if len(late) > SHOWN else ""
        named = [f"{name} ({run.who[name]})" if run.who.get(name) else name for name in late[:SHOWN]]
        lines.append(f"{len(late)} late, as collected (the gradebook's late column): {', '.join(named)}{more}")
    lines.extend(_wrong_assignment_lines(run))
    lines.extend(_canvas_download_lines(run))
    lines.extend(_skipped_lines(run))
    if run.sandbox_warning:
        lines.append(f"WARNING: {run.sandbox_warning}")
    return screen(lines)  # submission names are the students' file names


def _wrong_assignment_lines(run: GradeRun) -> list[str]:
    """A hint when no notebook defines any of the assignment's answers: the notebooks are most likely another
    assignment's (`grade hw2` on hw1's). Only cases that were checked count (a notebook that never ran says why in
    its own row); every one of them must have failed for a name that is not defined."""
    tally = run.tally
    if not tally.ran or not tally.all_missing:
        return []
    names = tally.missing_names
    shown = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
    notebooks = "the notebook" if tally.ran == 1 else f"the {tally.ran} notebooks"
    return [
        f"none of {notebooks} defines any {run.assignment} answer (e.g. {shown}): "
        f"is {run.assignment} the right assignment?"
    ]


def _canvas_download_lines(run: GradeRun) -> list[str]:
    """A hint when most rows are named as Canvas's Download Submissions names its files: the download was unzipped
    and graded as it is, one row per file (superseded resubmissions too), instead of collected."""
    canvas = sum(parse_canvas_name(name) is not None for name in run.names)
    if canvas * 2 <= len(run.names):
        return []
    return [
        "these look like Canvas's Download Submissions files: run `cnngrade collect canvas DIR --into FOLDER` to "
        "grade each student's latest notebook under their user id"
    ]


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
