"""The sandbox around phase 1: bubblewrap where the kernel allows it; as a last resort, another uid.

bubblewrap: the fork server (and so every submission) runs in its own user, PID, network, IPC and
mount namespaces as an unprivileged uid, with a read-only view of the system libraries, the Python
installation and the runner tree (runner_tree.py: `sandboxed/` and `checks/` only), and nothing
else: no solutions/, no hidden checks, no repository, no submissions folder, no output folder, no
network. Every copy of this package or of solutions/ that the Python installation could import,
and every metadata folder of its distribution (which holds the README), is covered by an empty folder.

unprivileged: where a container refuses user namespaces (Gradescope's may), a root grader starts
the fork server as an unprivileged uid instead (unprivileged.py), with the same runner tree, the
same folders covered where a mount namespace can be had, and no network where a network
namespace can be had. What it cannot cover must be unreadable to that uid: `probe` checks it.

none: resource limits only; `cnngrade grade` refuses it unless told --unsandboxed.
"""

from __future__ import annotations

import atexit
import importlib.machinery
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from autograder.grading import unprivileged
from autograder.grading.runner_tree import runner_tree

SANDBOX_UID = 65534  # nobody
# Each child mounts its own tmpfs here; everything else in the sandbox is read-only.
SANDBOX_SCRATCH = "/scratch"
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/libx32")
# Only what the dynamic loader, numpy and Python's start-up read; /etc as a whole may hold secrets.
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf")
SECRET_PACKAGES = ("autograder", "solutions")
# Where a system keeps source trees: within /usr, which the sandbox shows, and no library's to read.
SOURCE_DIRS = ("/usr/src", "/usr/local/src")
# The project's distribution (pyproject's name): its installed metadata is the README (the long description),
# whose errata give hw3's table, so no student may read it either.
DISTRIBUTION = "cnngrade"


class SandboxKind(str, Enum):
    """What stands between student code and the grader; recorded in run.json and Gradescope's extra_data."""

    BUBBLEWRAP = "bubblewrap"  # own namespaces: sees only the runner tree, no network, another uid
    UNPRIVILEGED = "unprivileged"  # another uid and seccomp, where a container allows no namespaces
    NONE = "none"  # resource limits only (--unsandboxed)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Sandbox:
    """How phase 1 is isolated in this run; `forkserver_command` wraps the fork server's command line."""

    kind: SandboxKind
    warning: str = ""
    uid: int = SANDBOX_UID
    #: "cut" (a network namespace) or "sockets refused" (seccomp alone), where a probe found out
    network: str = ""

    @property
    def isolated(self) -> bool:
        return self.kind == SandboxKind.BUBBLEWRAP

    @property
    def confined(self) -> bool:
        """Student code runs as another uid than the grader's, seeing only the runner tree of this package."""
        return self.kind != SandboxKind.NONE

    def forkserver_command(
        self, control_fd: int, preload: Sequence[str] = (), cgroup: Path | None = None, probe: bool = False
    ) -> list[str]:
        """The fork server's command line; `cgroup`: a memory cgroup for the whole sandbox (root only).

        `probe` (bubblewrap only): the server first asks detect()'s namespace probe's question and says the
        answer on its control socket, before its preload (PROBING_SERVER)."""
        start = ["-c", PROBING_SERVER] if probe and self.isolated else ["-m", "autograder.sandboxed.forkserver"]
        server = [sys.executable, *start, "--control", str(control_fd), "--preload", *preload]
        return self.wrap(server + ["--scratch", SANDBOX_SCRATCH] if self.isolated else server, cgroup)

    def wrap(self, command: list[str], cgroup: Path | None = None) -> list[str]:
        """`command` run where this sandbox runs student code."""
        if self.kind == SandboxKind.BUBBLEWRAP:
            return sandboxed(command, cgroup, self.uid)
        if self.kind == SandboxKind.UNPRIVILEGED:
            return as_unprivileged(command, cgroup, self.uid)
        return command

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "uid": self.uid, "network": self.network or "unknown"}


def _normal(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()  # as the packaging spec compares project names


def _is_metadata(name: str) -> bool:
    """Whether a folder or file of this name is the project's installed metadata, or a whole egg of it."""
    stem, _, suffix = name.rpartition(".")
    return suffix in ("dist-info", "egg-info", "egg") and _normal(stem.split("-")[0]) == DISTRIBUTION


def distribution_metadata(path: Sequence[str] | None = None) -> set[Path]:
    """Every metadata folder or file of this project's distribution (.dist-info, .egg-info, a whole .egg) on an
    import path (by default, every place this Python or the sandbox's view of it can import from)."""
    found: set[Path] = set()
    for entry in _import_roots() if path is None else path:
        try:
            children = list(os.scandir(entry or "."))
        except OSError:
            continue
        found.update(Path(child.path).resolve() for child in children if _is_metadata(child.name))
    return found


def site_folders(installations: Iterable[Path]) -> list[str]:
    """The site-packages (dist-packages) folders of each installation prefix."""
    return [str(site) for prefix in installations for site in sorted(prefix.glob("lib*/python3*/*-packages"))]


def _import_roots() -> list[str]:
    """sys.path, and the site-packages of every installation the sandbox shows whole (a venv's sys.path leaves
    out its base Python's, and /usr holds the system's and /usr/local's): a copy of this project installed in
    any of them is within a notebook's reach, imported or not."""
    installations = sorted(_prefixes() | {Path("/usr"), Path("/usr/local")})
    return list(dict.fromkeys([*sys.path, *site_folders(installations)]))


def secret_paths() -> list[Path]:
    """Every folder from which this Python could import this package or solutions/, whoever runs it, and
    every metadata folder or file of its distribution, each by its real path.

    Each import root on its own (the first hit hides the others) and every other finder on sys.meta_path
    (an editable install maps the names to a source checkout)."""
    found = distribution_metadata()
    for name in SECRET_PACKAGES:
        specs = [importlib.machinery.PathFinder.find_spec(name, [entry or "."]) for entry in _import_roots()]
        for finder in sys.meta_path:
            if finder is not importlib.machinery.PathFinder and hasattr(finder, "find_spec"):
                try:
                    specs.append(finder.find_spec(name, None))
                except Exception:
                    continue
        for spec in specs:
            if spec is not None:
                found.update(Path(location).resolve() for location in spec.submodule_search_locations or ())
    tree = runner_tree().resolve()
    return sorted(path for path in found if path.exists() and tree not in path.parents)


def _is_checkout(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in ("pyproject.toml", "setup.py", "setup.cfg", ".git"))


def _bubblewrap_covers() -> list[Path]:
    """What bubblewrap covers besides the secret paths, wherever a bound folder shows it: the whole source
    checkout a secret package was found in (an editable install, `pip install -e git+...` into a venv's src/,
    the current folder: its README, .git, build/ and dist/ with it), the bytecode kept apart from the sources
    (PYTHONPYCACHEPREFIX: the grader's own, solutions' among it), and where a system keeps source trees
    (/usr/src/app is a container's usual place for a checkout). Not for another uid on the host's file system
    (unprivileged): a checkout may hold the very Python it runs."""
    secrets = secret_paths()
    more = [package.parent for package in secrets if package.is_dir() and _is_checkout(package.parent)]
    elsewhere = [
        Path(folder) for folder in [sys.pycache_prefix or "", *SOURCE_DIRS] if folder and os.path.isdir(folder)
    ]
    tree = runner_tree().resolve()
    return sorted({*secrets, *more, *(folder.resolve() for folder in elsewhere)} - {tree})


def _bound_folders() -> list[Path]:
    """What bubblewrap shows of the host, each folder at the path it has there (its path here, unresolved)."""
    return [Path(folder) for folder in SYSTEM_DIRS if os.path.exists(folder)] + _visible_dirs()


def _holds(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def cover_arguments(secret: Path) -> list[str]:
    """bubblewrap's arguments that leave `secret` (as the sandbox shows it) empty and read-only."""
    if secret.is_dir():
        return ["--tmpfs", str(secret), "--remount-ro", str(secret)]
    return ["--ro-bind", os.devnull, str(secret)]  # an .egg-info file, a zipped .egg


def seen_under(folders: Sequence[Path], secrets: Sequence[Path]) -> list[Path]:
    """Where each secret (a real path) is seen once each folder is bound at its own path, as bubblewrap binds them:
    under every folder whose real path holds it. A bound folder may be a symlink (a venv at /opt/venv ->
    /data/venv): its files are then seen under /opt/venv, never at their real path."""
    seen: set[Path] = set()
    for folder in folders:
        real = folder.resolve()
        seen.update(folder / secret.relative_to(real) for secret in secrets if _holds(real, secret))
    return sorted(seen)


def secrets_in_sandbox() -> list[Path]:
    """Where the sandbox shows each secret path: what bubblewrap must cover (the outermost of each: a cover is
    read-only, and nothing can be made inside it), split around what it binds (a venv in a checkout)."""
    bound = _bound_folders()
    covers = outermost(seen_under(bound, _bubblewrap_covers()))
    return sorted(part for cover in covers for part in around(cover, bound))


def around(cover: Path, bound: Sequence[Path]) -> list[Path]:
    """`cover`, or where it holds a bound folder (a venv at /usr/src/app/.venv), everything in it but the way
    to that folder: covering it whole would hide the Python the sandbox runs."""
    if not any(_holds(cover, folder) for folder in bound):
        return [cover]
    try:
        children = sorted(cover.iterdir())
    except OSError:
        return []
    return [part for child in children if child not in bound for part in around(child, bound)]


def outermost(paths: Sequence[Path]) -> list[Path]:
    """The paths not inside another of them: once a cover is mounted, nothing can be made inside it."""
    return [path for path in paths if not any(other in path.parents for other in paths)]


def _prefixes() -> set[Path]:
    return {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix)}


def _visible_dirs() -> list[Path]:
    return sorted(_prefixes() | {runner_tree()})


def _pythonpath() -> str:
    return str(runner_tree())


def bwrap_arguments(uid: int = SANDBOX_UID) -> list[str]:
    arguments = [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--uid",
        str(uid),
        "--gid",
        str(uid),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "PYTHONDONTWRITEBYTECODE",
        "1",
        "--setenv",
        "PYTHONPATH",
        _pythonpath(),
        "--setenv",
        "TMPDIR",
        SANDBOX_SCRATCH,
        "--dir",
        SANDBOX_SCRATCH,
        "--chdir",
        SANDBOX_SCRATCH,
    ]
    for directory in SYSTEM_DIRS:
        arguments += ["--ro-bind-try", directory, directory]
    for file in SYSTEM_FILES:
        arguments += ["--ro-bind-try", file, file]
    visible = _visible_dirs()
    for folder in visible:
        arguments += ["--ro-bind", str(folder), str(folder)]
    for secret in secrets_in_sandbox():
        arguments += cover_arguments(secret)
    # Last: no path in the sandbox stays writable for the children to share (each mounts its own
    # scratch folder, /dev/shm and /proc in a mount namespace of its own).
    return arguments + ["--remount-ro", "/tmp", "--remount-ro", "/dev", "--remount-ro", "/"]


def _launcher(uid: int, cgroup: Path | None, extra: Sequence[str] = ()) -> list[str]:
    reach = [arg for directory in _visible_dirs() for arg in ("--reach", str(directory))]
    enter = ["--cgroup", str(cgroup)] if cgroup else []
    # Run as a script of the standard library alone: the grader's own package may be importable only
    # through its own sys.path (the Gradescope zip's copy), which a new process does not inherit. No
    # site either (-S): the installed packages' start-up hooks (an editable install's finder) are
    # time on the way to every fork server's start, for a script that imports none of them.
    return [
        sys.executable,
        "-I",
        "-S",
        str(Path(unprivileged.__file__)),
        "--uid",
        str(uid),
        "--gid",
        str(uid),
        *reach,
        *enter,
        *extra,
    ]


def sandboxed(command: list[str], cgroup: Path | None = None, uid: int = SANDBOX_UID) -> list[str]:
    """`command` inside bubblewrap; started as an unprivileged uid (in `cgroup`) when the grader is root.

    As root, bubblewrap would map the sandbox to host uid 0, and the kernel treats uid 0 as root
    for whatever root owns in the sandbox's view (/proc/sys among it) and for the process limit."""
    inner = bwrap_arguments(uid) + ["--", *command]
    if os.geteuid() != 0:
        return inner
    return [*_launcher(uid, cgroup), "--", *inner]


@cache
def scratch_parent(uid: int) -> Path:
    """Where an unprivileged submission's temporary folders go: `uid`'s own, removed when the grader exits.

    Not /tmp itself, which a container may not open to every uid, and where others' files are."""
    folder = Path(tempfile.mkdtemp(prefix="cnngrade-scratch-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.chown(folder, uid, uid)
    return folder


def as_unprivileged(command: list[str], cgroup: Path | None, uid: int) -> list[str]:
    """`command` as `uid`, with only the runner tree of this package importable (root only)."""
    # Folders only (a tmpfs covers a folder); a secret file must be unreadable to `uid`, which the probe checks.
    hide = [arg for secret in outermost(secret_paths()) if secret.is_dir() for arg in ("--hide", str(secret))]
    options = ["--cut-network", "--pythonpath", _pythonpath(), "--tmpdir", str(scratch_parent(uid)), *hide]
    return [*_launcher(uid, cgroup, options), "--", *command]


REFUSED_INSIDE = "the kernel refused a user namespace inside it"
NAMESPACE_PROBE = (
    "import sys; from autograder.sandboxed import isolation; "
    f"sys.exit(0 if isolation.own_namespaces() else {REFUSED_INSIDE!r})"
)
# What the namespace probe asks, in a child of its own (the process asking stays as it was): can a
# submission here have namespaces of its own? Shared by the two probes below that ask it.
_NAMESPACES_IN_A_FORK = """
import os
def namespaces():
    pid = os.fork()
    if pid == 0:
        try:
            from autograder.sandboxed import isolation
            os._exit(0 if isolation.own_namespaces() else 1)
        finally:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0
"""
# The fork server, started by the one bubblewrap start that also answers detect()'s probe: before anything
# else, a fork of it asks what NAMESPACE_PROBE asks, and the answer is the first message on the control
# socket (ForkServerClient.probe_answer), sent before the server reads any request, so before any notebook
# runs; then the server runs as `python -m autograder.sandboxed.forkserver` would run it.
PROBING_SERVER = (
    _NAMESPACES_IN_A_FORK
    + """
import json, runpy, socket, sys
answer = namespaces()
control = socket.socket(fileno=int(sys.argv[sys.argv.index("--control") + 1]))
control.send(json.dumps({"probe": answer}).encode())
control.detach()
sys.path[0] = os.getcwd()  # as `-m` has it (`-c` has "")
runpy.run_module("autograder.sandboxed.forkserver", run_name="__main__", alter_sys=True)
"""
)
# Run where a submission would run: what it can import, read and reach. Arguments: folders it must not read.
CONFINEMENT_PROBE = (
    _NAMESPACES_IN_A_FORK
    + """
import importlib.util, json, socket, sys
def readable(path):
    try:
        if os.path.isdir(path):
            return bool(os.listdir(path))
        with open(path, "rb") as handle:
            return bool(handle.read(1))
    except OSError:
        return False
def importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
print(json.dumps({
    "uid": os.getuid(), "euid": os.geteuid(),
    "importable": [n for n in ("solutions", "autograder.course.hidden", "autograder.grading", "autograder.course")
                   if importable(n)],
    "readable": [p for p in sys.argv[1:] if readable(p)],
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "namespaces": namespaces(),
}))
"""
)


PROBE_SECONDS = 60


def _run_probe(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL)


def _namespace_probe_command(uid: int = SANDBOX_UID) -> list[str]:
    # -S: it needs only the standard library and the runner tree (bubblewrap's PYTHONPATH), so the
    # site packages' start-up (a tenth of a second in a full environment) is not paid for it.
    return sandboxed([sys.executable, "-S", "-c", NAMESPACE_PROBE], uid=uid)


# detect()'s probe, started ahead by detect_soon() and collected by detect().
_started_probe: list[subprocess.Popen[str]] = []
# Or its answer, from a fork server started in the sandbox detect() probes (PROBING_SERVER): given a
# timeout, True or False, or None where the server ended (or took too long) before it answered.
_probing_server: list[Callable[[float], bool | None]] = []


def probe_by(answer: Callable[[float], bool | None]) -> None:
    """detect()'s probe is asked by a fork server started with `probe` (early.py): one sandbox started, not two.

    Where that server ends before it answers (bubblewrap could not start it), detect() runs the probe
    itself, for bubblewrap's own words."""
    if not detect.cache_info().currsize:
        _probing_server.append(answer)


def detect_soon() -> None:
    """Start detect()'s probe now, in the background, so that its answer is ready when detect() is called.

    For a command that knows at once that it will grade here: the probe then runs while the grader
    imports and reads. detect() still waits for the answer before it says bubblewrap."""
    if detect.cache_info().currsize or _started_probe or shutil.which("bwrap") is None:
        return
    _started_probe.append(
        subprocess.Popen(
            _namespace_probe_command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )


def drop_early_probe() -> None:
    """End a probe detect_soon() started that detect() never collected (the run stopped before)."""
    _probing_server.clear()
    while _started_probe:
        process = _started_probe.pop()
        process.kill()
        process.communicate()


def _namespace_probe() -> subprocess.CompletedProcess[str]:
    while _probing_server:
        answer = _probing_server.pop()(PROBE_SECONDS)
        if answer is not None:
            drop_early_probe()
            return subprocess.CompletedProcess(
                ["fork server"], 0 if answer else 1, "", "" if answer else REFUSED_INSIDE
            )
    if not _started_probe:
        return _run_probe(_namespace_probe_command())
    process = _started_probe.pop()
    try:
        stdout, stderr = process.communicate(timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@lru_cache(maxsize=1)
def detect() -> Sandbox:
    """Bubblewrap if it is installed and can start a sandbox here; otherwise none, with why."""
    if shutil.which("bwrap") is None:
        drop_early_probe()  # started while it was installed: not to be left behind
        return Sandbox(
            SandboxKind.NONE,
            "bubblewrap (bwrap) is not installed, so submissions cannot be sandboxed here, only given "
            "resource limits (unsandboxed, they can read files and the network)",
        )
    # Inside it, each submission must also get namespaces of its own (isolation.py): try that too.
    probe = _namespace_probe()
    if probe.returncode != 0:
        return Sandbox(
            SandboxKind.NONE,
            "bubblewrap could not start a sandbox here "
            f"({probe.stderr.strip()[:200]}), so submissions cannot be sandboxed here, only given "
            "resource limits",
        )
    return Sandbox(SandboxKind.BUBBLEWRAP)


class NoConfinement(RuntimeError):
    """Neither sandbox keeps student code from what it must not see here."""


def _confinement(sandbox: Sandbox, namespaces: bool = False) -> Sandbox:
    """`sandbox`, probed from the inside: its network recorded, or NoConfinement saying what it let through.

    `namespaces`: each submission must also get namespaces of its own inside it (the namespace probe's
    question, asked by the same probe: one start of the sandbox, not two)."""
    # Where the sandbox would show each secret: under a bound folder's own path for bubblewrap (which binds folders
    # as found, not resolved); at its real path for another uid on the host's own file system.
    # Real paths too under bubblewrap: a cover computed wrong still fails the probe where it is seen.
    shown = [*secrets_in_sandbox(), *secret_paths()] if sandbox.kind == SandboxKind.BUBBLEWRAP else secret_paths()
    secrets = [str(path) for path in dict.fromkeys(shown)]
    done = _run_probe(sandbox.wrap([sys.executable, "-c", CONFINEMENT_PROBE, *secrets]))
    if done.returncode != 0:
        raise NoConfinement(
            f"{sandbox.kind}: the probe could not start (exit {done.returncode}: {done.stderr.strip()[-300:]})"
        )
    try:
        seen = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise NoConfinement(f"{sandbox.kind}: the probe said nothing readable ({done.stdout[-200:]!r})") from None
    if seen["uid"] == 0 or seen["euid"] == 0 or seen["importable"] or seen["readable"]:
        raise NoConfinement(
            f"{sandbox.kind}: student code would run as uid {seen['uid']}, could import "
            f"{seen['importable']} and read {seen['readable']}"
        )
    if namespaces and seen.get("namespaces") is not True:
        raise NoConfinement(f"{sandbox.kind}: the kernel refused it namespaces")
    # Without a network namespace, each submission still has every socket refused
    # (isolation.restrict_syscalls): nothing beyond the machine, nor on it, is reached.
    network = "cut" if set(seen["interfaces"]) <= {"lo"} else "sockets refused"
    return Sandbox(sandbox.kind, sandbox.warning, sandbox.uid, network)


def detect_confined(uid: int) -> Sandbox:
    """For a root grader of one submission (Gradescope): bubblewrap where it works, else `uid` alone.

    Whichever it is was probed from the inside; NoConfinement where neither holds."""
    problems = []
    if shutil.which("bwrap") is not None:
        try:
            return _confinement(Sandbox(SandboxKind.BUBBLEWRAP, uid=uid), namespaces=True)
        except NoConfinement as problem:
            problems.append(str(problem))
    try:
        return _confinement(Sandbox(SandboxKind.UNPRIVILEGED, uid=uid))
    except NoConfinement as problem:
        problems.append(str(problem))
    raise NoConfinement("; ".join(problems))
