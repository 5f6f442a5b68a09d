"""What `cnngrade grade` takes from a submissions folder: each student's notebook (at any depth, `.ipynb` or the
`.zip` the export cell makes, any case) under the name its row gets, and every other file with why it is left out.

Names and file types decide what is a candidate; a file is opened only to tell whether a zip beside a notebook is
that notebook's own export (reading is `intake/notebook.py`'s job).

Row names: a top-level `123.ipynb` (or `123.zip`) is `123`, as Canvas's collect writes it; a nested
`sec1/alice/hw1.ipynb` is `sec1--alice--hw1` (the folders, then the stem, joined by `--`); a zip is named after its
own full stem (`hw1_2024_01_31T09_30_00_123456.zip` is `hw1_2024_01_31T09_30_00_123456`: every student's export of
hw1.ipynb has a name like it). Names are made printable, unique (also when compared regardless of case and of
Unicode normalisation, so that OUT/results/<name>.json files never clash on a case-insensitive or normalising disk,
as macOS's are; every file's own name is handed out first, where names clash only to a `.ipynb` beside exports
(a student names their own file: no name two notebooks share is kept by either), then a duplicate gets `~2`, `~3`,
never a name another file has as its own), at most `_MAX_NAME_BYTES`
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

import bisect
import hashlib
import heapq
import os
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import CannotAccess, SubmissionsNotFound
from autograder.intake.notebook import read_code_cells
from autograder.intake.submissions import pack
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
_RUN = 4096  # hashes sorted at a time
_ENCODING, _ERRORS = "utf-8", "surrogateescape"  # a path's undecodable bytes come back as they were


@dataclass(frozen=True)
class Survey:
    """A submissions folder as `grade` sees it."""

    # Row name -> the file graded, in name order: from `survey`, a packed `Submissions` (no `Path` kept per file).
    submissions: Mapping[str, Path]
    skipped: tuple[Skipped, ...]  # path in the folder (printable, "/"-separated) and why it is not graded


def survey(folder: Path, exclude: Iterable[Path] = ()) -> Survey:
    """Every submission in FOLDER and every file left out; EXCLUDE (the output folder, when inside it) is passed over.

    Raises SubmissionsNotFound, saying what the folder holds instead, when there is nothing to grade, and
    CannotAccess when the folder itself cannot be read.

    What it holds while it walks and what it keeps are packed bytes, a few tens a file (see
    `autograder.intake.submissions`): no `Path`, no list of every entry, no `str` per file beyond a sorted run's."""
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
    found = _Found()
    _walk(str(folder), passed_over, found, skipped, held)
    if not len(found):
        raise SubmissionsNotFound(f"No notebooks in {folder}: it {_holdings(held)}; {_WHAT_TO_SUBMIT}.")
    named = _named(found)
    del found  # held by NAMED only: freed once every file is named, before the sorted runs are merged
    submissions = pack(str(folder), named)
    return Survey(submissions, tuple(sorted(skipped, key=lambda entry: entry.name)))


def _shown(relative: str) -> str:
    return printable(relative.encode(_ENCODING, _ERRORS).decode(_ENCODING, "backslashreplace"))


def _identity(path: Path | str) -> tuple[int, int] | None:
    """Which folder PATH is, however it is spelt (links, `..`); None where there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _suffix(name: str) -> str:
    """NAME's extension as `PurePosixPath.suffix` has it: none for `.x`, `x.`, `x`."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


class _Found:
    """The files a walk found to grade, packed in the order found: each one's base name (the name it gets unless
    another file has it) and its path under the folder, with a hash of the base as a case- and
    normalisation-insensitive disk compares it."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.folded = array("q")

    def __len__(self) -> int:
        return len(self.folded)

    @property
    def end(self) -> int:
        return len(self._buffer)

    def add(self, relative: str) -> None:
        base, own = _base(relative)
        # A base that is the file's own (its folders and stem as they are, as it nearly always is) is not stored.
        stored = b"" if base == own else base.encode(_ENCODING)
        self._buffer += stored + b"\0" + relative.encode(_ENCODING, _ERRORS) + b"\0"
        self.folded.append(hash(_folded(base)))

    def truncate(self, end: int, count: int) -> None:
        """Forget the files added since `end` was END and there were COUNT."""
        del self._buffer[end:]
        del self.folded[count:]

    def items(self, start: int = 0) -> Iterator[tuple[str, str]]:
        """(base, path) of each file, from offset START of the buffer (`end` before a folder's files were added)."""
        buffer = self._buffer
        while start < len(buffer):
            middle = buffer.index(0, start)
            end = buffer.index(0, middle + 1)
            relative = buffer[middle + 1 : end].decode(_ENCODING, _ERRORS)
            yield (buffer[start:middle].decode(_ENCODING) if middle > start else _own(relative)), relative
            start = end + 1


def _walk(
    folder: str,
    passed_over: set[tuple[int, int] | None],
    found: _Found,
    skipped: list[Skipped],
    held: Counter[str],
) -> None:
    """Candidate submissions under FOLDER into FOUND; what is left out goes into SKIPPED. A loop, not recursion: a
    tree unzipped from an upload may be nested deeper than Python's call stack. Paths are strings ("" the folder
    itself), entries are taken as the system lists them: order is made once, by name, when the survey is packed."""
    pending = [(folder, "")]
    while pending:
        directory, relative = pending.pop()
        first, count = found.end, len(found)  # where this folder's notebooks start, for the zips beside them
        zips: list[tuple[str, str]] = []  # (path, stem) of this folder's zips: paired once its notebooks are known
        # What this folder adds, kept apart until it has been listed to the end: a folder the system stops listing
        # half-way is one that cannot be opened, and nothing in it counts.
        left_out: list[Skipped] = []
        kinds: Counter[str] = Counter()
        folders: list[tuple[str, str]] = []
        try:
            with os.scandir(directory) as listing:
                for entry in listing:
                    name = entry.name
                    if name in _NEVER or name.startswith(_OURS):
                        continue
                    here = f"{relative}/{name}" if relative else name
                    is_dir = _safely(entry.is_dir, follow_symlinks=False)
                    if is_dir and passed_over and _identity(entry.path) in passed_over:
                        continue
                    if name.startswith("."):
                        kind = "folder (not looked into)" if is_dir else "file"
                        left_out.append(Skipped(_shown(here), f"a hidden {kind}: its name starts with '.'"))
                        kinds[f"hidden {kind.split()[0]}"] += 1
                        continue
                    suffix = _suffix(name).lower()
                    if is_dir:
                        # A real folder is walked into whatever its name: `section2.zip/` may hold a section's notebooks.
                        folders.append((entry.path, here))
                    elif suffix == NOTEBOOK:
                        # Whatever else it is (a link, a pipe, a link to nothing), it gets a row saying so.
                        found.add(here)
                    elif suffix == ZIP:
                        zips.append((here, name[: -len(ZIP)]))
                    elif _safely(entry.is_symlink) and _safely(entry.is_dir):
                        # Followed, it could climb out of the folder or loop.
                        left_out.append(Skipped(_shown(here), "a link to a folder: not followed"))
                        kinds["link to a folder"] += 1
                    elif _safely(entry.is_file):
                        shown = suffix if suffix else "no extension"
                        left_out.append(Skipped(_shown(here), f"not a notebook ({printable(shown)})"))
                        kinds[f"{printable(suffix)} file" if suffix else "file without an extension"] += 1
                    else:
                        left_out.append(
                            Skipped(_shown(here), "not a file (a link to nothing, a pipe, a socket or a device)")
                        )
                        kinds["entry that is not a file"] += 1
        except OSError as error:
            if not relative:
                # Not a folder of the students' that is left out: nothing at all can be graded.
                raise CannotAccess(f"cannot read the submissions folder {folder}: {_why(error)}") from None
            found.truncate(first, count)
            skipped.append(Skipped(_shown(relative), f"a folder that cannot be opened ({_why(error)})"))
            held["folder that cannot be opened"] += 1
            continue
        skipped += left_out
        held.update(kinds)
        pending += folders
        if zips:
            _zips_beside(folder, zips, found, first, skipped)


def _zips_beside(folder: str, zips: list[tuple[str, str]], found: _Found, first: int, skipped: list[Skipped]) -> None:
    """Each of one folder's ZIPS into FOUND, or into SKIPPED where it is the same notebook as the `.ipynb` of its stem
    beside it (FOUND's files from offset FIRST): only the code decides, for a name may be anyone's (every
    student's export of hw1.ipynb is `hw1_<stamp>.zip`). Of two notebooks whose stems differ only in case, the
    later in name order is the one compared."""
    notebooks: dict[str, str] = {}
    for _, relative in sorted(found.items(first), key=lambda item: item[1]):
        notebooks[relative.rpartition("/")[2][: -len(NOTEBOOK)].casefold()] = relative
    for relative, stem in sorted(zips):
        notebook = notebooks.get(stem.casefold()) or notebooks.get(_export_of(stem).casefold())
        if notebook is not None and _same_code(f"{folder}/{relative}", f"{folder}/{notebook}"):
            skipped.append(
                Skipped(
                    _shown(relative),
                    f"the export of {_shown(notebook.rpartition('/')[2])} beside it (the same notebook), which is "
                    "graded",
                )
            )
        else:
            found.add(relative)


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


def _same_code(zipped: str, notebook: str) -> bool:
    """Whether the notebook in ZIPPED has exactly NOTEBOOK's code cells; False where either cannot be read."""
    try:
        return read_code_cells(Path(zipped)) == read_code_cells(Path(notebook))
    except Exception:  # whatever is wrong with either file, its own row will say
        return False


def _base(relative: str) -> tuple[str, str]:
    """The name a file at RELATIVE gets unless another file has it (its folders and stem joined by `--`, printable
    and cut to fit), and that name as it would be without being made printable or cut."""
    own = _own(relative)
    # Made printable as a whole: escaping is character by character, and `--` needs none.
    shown = own if own.isascii() and own.isprintable() else _shown(own)
    return _fitted(shown, relative), own


def _own(relative: str) -> str:
    """RELATIVE's folders and stem joined by `--`: `sec1/alice/hw1.ipynb` is `sec1--alice--hw1`."""
    filename = relative[relative.rfind("/") + 1 :]
    return relative[: len(relative) - len(_suffix(filename))].replace("/", SEPARATOR)


def _named(found: _Found) -> Iterator[tuple[str, str]]:
    """A unique name for each file FOUND, with its path.

    Each file's own name (its base) is handed out first, to one file per folded base: where files share one (as a
    disk that ignores case compares names), only a notebook beside exports keeps it (Canvas's collect writes
    `<user id>.ipynb`, and its late notes and `export canvas` go by that name; `12345.ZIP` would otherwise sort first
    and take it); between notebooks, none does, since students name their own files. Only then do the files left
    without one get `~2`, `~3`, in the order `_priority` gives (top-level files first, `.ipynb` before `.zip`, a name
    as it is before one made printable), never a base some file has (the literal `a~2.ipynb` keeps `a~2`).

    Only files whose folded base's hash is another's are ever compared (sorted runs of hashes, merged, find them):
    a class without clashes is named in one pass, holding no `str` per file. The files of one folded base are
    named apart from the others: `base~N`, folded, is never another base's `~M`."""
    runs = [array("q", sorted(found.folded[start : start + _RUN])) for start in range(0, len(found), _RUN)]
    clashing: set[int] = set()
    previous = None
    for value in heapq.merge(*runs):
        if value == previous:
            clashing.add(value)
        previous = value
    groups: dict[str, list[tuple[str, str]]] = {}
    for index, (base, relative) in enumerate(found.items()):
        if found.folded[index] in clashing:
            groups.setdefault(_folded(base), []).append((base, relative))
        else:
            yield base, relative

    # Every `~N` asked about holds a `~`, and so does the folded base it could be: only those bases are kept
    # (none in most classes), gathered in one pass the first time a clash needs them. A pass per question
    # instead made a class of `a~2` ... `a~3000` quadratic.
    with_tilde: set[str] | None = None

    def some_base_is(folded: str) -> bool:
        nonlocal with_tilde
        value = hash(folded)
        if not any(_holds(run, value) for run in runs):
            return False
        if with_tilde is None:
            with_tilde = {own for own in (_folded(base) for base, _ in found.items()) if "~" in own}
        return folded in with_tilde

    for group in groups.values():
        group.sort(key=_priority)
        # A student names their own file, so a name shared (as a disk compares names) is no sign of whose it is:
        # `alice.IPYNB`, `ALICE.ipynb`, a top-level `sec1--alice.ipynb` beside `sec1/alice.ipynb`, any order
        # between them would hand the name to whoever chose to sort first. Only a notebook beside exports keeps
        # it: Canvas's collect writes `<user id>.ipynb` and `<user id>.zip`, both one student's, and its late notes
        # and `export canvas` go by the notebook's name: it keeps it beside its exports (same folder, same stem,
        # exactly). Otherwise none keeps it, and the TA sees each as `~N`.
        notebooks = [item for item in group if _is_notebook(item)]
        if len(notebooks) == 1 and all(_beside(item, notebooks[0]) for item in group):
            yield notebooks[0]
            others = [item for item in group if item is not notebooks[0]]
        else:
            others = group
        given: set[str] = set()
        for base, relative in others:
            copy = 2
            while _folded(f"{base}~{copy}") in given or some_base_is(_folded(f"{base}~{copy}")):
                copy += 1
            given.add(_folded(f"{base}~{copy}"))
            yield f"{base}~{copy}", relative


def _holds(run: array[int], value: int) -> bool:
    at = bisect.bisect_left(run, value)
    return at < len(run) and run[at] == value


def _beside(item: tuple[str, str], notebook: tuple[str, str]) -> bool:
    """ITEM is NOTEBOOK itself or a file of the same stem, exactly, in the same folder (its export, as Canvas writes
    `<user id>.zip` beside `<user id>.ipynb`)."""
    (_, relative), (_, own) = item, notebook
    return relative[: len(relative) - len(_suffix(relative))] == own[: len(own) - len(_suffix(own))]


def _is_notebook(item: tuple[str, str]) -> bool:
    return _suffix(item[1][item[1].rfind("/") + 1 :]).lower() == NOTEBOOK


def _priority(item: tuple[str, str]) -> tuple[bool, bool, bool, tuple[str, ...]]:
    """The order the files sharing a folded base get `~N` in: the same on every run, as resuming needs."""
    base, relative = item
    parts = relative.split("/")
    return (
        len(parts) > 1,
        _suffix(parts[-1]).lower() != NOTEBOOK,
        # A name made printable or cut (`a\x01b` for a control character) is no file's own: the file literally
        # named so keeps it.
        base != _own(relative),
        tuple(parts),  # as PurePosixPath orders paths: folder by folder
    )


def _folded(name: str) -> str:
    """NAME as a disk that ignores case and Unicode normalisation (macOS's) compares it: `é` is `e` + U+0301."""
    return unicodedata.normalize("NFC", name).casefold()


def _fitted(name: str, relative: str) -> str:
    """NAME cut to fit a file name with room for a suffix, ending in a hash of the path where it was cut."""
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(relative.encode(_ENCODING, _ERRORS)).hexdigest()[:10]
    cut = name.encode("utf-8")[: _MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{cut}~{digest}"


__all__ = ["NOTEBOOK", "SEPARATOR", "ZIP", "Survey", "survey"]
