"""Rule bindings (``match``): what each binding is, and how it joins an earlier one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalogue import BASE_KINDS, FieldSpec
from ..rulemodel import DERIVED_FIELDS, MAX_BINDINGS, Binding, FactRef, Join, Leaf
from ..yamlio import Document, PathT
from .base import LoaderBase
from .text import a


class BindingsPart(LoaderBase):
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
                    self.error(doc, here, f"{other!r} is {a(other_binding.kind)}, but {kind}."
                               f"{this_field} names {a(want)}")
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
                self.error(doc, here, f"{target} names {a(spec_other.target or '')}, "
                           f"not {a(want)}")
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
