"""The field reference (``rex fields``): what a case can state, from the case schema."""

from __future__ import annotations

from typing import Any

from ..readers import Readers
from ..schema import load_schema

_META = {"status", "source", "note"}
_KINDS = (("party", "Parties"), ("asset", "Assets"), ("event", "Events"))


def rows(kind: str) -> list[tuple[str, str, str]]:
    """(field, value, question) for each field of a kind, in schema order."""
    defs = load_schema("case")["$defs"]
    out: list[tuple[str, str, str]] = []
    _rows(defs, defs[kind], "", out)
    return out


def _rows(defs: dict[str, Any], node: dict[str, Any], prefix: str,
          out: list[tuple[str, str, str]]) -> None:
    for name, prop in node["properties"].items():
        if name in _META:
            continue
        if prop.get("type") == "object" and "properties" in prop:
            _rows(defs, prop, f"{prefix}{name}.", out)
            continue
        text = prop.get("x-question") or prop.get("description", "")
        out.append((f"{prefix}{name}", _value(defs, prop), str(text)))


def _value(defs: dict[str, Any], prop: dict[str, Any]) -> str:
    ref = str(prop.get("$ref", "")).rsplit("/", 1)[-1]
    plain = {
        "text-fact": "text", "bool-fact": "true or false", "country-fact": "country code",
        "countries-fact": "list of country codes", "date-fact": "date",
        "pct-fact": "percentage (0 to 100)", "quantity-fact": "number",
        "compute-fact": "operations (up to 1e30)", "party-ref-fact": "party id",
        "event-ref-fact": "event id", "asset-ref-fact": "asset id", "eccn-fact": "ECCN",
        "money": "money: amount, currency, year", "text": "text", "id": "id",
    }
    if ref in plain:
        return plain[ref]
    if ref in defs and "else" in defs[ref]:
        scalar = defs[ref]["else"]
        if "enum" in scalar:
            return "one of: " + ", ".join(scalar["enum"])
        items = scalar.get("items", {})
        if "enum" in items:
            return "list of: " + ", ".join(items["enum"])
    kind = prop.get("type")
    if kind == "array":
        return "list"
    if kind == "object":
        return "mapping"
    return str(kind or ref or "value")


def markdown() -> str:
    parts = []
    for kind, heading in _KINDS:
        lines = [f"### {heading}", "", "| field | value | question rex asks when it is unknown |",
                 "|---|---|---|"]
        lines += [f"| `{f}` | {v} | {q} |" for f, v, q in rows(kind)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def text() -> str:
    lines = []
    for kind, heading in _KINDS:
        lines.append(heading)
        for field, value, question in rows(kind):
            lines.append(f"  {field}: {value}")
            if question:
                lines.append(f"      {question}")
    return "\n".join(lines) + "\n"


def event_types_markdown(readers: Readers) -> str:
    """For each event type, the regimes whose rules read it: the table in the case format."""
    lines = ["| event type | regimes whose rules read it |", "|---|---|"]
    for event_type, regimes in readers.regimes.items():
        lines.append(f"| `{event_type}` | {', '.join(regimes) or 'none'} |")
    return "\n".join(lines) + "\n"


def event_types_text(readers: Readers) -> str:
    width = max(len(t) for t in readers.regimes) + 2
    return "".join(f"{t:<{width}}{', '.join(r) or 'none'}\n" for t, r in readers.regimes.items())
