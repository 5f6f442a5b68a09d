"""The grader's own record of each graded submission, for resuming: result plus what it depended on.

A record is reused only when the notebook's bytes, the assignment, the seed, the grader (version and source),
the limits and whether it ran in the sandbox are all the same; anything else is graded again (a record
from before a field was added lacks it, so it is not reused).

Every gradebook row has a record, since `report`, `export` and `diff` read the rows' results from them; a row that
must never be reused (a link, a pipe, an unreadable file, a row the grader failed) has a null fingerprint.

A record is on the disk (its bytes, then its name) before `save` returns: a power cut may lose a row being saved,
which the next run grades again, never leave a record that is empty or torn. A record also keeps the notebook's
`SourceKey` as it was before it was hashed, so that a rerun can tell an unchanged file without reading it
(`record_index`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs.files import write_bytes_atomic

RECORDS = "records"

# A file's size, mtime_ns, ctime_ns, inode and device: any write to it, or a new file in its place, changes it (the
# kernel sets ctime to its own clock on every change, and no user call can set it back).
SourceKey = tuple[int, int, int, int, int]
# How much older than the moment it was read a file's ctime must be for its key to stand for its bytes: a write in
# the same tick of a coarse file-system clock as the last one could otherwise leave the key as it was.
_SETTLED_NS = 2 * 10**9


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


def source_key(path: Path) -> SourceKey | None:
    """PATH's key, taken before its bytes are read; None for a file changed too recently to tell a later change by
    it (it is then hashed again on the next run)."""
    status = os.stat(path, follow_symlinks=False)
    if time.time_ns() - status.st_ctime_ns < _SETTLED_NS:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


def record_path(out: Path, submission: str) -> Path:
    return out / RECORDS / f"{submission}.json"


_RESULT_FIELDS = tuple(field.name for field in fields(SubmissionResult))
_CASE_FIELDS = tuple(field.name for field in fields(CaseResult))


def result_to_dict(result: SubmissionResult) -> dict[str, Any]:
    """`asdict(result)`, field by field: asdict deep-copies every leaf, most of the parent's time per row."""
    data = {name: getattr(result, name) for name in _RESULT_FIELDS}
    data["cases"] = tuple({name: getattr(case, name) for name in _CASE_FIELDS} for case in result.cases)
    return data


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    cases = tuple(CaseResult(**case) for case in data["cases"])
    return SubmissionResult(**{**data, "cases": cases, "status": Status(data["status"])})  # ValueError: unknown status


def record_bytes(fingerprint: Fingerprint | None, result: SubmissionResult, source: SourceKey | None = None) -> bytes:
    """The record of RESULT; with no FINGERPRINT it is there to be read (report, export, diff), never to be reused.

    SOURCE: the notebook's key as it was before the bytes FINGERPRINT hashes were read."""
    record = {
        "fingerprint": asdict(fingerprint) if fingerprint is not None else None,
        "result": result_to_dict(result),
        "source": list(source) if source is not None and fingerprint is not None else None,
    }
    return json.dumps(record, sort_keys=True).encode("utf-8")


def save(out: Path, fingerprint: Fingerprint | None, result: SubmissionResult, source: SourceKey | None = None) -> None:
    """Record RESULT (see `record_bytes`), durably, before returning."""
    write_bytes_atomic(record_path(out, result.submission), record_bytes(fingerprint, result, source), durable=True)


def read_record(out: Path, submission: str) -> dict[str, Any]:
    """A record as saved; OSError or ValueError when it is missing or is not one."""
    record = json.loads(record_path(out, submission).read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError("not a record")
    return record


def load(out: Path, submission: str, fingerprint: Fingerprint) -> SubmissionResult | None:
    """The recorded result when it was made from exactly this input; otherwise None."""
    try:
        record = read_record(out, submission)
        if record["fingerprint"] is None or record["fingerprint"] != asdict(fingerprint):  # None: never reused
            return None
        return result_from_dict(record["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
