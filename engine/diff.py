"""``rex diff``: what changed between two reports (or two rule packs over the same cases),
finding by finding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .comparison import compare, key, record_of_json


@dataclass(frozen=True)
class Change:
    case: str
    change: str
    """``new``, ``removed`` or ``changed``."""
    finding: str
    detail: str

    def one_line(self) -> str:
        text = f"{self.case}: {self.change} {self.finding}"
        return text + (f": {self.detail}" if self.detail else "")


def _index(reports: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for report in reports:
        case = report["case"]["id"]
        out[case] = {key(f["rule"], f.get("on", {})): record_of_json(f)
                     for f in report.get("findings", [])}
    return out


def diff(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Changes from the old JSON reports to the new, case by case and finding by finding."""
    before, after = _index(old), _index(new)
    changes: list[Change] = []
    for case in sorted(set(before) | set(after)):
        if case not in before:
            changes.append(Change(case, "new", "case", f"{len(after[case])} findings"))
            continue
        if case not in after:
            changes.append(Change(case, "removed", "case", ""))
            continue
        changes += [Change(case, change, name, detail)
                    for change, name, detail in compare(before[case], after[case])]
    return changes
