"""Deadlines: date arithmetic over a case's dates, in calendar days, months, years or working days.

Working days exclude weekends and the bank holidays of the named calendar, taken from the
``holidays`` package (England and Wales for UK periods, US federal holidays for US ones). A
period of N working days from a date ends on the Nth working day after it. A period of months
or years ends on the corresponding day of the later month (the last day of that month when it
has no such day); this is how rex reads "within 6 months of" a date, and the basis printed with
each deadline says which date and period it counts from.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import holidays

CALENDARS: dict[str, tuple[str, tuple[str | None, ...], str]] = {
    "england-and-wales": ("GB", ("ENG",), "England and Wales bank holidays"),
    # A bank holiday in any part of the United Kingdom (NSIA s.65): England and Wales,
    # Scotland and Northern Ireland each stop the clock.
    "united-kingdom": ("GB", ("ENG", "SCT", "NIR"),
                       "bank holidays in any part of the United Kingdom"),
    "united-states": ("US", (None,), "US federal holidays"),
}


@dataclass(frozen=True)
class Dated:
    """A date with the status of the fact it comes from (None for a date written in a rule).
    A partial date (a month, a range) runs from ``date`` to ``last``."""

    date: dt.date
    status: str | None
    label: str
    time: dt.datetime | None = None
    last: dt.date | None = None
    """For a partial date: the last day it may be (``values.LAST_DAY`` when open-ended)."""
    written: str = ""
    """For a partial date: as the case writes it."""


@functools.cache
def _holidays(name: str, year: int) -> frozenset[dt.date]:
    country, subdivisions, _ = CALENDARS[name]
    days: set[dt.date] = set()
    for subdiv in subdivisions:
        days.update(holidays.country_holidays(country, subdiv=subdiv, years=[year]))
    return frozenset(days)


def is_working_day(day: dt.date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(calendar, day.year)


def add_working_days(start: dt.date, count: int, calendar: str) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, cal.monthrange(year, month)[1])
    return dt.date(year, month, day)


def add(
    start: dt.date, unit: str | None, amount: int, calendar: str | None
) -> dt.date:
    if unit is None or amount == 0:
        return start
    if unit == "days":
        return start + dt.timedelta(days=amount)
    if unit == "weeks":
        return start + dt.timedelta(weeks=amount)
    if unit == "months":
        return add_months(start, amount)
    if unit == "years":
        return add_months(start, 12 * amount)
    if unit == "working_days":
        return add_working_days(start, amount, calendar or "england-and-wales")
    raise ValueError(f"unknown period unit {unit!r}")


def last_day(start: dt.date, unit: str | None, amount: int, calendar: str | None,
             beginning_with: bool) -> dt.date:
    """The last day of a period of ``amount`` units from ``start``. A period "beginning with"
    the start day counts that day as its first, so it ends a day earlier than one running
    "after" it; in working days, the start day counts only if it is a working day."""
    if not beginning_with or unit is None or amount == 0:
        return add(start, unit, amount, calendar)
    if unit == "working_days":
        cal = calendar or "england-and-wales"
        if is_working_day(start, cal):
            return add(start, unit, amount - 1, calendar)
        return add(start, unit, amount, calendar)
    return add(start, unit, amount, calendar) - dt.timedelta(days=1)


def add_hours(start: Dated, hours: int) -> dt.datetime:
    moment = start.time or dt.datetime.combine(start.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    return moment + dt.timedelta(hours=hours)


def period_text(unit: str | None, amount: int, calendar: str | None,
                beginning_with: bool = False) -> str:
    if unit is None or amount == 0:
        return "on"
    word = "beginning with" if beginning_with else "after"
    if unit == "working_days":
        label = CALENDARS[calendar or "england-and-wales"][2]
        return f"{amount} working day{'s' if amount != 1 else ''} ({label}) {word}"
    name = unit.rstrip("s")
    return f"{amount} {name}{'s' if amount != 1 else ''} {word}"


def pick(
    dates: list[Dated | None], choose: Callable[[list[dt.date]], dt.date], label: str,
    partial: bool = False,
) -> Dated | None:
    """The latest or earliest of several dates. Unknown if any is unknown, unless ``partial``
    (used for "the earliest of"): then the earliest of the known ones, which the unknown ones
    can only bring forward."""
    known = [d for d in dates if d is not None]
    if not known or (len(known) != len(dates) and not partial):
        return None
    chosen = choose([d.date for d in known])
    winner = next(d for d in known if d.date == chosen)
    status = "alleged" if any(d.status == "alleged" for d in known) else winner.status
    text = f"{label} of {', '.join(d.label for d in known)}"
    if len(known) != len(dates):
        text += " (the known dates; an unknown one could be earlier)"
    last = None
    if any(d.last is not None for d in known):
        last = choose([d.last or d.date for d in known])
    return Dated(chosen, status, text, winner.time, last if last != chosen else None)
