"""Deadline arithmetic: months, working days with bank holidays."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.cases import case_from_document
from engine.deadlines import add, add_months, add_working_days, is_working_day, last_day
from engine.evaluate import Engine
from engine.yamlio import load_bytes

from .conftest import CASES, TODAY


def test_months_end_on_the_corresponding_day_or_the_last_of_the_month() -> None:
    assert add_months(dt.date(2023, 3, 10), 6) == dt.date(2023, 9, 10)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 8, 31), 1) == dt.date(2023, 9, 30)
    assert add(dt.date(2022, 1, 4), "years", 5, None) == dt.date(2027, 1, 4)
    assert add(dt.date(2024, 2, 29), "years", 1, None) == dt.date(2025, 2, 28)


def test_england_and_wales_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2025, 12, 25), "england-and-wales")
    assert not is_working_day(dt.date(2025, 8, 25), "england-and-wales")  # summer bank holiday
    assert not is_working_day(dt.date(2023, 5, 8), "england-and-wales")  # coronation
    assert is_working_day(dt.date(2025, 8, 26), "england-and-wales")
    assert not is_working_day(dt.date(2025, 8, 23), "england-and-wales")  # Saturday


def test_us_federal_holidays_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2025, 7, 4), "united-states")
    assert is_working_day(dt.date(2025, 8, 25), "united-states")


def test_working_days_skip_weekends_and_holidays() -> None:
    # 30 working days from Friday 19 December 2025: Christmas, Boxing Day and New Year's Day
    # are bank holidays in England and Wales.
    assert add_working_days(dt.date(2025, 12, 19), 30, "england-and-wales") == dt.date(2026, 2, 4)
    assert add_working_days(dt.date(2025, 8, 22), 1, "england-and-wales") == dt.date(2025, 8, 26)
    assert add_working_days(dt.date(2025, 7, 3), 1, "united-states") == dt.date(2025, 7, 7)


GDPR_CASE = CASES / "rule-tests" / "uk-gdpr" / "art33-named-controller.yaml"


@pytest.mark.parametrize(("aware", "due", "shown"), [
    ("2025-03-03T09:30:00Z", dt.datetime(2025, 3, 6, 9, 30, tzinfo=dt.timezone.utc),
     "(2025-03-03T09:30+00:00)"),
    ("2025-03-03T23:15:00+01:00", dt.datetime(2025, 3, 6, 23, 15,
                                              tzinfo=dt.timezone(dt.timedelta(hours=1))),
     "(2025-03-03T23:15+01:00)"),
    ("2025-03-03", dt.datetime(2025, 3, 6, 0, 0, tzinfo=dt.timezone.utc),
     "(2025-03-03, no time of day given: counted from 00:00 UTC)"),
])
def test_a_deadline_in_hours_runs_from_the_moment_of_awareness(
        engine: Engine, aware: str, due: dt.datetime, shown: str) -> None:
    text = GDPR_CASE.read_text().replace("2025-03-03T09:30:00Z", aware)
    case = case_from_document(load_bytes(text.encode(), str(GDPR_CASE)))
    report = engine.report(case, today=TODAY)
    deadline = next(d for f in report.findings for d in f.deadlines if d.id == "ico-72-hours")
    assert deadline.date == due
    assert shown in deadline.basis


def _ico_status(engine: Engine, **when: Any) -> str:
    case = case_from_document(load_bytes(GDPR_CASE.read_bytes(), str(GDPR_CASE)))
    report = engine.report(case, **when)
    return next(d.status for f in report.findings for d in f.deadlines if d.id == "ico-72-hours")


def test_a_deadline_in_hours_has_passed_from_the_minute_it_ran_out(engine: Engine) -> None:
    # Aware 2025-03-03T09:30Z: the 72 hours ran out at 2025-03-06T09:30Z.
    day = dt.date(2025, 3, 6)
    utc = dt.timezone.utc
    assert _ico_status(engine, today=day, now=dt.datetime(2025, 3, 6, 9, 29, tzinfo=utc)) == \
        "open"
    assert _ico_status(engine, today=day, now=dt.datetime(2025, 3, 6, 9, 31, tzinfo=utc)) == \
        "passed"
    assert _ico_status(engine, today=day, now=dt.datetime(2025, 3, 6, 10, 31,
                                                         tzinfo=dt.timezone(dt.timedelta(hours=1)))
                       ) == "passed"
    # Judged on a day without a moment (an as-of date, or a day given alone), a deadline that
    # runs out during that day is still open on it.
    assert _ico_status(engine, today=day) == "open"
    assert _ico_status(engine, today=day + dt.timedelta(days=1)) == "passed"
    assert _ico_status(engine, as_of=day, now=dt.datetime(2025, 3, 6, 23, 0, tzinfo=utc)) == \
        "open"


def test_a_period_beginning_with_the_start_day_ends_a_day_earlier() -> None:
    # NSIA s.2(2)(a): 6 months beginning with the day of awareness, 10 March 2023.
    assert last_day(dt.date(2023, 3, 10), "months", 6, None, beginning_with=True) == \
        dt.date(2023, 9, 9)
    assert last_day(dt.date(2023, 3, 10), "months", 6, None, beginning_with=False) == \
        dt.date(2023, 9, 10)
    assert last_day(dt.date(2022, 1, 4), "years", 5, None, beginning_with=True) == \
        dt.date(2027, 1, 3)
    # Working days: a Monday counts as day one; a Saturday does not.
    assert last_day(dt.date(2025, 3, 3), "working_days", 5, "england-and-wales", True) == \
        dt.date(2025, 3, 7)
    assert last_day(dt.date(2025, 3, 1), "working_days", 5, "england-and-wales", True) == \
        dt.date(2025, 3, 7)
    assert last_day(dt.date(2025, 3, 3), "working_days", 5, "england-and-wales", False) == \
        dt.date(2025, 3, 10)


def test_nsia_working_days_skip_bank_holidays_in_every_part_of_the_uk() -> None:
    """NSIA s.65: 30 working days beginning with 1 July 2026 end on 13 August 2026, not 11
    August: the Northern Ireland holiday of 13 July and the Scottish one of 3 August stop the
    clock too."""
    from engine.deadlines import add_working_days, is_working_day

    assert add_working_days(dt.date(2026, 7, 1), 29, "united-kingdom") == dt.date(2026, 8, 13)
    assert add_working_days(dt.date(2026, 7, 1), 29, "england-and-wales") == \
        dt.date(2026, 8, 11)
    assert not is_working_day(dt.date(2026, 7, 13), "united-kingdom")
    assert is_working_day(dt.date(2026, 7, 13), "england-and-wales")
