"""A plain-Python evaluator of the same rules, with three-valued logic.

It reads conditions as written (``all`` / ``any`` / ``not`` over tests) and gives each test the
value true, false or unknown (Kleene logic), in two worlds: the confirmed facts only, and the
confirmed and alleged facts together. A match is

* ``triggered`` when the condition is true in the confirmed world,
* ``alleged`` when it is true only once alleged facts are counted,
* ``possible`` when it is not false but unknown,

and derived facts are the least fixpoint of the derivation rules in each world. This module
never touches durable_rules. It serves ``rex explain`` and the report (which facts a finding
rests on, which questions would settle it), and it is the oracle the property tests hold the
compiled rulesets to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import values
from ..catalogue import catalogue
from ..compiler import Program
from ..compiler.encode import has_alleged
from ..model import STATUS_RANK, Case, CaseObject, Fact, FindingStatus
from ..rulemodel import AllOf, Binding, Cond, FactRef, Leaf, NotOf, Rule
from ..values import F, T, U
from . import EngineMatch

WORLDS = ("c", "a", "p")


@dataclass(frozen=True)
class Derived:
    """A derived fact: ``name(of, to)``."""

    name: str
    of: str
    to: str | None

    @property
    def key(self) -> str:
        return f"{self.name}({self.of}" + (f",{self.to})" if self.to is not None else ")")


class Unbound:
    """A binding whose object is unknown (the reference naming it is not known)."""

    def __repr__(self) -> str:
        return "UNBOUND"


UNBOUND = Unbound()
Value = CaseObject | Derived | Unbound
Assignment = dict[str, Value]


@dataclass(frozen=True)
class Match:
    rule: Rule
    assignment: Mapping[str, Value]
    status: FindingStatus

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(ident(self.assignment[name]) for name in self.rule.key)

    def bound_ids(self) -> dict[str, str]:
        return {name: ident(value) for name, value in self.assignment.items()
                if not self.rule.binding(name).hidden}


def ident(value: Value) -> str:
    if isinstance(value, CaseObject):
        return value.id
    if isinstance(value, Derived):
        return value.key
    return "?"


@dataclass
class LeafResult:
    leaf: Leaf
    value: int
    """F, U or T in the world asked for."""
    fact: Fact | None
    other: Fact | None = None


@dataclass
class Support:
    """Why a derived fact holds: the derivation rule and the match."""

    rule: Rule
    assignment: Mapping[str, Value]


@dataclass
class _Index:
    case: Case
    by_kind: dict[str, list[CaseObject]] = field(default_factory=dict)
    by_id: dict[tuple[str, str], CaseObject] = field(default_factory=dict)

    acts: dict[tuple[str, str], list[CaseObject]] = field(default_factory=dict)
    """What a binding to an object can be: the object, or each act of a course of conduct."""

    @classmethod
    def build(cls, case: Case) -> _Index:
        index = cls(case)
        for obj in case.objects:
            forms = list(obj.acts or (obj,))
            index.by_kind.setdefault(obj.kind, []).extend(forms)
            index.by_id[(obj.kind, obj.id)] = obj
            index.acts[(obj.kind, obj.id)] = forms
        return index


class Evaluator:
    """Evaluates ``rules`` (findings and derivations) over one case."""

    def __init__(self, rules: Sequence[Rule], case: Case, as_of: dt.date | None,
                 given: Evaluator | None = None, fixed: frozenset[str] = frozenset()) -> None:
        """With ``given`` (an evaluator of the same rules on a case that differs from this one
        only in facts the ``fixed`` derivation rules do not read), the facts those rules
        derived there are taken over instead of derived again."""
        self.rules = list(rules)
        self.case = case
        self.as_of = as_of
        self.index = _Index.build(case)
        self.cat = catalogue()
        self.conditions = {rule.id: rule.condition(as_of) for rule in self.rules}
        self.alleged = has_alleged(case)
        self.worlds = WORLDS if self.alleged else ("c", "p")
        """With nothing alleged the alleged world reads as the confirmed one: it is not searched
        again, and its derived facts are the confirmed world's."""
        self.derived: dict[str, dict[Derived, list[Support]]] = {w: {} for w in WORLDS}
        if not self.alleged:
            self.derived["a"] = self.derived["c"]
        self._field_index: dict[tuple[str, str, str], dict[str, list[CaseObject]]] = {}
        self._derived_index: dict[tuple[str, str, str], dict[str, list[Derived]]] = {}
        if given is not None and fixed:
            self._take_over(given, fixed)
        self._fixpoint(fixed if given is not None else frozenset())

    # -- derived facts -----------------------------------------------------------------------

    def _take_over(self, given: Evaluator, fixed: frozenset[str]) -> None:
        for world, facts in given.derived.items():
            if world not in self.worlds:
                continue  # the confirmed world's, when nothing is alleged here
            for fact, supports in facts.items():
                kept = [s for s in supports if s.rule.id in fixed]
                if kept:
                    self.derived[world][fact] = kept
                    self._index_derived(world, fact)

    def _fixpoint(self, fixed: frozenset[str] = frozenset()) -> None:
        derivations = [rule for rule in self.rules
                       if rule.derive is not None and rule.id not in fixed]
        for world in self.worlds:
            changed = True
            while changed:
                changed = False
                for rule in derivations:
                    for assignment in self.assignments(rule, world):
                        if self.holds(rule, assignment, world) is None:
                            continue
                        fact = self._derived_fact(rule, assignment, world)
                        if fact is None:
                            continue
                        supports = self.derived[world].setdefault(fact, [])
                        if not supports:
                            changed = True
                            self._index_derived(world, fact)
                        # Another rule with the same bindings is another support, and every
                        # rule keeps one: a trial answer that takes one rule's support away
                        # must still find the others (report.questions takes them over).
                        same_rule = [s for s in supports if s.rule.id == rule.id]
                        if all(s.assignment != assignment for s in same_rule) and (
                                not same_rule or len(supports) < 8):
                            supports.append(Support(rule, dict(assignment)))

    def _index_derived(self, world: str, fact: Derived) -> None:
        for field_name, value in (("of", fact.of), ("to", fact.to)):
            if value is not None:
                index = self._derived_index.setdefault((world, fact.name, field_name), {})
                if world == "c" and not self.alleged:
                    self._derived_index[("a", fact.name, field_name)] = index
                index.setdefault(value, []).append(fact)

    def _derived_fact(self, rule: Rule, assignment: Assignment, world: str) -> Derived | None:
        assert rule.derive is not None
        of = self._ref_value(rule.derive.of, assignment, world)
        to = self._ref_value(rule.derive.to, assignment, world) if rule.derive.to else None
        if of is None or (rule.derive.to is not None and to is None):
            return None
        return Derived(rule.derive.fact, of, to)

    def _ref_value(self, ref: FactRef, assignment: Assignment, world: str) -> str | None:
        value = assignment.get(ref.binding)
        if isinstance(value, Unbound) or value is None:
            return None
        if ref.path == "id":
            return ident(value)
        found = self.value_of(value, ref.path, "c" if world == "c" else "a")
        return str(found) if found is not None else None

    # -- matching ------------------------------------------------------------------------------

    def matches(self, rule: Rule) -> list[Match]:
        """The best status for each key of a finding rule."""
        best: dict[tuple[str, ...], Match] = {}
        for world in self.worlds:
            for assignment in self.assignments(rule, world):
                status = self.holds(rule, assignment, world)
                if status is None:
                    continue
                match = Match(rule, dict(assignment), status)
                known = best.get(match.key)
                if known is None or _better(match, known):
                    best[match.key] = match
        return sorted(best.values(), key=lambda m: m.key)

    def holds(self, rule: Rule, assignment: Assignment, world: str) -> FindingStatus | None:
        """The status an assignment gives in ``world`` (None if it does not hold there)."""
        view = "c" if world == "c" else "a"
        if world != "p" and any(isinstance(v, Unbound) for v in assignment.values()):
            return None
        for binding in rule.bindings:
            if isinstance(assignment[binding.name], Unbound):
                continue
            if any(self.leaf_value(test, assignment, view) != T for test in binding.tests):
                return None
        value = self.kleene(self.conditions[rule.id], assignment, view, rule.gates)
        if world == "p":
            return "possible" if value >= U else None
        if value != T:
            return None
        return "triggered" if world == "c" else "alleged"

    def assignments(self, rule: Rule, world: str) -> Iterator[Assignment]:
        """Every way to bind the rule's bindings in ``world`` (``p`` allows unbound ones)."""
        yield from self._assign(rule.bindings, 0, {}, world)

    def _assign(
        self, bindings: Sequence[Binding], position: int, partial: Assignment, world: str
    ) -> Iterator[Assignment]:
        if position == len(bindings):
            yield dict(partial)
            return
        binding = bindings[position]
        for candidate in self._candidates(binding, partial, world):
            partial[binding.name] = candidate
            yield from self._assign(bindings, position + 1, partial, world)
            del partial[binding.name]

    def _candidates(self, binding: Binding, partial: Assignment, world: str) -> Iterator[Value]:
        view = "c" if world == "c" else "a"
        for join in binding.joins:
            if isinstance(partial.get(join.other), Unbound):
                if world == "p":
                    yield UNBOUND
                return
        if binding.optional_from is not None and world == "p":
            source = partial[binding.optional_from.binding]
            if self.value_of(source, binding.optional_from.path, "a") is None:
                yield UNBOUND
                return
        if binding.derived:
            first = binding.joins[0]
            theirs = self.value_of(partial[first.other], first.other_field, view)
            if theirs is None:
                return
            index = self._derived_index.get((world, binding.kind, first.field), {})
            for fact in list(index.get(str(theirs), ())):
                if self._joins(binding, fact, partial, view):
                    yield fact
            return
        for obj in self._pool(binding, partial, view):
            if obj.exists_in(world) and self._joins(binding, obj, partial, view):
                yield obj

    def _pool(self, binding: Binding, partial: Assignment, view: str) -> list[CaseObject]:
        """The objects a binding can take: looked up through its first join."""
        if not binding.joins:
            return self.index.by_kind.get(binding.kind, [])
        join = binding.joins[0]
        target = self.value_of(partial[join.other], join.other_field, view)
        if target is None:
            return []
        if join.field == "id":
            return self.index.acts.get((binding.kind, str(target)), [])
        key = (binding.kind, join.field, view)
        index = self._field_index.get(key)
        if index is None:
            index = {}
            for obj in self.index.by_kind.get(binding.kind, []):
                value = self.value_of(obj, join.field, view)
                if value is not None and not isinstance(value, tuple):
                    index.setdefault(str(value), []).append(obj)
            self._field_index[key] = index
        return index.get(str(target), [])

    def _joins(self, binding: Binding, value: Value, partial: Assignment, view: str) -> bool:
        for join in binding.joins:
            mine = self.value_of(value, join.field, view)
            theirs = self.value_of(partial[join.other], join.other_field, view)
            if mine is None or theirs is None or str(mine) != str(theirs):
                return False
        return True

    def value_of(self, value: Value, path: str, view: str) -> Any:
        """A field of a bound object in a world; None when unknown."""
        if isinstance(value, Unbound):
            return None
        if isinstance(value, Derived):
            if path == "id":
                return value.key
            return value.of if path == "of" else value.to
        if path == "id":
            return value.id
        fact = value.facts.get(path)
        if fact is None:
            return None
        return fact.value_in(view)

    # -- conditions ----------------------------------------------------------------------------

    def kleene(self, cond: Cond, assignment: Assignment, view: str,
               gates: frozenset[str] = frozenset(), negated: bool = False) -> int:
        """The value of ``cond``. A test on a gate fact that is unknown counts as not met: in
        negation normal form it is false, so under an odd number of ``not`` it is true."""
        if isinstance(cond, Leaf):
            value = self.leaf_value(cond, assignment, view)
            if value == U and (cond.strict or str(cond.ref) in gates):
                return T if negated else F
            return value
        if isinstance(cond, NotOf):
            return T - self.kleene(cond.item, assignment, view, gates, not negated)
        # min (all) or max (any) of the items, stopping at the value that decides it
        if isinstance(cond, AllOf):
            result = T
            for item in cond.items:
                value = self.kleene(item, assignment, view, gates, negated)
                if value == F:
                    return F
                result = min(result, value)
            return result
        result = F
        for item in cond.items:
            value = self.kleene(item, assignment, view, gates, negated)
            if value == T:
                return T
            result = max(result, value)
        return result

    def leaf_value(self, leaf: Leaf, assignment: Assignment, view: str) -> int:
        """``leaf(...).value`` without the facts it rests on (what matching needs)."""
        bound = assignment.get(leaf.binding)
        mine = self.value_of(bound, leaf.path, view) if bound is not None else None
        if leaf.op == "exists":
            return T if (mine is not None) == leaf.value else F
        if mine is None:  # an unbound binding has no value either
            return U
        if isinstance(leaf.value, FactRef):
            other_bound = assignment.get(leaf.value.binding)
            theirs = (self.value_of(other_bound, leaf.value.path, view)
                      if other_bound is not None else None)
            if theirs is None:
                return U
            return values.test(leaf.op, mine, theirs)
        return values.test(leaf.op, mine, leaf.value)

    def leaf(self, leaf: Leaf, assignment: Assignment, view: str) -> LeafResult:
        bound = assignment.get(leaf.binding)
        fact = self._fact(bound, leaf.path)
        mine = self.value_of(bound, leaf.path, view) if bound is not None else None
        if leaf.op == "exists":
            known = mine is not None
            return LeafResult(leaf, T if known == leaf.value else F, fact)
        if isinstance(bound, Unbound) or mine is None:
            return LeafResult(leaf, U, fact)
        if isinstance(leaf.value, FactRef):
            other_bound = assignment.get(leaf.value.binding)
            other_fact = self._fact(other_bound, leaf.value.path)
            theirs = (self.value_of(other_bound, leaf.value.path, view)
                      if other_bound is not None else None)
            if theirs is None:
                return LeafResult(leaf, U, fact, other_fact)
            return LeafResult(leaf, values.test(leaf.op, mine, theirs), fact, other_fact)
        return LeafResult(leaf, values.test(leaf.op, mine, leaf.value), fact)

    def _fact(self, bound: Value | None, path: str) -> Fact | None:
        if isinstance(bound, CaseObject):
            return bound.facts.get(path)
        return None

    def leaf_results(
        self, cond: Cond, assignment: Assignment, view: str
    ) -> list[tuple[LeafResult, int]]:
        """Each test with its value and the value of the smallest ``all``/``any`` around it
        that decides whether the test matters (for explanations)."""
        out: list[tuple[LeafResult, int]] = []
        self._collect(cond, assignment, view, out, negated=False)
        return out

    def _collect(self, cond: Cond, assignment: Assignment, view: str,
                 out: list[tuple[LeafResult, int]], negated: bool) -> int:
        if isinstance(cond, Leaf):
            result = self.leaf(cond, assignment, view)
            out.append((result, T - result.value if negated else result.value))
            return result.value
        if isinstance(cond, NotOf):
            return T - self._collect(cond.item, assignment, view, out, not negated)
        values = [self._collect(item, assignment, view, out, negated) for item in cond.items]
        if isinstance(cond, AllOf):
            return min(values, default=T)
        return max(values, default=F)

    def relevant_unknowns(self, cond: Cond, assignment: Assignment, view: str) -> list[Leaf]:
        """The tests whose unknown value keeps ``cond`` from being decided."""
        found: list[Leaf] = []
        self._unknowns(cond, assignment, view, found)
        return found

    def _unknowns(self, cond: Cond, assignment: Assignment, view: str, found: list[Leaf]) -> None:
        value = self.kleene(cond, assignment, view)
        if value != U:
            return
        if isinstance(cond, Leaf):
            found.append(cond)
            return
        if isinstance(cond, NotOf):
            self._unknowns(cond.item, assignment, view, found)
            return
        for item in cond.items:
            self._unknowns(item, assignment, view, found)

    def supports(self, fact: Derived, world: str) -> list[Support]:
        return self.derived[world].get(fact, [])


def compare(op: str, left: Any, right: Any) -> bool:
    """A test on exact values, with the semantics the compiled rules have."""
    return values.exact_test(op, left, right)


def _better(new: Match, old: Match) -> bool:
    if STATUS_RANK[new.status] != STATUS_RANK[old.status]:
        return STATUS_RANK[new.status] > STATUS_RANK[old.status]
    return sorted(new.bound_ids().items()) < sorted(old.bound_ids().items())


def oracle_findings(
    rules: Sequence[Rule], case: Case, as_of: dt.date | None
) -> dict[tuple[str, tuple[str, ...]], str]:
    """(rule id, key) -> status for every finding rule, by the plain-Python semantics."""
    evaluator = Evaluator(rules, case, as_of)
    out: dict[tuple[str, tuple[str, ...]], str] = {}
    for rule in rules:
        if rule.finding is None:
            continue
        for match in evaluator.matches(rule):
            out[(rule.id, match.key)] = match.status
    return out


class OracleMatcher:
    """The plain-Python evaluator as a matcher: the oracle the rule engine is held to."""

    name = "oracle"

    def __init__(self, program: Program) -> None:
        self.program = program

    def matches(self, case: Case) -> list[EngineMatch]:
        evaluator = Evaluator(self.program.rules, case, self.program.as_of)
        out = []
        for rule in sorted(self.program.rules, key=lambda r: r.id):
            if rule.finding is None:
                continue
            for match in evaluator.matches(rule):
                bound = {name: ident(value) for name, value in match.assignment.items()}
                out.append(EngineMatch(rule.id, match.status, bound))
        return out

