"""Rules -> plain durable_rules JSON rulesets, and cases -> the facts those rulesets read.

Nothing here imports ``durable``: the output is plain data that a golden file can pin and that
``session.py`` (the one module that talks to durable_rules) registers.

How three outcomes come out of a two-valued engine
--------------------------------------------------
Every case object is asserted twice: once as the *confirmed* world (``w: c``, only confirmed
facts) and once as the *alleged* world (``w: a``, confirmed and alleged facts). An unknown
fact is simply absent. Each rule is compiled into variants:

* ``c``: the condition, strictly, over the confirmed world -> ``triggered``;
* ``a``: the condition, strictly, over the alleged world -> ``alleged``;
* ``p``: the condition relaxed (each test also holds when its fact is unknown) over the alleged
  world -> ``possible``. A binding named by an unknown reference (the acquirer of an event
  whose acquirer is unknown) is left unbound in extra ``p`` variants.

Derived facts are asserted per variant (``w`` = ``c``, ``a`` or ``p``) and joined only within
their own variant, so a derived fact that rests on alleged facts never makes a finding
``triggered``.

Safety against durable_rules 2.0.28 (docs/durable-rules.md lists each pitfall):
no ``$not``, no regex, no ``post``; every pattern tests its fact kind first; fields another
pattern reads are guarded with ``$ex``; numbers are encoded so the C parser reads them exactly;
rules are packed into rulesets small enough that the alpha network's 64-entry stack cannot
overflow (``alpha_stack_bound``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalogue import BASE_KINDS, FieldSpec, catalogue
from .errors import EngineError, RuleError
from .logic import disjuncts, nnf, owner, relax, simplify
from .logic import drop_bindings as drop
from .model import Case, CaseObject, FindingStatus
from .rules import TRUE, AllOf, AnyOf, Binding, Cond, FactRef, Leaf, NotOf, Rule, RulePack

SID = "0"
VARIANTS = ("c", "a", "p")
STATUS_OF_VARIANT: dict[str, FindingStatus] = {
    "c": "triggered", "a": "alleged", "p": "possible",
}
STACK_LIMIT = 64
"""durable_rules' alpha network walks a fixed stack of 64 nodes (events.c, MAX_STACK_SIZE)."""
STACK_BUDGET = 56
"""What rex allows a ruleset, leaving a margin below ``STACK_LIMIT``."""
MAX_RULES_PER_RULESET = 120
MAX_SAFE_INT = 2**53
MAX_FACT_PROPERTIES = 255
"""durable_rules rejects a fact with more properties (state.h, MAX_OBJECT_PROPERTIES)."""
MAX_PATTERN_EXPRESSIONS = 31
"""durable_rules allows fewer than 32 and/or/join expressions per pattern (rete.h)."""
_RESERVED = {"sid", "id", "ft", "w", "k"}
EMPTY_LIST_MARK = ""
"""Stands for an empty list in a fact (no list item a case can state is empty text)."""


@functools.cache
def fkey(path: str) -> str:
    """The durable_rules property of a fact path (``dates.completed`` -> ``dates__completed``)."""
    if path == "id":
        return "k"
    return path.replace(".", "__").replace("-", "_")


def kind_tag(binding: Binding) -> str:
    return "d:" + binding.kind if binding.derived else binding.kind


def encode_number(value: float | int, scale: float = 1.0) -> int | float:
    """A number in a form durable_rules' C parser reads exactly.

    Its parser drops exponents without a fraction (``1e+26``) and reads integers with
    ``atoll``; so integers must stay within 2**53 and floats must print with a decimal point.
    """
    if isinstance(value, bool):
        raise EngineError(f"a boolean {value!r} was given where a number is expected")
    number: int | float = value / scale if scale != 1.0 else value
    if isinstance(number, float) and number.is_integer() and abs(number) < MAX_SAFE_INT:
        number = int(number)
    if isinstance(number, int):
        if abs(number) >= MAX_SAFE_INT:
            raise EngineError(f"the number {value} is too large for the rule engine")
        return number
    text = repr(number)
    if "e" in text or "E" in text or "." not in text:
        raise EngineError(f"the number {value} cannot be passed to the rule engine exactly")
    return number


def encode_value(value: Any, fact_type: str, scale: float = 1.0) -> Any:
    if fact_type == "date":
        if not isinstance(value, dt.date):
            raise EngineError(f"expected a date, got {value!r}")
        return value.toordinal()
    if fact_type == "number":
        return encode_number(value, scale)
    if fact_type == "list":
        # durable_rules' $iall is false on an empty list; a marker no rule value can equal
        # keeps "contains none of" true for a known empty list.
        return list(value) or [EMPTY_LIST_MARK]
    return value


# -- facts -----------------------------------------------------------------------------------


def object_facts(obj: CaseObject) -> list[dict[str, Any]]:
    """The facts of one case object, one per world it exists in."""
    specs = catalogue().fields[obj.kind]
    out = []
    for world in ("c", "a"):
        if not obj.exists_in(world):
            continue
        fact: dict[str, Any] = {
            "sid": SID, "id": f"{world}:{obj.kind}:{obj.id}", "ft": obj.kind, "w": world,
            "k": obj.id,
        }
        for path, known in obj.facts.items():
            value = known.value if world == "a" or known.status == "confirmed" \
                else known.confirmed_value
            if value is None:
                continue
            spec = specs[path]
            kind = spec.type
            if kind in {"string", "ref", "bool"}:
                fact[fkey(path)] = value
            else:
                fact[fkey(path)] = encode_value(value, kind, spec.scale)
        if len(fact) > MAX_FACT_PROPERTIES:
            raise EngineError(
                f"{obj.kind} {obj.id!r} has {len(fact)} facts; the rule engine takes at most "
                f"{MAX_FACT_PROPERTIES} per object"
            )
        out.append(fact)
    return out


def encode_case(case: Case) -> list[dict[str, Any]]:
    """Every fact of a case, in a stable order."""
    facts: list[dict[str, Any]] = []
    for obj in case.objects:
        facts.extend(object_facts(obj))
    return facts


def derived_fact(name: str, world: str, of: str, to: str | None) -> dict[str, Any]:
    key = f"{name}({of}" + (f",{to})" if to is not None else ")")
    fact: dict[str, Any] = {"sid": SID, "id": f"{world}:d:{key}", "ft": "d:" + name,
                            "w": world, "k": key, "of": of}
    if to is not None:
        fact["to"] = to
    return fact


# -- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    """One durable_rules rule: a variant of one alternative of one rex rule."""

    name: str
    rule: str
    variant: str
    bindings: tuple[str, ...]
    """Binding names in pattern order; pattern ``i`` is the durable variable ``x{i}``."""
    unbound: tuple[str, ...]
    definition: dict[str, Any] = field(repr=False)
    kinds: frozenset[str] = frozenset()
    derive: tuple[str, tuple[str, str], tuple[str, str] | None] | None = None
    """For a derivation: the fact's name and where its ``of`` and ``to`` come from
    (binding, property)."""
    reports: bool = True
    """Whether a match is a finding (false for rules that only derive a fact)."""


@dataclass(frozen=True)
class Chunk:
    """One durable_rules ruleset."""

    name: str
    rules: tuple[CompiledRule, ...]
    kinds: frozenset[str]
    stack_bound: int
    observes: frozenset[tuple[str, str]] = frozenset()
    """The (fact kind, world) pairs some pattern of the ruleset tests: only such facts are
    asserted into it."""

    def definition(self) -> dict[str, Any]:
        """A copy to register: durable_rules takes ``run`` out of each rule it is given
        (pitfall 18) and changes nothing deeper, so the rules are copied one level deep."""
        return {rule.name: dict(rule.definition) for rule in self.rules}


@dataclass(frozen=True)
class Program:
    """A rule pack compiled for one evaluation date setting."""

    pack: RulePack
    as_of: dt.date | None
    rules: tuple[Rule, ...]
    """The rules that are applied (in force on ``as_of`` when one is given)."""
    skipped: Mapping[str, str]
    """Rules left out, with the reason (not in force on the as-of date)."""
    chunks: tuple[Chunk, ...]
    compiled: Mapping[str, CompiledRule]
    fingerprint: str

    def chunks_for(self, kind: str) -> tuple[Chunk, ...]:
        return tuple(chunk for chunk in self.chunks if kind in chunk.kinds)


def compile_pack(pack: RulePack, as_of: dt.date | None = None) -> Program:
    """Compile every applicable rule of ``pack`` into durable_rules rulesets."""
    applied: list[Rule] = []
    skipped: dict[str, str] = {}
    for rule in pack.rules:
        if rule.awaiting is not None:
            skipped[rule.id] = rule.in_force_text()
            continue
        if as_of is not None and not rule.in_force_on(as_of):
            skipped[rule.id] = f"not in force on {as_of.isoformat()} ({rule.in_force_text()})"
            continue
        if as_of is None and rule.applies_on is None and not rule.in_force_on(dt.date.today()):
            skipped[rule.id] = f"not in force today ({rule.in_force_text()})"
            continue
        applied.append(rule)
    groups = [compile_rule(rule, as_of) for rule in applied]
    chunks = pack_chunks(groups)
    compiled = {c.name: c for group in groups for c in group}
    # The fingerprint names the rulesets and decides which programs share a session, whose
    # actions carry what a match means: so it covers the actions too, not only the tests.
    digest = hashlib.sha256(
        json.dumps([[(r.name, r.definition, r.rule, r.variant, r.bindings, r.unbound,
                      r.derive, r.reports) for r in c.rules] for c in chunks],
                   sort_keys=True).encode()
    ).hexdigest()[:12]
    named = tuple(
        Chunk(f"rex-{digest}-{index}", chunk.rules, chunk.kinds, chunk.stack_bound,
              chunk.observes)
        for index, chunk in enumerate(chunks)
    )
    return Program(pack, as_of, tuple(applied), skipped, named, compiled, digest)


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
        for leaf in _leaves(cond):
            if isinstance(leaf.value, FactRef) and leaf.op != "exists":
                needed[leaf.binding].add(leaf.path)
                needed[leaf.value.binding].add(leaf.value.path)
    patterns = []
    for binding in bound:
        world = variant if binding.derived else ("c" if variant == "c" else "a")
        tests: list[Any] = [{"ft": kind_tag(binding)}, {"w": world}]
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
    if any(isinstance(leaf.value, FactRef) for leaf in _leaves(cond)):
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


def _leaves(cond: Cond) -> Iterable[Leaf]:
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, NotOf):
        yield from _leaves(cond.item)
    else:
        for item in cond.items:
            yield from _leaves(item)


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


def _test(leaf: Leaf, here: str, var: Mapping[str, str], order: Mapping[str, int],
          strict: bool) -> Any:
    del strict
    if leaf.op == "exists":
        return {"$ex" if leaf.value else "$nex": {fkey(leaf.path): 1}}
    if isinstance(leaf.value, FactRef):
        return _cross(leaf, here, var, order)
    key = fkey(leaf.path)
    op = leaf.op
    if op in {"in", "not_in"}:
        values = [encode_value(v, leaf.type, leaf.scale) for v in leaf.value]
        if op == "in":
            tests = [{key: v} for v in values]
            return tests[0] if len(tests) == 1 else {"$or": tests}
        tests = [{"$neq": {key: v}} for v in values]
        return tests[0] if len(tests) == 1 else {"$and": tests}
    if op in {"contains", "contains_any"}:
        # one $iany per value: an $iany over an $or reads an unset node (pitfall 27)
        items = [leaf.value] if op == "contains" else list(leaf.value)
        tests = [{"$iany": {key: {"$i": v}}} for v in items]
        return tests[0] if len(tests) == 1 else {"$or": tests}
    if op in {"not_contains", "contains_none"}:
        items = [leaf.value] if op == "not_contains" else list(leaf.value)
        inner = [{"$neq": {"$i": v}} for v in items]
        return {"$iall": {key: inner[0] if len(inner) == 1 else {"$and": inner}}}
    value = encode_value(leaf.value, leaf.type, leaf.scale)
    if op == "eq":
        return {key: value}
    return {_OPS[op]: {key: value}}


def _cross(leaf: Leaf, here: str, var: Mapping[str, str], order: Mapping[str, int]) -> Any:
    other = leaf.value
    assert isinstance(other, FactRef)
    if owner(leaf, order) == leaf.binding:
        mine, theirs, op = leaf.path, other, leaf.op
    else:
        mine, theirs, op = other.path, FactRef(leaf.binding, leaf.path), _flip(leaf.op)
    ref = {var[theirs.binding]: fkey(theirs.path)}
    if op == "eq":
        return {fkey(mine): ref}
    return {_OPS[op]: {fkey(mine): ref}}


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


# -- packing rulesets ------------------------------------------------------------------------


def pack_chunks(groups: list[list[CompiledRule]]) -> list[Chunk]:
    """Pack compiled rules into as few rulesets as the alpha-network stack allows.

    Rules are taken variant by variant (confirmed, alleged, possible), so that the facts of each
    world reach as few rulesets as possible; the alternatives of one rex rule may be split
    across rulesets, since each alternative is a rule of its own. The network of the ruleset
    being filled is grown one rule at a time (and the rule taken out again if it does not fit),
    so packing costs one network walk per rule."""
    chunks: list[Chunk] = []
    current: list[CompiledRule] = []
    network = _Network()
    ordered = [rule for variant in VARIANTS for group in groups for rule in group
               if rule.variant == variant]
    for compiled in ordered:
        added = network.add(compiled.definition)
        if current and (network.height() > STACK_BUDGET
                        or len(current) + 1 > MAX_RULES_PER_RULESET):
            network.remove(added)
            chunks.append(_chunk(current, network.height()))
            network = _Network()
            network.add(compiled.definition)
            current = [compiled]
        else:
            current.append(compiled)
        if len(current) == 1 and network.height() > STACK_BUDGET:
            raise RuleError(
                f"an alternative of the rule {compiled.rule} alone needs more of the rule "
                f"engine's alpha-network stack than the {STACK_BUDGET} entries rex allows",
                hint="split the rule or simplify its condition",
            )
    if current:
        chunks.append(_chunk(current, network.height()))
    return chunks


def _chunk(rules: list[CompiledRule], stack_bound: int) -> Chunk:
    kinds = frozenset(itertools.chain.from_iterable(r.kinds for r in rules))
    observes = frozenset(
        (pattern_tests[0]["ft"], pattern_tests[1]["w"])
        for rule in rules
        for pattern in rule.definition["all"]
        for pattern_tests in [next(iter(pattern.values()))["$and"]]
    )
    return Chunk("", tuple(rules), kinds, stack_bound, observes)


class _Node:
    """A node of the alpha network as rete.c builds it."""

    __slots__ = ("children", "index", "kind", "parents", "prop", "value")

    def __init__(self, kind: str = "other", prop: str | None = None, value: Any = None) -> None:
        self.kind = kind
        """``eq``, ``nex`` (pushed when the property is absent), ``forward`` (the join of an
        ``$or``: always pushed) or ``other``."""
        self.prop = prop
        self.value = value
        self.children: list[_Node] = []
        self.parents: list[_Node] = []
        self.index: dict[Any, _Node] = {}
        """The children that a later test with the same key shares."""


_Added = list[tuple["_Node", "_Node", Any]]


class _Network:
    """The alpha network of one ruleset, grown (and shrunk) one rule at a time."""

    def __init__(self) -> None:
        self.root = _Node(kind="root")
        self._heights: dict[int, int] = {}
        """Heights already computed; a change below a node forgets its height."""

    def add(self, definition: Mapping[str, Any]) -> _Added:
        """Add a rule's tests; returns what was added, for :meth:`remove`."""
        added: _Added = []
        for pattern in definition["all"]:
            (test,) = pattern.values()
            _build(self.root, test, added)
        self._forget(parent for parent, _, _ in added)
        return added

    def remove(self, added: _Added) -> None:
        for parent, child, key in reversed(added):
            popped = parent.children.pop()
            assert popped is child and child.parents[-1] is parent
            child.parents.pop()
            if key is not None:
                del parent.index[key]
        self._forget(parent for parent, _, _ in added)

    def _forget(self, changed: Iterable[_Node]) -> None:
        stack = list(changed)
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            self._heights.pop(id(node), None)
            stack.extend(node.parents)

    def height(self) -> int:
        """An upper bound on the stack entries one fact can need (see alpha_stack_bound)."""
        memo = self._heights

        def height(node: _Node) -> int:
            known = memo.get(id(node))
            if known is not None:
                return known
            value = 0
            if node.children:
                pushed = _pushable(node.children)
                value = max(pushed, pushed - 1 + max(height(child) for child in node.children))
            memo[id(node)] = value
            return value

        return height(self.root)


def alpha_stack_bound(definitions: Iterable[Mapping[str, Any]]) -> int:
    """An upper bound on the entries durable_rules pushes on its alpha-network stack.

    It rebuilds the alpha network as rete.c does (tests shared when the parent, property,
    operator and value agree; ``$or`` joins its branches in a new forward node; array and join
    tests never shared). When a node is visited, every child that matches the fact is pushed
    before any is visited: at most one equality test per property and value (a fact has one
    value), every other test on a property that is present, or the absence tests of one that
    is not, and every forward node. A node's height is then ``max(k, k - 1 + the highest
    child)``, ``k`` being that number.
    """
    network = _Network()
    for definition in definitions:
        network.add(definition)
    return network.height()


def _pushable(children: list[_Node]) -> int:
    """The most children of one node that one fact can match at once."""
    forward = 0
    by_prop: dict[str | None, list[_Node]] = {}
    for child in children:
        if child.kind == "forward":
            forward += 1
        else:
            by_prop.setdefault(child.prop, []).append(child)
    total = forward
    for prop, nodes in by_prop.items():
        if prop is None:
            total += len(nodes)
            continue
        equal: dict[Any, int] = {}
        others = absent = 0
        for node in nodes:
            if node.kind == "eq":
                same = _same_value(node.value)
                equal[same] = equal.get(same, 0) + 1
            elif node.kind == "nex":
                absent += 1
            else:
                others += 1
        present = (max(equal.values()) if equal else 0) + others
        total += max(present, absent)
    return total


def _same_value(value: Any) -> Any:
    """Values durable_rules may find equal: an int and a float of the same number, and a text
    that reads as that number (pitfall 14: the engine compares such a text as a number), and a
    boolean and 1 or 0, and a boolean and the text "true" or "false" (events.c compares a
    boolean with a text as that word). Grouping more than the engine equates only overcounts,
    which keeps the bound an upper bound."""
    if isinstance(value, (bool, int, float)):  # a boolean compares as 1 or 0
        return ("number", float(value))
    if value in ("true", "false"):
        return ("number", 1.0 if value == "true" else 0.0)
    try:
        return ("number", float(str(value)))
    except ValueError:
        return ("text", str(value))


def _build(parent: _Node, test: Mapping[str, Any], added: _Added) -> _Node:
    ((op, body),) = test.items()
    if op == "$and":
        node = parent
        for item in body:
            node = _build(node, item, added)
        return node
    if op == "$or":
        forward = _Node(kind="forward")
        for item in body:
            end = _build(parent, item, added)
            end.children.append(forward)
            forward.parents.append(end)
            added.append((end, forward, None))
        return forward
    if op in {"$iany", "$iall"}:
        ((prop, _),) = body.items()
        return _child(parent, None, "other", prop, None, added)
    if op.startswith("$"):
        ((prop, value),) = body.items()
    else:
        prop, value = op, body
        op = "$eq"
    if isinstance(value, dict):
        return _child(parent, None, "other", prop, None, added)  # a join: never shared
    kind = {"$eq": "eq", "$nex": "nex"}.get(op, "other")
    same = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
    return _child(parent, (prop, op, type(value).__name__, same), kind, prop, value, added)


def _child(parent: _Node, key: Any, kind: str, prop: str, value: Any, added: _Added) -> _Node:
    if key is not None and key in parent.index:
        return parent.index[key]
    node = _Node(kind, prop, value)
    parent.children.append(node)
    node.parents.append(parent)
    if key is not None:
        parent.index[key] = node
    added.append((parent, node, key))
    return node


def describe_program(program: Program) -> dict[str, Any]:
    """A JSON-able summary of a compiled program (for golden files and debugging)."""
    return {
        "as_of": program.as_of.isoformat() if program.as_of else None,
        "rulesets": [
            {"kinds": sorted(chunk.kinds), "stack_bound": chunk.stack_bound,
             "rules": chunk.definition()}
            for chunk in program.chunks
        ],
    }


def spec_for(kind: str, path: str) -> FieldSpec | None:
    return catalogue().field(kind, path) if kind in BASE_KINDS else None
