"""What students upload, read as hostile input: files and zips opened within caps, paths and names checked, the one
notebook found. Shared by every LMS's collect and by `grade` (a submission may be the notebook's export zip)."""

from __future__ import annotations

import io
import json
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from autograder.outputs.inert import is_printable

_MIB = 2**20
MAX_NOTEBOOK_BYTES = 20 * _MIB
# zipfile bounds what deflate inflates per read; for bzip2 and LZMA it inflates a whole read of packed bytes
# at once (up to gigabytes from a few KiB), so only these two methods are unpacked.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_CHUNK = 64 * 1024
# A notebook deflates to a fifth or a tenth of its size; a zip bomb to a thousandth. Small files may do
# anything, so the ratio counts only from a MiB on.
MAX_RATIO = 200
_RATIO_FROM = _MIB
MAX_TOTAL_BYTES = 2 * 2**30  # all notebooks of one collect together: a class of hundreds at a few MiB each
# A student's zip (the export cell's: the notebook, its PDF, a log and a name file) is checked against these before
# zipfile reads its list of files, which it does whole, in memory, however long: 400,000 empty entries fit in 34 MB
# and take seconds and hundreds of MiB to list.
MAX_ZIP_BYTES = 2 * MAX_NOTEBOOK_BYTES + 8 * _MIB  # the notebook and its PDF at most, and some slack
MAX_ZIP_ENTRIES = 1000
# zipfile lists a zip's files by the size of its central directory, not by the count it declares: this bounds the
# list whatever the count says (a KiB per file, names included, is far more than any export writes).
MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_ENTRIES * 1024

# What zipfile and its decompressors raise on damaged or crafted bytes (UnicodeDecodeError, a ValueError, for
# names flagged UTF-8 that are not; OSError for bad seeks; RuntimeError for encryption; EOFError when cut short).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
)


@dataclass(frozen=True)
class Skipped:
    """A file or submission a collect left out, and why (for the listing the TA reads)."""

    name: str
    reason: str


class Unusable(Exception):
    """Why one uploaded file yields no notebook; read next to the file's name."""


class NotOneNotebook(Unusable):
    """A zip holding no notebook or several: each reader words what to do about it for its own reader."""

    def __init__(self, names: tuple[str, ...], nested: bool):
        self.names, self.nested = names, nested
        super().__init__(
            f"a .zip with {len(names)} notebooks in it, not 1"
            + (f" ({', '.join(names[:3])})" if names else "")
            + ("; a .zip inside the .zip is not opened" if nested else "")
        )


class UnreadableArchive(Exception):
    """The whole zip given to collect cannot be opened; the caller says what to do in its LMS's words."""


@dataclass(frozen=True)
class Limit:
    """How many bytes one file may unpack to, and what to say beyond that."""

    size: int
    beyond: str


NOTEBOOK_LIMIT = Limit(MAX_NOTEBOOK_BYTES, "more than `cnngrade grade` runs")


class Budget:
    """How many unpacked bytes one collect may still read, over every file: a bound for many small bombs."""

    def __init__(self, total: int | None = None) -> None:
        self.total = self.left = MAX_TOTAL_BYTES if total is None else total

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Unusable(self.spent())

    def spent(self) -> str:
        """Why a file is not read once this budget is spent."""
        return (
            f"the download unpacks to over {self.total / 2**30:.3g} GiB of notebooks, more than one "
            "collect reads: split it (by section) and collect each part into its own folder"
        )


# What one student's files may unpack to together, read or refused: a few notebooks at the cap.
MAX_STUDENT_BYTES = 4 * MAX_NOTEBOOK_BYTES


class StudentBudget(Budget):
    """The unpacked bytes one student's files may still take: what one student uploads can use up no other's share."""

    def __init__(self, total: int | None = None) -> None:
        super().__init__(MAX_STUDENT_BYTES if total is None else total)

    def spent(self) -> str:
        return (
            f"this student's files together unpack to over {self.total / _MIB:.3g} MiB, more than is read of one "
            "student, and none read so far held a gradable notebook: grade this file by hand, or ask the student "
            "to submit the notebook alone"
        )


@dataclass(frozen=True)
class Entry:
    """One file of a download. Its name and path are only ever parsed: no entry path becomes an output path."""

    name: str  # the base name; the whole path when that is what is wrong with it
    size: int  # as declared: a first check only, never trusted while reading
    read: Callable[..., bytes]  # (budget, limit=NOTEBOOK_LIMIT)
    problem: str = ""  # why it is skipped whatever its name says
    path: str = ""  # where it is in the download, "/"-separated: for grouping, never for writing


def is_junk(path: PurePosixPath) -> bool:
    """What macOS, Windows, Jupyter and Otter add beside a submission (`.OTTER_LOG`, checkpoints); never one."""
    # A ".." is not clutter but a path climbing out, which is reported.
    return (
        any((part.startswith(".") and part != "..") or part == "__MACOSX" for part in path.parts)
        or path.name == "Thumbs.db"
    )


def name_problem(name: str) -> str:
    """Why a file name is refused, or ""."""
    if re.search("[\ud800-\udfff]", name):
        return "its name is not UTF-8 text: rename the file and collect again, or grade it by hand"
    if not is_printable(name):
        return (
            "its name holds control or text-direction characters (shown escaped): rename the file and "
            "collect again, or grade it by hand"
        )
    return ""


def path_problem(filename: str) -> str:
    """Why a path stored in a zip is refused, or "": absolute, climbing out, or a bad name."""
    path = PurePosixPath(filename.replace("\\", "/"))
    if path.is_absolute() or re.match(r"[A-Za-z]:", filename):
        return "its path in the zip is absolute: not a file an LMS or the notebook's export cell writes"
    if ".." in path.parts:
        return "its path in the zip climbs out with '..': not a file an LMS or the notebook's export cell writes"
    return name_problem(filename)


def _link_problem(info: zipfile.ZipInfo) -> str:
    # Unzipped by a TA, such an entry becomes a link to whatever file it names; read here, it is that name.
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link, not a file: collect reads only files"
    return ""


# General purpose bit 11: the entry's name (and comment) is UTF-8; without it the zip standard says CP437.
_UTF8_NAME = 0x800


def _decode_name(info: zipfile.ZipInfo) -> None:
    """Give an entry whose name is not flagged UTF-8 its UTF-8 name, where its bytes are valid UTF-8.

    Canvas's zipper, macOS's Archive Utility and many others write UTF-8 names without the flag, which
    zipfile then reads as CP437 ("g├╢del" for "gödel"). Bytes that are not UTF-8 stay CP437, as the standard
    says; a CP437 name whose bytes happen to be valid UTF-8 too (rare: it takes pairs such as "├╢") reads
    as UTF-8. Only `filename` changes: zipfile checks each local header against `orig_filename`."""
    if info.flag_bits & _UTF8_NAME:
        return
    try:
        name = info.orig_filename.encode("cp437").decode("utf-8")  # CP437 maps every byte: the bytes come back
    except (UnicodeEncodeError, UnicodeDecodeError):
        return
    info.filename = name.split("\0", 1)[0]  # as zipfile cuts a name at NUL


def members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The entries of a zip, each under its name in the encoding it was written in (see `_decode_name`)."""
    infos = archive.infolist()
    for info in infos:
        _decode_name(info)
    return infos


def entries(source: Path, stack: ExitStack) -> Iterator[Entry]:
    """The files of a download folder or zip, clutter left out; raises UnreadableArchive if the zip cannot be opened."""
    if source.is_dir():
        yield from _folder_entries(source)
        return
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
    except UnicodeDecodeError:
        # zipfile refuses the whole archive then; unzipped, such a name is one file skipped among the rest.
        raise UnreadableArchive(
            f"{source} has file names marked as UTF-8 that are not, which Python's zipfile cannot open"
        ) from None
    except ZIP_ERRORS as exc:
        raise UnreadableArchive(f"{source} is not a zip, or a damaged one ({type(exc).__name__}: {exc})") from None
    for info in members(archive):
        path = PurePosixPath(info.filename)
        if info.is_dir() or is_junk(path):
            continue
        problem = path_problem(info.filename) or _link_problem(info)
        yield Entry(
            info.filename if problem else path.name,
            info.file_size,
            lambda budget, limit=NOTEBOOK_LIMIT, info=info: inflate(archive, info, budget, "the file", limit),
            problem,
            info.filename,
        )


def _folder_entries(source: Path) -> Iterator[Entry]:
    for path in sorted(source.rglob("*")):  # rglob does not descend into linked folders
        relative = path.relative_to(source).as_posix()
        if is_junk(PurePosixPath(relative)):
            continue
        if path.is_symlink():
            # It may name any file of the TA's (or another student's): never followed.
            yield Entry(
                path.name,
                0,
                _refuse,
                name_problem(path.name) or "a symbolic link, not a file: collect reads only files",
                relative,
            )
        elif path.is_file():
            yield Entry(
                path.name,
                path.stat().st_size,
                lambda budget, limit=NOTEBOOK_LIMIT, path=path: read_file(path, budget, limit),
                name_problem(path.name),
                relative,
            )


def _refuse(budget: Budget, limit: Limit = NOTEBOOK_LIMIT) -> bytes:
    raise Unusable("a symbolic link, not a file: collect reads only files")


def read_file(path: Path, budget: Budget, limit: Limit = NOTEBOOK_LIMIT) -> bytes:
    """A regular file's bytes, up to LIMIT; a file swapped for a link or a pipe since it was listed is refused."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Unusable("not a regular file (a pipe or a device): collect reads only files")
        data = handle.read(limit.size + 1)  # the file may have grown since its size was looked at
    if len(data) > limit.size:
        raise Unusable(f"over {limit.size // _MIB} MiB, {limit.beyond}")
    budget.take(len(data))
    return data


def inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, what: str, limit: Limit = NOTEBOOK_LIMIT
) -> bytes:
    """One entry's bytes, read in chunks and stopped at the caps whatever its header declares."""
    if info.flag_bits & 0x1:
        raise Unusable(f"{what} is encrypted (password-protected): it has to be zipped again without a password")
    if info.compress_type not in _METHODS:
        raise Unusable(
            f"{what} is packed with compression method {info.compress_type}, which is not unpacked "
            "here: hand in the .ipynb, or the zip the notebook's export cell makes"
        )
    if info.file_size > limit.size:
        raise Unusable(f"{what} is over {limit.size // _MIB} MiB, {limit.beyond}")
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit.size:
                raise Unusable(
                    f"{what} unpacks to over {limit.size // _MIB} MiB, though its header says "
                    f"{info.file_size} bytes: a damaged or crafted zip"
                )
            if size > _RATIO_FROM and size > MAX_RATIO * info.compress_size:
                raise Unusable(
                    f"{what} unpacks to over {MAX_RATIO} times its packed size, as a zip bomb does, "
                    "so it is not unpacked"
                )
            budget.take(len(chunk))
            chunks.append(chunk)
    return b"".join(chunks)


def unreadable(exc: BaseException) -> str:
    """What zipfile's or the file system's error says about the file, in words."""
    if isinstance(exc, PermissionError):
        return "cannot be read here (permission denied): check the file's permissions"
    if isinstance(exc, UnicodeDecodeError):
        return "has file names marked as UTF-8 that are not: it has to be zipped again"
    if isinstance(exc, EOFError):
        return "is cut short (an upload that did not finish?): it has to be uploaded again"
    return f"is damaged ({type(exc).__name__}: {exc}): it has to be uploaded again"


@contextmanager
def reading(what: str) -> Iterator[None]:
    """The boundary where one file is read: whatever its bytes make zipfile raise becomes the reason it is skipped."""
    try:
        yield
    except ZIP_ERRORS as exc:
        raise Unusable(f"{what} {unreadable(exc)}") from None


# The end of a zip (PKWARE APPNOTE 4.3.14-16): its central directory's entry count and size, then a comment of up to
# 64 KiB; in a Zip64 archive the counts are in a record just before it, found as zipfile finds it.
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_SIGNATURE = b"PK\x06\x06"


def _read_at(stream: BinaryIO, offset: int, size: int) -> bytes:
    stream.seek(offset)
    return stream.read(size)


def _declared_directory(stream: BinaryIO, size: int) -> tuple[int, int] | None:
    """How many files a zip's end record says it lists, and the size of that list; None where there is no end
    record (zipfile then says the zip is damaged). Read from the last 64 KiB: nothing else of the zip is read."""
    tail_start = max(0, size - _END.size - 0xFFFF)
    tail = _read_at(stream, tail_start, size - tail_start)
    at = tail.rfind(_END_SIGNATURE)  # the last one, as zipfile takes it
    if at < 0 or len(tail) - at < _END.size:
        return None
    _, _, _, on_disk, total, directory, _, _ = _END.unpack_from(tail, at)
    count, end = max(on_disk, total), tail_start + at
    locator = _read_at(stream, end - _END64_LOCATOR.size, _END64_LOCATOR.size) if end >= _END64_LOCATOR.size else b""
    if len(locator) == _END64_LOCATOR.size and locator.startswith(_END64_LOCATOR_SIGNATURE):
        record_at = end - _END64_LOCATOR.size - _END64.size
        record = _read_at(stream, record_at, _END64.size) if record_at >= 0 else b""
        if len(record) == _END64.size and record.startswith(_END64_SIGNATURE):
            *_, on_disk64, total64, directory64, _ = _END64.unpack(record)
            count, directory = max(count, on_disk64, total64), max(directory, directory64)
    return count, directory


def check_zip_size(stream: BinaryIO, what: str = "the .zip") -> None:
    """Refuse a student's zip too large to be an export, or listing too many files, before zipfile opens it.

    `stream` is the zip, open for reading and seekable; it is left at its start."""
    size = stream.seek(0, os.SEEK_END)
    if size > MAX_ZIP_BYTES:
        raise Unusable(
            f"{what} is {size / _MIB:.0f} MiB; a zip over {MAX_ZIP_BYTES // _MIB} MiB is not opened (the export "
            "cell's zip holds the notebook and at most its PDF): clear the notebook's outputs and run the export "
            "cell again, or submit the notebook itself"
        )
    declared = _declared_directory(stream, size)
    stream.seek(0)
    if declared is None:
        return
    count, directory = declared
    if count > MAX_ZIP_ENTRIES:
        raise Unusable(
            f"{what} lists {count} files; a zip of over {MAX_ZIP_ENTRIES} is not opened (the export cell's zip "
            "holds the notebook and a few files beside it): submit that zip, or the notebook itself"
        )
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise Unusable(
            f"{what}'s list of files takes {directory / _MIB:.1f} MiB, more than {MAX_ZIP_ENTRIES} files need, as "
            "in a damaged or crafted zip, so it is not opened: submit the zip the export cell makes, or the "
            "notebook itself"
        )


def _counted(archive: zipfile.ZipFile, what: str) -> None:
    # The end record may understate what the list holds; once the list is bounded, its length is cheap to check.
    if len(archive.filelist) > MAX_ZIP_ENTRIES:
        raise Unusable(
            f"{what} lists {len(archive.filelist)} files; a zip of over {MAX_ZIP_ENTRIES} is not opened: submit "
            "the zip the export cell makes, or the notebook itself"
        )


def notebook_in_zip(archive: zipfile.ZipFile, budget: Budget, limit: Limit = NOTEBOOK_LIMIT) -> bytes:
    """The one notebook in a zip a student made (the export cell's: notebook, `.OTTER_LOG`, `__zip_filename__`).

    A zip inside it is not opened: one level only. Open it only after check_zip_size."""
    _counted(archive, "the .zip")
    infos = [info for info in members(archive) if not info.is_dir() and not is_junk(PurePosixPath(info.filename))]
    notebooks = [info for info in infos if info.filename.lower().endswith(".ipynb")]
    if len(notebooks) != 1:
        nested = not notebooks and any(info.filename.lower().endswith(".zip") for info in infos)
        raise NotOneNotebook(tuple(info.filename for info in notebooks), nested)
    (notebook,) = notebooks
    problem = path_problem(notebook.filename) or _link_problem(notebook)
    if problem:
        raise Unusable(f"the notebook {notebook.filename} in the .zip: {problem}")
    return inflate(archive, notebook, budget, f"the notebook {notebook.filename} in the .zip", limit)


# Where a notebook is not UTF-8 (an editor on Windows saved it), what it was most likely saved as.
_LEGACY_ENCODINGS = ("cp1252", "latin-1")


def notebook_text(raw: bytes) -> str | None:
    """A notebook file's text as grading reads it, and a collect from an LMS too: UTF-8 (a BOM allowed), UTF-16 with
    its BOM, or a notebook saved in a Windows or Latin-1 encoding; None when the bytes are none of these."""
    try:
        return raw.decode("utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in _LEGACY_ENCODINGS:
        try:
            text = raw.decode(encoding)
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "cells" in data:
            return text
    return None


def entry_text(entry: Entry, budget: Budget) -> str:
    """The notebook in a .ipynb or in the student's .zip; raises Unusable saying why there is none."""
    # The declared size is checked first for a plain message; reading checks again as it goes.
    if entry.size > MAX_NOTEBOOK_BYTES:
        raise Unusable(f"over {MAX_NOTEBOOK_BYTES // _MIB} MiB, {NOTEBOOK_LIMIT.beyond}")
    with reading("the file"):
        data = entry.read(budget)
    if entry.name.lower().endswith(".zip"):
        packed = io.BytesIO(data)
        check_zip_size(packed)
        with reading("the .zip"), zipfile.ZipFile(packed) as inner:
            data = notebook_in_zip(inner, budget)
    # Read as grading reads a notebook (a UTF-16 or Windows-encoded one too): what grading takes, a collect keeps.
    text = notebook_text(data)
    if text is None:
        raise Unusable("not a notebook: the file is not text")
    return text
