"""Why a rule gave no finding on a case, in words (``rex report --all``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..matchers.oracle import Evaluator, Value, ident
from ..model import CaseObject
from ..rulemodel import Leaf, Rule, show_value
from .words import fact_path, plain


def why_not(evaluator: Evaluator, rule: Rule) -> str:
    """A short reason a rule produced no finding on this case."""
    root = rule.bindings[0]
    candidates = [obj for obj in evaluator.case.objects if obj.kind == root.kind]
    if not candidates:
        return f"the case has no {root.kind}"
    reasons: list[str] = []
    for obj in candidates:
        assignments = [
            a for a in evaluator.assignments(rule, "p")
            if ident(a[root.name]) == obj.id
        ]
        if not assignments:
            missing = [b.name for b in rule.bindings[1:] if not b.hidden]
            reasons.append(f"{obj.id}: nothing to match {', '.join(missing) or 'it'}")
            continue
        assignment = assignments[0]
        cond = evaluator.conditions[rule.id]
        # A test under a "not" fails when the test itself holds: explain its negation.
        false = [result.leaf if result.value == value else result.leaf.negated()
                 for result, value in evaluator.leaf_results(cond, assignment, "a")
                 if value == 0]
        if not false:
            reasons.append(f"{obj.id}: the condition does not hold")
            continue
        reasons.append(f"{obj.id}: {_explain_false(evaluator, rule, false[0], assignment)}")
        if len(reasons) >= 3:
            break
    extra = len(candidates) - len(reasons)
    text = "; ".join(reasons)
    return text + (f"; and {extra} more {root.kind}(s)" if extra > 0 else "")


def _explain_false(evaluator: Evaluator, rule: Rule, leaf: Leaf,
                   assignment: Mapping[str, Value]) -> str:
    holder = assignment.get(leaf.binding)
    actual = evaluator.value_of(holder, leaf.path, "a") if holder is not None else None
    if rule.applies_on is not None and leaf.ref == rule.applies_on and leaf.at == rule.at:
        return (f"not in force on {plain(actual)} ({rule.in_force_text()})")
    if not isinstance(holder, CaseObject):
        return f"the case has no {leaf.binding} for the test \"{leaf.describe()}\""
    if actual is None:
        return f"{fact_path(holder, leaf.path)} is not stated, so \"{leaf.describe()}\" " \
               "does not hold"
    shown = show_value(actual)
    return f"{fact_path(holder, leaf.path)} is {shown}, so \"{leaf.describe()}\" does not hold"
