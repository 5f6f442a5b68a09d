"""Read a finished grading folder back: run.json, gradebook.csv and the record behind each row, checked to agree."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import CannotAccess, OutFolderError
from autograder.model import SubmissionResult
from autograder.outputs.gradebook import GRADEBOOK, gradebook_rows
from autograder.outputs.inert import printable
from autograder.outputs.out_lock import LOCK
from autograder.outputs.records import RECORDS, result_from_dict
from autograder.outputs.results_json import RESULTS
from autograder.outputs.skipped import SKIPPED

# The settings of the run that wrote the folder; `grade` writes it first, so resuming can refuse a mismatch.
RUN_FILE = "run.json"
# Where `cnngrade report` writes by default.
REPORT = "report"
# What `grade` (and `report`, by default) writes in OUT: another command's output there would replace it (a new
# run.json makes the next `grade` draw a fresh seed and grade everything again).
GRADED_FILES = (GRADEBOOK, RUN_FILE, SKIPPED, RECORDS, RESULTS, REPORT, LOCK)


def grade_wrote(out: Path, path: Path) -> str | None:
    """Which of GRADED_FILES in OUT `path` is, or is inside (links resolved); None when it is none of them."""
    out, path = out.resolve(), path.resolve()
    for name in GRADED_FILES:
        if path == out / name or path.is_relative_to(out / name):
            return name
    return None


@dataclass(frozen=True)
class GradedOut:
    """One finished grading run: its settings and the result behind each gradebook row, in gradebook order."""

    folder: Path
    assignment: str
    seed: int
    grader_version: str
    sandboxed: bool
    results: dict[str, SubmissionResult]


def read_out(out: Path) -> GradedOut:
    """The results of the run that wrote OUT/gradebook.csv, refusing a folder a later run left half-done.

    The gradebook lists the current class (records of submissions since removed stay in records/)."""
    if out.exists() and not out.is_dir():
        raise OutFolderError(f"{out} is a file, not a folder `cnngrade grade --out` wrote; give that folder.")
    try:
        run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
        assignment, seed, version = str(run["assignment"]), int(run["seed"]), str(run["grader_version"])
        sandboxed = bool(run.get("sandboxed", False))
    except FileNotFoundError:
        raise OutFolderError(f"{out} holds no {RUN_FILE}: it is not a folder `cnngrade grade --out` wrote.") from None
    except OSError as exc:
        raise _cannot_read(out / RUN_FILE, exc) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise OutFolderError(
            f"{out / RUN_FILE} cannot be read ({exc}); run `cnngrade grade` into {out} again."
        ) from None
    try:
        with (out / GRADEBOOK).open(newline="", encoding="utf-8") as handle:
            rows = gradebook_rows(handle)
        scores = {row["submission"]: (float(row["score"]), row["status"]) for row in rows}
    except FileNotFoundError:
        raise OutFolderError(
            f"{out} has no {GRADEBOOK}: its grading did not finish. Run the same "
            "`cnngrade grade` into it again; it resumes where it stopped."
        ) from None
    except OSError as exc:
        raise _cannot_read(out / GRADEBOOK, exc) from None
    except (ValueError, KeyError, TypeError, csv.Error) as exc:
        raise OutFolderError(
            f"{out / GRADEBOOK} cannot be read ({exc}); run `cnngrade grade` into {out} again."
        ) from None
    results = {}
    for stem, (score, status) in scores.items():
        path = out / RECORDS / f"{stem}.json"
        try:
            result = result_from_dict(json.loads(path.read_text(encoding="utf-8"))["result"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise OutFolderError(
                f"{printable(str(path))} is missing or unreadable ({printable(str(exc))}); run "
                f"`cnngrade grade` into {out} again."
            ) from None
        # A rerun killed midway rewrites records but not the gradebook: the two would disagree.
        if (result.assignment, result.seed, result.grader_version, result.status) != (
            assignment,
            seed,
            version,
            status,
        ) or abs(result.score - score) > 1e-4:
            raise OutFolderError(
                f"{out}: a later `cnngrade grade` into it did not finish ({printable(stem)}'s record "
                "and gradebook row differ). Run it again to the end first."
            )
        results[stem] = result
    return GradedOut(out, assignment, seed, version, sandboxed, results)


def _cannot_read(path: Path, error: OSError) -> CannotAccess:
    # Permissions, say: the file is fine and grading it again would not help; exit 4, as any file the system refuses.
    return CannotAccess(f"cannot read {path}: {error.strerror or error} (check the folder's owner and permissions)")
