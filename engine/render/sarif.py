"""``rex check --format sarif``: SARIF 2.1.0 for code-scanning tools.

One result per finding (triggered as error, alleged as warning, possible as note), per invalid
file, per unmet expectation and per change from the baseline; each is located at the case-file
line that carries the decisive fact. Rule metadata carries the provision's URL as help link.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..check import CaseResult, CheckResult, Totals
from ..model import Finding
from ..rulemodel import RulePack
from .spool import Spool, json_array, json_element, json_frame, render_all

LEVEL = {"triggered": "error", "alleged": "warning", "possible": "note"}
TOOL_RULES = {
    "rex/invalid-case-file": "The case file could not be read or is not valid.",
    "rex/unmet-expectation": "The case's expect block is not met.",
    "rex/exposure-drift": "The case's findings differ from the recorded baseline.",
}


def location(at: str) -> dict[str, Any]:
    """A SARIF location from ``file:line:col``."""
    parts = at.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        file, line, column = parts[0], int(parts[1]), int(parts[2])
    elif len(parts) >= 2 and parts[-1].isdigit():
        file, line, column = ":".join(parts[:-1]), int(parts[-1]), 1
    else:
        file, line, column = at, 1, 1
    return {"physicalLocation": {"artifactLocation": {"uri": _uri(file)},
                                 "region": {"startLine": max(line, 1),
                                            "startColumn": max(column, 1)}}}


def _uri(file: str) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def decisive(finding: Finding, fallback: str) -> str:
    """Where the fact the finding turns on is stated."""
    if finding.status == "possible" and finding.questions and finding.questions[0].at:
        return finding.questions[0].at
    if finding.status == "alleged":
        for fact in finding.facts:
            if fact.status == "alleged":
                return fact.at
    first = next(iter(sorted(finding.on.items())), None)
    if first is not None:
        for fact in finding.facts:
            if fact.path.startswith(first[1] + "."):
                return fact.at
    return finding.facts[0].at if finding.facts else fallback


def render(result: CheckResult, pack: RulePack) -> str:
    return render_all(SarifWriter(pack), result)


class SarifWriter:
    """A SARIF log whose results are spooled as each file is checked."""

    def __init__(self, pack: RulePack) -> None:
        self.rules = [_rule_meta(rule) for rule in pack.findings]
        self.rules += [{"id": ident, "name": ident.split("/")[1],
                        "shortDescription": {"text": text},
                        "defaultConfiguration": {"level": "error"}}
                       for ident, text in TOOL_RULES.items()]
        self.index = {rule["id"]: i for i, rule in enumerate(self.rules)}
        self.results = Spool(",\n")
        self.depth = json_frame(self._log([], True), _RESULTS)[2]

    def add(self, item: CaseResult) -> None:
        for entry in _results(item, self.index):
            self.results.add(json_element(entry, self.depth))

    def finish(self, totals: Totals) -> Iterator[str]:
        return json_array(self._log([], totals.exit_code != 2), _RESULTS, self.results)

    def _log(self, results: list[Any], successful: bool) -> dict[str, Any]:
        return {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "rex", "version": __version__, "rules": self.rules}},
                "results": results,
                "invocations": [{"executionSuccessful": successful}],
            }],
        }


_RESULTS: tuple[str | int, ...] = ("runs", 0, "results")


def _results(item: CaseResult, index: dict[str, int]) -> list[dict[str, Any]]:
    results = []
    for problem in item.problems:
        at = f"{problem.file}:{problem.line or 1}:{problem.column or 1}"
        results.append(_result("rex/invalid-case-file", index, "error", problem.one_line(), at))
    if item.gone:
        for drift in item.drift:
            results.append(_result("rex/exposure-drift", index, "error", drift.one_line(),
                                   f"{item.path}:1:1"))
    if item.report is None:
        return results
    for finding in item.report.findings:
        text = f"{finding.title} ({finding.status}; {finding.provision})"
        if finding.questions:
            text += " To settle it: " + " ".join(q.question for q in finding.questions[:3])
        entry = _result(finding.rule, index, LEVEL[finding.status], text,
                        decisive(finding, item.path))
        entry["properties"] = {"status": finding.status, "regime": finding.regime,
                               "severity": finding.severity, "case": item.report.case_id,
                               "on": dict(sorted(finding.on.items()))}
        results.append(entry)
    for mismatch in item.mismatches:
        at = str(mismatch.at) if mismatch.at else item.path
        results.append(_result("rex/unmet-expectation", index, "error", mismatch.message, at))
    for drift in item.drift:
        results.append(_result("rex/exposure-drift", index, "error", drift.one_line(),
                               f"{item.path}:1:1"))
    return results


def _rule_meta(rule: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id.replace(".", "-"),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "help": {"text": f"{rule.provision}: {rule.url}"},
        "properties": {"regime": rule.regime, "provision": rule.provision,
                       "severity": rule.severity},
    }
    if rule.url:
        meta["helpUri"] = rule.url
    return meta


def _result(rule_id: str, index: dict[str, int], level: str, text: str,
            at: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"ruleId": rule_id, "level": level, "message": {"text": text},
                             "locations": [location(at)]}
    if rule_id in index:
        entry["ruleIndex"] = index[rule_id]
    return entry
