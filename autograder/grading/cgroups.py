"""Cgroups for the sandbox: one folder per controller that the sandbox's uid may make child cgroups in.

Rlimits bound each process, not a submission: thirty processes each at the address-space cap,
memory held in tmpfs or memfd files, or many runnable threads are not counted together. A
cgroup per submission is, so where the grader may (as root, on cgroup v1 controllers, as this
machine and CI have) it hands the sandbox one folder per controller, owned by the sandbox's uid.
Each watcher makes its submission's cgroup there with the limits set (autograder/sandboxed/
isolation.py); this module only makes and removes the folders. Elsewhere there is no delegation
and the rlimits stand alone.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

# What a submission's cgroup bounds: all its memory (tmpfs and memfd included), its processes and
# threads, and its share of the CPU (one share each, however many processes it starts).
CONTROLLERS = ("memory", "pids", "cpu")
# The files the sandbox's uid must be able to write in the delegated folder itself.
OWNED_FILES = ("cgroup.procs", "tasks")


def _own_cgroup(controller: str) -> str | None:
    """This process's cgroup path in the v1 hierarchy of `controller`."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _mount_of(controller: str) -> Path | None:
    """Where the v1 hierarchy holding `controller` is mounted."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        separator = fields.index("-")
        kind, options = fields[separator + 1], fields[separator + 3]
        if kind == "cgroup" and controller in options.split(","):
            return Path(fields[4])
    return None


def delegate(uid: int, gid: int) -> dict[str, Path]:
    """A fresh folder per controller, owned by uid; {} where the grader cannot make them."""
    if os.geteuid() != 0:
        return {}
    made: dict[str, Path] = {}
    name = f"cnngrade-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        for controller in CONTROLLERS:
            mount, path = _mount_of(controller), _own_cgroup(controller)
            if mount is None or path is None:
                raise OSError(f"no cgroup v1 hierarchy for {controller}")
            parent = mount / path.lstrip("/")
            _remove_stale(parent)
            folder = parent / name
            folder.mkdir()
            made[controller] = folder
            for item in (folder, *(folder / file for file in OWNED_FILES)):
                os.chown(item, uid, gid)
    except OSError:
        release(made)
        return {}
    return made


def _remove_stale(parent: Path) -> None:
    """Folders a grader killed outright (kill -9) could not remove: gone once their grader is."""
    for stale in parent.glob("cnngrade-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            release({"stale": stale}, patience=0)


def release(folders: dict[str, Path], patience: float = 5.0) -> None:
    """Remove the delegated folders, and any child cgroup a watcher could not remove itself.

    A submission killed as the run ends may take a moment to leave its cgroup: busy folders are
    tried again for up to `patience` seconds."""
    deadline = time.monotonic() + patience
    left = [child for folder in folders.values() if folder.is_dir() for child in folder.iterdir() if child.is_dir()]
    left += list(folders.values())
    while left:
        busy = []
        for folder in left:
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                busy.append(folder)
        if not busy or time.monotonic() > deadline:
            return
        left = busy
        time.sleep(0.05)
