"""Facts as they arrive: partial dates, ranges, bounds and classes, with three-valued tests.

A case may know a fact only in part: "in January 2021", "from 2015 until 2021", "below 75%",
"UK turnover did not exceed GBP 70m", "a country in Country Group D:5". Each such value stands
for a set of values the fact may have:

* a ``Span`` is an interval of days (a month, a year, a range with either end open);
* ``Bounds`` is an interval of numbers whose ends may be open ("above 25") or closed ("at
  least 25"), or absent;
* a ``Choice`` is a set of texts (the countries of a group), or every text but some (a
  country other than the United States).

``test`` gives a test on such a value its three-valued answer: true when it holds for every
value in the set, false when it holds for none, unknown otherwise. An exact value is the set
of that value alone, so exact facts answer as before. Both matchers rest on these answers:
the plain-Python evaluator calls ``test``; the compiler emits the same arithmetic as
durable_rules tests on the ends of each interval (``engine.compiler``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

F, U, T = 0, 1, 2
"""Three-valued answers: false, unknown, true (Kleene logic: ``not`` is ``T - x``)."""

FIRST_DAY = dt.date.min
LAST_DAY = dt.date.max


@dataclass(frozen=True)
class Span:
    """The days a date may be: from ``lo`` to ``hi``, both included (``FIRST_DAY`` and
    ``LAST_DAY`` stand for an open end)."""

    lo: dt.date
    hi: dt.date
    written: str
    """The date as the case file states it (``2021-01``, ``2015 to 2021``)."""

    @property
    def exact(self) -> dt.date | None:
        return self.lo if self.lo == self.hi else None

    def __str__(self) -> str:
        return self.written


@dataclass(frozen=True)
class Bounds:
    """The numbers a value may be; an end is ``inf`` when open-ended."""

    lo: float
    lo_open: bool
    hi: float
    hi_open: bool
    written: str
    """The bound as the case file states it (``below 75``, ``at most 70000000``)."""

    @property
    def exact(self) -> float | None:
        return self.lo if self.lo == self.hi else None

    def __str__(self) -> str:
        return self.written


@dataclass(frozen=True)
class Choice:
    """The texts a value may be: one of ``members``, or, when ``excluded``, any text but
    them. ``name`` is the class the case names (``D:5``, ``not US``)."""

    members: frozenset[str]
    excluded: bool
    name: str
    group: str | None = None
    """A group of the rule packs still to be resolved into ``members`` (see
    ``engine.forms.read_country``)."""

    def __str__(self) -> str:
        return self.name


Partial = Span | Bounds | Choice


def day_span(value: dt.date, written: str | None = None) -> Span:
    return Span(value, value, written or value.isoformat())


def as_interval(value: object) -> tuple[float, bool, float, bool] | None:
    """An exact number or date, or a span or bound, as ``(lo, lo_open, hi, hi_open)`` with
    dates as day numbers; None for anything else."""
    if isinstance(value, Span):
        return (float(value.lo.toordinal()), False, float(value.hi.toordinal()), False)
    if isinstance(value, Bounds):
        return (value.lo, value.lo_open, value.hi, value.hi_open)
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        day = float(value.toordinal())
        return (day, False, day, False)
    if isinstance(value, (int, float)):
        return (float(value), False, float(value), False)
    return None


Interval = tuple[float, bool, float, bool]


def _lt(a: Interval, b: Interval) -> int:
    """Every a below every b: true; no a below any b: false."""
    alo, _, ahi, ahi_open = a
    blo, blo_open, bhi, _ = b
    if ahi < blo or (ahi == blo and (ahi_open or blo_open)):
        return T
    if alo >= bhi:
        return F
    return U


def _le(a: Interval, b: Interval) -> int:
    alo, alo_open, ahi, _ = a
    blo, _, bhi, bhi_open = b
    if ahi <= blo:
        return T
    if alo > bhi or (alo == bhi and (alo_open or bhi_open)):
        return F
    return U


def _eq(a: Interval, b: Interval) -> int:
    if a[0] == a[2] == b[0] == b[2]:
        return T
    if _lt(a, b) == T or _lt(b, a) == T:
        return F
    return U


def compare_intervals(op: str, a: Interval, b: Interval) -> int:
    if op == "lt":
        return _lt(a, b)
    if op == "le":
        return _le(a, b)
    if op == "gt":
        return _lt(b, a)
    if op == "ge":
        return _le(b, a)
    if op == "eq":
        return _eq(a, b)
    if op == "ne":
        return T - _eq(a, b)
    raise ValueError(f"no interval test {op!r}")


def _choice_eq(choice: Choice, value: str) -> int:
    if choice.excluded:
        return F if value in choice.members else U
    if value not in choice.members:
        return F
    return T if len(choice.members) == 1 else U


def _choice_in(choice: Choice, values: Iterable[str]) -> int:
    wanted = set(values)
    if choice.excluded:
        return F if wanted <= choice.members else U
    if choice.members <= wanted:
        return T
    return U if choice.members & wanted else F


def test(op: str, left: object, right: object) -> int:
    """The three-valued answer of ``left op right`` for a known (perhaps partial) ``left``
    and a value or another fact's value ``right``."""
    if isinstance(left, Choice) or isinstance(right, Choice):
        return _test_choice(op, left, right)
    if op in {"lt", "le", "gt", "ge", "eq", "ne"}:
        a, b = as_interval(left), as_interval(right)
        if a is not None and b is not None and (isinstance(left, (Span, Bounds))
                                                or isinstance(right, (Span, Bounds))):
            return compare_intervals(op, a, b)
    if op in {"in", "not_in"} and isinstance(left, (Span, Bounds)):
        assert isinstance(right, tuple)
        answers = [test("eq", left, item) for item in right]
        found = max(answers, default=F)
        return found if op == "in" else T - found
    return T if exact_test(op, left, right) else F


def _test_choice(op: str, left: object, right: object) -> int:
    if not isinstance(left, Choice):
        raise ValueError("a class of values can only be compared with values")
    if op == "eq":
        return _choice_eq(left, str(right))
    if op == "ne":
        return T - _choice_eq(left, str(right))
    if op == "in":
        return _choice_in(left, right)  # type: ignore[arg-type]
    if op == "not_in":
        return T - _choice_in(left, right)  # type: ignore[arg-type]
    raise ValueError(f"no test {op!r} on a class of values")


def exact_test(op: str, left: object, right: object) -> bool:
    """A test on exact values."""
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "lt":
        return bool(left < right)  # type: ignore[operator]
    if op == "le":
        return bool(left <= right)  # type: ignore[operator]
    if op == "gt":
        return bool(left > right)  # type: ignore[operator]
    if op == "ge":
        return bool(left >= right)  # type: ignore[operator]
    if op == "in":
        return left in right  # type: ignore[operator]
    if op == "not_in":
        return left not in right  # type: ignore[operator]
    if op == "contains":
        return right in left  # type: ignore[operator]
    if op == "not_contains":
        return right not in left  # type: ignore[operator]
    if op == "contains_any":
        return any(item in left for item in right)  # type: ignore[attr-defined, operator]
    if op == "contains_none":
        return not any(item in left for item in right)  # type: ignore[attr-defined, operator]
    raise ValueError(f"unknown test {op!r}")


def finite(value: float) -> bool:
    return not math.isinf(value)
