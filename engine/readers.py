"""Which rules read which event types, and which facts of them.

A case describes an event by what happened (a student's ``study``, a ``hiring``), and rules
decide what it means. This module reads the rule pack for the map a user needs: for each event
type, the regimes whose rules can match it, and the event facts those rules read. The case
format's table of event types is generated from it, and ``rex validate --strict`` warns when a
case states a fact of an event that no rule reads for its type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .catalogue import catalogue
from .model import Case, CaseObject
from .rulemodel import AllOf, AnyOf, Cond, DateExpr, Leaf, Rule, RulePack, leaves

#: Fields that describe an event to its reader (name, wording, bookkeeping), never tested.
DESCRIPTIVE = frozenset({"type", "name", "description", "note", "status", "source", "id"})
#: Facts rex itself reads on every event: a course of conduct's dates and number of acts.
ENGINE_READS = frozenset({"count", "dates.started", "dates.ended"})
#: The authorities' steps (``process.*``): the report states them whether or not a rule reads
#: them.
REPORTED = ("process.",)


@dataclass(frozen=True)
class Readers:
    """For each event type: the rules that may match it and the event facts they read."""

    rules: Mapping[str, tuple[str, ...]]
    regimes: Mapping[str, tuple[str, ...]]
    fields: Mapping[str, frozenset[str]]

    def reads(self, event_type: str, path: str) -> bool:
        """Whether some rule reads fact ``path`` of an event of ``event_type``.

        A rule reading ``dates.completed`` reads ``dates``; one reading ``votes`` reads
        ``votes.after``."""
        read = self.fields.get(event_type, frozenset())
        return any(path == f or path.startswith(f + ".") or f.startswith(path + ".")
                   for f in read)


def event_readers(pack: RulePack) -> Readers:
    types = catalogue().field("event", "type")
    all_types = tuple(types.values or ()) if types else ()
    rules: dict[str, list[str]] = {t: [] for t in all_types}
    regimes: dict[str, set[str]] = {t: set() for t in all_types}
    fields: dict[str, set[str]] = {t: set() for t in all_types}
    for rule in pack.rules:
        for binding in rule.bindings:
            if binding.kind != "event":
                continue
            types_admitted = _types(rule.when, binding.name)
            admitted = set(all_types) if types_admitted is None else types_admitted
            read = _fields(rule, binding.name)
            for event_type in admitted & set(all_types):
                rules[event_type].append(rule.id)
                if rule.finding is not None:
                    regimes[event_type].add(rule.regime)
                fields[event_type] |= read
    return Readers(
        {t: tuple(sorted(set(r))) for t, r in rules.items()},
        {t: tuple(sorted(r)) for t, r in regimes.items()},
        {t: frozenset(f) for t, f in fields.items()},
    )


def _types(cond: Cond, binding: str) -> set[str] | None:
    """The event types a condition admits for ``binding``; None when it admits every type.

    A test of ``binding.type`` admits its values; ``all`` admits what every part admits,
    ``any`` what some part admits. A negated test is read as admitting every type, so that
    no rule is ever left out of what reads a type."""
    if isinstance(cond, Leaf):
        if cond.binding != binding or cond.path != "type":
            return None
        if cond.op == "eq":
            return {str(cond.value)}
        if cond.op == "in":
            return {str(v) for v in cond.value}
        return None
    if isinstance(cond, AllOf):
        admitted: set[str] | None = None
        for item in cond.items:
            part = _types(item, binding)
            if part is not None:
                admitted = part if admitted is None else admitted & part
        return admitted
    if isinstance(cond, AnyOf):
        union: set[str] = set()
        for item in cond.items:
            part = _types(item, binding)
            if part is None:
                return None
            union |= part
        return union
    return None


def _fields(rule: Rule, name: str) -> set[str]:
    """Every fact of binding ``name`` the rule tests, joins on, dates or counts with."""
    read: set[str] = set()
    for leaf in leaves(rule.when):
        if leaf.binding == name:
            read.add(leaf.path)
        value = getattr(leaf.value, "binding", None)
        if value == name:
            read.add(leaf.value.path)
    for binding in rule.bindings:
        for join in binding.joins:
            if binding.name == name:
                read.add(join.field)
            if join.other == name:
                read.add(join.other_field)
        if binding.optional_from is not None and binding.optional_from.binding == name:
            read.add(binding.optional_from.path)
    if rule.applies_on is not None and rule.applies_on.binding == name:
        read.add(rule.applies_on.path)
    for key in rule.key:
        if key.startswith(name + "."):
            read.add(key.split(".", 1)[1])
    if rule.finding is not None:
        for deadline in rule.finding.deadlines:
            read |= _date_fields(deadline.start, name)
            read |= {ref.path for ref in deadline.ended_by if ref.binding == name}
        for amount in rule.finding.amounts:
            read |= {t.of.path for t in amount.terms if t.of is not None and t.of.binding == name}
    if rule.derive is not None:
        for ref in (rule.derive.of, rule.derive.to):
            if ref is not None and ref.binding == name:
                read.add(ref.path)
    if "date" in read:
        read.add("dates")
    return read


def _date_fields(expr: DateExpr, name: str) -> set[str]:
    found = {expr.fact.path} if expr.fact is not None and expr.fact.binding == name else set()
    for part in (*expr.latest, *expr.earliest):
        found |= _date_fields(part, name)
    return found


def unread_facts(case: Case, readers: Readers) -> list[tuple[CaseObject, str]]:
    """The facts a case states about its events that no rule reads for the event's type."""
    unread: list[tuple[CaseObject, str]] = []
    for event in case.of_kind("event"):
        type_fact = event.facts.get("type")
        event_type = str(type_fact.value) if type_fact is not None else ""
        for path in sorted(event.facts):
            if (path.split(".")[0] in DESCRIPTIVE or path.endswith(".note")
                    or path in ENGINE_READS or path.startswith(REPORTED)):
                continue
            if not readers.reads(event_type, path):
                unread.append((event, path))
    return unread
