"""What the TA opens is inert: CSV cells no spreadsheet evaluates, terminal text no student can steer."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.diff import CaseChange, QuestionChange, RunDiff, StudentChange, render_diff
from autograder.grading.progress import summary
from autograder.grading.tally import Tally, facts
from autograder.lms.canvas import (
    CanvasCollection,
    CanvasExport,
    CanvasFile,
    RosterStudent,
    Skipped,
    render_collection,
    render_export,
)
from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs import records
from autograder.outputs.folder import RUN_FILE, read_out
from autograder.outputs.gradebook import gradebook_csv, gradebook_row, gradebook_rows, write_gradebook
from autograder.outputs.inert import CSV_NUL, from_inert_cell, inert_cell, inert_csv, printable, read_inert_csv
from autograder.outputs.terminal import render

SETTINGS = settings(database=None, deadline=None, max_examples=300)
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list; the module adds "\n" and NUL
HOSTILE = [
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x1b[31m",
    "\r",
    "\n",
    "\t",
    "\x00",
    "\x7f",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u2028",
    "\udcff",
    "'",
    "=",
    "+",
    "-",
    "@",
    " ",
    "\\",
    '"',
    ",",
    ";",
]
# Any text, but with what matters drawn often: the characters that could steer a terminal or a spreadsheet.
TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=3))).map("".join)
FILE_TEXT = st.lists(st.one_of(st.sampled_from([c for c in HOSTILE if c != "\udcff"]), st.text(max_size=3))).map(
    "".join
)  # what a UTF-8 file can hold: no lone surrogates
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def steers_a_terminal(char: str) -> bool:
    """The characters no student text may bring to the terminal, defined apart from the code under test."""
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI


def assert_no_formula(text: str, delimiter: str = ",") -> None:
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for cell in cells:
            assert not cell.startswith(FORMULA) and not cell.lstrip().startswith(FORMULA), cell


def assert_inert_on_screen(rendered: str, lines: int | None = None) -> None:
    for line in rendered.split("\n"):  # the renderer's own line breaks are the only ones allowed
        assert not [char for char in line if steers_a_terminal(char)], line
    if lines is not None:
        assert rendered.count("\n") + 1 == lines


# --- spreadsheet cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        pytest.param("=1+2", "'=1+2", id="formula"),
        pytest.param("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", id="dde"),
        pytest.param("+1", "'+1", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("  =1", "'  =1", id="after-spaces"),
        pytest.param("'=1", "''=1", id="quote-then-formula"),
        pytest.param("'plain", "''plain", id="leading-quote"),
        pytest.param("plain", "plain", id="plain"),
        pytest.param("13.5", "13.5", id="number"),
        pytest.param("", "", id="empty"),
        pytest.param("a=b", "a=b", id="not-leading"),
    ],
)
def test_cells_that_could_start_a_formula_get_a_quote(text: str, cell: str) -> None:
    assert inert_cell(text) == cell
    assert from_inert_cell(cell) == text


@SETTINGS
@given(TEXT)
def test_any_text_round_trips_through_a_cell_that_cannot_start_a_formula(text: str) -> None:
    cell = inert_cell(text)
    assert from_inert_cell(cell) == text
    assert not cell.startswith(FORMULA) and not cell.lstrip().startswith(FORMULA)


@SETTINGS
@given(
    st.lists(st.lists(st.one_of(FILE_TEXT, st.floats(0, 1e6)), min_size=1, max_size=4), max_size=4),
    st.sampled_from([",", ";"]),
)
def test_a_csv_of_any_cells_reads_back_cell_for_cell(rows: list[list[str | float]], delimiter: str) -> None:
    text = inert_csv(rows, delimiter)
    expected = [[cell.replace("\0", CSV_NUL) if isinstance(cell, str) else f"{cell:g}" for cell in row] for row in rows]
    assert read_inert_csv(io.StringIO(text, newline=""), delimiter) == expected
    assert_no_formula(text, delimiter)


def result(submission: str, message: str = "", status: str = Status.OK, score: float = 1.5) -> SubmissionResult:
    cases = (
        CaseResult("hw2.q1.a", "a case", "q1", score, 2.0, False, message),
        CaseResult("hw2.q2.b", "b case", "q2", 0.0, 3.0, True, "Wrong."),
    )
    return SubmissionResult(submission, "hw2", status, message, cases, 7, "0.1.0+test")


@SETTINGS
@given(st.lists(st.tuples(FILE_TEXT, FILE_TEXT), min_size=1, max_size=5, unique_by=lambda pair: pair[0]))
def test_the_gradebook_gives_back_every_name_and_message_and_runs_no_formula(pairs: list[tuple[str, str]]) -> None:
    results = [result(name, message) for name, message in pairs]
    text = gradebook_csv(results, ("q1", "q2"))

    rows = gradebook_rows(io.StringIO(text, newline=""))
    as_written = [(name.replace("\0", CSV_NUL), message.replace("\0", CSV_NUL)) for name, message in sorted(pairs)]
    assert [(row["submission"], row["message"]) for row in rows] == as_written
    assert {row["score"] for row in rows} == {"1.5"} and {row["q2"] for row in rows} == {"0"}  # plain numbers
    assert_no_formula(text)


HOSTILE_NAMES = ["=1+2", "'=1+2", "''", "-1", "+x", "@SUM(A1)", " =x", "=cmd|' calc'!A0", "a\rb", "tab\there"]


def test_a_graded_folder_with_formula_names_reads_back_by_its_records(tmp_path: Path) -> None:
    results = [result(name, f'=HYPERLINK("x", "{name}")') for name in HOSTILE_NAMES]
    for item in results:
        records.save(tmp_path, records.Fingerprint("0" * 64, 7, "0.1.0+test", 60.0, 2**30), item)
    write_gradebook(tmp_path / "gradebook.csv", results, ("q1", "q2"))
    (tmp_path / RUN_FILE).write_text(json.dumps({"assignment": "hw2", "seed": 7, "grader_version": "0.1.0+test"}))

    assert sorted(read_out(tmp_path).results) == sorted(HOSTILE_NAMES)
    assert_no_formula((tmp_path / "gradebook.csv").read_text(encoding="utf-8"))


# --- the terminal -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07", id="retitle"),
        pytest.param("\x1b[2J", "\\x1b[2J", id="clear-screen"),
        pytest.param("a\rb", "a\\rb", id="carriage-return"),
        pytest.param("a\nb", "a\\nb", id="newline"),
        pytest.param("\x9b2J", "\\x9b2J", id="c1-csi"),
        pytest.param("\u202etxt.exe", "\\u202etxt.exe", id="bidi-override"),
        pytest.param("\udcff", "\\udcff", id="not-utf8"),
        pytest.param("müller – ok \\x1b", "müller – ok \\x1b", id="printable-unchanged"),
    ],
)
def test_printable_escapes_what_steers_a_terminal(text: str, shown: str) -> None:
    assert printable(text) == shown


@SETTINGS
@given(TEXT)
def test_printable_leaves_nothing_that_steers_and_changes_nothing_else(text: str) -> None:
    shown = printable(text)
    assert not [char for char in shown if steers_a_terminal(char)]
    assert printable(shown) == shown
    if not [char for char in text if steers_a_terminal(char)]:
        assert shown == text


@SETTINGS
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4))
def test_the_gradebook_table_and_summary_show_any_names_inertly(pairs: list[tuple[str, str]]) -> None:
    results = tuple(result(name, message) for name, message in pairs)
    assert_inert_on_screen(render(results, ("q1", "q2")), lines=len(results) + 2)
    tally = Tally()
    for each in results:  # as grade() adds up its rows
        tally.add(each.submission, gradebook_row(each), facts(each))
    run = SimpleNamespace(
        results=results,
        names=[each.submission for each in results],
        tally=tally,
        reused=0,
        seed=7,
        gradebook=Path("out/gradebook.csv"),
        sandbox_warning="",
        skipped=(),
        late=frozenset(),
    )
    assert_inert_on_screen(summary(run), lines=4)  # type: ignore[arg-type]


def test_escaped_names_still_line_up_in_the_table() -> None:
    results = [result("\x1b[2J\u202eada"), result("bo"), result("\x9b" * 5)]
    lines = render(results, ("q1", "q2")).split("\n")
    assert len({line.index("1.5/5") for line in lines[2:]}) == 1


@SETTINGS
@given(TEXT, TEXT, TEXT)
def test_a_diff_shows_any_names_and_messages_inertly(name: str, message: str, other: str) -> None:
    old, new = result(name, "", score=2.0), result(name, message, Status.CRASH, score=0.0)
    change = StudentChange(
        name, old, new, (QuestionChange("q1", 2.0, 0.0, (CaseChange("q1", "a case", 2.0, 0.0, 2.0, message),)),)
    )
    diff = RunDiff("hw2", 7, 7, "v", "v", (change,), (result(other),), (result(other + "x"),), 0)
    assert_inert_on_screen(render_diff(diff), lines=6)


@SETTINGS
@given(TEXT, TEXT, TEXT)
def test_canvas_reports_show_any_names_inertly(name: str, reason: str, person: str) -> None:
    upload = CanvasFile(f"x_1_2_{name}", "x", False, "1", 2, name)
    collection = CanvasCollection(Path("into"), (upload,), (upload,), (Skipped(name, reason),))
    assert_inert_on_screen(render_collection(collection), lines=5)
    student = RosterStudent(person, "1")
    export = CanvasExport(
        Path("canvas.csv"), "hw2", name, False, (student,), (student,), (student,), (name,), (reason,)
    )
    assert_inert_on_screen(render_export(export), lines=6)
