"""`cnngrade try-zip`: run an autograder zip on notebooks as Gradescope would, on this machine.

For each notebook, a fresh Gradescope layout: /autograder/source (the zip unpacked, and its wheel
unpacked into source/lib, which is what setup.sh's pip does with a pure wheel), /autograder/
submission (the notebook) and /autograder/results. It runs in a container of its own, made by
bubblewrap as root: the system's /usr, /etc and libraries, this project's Python environment
(standing in for the rest of setup.sh), a fresh /tmp, and that layout at /autograder; none of
this machine's other files (no repository, no dist/ with its wheels), so the notebook finds what
it would find on Gradescope. Then the zip's own run_autograder runs, as root, as Gradescope runs
it.

Two kinds of container, as the grader cannot know which Gradescope gives it:
    docker      Docker's defaults: its capabilities (no CAP_SYS_ADMIN), and a seccomp filter that
                refuses every new namespace, so no sandbox can be made inside; the grader must fall
                back to its unprivileged user (the default here, as the likelier on Gradescope)
    permissive  namespaces allowed (the host's /proc, every capability): bubblewrap inside works
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from autograder.build.gradescope_zip import CONFIG
from autograder.course import SEED_VARIABLE
from autograder.errors import TryZipError
from autograder.grading.gradescope_run import AUTOGRADER, TIMEOUT_VARIABLE
from autograder.grading.sandbox import cover_arguments, distribution_metadata, outermost, seen_under, site_folders

# Longer than any notebook's own limit: run_autograder ends it and still writes its results.
RUN_SECONDS = 900


@dataclass(frozen=True)
class TryRun:
    notebook: Path
    results: dict[str, Any]
    results_path: Path
    seconds: float  # from run_autograder's start to its end, results.json written
    exit_code: int
    log: str

    def question_scores(self) -> dict[str, tuple[float, float]]:
        totals: dict[str, tuple[float, float]] = {}
        for test in self.results.get("tests", []):
            question = str(test.get("name", "")).split(":", 1)[0]
            score, most = totals.get(question, (0.0, 0.0))
            totals[question] = (score + float(test.get("score", 0)), most + float(test.get("max_score", 0)))
        return totals


def _safe_members(archive: zipfile.ZipFile, what: str) -> list[zipfile.ZipInfo]:
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise TryZipError(f"{what} has an entry outside its folder: {info.filename!r}")
    return archive.infolist()


def _extract(zip_path: Path, into: Path, what: str) -> None:
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in _safe_members(archive, what):
                archive.extract(info, into)
                mode = info.external_attr >> 16 & 0o777
                if mode and not info.is_dir():
                    (into / info.filename).chmod(mode)
    except zipfile.BadZipFile as error:
        raise TryZipError(f"{what} is not a zip file ({error})") from None


def lay_out(zip_path: Path, notebook: Path, workspace: Path) -> Path:
    """Gradescope's /autograder for one run, under `workspace`; returns it."""
    root = workspace / "autograder"
    source = root / "source"
    for folder in (source, root / "submission", root / "results"):
        folder.mkdir(parents=True)
    _extract(zip_path, source, str(zip_path))
    if not (source / CONFIG).is_file() or not (source / "run_autograder").is_file():
        raise TryZipError(
            f"{zip_path} is not a cnngrade autograder zip (no {CONFIG} or run_autograder): "
            "build it with `cnngrade build`"
        )
    config = json.loads((source / CONFIG).read_text())
    _extract(source / config["wheel"], source / "lib", "the zip's wheel")
    # Gradescope's image build copies run_autograder up to /autograder and runs it from there.
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    shutil.copy2(notebook, root / "submission" / notebook.name)
    return root


def _python_dirs(python: Path) -> tuple[list[Path], set[Path]]:
    """The folders an interpreter needs (its environment and, for a venv, the installation it was made from),
    and the metadata folders of this project's distribution installed there: Gradescope's environment has
    none (setup.sh installs the wheel into /autograder/source/lib), so the container shows none either."""
    done = subprocess.run(
        [str(python), "-I", "-c", "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, sys.path]))"],
        capture_output=True,
        text=True,
        check=True,
    )
    prefix, base_prefix, path = json.loads(done.stdout)
    folders = sorted({Path(prefix), Path(base_prefix), python.parent.parent})
    # /usr is in the container whole (container()), with the system's and /usr/local's site-packages.
    shown = [*folders, Path("/usr")]
    installed = distribution_metadata([*path, *site_folders([*shown, Path("/usr/local")])])
    return folders, set(outermost(seen_under(shown, sorted(installed))))


# Docker's default capabilities (moby's oci/caps/defaults.go).
DOCKER_CAPABILITIES = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
)
CONTAINERS = ("docker", "permissive")
# What Docker's default seccomp profile does to namespaces without CAP_SYS_ADMIN: unshare refused,
# clone refused any CLONE_NEW* flag, clone3 "not implemented". Syscall numbers and audit arch per machine.
_NAMESPACE_SYSCALLS = {"x86_64": (0xC000003E, 272, 56, 435), "aarch64": (0xC00000B7, 97, 220, 435)}
_CLONE_NEW_ANY = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET


def docker_seccomp() -> bytes:
    """A classic-BPF seccomp program (struct sock_filter[]) refusing every new namespace."""
    arch, unshare, clone, clone3 = _NAMESPACE_SYSCALLS[os.uname().machine]
    load, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    program = [
        (load, 0, 0, 4),
        (jeq, 0, 6, arch),
        (load, 0, 0, 0),
        (jeq, 5, 0, unshare),
        (jeq, 5, 0, clone3),
        (jeq, 0, 2, clone),
        (load, 0, 0, 16),
        (jset, 1, 0, _CLONE_NEW_ANY),
        (ret, 0, 0, allow),
        (ret, 0, 0, eperm),
        (ret, 0, 0, enosys),
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


# The container's /tmp and /run, in memory here where Gradescope's are on its disk.
TMP_BYTES, RUN_BYTES = 2**30, 16 * 2**20


def container(root: Path, python: Path, kind: str, seccomp_fd: int | None) -> list[str]:
    """bubblewrap, as root, making a Gradescope-like container around `root` (seen at /autograder)."""
    if kind == "docker":
        rights = ["--unshare-pid", "--proc", "/proc", "--cap-drop", "ALL"]
        rights += [arg for capability in DOCKER_CAPABILITIES for arg in ("--cap-add", capability)]
        rights += ["--seccomp", str(seccomp_fd)]
    else:
        # The host's /proc whole: a nested sandbox may mount a /proc of its own only then.
        rights = ["--bind", "/proc", "/proc", "--cap-add", "ALL"]
    # As in Docker: a /dev/shm of 64 MiB every uid may write (multiprocessing's semaphores live there). Every
    # folder in memory has a size: the host's RAM is not the container's, and a notebook's files there are no
    # process's memory, so no limit of the grader's would count them.
    command = [
        "bwrap",
        "--die-with-parent",
        "--unshare-ipc",
        "--unshare-uts",
        *rights,
        "--ro-bind",
        "/usr",
        "/usr",
        "--ro-bind",
        "/etc",
        "/etc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(64 * 2**20),
        "--tmpfs",
        "/dev/shm",
        "--perms",
        "1777",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
        "--size",
        str(RUN_BYTES),
        "--tmpfs",
        "/run",
    ]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if Path(top).is_symlink():
            command += ["--symlink", os.readlink(top), top]
        elif Path(top).is_dir():
            command += ["--ro-bind", top, top]
    folders, installed = _python_dirs(python)
    # Open to every uid on the way, as setup.sh's /opt/cnngrade is (bubblewrap would make them 0700).
    for parent in sorted({p for folder in folders for p in folder.parents if p != Path("/")}):
        command += ["--perms", "0755", "--dir", str(parent)]
    for folder in folders:
        command += ["--ro-bind", str(folder), str(folder)]
    for metadata in sorted(installed):
        command += cover_arguments(metadata)
    return command + ["--bind", str(root), str(AUTOGRADER), "--chdir", str(AUTOGRADER)]


def run_contained(
    root: Path, python: Path, kind: str, command: list[str], environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`command`, as root, in a container of `kind` around `root` (seen at /autograder)."""
    read_filter, write_filter = os.pipe()
    try:
        os.write(write_filter, docker_seccomp())
        os.close(write_filter)
        return subprocess.run(
            [*container(root, python, kind, read_filter), "--", *command],
            env=environment,
            pass_fds=[read_filter],
            capture_output=True,
            text=True,
            timeout=RUN_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(read_filter)


def _environment(python: Path | None, seed: int | None, timeout: float | None) -> dict[str, str]:
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "CNNGRADE_PYTHON": str(python or sys.executable),
    }
    if seed is not None:
        environment[SEED_VARIABLE] = str(seed)
    if timeout is not None:
        environment[TIMEOUT_VARIABLE] = str(timeout)
    return environment


def try_one(
    zip_path: Path,
    notebook: Path,
    out: Path,
    *,
    seed: int | None = None,
    kind: str = "docker",
    timeout: float | None = None,
    python: Path | None = None,
) -> TryRun:
    """Run the zip's run_autograder on one notebook; its results.json is copied to `out`.

    `python`: the environment standing in for setup.sh's (default: this one)."""
    if os.geteuid() != 0:
        raise TryZipError("try-zip runs the zip as Gradescope does, as root: run it with sudo (or as root)")
    if shutil.which("bwrap") is None:
        raise TryZipError("try-zip makes its Gradescope-like container with bubblewrap: apt-get install bubblewrap")
    if not notebook.is_file():
        raise TryZipError(f"no notebook at {notebook}")
    with tempfile.TemporaryDirectory(prefix="cnngrade-try-zip-") as temporary:
        root = lay_out(zip_path, notebook, Path(temporary))
        started = time.monotonic()
        done = run_contained(
            root,
            python or Path(sys.executable),
            kind,
            ["/autograder/run_autograder"],
            _environment(python, seed, timeout),
        )
        seconds = time.monotonic() - started
        written = root / "results" / "results.json"
        if not written.is_file():
            raise TryZipError(
                f"run_autograder wrote no results.json (exit {done.returncode}):\n"
                f"{done.stdout[-1500:]}{done.stderr[-1500:]}"
            )
        out.mkdir(parents=True, exist_ok=True)
        results_path = out / "results.json"
        shutil.copyfile(written, results_path)
    return TryRun(
        notebook,
        json.loads(results_path.read_text()),
        results_path,
        seconds,
        done.returncode,
        done.stdout + done.stderr,
    )


def try_zip(
    zip_path: Path,
    notebooks: list[Path],
    out: Path,
    *,
    seed: int | None = None,
    kind: str = "docker",
    timeout: float | None = None,
) -> list[TryRun]:
    """Each notebook in a run of its own; results in OUT/<notebook name>/results.json."""
    if not zip_path.is_file():
        raise TryZipError(f"no zip at {zip_path}: build it with `cnngrade build`")
    return [
        try_one(zip_path, notebook, out / notebook.stem, seed=seed, kind=kind, timeout=timeout)
        for notebook in notebooks
    ]


def render(run: TryRun) -> str:
    extra = run.results.get("extra_data", {})
    sandbox = extra.get("sandbox", {})
    lines = [
        f"{run.notebook.name}: {run.results.get('score', 0):g} points "
        f"(sandbox: {sandbox.get('kind', '?')}, network {sandbox.get('network', '?')}; "
        f"{run.seconds:.2f} s from run_autograder's start to results.json)"
    ]
    lines += [f"  {question:<4} {score:g} / {most:g}" for question, (score, most) in run.question_scores().items()]
    output = str(run.results.get("output", ""))
    if output and output != "Graded.":
        lines.append(f"  {output[:300]}")
    lines.append(f"  results: {run.results_path}")
    return "\n".join(lines)
