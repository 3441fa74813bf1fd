"""When an event happened: its own date, and a course of conduct read as its acts.

An event's ``date`` is the first known of its completion, occurrence, start, signing and
announcement. An event that is a series of acts (a course of conduct) is judged by its first
act, its last and, where there may have been more, the acts between, each on its own day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .model import CaseObject, Fact, FactStatus
from .values import Bounds, Span

EVENT_DATE_ORDER = ("completed", "occurred", "started", "signed", "announced")
"""The dates an event's own date is taken from, first known first."""


def event_date(facts: Mapping[str, Fact]) -> Fact | None:
    """The event's own date: the first known of completed, occurred, started, signed, announced."""
    known = [facts[f"dates.{name}"] for name in EVENT_DATE_ORDER if f"dates.{name}" in facts]
    if not known:
        return None
    first = known[0]
    if first.status == "confirmed":
        return Fact("date", first.value, "confirmed", first.source, first.at, time=first.time)
    confirmed = next((f for f in known if f.status == "confirmed"), None)
    return Fact(
        "date", first.value, "alleged", first.source, first.at,
        confirmed_value=confirmed.value if confirmed else None, time=first.time,
    )


Course = tuple[Fact, Fact, Fact | None]
"""A course of conduct: the facts of its start, its end and its count of acts."""


def course(facts: Mapping[str, Fact]) -> Course | None:
    """An event is a course of conduct (a series of acts) when it says how many acts it
    consisted of, or when it gives when it started and ended and no single date on which it
    was completed or happened."""
    started, ended = facts.get("dates.started"), facts.get("dates.ended")
    count = facts.get("count")
    if started is None or ended is None:
        return None
    single = "dates.completed" in facts or "dates.occurred" in facts
    if count is None and single:
        return None
    return started, ended, count


def course_date(course: Course) -> Fact:
    """The span of a course of conduct, from the first day it may have started to the last
    day it may have ended."""
    started, ended, _ = course
    lo = _span(started.value)
    hi = _span(ended.value)
    written = f"{_text(started)} to {_text(ended)}"
    status: FactStatus = "alleged" if "alleged" in (started.status, ended.status) \
        else "confirmed"
    value = Span(lo.lo, hi.hi, written) if lo.lo != hi.hi else lo.lo
    return Fact("date", value, status, started.source, started.at, written=written)


def acts(event: CaseObject, course: Course) -> tuple[CaseObject, ...]:
    """The acts by which rules judge a course of conduct: its first act (on the day it
    started), its last (on the day it ended) and, when it may have had more than two, the acts
    between, on days not known. The acts between are certain only when the count says there
    were at least three; otherwise they are only possible."""
    started, ended, count = course
    first = _act_date(started, "first")
    last = _act_date(ended, "last")
    lo, hi = _span(started.value).lo, _span(ended.value).hi
    between = Fact("date", Span(lo, hi, f"between {_text(started)} and {_text(ended)}"),
                   "alleged" if "alleged" in (started.status, ended.status) else "confirmed",
                   started.source, started.at)
    least = _least(count)
    out = [replace(event, facts={**event.facts, "date": first}, act="first")]
    if least is None or least >= 2:
        out.append(replace(event, facts={**event.facts, "date": last}, act="last"))
    if least is None or least >= 3 or _most(count) >= 3:
        out.append(replace(event, facts={**event.facts, "date": between}, act="between",
                           possible_only=least is None or least < 3))
    return tuple(out)


def _act_date(fact: Fact, label: str) -> Fact:
    return Fact("date", fact.value, fact.status, fact.source, fact.at, fact.confirmed_value,
                fact.time, fact.written)


def _span(value: Any) -> Span:
    if isinstance(value, Span):
        return value
    return Span(value, value, value.isoformat())


def _text(fact: Fact) -> str:
    value = fact.value
    return value.written if isinstance(value, Span) else str(_iso(value))


def _least(count: Fact | None) -> float | None:
    if count is None:
        return None
    value = count.value
    if isinstance(value, Bounds):
        return value.lo + (1 if value.lo_open else 0)
    return float(value)  # type: ignore[arg-type]


def _most(count: Fact | None) -> float:
    if count is None:
        return float("inf")
    value = count.value
    if isinstance(value, Bounds):
        return value.hi
    return float(value)  # type: ignore[arg-type]


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
