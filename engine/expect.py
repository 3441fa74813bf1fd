"""Comparing a report with a case's ``expect:`` block.

The test suite and ``rex check`` use this one function, so a case file is its own test and
adding a case never means editing Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import Location
from .model import Expectations, ExpectedFinding, Finding
from .report import Report


@dataclass(frozen=True)
class Mismatch:
    """One way a report differs from what the case expects."""

    message: str
    at: Location | None = None

    def __str__(self) -> str:
        return f"{self.at}: {self.message}" if self.at else self.message


def compare(report: Report, expect: Expectations) -> list[Mismatch]:
    """Every difference between ``report`` and ``expect`` (an empty list when they agree)."""
    problems: list[Mismatch] = []
    claimed: set[int] = set()
    for wanted in expect.findings:
        candidates = [
            (index, f) for index, f in enumerate(report.findings)
            if f.rule == wanted.rule and _on_matches(f, wanted)
        ]
        if not candidates:
            problems.append(Mismatch(
                f"expected {wanted.rule} ({wanted.status}){_on_text(wanted)}, but the report "
                "has no such finding", wanted.at))
            continue
        index, finding = _best(candidates, wanted)
        claimed.add(index)
        problems.extend(_check_one(finding, wanted))
    for rule_id in expect.absent:
        for finding in report.findings:
            if finding.rule == rule_id:
                problems.append(Mismatch(
                    f"expected no finding from {rule_id}, but the report has one "
                    f"({finding.status}) on {_show_on(finding)}", expect.at))
    listed = {item.rule for item in report.not_assessed}
    for rule_id in expect.not_assessed:
        if rule_id not in listed:
            problems.append(Mismatch(
                f"expected {rule_id} to be listed as not assessed, but it is not", expect.at))
    if expect.exhaustive:
        for index, finding in enumerate(report.findings):
            if index in claimed:
                continue
            if expect.regimes and finding.regime not in expect.regimes:
                continue
            if finding.rule in expect.absent:
                continue
            problems.append(Mismatch(
                f"unexpected finding {finding.rule} ({finding.status}) on {_show_on(finding)}; "
                "the expectations are exhaustive", expect.at))
    return problems


def matched(report: Report, wanted: ExpectedFinding) -> Finding | None:
    """The finding ``compare`` checks ``wanted`` against (None when the report has none)."""
    candidates = [(index, f) for index, f in enumerate(report.findings)
                  if f.rule == wanted.rule and _on_matches(f, wanted)]
    return _best(candidates, wanted)[1] if candidates else None


def _on_matches(finding: Finding, wanted: ExpectedFinding) -> bool:
    return all(finding.on.get(name) == ident for name, ident in wanted.on.items())


def _best(candidates: list[tuple[int, Finding]], wanted: ExpectedFinding) -> tuple[int, Finding]:
    for index, finding in candidates:
        if finding.status == wanted.status:
            return index, finding
    return candidates[0]


def _check_one(finding: Finding, wanted: ExpectedFinding) -> list[Mismatch]:
    problems = []
    where = f"{wanted.rule}{_on_text(wanted)}"
    if finding.status != wanted.status:
        problems.append(Mismatch(
            f"{where}: expected {wanted.status}, the report says {finding.status}", wanted.at))
    deadlines = {d.id: d for d in finding.deadlines}
    for deadline_id, date in wanted.deadlines.items():
        got = deadlines.get(deadline_id)
        if got is None:
            problems.append(Mismatch(f"{where}: no deadline {deadline_id!r}", wanted.at))
            continue
        shown = _date_text(got.date)
        if got.latest is not None:
            shown = f"{'' if got.date is None else shown}..{_date_text(got.latest)}"
        if shown != date:
            problems.append(Mismatch(
                f"{where}: deadline {deadline_id} expected {date}, the report says {shown}",
                wanted.at))
    names = [who.name for who in finding.who_acts]
    for name in wanted.who_acts:
        if not any(name in actual for actual in names):
            problems.append(Mismatch(
                f"{where}: expected {name!r} among who acts; the report names "
                f"{'; '.join(names)}", wanted.at))
    asked = {q.path for q in finding.questions}
    for path in wanted.questions:
        if not any(path == got or got.endswith("." + path) or path in got for got in asked):
            problems.append(Mismatch(
                f"{where}: expected a question about {path}; the report asks about "
                f"{', '.join(sorted(asked)) or 'nothing'}", wanted.at))
    return problems


def _date_text(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "unknown"
    return value.isoformat()


def _on_text(wanted: ExpectedFinding) -> str:
    if not wanted.on:
        return ""
    return " on " + ", ".join(f"{k}={v}" for k, v in sorted(wanted.on.items()))


def _show_on(finding: Finding) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(finding.on.items())) or "the case"
