"""Atomic writes: a reader, or a run killed midway, sees the old file or the new one, never half.

Each file gets the mode a plain open() would give it (0o666 less the umask): mkstemp's 0600
would keep a shared gradebook or report from a co-TA or a web server."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NoReturn


def _umask_from_proc() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def current_umask() -> int:
    """This process's umask, read without changing it where Linux says it (Linux 4.7+)."""
    found = _umask_from_proc()
    if found is not None:
        return found
    # Elsewhere the only way is to set it and put it back; done once, at import, before any thread.
    return _UMASK_AT_IMPORT


def _umask_by_setting() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK_AT_IMPORT: int = _umask_from_proc() or _umask_by_setting()


def new_file_mode() -> int:
    return 0o666 & ~current_umask()


def _as_target(error: OSError, path: Path) -> OSError:
    """`error` about the temporary file, retold about `path`: the file the user asked for."""
    # No name (a write that found the disk full) or the temporary's: either way, it is this file's.
    if error.filename is not None and not _is_temporary_of(os.path.basename(os.fsdecode(error.filename)), path):
        return error
    return type(error)(error.errno, error.strerror, str(path))


def _reraise_about(error: OSError, path: Path) -> NoReturn:
    retold = _as_target(error, path)
    if retold is error:
        raise error
    raise retold from error


def _is_temporary_of(name: str, path: Path) -> bool:
    return name.startswith(f".{path.name}.") and name.endswith(".tmp")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        _reraise_about(error, path)
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), new_file_mode())
            stream.write(data)
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            _reraise_about(error, path)
        raise


def write_atomic(path: Path, text: str) -> None:
    """UTF-8, newlines as given (a CSV keeps its \\r\\n)."""
    write_bytes_atomic(path, text.encode("utf-8"))


__all__ = ["current_umask", "new_file_mode", "write_atomic", "write_bytes_atomic"]
