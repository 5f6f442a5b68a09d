"""What a run's summary says of its rows, gathered one row at a time in a size that does not grow with the class.

Each row gives `facts` (kept in the records' index beside its gradebook row, so a rerun that reuses it need not read
its record); `Tally` adds them up: counts per status, the total score, the slowest few and whether any notebook
defined any of the assignment's answers.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autograder.checks.answers import missing_message
from autograder.model import NOT_GRADED, SLOWEST_SHOWN, SubmissionResult

# How many of the assignment's answer names the wrong-assignment hint names (one more says there are more).
NAMES_SHOWN = 3
# A case that failed because the notebook never defined the name it checks: what `missing_message` says, any name.
_BEFORE, _AFTER, _ = missing_message("\0").split("\0")
_MISSING = re.compile(re.escape(_BEFORE) + "(?P<name>[^`]+)" + re.escape(_AFTER))


def facts(result: SubmissionResult) -> dict[str, Any]:
    """What the summary needs of RESULT, as plain JSON.

    `missing`: the names its checked cases said were not defined, when every one of them said so (None when any
    checked case failed otherwise or passed); only cases that were checked count, so a row that never ran has []."""
    checked = [case for case in result.cases if not case.message.startswith(NOT_GRADED)]
    misses = [_MISSING.match(case.message) for case in checked]
    missing = list(dict.fromkeys(miss["name"] for miss in misses if miss)) if all(misses) else None
    return {"seconds": result.seconds, "ran": bool(checked), "missing": missing}


@dataclass
class Tally:
    rows: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    total_score: float = 0.0
    max_score: float = 0.0
    # The slowest rows as (seconds, negated name order) kept in a heap of SLOWEST_SHOWN: see `slowest`.
    _slowest: list[tuple[float, _Reversed]] = field(default_factory=list)
    ran: int = 0  # rows with a case that was checked
    all_missing: bool = True  # every checked case of every such row said its name was not defined
    missing_names: list[str] = field(default_factory=list)  # the first NAMES_SHOWN + 1 of those names

    def add(self, name: str, row: Mapping[str, Any], facts: Mapping[str, Any]) -> None:
        """One row: ROW as `gradebook_row` made it, FACTS as `facts` did."""
        self.rows += 1
        self.statuses[str(row["status"])] += 1
        self.total_score += float(row["score"])
        self.max_score = float(row["max_score"])
        item = (float(facts["seconds"]), _Reversed(name))
        if len(self._slowest) < SLOWEST_SHOWN:
            heapq.heappush(self._slowest, item)
        else:
            heapq.heappushpop(self._slowest, item)
        if facts["ran"]:
            self.ran += 1
            missing = facts["missing"]
            if missing is None:
                self.all_missing = False
            else:
                for each in missing:
                    if len(self.missing_names) > NAMES_SHOWN:
                        break
                    if each not in self.missing_names:
                        self.missing_names.append(each)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "statuses": dict(self.statuses),
            "total_score": self.total_score,
            "max_score": self.max_score,
            "slowest": [[seconds, item.name] for seconds, item in self._slowest],
            "ran": self.ran,
            "all_missing": self.all_missing,
            "missing_names": self.missing_names,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        """What `to_json` wrote; ValueError, KeyError or TypeError for anything else."""
        tally = cls(
            int(data["rows"]),
            Counter({str(key): int(value) for key, value in dict(data["statuses"]).items()}),
            float(data["total_score"]),
            float(data["max_score"]),
            [(float(seconds), _Reversed(str(name))) for seconds, name in data["slowest"]],
            int(data["ran"]),
            bool(data["all_missing"]),
            [str(name) for name in data["missing_names"]],
        )
        heapq.heapify(tally._slowest)
        return tally

    def slowest(self) -> list[tuple[str, float]]:
        """(name, seconds) of the slowest rows, slowest first, ties by name: as `model.slowest` orders them."""
        return [(item.name, seconds) for seconds, item in sorted(self._slowest, reverse=True)]


@dataclass(frozen=True)
class _Reversed:
    """A name that sorts backwards, so that of two rows as slow, the heap keeps (and shows first) the one named first."""

    name: str

    def __lt__(self, other: _Reversed) -> bool:
        return self.name > other.name


__all__ = ["NAMES_SHOWN", "Tally", "facts"]
