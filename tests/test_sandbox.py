"""The sandbox: what a submission can see inside it, and what happens on a machine without it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks import codec
from autograder.grading import sandbox as sandbox_module
from autograder.grading.executor import Job, LocalExecutor
from autograder.grading.sandbox import SANDBOX_SCRATCH, Sandbox, SandboxKind, bwrap_arguments, detect

from .factories import write_notebook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROOT = Path(__file__).resolve().parent.parent


def run_cells(cells: list[str], sandbox: Sandbox, values: tuple[str, ...] = ("seen",)) -> dict:
    job = Job("probe", tuple(cells), values, {}, timeout=20, memory_bytes=2 * 1024**3)
    ((_, outcome),) = list(LocalExecutor(1, sandbox).run([job]))
    assert outcome.data is not None, outcome.message
    return {
        name: codec.decode(value) if codec.error_message(value) is None else None
        for name, value in outcome.data["values"].items()
    }


@pytest.fixture
def sandbox() -> Sandbox:
    found = detect()
    if not found.isolated:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the sandbox: {found.warning}")
        pytest.skip(found.warning)
    return found


def test_inside_the_sandbox_the_secrets_are_out_of_sight(sandbox: Sandbox) -> None:
    seen = run_cells(
        [
            "import os, sys, tempfile\n"
            "import pandas\n"  # a package that imports more of itself lazily: the venv must stay visible
            "seen = {'uid': os.getuid(),\n"
            # On the path itself: asking the import system would only meet the import rule.
            "        'solutions': any(os.path.exists(os.path.join(folder, 'solutions')) for folder in sys.path),\n"
            f"        'repo': sorted(os.listdir({str(ROOT)!r})) if os.path.isdir({str(ROOT)!r}) else [],\n"
            f"        'package': [p for p in sys.path if os.path.isdir(os.path.join(p, 'autograder', 'course', 'hidden'))],\n"
            "        'etc': sorted(os.listdir('/etc')), 'cwd': os.getcwd(), 'tmpdir': tempfile.gettempdir(),\n"
            "        'writable': [p for p in ('/', '/tmp', '/etc', '/usr') if os.access(p, os.W_OK)],\n"
            "        'env': sorted(os.environ)}"
        ],
        sandbox,
    )["seen"]
    assert seen["uid"] != 0
    assert seen["solutions"] is False
    assert set(seen["repo"]) <= {".venv"}  # the repository is not there, only the environment inside it
    assert seen["package"] == []  # only the runner tree of the package: no hidden checks anywhere on the path
    assert "shadow" not in seen["etc"] and "passwd" not in seen["etc"]
    assert seen["cwd"] == seen["tmpdir"] == SANDBOX_SCRATCH
    assert seen["writable"] == []
    assert not any("SEED" in name or "CNNGRADE" in name for name in seen["env"])


# A notebook's one cell: every file at the top of every place it could import from (its sys.path, and the
# site-packages of its Python, of the Python that one was made from, of /usr and /usr/local), and every file
# inside any metadata folder, egg, `solutions` or `autograder` folder there, read whole; it raises with what it
# found to hold a canary line, and how many files it read.
_SCAN = r"""
import glob, os, sys
found, read = [], 0
roots = list(sys.path)
for prefix in (sys.prefix, sys.base_prefix, "/usr", "/usr/local"):
    roots += glob.glob(prefix + "/lib*/python3*/*-packages")
for entry in roots:
    try:
        names = os.listdir(entry or ".")
    except OSError:
        continue
    for name in names:
        path = os.path.join(entry or ".", name)
        whole = name.endswith((".dist-info", ".egg-info", ".egg")) or name in ("solutions", "autograder")
        files = [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs] if whole and os.path.isdir(path) else [path]
        for file in files:
            try:
                with open(file, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            read += 1
            found += [file] if any(canary in text for canary in CANARIES) else []
raise RuntimeError(f"FOUND {found!r} IN {read} FILES")
"""


def _canaries() -> list[str]:
    """A line of the README's errata (hw3's table) and the first line of code of each reference solution."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    lines = [next(line for line in readme if "| CONV1 |" in line)]
    for solution in sorted((ROOT / "solutions").glob("hw*.py")):
        code = solution.read_text(encoding="utf-8").splitlines()
        lines.append(next(line for line in code if line.startswith("def ")))
    return lines


@pytest.mark.parametrize("venv", ["as-is", "through-a-symlink"])
def test_no_copy_of_the_readme_or_the_reference_is_readable_where_a_notebook_can_import_from(
    sandbox: Sandbox, venv: str, tmp_path: Path
) -> None:
    # Through a symlink: a venv at /opt/venv -> /data/venv, as containers often have it; bubblewrap binds the
    # folder as found, so each secret must be covered where it is seen, not at its real path.
    python = Path(sys.executable)
    if venv == "through-a-symlink":
        (tmp_path / "venv").symlink_to(Path(sys.prefix))
        python = tmp_path / "venv" / python.relative_to(sys.prefix)
    submissions = tmp_path / "in"
    submissions.mkdir()
    cell = f"CANARIES = {_canaries()!r}\n" + _SCAN
    write_notebook(submissions / "scan.ipynb", [cell], "hw2")
    done = subprocess.run(
        [str(python), "-m", "autograder.cli", "grade", "hw2", str(submissions), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    (result,) = (tmp_path / "out" / "results").glob("*.json")
    said = re.search(r"FOUND (.*?) IN (\d+) FILES", result.read_text(encoding="utf-8"))
    assert said is not None and said.group(1) == "[]" and int(said.group(2)) > 100


def _install(files: dict[Path, str], root: Path) -> None:
    """Each file written under `root`, readable by the sandbox's uid, as an installation's files are."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _shown_too(monkeypatch: pytest.MonkeyPatch, *prefixes: Path) -> None:
    """The sandbox shows these installations whole as well, as it shows a venv's base Python."""
    shown = sandbox_module._prefixes()
    monkeypatch.setattr(sandbox_module, "_prefixes", lambda: shown | set(prefixes))


def _read_in_sandbox(sandbox: Sandbox, paths: list[Path]) -> dict[str, str]:
    """What a notebook reads of each file (empty where it cannot open it)."""
    cell = (
        "def read(path):\n    try:\n        with open(path) as handle:\n            return handle.read()\n"
        "    except OSError:\n        return ''\n"
        f"seen = {{path: read(path) for path in {[str(path) for path in paths]!r}}}"
    )
    return run_cells([cell], sandbox)["seen"]


def test_a_copy_installed_in_any_python_the_sandbox_shows_is_covered_whatever_its_form(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another installation the sandbox shows whole (as it shows a venv's base Python), holding the project in
    # every form pip or setuptools ever left: not on this Python's sys.path, so found by where it lies.
    site = tmp_path / "python" / "lib" / "python3.99" / "site-packages"
    copies = {
        site / "cnngrade-0.1.dist-info" / "METADATA": "the README",
        site / "cnngrade.egg-info" / "PKG-INFO": "the README",
        site / "cnngrade-0.1-py3.99.egg-info": "the README, as one file",
        site / "cnngrade-0.1-py3.99.egg": "a zipped egg",
        site / "solutions" / "hw1.py": "the reference",
        site / "autograder" / "course" / "hidden" / "hw1.py": "the hidden checks",
        site / "unrelated.pth": "not secret",
    }
    _install(copies, tmp_path)
    _shown_too(monkeypatch, tmp_path / "python")
    seen = _read_in_sandbox(sandbox, list(copies))
    assert seen == {str(path): text if path.name == "unrelated.pth" else "" for path, text in copies.items()}


def test_a_checkout_bytecode_and_source_trees_within_the_sandbox_s_view_are_covered(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installation the sandbox shows whole, holding a checkout the package is imported from (as `pip install -e
    # git+...` leaves one in a venv's src/) and the bytecode PYTHONPYCACHEPREFIX keeps apart from the sources.
    prefix = tmp_path / "python"
    checkout, cache = prefix / "src" / "cnngrade", prefix / "var" / "pycache"
    files = {
        checkout / "pyproject.toml": "[project]",
        checkout / "README.md": "the errata",
        checkout / ".git" / "HEAD": "ref: refs/heads/main",
        checkout / "build" / "lib" / "solutions" / "hw1.py": "the reference, built",
        checkout / "solutions" / "__init__.py": "",
        checkout / "solutions" / "hw1.py": "the reference",
        cache / "solutions" / "hw1.cpython-311.pyc": "the reference, compiled",
        prefix / "bin" / "tool": "not secret",
    }
    _install(files, tmp_path)
    _shown_too(monkeypatch, prefix)
    monkeypatch.setattr(sys, "path", [*sys.path, str(checkout)])  # found last: the real package is still imported
    monkeypatch.setattr(sys, "pycache_prefix", str(cache))
    assert _read_in_sandbox(sandbox, list(files)) == {
        str(path): text if path.name == "tool" else "" for path, text in files.items()
    }
    sources = [folder for folder in sandbox_module.SOURCE_DIRS if os.path.isdir(folder)]
    cell = f"import os\nsources = {{folder: os.listdir(folder) for folder in {sources!r}}}"
    assert run_cells([cell], sandbox, ("sources",))["sources"] == {folder: [] for folder in sources}


def test_a_checkout_that_holds_the_python_the_sandbox_runs_is_covered_around_it(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A container's usual layout: the checkout in a folder the sandbox shows (here `outer`, as /usr shows
    # /usr/src/app), with the venv inside the checkout. Covering the checkout whole would hide the venv.
    outer = tmp_path / "outer"
    checkout = outer / "src" / "app"
    venv = checkout / ".venv"
    files = {
        checkout / "pyproject.toml": "[project]",
        checkout / "README.md": "the errata",
        checkout / "solutions" / "__init__.py": "",
        checkout / "solutions" / "hw1.py": "the reference",
        venv / "bin" / "tool": "the venv's own",
        outer / "other" / "tool": "not secret",
    }
    _install(files, tmp_path)
    _shown_too(monkeypatch, outer, venv)
    monkeypatch.setattr(sys, "path", [*sys.path, str(checkout)])
    seen = _read_in_sandbox(sandbox, list(files))
    assert seen == {str(path): text if path.name == "tool" else "" for path, text in files.items()}


def test_the_distribution_hidden_is_the_project_s_own() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert sandbox_module.DISTRIBUTION == project
    assert any(path.name.startswith(f"{project}-") for path in sandbox_module.distribution_metadata())


def test_two_submissions_do_not_share_a_scratch_folder(sandbox: Sandbox) -> None:
    # One fork server for both, the first finishing before the second starts: only a private
    # scratch per child keeps the first one's file from the second.
    writer = Job(
        "writer",
        ("open('note.txt', 'w').write('x')\nimport os\nseen = os.listdir('.')",),
        ("seen",),
        {},
        timeout=20,
        memory_bytes=2 * 1024**3,
    )
    reader = Job(
        "reader",
        ("import os\nseen = [os.listdir('.'), os.getcwd()]",),
        ("seen",),
        {},
        timeout=20,
        memory_bytes=2 * 1024**3,
    )
    outcomes = {
        job.submission: codec.decode(outcome.data["values"]["seen"])
        for job, outcome in LocalExecutor(1, sandbox).run([writer, reader])
    }
    assert outcomes["writer"] == ["note.txt"]
    assert outcomes["reader"] == [[], SANDBOX_SCRATCH]


def grade_without_bubblewrap(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`cnngrade grade` on one sample with a PATH on which bwrap cannot be found (python by full path)."""
    submissions = tmp_path / "in"
    submissions.mkdir()
    shutil.copy(EXAMPLES / "hw2" / "passes_all.ipynb", submissions)
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            "hw2",
            str(submissions),
            "--out",
            str(tmp_path / "out"),
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
    )


def test_without_bubblewrap_grading_runs_only_when_told_and_warns(tmp_path: Path) -> None:
    done = grade_without_bubblewrap(tmp_path, "--quiet", "--unsandboxed")
    assert done.returncode == 0, done.stderr
    assert "WARNING: bubblewrap (bwrap) is not installed" in done.stdout and "cannot be sandboxed" in done.stdout
    assert "1 ok" in done.stdout


@pytest.mark.parametrize(
    "options", [pytest.param((), id="by-default"), pytest.param(("--require-sandbox",), id="old-flag")]
)
def test_without_a_sandbox_grading_is_refused_and_says_why(tmp_path: Path, options: tuple[str, ...]) -> None:
    done = grade_without_bubblewrap(tmp_path, *options)
    assert done.returncode == 2
    assert "refusing to run student code without a sandbox" in done.stderr
    assert "read the reference solutions" in done.stderr  # what running anyway would expose
    assert "apt-get install bubblewrap" in done.stderr and "--unsandboxed" in done.stderr
    assert not (tmp_path / "out").exists()


def test_grade_itself_refuses_an_unsandboxed_executor(tmp_path: Path) -> None:
    from autograder.errors import SandboxRequired
    from autograder.grading.run import grade

    shutil.copytree(EXAMPLES / "hw2", tmp_path / "in")
    with pytest.raises(SandboxRequired):
        grade(
            assignment="hw2",
            submissions=tmp_path / "in",
            out=tmp_path / "out",
            executor=LocalExecutor(1, Sandbox(SandboxKind.NONE, "test: no sandbox")),
        )
    assert not (tmp_path / "out").exists()


def test_secret_packages_are_masked_wherever_they_are_installed() -> None:
    arguments = bwrap_arguments()
    bound = [arguments[i + 1] for i, flag in enumerate(arguments) if flag == "--ro-bind"]
    assert not any(Path(path).name == "solutions" for path in bound)
    assert not any(Path(path) == ROOT for path in bound)


def test_inside_the_sandbox_a_submission_is_alone_and_unprivileged(sandbox: Sandbox) -> None:
    # Whoever runs the grader, root included: nothing host-wide is writable, no other process is
    # listed, the process cap holds, no new session (scheduling group) and no namespace can be made.
    seen = run_cells(
        [
            "import ctypes, os, time\n"
            "def writable(path):\n"
            "    try:\n"
            "        value = open(path).read()\n"
            "        open(path, 'w').write(value)\n"
            "        return True\n"
            "    except OSError:\n"
            "        return False\n"
            "forks = 0\n"
            "for _ in range(100):\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(5)\n"
            "            os._exit(0)\n"
            "        forks += 1\n"
            "    except OSError:\n"
            "        break\n"
            "try:\n"
            "    os.setsid()\n"
            "    new_session = True\n"
            "except OSError:\n"
            "    new_session = False\n"
            "seen = {'sysctl': writable('/proc/sys/kernel/core_uses_pid'),\n"
            "        'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())[:2],\n"
            "        'forks': forks, 'new_session': new_session,\n"
            "        'unshare': ctypes.CDLL(None).unshare(0x10000000) == 0}"
        ],
        sandbox,
    )["seen"]
    assert seen["sysctl"] is False
    assert seen["pids"][0] == 1 and seen["pids"][1] > 1  # itself, then only its own children
    assert 0 < seen["forks"] < 32
    assert seen["new_session"] is False and seen["unshare"] is False


def test_a_submission_s_memory_is_bounded_across_its_processes(sandbox: Sandbox) -> None:
    # Rlimits bound each process; a memory cgroup per fork server bounds a submission's processes together (its
    # files are in tmpfs mounts of bounded size, and memory no process maps is refused: test_isolation_syscalls.py).
    # It needs a grader that may make one (root, a cgroup v1 memory controller).
    from autograder.grading import cgroups

    made = cgroups.memory_cgroup(2**30)
    cgroups.release(made)
    if made is None:
        pytest.skip("this machine does not let the grader make memory cgroups: rlimits alone bound a submission")
    forks = (
        "import os, time\nimport numpy as np\nfor _ in range(12):\n    if os.fork() == 0:\n"
        "        held = np.ones(2**27)\n        time.sleep(30)\n        os._exit(0)\ntime.sleep(3)\nseen = 2\n"
    )
    jobs = [
        Job("forks", (forks,), ("seen",), {}, timeout=20, memory_bytes=2**30),
        Job("honest", ("seen = 42",), ("seen",), {}, timeout=20, memory_bytes=2**30),
    ]
    outcomes = {job.submission: outcome for job, outcome in LocalExecutor(2, sandbox).run(jobs)}
    assert outcomes["forks"].status == "ok"  # its children were killed inside its own cgroup
    assert (outcomes["honest"].status, outcomes["honest"].data["values"]["seen"]) == ("ok", 42)
    leftovers = list(made.parent.glob(f"cnngrade-{os.getpid()}-*"))
    assert leftovers == []


# Memory a submission leaves behind when it ends: files in a tmpfs of the server's (/dev/shm, its scratch), filled
# to their size. The next submission on the same server must not start short of it.
LEAVE_FILES = """for name in ('/dev/shm/left', 'left'):
    with open(name, 'wb') as handle:
        try:
            [handle.write(b'x' * (1 << 20)) for _ in range(4096)]
        except OSError:
            pass
"""

# Undo the OOM preference (dumpable again, oom_score_adj 0), then fill memory, so that the kernel's choice inside
# the cgroup falls on the fork server.
TAKE_THE_SERVER_DOWN = """import ctypes, os, sys
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)
try:
    open("/proc/self/oom_score_adj", "w").write("0")
except OSError:
    pass
os.execv(sys.executable, [sys.executable, "-S", "-c", "held = []\\nwhile True:\\n    held.append(b'x' * (1 << 24))"])
"""

NEEDS_MEMORY = "import numpy as np\nheld = np.ones(50_000_000 // 8)\nseen = 42\n"


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(LEAVE_FILES, id="tmpfs-files"),
        pytest.param(TAKE_THE_SERVER_DOWN, id="server-oom-killed"),
    ],
)
def test_what_one_submission_leaves_in_its_server_never_reaches_the_next(sandbox: Sandbox, attack: str) -> None:
    from autograder.grading import cgroups

    made = cgroups.memory_cgroup(2**29)
    cgroups.release(made)
    if made is None:
        pytest.skip("this machine does not let the grader make memory cgroups")
    # One worker: the honest notebook is served by the server the attacker just used.
    jobs = [
        Job("attacker", ("seen = 1", attack), ("seen",), {}, timeout=20, memory_bytes=2**29),
        Job("honest", (NEEDS_MEMORY,), ("seen",), {}, timeout=20, memory_bytes=2**29),
    ]
    outcomes = {job.submission: outcome for job, outcome in LocalExecutor(1, sandbox).run(jobs)}
    assert (outcomes["honest"].status, outcomes["honest"].data["values"]["seen"]) == ("ok", 42)
    assert not outcomes["attacker"].graders_fault  # its own memory use, not the grader's failing


@pytest.mark.parametrize("confined", [True, False], ids=["sandboxed", "unsandboxed"])
def test_a_submission_is_what_the_kernel_kills_first_when_the_machine_runs_out_of_memory(
    confined: bool, sandbox: Sandbox
) -> None:
    # Where no memory cgroup holds a submission, the kernel's OOM killer chooses: never the grader first. The score is
    # the fork server's, inherited: a submission's process is not dumpable, and cannot write its own.
    chosen = sandbox if confined else Sandbox(SandboxKind.NONE, "test: the fork server started as the grader starts it")
    # Sandboxed, a submission cannot undo it (made dumpable again, it could write its own back to 0); a grader run
    # --unsandboxed as root runs student code as root, which can.
    undo = (
        "import ctypes\nctypes.CDLL(None).prctl(4, 1, 0, 0, 0)\ntry:\n"
        "    open('/proc/self/oom_score_adj', 'w').write('0')\nexcept OSError:\n    pass\n"
    )
    # A program it starts is dumpable again (exec resets that): its own /proc is read-only.
    in_a_program = (
        "import subprocess, sys\nprogram = \"try:\\n    open('/proc/self/oom_score_adj', 'w').write('0')\\n"
        "except OSError:\\n    pass\\nprint(open('/proc/self/oom_score_adj').read())\"\n"
        "started = int(subprocess.run([sys.executable, '-S', '-c', program], capture_output=True, text=True).stdout)\n"
    )
    cells = [undo, in_a_program] if confined else ["started = 1000"]
    seen = run_cells([*cells, "seen = (int(open('/proc/self/oom_score_adj').read()), started)"], chosen)["seen"]
    assert seen == [1000, 1000]
    assert int(Path("/proc/self/oom_score_adj").read_text()) < 1000  # the grader's own is not changed
