"""The default limits of one submission, wherever it is graded (`cnngrade grade`, the Gradescope zip)."""

from __future__ import annotations

DEFAULT_TIMEOUT = 60.0  # seconds of wall time for the whole notebook
DEFAULT_MEMORY = 2 * 1024**3  # bytes
PROBE_SECONDS = 2.0  # for each call of a student's function on a probe

__all__ = ["DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "PROBE_SECONDS"]
