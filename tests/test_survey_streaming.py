"""The survey keeps a class packed (no `Path`, no `str` per file) and names every file as the plain all-in-memory
algorithm does, whatever order the walk meets the files in and however the rows are split into sorted runs."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import tracemalloc
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.intake import folder as folder_module
from autograder.intake import submissions as submissions_module
from autograder.intake.folder import survey
from autograder.intake.submissions import Submissions, pack, pack_mapping
from autograder.outputs.inert import printable

# Pieces of file names chosen to clash: by case, by Unicode normalisation, with a literal `~2`, made printable, cut.
STEMS = ["a", "A", "a~2", "A~2", "é", unicodedata.normalize("NFD", "é"), "É", "x\x01y", "x\\x01y", "ß", "SS", "l" * 120]
SUFFIXES = [".ipynb", ".IPYNB", ".zip", ".Zip"]
FOLDERS = ["", "s", "S", "s/t", "l" * 90]


def reference_names(relatives: list[PurePosixPath]) -> dict[str, PurePosixPath]:
    """The naming rule written plainly, every path a PurePosixPath and every name in one set (the survey as it was)."""

    def shown(text: str) -> str:
        return printable(text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))

    def folded(name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    def fitted(name: str, relative: PurePosixPath) -> str:
        if len(name.encode("utf-8")) <= 200:
            return name
        digest = hashlib.sha256(str(relative).encode("utf-8", "surrogateescape")).hexdigest()[:10]
        return f"{name.encode('utf-8')[: 200 - len(digest) - 1].decode('utf-8', 'ignore')}~{digest}"

    parts = [(*relative.parent.parts, relative.stem) for relative in relatives]
    bases = [fitted("--".join(shown(part) for part in each), relative) for each, relative in zip(parts, relatives)]
    order = sorted(
        range(len(relatives)),
        key=lambda i: (
            relatives[i].parent != PurePosixPath(),
            relatives[i].suffix.lower() != ".ipynb",
            bases[i] != "--".join(parts[i]),
            relatives[i],
        ),
    )
    sharing: dict[str, list[int]] = {}
    for i in order:
        sharing.setdefault(folded(bases[i]), []).append(i)
    names: dict[int, str] = {}
    for members in sharing.values():
        notebooks = [i for i in members if relatives[i].suffix.lower() == ".ipynb"]
        # A name shared is kept only by a lone notebook beside its exports (same folder, same stem): never by
        # whoever sorts first.
        beside = len(notebooks) == 1 and len({relatives[i].with_suffix("") for i in members}) == 1
        keeper = members if len(members) == 1 else notebooks if beside else []
        for i in keeper:
            names[i] = bases[i]
    reserved = {folded(base) for base in bases}
    for i in order:
        if i not in names:
            copy = 2
            while folded(f"{bases[i]}~{copy}") in reserved:
                copy += 1
            names[i] = f"{bases[i]}~{copy}"
            reserved.add(folded(names[i]))
    return {names[i]: relatives[i] for i in range(len(relatives))}


def surveyed(folder: Path) -> dict[str, PurePosixPath]:
    found = survey(folder).submissions
    return {name: PurePosixPath(path.relative_to(folder).as_posix()) for name, path in found.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(
        st.tuples(st.sampled_from(FOLDERS), st.sampled_from(STEMS), st.sampled_from(SUFFIXES)), min_size=1, max_size=14
    ),
    run=st.sampled_from([1, 2, 3, 4096]),
    order=st.randoms(use_true_random=False),
)
def test_every_file_is_named_as_the_plain_algorithm_names_it_in_any_walk_order_and_runs(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    files: list[tuple[str, str, str]],
    run: int,
    order: random.Random,
) -> None:
    folder = tmp_path_factory.mktemp("class")
    relatives = sorted({PurePosixPath(where, stem + suffix) for where, stem, suffix in files})
    for relative in relatives:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(b"not a notebook: a zip beside one is its own row")
    real_scandir = os.scandir

    class Shuffled:
        """The walk must not depend on the order the system lists a folder in."""

        def __init__(self, path: str) -> None:
            with real_scandir(path) as listing:
                self.entries = list(listing)
            order.shuffle(self.entries)

        def __enter__(self) -> list[os.DirEntry[str]]:
            return self.entries

        def __exit__(self, *exc: object) -> None:
            pass

    with monkeypatch.context() as patch:
        patch.setattr(folder_module, "_RUN", run)
        patch.setattr(submissions_module, "_RUN", run)
        patch.setattr(folder_module.os, "scandir", Shuffled)
        got = surveyed(folder)
    assert got == reference_names(relatives)
    assert list(got) == sorted(got), "rows come in name order, the gradebook's"


@settings(max_examples=80, deadline=None)
@given(
    rows=st.dictionaries(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
        st.lists(st.binary(min_size=1, max_size=6).filter(lambda b: b"\0" not in b and b"/" not in b), max_size=3),
        max_size=40,
    ),
    run=st.sampled_from([1, 2, 5, 4096]),
)
def test_a_packed_class_maps_each_name_to_its_file_byte_for_byte_in_name_order(
    rows: dict[str, list[bytes]], run: int
) -> None:
    def relative(name: str, folders: list[bytes]) -> str:
        # A top-level `<name>.ipynb` is stored as nothing: every other path as it is, undecodable bytes included.
        if not folders:
            return f"{name}.ipynb"
        return os.fsdecode(b"/".join(folders)) + "/" + os.fsdecode(os.fsencode(name)) + ".ZIP"

    expected = {name: relative(name, folders) for name, folders in rows.items()}
    shuffled = list(expected.items())
    random.Random(len(shuffled)).shuffle(shuffled)
    submissions_module_run = submissions_module._RUN
    submissions_module._RUN = run
    try:
        packed = pack("/class", shuffled)
    finally:
        submissions_module._RUN = submissions_module_run
    assert list(packed) == sorted(expected) and list(packed.names) == sorted(expected)
    for place, name in enumerate(packed.names):
        assert packed.index(name) == place
        assert os.fsencode(packed.file(place)) == os.fsencode("/class/" + expected[name])
        assert packed[name] == Path("/class/" + expected[name])
    for absent in ("", "\ud800", *(name + "\0" for name in expected), *(name[:-1] for name in expected)):
        if absent not in expected:
            assert absent not in packed and packed.index(absent) is None
            with pytest.raises(KeyError):
                packed[absent]


def test_a_class_given_by_hand_keeps_its_paths_wherever_they_are(tmp_path: Path) -> None:
    given_by_hand = {"b": tmp_path / "x" / "b.ipynb", "a": Path("relative.zip"), "c": Path("/c.ipynb")}
    packed = pack_mapping(given_by_hand)
    assert isinstance(packed, Submissions) and dict(packed) == given_by_hand and list(packed) == ["a", "b", "c"]
    assert pack_mapping(packed) is packed


def kept_and_peak(folder: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        found = survey(folder)
        kept, peak = tracemalloc.get_traced_memory()
        del found
        return kept, peak
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_what_a_survey_keeps_and_its_peak_grow_by_tens_of_bytes_a_file(tmp_path: Path) -> None:
    def class_of(count: int) -> Path:
        where = tmp_path / f"c{count}"
        where.mkdir()
        first = where / "000000_some_student_s_long_submission_name.ipynb"
        first.write_bytes(b"{}")
        for index in range(1, count):
            os.link(first, where / f"{index:06d}_some_student_s_long_submission_name.ipynb")
        return where

    kept_and_peak(class_of(3))  # lazy imports: not the class's
    small, large = 1000, 15000
    (kept_small, peak_small), (kept_large, peak_large) = kept_and_peak(class_of(small)), kept_and_peak(class_of(large))
    # A row name here is 46 bytes long: packed, a file costs about that and its place. Before, every file kept two
    # Path objects and a dict entry (about 470 bytes) and the walk peaked at about 1,270 bytes a file.
    assert (kept_large - kept_small) / (large - small) < 100, (kept_small, kept_large)
    assert (peak_large - peak_small) / (large - small) < 300, (peak_small, peak_large)


def test_a_folder_the_system_stops_listing_half_way_counts_as_one_that_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The walk streams each listing: what it met before the error must not stay as rows or skipped files.
    for where in (
        "top.ipynb",
        "broken/a.ipynb",
        "broken/b.zip",
        "broken/notes.txt",
        "broken/.hidden",
        "broken/c/d.ipynb",
    ):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_bytes(b"{}")
    real_scandir = os.scandir

    class HalfListed:
        def __init__(self, path: str) -> None:
            self.listing = real_scandir(path)
            self.broken = os.path.basename(path) == "broken"

        def __enter__(self) -> HalfListed:
            return self

        def __exit__(self, *exc: object) -> None:
            self.listing.close()

        def __iter__(self) -> Iterator[os.DirEntry[str]]:
            entries = sorted(self.listing, key=lambda entry: entry.name)
            yield from entries[: len(entries) - 1 if self.broken else len(entries)]
            if self.broken:
                raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(folder_module.os, "scandir", HalfListed)
    found = survey(tmp_path)
    assert list(found.submissions) == ["top"]
    assert {item.name: item.reason for item in found.skipped} == {
        "broken": "a folder that cannot be opened (input/output error)"
    }


def test_naming_a_class_whose_every_tilde_name_is_taken_folds_each_name_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `a.ipynb` and `A.ipynb` clash, and `a~2` ... `a~N` are all taken: the second `a` asks about every
    # `~N` in turn. Counting the work (not timing it): each question must not look at every file again.
    count = 400
    for copy in range(2, count + 2):
        (tmp_path / f"a~{copy}.ipynb").touch()
    for stem in ("a", "A"):
        (tmp_path / f"{stem}.ipynb").touch()
    folds = 0
    real = folder_module._folded

    def counted(name: str) -> str:
        nonlocal folds
        folds += 1
        return real(name)

    monkeypatch.setattr(folder_module, "_folded", counted)
    names = surveyed(tmp_path)
    files = count + 2
    assert names == reference_names([PurePosixPath(path.name) for path in tmp_path.iterdir()])
    assert names[f"A~{count + 2}"] == PurePosixPath("A.ipynb")
    assert names[f"a~{count + 3}"] == PurePosixPath("a.ipynb")
    assert folds < 10 * files
