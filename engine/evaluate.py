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
from .session import Session, check_engine_build, session_for


class Engine:
    """Evaluates cases against one rule pack; compiled programs are cached per as-of date."""

    def __init__(self, pack: RulePack) -> None:
        check_engine_build()  # before any output, so that nothing is written on a stock build
        self.pack = pack
        self._programs: dict[dt.date | None, Program] = {}
        self._sessions: dict[dt.date | None, Session] = {}
        self._plan_cache: dict[str, dict[str, tuple[str, int, tuple[int, ...],
                                                    tuple[int, ...], str]]] = {}
        self._binding_names: dict[str, list[str]] = {}

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
        plans = self._plans(program)
        best: dict[tuple[str, tuple[str, ...]], tuple[int, tuple[str, ...], str]] = {}
        for compiled_name, keys in activations:
            rule_id, rank, key_at, bound_at, name = plans[compiled_name]
            key = (rule_id, tuple(keys[i] if i >= 0 else "?" for i in key_at))
            bound = tuple(keys[i] if i >= 0 else "?" for i in bound_at)
            known = best.get(key)
            if known is None or rank > known[0] or (rank == known[0] and bound < known[1]):
                best[key] = (rank, bound, name)
        matches = []
        for key in sorted(best):
            rank, bound, name = best[key]
            variant = program.compiled[name].variant
            names = self._binding_names[key[0]]
            matches.append(EngineMatch(key[0], STATUS_OF_VARIANT[variant],
                                       dict(zip(names, bound, strict=True))))
        return matches

    def _plans(self, program: Program) -> dict[str, tuple[str, int, tuple[int, ...],
                                                          tuple[int, ...], str]]:
        """For each compiled rule that reports: where its key and bindings are in an
        activation's keys (-1 for a binding left unbound)."""
        cached = self._plan_cache.get(program.fingerprint)
        if cached is not None:
            return cached
        rules = {rule.id: rule for rule in program.rules}
        plans = {}
        for name, compiled in program.compiled.items():
            rule = rules[compiled.rule]
            if rule.finding is None:
                continue
            position = {binding: i for i, binding in enumerate(compiled.bindings)}
            names = sorted(b.name for b in rule.bindings)
            self._binding_names[rule.id] = names
            plans[name] = (
                rule.id,
                STATUS_RANK[STATUS_OF_VARIANT[compiled.variant]],
                tuple(position.get(b, -1) for b in rule.key),
                tuple(position.get(b, -1) for b in names),
                name,
            )
        self._plan_cache[program.fingerprint] = plans
        return plans

    def report(
        self,
        case: Case,
        as_of: dt.date | None = None,
        today: dt.date | None = None,
        show_all: bool = False,
        now: dt.datetime | None = None,
    ) -> Report:
        """The report; without ``today``, deadlines are judged today, and those counted in
        hours at this moment (``now``, timezone-aware, when given)."""
        matches = self.matches(case, as_of)
        if today is None:
            now = now or dt.datetime.now(dt.timezone.utc)
            today = dt.date.today()
        return build_report(
            self.prepare(case), self.program(as_of), matches, today=today, now=now,
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
