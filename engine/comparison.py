"""One comparison of findings, for exposure drift against a baseline (``rex check
--baseline``) and for ``rex diff`` between two reports: the same key, the same record and the
same words, so a change shows alike in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Finding

PARTS = ("status", "deadlines", "who_acts", "amounts")
"""What is compared of a finding found in both: its status, the dates of its deadlines, who
acts, and the amounts at stake."""

Record = Mapping[str, Any]


def key(rule: str, on: Mapping[str, str]) -> str:
    """A finding's identity: its rule and what it binds (``rule[event=deal,target=t]``)."""
    bound = ",".join(f"{name}={value}" for name, value in sorted(on.items()))
    return f"{rule}[{bound}]"


def record(finding: Finding) -> dict[str, Any]:
    return {
        "status": finding.status,
        "deadlines": {d.id: (d.date.isoformat() if d.date else None) for d in finding.deadlines},
        "who_acts": sorted({who.name for who in finding.who_acts}),
        "amounts": {a.id: a.value for a in finding.amounts},
    }


def record_of_json(finding: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` for a finding of a JSON report (docs/report-format.md)."""
    return {
        "status": finding.get("status"),
        "deadlines": {d["id"]: d.get("date") for d in finding.get("deadlines", [])},
        "who_acts": sorted({w["name"] for w in finding.get("who_acts", [])}),
        "amounts": {a["id"]: a.get("value") for a in finding.get("amounts", [])},
    }


def compare(old: Mapping[str, Record], new: Mapping[str, Record]) -> list[tuple[str, str, str]]:
    """(``new``, ``removed`` or ``changed``, the finding's key, what changed) for each finding
    that differs, in key order. A part the old record does not hold (a baseline written
    before amounts were recorded) is not compared."""
    out = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before is None and after is not None:
            out.append(("new", name, f"status {after['status']}"))
        elif after is None and before is not None:
            out.append(("removed", name, f"was {before['status']}"))
        elif before is not None and after is not None:
            parts = [f"{part} {before[part]} -> {after.get(part)}" for part in PARTS
                     if part in before and before[part] != after.get(part)]
            if parts:
                out.append(("changed", name, "; ".join(parts)))
    return out
