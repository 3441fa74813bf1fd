"""``rex check`` results as text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from ..check import CheckResult
from .json_report import to_dict
from .safe import visible


def summary(result: CheckResult) -> dict[str, int]:
    items = result.results
    return {
        "files": len(items),
        "invalid": sum(1 for r in items if r.invalid),
        "unmet_expectations": sum(len(r.mismatches) for r in items),
        "gated_findings": sum(len(r.gated) for r in items),
        "drift": sum(len(r.drift) for r in items),
        "removed_cases": sum(1 for r in items if r.gone),
        "findings": sum(len(r.report.findings) for r in items if r.report),
    }


def text(result: CheckResult) -> str:
    return visible(_text(result))


def _text(result: CheckResult) -> str:
    lines: list[str] = []
    for item in result.results:
        if item.invalid:
            lines.append(f"INVALID {item.path}")
            lines.extend(f"  {p.one_line()}" for p in item.problems)
            continue
        if item.gone:
            lines.append(f"FAIL    {item.path}: removed since the baseline was recorded")
            lines.extend(f"  drift: {d.change} {d.finding}: {d.detail}" for d in item.drift)
            continue
        assert item.report is not None
        state = "FAIL" if item.failed else "ok"
        counts = item.report.summary().by_status
        lines.append(f"{state:7} {item.path}: {counts['triggered']} triggered, "
                     f"{counts['alleged']} alleged, {counts['possible']} possible")
        lines.extend(f"  expectation: {m.message}" for m in item.mismatches)
        lines.extend(f"  gate: {f.rule} {f.status} on "
                     f"{', '.join(f'{k}={v}' for k, v in sorted(f.on.items()))}"
                     for f in item.gated)
        lines.extend(f"  drift: {d.change} {d.finding}" + (f": {d.detail}" if d.detail else "")
                     for d in item.drift)
    totals = summary(result)
    lines.append("")
    lines.append(f"{totals['files']} case files: {totals['invalid']} invalid, "
                 f"{totals['unmet_expectations']} unmet expectations, {totals['gated_findings']} "
                 f"findings at or above the gate, {totals['drift']} changes from the baseline")
    if result.baseline_updated:
        lines.append(f"baseline written to {result.baseline_updated}")
    return "\n".join(lines) + "\n"


def markdown(result: CheckResult) -> str:
    return visible(_markdown(result))


def _markdown(result: CheckResult) -> str:
    totals = summary(result)
    lines = ["# rex check", "",
             f"{totals['files']} case files: {totals['invalid']} invalid, "
             f"{totals['unmet_expectations']} unmet expectations, {totals['gated_findings']} "
             f"findings at or above the gate, {totals['drift']} changes from the baseline.", "",
             "| case file | result | triggered | alleged | possible |", "|---|---|---:|---:|---:|"]
    for item in result.results:
        if item.report is None:
            state = "removed since the baseline" if item.gone else "invalid"
            lines.append(f"| `{item.path}` | {state} | | | |")
            continue
        counts = item.report.summary().by_status
        state = "fail" if item.failed else "ok"
        lines.append(f"| `{item.path}` | {state} | {counts['triggered']} | {counts['alleged']} "
                     f"| {counts['possible']} |")
    problems = [(item.path, line) for item in result.results for line in _lines(item)]
    if problems:
        lines += ["", "## Problems", ""]
        lines += [f"- `{path}`: {line}" for path, line in problems]
    return "\n".join(lines) + "\n"


def _lines(item: Any) -> list[str]:
    out = [p.one_line() for p in item.problems]
    out += [f"expectation: {m.message}" for m in item.mismatches]
    out += [f"gate: {f.rule} ({f.status})" for f in item.gated]
    out += [d.one_line() for d in item.drift]
    return out


def as_json(result: CheckResult) -> str:
    data = {
        "check_schema": "1.0",
        "summary": summary(result),
        "cases": [
            {
                "file": item.path,
                "valid": not item.invalid,
                "removed": item.gone,
                "failed": item.failed,
                "problems": [p.one_line() for p in item.problems],
                "unmet_expectations": [m.message for m in item.mismatches],
                "gated": [{"rule": f.rule, "status": f.status, "on": dict(sorted(f.on.items()))}
                          for f in item.gated],
                "drift": [{"change": d.change, "finding": d.finding, "detail": d.detail}
                          for d in item.drift],
                "report": to_dict(item.report) if item.report else None,
            }
            for item in result.results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
