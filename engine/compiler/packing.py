"""Packing compiled rules into rulesets whose alpha network stays within durable_rules' fixed
64-entry stack (docs/durable-rules.md, pitfall 4)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import RuleError
from .program import VARIANTS, Chunk, CompiledRule

STACK_LIMIT = 64
"""durable_rules' alpha network walks a fixed stack of 64 nodes (events.c, MAX_STACK_SIZE)."""
STACK_BUDGET = 56
"""What rex allows a ruleset, leaving a margin below ``STACK_LIMIT``."""
MAX_RULES_PER_RULESET = 120


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
        (pattern_tests[0]["ft"], next(iter(pattern_tests[1]))[1:])
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
    boolean with a text as that word), and the empty text and 0 (found by the property test;
    other texts that read as no number do not equal 0). Grouping more than the engine equates
    only overcounts, which keeps the bound an upper bound."""
    if isinstance(value, (bool, int, float)):  # a boolean compares as 1 or 0
        return ("number", float(value))
    if value in ("true", "false"):
        return ("number", 1.0 if value == "true" else 0.0)
    if value == "":  # the engine reads an empty text as the number 0 ("" == 0 holds)
        return ("number", 0.0)
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
