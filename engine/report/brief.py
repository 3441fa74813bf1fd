"""The brief a compliance officer acts on: what is urgent, whose finding is whose, and the
findings of one provision's dated versions as one line.

The report keeps every finding; this module decides the order and grouping the renderers
show: the deadlines and running clocks in date order, the findings by what they mean for the
party the brief is for (its duties and exposure, then its remedies, then the others), or,
without a party, by who acts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model import SEVERITIES, STATUS_RANK, Deadline, Finding
from . import Report
from .questions import NOT_ASSESSED, RankedQuestion

DUTY_ROLES = frozenset({"duty-holder", "notifier"})
#: Bindings that name the party whose conduct a finding is about (who may be liable).
ACTOR_BINDINGS = frozenset({
    "acquirer", "actor", "accessor", "exporter", "recipient", "investor", "transferor",
    "customer", "principal", "provider", "firm", "party", "controller", "sponsor", "student",
    "researcher", "university", "sender",
})
#: Bindings that name the party a finding protects (whose secret or data was taken).
HOLDER_BINDINGS = frozenset({"holder", "target", "victim"})

#: How many of the ranked questions the brief asks in full; the rest it names by their fact,
#: and ``--detail`` asks them finding by finding.
BRIEF_QUESTIONS = 8

GROUP_TITLES = {
    "duties": "Its duties and exposure",
    "remedies": "Its remedies: claims it may bring, authorities it may turn to",
    "others": "Others' exposure and the authorities' powers",
}


@dataclass(frozen=True)
class Clock:
    """A dated deadline of a finding, for the "act now" list."""

    deadline: Deadline
    finding: Finding

    @property
    def day(self) -> dt.date:
        when = self.deadline.date if self.deadline.date is not None else self.deadline.latest
        assert when is not None
        return when.date() if isinstance(when, dt.datetime) else when


@dataclass(frozen=True)
class Line:
    """One line of the findings list: a finding, or the dated versions of one provision."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]


def clocks(report: Report) -> list[Clock]:
    """Every dated deadline that is not ended, earliest first."""
    out = [Clock(d, f) for f in report.findings for d in f.deadlines
           if (d.date is not None or d.latest is not None) and d.status not in {"ended",
                                                                              "out-of-range"}]
    return sorted(out, key=lambda c: (c.day, c.finding.rule, c.deadline.id))


def days_left(clock: Clock, today: dt.date) -> str:
    if clock.deadline.status == "passed":
        return "passed"
    latest = clock.deadline.latest
    if latest is not None:
        last = latest.date() if isinstance(latest, dt.datetime) else latest
        most = (last - today).days
        if clock.deadline.date is None or clock.deadline.status == "may-have-passed":
            return f"at most {most} days left" if most >= 0 else "may have passed"
        return f"{(clock.day - today).days} to {most} days left"
    left = (clock.day - today).days
    return f"{left} days" if left != 1 else "1 day"


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Urgency first (a dated open deadline, soonest first), then status and severity."""
    def soonest(finding: Finding) -> dt.date:
        days = [c.day for c in (Clock(d, finding) for d in finding.deadlines
                                if (d.date is not None or d.latest is not None)
                                and d.status in {"open", "may-have-passed", "passed"})]
        return min(days, default=dt.date.max)

    return sorted(findings, key=lambda f: (
        soonest(f), -STATUS_RANK[f.status],
        SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 99, f.regime, f.rule,
        tuple(sorted(f.on.items()))))


def lines(findings: Sequence[Finding]) -> list[Line]:
    """The findings as lines: the dated versions of one provision on the same facts (a
    possible finding of each, because the date that chooses is unknown) share a line."""
    out: list[Line] = []
    index: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    for finding in findings:
        if finding.series is None or finding.status != "possible":
            out.append(Line((finding,)))
            continue
        key = (finding.series, tuple(sorted(finding.on.items())))
        if key in index:
            out[index[key]] = Line((*out[index[key]].findings, finding))
        else:
            index[key] = len(out)
            out.append(Line((finding,)))
    return out


def role_of(finding: Finding, party: str) -> str:
    """What a finding means for ``party``: ``duties``, ``remedies`` or ``others``."""
    bound = {binding for binding, ident in finding.on.items() if ident == party}
    roles = {who.role for who in finding.who_acts if who.party == party}
    if bound & ACTOR_BINDINGS or "duty-holder" in roles:
        return "duties"
    if "claimant" in roles or bound & HOLDER_BINDINGS:
        return "remedies"  # its secret or data was taken: it may notify, complain or sue
    if "notifier" in roles:
        return "duties"
    return "others"


def groups(report: Report) -> list[tuple[str, list[Finding]]]:
    """The findings in the order the brief shows them, with a heading per group: by what
    they mean for the audience, or by who acts."""
    findings = ordered(report.findings)
    if report.audience is not None:
        parts: dict[str, list[Finding]] = {k: [] for k in GROUP_TITLES}
        for finding in findings:
            parts[role_of(finding, report.audience)].append(finding)
        return [(GROUP_TITLES[k], v) for k, v in parts.items() if v]
    names = dict(report.parties)
    by_actor: dict[str, list[Finding]] = {}
    for finding in findings:
        by_actor.setdefault(actor(finding, names), []).append(finding)
    return [(f"{name} acts", group) for name, group in by_actor.items()]


def questions(report: Report) -> tuple[list[RankedQuestion], list[RankedQuestion]]:
    """The questions the brief asks in full (the most decisive, and every one that would
    bring a provision not assessed into play) and the rest, which it only names."""
    asked: list[RankedQuestion] = []
    rest: list[RankedQuestion] = []
    for index, question in enumerate(report.questions):
        opens = any(change.before == NOT_ASSESSED for answer in question.answers
                    for change in answer.changes)
        (asked if index < BRIEF_QUESTIONS or opens else rest).append(question)
    return asked, rest


def actor(finding: Finding, names: Mapping[str, str] | None = None) -> str:
    """Who acts first on a finding: a party with a duty or a claim (by its name in the case),
    else the authority."""
    for roles in (DUTY_ROLES, {"claimant"}):
        for who in finding.who_acts:
            if who.role in roles:
                if who.party is not None and names and who.party in names:
                    return names[who.party]
                match = re.fullmatch(r"not identified in the case \((.+)\)", who.name)
                if match:
                    return f"The {match.group(1)} (not identified in the case)"
                return who.name
    return finding.who_acts[0].name if finding.who_acts else "No one named"
