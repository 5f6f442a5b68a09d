"""The files of a Canvas download read as hostile input: what is wrong with one skips it, and never crashes collect."""
from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from .errors import CanvasError
from .notebook import MAX_NOTEBOOK_BYTES
from .outputs.inert import is_printable

_MIB = 2**20
# zipfile bounds what deflate inflates per read; for bzip2 and LZMA it inflates a whole read of packed bytes
# at once (up to gigabytes from a few KiB), so only these two methods are unpacked.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_CHUNK = 64 * 1024
# A notebook deflates to a fifth or a tenth of its size; a zip bomb to a thousandth. Small files may do
# anything, so the ratio counts only from a MiB on.
MAX_RATIO = 200
_RATIO_FROM = _MIB
MAX_TOTAL_BYTES = 2 * 2**30  # all notebooks of one collect together: a class of hundreds at a few MiB each

# What zipfile and its decompressors raise on damaged or crafted bytes (UnicodeDecodeError, a ValueError, for
# names flagged UTF-8 that are not; OSError for bad seeks; RuntimeError for encryption; EOFError when cut short).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
               ValueError, zlib.error, lzma.LZMAError)


class Unusable(Exception):
    """Why one file of the download yields no notebook; the TA reads it next to the file's name."""


class Budget:
    """How many unpacked bytes one collect may still read, over every file: a bound for many small bombs."""

    def __init__(self) -> None:
        self.total = self.left = MAX_TOTAL_BYTES

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Unusable(f"the download unpacks to over {self.total / 2**30:.3g} GiB of notebooks, more than one "
                           "collect reads: split it (by section) and collect each part into its own folder")


@dataclass(frozen=True)
class Entry:
    """One file of the download. Its name is only ever parsed: no entry path becomes an output path."""

    name: str  # the base name; the whole path when that is what is wrong with it
    size: int  # as declared: a first check only, never trusted while reading
    read: Callable[[Budget], bytes]
    problem: str = ""  # why it is skipped whatever its name says


def _is_junk(path: PurePosixPath) -> bool:
    # What macOS and Windows add when a download is unzipped and zipped again; never a submission. A ".." is
    # not clutter but a path climbing out, which is reported.
    return (any(part.startswith(".") and part != ".." or part == "__MACOSX" for part in path.parts)
            or path.name == "Thumbs.db")


def name_problem(name: str) -> str:
    """Why a file name is refused, or ""."""
    if re.search("[\ud800-\udfff]", name):
        return "its name is not UTF-8 text: rename the file and collect again, or grade it by hand"
    if not is_printable(name):
        return ("its name holds control or text-direction characters (shown escaped): rename the file and "
                "collect again, or grade it by hand")
    return ""


def path_problem(filename: str) -> str:
    """Why a path stored in a zip is refused, or "": absolute, climbing out, or a bad name."""
    path = PurePosixPath(filename.replace("\\", "/"))
    if path.is_absolute() or re.match(r"[A-Za-z]:", filename):
        return "its path in the zip is absolute: not a file Canvas wrote"
    if ".." in path.parts:
        return "its path in the zip climbs out with '..': not a file Canvas wrote"
    return name_problem(filename)


def entries(source: Path, stack: ExitStack) -> Iterator[Entry]:
    """The files of a download folder or zip, clutter left out; raises CanvasError when the zip cannot be opened."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and not _is_junk(PurePosixPath(path.relative_to(source).as_posix())):
                yield Entry(path.name, path.stat().st_size, lambda budget, path=path: _read_file(path, budget),
                            name_problem(path.name))
        return
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
    except UnicodeDecodeError:
        # zipfile refuses the whole archive then; unzipped, such a name is one file skipped among the rest.
        raise CanvasError(f"{source} has file names marked as UTF-8 that are not, which Python's zipfile cannot "
                          "open: unzip it with another tool and give the folder instead.") from None
    except _ZIP_ERRORS as exc:
        raise CanvasError(f"{source} is not a zip, or a damaged one ({type(exc).__name__}: {exc}): download it "
                          "again with Canvas's \"Download Submissions\", or give the folder it unzips to.") from None
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if info.is_dir() or _is_junk(path):
            continue
        problem = path_problem(info.filename)
        yield Entry(info.filename if problem else path.name, info.file_size,
                    lambda budget, info=info: inflate(archive, info, budget, "the file"), problem)


def _read_file(path: Path, budget: Budget) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)  # the file may have grown since its size was looked at
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise Unusable(f"over {MAX_NOTEBOOK_BYTES // _MIB} MiB, more than `cnngrade grade` runs")
    budget.take(len(data))
    return data


def inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, what: str) -> bytes:
    """One entry's bytes, read in chunks and stopped at the caps whatever its header declares."""
    if info.flag_bits & 0x1:
        raise Unusable(f"{what} is encrypted (password-protected): ask the student for it without a password")
    if info.compress_type not in _METHODS:
        raise Unusable(f"{what} is packed with compression method {info.compress_type}, which collect does not "
                       "unpack: ask the student for the .ipynb, or a zip made with the notebook's export cell")
    if info.file_size > MAX_NOTEBOOK_BYTES:
        raise Unusable(f"{what} is over {MAX_NOTEBOOK_BYTES // _MIB} MiB, more than `cnngrade grade` runs")
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_NOTEBOOK_BYTES:
                raise Unusable(f"{what} unpacks to over {MAX_NOTEBOOK_BYTES // _MIB} MiB, though its header says "
                               f"{info.file_size} bytes: a damaged or crafted zip")
            if size > _RATIO_FROM and size > MAX_RATIO * info.compress_size:
                raise Unusable(f"{what} unpacks to over {MAX_RATIO} times its packed size, as a zip bomb does: "
                               "open it by hand if you trust it")
            budget.take(len(chunk))
            chunks.append(chunk)
    return b"".join(chunks)


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "cannot be read here (permission denied): check the file's permissions"
    if isinstance(exc, UnicodeDecodeError):
        return "has file names marked as UTF-8 that are not: ask the student to zip it again"
    if isinstance(exc, EOFError):
        return "is cut short (an upload that did not finish?): ask the student to upload it again"
    return f"is damaged ({type(exc).__name__}: {exc}): ask the student to upload it again"


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """The boundary where one file is read: whatever its bytes make zipfile raise becomes the reason it is skipped."""
    try:
        yield
    except _ZIP_ERRORS as exc:
        raise Unusable(f"{what} {_unreadable(exc)}") from None


def _inner_notebook(data: bytes, budget: Budget) -> bytes:
    """The one notebook in the .zip a student uploaded. A zip inside it is not opened: one level only."""
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        infos = [info for info in inner.infolist() if not info.is_dir() and not _is_junk(PurePosixPath(info.filename))
                 and ".ipynb_checkpoints" not in info.filename]
        notebooks = [info for info in infos if info.filename.lower().endswith(".ipynb")]
        if len(notebooks) != 1:
            nested = not notebooks and any(info.filename.lower().endswith(".zip") for info in infos)
            raise Unusable(f"a .zip with {len(notebooks)} notebooks in it, not 1"
                           + ("; a .zip inside the .zip is not opened" if nested else ""))
        (notebook,) = notebooks
        problem = path_problem(notebook.filename)
        if problem:
            raise Unusable(f"the notebook {notebook.filename} in the .zip: {problem}")
        return inflate(inner, notebook, budget, f"the notebook {notebook.filename} in the .zip")


def notebook_text(entry: Entry, budget: Budget) -> str:
    """The notebook in a .ipynb or in the student's .zip; raises Unusable saying why there is none."""
    # The declared size is checked first for a plain message; reading checks again as it goes.
    if entry.size > MAX_NOTEBOOK_BYTES:
        raise Unusable(f"over {MAX_NOTEBOOK_BYTES // _MIB} MiB, more than `cnngrade grade` runs")
    with _reading("the file"):
        data = entry.read(budget)
    if entry.name.lower().endswith(".zip"):
        with _reading("the .zip"):
            data = _inner_notebook(data, budget)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unusable("not a notebook: the file is not text") from None
