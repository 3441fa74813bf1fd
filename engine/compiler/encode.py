"""Cases -> the facts the compiled rulesets read: one fact per object and world, numbers and
dates in the forms durable_rules' C parser reads exactly (docs/durable-rules.md, 14, 15, 22, 23).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from ..catalogue import catalogue
from ..errors import EngineError
from ..model import Case, CaseObject
from ..rulemodel import Binding

SID = "0"
MAX_SAFE_INT = 2**53
MAX_FACT_PROPERTIES = 255
"""durable_rules rejects a fact with more properties (state.h, MAX_OBJECT_PROPERTIES)."""
RESERVED = {"sid", "id", "ft", "w", "k"}
EMPTY_LIST_MARK = ""
"""Stands for an empty list in a fact (no list item a case can state is empty text)."""


@functools.cache
@functools.cache
def fkey(path: str) -> str:
    """The durable_rules property of a fact path (``dates.completed`` -> ``dates__completed``)."""
    if path == "id":
        return "k"
    return path.replace(".", "__").replace("-", "_")


def kind_tag(binding: Binding) -> str:
    return "d:" + binding.kind if binding.derived else binding.kind


def encode_number(value: float | int, scale: float = 1.0) -> int | float:
    """A number in a form durable_rules' C parser reads exactly.

    Its parser drops exponents without a fraction (``1e+26``) and reads integers with
    ``atoll``; so integers must stay within 2**53 and floats must print with a decimal point.
    """
    if isinstance(value, bool):
        raise EngineError(f"a boolean {value!r} was given where a number is expected")
    number: int | float = value / scale if scale != 1.0 else value
    if isinstance(number, float) and number.is_integer() and abs(number) < MAX_SAFE_INT:
        number = int(number)
    if isinstance(number, int):
        if abs(number) >= MAX_SAFE_INT:
            raise EngineError(f"the number {value} is too large for the rule engine")
        return number
    text = repr(number)
    if "e" in text or "E" in text or "." not in text:
        raise EngineError(f"the number {value} cannot be passed to the rule engine exactly")
    return number


def encode_value(value: Any, fact_type: str, scale: float = 1.0) -> Any:
    if fact_type == "date":
        if not isinstance(value, dt.date):
            raise EngineError(f"expected a date, got {value!r}")
        return value.toordinal()
    if fact_type == "number":
        return encode_number(value, scale)
    if fact_type == "list":
        # durable_rules' $iall is false on an empty list; a marker no rule value can equal
        # keeps "contains none of" true for a known empty list.
        return list(value) or [EMPTY_LIST_MARK]
    return value


# -- facts -----------------------------------------------------------------------------------


def object_facts(obj: CaseObject) -> list[dict[str, Any]]:
    """The facts of one case object, one per world it exists in."""
    specs = catalogue().fields[obj.kind]
    out = []
    for world in ("c", "a"):
        if not obj.exists_in(world):
            continue
        fact: dict[str, Any] = {
            "sid": SID, "id": f"{world}:{obj.kind}:{obj.id}", "ft": obj.kind, "w": world,
            "k": obj.id,
        }
        for path, known in obj.facts.items():
            value = known.value if world == "a" or known.status == "confirmed" \
                else known.confirmed_value
            if value is None:
                continue
            spec = specs[path]
            kind = spec.type
            if kind in {"string", "ref", "bool"}:
                fact[fkey(path)] = value
            else:
                fact[fkey(path)] = encode_value(value, kind, spec.scale)
        if len(fact) > MAX_FACT_PROPERTIES:
            raise EngineError(
                f"{obj.kind} {obj.id!r} has {len(fact)} facts; the rule engine takes at most "
                f"{MAX_FACT_PROPERTIES} per object"
            )
        out.append(fact)
    return out


def encode_case(case: Case) -> list[dict[str, Any]]:
    """Every fact of a case, in a stable order."""
    facts: list[dict[str, Any]] = []
    for obj in case.objects:
        facts.extend(object_facts(obj))
    return facts


def derived_fact(name: str, world: str, of: str, to: str | None) -> dict[str, Any]:
    key = f"{name}({of}" + (f",{to})" if to is not None else ")")
    fact: dict[str, Any] = {"sid": SID, "id": f"{world}:d:{key}", "ft": "d:" + name,
                            "w": world, "k": key, "of": of}
    if to is not None:
        fact["to"] = to
    return fact
