"""Dated parameters, shared blocks and versions: what a rule file writes once, spelled out.

A rule file may say once what several rules share (docs/rule-format.md, "Writing a change in
the law once"):

* ``parameters``: a figure with the dates each value applies, such as a turnover threshold
  raised on a given day. A rule reads it as ``{param: NAME}`` where a value goes, and as
  ``{param:NAME}`` inside text; it takes the value in force over the rule's (or version's)
  whole period, and a period that spans a change is an error naming the day of the change.
* ``blocks``: named pieces of rule (who acts, deadlines, amounts, a test) that a rule takes
  with ``{use: NAME}``; in a list, a block that is a list is spliced in; other keys beside
  ``use`` replace the block's keys of the same name.
* ``versions`` in a rule: the same provision as it stood over successive periods. Each version
  is the rule with the version's keys laid over it (mappings merged key by key, anything else
  replaced); it needs its own ``id`` and ``in_force``; the rule's ``id`` becomes the versions'
  ``series``.

Expansion runs on the YAML data before the rule schema is checked, so the loader, the compiler
and everything after see plain rules. Every value of the expanded file keeps the line and field
it was written at (``Document.origins``), so an error names the line in the file as written.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import RexError, RuleError
from ..yamlio import Document, PathT, field_name
from .text import listing, to_date

MAX_EXPANDED_NODES = 200_000
"""The most values a rule file may expand to: blocks that use blocks twice over would
otherwise grow without bound."""
_TEXT_PARAM = re.compile(r"\{param:([^{}]*)\}")


@dataclass(frozen=True)
class _Value:
    value: Any
    text: str
    start: dt.date | None
    end: dt.date | None
    at: PathT


class _Failed(Exception):
    """An expansion error, already recorded."""


def expand(doc: Document) -> tuple[Document, list[RexError]]:
    """``doc`` with its parameters, blocks and versions spelled out, and what was wrong. The
    data must have passed the ``rule-source`` schema."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
        return doc, []
    expander = _Expander(doc)
    rules = expander.rules(data.get("rules", []))
    out = {key: value for key, value in data.items() if key not in {"parameters", "blocks"}}
    origins: dict[PathT, PathT] = {(key,): (key,) for key in out}
    if "rules" in out:
        out["rules"] = rules
        origins.update(expander.origins)
    expanded = Document(doc.path, out, doc.marks, origins)
    return expanded, expander.errors


class _Expander:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[RexError] = []
        self.origins: dict[PathT, PathT] = {}
        self.nodes = 0
        self.blocks: dict[str, Any] = dict(doc.data.get("blocks") or {})
        self.parameters = {name: self._values(name, spec)
                           for name, spec in (doc.data.get("parameters") or {}).items()}

    def error(self, at: PathT, message: str, hint: str | None = None) -> None:
        self.errors.append(RuleError(message, self.doc.where(at), field_name(at), hint))

    # -- parameters ----------------------------------------------------------------------

    def _values(self, name: str, spec: dict[str, Any]) -> list[_Value]:
        values = []
        for index, raw in enumerate(spec["values"]):
            at: PathT = ("parameters", name, "values", index)
            value = raw["value"]
            values.append(_Value(value, str(raw.get("text", _shown(value))),
                                 to_date(raw.get("from")), to_date(raw.get("until")), at))
        for value in values:
            if value.start is not None and value.end is not None and value.start > value.end:
                self.error(value.at, f"this value of the parameter {name!r} applies from "
                           f"{value.start.isoformat()} until {value.end.isoformat()}, an "
                           "earlier day", "until is the last day the value applies")
        ordered = sorted(values, key=lambda v: v.start or dt.date.min)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.end is None or later.start is None or earlier.end >= later.start:
                self.error(later.at, f"the values of the parameter {name!r} overlap: this one "
                           f"applies while the one at line {self.doc.where(earlier.at).line} "
                           "does", "give each value a period: until one day, from the next")
        return ordered

    def _param(self, name: Any, at: PathT, period: tuple[dt.date | None, dt.date | None],
               rule: str) -> _Value:
        values = self.parameters.get(name) if isinstance(name, str) else None
        if values is None:
            self.error(at, f"no parameter {name!r} in this file",
                       f"parameters here: {listing(self.parameters) or 'none'}")
            raise _Failed
        start, end = period
        for value in values:
            if (value.start is None or (start is not None and value.start <= start)) and (
                    value.end is None or (end is not None and end <= value.end)):
                return value
        changes = [v.start.isoformat() for v in values if v.start is not None]
        shown = (f"from {start.isoformat() if start else 'the beginning'} "
                 f"until {end.isoformat() if end else 'further notice'}")
        self.error(at, f"the parameter {name!r} takes more than one value, or none, while "
                   f"{rule} is in force ({shown}); it changes on {listing(changes) or 'no day'}",
                   "give the rule versions whose periods each fall within one value's")
        raise _Failed

    # -- rules -------------------------------------------------------------------------------

    def rules(self, raw: Any) -> Any:
        if not isinstance(raw, list):
            return raw
        out: list[Any] = []
        for index, rule in enumerate(raw):
            here: PathT = ("rules", index)
            versions = rule.get("versions") if isinstance(rule, dict) else None
            if versions is None:
                self._rule(rule, here, here, ("rules", len(out)), out)
                continue
            base = {key: value for key, value in rule.items() if key != "versions"}
            for number, version in enumerate(versions):
                at: PathT = (*here, "versions", number)
                merged, sources = _overlay(base, here, version, at)
                merged.setdefault("series", rule.get("id"))
                sources.setdefault(("series",), (*here, "id"))
                self._rule(merged, here, at, ("rules", len(out)), out, sources)
        return out

    def _rule(self, rule: Any, here: PathT, at: PathT, new: PathT, out: list[Any],
              sources: dict[PathT, PathT] | None = None) -> None:
        """Spell out one rule (or version) as ``out``'s next item."""
        if not isinstance(rule, dict):
            out.append(rule)
            self.origins[new] = here
            return
        in_force = rule.get("in_force")
        for _ in range(len(self.blocks)):  # an in_force taken from a block
            if not (isinstance(in_force, dict) and isinstance(in_force.get("use"), str)
                    and isinstance(self.blocks.get(in_force["use"]), dict)):
                break
            extra = {key: value for key, value in in_force.items() if key != "use"}
            in_force = {**self.blocks[in_force["use"]], **extra}
        if not isinstance(in_force, dict):
            in_force = {}
        period = (to_date(in_force.get("from")), to_date(in_force.get("until")))
        name = f"the rule {rule.get('id')!r}" if at == here else f"the version {rule.get('id')!r}"
        staged: dict[PathT, PathT] = {}
        try:
            value = self._walk(rule, new, _resolver(sources or {}, here), (), period, name,
                               staged, ())
        except _Failed:
            return
        out.append(value)
        self.origins.update(staged)

    def _walk(self, value: Any, new: PathT, source_of: Callable[[PathT], PathT], rel: PathT,
              period: tuple[dt.date | None, dt.date | None], rule: str,
              staged: dict[PathT, PathT], using: tuple[str, ...]) -> Any:
        """``value`` (written at ``source_of(rel)``) with blocks and parameters put in, placed
        at ``new`` in the expanded file."""
        self.nodes += 1
        if self.nodes > MAX_EXPANDED_NODES:
            if self.nodes == MAX_EXPANDED_NODES + 1:
                self.error(source_of(rel), f"the blocks of this file expand to more than "
                           f"{MAX_EXPANDED_NODES:,} values", "use blocks that do not nest")
            raise _Failed
        source = source_of(rel)
        staged[new] = source
        if isinstance(value, dict):
            if set(value) == {"param"}:
                found = self._param(value["param"], (*source, "param"), period, rule)
                staged[new] = (*found.at, "value")
                return copy.deepcopy(found.value)
            if "use" in value:
                return self._use(value, new, source, period, rule, staged, using)
            return {key: self._walk(item, (*new, key), source_of, (*rel, key), period, rule,
                                    staged, using) for key, item in value.items()}
        if isinstance(value, list):
            out: list[Any] = []
            for index, item in enumerate(value):
                if isinstance(item, dict) and set(item) == {"use"}:
                    block = self._block(item["use"], (*source_of((*rel, index)), "use"), using)
                    if isinstance(block, list):
                        origin: PathT = ("blocks", item["use"])
                        for number, part in enumerate(block):
                            out.append(self._walk(part, (*new, len(out)),
                                                  _under(origin), (number,),
                                                  period, rule, staged, (*using, item["use"])))
                        continue
                out.append(self._walk(item, (*new, len(out)), source_of, (*rel, index), period,
                                      rule, staged, using))
            return out
        if isinstance(value, str) and "{param:" in value:
            return _TEXT_PARAM.sub(
                lambda m: self._param(m.group(1), source, period, rule).text, value)
        return value

    def _block(self, name: Any, at: PathT, using: tuple[str, ...]) -> Any:
        if not isinstance(name, str) or name not in self.blocks:
            self.error(at, f"no block {name!r} in this file",
                       f"blocks here: {listing(self.blocks) or 'none'}")
            raise _Failed
        if name in using:
            self.error(at, f"the block {name!r} uses itself "
                       f"({' -> '.join((*using[using.index(name):], name))})")
            raise _Failed
        return self.blocks[name]

    def _use(self, value: dict[str, Any], new: PathT, source: PathT,
             period: tuple[dt.date | None, dt.date | None], rule: str,
             staged: dict[PathT, PathT], using: tuple[str, ...]) -> Any:
        name = value["use"]
        block = self._block(name, (*source, "use"), using)
        origin: PathT = ("blocks", name)
        inner = (*using, name)
        if set(value) == {"use"}:
            return self._walk(block, new, _under(origin), (), period, rule, staged, inner)
        if not isinstance(block, dict):
            self.error((*source, "use"), f"the block {name!r} is not a mapping, so no keys can "
                       "be given beside 'use'")
            raise _Failed
        out = {}
        for key, item in {**block, **value}.items():
            if key == "use":
                continue
            if key in value:
                out[key] = self._walk(item, (*new, key), _under(source), (key,), period,
                                      rule, staged, using)
            else:
                out[key] = self._walk(item, (*new, key), _under(origin), (key,), period,
                                      rule, staged, inner)
        return out


def _overlay(base: dict[str, Any], base_at: PathT, top: dict[str, Any],
             top_at: PathT) -> tuple[dict[str, Any], dict[PathT, PathT]]:
    """``top`` laid over ``base``: mappings merged key by key, anything else replaced; with
    where each key of the result was written (relative path -> source path)."""
    out: dict[str, Any] = {}
    sources: dict[PathT, PathT] = {}

    def lay(low: Any, low_at: PathT, high: Any, high_at: PathT, rel: PathT) -> Any:
        if isinstance(low, dict) and isinstance(high, dict):
            merged = {}
            for key in {**low, **high}:
                if key in high and key in low:
                    merged[key] = lay(low[key], (*low_at, key), high[key], (*high_at, key),
                                      (*rel, key))
                elif key in high:
                    merged[key] = high[key]
                    here = (*rel, key)
                    sources[here] = (*high_at, key)
                else:
                    merged[key] = low[key]
                    here = (*rel, key)
                    sources[here] = (*low_at, key)
            sources.setdefault(rel, high_at)
            return merged
        sources[rel] = high_at
        return high

    for key in {**base, **top}:
        if key in top and key in base:
            out[key] = lay(base[key], (*base_at, key), top[key], (*top_at, key), (key,))
        elif key in top:
            out[key] = top[key]
            sources[(key,)] = (*top_at, key)
        else:
            out[key] = base[key]
            sources[(key,)] = (*base_at, key)
    sources[()] = top_at
    return out, sources


def _resolver(sources: dict[PathT, PathT], default: PathT) -> Callable[[PathT], PathT]:
    """Where a value of an overlaid rule was written, from where its nearest ancestor was."""
    def source_of(rel: PathT) -> PathT:
        for cut in range(len(rel), -1, -1):
            hit = sources.get(rel[:cut])
            if hit is not None:
                return (*hit, *rel[cut:])
        return (*default, *rel)
    return source_of


def _under(origin: PathT) -> Callable[[PathT], PathT]:
    """Where a value inside what was written at ``origin`` was written."""
    def source_of(rel: PathT) -> PathT:
        return (*origin, *rel)
    return source_of


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
