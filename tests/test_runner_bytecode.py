"""The runner tree's modules carry the grader's bytecode, so that a fork server importing them from the
read-only copy does not compile them at each start; only bytecode Python checks against its source is
carried, and wherever the grader's own cache lives (beside the source, or under PYTHONPYCACHEPREFIX)."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.bytecode import copy_module
from autograder.grading.runner_tree import SANDBOXED_PACKAGES, runner_tree


def _module(folder: Path, value: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "probe_module.py"
    source.write_text(f"VALUE = {value!r}\n")
    os.utime(source, (1_700_000_000, 1_700_000_000))
    return source


def _import_copy(target: Path) -> str:
    """VALUE as a fresh interpreter that may not write bytecode imports it from the copy (as the sandbox does)."""
    done = subprocess.run(
        [
            sys.executable,
            "-B",
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import probe_module as m; print(m.VALUE)",
            str(target.parent),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _compile_other(source: Path, value: str, mode: py_compile.PycInvalidationMode) -> None:
    """The pyc of `source` made from another text of the same length: which text runs tells which was used."""
    assert len(value) == len(source.read_text().split("'")[1])
    stand_in = source.with_name("stand_in.py")
    stand_in.write_text(f"VALUE = {value!r}\n")
    stat = source.stat()
    os.utime(stand_in, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    compiled = importlib.util.cache_from_source(str(source), optimization="")
    py_compile.compile(str(stand_in), cfile=compiled, invalidation_mode=mode, doraise=True)
    stand_in.unlink()


def test_a_valid_timestamp_pyc_travels_with_the_copy_and_is_what_imports(tmp_path: Path) -> None:
    source = _module(tmp_path / "grader", "source")
    _compile_other(source, "pycode", py_compile.PycInvalidationMode.TIMESTAMP)
    target = tmp_path / "copy" / "probe_module.py"
    target.parent.mkdir()
    copy_module(source, target)
    assert (target.parent / "__pycache__").is_dir()
    # The copy's bytecode, not a compile of its source, is what ran: the server compiled nothing.
    assert _import_copy(target) == "pycode"


def test_bytecode_of_another_source_is_left_behind(tmp_path: Path) -> None:
    source = _module(tmp_path / "grader", "source")
    _compile_other(source, "pycode", py_compile.PycInvalidationMode.TIMESTAMP)
    source.write_text("VALUE = 'edited'\n")  # changed after it was compiled (size and time)
    target = tmp_path / "copy" / "probe_module.py"
    target.parent.mkdir()
    copy_module(source, target)
    assert not (target.parent / "__pycache__").exists()
    assert _import_copy(target) == "edited"


@pytest.mark.parametrize(
    ("mode", "carried"),
    [
        (py_compile.PycInvalidationMode.CHECKED_HASH, True),
        (py_compile.PycInvalidationMode.UNCHECKED_HASH, False),
    ],
)
def test_hash_bytecode_travels_only_where_python_checks_it(
    tmp_path: Path, mode: py_compile.PycInvalidationMode, carried: bool
) -> None:
    source = _module(tmp_path / "grader", "source")
    compiled = importlib.util.cache_from_source(str(source), optimization="")
    py_compile.compile(str(source), cfile=compiled, invalidation_mode=mode, doraise=True)
    target = tmp_path / "copy" / "probe_module.py"
    target.parent.mkdir()
    copy_module(source, target)
    assert (target.parent / "__pycache__").exists() is carried
    assert _import_copy(target) == "source"


def test_the_grader_s_cache_prefix_is_read_and_the_copy_s_bytecode_goes_beside_it(tmp_path: Path) -> None:
    # Under PYTHONPYCACHEPREFIX the grader's bytecode lives under the prefix; the server (which runs
    # without it) looks beside the module. Run in a process of its own: the prefix is read at start.
    source = _module(tmp_path / "grader", "source")
    prefix = tmp_path / "prefix"
    target = tmp_path / "copy" / "probe_module.py"
    target.parent.mkdir()
    script = (
        "import py_compile, sys; from pathlib import Path;"
        "from autograder.grading.bytecode import copy_module;"
        "py_compile.compile(sys.argv[1], doraise=True);"
        "copy_module(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(source), str(target)],
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)},
        check=True,
    )
    assert any(prefix.rglob("probe_module.*.pyc"))
    assert [p.name for p in (target.parent / "__pycache__").iterdir()] == [
        f"probe_module.{sys.implementation.cache_tag}.pyc"
    ]


def test_the_runner_tree_holds_only_the_sandboxed_packages_sources_and_their_bytecode() -> None:
    tree = runner_tree() / "autograder"
    for path in tree.rglob("*"):
        relative = path.relative_to(tree)
        assert relative == Path("__init__.py") or relative.parts[0] in SANDBOXED_PACKAGES
        if path.is_file():
            assert path.suffix in (".py", ".pyc"), path
            assert path.stat().st_mode & 0o777 == 0o644
            if path.suffix == ".pyc":
                assert path.parent.name == "__pycache__"
                assert (path.parent.parent / f"{path.name.split('.')[0]}.py").is_file()
