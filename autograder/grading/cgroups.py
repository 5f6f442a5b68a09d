"""A memory cgroup per fork server: all a submission holds, across processes and files, under one cap.

Rlimits bound each process, not a submission: thirty processes each at the address-space cap, or
memory held in tmpfs or memfd files, are not counted together. A memory cgroup counts them all.
Each fork server serves one submission at a time, so where the grader may (as root, on a cgroup
v1 memory controller, as this project's machines have) it starts each server's sandbox inside a
cgroup of its own (autograder/grading/unprivileged.py enters it before bubblewrap starts): every
submission is then born inside it, with no cgroup migration per submission (each costs an RCU
grace period, milliseconds). Elsewhere there is no cgroup and the rlimits stand alone.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

# What the fork server itself holds (the preloaded modules), on top of what a submission may use.
SERVER_BYTES = 256 * 1024 * 1024


def _own_cgroup() -> str | None:
    """This process's path in the v1 memory hierarchy."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return path
    return None


def _memory_mount() -> Path | None:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        separator = fields.index("-")
        if fields[separator + 1] == "cgroup" and "memory" in fields[separator + 3].split(","):
            return Path(fields[4])
    return None


def memory_cgroup(submission_bytes: int) -> Path | None:
    """A fresh memory cgroup for one fork server and the submission it runs; None where the grader cannot make one."""
    if os.geteuid() != 0:
        return None
    mount, own = _memory_mount(), _own_cgroup()
    if mount is None or own is None:
        return None
    parent = mount / own.lstrip("/")
    _remove_stale(parent)
    folder = parent / f"cnngrade-{os.getpid()}-{secrets.token_hex(4)}"
    limit = str(submission_bytes + SERVER_BYTES)
    try:
        folder.mkdir()
        (folder / "memory.limit_in_bytes").write_text(limit)
    except OSError:
        release(folder, patience=0)
        return None
    try:
        (folder / "memory.memsw.limit_in_bytes").write_text(limit)
    except OSError:
        pass  # exists only with swap accounting
    return folder


# What may stay charged to a server's cgroup between two submissions: the server's own pages. More
# (memory a submission left to the kernel to free later, such as SysV shared memory freed with its
# IPC namespace) must be gone before the server is lent again.
IDLE_BYTES = 192 * 1024 * 1024


def _stat(folder: Path, *names: str) -> int:
    values = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines())
    return sum(int(values.get(name, 0)) for name in names)


def held_bytes(folder: Path) -> int:
    """Memory charged to the cgroup that reclaim cannot take back: process memory and shared memory."""
    return _stat(folder, "rss", "shmem")


def oom_kills(folder: Path | None) -> int:
    """How many processes the kernel has killed in this cgroup for want of memory."""
    if folder is None:
        return 0
    try:
        fields = dict(line.split() for line in (folder / "memory.oom_control").read_text().splitlines())
        return int(fields.get("oom_kill", 0))
    except (OSError, ValueError):
        return 0


def settles(folder: Path | None, patience: float = 1.0) -> bool:
    """True once the cgroup holds no more than a server between submissions; False after `patience` s."""
    if folder is None:
        return True
    deadline = time.monotonic() + patience
    while True:
        try:
            if held_bytes(folder) <= IDLE_BYTES:
                return True
        except (OSError, ValueError):
            return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _remove_stale(parent: Path) -> None:
    """Cgroups a grader killed outright (kill -9) could not remove: gone once their grader is."""
    for stale in parent.glob("cnngrade-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            release(stale, patience=0)


def release(folder: Path | None, patience: float = 5.0) -> None:
    """Remove the cgroup once its last process is gone: the kernel may need a moment after that."""
    if folder is None:
        return
    deadline = time.monotonic() + patience
    while True:
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
