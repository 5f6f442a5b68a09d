"""Every path an attack aims at exists where the attack runs: an attack on a path that was moved
away would "fail" whatever the defences, and its test would pass for nothing."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Any

import pytest

from .test_redteam import ATTACKS
from .test_redteam_gradescope import GRADESCOPE_ATTACKS

ROOT = Path(__file__).resolve().parent.parent
# What try-zip's lay_out, like Gradescope, makes under /autograder.
GRADESCOPE_LAYOUT = {"source", "submission", "results", "run_autograder", "submission_metadata.json"}
GRADESCOPE_PATH = re.compile(r"(?<![\w.])/autograder/[\w./-]*")
REPOSITORY_PATH = re.compile(re.escape(str(ROOT)) + r"/[\w./-]*")


def texts(payload: Any) -> list[str]:
    if isinstance(payload, str):
        return [payload]
    if isinstance(payload, bytes):
        return [payload.decode("utf-8", "replace")]
    if isinstance(payload, Template):
        return [payload.template]
    if isinstance(payload, (list, tuple)):
        return [text for item in payload for text in texts(item)]
    return []


ALL = {**ATTACKS, **GRADESCOPE_ATTACKS}


@pytest.mark.parametrize("name", sorted(ALL))
def test_each_target_of_the_attack_exists(name: str) -> None:
    for text in texts(ALL[name]):
        for path in GRADESCOPE_PATH.findall(text):
            parts = path.strip("/").split("/")
            if len(parts) < 2:
                continue
            if (ROOT / Path(*parts)).exists():
                continue  # the package's own folder, joined to a base the attack found (`base + '/autograder/...'`)
            assert parts[1] in GRADESCOPE_LAYOUT, f"{name}: {path} is nothing Gradescope's layout has"
            if parts[1:3] == ["source", "lib"] and len(parts) > 3 and parts[3] in ("autograder", "solutions"):
                assert (ROOT / Path(*parts[3:])).exists(), f"{name}: {path} is no file of the package"
        for path in REPOSITORY_PATH.findall(text):
            assert Path(path.rstrip("/.")).exists(), f"{name}: {path} does not exist"


def test_the_scan_sees_the_targets() -> None:
    targets = [path for payload in ALL.values() for text in texts(payload) for path in GRADESCOPE_PATH.findall(text)]
    assert "/autograder/results/results.json" in targets
    assert any(path.startswith("/autograder/source/lib/autograder/") for path in targets)
