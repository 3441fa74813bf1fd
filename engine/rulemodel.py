"""The rule model: what a rule file says once it is loaded and checked.

A rule matches named bindings (an event, the party it names as acquirer, a derived fact about
that party ...) and tests their facts with ``when``. The compiler, both matchers and the report
read these frozen dataclasses; ``engine.rules`` builds them from rule files.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from .errors import Location
from .model import CaseObject
from .values import Bounds, Choice, Span

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
OPERATORS = (
    *COMPARISONS, "in", "not_in", "contains", "not_contains", "contains_any", "contains_none",
    "exists",
)
NEGATION = {
    "eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le",
    "in": "not_in", "not_in": "in", "contains": "not_contains", "not_contains": "contains",
    "contains_any": "contains_none", "contains_none": "contains_any",
}
_OP_WORDS = {
    "eq": "is", "ne": "is not", "lt": "is less than", "le": "is at most", "gt": "is more than",
    "ge": "is at least", "in": "is one of", "not_in": "is none of", "contains": "includes",
    "not_contains": "does not include", "contains_any": "includes one of",
    "contains_none": "includes none of",
}
DERIVED_FIELDS = ("of", "to")
MAX_BINDINGS = 12



@dataclass(frozen=True)
class FactRef:
    """A fact of one binding, written ``binding.path``."""

    binding: str
    path: str

    def __str__(self) -> str:
        return f"{self.binding}.{self.path}"


@dataclass(frozen=True)
class Leaf:
    """One test on one fact: ``binding.path op value``."""

    binding: str
    path: str
    op: str
    value: Any
    """A literal (str, int, float, bool, date, tuple) or a ``FactRef``."""
    at: Location
    type: str
    """The fact's type in the catalogue (``ref`` for derived facts' of/to)."""
    scale: float = 1.0
    classes: bool = False
    """The fact may be a class of values (a country of a group), not only one value."""
    relaxed: bool = False
    """In a compiled possible variant: the test holds when it may hold (for some value the
    fact may take), not only when it must."""
    strict: bool = False
    """A test on an engagement condition or a gate fact: never relaxed, and unknown counts
    as not met."""

    @property
    def ref(self) -> FactRef:
        return FactRef(self.binding, self.path)

    def negated(self) -> Leaf:
        if self.op == "exists":
            return replace(self, value=not self.value)
        return replace(self, op=NEGATION[self.op])

    def __str__(self) -> str:
        return f"{self.binding}.{self.path} {self.op} {show_value(self.value)}"

    def describe(self) -> str:
        """The test in words, for a compliance officer: ``event.by is stated``."""
        if self.op == "exists":
            return f"{self.binding}.{self.path} is {'stated' if self.value else 'not stated'}"
        return f"{self.binding}.{self.path} {_OP_WORDS[self.op]} {show_value(self.value)}"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class NotOf:
    item: Cond


Cond: TypeAlias = Leaf | AllOf | AnyOf | NotOf
TRUE = AllOf(())


def leaves(cond: Cond) -> Iterable[Leaf]:
    """Every test in a condition, in order, under ``not`` as well."""
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, NotOf):
        yield from leaves(cond.item)
    else:
        for item in cond.items:
            yield from leaves(item)


@dataclass(frozen=True)
class Join:
    """``this.field == other.other_field``; a field ``id`` is the object's own id."""

    field: str
    other: str
    other_field: str


@dataclass(frozen=True)
class Binding:
    name: str
    kind: str
    derived: bool
    joins: tuple[Join, ...]
    at: Location
    hidden: bool = False
    """A binding rex adds itself (the link fact behind ``{asset: event.assets}``)."""
    tests: tuple[Leaf, ...] = ()
    """Fixed tests that belong to the binding (such as which list a link comes from)."""
    optional_from: FactRef | None = None
    """The field that names this binding's object; when it is unknown, the binding is unbound."""


@dataclass(frozen=True)
class WhoSpec:
    role: str
    modality: str
    does: str
    name: str | None = None
    party: str | None = None


@dataclass(frozen=True)
class DateExpr:
    """A date in a deadline: a literal, a fact, or the latest / earliest of several."""

    literal: dt.date | None = None
    fact: FactRef | None = None
    latest: tuple[DateExpr, ...] = ()
    earliest: tuple[DateExpr, ...] = ()


@dataclass(frozen=True)
class DeadlineSpec:
    id: str
    what: str
    start: DateExpr
    unit: str | None
    amount: int
    calendar: str | None
    basis: str
    beginning_with: bool = False
    """The period begins with the start day (it counts as day one), as in "6 months beginning
    with the day on which ..."; otherwise it runs from the day after."""
    ended_by: tuple[FactRef, ...] = ()
    """Dates of decisions that end the period (a call-in ends the time for calling in)."""


@dataclass(frozen=True)
class FindingSpec:
    title: str
    summary: str
    who_acts: tuple[WhoSpec, ...]
    deadlines: tuple[DeadlineSpec, ...]
    amounts: tuple[AmountSpec, ...] = ()
    headlines: Mapping[str, str] = field(default_factory=dict)
    """Headlines for an alleged or a possible finding (``alleged``, ``possible``)."""


@dataclass(frozen=True)
class DeriveSpec:
    fact: str
    of: FactRef
    to: FactRef | None


@dataclass(frozen=True)
class Commencement:
    """When announced law comes into force; ``date`` is None until it is known."""

    id: str
    date: dt.date | None
    note: str
    at: Location


@dataclass(frozen=True)
class Term:
    """A part of an amount: a fixed sum, a percentage of a fact, or a multiple of a fact."""

    fixed: float | None = None
    percent: float | None = None
    times: float | None = None
    of: FactRef | None = None


@dataclass(frozen=True)
class AmountSpec:
    id: str
    what: str
    currency: str
    terms: tuple[Term, ...]
    """The amount is the greatest of these."""
    basis: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    regime: str
    provision: str
    url: str
    references: tuple[tuple[str, str], ...]
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    in_force_note: str
    awaiting: Commencement | None
    """Law announced but not yet in force: the commencement it waits for (no date yet)."""
    applies_on: FactRef | None
    severity: str
    certainty: str
    description: str
    series: str | None
    """Rules that are successive versions of one provision share a series."""
    bindings: tuple[Binding, ...]
    when: Cond
    ask: Mapping[str, str]
    key: tuple[str, ...]
    gates: frozenset[str]
    """Facts (``binding.path``) that must be known for the rule to report anything."""
    finding: FindingSpec | None
    derive: DeriveSpec | None
    file: str
    at: Location
    engage: Cond | None = None
    """The facts without which the provision is not in play at all; None: always in play."""
    engage_if: str = ""
    """The engagement condition in words ("the event gives control of an enterprise")."""

    @property
    def is_derivation(self) -> bool:
        """True for a rule that only establishes a fact (no finding of its own)."""
        return self.finding is None

    def binding(self, name: str) -> Binding:
        for binding in self.bindings:
            if binding.name == name:
                return binding
        raise KeyError(name)

    def in_force_on(self, day: dt.date) -> bool:
        if self.awaiting is not None:
            return False
        if self.in_force_from is not None and day < self.in_force_from:
            return False
        return not (self.in_force_until is not None and day > self.in_force_until)

    def in_force_text(self) -> str:
        if self.awaiting is not None:
            return (f"not yet in force: awaits the commencement {self.awaiting.id!r} "
                    f"({self.awaiting.note})")
        start = self.in_force_from.isoformat() if self.in_force_from else "always"
        if self.in_force_until is None:
            return f"in force from {start}"
        return f"in force from {start} until {self.in_force_until.isoformat()}"

    def condition(self, as_of: dt.date | None) -> Cond:
        """``when`` plus, without an as-of date, the test that the law was in force on the
        date the rule applies on."""
        if as_of is not None or self.applies_on is None:
            return self.when
        tests: list[Cond] = []
        ref = self.applies_on
        if self.in_force_from is not None:
            tests.append(Leaf(ref.binding, ref.path, "ge", self.in_force_from, self.at, "date"))
        if self.in_force_until is not None:
            tests.append(Leaf(ref.binding, ref.path, "le", self.in_force_until, self.at, "date"))
        if not tests:
            return self.when
        return AllOf((self.when, *tests))


@dataclass(frozen=True)
class CountryGroup:
    """A group of countries named in law (the countries of concern of a regulation)."""

    id: str
    title: str
    members: frozenset[str]
    url: str
    at: Location


@dataclass(frozen=True)
class RulePack:
    """Every rule rex evaluates, in id order, with derived facts indexed by name."""

    rules: tuple[Rule, ...]
    files: tuple[str, ...] = field(default=())
    reference: tuple[CaseObject, ...] = field(default=())
    """Rows of the packs' reference tables, as objects of kind ``data``."""
    commencements: tuple[Commencement, ...] = field(default=())
    groups: Mapping[str, CountryGroup] = field(default_factory=dict)
    """Groups of countries named in law, by id."""

    @functools.cached_property
    def reference_by_key(self) -> Mapping[str, tuple[tuple[int, CaseObject], ...]]:
        """The reference rows (with their position) by the folded name they are listed under:
        a case's parties find their rows without a scan of every table."""
        index: dict[str, list[tuple[int, CaseObject]]] = {}
        for position, row in enumerate(self.reference):
            index.setdefault(str(row.facts["key"].value), []).append((position, row))
        return {key: tuple(rows) for key, rows in index.items()}

    def reference_rows(self, keys: Iterable[str]) -> tuple[CaseObject, ...]:
        """The rows listed under any of ``keys``, in the order of ``reference``."""
        found = sorted((entry for key in set(keys) for entry in self.reference_by_key.get(key, ())),
                       key=lambda entry: entry[0])
        return tuple(row for _, row in found)

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    @property
    def findings(self) -> tuple[Rule, ...]:
        """Rules that report a finding."""
        return tuple(rule for rule in self.rules if rule.finding is not None)

    @property
    def derivations(self) -> tuple[Rule, ...]:
        """Rules that establish a fact for other rules (some also report a finding)."""
        return tuple(rule for rule in self.rules if rule.derive is not None)

    def derivations_of(self, fact: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.derivations if r.derive is not None and r.derive.fact == fact)

    def regimes(self) -> list[str]:
        return sorted({rule.regime for rule in self.rules})


def show_value(value: Any) -> str:
    """A fact value or test value as a report prints it (dates ISO, booleans lower case)."""
    if isinstance(value, FactRef):
        return str(value)
    if isinstance(value, (Span, Bounds, Choice)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)
