"""Per-submission isolation in the kernel, set up between fork and the student's first line.

Each submission gets namespaces of its own: a user namespace, a PID namespace (its process is PID 1
there, so whatever it starts dies with it and no other submission's process can be named), a
network namespace (no interface but a loopback that is down: nothing to reach, nothing to serve)
and an IPC namespace; then a mount namespace with a private tmpfs for its scratch folder and
another over /dev/shm, both small and both freed with it. Afterwards it drops every capability
and may create no further namespace, so the student's code cannot mount a tmpfs of its own (host
memory that no rlimit counts) or unmount what it was given.

Linux only. Where the kernel refuses namespaces (no sandbox, no unprivileged user namespaces),
each step says so and the caller falls back to a process group; the sandbox probe refuses such a
machine unless the grader was told to run unsandboxed.
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (
    0x00020000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
MS_REC, MS_PRIVATE = 0x4000, 0x40000
SHM_BYTES = 16 * 1024 * 1024
_CAPABILITY_V3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def die_with_parent() -> None:
    """SIGKILL when the parent dies, so no submission outlives the process that watches it."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def not_dumpable() -> None:
    """Nobody else of the same uid can ptrace this process or read its memory through /proc."""
    _libc.prctl(PR_SET_DUMPABLE, 0)


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def own_namespaces() -> bool:
    """Enter new user, PID, network and IPC namespaces; the next fork is PID 1 of the new PID namespace.

    False (and nothing changed) where the kernel refuses."""
    uid, gid = os.geteuid(), os.getegid()
    # The fork server is not dumpable, so neither is a fresh fork of it: its /proc/self files then
    # belong to root, and it could not write its own maps. Its children are PID 1 of namespaces of
    # their own and cannot name it.
    _libc.prctl(PR_SET_DUMPABLE, 1)
    try:
        if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC) != 0:
            return False
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        return True
    except OSError:
        return False
    finally:
        # Dumpable only as long as writing the maps takes: the watcher shares the submission's uid
        # and, without a PID namespace between them, a dumpable watcher could be traced by it.
        not_dumpable()


def _tmpfs(path: str, size: int, mode: str) -> bool:
    options = f"size={size},mode={mode}".encode()
    return _libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) == 0


def private_scratch(scratch_size: int) -> str | None:
    """In a mount namespace of this process's own (and so of its children's): a fresh tmpfs over
    /dev/shm and, inside it, a folder on a tmpfs of its own, returned. Both are memory, freed with
    the last process that sees them: however the submission or its watcher ends, even killed,
    nothing is left on the host to remove. None where the kernel refuses (a folder on the host then)."""
    if not os.path.isdir("/dev/shm") or _libc.unshare(CLONE_NEWNS) != 0:
        return None
    # Private first: no mount made here may propagate back to the host's namespace.
    if _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0 or not _tmpfs("/dev/shm", SHM_BYTES, "1777"):
        return None
    folder = PRIVATE_SCRATCH
    try:
        os.mkdir(folder, 0o700)
    except OSError:
        return None
    return folder if _tmpfs(folder, scratch_size, "0700") else None


# Where private_scratch puts the scratch folder: inside the private /dev/shm, never on the host.
PRIVATE_SCRATCH = "/dev/shm/cnngrade-work"


_PROC_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC
# Whether this process mounted a /proc of its own (private_mounts), which no_more_privileges makes read-only.
_own_proc = False


def private_mounts(scratch_size: int, folder: str, mounted: bool = False) -> str:
    """A mount namespace of this process's own: a fresh tmpfs on `folder`, the working folder (and
    TMPDIR), and one over /dev/shm, unless `mounted` (private_scratch made both). Call in the new
    namespaces' first process. Returns the folder."""
    if _libc.unshare(CLONE_NEWNS) == 0:
        # Private first: no mount made here may propagate back to the host's namespace.
        _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None)
        if not mounted:
            _tmpfs(folder, scratch_size, "0700")
            if os.path.isdir("/dev/shm"):
                _tmpfs("/dev/shm", SHM_BYTES, "1777")
        # A /proc of this PID namespace: no other submission, nor the fork server, is listed,
        # so none of their /proc files (oom_score_adj, autogroup, ...) can be reached.
        global _own_proc
        _own_proc = _libc.mount(b"proc", b"/proc", b"proc", _PROC_FLAGS, None) == 0
        if os.path.isdir("/dev/pts"):  # pseudo-terminals of its own: none to share with a sibling
            _libc.mount(b"devpts", b"/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC, b"newinstance,ptmxmode=0666")
    os.environ["TMPDIR"] = folder
    return folder


def no_more_privileges() -> None:
    """No capability left, none to regain, and no new user namespace (which would bring new ones)."""
    try:
        _write("/proc/sys/user/max_user_namespaces", "0")
    except OSError:
        pass  # not in a user namespace of our own: there are no capabilities to gain back either
    if _own_proc:
        # Read-only from here, while we may still remount it: a program the notebook starts is dumpable again (an
        # exec resets that) and could otherwise write its own oom_score_adj back to 0.
        _libc.mount(None, b"/proc", None, MS_REMOUNT | MS_RDONLY | _PROC_FLAGS, None)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    header = _CapHeader(_CAPABILITY_V3, 0)
    _libc.capset(ctypes.byref(header), (_CapData * 2)())


# seccomp, per machine: the audit architecture; setsid, setpgid and socket; then what reaches into another
# process of the same uid (ptrace, process_vm_readv/writev, pidfd_getfd); then the kernel's keyrings (add_key,
# request_key, keyctl), whose quota every submission's uid shares; then memory no process maps (memfd_create,
# memfd_secret, shmget), which neither RLIMIT_AS nor the OOM killer's choice counts. io_uring's three calls are
# 425-427 everywhere: through io_uring a process can make a socket without socket().
_SYSCALLS = {
    "x86_64": (0xC000003E, (112, 109, 41, 101, 310, 311, 438, 248, 249, 250, 319, 447, 29)),
    "aarch64": (0xC00000B7, (157, 154, 198, 117, 270, 271, 438, 217, 218, 219, 279, 447, 194)),
}
_IO_URING_FIRST, _IO_URING_LAST = 425, 427
# prctl(PR_SET_DUMPABLE): made dumpable again, a submission could write its own oom_score_adj back to 0 and be
# read by a process of the same uid.
_PRCTL = {"x86_64": 157, "aarch64": 167}
_PR_SET_DUMPABLE_ARGUMENT = PR_SET_DUMPABLE
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_ALLOW, _EPERM = 0x7FFF0000, 0x00050000 | 1
_LD_ABS, _JEQ, _JGT, _JGE, _RET = 0x20, 0x15, 0x25, 0x35, 0x06


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def restrict_syscalls() -> bool:
    """Refuse setsid(), setpgid(), socket(), io_uring, tracing or reading another process, keyrings, memory no process
    maps, becoming dumpable again, and any other ABI.

    A new session would be a scheduling group of its own, so a notebook with many could take the
    CPU from every other submission; a new process group would leave the one the watcher kills where
    no PID namespace ends them all (and hold the channel open past the submission's end). Keyrings
    have one quota per uid, which one submission could spend for the others. Memory in a memfd or a System V
    segment that no process maps is not in any process's address space: where no memory cgroup holds the
    submission, RLIMIT_AS would not bound it, and the machine's OOM killer would pick an innocent process
    (a classmate's, the grader) instead. No socket at all (the submission's channel is made before,
    and socketpair() stays): nothing on the machine or beyond it is reached, whether or not the
    sandbox could have a network namespace of its own (a container may not allow one), and no
    abstract Unix socket either; io_uring would make one without socket(). Where no PID namespace
    separates them, the watcher and the fork server share the submission's uid: ptrace and its
    kin are refused, on top of their not being dumpable."""
    found = _SYSCALLS.get(os.uname().machine)
    if found is None:
        return False
    architecture, refused = found
    deny = 13 + len(refused)  # the index of the EPERM return below
    program = [
        _SockFilter(_LD_ABS, 0, 0, 4),  # 0: the architecture
        _SockFilter(_JEQ, 1, 0, architecture),  # 1: ours: on to 3
        _SockFilter(_RET, 0, 0, _EPERM),  # 2
        _SockFilter(_LD_ABS, 0, 0, 0),  # 3: the syscall number
        _SockFilter(_JGE, deny - 5, 0, 0x40000000),  # 4: x32 numbers, another ABI: refused
    ]
    for number in refused:  # 5 ...: each refused by number
        program.append(_SockFilter(_JEQ, deny - len(program) - 1, 0, number))
    program += [
        # prctl: its option; any other call: on to io_uring. Arguments' low 32 bits (both machines are little-endian).
        _SockFilter(_JEQ, 0, 4, _PRCTL[os.uname().machine]),
        _SockFilter(_LD_ABS, 0, 0, 16),  # the option
        _SockFilter(_JEQ, 0, 4, _PR_SET_DUMPABLE_ARGUMENT),  # PR_SET_DUMPABLE: on; any other option: allowed
        _SockFilter(_LD_ABS, 0, 0, 24),  # the value
        _SockFilter(_JEQ, 2, 3, 0),  # not dumpable: allowed (not_dumpable() itself); dumpable again: refused
        _SockFilter(_JGE, 0, 1, _IO_URING_FIRST),  # from io_uring_setup up: on; below: allowed
        _SockFilter(_JGT, 0, 1, _IO_URING_LAST),  # past io_uring_register: allowed; io_uring: refused
        _SockFilter(_RET, 0, 0, _ALLOW),
        _SockFilter(_RET, 0, 0, _EPERM),
    ]
    assert len(program) == deny + 1
    instructions = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), instructions)
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


def prefer_to_be_killed() -> None:
    """If the machine runs out of memory anyway, the kernel kills student code before the grader (the fork server
    sets it, for every submission it forks: once not dumpable, a process can no longer write its own)."""
    try:
        _write("/proc/self/oom_score_adj", "1000")
    except OSError:
        pass


def kill_group(pid: int) -> None:
    """Without a PID namespace: the process group the child led, then the child itself."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
