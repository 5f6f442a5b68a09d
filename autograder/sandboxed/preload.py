"""Imported once by the fork server, before any submission: the start-up every notebook needs, paid once.

The BLAS thread count must be set before numpy loads: the parallelism is across submissions,
and a thread pool would also reserve address space against each child's memory cap. What only
some assignments need (pandas, 0.25 s to import) the server preloads only when asked (--preload).
"""
import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import numpy  # noqa: E402,F401
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402,F401

from . import child  # noqa: E402,F401
from .runner import execute_cells  # noqa: E402

# One throwaway run: whatever the transformer and the runner import or compile on first use (3 ms
# of it, per child, otherwise) is done here once.
execute_cells(["x = 1\n%time x\n!true\nx?"], {"get_ipython": lambda: None})
