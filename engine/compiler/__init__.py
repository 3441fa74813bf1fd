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
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..inforce import Selection, select
from ..logic import nnf
from ..rulemodel import FactRef, Rule, RulePack, leaves
from .encode import (
    EMPTY_LIST_MARK,
    MAX_FACT_PROPERTIES,
    MAX_SAFE_INT,
    NO_RULES,
    SID,
    Encoding,
    derived_fact,
    encode_case,
    encode_number,
    encode_value,
    fkey,
    object_facts,
    test_key,
)
from .packing import STACK_BUDGET, STACK_LIMIT, alpha_stack_bound, pack_chunks
from .patterns import MAX_PATTERN_EXPRESSIONS, _check_expression_order, compile_rule
from .program import STATUS_OF_VARIANT, VARIANTS, Chunk, CompiledRule, Program

__all__ = [
    "EMPTY_LIST_MARK",
    "MAX_FACT_PROPERTIES",
    "MAX_PATTERN_EXPRESSIONS",
    "MAX_SAFE_INT",
    "NO_RULES",
    "SID",
    "STACK_BUDGET",
    "STACK_LIMIT",
    "STATUS_OF_VARIANT",
    "VARIANTS",
    "Chunk",
    "CompiledRule",
    "Encoding",
    "Program",
    "_check_expression_order",
    "alpha_stack_bound",
    "compile_pack",
    "compile_rule",
    "compile_selection",
    "derived_fact",
    "describe_program",
    "encode_case",
    "encode_number",
    "encode_value",
    "fkey",
    "object_facts",
]


def compile_pack(pack: RulePack, as_of: dt.date | None = None,
                 today: dt.date | None = None) -> Program:
    """Compile the rules of ``pack`` that apply (``engine.inforce.select``) into rulesets; a
    rule that applies to no event is judged on ``today`` (the as-of date when one is given)."""
    return compile_selection(pack, select(pack, as_of, today))


def compile_selection(pack: RulePack, selection: Selection) -> Program:
    """Compile the selected rules into durable_rules rulesets."""
    as_of = selection.as_of
    groups = [compile_rule(rule, as_of) for rule in selection.rules]
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
    return Program(pack, as_of, selection.rules, selection.skipped, named, compiled, digest,
                   encoding_for(selection.rules, as_of))


def encoding_for(rules: Sequence[Rule], as_of: dt.date | None) -> Encoding:
    """The constants each number fact is compared with, and the tests on facts that may be a
    class of values, in the given rules (see ``Encoding``)."""
    constants: dict[str, set[float]] = {}
    class_tests: dict[str, dict[str, tuple[str, str, Any]]] = {}
    for rule in rules:
        kinds = {binding.name: binding for binding in rule.bindings}
        # The compiled tests are those of the condition in negation normal form: a test under
        # a `not` is compiled as its negation, and a class value must carry that test's key.
        tests = [*leaves(nnf(rule.condition(as_of)))]
        tests += [leaf for binding in rule.bindings for leaf in binding.tests]
        for leaf in tests:
            binding = kinds[leaf.binding]
            if binding.derived or leaf.op == "exists" or isinstance(leaf.value, FactRef):
                continue
            where = f"{binding.kind}.{leaf.path}"
            if leaf.type == "number":
                items = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
                constants.setdefault(where, set()).update(
                    float(encode_value(item, "number", leaf.scale)) for item in items)
            elif leaf.classes:
                key = test_key(leaf.op, leaf.value)
                class_tests.setdefault(where, {})[key] = (key, leaf.op, leaf.value)
    return Encoding(
        {path: tuple(sorted(found)) for path, found in sorted(constants.items())},
        {path: tuple(found[key] for key in sorted(found))
         for path, found in sorted(class_tests.items())},
    )


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
