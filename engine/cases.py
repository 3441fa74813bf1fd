"""Case files: YAML -> schema check -> ``Case`` with every fact, its status, source and line.

The shape of a case file is fixed by ``schemas/case.schema.json`` (see docs/case-format.md);
this module adds the checks a schema cannot make (unique ids, references that resolve, sources
that exist) and turns the file into ``CaseObject``s whose facts follow the fact catalogue.
Status and source are inherited downwards: a field without its own ``status`` has that of the
mapping it sits in, and nothing is more certain than the object it belongs to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import events, forms
from .catalogue import OBJECT_KINDS, FieldSpec, catalogue, name_key
from .errors import CaseError, ErrorList, InputError, Location, RexError, raise_all
from .model import (
    Case,
    CaseObject,
    Expectations,
    ExpectedFinding,
    Fact,
    FactStatus,
    FactValue,
    Source,
)
from .schema import validate_document
from .values import Bounds, Choice, Partial
from .yamlio import Document, PathT, field_name, load_file

_SECTIONS = {"party": "parties", "asset": "assets", "event": "events"}
_SMALLEST = 1e-4


def load_case(path: str | Path) -> Case:
    """Read, validate and normalise one case file; raises ``ErrorList`` listing every problem."""
    doc = load_file(path)
    return case_from_document(doc)


def case_from_document(doc: Document) -> Case:
    if not isinstance(doc.data, dict):
        raise CaseError(
            "a case file must be a mapping with rex, id, title, sources and parties",
            doc.where(()),
        )
    problems = validate_document("case", doc)
    builder = _Builder(doc)
    if not problems:
        case = builder.build()
        raise_all(builder.errors)
        return case
    # The file breaks the schema: still look for reference and value errors, so that one run
    # lists every problem, in file order. The builder may meet a shape the schema refused;
    # what it found until then is listed, and a problem under a field the schema already
    # reported is not repeated. Any exception the builder meets is suppressed: the schema has
    # refused the file already, and a shape the builder was never meant to read (a number
    # too large for a float, a nesting too deep) must not hide those errors.
    with contextlib.suppress(Exception):
        builder.build()
    reported = [e.field or "" for e in problems]
    more = [e for e in builder.errors if not any(_within(e.field or "", f) for f in reported)]
    ordered = sorted([*problems, *more], key=_position)
    raise ErrorList(list({error.one_line(): error for error in ordered}.values()))


def _within(field: str, other: str) -> bool:
    return not other or field == other or field.startswith((f"{other}.", f"{other}["))


def _position(error: RexError) -> tuple[int, int]:
    location = error.location
    return (location.line or 0, location.column or 0) if location is not None else (0, 0)


def validate_paths(paths: Iterable[str | Path]) -> dict[str, list[RexError]]:
    """Every problem in each case file, keyed by file name (an empty list when valid)."""
    results: dict[str, list[RexError]] = {}
    for path in paths:
        try:
            load_case(path)
        except ErrorList as exc:
            results[str(path)] = list(exc.errors)
        except InputError as exc:
            results[str(path)] = [exc]
        else:
            results[str(path)] = []
    return results


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # An id or reference written like a date (`by: 2024-01-01`) is read as a date by YAML;
        # plain dates are kept as their ISO text, which date facts read back as dates.
        self.data: dict[str, Any] = _dates_as_text(doc.data)
        self.errors: list[RexError] = []
        self.cat = catalogue()
        self.ids: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def error(self, message: str, path: PathT, hint: str | None = None) -> None:
        self.errors.append(CaseError(message, self.doc.where(path), field_name(path), hint))

    def build(self) -> Case:
        sources = self.sources()
        self.index_ids()
        objects: list[CaseObject] = []
        for kind in OBJECT_KINDS:
            section = _SECTIONS[kind]
            for index, raw in enumerate(self.data.get(section, [])):
                path: PathT = (section, index)
                objects.append(self.object(kind, raw, path))
                if kind == "party":
                    objects.extend(self.ownerships(raw, path))
                    objects.extend(self.name_facts(raw, path))
                if kind == "event":
                    objects.extend(self.links(raw, path))
        objects.sort(key=lambda obj: (OBJECT_ORDER[obj.kind], obj.id))
        return Case(
            id=self.data["id"],
            title=self.data["title"],
            file=self.doc.path,
            summary=str(self.data.get("summary", "")).strip(),
            sources=sources,
            objects=tuple(objects),
            expect=self.expectations(),
        )

    # -- sources and ids -------------------------------------------------------------------

    def sources(self) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        for index, raw in enumerate(self.data.get("sources", [])):
            if raw["id"] in sources:
                self.error(f"duplicate source id {raw['id']!r}", ("sources", index, "id"))
                continue
            date = raw.get("date")
            sources[raw["id"]] = Source(
                id=raw["id"],
                title=raw["title"],
                url=raw.get("url"),
                date=date.isoformat() if isinstance(date, dt.date) else date,
                publisher=raw.get("publisher"),
                kind=raw.get("kind"),
            )
        self.source_ids = set(sources)
        return sources

    def index_ids(self) -> None:
        for kind in OBJECT_KINDS:
            section = _SECTIONS[kind]
            for index, raw in enumerate(self.data.get(section, [])):
                ident = raw["id"]
                if ident in self.ids:
                    self.error(
                        f"the id {ident!r} is already used by a {self.ids[ident]}",
                        (section, index, "id"),
                        "ids must be unique across parties, assets and events",
                    )
                    continue
                self.ids[ident] = kind
                self.names[ident] = _display_name(kind, raw)

    # -- objects ---------------------------------------------------------------------------

    def object(self, kind: str, raw: dict[str, Any], path: PathT) -> CaseObject:
        status: FactStatus = raw["status"]
        source = raw["source"]
        self.check_source(source, (*path, "source"))
        facts: dict[str, Fact] = {}
        for spec in self.cat.read_from(kind, raw):
            if spec.type == "list" and spec.target is not None:
                fact = self.link_list(spec, raw, path, status, source)
            else:
                fact = self.extract(spec, raw, path, status, source)
            if fact is not None:
                facts[spec.path] = fact
        if kind == "party":
            facts.update(self.sector_facts(raw, path, status, source))
        acts: tuple[CaseObject, ...] = ()
        if kind == "event":
            course = events.course(facts)
            date = events.course_date(course) if course else events.event_date(facts)
            if date is not None:
                facts["date"] = date
            decisive = facts.get("dates.completed") or facts.get("process.uk-cma.phase-1-started")
            if decisive is not None:
                facts["cma_test_date"] = replace(decisive, path="cma_test_date")
            if "to" not in facts and "by" in facts and _value(raw.get("type")) in _SELF_RECEIVED:
                facts["to"] = facts["by"]
        obj = CaseObject(kind, raw["id"], self.names[raw["id"]], status, source,
                         self.doc.where(path), facts)
        if kind == "event" and course:
            acts = events.acts(obj, course)
            return replace(obj, acts=acts)
        return obj

    def extract(
        self,
        spec: FieldSpec,
        raw: Mapping[str, Any],
        path: PathT,
        status: FactStatus,
        source: str,
    ) -> Fact | None:
        node: Any = raw
        here = path
        for step in spec.data_path:
            if not isinstance(node, dict) or step not in node:
                return None
            status, source = self.meta(node, here, status, source)
            node = node[step]
            here = (*here, step)
        if spec.currency is not None:
            return self.money(spec, node, here, status, source)
        if isinstance(node, dict):
            status, source = self.meta(node, here, status, source)
            if "value" in node:
                here = (*here, "value")
                node = node["value"]
            elif not forms.is_partial(node):
                self.error("missing required field 'value'", here,
                           f"write the value under value:, or {forms.forms_of(spec)}")
                return None
        if node is None:
            return None  # an explicit null states that the fact is unknown
        value = self.convert(spec, node, here)
        if value is None:
            return None
        written = _written(node) if isinstance(value, Partial) else None
        return Fact(spec.path, value, status, source, self.doc.where(here),
                    time=forms.day_time(node), written=written)

    def link_list(
        self,
        spec: FieldSpec,
        raw: Mapping[str, Any],
        path: PathT,
        status: FactStatus,
        source: str,
    ) -> Fact | None:
        """A list of references (``event.assets``) as one list fact of mixed status."""
        items = raw.get(spec.path)
        if items is None:
            return None
        parts: list[tuple[str, FactStatus]] = []
        for index, item in enumerate(items):
            item_status, value = status, item
            if isinstance(item, dict):
                item_status, _ = self.meta(item, (*path, spec.path, index), status, source)
                value = item.get("value")
            parts.append((str(value), item_status))
        return _mixed_list(spec.path, parts, source, self.doc.where((*path, spec.path)),
                           status == "confirmed")

    def meta(
        self, node: Mapping[str, Any], path: PathT, status: FactStatus, source: str
    ) -> tuple[FactStatus, str]:
        if "source" in node and isinstance(node["source"], str):
            self.check_source(node["source"], (*path, "source"))
            source = node["source"]
        if node.get("status") == "alleged":
            status = "alleged"
        return status, source

    def check_source(self, source: str, path: PathT) -> None:
        if source not in self.source_ids:
            known = ", ".join(sorted(self.source_ids)) or "none"
            self.error(f"names the source {source!r}, which is not in sources", path,
                       f"known sources: {known}")

    def money(
        self, spec: FieldSpec, node: Any, path: PathT, status: FactStatus, source: str
    ) -> Fact | None:
        if not isinstance(node, dict) or node.get("currency") != spec.currency:
            return None
        status, source = self.meta(node, path, status, source)
        exact = "amount" in node
        if exact == any(node.get(key) is not None for key in forms.BOUND_KEYS):
            self.error("give the amount, or bound it with at_least, above, at_most, below or "
                       "between, but not both", path, f"write {forms.NUMBER_FORMS}")
            return None
        amount_path = (*path, "amount") if exact else path
        value = self.number(node["amount"] if exact else node, amount_path, spec)
        if value is None:
            return None
        written = None if exact else _written(node)
        return Fact(spec.path, value, status, source, self.doc.where(amount_path),
                    written=written)

    def convert(self, spec: FieldSpec, node: Any, path: PathT) -> FactValue | None:
        try:
            if spec.type == "date":
                return forms.read_date(node)
            if spec.type == "number":
                return self.number(node, path, spec)
            if spec.classes:
                return forms.read_country(node)
        except forms.FormError as exc:
            self.form_error(exc, path)
            return None
        if spec.type == "list":
            return tuple(sorted({str(item) for item in node}))
        if spec.type == "ref":
            target = spec.target or "party"
            if self.ids.get(node) != target:
                self.ref_error(node, target, path)
                return None
            return str(node)
        if spec.type == "bool":
            return bool(node)
        return str(node)

    def day(self, node: Any, path: PathT) -> dt.date | None:
        """A day the schema has let through by its form (YYYY-MM-DD, or with a time), which
        must also exist: 2024-02-30 is reported, not evaluated."""
        if isinstance(node, dt.datetime):
            return node.date()
        if isinstance(node, dt.date):
            return node
        try:
            value = forms.read_date(str(node))
        except forms.FormError as exc:
            self.error(exc.message, path, "write a day as YYYY-MM-DD")
            return None
        return value if isinstance(value, dt.date) else None

    def form_error(self, exc: forms.FormError, path: PathT) -> None:
        here = (*path, exc.step) if exc.step else path
        self.error(exc.message, here, exc.hint)

    def number(self, node: Any, path: PathT, spec: FieldSpec) -> int | float | Bounds | None:
        try:
            value = forms.read_number(node, spec.lowest, spec.highest)
        except forms.FormError as exc:
            self.form_error(exc, path)
            return None
        parts = [value.lo, value.hi] if isinstance(value, Bounds) else [value]
        for part in parts:
            if 0 < abs(part) < _SMALLEST:
                self.error(f"{part} is smaller than {_SMALLEST}, the smallest non-zero number "
                           "rex accepts", path)
                return None
        return value

    def ref_error(self, value: Any, target: str, path: PathT) -> None:
        known = sorted(i for i, k in self.ids.items() if k == target)
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        actual = self.ids.get(value)
        what = f"{_a(actual)}, not {_a(target)}" if actual else f"not {_a(target)} in this case"
        self.error(f"names {value!r}, which is {what}", path,
                   f"{_SECTIONS[target]}: {shown or 'none'}")

    def sector_facts(
        self, raw: Mapping[str, Any], path: PathT, status: FactStatus, source: str
    ) -> dict[str, Fact]:
        activities = raw.get("activities")
        if not isinstance(activities, dict) or not activities:
            return {}
        status, source = self.meta(activities, (*path, "activities"), status, source)
        all_parts: list[tuple[str, FactStatus]] = []
        uk_parts: list[tuple[str, FactStatus]] = []
        for sector, entry in activities.items():
            entry_status, _ = self.meta(entry, (*path, "activities", sector), status, source)
            all_parts.append((sector, entry_status))
            where = entry.get("where")
            where_status = entry_status
            if isinstance(where, dict):
                where_status, _ = self.meta(where, (*path, "activities", sector, "where"),
                                            entry_status, source)
                where = where.get("value")
            if isinstance(where, list) and "GB" in where:
                uk_parts.append((sector, where_status))
        at = self.doc.where((*path, "activities"))
        known_confirmed = any(part_status == "confirmed" for _, part_status in all_parts)
        facts = {"sectors": _mixed_list("sectors", all_parts, source, at, known_confirmed)}
        facts["uk_sectors"] = _mixed_list("uk_sectors", uk_parts, source, at, known_confirmed)
        return facts

    def ownerships(self, raw: Mapping[str, Any], path: PathT) -> Iterator[CaseObject]:
        owned = raw["id"]
        seen: dict[str, int] = {}
        spec_by_path = self.cat.fields["ownership"]
        for index, entry in enumerate(raw.get("owners", [])):
            here = (*path, "owners", index)
            owner = entry["party"]
            if self.ids.get(owner) != "party":
                self.ref_error(owner, "party", (*here, "party"))
                continue
            if owner == owned:
                self.error("a party cannot hold shares in itself", (*here, "party"))
                continue
            status, source = self.meta(entry, here, raw["status"], raw["source"])
            facts: dict[str, Fact] = {}
            for spec in spec_by_path.values():
                if spec.path in {"owner", "owned"}:
                    continue
                fact = self.extract(spec, entry, here, status, source)
                if fact is not None:
                    facts[spec.path] = fact
            at = self.doc.where(here)
            facts["owner"] = Fact("owner", owner, status, source, self.doc.where((*here, "party")))
            facts["owned"] = Fact("owned", owned, status, source, at)
            count = seen.get(owner, 0)
            seen[owner] = count + 1
            ident = f"{owner}>{owned}" + (f"#{count + 1}" if count else "")
            name = f"{self.names[owner]}'s holding in {self.names[owned]}"
            words = {"name": self.names[owned], "owner": self.names[owner]}
            yield CaseObject("ownership", ident, name, status, source, at, facts, words)

    def name_facts(self, raw: Mapping[str, Any], path: PathT) -> Iterator[CaseObject]:
        """One ``name`` object per distinct folded name or alias, for reference tables."""
        seen: set[str] = set()
        names = [(raw["name"], (*path, "name"))]
        names += [(alias, (*path, "aliases", i)) for i, alias in enumerate(raw.get("aliases", []))]
        for text, here in names:
            key = name_key(str(text))
            if not key or key in seen:
                continue
            seen.add(key)
            at = self.doc.where(here)
            status, source = raw["status"], raw["source"]
            facts = {
                "party": Fact("party", raw["id"], status, source, at),
                "key": Fact("key", key, status, source, at),
            }
            yield CaseObject("name", f"{raw['id']}:{key}", str(text), status, source, at, facts)

    def links(self, raw: Mapping[str, Any], path: PathT) -> Iterator[CaseObject]:
        for field, spec in self.cat.links["event"].items():
            items = raw.get(field) or []
            for index, item in enumerate(items):
                here = (*path, field, index)
                status, source = raw["status"], raw["source"]
                value = item
                if isinstance(item, dict):
                    status, source = self.meta(item, here, status, source)
                    value = item.get("value")
                if self.ids.get(value) != spec.target:
                    self.ref_error(value, spec.target, here)
                    continue
                at = self.doc.where(here)
                rel = f"event.{field}"
                facts = {
                    "rel": Fact("rel", rel, status, source, at),
                    "from": Fact("from", raw["id"], status, source, at),
                    "to": Fact("to", value, status, source, at),
                }
                name = f"{self.names[raw['id']]} - {self.names[value]}"
                yield CaseObject("link", f"{raw['id']}.{field}.{value}", name, status, source,
                                 at, facts)

    # -- expectations ----------------------------------------------------------------------

    def expectations(self) -> Expectations | None:
        raw = self.data.get("expect")
        if raw is None:
            return None
        findings = []
        for index, item in enumerate(raw.get("findings", [])):
            deadlines = {}
            for key, value in item.get("deadlines", {}).items():
                where = ("expect", "findings", index, "deadlines", key)
                for end in _iso(value).split(".."):
                    if end not in ("", "unknown"):
                        self.day(end, where)
                deadlines[key] = _iso(value)
            findings.append(
                ExpectedFinding(
                    rule=item["rule"],
                    status=item["status"],
                    on=dict(item.get("on", {})),
                    deadlines=deadlines,
                    who_acts=tuple(item.get("who_acts", [])),
                    questions=tuple(item.get("questions", [])),
                    at=self.doc.where(("expect", "findings", index)),
                )
            )
        as_of = raw.get("as_of")
        return Expectations(
            findings=tuple(findings),
            absent=tuple(raw.get("absent", [])),
            not_assessed=tuple(raw.get("not_assessed", [])),
            exhaustive=bool(raw.get("exhaustive", False)),
            regimes=tuple(raw.get("regimes", [])),
            as_of=self.day(as_of, ("expect", "as_of")) if as_of is not None else None,
            at=self.doc.where(("expect",)),
        )


OBJECT_ORDER = {"party": 0, "asset": 1, "event": 2, "ownership": 3, "link": 4, "name": 5,
                "data": 6}
# Events in which the party that acts is also the one that receives, unless 'to' says otherwise.
_SELF_RECEIVED = {"unauthorised-access"}


def _value(node: Any) -> Any:
    return node.get("value") if isinstance(node, dict) else node


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _display_name(kind: str, raw: Mapping[str, Any]) -> str:
    if raw.get("name"):
        return str(raw["name"])
    kind_of = raw.get("type")
    if isinstance(kind_of, dict):
        kind_of = kind_of.get("value")
    label = str(kind_of).replace("-", " ") if kind_of else kind
    return f"the {label} {raw['id']}"


def _dates_as_text(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _dates_as_text(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_dates_as_text(item) for item in node]
    if isinstance(node, dt.date) and not isinstance(node, dt.datetime):
        return node.isoformat()
    return node


_META_KEYS = {"status", "source", "note", "currency", "year"}


def _written(node: Any) -> Any:
    """A partial value as the case file writes it, without the keys that say how certain it
    is or where it comes from."""
    if isinstance(node, dict):
        return {key: value for key, value in node.items() if key not in _META_KEYS}
    return node


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _mixed_list(
    path: str,
    parts: list[tuple[str, FactStatus]],
    source: str,
    at: Location,
    known_confirmed: bool,
) -> Fact:
    """A list fact built from parts of mixed status.

    The list is taken as complete (closed world): a party whose activities are listed has no
    others. In the confirmed world it holds the confirmed parts, and is unknown when no part of
    the activities is confirmed.
    """
    values = tuple(sorted({value for value, _ in parts}))
    confirmed = tuple(sorted({value for value, status in parts if status == "confirmed"}))
    if not any(status == "alleged" for _, status in parts):
        return Fact(path, values, "confirmed", source, at)
    return Fact(path, values, "alleged", source, at,
                confirmed_value=confirmed if known_confirmed else None)


def with_groups(case: Case, groups: Mapping[str, frozenset[str]]) -> Case:
    """The case with each country it knows only by a group (``{group: ...}``) resolved into
    the group's members, as the rule packs define them; a group the packs do not define is an
    error naming the fact's line."""
    errors: list[RexError] = []

    def resolve(obj: CaseObject) -> CaseObject:
        changed = {}
        for path, fact in obj.facts.items():
            value = fact.value
            if isinstance(value, Choice) and value.group is not None:
                members = groups.get(value.group)
                if members is None:
                    errors.append(CaseError(
                        f"no country group {value.group!r} in the rule packs", fact.at, path,
                        f"groups: {', '.join(sorted(groups)) or 'none'}"))
                    continue
                changed[path] = replace(fact, value=replace(value, members=members, group=None))
        if not changed:
            return obj
        facts = {**obj.facts, **changed}
        return replace(obj, facts=facts, acts=tuple(replace(a, facts={**a.facts, **changed})
                                                    for a in obj.acts))

    objects = tuple(resolve(obj) for obj in case.objects)
    raise_all(errors)
    return replace(case, objects=objects) if objects != case.objects else case


def describe_errors(errors: list[RexError]) -> list[str]:
    return [error.one_line() for error in errors]
