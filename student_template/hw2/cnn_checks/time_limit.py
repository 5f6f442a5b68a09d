"""A time limit on each call of a student's function by a public check, as grading has one.

In the student's Jupyter, `grader.check("q3")` on a `conv2d` that never returns would hang the
kernel until interrupted; grading stops such a call after PROBE_SECONDS and says so, and so does
the check. The limit is an alarm signal (`signal.setitimer`), which only the main thread of a
process receives: elsewhere (a check run from a thread, a platform without SIGALRM) there is no
limit, as before. Standard library only: this module ships to students in `cnn_checks/`.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .core import Answers, CheckFailed, Probe

#: Seconds a student's function may take on one probe: the grading limit,
#: autograder.grading.limits.PROBE_SECONDS, which checks/ cannot import (a test keeps them equal).
PROBE_SECONDS = 2.0


class ProbeTimeout(BaseException):
    """A student's function ran past its time. BaseException, so that the student's own
    `except Exception:` cannot swallow it."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ProbeTimeout in the block after `seconds`; the caller's alarm handler and timer are
    restored afterwards. No limit off the main thread, without SIGALRM, or when an alarm the
    caller set is due first (it keeps its own handler, and fires as it would have)."""
    if not _can_alarm():
        yield
        return
    previous_handler = signal.getsignal(signal.SIGALRM)
    pending, _ = signal.getitimer(signal.ITIMER_REAL)
    if previous_handler is None or (pending and pending <= seconds):
        # A handler set from C cannot be put back, and an earlier alarm is someone else's.
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise ProbeTimeout

    started = time.monotonic()
    signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        # Nested, so that an alarm due just as the block ends (one shot: it cannot come twice)
        # still leaves the caller's handler and timer in place.
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_delay:
                left = previous_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), previous_interval)


def timeout_message(name: str, seconds: float, probe: Probe) -> str:
    """The grader's own words for the same event (autograder/sandboxed/extraction.py)."""
    return f"`{name}` did not return within {seconds:g} s on {probe.description}: look for a loop that never ends."


class TimedAnswers:
    """Answers whose every function call stops after `seconds`, with the message grading gives."""

    def __init__(self, answers: Answers, seconds: float = PROBE_SECONDS):
        self._answers, self._seconds = answers, seconds

    def value(self, name: str) -> Any:
        return self._answers.value(name)

    def call(self, name: str, probe: Probe) -> Any:
        try:
            with time_limit(self._seconds):
                return self._answers.call(name, probe)
        except ProbeTimeout:
            raise CheckFailed(timeout_message(name, self._seconds, probe)) from None


__all__ = ["PROBE_SECONDS", "ProbeTimeout", "TimedAnswers", "time_limit", "timeout_message"]
