"""The terminal side of a grading run: a progress bar while it runs and a summary at the end."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tqdm import tqdm

from autograder.checks.answers import missing_message
from autograder.grading.run import GradeRun
from autograder.lms.canvas import parse_canvas_name
from autograder.model import NOT_GRADED, SubmissionResult, slowest
from autograder.outputs.inert import screen

# How many skipped files (and late submissions) the summary names; the rest are counted. All of them are in
# OUT/skipped.csv (and the gradebook's late column).
SHOWN = 10
# How many of the assignment's answer names the wrong-assignment hint names.
_NAMES_SHOWN = 3
# A case that failed because the notebook never defined the name it checks: what `missing_message` says, any name.
_BEFORE, _AFTER, _ = missing_message("\0").split("\0")
_MISSING = re.compile(re.escape(_BEFORE) + "(?P<name>[^`]+)" + re.escape(_AFTER))


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
    checked = [[case for case in result.cases if not case.message.startswith(NOT_GRADED)] for result in run.results]
    ran = [cases for cases in checked if cases]
    misses = [_MISSING.match(case.message) for cases in ran for case in cases]
    if not ran or not all(misses):
        return []
    names = list(dict.fromkeys(miss["name"] for miss in misses if miss))
    shown = ", ".join(names[:_NAMES_SHOWN]) + ("…" if len(names) > _NAMES_SHOWN else "")
    notebooks = "the notebook" if len(ran) == 1 else f"the {len(ran)} notebooks"
    return [
        f"none of {notebooks} defines any {run.assignment} answer (e.g. {shown}): "
        f"is {run.assignment} the right assignment?"
    ]


def _canvas_download_lines(run: GradeRun) -> list[str]:
    """A hint when most rows are named as Canvas's Download Submissions names its files: the download was unzipped
    and graded as it is, one row per file (superseded resubmissions too), instead of collected."""
    canvas = sum(parse_canvas_name(result.submission) is not None for result in run.results)
    if canvas * 2 <= len(run.results):
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
