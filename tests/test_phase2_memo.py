"""Phase 2 reuses the cases' results for answers it already scored in the run: a reused row must be
the row scoring those answers afresh makes, for honest answers, known mistakes and any JSON at all."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.checks import codec
from autograder.checks.answers import RecordedAnswers, call_on_probe, take_value
from autograder.course import assignment
from autograder.course.hidden.mutants import ASSIGNMENT_OF, mutants
from autograder.grading import phase2
from autograder.grading.executor import Phase1Outcome
from autograder.grading.phase2 import grade_outcome, score_cases
from autograder.model import Status

from .factories import reference_namespace
from .test_channel import JSON_VALUE

SEED = 5


def recorded_json(name: str, namespace: dict[str, Any], seed: int) -> dict[str, Any]:
    """The record phase 1 would send for this namespace (values and probe calls), through JSON."""
    homework = assignment(name)
    values = {value: codec.encode(take_value(namespace, value)) for value in homework.values}
    calls: dict[str, dict[str, Any]] = {}
    for function, probes in homework.probes(seed).items():
        outputs = calls.setdefault(function, {})
        for probe in probes:
            try:
                outputs[probe.id] = codec.encode(call_on_probe(namespace[function], function, probe))
            except Exception as failure:
                outputs[probe.id] = codec.error(str(failure))
    return json.loads(json.dumps({"complete": True, "values": values, "calls": calls, "cell_errors": []}))


def afresh(name: str, cases: tuple, data: dict[str, Any]) -> tuple:
    """The cases scored with no memo at all: the record decoded and every check run."""
    try:
        answers = RecordedAnswers(data.get("values"), data.get("calls"))  # type: ignore[arg-type]
    except (codec.MalformedData, RecursionError):
        return ("malformed",)
    return score_cases(cases, answers)


def row(name: str, cases: tuple, data: dict[str, Any]):
    return grade_outcome("student", assignment(name), SEED, cases, Phase1Outcome(Status.OK, "", data, 0.1))


def class_of(name: str) -> list[dict[str, Any]]:
    """The reference's answers and, for each known mistake of the assignment's functions, its answers."""
    honest = reference_namespace(name)
    records = [recorded_json(name, honest, SEED)]
    for function, owner in ASSIGNMENT_OF.items():
        if owner == name:
            records += [recorded_json(name, honest | {function: m.implementation}, SEED) for m in mutants(function)]
    return records


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a mutant may average an empty window
@pytest.mark.parametrize("name", ["hw1", "hw2", "hw3", "hw5"])
def test_a_class_with_repeated_answers_gets_the_rows_fresh_scoring_gives(name: str) -> None:
    cases = assignment(name).cases(SEED)
    records = class_of(name)
    assert len(records) > 2
    # Each answer set several times, shuffled: reused rows come between fresh ones.
    sequence = records * 3
    random.Random(0).shuffle(sequence)
    for data in sequence:
        result = row(name, cases, data)
        assert result.cases == afresh(name, cases, data)
    # And the mistakes really scored differently from the reference: the memo kept them apart.
    assert len({row(name, cases, data).cases for data in records}) > 1


def test_answers_equal_in_value_but_not_in_type_or_bits_are_scored_each_on_its_own() -> None:
    # 1, 1.0 and True compare equal in Python; 0.0 and -0.0 too; a check may still tell them apart.
    name = "hw1"
    cases = assignment(name).cases(SEED)
    base = class_of(name)[0]
    first = next(iter(base["values"]))
    for variant in (1, 1.0, True, 0.0, -0.0, [1, 2], [1.0, 2.0], [True, 2]):
        data = base | {"values": base["values"] | {first: variant}}
        assert row(name, cases, data).cases == afresh(name, cases, data)


def test_another_runs_cases_are_not_answered_from_the_memo() -> None:
    name = "hw1"
    data = class_of(name)[0]
    for seed in (SEED, SEED + 1, SEED):
        cases = assignment(name).cases(seed)
        result = grade_outcome("student", assignment(name), seed, cases, Phase1Outcome(Status.OK, "", data, 0.1))
        assert result.cases == afresh(name, cases, data)


def test_the_memo_stays_bounded_whatever_the_class_records() -> None:
    name = "hw1"
    cases = assignment(name).cases(SEED)
    base = class_of(name)[0]
    first = next(iter(base["values"]))
    for index in range(phase2._ScoreMemo.LIMIT + 50):
        row(name, cases, base | {"values": base["values"] | {first: index}})
    row(name, cases, base | {"values": base["values"] | {first: "A" * (phase2._ScoreMemo.KEY_BYTES + 1)}})
    assert len(phase2._SCORES._rows) <= phase2._ScoreMemo.LIMIT
    assert all(len(key) <= phase2._ScoreMemo.KEY_BYTES for key in phase2._SCORES._rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_recorded_data_seen_twice_gets_the_same_row_as_scored_afresh(data: st.DataObject) -> None:
    name = "hw1"
    homework = assignment(name)
    cases = homework.cases(SEED)
    probes = homework.probes(SEED)
    drawn = [
        {
            "complete": True,
            "values": {value: data.draw(JSON_VALUE) for value in homework.values},
            "calls": {f: {p.id: data.draw(JSON_VALUE) for p in probes[f]} for f in homework.functions},
        }
        for _ in range(2)
    ]
    for record in drawn + drawn[::-1]:
        result = row(name, cases, record)
        fresh = afresh(name, cases, record)
        if fresh == ("malformed",):
            assert result.status == Status.CRASH and result.message == phase2.MALFORMED
        else:
            assert result.cases == fresh
