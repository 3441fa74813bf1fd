"""One rex rule -> durable_rules rules: its alternatives times its variants, each a list of
patterns that durable_rules 2.0.28 can run safely (no ``$not``, joins first, fields another
pattern reads guarded, fewer than 32 expressions per pattern)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from ..errors import EngineError, RuleError
from ..logic import disjuncts, nnf, owner, relax, simplify
from ..logic import drop_bindings as drop
from ..rulemodel import TRUE, AllOf, AnyOf, Cond, FactRef, Leaf, NotOf, Rule, leaves
from .encode import CHOICE_MARK, encode_value, fkey, kind_tag, test_key
from .program import VARIANTS, CompiledRule

MAX_PATTERN_EXPRESSIONS = 31
"""durable_rules allows fewer than 32 and/or/join expressions per pattern (rete.h)."""


def compile_rule(rule: Rule, as_of: dt.date | None) -> list[CompiledRule]:
    """All durable_rules rules for one rex rule: its alternatives times its variants."""
    order = {b.name: i for i, b in enumerate(rule.bindings)}
    base = nnf(rule.condition(as_of))
    out: list[CompiledRule] = []
    for variant in VARIANTS:
        options: list[tuple[str, ...]] = [()]
        if variant == "p":
            options = unbound_options(rule)
        for unbound in options:
            derives = rule.derive is not None and not _derive_unbound(rule, unbound)
            if rule.finding is None and not derives:
                continue
            cond: Cond = relax(base, rule.gates) if variant == "p" else base
            cond = simplify(drop(cond, unbound, rule.gates))
            try:
                alternatives = disjuncts(cond, order, rule.id)
            except RuleError as exc:
                raise RuleError(exc.message, rule.at, "when", exc.hint) from None
            fitted: list[dict[str, Cond]] = []
            for alternative in alternatives:
                fitted.extend(_fit(rule, alternative, variant, unbound, order))
            for alternative in fitted:
                name = f"{rule.id}|{variant}|{len(out)}"
                definition, bound = pattern_list(rule, alternative, variant, unbound, order)
                definition["run"] = name
                # By default durable_rules lets one fact fill only one pattern of a rule; a
                # party can be both exporter and recipient, so facts may fill several.
                definition["dist"] = 0
                kinds = frozenset(next(iter(p.values()))["$and"][0]["ft"]
                                  for p in definition["all"])
                out.append(CompiledRule(name, rule.id, variant, bound, unbound, definition, kinds,
                                        _derive_plan(rule) if derives else None,
                                        rule.finding is not None))
    return out


def _fit(
    rule: Rule,
    alternative: dict[str, Cond],
    variant: str,
    unbound: tuple[str, ...],
    order: Mapping[str, int],
) -> list[dict[str, Cond]]:
    """Split an alternative whose pattern needs more and/or/join expressions than durable_rules
    allows (fewer than 32 per pattern) by distributing its largest ``any`` into alternatives."""
    done: list[dict[str, Cond]] = []
    queue = [alternative]
    while queue:
        current = queue.pop(0)
        definition, bound = pattern_list(rule, current, variant, unbound, order, check=False)
        over = [name for name, pattern in zip(bound, definition["all"], strict=True)
                if _expressions(next(iter(pattern.values()))) > MAX_PATTERN_EXPRESSIONS]
        if not over:
            done.append(current)
            continue
        parts = _expand_once(current[over[0]])
        if parts is None or len(done) + len(queue) + len(parts) > 4 * MAX_DISJUNCTS_FIT:
            raise RuleError(
                f"a pattern of {rule.id} needs more and/or/join expressions than the rule "
                f"engine allows ({MAX_PATTERN_EXPRESSIONS}), even split into alternatives",
                rule.at, "when", "split the rule or simplify its 'any' / 'all' nesting",
            )
        queue.extend({**current, over[0]: part} for part in parts)
    return done


MAX_DISJUNCTS_FIT = 64


def _expand_once(cond: Cond) -> list[Cond] | None:
    if isinstance(cond, AnyOf):
        return list(cond.items)
    if isinstance(cond, AllOf):
        choices = [item for item in cond.items if isinstance(item, AnyOf)]
        if not choices:
            nested = [i for i, item in enumerate(cond.items) if isinstance(item, AllOf)]
            for index in nested:
                parts = _expand_once(cond.items[index])
                if parts is not None:
                    rest = cond.items[:index] + cond.items[index + 1:]
                    return [simplify(AllOf((*rest, part))) for part in parts]
            return None
        chosen = max(choices, key=_cost)
        rest = tuple(item for item in cond.items if item is not chosen)
        return [simplify(AllOf((*rest, branch))) for branch in chosen.items]
    return None


def _cost(cond: Cond) -> int:
    if isinstance(cond, Leaf):
        return 1
    if isinstance(cond, NotOf):
        return _cost(cond.item)
    return 2 + sum(_cost(item) for item in cond.items)


def _derive_unbound(rule: Rule, unbound: tuple[str, ...]) -> bool:
    assert rule.derive is not None
    refs = [rule.derive.of] + ([rule.derive.to] if rule.derive.to else [])
    return any(ref.binding in unbound for ref in refs)


def _derive_plan(rule: Rule) -> tuple[str, tuple[str, str], tuple[str, str] | None] | None:
    if rule.derive is None:
        return None
    of = (rule.derive.of.binding, fkey(rule.derive.of.path))
    to = rule.derive.to
    return rule.derive.fact, of, (to.binding, fkey(to.path)) if to is not None else None


def unbound_options(rule: Rule) -> list[tuple[str, ...]]:
    """Sets of bindings that may be left unbound because the reference naming them is unknown."""
    roots = [b.name for b in rule.bindings if b.optional_from is not None]
    depends: dict[str, set[str]] = {b.name: {j.other for j in b.joins} for b in rule.bindings}

    def closure(dropped: set[str]) -> set[str]:
        grown = set(dropped)
        changed = True
        while changed:
            changed = False
            for name, parents in depends.items():
                if name not in grown and parents & grown:
                    grown.add(name)
                    changed = True
        return grown

    options: list[tuple[str, ...]] = []
    seen: set[frozenset[str]] = set()
    for size in range(len(roots) + 1):
        for chosen in itertools.combinations(roots, size):
            dropped = closure(set(chosen))
            if any(closure(set(chosen) - {r}) >= {r} for r in chosen):
                continue  # a root already dropped through another: same as a smaller set
            key = frozenset(dropped)
            if key in seen:
                continue
            seen.add(key)
            options.append(tuple(b.name for b in rule.bindings if b.name in dropped))
    return options


def pattern_list(
    rule: Rule,
    alternative: Mapping[str, Cond],
    variant: str,
    unbound: tuple[str, ...],
    order: Mapping[str, int],
    check: bool = True,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    bound = [b for b in rule.bindings if b.name not in unbound]
    var = {b.name: f"x{i}" for i, b in enumerate(bound)}
    needed: dict[str, set[str]] = {b.name: set() for b in bound}
    for binding in bound:
        for join in binding.joins:
            needed[join.other].add(join.other_field)
    if rule.derive is not None:
        for ref in (rule.derive.of, rule.derive.to):
            if ref is not None and ref.binding in needed:
                needed[ref.binding].add(ref.path)
    for cond in alternative.values():
        for leaf in leaves(cond):
            if isinstance(leaf.value, FactRef) and leaf.op != "exists":
                for ref in (leaf.ref, leaf.value):
                    needed[ref.binding] |= ({ref.path + "__lo", ref.path + "__hi"}
                                            if leaf.type == "date" else {ref.path})
    patterns = []
    for binding in bound:
        tests: list[Any] = [{"ft": kind_tag(binding)}, {f"w{variant}": 1}]
        tests.extend(_test(leaf, binding.name, var, order, strict=True) for leaf in binding.tests)
        if variant == "p":
            for other in rule.bindings:
                source = other.optional_from
                if other.name in unbound and source is not None and source.binding == binding.name:
                    tests.append({"$nex": {fkey(source.path): 1}})
        for path in sorted(needed[binding.name] - {"id"}):
            tests.append({"$ex": {fkey(path): 1}})
        # durable_rules ignores a join placed after a nested $and/$or in the same pattern, so
        # every join and fact-to-fact comparison comes before the nested tests.
        for join in binding.joins:
            tests.append({fkey(join.field): {var[join.other]: fkey(join.other_field)}})
        local = alternative.get(binding.name)
        if local is not None and local != TRUE:
            crosses, rest = _split_crosses(local)
            tests.extend(_cross(leaf, binding.name, var, order) for leaf in crosses)
            if rest != TRUE:
                tests.append(_compile(rest, binding.name, var, order))
        _check_expression_order(tests)
        if check:
            _check_expressions(rule, tests)
        patterns.append({var[binding.name]: {"$and": tests}})
    return {"all": patterns}, tuple(b.name for b in bound)


def _split_crosses(cond: Cond) -> tuple[list[Leaf], Cond]:
    """The fact-to-fact comparisons on the ``all`` spine of a condition, and the rest."""
    if isinstance(cond, Leaf):
        if isinstance(cond.value, FactRef) and cond.op != "exists":
            return [cond], TRUE
        return [], cond
    if isinstance(cond, AllOf):
        crosses: list[Leaf] = []
        rest: list[Cond] = []
        for item in cond.items:
            found, remainder = _split_crosses(item)
            crosses.extend(found)
            if remainder != TRUE:
                rest.append(remainder)
        return crosses, simplify(AllOf(tuple(rest)))
    if any(isinstance(leaf.value, FactRef) for leaf in leaves(cond)):
        raise EngineError("internal: a comparison of two facts sits inside an 'any'")
    return [], cond


def _is_expression(test: Any) -> bool:
    """A test durable_rules evaluates in the join (it names another pattern's variable)."""
    if not isinstance(test, dict) or len(test) != 1:
        return False
    ((op, body),) = test.items()
    if op in {"$and", "$or", "$iany", "$iall"}:
        return False
    inner = body if op.startswith("$") else {op: body}
    return isinstance(inner, dict) and any(isinstance(v, dict) for v in inner.values())


def _check_expression_order(tests: list[Any]) -> None:
    nested_seen = False
    for test in tests:
        if isinstance(test, dict) and next(iter(test)) in {"$and", "$or"}:
            nested_seen = True
            if _contains_expression(test):
                raise EngineError("internal: a join sits inside a nested $and/$or")
        elif _is_expression(test) and nested_seen:
            raise EngineError("internal: a join follows a nested $and/$or in a pattern")


def _contains_expression(test: Any) -> bool:
    if _is_expression(test):
        return True
    if isinstance(test, dict) and len(test) == 1:
        ((op, body),) = test.items()
        if op in {"$and", "$or"}:
            return any(_contains_expression(item) for item in body)
    return False


def _compile(cond: Cond, here: str, var: Mapping[str, str], order: Mapping[str, int]) -> Any:
    if isinstance(cond, Leaf):
        return _test(cond, here, var, order, strict=True)
    if isinstance(cond, AllOf):
        parts = [_compile(item, here, var, order) for item in cond.items]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    if isinstance(cond, AnyOf):
        parts = [_compile(item, here, var, order) for item in cond.items]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    raise EngineError("internal: a 'not' reached the rule compiler")


_OPS = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def _exists_key(leaf: Leaf) -> str:
    """The property whose presence says the fact is known."""
    key = fkey(leaf.path)
    return key + "__lo" if leaf.type in {"number", "date"} else key


def _test(leaf: Leaf, here: str, var: Mapping[str, str], order: Mapping[str, int],
          strict: bool) -> Any:
    del strict
    if leaf.op == "exists":
        return {"$ex" if leaf.value else "$nex": {_exists_key(leaf): 1}}
    if isinstance(leaf.value, FactRef):
        return _cross(leaf, here, var, order)
    if leaf.type in {"number", "date"}:
        return _interval_test(leaf)
    key = fkey(leaf.path)
    op = leaf.op
    if op in {"contains", "contains_any"}:
        # one $iany per value: an $iany over an $or reads an unset node (pitfall 27)
        items = [leaf.value] if op == "contains" else list(leaf.value)
        tests = [{"$iany": {key: {"$i": v}}} for v in items]
        return _any(tests)
    if op in {"not_contains", "contains_none"}:
        items = [leaf.value] if op == "not_contains" else list(leaf.value)
        inner = [{"$neq": {"$i": v}} for v in items]
        return {"$iall": {key: inner[0] if len(inner) == 1 else {"$and": inner}}}
    exact = _exact_test(key, op, leaf.value)
    if not leaf.classes:
        return exact
    # A fact the case may give as a class of values (a country of a group): the exact test,
    # kept from the class's mark, or the key of this test among those the class passes (or,
    # relaxed, may pass); engine.compiler.encode works them out.
    if op in {"ne", "not_in"}:
        exact = _all([exact, {"$neq": {key: CHOICE_MARK}}])
    tagged = [{"$iany": {key + "__t": {"$i": test_key(op, leaf.value)}}}]
    if leaf.relaxed:
        tagged.append({"$iany": {key + "__u": {"$i": test_key(op, leaf.value)}}})
    return _any([exact, *tagged])


def _exact_test(key: str, op: str, value: Any) -> Any:
    if op == "in":
        return _any([{key: v} for v in value])
    if op == "not_in":
        return _all([{"$neq": {key: v}} for v in value])
    if op == "eq":
        return {key: value}
    return {_OPS[op]: {key: value}}


def _interval_test(leaf: Leaf) -> Any:
    """A test on a number or date, which the rule engine holds as the two ends of the interval
    the case allows (``__lo``, ``__hi``; equal for an exact value). The strict test holds when
    it holds for every value in the interval; the relaxed test (``leaf.relaxed``, the possible
    variant) when it holds for some."""
    key = fkey(leaf.path)
    lo, hi = key + "__lo", key + "__hi"
    op = leaf.op
    if op in {"in", "not_in"}:
        items = [encode_value(v, leaf.type, leaf.scale) for v in leaf.value]
        if op == "in":
            return _any([_interval_op(lo, hi, "eq", v, leaf.relaxed) for v in items])
        return _all([_interval_op(lo, hi, "ne", v, leaf.relaxed) for v in items])
    return _interval_op(lo, hi, op, encode_value(leaf.value, leaf.type, leaf.scale),
                        leaf.relaxed)


def _interval_op(lo: str, hi: str, op: str, value: Any, relaxed: bool) -> Any:
    if not relaxed:
        strict = {
            "gt": {"$gt": {lo: value}}, "ge": {"$gte": {lo: value}},
            "lt": {"$lt": {hi: value}}, "le": {"$lte": {hi: value}},
            "eq": {"$and": [{lo: value}, {hi: value}]},
            "ne": {"$or": [{"$lt": {hi: value}}, {"$gt": {lo: value}}]},
        }
        return strict[op]
    relaxed_tests = {
        "gt": {"$gt": {hi: value}}, "ge": {"$gte": {hi: value}},
        "lt": {"$lt": {lo: value}}, "le": {"$lte": {lo: value}},
        "eq": {"$and": [{"$lte": {lo: value}}, {"$gte": {hi: value}}]},
        "ne": {"$or": [{"$neq": {lo: value}}, {"$neq": {hi: value}}]},
    }
    return relaxed_tests[op]


def _any(tests: list[Any]) -> Any:
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _all(tests: list[Any]) -> Any:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _cross(leaf: Leaf, here: str, var: Mapping[str, str], order: Mapping[str, int]) -> Any:
    """A comparison of two dates of two bindings, evaluated in the later binding's pattern.
    Strict: it holds for every pair of days the two intervals allow; relaxed: for some pair."""
    other = leaf.value
    assert isinstance(other, FactRef)
    if owner(leaf, order) == leaf.binding:
        mine, theirs, op = leaf.path, other, leaf.op
    else:
        mine, theirs, op = other.path, FactRef(leaf.binding, leaf.path), _flip(leaf.op)
    other_var = var[theirs.binding]
    if leaf.type != "date":
        exact = {other_var: fkey(theirs.path)}
        return {fkey(mine): exact} if op == "eq" else {_OPS[op]: {fkey(mine): exact}}
    lo, hi = fkey(mine) + "__lo", fkey(mine) + "__hi"

    def their(end: str) -> dict[str, str]:
        return {other_var: fkey(theirs.path) + end}

    if not leaf.relaxed:
        strict: dict[str, list[Any]] = {
            "lt": [{"$lt": {hi: their("__lo")}}], "le": [{"$lte": {hi: their("__lo")}}],
            "gt": [{"$gt": {lo: their("__hi")}}], "ge": [{"$gte": {lo: their("__hi")}}],
            "eq": [{lo: their("__hi")}, {hi: their("__lo")}],
        }
        if op == "ne":
            return {"$or": [{"$lt": {hi: their("__lo")}}, {"$gt": {lo: their("__hi")}}]}
        return _all(strict[op])
    relaxed: dict[str, list[Any]] = {
        "lt": [{"$lt": {lo: their("__hi")}}], "le": [{"$lte": {lo: their("__hi")}}],
        "gt": [{"$gt": {hi: their("__lo")}}], "ge": [{"$gte": {hi: their("__lo")}}],
        "eq": [{"$lte": {lo: their("__hi")}}, {"$gte": {hi: their("__lo")}}],
    }
    if op == "ne":
        return {"$or": [{"$neq": {lo: their("__hi")}}, {"$neq": {hi: their("__lo")}}]}
    return _all(relaxed[op])


def _flip(op: str) -> str:
    return {"eq": "eq", "ne": "ne", "lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}[op]


def _check_expressions(rule: Rule, tests: list[Any]) -> None:
    count = _expressions({"$and": tests})
    if count > MAX_PATTERN_EXPRESSIONS:
        raise RuleError(
            f"a pattern of {rule.id} needs {count} and/or/join expressions; the rule engine "
            f"allows {MAX_PATTERN_EXPRESSIONS}",
            rule.at, "when", "split the rule or simplify its 'any' / 'all' nesting",
        )


def _expressions(test: Any) -> int:
    if not isinstance(test, dict):
        return 0
    (op, body), = test.items()
    if op in {"$and", "$or"}:
        return 2 + sum(_expressions(item) for item in body)
    if op in {"$iany", "$iall"}:
        return 0
    inner = body if op.startswith("$") else {op: body}
    value = next(iter(inner.values())) if isinstance(inner, dict) else None
    return 1 if isinstance(value, dict) else 0
