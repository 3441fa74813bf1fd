"""The only package that imports durable_rules: it runs compiled rulesets over a case's facts.

durable_rules 2.0.28 is unmaintained and its C core crashes or silently drops work on several
paths (docs/durable-rules.md). This module is written so that none of them can be reached:

* one ``Host`` per process, with its two timer threads never started (they would poll the C
  core every 0.2 s and could run actions on another thread);
* rulesets registered once, from deep copies (registration mutates the definition);
* facts asserted one at a time (a batch with one unobserved fact drops the whole batch), with
  an unobserved fact simply not stored (the C result code is read directly);
* one session id for every case, cleaned by retracting every fact rex asserted; ``delete_state``
  is never called (with joins it kills the process);
* actions are run through the C core directly (start, run, complete and start the next), not
  through durable_rules' Python action runner, which json-dumps the state for every action and
  abandons actions after 10 s of wall-clock time;
* actions never assert: they record the match, and rex asserts derived facts itself, at the top
  level, so an exception cannot be swallowed half-way through an action;
* an action that fails, a fact the core defers (a locked state), a false "already observed"
  (its 32-bit fact id hash collides) and a case that would hold too many live facts are all
  detected; the first two raise ``EngineError`` rather than return a report with a finding
  missing.
"""
from __future__ import annotations

from ...compiler import STATUS_OF_VARIANT, Program, encode_case, fkey
from ...model import STATUS_RANK, Case
from .. import EngineMatch
from .host import REQUIRED_FIXES, check_engine_build, host
from .session import MAX_LIVE_FACTS, Activation, Session, session_for

__all__ = ["MAX_LIVE_FACTS", "REQUIRED_FIXES", "Activation", "DurableMatcher", "Session",
           "check_engine_build", "fact_key", "host", "session_for"]


def fact_key(path: str) -> str:
    return fkey(path)


_Plan = tuple[str, int, tuple[int, ...], tuple[int, ...], str]


class DurableMatcher:
    """The rule engine: a compiled program's rulesets in durable_rules, over a case's facts."""

    name = "durable_rules"

    def __init__(self, program: Program) -> None:
        self.program = program
        self.session = session_for(program)
        self.binding_names: dict[str, list[str]] = {}
        self.plans = self._plans()

    keep = False
    """Whether the case's facts stay in the session, so that the next case (the same case
    after an answer, in ``rex ask``) is matched by asserting only what differs."""

    def matches(self, case: Case) -> list[EngineMatch]:
        """The best match of each finding rule and key, as the rule engine finds them."""
        facts = encode_case(case, self.program.encoding)
        activations = self.session.run_kept(facts) if self.keep else self.session.run(facts)
        plans = self.plans
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
            variant = self.program.compiled[name].variant
            names = self.binding_names[key[0]]
            matches.append(EngineMatch(key[0], STATUS_OF_VARIANT[variant],
                                       dict(zip(names, bound, strict=True))))
        return matches

    def _plans(self) -> dict[str, _Plan]:
        """For each compiled rule that reports: where its key and bindings are in an
        activation's keys (-1 for a binding left unbound)."""
        rules = {rule.id: rule for rule in self.program.rules}
        plans = {}
        for name, compiled in self.program.compiled.items():
            rule = rules[compiled.rule]
            if rule.finding is None:
                continue
            position = {binding: i for i, binding in enumerate(compiled.bindings)}
            names = sorted(b.name for b in rule.bindings)
            self.binding_names[rule.id] = names
            plans[name] = (
                rule.id,
                STATUS_RANK[STATUS_OF_VARIANT[compiled.variant]],
                tuple(position.get(b, -1) for b in rule.key),
                tuple(position.get(b, -1) for b in names),
                name,
            )
        return plans
