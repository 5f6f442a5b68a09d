"""The grader's own record of each graded submission, for resuming: result plus what it depended on.

A record is reused only when the notebook's bytes, the seed, the grader (version and source), the
limits and whether it ran in the sandbox are all the same; anything else is graded again (a record
from before a field was added lacks it, so it is not reused).
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


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def result_to_dict(result: SubmissionResult) -> dict[str, Any]:
    return asdict(result)


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    cases = tuple(CaseResult(**case) for case in data["cases"])
    return SubmissionResult(**{**data, "cases": cases, "status": Status(data["status"])})  # ValueError: unknown status


def save(out: Path, fingerprint: Fingerprint, result: SubmissionResult) -> None:
    record = {"fingerprint": asdict(fingerprint), "result": result_to_dict(result)}
    write_atomic(out / RECORDS / f"{result.submission}.json", json.dumps(record, sort_keys=True))


def load(out: Path, submission: str, fingerprint: Fingerprint) -> SubmissionResult | None:
    """The recorded result when it was made from exactly this input; otherwise None."""
    path = out / RECORDS / f"{submission}.json"
    try:
        record = json.loads(path.read_text())
        if record["fingerprint"] != asdict(fingerprint):
            return None
        return result_from_dict(record["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
