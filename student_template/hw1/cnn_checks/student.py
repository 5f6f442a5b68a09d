"""What the student bundle's Otter tests call: each public check, as a student should read its failure.

`public_check` is what each public test in `tests/qN.py` runs: the case's check, with a time limit
on the student's functions, failing with the case's title and the message wrapped to a readable
width. Otter prints a failed test as "Error at line N in test qN:", the test's line, then
"<exception type>: <message>" (otter/test_files/exception_test.py), so the case id stays off that
line and the title goes into the message.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from .core import CheckFailed
from .public import PUBLIC_CASES, run_public

#: Otter indents a failure by 8 spaces in text and 4 in HTML: lines stay within about 80 columns.
WIDTH = 72
_TITLES = {case.id: case.title for case in PUBLIC_CASES}


def failure_text(title: str, message: str, width: int = WIDTH) -> str:
    """A failed check as a student reads it: the title, then the message indented under it, both wrapped."""
    lines = textwrap.wrap(title, width, break_long_words=False, break_on_hyphens=False) or [""]
    for line in message.splitlines() or [""]:
        lines.extend(
            textwrap.wrap(
                line, width, initial_indent="  ", subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
            )
            or [""]
        )
    text = "\n".join(lines).rstrip()
    # Otter strips quotes from both ends of the message, which would eat a closing 'ceil'.
    return text + "." if text.endswith("'") else text


def public_check(case_id: str) -> Callable[[Mapping[str, Any]], None]:
    """The public check `case_id` on a notebook's namespace, failing with a readable CheckFailed."""
    title = _TITLES[case_id]

    def check(env: Mapping[str, Any]) -> None:
        try:
            run_public(case_id, env)
        except CheckFailed as failure:
            raise CheckFailed(failure_text(title, str(failure)), failure.mistake) from None

    return check
