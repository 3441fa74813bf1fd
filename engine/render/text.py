"""The terminal report: findings grouped by status, each with who acts, deadlines, the facts
it rests on and the questions that would settle it."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Iterator, Sequence

from ..model import Finding
from ..report import Report, brief
from .json_report import amount_words, deadline_words
from .safe import visible

WIDTH = 100
_HEADINGS = {
    "triggered": "TRIGGERED: holds on confirmed facts",
    "alleged": "ALLEGED: holds if the alleged facts are true",
    "possible": "POSSIBLE: nothing rules it out, but facts are missing",
}


def render(reports: Sequence[Report]) -> str:
    """The reports, with control characters in case text shown as visible escapes."""
    return "".join(stream(reports, len(reports)))


def stream(reports: Iterable[Report], count: int) -> Iterator[str]:
    """``render``, one report at a time."""
    del count
    for index, report in enumerate(reports):
        yield visible(("\n" if index else "") + render_one(report))


def render_one(report: Report) -> str:
    out = summary(report)
    if report.detail:
        out.append("")
        out.extend(detail(report))
    elif report.findings:
        out.append("")
        out.extend(_wrap(f"The full finding by finding detail: rex report --detail "
                         f"{report.case_file}", indent="  "))
    return "\n".join(out) + "\n"


def summary(report: Report) -> list[str]:
    """One screen: the case and the law, the counts, what is urgent, the findings one line
    each, what is not assessed, and the questions, each once."""
    out: list[str] = []
    counts = report.summary().by_status
    out.extend(_wrap(f"rex brief - {report.case_title}", indent="  "))
    out.append(f"case {report.case_id} ({report.case_file})")
    law = (f"law as it stood on {report.as_of}" if report.as_of
           else "law in force on the date of each event")
    out.append(f"{law}; deadlines as of {report.deadlines_as_of}; "
               f"{report.rules_considered} rules considered")
    if report.audience_name:
        out.extend(_wrap(f"Written for {report.audience_name} ({report.audience}): its own "
                         "duties and exposure first, then its remedies, then the rest."))
    out.append(f"{counts['triggered']} triggered, {counts['alleged']} alleged, "
               f"{counts['possible']} possible; {len(report.not_assessed)} not assessed; "
               f"{len(report.questions)} questions")
    if report.record:
        out.append("")
        out.append("WHAT THE AUTHORITIES DID")
        for step in report.record:
            alleged = "" if step.status == "confirmed" else " (alleged)"
            out.extend(_wrap(f"{step.date}: {step.authority} {step.step.replace('-', ' ')} - "
                             f"{step.event_name}{alleged}", first="  ", indent="    "))
    out.append("")
    out.append("ACT NOW: deadlines and running clocks, earliest first")
    today = dt.date.fromisoformat(report.deadlines_as_of)
    dated = brief.clocks(report)
    for clock in dated:
        left = brief.days_left(clock, today)
        when = deadline_words(clock.deadline) + ("" if left == "passed" else f", {left}")
        out.extend(_wrap(
            f"{when}: "
            f"{clock.deadline.what} - {brief.actor(clock.finding, dict(report.parties))} "
            f"[{clock.finding.rule}]",
            first="  ", indent="    "))
    undated = sum(1 for f in report.findings for d in f.deadlines
                  if d.date is None and d.latest is None)
    if not dated:
        out.append("  No deadline can be dated on these facts.")
    if undated:
        out.extend(_wrap(f"{undated} more deadline{'s' if undated != 1 else ''} count from "
                         "dates the case does not give; the questions below ask for them.",
                         first="  ", indent="  "))
    out.append("")
    if not report.findings:
        out.append("FINDINGS: none. No rule found a possible trigger on the facts of this case.")
    else:
        out.append("FINDINGS, most urgent first (triggered: holds on confirmed facts; alleged: "
                   "holds")
        out.append("if the allegations are true; possible: nothing rules it out, facts are "
                   "missing)")
    for heading, group in brief.groups(report):
        out.extend(_wrap(heading, first="  ", indent="    "))
        for line in brief.lines(group):
            out.extend(_wrap(_line(line), first="  - ", indent="      "))
    if report.not_assessed:
        out.append("")
        out.append("NOT ASSESSED: the case does not show these provisions to be in play")
        by_condition: dict[str, list[str]] = {}
        for item in report.not_assessed:
            by_condition.setdefault(item.condition, []).append(item.rule)
        for condition, rules in by_condition.items():
            out.extend(_wrap(f"Would apply if {condition}: {', '.join(rules)}", first="  - ",
                             indent="      "))
    if report.questions:
        out.append("")
        out.append("QUESTIONS, each asked once, most decisive first (what each answer changes)")
        asked, rest = brief.questions(report)
        for question in asked:
            out.extend(_wrap(f"{question.id}. {question.question} [{question.path}]",
                             first="  ", indent="      "))
            out.extend(_wrap(question.settles(), first="      ", indent="      "))
        if rest:
            out.extend(_wrap(
                f"{len(rest)} more, each settling fewer findings (rex report --detail asks them "
                f"with the findings they settle): "
                + ", ".join(f"{q.id} [{q.path}]" for q in rest),
                first="  ", indent="      "))
    return out


def _line(line: brief.Line) -> str:
    first = line.first
    on = first.on.get("event") or next(iter(first.on.values()), "")
    item = first.on.get("item") or first.on.get("asset")
    where = f"; {on}" if on else ""
    if item and item != "?" and on:
        where += f", {item}"
    if len(line.findings) == 1:
        title = first.title
        if first.status == "possible":
            title = title.removeprefix("May apply: ")
        return f"{first.status}, {first.severity}: {title} [{first.rule}{where}]"
    versions = " / ".join(f.rule for f in line.findings)
    return (f"{first.status}, {first.severity}: May apply, in the version in force on a date "
            f"the case does not give: {first.title.split(': ', 1)[-1]} [{versions}{where}]")


def detail(report: Report) -> list[str]:
    """Every finding in full, by status; the facts they rest on printed once, numbered."""
    out: list[str] = []
    facts: dict[tuple[str, str], str] = {}
    for finding in report.findings:
        for fact in finding.facts:
            facts.setdefault((fact.path, fact.at), f"F{len(facts) + 1}")
    if facts:
        out.append("=" * WIDTH)
        out.append("FACTS the findings rest on")
        out.append("=" * WIDTH)
        seen: set[tuple[str, str]] = set()
        for finding in report.findings:
            for fact in finding.facts:
                key = (fact.path, fact.at)
                if key in seen:
                    continue
                seen.add(key)
                out.extend(_wrap(f"{facts[key]} {fact.path} = {_value(fact.value)} "
                                 f"({fact.status}, {fact.at})", first="  ", indent="      "))
    for status in ("triggered", "alleged", "possible"):
        group = [f for f in report.findings if f.status == status]
        if not group:
            continue
        out.append("")
        out.append("=" * WIDTH)
        out.append(_HEADINGS[status])
        out.append("=" * WIDTH)
        for finding in group:
            out.append("")
            out.extend(_finding(finding, facts))
    if report.show_all:
        out.append("")
        out.append("-" * WIDTH)
        out.append(f"Considered and not applied ({len(report.not_applied)}):")
        for item in report.not_applied:
            out.extend(_wrap(f"- {item.rule}: {item.reason}", indent="    "))
    return out


def _finding(finding: Finding, refs: dict[tuple[str, str], str]) -> list[str]:
    lines = _wrap(f"[{finding.severity}] {finding.title}", indent="  ")
    lines.append(f"  rule {finding.rule} ({finding.regime})")
    lines.extend(_wrap(f"  {finding.provision} - {finding.url}", indent="    "))
    if finding.summary:
        lines.extend(_wrap(finding.summary, first="  ", indent="  "))
    if finding.note:
        lines.extend(_wrap(f"Note: {finding.note}", first="  ", indent="  "))
    if finding.who_acts:
        lines.append("  Who acts:")
        for who in finding.who_acts:
            lines.extend(_wrap(f"- {who.name} [{who.role}] {who.modality} {who.does}",
                               first="    ", indent="      "))
    if finding.deadlines:
        lines.append("  Deadlines:")
        for deadline in finding.deadlines:
            when = deadline_words(deadline)
            lines.extend(_wrap(f"- {when}: {deadline.what}. {deadline.basis}",
                               first="    ", indent="      "))
    if finding.amounts:
        lines.append("  At stake:")
        for amount in finding.amounts:
            value = amount_words(amount)
            lines.extend(_wrap(f"- {value}: {amount.what}. {amount.basis}", first="    ",
                               indent="      "))
    if finding.facts:
        named = ", ".join(dict.fromkeys(refs[(f.path, f.at)] for f in finding.facts))
        lines.extend(_wrap(f"Rests on: {named}", first="  ", indent="    "))
    if finding.questions:
        lines.append("  To settle it, ask:")
        for question in finding.questions:
            lines.extend(_wrap(f"- {question.question} [{question.path}]", first="    ",
                               indent="      "))
    if finding.conclusion and finding.conclusion != finding.title:
        lines.extend(_wrap(f"If established: {finding.conclusion}", first="  ", indent="    "))
    return lines


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wrap(text: str, first: str = "", indent: str = "  ") -> list[str]:
    return textwrap.wrap(visible(text), WIDTH, initial_indent=first, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False) or [first]
