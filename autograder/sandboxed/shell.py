"""The IPython shell that runs a notebook's cells when grading: IPython's own machinery, made quiet.

Cells run as Jupyter runs them: `display`, `%%time`, `%%capture`, `%timeit` and the other magics
are IPython's own; `%matplotlib` does nothing (matplotlib is a stand-in that draws nothing:
plots.py). The shell is made once, in the fork server, before any notebook (preload.py), so each
child forks it ready; it writes nothing (no history database, no profile folder, no ~/.ipython)
and prints only into the child's captured output.

What grading does not run, it skips and says so (a note on the cell, which the student reads in
the row's message), never silently:
- shell commands: `!cmd`, `x = !cmd`, `%system`, `%sx`, the shell aliases (`%ls`, `%cat`, ...);
- cells in other languages: `%%bash`, `%%sh`, `%%script`, `%%perl`, `%%ruby`, `%%python`, ...;
- installing packages: `%pip`, `%conda`, `%mamba`, `%micromamba`, `%uv`;
- code from outside the notebook or for a person at the keyboard: `%run`, `%load`, `%loadpy`,
  `%edit`, `%ed`, `%pastebin`, `%debug`.
`%timeit` without -n/-r runs its statement once (one loop, one repeat): its timing is never
graded, and auto-ranging costs over a second a call. Magics that write files (`%%writefile`,
`%save`, `%logstart`) write in the notebook's private scratch folder, as any `open()` does.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core import inputtransformer2
from IPython.core.extensions import BUILTINS_EXTS
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.profiledir import ProfileDir
from IPython.utils.text import SList
from traitlets.config import Config

from ..checks import environment
from .imports import RefusedImport

REFUSED_NAME = "NotRunWhenGraded"
SHELL_COMMANDS = "shell commands do not run when a notebook is graded (the rest of the cell ran)"
_PACKAGES = "a graded notebook installs no packages"
_OWN_CELLS = "a graded notebook runs only its own cells (paste that code into a cell)"
REFUSED_LINE_MAGICS = {
    **{name: _PACKAGES for name in ("pip", "conda", "mamba", "micromamba", "uv")},
    **{name: _OWN_CELLS for name in ("run", "load", "loadpy")},
    "edit": "there is no editor when a notebook is graded",
    "ed": "there is no editor when a notebook is graded",
    "pastebin": "a graded notebook has no network",
    "debug": "nobody can type into a debugger when a notebook is graded",
}
REFUSED_CELL_MAGICS = {
    **{
        name: "cells in other languages do not run when a notebook is graded"
        for name in ("bash", "sh", "script", "perl", "ruby", "python", "python2", "python3", "pypy")
    },
    "debug": "nobody can type into a debugger when a notebook is graded",
}
# What a note quotes of the command it is about.
QUOTED = 40


def describe_error(error: BaseException) -> tuple[str, str]:
    """An exception's name and message as the student reads them; never runs long or raises."""
    name = str(type(error).__name__)[:100]
    # str() of the student's own exception class runs the student's code: it may raise.
    try:
        if isinstance(error, SyntaxError) and isinstance(error.msg, str):
            # Not str(): that names IPython's internal cell file (<ipython-input-3-9f2c...>).
            where = f" (line {error.lineno})" if isinstance(error.lineno, int) else ""
            return name, f"{error.msg}{where}"[:500]
        return name, str(error)[:500]
    except BaseException:
        return name, "(its message could not be read)"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTED else text[: QUOTED - 3] + "..."


class GradingShell(InteractiveShell):
    """An InteractiveShell that records what it shows instead of printing tracebacks, and runs no shell."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: what happened in the cell now running: ("error", exception) or ("refused", message)
        self.cell_notes: list[tuple[str, Any]] = []

    # -- nothing outside this process ------------------------------------------------------------
    def init_virtualenv(self) -> None:
        pass  # never changes sys.path

    def init_sys_modules(self) -> None:
        pass  # sys.modules['__main__'] is the notebook's only while it runs (runner.py)

    def enable_gui(self, gui: str | None = None) -> None:
        pass  # no event loop to integrate: `%matplotlib inline` needs none

    def debugger(self, force: bool = False) -> None:
        pass  # nobody to type into it (`%pdb on` changes nothing)

    def ask_exit(self) -> None:
        # exit() or quit() in a cell: as a script's exit(), recorded, and the later cells still run.
        raise SystemExit("exit() in a cell")

    def should_run_async(
        self, raw_cell: str, *, transformed_cell: str | None = None, preprocessing_exc_tuple: Any = None
    ) -> bool:
        # Only a cell with a top-level `await` or `async for/with` needs the coroutine runner: others
        # skip IPython's trial compile of every cell (a sixth of a cell's cost).
        if transformed_cell is not None and "await" not in transformed_cell and "async" not in transformed_cell:
            return False
        return super().should_run_async(
            raw_cell, transformed_cell=transformed_cell, preprocessing_exc_tuple=preprocessing_exc_tuple
        )

    @contextmanager
    def _tee(self, channel: str) -> Iterator[None]:
        # IPython 9 copies every write of a cell into its history of outputs (see _Forgotten), through a Python
        # call per write: nothing here reads that copy.
        yield

    def refuse(self, what: str, why: str) -> None:
        self.cell_notes.append(("refused", f"`{_quote(what)}` was not run: {why}."))

    def system_piped(self, cmd: str) -> None:
        self.refuse(f"!{cmd}", SHELL_COMMANDS)

    system = system_raw = system_piped

    def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> Any:
        self.refuse(f"!{cmd}", SHELL_COMMANDS)
        return SList() if split else ""

    # -- errors are recorded, not printed as tracebacks ---------------------------------------
    def note_error(self, error: BaseException | None) -> None:
        if error is None or any(kind == "error" and seen is error for kind, seen in self.cell_notes):
            return
        self.cell_notes.append(("error", error))
        name, message = describe_error(error)
        try:  # where Jupyter shows the traceback: one line, in the captured output
            print(f"{name}: {message}", file=sys.stderr)
        except BaseException:
            pass

    def showtraceback(
        self,
        exc_tuple: Any = None,
        filename: str | None = None,
        tb_offset: int | None = None,
        exception_only: bool = False,
        running_compiled_code: bool = False,
    ) -> None:
        try:
            _, value, _ = self._get_exc_info(exc_tuple)
        except ValueError:
            return
        self.note_error(value)

    def showsyntaxerror(self, filename: str | None = None, running_compiled_code: bool = False) -> None:
        self.showtraceback()

    def showindentationerror(self) -> None:
        self.showtraceback()


# IPython's token transforms (`x = %magic`, `x = !cmd`, `%magic`, `!cmd`, `,f a`, `;f a`, `/f a`,
# `name?`) each start at a token `%`, `!` or `?` anywhere, or `,`, `;` or `/` first on a line.
# A token's text is the source's text, so a cell with none of these characters can give none of
# them: IPython would tokenize it (most of a plain cell's cost) to change nothing.
_TOKEN_TRANSFORMERS = (
    inputtransformer2.MagicAssign,
    inputtransformer2.SystemAssign,
    inputtransformer2.EscapedCommand,
    inputtransformer2.HelpEnd,
)
# Also the line ends only str.splitlines knows (IPython splits a cell at them, Python's parser does not): a vertical
# tab or form feed in a comment or string starts a line IPython's tokenizer may refuse, and IPython warns about a
# line that ends in none of its own.
_ANYWHERE = re.compile("[%!?\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINE_FIRST = (",", ";", "/")


def needs_token_transforms(lines: list[str]) -> bool:
    """False only when IPython's token transforms cannot change these (cleaned-up) lines, and its
    tokenizer cannot raise on them."""
    # Every line by itself, as the tokenizer reads them (str.splitlines ends more lines than "\n"),
    # and every kind of whitespace stripped: wrongly saying True only costs time.
    if any(_ANYWHERE.search(line) or line.lstrip().startswith(_LINE_FIRST) for line in lines):
        return True
    # The tokenizer raises IndentationError (TabError) on an inconsistent dedent, mixed tabs or
    # too deep a nesting, and IPython shows that error: only a cell the parser takes is sure not to.
    return any(line[:1].isspace() and not line.isspace() for line in lines) and not _parses("".join(lines))


def _parses(source: str) -> bool:
    """Whether Python's parser takes `source`, silently: a warning it gives (an invalid escape) is
    the student's to see once, when IPython compiles the cell, as without this check."""
    # Not catch_warnings: changing the filters would make every warning already shown show again.
    module: Any = warnings  # what the warnings machinery reads: not in its annotations
    show, once = module._showwarnmsg, dict(module.onceregistry)
    module._showwarnmsg = lambda message: None
    try:
        compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return True
    except Exception:  # a SyntaxError, or a warning the student's filters turn into one
        return False
    finally:
        module._showwarnmsg = show
        if module.onceregistry != once:
            module.onceregistry.clear()
            module.onceregistry.update(once)


class QuickTransformer(inputtransformer2.TransformerManager):
    """IPython's static cell transforms, minus the tokenizing of a cell no token transform can change.

    What comes out is what IPython's own TransformerManager gives, character for character
    (tests/test_shell_transform.py); the prompt, indent and `%%` clean-ups always run."""

    def transform_cell(self, cell: str) -> str:
        if tuple(self.token_transformers) != _TOKEN_TRANSFORMERS:
            return super().transform_cell(cell)  # another IPython's transforms: its own way
        if not cell.endswith("\n"):
            cell += "\n"
        lines = cell.splitlines(keepends=True)
        transforms: list[Any] = [*self.cleanup_transforms, *self.line_transforms]
        for transform in transforms:
            lines = transform(lines)
        if needs_token_transforms(lines):
            lines = self.do_token_transforms(lines)
        return "".join(lines)


class _Forgotten(dict[int, list[Any]]):
    """IPython 9's history of what each cell showed (prints, `display()`, its value), which nothing reads when
    grading (the output kept is the child's own, capped): kept, a notebook that prints or displays in a loop would
    hold every item of it, and run out of memory where Jupyter (which does not keep displays) does not. Each cell's
    list is new and dropped at once."""

    def __missing__(self, key: int) -> list[Any]:
        return []


def _print_page(shell: Any, data: Any, start: int = 0, screen_lines: int = 0) -> None:
    """`x?`, `%pinfo`, `%pycat`: printed into the captured output, never through a pager program."""
    text = data.get("text/plain", "") if isinstance(data, dict) else data
    print(text)


def _refusing(shell: GradingShell, kind: str, name: str, why: str) -> Callable[..., None]:
    def refused(line: str = "", cell: str | None = None) -> None:
        shell.refuse(f"{'%%' if kind == 'cell' else '%'}{name} {line}".rstrip(), why)

    return refused


def _quick_timeit(shell: GradingShell) -> Callable[..., Any]:
    original = shell.find_line_magic("timeit")  # resolved now: IPython registers most magics lazily
    timing = original.__self__

    def timeit(line: str = "", cell: str | None = None, local_ns: Any = None) -> Any:
        opts, _ = timing.parse_options(line, "n:r:tcp:qov:", posix=False, strict=False, preserve_non_opts=True)
        added = ("" if "n" in opts else "-n1 ") + ("" if "r" in opts else "-r1 ")
        return original(added + line, cell, local_ns=local_ns)

    timeit.needs_local_scope = True  # type: ignore[attr-defined]
    return timeit


def _no_backend(line: str = "") -> None:
    """`%matplotlib inline` and the like: matplotlib is a stand-in when graded (plots.py), with no backend to pick."""
    return None


def _pylab(shell: GradingShell) -> Callable[[str], None]:
    def pylab(line: str = "") -> None:
        """`%pylab`: numpy's and pyplot's names in the notebook, as IPython binds them, with no backend to pick
        (pyplot is the stand-in: plots.py)."""
        from IPython.core.pylabtools import import_pylab

        import_pylab(shell.user_ns, import_all="--no-import-all" not in line.split())

    return pylab


def _extension_rule(shell: GradingShell, name: str) -> Callable[[str], Any]:
    original = shell.find_line_magic(name)

    def extension(module: str = "") -> Any:
        module = module.strip()
        # IPython's own extensions go by short names (`%load_ext autoreload`).
        if module and module not in BUILTINS_EXTS and not environment.allowed(module):
            raise RefusedImport(environment.refusal_message(module), name=environment.top_level(module))
        return original(module)

    return extension


def configuration() -> Config:
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file, no saving thread
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    return config


def make() -> GradingShell:
    """The process's grading shell (IPython's singleton, so `display()` and `get_ipython()` find it)."""
    if GradingShell.initialized():
        return GradingShell.instance()
    # ipython_dir '' and an empty ProfileDir: IPython then creates no folder and reads no profile.
    # Any: IPython's annotations of its hooks and magic registry do not cover replacing them, as done here.
    shell: Any = GradingShell.instance(config=configuration(), ipython_dir="", profile_dir=ProfileDir())
    import atexit

    atexit.unregister(shell.atexit_operations)  # nothing of it runs at exit: no history, no files
    if hasattr(shell.history_manager, "outputs"):
        shell.history_manager.outputs = _Forgotten()
    shell.display_formatter.active_types = ["text/plain"]  # the only output anyone reads here
    # A cell's last value still becomes `_` and `Out[n]`, but is not formatted: nobody reads
    # `Out[n]: ...` when grading, and repr() of a large array costs more than the cell.
    shell.input_transformer_manager = QuickTransformer()
    shell.displayhook.compute_format_data = lambda result: ({}, {})
    shell.displayhook.write_format_data = lambda format_dict, md_dict=None: None
    shell.set_hook("show_in_pager", _print_page, 99)
    for name, why in REFUSED_LINE_MAGICS.items():
        shell.register_magic_function(_refusing(shell, "line", name, why), "line", name)
    for name, why in REFUSED_CELL_MAGICS.items():
        shell.register_magic_function(_refusing(shell, "cell", name, why), "cell", name)
    shell.register_magic_function(_quick_timeit(shell), "line_cell", "timeit")
    shell.register_magic_function(_no_backend, "line", "matplotlib")
    shell.register_magic_function(_pylab(shell), "line", "pylab")
    for name in ("load_ext", "reload_ext"):
        shell.register_magic_function(_extension_rule(shell, name), "line", name)
    return shell


__all__ = ["GradingShell", "describe_error", "make"]
