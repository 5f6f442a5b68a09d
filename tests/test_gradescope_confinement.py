"""What a notebook's process can import and read inside the Gradescope zip's sandbox: none of the
grader, the hidden checks or the reference, in any form, anywhere in the container.

The zip is laid out as `cnngrade try-zip` lays it out, in both kinds of container; a script run as
root there takes the runner's first steps (close /autograder, probe and choose the sandbox), then
runs a scanner where the notebook would run. The scanner tries the imports, then reads every file
it can in the whole container and compares it, by size and hash, with every file of the installed
project that is not the runner or the student-safe checks; it opens every wheel or zip it can read
and lists any entry of solutions/ or the hidden checks; and it tries every other process's memory
and environment. A mechanism, not a payload: any copy under any name, at any path, is found.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.build import Built
from autograder.build.try_zip import lay_out, run_contained

from .factories import require_try_zip

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# What the sandbox may show: the runner, the student-safe checks, and the package's one-line stub.
ALLOWED = ("autograder/sandboxed/", "autograder/checks/", "autograder/__init__.py")

SCANNER = r"""
import hashlib, importlib.util, json, os, sys, zipfile
secrets = json.loads(sys.argv[1])
sizes = {int(size) for size in secrets}
found = {"importable": [], "files": [], "archives": [], "memory": []}
for name in ("solutions", "solutions.hw1", "autograder.course.hidden", "autograder.course", "autograder.grading",
             "autograder.build", "autograder.grading.run"):
    try:
        if importlib.util.find_spec(name) is not None:
            found["importable"].append(name)
    except Exception:
        pass
for root, folders, files in os.walk("/"):
    if root in ("/proc", "/sys", "/dev"):
        folders[:] = []
        continue
    for name in files:
        path = os.path.join(root, name)
        try:
            if os.path.islink(path):
                continue
            size = os.path.getsize(path)
            if size in sizes:
                with open(path, "rb") as handle:
                    if hashlib.sha256(handle.read()).hexdigest() in secrets[str(size)]:
                        found["files"].append(path)
            if name.endswith((".whl", ".zip")):
                with zipfile.ZipFile(path) as archive:
                    if any("solutions/" in entry or "hidden/" in entry for entry in archive.namelist()):
                        found["archives"].append(path)
        except Exception:
            continue
for pid in os.listdir("/proc"):
    try:  # another uid's process: the grader's, root's (the sandbox's own, of its uid, hold nothing of it)
        others = pid.isdigit() and os.stat(f"/proc/{pid}").st_uid != os.getuid()
    except OSError:
        others = False
    if others:
        for part in ("mem", "environ"):
            try:
                with open(f"/proc/{pid}/{part}", "rb") as handle:
                    handle.read(1)
                found["memory"].append(f"{pid}/{part}")
            except Exception:
                pass
print(json.dumps(found))
"""

AS_ROOT = r"""
import json, subprocess, sys
from pathlib import Path
sys.path.insert(0, "/autograder/source/lib")
from autograder.grading.gradescope_run import lock_down, student_uid
from autograder.grading.sandbox import detect_confined
lock_down(Path("/autograder"))
sandbox = detect_confined(student_uid())
done = subprocess.run(sandbox.wrap([sys.executable, "-c", sys.argv[2], sys.argv[1]]),
                      capture_output=True, text=True, timeout=300)
# The same scan as root, outside the sandbox: it must find the installed copy, or it proves nothing.
unconfined = subprocess.run([sys.executable, "-c", sys.argv[2], sys.argv[1]], capture_output=True, text=True)
print(json.dumps({"sandbox": sandbox.kind, "code": done.returncode, "stderr": done.stderr[-2000:],
                  "seen": json.loads(done.stdout) if done.returncode == 0 else None,
                  "seen_by_root": json.loads(unconfined.stdout)}))
"""


def secret_hashes(wheel: Path) -> dict[str, list[str]]:
    """size -> sha256 of every file of the wheel a notebook must not read."""
    hashes: dict[str, list[str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for entry in archive.namelist():
            # Of the metadata, METADATA holds the README (whose errata give hw3's table); the rest is any wheel's.
            if (
                entry.startswith(ALLOWED)
                or entry.endswith("/")
                or (".dist-info/" in entry and "/METADATA" not in entry)
            ):
                continue
            data = archive.read(entry)
            if not data:
                continue  # an empty file (py.typed) holds no secret, and has the hash of every empty file
            hashes.setdefault(str(len(data)), []).append(hashlib.sha256(data).hexdigest())
    return hashes


@pytest.mark.parametrize("kind", ["docker", "permissive"])
def test_the_notebook_s_process_can_import_or_read_nothing_of_the_grader(
    fresh_build: dict[str, Built], kind: str, tmp_path: Path
) -> None:
    require_try_zip()
    root = lay_out(fresh_build["hw1"].zip_path, EXAMPLES / "hw1" / "passes_all.ipynb", tmp_path)
    (wheel,) = (root / "source" / "files" / "wheels").glob("*.whl")
    secrets = secret_hashes(wheel)
    assert sum(len(v) for v in secrets.values()) > 20  # the reference and the hidden checks are in there
    done = run_contained(
        root, Path(sys.executable), kind, [sys.executable, "-I", "-c", AS_ROOT, json.dumps(secrets), SCANNER]
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["sandbox"] == ("unprivileged" if kind == "docker" else "bubblewrap")
    assert report["code"] == 0, report["stderr"]
    assert report["seen"] == {"importable": [], "files": [], "archives": [], "memory": []}
    assert any(path.startswith("/autograder/source/lib/solutions/") for path in report["seen_by_root"]["files"])
    assert report["seen_by_root"]["archives"]
