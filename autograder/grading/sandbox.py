"""The sandbox around phase 1: bubblewrap, when the machine has it.

The fork server (and so every submission) runs in its own user, PID, network, IPC and mount
namespaces as an unprivileged uid, with a read-only view of the system libraries, the Python
installation and the runner's part of this package, and nothing else: no solutions/, no hidden
checks, no repository, no submissions folder, no output folder, no network. Without bubblewrap,
grading still works with resource limits only, and the run says so loudly.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import autograder

SANDBOX_UID = 65534  # nobody
# Each child mounts its own tmpfs here; everything else in the sandbox is read-only.
SANDBOX_SCRATCH = "/scratch"
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/libx32")
# Only what the dynamic loader, numpy and Python's start-up read; /etc as a whole may hold secrets.
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf")


@dataclass(frozen=True)
class Sandbox:
    """How phase 1 is isolated in this run; `command` wraps the fork server's command line."""

    kind: str  # "bubblewrap" or "none"
    warning: str = ""

    @property
    def isolated(self) -> bool:
        return self.kind == "bubblewrap"

    def forkserver_command(self, control_fd: int, preload: Sequence[str] = (), cgroup: Path | None = None) -> list[str]:
        """The fork server's command line; `cgroup`: a memory cgroup for the whole sandbox (root only)."""
        server = [sys.executable, "-m", "autograder.sandboxed.forkserver", "--control", str(control_fd),
                  "--preload", *preload]
        return sandboxed(server + ["--scratch", SANDBOX_SCRATCH], cgroup) if self.isolated else server


def _secret_dirs() -> list[Path]:
    """Package folders the student must never see, wherever they are installed."""
    found = [Path(autograder.__file__).parent / "hidden"]
    try:
        import solutions

        found.append(Path(solutions.__file__).parent)
    except ImportError:
        pass
    return found


def _prefixes() -> set[Path]:
    return {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix)}


def _visible_dirs() -> list[Path]:
    return sorted(_prefixes() | {Path(autograder.__file__).parent})


def bwrap_arguments() -> list[str]:
    arguments = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                 "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
                 "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                 "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
                 "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
                 "--setenv", "TMPDIR", SANDBOX_SCRATCH, "--dir", SANDBOX_SCRATCH, "--chdir", SANDBOX_SCRATCH]
    package_parent = Path(autograder.__file__).parent.parent
    if not any(prefix == package_parent or prefix in package_parent.parents for prefix in _prefixes()):
        # A source checkout (editable install, or a copy on PYTHONPATH): the sandbox imports the very
        # package the grader runs, not whatever the environment's .pth files point at.
        arguments += ["--setenv", "PYTHONPATH", str(package_parent)]
    for directory in SYSTEM_DIRS:
        arguments += ["--ro-bind-try", directory, directory]
    for file in SYSTEM_FILES:
        arguments += ["--ro-bind-try", file, file]
    visible = _visible_dirs()
    for directory in visible:
        arguments += ["--ro-bind", str(directory), str(directory)]
    for secret in _secret_dirs():
        if any(secret == d or d in secret.parents for d in visible):
            arguments += ["--tmpfs", str(secret), "--remount-ro", str(secret)]
    # Last: no path in the sandbox stays writable for the children to share (each mounts its own
    # scratch folder, /dev/shm and /proc in a mount namespace of its own).
    return arguments + ["--remount-ro", "/tmp", "--remount-ro", "/dev", "--remount-ro", "/"]


def sandboxed(command: list[str], cgroup: Path | None = None) -> list[str]:
    """`command` inside bubblewrap; started as an unprivileged uid (in `cgroup`) when the grader is root.

    As root, bubblewrap would map the sandbox to host uid 0, and the kernel treats uid 0 as root
    for whatever root owns in the sandbox's view (/proc/sys among it) and for the process limit."""
    inner = bwrap_arguments() + ["--", *command]
    if os.geteuid() != 0:
        return inner
    reach = [arg for directory in _visible_dirs() for arg in ("--reach", str(directory))]
    enter = ["--cgroup", str(cgroup)] if cgroup else []
    return [sys.executable, "-m", "autograder.grading.unprivileged", "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_UID), *reach, *enter, "--", *inner]


NAMESPACE_PROBE = ("import sys; from autograder.sandboxed import isolation; "
                   "sys.exit(0 if isolation.own_namespaces() else 'the kernel refused a user namespace inside it')")


@lru_cache(maxsize=1)
def detect() -> Sandbox:
    """Bubblewrap if it is installed and can start a sandbox here; otherwise none, with why."""
    if shutil.which("bwrap") is None:
        return Sandbox("none", "bubblewrap (bwrap) is not installed, so submissions run with resource limits "
                               "only, NOT sandboxed (they can read files and the network)")
    # Inside it, each submission must also get namespaces of its own (isolation.py): try that too.
    probe = subprocess.run(sandboxed([sys.executable, "-c", NAMESPACE_PROBE]), capture_output=True, text=True,
                           timeout=60)
    if probe.returncode != 0:
        return Sandbox("none", "bubblewrap could not start a sandbox here "
                               f"({probe.stderr.strip()[:200]}), so submissions run with resource limits only, "
                               "NOT sandboxed")
    return Sandbox("bubblewrap")
