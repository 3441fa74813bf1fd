"""Cases -> the facts the compiled rulesets read: one fact per object and world it reads the
same in, numbers and dates as the two ends of the interval the case allows, in the forms
durable_rules' C parser reads exactly (docs/durable-rules.md, 14, 15, 22, 23).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import values
from ..catalogue import FieldSpec, catalogue
from ..errors import EngineError
from ..model import Case, CaseObject
from ..rulemodel import Binding
from ..values import Bounds, Choice, Span, T, U

SID = "0"
MAX_SAFE_INT = 2**53
MAX_FACT_PROPERTIES = 255
"""durable_rules rejects a fact with more properties (state.h, MAX_OBJECT_PROPERTIES)."""
RESERVED = {"sid", "id", "ft", "k", "wc", "wa", "wp"}
EMPTY_LIST_MARK = ""
"""Stands for an empty list in a fact (no list item a case can state is empty text)."""


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

WORLDS = ("c", "a", "p")
"""The worlds a fact is in: the confirmed facts (c), the confirmed and alleged (a), and what
is possible (p, the alleged world plus the acts of a course of conduct whose dates are
unknown). A fact carries a flag ``wc``, ``wa`` or ``wp`` for each; a pattern of a rule's
variant tests its own flag."""
CHOICE_MARK = "\u0001class"
"""Stands for a value the case knows only by its class (see ``Encoding``)."""


@dataclass(frozen=True)
class Encoding:
    """What encoding a case needs to know of the compiled rules.

    ``constants``: for each number fact (``kind.path``), the numbers the rules compare it with,
    scaled. A bound with an open end (above 25) is encoded as a closed one just inside it, at a
    number strictly between the bound and the next constant the rules test: every test of the
    fact against a constant then answers as it would on the open bound.

    ``class_tests``: for each fact that may be a class of values (a country of Country Group
    D:5), the rules' tests on it, each with a key. A class value is encoded as a mark, with the
    keys of the tests it passes for every value of the class (``__t``) and those it may pass
    (``__u``); the compiled tests read those keys as well as the exact value."""

    constants: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    class_tests: Mapping[str, tuple[tuple[str, str, Any], ...]] = field(default_factory=dict)


NO_RULES = Encoding()


def test_key(op: str, value: Any) -> str:
    """The key of a test on a class-valued fact, as the compiled rule and the fact spell it."""
    items = value if isinstance(value, tuple) else (value,)
    return f"{op}:{','.join(str(item) for item in items)}"


def _nudged(value: float, up: bool, constants: tuple[float, ...]) -> float:
    """A number strictly between ``value`` and the next constant above it (below it when not
    ``up``), none of the constants."""
    if up:
        later = [c for c in constants if c > value]
        point = (value + later[0]) / 2 if later else value + 1
    else:
        earlier = [c for c in constants if c < value]
        point = (value + earlier[-1]) / 2 if earlier else value - 1
    return float(point)


def _ends(value: Any, spec: FieldSpec, constants: tuple[float, ...]) -> tuple[Any, Any]:
    """The two ends of a number or date as the rule engine reads them."""
    if isinstance(value, Span):
        return value.lo.toordinal(), value.hi.toordinal()
    if isinstance(value, dt.date):
        day = value.toordinal()
        return day, day
    if isinstance(value, Bounds):
        scale = spec.scale
        lo, hi = value.lo / scale, value.hi / scale
        if value.lo_open:
            lo = _nudged(lo, True, constants)
        if value.hi_open:
            hi = _nudged(hi, False, constants)
        return _bounded(lo), _bounded(hi)
    number = _bounded(value / spec.scale if spec.scale != 1.0 else value)
    return number, number


def _bounded(value: float) -> int | float:
    """A number of a case as the rule engine reads it. Beyond what it reads exactly (2**53,
    infinity for an open end) it is the largest number it does read exactly: every rule
    constant is smaller, so every test answers as it would on the number itself."""
    if math.isinf(value) or abs(value) >= MAX_SAFE_INT - 1:
        return (MAX_SAFE_INT - 1) if value > 0 else -(MAX_SAFE_INT - 1)
    return encode_number(value)


def _properties(obj: CaseObject, world: str, encoding: Encoding) -> dict[str, Any]:
    specs = catalogue().fields[obj.kind]
    props: dict[str, Any] = {}
    for path, known in obj.facts.items():
        value = known.value if world != "c" or known.status == "confirmed" \
            else known.confirmed_value
        if value is None:
            continue
        spec = specs[path]
        key = fkey(path)
        if spec.type in {"number", "date"}:
            constants = encoding.constants.get(f"{obj.kind}.{path}", ())
            props[key + "__lo"], props[key + "__hi"] = _ends(value, spec, constants)
        elif isinstance(value, Choice):
            props[key] = CHOICE_MARK
            tests = encoding.class_tests.get(f"{obj.kind}.{path}", ())
            answers = [(test_key(op, literal), values.test(op, value, literal))
                       for _, op, literal in tests]
            props[key + "__t"] = [k for k, answer in answers if answer == T] or [EMPTY_LIST_MARK]
            props[key + "__u"] = [k for k, answer in answers if answer == U] or [EMPTY_LIST_MARK]
        elif spec.type == "list":
            props[key] = encode_value(value, "list")
        else:
            props[key] = value
    return props


def object_facts(obj: CaseObject, encoding: Encoding = NO_RULES,
                 alleged: bool = True) -> list[dict[str, Any]]:
    """The facts of one case object: one fact for the worlds in which it reads the same, and
    one for each world in which it reads otherwise. Without ``alleged`` (a case with nothing
    alleged, whose alleged world is its confirmed world), no fact is put in world a."""
    out = []
    for act in obj.acts or (obj,):
        suffix = f"@{act.act}" if act.act else ""
        versions: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        confirmed = _properties(act, "c", encoding) if act.exists_in("c") else None
        # With every fact confirmed the alleged world reads the same: encode it once.
        wider = confirmed if confirmed is not None and all(
            fact.status == "confirmed" for fact in act.facts.values()) \
            else _properties(act, "a", encoding)
        rest = ("a", "p") if alleged else ("p",)
        if act.possible_only:
            versions.append((("p",), wider))
        elif confirmed is not None and confirmed == wider:
            versions.append((("c", *rest), wider))
        else:
            if confirmed is not None:
                versions.append((("c",), confirmed))
            versions.append((rest, wider))
        for worlds, props in versions:
            fact: dict[str, Any] = {"sid": SID, "id": f"{''.join(worlds)}:{obj.kind}:{obj.id}"
                                    f"{suffix}", "ft": obj.kind, "k": obj.id}
            fact.update((f"w{world}", 1) for world in worlds)
            fact.update(props)
            if len(fact) > MAX_FACT_PROPERTIES:
                raise EngineError(
                    f"{obj.kind} {obj.id!r} has {len(fact)} facts; the rule engine takes at "
                    f"most {MAX_FACT_PROPERTIES} per object")
            out.append(fact)
    return out


def has_alleged(case: Case) -> bool:
    """Whether anything in the case is alleged (otherwise its alleged world is its confirmed
    world, and nothing needs to be asserted there)."""
    return any(obj.status == "alleged" or any(f.status == "alleged" for f in obj.facts.values())
               for obj in case.objects)


def encode_case(case: Case, encoding: Encoding = NO_RULES) -> list[dict[str, Any]]:
    """Every fact of a case, in a stable order. Without the program's ``encoding``, a bound
    with an open end is read as closed just inside it, which is exact only when no rule tests
    a number within 1 of it: pass the program's encoding."""
    alleged = has_alleged(case)
    facts: list[dict[str, Any]] = []
    for obj in case.objects:
        facts.extend(object_facts(obj, encoding, alleged))
    return facts


def derived_fact(name: str, world: str, of: str, to: str | None) -> dict[str, Any]:
    key = f"{name}({of}" + (f",{to})" if to is not None else ")")
    fact: dict[str, Any] = {"sid": SID, "id": f"{world}:d:{key}", "ft": "d:" + name,
                            f"w{world}": 1, "k": key, "of": of}
    if to is not None:
        fact["to"] = to
    return fact
