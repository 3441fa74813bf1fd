"""Rule conditions (``when``): tests checked against the type and values of each fact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rulemodel import AllOf, AnyOf, Binding, Cond, FactRef, Leaf, NotOf, show_value
from ..yamlio import Document, PathT
from .base import LoaderBase
from .text import listing, to_date

OPS_FOR_TYPE = {
    "string": {"eq", "ne", "in", "not_in", "exists"},
    "ref": {"eq", "ne", "in", "not_in", "exists"},
    "bool": {"eq", "ne", "exists"},
    "number": {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists"},
    "date": {"eq", "ne", "lt", "le", "gt", "ge", "exists"},
    "list": {"contains", "not_contains", "contains_any", "contains_none", "exists"},
}


class ConditionsPart(LoaderBase):
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
            for written, given in list(ops.items()):
                op, value = written, given
                if written in {"in_group", "not_in_group"}:
                    group = self.groups.get(str(given))
                    if group is None:
                        self.error(doc, (*here, written), f"no country group {given!r}",
                                   f"groups: {', '.join(sorted(self.groups)) or 'none'}")
                        continue
                    op = "in" if written == "in_group" else "not_in"
                    value = sorted(group.members)
                leaf = self.leaf(doc, ref, op, value, (*here, written) if isinstance(test, dict)
                                 else here, fact_type, scale, values, names)
                if leaf is not None:
                    leaves.append(leaf)
        return leaves[0] if len(leaves) == 1 else AllOf(tuple(leaves))

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
        if op not in OPS_FOR_TYPE[fact_type]:
            allowed = ", ".join(sorted(OPS_FOR_TYPE[fact_type]))
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
            if other_type != fact_type or fact_type in {"list", "number"}:
                self.error(doc, path, f"cannot compare {ref} (a {fact_type} fact) with {other} "
                           f"(a {other_type} fact)", "a test may compare two dates, references, "
                           "texts or true/false facts; compare numbers with values")
                return None
            if other.binding == ref.binding:
                self.error(doc, path, "compare two facts of different bindings; both facts "
                           f"here belong to {ref.binding!r}")
                return None
            return Leaf(ref.binding, ref.path, op, other, at, fact_type, scale)
        binding = names[ref.binding]
        spec = None if binding.derived else self.cat.field(binding.kind, ref.path)
        classes = spec is not None and spec.classes
        items = value if isinstance(value, list) else [value]
        converted = []
        for item in items:
            checked = self.literal(doc, path, ref, fact_type, values, item)
            if checked is None:
                return None
            converted.append(checked)
        if op in {"in", "not_in", "contains_any", "contains_none"}:
            return Leaf(ref.binding, ref.path, op, tuple(converted), at, fact_type, scale, classes)
        return Leaf(ref.binding, ref.path, op, converted[0], at, fact_type, scale, classes)

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
            day = to_date(item)
            if day is None:
                self.error(doc, path, f"{ref} is a date; write YYYY-MM-DD, not {show_value(item)}")
            return day
        if not isinstance(item, str) or not item:
            self.error(doc, path, f"{ref} takes non-empty text values, not {show_value(item)!r}")
            return None
        if values is not None and item not in values:
            self.error(doc, path, f"{item!r} is not a value {ref} can take",
                       f"allowed: {listing(values)}")
            return None
        return item
