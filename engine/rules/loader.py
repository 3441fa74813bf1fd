"""The rule loader: every rule of the checked rule files as a ``Rule``, with every problem found
(unknown facts, tests that do not fit a fact's type, values a fact cannot take, bindings that
join nothing) reported with its file, line and field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..catalogue import BASE_KINDS
from ..errors import Location
from ..rulemodel import TRUE, Binding, Commencement, CountryGroup, FactRef, Rule
from ..yamlio import Document, PathT
from .bindings import BindingsPart
from .conditions import ConditionsPart
from .outputs import OutputsPart
from .tables import TablesPart
from .text import binding_kinds, ref_kind, to_date


class Loader(BindingsPart, ConditionsPart, OutputsPart, TablesPart):
    """Reads the rules of schema-checked rule documents."""

    def load(self) -> list[Rule]:
        self.collect_commencements()
        self.collect_groups()
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

    def collect_groups(self) -> None:
        """Groups of countries named in law, for in_group tests and class-valued facts."""
        for doc in self.docs:
            for index, raw in enumerate(doc.data.get("groups", [])):
                here: PathT = ("groups", index, "id")
                if raw["id"] in self.groups:
                    self.error(doc, here, f"the country group {raw['id']!r} is defined twice")
                    continue
                self.groups[raw["id"]] = CountryGroup(raw["id"], raw["title"],
                                                      frozenset(raw["members"]),
                                                      raw["source"]["url"], doc.where(here))

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
                    ident, to_date(raw["date"]), " ".join(raw["note"].split()), doc.where(here))

    def collect_signatures(self) -> None:
        """What each derived fact is about (the kinds of its 'of' and 'to')."""
        for doc in self.docs:
            for index, raw in enumerate(doc.data.get("rules", [])):
                derive = raw.get("derive")
                if not derive:
                    continue
                kinds = binding_kinds(raw.get("match", {}), self.cat)
                signature = {
                    "of": ref_kind(derive["of"], kinds, self.cat),
                    "to": ref_kind(derive["to"], kinds, self.cat) if "to" in derive else None,
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
        engage = (self.condition(doc, raw["engage"]["when"], (*path, "engage", "when"), names)
                  if "engage" in raw else None)
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
            engage=engage,
            engage_if=" ".join(raw["engage"]["if"].split()) if "engage" in raw else "",
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
            start = to_date(raw.get("from"))
        until = to_date(raw.get("until"))
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



