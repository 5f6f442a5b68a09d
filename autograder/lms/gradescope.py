"""Gradescope: its "Export Submissions" zip (or the folder it unzips to) becomes one notebook per submission to grade.

The export is a folder, `assignment_<id>_export/`, holding `submission_metadata.yml` (who made each submission, keyed
by its folder, in Ruby's YAML: `:submitters:` with `:name:`, `:sid:`, `:email:`) and one folder `submission_<id>/`
per submission with the files uploaded. Every file in it is read as hostile input, through `uploads`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from autograder.errors import GradescopeError
from autograder.intake.uploads import (
    Budget,
    Entry,
    Limit,
    Skipped,
    UnreadableArchive,
    Unusable,
    entries,
    entry_text,
    reading,
)
from autograder.outputs.files import write_atomic
from autograder.outputs.inert import printable, screen

METADATA = "submission_metadata.yml"
# What a collect wrote into INTO, one name a line: the only files a later collect replaces or removes.
MANIFEST = ".cnngrade-gradescope"
# The metadata holds every submission's results and history: far more than one notebook for a large class.
_METADATA_LIMIT = Limit(256 * 2**20, "more than collect reads")
_MANIFEST_BYTES = 2**20
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")
_MAX_STEM = 100
_EXPORT_AGAIN = (
    "export it again with Gradescope's \"Export Submissions\" (on the assignment's Review Grades page), "
    "or unzip it with another tool and give the folder it unzips to"
)


@dataclass(frozen=True)
class Submitter:
    name: str
    sid: str  # the student id the course gave Gradescope; may be empty
    email: str


@dataclass(frozen=True)
class Collected:
    """One submission's notebook, written as INTO/<file>."""

    submission: str  # its folder in the export: "submission_123456"
    submitters: tuple[Submitter, ...]  # a group's members in Gradescope's order; the file is named by the first
    source: str  # the file the notebook came from, inside the submission's folder
    file: str  # "<SID>.ipynb", else "<email>.ipynb", else "<submission folder>.ipynb"
    note: str = ""  # why it is not named by the SID


@dataclass(frozen=True)
class GradescopeCollection:
    """What `collect gradescope` wrote: one notebook per submission, and what it left out."""

    into: Path
    collected: tuple[Collected, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class _Submission:
    """One submission folder of the export, its files by their path inside it."""

    folder: str
    submitters: tuple[Submitter, ...]
    files: tuple[tuple[str, Entry], ...]


# --- the metadata ----------------------------------------------------------------------------------------------


class _MetadataLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml.safe_load's loader, but a value Ruby tagged (`!ruby/object:BigDecimal`, `!binary`) is read as the data
    under its tag rather than failing the whole file: nothing here is ever constructed as an object."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = loader.construct_scalar(node)  # type: ignore[arg-type]  # neither mapping nor sequence: a scalar
    if suffix == "binary":  # Ruby's way of writing a string that is not valid UTF-8
        try:
            return base64.b64decode(value).decode("utf-8", "replace")
        except ValueError:
            return value
    return value


_MetadataLoader.add_multi_constructor("!", _untagged)


def _field(record: Any, key: str) -> Any:
    """A record's field whether the key is Ruby's symbol (`:sid`) or plain (`sid`)."""
    if not isinstance(record, dict):
        return None
    return record.get(f":{key}", record.get(key))


def _text(value: Any) -> str:
    # A SID may be written as a number; anything else (a list, a mapping, true) is no id at all.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return str(value).strip()


def _submitters(record: Any) -> tuple[Submitter, ...]:
    people = _field(record, "submitters")
    if not isinstance(people, list):
        return ()
    return tuple(
        Submitter(_text(_field(person, "name")), _text(_field(person, "sid")), _text(_field(person, "email")))
        for person in people
        if isinstance(person, dict)
    )


def _read_metadata(entry: Entry, budget: Budget) -> dict[str, tuple[Submitter, ...]]:
    """Each submission folder's submitters; raises GradescopeError when the file is not Gradescope's metadata."""
    where = entry.path or entry.name
    if entry.problem:
        raise GradescopeError(f"{where}: {entry.problem}.")
    try:
        with reading("the file"):
            data = entry.read(budget, _METADATA_LIMIT)
        text = data.decode("utf-8-sig")
    except Unusable as problem:
        raise GradescopeError(f"{where}: {problem}; {_EXPORT_AGAIN}.") from None
    except UnicodeDecodeError:
        raise GradescopeError(f"{where} is not UTF-8 text, so not Gradescope's metadata; {_EXPORT_AGAIN}.") from None
    try:
        metadata = yaml.load(text, Loader=_MetadataLoader)  # a SafeLoader: builds no objects
    # A ValueError: a date or number that parses as one but is none (month 13, an int of 5000 digits).
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        mark = getattr(error, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        why = getattr(error, "problem", "") or error
        raise GradescopeError(f"{where} is not the YAML Gradescope writes{at}: {why}; {_EXPORT_AGAIN}.") from None
    if not isinstance(metadata, dict) or not metadata:
        raise GradescopeError(
            f"{where} is YAML but not Gradescope's metadata (a mapping from each submission's "
            f"folder to its submitters, it holds {type(metadata).__name__}); {_EXPORT_AGAIN}."
        )
    return {_text(folder): _submitters(record) for folder, record in metadata.items() if _text(folder)}


# --- the export's files ----------------------------------------------------------------------------------------


def _parts(entry: Entry) -> tuple[str, ...]:
    return PurePosixPath((entry.path or entry.name).replace("\\", "/")).parts


def _export_entries(source: Path, stack: ExitStack) -> Iterator[Entry]:
    try:
        yield from entries(source, stack)
    except UnreadableArchive as problem:
        raise GradescopeError(f"{problem}: {_EXPORT_AGAIN}.") from None


def _find_metadata(files: list[Entry], source: Path) -> Entry:
    """The export's metadata: the one nearest the top, so that a file of that name a student uploaded is not it."""
    found = [entry for entry in files if _parts(entry)[-1:] == (METADATA,)]
    if not found:
        raise GradescopeError(
            f'{source} has no {METADATA}, so it is not what Gradescope\'s "Export Submissions" '
            "makes (for a Canvas download, use `collect canvas`)."
        )
    depth = min(len(_parts(entry)) for entry in found)
    top = [entry for entry in found if len(_parts(entry)) == depth]
    if len(top) > 1:
        raise GradescopeError(
            f"{source} holds {len(top)} exports ({', '.join(e.path for e in top[:3])}); "
            "collect each into its own folder."
        )
    return top[0]


def _group(
    files: list[Entry], metadata_entry: Entry, folders: dict[str, tuple[Submitter, ...]]
) -> tuple[list[_Submission], list[Skipped]]:
    """The files of each submission the metadata lists; the rest, and listed submissions with no files, skipped."""
    root = _parts(metadata_entry)[:-1]
    found: dict[str, list[tuple[str, Entry]]] = {}
    skipped: list[Skipped] = []
    strays: dict[str, int] = {}
    for entry in files:
        parts = _parts(entry)
        if entry is metadata_entry:
            continue
        if parts[: len(root)] != root or len(parts) == len(root):
            skipped.append(Skipped(entry.path, entry.problem or "outside the export's folder: not a submission"))
        elif parts[len(root)] in folders:
            found.setdefault(parts[len(root)], []).append(("/".join(parts[len(root) + 1 :]) or entry.name, entry))
        elif entry.problem:
            skipped.append(Skipped(entry.name, entry.problem))
        else:
            strays[parts[len(root)]] = strays.get(parts[len(root)], 0) + 1
    skipped.extend(
        Skipped(name, f"not in {METADATA} ({count} file{'s' * (count > 1)}): not a submission, not collected")
        for name, count in strays.items()
    )
    submissions = [
        _Submission(folder, people, tuple(found[folder]))
        for folder, people in sorted(folders.items())
        if folder in found
    ]
    skipped.extend(
        Skipped(_label(folder, people), f"listed in {METADATA} but the export has no files for it")
        for folder, people in sorted(folders.items())
        if folder not in found
    )
    return submissions, skipped


def _label(folder: str, people: Iterable[Submitter]) -> str:
    names = ", ".join(person.name or person.sid or person.email for person in people)
    return f"{folder} ({names})" if names else folder


# --- one submission --------------------------------------------------------------------------------------------


def _pick(files: tuple[tuple[str, Entry], ...]) -> tuple[str, Entry]:
    """The file holding the submission's notebook: a .ipynb, else the zip the export cell makes.

    Of several, only the one nearest the top of the folder counts, as for Otter on Gradescope, which grades the
    notebook at the top of a submission and refuses one with several there: two at the same depth are skipped
    rather than guessed between, since the wrong guess would grade a scratch notebook without a word."""
    for suffix, kind in ((".ipynb", "notebooks"), (".zip", ".zip files")):
        pool = [(path, entry) for path, entry in files if path.lower().endswith(suffix)]
        if pool:
            depth = min(path.count("/") for path, _ in pool)
            top = [(path, entry) for path, entry in pool if path.count("/") == depth]
            if len(top) > 1:
                raise Unusable(
                    f"{len(top)} {kind} in it ({_names(path for path, _ in top)}), so which one to grade "
                    "is not clear (Otter on Gradescope refuses such a submission too): grade the right "
                    "one by hand"
                )
            return top[0]
    raise Unusable(f"no notebook in it (it holds {_names(path for path, _ in files)}): nothing to grade")


def _names(paths: Iterable[str]) -> str:
    listed = sorted(paths)
    return ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")


def _safe_stem(text: str) -> str:
    """TEXT as a file name's stem: no separators, nothing hidden, nothing a shell reads as an option."""
    return _UNSAFE.sub("_", text)[:_MAX_STEM].lstrip(".-")


def _stem(submission: _Submission) -> tuple[str, str]:
    """The stable id the notebook is named by, and why it is not the SID (or "")."""
    first = submission.submitters[0] if submission.submitters else Submitter("", "", "")
    if _safe_stem(first.sid):
        return _safe_stem(first.sid), ""
    if _safe_stem(first.email):
        return _safe_stem(first.email), "no SID in the metadata, so named by email"
    why = "no SID or email in the metadata" if submission.submitters else f"no submitter in {METADATA}"
    return _safe_stem(submission.folder) or "submission", f"{why}, so named by its submission folder"


def _collect_one(submission: _Submission, budget: Budget, taken: set[str]) -> tuple[Collected, str]:
    source, entry = _pick(submission.files)
    if entry.problem:
        raise Unusable(f"{source}: {entry.problem}")
    text = entry_text(entry, budget)
    stem, note = _stem(submission)
    if f"{stem}.ipynb" in taken:
        # Two submissions with one id (a student in two groups, or ids equal once made safe): both are kept.
        stem = f"{stem}~{_safe_stem(submission.folder)}"
        note = f"{note + '; ' if note else ''}another submission has the same id, so its submission folder is added"
    return Collected(submission.folder, submission.submitters, source, f"{stem}.ipynb", note), text


def _gather(files: list[Entry], source: Path) -> tuple[list[Collected], dict[str, str], list[Skipped]]:
    budget = Budget()
    metadata_entry = _find_metadata(files, source)
    submissions, skipped = _group(files, metadata_entry, _read_metadata(metadata_entry, budget))
    collected: list[Collected] = []
    texts: dict[str, str] = {}
    for submission in submissions:
        try:  # one submission: whatever is wrong with it skips it, not the class
            item, text = _collect_one(submission, budget, set(texts))
        except Unusable as problem:
            skipped.append(Skipped(_label(submission.folder, submission.submitters), str(problem)))
            continue
        collected.append(item)
        texts[item.file] = text
    return collected, texts, skipped


# --- the folder to grade ---------------------------------------------------------------------------------------


def _written_before(into: Path) -> set[str]:
    """The names an earlier collect wrote into INTO, as its manifest says; none when there is none to read."""
    manifest = into / MANIFEST
    if manifest.is_symlink() or not manifest.is_file() or manifest.stat().st_size > _MANIFEST_BYTES:
        return set()
    try:
        return set(manifest.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _check_into(into: Path, source: Path) -> set[str]:
    """What an earlier collect wrote into INTO, which this one may replace; raises if INTO holds anything else."""
    if source.is_dir() and into.resolve().is_relative_to(source.resolve()):
        raise GradescopeError(f"{into} is inside the export {source}; collect into a folder outside it.")
    if not into.exists():
        return set()
    if not into.is_dir():
        raise GradescopeError(f"{into} is a file; give a folder to collect into.")
    written = _written_before(into)
    # Only ever replace what an earlier collect wrote, so no file of the TA's is lost or graded.
    others = sorted(path.name for path in into.iterdir() if path.name != MANIFEST and path.name not in written)
    if others:
        raise GradescopeError(
            f"{into} holds other files ({', '.join(printable(name) for name in others[:3])}); "
            "collect into an empty or new folder, or one an earlier `collect gradescope` wrote."
        )
    return written


def _write_readable(path: Path, text: str) -> None:
    write_atomic(path, text)  # with the mode the umask gives, as every output: co-TAs and report readers open these


def _write(into: Path, previous: set[str], texts: dict[str, str]) -> None:
    # The manifest names old and new files until all are written: a collect stopped midway leaves a folder the
    # next one can still replace.
    _write_readable(into / MANIFEST, "".join(f"{name}\n" for name in sorted(previous | set(texts))))
    for old in into.iterdir():
        if old.name in previous and old.name not in texts and old.name != MANIFEST:
            old.unlink()
    for name, text in texts.items():
        _write_readable(into / name, text)
    _write_readable(into / MANIFEST, "".join(f"{name}\n" for name in sorted(texts)))


def collect_gradescope_submissions(*, source: Path, into: Path) -> GradescopeCollection:
    """Write each submission's notebook from a Gradescope export (zip or folder) to INTO/<student id>.ipynb."""
    if not source.exists():
        raise GradescopeError(f"No Gradescope export at {source}.")
    previous = _check_into(into, source)
    with ExitStack() as stack:
        collected, texts, skipped = _gather(list(_export_entries(source, stack)), source)
    if not collected:
        reasons = printable("; ".join(f"{s.name}: {s.reason}" for s in skipped[:3])) or "it lists no submission"
        raise GradescopeError(f"No student notebook in {source} ({reasons}).")
    _write(into, previous, texts)
    return GradescopeCollection(into, tuple(collected), tuple(sorted(skipped, key=lambda s: s.name)))


# --- what the TA reads -----------------------------------------------------------------------------------------


def _who(person: Submitter) -> str:
    ids = ", ".join(value for value in (person.sid, person.email) if value)
    return f"{person.name} ({ids})" if person.name and ids else person.name or ids or "unnamed"


def render_collection(collection: GradescopeCollection) -> str:
    count = len(collection.collected)
    lines = [
        (
            f"collected {count} notebook{'s' * (count != 1)} into {collection.into}, one per submission, "
            "named by the submitter's SID"
        )
    ]
    renamed = [item for item in collection.collected if item.note]
    if renamed:
        lines.append("not named by SID:")
        lines.extend(
            f"  {item.file} from {_label(item.submission, item.submitters[:1])}: {item.note}" for item in renamed
        )
    groups = [item for item in collection.collected if len(item.submitters) > 1]
    if groups:
        lines.append("group submissions, graded once under the first submitter:")
        lines.extend(f"  {item.file}: {'; '.join(_who(person) for person in item.submitters)}" for item in groups)
    if collection.skipped:
        lines.append("skipped:")
        lines.extend(f"  {skip.name}: {skip.reason}" for skip in collection.skipped)
    return screen(lines)  # names, ids and file names are the students' own


__all__ = [
    "METADATA",
    "Collected",
    "GradescopeCollection",
    "Submitter",
    "collect_gradescope_submissions",
    "render_collection",
]
