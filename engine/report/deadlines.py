"""A finding's deadlines: the date each counts from, the period, and whether it has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..deadlines import Dated, add_hours, last_day, period_text, pick
from ..matchers.oracle import Evaluator, Value
from ..model import CaseObject, Deadline, FactStatus
from ..rulemodel import DateExpr, DeadlineSpec
from .words import fact_path


def deadline(evaluator: Evaluator, spec: DeadlineSpec, assignment: Mapping[str, Value],
              reference: dt.date, clock: dt.datetime | None) -> Deadline:
    start = _date(evaluator, spec.start, assignment)
    period = period_text(spec.unit, spec.amount, spec.calendar, spec.beginning_with)
    basis_law = f" {spec.basis}" if spec.basis else ""
    if start is None:
        missing = _missing_dates(evaluator, spec.start, assignment)
        return Deadline(spec.id, spec.what, None,
                        f"{period} {missing or 'a date the case does not give'} (unknown)."
                        f"{basis_law}", "unknown")
    if spec.unit == "hours":
        moment = add_hours(start, spec.amount)
        if clock is not None:
            status = "passed" if moment < clock else "open"
        else:
            status = "passed" if moment.date() < reference else "open"
        return Deadline(spec.id, spec.what, moment,
                        f"{period} {start.label} ({_dated(start, hours=True)}).{basis_law}", status,
                        _fact_status(start.status))
    day = last_day(start.date, spec.unit, spec.amount, spec.calendar, spec.beginning_with)
    status = "passed" if day < reference else "open"
    return Deadline(spec.id, spec.what, day,
                    f"{period} {start.label} ({_dated(start)}).{basis_law}", status,
                    _fact_status(start.status))


def _fact_status(status: str | None) -> FactStatus | None:
    if status == "confirmed":
        return "confirmed"
    if status == "alleged":
        return "alleged"
    return None


def _dated(value: Dated, hours: bool = False) -> str:
    """The date a deadline runs from; for a period in hours, the moment."""
    text = value.date.isoformat()
    if hours:
        text = value.time.isoformat(timespec="minutes") if value.time is not None else \
            f"{text}, no time of day given: counted from 00:00 UTC"
    if value.status == "alleged":
        text += ", alleged"
    return text


def _date(evaluator: Evaluator, expr: DateExpr, assignment: Mapping[str, Value]) -> Dated | None:
    if expr.literal is not None:
        return Dated(expr.literal, None, expr.literal.isoformat())
    if expr.fact is not None:
        holder = assignment.get(expr.fact.binding)
        if not isinstance(holder, CaseObject):
            return None
        fact = holder.facts.get(expr.fact.path)
        if fact is None or not isinstance(fact.value, dt.date):
            return None
        return Dated(fact.value, fact.status, fact_path(holder, expr.fact.path), fact.time)
    parts = [_date(evaluator, part, assignment) for part in (expr.latest or expr.earliest)]
    if expr.latest:
        return pick(parts, max, "the latest")
    return pick(parts, min, "the earliest", partial=True)


def _missing_dates(evaluator: Evaluator, expr: DateExpr,
                   assignment: Mapping[str, Value]) -> str:
    if expr.fact is not None:
        return str(expr.fact.path if not isinstance(assignment.get(expr.fact.binding), CaseObject)
                   else fact_path(assignment[expr.fact.binding], expr.fact.path))
    parts = [_missing_dates(evaluator, part, assignment) for part in (expr.latest or expr.earliest)]
    return ", ".join(part for part in parts if part)
