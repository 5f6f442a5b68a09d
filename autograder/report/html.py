"""`cnngrade report`: a static HTML report of a graded folder, with plots and one feedback page per student."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from autograder.errors import CannotAccess, OutFolderError
from autograder.model import SubmissionResult
from autograder.outputs.files import write_atomic, write_bytes_atomic
from autograder.outputs.folder import REPORT, grade_wrote, read_out
from autograder.outputs.gradebook import GRADEBOOK
from autograder.outputs.inert import readable
from autograder.report.data import ClassReport, RunInfo, summarize
from autograder.report.names import late_submissions, submission_names
from autograder.report.plots import PLOTS_MISSING, score_histogram

INDEX = "index.html"
STUDENTS = "students"
PLOTS = "plots"
TOTAL_PLOT = "total.png"


def _inert(value: Any) -> Any:
    """Every value a page shows, before it is escaped: text as `readable` makes it. A record reused from an older grader
    may hold a notebook's lone surrogate, which would make that page unencodable and end the report for the class."""
    return readable(value) if type(value) is str else value


def _environment() -> Environment:
    # Autoescape everything: student messages, output and even file names are untrusted text.
    environment = Environment(
        loader=PackageLoader("autograder.report", "templates"),
        autoescape=True,
        finalize=_inert,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["num"] = lambda value: f"{value:g}"
    return environment


def student_page(submission: str) -> str:
    """The page's file name, which is also its link text relative to students/."""
    return f"{submission}.html"


def _href(path: str) -> str:
    # A file stem may hold `#`, `?`, `%` or spaces; quoted, the link still names that file.
    return quote(path, safe="/")


def load_run(out: Path) -> tuple[RunInfo, tuple[SubmissionResult, ...]]:
    """What the report needs of a finished grading folder (graded.read_out checks it is one)."""
    graded = read_out(out)
    if not graded.results:
        raise OutFolderError(f"{out / GRADEBOOK} lists no submissions: nothing to report on.")
    run = RunInfo(graded.assignment, graded.seed, graded.grader_version, graded.sandboxed)
    return run, tuple(graded.results.values())


def _write_plots(report: ClassReport, into: Path) -> dict[str, str]:
    """Every plot, keyed by question ('' for the total), as a link relative to the index; none without matplotlib."""
    if PLOTS_MISSING:
        return {}
    links = {"": f"{PLOTS}/{TOTAL_PLOT}"}
    write_bytes_atomic(
        into / links[""],
        score_histogram([r.score for r in report.results], report.max_score, f"Total score (max {report.max_score:g})"),
    )
    for number, question in enumerate(report.questions, 1):
        # Question names come from the course registry; numbered files keep them out of paths anyway.
        links[question.name] = f"{PLOTS}/question-{number}.png"
        write_bytes_atomic(
            into / links[question.name],
            score_histogram(question.scores, question.max_score, f"{question.name} (max {question.max_score:g})"),
        )
    return links


def _remove_stale(folder: Path, pattern: str, keep: set[str]) -> None:
    """Pages and plots of an earlier report whose student or question is gone (only files this writes)."""
    for path in folder.glob(pattern):
        if path.name not in keep and path.is_file():
            path.unlink()


def write_report(*, out: Path, into: Path | None = None, roster: Path | None = None) -> Path:
    """Write the class report for the graded folder OUT into INTO (default OUT/report/); return index.html.

    ROSTER, Canvas's gradebook export, names the students whose submissions are named by Canvas user id."""
    run, results = load_run(out)
    into = into if into is not None else out / REPORT
    _check_into(out, into)
    submissions = [result.submission for result in results]
    names = submission_names(submissions, roster=roster, out=out)
    report = summarize(run, results, names, late_submissions(out, submissions))
    try:
        return _write_pages(report, into)
    except OSError as exc:
        # A read-only folder, a parent that is a file, a full disk: the TA's to fix, in one line (exit 4).
        raise CannotAccess(
            f"cannot write the report into {into} ({exc.strerror or type(exc).__name__}); "
            "give --into a folder you can write to."
        ) from None


def _check_into(out: Path, into: Path) -> None:
    # Its index.html, students/ and plots/ would sit among (or inside) what `grade` wrote: the default is OUT/report.
    inside = grade_wrote(out, into)
    if into.resolve() == out.resolve() or (inside is not None and inside != REPORT):
        if inside is None:
            where = "is the graded folder itself, among the files"
        else:
            what = "is" if into.resolve() == (out / inside).resolve() else "is inside"
            where = f"{what} the graded folder's {inside},"
        raise OutFolderError(
            f"--into {into} {where} which `cnngrade grade` wrote; give another folder (or leave --into out: "
            f"the report goes to {out / REPORT})."
        )
    if into.exists() and not into.is_dir():
        raise OutFolderError(f"{into} is a file; give --into a folder for the report (its index.html and pages).")


def _write_pages(report: ClassReport, into: Path) -> Path:
    run = report.run
    environment = _environment()
    plots = _write_plots(report, into)
    student = environment.get_template("student.html")
    pages = set()
    for result in report.results:
        page = student_page(result.submission)
        pages.add(page)
        write_atomic(
            into / STUDENTS / page,
            student.render(
                run=run,
                result=result,
                shown=report.shown(result.submission),
                late=result.submission in report.late,
                questions=report.questions,
                cases=_cases_by_question(result),
            ),
        )
    _remove_stale(into / STUDENTS, "*.html", pages)
    _remove_stale(into / PLOTS, "*.png", {Path(link).name for link in plots.values()})
    # The index last: once it exists, everything it links to does too.
    index = into / INDEX
    write_atomic(
        index,
        environment.get_template("index.html").render(
            report=report,
            plots={key: _href(link) for key, link in plots.items()},
            plots_missing=PLOTS_MISSING,
            pages={r.submission: _href(f"{STUDENTS}/{student_page(r.submission)}") for r in report.results},
        ),
    )
    return index


def _cases_by_question(result: SubmissionResult) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for case in result.cases:
        grouped.setdefault(case.question, []).append(case)
    return grouped


__all__ = ["load_run", "write_report"]
