"""The `cnngrade` command: parses options and maps each verb onto one core function."""

from __future__ import annotations

import argparse
import errno
import math
import os
import re
import select
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from autograder.errors import (
    EXIT_BUG,
    EXIT_CLOSED_PIPE,
    EXIT_CLUSTER_LOST,
    EXIT_FILES,
    EXIT_INTERRUPTED,
    EXIT_MEMORY,
    EXIT_USAGE,
    BuildError,
    CnnGradeError,
    Interrupted,
    UnknownAssignment,
)
from autograder.grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from autograder.build import Built
    from autograder.grading.dask_executor import DaskExecutor
    from autograder.grading.run import GradeRun

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'2GiB', '512M', '1000000' to bytes."""
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 2GiB or 512MiB)")
    number, unit = float(match.group(1)), (match.group(2) or "B").upper()[:1]
    return int(number * {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[unit])


MIN_MEMORY = 64 * 1024**2  # below this, Python and numpy alone do not start
MAX_MEMORY = 2**50  # beyond any machine, and still a valid resource limit
MIN_SECONDS = 1.0  # a notebook's kernel alone takes about this long to start: less times out every row
MAX_SECONDS = 24 * 3600.0
MAX_SEED = 2**32 - 1  # what a fresh seed (and Gradescope's CNNGRADE_SEED) draws from


def memory_size(text: str) -> int:
    """A --memory: a size a notebook can run in."""
    size = parse_size(text)
    if not MIN_MEMORY <= size <= MAX_MEMORY:
        raise argparse.ArgumentTypeError(f"{text!r} is not a memory cap a notebook can run in (from 64MiB, e.g. 2GiB)")
    return size


def seconds(text: str) -> float:
    """A --timeout: long enough for a notebook to start, at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and MIN_SECONDS <= value <= MAX_SECONDS):
        raise argparse.ArgumentTypeError(
            f"{text!r} seconds: give at least {MIN_SECONDS:g} (a notebook takes that to start) "
            f"and at most {MAX_SECONDS:g} (a day)"
        )
    return value


def path_argument(text: str) -> Path:
    """A path on the command line: never empty, which Path would quietly read as the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a path (an empty one would mean the current folder)")
    return Path(text)


# Dask's network protocols (distributed.comm.registry) and a port. inproc:// is Dask's too, but such
# an address exists only inside the process that made it: this process can never reach one.
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]@]+):(?P<port>\d+)$"
)
MAX_PORT = 65535


def scheduler_address(text: str) -> str:
    """A --scheduler: a Dask scheduler's address as distributed parses it, SCHEME://HOST:PORT (tcp if no scheme)."""
    found = _ADDRESS.match(text.strip())
    scheme = (found.group("scheme") or "tcp").lower() if found else ""
    if scheme == "inproc" or text.strip().lower().startswith("inproc://"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: an inproc:// address exists only inside the Python process that made it; "
            "give the scheduler's tcp://HOST:PORT"
        )
    if not found or scheme not in _SCHEMES or not 1 <= int(found.group("port")) <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Dask scheduler's address: give tcp://HOST:PORT (as `dask scheduler` prints it; "
            f"also {', '.join(other + '://' for other in _SCHEMES[1:])}; port 1 to {MAX_PORT})"
        )
    return f"{scheme}://{found.group('host')}:{int(found.group('port'))}"


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def worker_count(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least 1 is needed")
    return value


def seed_number(text: str) -> int:
    value = _whole_number(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number from 0 to {MAX_SEED}")
    return value


def course_assignment(text: str) -> str:
    """The course's name for `text`: itself, or the one it matches whatever the case (HW1 is hw1)."""
    from autograder.course import ASSIGNMENTS

    if text in ASSIGNMENTS:
        return text
    same = [name for name in ASSIGNMENTS if name.casefold() == text.casefold()]
    if len(same) == 1:
        return same[0]
    raise UnknownAssignment(text, tuple(ASSIGNMENTS))


def _needs_the_build_extra(error: ImportError) -> BuildError:
    return BuildError(
        f"building needs the build extra ({error.name or error} is not installed): pip install 'cnngrade[build]'"
    )


def _build(args: argparse.Namespace) -> int:
    try:
        from autograder.build import build
    except ImportError as error:
        raise _needs_the_build_extra(error) from None

    names = [course_assignment(name) for name in args.assignments]
    build(assignments=names or None, root=args.root, force=args.force, on_done=_say_built)
    return 0


def _say_built(built: Built) -> None:
    state = "up to date" if built.up_to_date else f"built ({built.why})"
    print(f"{built.name} {state}: {built.student_dir} and {built.zip_path}", flush=True)


@contextmanager
def _ctrl_c_left_to_this_process() -> Iterator[None]:
    """Processes started meanwhile ignore Ctrl-C, so that only this one reports it (and closes them).

    A Python that starts with SIGINT ignored keeps it ignored (and asyncio then leaves it so), as do
    the processes it starts: a local Dask cluster's workers would each print a traceback otherwise."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: how long a run may take to close after Ctrl-C (its notebooks are killed, not waited for: it usually
#: takes under a second) before it ends without waiting for the rest
CLOSING_SECONDS = 15.0


@contextmanager
def _ends_soon_after_ctrl_c(tally: _Tally) -> Iterator[None]:
    """Ctrl-C ends the run within CLOSING_SECONDS, whatever its closing waits on, and a second one at once.

    Closing waits on other processes and on libraries (a Dask cluster's shutdown, the last records reaching
    the disk); none of them may keep a TA's Ctrl-C waiting without end. What is then left behind is what a
    power cut leaves: every record counted as kept is already on the disk, and a rerun ignores the rest."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted = threading.Event()
    # Told by the handler before it touches the event: a press that lands while the handler of the last one holds
    # the event's lock (a signal handler can be interrupted by the next) must not wait for that lock, for good.
    pressed: list[bool] = []

    def end_now() -> NoReturn:
        _fail(str(tally.interrupted()), EXIT_INTERRUPTED)
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    def give_up_later() -> None:
        interrupted.wait()
        if not closed.wait(CLOSING_SECONDS):
            if sys.flags.dev_mode or os.environ.get("PYTHONFAULTHANDLER"):
                # Asked for (Python's own switches for such dumps): where closing was waiting, for a bug report.
                import faulthandler

                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            _fail(f"closing took over {CLOSING_SECONDS:g} s after Ctrl-C; ended without waiting.", EXIT_INTERRUPTED)
            end_now()

    def on_ctrl_c(signum: int, frame: object) -> None:
        if pressed:
            end_now()
        pressed.append(True)
        interrupted.set()
        raise KeyboardInterrupt

    closed = threading.Event()
    threading.Thread(target=give_up_later, name="cnngrade-ctrl-c", daemon=True).start()
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        closed.set()
        interrupted.set()  # the thread's wait ends, and it returns at once: closing is over


def _dask_executor(args: argparse.Namespace) -> DaskExecutor:
    from autograder.errors import DaskUnavailable

    try:
        from autograder.grading.dask_executor import DaskExecutor, protocol_not_set_up
    except ImportError as error:
        raise DaskUnavailable(f"--executor dask needs Dask ({error}): pip install 'cnngrade[dask]'") from error
    lacking = protocol_not_set_up(args.scheduler) if args.scheduler else None
    if lacking:
        raise DaskUnavailable(f"--scheduler {args.scheduler} needs {lacking}")
    try:
        # Ctrl-C is left aside only while a local cluster's processes start (a remote scheduler starts none
        # here): waiting for workers, and everything after, it interrupts.
        return DaskExecutor(args.scheduler, args.workers, spawning=_ctrl_c_left_to_this_process)
    except OSError as error:  # no scheduler there, or no workers in time (TimeoutError is an OSError)
        raise DaskUnavailable(f"no Dask cluster to grade on: {error}") from error


class _Tally:
    """How far a grading run got, told by its progress callbacks: what an interrupted run kept."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.total: int | None = None
        self.kept = 0

    def start(self, total: int, reused: int) -> None:
        self.total, self.kept = total, reused

    def advance(self) -> None:
        self.kept += 1

    def interrupted(self) -> Interrupted:
        # Each result is saved as its submission finishes, and a rerun reuses what is saved (grading/run.py).
        if self.total is None:
            return Interrupted("interrupted before grading began; run the same command again to grade.")
        if self.kept >= self.total:
            return Interrupted(
                f"interrupted; all {self.total} submissions are graded in {self.out} and kept; "
                "run the same command again to write the gradebook."
            )
        return Interrupted(
            f"interrupted; {self.kept} of {self.total} submissions are graded in {self.out} and kept; "
            "run the same command again to grade the rest."
        )


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading import early
    from autograder.outputs.record_index import index_path

    if not (args.executor == "dask" or args.scheduler):
        # First: the sandbox probe and the first fork server start now and run while the grader
        # imports and reads (early.py); no notebook runs in that server unless the probe confirms it.
        # Into an OUT already graded, most rows are usually reused: the probe only (resume needs
        # the sandbox's kind), and a server when a notebook needs one.
        resuming = not args.force and index_path(args.out).is_file()
        early.start_for_grading(args.assignment, args.memory, args.unsandboxed, with_server=not resuming)
    try:
        return _grade_started(args)
    finally:
        early.close_unused()


def _grade_started(args: argparse.Namespace) -> int:
    from autograder.grading.progress import summary
    from autograder.outputs.terminal import render

    assignment = course_assignment(args.assignment)
    tally = _Tally(args.out)
    try:
        with _ends_soon_after_ctrl_c(tally):
            run = _grade_with(args, assignment, tally)
    except KeyboardInterrupt:
        raise tally.interrupted() from None
    if not args.quiet:
        print(render(run.results, run.questions))
        print()
    print(summary(run))
    return 0


def _grade_with(args: argparse.Namespace, assignment: str, tally: _Tally) -> GradeRun:
    from contextlib import ExitStack

    from autograder.errors import SandboxRequired
    from autograder.grading.executor import Executor, LocalExecutor
    from autograder.grading.progress import Progress
    from autograder.grading.run import grade
    from autograder.grading.sandbox import detect
    from autograder.model import SubmissionResult

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

            def start(total: int, reused: int) -> None:
                tally.start(total, reused)
                progress.start(total, reused)

            def advance(result: SubmissionResult) -> None:
                tally.advance()
                progress.advance(result)

            return grade(
                assignment=assignment,
                submissions=args.submissions,
                out=args.out,
                seed=args.seed,
                timeout=args.timeout,
                memory_bytes=args.memory,
                force=args.force,
                executor=executor,
                unsandboxed=args.unsandboxed,
                on_start=start,
                on_result=advance,
            )


def _report(args: argparse.Namespace) -> int:
    from autograder.report.html import write_report

    index = write_report(out=args.out, into=args.into, roster=args.roster)
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


EXIT_CODES_HELP = f"""exit codes:
  0    done
  1    try-zip: a notebook's run failed
  2    wrong usage or input (the message says what to change)
  {BuildError.exit_code}    build failed
  {EXIT_FILES}    a file or folder could not be read or written
  {EXIT_MEMORY}    cnngrade itself ran out of memory
  {EXIT_BUG}   a bug in cnngrade (a traceback follows: please report it)
  {EXIT_CLUSTER_LOST}   grade --executor dask: the scheduler or every worker was lost mid-run; the same command resumes
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); grade keeps what it graded
  {EXIT_CLOSED_PIPE}  the output's reader stopped reading (e.g. | head)"""


def package_version() -> str:
    """The installed distribution's version; in a source checkout that was never installed, pyproject's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnngrade")
    except PackageNotFoundError:
        pass
    try:
        project = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "unknown (not installed)"
    found = re.search(r'^version\s*=\s*"([^"]+)"', project, re.MULTILINE)
    return f"{found.group(1)} (source checkout, not installed)" if found else "unknown (not installed)"


class _Version(argparse.Action):
    """--version, looked up only when asked for: reading the installed metadata takes longer than
    the rest of the parser, and `grade` starts its fork server only once options are parsed."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        print(f"{parser.prog} {package_version()}")  # on stdout, as argparse's own version action
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error, with where to read more."""

    def error(self, message: str) -> NoReturn:
        verb = self.prog.removeprefix("cnngrade").strip()
        self.exit(EXIT_USAGE, f"cnngrade: {verb + ': ' if verb else ''}{message} (see `{self.prog} --help`)\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnngrade",
        description="Auto-graded CNN homework: build, grade, report, collect, export, diff.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the program's version number and exit")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND", help="what to do")

    build = verbs.add_parser("build", help="run otter assign on each master; write student_template/ and dist/")
    build.add_argument("assignments", nargs="*", metavar="HW", help="assignments to build (default: all)")
    build.add_argument("--root", type=path_argument, default=Path.cwd(), help="the course repository (default: .)")
    build.add_argument(
        "--force", action="store_true", help="build even the assignments whose inputs and outputs have not changed"
    )
    build.set_defaults(handler=_build)

    grade = verbs.add_parser("grade", help="grade a folder of submitted notebooks")
    grade.add_argument("assignment", metavar="HW", help="the assignment, e.g. hw1")
    grade.add_argument(
        "submissions",
        type=path_argument,
        metavar="SUBMISSIONS_DIR",
        help="the folder of notebooks (as collect writes it)",
    )
    grade.add_argument("--out", type=path_argument, required=True, help="where gradebook.csv and results/ go")
    grade.add_argument(
        "--seed",
        type=seed_number,
        default=None,
        help=f"probe seed, 0 to {MAX_SEED} (default: the one OUT was graded with, else a fresh one)",
    )
    grade.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per submission, at least {MIN_SECONDS:g} (default {DEFAULT_TIMEOUT:g})",
    )
    grade.add_argument(
        "--memory",
        type=memory_size,
        default=DEFAULT_MEMORY,
        help=f"memory cap per submission, at least 64MiB (default {DEFAULT_MEMORY / 2**30:g}GiB)",
    )
    grade.add_argument(
        "--workers",
        type=worker_count,
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
        type=scheduler_address,
        default=None,
        help="grade on the workers of this running Dask scheduler (implies --executor dask)",
    )
    grade.add_argument("--force", action="store_true", help="regrade everything, even what OUT already holds")
    grade.add_argument("--quiet", action="store_true", help="print only the closing summary")
    sandboxing = grade.add_mutually_exclusive_group()
    sandboxing.add_argument(
        "--unsandboxed",
        action="store_true",
        help="where bubblewrap cannot sandbox submissions, run them anyway with resource limits only "
        "(only for notebooks you trust: unsandboxed, a notebook can read the reference solutions)",
    )
    # The default, spelled out (and the flag of earlier versions, when it was not): scripts may say it.
    sandboxing.add_argument(
        "--require-sandbox",
        action="store_true",
        help="refuse to grade where bubblewrap cannot sandbox submissions (the default, said explicitly)",
    )
    grade.set_defaults(handler=_grade)

    report = verbs.add_parser("report", help="write an HTML report of a graded folder: plots, mistakes, feedback pages")
    report.add_argument("out", type=path_argument, metavar="OUT", help="a folder `cnngrade grade --out OUT` wrote")
    report.add_argument(
        "--into", type=path_argument, default=None, metavar="DIR", help="where the report goes (default: OUT/report)"
    )
    report.add_argument(
        "--roster",
        type=path_argument,
        default=None,
        metavar="ROSTER.csv",
        help="Canvas's gradebook export: shows each student's name beside the user id a collected notebook is named by",
    )
    report.set_defaults(handler=_report)

    collect = verbs.add_parser("collect", help="turn an LMS download into a folder to grade")
    collect_from = collect.add_subparsers(dest="lms", required=True, metavar="LMS", help="where the download is from")
    collect_canvas = collect_from.add_parser(
        "canvas", help="one notebook per student from Canvas's Download Submissions, named by Canvas user id"
    )
    collect_canvas.add_argument(
        "download", type=path_argument, metavar="DOWNLOAD", help="the .zip, or the folder it unzips to"
    )
    collect_canvas.add_argument(
        "--into",
        type=path_argument,
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
        type=path_argument,
        metavar="EXPORT",
        help="the .zip, or the folder it unzips to (it holds submission_metadata.yml)",
    )
    collect_gradescope.add_argument(
        "--into",
        type=path_argument,
        required=True,
        metavar="FOLDER",
        help="the folder to grade: new, empty, or written by an earlier collect gradescope",
    )
    collect_gradescope.set_defaults(handler=_collect_gradescope)

    export = verbs.add_parser("export", help="write a graded folder's scores for an LMS")
    export_to = export.add_subparsers(dest="lms", required=True, metavar="LMS", help="the LMS to write a file for")
    export_canvas = export_to.add_parser("canvas", help="a gradebook import CSV for Canvas")
    export_canvas.add_argument(
        "out", type=path_argument, metavar="OUT", help="a folder `cnngrade grade --out OUT` wrote"
    )
    export_canvas.add_argument(
        "--roster",
        type=path_argument,
        required=True,
        metavar="ROSTER.csv",
        help="Canvas's gradebook export (Grades > Export > Export Entire Gradebook)",
    )
    export_canvas.add_argument(
        "--into", type=path_argument, required=True, metavar="CANVAS.csv", help="the CSV to write, for Grades > Import"
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
    diff.add_argument("old", type=path_argument, metavar="OLD_OUT", help="the earlier graded folder (a `grade --out`)")
    diff.add_argument(
        "new", type=path_argument, metavar="NEW_OUT", help="the later graded folder, of the same assignment"
    )
    diff.set_defaults(handler=_diff)

    try_zip = verbs.add_parser("try-zip", help="run an autograder zip on notebooks as Gradescope would (as root)")
    try_zip.add_argument(
        "zip", type=path_argument, metavar="ZIP", help="dist/HW/autograder.zip, as `cnngrade build` made it"
    )
    try_zip.add_argument(
        "notebooks",
        type=path_argument,
        nargs="+",
        metavar="NOTEBOOK",
        help="notebooks (or the zips their export cell makes), each graded in a run of its own",
    )
    try_zip.add_argument(
        "--out",
        type=path_argument,
        default=Path("try-zip"),
        metavar="DIR",
        help="where each run's results.json goes: DIR/<notebook name>/ (default: ./try-zip)",
    )
    try_zip.add_argument(
        "--seed",
        type=seed_number,
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
        type=seconds,
        default=None,
        metavar="SECONDS",
        help=f"each notebook's time limit, at least {MIN_SECONDS:g} (default: the zip's, as on Gradescope)",
    )
    try_zip.set_defaults(handler=_try_zip)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command; every failure a user can cause ends as one line `cnngrade: ...` and an exit code."""
    _never_fail_to_print()
    try:
        return _run(argv)
    except CnnGradeError as error:
        return _fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted; run the same command again to finish.", EXIT_INTERRUPTED)
    except BrokenPipeError as error:
        if not _stdout_closed():
            return _fail(cannot_access(error), EXIT_FILES)
        # Python's recipe (library/signal.html, "Note on SIGPIPE"): nothing more is written to the pipe,
        # and the flush at exit finds nowhere to fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLOSED_PIPE
    except OSError as error:
        return _fail(cannot_access(error), EXIT_FILES)
    except MemoryError:
        return _fail(
            "out of memory: cnngrade itself (not a submission) needed more than this machine gave; "
            "close other programs, or grade with fewer --workers.",
            EXIT_MEMORY,
        )
    except Exception as error:
        # A bug: its traceback is the bug report, but a person is told so first.
        _fail(
            f"internal error ({type(error).__name__}), a bug in cnngrade and not in what you gave it; "
            "please report it with the traceback below.",
            EXIT_BUG,
        )
        traceback.print_exc()
        return EXIT_BUG


def _run(argv: Sequence[str] | None) -> int:
    try:
        parser = make_parser()
        args = parser.parse_args(argv)
        if getattr(args, "scheduler", None) and args.executor == "local":
            parser.error("--scheduler needs --executor dask")
        code: int = args.handler(args)
        return code
    finally:
        # Here, not at exit (--help too ends by SystemExit), so that a closed pipe is seen by main().
        sys.stdout.flush()


def _fail(message: str, code: int) -> int:
    from autograder.outputs.inert import screen

    # A message may quote a student's file name: shown escaped, like every report.
    print("cnngrade: " + screen(message.splitlines()), file=sys.stderr)
    return code


def _never_fail_to_print() -> None:
    """A student's name that this terminal's encoding lacks is shown escaped (\\xe9), never an error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") == "strict":
            reconfigure(errors="backslashreplace")


def _stdout_closed() -> bool:
    """Whether the reader of standard output is gone (a pipe whose other end closed)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


# What the innermost call that failed was doing, by its name.
_WRITING = frozenset(
    {"mkdir", "makedirs", "mkstemp", "_mkstemp_inner", "mkdtemp", "write_bytes_atomic", "write_atomic"}
    | {"atomic_stream", "sync_folder", "fsync"}
    | {"write_text", "write_bytes", "replace", "rename", "unlink"}
    | {"rmtree", "rmdir", "touch", "chmod", "savefig", "write", "writestr"}
)
_READING = frozenset(
    {"read_text", "read_bytes", "iterdir", "scandir", "listdir", "read", "readline", "load", "loads", "glob"}
    | {"rglob", "walk", "ZipFile", "is_zipfile", "stat", "lstat", "is_dir", "is_file", "exists"}
)
_WRITE_ONLY_ERRORS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EEXIST, errno.EISDIR}


# These both read (src) and write (dst): which one failed is the file the error names.
_COPYING = frozenset({"copyfile", "copy", "copy2", "copytree", "copymode", "copystat", "move"})


def _doing(error: OSError) -> str:
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
    for frame in reversed(frames):
        name = frame.f_code.co_name
        if name in _COPYING:
            source = frame.f_locals.get("src")
            return "read" if source is not None and _same_file_name(source, error.filename) else "write"
        if name in _WRITING:
            return "write"
        if name in _READING:
            return "read"
    return "write" if error.errno in _WRITE_ONLY_ERRORS else "open"


def _same_file_name(path: object, filename: object) -> bool:
    try:
        return filename is not None and os.fsdecode(path) == os.fsdecode(filename)  # type: ignore[arg-type]
    except TypeError:
        return False


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest of `path` and its parents that exists and is not a folder."""
    for each in (path, *path.parents):
        if os.path.lexists(each):
            return None if each.is_dir() else each
    return None


def cannot_access(error: OSError) -> str:
    """`cannot write PATH: why`, for an OSError from any file operation."""
    if error.filename is None:
        return f"cannot read or write a file: {error.strerror or error}"
    path = Path(os.fsdecode(error.filename))
    why = error.strerror or str(error)
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = _file_in_the_way(path)
        if blocker is not None:
            why = f"{blocker} is a file, not a folder" if blocker != path else "it is a file, not a folder"
    elif error.errno == errno.EISDIR:
        why = "it is a folder, not a file"
    elif error.errno in (errno.EACCES, errno.EPERM):
        why = f"{why} (check the folder's owner and permissions)"
    return f"cannot {_doing(error)} {path}: {why}"


if __name__ == "__main__":
    sys.exit(main())
