"""A fork server started before the run asks for one, so that its start-up overlaps the grader's.

A fork server spends most of a second importing (numpy, IPython, the warm-up) before it can fork a
notebook's process, and the grader as long importing and reading the notebooks: one after the
other, they are most of the time one notebook takes. A command that knows from its options alone
that it will grade on this machine (`cnngrade grade` with the local executor, the Gradescope
runner) starts the server here, first thing, and the sandbox probe beside it; for `cnngrade grade` in
bubblewrap, the server asks the probe's question itself before its imports (sandbox.PROBING_SERVER),
so that one sandbox is started, not two.

The server is started in the sandbox the probe is expected to confirm, and runs nothing until it is
asked: the pool takes it (`take`) only for the same sandbox, preload and memory cap, and the pool's
sandbox is the probe's answer, so no notebook runs in it unless the probe found that sandbox sound.
Otherwise it is closed unused (`close_unused`), having run no student code.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.grading.sandbox import (
    SANDBOX_UID,
    Sandbox,
    SandboxKind,
    detect_soon,
    drop_early_probe,
    probe_by,
)

if TYPE_CHECKING:
    from autograder.grading.forkserver_client import ForkServerClient

HIDDEN = Path(__file__).resolve().parent.parent / "course" / "hidden"
CLONE_NEWUSER = 0x10000000

# What a server's command line is made of (Sandbox.forkserver_command, ForkServerClient): a server
# is only ever lent for exactly these.
_Key = tuple[SandboxKind, int, tuple[str, ...], int | None]

_lock = threading.Lock()
_waiting: list[tuple[_Key, ForkServerClient]] = []
_at_exit: list[bool] = []  # close_unused registered


@cache
def _libc() -> Any:
    # Loaded by the parent, never in the fork that uses it: a fork of a process with threads must not
    # load libraries. Not at import: ctypes is on the way to the first server's start.
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _key(sandbox: Sandbox, preload: Sequence[str], memory_bytes: int | None) -> _Key:
    return (sandbox.kind, sandbox.uid, tuple(preload), memory_bytes)


def preload_of(assignment: str) -> tuple[str, ...] | None:
    """What the assignment's hidden module declares as PRELOAD, read without importing the course
    (which imports numpy and every check); None where that cannot be told from the source alone.

    A wrong guess costs only time: the pool takes the server only for the preload the run's jobs have."""
    found = [path for path in HIDDEN.glob("*.py") if path.stem.casefold() == assignment.casefold()]
    if len(found) != 1:
        return None
    try:
        source = found[0].read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    if "PRELOAD" not in source:
        return ()  # the registry's default; most assignments preload nothing, and parsing is slow
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == "PRELOAD" for target in targets):
            try:
                declared = ast.literal_eval(value)
            except ValueError:
                return None
            if isinstance(declared, tuple) and all(isinstance(module, str) for module in declared):
                return declared
            return None
    return ()


def user_namespaces_likely(uid: int | None = None) -> bool:
    """Whether a user namespace can be made here (as `uid`, when given and we are root), which
    bubblewrap needs: asked of a fork of this process, in a millisecond. A guess for choosing which
    server to start early, never a check: the probe decides (a container with Docker's defaults
    refuses them, and the Gradescope runner then falls back to its unprivileged user)."""
    libc = _libc()
    pid = os.fork()
    if pid == 0:
        try:
            if uid is not None and os.geteuid() == 0:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            os._exit(0 if libc.unshare(CLONE_NEWUSER) == 0 else 1)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def expected_sandbox(uid: int | None = None) -> Sandbox:
    """The sandbox detect() (or, given `uid`, detect_confined(uid)) is expected to find."""
    if shutil.which("bwrap") is not None and user_namespaces_likely(uid):
        return Sandbox(SandboxKind.BUBBLEWRAP) if uid is None else Sandbox(SandboxKind.BUBBLEWRAP, uid=uid)
    return Sandbox(
        SandboxKind.NONE if uid is None else SandboxKind.UNPRIVILEGED, uid=SANDBOX_UID if uid is None else uid
    )


def start(sandbox: Sandbox, preload: Sequence[str], memory_bytes: int | None, probe: bool = False) -> ForkServerClient:
    """A fork server for `sandbox`, `preload` and `memory_bytes`, importing from now on; `take` lends it.

    `probe`: it also answers detect()'s probe (ForkServerClient.probe_answer)."""
    from autograder.grading.forkserver_client import ForkServerClient

    server = ForkServerClient(sandbox, preload, memory_bytes, probe=probe)
    with _lock:
        if not _at_exit:
            _at_exit.append(atexit.register(close_unused) is close_unused)
        _waiting.append((_key(sandbox, preload, memory_bytes), server))
    return server


def start_for_grading(assignment: str, memory_bytes: int, unsandboxed: bool, with_server: bool = True) -> None:
    """`cnngrade grade` on this machine: the sandbox probe and the first fork server, both at once (or one in the other).

    No server where the run is going to be refused (no bubblewrap, and not --unsandboxed), nor without `with_server`."""
    preload = preload_of(assignment)
    sandbox = expected_sandbox()
    if with_server and preload is not None and (sandbox.confined or unsandboxed):
        # First: the server takes the longest. In bubblewrap (detect()'s own sandbox, as detect() starts
        # it) it answers detect()'s probe too: one sandbox started, not two, on the way to the first notebook.
        probing = sandbox == Sandbox(SandboxKind.BUBBLEWRAP)
        server = start(sandbox, preload, memory_bytes, probe=probing)
        if probing:
            probe_by(server.probe_answer)
            return
    detect_soon()


def take(sandbox: Sandbox, preload: Sequence[str], memory_bytes: int | None) -> ForkServerClient | None:
    """A server started early for exactly these, still alive; None if there is none."""
    key = _key(sandbox, preload, memory_bytes)
    with _lock:
        for index, (known, server) in enumerate(_waiting):
            if known == key and not server.closed:
                del _waiting[index]
                return server
    return None


def close_unused() -> None:
    """End every server started early that no run took, and a probe no run asked for."""
    drop_early_probe()
    with _lock:
        unused = [server for _, server in _waiting]
        _waiting.clear()
    for server in unused:
        server.close()
