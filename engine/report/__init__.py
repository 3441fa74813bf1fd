"""From matches to the report: findings with who acts, deadlines, facts and questions.

The rule engine (durable_rules, via ``evaluate.py``) decides which rules fire and with which
status. The plain-Python evaluator then explains each match: the facts it rests on (value,
status and the line of the case file), the questions whose answers would settle a ``possible``
finding, and the dates its deadlines count from. Before it explains a match it checks that it
reaches the same status; if it does not, rex stops rather than print a report it cannot vouch
for.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .. import __version__
from ..compiler import Program
from ..errors import InputError
from ..matchers import EngineMatch
from ..matchers.oracle import Evaluator
from ..model import SEVERITIES, STATUS_RANK, Case, Finding, NotApplied, NotAssessed, Step
from .finding import finding as explain_match
from .picture import Picture, picture
from .questions import RankCache, RankedQuestion, ranked_questions
from .whynot import why_not

__all__ = ["REPORT_SCHEMA", "RankCache", "RankedQuestion", "Report", "Summary", "build_report",
           "why_not"]

REPORT_SCHEMA = "2.0"


@dataclass(frozen=True)
class Summary:
    """Counts of findings by status, by regime (and status), and by who acts."""

    by_status: dict[str, int]
    by_regime: dict[str, dict[str, int]]
    by_who_acts: dict[str, int]


@dataclass(frozen=True)
class Report:
    case_id: str
    case_title: str
    case_file: str
    as_of: str | None
    """The ``--as-of`` date, if the law was applied as it stood on one date."""
    deadlines_as_of: str
    findings: tuple[Finding, ...]
    not_applied: tuple[NotApplied, ...]
    rules_considered: int
    show_all: bool
    record: tuple[Step, ...] = ()
    """What the authorities did, as the case states it, in date order."""
    not_assessed: tuple[NotAssessed, ...] = ()
    """Provisions the case does not show to be in play, each once."""
    questions: tuple[RankedQuestion, ...] = ()
    """Every question worth asking, once, ranked (empty unless asked for)."""
    audience: str | None = None
    """The party the brief is written for (``--for``), by id."""
    audience_name: str | None = None
    parties: tuple[tuple[str, str], ...] = ()
    """(id, name) of the case's parties, for headings."""
    picture: Picture | None = None
    """Who owns or controls whom, and when the events happened (the HTML brief draws it)."""
    detail: bool = False
    """Render every finding in full after the summary."""
    version: str = __version__

    def summary(self) -> Summary:
        by_status = Counter(f.status for f in self.findings)
        by_regime: dict[str, Counter[str]] = {}
        for finding in self.findings:
            by_regime.setdefault(finding.regime, Counter())[finding.status] += 1
        by_actor: Counter[str] = Counter()
        for finding in self.findings:
            for name in sorted({who.name for who in finding.who_acts}):
                by_actor[name] += 1
        return Summary(
            by_status={s: by_status.get(s, 0) for s in ("triggered", "alleged", "possible")},
            by_regime={r: dict(sorted(c.items())) for r, c in sorted(by_regime.items())},
            by_who_acts=dict(sorted(by_actor.items())),
        )


def build_report(
    case: Case,
    program: Program,
    matches: Sequence[EngineMatch],
    *,
    today: dt.date,
    now: dt.datetime | None = None,
    show_all: bool = False,
    questions: bool = False,
    audience: str | None = None,
    rank_cache: RankCache | None = None,
) -> Report:
    """The report on one case. Deadlines are judged on ``today`` (or the as-of date); a
    deadline counted in hours is judged on the moment ``now`` when it is given and the report
    is not as of another date, so that a 72-hour notice is "passed" from the minute it ran out,
    not from the next day."""
    evaluator = Evaluator(program.rules, case, program.as_of)
    reference = program.as_of or today
    clock = now if program.as_of is None else None
    explained = [
        explain_match(evaluator, program, match, reference, clock) for match in matches
    ]
    explained.sort(key=_order)
    findings = [f for f in explained if f.engaged]
    ranked = ranked_questions(program, case, explained, rank_cache) if questions else ()
    if questions:
        kept = {q.path for q in ranked}
        findings = [replace(f, questions=tuple(q for q in f.questions if q.path in kept))
                    for f in findings]
    not_applied: list[NotApplied] = []
    if show_all:
        fired = {match.rule for match in matches}
        for rule in program.pack.findings:
            if rule.id in fired:
                continue
            reason = program.skipped.get(rule.id) or why_not(evaluator, rule)
            not_applied.append(NotApplied(rule.id, rule.regime, rule.title, reason))
    return Report(
        case_id=case.id,
        case_title=case.title,
        case_file=case.file,
        as_of=program.as_of.isoformat() if program.as_of else None,
        deadlines_as_of=reference.isoformat(),
        findings=tuple(findings),
        not_applied=tuple(not_applied),
        rules_considered=len(program.pack.findings),
        show_all=show_all,
        record=record(case),
        not_assessed=_not_assessed(program, [f for f in explained if not f.engaged]),
        questions=ranked,
        audience=audience,
        audience_name=_party_name(case, audience),
        parties=tuple((o.id, o.name) for o in case.of_kind("party")),
        picture=picture(case),
    )


def _not_assessed(program: Program, findings: Sequence[Finding]) -> tuple[NotAssessed, ...]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    out = []
    for rule_id, group in sorted(by_rule.items()):
        rule = program.pack.get(rule_id)
        assert rule is not None
        out.append(NotAssessed(rule_id, rule.regime, rule.title, rule.engage_if,
                               tuple(dict(f.on) for f in group)))
    return tuple(out)


def _party_name(case: Case, party: str | None) -> str | None:
    if party is None:
        return None
    for obj in case.objects:
        if obj.kind == "party" and obj.id == party:
            return obj.name
    raise InputError(f"--for: no party {party!r} in {case.file}",
                     hint="parties: " + ", ".join(o.id for o in case.of_kind("party")))


def record(case: Case) -> tuple[Step, ...]:
    """The authorities' steps the case states (``process.<authority>.<step>`` on events)."""
    steps: list[tuple[str, Step]] = []
    for event in case.of_kind("event"):
        for path, fact in event.facts.items():
            parts = path.split(".")
            if len(parts) != 3 or parts[0] != "process":
                continue
            value = fact.value
            lo = getattr(value, "lo", value)
            written = fact.written if fact.written is not None else getattr(
                value, "written", value)
            steps.append((str(lo), Step(
                event.id, event.name, parts[1], parts[2], _written(written), fact.status,
                fact.source, fact.at)))
    steps.sort(key=lambda item: (item[0], item[1].event, item[1].authority, item[1].step))
    return tuple(step for _, step in steps)


def _written(value: object) -> str:
    if isinstance(value, dict):
        if "from" in value and "to" in value:
            return f"{value['from']} to {value['to']}"
        if "to" in value:
            return f"on or before {value['to']}"
        if "from" in value:
            return f"on or after {value['from']}"
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _order(finding: Finding) -> tuple[int, int, str, str, tuple[tuple[str, str], ...]]:
    return (
        -STATUS_RANK[finding.status],
        SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 99,
        finding.regime,
        finding.rule,
        tuple(sorted(finding.on.items())),
    )
