"""The one exception hierarchy of cnngrade; only the CLI turns these into messages and exit codes."""

from __future__ import annotations

import difflib
import re

# Exit codes of `cnngrade` (the README's table): 0 done; 1 try-zip: a notebook's run failed;
EXIT_USAGE = 2  # a wrong command line or input the user can fix (argparse uses 2 too)
EXIT_BUILD = 3  # otter assign or the packaging around it failed
EXIT_FILES = 4  # a file or folder could not be read or written (permissions, a file in the way, disk full)
EXIT_MEMORY = 5  # the grader itself ran out of memory
EXIT_BUG = 70  # an error inside cnngrade (sysexits' EX_SOFTWARE): a traceback follows, for a bug report
EXIT_CLUSTER_LOST = 75  # the Dask cluster went away mid-run (sysexits' EX_TEMPFAIL): graded rows kept, rerun resumes
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it
EXIT_CLOSED_PIPE = 141  # whoever read the output stopped reading (`| head`): 128 + SIGPIPE


class CnnGradeError(Exception):
    """Something the user can fix; the message says how."""

    exit_code = EXIT_USAGE


class UnknownAssignment(CnnGradeError):
    def __init__(self, name: str, known: tuple[str, ...]):
        hints = close_names(name, known)
        spelled = [repr(hint) for hint in hints]
        either = ", ".join(spelled[:-1]) + " or " + spelled[-1] if len(spelled) > 1 else "".join(spelled)
        # Many alike (hw for hw1..hw5): the list before says them all.
        did_you_mean = f"; did you mean {either if len(hints) <= 3 else 'one of those'}?" if hints else ""
        super().__init__(f"no assignment {name!r} (the course has {_span(known)}){did_you_mean}")


# Typed for a digit because they look like one: hwl, hwI, hw| for hw1; hwO for hw0.
_LOOK_ALIKE_DIGITS = str.maketrans({"l": "1", "I": "1", "|": "1", "!": "1", "O": "0", "o": "0"})


def close_names(name: str, known: tuple[str, ...]) -> list[str]:
    """What `name` may have meant: the one with its number (HW-01, homework1, hwl), else those one
    typo away (a letter added, missing, replaced or swapped: hw, hw11) or spelled alike."""
    for spelling in (name, name.translate(_LOOK_ALIKE_DIGITS)):
        digits = re.findall(r"\d+", spelling)
        if digits:
            same_number = [each for each in known if re.findall(r"\d+", each) and _number(each) == int(digits[-1])]
            if same_number:
                return same_number
    folded = {each.casefold(): each for each in known}
    close = {
        folded[match] for match in difflib.get_close_matches(name.casefold(), list(folded), n=len(known), cutoff=0.75)
    }
    close |= {each for each in known if _one_typo_apart(name.casefold(), each.casefold())}
    return [each for each in known if each in close]


def _one_typo_apart(typed: str, name: str) -> bool:
    """Whether one character added, removed or replaced, or two neighbours swapped, make `typed` `name`."""
    if abs(len(typed) - len(name)) > 1:
        return False
    start = 0
    while start < min(len(typed), len(name)) and typed[start] == name[start]:
        start += 1
    typed, name = typed[start:], name[start:]
    return (
        typed[1:] == name[1:]  # replaced
        or typed[1:] == name  # added
        or typed == name[1:]  # removed
        or (len(typed) >= 2 and typed[:2] == name[1::-1] and typed[2:] == name[2:])  # swapped
    )


def _number(name: str) -> int:
    return int(re.findall(r"\d+", name)[-1])


def _span(known: tuple[str, ...]) -> str:
    """hw1..hw5 where the names run on, else each name."""
    parts = [re.fullmatch(r"(\D*)(\d+)", each) for each in known]
    if len(known) > 2 and all(parts) and len({part.group(1) for part in parts if part}) == 1:
        numbers = [int(part.group(2)) for part in parts if part]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{known[0]}..{known[-1]}"
    return ", ".join(known)


class BuildError(CnnGradeError):
    """otter assign or the packaging around it failed."""

    exit_code = EXIT_BUILD


class Interrupted(CnnGradeError):
    """Ctrl-C: the message says what was kept and how to go on."""

    exit_code = EXIT_INTERRUPTED


class CannotAccess(CnnGradeError):
    """A file or folder the command must read or write, and the system says no: the message names it."""

    exit_code = EXIT_FILES


class SubmissionsNotFound(CnnGradeError):
    """The submissions folder is missing or holds no notebooks."""


class SandboxRequired(CnnGradeError):
    """Bubblewrap cannot sandbox submissions here, and the grader was not told to run without it."""

    def __init__(self, why: str):
        super().__init__(
            f"nothing was graded: refusing to run student code without a sandbox, and {why}.\n"
            "Unsandboxed, a notebook can read the reference solutions and hidden tests (and so earn full "
            "marks), read and change other students' submissions and the grading output, write into the "
            "Python environment the grader itself runs from, and leave processes running after the run.\n"
            "Get the sandbox: apt-get install bubblewrap (Debian/Ubuntu; dnf install bubblewrap on Fedora), on "
            "a kernel that allows unprivileged user namespaces, and run the same command again. Or, for "
            "notebooks you trust (your own sample class), add --unsandboxed."
        )


class DaskUnavailable(CnnGradeError):
    """--executor dask: Dask is not installed, or its scheduler or workers cannot be reached."""


class ClusterLost(CnnGradeError):
    """--executor dask: the scheduler, or every worker, went away mid-run; what was graded is kept."""

    exit_code = EXIT_CLUSTER_LOST


class CanvasError(CnnGradeError):
    """A Canvas download or gradebook export we cannot use; the message says what to do."""


class OutFolderError(CnnGradeError):
    """A folder given as OUT is not what a finished `cnngrade grade --out` left there."""


class OutFolderBusy(OutFolderError):
    """Another `cnngrade grade` is writing into OUT (exit 2, like every folder the user can point elsewhere)."""


class GradescopeError(CnnGradeError):
    """A Gradescope export we cannot use; the message says what to do."""


class TryZipError(CnnGradeError):
    """An autograder zip, or this machine, cannot run the zip as Gradescope would."""
