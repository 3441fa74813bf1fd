"""Small helpers the rule loader shares: articles, dates, listings, suggestions."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..catalogue import Catalogue
from ..rulemodel import Binding


def binding_kinds(raw: Mapping[str, Any], cat: Catalogue) -> dict[str, str]:
    kinds = {}
    for name, spec in raw.items():
        kinds[name] = spec if isinstance(spec, str) else next(iter(spec))
    return kinds


def ref_kind(text: str, kinds: Mapping[str, str], cat: Catalogue) -> str | None:
    name, _, path = text.partition(".")
    kind = kinds.get(name)
    if kind is None or not path:
        return kind
    spec = cat.field(kind, path)
    return spec.target if spec else None


def a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def listing(values: Iterable[str], limit: int = 12) -> str:
    items = list(values)
    text = ", ".join(items[:limit])
    return text + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def kinds(names: Mapping[str, Binding], kind: str) -> str:
    return ", ".join(b.name for b in names.values() if b.kind == kind and not b.hidden) or "none"


def suggest(wrong: str, known: list[str]) -> str:
    close = difflib.get_close_matches(wrong, known, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(close)}?"
    return f"facts of this kind: {listing(known)}"
