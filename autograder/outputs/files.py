"""Atomic writes: a reader, or a run killed midway, sees the old file or the new one, never half.

Each file gets the mode a plain open() would give it (0o666 less the umask): mkstemp's 0600
would keep a shared gradebook or report from a co-TA or a web server."""

from __future__ import annotations

import ctypes
import filecmp
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NoReturn


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


def sync_folder(folder: Path) -> None:
    """Make the names in FOLDER durable (a rename is an entry in its folder, not in the file)."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextmanager
def atomic_stream(path: Path, *, durable: bool = False, unless_same: bool = False) -> Iterator[BinaryIO]:
    """A binary stream that becomes PATH when the block ends, or leaves no trace when it raises.

    DURABLE: the bytes are on the disk before the rename that makes them PATH (a power cut leaves the old file
    or the whole new one, never an empty or torn one), and the rename itself when this returns.
    UNLESS_SAME: a PATH that already holds exactly these bytes is left as it is (its times too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        _reraise_about(error, path)
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), new_file_mode())
            yield stream
            stream.flush()
            if unless_same and _same_bytes(temporary, path):
                os.unlink(temporary)
                return
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            _reraise_about(error, path)
        raise
    if durable:
        try:
            sync_folder(path.parent)
        except OSError as error:
            _reraise_about(error, path)


def _same_bytes(first: str, second: Path) -> bool:
    try:
        return filecmp.cmp(first, second, shallow=False)
    except OSError:
        return False


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    with atomic_stream(path, durable=durable) as stream:
        stream.write(data)


def _syncfs() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux: each file is synced on its own
        return None


class GroupCommit:
    """Files written at once and made durable, then visible, a batch at a time by a thread of their own.

    `submit` writes each file's bytes to a temporary beside it, in the caller's thread (into the page cache: no
    wait for the disk), and queues them. The thread takes every queued batch, syncs the file system once (syncfs:
    one flush for the whole batch instead of a journal commit per file), renames each temporary to its name,
    syncs the folders that hold them, and then tells `on_done(token, None)`: from then on, a power cut keeps the
    files whole. A batch that fails tells `on_done(token, error)` for each of its items, whose files keep their
    old content. At most `pending` submissions wait (then `submit` waits), so memory stays bounded.

    An item's last file is what says the item is done (a row's record: a rerun reuses the row by it): it is
    renamed only once the item's other files are renamed and their folders synced. So a process killed at any
    instant, or a power cut, never leaves that file new beside the others old or missing.
    """

    def __init__(self, on_done: Callable[[object, BaseException | None], None], pending: int = 256) -> None:
        self._on_done = on_done
        # The first exception out of `on_done` (the caller's code, run in this thread): raised again in the caller's
        # thread, by `close`. The thread itself goes on committing, so that nothing
        # submitted is left half-written and no `submit` waits forever on a queue nobody empties.
        self._failure: BaseException | None = None
        self._queue: queue.Queue[tuple[list[tuple[str, Path]], object] | None] = queue.Queue(pending)
        self._thread = threading.Thread(target=self._run, name="cnngrade-commit", daemon=True)
        self._thread.start()

    def submit(self, files: Sequence[tuple[Path, bytes]], token: object) -> None:
        written: list[tuple[str, Path]] = []
        try:
            for path, data in files:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                written.append((temporary, path))
                with os.fdopen(handle, "wb") as stream:
                    os.fchmod(stream.fileno(), new_file_mode())
                    stream.write(data)
        except BaseException as error:
            for temporary, _ in written:
                os.unlink(temporary)
            if isinstance(error, OSError) and written:
                _reraise_about(error, written[-1][1])
            raise
        self._queue.put((written, token))

    def close(self) -> None:
        """Commit everything submitted, then stop the thread; raise what `on_done` raised, if it did."""
        self._queue.put(None)
        self._thread.join()
        self._raise_failure()

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _tell(self, token: object, error: BaseException | None) -> None:
        try:
            self._on_done(token, error)
        except BaseException as failure:
            if self._failure is None:
                self._failure = failure

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = None in batch
            items = [item for item in batch if item is not None]
            if items:
                try:
                    self._commit(items)
                except BaseException as failure:  # never the thread's end: see _failure
                    if self._failure is None:
                        self._failure = failure

    def _commit(self, items: list[tuple[list[tuple[str, Path]], object]]) -> None:
        try:
            _sync([temporary for files, _ in items for temporary, _ in files])
        except OSError as error:
            for files, token in items:
                for temporary, _ in files:
                    _unlink_quietly(temporary)
                self._tell(token, _as_target(error, files[0][1]) if files else error)
            return
        # Each item's files but its last, then the last ones (see the class): two renames-and-syncs a batch.
        items = self._renamed_and_synced(items, lambda files: files[:-1])
        for _, token in self._renamed_and_synced(items, lambda files: files[-1:]):
            self._tell(token, None)

    def _renamed_and_synced(
        self,
        items: list[tuple[list[tuple[str, Path]], object]],
        part: Callable[[list[tuple[str, Path]]], list[tuple[str, Path]]],
    ) -> list[tuple[list[tuple[str, Path]], object]]:
        """The items whose `part` is now renamed into place and durable; each other one is told its error and
        loses every temporary it still has."""
        renamed = []
        for files, token in items:
            try:
                for temporary, path in part(files):
                    os.replace(temporary, path)
                renamed.append((files, token))
            except OSError as error:
                for temporary, _ in files:
                    _unlink_quietly(temporary)
                self._tell(token, error)
        try:
            for folder in sorted({path.parent for files, _ in renamed for _, path in part(files)}):
                sync_folder(folder)
        except OSError as error:
            for files, token in renamed:
                for temporary, _ in files:
                    _unlink_quietly(temporary)
                self._tell(token, error)
            return []
        return renamed


def _sync(temporaries: Sequence[str]) -> None:
    """Make the bytes of every file in TEMPORARIES durable: one syncfs per file system, else an fsync each."""
    syncfs = _SYNCFS
    devices: set[int] = set()
    for temporary in temporaries:
        handle = os.open(temporary, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if syncfs is None:
                os.fsync(handle)
                continue
            device = os.fstat(handle).st_dev
            if device not in devices:
                devices.add(device)
                if syncfs(handle) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code), temporary)
        finally:
            os.close(handle)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_temporaries(folder: Path) -> None:
    """Remove what writes into FOLDER left when their process was killed (only the caller may be writing there)."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                    _unlink_quietly(entry.path)
    except OSError:
        pass


_SYNCFS = _syncfs()


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    """UTF-8, newlines as given (a CSV keeps its \\r\\n)."""
    write_bytes_atomic(path, text.encode("utf-8"), durable=durable)


__all__ = [
    "GroupCommit",
    "atomic_stream",
    "current_umask",
    "new_file_mode",
    "remove_temporaries",
    "sync_folder",
    "write_atomic",
    "write_bytes_atomic",
]
