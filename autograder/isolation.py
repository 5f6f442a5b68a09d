"""Per-child isolation inside the grading process tree, set up between fork and student code.

Linux only; each step is best-effort where the kernel refuses it, because the resource limits and
the fresh process already hold without it, and the sandbox (sandbox.py) adds the rest.
"""
from __future__ import annotations

import ctypes
import os
import signal
import tempfile

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_NOSUID, MS_NODEV = 0x2, 0x4

_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """SIGKILL when the fork server dies, so no submission outlives a killed grader."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def not_dumpable() -> None:
    """No sibling can ptrace this process or read its memory through /proc."""
    _libc.prctl(PR_SET_DUMPABLE, 0)


def _enter_user_and_mount_namespace() -> bool:
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        return False
    try:
        with open("/proc/self/setgroups", "w") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w") as handle:
            handle.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as handle:
            handle.write(f"{gid} {gid} 1")
    except OSError:
        return False
    return True


def private_scratch(size_bytes: int, mountpoint: str | None = None) -> str:
    """A working folder that no other submission can see or write, also made the child's TMPDIR.

    A fresh tmpfs on `mountpoint` (the sandbox's /scratch; else a new folder of its own) in a mount
    namespace of this child's own; then a second user and mount namespace, which locks that mount
    so the student's code cannot unmount it to look beneath. Never over /tmp itself: the Python
    installation may live there. Where the kernel refuses namespaces, the plain folder remains.
    """
    folder = mountpoint if mountpoint and os.path.isdir(mountpoint) else tempfile.mkdtemp(prefix="cnngrade-work-")
    if _enter_user_and_mount_namespace():
        options = f"size={size_bytes},mode=0700".encode()
        if _libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) == 0:
            _enter_user_and_mount_namespace()
    os.environ["TMPDIR"] = folder
    return folder
