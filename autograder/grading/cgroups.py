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
