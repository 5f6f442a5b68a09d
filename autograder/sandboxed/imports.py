"""The course's import rule, enforced while a notebook runs (the rule itself: checks/environment.py).

An import of a module outside the rule is refused, with the rule's message, when the notebook's
own code makes it: the nearest Python frame outside the import machinery is a cell (or code the
notebook compiled or wrote itself: anything that is not the standard library, an installed
package or this grader). numpy, pandas and IPython keep importing what they need (pandas imports
dateutil), and whether the refused module is installed, or already imported by someone else,
makes no difference to what the student sees. While the notebook's code runs, what those packages
import beyond their own dependencies (an optional scipy, or scipy asked for through a helper such
as IPython's `import_item`) is refused too, as if not installed.

Three doors, one decision:
- `builtins.__import__`: every `import` statement and `__import__(...)`, even of a module
  already in sys.modules (which no finder would be asked about);
- `importlib.import_module`;
- a finder at the front of sys.meta_path, for whatever else reaches the finders.

Only for consistency: a determined notebook can undo this (it controls its own process); the
sandbox, not this rule, is the security boundary.
"""

from __future__ import annotations

import builtins
import dis
import importlib
import importlib.abc
import importlib.util
import json
import os
import re
import site
import sys
import sysconfig
import types
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..checks import environment

_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_HERE = os.path.abspath(__file__)
_AUTOGRADER = os.path.dirname(os.path.dirname(_HERE))
_IMPORTLIB = os.path.dirname(os.path.abspath(importlib.__file__))
# importlib functions that import the name they are given: called by the notebook, the notebook imports.
_EXPLICIT = frozenset({"import_module", "__import__", "_gcd_import"})
_GRADER = __name__.partition(".")[0]


# One class for the grader and the student's own check: the same failure reads the same in both.
RefusedImport = environment.RefusedImport


def _folders() -> tuple[str, ...]:
    """Where the standard library, installed packages and this grader live: code there is not the notebook's."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, _AUTOGRADER}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            found.add(sysconfig.get_path(key))
        except KeyError:
            continue
    try:
        found.update(site.getsitepackages())
        if site.ENABLE_USER_SITE:
            found.add(site.getusersitepackages())
    except AttributeError:
        pass
    found.update(entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages")))
    folders = {os.path.abspath(f) for f in found if f} | {os.path.realpath(f) for f in found if f}
    return tuple(sorted(folder.rstrip(os.sep) + os.sep for folder in folders))


_INSTALLED = _folders()


@lru_cache(maxsize=4096)
def _kind(filename: str) -> str:
    """'machinery' (the import system, and this module), 'installed' (stdlib, packages, grader) or 'notebook'."""
    if filename.startswith("<frozen importlib") or filename == _HERE:
        return "machinery"
    if filename.startswith("<frozen "):
        return "installed"  # the frozen part of the standard library (os, codecs, runpy, ...)
    if not os.path.isabs(filename):
        return "notebook"  # <ipython-input-...>, <string>, <timed exec>, a relative path in scratch
    path = os.path.abspath(filename)
    if path.startswith(_IMPORTLIB + os.sep):
        return "machinery"
    return "installed" if path.startswith(_INSTALLED) else "notebook"


def _at_import_statement(frame: types.FrameType) -> bool:
    try:
        return frame.f_code.co_code[frame.f_lasti] == _IMPORT_NAME
    except (IndexError, TypeError):
        return False


def _by_the_notebook(frame: types.FrameType | None, explicit: bool) -> bool:
    """Whether the import running above `frame` was made by the notebook's own code.

    `explicit`: it came through a door that imports the name it is given (`__import__(name)`,
    `import_module(name)`), called from `frame`. Otherwise, a notebook frame counts only when it is
    executing an import statement, or called importlib's import functions: when it called into C
    code (a numpy or pandas extension) that imports for itself, the import is that package's."""
    last_machinery = ""
    while frame is not None:
        code = frame.f_code
        if code in _DOORS:
            return False  # one of our doors let it through already: this is that import proceeding
        kind = _kind(code.co_filename)
        if kind == "machinery":
            last_machinery = code.co_name
            frame = frame.f_back
            continue
        if kind == "installed":
            return False
        return explicit or _at_import_statement(frame) or last_machinery in _EXPLICIT
    return False


def _notebook_on_stack(frame: types.FrameType | None) -> bool:
    """Whether the notebook's code is running somewhere below this import (a call into a package)."""
    while frame is not None:
        if frame.f_code in _DOORS:
            return False  # that door decided already: this is its import proceeding
        if _kind(frame.f_code.co_filename) == "notebook":
            return True
        frame = frame.f_back
    return False


def _normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


# A process working dependencies() out beside this one's own start-up (work_out_dependencies_aside): its pid and
# the pipe its answer comes on.
_aside: tuple[int, int] | None = None


def work_out_dependencies_aside() -> None:
    """Start working dependencies() out in a process of its own, while this one goes on importing.

    For the fork server, first thing: reading the installed packages' metadata (importlib.metadata's own
    import included) is a tenth of its start-up, every notebook waits for that start-up, and a second core
    is free meanwhile. The answer is the same: the helper is a fork of this process, in its sandbox, seeing
    the same files. Only where no thread runs yet (a fork of a process with threads may deadlock)."""
    global _aside
    if _aside is not None or dependencies.cache_info().currsize:
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            answer = memoryview(json.dumps(sorted(_work_out_dependencies())).encode())
            while answer:
                answer = answer[os.write(write, answer) :]
            os._exit(0)
        finally:
            os._exit(1)
    os.close(write)
    _aside = (pid, read)


def _answer_aside() -> frozenset[str] | None:
    """What the helper worked out; None where there is none, or it failed (then this process works it out)."""
    global _aside
    if _aside is None:
        return None
    (pid, read), _aside = _aside, None
    chunks = []
    with os.fdopen(read, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    try:
        _, status = os.waitpid(pid, 0)
    except OSError:  # reaped by the system already (SIGCHLD ignored): whether it finished is not known
        return None
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return None
    try:
        names = json.loads(b"".join(chunks))
    except ValueError:
        return None
    if not (isinstance(names, list) and all(isinstance(name, str) for name in names)):
        return None
    return frozenset(names)


@lru_cache(maxsize=1)
def dependencies() -> frozenset[str]:
    """The modules the allowed packages (and IPython, which runs the cells) need, as installed here.

    What they import for themselves while the notebook's code runs is theirs to import; anything
    else they would import then (an optional extra such as scipy or pyarrow, or a helper like
    IPython's `import_item` asked for scipy) is the notebook reaching past the rule, and is refused
    as if not installed: so the grade is the same wherever scipy happens to be installed. Worked out
    once, in the fork server (`warm`, or beside its imports: work_out_dependencies_aside), from the
    installed packages' own metadata."""
    answer = _answer_aside()
    return answer if answer is not None else _work_out_dependencies()


def _work_out_dependencies() -> frozenset[str]:
    from importlib import metadata

    # jinja2: pandas' own optional dependency for `df.style` and `to_latex`, and the grader's own (its report), so
    # installed wherever a notebook is graded, as in every Jupyter; the notebook itself still may not import it.
    pending, seen = ["numpy", "pandas", "ipython", "jinja2"], set()
    while pending:
        distribution = _normalised(pending.pop())
        if distribution in seen:
            continue
        seen.add(distribution)
        try:
            requirements = metadata.requires(distribution) or []
        except metadata.PackageNotFoundError:
            continue
        # An extra is optional by definition; every other requirement counts, whatever its marker.
        pending.extend(
            re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0]
            for requirement in requirements
            if not re.search(r"\bextra\s*==", requirement)
        )
    top_levels = _top_levels(seen)
    return frozenset(top for distribution in seen for top in top_levels.get(distribution, ())) | {_GRADER}


def _metadata() -> types.ModuleType:
    """importlib.metadata, or before Python 3.11 its backport where installed (Dask requires it there): only
    from 3.11 does the standard library's know the modules of a wheel that has no top_level.txt, such as
    traitlets, which IPython 8 imports lazily while a notebook's `%config` runs."""
    if sys.version_info < (3, 11):
        try:
            import importlib_metadata

            return importlib_metadata
        except ImportError:
            pass
    from importlib import metadata

    return metadata


def _top_levels(wanted: set[str]) -> dict[str, set[str]]:
    """What metadata.packages_distributions() says of the `wanted` distributions (normalised names),
    reading only theirs: it reads every installed package's file list, a fifth of a second of the
    fork server's start-up in a full environment."""
    metadata = _metadata()
    declared = getattr(metadata, "_top_level_declared", None)
    inferred = getattr(metadata, "_top_level_inferred", None)
    found: dict[str, set[str]] = {}
    for distribution in metadata.distributions():
        # From the folder's name where it has one, as importlib.metadata itself does: no file read.
        quick = getattr(distribution, "_normalized_name", None)
        if isinstance(quick, str) and _normalised(quick) not in wanted:
            continue
        name = distribution.metadata["Name"]
        if name is None or _normalised(name) not in wanted:
            continue
        if declared is None or inferred is None:  # Python 3.10 without the backport: top_level.txt only
            tops = (distribution.read_text("top_level.txt") or "").split()
        else:
            tops = declared(distribution) or inferred(distribution)
        if tops:  # as there: a distribution naming no module has no entry
            found.setdefault(_normalised(name), set()).update(tops)
    return found


def _refused(name: str, frame: types.FrameType | None, explicit: bool) -> bool:
    if environment.allowed(name):
        return False
    if _by_the_notebook(frame, explicit):
        return True
    return environment.top_level(name) not in dependencies() and _notebook_on_stack(frame)


def _refuse(name: str) -> RefusedImport:
    return RefusedImport(environment.refusal_message(name), name=environment.top_level(name))


_original_import = builtins.__import__
_original_import_module = importlib.import_module


def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    # Called with no globals: `__import__("x")` written in the notebook. An import statement, or C
    # code importing for itself, passes the calling frame's globals.
    if level == 0 and isinstance(name, str) and _refused(name, sys._getframe(1), explicit=globals is None):
        raise _refuse(name)
    return _original_import(name, globals, locals, fromlist, level)


def _import_module(name: str, package: str | None = None) -> types.ModuleType:
    absolute = name
    if isinstance(name, str) and name.startswith("."):
        try:
            absolute = importlib.util.resolve_name(name, package)
        except (ImportError, ValueError, AttributeError):
            absolute = name
    if isinstance(absolute, str) and not absolute.startswith(".") and _refused(absolute, sys._getframe(1), True):
        raise _refuse(absolute)
    return _original_import_module(name, package)


_DOORS = frozenset({_import.__code__, _import_module.__code__})


class ImportRule(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: refuses what the notebook may not import; finds nothing itself."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if _refused(fullname, sys._getframe(1), explicit=False):
            raise _refuse(fullname)
        return None

    def invalidate_caches(self) -> None:
        pass


def install() -> Callable[[], None]:
    """Enforce the rule in this process from now on; returns what undoes it (for a run in-process)."""
    dependencies()  # before the doors close: reading package metadata imports for itself
    rule = ImportRule()
    sys.meta_path.insert(0, rule)
    builtins.__import__ = _import
    importlib.import_module = _import_module

    def uninstall() -> None:
        if rule in sys.meta_path:
            sys.meta_path.remove(rule)
        if builtins.__import__ is _import:
            builtins.__import__ = _original_import
        if importlib.import_module is _import_module:
            importlib.import_module = _original_import_module

    return uninstall


__all__ = ["ImportRule", "RefusedImport", "install"]
