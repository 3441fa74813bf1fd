"""Which law applies: the rules in force for an evaluation, decided before anything is compiled.

By default each event is judged by the law in force on its own date: every rule is kept, and
the compiler adds to its condition the test that it was in force on the date it applies on. A
rule that applies to no event is judged by the law of the day of the evaluation. With an as-of
date (``rex report --as-of``), the rules in force on that date are applied as they stood.
Law that awaits a commencement date is never applied. Two as-of dates on which the same rules
are in force select the same law, and so share one compiled program.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from .rulemodel import Rule, RulePack


@dataclass(frozen=True)
class Selection:
    """The rules an evaluation applies, and those it leaves out with the reason."""

    as_of: dt.date | None
    rules: tuple[Rule, ...]
    skipped: Mapping[str, str]

    @property
    def key(self) -> tuple[bool, tuple[str, ...]]:
        """What decides the compiled program: whether each event's own date chooses the law
        (the compiled conditions then test it), and which rules are applied."""
        return (self.as_of is None, tuple(rule.id for rule in self.rules))


def select(pack: RulePack, as_of: dt.date | None, today: dt.date | None = None) -> Selection:
    """The rules applied for ``as_of`` (None: each event's own date); a rule that applies to no
    event is judged on ``today`` (by default the day of the evaluation)."""
    if as_of is None and today is None:
        today = dt.date.today()
    applied: list[Rule] = []
    skipped: dict[str, str] = {}
    for rule in pack.rules:
        if rule.awaiting is not None:
            skipped[rule.id] = rule.in_force_text()
        elif as_of is not None and not rule.in_force_on(as_of):
            skipped[rule.id] = f"not in force on {as_of.isoformat()} ({rule.in_force_text()})"
        elif today is not None and rule.applies_on is None and not rule.in_force_on(today):
            skipped[rule.id] = f"not in force today ({rule.in_force_text()})"
        else:
            applied.append(rule)
    return Selection(as_of, tuple(applied), skipped)
