"""The run into an output folder: memory that does not grow with the class, a rerun that neither hashes an unchanged
notebook nor opens its record yet sees every change, one run per folder, and rows that count only once on the disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.cli import main
from autograder.errors import OutFolderBusy
from autograder.grading import run as run_module
from autograder.grading.executor import Job, Phase1Outcome
from autograder.grading.run import grade
from autograder.intake.folder import survey
from autograder.model import Status
from autograder.outputs import files, records
from autograder.outputs.folder import read_out
from autograder.outputs.gradebook import GRADEBOOK
from autograder.outputs.out_lock import LOCK
from autograder.outputs.record_index import index_path

from .factories import write_notebook
from .test_grade_per_submission import NOTHING_DEFINED


class Instant:
    """Phase 1 for every job at once, without a process: what it was asked to run is kept (names only)."""

    warning = ""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
        for job in jobs:
            self.ran.append(job.submission)
            yield job, NOTHING_DEFINED


def class_of(folder: Path, count: int) -> Path:
    """COUNT notebooks, hard links of one file: a large class costs the disk one notebook."""
    first = write_notebook(folder / "s000000.ipynb", ["x = 1"])
    for index in range(1, count):
        os.link(first, folder / f"s{index:06d}.ipynb")
    return folder


def settled_at_once(patch: pytest.MonkeyPatch) -> None:
    # Files a test has just written count as settled: the rule that a key is kept only for a file unchanged for
    # a while (a change in the same tick of a coarse clock) is tested on its own below.
    patch.setattr(records, "_SETTLED_NS", 0)


def peak_bytes(folder: Path, out: Path, patch: pytest.MonkeyPatch) -> int:
    """The parent's peak memory grading FOLDER once it is surveyed, beyond what it holds then (the class's names,
    which stay: a few hundred bytes each, the survey's to keep small)."""
    surveyed = []

    def survey_then_measure(*args: Any, **options: Any) -> Any:
        found = survey(*args, **options)
        surveyed.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.reset_peak()
        return found

    patch.setattr(run_module, "survey", survey_then_measure)
    tracemalloc.start()
    try:
        grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
        return tracemalloc.get_traced_memory()[1] - surveyed[0]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_the_parent_s_peak_memory_does_not_grow_with_the_class_beyond_its_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory is what is measured: the disk's flushes (minutes for thousands of rows on a slow disk) are left out.
    monkeypatch.setattr(files, "_sync", lambda temporaries: None)
    monkeypatch.setattr(files, "sync_folder", lambda folder: None)
    peak_bytes(class_of(tmp_path / "warm", 3), tmp_path / "warm-out", monkeypatch)  # lazy imports: not the class's
    small, large = 200, 2000
    peaks = {
        count: peak_bytes(class_of(tmp_path / f"in{count}", count), tmp_path / f"out{count}", monkeypatch)
        for count in (small, large)
    }
    # Before, every row was kept to the end, with its cases and messages (about 12 KB a row of RSS at 10,000 real
    # notebooks). What still grows is a name's place in the sorted names and in those to grade, what pathlib caches
    # on the survey's paths as they are used, and garbage the cycle collector frees in proportion to what is alive
    # (about 1.7 KB a row measured here): bounded per row, and far below a kept row.
    assert (peaks[large] - peaks[small]) / (large - small) < 3000, peaks


def test_a_rerun_of_an_unchanged_folder_hashes_no_notebook_opens_no_record_and_rewrites_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled_at_once(monkeypatch)
    folder, out = class_of(tmp_path / "in", 5), tmp_path / "out"
    first = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    # The lock file is the one the run writes (who holds it), and empties when it ends.
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file() and p.name != LOCK}
    summary_before = (first.tally.rows, dict(first.tally.statuses), first.tally.total_score)

    def refused(*args: Any) -> Any:
        raise AssertionError("read although the index vouches for it")

    monkeypatch.setattr(records, "content_hash", refused)
    monkeypatch.setattr(records, "read_record", refused)
    executor = Instant()
    again = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=executor)
    assert (again.reused, executor.ran) == (5, [])
    assert (again.tally.rows, dict(again.tally.statuses), again.tally.total_score) == summary_before
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file() and p.name != LOCK}
    assert after == before


@pytest.mark.parametrize("mtime", ["kept", "older", "newer"])
@pytest.mark.parametrize("how", ["in-place", "replaced"])
def test_any_change_to_a_notebook_s_bytes_is_graded_again_whatever_its_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mtime: str, how: str
) -> None:
    settled_at_once(monkeypatch)
    folder, out = tmp_path / "in", tmp_path / "out"
    for name in ("a", "b", "c"):
        write_notebook(folder / f"{name}.ipynb", ["x = 1"])
    grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())  # the keys are in the index
    target = folder / "b.ipynb"
    status = target.stat()
    data = target.read_bytes()
    changed = data.replace(b"x = 1", b"x = 2")
    assert changed != data and len(changed) == len(data)
    if how == "in-place":
        with target.open("r+b") as handle:
            handle.write(changed)
    else:
        (folder / "b.new").write_bytes(changed)
        os.replace(folder / "b.new", target)
    times = {
        "kept": status.st_mtime_ns,
        "older": status.st_mtime_ns - 10**12,
        "newer": status.st_mtime_ns + 10**12,
    }
    os.utime(target, ns=(status.st_atime_ns, times[mtime]))
    executor = Instant()
    again = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=executor)
    assert executor.ran == ["b"] and again.reused == 2
    recorded = records.read_record(out, "b")["fingerprint"]["sha256"]
    assert recorded == records.content_hash(target)


def test_a_file_changed_just_now_keeps_no_key_so_it_is_hashed_again(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "a.ipynb", ["x = 1"])
    assert records.source_key(path) is None
    os.utime(path, ns=(0, 0))  # mtime can be set back; ctime cannot, and it is what says "just now"
    assert records.source_key(path) is None


def test_a_record_changed_since_the_index_was_written_is_read_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled_at_once(monkeypatch)
    folder, out = class_of(tmp_path / "in", 3), tmp_path / "out"
    grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    record = records.read_record(out, "s000001")
    record["result"]["message"] = "edited by hand"
    records.record_path(out, "s000001").write_text(json.dumps(record), encoding="utf-8")
    again = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    assert again.reused == 3
    assert "edited by hand" in (out / GRADEBOOK).read_text(encoding="utf-8")
    assert {r.submission: r.message for r in read_out(out).results.values()}["s000001"] == "edited by hand"


def test_a_bad_index_sends_the_run_back_to_the_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settled_at_once(monkeypatch)
    folder, out = class_of(tmp_path / "in", 4), tmp_path / "out"
    first = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    gradebook = (out / GRADEBOOK).read_bytes()
    lines = index_path(out).read_text(encoding="ascii").splitlines(keepends=True)
    for bad in ("not json\n", lines[2] + lines[1], "\udcff"):  # garbage, out of order, not UTF-8
        index_path(out).write_bytes("".join([lines[0], bad, *lines[3:]]).encode("utf-8", "surrogateescape"))
        executor = Instant()
        again = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=executor)
        assert (again.reused, executor.ran) == (first.reused + 4, [])
        assert (out / GRADEBOOK).read_bytes() == gradebook


def test_a_row_counts_as_graded_only_once_its_files_are_on_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, out = class_of(tmp_path / "in", 4), tmp_path / "out"
    events: list[tuple[str, str]] = []
    real_sync, real_replace, real_folder = files._sync, os.replace, files.sync_folder

    def sync(temporaries: Any) -> None:
        events.extend(("synced", os.path.basename(t)) for t in temporaries)
        real_sync(temporaries)

    folder_of: dict[str, str] = {}

    def replace(source: Any, target: Any) -> None:
        events.append(("renamed", os.path.basename(os.fspath(source))))
        folder_of[os.path.basename(os.fspath(source))] = os.path.basename(os.path.dirname(os.fspath(target)))
        real_replace(source, target)

    def folder_synced(path: Path) -> None:
        real_folder(path)
        events.append(("folder", path.name))

    monkeypatch.setattr(files, "_sync", sync)
    monkeypatch.setattr(files.os, "replace", replace)
    monkeypatch.setattr(files, "sync_folder", folder_synced)

    def counted(result: Any) -> None:
        events.append(("counted", result.submission))
        assert records.record_path(out, result.submission).exists()

    grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant(), on_result=counted)

    def first(event: tuple[str, str], after: int = -1) -> int:
        return next(i for i, each in enumerate(events) if each == event and i > after)

    row_files = [name for kind, name in events if kind == "renamed" and name.startswith(".s0")]
    assert len(row_files) == 8, "a record and a results.json per row"
    for index in range(4):
        name = f"s{index:06d}"
        counted_at = first(("counted", name))
        mine = [t for t in row_files if t.startswith(f".{name}.json.")]
        assert len(mine) == 2
        for temporary in mine:
            renamed_at = first(("renamed", temporary))
            assert first(("synced", temporary)) < renamed_at < counted_at
        # Each file's folder synced after its rename and before the row counted; the record (what a rerun reuses
        # the row by) renamed only once its results.json is in place and synced.
        for temporary in mine:
            assert first(("folder", folder_of[temporary]), first(("renamed", temporary))) < counted_at
        (record,) = [t for t in mine if folder_of[t] == "records"]
        (result,) = [t for t in mine if folder_of[t] == "results"]
        assert first(("folder", "results"), first(("renamed", result))) < first(("renamed", record))


def test_a_row_whose_files_cannot_be_written_is_a_crash_row_and_the_run_goes_on(tmp_path: Path) -> None:
    folder, out = class_of(tmp_path / "in", 3), tmp_path / "out"
    out.mkdir()
    (out / "results").write_text("a file where the results folder goes")
    run = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    assert {r.status for r in run.results} == {Status.CRASH}
    assert all("could not be saved" in r.message for r in run.results)
    assert [r.submission for r in read_out(out).results.values()] == [f"s{i:06d}" for i in range(3)]


HOLDER = """
import sys, time
from pathlib import Path
from autograder.outputs.out_lock import holding
with holding(Path(sys.argv[1]), "cnngrade grade hw1 elsewhere"):
    print("held", flush=True)
    time.sleep(120)
"""


def hold(out: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_run_into_a_folder_is_refused_naming_the_holder_until_it_dies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = class_of(tmp_path / "in", 2), tmp_path / "out"
    holder = hold(out)
    try:
        with pytest.raises(OutFolderBusy, match=rf"process {holder.pid} \(`cnngrade grade hw1 elsewhere`, started "):
            grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
        assert main(["grade", "hw1", str(folder), "--out", str(out), "--unsandboxed", "--quiet"]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith("cnngrade: ") and str(holder.pid) in line
        assert not (out / GRADEBOOK).exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    # The kernel let go of a dead process's lock: its file is left, and is no lock.
    assert (out / LOCK).exists()
    run = grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant())
    assert len(run.results) == 2 and (out / LOCK).read_text() == ""


def test_the_lock_is_let_go_when_a_run_fails(tmp_path: Path) -> None:
    folder, out = class_of(tmp_path / "in", 2), tmp_path / "out"

    class Failing(Instant):
        def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Phase1Outcome]]:
            raise RuntimeError("the executor broke")
            yield  # pragma: no cover

    with pytest.raises(RuntimeError):
        grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Failing())
    # A lock still held would refuse this run (OutFolderBusy).
    assert len(grade(assignment="hw1", submissions=folder, out=out, seed=3, executor=Instant()).results) == 2


@pytest.mark.parametrize("failing", [0, 1, 7])
def test_a_callback_that_raises_loses_no_file_and_is_raised_at_close(tmp_path: Path, failing: int) -> None:
    # The callback is the caller's code (the progress bar, an API user's on_result) run in the commit's thread:
    # whatever it raises, every file submitted is still committed, no submit waits forever on a full queue, and
    # the error reaches the caller's thread at close.
    import threading

    told: list[int] = []

    def on_done(token: object, error: BaseException | None) -> None:
        told.append(int(str(token)))
        if token == failing:
            raise OSError(5, "the terminal is gone")

    outcome: list[BaseException | None] = []

    def use() -> None:
        commit = files.GroupCommit(on_done, pending=2)
        for index in range(20):
            commit.submit([(tmp_path / f"{index}.json", f"row {index}".encode())], index)
        try:
            commit.close()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    user = threading.Thread(target=use, daemon=True)
    user.start()
    user.join(timeout=60)
    assert not user.is_alive(), "submit or close waited forever"
    assert isinstance(outcome[0], OSError) and outcome[0].errno == 5
    assert sorted(told) == list(range(20))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"{index}.json" for index in range(20))
    assert all((tmp_path / f"{index}.json").read_text() == f"row {index}" for index in range(20))


class _Killed(BaseException):
    """The process ending at this instant (a kill, a power cut), as far as the commit's thread can tell."""


@pytest.mark.parametrize("items", [1, 3])
def test_an_item_s_last_file_is_never_new_beside_its_others_old_wherever_the_process_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, items: int
) -> None:
    # A row's record is its last file: a rerun reuses the row by it. Stopped before any rename, sync or folder
    # sync of a batch, the disk must never hold an item's last file new while one of its others is old or missing.
    def paths(folder: Path, item: int) -> list[Path]:
        return [
            folder / "results" / f"{item}.json",
            folder / "notes" / f"{item}.txt",
            folder / "records" / f"{item}.json",
        ]

    def run(folder: Path, stop_at: int | None) -> int:
        steps = 0

        def step(real: Callable[..., Any]) -> Callable[..., Any]:
            def counted(*args: Any) -> Any:
                nonlocal steps
                if steps == stop_at:
                    raise _Killed
                steps += 1
                return real(*args)

            return counted

        with monkeypatch.context() as patch:
            patch.setattr(files.os, "replace", step(os.replace))
            patch.setattr(files, "sync_folder", step(files.sync_folder))
            for item in range(items):
                for path in paths(folder, item):
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text("old")
            commit = files.GroupCommit(lambda token, error: None)
            commit._queue.put(None)  # stop the thread: the batch is committed below, in this thread, all at once
            commit._thread.join()
            for item in range(items):
                commit.submit([(path, b"new") for path in paths(folder, item)], item)
            batch = []
            while not commit._queue.empty():
                queued = commit._queue.get_nowait()
                if queued is not None:
                    batch.append(queued)
            try:
                commit._commit(batch)
            except _Killed:
                pass
        return steps

    every_step = run(tmp_path / "whole", None)
    assert every_step > 0
    for stop_at in range(every_step + 1):
        folder = tmp_path / f"stopped_at_{stop_at}"
        run(folder, stop_at)
        for item in range(items):
            *others, last = (path.read_text() for path in paths(folder, item))
            if last == "new":
                assert others == ["new"] * len(others), f"stopped at step {stop_at}: {others}"
