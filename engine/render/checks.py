"""``rex check`` results as text, Markdown or JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..check import CaseResult, CheckResult, Totals
from .json_report import to_dict
from .safe import visible
from .spool import Spool, json_array, json_element, render_all


def summary(result: CheckResult) -> dict[str, int]:
    return result.totals.summary()


def text(result: CheckResult) -> str:
    return render_all(TextWriter(), result)


def markdown(result: CheckResult) -> str:
    return render_all(MarkdownWriter(), result)


def as_json(result: CheckResult) -> str:
    return render_all(JsonWriter(), result)


class TextWriter:
    """The terminal summary: a line per file, what failed under it, then the totals."""

    def __init__(self) -> None:
        self.body = Spool("\n")

    def add(self, item: CaseResult) -> None:
        self.body.add(visible("\n".join(_text_lines(item))))

    def finish(self, totals: Totals) -> Iterator[str]:
        had = self.body.count
        yield from self.body.pieces()
        tail = ["", f"{totals.files} case files: {totals.invalid} invalid, "
                    f"{totals.unmet_expectations} unmet expectations, {totals.gated_findings} "
                    f"findings at or above the gate, {totals.drift} changes from the baseline"]
        if totals.baseline_updated:
            tail.append(f"baseline written to {totals.baseline_updated}")
        yield visible(("\n" if had else "") + "\n".join(tail) + "\n")


def _text_lines(item: CaseResult) -> list[str]:
    if item.invalid:
        return [f"INVALID {item.path}", *(f"  {p.one_line()}" for p in item.problems)]
    if item.gone:
        return [f"FAIL    {item.path}: removed since the baseline was recorded",
                *(f"  drift: {d.change} {d.finding}: {d.detail}" for d in item.drift)]
    assert item.report is not None
    state = "FAIL" if item.failed else "ok"
    counts = item.report.summary().by_status
    lines = [f"{state:7} {item.path}: {counts['triggered']} triggered, "
             f"{counts['alleged']} alleged, {counts['possible']} possible"]
    lines.extend(f"  expectation: {m.message}" for m in item.mismatches)
    lines.extend(f"  gate: {f.rule} {f.status} on "
                 f"{', '.join(f'{k}={v}' for k, v in sorted(f.on.items()))}"
                 for f in item.gated)
    lines.extend(f"  drift: {d.change} {d.finding}" + (f": {d.detail}" if d.detail else "")
                 for d in item.drift)
    return lines


class MarkdownWriter:
    """A table of the files, then the problems, for a merge-request comment."""

    def __init__(self) -> None:
        self.rows = Spool("\n")
        self.problems = Spool("\n")

    def add(self, item: CaseResult) -> None:
        if item.report is None:
            state = "removed since the baseline" if item.gone else "invalid"
            self.rows.add(visible(f"| `{item.path}` | {state} | | | |"))
        else:
            counts = item.report.summary().by_status
            state = "fail" if item.failed else "ok"
            self.rows.add(visible(f"| `{item.path}` | {state} | {counts['triggered']} | "
                                  f"{counts['alleged']} | {counts['possible']} |"))
        for line in _lines(item):
            self.problems.add(visible(f"- `{item.path}`: {line}"))

    def finish(self, totals: Totals) -> Iterator[str]:
        yield visible("\n".join([
            "# rex check", "",
            f"{totals.files} case files: {totals.invalid} invalid, "
            f"{totals.unmet_expectations} unmet expectations, {totals.gated_findings} "
            f"findings at or above the gate, {totals.drift} changes from the baseline.", "",
            "| case file | result | triggered | alleged | possible |", "|---|---|---:|---:|---:|"]))
        if self.rows.count:
            yield "\n"
        yield from self.rows.pieces()
        if self.problems.count:
            yield "\n\n## Problems\n\n"
        yield from self.problems.pieces()
        yield "\n"


def _lines(item: Any) -> list[str]:
    out = [p.one_line() for p in item.problems]
    out += [f"expectation: {m.message}" for m in item.mismatches]
    out += [f"gate: {f.rule} ({f.status})" for f in item.gated]
    out += [d.one_line() for d in item.drift]
    return out


class JsonWriter:
    """The check as one JSON document: the summary, then each file with its full report."""

    def __init__(self) -> None:
        self.cases = Spool(",\n")

    def add(self, item: CaseResult) -> None:
        self.cases.add(json_element({
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
        }, 2))

    def finish(self, totals: Totals) -> Iterator[str]:
        document = {"check_schema": "1.0", "summary": totals.summary(), "cases": []}
        return json_array(document, ("cases",), self.cases)
