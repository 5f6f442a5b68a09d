"""The `cnngrade` command: parses options and maps each verb onto one core function."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.errors import BuildError, CnnGradeError
from autograder.grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from autograder.grading.dask_executor import DaskExecutor

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'2GiB', '512M', '1000000' to bytes."""
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 2GiB or 512MiB)")
    number, unit = float(match.group(1)), (match.group(2) or "B").upper()[:1]
    return int(number * {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[unit])


def _needs_the_build_extra(error: ImportError) -> BuildError:
    return BuildError(
        f"building needs the build extra ({error.name or error} is not installed): pip install 'cnngrade[build]'"
    )


def _build(args: argparse.Namespace) -> int:
    try:
        from autograder.build import build
    except ImportError as error:
        raise _needs_the_build_extra(error) from None

    for built in build(assignments=args.assignments or None, root=args.root):
        print(f"built {built.name}: {built.student_dir} and {built.zip_path}")
    return 0


def _dask_executor(args: argparse.Namespace) -> DaskExecutor:
    from autograder.errors import DaskUnavailable

    try:
        from autograder.grading.dask_executor import DaskExecutor
    except ImportError as error:
        raise DaskUnavailable(f"--executor dask needs Dask ({error}): pip install 'cnngrade[dask]'") from error
    try:
        return DaskExecutor(args.scheduler, args.workers)
    except OSError as error:  # no scheduler there, or no workers in time (TimeoutError is an OSError)
        raise DaskUnavailable(f"no Dask cluster to grade on: {error}") from error


def _grade(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from autograder.errors import SandboxRequired
    from autograder.grading.executor import Executor, LocalExecutor
    from autograder.grading.progress import Progress, summary
    from autograder.grading.run import grade
    from autograder.grading.sandbox import detect
    from autograder.outputs.terminal import render

    with ExitStack() as stack:
        executor: Executor
        if args.executor == "dask" or args.scheduler:
            # The workers run the submissions, so their sandbox is the one that counts, not this machine's.
            executor = stack.enter_context(_dask_executor(args))
        else:
            executor = LocalExecutor(args.workers, detect())
        if executor.warning and not args.unsandboxed:
            raise SandboxRequired(executor.warning)
        with Progress(enabled=sys.stderr.isatty() and not args.quiet) as progress:
            run = grade(
                assignment=args.assignment,
                submissions=args.submissions,
                out=args.out,
                seed=args.seed,
                timeout=args.timeout,
                memory_bytes=args.memory,
                force=args.force,
                executor=executor,
                unsandboxed=args.unsandboxed,
                on_start=progress.start,
                on_result=progress.advance,
            )
    if not args.quiet:
        print(render(run.results, run.questions))
        print()
    print(summary(run))
    return 0


def _report(args: argparse.Namespace) -> int:
    from autograder.report.html import write_report

    index = write_report(out=args.out, into=args.into)
    print(f"report: {index.resolve().as_uri()}")
    return 0


def _collect_canvas(args: argparse.Namespace) -> int:
    from autograder.lms.canvas import collect_canvas_submissions, render_collection

    print(render_collection(collect_canvas_submissions(source=args.download, into=args.into)))
    return 0


def _collect_gradescope(args: argparse.Namespace) -> int:
    from autograder.lms.gradescope import collect_gradescope_submissions, render_collection

    print(render_collection(collect_gradescope_submissions(source=args.export, into=args.into)))
    return 0


def _export_canvas(args: argparse.Namespace) -> int:
    from autograder.lms.canvas import export_canvas, render_export

    print(render_export(export_canvas(out=args.out, roster=args.roster, assignment_column=args.column, into=args.into)))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from autograder.diff import diff_runs, render_diff

    print(render_diff(diff_runs(old=args.old, new=args.new)))
    return 0


def _try_zip(args: argparse.Namespace) -> int:
    try:
        from autograder.build.try_zip import render, try_zip
    except ImportError as error:
        raise _needs_the_build_extra(error) from None

    runs = try_zip(args.zip, args.notebooks, args.out, seed=args.seed, kind=args.container, timeout=args.timeout)
    for run in runs:
        print(render(run))
    return 0 if all(run.exit_code == 0 for run in runs) else 1


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnngrade", description="Auto-graded CNN homework: build, grade, report, collect, export, diff."
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    build = verbs.add_parser("build", help="run otter assign on each master; write student_template/ and dist/")
    build.add_argument("assignments", nargs="*", metavar="HW", help="assignments to build (default: all)")
    build.add_argument("--root", type=Path, default=Path.cwd(), help="the course repository (default: .)")
    build.set_defaults(handler=_build)

    grade = verbs.add_parser("grade", help="grade a folder of submitted notebooks")
    grade.add_argument("assignment", metavar="HW")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    grade.add_argument("--out", type=Path, required=True, help="where gradebook.csv and results/ go")
    grade.add_argument(
        "--seed", type=int, default=None, help="probe seed (default: the one OUT was graded with, else a fresh one)"
    )
    grade.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per submission (default {DEFAULT_TIMEOUT:g})"
    )
    grade.add_argument(
        "--memory",
        type=parse_size,
        default=DEFAULT_MEMORY,
        help=f"memory cap per submission (default {DEFAULT_MEMORY / 2**30:g}GiB)",
    )
    grade.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel submissions (default: all cores); with --scheduler, how many Dask workers "
        "to wait for before grading (default 1)",
    )
    grade.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="where submissions run: forked on this machine (local, the default) or on Dask "
        "workers; dask without --scheduler starts a Dask cluster on this machine",
    )
    grade.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="grade on the workers of this running Dask scheduler (implies --executor dask)",
    )
    grade.add_argument("--force", action="store_true", help="regrade everything, even what OUT already holds")
    grade.add_argument("--quiet", action="store_true", help="print only the closing summary")
    grade.add_argument(
        "--unsandboxed",
        action="store_true",
        help="where bubblewrap cannot sandbox submissions, run them anyway with resource limits only "
        "(only for notebooks you trust: unsandboxed, a notebook can read the reference solutions)",
    )
    # Refusing to grade unsandboxed is the default now; the old flag is still accepted.
    grade.add_argument("--require-sandbox", action="store_true", help=argparse.SUPPRESS)
    grade.set_defaults(handler=_grade)

    report = verbs.add_parser("report", help="write an HTML report of a graded folder: plots, mistakes, feedback pages")
    report.add_argument("out", type=Path, metavar="OUT", help="a folder `cnngrade grade --out OUT` wrote")
    report.add_argument(
        "--into", type=Path, default=None, metavar="DIR", help="where the report goes (default: OUT/report)"
    )
    report.set_defaults(handler=_report)

    collect = verbs.add_parser("collect", help="turn an LMS download into a folder to grade")
    collect_from = collect.add_subparsers(dest="lms", required=True, metavar="LMS")
    collect_canvas = collect_from.add_parser(
        "canvas", help="one notebook per student from Canvas's Download Submissions, named by Canvas user id"
    )
    collect_canvas.add_argument("download", type=Path, metavar="DOWNLOAD", help="the .zip, or the folder it unzips to")
    collect_canvas.add_argument(
        "--into",
        type=Path,
        required=True,
        metavar="FOLDER",
        help="the folder to grade: new, empty, or written by an earlier collect",
    )
    collect_canvas.set_defaults(handler=_collect_canvas)
    collect_gradescope = collect_from.add_parser(
        "gradescope", help="one notebook per submission from Gradescope's Export Submissions, named by student id"
    )
    collect_gradescope.add_argument(
        "export",
        type=Path,
        metavar="EXPORT",
        help="the .zip, or the folder it unzips to (it holds submission_metadata.yml)",
    )
    collect_gradescope.add_argument(
        "--into",
        type=Path,
        required=True,
        metavar="FOLDER",
        help="the folder to grade: new, empty, or written by an earlier collect gradescope",
    )
    collect_gradescope.set_defaults(handler=_collect_gradescope)

    export = verbs.add_parser("export", help="write a graded folder's scores for an LMS")
    export_to = export.add_subparsers(dest="lms", required=True, metavar="LMS")
    export_canvas = export_to.add_parser("canvas", help="a gradebook import CSV for Canvas")
    export_canvas.add_argument("out", type=Path, metavar="OUT", help="a folder `cnngrade grade --out OUT` wrote")
    export_canvas.add_argument(
        "--roster",
        type=Path,
        required=True,
        metavar="ROSTER.csv",
        help="Canvas's gradebook export (Grades > Export > Export Entire Gradebook)",
    )
    export_canvas.add_argument(
        "--into", type=Path, required=True, metavar="CANVAS.csv", help="the CSV to write, for Grades > Import"
    )
    export_canvas.add_argument(
        "--column",
        default=None,
        metavar="NAME",
        help='the roster column to fill, e.g. "hw1 (12345)" (default: the one named '
        "after the assignment, else a new column)",
    )
    export_canvas.set_defaults(handler=_export_canvas)

    diff = verbs.add_parser("diff", help="compare two graded folders per student: what changed and why")
    diff.add_argument("old", type=Path, metavar="OLD_OUT")
    diff.add_argument("new", type=Path, metavar="NEW_OUT")
    diff.set_defaults(handler=_diff)

    try_zip = verbs.add_parser("try-zip", help="run an autograder zip on notebooks as Gradescope would (as root)")
    try_zip.add_argument("zip", type=Path, metavar="ZIP", help="dist/HW/autograder.zip, as `cnngrade build` made it")
    try_zip.add_argument(
        "notebooks",
        type=Path,
        nargs="+",
        metavar="NOTEBOOK",
        help="notebooks (or the zips their export cell makes), each graded in a run of its own",
    )
    try_zip.add_argument(
        "--out",
        type=Path,
        default=Path("try-zip"),
        metavar="DIR",
        help="where each run's results.json goes: DIR/<notebook name>/ (default: ./try-zip)",
    )
    try_zip.add_argument(
        "--seed",
        type=int,
        default=None,
        help="probe seed, to compare with `cnngrade grade --seed` (default: fresh, as on Gradescope)",
    )
    try_zip.add_argument(
        "--container",
        choices=("docker", "permissive"),
        default="docker",
        help="docker (default): Docker's defaults, no namespaces inside, so the notebook runs as an "
        "unprivileged user; permissive: namespaces allowed, so it runs in bubblewrap",
    )
    try_zip.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="each notebook's time limit (default: the zip's, as on Gradescope)",
    )
    try_zip.set_defaults(handler=_try_zip)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "scheduler", None) and args.executor == "local":
        parser.error("--scheduler needs --executor dask")
    try:
        return args.handler(args)
    except CnnGradeError as error:
        from autograder.outputs.inert import screen

        # A message may quote a student's file name: shown escaped, like every report.
        print("cnngrade: " + screen(str(error).splitlines()), file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
