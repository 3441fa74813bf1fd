"""What compiling gives: compiled rules, rulesets (chunks) and the program that holds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import FindingStatus
from ..rulemodel import Rule, RulePack
from .encode import NO_RULES, Encoding

VARIANTS = ("c", "a", "p")
STATUS_OF_VARIANT: dict[str, FindingStatus] = {
    "c": "triggered", "a": "alleged", "p": "possible",
}


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
    encoding: Encoding = NO_RULES
    """What encoding a case for these rules needs to know of them."""

    def chunks_for(self, kind: str) -> tuple[Chunk, ...]:
        return tuple(chunk for chunk in self.chunks if kind in chunk.kinds)
