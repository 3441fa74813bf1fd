"""``rex check --format github``: GitHub Actions workflow commands that annotate lines.

Annotations follow the gate: a finding that trips a ``--fail-on`` gate is an error, another
triggered or alleged finding a warning, and a file's possible findings one notice that counts
them (a reviewer's pull request shows what fails it, not dozens of maybes)."""

from __future__ import annotations

from collections.abc import Iterator

from ..check import CaseResult, CheckResult, Totals
from .safe import visible
from .sarif import decisive
from .spool import Spool, render_all


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(kind: str, at: str, title: str, message: str) -> str:
    parts = at.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        where = f"file={_prop(parts[0])},line={parts[1]},col={parts[2]}"
    else:
        where = f"file={_prop(at)}"
    return f"::{kind} {where},title={_prop(title)}::{_data(message)}"


def render(result: CheckResult) -> str:
    return render_all(GithubWriter(), result)


class GithubWriter:
    """Annotations, written file by file."""

    def __init__(self) -> None:
        self.lines = Spool("\n")

    def add(self, item: CaseResult) -> None:
        lines = _annotations(item)
        if lines:
            self.lines.add(visible("\n".join(lines)))

    def finish(self, totals: Totals) -> Iterator[str]:
        del totals
        had = self.lines.count
        yield from self.lines.pieces()
        if had:
            yield "\n"


def _annotations(item: CaseResult) -> list[str]:
    lines = []
    for problem in item.problems:
        at = f"{problem.file}:{problem.line or 1}:{problem.column or 1}"
        lines.append(_annotation("error", at, "rex: invalid case file", problem.message))
    if item.gone:
        for drift in item.drift:
            lines.append(_annotation("error", f"{item.path}:1:1", "rex: exposure drift",
                                     drift.one_line()))
    if item.report is None:
        return lines
    gated = {id(finding) for finding in item.gated}
    possible = []
    for finding in item.report.findings:
        if id(finding) not in gated and finding.status == "possible":
            possible.append(finding)
            continue
        level = "error" if id(finding) in gated else "warning"
        message = f"{finding.title} ({finding.status}). {finding.provision}: {finding.url}"
        lines.append(_annotation(level, decisive(finding, item.path),
                                 f"rex {finding.rule}", message))
    if possible:
        rules = ", ".join(f.rule for f in possible[:5])
        more = f" and {len(possible) - 5} more" if len(possible) > 5 else ""
        lines.append(_annotation(
            "notice", f"{item.path}:1:1", "rex: possible findings",
            f"{len(possible)} possible finding{'s' if len(possible) > 1 else ''} that "
            f"facts not in the case would settle: {rules}{more} (rex report {item.path} "
            "lists them with their questions)"))
    for mismatch in item.mismatches:
        at = str(mismatch.at) if mismatch.at else item.path
        lines.append(_annotation("error", at, "rex: unmet expectation", mismatch.message))
    for drift in item.drift:
        lines.append(_annotation("error", f"{item.path}:1:1", "rex: exposure drift",
                                 drift.one_line()))
    return lines
