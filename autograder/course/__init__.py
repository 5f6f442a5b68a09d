"""The course: which names each assignment reads, its probes and its cases, for a grading seed."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from autograder.checks.answers import LiveAnswers
from autograder.checks.core import Case, Probe
from autograder.checks.public import PUBLIC_CASES, PUBLIC_PROBES
from autograder.errors import UnknownAssignment

if TYPE_CHECKING:
    # What Assignment.hidden imports when asked, named here for the readers of the import graph (import-linter).
    from autograder.course.hidden import hw1, hw2, hw3, hw4, hw5  # noqa: F401

SEED_VARIABLE = "CNNGRADE_SEED"


@dataclass(frozen=True)
class Assignment:
    """One homework: the names a submission defines and the cases that score them."""

    name: str

    @property
    def hidden(self) -> ModuleType:
        """Its hidden checks (course/hidden/NAME.py), imported when first asked for: a run imports its own alone."""
        return import_module(f"{__name__}.hidden.{self.name}")

    @property
    def values(self) -> tuple[str, ...]:
        return self.hidden.VALUES

    @property
    def functions(self) -> tuple[str, ...]:
        return self.hidden.FUNCTIONS

    @property
    def preload(self) -> tuple[str, ...]:
        """Modules every submission is likely to import, imported once by the fork server."""
        return tuple(getattr(self.hidden, "PRELOAD", ()))

    def probes(self, seed: int) -> dict[str, tuple[Probe, ...]]:
        """Every input each function is called on: the fixed public ones and the seeded hidden ones."""
        hidden = self.hidden.hidden_probes(seed)
        public = PUBLIC_PROBES[self.name]
        return {name: tuple(public.get(name, ())) + tuple(hidden.get(name, ())) for name in self.functions}

    def cases(self, seed: int) -> tuple[Case, ...]:
        """Public cases then hidden ones, question by question."""
        public = tuple(case for case in PUBLIC_CASES if case.assignment == self.name)
        ordered = public + tuple(self.hidden.hidden_cases(seed))
        return tuple(sorted(ordered, key=lambda case: (question_number(case.question), case.hidden)))

    def questions(self) -> tuple[str, ...]:
        return tuple(self._points_by_question)

    def points(self) -> dict[str, float]:
        return dict(self._points_by_question)

    @cached_property
    def _points_by_question(self) -> dict[str, float]:
        # The same for every seed: made once (from seed 0's cases, whose hidden inputs a run need not draw
        # again for each question list it writes), not at each call.
        totals: dict[str, float] = {}
        for case in self.cases(0):
            totals[case.question] = totals.get(case.question, 0.0) + case.points
        return totals


def question_number(question: str) -> int:
    return int(question.removeprefix("q"))


# One module each in course/hidden/.
ASSIGNMENTS: Mapping[str, Assignment] = {name: Assignment(name) for name in ("hw1", "hw2", "hw3", "hw4", "hw5")}


def assignment(name: str) -> Assignment:
    try:
        return ASSIGNMENTS[name]
    except KeyError:
        raise UnknownAssignment(name, tuple(ASSIGNMENTS)) from None


@lru_cache(maxsize=1)
def grading_seed() -> int:
    """This process's probe seed: fixed by CNNGRADE_SEED, otherwise fresh for every grading."""
    configured = os.environ.get(SEED_VARIABLE)
    return int(configured) if configured else secrets.randbits(32)


def run_case(case_id: str, env: Mapping[str, Any]) -> None:
    """Run one case on a live notebook namespace (the Otter tests); raise CheckFailed on failure."""
    cases = {case.id: case for case in assignment(case_id.split(".")[0]).cases(grading_seed())}
    cases[case_id].check(LiveAnswers(env, course_rule=True))
