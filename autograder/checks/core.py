"""The vocabulary every check shares: the failure a student sees, tolerances, and cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class CheckFailed(AssertionError):
    """A check did not pass; the message is written for the student and says what to fix.

    `mistake` names the known wrong variant the answer matched, if any, so reports can count them.
    """

    def __init__(self, message: str, mistake: str = ""):
        super().__init__(message)
        self.mistake = mistake


@dataclass(frozen=True)
class Tolerance:
    """How close a float answer must be: numpy.allclose semantics."""

    rtol: float = 1e-6
    atol: float = 1e-8

    def describe(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


EXACT = Tolerance(rtol=0.0, atol=0.0)


@dataclass(frozen=True)
class Probe:
    """One input on which a student's function is called, with a human description of it."""

    id: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    description: str
    # Options (names in kwargs) passed by position, after args, where the function takes them so: the signature is
    # part of the contract (`conv2d(x, k, stride=1, padding=0)`), and `def conv2d(x, k, padding=0, stride=1)` is wrong
    # on a call by position. A function that takes them by keyword only (`*, stride=1`) gets them by keyword.
    positional: tuple[str, ...] = ()


class Answers(Protocol):
    """What a check may ask of a submission: plain values by name and outputs on probes."""

    def value(self, name: str) -> Any: ...

    def call(self, name: str, probe: Probe) -> Any: ...


@dataclass(frozen=True)
class Case:
    """One scored test: all or nothing, so that Otter and the bulk grader score it alike."""

    id: str
    title: str
    points: float
    hidden: bool
    check: Callable[[Answers], None]
    success: str = ""
    # The fixed inputs the check calls functions on: registered with the case that uses them, so
    # the bulk grader runs the student's function on exactly these.
    probes: tuple[Probe, ...] = ()

    @property
    def question(self) -> str:
        return self.id.split(".")[1]

    @property
    def assignment(self) -> str:
        return self.id.split(".")[0]
