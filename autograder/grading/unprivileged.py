"""Start the sandbox as an unprivileged user when the grader runs as root.

Bubblewrap run by root maps the sandbox's uid to host uid 0: the kernel would then let student
code write whatever root owns and the sandbox shows (host-wide settings under /proc/sys, other
processes' /proc files) and exempt it from the process limit. So a root grader starts bubblewrap
through this launcher instead: in a mount namespace of its own, it makes each folder the sandbox
needs reachable (a folder under /root, mode 0700, is mounted at the same path on a tmpfs that
others may traverse), then drops to the unprivileged uid and runs the command.

Where no sandbox can be had (a container that refuses user namespaces), the fork server itself is
started this way (sandbox.py, "unprivileged"): each --hide folder (a copy of the grader or of
solutions/) is covered by an empty read-only tmpfs, the network is cut by a network namespace of
its own, and the environment is cleared down to PYTHONPATH=the runner tree. Each of those steps
needs a capability a container may lack; whatever it does not get, the sandbox's probe sees.

    python -m autograder.grading.unprivileged --uid 65534 --gid 65534 --reach DIR ... [--cgroup DIR]
        [--hide DIR ...] [--cut-network] [--pythonpath TREE [--tmpdir DIR]] -- COMMAND ...
"""

from __future__ import annotations

import argparse
import ctypes
import os
import stat
from collections.abc import Sequence
from pathlib import Path

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x2, 0x4, 0x1000, 0x4000, 0x40000

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def closed_ancestor(path: Path) -> Path | None:
    """The first folder on the way to `path` that others may not traverse, if any."""
    for folder in [*reversed(path.parents), path]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def make_reachable(folders: Sequence[Path]) -> None:
    """Within this mount namespace: each folder, at its own path, reachable by any uid."""
    by_cover: dict[Path, list[Path]] = {}
    outermost = [f for f in folders if not any(other != f and other in f.parents for other in folders)]
    for folder in dict.fromkeys(outermost):
        cover = closed_ancestor(folder)
        if cover is not None and cover != folder:
            by_cover.setdefault(cover, []).append(folder)
    for cover, inside in by_cover.items():
        # Held open before the cover hides them; bound back from the descriptors afterwards.
        held = [(folder, os.open(folder, os.O_PATH | os.O_DIRECTORY)) for folder in inside]
        _check(_libc.mount(b"tmpfs", str(cover).encode(), b"tmpfs", 0, b"mode=0755,size=64k"), f"tmpfs on {cover}")
        for folder, descriptor in held:
            folder.mkdir(parents=True, exist_ok=True)
            _check(
                _libc.mount(f"/proc/self/fd/{descriptor}".encode(), str(folder).encode(), None, MS_BIND | MS_REC, None),
                f"bind {folder}",
            )
            os.close(descriptor)


def hide(folders: Sequence[Path]) -> None:
    """Within this mount namespace: each folder an empty, read-only tmpfs."""
    for folder in folders:
        _check(
            _libc.mount(
                b"tmpfs", str(folder).encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"mode=0755,size=4k"
            ),
            f"tmpfs over {folder}",
        )


def _clean_environment(pythonpath: str, tmpdir: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": tmpdir,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": pythonpath,
        "TMPDIR": tmpdir,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.grading.unprivileged")
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--gid", type=int, required=True)
    parser.add_argument("--reach", type=Path, action="append", default=[])
    parser.add_argument("--cgroup", type=Path, default=None, help="a cgroup to enter first, with all that follows")
    parser.add_argument("--hide", type=Path, action="append", default=[])
    parser.add_argument("--cut-network", action="store_true")
    parser.add_argument("--pythonpath", default=None, help="clear the environment but for this PYTHONPATH")
    parser.add_argument("--tmpdir", default="/tmp", help="TMPDIR and HOME in that cleared environment")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.cgroup:
        # Before anything is started: every process of the sandbox is then born inside it.
        (args.cgroup / "cgroup.procs").write_text("0")
    if _libc.unshare(CLONE_NEWNS) == 0:
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
        make_reachable(args.reach)
        hide(args.hide)
    elif any(closed_ancestor(folder) for folder in args.reach):
        _check(-1, "unshare(CLONE_NEWNS), needed to reach " + ", ".join(map(str, args.reach)))
    if args.cut_network:
        _libc.unshare(CLONE_NEWNET | CLONE_NEWIPC)  # refused in some containers: the probe records it
    if args.pythonpath is not None:
        os.environ.clear()
        os.environ.update(_clean_environment(args.pythonpath, args.tmpdir))
    os.setgroups([])
    os.setresgid(args.gid, args.gid, args.gid)
    os.setresuid(args.uid, args.uid, args.uid)
    if args.pythonpath is not None:
        # Only now, as the uid: the folder is the student's, and root must not follow what it holds.
        os.chdir(args.tmpdir)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
