"""Atomic writes: a reader, or a run killed midway, sees the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_atomic(path: Path, text: str) -> None:
    """UTF-8, newlines as given (a CSV keeps its \\r\\n)."""
    write_bytes_atomic(path, text.encode("utf-8"))


__all__ = ["write_atomic", "write_bytes_atomic"]
