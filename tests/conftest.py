"""Shared fixtures: one fresh build of every assignment per test session, into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.build import Built, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("build")
    built = build(root=ROOT, student_root=out / "student_template", dist_root=out / "dist")
    return {item.name: item for item in built}
