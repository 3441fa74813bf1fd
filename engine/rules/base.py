"""The rule loader's shared state: the catalogue, the errors found so far, derived facts'
signatures, and the fact references every part of a rule uses."""

from __future__ import annotations

from collections.abc import Mapping

from ..catalogue import Catalogue
from ..errors import RexError, RuleError
from ..rulemodel import DERIVED_FIELDS, Binding, Commencement, CountryGroup, FactRef
from ..yamlio import Document, PathT
from .text import suggest


class LoaderBase:
    """What every part of the loader reads and writes."""

    def __init__(self, cat: Catalogue, docs: list[Document]) -> None:
        self.cat = cat
        self.docs = docs
        self.errors: list[RexError] = []
        self.signatures: dict[str, dict[str, str | None]] = {}
        self.commencements: dict[str, Commencement] = {}
        self.groups: dict[str, CountryGroup] = {}

    def error(self, doc: Document, path: PathT, message: str, hint: str | None = None) -> None:
        self.errors.append(RuleError(message, doc.where(path), doc.field(path), hint))

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
                       suggest(fact_path, self.cat.paths(binding.kind)))
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
