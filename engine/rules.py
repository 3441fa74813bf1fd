"""Rule files: YAML -> schema check -> ``Rule`` (a typed model the compiler and evaluator share).

A rule matches named bindings (an event, the party it names as acquirer, a derived fact about
that party ...) and tests their facts with ``when``. Everything a rule file can get wrong is
reported with its file, line and field: unknown facts, tests that do not fit a fact's type,
values a fact cannot take, bindings that join nothing. See docs/rule-format.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from .catalogue import BASE_KINDS, OBJECT_KINDS, Catalogue, FieldSpec, catalogue, name_key
from .errors import ErrorList, Location, RexError, RuleError, raise_all
from .model import CaseObject, Fact
from .schema import validate_document
from .yamlio import Document, PathT, field_name, load_file

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
_OPS_FOR_TYPE = {
    "string": {"eq", "ne", "in", "not_in", "exists"},
    "ref": {"eq", "ne", "in", "not_in", "exists"},
    "bool": {"eq", "ne", "exists"},
    "number": {*COMPARISONS, "in", "not_in", "exists"},
    "date": {*COMPARISONS, "exists"},
    "list": {"contains", "not_contains", "contains_any", "contains_none", "exists"},
}
_OP_WORDS = {
    "eq": "is", "ne": "is not", "lt": "is less than", "le": "is at most", "gt": "is more than",
    "ge": "is at least", "in": "is one of", "not_in": "is none of", "contains": "includes",
    "not_contains": "does not include", "contains_any": "includes one of",
    "contains_none": "includes none of",
}
DERIVED_FIELDS = ("of", "to")
MAX_BINDINGS = 12
_TEMPLATE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


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

    @property
    def ref(self) -> FactRef:
        return FactRef(self.binding, self.path)

    def negated(self) -> Leaf:
        if self.op == "exists":
            return Leaf(self.binding, self.path, "exists", not self.value, self.at, self.type,
                        self.scale)
        return Leaf(self.binding, self.path, NEGATION[self.op], self.value, self.at, self.type,
                    self.scale)

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


@dataclass(frozen=True)
class FindingSpec:
    title: str
    summary: str
    who_acts: tuple[WhoSpec, ...]
    deadlines: tuple[DeadlineSpec, ...]
    amounts: tuple[AmountSpec, ...] = ()


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
class RulePack:
    """Every rule rex evaluates, in id order, with derived facts indexed by name."""

    rules: tuple[Rule, ...]
    files: tuple[str, ...] = field(default=())
    reference: tuple[CaseObject, ...] = field(default=())
    """Rows of the packs' reference tables, as objects of kind ``data``."""
    commencements: tuple[Commencement, ...] = field(default=())

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


def default_rules_dir() -> Path:
    """The rule packs shipped with rex: ``engine/packs`` when installed, ``rules/`` in a clone."""
    here = Path(__file__).resolve().parent
    installed = here / "packs"
    if installed.is_dir():
        return installed
    return here.parent / "rules"


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.yaml`` file under the given files and folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        root = Path(path)
        if root.is_dir():
            found.extend(sorted(p for p in root.rglob("*.yaml") if p.is_file()))
        else:
            found.append(root)
    return found


def load_rules(paths: Iterable[str | Path] | None = None) -> RulePack:
    """Load and check rule files (default: the shipped packs); ``ErrorList`` lists every problem."""
    files = rule_files([default_rules_dir()] if paths is None else paths)
    if not files:
        raise RuleError("no rule files (*.yaml) found", Location(", ".join(map(str, paths or []))))
    docs: list[Document] = []
    errors: list[RexError] = []
    for file in files:
        try:
            doc = load_file(file)
        except RexError as exc:
            errors.append(exc)
            continue
        if not isinstance(doc.data, dict):
            errors.append(RuleError("a rule file must be a mapping with a 'rules' list",
                                    doc.where(())))
            continue
        problems = validate_document("rule", doc)
        if problems:
            errors.extend(problems)
            continue
        docs.append(doc)
    raise_all(errors)
    loader = _Loader(catalogue(), docs)
    rules = loader.load()
    reference = loader.tables()
    raise_all(loader.errors)
    return RulePack(
        tuple(sorted(rules, key=lambda r: r.id)),
        tuple(str(f) for f in files),
        tuple(reference),
        tuple(sorted(loader.commencements.values(), key=lambda c: c.id)),
    )


class _Loader:
    def __init__(self, cat: Catalogue, docs: list[Document]) -> None:
        self.cat = cat
        self.docs = docs
        self.errors: list[RexError] = []
        self.signatures: dict[str, dict[str, str | None]] = {}

    def error(self, doc: Document, path: PathT, message: str, hint: str | None = None) -> None:
        self.errors.append(RuleError(message, doc.where(path), field_name(path), hint))

    def load(self) -> list[Rule]:
        self.collect_commencements()
        self.collect_signatures()
        rules: list[Rule] = []
        seen: dict[str, Location] = {}
        for doc in self.docs:
            for index, raw in enumerate(doc.data.get("rules", [])):
                path: PathT = ("rules", index)
                rule = self.rule(doc, raw, path)
                if rule is None:
                    continue
                if rule.id in seen:
                    self.error(doc, (*path, "id"), f"duplicate rule id {rule.id!r}",
                               f"first defined at {seen[rule.id]}")
                    continue
                seen[rule.id] = rule.at
                rules.append(rule)
        return rules

    def collect_commencements(self) -> None:
        """Commencement dates of law that is announced but may not yet be in force."""
        self.commencements: dict[str, Commencement] = {}
        for doc in self.docs:
            for ident, raw in doc.data.get("commencements", {}).items():
                here = ("commencements", ident)
                if ident in self.commencements:
                    self.error(doc, here, f"the commencement {ident!r} is defined twice")
                    continue
                self.commencements[ident] = Commencement(
                    ident, _date(raw["date"]), " ".join(raw["note"].split()), doc.where(here))

    def tables(self) -> list[CaseObject]:
        """Reference data rows, one object per name or alias under which a row is listed."""
        rows: list[CaseObject] = []
        seen: set[str] = set()
        for doc in self.docs:
            for index, table in enumerate(doc.data.get("tables", [])):
                here: PathT = ("tables", index)
                if table["id"] in seen:
                    self.error(doc, (*here, "id"), f"the table {table['id']!r} is defined twice")
                    continue
                seen.add(table["id"])
                named: dict[str, CaseObject] = {}
                for number, row in enumerate(table["rows"]):
                    for obj in _table_row(doc, table, row, (*here, "rows", number)):
                        first = named.setdefault(obj.id, obj)
                        if first is not obj:
                            self.error(doc, (*here, "rows", number, "entry"),
                                       f"the name {obj.name!r} (or an alias) matches the row "
                                       f"{first.name!r} at line {first.at.line} of the same table",
                                       "give each row its own names; one row per party")
                            continue
                        rows.append(obj)
        return rows

    def collect_signatures(self) -> None:
        """What each derived fact is about (the kinds of its 'of' and 'to')."""
        for doc in self.docs:
            for index, raw in enumerate(doc.data.get("rules", [])):
                derive = raw.get("derive")
                if not derive:
                    continue
                kinds = _binding_kinds(raw.get("match", {}), self.cat)
                signature = {
                    "of": _ref_kind(derive["of"], kinds, self.cat),
                    "to": _ref_kind(derive["to"], kinds, self.cat) if "to" in derive else None,
                }
                name = derive["fact"]
                if name in BASE_KINDS:
                    self.error(doc, ("rules", index, "derive", "fact"),
                               f"{name!r} is a kind of case object, not a name for a derived fact")
                    continue
                known = self.signatures.get(name, {"of": None, "to": None})
                merged = dict(known)
                clash = False
                for part in ("of", "to"):
                    new = signature[part]
                    if new is not None and known[part] is not None and new != known[part]:
                        clash = True
                    elif new is not None:
                        merged[part] = new
                if clash:
                    self.error(
                        doc, ("rules", index, "derive"),
                        f"derives {name!r} about {signature}, but other rules derive it about "
                        f"{known}",
                    )
                    continue
                self.signatures[name] = merged

    # -- one rule ------------------------------------------------------------------------

    def rule(self, doc: Document, raw: dict[str, Any], path: PathT) -> Rule | None:
        before = len(self.errors)
        rule_id = raw["id"]
        regime = raw["regime"]
        if not rule_id.startswith(regime + "."):
            self.error(doc, (*path, "id"), f"the id {rule_id!r} does not start with its regime "
                       f"{regime!r}", f"write {regime}.{rule_id.split('.', 1)[-1]}")
        is_derivation = "derive" in raw
        has_finding = "finding" in raw
        if not is_derivation and not has_finding:
            self.error(doc, path, "a rule needs a 'finding' (what to report), a 'derive' (a "
                       "fact it establishes for other rules), or both")
            return None
        if has_finding:
            for name in ("provision", "url", "in_force", "severity"):
                if name not in raw:
                    self.error(doc, path, f"missing required field {name!r}",
                               "every rule that reports a finding cites its provision, an "
                               "official URL, its dates in force and a severity")
        bindings = self.bindings(doc, raw["match"], (*path, "match"))
        names = {b.name: b for b in bindings}
        when = self.condition(doc, raw["when"], (*path, "when"), names) if "when" in raw else TRUE
        in_force = raw.get("in_force", {})
        start, until, awaiting = self.in_force(doc, in_force, (*path, "in_force"))
        applies_on = self.applies_on(doc, raw, path, names)
        ask = {}
        for key, text in raw.get("ask", {}).items():
            ref = self.fact_ref(doc, key, (*path, "ask", key), names)
            if ref is not None:
                ask[str(ref)] = text
        gates = set()
        for index, text in enumerate(raw.get("gate", [])):
            ref = self.fact_ref(doc, text, (*path, "gate", index), names)
            if ref is not None:
                gates.add(str(ref))
        visible = [b.name for b in bindings if not b.hidden and not b.derived]
        key = tuple(raw.get("key", visible))
        for index, name in enumerate(key):
            if name not in names:
                self.error(doc, (*path, "key", index), f"no binding named {name!r}")
        finding = None
        derive = None
        if is_derivation:
            derive = self.derive(doc, raw["derive"], (*path, "derive"), names)
            if raw.get("certainty") == "unverified":
                self.error(doc, (*path, "certainty"),
                           "a rule that derives a fact cannot be unverified: the cap at possible "
                           "would not reach the findings that use the fact",
                           "mark the finding rules that use it unverified instead")
        if has_finding:
            finding = self.finding(doc, raw["finding"], (*path, "finding"), names)
        if len(self.errors) > before:
            return None
        return Rule(
            id=rule_id,
            title=raw["title"],
            regime=regime,
            provision=raw.get("provision", ""),
            url=raw.get("url", ""),
            references=tuple((r["title"], r["url"]) for r in raw.get("references", [])),
            in_force_from=start,
            in_force_until=until,
            in_force_note=in_force.get("note", ""),
            awaiting=awaiting,
            applies_on=applies_on,
            severity=raw.get("severity", "info"),
            certainty=raw.get("certainty", "verified"),
            description=" ".join(str(raw.get("description", "")).split()),
            series=raw.get("series"),
            bindings=tuple(bindings),
            when=when,
            ask=ask,
            key=key,
            gates=frozenset(gates),
            finding=finding,
            derive=derive,
            file=doc.path,
            at=doc.where(path),
        )

    def in_force(
        self, doc: Document, raw: Mapping[str, Any], path: PathT
    ) -> tuple[dt.date | None, dt.date | None, Commencement | None]:
        awaiting = None
        if isinstance(raw.get("from"), dict):
            ident = raw["from"]["commencement"]
            commencement = self.commencements.get(ident)
            if commencement is None:
                self.error(doc, (*path, "from", "commencement"),
                           f"no commencement {ident!r} is defined",
                           f"defined: {', '.join(sorted(self.commencements)) or 'none'}")
                start = None
            else:
                start = commencement.date
                awaiting = None if start else commencement
        else:
            start = _date(raw.get("from"))
        until = _date(raw.get("until"))
        if start and until and until < start:
            self.error(doc, (*path, "until"), "ends before it starts")
        return start, until, awaiting

    def applies_on(
        self, doc: Document, raw: Mapping[str, Any], path: PathT, names: Mapping[str, Binding]
    ) -> FactRef | None:
        if "applies_on" in raw:
            ref = self.fact_ref(doc, raw["applies_on"], (*path, "applies_on"), names)
            if ref is not None and self.type_of(ref, names) != "date":
                self.error(doc, (*path, "applies_on"), f"{ref} is not a date")
                return None
            return ref
        if "in_force" not in raw:
            return None
        for binding in names.values():
            if binding.kind == "event" and not binding.hidden:
                return FactRef(binding.name, "date")
        return None

    # -- bindings ------------------------------------------------------------------------

    def bindings(self, doc: Document, raw: Mapping[str, Any], path: PathT) -> list[Binding]:
        result: list[Binding] = []
        known: dict[str, Binding] = {}
        for position, (name, spec) in enumerate(raw.items()):
            here = (*path, name)
            if isinstance(spec, str):
                kind, join_spec = spec, None
            else:
                kind, join_spec = next(iter(spec.items()))
            derived = kind not in BASE_KINDS
            if derived and kind not in self.signatures:
                known_names = ", ".join(sorted(self.signatures)) or "none"
                self.error(doc, here, f"{kind!r} is neither a kind (party, asset, event, "
                           f"ownership) nor a derived fact", f"derived facts: {known_names}")
                continue
            if position == 0 and join_spec is not None:
                self.error(doc, here, "the first binding is what the rule is about; it cannot "
                           "join an earlier one")
                continue
            if position > 0 and join_spec is None:
                self.error(doc, here, f"{name!r} does not join an earlier binding",
                           "write it as {kind: binding.field}; unjoined bindings would pair "
                           "every object with every other")
                continue
            if derived and position == 0:
                self.error(doc, here, "a rule cannot start from a derived fact; start from the "
                           "object it is about")
                continue
            made = self.joined(doc, name, kind, derived, join_spec, here, known)
            for binding in made:
                known[binding.name] = binding
                result.append(binding)
        if len(result) > MAX_BINDINGS:
            self.error(doc, path, f"the rule has {len(result)} bindings; at most {MAX_BINDINGS} "
                       "are supported")
        return result

    def joined(
        self,
        doc: Document,
        name: str,
        kind: str,
        derived: bool,
        spec: str | Mapping[str, str] | None,
        here: PathT,
        known: Mapping[str, Binding],
    ) -> list[Binding]:
        at = doc.where(here)
        if spec is None:
            return [Binding(name, kind, derived, (), at)]
        pairs = [("of" if derived else "id", spec)] if isinstance(spec, str) else list(spec.items())
        joins: list[Join] = []
        extra: list[Binding] = []
        optional: FactRef | None = None
        for this_field, target in pairs:
            if not self.valid_join_field(kind, derived, this_field):
                allowed = "of, to" if derived else "id or a reference field of " + kind
                self.error(doc, here, f"{kind} has no field {this_field!r} to join on",
                           f"allowed: {allowed}")
                continue
            other, _, other_path = target.partition(".")
            if other not in known:
                self.error(doc, here, f"{target!r} names no earlier binding",
                           f"earlier bindings: {', '.join(known) or 'none'}")
                continue
            other_binding = known[other]
            want = self.join_target_kind(kind, derived, this_field)
            if not other_path:
                if other_binding.kind != want and want is not None:
                    self.error(doc, here, f"{other!r} is {_a(other_binding.kind)}, but {kind}."
                               f"{this_field} names {_a(want)}")
                    continue
                joins.append(Join(this_field, other, "id"))
                continue
            link = self.cat.links.get(other_binding.kind, {}).get(other_path)
            if link is not None and this_field == "id" and not derived:
                if link.target != kind:
                    self.error(doc, here, f"{target} lists {link.target}s, not {kind}s")
                    continue
                hidden = f"{name}__link"
                rel = Leaf(hidden, "rel", "eq", f"{other_binding.kind}.{other_path}", at, "string")
                extra.append(Binding(hidden, "link", False, (Join("from", other, "id"),), at,
                                     hidden=True, tests=(rel,),
                                     optional_from=FactRef(other, other_path)))
                joins.append(Join("id", hidden, "to"))
                continue
            spec_other = self.field_spec(other_binding, other_path)
            this_spec = None if derived else self.cat.field(kind, this_field)
            if (spec_other is not None and this_spec is not None and spec_other.type == "string"
                    and this_spec.type == "string"):
                joins.append(Join(this_field, other, other_path))  # a match on text (names)
                continue
            if spec_other is None or spec_other.type != "ref":
                self.error(doc, here, f"{target} is not a reference to a {want or 'case object'}",
                           self.ref_fields_hint(other_binding))
                continue
            if want is not None and spec_other.target != want:
                self.error(doc, here, f"{target} names {_a(spec_other.target or '')}, "
                           f"not {_a(want)}")
                continue
            joins.append(Join(this_field, other, other_path))
            if this_field == "id":
                optional = FactRef(other, other_path)
        if not joins:
            return []
        return [*extra, Binding(name, kind, derived, tuple(joins), at, optional_from=optional)]

    def valid_join_field(self, kind: str, derived: bool, name: str) -> bool:
        if derived:
            return name in DERIVED_FIELDS and (name == "of" or bool(self.signatures[kind]["to"]))
        if name == "id":
            return True
        spec = self.cat.field(kind, name)
        return spec is not None and spec.type in {"ref", "string"}

    def join_target_kind(self, kind: str, derived: bool, name: str) -> str | None:
        if derived:
            return self.signatures[kind][name]
        if name == "id":
            return kind
        spec = self.cat.field(kind, name)
        return spec.target if spec else None

    def field_spec(self, binding: Binding, path: str) -> FieldSpec | None:
        if binding.derived:
            return None
        return self.cat.field(binding.kind, path)

    def ref_fields_hint(self, binding: Binding) -> str:
        if binding.derived:
            return "a derived fact has the fields of and to"
        fields = [s.path for s in self.cat.fields[binding.kind].values() if s.type == "ref"]
        fields += list(self.cat.links.get(binding.kind, {}))
        return f"reference fields of {binding.kind}: {', '.join(sorted(fields))}"

    # -- conditions ----------------------------------------------------------------------

    def condition(
        self, doc: Document, raw: Mapping[str, Any], path: PathT, names: Mapping[str, Binding]
    ) -> Cond:
        if "all" in raw:
            return AllOf(tuple(self.condition(doc, item, (*path, "all", i), names)
                               for i, item in enumerate(raw["all"])))
        if "any" in raw:
            return AnyOf(tuple(self.condition(doc, item, (*path, "any", i), names)
                               for i, item in enumerate(raw["any"])))
        if "not" in raw:
            return NotOf(self.condition(doc, raw["not"], (*path, "not"), names))
        leaves: list[Cond] = []
        for key, test in raw.items():
            here = (*path, key)
            ref = self.fact_ref(doc, key, here, names)
            if ref is None:
                continue
            fact_type, scale, values = self.describe(ref, names)
            ops = test if isinstance(test, dict) else {"eq": test}
            for op, value in ops.items():
                leaf = self.leaf(doc, ref, op, value, (*here, op) if isinstance(test, dict)
                                 else here, fact_type, scale, values, names)
                if leaf is not None:
                    leaves.append(leaf)
        return leaves[0] if len(leaves) == 1 else AllOf(tuple(leaves))

    def fact_ref(
        self, doc: Document, text: str, path: PathT, names: Mapping[str, Binding]
    ) -> FactRef | None:
        name, _, fact_path = text.partition(".")
        binding = names.get(name)
        if binding is None or binding.hidden:
            visible = [b for b in names if not names[b].hidden]
            self.error(doc, path, f"{text!r} names no binding {name!r}",
                       f"bindings: {', '.join(visible) or 'none'}")
            return None
        if binding.derived:
            if fact_path not in DERIVED_FIELDS:
                self.error(doc, path, f"a derived fact has no field {fact_path!r}",
                           "derived facts have the fields of and to")
                return None
            return FactRef(name, fact_path)
        if fact_path == "id":
            return FactRef(name, "id")
        if self.cat.field(binding.kind, fact_path) is None:
            self.error(doc, path, f"{binding.kind} has no fact {fact_path!r}",
                       _suggest(fact_path, self.cat.paths(binding.kind)))
            return None
        return FactRef(name, fact_path)

    def describe(
        self, ref: FactRef, names: Mapping[str, Binding]
    ) -> tuple[str, float, tuple[str, ...] | None]:
        binding = names[ref.binding]
        if binding.derived or ref.path == "id":
            return "ref", 1.0, None
        spec = self.cat.field(binding.kind, ref.path)
        assert spec is not None
        return spec.type, spec.scale, spec.values

    def type_of(self, ref: FactRef, names: Mapping[str, Binding]) -> str:
        return self.describe(ref, names)[0]

    def leaf(
        self,
        doc: Document,
        ref: FactRef,
        op: str,
        value: Any,
        path: PathT,
        fact_type: str,
        scale: float,
        values: tuple[str, ...] | None,
        names: Mapping[str, Binding],
    ) -> Leaf | None:
        at = doc.where(path)
        if op not in _OPS_FOR_TYPE[fact_type]:
            allowed = ", ".join(sorted(_OPS_FOR_TYPE[fact_type]))
            self.error(doc, path, f"{op!r} does not apply to {ref} (a {fact_type} fact)",
                       f"tests for {fact_type} facts: {allowed}")
            return None
        if op == "exists":
            return Leaf(ref.binding, ref.path, op, bool(value), at, fact_type, scale)
        if isinstance(value, dict):
            other = self.fact_ref(doc, value["fact"], (*path, "fact"), names)
            if other is None:
                return None
            other_type = self.type_of(other, names)
            if other_type != fact_type or fact_type == "list":
                self.error(doc, path, f"cannot compare {ref} (a {fact_type} fact) with {other} "
                           f"(a {other_type} fact)")
                return None
            if other.binding == ref.binding:
                self.error(doc, path, "compare two facts of different bindings; both facts "
                           f"here belong to {ref.binding!r}")
                return None
            return Leaf(ref.binding, ref.path, op, other, at, fact_type, scale)
        items = value if isinstance(value, list) else [value]
        converted = []
        for item in items:
            checked = self.literal(doc, path, ref, fact_type, values, item)
            if checked is None:
                return None
            converted.append(checked)
        if op in {"in", "not_in", "contains_any", "contains_none"}:
            return Leaf(ref.binding, ref.path, op, tuple(converted), at, fact_type, scale)
        return Leaf(ref.binding, ref.path, op, converted[0], at, fact_type, scale)

    def literal(
        self,
        doc: Document,
        path: PathT,
        ref: FactRef,
        fact_type: str,
        values: tuple[str, ...] | None,
        item: Any,
    ) -> Any:
        if fact_type == "bool":
            if not isinstance(item, bool):
                self.error(doc, path, f"{ref} is true or false, not {show_value(item)}")
                return None
            return item
        if fact_type == "number":
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                self.error(doc, path, f"{ref} is a number, not {show_value(item)}")
                return None
            return item
        if fact_type == "date":
            day = _date(item)
            if day is None:
                self.error(doc, path, f"{ref} is a date; write YYYY-MM-DD, not {show_value(item)}")
            return day
        if not isinstance(item, str) or not item:
            self.error(doc, path, f"{ref} takes non-empty text values, not {show_value(item)!r}")
            return None
        if values is not None and item not in values:
            self.error(doc, path, f"{item!r} is not a value {ref} can take",
                       f"allowed: {_listing(values)}")
            return None
        return item

    # -- outputs -------------------------------------------------------------------------

    def derive(
        self, doc: Document, raw: Mapping[str, str], path: PathT, names: Mapping[str, Binding]
    ) -> DeriveSpec | None:
        of = self.id_ref(doc, raw["of"], (*path, "of"), names)
        to = self.id_ref(doc, raw["to"], (*path, "to"), names) if "to" in raw else None
        if of is None:
            return None
        return DeriveSpec(raw["fact"], of, to)

    def id_ref(
        self, doc: Document, text: str, path: PathT, names: Mapping[str, Binding]
    ) -> FactRef | None:
        name, _, fact_path = text.partition(".")
        if name not in names or names[name].hidden:
            self.error(doc, path, f"{text!r} names no binding {name!r}")
            return None
        if not fact_path:
            return FactRef(name, "id")
        ref = self.fact_ref(doc, text, path, names)
        if ref is not None and self.type_of(ref, names) != "ref":
            self.error(doc, path, f"{text} is not a reference to a case object")
            return None
        return ref

    def finding(
        self, doc: Document, raw: Mapping[str, Any], path: PathT, names: Mapping[str, Binding]
    ) -> FindingSpec:
        self.templates(doc, raw["title"], (*path, "title"), names)
        if "summary" in raw:
            self.templates(doc, raw["summary"], (*path, "summary"), names)
        who: list[WhoSpec] = []
        for index, item in enumerate(raw["who_acts"]):
            here = (*path, "who_acts", index)
            if ("may" in item) == ("must" in item):
                self.error(doc, here, "say what the actor does with exactly one of may / must")
                continue
            if "name" not in item and "party" not in item:
                self.error(doc, here, "name the actor (name) or the binding of a party (party)")
                continue
            party = item.get("party")
            if party is not None:
                binding = names.get(party)
                if binding is None or binding.kind != "party":
                    self.error(doc, (*here, "party"), f"{party!r} is not a party binding",
                               f"party bindings: {_kinds(names, 'party')}")
                    continue
            modality = "may" if "may" in item else "must"
            self.templates(doc, item[modality], (*here, modality), names)
            who.append(WhoSpec(item["role"], modality, item[modality], item.get("name"), party))
        deadlines = []
        seen: set[str] = set()
        for index, item in enumerate(raw.get("deadlines", [])):
            here = (*path, "deadlines", index)
            if item["id"] in seen:
                self.error(doc, (*here, "id"), f"duplicate deadline id {item['id']!r}")
            seen.add(item["id"])
            start = self.date_expr(doc, item["from"], (*here, "from"), names)
            add = item.get("add", {})
            unit, amount = next(iter(add.items())) if add else (None, 0)
            calendar = item.get("calendar")
            if unit == "working_days" and calendar is None:
                self.error(doc, here, "a period in working days needs a calendar",
                           "calendar: england-and-wales or united-states")
            beginning_with = item.get("counting") == "beginning-with"
            if beginning_with and unit in (None, "hours"):
                self.error(doc, (*here, "counting"),
                           "a period beginning with the start day needs days, weeks, months, "
                           "years or working days")
            if start is not None:
                deadlines.append(DeadlineSpec(item["id"], item["what"], start, unit, amount,
                                              calendar, item.get("basis", ""), beginning_with))
        amounts = []
        for index, item in enumerate(raw.get("amounts", [])):
            here = (*path, "amounts", index)
            terms_raw = item.get("greater_of") or ([item["value"]] if "value" in item else [])
            if not terms_raw or ("value" in item and "greater_of" in item):
                self.error(doc, here, "give exactly one of value / greater_of")
                continue
            terms = []
            for number, term in enumerate(terms_raw):
                parsed = self.term(doc, term, (*here, "greater_of" if "greater_of" in item
                                                 else "value", number), names)
                if parsed is not None:
                    terms.append(parsed)
            amounts.append(AmountSpec(item["id"], item["what"], item["currency"], tuple(terms),
                                      item.get("basis", "")))
        return FindingSpec(raw["title"], " ".join(raw.get("summary", "").split()), tuple(who),
                           tuple(deadlines), tuple(amounts))

    def term(
        self, doc: Document, raw: Mapping[str, Any], path: PathT, names: Mapping[str, Binding]
    ) -> Term | None:
        kinds = [k for k in ("fixed", "percent", "times") if k in raw]
        if len(kinds) != 1 or (kinds[0] == "fixed") == ("of" in raw):
            self.error(doc, path, "a term is {fixed: N}, {percent: P, of: fact} or "
                       "{times: K, of: fact}")
            return None
        if kinds[0] == "fixed":
            return Term(fixed=float(raw["fixed"]))
        ref = self.fact_ref(doc, raw["of"], (*path, "of"), names)
        if ref is None:
            return None
        if self.type_of(ref, names) != "number":
            self.error(doc, (*path, "of"), f"{ref} is not a number")
            return None
        if kinds[0] == "percent":
            return Term(percent=float(raw["percent"]), of=ref)
        return Term(times=float(raw["times"]), of=ref)

    def date_expr(
        self, doc: Document, raw: Any, path: PathT, names: Mapping[str, Binding]
    ) -> DateExpr | None:
        if isinstance(raw, dict):
            key = "latest" if "latest" in raw else "earliest"
            parts = [self.date_expr(doc, item, (*path, key, i), names)
                     for i, item in enumerate(raw[key])]
            if any(part is None for part in parts):
                return None
            clean = tuple(part for part in parts if part is not None)
            return DateExpr(latest=clean) if key == "latest" else DateExpr(earliest=clean)
        day = _date(raw)
        if day is not None:
            return DateExpr(literal=day)
        ref = self.fact_ref(doc, str(raw), path, names)
        if ref is None:
            return None
        if self.type_of(ref, names) != "date":
            self.error(doc, path, f"{ref} is not a date")
            return None
        return DateExpr(fact=ref)

    def templates(
        self, doc: Document, text: str, path: PathT, names: Mapping[str, Binding]
    ) -> None:
        for name in _TEMPLATE.findall(text):
            if name not in names or names[name].hidden:
                self.error(doc, path, f"the text names {{{name}}}, which is not a binding",
                           f"bindings: {', '.join(b for b in names if not names[b].hidden)}")


def _table_row(doc: Document, table: Mapping[str, Any], row: Mapping[str, Any],
               path: PathT) -> list[CaseObject]:
    at = doc.where(path)
    source = (row.get("source") or table["source"])["url"]
    values: dict[str, Any] = {"table": table["id"], "entry": row["entry"]}
    for name in ("since", "until"):
        if name in row:
            values[name] = _date(row[name])
    for name in ("country", "activity", "scope"):
        if name in row:
            values[name] = str(row[name])
    keys = []
    for text in [row["entry"], *row.get("aliases", [])]:
        key = name_key(str(text))
        if key and key not in keys:
            keys.append(key)
    objects = []
    for key in keys:
        facts = {name: Fact(name, value, "confirmed", source, at)
                 for name, value in {**values, "key": key}.items()}
        objects.append(CaseObject("data", f"{table['id']}:{key}", str(row["entry"]),
                                  "confirmed", source, at, facts))
    return objects


def _binding_kinds(raw: Mapping[str, Any], cat: Catalogue) -> dict[str, str]:
    kinds = {}
    for name, spec in raw.items():
        kinds[name] = spec if isinstance(spec, str) else next(iter(spec))
    return kinds


def _ref_kind(text: str, kinds: Mapping[str, str], cat: Catalogue) -> str | None:
    name, _, path = text.partition(".")
    kind = kinds.get(name)
    if kind is None or not path:
        return kind
    spec = cat.field(kind, path)
    return spec.target if spec else None


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def show_value(value: Any) -> str:
    """A fact value or test value as a report prints it (dates ISO, booleans lower case)."""
    if isinstance(value, FactRef):
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


def _listing(values: Iterable[str], limit: int = 12) -> str:
    items = list(values)
    text = ", ".join(items[:limit])
    return text + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _kinds(names: Mapping[str, Binding], kind: str) -> str:
    return ", ".join(b.name for b in names.values() if b.kind == kind and not b.hidden) or "none"


def _suggest(wrong: str, known: list[str]) -> str:
    close = difflib.get_close_matches(wrong, known, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(close)}?"
    return f"facts of this kind: {_listing(known)}"


def rule_errors(paths: Iterable[str | Path]) -> list[RexError]:
    """Every problem in the given rule files (an empty list when they load)."""
    try:
        load_rules(paths)
    except ErrorList as exc:
        return list(exc.errors)
    except RexError as exc:
        return [exc]
    return []


KNOWN_OBJECT_KINDS = OBJECT_KINDS
