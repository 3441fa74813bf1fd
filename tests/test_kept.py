"""A case kept in the rule engine between evaluations (``rex ask``) gives what a fresh run gives.

After an answer, the kept case asserts and retracts only the facts that differ, and keeps the
support of every derived fact itself (durable_rules keeps none). The tests hold it to a fresh
run of the same facts after every change: answers from the brief's questions, a stated fact
taken back, and whole other cases, shipped and generated, one after another in one session.
Activations are compared as sets: a fresh run may report one match twice (two alternatives of
a compiled rule holding on the same facts), which the report reads once either way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.answers import Answer, apply_answers
from engine.cases import case_from_document, load_case
from engine.compiler import encode_case
from engine.errors import InputError
from engine.evaluate import Engine
from engine.matchers.durable import Session
from engine.model import Case
from engine.yamlio import load_bytes

from .conftest import CASES, examples
from .strategies import DATES, cases, dump

SEED = CASES / "anthropic-alibaba-2026.yaml"


_FRESH: dict[str, Session] = {}


def fresh(engine: Engine, case: Case, as_of: dt.date | None = None) -> list[Any]:
    """The activations of a fresh run, in a second session of the same program."""
    program = engine.program(as_of)
    session = _FRESH.get(program.fingerprint)
    if session is None:
        session = _FRESH[program.fingerprint] = Session(program, label="+fresh")
    return sorted(set(session.run(encode_case(engine.prepare(case), program.encoding))))


def kept(engine: Engine, case: Case, as_of: dt.date | None = None) -> list[Any]:
    session = engine.session(as_of)
    return sorted(set(session.run_kept(encode_case(engine.prepare(case),
                                                   engine.program(as_of).encoding))))


def test_each_answer_to_the_seed_brief_is_matched_as_a_fresh_run_matches_it(
        engine: Engine, tmp_path: Path) -> None:
    case = load_case(SEED)
    source = next(iter(case.sources))
    questions = engine.report(case, questions=True, today=dt.date(2026, 11, 27)).questions
    session = engine.session(None)
    text = None
    answered = 0
    shares: list[float] = []
    try:
        assert kept(engine, case) == fresh(engine, case)
        assert session.kept is not None
        total = sum(map(len, session.kept.stored.values()))
        for question in questions:
            for answer in question.answers:
                try:
                    written = apply_answers(SEED, [Answer(question.path, answer.answer)],
                                            source, text=text)
                except InputError:
                    continue  # a label such as "up to 1980-11-12" that is not an answer
                assert kept(engine, written.case) == fresh(engine, written.case), question.path
                shares.append(session.kept.asserted / total)
                text, answered = written.text, answered + 1
                break
    finally:
        session.release()
    assert answered >= 10
    assert sorted(shares)[len(shares) // 2] < 0.25, shares  # most answers touch few facts
    assert session.live_facts() == 0


@pytest.mark.parametrize("name", ["nsia-pulsic-super-orange-2022.yaml",
                                  "us-cadence-nudt-2025.yaml",
                                  "cma-microsoft-inflection-2024.yaml"])
def test_a_stated_fact_taken_back_retracts_what_was_derived_from_it(
        engine: Engine, name: str) -> None:
    """Going from a case to the same case with one party's facts dropped and back: derived
    facts that lose their support go, and come back with it."""
    case = load_case(CASES / "matters" / name)
    session = engine.session(None)
    try:
        full = kept(engine, case)
        assert full == fresh(engine, case)
        for obj in case.objects:
            if obj.kind != "party" or not obj.facts:
                continue
            bare = Case(**{**case.__dict__, "objects": tuple(
                o if o is not obj else type(o)(**{**o.__dict__, "facts": {}})
                for o in case.objects)})
            assert kept(engine, bare) == fresh(engine, bare), obj.id
            assert kept(engine, case) == full, obj.id
    finally:
        session.release()
    assert session.live_facts() == 0


def test_shipped_cases_one_after_another_in_one_kept_session(engine: Engine) -> None:
    session = engine.session(None)
    files = [*sorted((CASES / "matters").glob("*.yaml")), SEED]
    try:
        for path in files + files[::-1]:
            case = load_case(path)
            assert kept(engine, case) == fresh(engine, case), path.name
    finally:
        session.release()
    assert session.live_facts() == 0


@settings(deadline=None, max_examples=examples(15),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.lists(cases(max_parties=4, max_events=3), min_size=2, max_size=4),
       as_of=st.one_of(st.none(), st.sampled_from(DATES)))
def test_generated_cases_one_after_another_in_one_kept_session(
        engine: Engine, data: list[dict[str, Any]], as_of: dt.date | None) -> None:
    session = engine.session(as_of)
    try:
        for item in data:
            case = case_from_document(load_bytes(dump(item).encode(), "generated.yaml"))
            assert kept(engine, case, as_of) == fresh(engine, case, as_of)
    finally:
        session.release()
    assert session.live_facts() == 0


def test_a_fresh_run_first_retracts_a_kept_case(engine: Engine) -> None:
    case = load_case(SEED)
    session = engine.session(None)
    kept(engine, case)
    assert session.live_facts() > 0
    session.run(encode_case(engine.prepare(case), engine.program(None).encoding))
    assert session.kept is None and session.live_facts() == 0


def test_rex_ask_matches_each_answered_case_by_the_difference(engine: Engine) -> None:
    """Within ``Engine.kept`` the default matcher keeps the case; on leaving, nothing is
    left in the session."""
    case = load_case(SEED)
    session = engine.session(None)
    with engine.kept():
        first = engine.matches(case)
        assert session.kept is not None
        again = engine.matches(case)
        assert session.kept.asserted == 0 and session.kept.retracted == 0
        assert first == again
    assert session.kept is None and session.live_facts() == 0


def test_no_compiled_rule_tests_that_a_fact_is_absent(engine: Engine) -> None:
    """What a kept case relies on: retracting a fact can only take matches away."""
    def keys(node: Any) -> Any:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for item in node:
                yield from keys(item)

    for as_of in (None, *DATES):
        for chunk in engine.program(as_of).chunks:
            assert not any("$not" in str(key) for key in keys(chunk.definition()))


CIRCULAR = """
rex: 1
id: circular
title: Holdings that own each other, below a listed owner
sources: [{{id: s, title: s, kind: internal}}]
parties:
  - {{id: x, name: Xeno Corp, type: company, country: RU, status: confirmed, source: s,
     listings: {{us-sdn-list: {{listed: {listed}, since: 2022-01-01}}}}}}
  - id: a
    name: Alpha Holdings
    type: company
    country: CY
    status: confirmed
    source: s
    owners:
      - {{party: x, shares_pct: 60, control: true}}
      - {{party: b, shares_pct: 50, control: true}}
  - id: b
    name: Beta Trading
    type: company
    country: CY
    status: confirmed
    source: s
    owners: [{{party: a, shares_pct: 50, control: true}}]
  - {{id: u, name: US Widgets Inc, type: company, country: US, us_person: true, status: confirmed,
     source: s}}
events:
  - {{id: deal, name: Sale, type: transfer, by: u, to: b, status: confirmed, source: s,
     dates: {{completed: 2024-05-01}}}}
"""


def test_facts_derived_around_an_ownership_loop_go_when_its_root_goes(engine: Engine) -> None:
    """A and B hold each other: once X is no longer listed, what was derived for A and B
    (blocked, controlled from abroad) holds only through the loop, and goes."""
    session = engine.session(None)
    try:
        for listed in ("true", "false", "true", "false"):
            case = case_from_document(load_bytes(CIRCULAR.format(listed=listed).encode(),
                                                 "circular.yaml"))
            assert kept(engine, case) == fresh(engine, case), listed
    finally:
        session.release()
    assert session.live_facts() == 0
