"""The terminal report: findings grouped by status, each with who acts, deadlines, the facts
it rests on and the questions that would settle it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ..model import Finding
from ..report import Report
from .json_report import deadline_words

WIDTH = 100
_HEADINGS = {
    "triggered": "TRIGGERED: holds on confirmed facts",
    "alleged": "ALLEGED: holds if the alleged facts are true",
    "possible": "POSSIBLE: nothing rules it out, but facts are missing",
}


def render(reports: Sequence[Report]) -> str:
    return "\n".join(render_one(report) for report in reports)


def render_one(report: Report) -> str:
    out: list[str] = []
    summary = report.summary()
    counts = summary.by_status
    out.append(f"rex report - {report.case_title}")
    out.append(f"case {report.case_id} ({report.case_file})")
    law = (f"law as it stood on {report.as_of}" if report.as_of
           else "law in force on the date of each event")
    out.append(f"{law}; deadlines as of {report.deadlines_as_of}; "
               f"{report.rules_considered} rules considered")
    out.append(
        f"findings: {counts['triggered']} triggered, {counts['alleged']} alleged, "
        f"{counts['possible']} possible"
    )
    regimes = summary.by_regime
    if regimes:
        parts = [f"{regime} {sum(c.values())}" for regime, c in regimes.items()]
        out.append("by regime: " + ", ".join(parts))
    if report.record:
        out.append("")
        out.append("What the authorities did:")
        for step in report.record:
            alleged = "" if step.status == "confirmed" else " (alleged)"
            out.extend(_wrap(f"- {step.date}: {step.authority} {step.step.replace('-', ' ')}"
                             f" ({step.event_name}){alleged} [{step.at}]", indent="    "))
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
            out.extend(_finding(finding))
    if not report.findings:
        out.append("")
        out.append("No rule found a possible trigger on the facts of this case.")
    if report.show_all:
        out.append("")
        out.append("-" * WIDTH)
        out.append(f"Considered and not applied ({len(report.not_applied)}):")
        for item in report.not_applied:
            out.extend(_wrap(f"- {item.rule}: {item.reason}", indent="    "))
    return "\n".join(out) + "\n"


def _finding(finding: Finding) -> list[str]:
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
            value = (f"{amount.currency} {amount.value:,.0f}" if amount.value is not None
                     else "unknown")
            if amount.value is not None and not amount.complete:
                value = "at least " + value
            lines.extend(_wrap(f"- {value}: {amount.what}. {amount.basis}", first="    ",
                               indent="      "))
    if finding.facts:
        lines.append("  Rests on:")
        for fact in finding.facts:
            lines.extend(_wrap(f"- {fact.path} = {_value(fact.value)} ({fact.status}, {fact.at})",
                               first="    ", indent="      "))
    if finding.questions:
        lines.append("  To settle it, ask:")
        for question in finding.questions:
            lines.extend(_wrap(f"- {question.question} [{question.path}]", first="    ",
                               indent="      "))
    return lines


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wrap(text: str, first: str = "", indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False) or [first]
