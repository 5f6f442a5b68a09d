"""Imported once by the fork server, before any submission: the start-up every notebook needs, paid once.

The BLAS thread count must be set before numpy loads: the parallelism is across submissions,
and a thread pool would also reserve address space against each child's memory cap. What only
some assignments need (pandas, 0.25 s to import) the server preloads only when asked (--preload).
IPython's shell is made and warmed here, before any notebook, so every child forks it ready and
none inherits anything of another notebook.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

from .imports import work_out_dependencies_aside  # noqa: E402

work_out_dependencies_aside()  # before numpy's import, while this process has no thread

import numpy  # noqa: E402,F401

from . import child  # noqa: E402,F401
from .runner import warm  # noqa: E402

# One throwaway run of cells through the shell: whatever IPython imports or compiles on a cell's
# first run (the transformer, magics, display, tracebacks, the import rule) is done here once.
# Before the first fork, not after: a child that did it itself would need more memory than its
# siblings, and under a small --memory cap the first notebook alone would run out of it.
warm()
