"""Words in findings: the names bound objects go by, templates filled, values printed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from ..matchers.oracle import Unbound, Value, ident
from ..model import CaseObject
from ..rulemodel import Rule
from ..values import Bounds, Choice, Span

TEMPLATE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def names_of(rule: Rule, assignment: Mapping[str, Value]) -> dict[str, str]:
    names = {"name": "{name}"}
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, CaseObject):
            names[binding.name] = f'"{value.name}"' if value.kind == "event" else value.name
        elif isinstance(value, Unbound):
            names[binding.name] = f"the {binding.name.replace('_', ' ')} (not identified)"
        else:
            names[binding.name] = ident(value)
    return names


def fill(text: str, names: Mapping[str, str]) -> str:
    return " ".join(TEMPLATE.sub(lambda m: names.get(m.group(1), m.group(0)), text).split())


def fact_path(obj: Value, path: str) -> str:
    return f"{ident(obj)}.{path}"


def plain(value: object) -> object:
    """A fact value as JSON data: dates as ISO text, partial values as the case writes them
    in words (``below 75``, ``2021-01``, ``2015 to 2021``)."""
    if isinstance(value, (Span, Bounds, Choice)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def said(value: object) -> str:
    """A fact's value as a reader writes it: yes and no, lists comma-separated (none if
    empty), anything else as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
