"""Reference tables in rule files: rows of official lists, matched to case parties by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalogue import name_key
from ..model import CaseObject, Fact
from ..yamlio import Document, PathT
from .base import LoaderBase
from .text import to_date


class TablesPart(LoaderBase):
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
                if "confirmed_by" in table:
                    spec = self.cat.field("party", table["confirmed_by"])
                    if spec is None or spec.type != "bool":
                        self.error(doc, (*here, "confirmed_by"),
                                   f"{table['confirmed_by']!r} is not a yes-or-no party fact",
                                   "name the party fact that says whether a party is the one "
                                   "an entry lists, such as listings.us-entity-list.listed")
                        continue
                named: dict[str, CaseObject] = {}
                for number, row in enumerate(table["rows"]):
                    for obj in table_row(doc, table, row, (*here, "rows", number)):
                        first = named.setdefault(obj.id, obj)
                        if first is not obj:
                            self.error(doc, (*here, "rows", number, "entry"),
                                       f"the name {obj.name!r} (or an alias) matches the row "
                                       f"{first.name!r} at line {first.at.line} of the same table",
                                       "give each row its own names; one row per party")
                            continue
                        rows.append(obj)
        return rows


def table_row(doc: Document, table: Mapping[str, Any], row: Mapping[str, Any],
               path: PathT) -> list[CaseObject]:
    at = doc.where(path)
    source = (row.get("source") or table["source"])["url"]
    values: dict[str, Any] = {"table": table["id"], "entry": row["entry"]}
    for name in ("since", "until"):
        if name in row:
            values[name] = to_date(row[name])
    for name in ("country", "activity", "scope"):
        if name in row:
            values[name] = str(row[name])
    words = {"table_title": str(table["title"])}
    if "confirmed_by" in table:
        words["confirmed_by"] = str(table["confirmed_by"])
    keys: dict[str, str] = {}
    for text in [row["entry"], *row.get("aliases", [])]:
        key = name_key(str(text))
        if key and key not in keys:
            keys[key] = str(text)
    objects = []
    for key, text in keys.items():
        facts = {name: Fact(name, value, "confirmed", source, at)
                 for name, value in {**values, "key": key}.items()}
        objects.append(CaseObject("data", f"{table['id']}:{key}", str(row["entry"]),
                                  "confirmed", source, at, facts, {**words, "listed_as": text}))
    return objects
