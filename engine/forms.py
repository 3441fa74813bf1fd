"""The forms a fact may take in a case file, read into values (``engine.values``).

A date is a day, a month, a year, or a range of them; a number is exact or bounded; a country
is named or known only by its class. Each reader returns the value, or raises ``FormError``
with a message that names the allowed forms, so that the case loader can report it with the
file, line and field. The schema has checked the shapes already; what is checked here is
what a schema cannot say: that a day exists, that a range does not end before it starts, that
bounds leave some value possible.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from .values import FIRST_DAY, LAST_DAY, Bounds, Choice, Span

DATE_FORMS = ("a day (YYYY-MM-DD), a month (YYYY-MM), a year (YYYY) or a range "
              "{from: DATE, to: DATE}")
NUMBER_FORMS = ("a number, or {at_least: N}, {above: N}, {at_most: N}, {below: N} (a lower and "
                "an upper bound may be combined), or {between: [N, M]}")
COUNTRY_FORMS = ("a country code, or {one_of: [CODES]}, {group: GROUP}, {not: [CODES]} or "
                 "{not_group: GROUP}")
BOUND_KEYS = ("at_least", "above", "at_most", "below", "between")
RANGE_KEYS = ("from", "to")
CLASS_KEYS = ("one_of", "group", "not", "not_group")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_YEAR = re.compile(r"[0-9]{4}\Z")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class FormError(ValueError):
    """A value the schema let through but that is not a date, number or country rex can read."""

    def __init__(self, message: str, hint: str, step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.step = step
        """The key inside the value's mapping that is at fault (``to``, ``between``)."""


def forms_of(spec: Any) -> str:
    """The forms a fact of this catalogue type may take, in words."""
    if spec.type == "date":
        return DATE_FORMS
    if spec.type == "number":
        return NUMBER_FORMS
    if getattr(spec, "classes", False):
        return COUNTRY_FORMS
    return "the value itself"


def is_partial(node: Any) -> bool:
    """Whether ``node`` is written as a range, a bound or a class (not the long form)."""
    return isinstance(node, Mapping) and "value" not in node and any(
        key in node for key in (*BOUND_KEYS, *RANGE_KEYS, *CLASS_KEYS))


# -- dates -----------------------------------------------------------------------------------


def read_date(node: Any) -> dt.date | Span:
    """A day as a ``date``; a month, a year or a range as a ``Span``."""
    if isinstance(node, Mapping):
        return _range(node)
    lo, hi, written = _partial_day(node)
    if lo == hi:
        return lo
    return Span(lo, hi, written)


def day_time(node: Any) -> dt.datetime | None:
    """The time of day a date was given with, if any."""
    return node if isinstance(node, dt.datetime) else None


def _partial_day(node: Any, step: str | None = None) -> tuple[dt.date, dt.date, str]:
    if isinstance(node, dt.datetime):
        return node.date(), node.date(), node.date().isoformat()
    if isinstance(node, dt.date):
        return node, node, node.isoformat()
    if isinstance(node, bool) or not isinstance(node, (str, int)):
        raise FormError(f"{node!r} is not a date", f"write {DATE_FORMS}", step)
    text = str(node).strip() if isinstance(node, str) else f"{node:04d}"
    if isinstance(node, str) and text != node:
        raise FormError(f"{node!r} is not a date: it has spaces or line breaks around it",
                        f"write {DATE_FORMS}", step)
    if isinstance(node, int) or _YEAR.match(text):
        year = int(text)
        if not 1 <= year <= 9999:
            raise FormError(f"{text} is not a year rex can read", "years run from 0001 to 9999",
                            step)
        return dt.date(year, 1, 1), dt.date(year, 12, 31), text
    month = _MONTH.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12 or year < 1:
            raise FormError(f"{text} is not a month", "write YYYY-MM with a month from 01 to 12",
                            step)
        last = calendar.monthrange(year, number)[1]
        return dt.date(year, number, 1), dt.date(year, number, last), text
    if _DAY.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise FormError(f"{text} is not a day that exists", f"write {DATE_FORMS}",
                            step) from None
        return day, day, text
    if len(text) > 10 and _DAY.match(text[:10]):
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FormError(f"{text} is not a date and time that exists",
                            "write YYYY-MM-DDThh:mm with a time zone (Z or +01:00)",
                            step) from None
        if moment.tzinfo is None:
            raise FormError(f"{text} has no time zone", "add Z or an offset such as +01:00", step)
        return moment.date(), moment.date(), moment.date().isoformat()
    raise FormError(f"{text!r} is not a date", f"write {DATE_FORMS}", step)


def _range(node: Mapping[str, Any]) -> dt.date | Span:
    if not any(key in node for key in RANGE_KEYS):
        raise FormError("a range of dates needs 'from', 'to' or both", f"write {DATE_FORMS}")
    lo, lo_text = FIRST_DAY, ""
    hi, hi_text = LAST_DAY, ""
    if node.get("from") is not None:
        lo, _, lo_text = _partial_day(node["from"], "from")
    if node.get("to") is not None:
        _, hi, hi_text = _partial_day(node["to"], "to")
    if lo > hi:
        raise FormError(f"the range ends ({hi_text}) before it starts ({lo_text})",
                        "write the earlier date under 'from' and the later under 'to'", "to")
    if lo_text and hi_text:
        written = lo_text if lo_text == hi_text else f"{lo_text} to {hi_text}"
    elif lo_text:
        written = f"from {lo_text}"
    else:
        written = f"until {hi_text}"
    if lo == hi:
        return lo
    return Span(lo, hi, written)


# -- numbers ---------------------------------------------------------------------------------


def read_number(node: Any, lowest: float, highest: float) -> int | float | Bounds:
    """An exact number, or the bounds a mapping of at_least / above / at_most / below /
    between gives, within the range the fact allows (``lowest`` to ``highest``)."""
    if not isinstance(node, Mapping):
        return _number(node, None)
    given = [key for key in BOUND_KEYS if node.get(key) is not None]
    if not given:
        raise FormError("a bound needs at_least, above, at_most, below or between",
                        f"write {NUMBER_FORMS}")
    if "between" in given:
        if len(given) > 1:
            raise FormError("'between' cannot be combined with another bound",
                            f"write {NUMBER_FORMS}", "between")
        pair = node["between"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise FormError("'between' takes two numbers, the lower and the upper",
                            "write {between: [N, M]}", "between")
        low, high = _number(pair[0], "between"), _number(pair[1], "between")
        if low > high:
            raise FormError(f"the bounds are inverted: {_show(low)} is above {_show(high)}",
                            "write {between: [LOWER, UPPER]}", "between")
        if low == high:
            return low
        return Bounds(float(low), False, float(high), False,
                      f"between {_show(low)} and {_show(high)}")
    lower = [key for key in given if key in ("at_least", "above")]
    upper = [key for key in given if key in ("at_most", "below")]
    if len(lower) > 1 or len(upper) > 1:
        raise FormError("give at most one lower bound (at_least or above) and one upper bound "
                        "(at_most or below)", f"write {NUMBER_FORMS}", (lower + upper)[-1])
    lo, lo_open, hi, hi_open = float(lowest), False, float(highest), False
    words = []
    if lower:
        lo = float(_number(node[lower[0]], lower[0]))
        lo_open = lower[0] == "above"
        words.append(f"{'above' if lo_open else 'at least'} {_show(lo)}")
    if upper:
        hi = float(_number(node[upper[0]], upper[0]))
        hi_open = upper[0] == "below"
        words.append(f"{'below' if hi_open else 'at most'} {_show(hi)}")
    if lo > hi or (lo == hi and (lo_open or hi_open)):
        raise FormError(f"no number is {' and '.join(words)}",
                        "check the bounds: the lower must be below the upper",
                        (lower + upper)[-1])
    if lo == hi:
        return _whole(lo)
    return Bounds(lo, lo_open, hi, hi_open, " and ".join(words))


def _number(node: Any, step: str | None) -> int | float:
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise FormError(f"{node!r} is not a number", f"write {NUMBER_FORMS}", step)
    if isinstance(node, float) and not math.isfinite(node):
        raise FormError(f"{node!r} is not a finite number", f"write {NUMBER_FORMS}", step)
    if isinstance(node, int) and abs(node) > 2**1023:
        raise FormError("the number is too large to be a fact",
                        f"write a number below 10**300, or {NUMBER_FORMS}", step)
    return _whole(node)


def _whole(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _show(value: float) -> str:
    number = _whole(value)
    return f"{number:,}" if isinstance(number, int) and abs(number) >= 10_000 else f"{number:g}"


# -- countries -------------------------------------------------------------------------------


def read_country(node: Any, groups: Mapping[str, frozenset[str]] | None = None) -> str | Choice:
    """A country code, or the class of countries a mapping names. Groups are resolved with
    ``groups`` (id -> members) when given; otherwise a group stays named, to be resolved
    against the rule packs' groups before evaluation."""
    if not isinstance(node, Mapping):
        return str(node)
    given = [key for key in CLASS_KEYS if node.get(key) is not None]
    if len(given) != 1:
        raise FormError("a class of countries is one of one_of, group, not or not_group",
                        f"write {COUNTRY_FORMS}")
    key = given[0]
    value = node[key]
    if key in ("one_of", "not"):
        members = frozenset(str(item) for item in (value if isinstance(value, list) else [value]))
        if key == "one_of" and len(members) == 1:
            return next(iter(members))
        shown = ", ".join(sorted(members))
        name = f"one of {shown}" if key == "one_of" else f"any country but {shown}"
        return Choice(members, key == "not", name)
    group = str(value)
    name = f"a country of {group}" if key == "group" else f"a country outside {group}"
    if groups is None:
        return Choice(frozenset(), key == "not_group", name, group)
    if group not in groups:
        raise FormError(f"no country group {group!r}",
                        f"groups: {', '.join(sorted(groups)) or 'none'}", key)
    return Choice(groups[group], key == "not_group", name)
