"""A finding's deadlines: the date each counts from, the period, and whether it has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..deadlines import Dated, add_hours, last_day, period_text, pick
from ..matchers.oracle import Evaluator, Value
from ..model import CaseObject, Deadline, FactStatus
from ..rulemodel import DateExpr, DeadlineSpec
from ..values import FIRST_DAY, LAST_DAY, Span
from .words import fact_path, plain


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
    rests_on = _fact_status(start.status)
    ended = _ended(spec, assignment)
    if spec.unit == "hours":
        moment = add_hours(start, spec.amount)
        if clock is not None:
            status = "passed" if moment < clock else "open"
        else:
            status = "passed" if moment.date() < reference else "open"
        return Deadline(spec.id, spec.what, moment,
                        f"{period} {start.label} ({_dated(start, hours=True)}).{basis_law}",
                        "ended" if ended else status, rests_on, ended=ended)
    basis = f"{period} {start.label} ({_dated(start)}).{basis_law}"
    try:
        first = last_day(start.date, spec.unit, spec.amount, spec.calendar,
                         spec.beginning_with)
    except (OverflowError, ValueError):
        return Deadline(spec.id, spec.what, None, basis + " It falls beyond the calendar rex "
                        "counts in (after 31 December 9999).", "out-of-range", rests_on)
    latest: dt.date | None = None
    if start.last is not None:
        try:
            latest = last_day(start.last, spec.unit, spec.amount, spec.calendar,
                              spec.beginning_with)
        except (OverflowError, ValueError):
            latest = LAST_DAY
    if start.date == FIRST_DAY:
        # Counted from a date known only by its latest day ("before the article"): the
        # deadline has no earliest day, only a latest one.
        if ended:
            status = "ended"
        elif latest is not None and latest < reference:
            status = "passed"
        else:
            status = "may-have-passed"
        return Deadline(spec.id, spec.what, None, basis, status, rests_on, latest, ended)
    if ended:
        status = "ended"
    elif latest is None:
        status = "passed" if first < reference else "open"
    elif latest < reference:
        status = "passed"
    elif first >= reference:
        status = "open"
    else:
        status = "may-have-passed"
    return Deadline(spec.id, spec.what, first, basis, status, rests_on,
                    latest if latest != first else None, ended)


def _ended(spec: DeadlineSpec, assignment: Mapping[str, Value]) -> str:
    """What ended the period: the first decision of ``ended_by`` the case dates."""
    for ref in spec.ended_by:
        holder = assignment.get(ref.binding)
        if not isinstance(holder, CaseObject):
            continue
        fact = holder.facts.get(ref.path)
        if fact is not None:
            step = ref.path.rsplit(".", 1)[-1].replace("-", " ").replace("_", " ")
            return f"{step} on {plain(fact.value)}" + (" (alleged)" if fact.status == "alleged"
                                                         else "")
    return ""


def _fact_status(status: str | None) -> FactStatus | None:
    if status == "confirmed":
        return "confirmed"
    if status == "alleged":
        return "alleged"
    return None


def _dated(value: Dated, hours: bool = False) -> str:
    """The date a deadline runs from; for a period in hours, the moment."""
    text = value.date.isoformat()
    if value.last is not None:
        text = value.written or f"between {text} and {value.last.isoformat()}"
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
        if fact is None:
            return None
        label = fact_path(holder, expr.fact.path)
        if isinstance(fact.value, Span):
            return Dated(fact.value.lo, fact.status, label, None, fact.value.hi,
                         fact.value.written)
        if not isinstance(fact.value, dt.date):
            return None
        return Dated(fact.value, fact.status, label, fact.time)
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
