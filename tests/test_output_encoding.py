"""The files a row writes are the standard library's text, however they are made faster."""

from __future__ import annotations

import json
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.model import CaseResult, Status, SubmissionResult
from autograder.outputs.indented_json import indented_json
from autograder.outputs.records import result_to_dict
from autograder.outputs.results_json import gradescope_dict, result_json_bytes

# Any JSON value json.dumps writes: every float (NaN, the infinities, -0.0), big integers, any text.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)

cases = st.builds(
    CaseResult,
    id=st.text(),
    title=st.text(),
    question=st.text(),
    score=st.floats(allow_nan=False),
    max_score=st.floats(allow_nan=False),
    hidden=st.booleans(),
    message=st.text(),
    mistake=st.text(),
)
results = st.builds(
    SubmissionResult,
    submission=st.text(),
    assignment=st.text(),
    status=st.sampled_from(Status),
    message=st.text(),
    cases=st.lists(cases, max_size=5).map(tuple),
    seed=st.integers(),
    grader_version=st.text(),
    output=st.text(),
    seconds=st.floats(),
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_indented_json_is_json_dumps_text_for_any_value(value: object) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, sort_keys=True)


@settings(max_examples=200, deadline=None)
@given(results)
def test_a_row_s_record_and_results_json_are_what_the_standard_library_writes(result: SubmissionResult) -> None:
    assert result_to_dict(result) == asdict(result)
    assert json.dumps(result_to_dict(result), sort_keys=True) == json.dumps(asdict(result), sort_keys=True)
    expected = json.dumps(gradescope_dict(result), indent=2, sort_keys=True) + "\n"
    assert result_json_bytes(result) == expected.encode("utf-8")
