"""`cnngrade report`: counts computed from the results, escaping, one page per student, links, a real browser."""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.report.html as report_module
from autograder.checks import codec
from autograder.cli import main
from autograder.errors import EXIT_FILES, CannotAccess, CanvasError, CnnGradeError, OutFolderError
from autograder.grading.executor import Job, Phase1Outcome
from autograder.grading.run import grade
from autograder.intake.collected import CollectedNote, write_notes
from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs import records
from autograder.outputs.gradebook import write_gradebook
from autograder.report.data import RunInfo, Tally, summarize
from autograder.report.html import write_report
from solutions import hw1

from .factories import write_notebook
from .test_canvas import CLASS, Student, write_roster

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED, VERSION = 7, "9.9.9+test"
SCREENSHOT = Path("/tmp/cnngrade-report-screenshot.png")
CONV = "each filter is counted as if its input had one channel"
BIAS = "the layer gets a single bias"
EVIL = "<script>alert('x')</script>"


def case(
    question: str,
    name: str,
    score: float,
    max_score: float = 1.0,
    *,
    hidden: bool = False,
    message: str = "Passed.",
    mistake: str = "",
) -> CaseResult:
    return CaseResult(
        f"hw3.{question}.{name}", f"{name} is right", question, score, max_score, hidden, message, mistake
    )


def submission(
    name: str,
    *cases: CaseResult,
    status: str = Status.OK,
    message: str = "",
    output: str = "",
    seconds: float = 0.1,
    seed: int = SEED,
) -> SubmissionResult:
    return SubmissionResult(name, "hw3", status, message, cases, seed, VERSION, output, seconds)


def write_out(
    out: Path, *results: SubmissionResult, sandboxed: bool = True, late: frozenset[str] = frozenset()
) -> Path:
    """An OUT folder as `cnngrade grade` leaves it: run.json, gradebook.csv (LATE in its late column), a record each."""
    for result in results:
        records.save(out, records.Fingerprint("0" * 64, result.seed, VERSION, 60.0, 2**30), result)
    (out / "run.json").write_text(
        json.dumps({"assignment": "hw3", "seed": SEED, "grader_version": VERSION, "sandboxed": sandboxed})
    )
    write_gradebook(out / "gradebook.csv", results, ("q1", "q2"), late)
    return out


def class_of_three() -> tuple[SubmissionResult, ...]:
    """ann and bob make the CONV mistake (ann twice), bob also BIAS; cat makes it in q2 only."""
    return (
        submission(
            "ann",
            case("q1", "CONV1", 0, mistake=CONV, message="CONV1 is 208, " + CONV),
            case("q1", "CONV2", 0, mistake=CONV, message="CONV2 is 416, " + CONV),
            case("q1", "FC3", 1),
            case("q2", "conv-1", 0, 2, hidden=True, message="returned None on f=3"),
            seconds=0.5,
        ),
        submission(
            "bob",
            case("q1", "CONV1", 0, mistake=CONV, message="CONV1 is 208, " + CONV),
            case("q1", "CONV2", 1),
            case("q1", "FC3", 0, mistake=BIAS, message="FC3 is 48,001"),
            case("q2", "conv-1", 0, 2, hidden=True, message="returned None on f=5"),
            seconds=2.0,
        ),
        submission(
            "cat",
            case("q1", "CONV1", 1),
            case("q1", "CONV2", 1),
            case("q1", "FC3", 1),
            case("q2", "conv-1", 0, 2, hidden=True, mistake=CONV, message="is 600, " + CONV),
            output="hello from cat\n",
            seconds=2.0,
        ),
    )


class Links(HTMLParser):
    """Every href/src, every id, and every tag name of one page."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        self.links += [value for key, value in attrs if key in ("href", "src") and value]
        if found.get("id"):
            self.ids.add(str(found["id"]))


def pages(into: Path) -> list[Path]:
    return sorted(into.rglob("*.html"))


def test_mistakes_are_counted_per_student_and_per_case() -> None:
    report = summarize(RunInfo("hw3", SEED, VERSION, True), class_of_three())
    q1, q2 = report.questions
    assert q1.mistakes == (Tally(CONV, ("ann", "bob"), 3), Tally(BIAS, ("bob",), 1))
    assert q2.mistakes == (Tally(CONV, ("cat",), 1),)


def test_other_failures_group_messages_that_differ_only_in_numbers() -> None:
    results = (
        *class_of_three(),
        submission(
            "dan",
            case("q1", "CONV1", 0, message="Not graded: the file is not JSON"),
            case("q2", "conv-1", 0, 2, message="Not graded: the file is not JSON"),
            status=Status.INVALID,
        ),
    )
    q1, q2 = summarize(RunInfo("hw3", SEED, VERSION, True), results).questions
    # The cases with a named mistake are tallied there, and an ungraded notebook belongs to the statuses.
    assert q1.failures == ()
    assert q2.failures == (Tally("returned None on f=3", ("ann", "bob"), 2, variants=2),)


def test_summary_statuses_and_slowest() -> None:
    results = (
        *class_of_three(),
        submission("dan", case("q1", "CONV1", 0), status=Status.TIMEOUT, message="too slow", seconds=9.0),
        submission("eve", case("q1", "CONV1", 0), status=Status.CRASH, message="died", seconds=0.0),
    )
    report = summarize(RunInfo("hw3", SEED, VERSION, False), results)
    assert dict(report.status_counts) == {"ok": 3, "timeout": 1, "memory": 0, "crash": 1, "invalid": 0}
    assert [r.score for r in report.results] == [1, 1, 3, 0, 0]
    assert (report.mean, report.median, report.highest, report.lowest) == (1.0, 1, 3, 0)
    assert [(g.status, g.submissions) for g in report.not_ok] == [
        ("timeout", (("dan", "too slow"),)),
        ("crash", (("eve", "died"),)),
    ]
    # Ties on seconds go by name, so the page is the same every time.
    assert [r.submission for r in report.slowest] == ["dan", "bob", "cat", "ann", "eve"]
    assert [(q.name, q.max_score, q.full_marks, q.zeros) for q in report.questions] == [
        ("q1", 3, 1, 2),
        ("q2", 2, 0, 5),
    ]


def test_the_index_shows_the_class_summary_and_the_mistakes(tmp_path: Path) -> None:
    index = write_report(out=write_out(tmp_path / "out", *class_of_three(), sandboxed=False))
    assert index == tmp_path / "out" / "report" / "index.html"
    text = index.read_text()
    assert f'<td class="num">{SEED}</td>' in text and VERSION in text
    assert "Graded without the sandbox" in text
    row = re.search(
        rf"<tr><td class=\"message\">{CONV}</td><td class=\"num\">(\d) of 3</td>\s*"
        r"<td class=\"num\">(\d)</td>",
        text,
    )
    assert row is not None and row.groups() == ("2", "3")


def test_untrusted_text_is_escaped_everywhere(tmp_path: Path) -> None:
    name = "mallory<img src=q onerror=alert(1)>"
    evil = submission(
        name,
        case("q1", "CONV1", 0, message=EVIL, mistake=EVIL),
        case("q2", "conv-1", 0, 2, message=EVIL),
        status=Status.CRASH,
        message=EVIL,
        output=EVIL,
    )
    into = tmp_path / "report"
    write_report(out=write_out(tmp_path / "out", *class_of_three(), evil), into=into)
    student = into / "students" / f"{name}.html"
    assert student.exists()
    for page in pages(into):
        text = page.read_text()
        assert "<script>alert" not in text and "<img src=q" not in text
        tags = Links(text).tags
        # The only script is the report's own image check, and the only images are its plots.
        assert [tag for tag, _ in tags if tag == "script"] == (["script"] if page.name == "index.html" else [])
        assert all(attrs.get("class") == "plot" for tag, attrs in tags if tag == "img")
    text = student.read_text()
    assert text.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") == 4  # status, 2 cases, output
    assert "<pre>&lt;script&gt;" in text


def test_one_feedback_page_per_student_with_every_case(tmp_path: Path) -> None:
    into = tmp_path / "report"
    write_report(out=write_out(tmp_path / "out", *class_of_three()), into=into)
    assert sorted(p.name for p in (into / "students").iterdir()) == ["ann.html", "bob.html", "cat.html"]
    cat = (into / "students" / "cat.html").read_text()
    assert cat.count('<span class="badge passed">') == 3 and cat.count('<span class="badge failed">') == 1
    assert "hidden" in cat and "<pre>hello from cat\n</pre>" in cat
    assert "is 600, " + CONV in cat


def test_every_link_resolves_to_a_file_or_an_anchor(tmp_path: Path) -> None:
    into = tmp_path / "report"
    name = "with space #1 ?%"
    write_report(
        out=write_out(tmp_path / "out", *class_of_three(), submission(name, case("q1", "CONV1", 1))), into=into
    )
    checked = 0
    for page in pages(into):
        for link in Links(page.read_text()).links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{page.name} links outside the report: {link}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.name}: {link} does not exist"
            if parts.fragment:
                assert parts.fragment in Links(target.read_text()).ids, f"{page.name}: no #{parts.fragment}"
            checked += 1
    assert checked > 20
    index = Links((into / "index.html").read_text())
    assert f"students/{name}.html" in [unquote(link) for link in index.links]
    assert sorted(link for link in index.links if link.endswith(".png")) == [
        "plots/question-1.png",
        "plots/question-2.png",
        "plots/total.png",
    ]


def test_plots_are_pngs_one_per_question_and_the_total(tmp_path: Path) -> None:
    into = tmp_path / "report"
    write_report(out=write_out(tmp_path / "out", *class_of_three()), into=into)
    for path in sorted((into / "plots").iterdir()):
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (560, 240), path.name


def test_the_same_folder_gives_the_same_bytes_and_stale_pages_go(tmp_path: Path) -> None:
    out = write_out(tmp_path / "out", *class_of_three())
    first, second = tmp_path / "first", tmp_path / "second"
    write_report(out=out, into=first)
    write_report(out=out, into=second)

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert tree(first) == tree(second)
    assert not [p for p in first.rglob(".*")], "a temporary file was left behind"
    # cat left the class: the gradebook no longer lists her, and her page goes with it.
    write_out(out, *class_of_three()[:2])
    write_report(out=out, into=first)
    assert sorted(p.name for p in (first / "students").iterdir()) == ["ann.html", "bob.html"]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda out: (out / "run.json").unlink(), id="no-run-json"),
        pytest.param(lambda out: (out / "gradebook.csv").unlink(), id="no-gradebook"),
        pytest.param(lambda out: (out / "records" / "bob.json").unlink(), id="missing-record"),
        pytest.param(lambda out: (out / "records" / "bob.json").write_text("{"), id="corrupt-record"),
        pytest.param(
            lambda out: records.save(out, records.Fingerprint("0", 8, VERSION, 1, 1), submission("bob", seed=8)),
            id="unfinished-rerun",
        ),
    ],
)
def test_a_folder_that_is_not_a_finished_grading_is_a_message(tmp_path: Path, spoil: Callable[[Path], object]) -> None:
    out = write_out(tmp_path / "out", *class_of_three())
    spoil(out)
    with pytest.raises(OutFolderError, match="cnngrade grade") as raised:
        write_report(out=out)
    assert isinstance(raised.value, CnnGradeError)
    assert not (out / "report" / "index.html").exists()


def test_report_on_graded_samples_names_the_lectures_mistake(tmp_path: Path) -> None:
    submissions = tmp_path / "in"
    submissions.mkdir()
    for name in ("lecture_values", "one_channel_filters", "passes_all"):
        shutil.copy(EXAMPLES / "hw3" / f"{name}.ipynb", submissions / f"{name}.ipynb")
    grade(assignment="hw3", submissions=submissions, out=tmp_path / "out", seed=3)
    q1 = summarize(*report_module.load_run(tmp_path / "out")).questions[0]
    conv = [tally for tally in q1.mistakes if tally.text.startswith(CONV)]
    assert [(t.students, t.cases) for t in conv] == [(("lecture_values", "one_channel_filters"), 4)]
    text = write_report(out=tmp_path / "out").read_text()
    assert CONV in text and "2 of 3" in text


# --- warnings, names, rosters ----------------------------------------------------------------------------------


def elements(text: str, tag: str, **attrs: str) -> list[str]:
    """The text of each TAG element whose attributes include ATTRS (its own text and its children's)."""

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []
            self.depth = 0

        def handle_starttag(self, name: str, found: list[tuple[str, str | None]]) -> None:
            if self.depth:
                self.depth += name == tag
            elif name == tag and all(dict(found).get(k) == v for k, v in attrs.items()):
                self.depth = 1
                self.found.append("")

        def handle_endtag(self, name: str) -> None:
            if self.depth and name == tag:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.found[-1] += data

    parser = Texts()
    parser.feed(text)
    return parser.found


@pytest.mark.parametrize("sandboxed", [True, False])
def test_an_unsandboxed_run_is_a_warning_at_the_top_of_every_page(tmp_path: Path, sandboxed: bool) -> None:
    into = tmp_path / "report"
    write_report(out=write_out(tmp_path / "out", *class_of_three(), sandboxed=sandboxed), into=into)
    for page in pages(into):
        text = page.read_text()
        warnings = elements(text, "div", id="unsandboxed")
        assert len(warnings) == (0 if sandboxed else 1), page.name
        if not sandboxed:
            # Above everything else the page says, and saying what it means, not only that it happened.
            assert text.index('id="unsandboxed"') < text.index("<table")
            assert "reference solutions" in warnings[0] and "bubblewrap" in warnings[0]
    index = (into / "index.html").read_text()
    (sandbox_cell,) = re.findall(r"<th>Sandboxed</th><td[^>]*>(.*?)</td>", index)
    assert ("yes" in sandbox_cell) is sandboxed and sandbox_cell != "no"


# Names a list joined with ", " would split, and names that differ only in case.
NAMES = ("mistakes, forgot plus one", "bob", "Ann", "ann", "Zoë, the second", "zed")


def class_of_names(names: tuple[str, ...] = NAMES) -> tuple[SubmissionResult, ...]:
    return tuple(submission(name, case("q1", "CONV1", 0, mistake=CONV, message=CONV)) for name in names)


def assert_in_name_order(shown: list[str]) -> None:
    """Case-insensitive order, ties broken by the exact name: the same list gives the same page every time."""
    for first, second in itertools.pairwise(shown):
        assert (first.casefold(), first) < (second.casefold(), second), (first, second)


def test_who_lists_each_name_as_its_own_item_in_name_order(tmp_path: Path) -> None:
    index = write_report(out=write_out(tmp_path / "out", *class_of_names()))
    text = index.read_text()
    (who,) = [cell for cell in elements(text, "td", **{"class": "names"})]
    items = [item for item in elements(text, "li") if item in NAMES]
    assert sorted(items) == sorted(NAMES)  # every name whole: none split at its comma
    assert_in_name_order(items)
    assert "".join(items) == who  # nothing but the names: no separator text to confuse with a name's own
    assert_in_name_order(
        [r.submission for r in summarize(RunInfo("hw3", SEED, VERSION, True), class_of_names()).results]
    )


def test_a_roster_names_the_students_by_user_id(tmp_path: Path) -> None:
    submitted = CLASS[:3]
    results = [*class_of_names(tuple(s.user_id for s in submitted)), *class_of_names(("999",))]
    out = write_out(tmp_path / "out", *results)
    index = write_report(out=out, roster=write_roster(tmp_path / "roster.csv"))
    text = index.read_text()
    expected = {s.user_id: f"{s.sortable_name} ({s.user_id})" for s in submitted} | {"999": "999"}
    items = [item for item in elements(text, "li")]
    assert sorted(item for item in items if item in expected.values()) == sorted(expected.values())
    assert_in_name_order([item for item in items if item in expected.values()])
    for user_id, label in expected.items():
        page = (index.parent / "students" / f"{user_id}.html").read_text()
        assert elements(page, "h1") == [label]


def test_roster_names_are_escaped_and_inert(tmp_path: Path) -> None:
    evil = (Student("<script>alert(1)</script>", "101", None), Student("Ada\u202eevil, Lovelace", "102", None))
    out = write_out(tmp_path / "out", *class_of_names(("101", "102")))
    text = write_report(out=out, roster=write_roster(tmp_path / "roster.csv", students=evil)).read_text()
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; (101)" in text
    assert "\u202e" not in text and "Ada\\u202eevil" in text


def collected_beside(out: Path, folder: Path, notes: dict[str, CollectedNote]) -> Path:
    """FOLDER as a collect leaves it (a notebook per note, then the notes), and OUT's run.json pointing at it."""
    folder.mkdir()
    for name in notes:
        (folder / f"{name}.ipynb").write_text(json.dumps({"cells": [], "name": name}))
    write_notes(folder, notes)
    run = json.loads((out / "run.json").read_text())
    (out / "run.json").write_text(json.dumps(run | {"submissions": str(folder)}))
    return folder


def test_a_collects_notes_name_the_students_where_run_json_points_at_them(tmp_path: Path) -> None:
    out = write_out(tmp_path / "out", *class_of_names(("101", "102", "103")))
    notes = {"101": CollectedNote(False, "lovelaceada"), "102": CollectedNote(True, "hoppergrace")}
    collected_beside(out, tmp_path / "collected", notes)
    roster = write_roster(tmp_path / "roster.csv", students=(Student("Hopper, Grace", "102", None),))
    text = write_report(out=out, roster=roster).read_text()
    items = elements(text, "li")
    # The roster wins where it names the student; the notes name the rest; a submission neither names stays as it is.
    assert {"lovelaceada (101)", "Hopper, Grace (102)", "103"} <= set(items)
    assert "hoppergrace (102)" not in items


def test_a_row_without_a_status_message_shows_none(tmp_path: Path) -> None:
    into = tmp_path / "report"
    crashed = submission("dan", case("q1", "CONV1", 0), status=Status.CRASH, message="the kernel died")
    write_report(out=write_out(tmp_path / "out", *class_of_three(), crashed), into=into)
    for result in (*class_of_three(), crashed):
        text = (into / "students" / f"{result.submission}.html").read_text()
        rows = re.findall(r"<tr><th>Status message</th><td[^>]*>(.*?)</td></tr>", text)
        assert rows == ([result.message] if result.message else [])


def test_report_into_a_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = write_out(tmp_path / "out", *class_of_three())
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutFolderError, match="is a file"):
        write_report(out=out, into=tmp_path / "file")
    # A place the system will not let us write: the README's exit code for files, not a usage error.
    with pytest.raises(CannotAccess, match="cannot write the report"):
        write_report(out=out, into=tmp_path / "file" / "report")
    assert main(["report", str(out), "--into", str(tmp_path / "file" / "report")]) == EXIT_FILES
    assert "give --into a folder you can write to" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["report"], ["diff", "{out}"]], ids=["report", "diff"])
def test_a_graded_folder_that_is_a_file_is_called_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    out = write_out(tmp_path / "out", *class_of_three())
    (tmp_path / "afile").write_text("x")
    argv = [each.format(out=out) for each in command] + [str(tmp_path / "afile")]
    assert main(argv) == OutFolderError.exit_code
    error = capsys.readouterr().err
    assert "afile is a file, not a folder" in error and "again" not in error


def test_report_never_writes_among_what_grade_wrote(tmp_path: Path) -> None:
    out = write_out(tmp_path / "out", *class_of_three())
    (out / "results").mkdir()  # grade writes it (results_json); write_out leaves it out
    # OUT itself, and everything grade wrote in it (each folder, and a place inside each), but not report/.
    targets = [out, *(path for path in sorted(out.iterdir()))]
    targets += [path / "x" for path in targets[1:] if path.is_dir()]
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    for target in targets:
        with pytest.raises(OutFolderError, match="which `cnngrade grade` wrote"):
            write_report(out=out, into=target)
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    assert write_report(out=out).parent == out / "report"  # the default is still fine
    assert write_report(out=out, into=out / "report" / "copy").is_file()


def late_marks(index: Path) -> dict[str, bool]:
    """Each student's row in the index's Students table and their page: whether it says late."""
    text = index.read_text()
    table = text[text.index('id="students"') :]
    rows = re.findall(r'<tr><td><a href="students/([^"]+)\.html">[^<]*</a>(.*?)</td>', table)
    marks = {unquote(page): 'class="badge late"' in rest for page, rest in rows}
    for page, marked in marks.items():
        heading = elements((index.parent / "students" / f"{page}.html").read_text(), "h1")
        assert heading[0].endswith("late") is marked, page
    return marks


def test_late_students_are_marked_from_the_gradebooks_late_column(tmp_path: Path) -> None:
    names = ("101", "102", "103")
    late = frozenset({"102"})
    out = write_out(tmp_path / "out", *class_of_names(names), late=late)
    # Notes that say otherwise are not what was graded: the gradebook wins.
    collected_beside(out, tmp_path / "collected", {name: CollectedNote(name not in late) for name in names})
    assert late_marks(write_report(out=out)) == {name: name in late for name in names}


def test_without_a_late_column_the_collects_notes_mark_late_students(tmp_path: Path) -> None:
    names = ("101", "102", "103")
    late = frozenset({"101", "103"})
    out = write_out(tmp_path / "out", *class_of_names(names))
    # A gradebook from before `grade` wrote the late column.
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    drop = rows[0].index("late")
    with (out / "gradebook.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([row[:drop] + row[drop + 1 :] for row in rows])
    collected_beside(out, tmp_path / "collected", {name: CollectedNote(name in late) for name in names})
    assert late_marks(write_report(out=out)) == {name: name in late for name in names}


def test_the_cli_takes_a_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = write_out(tmp_path / "out", *class_of_names((CLASS[0].user_id,)))
    assert main(["report", str(out), "--roster", str(write_roster(tmp_path / "roster.csv"))]) == 0
    assert f"{CLASS[0].sortable_name} ({CLASS[0].user_id})" in elements(
        (out / "report" / "index.html").read_text(), "li"
    )
    (tmp_path / "bad.csv").write_text("Name,Email\n")
    assert main(["report", str(out), "--roster", str(tmp_path / "bad.csv")]) == CanvasError.exit_code
    assert capsys.readouterr().err.startswith("cnngrade: ")


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def run_chromium(browser: str, profile: Path, *args: str) -> str:
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1200,2000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_the_report_renders_with_its_plots_in_a_real_browser(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    browser = chromium()
    run = grade(assignment="hw3", submissions=EXAMPLES / "hw3", out=tmp_path / "out", seed=2026)
    index = write_report(out=tmp_path / "out")
    images = [tag for tag, _ in Links(index.read_text()).tags if tag == "img"]
    assert len(images) == 3

    # The page's own load handler counts the images that decoded; --dump-dom prints the DOM after load.
    dom = run_chromium(browser, tmp_path / "profile", "--dump-dom", index.as_uri())
    body = re.search(r"<body ([^>]*)>", dom)
    assert body is not None, dom[:2000]
    assert 'data-images-broken="0"' in body.group(1) and f'data-images-loaded="{len(images)}"' in body.group(1)
    assert "each filter is counted as if its input had one channel" in dom

    student = index.parent / "students" / "lecture_values.html"
    assert "<pre>" in student.read_text() or "printed nothing" in student.read_text()
    assert "CONV1" in run_chromium(browser, tmp_path / "profile", "--dump-dom", student.as_uri())

    shot = tmp_path / "index.png"
    run_chromium(browser, tmp_path / "profile", f"--screenshot={shot}", index.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1200, 2000)
    shutil.copy(shot, SCREENSHOT)
    record_property("screenshot", str(SCREENSHOT))
    print(f"report screenshot: {SCREENSHOT} (and {shot}); {len(run.results)} submissions")


# Any text a notebook's process can send back as its output, an error's name or message, or a value, with what
# makes a file unencodable or steers a terminal or a page drawn often.
SENT_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["\ud800", "\udfff", "\udce9", "\x00", "\x1b[2J", "\u202e", "\r", "<b>"]), st.text(max_size=4)
    )
).map("".join)


class OutcomeByName:
    """An executor that answers each submission with the phase-1 outcome given for its name."""

    warning = ""

    def __init__(self, outcomes: dict[str, Phase1Outcome]):
        self.outcomes = outcomes

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job in jobs:
            yield job, self.outcomes[job.submission]


def graded_and_reported(folder: Path, outcomes: dict[str, Phase1Outcome]) -> Path:
    for name in outcomes:
        write_notebook(folder / "in" / f"{name}.ipynb", ["x = 1"])
    out = folder / "out"
    grade(assignment="hw1", submissions=folder / "in", out=out, seed=SEED, executor=OutcomeByName(outcomes))
    write_report(out=out)
    return out


HONEST = Phase1Outcome(
    Status.OK, "", {"complete": True, "values": {"vertical_edges": codec.encode(hw1.vertical_edges)}, "calls": {}}, 0.1
)


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An honest student's graded and reported folder, without the classmate who sends anything back."""
    return graded_and_reported(tmp_path_factory.mktemp("alone"), {"ann": HONEST})


@settings(database=None, deadline=None, max_examples=25)
@given(output=SENT_TEXT, error=SENT_TEXT, message=SENT_TEXT, line=SENT_TEXT, value=SENT_TEXT)
def test_any_text_a_notebook_sends_back_is_reported_and_leaves_every_classmate_s_page_as_it_was(
    tmp_path_factory: pytest.TempPathFactory, alone: Path, output: str, error: str, message: str, line: str, value: str
) -> None:
    sent = {
        "complete": True,
        "values": {"vertical_edges": value},
        "calls": {},
        "output": output,
        "cell_errors": [{"cell": 1, "error": error, "message": message, "line": line}],
    }
    out = graded_and_reported(
        tmp_path_factory.mktemp("class"), {"ann": HONEST, "mallory": Phase1Outcome(Status.OK, "", sent, 0.1)}
    )
    assert (out / "report" / "students" / "mallory.html").is_file()
    assert (out / "report" / "students" / "ann.html").read_bytes() == (
        alone / "report" / "students" / "ann.html"
    ).read_bytes()
    for written in out.rglob("*"):
        if written.suffix in (".html", ".json", ".csv"):
            text = written.read_bytes().decode("utf-8")  # strict: every file is UTF-8
            if written.suffix == ".json":
                json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")  # and no escaped lone surrogate in it
