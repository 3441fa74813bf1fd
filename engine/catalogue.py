"""The fact catalogue: which facts a case can state, their types, and the question to ask.

The catalogue is read off the case JSON Schema, so the schema stays the one place that says
what a case file may contain. Each leaf that uses one of the ``*-fact`` definitions becomes a
``FieldSpec`` with a dotted path (``dates.completed``, ``turnover.uk.gbp``,
``listings.us-entity-list.since``) and the question from its ``x-question``. Rule files may only
test paths in the catalogue (or derived facts), and the compiler and the evaluator both use the
catalogue's types.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import screening
from .errors import EngineError
from .schema import load_schema

OBJECT_KINDS = ("party", "asset", "event")
LINK_KINDS = ("ownership", "link", "name")
REFERENCE_KINDS = ("data",)
BASE_KINDS = OBJECT_KINDS + LINK_KINDS + REFERENCE_KINDS

# Numbers that durable_rules cannot parse exactly are scaled before they reach it.
COMPUTE_SCALE = 1e15


@dataclass(frozen=True)
class FieldSpec:
    """One fact a case can state about an object of ``kind``."""

    kind: str
    path: str
    """Dotted path, as rules write it after the binding name (``dates.completed``)."""
    type: str
    """One of ``string``, ``number``, ``bool``, ``date``, ``list``, ``ref``."""
    data_path: tuple[str, ...]
    """Where the value sits in the object's YAML mapping."""
    question: str
    """The question to ask when the fact is unknown (``{name}`` is the object's name)."""
    description: str = ""
    values: tuple[str, ...] | None = None
    """Allowed values of a string, or of a list's items."""
    target: str | None = None
    """For a ``ref``: the kind of object it names."""
    currency: str | None = None
    """For a money amount: the currency the case must state it in."""
    scale: float = 1.0
    lowest: float = 0.0
    """For a number: the least value the case schema allows (a bound's open lower end)."""
    highest: float = float("inf")
    """For a number: the greatest value the case schema allows."""
    classes: bool = False
    """For a country: the case may name a class of countries instead of one."""
    computed: bool = False
    """Worked out from other facts (the event's date, the party's sectors), not read."""


@dataclass(frozen=True)
class LinkSpec:
    """A list of references (``event.assets``) that becomes one ``link`` fact per element."""

    kind: str
    field: str
    target: str
    question: str


@dataclass(frozen=True)
class Catalogue:
    fields: Mapping[str, Mapping[str, FieldSpec]]
    links: Mapping[str, Mapping[str, LinkSpec]]

    def field(self, kind: str, path: str) -> FieldSpec | None:
        return self.fields.get(kind, {}).get(path)

    def paths(self, kind: str) -> list[str]:
        return sorted(self.fields.get(kind, {}))

    @functools.cached_property
    def _read(self) -> Mapping[str, Mapping[str, tuple[tuple[int, FieldSpec], ...]]]:
        out: dict[str, dict[str, list[tuple[int, FieldSpec]]]] = {}
        for kind, specs in self.fields.items():
            here = out.setdefault(kind, {})
            for index, spec in enumerate(specs.values()):
                if not spec.computed:
                    key = spec.data_path[0] if spec.data_path else spec.path
                    here.setdefault(key, []).append((index, spec))
        return {kind: {key: tuple(found) for key, found in keys.items()}
                for kind, keys in out.items()}

    def read_from(self, kind: str, keys: Iterable[str]) -> list[FieldSpec]:
        """The facts of ``kind`` a case reads from an object with these top-level keys, in
        catalogue order (each object reads a few of the catalogue's fields, not all)."""
        index = self._read.get(kind, {})
        found = [entry for key in keys for entry in index.get(key, ())]
        return [spec for _, spec in sorted(found, key=lambda entry: entry[0])]


_SCALARS = {
    "text-fact": "string",
    "bool-fact": "bool",
    "country-fact": "string",
    "countries-fact": "list",
    "date-fact": "date",
    "pct-fact": "number",
    "quantity-fact": "number",
    "compute-fact": "number",
    "party-ref-fact": "ref",
    "event-ref-fact": "ref",
    "asset-ref-fact": "ref",
    "eccn-fact": "string",
    "party-type-fact": "string",
    "asset-type-fact": "string",
    "event-type-fact": "string",
    "control-level-fact": "string",
    "means-fact": "string",
    "obtained-by-fact": "string",
    "end-uses-fact": "list",
    "roles-fact": "list",
    "purposes-fact": "list",
    "vetoes-fact": "list",
    "dependence-fact": "list",
    "convertible-into-fact": "string",
}
_REF_TARGETS = {"party-ref-fact": "party", "event-ref-fact": "event", "asset-ref-fact": "asset"}
_META = {"status", "source", "note"}


@functools.cache
def catalogue() -> Catalogue:
    """The catalogue for the shipped case schema."""
    schema = load_schema("case")
    defs = schema["$defs"]
    fields: dict[str, dict[str, FieldSpec]] = {}
    links: dict[str, dict[str, LinkSpec]] = {}
    for kind in OBJECT_KINDS:
        fields[kind] = {}
        links[kind] = {}
        for spec in _walk(defs, defs[kind], kind, (), ()):
            if isinstance(spec, LinkSpec):
                links[kind][spec.field] = spec
                fields[kind][spec.field] = FieldSpec(
                    kind, spec.field, "list", (spec.field,), spec.question,
                    f"The ids of the {spec.target}s listed.", target=spec.target,
                )
            else:
                fields[kind][spec.path] = spec
    fields["party"]["sectors"] = FieldSpec(
        "party", "sectors", "list", ("activities",),
        "In which sectors is {name} active?", "The sectors of the party's activities.",
        values=tuple(defs["sector"]["enum"]), computed=True,
    )
    fields["party"]["uk_sectors"] = FieldSpec(
        "party", "uk_sectors", "list", ("activities",),
        "In which sectors does {name} carry on activities in the UK?",
        "The sectors in which the party carries on activities in the UK (activities whose "
        "'where' includes GB).",
        values=tuple(defs["sector"]["enum"]), computed=True,
    )
    fields["event"]["date"] = FieldSpec(
        "event", "date", "date", ("dates",),
        "When did {name} take place (or complete)?",
        "The event's own date: completed, else occurred, started, signed or announced.",
        computed=True,
    )
    fields["event"]["cma_test_date"] = FieldSpec(
        "event", "cma_test_date", "date", ("dates",),
        "When was {name} completed or, if it has not completed, when did the CMA formally "
        "start Phase 1 (the date decides which version of the EA02 jurisdiction tests applies)?",
        "The date that decides which version of the Enterprise Act 2002 jurisdiction tests "
        "applies: the completion date or, for a merger the case does not state to be completed "
        "(an anticipated merger), the formal start of Phase 1 (process.uk-cma.phase-1-started).",
        computed=True,
    )
    ownership = {
        spec.path: spec
        for spec in _walk(defs, defs["ownership"], "ownership", (), ())
        if isinstance(spec, FieldSpec)
    }
    ownership["owner"] = FieldSpec(
        "ownership", "owner", "ref", ("party",), "Who holds this interest in {name}?",
        target="party",
    )
    ownership["owned"] = FieldSpec(
        "ownership", "owned", "ref", (), "Which party is held?", target="party"
    )
    fields["ownership"] = ownership
    fields["link"] = {
        "rel": FieldSpec("link", "rel", "string", (), "Which list is this?"),
        "from": FieldSpec("link", "from", "ref", (), "Which object holds the list?"),
        "to": FieldSpec("link", "to", "ref", (), "Which object does the list name?"),
    }
    fields["name"] = {
        "party": FieldSpec("name", "party", "ref", (), "Which party has this name?",
                           target="party"),
        "key": FieldSpec("name", "key", "string", (), "What is the name?",
                         "The party's name or an alias, folded to lower-case letters and "
                         "digits: what reference tables are matched on."),
    }
    fields["data"] = {
        "table": FieldSpec("data", "table", "string", (), "Which reference table?"),
        "key": FieldSpec("data", "key", "string", (), "Under which name is the entry listed?"),
        "entry": FieldSpec("data", "entry", "string", (), "Which entry?"),
        "since": FieldSpec("data", "since", "date", (), "Since when does the entry apply?"),
        "until": FieldSpec("data", "until", "date", (), "Until when does the entry apply?"),
        "country": FieldSpec("data", "country", "string", (), "In which country is the entry?"),
        "activity": FieldSpec("data", "activity", "string", (), "Which activity?"),
        "scope": FieldSpec("data", "scope", "string", (), "What does the entry cover?"),
    }
    for kind in ("ownership", "link", "name", "data"):
        links[kind] = {}
    return Catalogue(fields, links)


def name_key(text: str) -> str:
    """A name folded for matching (``engine.screening.name_key``: NFKC, confusable letters
    folded to Latin, diacritics dropped, lower-case letters and digits only)."""
    return screening.name_key(text)


def _walk(
    defs: Mapping[str, Any],
    node: Mapping[str, Any],
    kind: str,
    prefix: tuple[str, ...],
    data_prefix: tuple[str, ...],
    question_key: str = "",
) -> Iterator[FieldSpec | LinkSpec]:
    for name, prop in node.get("properties", {}).items():
        if name in _META or (not prefix and name in {"id", "name", "aliases", "party"}):
            continue
        yield from _walk_property(
            defs, prop, kind, (*prefix, name), (*data_prefix, name), question_key
        )


def _walk_property(
    defs: Mapping[str, Any],
    prop: Mapping[str, Any],
    kind: str,
    path: tuple[str, ...],
    data_path: tuple[str, ...],
    question_key: str,
) -> Iterator[FieldSpec | LinkSpec]:
    ref = _ref_name(prop)
    dotted = ".".join(path)
    if ref is not None and ref.endswith("-fact"):
        scalar = defs[ref].get("x-scalar", defs[ref]["else"])
        values = _enum_values(defs, scalar)
        question = str(prop.get("x-question", f"What is the {dotted} of {{name}}?"))
        limits = _resolve(defs, scalar)
        yield FieldSpec(
            kind,
            dotted,
            _scalar_type(ref, scalar),
            data_path,
            question.replace("{key}", question_key),
            str(prop.get("description", defs[ref].get("description", ""))),
            values=values,
            target=_REF_TARGETS.get(ref),
            scale=COMPUTE_SCALE if ref == "compute-fact" else 1.0,
            lowest=float(limits.get("minimum", 0.0)),
            highest=float(limits.get("maximum", float("inf"))),
            classes=ref == "country-fact",
        )
        return
    if ref == "money":
        currencies = defs["currency"]["enum"]
        label = " ".join(path).replace("_", " ")
        for currency in currencies:
            yield FieldSpec(
                kind,
                f"{dotted}.{currency.lower()}",
                "number",
                data_path,
                f"What is the {label} of {{name}} in {currency}?",
                f"The {label} stated in {currency}.",
                currency=currency,
                highest=float(defs["amount"]["maximum"]),
            )
        return
    if prop.get("x-rex") == "links":
        yield LinkSpec(kind, path[-1], str(prop["x-links"]), str(prop.get("x-question", "")))
        return
    if prop.get("x-rex") == "ownership":
        return  # ownership links are facts of their own kind
    if ref is not None:
        yield from _walk(defs, defs[ref], kind, path, data_path, question_key)
        return
    if prop.get("type") == "object" and "properties" in prop:
        yield from _walk(defs, prop, kind, path, data_path, question_key)
        return
    names = prop.get("propertyNames")
    inner = prop.get("additionalProperties")
    if isinstance(names, dict) and isinstance(inner, dict):
        keys = _enum_values(defs, names) or ()
        target = defs[_ref_name(inner) or ""] if _ref_name(inner) else inner
        for key in keys:
            if _ref_name(inner) == "money":
                yield from _walk_property(defs, inner, kind, (*path, key), (*data_path, key), key)
            else:
                yield from _walk(defs, target, kind, (*path, key), (*data_path, key), key)


def _resolve(defs: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = _ref_name(node)
    return _resolve(defs, defs[ref]) if ref is not None else node


def _scalar_type(ref: str, scalar: Mapping[str, Any]) -> str:
    """How rules compare a fact: read off its schema, with the few named kinds that differ."""
    if ref in _SCALARS:
        return _SCALARS[ref]
    if scalar.get("type") == "array":
        return "list"
    if "enum" in scalar or scalar.get("type") == "string":
        return "string"
    raise EngineError(f"internal: the case schema's {ref!r} has no rule type")


def _ref_name(prop: Mapping[str, Any]) -> str | None:
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return ref.rsplit("/", 1)[-1]
    return None


def _enum_values(defs: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[str, ...] | None:
    if "enum" in node:
        return tuple(str(v) for v in node["enum"])
    ref = _ref_name(node)
    if ref is not None:
        return _enum_values(defs, defs[ref])
    items = node.get("items")
    if isinstance(items, dict):
        return _enum_values(defs, items)
    return None
