"""One submission in a Gradescope container, graded as `cnngrade grade` grades it; results.json last.

Gradescope runs run_autograder as root, with the upload in /autograder/submission. Here:
1. /autograder becomes root's alone: the notebook never needs it (its cells come over its channel),
   so no student process can read the reference there, nor write run_autograder or the results.
2. The sandbox is probed from the inside (sandbox.detect_confined): bubblewrap where the container
   allows user namespaces, otherwise the unprivileged user setup.sh made; nothing is run if
   neither keeps the reference out of reach. Which one it was goes into results.json. The probe
   runs while the grader imports, and the fork server starts meanwhile in the sandbox expected
   (early.py): it runs the notebook only if the probe found that very sandbox sound.
3. Phase 1 runs the notebook there; phase 2 checks what it recorded here, in a process that never
   ran student code.
4. Every process of the student's uid is killed, and only then is results.json written, by a
   rename in a folder only root may write: nothing the notebook started is left to change it.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from autograder.grading import early
from autograder.grading.sandbox import NoConfinement, Sandbox, SandboxKind, detect_confined, scratch_parent

if TYPE_CHECKING:
    from concurrent.futures import Future

# Whatever the fork server's start does not need (the course, the grader, numpy, the intake, even the
# thread pool and `secrets`) is imported once it is starting (early.py): it imports its own meanwhile.

AUTOGRADER = Path("/autograder")
CONFIG = "cnngrade.json"
STUDENT_USER = "cnngrade-student"
# Where setup.sh's user does not exist (`cnngrade try-zip` on a course machine): a uid no account
# holds and no process runs as, drawn per run, so that killing every process of it touches nobody
# else's, not even another run's beside it.
FALLBACK_UIDS = range(60000, 65000)
# A notebook's time limit other than the zip's (`cnngrade try-zip --timeout`).
TIMEOUT_VARIABLE = "CNNGRADE_TIMEOUT"
# Of the container's memory, what one notebook may hold; the rest is the grader's and the system's.
MEMORY_SHARE = 0.6
# Far more than any results.json holds: every message is capped at 2,000 characters.
RESULTS_ROOM = 4 * 1024 * 1024


def student_uid() -> int:
    try:
        return pwd.getpwnam(STUDENT_USER).pw_uid
    except KeyError:
        pass
    import secrets

    while True:
        uid = secrets.choice(FALLBACK_UIDS)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            if not processes_of(uid):
                return uid


def lock_down(root: Path) -> Path:
    """Only root may enter /autograder; results/ exists, root's, writable by root alone. Returns it."""
    results = root / "results"
    results.mkdir(exist_ok=True)
    for folder in (root, root / "source", root / "submission"):
        if folder.is_dir():
            os.chown(folder, 0, 0)
            folder.chmod(0o700)
    os.chown(results, 0, 0)
    results.chmod(0o755)
    return results


def container_memory() -> int | None:
    """The memory this container may use: its cgroup's limit, else the machine's."""
    limits = []
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text))
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    return min(limits) if limits else None


def find_upload(folder: Path, assignment: str) -> tuple[Path | None, str]:
    """The notebook (or the export cell's zip) a student uploaded; else None and why, for the student.

    What macOS, Windows and Jupyter add beside a file (`._hw1.ipynb`, checkpoints) is never it, nor
    anything but a regular file: root reads the one chosen."""
    from autograder.intake.uploads import is_junk

    found: list[Path] = []
    for directory, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not is_junk(PurePosixPath(f)))
        for name in sorted(files):
            path = Path(directory) / name
            if (
                path.suffix.lower() in (".ipynb", ".zip")
                and not is_junk(PurePosixPath(name))
                and stat.S_ISREG(path.lstat().st_mode)
            ):
                found.append(path)
    for suffix in (".ipynb", ".zip"):
        candidates = [path for path in found if path.suffix.lower() == suffix]
        if len(candidates) > 1:
            # Several notebooks: the one named after the assignment is the homework; otherwise we cannot tell.
            named = [path for path in candidates if path.stem.lower() == assignment.lower()]
            if len(named) == 1:
                return named[0], ""
            listed = ", ".join(str(path.relative_to(folder)) for path in candidates[:10])
            return None, (
                f"the upload holds {len(candidates)} {suffix} files ({listed}) and none is named "
                f"{assignment}{suffix}. Upload only your {assignment} notebook."
            )
        if candidates:
            return candidates[0], ""
    others = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())[:10]
    return None, (
        "no notebook (.ipynb), nor the zip the notebook's last cell makes, was uploaded"
        + (f" (the upload holds: {', '.join(others)})." if others else ".")
        + f" Upload {assignment}.ipynb."
    )


def kill_every_process_of(uid: int, patience: float = 10.0) -> bool:
    """SIGKILL, from root, to every process of `uid` until two scans in a row find none; False if some
    are still there after `patience` seconds.

    Root signals each one itself, through a pidfd (so no pid reused meanwhile is hit): a helper that
    took the student's uid to kill(-1) could itself be stopped by a student's process, and wait
    forever. Those it kills cannot fork again, so each scan finds fewer."""
    deadline = time.monotonic() + patience
    empty_scans = 0
    while empty_scans < 2:
        alive = processes_of(uid)
        empty_scans = 0 if alive else empty_scans + 1
        for pid in alive:
            _kill(pid, uid)
        if alive and time.monotonic() > deadline:
            return False
    return True


def _kill(pid: int, uid: int) -> None:
    try:
        descriptor = os.pidfd_open(pid)
    except OSError:
        return  # gone already
    try:
        if _owned_by(pid, uid):  # still that process, now that the pidfd pins it
            signal.pidfd_send_signal(descriptor, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _owned_by(pid: int, uid: int) -> bool:
    """Any of the process's uids (real, effective, saved, filesystem) is `uid`.

    Read from /proc/PID/status, not from the owner of /proc/PID: a process that made itself not
    dumpable has its /proc files owned by root."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return str(uid) in line.split()[1:]
    except OSError:
        pass
    return False


def processes_of(uid: int) -> list[int]:
    """The live processes of `uid`. A zombie has ended (it waits for its parent to notice), unless it
    leads a thread group whose other threads still run: then the process lives on."""
    return [
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit() and _owned_by(int(entry), uid) and _any_task_alive(entry)
    ]


def _any_task_alive(pid: str) -> bool:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            state = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


class ResultsFile:
    """results.json, its room taken before any student code runs, written whole or not at all.

    The notebook may fill the container's disk (many files, each under its size limit): the file
    the results go into already holds its blocks, so writing them needs no more. Renamed over
    whatever is at results.json at the end, in a folder only root may write."""

    def __init__(self, results: Path):
        self.target = results / "results.json"
        descriptor, name = tempfile.mkstemp(dir=results, prefix=".results-", suffix=".json")
        self._descriptor, self._path = descriptor, Path(name)
        try:
            os.posix_fallocate(descriptor, 0, RESULTS_ROOM)
        except OSError:
            pass  # a file system without fallocate: the write below still works while there is room

    def write(self, payload: dict[str, Any]) -> Path:
        data = (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode()
        os.pwrite(self._descriptor, data, 0)
        os.ftruncate(self._descriptor, len(data))
        os.fsync(self._descriptor)
        os.fchmod(self._descriptor, 0o644)
        os.close(self._descriptor)
        os.replace(self._path, self.target)
        return self.target


# Where a process of the student's uid can leave files without a sandbox's private mounts.
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")


def _start_afresh(uid: int) -> None:
    """Before grading again (the grader lost its fork server): nothing of the first try is left, not
    a process (which could have killed the server on purpose), nor a file or a folder it could have
    rigged or left notes in, nor the scratch folder."""
    kill_every_process_of(uid)
    for folder in SHARED_FOLDERS:
        remove_files_of(uid, Path(folder))
    scratch_parent.cache_clear()


def remove_files_of(uid: int, folder: Path) -> None:
    """Every entry of `folder` that `uid` owns, and all below it; links removed, never followed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_uid != uid:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)  # descriptor-based: what it meets inside is not followed either
            else:
                os.unlink(entry.path)
        except OSError:
            continue


def _not_run(message: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"score": 0.0, "output": message, "visibility": "visible", "tests": [], "extra_data": extra}


def memory_cap(config: dict[str, Any]) -> int:
    """What the notebook may hold: the zip's cap, or its share of this container's memory if that is less."""
    memory = int(config["memory_bytes"])
    available = container_memory()
    return min(memory, int(available * MEMORY_SHARE)) if available else memory


def grade_upload(root: Path, config: dict[str, Any], uid: int) -> tuple[dict[str, Any], bool]:
    """results.json's content for the upload in root/submission; whether it was graded."""
    # First: the fork server, in the sandbox the probe is expected to confirm, and the probe, in a
    # thread of its own (it waits on its processes): both run while the grader imports. The server
    # runs no notebook unless the probe does confirm it (the executor is given the probe's answer).
    preload = early.preload_of(str(config["assignment"]))
    if preload is not None:
        early.start(early.expected_sandbox(uid), preload, memory_cap(config))
    from concurrent.futures import ThreadPoolExecutor

    probing = ThreadPoolExecutor(1, thread_name_prefix="cnngrade-probe")
    confinement = probing.submit(detect_confined, uid)
    probing.shutdown(wait=False)
    try:
        return _grade_upload(root, config, uid, confinement)
    finally:
        early.close_unused()


def _grade_upload(
    root: Path, config: dict[str, Any], uid: int, confinement: Future[Sandbox]
) -> tuple[dict[str, Any], bool]:
    import secrets

    from autograder.course import SEED_VARIABLE
    from autograder.course import assignment as find_assignment
    from autograder.grading.executor import LocalExecutor
    from autograder.grading.phase2 import invalid_result
    from autograder.grading.run import grade_notebook
    from autograder.grading.version import grader_version
    from autograder.outputs.inert import printable
    from autograder.outputs.results_json import gradescope_dict

    homework = find_assignment(str(config["assignment"]))
    seed = int(os.environ.get(SEED_VARIABLE) or secrets.randbits(32))
    extra: dict[str, Any] = {"assignment": homework.name, "seed": seed, "grader_version": grader_version()}
    try:
        sandbox = confinement.result()
    except NoConfinement as problem:
        extra["sandbox"] = {"kind": SandboxKind.NONE.value, "problem": str(problem)}
        return _not_run(
            "Your notebook was not run: the autograder could not start a sandbox for it here. "
            "This is a fault of the autograder's set-up, not of your notebook; please tell the "
            "course staff.",
            extra,
        ), False
    path, unusable = find_upload(root / "submission", homework.name)
    if path is None:
        result = invalid_result("submission", homework, seed, homework.cases(seed), unusable)
    else:
        memory = memory_cap(config)
        name = printable(path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
        result = grade_notebook(
            homework=homework,
            name=name,
            path=path,
            seed=seed,
            executor=LocalExecutor(1, sandbox),
            timeout=float(os.environ.get(TIMEOUT_VARIABLE) or config["timeout"]),
            memory_bytes=memory,
            before_retry=lambda: _start_afresh(uid),
        )
    # stdout (our one line) is for the course staff; hidden cases keep the total from students until published.
    payload = {**gradescope_dict(result), "stdout_visibility": "hidden"}
    payload["extra_data"].update(extra, sandbox=sandbox.describe())
    return payload, True


def main(root: Path = AUTOGRADER) -> int:
    started = time.monotonic()
    if os.geteuid() != 0:
        print("cnngrade: the autograder runs as root, as Gradescope runs it (try `cnngrade try-zip`)", file=sys.stderr)
        return 2
    results = ResultsFile(lock_down(root))
    uid = student_uid()
    try:
        config = json.loads((root / "source" / CONFIG).read_text())
        payload, graded = grade_upload(root, config, uid)
    except Exception:
        traceback.print_exc()
        payload, graded = (
            _not_run(
                "The autograder failed while grading this submission; please tell the course staff.",
                {"error": traceback.format_exc(limit=3)[-2000:]},
            ),
            False,
        )
    # Nothing the notebook started may outlive it and write, or wait to write, the results.
    if not kill_every_process_of(uid):
        payload, graded = (
            _not_run(
                "A process your notebook started could not be stopped, so this submission "
                "was not graded; please tell the course staff.",
                payload.get("extra_data", {}),
            ),
            False,
        )
    payload["execution_time"] = round(time.monotonic() - started, 3)
    results.write(payload)
    print(
        f"cnngrade: {payload['score']:g} points"
        f" ({payload.get('extra_data', {}).get('sandbox', {}).get('kind', 'no')} sandbox)"
    )
    return 0 if graded else 1


if __name__ == "__main__":
    sys.exit(main())
