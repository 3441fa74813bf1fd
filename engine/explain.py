"""``rex explain``: how one rule reads one case, test by test, in both worlds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .compiler import Program
from .matchers.oracle import Evaluator, Unbound, Value, ident
from .model import Case, CaseObject
from .rulemodel import AllOf, AnyOf, Cond, FactRef, Leaf, Rule
from .values import F, T, U

WORD = {T: "true", F: "false", U: "unknown"}


@dataclass(frozen=True)
class Node:
    """One part of a condition with its value in the confirmed world and with alleged facts."""

    label: str
    confirmed: str
    alleged: str
    detail: str = ""
    children: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Explained:
    bound: dict[str, str]
    status: str | None
    tree: Node


@dataclass(frozen=True)
class Explanation:
    rule: Rule
    law: str
    skipped: str | None
    matches: tuple[Explained, ...]


def explain(program: Program, case: Case, rule: Rule, limit: int = 20) -> Explanation:
    """Every way the rule's bindings can be matched in the case, each with its tree of tests."""
    law = (f"law as it stood on {program.as_of.isoformat()}" if program.as_of
           else "law in force on the date of each event")
    if rule.id in program.skipped:
        return Explanation(rule, law, program.skipped[rule.id], ())
    evaluator = Evaluator(program.rules, case, program.as_of)
    seen: set[tuple[tuple[str, str], ...]] = set()
    found: list[Explained] = []
    for assignment in evaluator.assignments(rule, "p"):
        bound = {name: ident(value) for name, value in assignment.items()
                 if not rule.binding(name).hidden}
        key = tuple(sorted(bound.items()))
        if key in seen:
            continue
        seen.add(key)
        status = None
        for world in ("c", "a", "p"):
            if _bindable(evaluator, rule, assignment, world):
                status = evaluator.holds(rule, assignment, world)
                if status is not None:
                    break
        tree = _node(evaluator, evaluator.conditions[rule.id], assignment)
        found.append(Explained(bound, status, tree))
        if len(found) >= limit:
            break
    return Explanation(rule, law, None, tuple(found))


def _bindable(evaluator: Evaluator, rule: Rule, assignment: dict[str, Value], world: str) -> bool:
    return any(a == assignment for a in evaluator.assignments(rule, world))


def _node(evaluator: Evaluator, cond: Cond, assignment: dict[str, Value]) -> Node:
    c = evaluator.kleene(cond, assignment, "c")
    a = evaluator.kleene(cond, assignment, "a")
    if isinstance(cond, Leaf):
        return Node(str(cond), WORD[c], WORD[a], _detail(evaluator, cond, assignment))
    if isinstance(cond, (AllOf, AnyOf)):
        label = "all of" if isinstance(cond, AllOf) else "any of"
        children = tuple(_node(evaluator, item, assignment) for item in cond.items)
        return Node(label, WORD[c], WORD[a], "", children)
    return Node("not", WORD[c], WORD[a], "", (_node(evaluator, cond.item, assignment),))


def _detail(evaluator: Evaluator, leaf: Leaf, assignment: dict[str, Value]) -> str:
    parts = []
    for ref in [leaf.ref] + ([leaf.value] if isinstance(leaf.value, FactRef) else []):
        holder = assignment.get(ref.binding)
        if isinstance(holder, Unbound) or holder is None:
            parts.append(f"{ref}: {ref.binding} is not known")
            continue
        if not isinstance(holder, CaseObject):
            parts.append(f"{ref} = {evaluator.value_of(holder, ref.path, 'a')}")
            continue
        fact = holder.facts.get(ref.path)
        if fact is None:
            parts.append(f"{holder.id}.{ref.path} is unknown")
            continue
        value = fact.value
        shown = value.isoformat() if isinstance(value, dt.date) else value
        parts.append(f"{holder.id}.{ref.path} = {shown} ({fact.status}, {fact.at})")
    return "; ".join(parts)
