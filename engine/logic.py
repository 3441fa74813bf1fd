"""Transformations of rule conditions that the compiler needs.

The evaluator (``evaluator.py``) reads conditions as written, with three-valued (Kleene) logic.
The compiler instead needs them in a shape durable_rules can run, so it:

* pushes ``not`` down to the tests (``nnf``), since durable_rules cannot negate a pattern;
* relaxes each test for the "possible" variant (``relax``): a test also holds when its fact is
  unknown, which is exactly "Kleene value true or unknown" for a condition in negation normal
  form;
* splits ``any`` that spans several bindings into separate rules (``disjuncts``), because the
  tests of one durable_rules pattern can only see one fact.

Both the evaluator and the compiler are tested against each other on generated cases
(tests/test_oracle.py), which is what keeps these transformations honest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from .errors import RuleError
from .rulemodel import TRUE, AllOf, AnyOf, Cond, FactRef, Leaf, NotOf

FALSE = AnyOf(())
MAX_DISJUNCTS = 64
FLIP = {"eq": "eq", "ne": "ne", "lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}


def nnf(cond: Cond, negate: bool = False) -> Cond:
    """``cond`` with every ``not`` pushed down to a test (negation normal form)."""
    if isinstance(cond, Leaf):
        return cond.negated() if negate else cond
    if isinstance(cond, NotOf):
        return nnf(cond.item, not negate)
    items = tuple(nnf(item, negate) for item in cond.items)
    if isinstance(cond, AllOf):
        return AnyOf(items) if negate else AllOf(items)
    return AllOf(items) if negate else AnyOf(items)


def relax(cond: Cond, gates: frozenset[str] = frozenset()) -> Cond:
    """For a condition in NNF: each test also holds when a fact it reads is unknown, except
    tests on the rule's gate facts and engagement conditions, which must be known and met. A
    test on a partly known fact (a month, a bound) holds when it may hold."""
    if isinstance(cond, Leaf):
        if cond.op == "exists":
            return cond  # whether a fact is known is itself always known
        if cond.strict or str(cond.ref) in gates:
            return replace(cond, strict=True)
        unknowns: list[Cond] = [Leaf(cond.binding, cond.path, "exists", False, cond.at, cond.type,
                                     cond.scale, cond.classes)]
        if isinstance(cond.value, FactRef):
            other = cond.value
            unknowns.append(Leaf(other.binding, other.path, "exists", False, cond.at, cond.type))
        return AnyOf((replace(cond, relaxed=True), *unknowns))
    if isinstance(cond, NotOf):
        raise ValueError("relax() needs a condition in negation normal form")
    items = tuple(relax(item, gates) for item in cond.items)
    return AllOf(items) if isinstance(cond, AllOf) else AnyOf(items)


def drop_bindings(
    cond: Cond, unbound: Iterable[str], gates: frozenset[str] = frozenset()
) -> Cond:
    """For an NNF condition: tests on unbound bindings (whose object is unknown) become true,
    as unknown facts do in the relaxed condition; tests on gate facts become false, and so
    does a test that such a fact is stated."""
    gone = set(unbound)
    if not gone:
        return cond
    if isinstance(cond, Leaf):
        mentions = {cond.binding}
        if isinstance(cond.value, FactRef):
            mentions.add(cond.value.binding)
        if not mentions & gone:
            return cond
        if cond.op == "exists":
            # Nothing is stated about an object the case does not name.
            return FALSE if cond.value else TRUE
        return FALSE if cond.strict or str(cond.ref) in gates else TRUE
    if isinstance(cond, NotOf):
        raise ValueError("drop_bindings() needs a condition in negation normal form")
    items = tuple(drop_bindings(item, gone, gates) for item in cond.items)
    return AllOf(items) if isinstance(cond, AllOf) else AnyOf(items)


def simplify(cond: Cond) -> Cond:
    """Drop trivially true and false parts (``TRUE`` is ``AllOf(())``, ``FALSE`` ``AnyOf(())``)."""
    if isinstance(cond, Leaf):
        return cond
    if isinstance(cond, NotOf):
        inner = simplify(cond.item)
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        return NotOf(inner)
    items = [simplify(item) for item in cond.items]
    if isinstance(cond, AllOf):
        if FALSE in items:
            return FALSE
        kept = _flatten(AllOf, [item for item in items if item != TRUE])
        return kept[0] if len(kept) == 1 else AllOf(tuple(kept))
    if TRUE in items:
        return TRUE
    kept = _flatten(AnyOf, [item for item in items if item != FALSE])
    return kept[0] if len(kept) == 1 else AnyOf(tuple(kept))


def _flatten(kind: type, items: Sequence[Cond]) -> list[Cond]:
    flat: list[Cond] = []
    for item in items:
        if isinstance(item, kind) and isinstance(item, (AllOf, AnyOf)):
            flat.extend(item.items)
        else:
            flat.append(item)
    return flat


def owner(leaf: Leaf, order: Mapping[str, int]) -> str:
    """The binding whose durable_rules pattern evaluates ``leaf``: for a comparison of two
    facts, the later of the two bindings (only it can see the earlier one's fact)."""
    if isinstance(leaf.value, FactRef) and order[leaf.value.binding] > order[leaf.binding]:
        return leaf.value.binding
    return leaf.binding


def bindings_of(cond: Cond, order: Mapping[str, int]) -> set[str]:
    """The bindings a condition reads; a comparison of two facts reads both, so that an
    ``any`` holding one is always split (its pattern must guard the other fact's field)."""
    if isinstance(cond, Leaf):
        if isinstance(cond.value, FactRef):
            return {cond.binding, cond.value.binding}
        return {cond.binding}
    if isinstance(cond, NotOf):
        return bindings_of(cond.item, order)
    found: set[str] = set()
    for item in cond.items:
        found |= bindings_of(item, order)
    return found


Disjunct = dict[str, Cond]


def disjuncts(cond: Cond, order: Mapping[str, int], rule_id: str = "") -> list[Disjunct]:
    """Split an NNF condition into alternatives, each a conjunction of per-binding conditions.

    ``any`` stays inside one pattern when all its tests belong to one binding; otherwise each
    branch becomes its own alternative (its own durable_rules rule).
    """
    result = _disjuncts(simplify(cond), order)
    if len(result) > MAX_DISJUNCTS:
        raise RuleError(
            f"the condition of {rule_id} expands to {len(result)} alternatives for the rule "
            f"engine; at most {MAX_DISJUNCTS} are supported",
            hint="split the rule, or move alternatives about one object into one 'any'",
        )
    return result


def _disjuncts(cond: Cond, order: Mapping[str, int]) -> list[Disjunct]:
    if cond == TRUE:
        return [{}]
    if cond == FALSE:
        return []
    if isinstance(cond, Leaf):
        return [{owner(cond, order): cond}]
    touched = bindings_of(cond, order)
    if len(touched) == 1:
        return [{next(iter(touched)): cond}]
    if isinstance(cond, AnyOf):
        out: list[Disjunct] = []
        for item in cond.items:
            out.extend(_disjuncts(item, order))
            if len(out) > MAX_DISJUNCTS:
                return out
        return out
    if isinstance(cond, AllOf):
        combined: list[Disjunct] = [{}]
        for item in cond.items:
            options = _disjuncts(item, order)
            combined = [_merge(left, right) for left in combined for right in options]
            if len(combined) > MAX_DISJUNCTS:
                return combined
        return combined
    raise ValueError("disjuncts() needs a condition in negation normal form")


def _merge(left: Disjunct, right: Disjunct) -> Disjunct:
    merged = dict(left)
    for name, cond in right.items():
        merged[name] = AllOf((merged[name], cond)) if name in merged else cond
    return merged
