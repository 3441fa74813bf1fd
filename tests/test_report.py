"""The report: deterministic bytes, facts with their lines, questions, statuses."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cases import case_from_document, load_case
from engine.evaluate import Engine
from engine.render import render
from engine.yamlio import load_bytes

from .conftest import CASES, TODAY, UNVERIFIED_RULE
from .strategies import cases, dump


def _shuffled(data: dict[str, Any], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    copy: dict[str, Any] = dict(reversed(list(data.items())))
    for section in ("parties", "assets", "events", "sources"):
        if section in copy:
            items = [dict(reversed(list(item.items()))) for item in copy[section]]
            rng.shuffle(items)
            copy[section] = items
    return copy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=cases(), seed=st.integers(0, 10_000))
def test_the_order_of_facts_does_not_change_the_report(engine: Engine, data: dict[str, Any],
                                                       seed: int) -> None:
    first = case_from_document(load_bytes(dump(data).encode(), "case.yaml"))
    second = case_from_document(load_bytes(dump(_shuffled(data, seed)).encode(), "case.yaml"))
    for fmt in ("json", "text"):
        one = render(fmt, [engine.report(first, today=TODAY, show_all=True)])
        two = render(fmt, [engine.report(second, today=TODAY, show_all=True)])
        assert _without_lines(one) == _without_lines(two)


def _without_lines(text: str) -> str:
    import re

    return re.sub(r"case\.yaml:\d+:\d+", "case.yaml", text)


def test_the_same_input_gives_the_same_bytes(engine: Engine) -> None:
    case = load_case(CASES / "anthropic-alibaba-2026.yaml")
    outputs = {render("json", [engine.report(case, today=TODAY)]) for _ in range(3)}
    assert len(outputs) == 1


def test_facts_carry_status_and_line_and_possible_findings_carry_questions(
        engine: Engine) -> None:
    case = load_case(CASES / "rule-tests" / "uk-nsi" / "s8-alleged-stake.yaml")
    report = engine.report(case, today=TODAY)
    finding = next(f for f in report.findings if f.rule == "uk-nsi.s8-entity-control")
    assert finding.status == "alleged"
    shares = next(f for f in finding.facts if f.path == "deal.shares.after")
    assert shares.value == 51 and shares.status == "alleged"
    assert shares.at.endswith("s8-alleged-stake.yaml:17:33")
    assert finding.questions == ()
    possible = load_case(
        CASES / "rule-tests" / "uk-nsi" / "s8-overseas-target-unknown-uk-activity.yaml")
    finding = next(f for f in engine.report(possible, today=TODAY).findings
                   if f.rule == "uk-nsi.s8-entity-control")
    assert finding.status == "possible"
    assert {q.path for q in finding.questions} >= {"target.uk_activities", "target.uk_supplies"}


def test_deadlines_say_whether_they_have_passed(engine: Engine) -> None:
    case = load_case(CASES / "rule-tests" / "uk-nsi" / "s8-shares-cross-25.yaml")
    report = engine.report(case, today=dt.date(2024, 1, 1))
    call_in = next(f for f in report.findings if f.rule == "uk-nsi.s1-call-in")
    statuses = {d.id: d.status for d in call_in.deadlines}
    assert statuses == {"six-months-from-awareness": "passed", "five-year-long-stop": "open"}


def test_summary_counts_by_status_regime_and_actor(engine: Engine) -> None:
    case = load_case(CASES / "rule-tests" / "uk-nsi" / "s8-shares-cross-25.yaml")
    summary = engine.report(case, today=TODAY).summary()
    assert summary.by_status["triggered"] == 2
    assert summary.by_regime["uk-nsi"] == {"triggered": 2}
    assert any("Secretary of State" in name for name in summary.by_who_acts)


def test_unverified_rules_are_capped_at_possible(engine: Engine, tmp_path: Any) -> None:
    from engine.rules import load_rules

    (tmp_path / "r.yaml").write_text(UNVERIFIED_RULE)
    case = case_from_document(load_bytes(b"""
rex: 1
id: c
title: C
sources: [{id: s, title: S}]
parties: [{id: p, name: P, country: GB, status: confirmed, source: s}]
""", "c.yaml"))
    report = Engine(load_rules([tmp_path])).report(case, today=TODAY)
    (finding,) = report.findings
    assert finding.status == "possible" and "would be triggered" in finding.note


def test_a_question_about_a_holding_names_the_holder_and_the_company_held(
        engine: Engine) -> None:
    case = load_case(CASES / "rule-tests" / "us-export" / "affiliates-2026-stake-unknown.yaml")
    report = engine.report(case, today=TODAY)
    finding = next(f for f in report.findings if f.rule == "us-export.ear-744.11-affiliates-2026")
    texts = {q.path: q.question for q in finding.questions}
    assert texts["listed>investee.shares_pct"] == \
        "What percentage of the shares of Investee Ltd does Listed Parent Co hold?"
    assert not any("{" in text for text in texts.values())


def test_rules_that_did_not_apply_say_why_in_words(engine: Engine) -> None:
    case = load_case(CASES / "anthropic-alibaba-2026.yaml")
    report = engine.report(case, today=TODAY, show_all=True)
    reasons = {item.rule: item.reason for item in report.not_applied}
    assert "model-access.controller is not stated, so \"event.controller is stated\" does not " \
        "hold" in reasons["uk-gdpr.art33-notify-ico"]
    assert "is research-collaboration, so \"event.type is one of [hiring, visiting-researcher]\"" \
        in reasons["uk-atas.research"]
    for reason in reasons.values():
        assert " None" not in reason and "?." not in reason, reason


def test_a_test_under_not_is_explained_as_the_test_that_failed(engine: Engine) -> None:
    case = load_case(CASES / "rule-tests" / "uk-nsi" /
                     "s14-defence-target-notified-and-approved.yaml")
    reasons = {item.rule: item.reason
               for item in engine.report(case, today=TODAY, show_all=True).not_applied}
    assert reasons["uk-nsi.s13-void-without-approval"] == (
        'deal: deal.process.uk-nsi.cleared is 2024-05-01, so "event.process.uk-nsi.cleared is not '
        'stated" does not hold')


def test_no_reason_shows_the_engine_s_own_objects(engine: Engine) -> None:
    for path in sorted(CASES.rglob("*.yaml")):
        report = engine.report(load_case(path), today=TODAY, show_all=True)
        for item in report.not_applied:
            assert "FactRef(" not in item.reason and "Unbound" not in item.reason, \
                (path, item.reason)


def test_a_party_the_case_does_not_identify_is_named_by_its_role(engine: Engine) -> None:
    case = load_case(CASES / "anthropic-alibaba-2026.yaml")
    report = engine.report(case, today=TODAY)
    finding = next(f for f in report.findings if f.rule == "uk-nsi.s9-asset-control"
                   and f.on["event"] == "london-project")
    assert finding.conclusion.startswith("The acquirer (not identified) gains control of")
    assert "not identified in the case (acquirer)" in {who.name for who in finding.who_acts}
    assert all(who.party is None for who in finding.who_acts)


def test_a_failure_to_notify_shows_the_standard_maximum_and_the_security_tier_apart(
        engine: Engine) -> None:
    """UK GDPR Art. 83(4)(a): a failure to notify under Art. 33 carries the standard maximum
    (GBP 8.7m or 2%); the higher maximum is shown apart, for a breach of the security
    principle."""
    case = load_case(CASES / "rule-tests" / "uk-gdpr" / "art33-named-controller.yaml")
    finding = next(f for f in engine.report(case, today=TODAY).findings
                   if f.rule == "uk-gdpr.art33-notify-ico")
    amounts = {a.id: a for a in finding.amounts}
    assert amounts["max-fine-notification"].value is not None
    assert amounts["max-fine-notification"].value >= 8_700_000
    assert "83(4)(a)" in amounts["max-fine-notification"].what
    assert "Art. 5(1)(f)" in amounts["max-fine-security"].what
