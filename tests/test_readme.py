"""The README's facts that the code also states: the points table is the registry's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.course import ASSIGNMENTS, assignment

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def points_table() -> dict[str, list[str]]:
    section = README.split("## Points", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| (hw\d) [^|]*\|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_points_table_is_the_registry(name: str) -> None:
    *questions, total = points_table()[name]
    registry = assignment(name).points()
    assert {f"q{index}": float(cell) for index, cell in enumerate(questions, start=1) if cell} == registry
    assert float(total) == sum(registry.values())
