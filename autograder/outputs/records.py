"""The grader's own record of each graded submission, for resuming: result plus what it depended on.

A record is reused only when the notebook's bytes, the assignment, the seed, the grader (version and source),
the limits and whether it ran in the sandbox are all the same; anything else is graded again (a record
from before a field was added lacks it, so it is not reused).

Every gradebook row has a record, since `report`, `export` and `diff` read the rows' results from them; a row that
must never be reused (a link, a pipe, an unreadable file, a row the grader failed) has a null fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs.files import write_atomic

RECORDS = "records"


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    seed: int
    grader_version: str
    timeout: float
    memory_bytes: int
    # A notebook may behave differently with and without the sandbox (what it can read, where it can write).
    # `grade` always says which; the default is for readers that build records of their own (tests, tools).
    sandboxed: bool = True
    # Two assignments' checks differ: a notebook graded for hw2 must never be hw1's row. `grade` always says which;
    # the default (no assignment) matches no record `grade` wrote, so such a record is never reused by it.
    assignment: str = ""


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def result_to_dict(result: SubmissionResult) -> dict[str, Any]:
    return asdict(result)


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    cases = tuple(CaseResult(**case) for case in data["cases"])
    return SubmissionResult(**{**data, "cases": cases, "status": Status(data["status"])})  # ValueError: unknown status


def save(out: Path, fingerprint: Fingerprint | None, result: SubmissionResult) -> None:
    """Record RESULT; with no FINGERPRINT it is there to be read (report, export, diff), never to be reused."""
    record = {"fingerprint": asdict(fingerprint) if fingerprint is not None else None, "result": result_to_dict(result)}
    write_atomic(out / RECORDS / f"{result.submission}.json", json.dumps(record, sort_keys=True))


def load(out: Path, submission: str, fingerprint: Fingerprint) -> SubmissionResult | None:
    """The recorded result when it was made from exactly this input; otherwise None."""
    path = out / RECORDS / f"{submission}.json"
    try:
        record = json.loads(path.read_text())
        if record["fingerprint"] is None or record["fingerprint"] != asdict(fingerprint):  # None: never reused
            return None
        return result_from_dict(record["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
