"""One finding from one match: the rule's status checked, then its words, who acts, deadlines,
amounts, facts and questions."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import replace

from ..compiler import Program
from ..errors import EngineError
from ..matchers import EngineMatch
from ..matchers.oracle import UNBOUND, Derived, Evaluator, Unbound, Value, ident
from ..model import Amount, CaseObject, Finding, FindingStatus, WhoActs
from ..rulemodel import AmountSpec, FactRef, Leaf, Rule, WhoSpec, leaves
from ..values import Span, T
from .deadlines import deadline
from .grounds import engage_questions, facts_of, questions_of
from .words import capitalised, fact_path, fill, names_of, plain


def assignment_for(evaluator: Evaluator, rule: Rule, bound: Mapping[str, str]) -> dict[str, Value]:
    """Rebuild the evaluator's view of an engine match."""
    assignment: dict[str, Value] = {}
    for binding in rule.bindings:
        ident_ = bound.get(binding.name, "?")
        if ident_ == "?":
            assignment[binding.name] = UNBOUND
        elif binding.derived:
            fact = _derived_by_key(evaluator, ident_)
            if fact is None:
                raise EngineError(f"{rule.id}: the rule engine derived {ident_}, which the "
                                  "evaluator does not")
            assignment[binding.name] = fact
        else:
            obj = evaluator.index.by_id.get((binding.kind, ident_))
            if obj is None:
                raise EngineError(f"{rule.id}: the rule engine bound {binding.name} to "
                                  f"{ident_!r}, which is not a {binding.kind} of the case")
            assignment[binding.name] = obj
    return assignment


def _holding(evaluator: Evaluator, rule: Rule, assignment: dict[str, Value], world: str,
             status: str) -> dict[str, Value] | None:
    """The assignment, with each course of conduct bound to an act that gives the match its
    status (None when none does: the two matchers disagree)."""
    choices = []
    for name, value in assignment.items():
        if isinstance(value, CaseObject) and value.acts:
            choices.append((name, [a for a in value.acts if a.exists_in(world)]))
    for picked in itertools.product(*(acts for _, acts in choices)):
        candidate = {**assignment, **{name: act for (name, _), act in zip(choices, picked,
                                                                            strict=True)}}
        if evaluator.holds(rule, candidate, world) == status and _derived_ok(
                evaluator, rule, candidate, world):
            return candidate
    return None


def course_note(evaluator: Evaluator, rule: Rule, assignment: dict[str, Value], name: str,
                world: str) -> str:
    """For a finding on a course of conduct: which of its acts the rule catches. A course
    that began before the law (a listing, a new control) applied to it and went on after is
    caught for the acts from the day it first applied."""
    act = assignment[name]
    assert isinstance(act, CaseObject)
    event = evaluator.index.by_id[(act.kind, act.id)]
    span = event.facts["date"].value
    count = event.facts.get("count")
    acts = f"{plain(count.value)} acts" if count is not None else "acts"
    course = f"a course of conduct ({acts}, {plain(span)})"
    if not isinstance(span, Span):
        return ""
    first = next(a for a in event.acts if a.act == "first")
    if evaluator.holds(rule, {**assignment, name: first}, world) is not None:
        return f"The finding covers the whole of {course}: its first act is caught."
    days = sorted({span.lo, span.hi} | {
        day for leaf in leaves(evaluator.conditions[rule.id]) if leaf.binding == name
        and leaf.path == "date" for day in _edges(evaluator, leaf, assignment)
        if span.lo <= day <= span.hi})
    for day in days:
        dated = replace(act, facts={**act.facts, "date": replace(act.facts["date"], value=day)})
        if evaluator.holds(rule, {**assignment, name: dated}, world) is not None:
            return (f"The rule does not catch the start of {course}; it catches the acts from "
                    f"{day.isoformat()}.")
    return (f"The rule does not catch the first act of {course}; it may catch later acts, "
            "whose dates the case does not give.")


def _edges(evaluator: Evaluator, leaf: Leaf, assignment: dict[str, Value]) -> list[dt.date]:
    """The days on which a date test's answer may turn: its date and the day after."""
    other = leaf.value
    if isinstance(other, FactRef):
        holder = assignment.get(other.binding)
        found = evaluator.value_of(holder, other.path, "a") if holder is not None else None
        other = found.lo if isinstance(found, Span) else found
    if not isinstance(other, dt.date):
        return []
    return [other, other + dt.timedelta(days=1)]


def _derived_by_key(evaluator: Evaluator, key: str) -> Derived | None:
    for world in ("c", "a", "p"):
        for fact in evaluator.derived[world]:
            if fact.key == key:
                return fact
    return None


def world_of(status: str) -> str:
    return {"triggered": "c", "alleged": "a", "possible": "p"}[status]


def finding(evaluator: Evaluator, program: Program, match: EngineMatch,
             reference: dt.date, clock: dt.datetime | None) -> Finding:
    rule = program.pack.get(match.rule)
    if rule is None or rule.finding is None:
        raise EngineError(f"the rule engine reported {match.rule!r}, which is not a finding rule")
    world = world_of(match.status)
    assignment = _holding(evaluator, rule, assignment_for(evaluator, rule, match.bound), world,
                          match.status)
    if assignment is None:
        raise EngineError(
            f"{rule.id}: the rule engine and the evaluator disagree on "
            f"{dict(match.bound)} ({match.status}); no report is printed"
        )
    view = "c" if world == "c" else "a"
    status = match.status
    note = ""
    capped_from: FindingStatus | None = None
    if rule.certainty == "unverified" and status != "possible":
        capped_from = status
        note = (f"Capped at possible: the rule rests on a figure or wording not confirmed from a "
                f"primary source; on the facts it would be {status}.")
        status = "possible"
    for name, value in assignment.items():
        if isinstance(value, CaseObject) and value.act is not None:
            note = " ".join(filter(None, [note, course_note(evaluator, rule, assignment, name,
                                                              world)]))
    names = names_of(rule, assignment)
    spec = rule.finding
    facts = facts_of(evaluator, rule, assignment, view)
    questions = questions_of(evaluator, rule, assignment) if match.status == "possible" else []
    who = tuple(_who(item, names, assignment) for item in spec.who_acts)
    deadlines = tuple(
        deadline(evaluator, item, assignment, reference, clock) for item in spec.deadlines
    )
    amounts = tuple(_amount(item, assignment) for item in spec.amounts)
    conclusion = capitalised(fill(spec.title, names))
    engaged = (rule.engage is None or status != "possible"
               or evaluator.kleene(rule.engage, assignment, "a") == T)
    if not engaged:  # asked only what would bring the provision into play
        questions = engage_questions(evaluator, rule, assignment)
    return Finding(
        rule=rule.id,
        regime=rule.regime,
        title=headline(rule, status, conclusion, names),
        conclusion=conclusion,
        engaged=engaged,
        series=rule.series,
        status=status,
        severity=rule.severity,
        provision=rule.provision,
        url=rule.url,
        summary=fill(spec.summary, names),
        on={name: ident(value) for name, value in assignment.items()
            if not rule.binding(name).hidden and not rule.binding(name).derived},
        who_acts=who,
        deadlines=deadlines,
        facts=tuple(facts),
        questions=tuple(questions),
        in_force=(
            rule.in_force_from.isoformat() if rule.in_force_from else None,
            rule.in_force_until.isoformat() if rule.in_force_until else None,
        ),
        note=note,
        capped_from=capped_from,
        amounts=amounts,
    )


def headline(rule: Rule, status: str, conclusion: str, names: Mapping[str, str]) -> str:
    """The headline for the finding's status: only a triggered finding states its conclusion;
    an alleged one says it rests on allegations, a possible one speaks conditionally."""
    assert rule.finding is not None
    given = rule.finding.headlines.get(status)
    if given is not None:
        return capitalised(fill(given, names))
    if status == "alleged":
        return f"If the allegations are true: {conclusion}"
    if status == "possible":
        return f"May apply: {rule.title}"
    return conclusion


def _amount(spec: AmountSpec, assignment: Mapping[str, Value]) -> Amount:
    """The greatest of the terms that can be computed; incomplete when one cannot."""
    values: list[float] = []
    parts: list[str] = []
    missing: list[str] = []
    for term in spec.terms:
        if term.fixed is not None:
            values.append(term.fixed)
            parts.append(_money(term.fixed, spec.currency))
            continue
        assert term.of is not None
        holder = assignment.get(term.of.binding)
        fact = holder.facts.get(term.of.path) if isinstance(holder, CaseObject) else None
        label = fact_path(holder, term.of.path) if isinstance(holder, CaseObject) else str(term.of)
        if fact is None or not isinstance(fact.value, (int, float)):
            missing.append(label)
            continue
        base = float(fact.value)
        if term.percent is not None:
            value = base * term.percent / 100
            parts.append(f"{term.percent:g}% of {label} ({_money(base, spec.currency)}) = "
                         f"{_money(value, spec.currency)}")
        else:
            value = base * (term.times or 0)
            parts.append(f"{term.times:g} x {label} ({_money(base, spec.currency)}) = "
                         f"{_money(value, spec.currency)}")
        if fact.status == "alleged":
            parts[-1] += " (alleged)"
        values.append(value)
    basis = ("the greater of " if len(spec.terms) > 1 else "") + "; ".join(parts)
    if missing:
        basis += f"; not known: {', '.join(missing)}"
        if values:
            basis += " (the figure is at least the one shown)"
    if spec.basis:
        basis += f". {spec.basis}"
    return Amount(spec.id, spec.what, max(values) if values else None, spec.currency,
                  " ".join(basis.split()), not missing)


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def _derived_ok(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
                world: str) -> bool:
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, Derived) and value not in evaluator.derived[world]:
            return False
    return True


def _who(item: WhoSpec, names: Mapping[str, str], assignment: Mapping[str, Value]) -> WhoActs:
    party_id = None
    if item.party is not None:
        value = assignment.get(item.party)
        name = names.get(item.party, item.party)
        if isinstance(value, CaseObject):
            party_id = value.id
        elif isinstance(value, Unbound):
            name = "not identified in the case"
        if item.name:
            name = f"{name} ({item.name})"
    else:
        name = item.name or ""
    return WhoActs(item.role, name, fill(item.does, names), item.modality, party_id)
