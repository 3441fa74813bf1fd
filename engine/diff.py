"""``rex diff``: what changed between two reports (or two rule packs over the same cases),
finding by finding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


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


def _key(finding: Mapping[str, Any]) -> str:
    on = ",".join(f"{k}={v}" for k, v in sorted(finding.get("on", {}).items()))
    return f"{finding['rule']}[{on}]"


def _record(finding: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "status": finding.get("status"),
        "deadlines": {d["id"]: d.get("date") for d in finding.get("deadlines", [])},
        "who_acts": sorted({w["name"] for w in finding.get("who_acts", [])}),
        "amounts": {a["id"]: a.get("value") for a in finding.get("amounts", [])},
    }


def _index(reports: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for report in reports:
        case = report["case"]["id"]
        out[case] = {_key(f): _record(f) for f in report.get("findings", [])}
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
        old_case, new_case = before[case], after[case]
        for key in sorted(set(old_case) | set(new_case)):
            a, b = old_case.get(key), new_case.get(key)
            if a is None and b is not None:
                changes.append(Change(case, "new", key, f"status {b['status']}"))
            elif b is None and a is not None:
                changes.append(Change(case, "removed", key, f"was {a['status']}"))
            elif a != b and a is not None and b is not None:
                parts = [f"{part} {a[part]} -> {b[part]}" for part in a if a[part] != b[part]]
                changes.append(Change(case, "changed", key, "; ".join(parts)))
    return changes
