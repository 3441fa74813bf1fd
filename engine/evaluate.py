"""The library entry point: evaluate cases against a rule pack and build their reports.

``Engine`` decides which law applies (``engine.inforce``), compiles each distinct selection of
rules once, matches a case with a matcher (durable_rules by default, ``engine.matchers``) and
builds the report, whose explanations come from the plain-Python evaluator. ``cross_check``
holds the rule engine to that evaluator, the visible step the tests and ``rex check
--cross-check`` run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .cases import with_groups
from .compiler import Program, compile_selection
from .inforce import select
from .matchers import EngineMatch, Matcher, check_engine_build, durable_module
from .matchers.oracle import OracleMatcher
from .model import Case
from .report import RankCache, Report, build_report
from .rulemodel import RulePack
from .screening import Screener

if TYPE_CHECKING:
    from .cache import CompileCache
    from .matchers.durable import Session

Statuses = dict[tuple[str, tuple[str, ...]], str]


def durable_matcher(program: Program) -> Matcher:
    matcher: Matcher = durable_module().DurableMatcher(program)
    return matcher


class Engine:
    """Evaluates cases against one rule pack; one compiled program per distinct selection of
    rules in force, one matcher per program."""

    def __init__(self, pack: RulePack,
                 matcher: Callable[[Program], Matcher] = durable_matcher,
                 cache: CompileCache | None = None) -> None:
        """With ``cache`` (the one that gave ``pack``), programs are read from it and kept in
        it instead of compiled in every run."""
        if matcher is durable_matcher:
            check_engine_build()  # before any output: nothing is written on a stock build
        self.pack = pack
        self.make_matcher = matcher
        self.cache = cache
        self._programs: dict[tuple[bool, tuple[str, ...]], Program] = {}
        self._matchers: dict[str, Matcher] = {}
        self._keep = False
        self.screener = Screener(pack.reference)

    def program(self, as_of: dt.date | None = None, today: dt.date | None = None) -> Program:
        """The compiled program for the law applied as of ``as_of`` (None: each event's own
        date; rules that apply to no event judged on ``today``)."""
        selection = select(self.pack, as_of, today)
        found = self._programs.get(selection.key)
        if found is None and self.cache is not None:
            found = self.cache.program(self.pack, selection.key)
        if found is None:
            found = compile_selection(self.pack, selection)
            if self.cache is not None:
                self.cache.keep(self.pack, selection.key, found)
        self._programs[selection.key] = found
        if found.as_of != as_of:  # the same law on another date: the same compiled rulesets
            found = replace(found, as_of=as_of, skipped=selection.skipped)
        return found

    def matcher(self, as_of: dt.date | None = None) -> Matcher:
        program = self.program(as_of)
        found = self._matchers.get(program.fingerprint)
        if found is None:
            found = self._matchers[program.fingerprint] = self.make_matcher(program)
            _keeping(found, self._keep)
        return found

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        """Within it, the rule engine keeps each case's facts from one evaluation to the next,
        so that a case evaluated again after an answer (``rex ask``) costs only the facts that
        differ (``engine.matchers.kept``); on leaving, they are retracted."""
        self._keep = True
        for matcher in self._matchers.values():
            _keeping(matcher, True)
        try:
            yield
        finally:
            self._keep = False
            for matcher in self._matchers.values():
                _keeping(matcher, False)

    def session(self, as_of: dt.date | None = None) -> Session:
        """The durable_rules session behind the default matcher (for tests and benchmarks)."""
        matcher = self.matcher(as_of)
        if not isinstance(matcher, durable_module().DurableMatcher):
            raise TypeError("this engine does not run on durable_rules")
        session: Session = matcher.session
        return session

    def prepare(self, case: Case) -> Case:
        """The case with the rows of the packs' reference tables that name one of its parties,
        and (in the world of what is possible) those whose names are only like one of its
        parties' names (``engine.screening.Screener``)."""
        case = with_groups(case, {g.id: g.members for g in self.pack.groups.values()})
        keys = {str(obj.facts["key"].value) for obj in case.objects if obj.kind == "name"}
        rows = self.pack.reference_rows(keys) + self.screener.near(case)
        return replace(case, objects=case.objects + rows) if rows else case

    def matches(self, case: Case, as_of: dt.date | None = None) -> list[EngineMatch]:
        """The best match of each finding rule and key."""
        return list(self.matcher(as_of).matches(self.prepare(case)))

    def report(
        self,
        case: Case,
        as_of: dt.date | None = None,
        today: dt.date | None = None,
        show_all: bool = False,
        now: dt.datetime | None = None,
        questions: bool = False,
        audience: str | None = None,
        rank_cache: RankCache | None = None,
    ) -> Report:
        """The report; without ``today``, deadlines are judged today, and those counted in
        hours at this moment (``now``, timezone-aware, when given). ``rank_cache`` carries the
        questions' trial answers from one report of a ``rex ask`` session to the next."""
        matches = self.matches(case, as_of)
        if today is None:
            now = now or dt.datetime.now(dt.timezone.utc)
            today = dt.date.today()
        return build_report(
            self.prepare(case), self.program(as_of), matches, today=today, now=now,
            show_all=show_all, questions=questions, audience=audience, rank_cache=rank_cache,
        )

    def statuses(self, case: Case, as_of: dt.date | None = None) -> Statuses:
        """(rule, key) -> status from the matcher; compare with ``oracle``."""
        return _statuses(self.program(as_of), self.matches(case, as_of))

    def oracle(self, case: Case, as_of: dt.date | None = None) -> Statuses:
        """The same mapping computed by the plain-Python evaluator."""
        program = self.program(as_of)
        return _statuses(program, OracleMatcher(program).matches(self.prepare(case)))

    def cross_check(self, case: Case, as_of: dt.date | None = None) -> list[str]:
        """Where the rule engine and the plain-Python evaluator disagree (empty: they agree)."""
        engine, oracle = self.statuses(case, as_of), self.oracle(case, as_of)
        out = []
        for key in sorted(set(engine) | set(oracle)):
            if engine.get(key) != oracle.get(key):
                rule, bound = key
                out.append(f"{rule} on {', '.join(bound)}: the rule engine says "
                           f"{engine.get(key, 'nothing')}, the evaluator "
                           f"{oracle.get(key, 'nothing')}")
        return out


def _keeping(matcher: Matcher, on: bool) -> None:
    """Turn keeping a case on or off for a matcher that can (durable_rules'); turning it off
    retracts what it kept."""
    if hasattr(matcher, "keep"):
        matcher.keep = on
        if not on:
            matcher.session.release()  # type: ignore[attr-defined]


def _statuses(program: Program, matches: Sequence[EngineMatch]) -> Statuses:
    rules = {rule.id: rule for rule in program.rules}
    out: Statuses = {}
    for match in matches:
        rule = rules[match.rule]
        out[(match.rule, tuple(match.bound[name] for name in rule.key))] = match.status
    return out
