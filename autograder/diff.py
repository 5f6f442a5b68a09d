"""`cnngrade diff`: compare two graded OUT folders per student, and say which case or status made each change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import OutFolderError
from autograder.model import SubmissionResult
from autograder.outputs.folder import read_out
from autograder.outputs.inert import printable, screen
from autograder.outputs.terminal import one_line

_SAME = 1e-6  # scores are stored rounded to 6 places


@dataclass(frozen=True)
class CaseChange:
    """One case whose score moved; None where the case did not exist in that run."""

    question: str
    title: str
    old: float | None
    new: float | None
    max_score: float
    mistake: str  # the known mistake the new answer matched, if any


@dataclass(frozen=True)
class QuestionChange:
    question: str
    old: float
    new: float
    cases: tuple[CaseChange, ...]


@dataclass(frozen=True)
class StudentChange:
    """A submission graded in both runs whose score, a question's score or status differs."""

    submission: str
    old: SubmissionResult
    new: SubmissionResult
    questions: tuple[QuestionChange, ...]

    @property
    def delta(self) -> float:
        return round(self.new.score - self.old.score, 6)


@dataclass(frozen=True)
class RunDiff:
    assignment: str
    old_seed: int
    new_seed: int
    old_version: str
    new_version: str
    changed: tuple[StudentChange, ...]  # largest change first
    added: tuple[SubmissionResult, ...]
    removed: tuple[SubmissionResult, ...]
    unchanged: int

    @property
    def up(self) -> int:
        return sum(change.delta > 0 for change in self.changed)

    @property
    def down(self) -> int:
        return sum(change.delta < 0 for change in self.changed)


def _question_changes(old: SubmissionResult, new: SubmissionResult) -> tuple[QuestionChange, ...]:
    old_cases = {case.id: case for case in old.cases}
    new_cases = {case.id: case for case in new.cases}
    old_scores, new_scores = old.question_scores(), new.question_scores()
    questions = list(dict.fromkeys([case.question for case in (*new.cases, *old.cases)]))
    changes = []
    for question in questions:
        before, after = old_scores.get(question, 0.0), new_scores.get(question, 0.0)
        if abs(before - after) <= _SAME:
            continue
        cases = []
        for case_id in dict.fromkeys([*new_cases, *old_cases]):
            was, now = old_cases.get(case_id), new_cases.get(case_id)
            case = now or was
            assert case is not None
            if case.question != question or (was and now and abs(was.score - now.score) <= _SAME):
                continue
            cases.append(
                CaseChange(
                    question,
                    case.title,
                    was.score if was else None,
                    now.score if now else None,
                    case.max_score,
                    now.mistake if now else "",
                )
            )
        changes.append(QuestionChange(question, before, after, tuple(cases)))
    return tuple(changes)


def diff_runs(*, old: Path, new: Path) -> RunDiff:
    """Per submission stem: what changed from OLD to NEW, who is only in one of them, how many are the same."""
    before, after = read_out(old), read_out(new)
    if before.assignment != after.assignment:
        raise OutFolderError(
            f"{old} graded {before.assignment} and {new} graded {after.assignment}; "
            "compare two runs of the same assignment."
        )
    changed: list[StudentChange] = []
    unchanged = 0
    for stem in sorted(before.results.keys() & after.results.keys()):
        was, now = before.results[stem], after.results[stem]
        questions = _question_changes(was, now)
        if questions or was.status != now.status or abs(was.score - now.score) > _SAME:
            changed.append(StudentChange(stem, was, now, questions))
        else:
            unchanged += 1
    changed.sort(key=lambda change: (-abs(change.delta), change.submission))
    return RunDiff(
        before.assignment,
        before.seed,
        after.seed,
        before.grader_version,
        after.grader_version,
        tuple(changed),
        tuple(after.results[s] for s in sorted(after.results.keys() - before.results.keys())),
        tuple(before.results[s] for s in sorted(before.results.keys() - after.results.keys())),
        unchanged,
    )


def short_title(title: str) -> str:
    """A case's title without its hidden input, "(a 5x6 image, ...)", which is drawn afresh per seed."""
    return re.sub(r"\s*\([^()]*\)$", "", title)


def case_reason(change: CaseChange) -> str:
    if change.old is None:
        return f"new case, {change.new:g}/{change.max_score:g}"
    if change.new is None:
        return "case removed"
    if change.new >= change.max_score:
        return "passed now"
    if change.new == 0:
        return f"failed now: {one_line(change.mistake, 70)}" if change.mistake else "failed now"
    return f"{change.old:g} → {change.new:g}"


def question_line(change: QuestionChange) -> str:
    """`q3: 4 → 8 (conv2d on a hidden input ×4: passed now)`: cases with the same title and outcome once."""
    groups: dict[tuple[str, str], int] = {}
    for case in change.cases:
        key = (short_title(case.title), case_reason(case))
        groups[key] = groups.get(key, 0) + 1
    why = "; ".join(
        f"{title}{f' ×{count}' if count > 1 else ''}: {reason}" for (title, reason), count in groups.items()
    )
    return f"{change.question}: {change.old:g} → {change.new:g}" + (f" ({why})" if why else "")


def summary_line(diff: RunDiff) -> str:
    return (
        f"{len(diff.changed)} changed ({diff.up} up, {diff.down} down), {diff.unchanged} unchanged, "
        f"{len(diff.added)} added, {len(diff.removed)} removed"
    )


def render_diff(diff: RunDiff) -> str:
    """The changes, largest first, each with its questions and status; then who came or went; then the summary."""
    lines = []
    # Escaped before measuring, so the names line up however a student named the file.
    width = max((len(printable(change.submission)) for change in diff.changed), default=0)
    for change in diff.changed:
        was, now = change.old, change.new
        lines.append(
            f"{change.delta:+6g}  {printable(change.submission).ljust(width)}  "
            f"{was.score:g}/{was.max_score:g} → {now.score:g}/{now.max_score:g}"
        )
        if was.status != now.status:
            lines.append(
                f"        status: {was.status} → {now.status}"
                + (f" ({one_line(now.message, 90)})" if now.message else "")
            )
        lines.extend(f"        {question_line(question)}" for question in change.questions)
    for label, results in (("added", diff.added), ("removed", diff.removed)):
        if results:
            lines.append(
                f"{label}: " + ", ".join(f"{r.submission} ({r.score:g}/{r.max_score:g}, {r.status})" for r in results)
            )
    if diff.old_seed != diff.new_seed:
        lines.append(f"note: seed {diff.old_seed} → {diff.new_seed}: the hidden inputs differ between the runs")
    if diff.old_version != diff.new_version:
        lines.append(f"note: grader {diff.old_version} → {diff.new_version}")
    lines.append(f"{diff.assignment}: {summary_line(diff)}")
    return screen(lines)


__all__ = [
    "CaseChange",
    "QuestionChange",
    "RunDiff",
    "StudentChange",
    "case_reason",
    "diff_runs",
    "question_line",
    "render_diff",
    "short_title",
    "summary_line",
]
