"""Imported once by the fork server, before any submission: the costly start-up, paid once.

The BLAS thread count must be set before numpy loads: the parallelism is across submissions,
and a thread pool would also reserve address space against each child's memory cap.
"""
import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import numpy  # noqa: E402,F401
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402,F401

from . import child  # noqa: E402,F401

try:
    import pandas  # noqa: E402,F401  - students build tables with it; importing it costs ~0.4 s
except ImportError:
    pass
