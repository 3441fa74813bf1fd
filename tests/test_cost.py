"""Cost in proportion to the input: derived facts through ownership chains grow with the chain,
not with its square. Measured in facts and assertions, never in wall-clock time (the time and
peak memory of a 1,000-company chain are in make bench)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bench.generate import ownership_chain, to_yaml
from engine.cases import case_from_document
from engine.errors import ErrorList
from engine.evaluate import Engine
from engine.matchers.oracle import Evaluator
from engine.model import Case
from engine.report import questions
from engine.yamlio import load_bytes


def chain(length: int, reverse: bool = False) -> Case:
    data = ownership_chain(length, reverse)
    return case_from_document(load_bytes(to_yaml(data), f"chain-{length}.yaml"))


def derived_facts(engine: Engine, case: Case) -> dict[str, set[tuple[str, str | None]]]:
    program = engine.program(None, today=dt.date(2026, 12, 1))
    evaluator = Evaluator(program.rules, engine.prepare(case), None)
    out: dict[str, set[tuple[str, str | None]]] = {}
    for world in evaluator.derived.values():
        for fact in world:
            out.setdefault(fact.name, set()).add((fact.of, fact.to))
    return out


def asserted(engine: Engine, case: Case) -> int:
    """How many facts the rule engine stored for the case (derived ones included)."""
    session = engine.session(None)
    session.recording = []
    try:
        engine.matches(case)
        return len(session.recording)
    finally:
        session.recording = None


@pytest.mark.parametrize("reverse", [False, True], ids=["top-first", "bottom-first"])
def test_control_down_a_chain_costs_one_fact_per_company(engine: Engine, reverse: bool) -> None:
    short, long = chain(40, reverse), chain(80, reverse)
    facts_short, facts_long = derived_facts(engine, short), derived_facts(engine, long)
    bottom = "c79"
    # Everything the chain's top makes relevant reaches the bottom company ...
    assert (bottom, "c0") in facts_long["uk-designated-control"]
    assert (bottom, "c0") in facts_long["ear-listed-owned"]
    assert (bottom, None) in facts_long["ear-d5-headquartered"]
    assert (bottom, None) in facts_long["state-linked"]
    assert (bottom, None) in facts_long["cfius-foreign-control"]
    # ... at one fact per company and fact kind: doubling the chain doubles the facts (a
    # transitive closure would quadruple them: 3,160 control facts for 80 companies).
    for name, found in facts_long.items():
        assert len(found) <= 2 * len(facts_short.get(name, ())) + 2, name
    assert sum(map(len, facts_long.values())) < 12 * 80
    assert asserted(engine, long) <= 2.1 * asserted(engine, short)


def test_a_long_chain_gives_the_same_findings_in_both_evaluators(engine: Engine) -> None:
    case = chain(60, reverse=True)
    assert engine.cross_check(case) == []
    statuses = engine.statuses(case)
    # The export to the bottom company reaches the listed and designated top, 59 links up.
    assert ("us-export.ear-744.11-affiliates-2025", ("export", "c59", "weights")) in statuses
    assert ("uk-sanctions.economic-resources-to-controlled-entity", ("export", "c59")) in statuses


def test_trial_answers_take_over_the_derivations_they_cannot_change(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking questions re-derives only what an answer can reach: the questions and what
    each answer settles are the same as when every trial derives everything again."""
    case = chain(30)
    fast = engine.report(case, today=dt.date(2026, 12, 1), questions=True).questions
    original = questions._Scope.rules_for

    def nothing_fixed(self: Any, kind: str, field: str) -> Any:
        rules, _ = original(self, kind, field)
        return rules, frozenset()

    monkeypatch.setattr(questions._Scope, "rules_for", nothing_fixed)
    slow = engine.report(case, today=dt.date(2026, 12, 1), questions=True).questions
    assert fast == slow and fast


def test_ninety_thousand_unknown_keys_get_one_short_line() -> None:
    lines = ["rex: 1", "id: many-keys", "title: Many keys",
             "sources: [{id: s, title: t, kind: internal}]",
             "parties:", "  - {id: p, name: P, status: confirmed, source: s,"]
    lines += [f"     k{index}: 1," for index in range(90_000)]
    lines.append("     end: 1}")
    with pytest.raises(ErrorList) as caught:
        case_from_document(load_bytes("\n".join(lines).encode(), "keys.yaml"))
    line = caught.value.one_line()
    assert "90,001 unknown fields in all" in line and len(line) < 1_000, line[:300]
