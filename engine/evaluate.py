"""Evaluate cases: compile the rule pack once, run each case's facts through durable_rules,
and keep the best status for each finding.

This is the library entry point the command line and ``rex check`` use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .compiler import STATUS_OF_VARIANT, Program, compile_pack, encode_case
from .evaluator import oracle_findings
from .model import STATUS_RANK, Case
from .report import EngineMatch, Report, build_report
from .rules import RulePack
from .session import Session, session_for


class Engine:
    """Evaluates cases against one rule pack; compiled programs are cached per as-of date."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._programs: dict[dt.date | None, Program] = {}
        self._sessions: dict[dt.date | None, Session] = {}

    def program(self, as_of: dt.date | None = None) -> Program:
        if as_of not in self._programs:
            self._programs[as_of] = compile_pack(self.pack, as_of)
        return self._programs[as_of]

    def session(self, as_of: dt.date | None = None) -> Session:
        if as_of not in self._sessions:
            self._sessions[as_of] = session_for(self.program(as_of))
        return self._sessions[as_of]

    def prepare(self, case: Case) -> Case:
        """The case with the rows of the packs' reference tables that name one of its parties."""
        keys = {obj.facts["key"].value for obj in case.objects if obj.kind == "name"}
        rows = tuple(row for row in self.pack.reference if row.facts["key"].value in keys)
        return replace(case, objects=case.objects + rows) if rows else case

    def matches(self, case: Case, as_of: dt.date | None = None) -> list[EngineMatch]:
        """The best match of each finding rule and key, as the rule engine finds them."""
        program = self.program(as_of)
        activations = self.session(as_of).run(encode_case(self.prepare(case)))
        best: dict[tuple[str, tuple[str, ...]], EngineMatch] = {}
        rules = {rule.id: rule for rule in program.rules}
        for activation in activations:
            compiled = program.compiled[activation.compiled]
            rule = rules[compiled.rule]
            if rule.finding is None:
                continue
            bound = dict(activation.bound)
            for name in compiled.unbound:
                bound[name] = "?"
            match = EngineMatch(rule.id, STATUS_OF_VARIANT[compiled.variant], bound)
            key = (rule.id, tuple(bound[name] for name in rule.key))
            known = best.get(key)
            if known is None or _better(match, known):
                best[key] = match
        return [best[key] for key in sorted(best)]

    def report(
        self,
        case: Case,
        as_of: dt.date | None = None,
        today: dt.date | None = None,
        show_all: bool = False,
    ) -> Report:
        matches = self.matches(case, as_of)
        return build_report(
            self.prepare(case), self.program(as_of), matches, today=today or dt.date.today(),
            show_all=show_all,
        )

    def statuses(
        self, case: Case, as_of: dt.date | None = None
    ) -> dict[tuple[str, tuple[str, ...]], str]:
        """(rule, key) -> status from the rule engine; compare with ``oracle``."""
        program = self.program(as_of)
        rules = {rule.id: rule for rule in program.rules}
        out: dict[tuple[str, tuple[str, ...]], str] = {}
        for match in self.matches(case, as_of):
            rule = rules[match.rule]
            out[(match.rule, tuple(match.bound[name] for name in rule.key))] = match.status
        return out

    def oracle(
        self, case: Case, as_of: dt.date | None = None
    ) -> dict[tuple[str, tuple[str, ...]], str]:
        """The same mapping computed by the plain-Python evaluator."""
        return oracle_findings(self.program(as_of).rules, self.prepare(case), as_of)


def _better(new: EngineMatch, old: EngineMatch) -> bool:
    if STATUS_RANK[new.status] != STATUS_RANK[old.status]:
        return STATUS_RANK[new.status] > STATUS_RANK[old.status]
    return sorted(new.bound.items()) < sorted(old.bound.items())


