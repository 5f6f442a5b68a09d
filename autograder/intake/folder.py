"""What `cnngrade grade` takes from a submissions folder: each student's notebook (at any depth, `.ipynb` or the
`.zip` the export cell makes, any case) under the name its row gets, and every other file with why it is left out.

Names and file types decide what is a candidate; a file is opened only to tell whether a zip beside a notebook is
that notebook's own export (reading is `intake/notebook.py`'s job).

Row names: a top-level `123.ipynb` (or `123.zip`) is `123`, as Canvas's collect writes it; a nested
`sec1/alice/hw1.ipynb` is `sec1--alice--hw1` (the folders, then the stem, joined by `--`); a zip is named after its
own full stem (`hw1_2024_01_31T09_30_00_123456.zip` is `hw1_2024_01_31T09_30_00_123456`: every student's export of
hw1.ipynb has a name like it). Names are made printable, unique (also when compared regardless of case and of
Unicode normalisation, so that OUT/results/<name>.json files never clash on a case-insensitive or normalising disk,
as macOS's are; every file's own name is handed out first, to top-level files before nested ones and to a `.ipynb`
before a `.zip`, then a duplicate gets `~2`, `~3`, never a name another file has as its own), at most `_MAX_NAME_BYTES`
long (a longer one is cut and ends in a hash of its path), and never start with a dot: the same folder gives the
same names on every run, which is what resuming relies on.

One row per file: every `.ipynb` and every `.zip` is a row of its own. File names and time stamps never decide that
two files are one student's (a flat folder of exports holds one `hw1_<stamp>.zip` per student, and a student could
name a file to displace another's). The one exception is a zip beside a notebook of the same stem in the same folder
(`x.zip`, or Otter's export name `x_2024_01_31T09_30_00_123456.zip`, beside `x.ipynb`) whose notebook has exactly
the notebook's code cells: it is the same notebook, graded once, from the `.ipynb`. Where either cannot be read, both
are rows (each then says what is wrong with it).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.errors import CannotAccess, SubmissionsNotFound
from autograder.intake.notebook import read_code_cells
from autograder.intake.uploads import Skipped
from autograder.outputs.inert import printable

NOTEBOOK, ZIP = ".ipynb", ".zip"
# Never a submission, so never listed: Jupyter's autosaves, macOS's zip clutter, cnngrade's own notes and manifests.
_NEVER = frozenset({".ipynb_checkpoints", "__MACOSX"})
_OURS = ".cnngrade"
SEPARATOR = "--"
_MAX_NAME_BYTES = 200
# What `grader.export()` appends to the notebook's stem: `%Y_%m_%dT%H_%M_%S_%f`, which sorts by time.
_OTTER_STAMP = re.compile(r"(?P<stem>.+)_\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}_\d{6}")
# What a folder holds instead of notebooks, counted by kind (singular); the plurals "+s" does not make.
_PLURAL = {
    "folder that cannot be opened": "folders that cannot be opened",
    "link to a folder": "links to folders",
    "file without an extension": "files without an extension",
    "entry that is not a file": "entries that are not files",
}
_WHAT_TO_SUBMIT = "grade needs the .ipynb files (or the .zip the notebook's export cell makes)"


@dataclass(frozen=True)
class Survey:
    """A submissions folder as `grade` sees it."""

    submissions: dict[str, Path]  # row name -> the file graded; top-level files first, then nested, in path order
    skipped: tuple[Skipped, ...]  # path in the folder (printable, "/"-separated) and why it is not graded


@dataclass(frozen=True)
class _Found:
    relative: PurePosixPath  # as on disk (undecodable bytes as surrogates)
    path: Path


def survey(folder: Path, exclude: Iterable[Path] = ()) -> Survey:
    """Every submission in FOLDER and every file left out; EXCLUDE (the output folder, when inside it) is passed over.

    Raises SubmissionsNotFound, saying what the folder holds instead, when there is nothing to grade, and
    CannotAccess when the folder itself cannot be read."""
    try:
        is_folder, exists = folder.is_dir(), folder.exists()
    except OSError as error:  # a parent without search permission, a path too long
        raise CannotAccess(f"cannot read the submissions folder {folder}: {_why(error)}") from None
    if not is_folder:
        if exists:
            raise SubmissionsNotFound(
                f"{folder} is a file, not a folder of submissions: give the folder that holds the notebooks "
                "(an LMS's download goes through `cnngrade collect canvas` or `collect gradescope` first)."
            )
        raise SubmissionsNotFound(f"No submissions folder at {folder}.")
    passed_over = {_identity(path) for path in exclude} - {None}
    skipped: list[Skipped] = []
    held: Counter[str] = Counter()
    found = list(_walk(folder, passed_over, skipped, held))
    graded = _one_per_student(found, skipped)
    if not graded:
        raise SubmissionsNotFound(f"No notebooks in {folder}: it {_holdings(held)}; {_WHAT_TO_SUBMIT}.")
    names = _names([item.relative for item in graded])
    submissions = {name: item.path for name, item in zip(names, graded)}
    return Survey(submissions, tuple(sorted(skipped, key=lambda entry: entry.name)))


def _shown(relative: PurePosixPath) -> str:
    return printable(str(relative).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def _identity(path: Path) -> tuple[int, int] | None:
    """Which folder PATH is, however it is spelt (links, `..`); None where there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _walk(
    folder: Path, passed_over: set[tuple[int, int] | None], skipped: list[Skipped], held: Counter[str]
) -> Iterator[_Found]:
    """Candidate submissions under FOLDER; what is left out goes into SKIPPED. A loop, not recursion: a tree
    unzipped from an upload may be nested deeper than Python's call stack."""
    pending = [(folder, PurePosixPath())]
    while pending:
        directory, relative = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if relative == PurePosixPath():
                # Not a folder of the students' that is left out: nothing at all can be graded.
                raise CannotAccess(f"cannot read the submissions folder {folder}: {_why(error)}") from None
            skipped.append(Skipped(_shown(relative), f"a folder that cannot be opened ({_why(error)})"))
            held["folder that cannot be opened"] += 1
            continue
        for entry in entries:
            name, path, here = entry.name, Path(entry.path), relative / entry.name
            if name in _NEVER or name.startswith(_OURS):
                continue
            is_dir = _safely(entry.is_dir, follow_symlinks=False)
            if is_dir and passed_over and _identity(path) in passed_over:
                continue
            if name.startswith("."):
                kind = "folder (not looked into)" if is_dir else "file"
                skipped.append(Skipped(_shown(here), f"a hidden {kind}: its name starts with '.'"))
                held[f"hidden {kind.split()[0]}"] += 1
                continue
            suffix = PurePosixPath(name).suffix.lower()
            if is_dir:
                # A real folder is walked into whatever its name: `section2.zip/` may hold a section's notebooks.
                pending.append((path, here))
            elif suffix in (NOTEBOOK, ZIP):
                # Whatever else it is (a link, a pipe, a link to nothing), it gets a row saying so.
                yield _Found(here, path)
            elif _safely(entry.is_symlink) and _safely(entry.is_dir):
                # Followed, it could climb out of the folder or loop.
                skipped.append(Skipped(_shown(here), "a link to a folder: not followed"))
                held["link to a folder"] += 1
            elif _safely(entry.is_file):
                shown = suffix if suffix else "no extension"
                skipped.append(Skipped(_shown(here), f"not a notebook ({printable(shown)})"))
                held[f"{printable(suffix)} file" if suffix else "file without an extension"] += 1
            else:
                skipped.append(Skipped(_shown(here), "not a file (a link to nothing, a pipe, a socket or a device)"))
                held["entry that is not a file"] += 1


def _why(error: OSError) -> str:
    """What the system said, as a phrase: "permission denied", "file name too long"."""
    reason = error.strerror or type(error).__name__
    return reason[:1].lower() + reason[1:]


def _safely(test: Callable[..., bool], **options: bool) -> bool:
    """A DirEntry's is_dir/is_file/is_symlink, False where the system cannot say (a path too long, no permission):
    such an entry is then listed as not a file, never the end of the walk."""
    try:
        return test(**options)
    except OSError:
        return False


def _holdings(held: Counter[str]) -> str:
    if not held:
        return "is empty"
    parts = [
        f"{count} {kind if count == 1 else _PLURAL.get(kind, kind + 's')}"
        for kind, count in sorted(held.items(), key=lambda item: (-item[1], item[0]))
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"holds {listed}"


def _export_of(stem: str) -> str:
    """The stem of the notebook a zip of this stem may have been exported from (Otter adds a time stamp to it)."""
    stamped = _OTTER_STAMP.fullmatch(stem)
    return stamped["stem"] if stamped else stem


def _same_code(zipped: Path, notebook: Path) -> bool:
    """Whether the notebook in ZIPPED has exactly NOTEBOOK's code cells; False where either cannot be read."""
    try:
        return read_code_cells(zipped) == read_code_cells(notebook)
    except Exception:  # whatever is wrong with either file, its own row will say
        return False


def _one_per_student(found: list[_Found], skipped: list[Skipped]) -> list[_Found]:
    """FOUND less each zip that is the same notebook as the `.ipynb` of its stem beside it, which goes into SKIPPED.

    Only the code decides: a name may be anyone's (every student's export of hw1.ipynb is `hw1_<stamp>.zip`).
    Top-level files come first, then nested ones, each in path order."""
    notebooks = {
        (item.relative.parent, item.relative.stem.casefold()): item
        for item in found
        if item.relative.suffix.lower() == NOTEBOOK
    }
    graded: list[_Found] = []
    for item in found:
        if item.relative.suffix.lower() == ZIP:
            stem = item.relative.stem
            notebook = notebooks.get((item.relative.parent, stem.casefold())) or notebooks.get(
                (item.relative.parent, _export_of(stem).casefold())
            )
            if notebook is not None and _same_code(item.path, notebook.path):
                skipped.append(
                    Skipped(
                        _shown(item.relative),
                        f"the export of {_shown(PurePosixPath(notebook.relative.name))} beside it (the same "
                        "notebook), which is graded",
                    )
                )
                continue
        graded.append(item)
    return sorted(graded, key=lambda item: (item.relative.parent != PurePosixPath(), item.relative))


def _names(paths: list[PurePosixPath]) -> list[str]:
    """A unique name for each of PATHS, in their order.

    Each file's own name (its base) is handed out first, to one file per folded base: top-level files before nested
    ones, and a `.ipynb` before a `.zip` (Canvas's collect writes `<user id>.ipynb`, and its late notes and
    `export canvas` go by that name; `12345.ZIP` would otherwise sort first and take it), and a file whose name is
    its stem as it is before one whose stem had to be made printable. Only then do the files left without one get
    `~2`, `~3`, never a base some file has (the literal `a~2.ipynb` keeps `a~2`)."""
    parts = [(*relative.parent.parts, relative.stem) for relative in paths]
    bases = [
        _fitted(SEPARATOR.join(_shown(PurePosixPath(part)) for part in each), relative)
        for each, relative in zip(parts, paths)
    ]
    priority = sorted(
        range(len(paths)),
        key=lambda index: (
            paths[index].parent != PurePosixPath(),
            paths[index].suffix.lower() != NOTEBOOK,
            # A name made printable or cut (`a\x01b` for a control character) is no file's own: the file literally
            # named so keeps it.
            bases[index] != SEPARATOR.join(parts[index]),
            paths[index],
        ),
    )
    names: dict[int, str] = {}
    taken: set[str] = set()
    for index in priority:
        if _folded(bases[index]) not in taken:
            names[index] = bases[index]
            taken.add(_folded(bases[index]))
    reserved = taken | {_folded(base) for base in bases}
    for index in priority:
        if index in names:
            continue
        copy = 2
        while _folded(f"{bases[index]}~{copy}") in reserved:
            copy += 1
        names[index] = f"{bases[index]}~{copy}"
        reserved.add(_folded(names[index]))
    return [names[index] for index in range(len(paths))]


def _folded(name: str) -> str:
    """NAME as a disk that ignores case and Unicode normalisation (macOS's) compares it: `é` is `e` + U+0301."""
    return unicodedata.normalize("NFC", name).casefold()


def _fitted(name: str, relative: PurePosixPath) -> str:
    """NAME cut to fit a file name with room for a suffix, ending in a hash of the path where it was cut."""
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(str(relative).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    cut = name.encode("utf-8")[: _MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{cut}~{digest}"


__all__ = ["NOTEBOOK", "SEPARATOR", "ZIP", "Survey", "survey"]
