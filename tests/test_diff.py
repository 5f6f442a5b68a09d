"""`diff_runs`: per student, what changed between two graded folders, and which question or status made it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.course import assignment
from autograder.diff import diff_runs, render_diff, summary_line
from autograder.errors import OutFolderError
from autograder.grading.run import grade
from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs import records
from autograder.outputs.folder import RUN_FILE
from autograder.outputs.gradebook import write_gradebook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "hw2"
SEED, VERSION, HOMEWORK = 7, "0.1.0+test", "hw2"
HIDDEN = "f on a hidden input"
MISTAKE = "the +1 of the formula is left out"
# (id, question, title, points): two cases share a title but for their hidden input, as graded ones do.
CASES = (
    ("hw2.q1.form", "q1", "f gives a number", 1.0),
    ("hw2.q1.f-1", "q1", f"{HIDDEN} (n=31, f=2)", 2.0),
    ("hw2.q1.f-2", "q1", f"{HIDDEN} (n=9, f=5)", 2.0),
    ("hw2.q2.value", "q2", "g has the right value", 3.0),
)
ALL = frozenset(case[0] for case in CASES)


def result(
    stem: str, passed: frozenset[str], status: str = Status.OK, message: str = "", seed: int = SEED, mistake: str = ""
) -> SubmissionResult:
    cases = tuple(
        CaseResult(
            case_id,
            title,
            question,
            points if case_id in passed else 0.0,
            points,
            "-" in case_id,
            "Passed." if case_id in passed else "Wrong.",
            "" if case_id in passed else mistake,
        )
        for case_id, question, title, points in CASES
    )
    return SubmissionResult(stem, HOMEWORK, status, message, cases, seed, VERSION)


def write_out(folder: Path, results: list[SubmissionResult], seed: int = SEED, name: str = HOMEWORK) -> Path:
    """An OUT folder as `cnngrade grade` leaves it: records, gradebook.csv and run.json."""
    for item in results:
        records.save(folder, records.Fingerprint("0" * 64, seed, VERSION, 60.0, 2**30), item)
    write_gradebook(folder / "gradebook.csv", results, sorted({case[1] for case in CASES}))
    (folder / RUN_FILE).write_text(json.dumps({"assignment": name, "seed": seed, "grader_version": VERSION}))
    return folder


def test_a_changed_question_is_named_with_the_cases_that_moved(tmp_path: Path) -> None:
    hidden = frozenset(case[0] for case in CASES if case[2].startswith(HIDDEN))
    before, after = result("ada", ALL - hidden), result("ada", ALL)
    diff = diff_runs(old=write_out(tmp_path / "old", [before]), new=write_out(tmp_path / "new", [after]))

    (change,) = diff.changed
    (question,) = change.questions
    name = {case[1] for case in CASES if case[0] in hidden}.pop()
    old, new = before.question_scores()[name], after.question_scores()[name]
    assert (question.question, question.old, question.new) == (name, old, new)
    assert change.delta == after.score - before.score
    assert f"{name}: {old:g} → {new:g} ({HIDDEN} ×{len(hidden)}: passed now)" in render_diff(diff)


def test_a_failed_case_says_which_known_mistake_it_matched(tmp_path: Path) -> None:
    before, after = result("ada", ALL), result("ada", ALL - {"hw2.q2.value"}, mistake=MISTAKE)
    diff = diff_runs(old=write_out(tmp_path / "old", [before]), new=write_out(tmp_path / "new", [after]))
    assert f"failed now: {MISTAKE}" in render_diff(diff)
    assert diff.down == 1 and diff.up == 0


def test_changes_are_sorted_by_size_and_summed_up(tmp_path: Path) -> None:
    some = frozenset({"hw2.q1.form"})
    pairs = {  # stem: (old, new)
        "big_drop": (result("big_drop", ALL), result("big_drop", frozenset())),
        "small_rise": (result("small_rise", frozenset()), result("small_rise", some)),
        "status_only": (result("status_only", ALL), result("status_only", ALL, Status.TIMEOUT, "did not finish")),
        "same": (result("same", some), result("same", some)),
    }
    removed, added = result("left", ALL), result("joined", some)
    diff = diff_runs(
        old=write_out(tmp_path / "old", [old for old, _ in pairs.values()] + [removed]),
        new=write_out(tmp_path / "new", [new for _, new in pairs.values()] + [added]),
    )

    deltas = {stem: new.score - old.score for stem, (old, new) in pairs.items() if old != new}
    assert [change.submission for change in diff.changed] == sorted(deltas, key=lambda s: (-abs(deltas[s]), s))
    ups, downs = sum(d > 0 for d in deltas.values()), sum(d < 0 for d in deltas.values())
    assert (diff.added, diff.removed) == ((added,), (removed,))
    assert summary_line(diff) == (
        f"{len(deltas)} changed ({ups} up, {downs} down), {len(pairs) - len(deltas)} unchanged, 1 added, 1 removed"
    )
    rendered = render_diff(diff)
    assert rendered.endswith(summary_line(diff))
    assert f"status: {Status.OK} → {Status.TIMEOUT} (did not finish)" in rendered


def test_a_different_seed_is_noted(tmp_path: Path) -> None:
    old = write_out(tmp_path / "old", [result("ada", ALL)])
    new = write_out(tmp_path / "new", [result("ada", ALL, seed=SEED + 1)], seed=SEED + 1)
    assert f"seed {SEED} → {SEED + 1}" in render_diff(diff_runs(old=old, new=new))


def test_runs_of_different_assignments_are_refused(tmp_path: Path) -> None:
    old = write_out(tmp_path / "old", [result("ada", ALL)])
    new = write_out(tmp_path / "new", [replace(result("ada", ALL), assignment="hw3")], name="hw3")
    with pytest.raises(OutFolderError, match="same assignment"):
        diff_runs(old=old, new=new)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(lambda out: (out / "gradebook.csv").unlink(), "did not finish", id="killed-first-run"),
        pytest.param(lambda out: (out / RUN_FILE).unlink(), "not a folder", id="not-an-out-folder"),
        pytest.param(
            lambda out: records.save(
                out, records.Fingerprint("0" * 64, SEED, VERSION, 60.0, 1), result("ada", frozenset())
            ),
            "did not finish",
            id="killed-rerun",
        ),
        pytest.param(lambda out: (out / records.RECORDS / "ada.json").write_text("{"), "unreadable", id="bad-record"),
    ],
)
def test_a_folder_that_is_not_a_finished_run_is_refused(tmp_path: Path, damage, message: str) -> None:
    out = write_out(tmp_path / "out", [result("ada", ALL)])
    damage(out)
    with pytest.raises(OutFolderError, match=message):
        diff_runs(old=out, new=out)


# Real grading, as a TA would run it.
def graded(submissions: Path, out: Path, timeout: float = 30) -> Path:
    grade(assignment=HOMEWORK, submissions=submissions, out=out, seed=SEED, timeout=timeout)
    return out


def with_cell(sample: str, source: str, at: int | None = None) -> str:
    """A sample notebook with one more code cell: first (at=0) or last."""
    notebook = json.loads((EXAMPLES / f"{sample}.ipynb").read_text())
    cell = {
        "cell_type": "code",
        "id": "added",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": source,
    }
    notebook["cells"].insert(len(notebook["cells"]) if at is None else at, cell)
    return json.dumps(notebook)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """OLD: three samples. NEW: one fixed between the runs, one that now exits in its last cell. AGAIN: OLD regraded."""
    root = tmp_path_factory.mktemp("diff")
    before, after = root / "in_old", root / "in_new"
    for folder in (before, after):
        folder.mkdir()
        shutil.copy(EXAMPLES / "floor_instead_of_ceil.ipynb", folder / "unchanged.ipynb")
    shutil.copy(EXAMPLES / "missing_plus_one.ipynb", before / "fixed.ipynb")
    shutil.copy(EXAMPLES / "passes_all.ipynb", after / "fixed.ipynb")
    shutil.copy(EXAMPLES / "passes_all.ipynb", before / "exits.ipynb")
    (after / "exits.ipynb").write_text(with_cell("passes_all", "import os\nos._exit(3)"))
    return graded(before, root / "old"), graded(after, root / "new"), graded(before, root / "again")


def test_regrading_after_an_edit_names_the_question_and_the_status(two_runs: tuple[Path, Path, Path]) -> None:
    old, new, _ = two_runs
    diff = diff_runs(old=old, new=new)
    changes = {change.submission: change for change in diff.changed}
    assert set(changes) == {"fixed", "exits"} and diff.unchanged == 1

    fixed = changes["fixed"]
    before, after = fixed.old.question_scores(), fixed.new.question_scores()
    moved = [q for q in assignment(HOMEWORK).questions() if before[q] != after[q]]
    assert moved and [question.question for question in fixed.questions] == moved
    assert fixed.delta > 0 and diff.changed[0] is fixed  # the larger change comes first

    exits = changes["exits"]
    assert (exits.old.status, exits.new.status, exits.delta, exits.questions) == (Status.OK, Status.CRASH, 0, ())
    rendered = render_diff(diff)
    assert f"status: {Status.OK} → {Status.CRASH}" in rendered
    assert all(f"{q}: {before[q]:g} → {after[q]:g}" in rendered for q in moved)
    assert "passed now" in rendered


def test_identical_runs_give_no_changes(two_runs: tuple[Path, Path, Path]) -> None:
    old, _, again = two_runs
    diff = diff_runs(old=old, new=again)
    graded_rows = (old / "gradebook.csv").read_text().count("\n") - 1
    assert (diff.changed, diff.added, diff.removed, diff.unchanged) == ((), (), (), graded_rows)
    assert render_diff(diff) == f"{HOMEWORK}: {summary_line(diff)}"


@pytest.mark.slow
def test_a_shorter_timeout_shows_as_a_status_and_the_questions_it_cost(tmp_path: Path) -> None:
    sleep, short = 3, 1
    submissions = tmp_path / "in"
    submissions.mkdir()
    (submissions / "sleeps_first.ipynb").write_text(with_cell("passes_all", f"import time\ntime.sleep({sleep})", 0))
    old = graded(submissions, tmp_path / "old", timeout=sleep * 10)
    new = graded(submissions, tmp_path / "new", timeout=short)

    (change,) = diff_runs(old=old, new=new).changed
    assert (change.old.status, change.new.status) == (Status.OK, Status.TIMEOUT)
    lost = [q for q, score in change.old.question_scores().items() if score > change.new.question_scores()[q]]
    assert [question.question for question in change.questions] == lost
    assert f"within {short:g} s" in render_diff(diff_runs(old=old, new=new))
