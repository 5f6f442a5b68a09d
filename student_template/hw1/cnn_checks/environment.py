"""The course's one package rule: what a notebook may import when it is graded.

A notebook may import the standard library, numpy, pandas and matplotlib (whose plots are not
drawn when graded: autograder/sandboxed/plots.py), and nothing else. Besides those,
only the notebook's own machinery is let through: IPython (a notebook runs in it: `display`,
`IPython.display`), Otter (`grader = otter.Notebook()`) and the checks bundle (`cnn_checks`).

Two places apply this rule and both read it from here:
- the bulk grader refuses, while a notebook runs, any import its code makes of another package,
  installed or not (autograder/sandboxed/imports.py);
- in the student's own Jupyter, where nothing is enforced, `grader.check` and the hidden tests use
  `refused_imports` on the live namespace: modules bound there, objects taken from a refused
  package, and imports inside the functions the notebook defines.

Standard library only, and no import of the rest of this package: the student bundle ships this
file as `cnn_checks/environment.py`, and the sandboxed runner imports it beside student code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dis
import functools
import io
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

#: Packages a graded notebook may import besides the standard library (matplotlib's distribution also installs
#: `mpl_toolkits` and `pylab`, and `cycler` comes with it: `prop_cycle=cycler(color=...)`).
ALLOWED_PACKAGES = frozenset({"numpy", "pandas", "matplotlib", "mpl_toolkits", "pylab", "cycler"})
#: The notebook's own machinery: never counted against the rule.
NOTEBOOK_PACKAGES = frozenset({"IPython", "otter", "cnn_checks"})
RULE = "when graded, a notebook may import only the standard library, numpy, pandas and matplotlib"
#: Packages `cnngrade build` lets the master's own solution cells use while `otter assign` checks
#: them (comma-separated). Never set where a student's notebook runs; and where the Otter zip runs
#: one, a notebook can patch these checks anyway (the score of record is `cnngrade grade`'s).
MASTER_BUILD_VARIABLE = "CNNGRADE_MASTER_PACKAGES"
#: Names the notebook infrastructure binds in a namespace (IPython, ipykernel, Otter): never scanned.
INFRASTRUCTURE_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit"})

_STANDARD = frozenset(getattr(sys, "stdlib_module_names", ())) | {"__main__", "builtins", "sys"}
_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_GLOBAL_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_DYNAMIC_IMPORTERS = frozenset({"__import__", "import_module"})
_LEVEL_LOADERS = frozenset({"LOAD_CONST", "LOAD_SMALL_INT"})
# At most this many values are looked at, following functions and classes into each other.
_MAX_SCANNED = 10_000


def top_level(module: str) -> str:
    return module.partition(".")[0]


def allowed(module: str) -> bool:
    """Whether a graded notebook may import `module` (a dotted name: its top-level package decides)."""
    top = top_level(module)
    return top in _STANDARD or top in ALLOWED_PACKAGES or top in NOTEBOOK_PACKAGES


def refusal_message(module: str) -> str:
    """What a student reads when `module` (or a name taken from it) breaks the rule."""
    return f"`{top_level(module)}` cannot be used: {RULE} (see the course README)."


class RefusedImport(ModuleNotFoundError):
    """An import the course's rule refuses; a ModuleNotFoundError, so `except ImportError` still works."""


@contextmanager
def refusing_imports(namespace: Mapping[str, Any], exempt: Iterable[str] = ()) -> Iterator[None]:
    """While a notebook's function runs on a check's probe in the student's own Jupyter, where nothing else enforces
    the rule: an import its code makes (in the notebook's namespace) of another package fails as when graded, so what
    the function does then (its fallback for a missing package, or the failure) is what grading will see."""
    spared = frozenset(exempt)
    # importlib is found, not imported: these checks never import by name (tests/test_checks_public_api.py).
    loader: Any = sys.modules.get("importlib")
    original_import = builtins.__import__
    original_import_module = getattr(loader, "import_module", None)

    def refused(name: Any, importer: Any) -> bool:
        return (
            importer is namespace
            and isinstance(name, str)
            and not name.startswith(".")
            and not allowed(name)
            and top_level(name) not in spared
        )

    def guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        # An import statement passes its frame's globals; `__import__("x")` written out passes none.
        importer = globals if globals is not None else sys._getframe(1).f_globals
        if level == 0 and refused(name, importer):
            raise RefusedImport(refusal_message(name), name=top_level(name))
        return original_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name: str, package: str | None = None) -> types.ModuleType:
        if refused(name, sys._getframe(1).f_globals):
            raise RefusedImport(refusal_message(name), name=top_level(name))
        assert original_import_module is not None
        return original_import_module(name, package)

    builtins.__import__ = guarded_import
    if original_import_module is not None:
        loader.import_module = guarded_import_module
    try:
        yield
    finally:
        # Put back only what is still ours: a second check in another thread may have wrapped it since.
        if builtins.__import__ is guarded_import:
            builtins.__import__ = original_import
        if original_import_module is not None and loader.import_module is guarded_import_module:
            loader.import_module = original_import_module


def _module_of(value: Any) -> str | None:
    """The dotted module a namespace entry comes from, when it tells: a module's own name, or `__module__`."""
    try:
        if isinstance(value, types.ModuleType):
            name = value.__name__
        else:
            module = getattr(value, "__module__", None)
            name = module if isinstance(module, str) else ""  # never str() of a student's object
    except Exception:
        return None
    return name if isinstance(name, str) and name else None


def _imports_in(code: types.CodeType) -> Iterator[str]:
    """The absolute modules a code object (and every code object nested in it) imports: by import
    statements, and by a name given as a constant to a function that imports it (`__import__`,
    `importlib.import_module`)."""
    pending = [code]
    while pending:
        current = pending.pop()
        pending.extend(const for const in current.co_consts if isinstance(const, types.CodeType))
        previous: list[dis.Instruction] = []
        importer_seen: int | None = None  # where the last __import__/import_module was loaded
        for index, instruction in enumerate(dis.get_instructions(current)):
            if instruction.opcode == _IMPORT_NAME:
                # The import's level is the constant loaded two instructions before: 0 means absolute.
                level = previous[-2] if len(previous) >= 2 else None
                relative = (
                    level is not None
                    and level.opname in _LEVEL_LOADERS
                    and isinstance(level.argval, int)
                    and level.argval > 0
                )
                if not relative and isinstance(instruction.argval, str):
                    yield instruction.argval
            elif instruction.argval in _DYNAMIC_IMPORTERS and instruction.opname.startswith("LOAD_"):
                importer_seen = index
            elif (
                instruction.opname == "LOAD_CONST"
                and isinstance(instruction.argval, str)
                and importer_seen is not None
                and index - importer_seen <= 3
            ):
                yield instruction.argval  # the first argument, a few instructions after the callee
                importer_seen = None
            previous = (previous + [instruction])[-2:]


def _code_of(value: Any) -> types.CodeType | None:
    try:
        code = getattr(value, "__code__", None)
    except Exception:
        return None
    return code if isinstance(code, types.CodeType) else None


def _members(value: Any) -> Iterable[Any]:
    """What a class defined in the notebook holds: its methods, static and class methods, properties."""
    try:
        members = list(vars(value).values())
    except Exception:
        return []
    found = []
    for member in members:
        if isinstance(member, (staticmethod, classmethod)):
            found.append(member.__func__)
        elif isinstance(member, property):
            found.extend(f for f in (member.fget, member.fset, member.fdel) if f is not None)
        else:
            found.append(member)
    return found


def _scanned_names(namespace: Mapping[str, Any], names: Iterable[str] | None) -> list[str]:
    if names is not None:
        return [name for name in names if name in namespace]
    return [
        name
        for name in list(namespace)
        if isinstance(name, str) and not name.startswith("_") and name not in INFRASTRUCTURE_NAMES
    ]


def refused_imports(
    namespace: Mapping[str, Any], names: Iterable[str] | None = None, *, inside_functions: bool = True
) -> list[str]:
    """The packages a notebook's namespace uses against the rule, sorted (empty when it keeps it).

    Found: modules bound in the namespace (`import scipy.signal as ss`), objects whose module is in
    a refused package (`from scipy.signal import correlate2d`, an instance of a refused class), and
    unless `inside_functions` is false (the function is run under `refusing_imports` instead, which
    also sees a fallback for the refused package), imports inside the functions and classes the
    notebook defined (`def f(): import scipy`), following nested functions. With `names`, only what those answers reach: each named value, and
    for a function defined in the notebook, the globals it uses, transitively (a helper it calls, a
    module it reads). The notebook's machinery (`In`, `Out`, `get_ipython`, `exit`, `quit`, names
    starting with `_`, anything from IPython, Otter or `cnn_checks`) is never counted.
    """
    own_modules = frozenset({"__main__", str(namespace.get("__name__", "__main__"))})
    refused: set[str] = set()
    seen: set[int] = set()
    pending = [namespace[name] for name in _scanned_names(namespace, names)]
    while pending and len(seen) < _MAX_SCANNED:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        try:
            pending.extend(_scan(value, namespace, own_modules, refused, names is not None, inside_functions))
        except Exception:
            continue
    return sorted(refused)


def _scan(
    value: Any,
    namespace: Mapping[str, Any],
    own_modules: frozenset[str],
    refused: set[str],
    follow_globals: bool,
    inside_functions: bool,
) -> list[Any]:
    """Note what one value uses against the rule; return what else it leads to."""
    if isinstance(value, functools.partial):  # `conv2d = partial(_conv, ...)`: what it calls, with what
        return [value.func, *value.args, *value.keywords.values()]
    module = _module_of(value)
    if module is not None and module not in own_modules:
        if not allowed(module):
            refused.add(top_level(module))
        return []  # the rule is about what the notebook imports, not what numpy does inside
    if module is None and _code_of(value) is None:
        return []  # a function defined where no __name__ is set (exec) is still the notebook's own
    more = []
    wrapped = getattr(value, "__wrapped__", None)  # a decorated function: what it wraps too
    if wrapped is not None:
        more.append(wrapped)
    if isinstance(value, type):
        return more + list(_members(value))
    code = _code_of(value)
    if code is None:
        return more + [type(value)]  # an instance of the notebook's own class: what its methods use
    closure = getattr(value, "__closure__", None) or ()
    more.extend(cell.cell_contents for cell in closure if _filled(cell))
    if inside_functions:
        refused.update(top_level(name) for name in _imports_in(code) if not allowed(name))
    if follow_globals:
        more.extend(
            namespace[name]
            for name in _global_names(code)
            if name in namespace and not name.startswith("__") and name not in INFRASTRUCTURE_NAMES
        )
    return more


class WhereSet(NamedTuple):
    """How a name gets set when graded, as the notebook's history of cells tells."""

    refused: str | None = None  # the package that stops every cell setting it, if one does
    read_first: tuple[str, ...] = ()  # what the cell that sets it reads before setting it
    from_run: bool = False  # no cell sets it, and `%run` ran a script: that is where it comes from


def where_set_when_graded(namespace: Mapping[str, Any], name: str) -> WhereSet:
    """How `name` gets set when graded, read from the notebook's history of cells (IPython's `In`), latest first.

    A cell that imports a package against the rule before it sets `name` stops there when graded, and `name` is never
    set in it: a value computed with scipy checks fine in the student's Jupyter, where scipy is installed, and is
    missing when graded. So the cell that counts is the latest that sets `name` and is not stopped first; the package
    is blamed (the latest cell's) only when every cell that sets `name` is stopped. The names read are that cell's,
    in code sure to run before it sets `name`: any of them unset when graded stops it too (a NameError).

    Only what is sure to run counts: a cell's top level and an `if True:` block, up to the first line that sets
    `name` (`from scipy.signal import correlate2d` itself, for `correlate2d`); an `if`'s test, not its body; not a
    `try` or `with` (a fallback may catch a failed import), a loop's body, a function or a class. A cell run through
    a magic (`%%time`) is not read, and nothing before it counts.

    A name no cell sets (one may read or show it), in a notebook that ran `%run script.py`, came from the script:
    grading runs only the notebook's own cells, so it is never set."""
    history = namespace.get("In")
    if not isinstance(history, list):
        return WhereSet()
    blamed: str | None = None
    set_in_a_cell = False
    for cell in _cells_binding(history, name):
        if cell is None:
            return WhereSet()
        tree, setting = cell
        set_in_a_cell = True
        first = min(setting)
        needed = _refused_before(tree, first)
        if needed is None:
            read: set[str] = set()
            for node in _statements_that_run(tree.body):
                if node.lineno > first:
                    break
                read |= _names_loaded(node)
            return WhereSet(read_first=tuple(sorted(read)))
        blamed = blamed or needed
    if not set_in_a_cell:
        return WhereSet(from_run=any(isinstance(source, str) and _RUN_MAGIC in source for source in history))
    return WhereSet(refused=blamed)


# How IPython writes `%run script.py` (and `%run -i ...`) and a `%%writefile` cell in `In`.
_RUN_MAGIC = "get_ipython().run_line_magic('run',"
_WRITEFILE_MAGIC = "get_ipython().run_cell_magic('writefile',"


def refused_value(value: Any) -> bool:
    """Whether `value` comes from a package the rule refuses (a module, or a function or class imported from one)."""
    module = _module_of(value)
    return module is not None and not allowed(module)


def graded_fallbacks(namespace: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """What each of `names` (bound here from a refused package) is when graded, where the import that binds it has a
    fallback: the latest cell that binds it imports it in a `try` whose `except ImportError` (or a broader handler)
    binds it too (`tqdm = lambda it, **kw: it`). When graded the import fails and the handler runs; here, where the
    package is installed, it never ran: it is run now, on a copy of the namespace, its output discarded. A name
    without such a fallback, or whose handler fails or does more than bind names (`pip install`, a download: it would
    act each time the student checks), is left out: the check then refuses the import, as before."""
    found: dict[str, Any] = {}
    for name in names:
        handler = _fallback_handler(namespace, name)
        if handler is None or not all(_only_binds(statement) for statement in handler.body):
            continue
        scratch = dict(namespace)
        if handler.name:
            scratch[handler.name] = RefusedImport(refusal_message(name), name=name)
        try:
            code = compile(ast.Module(body=handler.body, type_ignores=[]), "<the except clause, run as graded>", "exec")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                with refusing_imports(scratch):
                    exec(code, scratch)
        except Exception:
            continue
        if name in scratch and not refused_value(scratch[name]):
            found[name] = scratch[name]
    return found


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
# What an except clause run for the check may call: a note to the reader. Anything else (`pip install`, a download,
# appending to a list) would act in the student's Jupyter each time they check.
_NOTES = frozenset({"print", "warn"})


def _only_binds(statement: ast.stmt) -> bool:
    """Whether a statement of an except clause only binds names (a value, a lambda, a def, an allowed import) or
    prints a note: safe to run for the check, again and again, in the student's own Jupyter."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return all(allowed(module) for module in _imported_by(statement)) and not (
            isinstance(statement, ast.ImportFrom) and statement.level
        )
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return not statement.decorator_list and all(_computes_nothing(d) for d in statement.args.defaults)
    if isinstance(statement, ast.Assign):
        return all(isinstance(target, ast.Name) for target in statement.targets) and _computes_nothing(statement.value)
    if isinstance(statement, ast.Expr):
        call = statement.value
        if isinstance(call, ast.Constant):
            return True
        callee = call.func if isinstance(call, ast.Call) else None
        named = callee.id if isinstance(callee, ast.Name) else callee.attr if isinstance(callee, ast.Attribute) else ""
        return isinstance(call, ast.Call) and named in _NOTES and all(_computes_nothing(a) for a in call.args)
    return False


def _computes_nothing(expression: ast.expr) -> bool:
    """No call, await or yield, outside a lambda's body (which runs only when called)."""
    pending: list[ast.AST] = [expression]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Lambda):
            pending.extend(node.args.defaults)
            continue
        if isinstance(node, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        pending.extend(ast.iter_child_nodes(node))
    return True


def _fallback_handler(namespace: Mapping[str, Any], name: str) -> ast.ExceptHandler | None:
    """The `except` clause that binds `name` when the import binding it fails, in the latest cell that binds it."""
    history = namespace.get("In")
    if not isinstance(history, list):
        return None
    for cell in _cells_binding(history, name):
        if cell is None:
            return None
        tree, setting = cell
        if _refused_before(tree, min(setting)) is not None:
            continue  # stopped by a refused import before it binds `name` when graded: an earlier cell's binding stands
        last = max(setting)  # the binding that stands after the cell ran
        handler = _handler_binding(tree, setting, last)
        if handler is None:
            return None  # bound in this cell, with no fallback: grading refuses it as the check does
        if handler is not _LEAVES_IT:
            return handler
        # The import fails when graded and the clause binds nothing: the binding of an earlier cell stands.
    return None


# A cell's `try` whose import fails when graded and whose `except` binds nothing: the name is left as it was.
_LEAVES_IT = ast.ExceptHandler(type=None, name=None, body=[])


def _handler_binding(tree: ast.Module, setting: set[int], last: int) -> ast.ExceptHandler | None:
    """The `except ImportError` clause of the `try` holding line `last`, where its body imports the name (a line of
    `setting`); _LEAVES_IT if that clause does not bind it; None if line `last` is no such import's."""
    for node in _statements_that_run(tree.body):
        if not isinstance(node, ast.Try) or not node.lineno <= last <= (node.end_lineno or node.lineno):
            continue
        imported = any(
            isinstance(statement, (ast.Import, ast.ImportFrom)) and statement.lineno in setting
            for statement in node.body
        )
        for handler in node.handlers:
            caught = handler.type
            names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
            if imported and (caught is None or any(isinstance(n, ast.Name) and n.id in _IMPORT_ERRORS for n in names)):
                end = handler.end_lineno or handler.lineno
                return handler if any(handler.lineno <= line <= end for line in setting) else _LEAVES_IT
    return None


def _cells_binding(history: list[Any], name: str) -> Iterator[tuple[ast.Module, set[int]] | None]:
    """Latest first, each cell of the notebook's history (IPython's `In`) that binds `name`: its tree and the lines
    that bind it. None for a cell that mentions `name` and cannot be read as Python (run through a magic, `%%time`),
    and then nothing more: what such a cell does to `name`, and so which earlier cell counts, is unknown."""
    for source in reversed(history):
        if not isinstance(source, str) or name not in source or source.startswith(_WRITEFILE_MAGIC):
            continue  # `%%writefile` binds nothing: it writes its text (the script `%run` may run) to a file
        if "get_ipython()" in source:
            yield None
            return
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            yield None
            return
        setting = set(_lines_setting(tree, name))
        if setting:  # else the cell reads `name` but does not bind it: an earlier one did
            yield tree, setting


def _refused_before(tree: ast.Module, line: int) -> str | None:
    """The refused package a cell imports, sure to stop it, up to `line` (the import that would set a name, too)."""
    for node in _statements_that_run(tree.body):
        if node.lineno > line:
            break
        for module in _imported_by(node):
            if not allowed(module):
                return top_level(module)
    return None


def _names_loaded(statement: ast.stmt) -> set[str]:
    """The names a statement reads as it runs (a block's test or iterable only: its body is its own statements)."""
    if isinstance(statement, (ast.If, ast.While)):
        parts: list[ast.AST] = [statement.test]
    elif isinstance(statement, ast.For):
        parts = [statement.iter]
    elif isinstance(statement, (ast.Try, ast.With, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return set()
    else:
        parts = [statement]
    loaded: set[str] = set()
    local: set[str] = set()  # a comprehension's own variables
    pending = list(parts)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # run later, if ever
        if isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loaded.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return loaded - local


def globals_reached(namespace: Mapping[str, Any], name: str, unbound: bool = False) -> list[str]:
    """`name`, then the notebook's globals its function reads, transitively (a helper it calls, a constant, a module):
    each must be set when graded for the function to run as it runs here. With `unbound`, also the names it reads
    that are not bound (yet: a helper defined in a later cell)."""
    reached: list[str] = []
    pending = [name]
    while pending and len(reached) < _MAX_SCANNED:
        current = pending.pop()
        if current in reached:
            continue
        if current not in namespace:
            if unbound:
                reached.append(current)
            continue
        reached.append(current)
        value = namespace[current]
        # A plain function only: its code is read without any of the notebook's own attribute hooks running.
        code = value.__code__ if type(value) is types.FunctionType else None
        if code is not None:
            pending.extend(
                sorted(
                    (found for found in _global_names(code) if not found.startswith("__")),
                    reverse=True,
                )
            )
    return [found for found in reached if found not in INFRASTRUCTURE_NAMES]


def _lines_setting(tree: ast.AST, name: str) -> Iterator[int]:
    """Every line of a cell that binds `name`, however deep (a `try`, a `with`, a `global` in a function)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.lineno
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            yield node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name).partition(".")[0] == name for alias in node.names):
                yield node.lineno


def _statements_that_run(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A cell's statements in order that are sure to run: into an `if` whose test is a constant (`if True:`), not
    into other `if`s (`if IN_COLAB: from google.colab import drive`), loops (which may run no time), `try` or `with`
    (which may catch a failed import), functions or classes."""
    for node in body:
        yield node
        if isinstance(node, ast.If) and isinstance(node.test, ast.Constant):
            yield from _statements_that_run(node.body if node.test.value else node.orelse)


def _imported_by(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [node.module]
    return []


def _filled(cell: Any) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # a closure variable not yet bound
        return False
    return True


def _global_names(code: types.CodeType) -> set[str]:
    """The globals a code object (and every code nested in it) reads: not `co_names`, which also
    holds attribute names (`np.pad` would make a global `pad`, imported from anywhere, count)."""
    names: set[str] = set()
    pending = [code]
    while pending:
        current = pending.pop()
        pending.extend(const for const in current.co_consts if isinstance(const, types.CodeType))
        names.update(
            instruction.argval
            for instruction in dis.get_instructions(current)
            if instruction.opname in _GLOBAL_LOADS and isinstance(instruction.argval, str)
        )
    return names


__all__ = [
    "ALLOWED_PACKAGES",
    "NOTEBOOK_PACKAGES",
    "RULE",
    "RefusedImport",
    "WhereSet",
    "allowed",
    "globals_reached",
    "graded_fallbacks",
    "refusal_message",
    "refused_imports",
    "refused_value",
    "refusing_imports",
    "where_set_when_graded",
]
