"""The grader's version: what a record was made with, so a fixed check or reference regrades everything."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path


@lru_cache(maxsize=1)
def grader_version() -> str:
    """The package version plus a hash of the checks and references: a fixed test changes it."""
    import solutions

    digest = hashlib.sha256()
    for root in (Path(__file__).resolve().parents[1], Path(solutions.__file__).parent):
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return f"{version('cnngrade')}+{digest.hexdigest()[:10]}"


__all__ = ["grader_version"]
