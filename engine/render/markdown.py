"""The Markdown report, for memos and issue trackers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from ..model import Finding
from ..report import Report, brief
from .json_report import amount_words, deadline_dict, deadline_words
from .safe import markdown_text, visible

_HEADINGS = {
    "triggered": "Triggered (holds on confirmed facts)",
    "alleged": "Alleged (holds if the alleged facts are true)",
    "possible": "Possible (nothing rules it out, but facts are missing)",
}


def render(reports: Sequence[Report]) -> str:
    return "".join(stream(reports, len(reports)))


def stream(reports: Iterable[Report], count: int) -> Iterator[str]:
    """``render``, one report at a time."""
    del count
    for index, report in enumerate(reports):
        yield visible(("\n" if index else "") + render_one(report))


def _cell(text: object) -> str:
    return markdown_text(text)


def render_one(report: Report) -> str:
    out = _summary(report)
    if report.detail:
        out.extend(_detail(report))
    return "\n".join(out) + "\n"


def _summary(report: Report) -> list[str]:
    counts = report.summary().by_status
    out = [f"# {_cell(report.case_title)}", ""]
    law = (f"the law as it stood on {report.as_of}" if report.as_of
           else "the law in force on the date of each event")
    out.append(f"Case `{report.case_id}` (`{report.case_file}`), evaluated on {law}; "
               f"deadlines as of {report.deadlines_as_of}; {report.rules_considered} rules "
               "considered.")
    if report.audience_name:
        out.append("")
        out.append(f"Written for **{_cell(report.audience_name)}** (`{report.audience}`): its "
                   "own duties and exposure first, then its remedies, then the rest.")
    out.append("")
    out.append(f"{counts['triggered']} triggered, {counts['alleged']} alleged, "
               f"{counts['possible']} possible; {len(report.not_assessed)} not assessed; "
               f"{len(report.questions)} questions.")
    if report.record:
        out.append("")
        out.append("## What the authorities did")
        out.append("")
        out.append("| date | authority | step | event | status | fact |")
        out.append("|---|---|---|---|---|---|")
        for step in report.record:
            out.append(f"| {step.date} | {step.authority} | {step.step.replace('-', ' ')} | "
                       f"{_cell(step.event_name)} | {step.status} | `{step.at}` |")
    out.append("")
    out.append("## Act now")
    out.append("")
    today = dt.date.fromisoformat(report.deadlines_as_of)
    dated = brief.clocks(report)
    if dated:
        out.append("| by | left | what | who acts | rule |")
        out.append("|---|---|---|---|---|")
        for clock in dated:
            out.append(f"| {deadline_words(clock.deadline)} | {brief.days_left(clock, today)} | "
                       f"{_cell(clock.deadline.what)} | "
                       f"{_cell(brief.actor(clock.finding, dict(report.parties)))} | "
                       f"`{clock.finding.rule}` |")
    else:
        out.append("No deadline can be dated on these facts.")
    out.append("")
    out.append("## Findings, most urgent first")
    for heading, group in brief.groups(report):
        out.append("")
        out.append(f"### {_cell(heading)}")
        out.append("")
        for line in brief.lines(group):
            first = line.first
            rules = " / ".join(f"`{f.rule}`" for f in line.findings)
            title = first.title if len(line.findings) == 1 else (
                "May apply, in the version in force on a date the case does not give: "
                + first.title.split(": ", 1)[-1])
            out.append(f"- **{first.status}**, {first.severity}: {_cell(title)} ({rules})")
    if not report.findings:
        out.append("")
        out.append("No rule found a possible trigger on the facts of this case.")
    if report.not_assessed:
        out.append("")
        out.append("## Not assessed: the case does not show these provisions to be in play")
        out.append("")
        for item in report.not_assessed:
            out.append(f"- `{item.rule}`: would apply if {_cell(item.condition)}")
    out.extend(_questions(report))
    return out


def _questions(report: Report) -> list[str]:
    """The ranked questions: the most decisive in full, the rest by the fact they ask."""
    if not report.questions:
        return []
    out = ["", "## Questions, each asked once, most decisive first", ""]
    asked, rest = brief.questions(report)
    for question in asked:
        out.append(f"{question.id[1:]}. {_cell(question.question)} (`{question.path}`): "
                   f"{_cell(question.settles())}")
    if rest:
        out.append("")
        out.append(f"{len(rest)} more, each settling fewer findings (`rex report --detail` "
                   "asks them with the findings they settle): "
                   + ", ".join(f"{q.id} `{q.path}`" for q in rest))
    return out


def _detail(report: Report) -> list[str]:
    out: list[str] = []
    for status in ("triggered", "alleged", "possible"):
        group = [f for f in report.findings if f.status == status]
        if not group:
            continue
        out.append("")
        out.append(f"## {_HEADINGS[status]}")
        for finding in group:
            out.append("")
            out.extend(_finding(finding))
    if report.show_all:
        out.append("")
        out.append("## Considered and not applied")
        out.append("")
        out.append("| rule | reason |")
        out.append("|---|---|")
        for item in report.not_applied:
            out.append(f"| `{item.rule}` | {_cell(item.reason)} |")
    return out


def _finding(finding: Finding) -> list[str]:
    out = [f"### {_cell(finding.title)}", ""]
    out.append(f"- **Rule:** `{finding.rule}` ({finding.regime}), severity {finding.severity}")
    out.append(f"- **Provision:** [{finding.provision}]({finding.url})")
    if finding.summary:
        out.append(f"- **In short:** {_cell(finding.summary)}")
    if finding.note:
        out.append(f"- **Note:** {_cell(finding.note)}")
    out.append("")
    if finding.who_acts:
        out.append("| who acts | role | may / must |")
        out.append("|---|---|---|")
        for who in finding.who_acts:
            out.append(f"| {_cell(who.name)} | {who.role} | {who.modality} {_cell(who.does)} |")
        out.append("")
    if finding.deadlines:
        out.append("| deadline | date | status | basis |")
        out.append("|---|---|---|---|")
        for deadline in finding.deadlines:
            data = deadline_dict(deadline)
            when = data["date"] or "unknown"
            if deadline.latest is not None:
                when = f"between {data['date']} and {data['latest']}"
            out.append(f"| {_cell(deadline.what)} | {when} | "
                       f"{data['status']} | {_cell(deadline.basis)} |")
        out.append("")
    if finding.amounts:
        out.append("| at stake | amount | basis |")
        out.append("|---|---|---|")
        for amount in finding.amounts:
            value = amount_words(amount)
            out.append(f"| {_cell(amount.what)} | {value} | {_cell(amount.basis)} |")
        out.append("")
    if finding.facts:
        out.append("Rests on:")
        out.append("")
        for fact in finding.facts:
            out.append(f"- `{fact.path}` = {_cell(fact.value)} ({fact.status}, `{fact.at}`)")
        out.append("")
    if finding.questions:
        out.append("To settle it, ask:")
        out.append("")
        for question in finding.questions:
            out.append(f"- {_cell(question.question)}")
        out.append("")
    return out
