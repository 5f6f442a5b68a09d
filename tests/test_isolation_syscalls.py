"""What a submission may not do from its own process, whatever the sandbox around it: make any socket
(by socket() or through io_uring), start a session, or reach into another process (ptrace,
process_vm_readv/writev, pidfd_getfd). The filter is tested as the child installs it, in a fork."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import socket

import pytest

from autograder.sandboxed import isolation

NUMBERS = {
    "x86_64": {
        "ptrace": 101,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "pidfd_getfd": 438,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "memfd_create": 319,
        "memfd_secret": 447,
        "shmget": 29,
        "getppid": 110,
    },
    "aarch64": {
        "ptrace": 117,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "pidfd_getfd": 438,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "memfd_create": 279,
        "memfd_secret": 447,
        "shmget": 194,
        "getppid": 173,
    },
}

pytestmark = pytest.mark.skipif(platform.machine() not in NUMBERS, reason="the filter knows x86_64 and aarch64")


def _errno_of(call) -> object:
    try:
        result = call()
    except OSError as error:
        return error.errno
    return "allowed" if result is None or result >= 0 else ctypes.get_errno()


def in_filtered_child() -> dict[str, object]:
    """Run every probe in a fork that installed the filter; what each got back."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            installed = isolation.restrict_syscalls()
            libc = ctypes.CDLL(None, use_errno=True)
            numbers = NUMBERS[platform.machine()]
            buffer = ctypes.create_string_buffer(256)
            seen: dict[str, object] = {"installed": installed}
            for family in ("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET"):
                if hasattr(socket, family):
                    seen[family] = _errno_of(
                        lambda f=family: socket.socket(getattr(socket, f), socket.SOCK_DGRAM).close()
                    )
            seen["setsid"] = _errno_of(os.setsid)
            seen["setpgid"] = _errno_of(lambda: os.setpgid(0, 0))  # allowed unfiltered: a child may lead its group
            for name in (
                "ptrace",
                "process_vm_readv",
                "process_vm_writev",
                "pidfd_getfd",
                "io_uring_setup",
                "io_uring_enter",
                "io_uring_register",
                "add_key",
                "request_key",
                "keyctl",
                "memfd_create",
                "memfd_secret",
                "shmget",
            ):
                seen[name] = _errno_of(lambda n=numbers[name]: libc.syscall(n, 0, buffer, 0, 0, 0, 0))
            seen["set_dumpable"] = _errno_of(lambda: libc.prctl(4, 1, 0, 0, 0))  # PR_SET_DUMPABLE
            seen["socketpair"] = _errno_of(lambda: [s.close() for s in socket.socketpair()] and None)
            seen["get_dumpable"] = _errno_of(lambda: libc.prctl(3, 0, 0, 0, 0))  # PR_GET_DUMPABLE: prctl stays
            seen["not_dumpable"] = _errno_of(lambda: libc.prctl(4, 0, 0, 0, 0))
            seen["getppid"] = _errno_of(lambda: libc.syscall(numbers["getppid"]))
            os.write(write, json.dumps(seen).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def test_no_socket_no_session_no_reaching_into_another_process() -> None:
    seen = in_filtered_child()
    assert seen.pop("installed") is True
    assert seen.pop("socketpair") == "allowed" and seen.pop("getppid") == "allowed"  # the rest still works
    assert seen.pop("get_dumpable") == "allowed" and seen.pop("not_dumpable") == "allowed"
    assert seen == {name: errno.EPERM for name in seen}
