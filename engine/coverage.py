"""``rex rules test``: run the cases that exercise rules, and measure how well each rule is
covered: a case that triggers it, a case where it does not fire, and a case where it is only
possible for want of a fact.

A rule resting on an unverified figure or wording never gives more than possible; for it, a
case whose facts would trigger it (the report says so in ``capped_from``) fills the first
column."""

from __future__ import annotations

from dataclasses import dataclass, field

from .check import CheckResult
from .expect import matched
from .rulemodel import RulePack

KINDS = ("triggered", "absent", "possible")


@dataclass
class RuleCoverage:
    rule: str
    regime: str
    cases: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    awaiting: bool = False
    capped: bool = False
    """Its findings are capped at possible (certainty: unverified)."""

    @property
    def complete(self) -> bool:
        return all(self.cases[k] for k in KINDS)


def coverage(pack: RulePack, result: CheckResult) -> list[RuleCoverage]:
    """Per finding rule, the passing cases that show it triggered, absent and possible."""
    table = {rule.id: RuleCoverage(rule.id, rule.regime, awaiting=rule.awaiting is not None,
                                   capped=rule.certainty == "unverified")
             for rule in pack.findings}
    for item in result.results:
        if item.report is None or item.failed or item.invalid:
            continue
        expect = item.expect
        if expect is None:
            continue
        for wanted in expect.findings:
            entry = table.get(wanted.rule)
            found = matched(item.report, wanted)
            if entry is not None and wanted.status == "possible" and found is not None and \
                    found.capped_from is not None:
                entry.cases["triggered"].append(item.path)
            elif entry is not None and wanted.status in ("triggered", "possible"):
                entry.cases[wanted.status].append(item.path)
            elif entry is not None and wanted.status == "alleged":
                entry.cases["triggered"].append(item.path)
        for rule_id in expect.absent:
            if rule_id in table:
                table[rule_id].cases["absent"].append(item.path)
    return [table[key] for key in sorted(table)]


def percent(rows: list[RuleCoverage]) -> float:
    counted = [row for row in rows if not row.awaiting]
    if not counted:
        return 100.0
    return 100.0 * sum(1 for row in counted if row.complete) / len(counted)


def render(rows: list[RuleCoverage]) -> str:
    lines = [f"{'rule':58} triggered  absent  possible"]
    for row in rows:
        if row.awaiting:
            lines.append(f"{row.rule:58} (awaiting commencement: not counted)")
            continue
        marks = ["yes" if row.cases[k] else "NO" for k in KINDS]
        if row.capped and row.cases["triggered"]:
            marks[0] = "capped"
        lines.append(f"{row.rule:58} {marks[0]:9}  {marks[1]:6}  {marks[2]}")
    lines.append("")
    complete = sum(1 for r in rows if r.complete and not r.awaiting)
    counted = sum(1 for r in rows if not r.awaiting)
    lines.append(f"coverage: {complete} of {counted} rules have all three kinds of case "
                 f"({percent(rows):.1f}%)")
    return "\n".join(lines) + "\n"
