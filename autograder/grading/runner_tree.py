"""The only project code a sandboxed submission can see: a copy of `sandboxed/` and `checks/`.

An allow-list, not a deny-list: the fork server imports the package from this tree, made afresh
from the running grader's own files (so both sides are the same version), readable by any uid and
writable by none but root. The rest of the package (the grader, the hidden checks) and solutions/
are not in it, whatever the grader was installed as.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from autograder.grading.bytecode import copy_module

PACKAGE = Path(__file__).resolve().parent.parent
SANDBOXED_PACKAGES = ("sandboxed", "checks")
_STUB = '"""cnngrade, as a sandboxed submission sees it: the runner and the student-safe checks only."""\n'


def _copy(source: Path, target: Path) -> None:
    target.mkdir()
    for path in sorted(source.iterdir()):
        if path.is_dir() and path.name != "__pycache__":
            _copy(path, target / path.name)
        elif path.suffix == ".py":
            copy_module(path, target / path.name)


def _open_to_read(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@lru_cache(maxsize=1)
def runner_tree() -> Path:
    """A folder to put first on the sandbox's PYTHONPATH; removed when this process exits."""
    root = Path(tempfile.mkdtemp(prefix="cnngrade-runner-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    package = root / PACKAGE.name
    package.mkdir()
    (package / "__init__.py").write_text(_STUB)
    for name in SANDBOXED_PACKAGES:
        _copy(PACKAGE / name, package / name)
    _open_to_read(root)
    return root
