"""What a rule produces: its finding (who acts, deadlines, amounts) and the fact it derives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..rulemodel import (
    AmountSpec,
    Binding,
    DateExpr,
    DeadlineSpec,
    DeriveSpec,
    FactRef,
    FindingSpec,
    Term,
    WhoSpec,
)
from ..yamlio import Document, PathT
from .base import LoaderBase
from .text import kinds, to_date

_TEMPLATE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class OutputsPart(LoaderBase):
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
                               f"party bindings: {kinds(names, 'party')}")
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
            spec = self.deadline(doc, item, here, names)
            if spec is not None:
                deadlines.append(spec)
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
        headlines = dict(raw.get("headlines", {}))
        for status, text in headlines.items():
            self.templates(doc, text, (*path, "headlines", status), names)
        return FindingSpec(raw["title"], " ".join(raw.get("summary", "").split()), tuple(who),
                           tuple(deadlines), tuple(amounts), headlines)

    def deadline(self, doc: Document, item: Mapping[str, Any], here: PathT,
                 names: Mapping[str, Binding]) -> DeadlineSpec | None:
        start = self.date_expr(doc, item["from"], (*here, "from"), names)
        add = item.get("add", {})
        unit, amount = next(iter(add.items())) if add else (None, 0)
        calendar = item.get("calendar")
        if unit == "working_days" and calendar is None:
            self.error(doc, here, "a period in working days needs a calendar",
                       "calendar: england-and-wales, united-kingdom or united-states")
        beginning_with = item.get("counting") == "beginning-with"
        if beginning_with and unit in (None, "hours"):
            self.error(doc, (*here, "counting"),
                       "a period beginning with the start day needs days, weeks, months, "
                       "years or working days")
        ended_by = []
        for number, text in enumerate(item.get("ended_by", [])):
            ref = self.fact_ref(doc, text, (*here, "ended_by", number), names)
            if ref is not None and self.type_of(ref, names) != "date":
                self.error(doc, (*here, "ended_by", number), f"{ref} is not a date")
            elif ref is not None:
                ended_by.append(ref)
        if start is not None:
            return DeadlineSpec(item["id"], item["what"], start, unit, amount, calendar,
                                item.get("basis", ""), beginning_with, tuple(ended_by))
        return None

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
        day = to_date(raw)
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
