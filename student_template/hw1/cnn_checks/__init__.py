"""Student-safe checks: coercion, form checks and public property checks.

Copied into every student bundle (as `cnn_checks`), so nothing here may hold or compute an
expected answer; imports inside stay relative so the copy works under any package name.
"""

from .core import Answers, Case, CheckFailed, Probe, Tolerance
from .public import PUBLIC_CASES, PUBLIC_PROBES, run_public

__all__ = ["PUBLIC_CASES", "PUBLIC_PROBES", "Answers", "Case", "CheckFailed", "Probe", "Tolerance", "run_public"]
