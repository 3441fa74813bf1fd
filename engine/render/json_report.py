"""The JSON report: the contract scripts rely on (docs/report-format.md, report.schema.json)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from ..model import Amount, Deadline, FactUse, Finding
from ..report import REPORT_SCHEMA, RankedQuestion, Report, brief


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data, keys in a fixed order."""
    refs = {q.path: q.id for q in report.questions}
    data: dict[str, Any] = {
        "report_schema": REPORT_SCHEMA,
        "rex_version": report.version,
        "case": {"id": report.case_id, "title": report.case_title, "file": report.case_file},
        "evaluation": {
            "law_as_of": report.as_of,
            "law_applied": (
                f"as it stood on {report.as_of}" if report.as_of
                else "as in force on the date of each event"
            ),
            "deadlines_as_of": report.deadlines_as_of,
            "rules_considered": report.rules_considered,
        },
        "findings": [finding_dict(f, refs) for f in report.findings],
        "questions": [question_dict(q) for q in report.questions],
        "not_assessed": [
            {"rule": n.rule, "regime": n.regime, "title": n.title, "would_apply_if": n.condition,
             "on": [dict(sorted(o.items())) for o in n.on]}
            for n in report.not_assessed
        ],
        "record": [
            {"event": s.event, "authority": s.authority, "step": s.step, "date": s.date,
             "status": s.status, "source": s.source, "at": str(s.at)}
            for s in report.record
        ],
        "summary": asdict(report.summary()),
    }
    if report.audience is not None:
        data["audience"] = {"party": report.audience, "name": report.audience_name}
        index = {id(f): n for n, f in enumerate(report.findings)}
        data["groups"] = [{"title": title, "findings": [index[id(f)] for f in group]}
                          for title, group in brief.groups(report)]
    if report.show_all:
        data["not_applied"] = [
            {"rule": n.rule, "regime": n.regime, "title": n.title, "reason": n.reason}
            for n in report.not_applied
        ]
    return data


def question_dict(question: RankedQuestion) -> dict[str, Any]:
    return {
        "id": question.id,
        "path": question.path,
        "question": question.question,
        "at": question.at,
        "gate": question.gate,
        "settles": [
            {"answer": a.answer, "changes": [
                {"rule": c.rule, "key": list(c.key), "before": c.before, "after": c.after}
                for c in a.changes]}
            for a in question.answers if a.changes
        ],
    }


def finding_dict(finding: Finding, refs: Mapping[str, str] | None = None) -> dict[str, Any]:
    refs = refs or {}
    return {
        "rule": finding.rule,
        "regime": finding.regime,
        "title": finding.title,
        "conclusion": finding.conclusion,
        "status": finding.status,
        "severity": finding.severity,
        "provision": finding.provision,
        "url": finding.url,
        "summary": finding.summary,
        "on": dict(sorted(finding.on.items())),
        "in_force": {"from": finding.in_force[0], "until": finding.in_force[1]},
        "who_acts": [
            {"role": w.role, "name": w.name, "does": w.does, "modality": w.modality,
             "party": w.party}
            for w in finding.who_acts
        ],
        "deadlines": [deadline_dict(d) for d in finding.deadlines],
        "amounts": [
            {"id": a.id, "what": a.what, "value": a.value, "currency": a.currency,
             "basis": a.basis, "complete": a.complete}
            for a in finding.amounts
        ],
        "facts": [_fact_dict(f) for f in finding.facts],
        "questions": [{"path": q.path, "question": q.question, "at": q.at,
                       "ref": refs.get(q.path)}
                      for q in finding.questions],
        "note": finding.note,
        "capped_from": finding.capped_from,
    }


def _fact_dict(fact: FactUse) -> dict[str, Any]:
    data = {"path": fact.path, "value": fact.value, "status": fact.status, "at": fact.at,
            "source": fact.source}
    if fact.written is not None:
        data["written"] = fact.written
    return data


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def deadline_dict(deadline: Deadline) -> dict[str, Any]:
    data = {
        "id": deadline.id,
        "what": deadline.what,
        "date": _iso(deadline.date),
        "basis": deadline.basis,
        "status": deadline.status,
        "rests_on": deadline.rests_on,
    }
    if deadline.latest is not None:
        data["latest"] = _iso(deadline.latest)
    if deadline.ended:
        data["ended"] = deadline.ended
    return data


def amount_words(amount: Amount) -> str:
    """An amount at stake in words: "USD 374,474", "at least GBP 10,000,000" where a term
    could not be computed, or "unknown"."""
    if amount.value is None:
        return "unknown"
    value = f"{amount.currency} {amount.value:,.0f}"
    return value if amount.complete else "at least " + value


def deadline_words(deadline: Deadline) -> str:
    """When a deadline falls, in words: a day, a span of days, or unknown."""
    if deadline.status == "out-of-range":
        return "beyond the calendar"
    if deadline.date is None and deadline.latest is None:
        return "date unknown"
    if deadline.date is None:
        when = f"on or before {_iso(deadline.latest)}"
    else:
        when = _iso(deadline.date) or ""
    if deadline.date is not None and deadline.latest is not None:
        when = f"between {when} and {_iso(deadline.latest)}"
    status = {"may-have-passed": "may have passed", "ended": f"ended: {deadline.ended}"}.get(
        deadline.status, deadline.status)
    return f"{when} ({status})"


def render(reports: Sequence[Report]) -> str:
    """One report as a JSON object; several as a JSON array of report objects."""
    return "".join(stream(reports, len(reports)))


def stream(reports: Iterable[Report], count: int) -> Iterator[str]:
    """``render``, one report at a time: the array is written as it goes, byte for byte as
    ``json.dumps`` would write the whole list."""
    if count == 1:
        for report in reports:
            yield json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
        return
    yield "["
    for index, report in enumerate(reports):
        item = json.dumps(to_dict(report), indent=2, ensure_ascii=False)
        yield ("," if index else "") + "\n  " + item.replace("\n", "\n  ")
    yield "\n]\n" if count else "]\n"


def stream_lines(reports: Iterable[Report], count: int) -> Iterator[str]:
    """JSON Lines: one report object per line, whatever the number of files."""
    del count
    for report in reports:
        yield json.dumps(to_dict(report), ensure_ascii=False, separators=(",", ":")) + "\n"
