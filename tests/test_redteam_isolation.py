"""Red team, between submissions: one hostile notebook among honest ones changes no honest row.

Each attack is graded in a class of honest notebooks, four at a time, and every honest row must be
exactly what the same class gives without the attacker; the attacker itself may not beat its own
notebook without the attack. The attacks go after mechanisms, not one payload: any bytes on any
descriptor the child holds (hypothesis draws them), any search of the child's own memory and of
every other process it can see, signals to every process it can name, processes that outlive
their notebook, shared memory, and answers built to make phase 2 raise or balloon.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from string import Template

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.course import assignment
from autograder.grading.executor import LocalExecutor
from autograder.grading.phase2 import MESSAGE_CAP
from autograder.grading.run import GradeRun, grade
from autograder.grading.sandbox import detect
from autograder.model import SubmissionResult
from autograder.sandboxed import wire

from .factories import write_notebook
from .test_redteam import EXAMPLES, attacked_notebook, descendants, require_sandbox

pytestmark = pytest.mark.slow

SEED, WORKERS = 5, 4
# The attacker's own work: a notebook with a known mistake, so any gain would show.
BASE = EXAMPLES / "hw1" / "flipped_kernel.ipynb"
# Honest classmates; the endless loop is left out only because it costs its whole timeout every run.
HONEST = sorted(p for p in (EXAMPLES / "hw1").glob("*.ipynb") if p.stem != "infinite_loop_last_cell")
VICTIM_TOKEN = uuid.uuid4().hex
OWN_TOKEN = uuid.uuid4().hex
CANARY = "CNNGRADE-CANARY-"

# A classmate graded at the same time, holding a secret in memory while the attacker looks.
VICTIM_CELL = f"import time\nsecret_of_the_victim = '{CANARY}victim-{VICTIM_TOKEN}'\ntime.sleep(3)"

WRITE_EVERY_DESCRIPTOR = """
import os, time
payload = bytes.fromhex("$payload")
for fd in range(64):
    try:
        os.write(fd, payload)
    except OSError:
        pass
"""

SEARCH_MEMORY = """
import ctypes, gc, os, re, sys, time
time.sleep(0.5)  # the victim has started and holds its secret now
own = "$canary" + "own-" + "$own_token"  # built at run time: it exists in memory, not in the source
pattern = re.compile(re.escape(b"$canary") + rb"[a-z]+-[0-9a-f]{32}")
found, readable_elsewhere = set(), []

def note(blob):
    if isinstance(blob, str):
        blob = blob.encode("utf-8", "replace")
    if isinstance(blob, (bytes, bytearray)):
        found.update(match.group().decode() for match in pattern.finditer(blob))

frame = sys._getframe()
while frame is not None:
    for scope in (frame.f_locals, frame.f_globals):
        for value in list(scope.values()):
            note(value)
    frame = frame.f_back
for thing in gc.get_objects():
    items = thing.values() if isinstance(thing, dict) else thing if isinstance(thing, (list, tuple, set)) else ()
    for item in list(items):
        note(item)

def regions(pid):
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            if fields[1].startswith("r") and not (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
                start, end = (int(part, 16) for part in fields[0].split("-"))
                yield start, end

for start, end in regions("self"):  # all of this process's own memory, as /proc/self/mem would give it
    note(ctypes.string_at(start, end - start))
myself = os.readlink("/proc/self")  # our pid as this /proc numbers it, which may not be os.getpid()
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != myself:
        try:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
                for start, end in regions(pid):
                    memory.seek(start)
                    note(memory.read(end - start))
            readable_elsewhere.append(pid)
        except (OSError, ValueError, OverflowError):
            pass
print("FOUND", sorted(t for t in found if "victim" in t or "own-" in t), "READABLE", readable_elsewhere)
"""

SIGNAL_EVERYONE = """
import os, signal
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    for number in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, number) if pid != os.getpid() else None
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
"""

LEAVE_A_SERVER_BEHIND = """
import os, socket, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            server = socket.socket()
            server.bind(("127.0.0.1", 47123))
            server.listen()
            while True:
                connection, _ = server.accept()
                connection.sendall(b"answers from an earlier notebook")
                connection.close()
        except BaseException:
            time.sleep(120)
    os._exit(0)
with open("/dev/shm/left-for-later", "w") as handle:
    handle.write("a file for the next notebook")
time.sleep(0.2)
"""

LOOK_FOR_WHAT_OTHERS_LEFT = """
import os, socket, time
time.sleep(1.0)
seen = []
try:
    with socket.create_connection(("127.0.0.1", 47123), timeout=1) as connection:
        seen.append(connection.recv(100).decode())
except OSError:
    pass
seen += os.listdir("/dev/shm")
print("SEEN", seen)
"""

FILL_SHARED_MEMORY = """
written = 0
try:
    with open("/dev/shm/hog", "wb") as handle:
        for _ in range(4096):
            handle.write(b"x" * 2**20)
            written += 1
except OSError:
    pass
print("SHM_MIB", written)
"""

ANSWERS_BUILT_TO_BREAK_PHASE2 = """
import numpy as np
vertical_edges = [[10**19] * 4] * 4
horizontal_edges = [[10**400] * 4] * 4
sobel_edges = "A" * 30_000_000
scharr_edges = [[[[[[[[[[1]]]]]]]]]]
strided_edges = {"__ndarray__": [], "dtype": "float64", "shape": [0, 2**62, 2**62]}
def conv2d(*args, **kwargs):
    return "B" * 9_999
"""


WRITE_WHAT_ROOT_OWNS = """
import os
written = []
# Each file gets back the value it already has: a failure of this test changes nothing on the host.
for path in ("/proc/sys/kernel/core_uses_pid", "/proc/sys/vm/overcommit_memory", "/proc/sys/kernel/hostname",
             "/proc/1/oom_score_adj", "/proc/1/autogroup", "/dev/planted", "$hidden/planted"):
    try:
        value = open(path).read() if os.path.exists(path) else "x"
        with open(path, "w") as handle:
            handle.write(value)
        written.append(path)
    except OSError:
        pass
print("WRITTEN", written, "PIDS", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
"""

STARVE_THE_CPU = """
import os, threading, time
started = 0
for _ in range(200):
    try:
        if os.fork() == 0:
            try:
                os.setsid()  # a scheduling group of its own would outweigh every other submission
            except OSError:
                pass
            while True:
                pass
        started += 1
    except OSError:
        break
threads = 0
try:
    threading.stack_size(32768)
    for _ in range(3000):
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        threads += 1
except Exception:
    pass
print("PROCESSES", started, "THREADS", threads)
"""

# A frame whose numbers do not fit (infinity where an integer belongs), then processes that keep running.
OVERFLOW_THEN_LINGER = """
import os, socket, stat, struct, time
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            payload = b'{"bytes": 1e999}'
            socket.socket(fileno=os.dup(fd)).sendall(struct.pack(">BI", 5, len(payload)) + payload)
    except OSError:
        pass
for _ in range(8):
    if os.fork() == 0:
        time.sleep(120)
        os._exit(0)
time.sleep(120)
"""


# Descriptors in flight on Unix sockets count per uid; every submission and the fork server share one.
PARK_DESCRIPTORS_IN_FLIGHT = """
import os, socket, time
null = os.open("/dev/null", os.O_RDONLY)
pairs, parked = [], 0
while parked < 100_000:
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError:
        break
    pairs.append((a, b))
    a.setblocking(False)
    try:
        while True:
            socket.send_fds(a, [b"x"], [null] * 253)
            parked += 253
    except BlockingIOError:
        continue
    except OSError:
        break
print("PARKED", parked)
"""


def frames_payload() -> bytes:
    """Everything the old text protocol and a careless reader would trip on, in one stream."""
    forged = json.dumps({"complete": True, "values": {"vertical_edges": [[1] * 4] * 4}, "calls": {}}).encode()
    return (
        b'\r\nE 1 0\r\nM 2 {"final": {}}\r\n'
        + b"\0" * 16
        + b"\xff\xfe"
        + wire.frame(wire.FINAL, forged)
        + wire.frame(wire.FINAL, b"[" * 60_000)
        + wire.HEADER.pack(wire.SNAPSHOT, 2**32 - 1)
        + b"truncated"
    )


ATTACKS: dict[str, list[str] | bytes] = {
    "frames_on_every_descriptor": [Template(WRITE_EVERY_DESCRIPTOR).substitute(payload=frames_payload().hex())],
    "stall_mid_frame": [
        Template(WRITE_EVERY_DESCRIPTOR).substitute(payload=wire.HEADER.pack(wire.FINAL, 1000).hex())
        + "\ntime.sleep(60)"
    ],
    "search_memory": [Template(SEARCH_MEMORY).substitute(canary=CANARY, own_token=OWN_TOKEN)],
    "signal_everyone": [SIGNAL_EVERYONE],
    "leave_a_server_behind": [LEAVE_A_SERVER_BEHIND],
    "fill_shared_memory": [FILL_SHARED_MEMORY],
    "answers_built_to_break_phase2": [ANSWERS_BUILT_TO_BREAK_PHASE2],
    "write_what_root_owns": [
        Template(WRITE_WHAT_ROOT_OWNS).substitute(
            hidden=Path(__file__).resolve().parent.parent / "autograder" / "course" / "hidden"
        )
    ],
    "starve_the_cpu": [STARVE_THE_CPU, "import time\ntime.sleep(30)"],
    "overflow_then_linger": [OVERFLOW_THEN_LINGER],
    "park_descriptors_in_flight": [PARK_DESCRIPTORS_IN_FLIGHT, "import time\ntime.sleep(30)"],
    "notebook_file_nested_100000_deep": b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "notebook_file_not_utf8": b'{"cells": [], "x": "\xff\xfe"}',
}


def honest_class(folder: Path) -> None:
    folder.mkdir(parents=True)
    for path in HONEST:
        (folder / path.name).write_bytes(path.read_bytes())
    victim = folder / "000_victim.ipynb"
    attacked_notebook(EXAMPLES / "hw1" / "passes_all.ipynb", VICTIM_CELL, victim)
    # Graded after the attacker has run, so whatever it left behind would be found.
    attacked_notebook(
        EXAMPLES / "hw1" / "passes_all.ipynb", LOOK_FOR_WHAT_OTHERS_LEFT, folder / "002_looks_for_leftovers.ipynb"
    )


def add_attacker(folder: Path, attack: list[str] | bytes) -> None:
    target = folder / "001_attacker.ipynb"
    if isinstance(attack, bytes):
        target.write_bytes(attack)
        return
    import nbformat

    notebook = nbformat.read(BASE, as_version=4)
    for index, source in enumerate(attack):  # one cell each: output is recorded after each cell
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"attack-{index}"
        notebook.cells.append(cell)
    nbformat.write(notebook, target)


def graded(folder: Path, out: Path) -> dict[str, SubmissionResult]:
    run: GradeRun = grade(
        assignment="hw1", submissions=folder, out=out, seed=SEED, timeout=8, executor=LocalExecutor(WORKERS, detect())
    )
    return {result.submission: result for result in run.results}


@pytest.fixture(scope="module")
def without_attacker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    require_sandbox()
    folder = tmp_path_factory.mktemp("honest") / "in"
    honest_class(folder)
    base = tmp_path_factory.mktemp("base") / "in"
    base.mkdir()
    (base / "001_attacker.ipynb").write_bytes(BASE.read_bytes())
    rows = graded(folder, folder.parent / "out")
    rows["001_attacker"] = graded(base, base.parent / "out")["001_attacker"]
    return rows


def check_class(rows: dict[str, SubmissionResult], baseline: dict[str, SubmissionResult]) -> None:
    honest = {name for name in baseline if name != "001_attacker"}
    assert set(rows) == honest | {"001_attacker"}, "every submission has its row"
    changed = sorted(name for name in honest if rows[name] != baseline[name])
    assert changed == [], f"honest rows changed by the attacker: {changed}"
    attacker, own = rows["001_attacker"].question_scores(), baseline["001_attacker"].question_scores()
    assert {q: s for q, s in attacker.items() if s > own.get(q, 0)} == {}, "the attack raised its own score"
    assert all(len(case.message) <= MESSAGE_CAP for case in rows["001_attacker"].cases)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_one_attacker_changes_no_honest_row(
    attack: str, tmp_path: Path, without_attacker: dict[str, SubmissionResult]
) -> None:
    folder = tmp_path / "in"
    honest_class(folder)
    add_attacker(folder, ATTACKS[attack])
    already_running = set(descendants(os.getpid()))
    rows = graded(folder, tmp_path / "out")
    check_class(rows, without_attacker)
    assert set(descendants(os.getpid())) - already_running == set(), "a process outlived its notebook"
    results_file = tmp_path / "out" / "results" / "001_attacker.json"
    assert results_file.stat().st_size < 100_000, "what one notebook defines must not balloon its results"
    output = rows["001_attacker"].output
    if attack == "search_memory":
        assert f"own-{OWN_TOKEN}" in output, "the search must work: it finds the attacker's own secret"
        assert VICTIM_TOKEN not in output and "READABLE []" in output
    if attack == "write_what_root_owns":
        assert "WRITTEN [] PIDS [1]" in output, "nothing outside its own namespaces is writable or even listed"
    if attack == "fill_shared_memory":
        assert "SHM_MIB" in output and int(output.split("SHM_MIB")[1].split()[0]) <= 16


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(payload=st.binary(min_size=1, max_size=512))
def test_any_bytes_from_one_child_change_no_other_row(
    payload: bytes, tmp_path_factory: pytest.TempPathFactory, without_attacker: dict[str, SubmissionResult]
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    honest_class(root / "in")
    cell = Template(WRITE_EVERY_DESCRIPTOR).substitute(payload=(payload * (4096 // len(payload) + 1)).hex())
    add_attacker(root / "in", [cell])
    check_class(graded(root / "in", root / "out"), without_attacker)


def test_the_memory_search_would_find_a_secret_held_in_memory() -> None:
    # The search's own check, outside any sandbox: a secret in this process's memory is found.
    secret = CANARY + "victim-" + uuid.uuid4().hex
    namespace: dict = {"keep": [secret]}
    code = Template(SEARCH_MEMORY.replace("time.sleep(0.5)", "")).substitute(canary=CANARY, own_token=OWN_TOKEN)
    import contextlib
    import io
    import warnings

    printed = io.StringIO()
    # Walking every object of the test process touches deprecated attributes of other libraries.
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, namespace)
    assert secret in printed.getvalue()


def test_an_attacker_row_is_a_row_for_every_assignment_name(tmp_path: Path) -> None:
    # The attacker's unreadable notebook still gets every case of the assignment, each scored 0.
    require_sandbox()
    folder = tmp_path / "in"
    write_notebook(folder / "ok.ipynb", ["x = 1"])
    (folder / "deep.ipynb").write_bytes(ATTACKS["notebook_file_nested_100000_deep"])  # type: ignore[arg-type]
    run = grade(assignment="hw1", submissions=folder, out=tmp_path / "out", seed=1, executor=LocalExecutor(2, detect()))
    deep = next(r for r in run.results if r.submission == "deep")
    assert deep.status == "invalid" and "nested" in deep.message
    assert len(deep.cases) == len(assignment("hw1").cases(1)) and deep.score == 0
