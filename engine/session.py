"""The only module that imports durable_rules: it runs compiled rulesets over a case's facts.

durable_rules 2.0.28 is unmaintained and its C core crashes or silently drops work on several
paths (docs/durable-rules.md). This module is written so that none of them can be reached:

* one ``Host`` per process, with its two timer threads never started (they would poll the C
  core every 0.2 s and could run actions on another thread);
* rulesets registered once, from deep copies (registration mutates the definition);
* facts asserted one at a time (a batch with one unobserved fact drops the whole batch), with
  ``MessageNotHandledException`` expected and caught per fact;
* one session id for every case, cleaned by retracting every fact rex asserted; ``delete_state``
  is never called (with joins it kills the process);
* actions never assert: they record the match, and rex asserts derived facts itself, at the top
  level, so an exception cannot be swallowed half-way through an action;
* an action that fails, an assert that returns without completing its actions (durable_rules
  abandons actions after 10 s of wall-clock time), a false "already observed" (its 32-bit fact
  id hash collides) and a case that would hold too many live facts are all detected; the first
  two raise ``EngineError`` rather than return a report with a finding missing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from durable import engine as durable_engine
from durable.engine import MessageNotHandledException, MessageObservedException

from .compiler import Chunk, CompiledRule, Program, derived_fact, fkey
from .errors import EngineError

MAX_LIVE_FACTS = 20_000
"""Facts one case may hold in one ruleset at once (durable_rules' 32-bit fact hash makes
collisions likely near 46,000; rex stays far below and retries a collision)."""
_MAX_ID_RETRIES = 8


@dataclass(frozen=True)
class Activation:
    """A compiled rule that matched: the ids bound to its bindings."""

    compiled: str
    bound: tuple[tuple[str, str], ...]


class _Host(durable_engine.Host):  # type: ignore[misc]
    """A durable_rules host whose actions rex provides and whose timer threads never start."""

    def __init__(self) -> None:
        self.actions: dict[str, Callable[[Any], None]] = {}
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self.actions[action_name]

    def _run(self) -> None:
        """Host() starts two threads that poll every ruleset forever; rex uses no timers."""


_LOCK = threading.RLock()
_HOSTS: list[_Host] = []
_SESSIONS: dict[str, Session] = {}


def host() -> _Host:
    """The process's one durable_rules host (each Host would cost memory and threads)."""
    with _LOCK:
        if not _HOSTS:
            _HOSTS.append(_Host())
        return _HOSTS[0]


def session_for(program: Program) -> Session:
    """The one session for a compiled program in this process.

    Rulesets are named after the program's fingerprint and their actions write to the session
    that registered them, so two programs that compile to the same rulesets (the law as it
    stood on two dates between which nothing changed) must share one session.
    """
    with _LOCK:
        found = _SESSIONS.get(program.fingerprint)
        if found is None:
            found = Session(program)
            _SESSIONS[program.fingerprint] = found
        return found


class Session:
    """Evaluates cases against one compiled program, reusing its rulesets for every case.

    Use ``session_for``; a Session is not for use from several threads at once."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.host = host()
        self._activations: list[Activation] = []
        self._derived: list[dict[str, Any]] = []
        self._errors: list[str] = []
        self._generation = 0
        self._names: dict[str, str] = {}
        self.renewals = 0
        self.recording: list[tuple[str, dict[str, Any]]] | None = None
        """When a list, every fact asserted is appended with its ruleset (for the benchmark
        that feeds the same facts straight into durable_rules)."""
        self._register()

    def _register(self) -> None:
        """Register the program's rulesets (under fresh names after a renewal)."""
        suffix = f"~{self._generation}" if self._generation else ""
        for chunk in self.program.chunks:
            name = chunk.name + suffix
            definition = chunk.definition()
            for rule in chunk.rules:
                action = f"{name}/{rule.name}"
                definition[rule.name]["run"] = action
                self.host.actions[action] = self._action(rule)
            try:
                self.host.set_rulesets({name: definition})
            except Exception as exc:
                rules = ", ".join(sorted({r.rule for r in chunk.rules}))
                raise EngineError(
                    f"the rule engine could not compile a ruleset ({exc}); rules in it: {rules}"
                ) from None
            self._names[chunk.name] = name

    def _renew(self) -> None:
        """Leave rulesets whose state durable_rules has locked, and start on fresh copies.

        The locked rulesets are never touched again (retracting from them can crash the
        process); they cost memory, and a renewal happens only after an abandoned action."""
        self._generation += 1
        self.renewals += 1
        self._activations.clear()
        self._derived.clear()
        self._errors.clear()
        self._register()

    def _action(self, rule: CompiledRule) -> Callable[[Any], None]:
        names = list(enumerate(rule.bindings))
        derive = rule.derive
        activations = self._activations
        derived = self._derived
        errors = self._errors

        def action(c: Any) -> None:
            try:
                matched = {name: getattr(c, f"x{i}")._d for i, name in names}
                activations.append(
                    Activation(rule.name, tuple((n, str(matched[n]["k"])) for _, n in names))
                )
                if derive is not None:
                    fact_name, of, to = derive
                    of_value = str(matched[of[0]][of[1]])
                    to_value = str(matched[to[0]][to[1]]) if to is not None else None
                    derived.append(derived_fact(fact_name, rule.variant, of_value, to_value))
            except BaseException as exc:  # an action must never raise into durable_rules
                errors.append(f"{rule.name}: {exc!r}")

        return action

    # -- evaluation ------------------------------------------------------------------------

    def run(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        """Every activation for one case's facts; the session is clean again afterwards."""
        facts = list(facts)
        for attempt in (1, 2):
            try:
                return self._run_once(facts)
            except _Abandoned:
                self._renew()
                if attempt == 2:
                    raise EngineError(
                        "the rule engine abandoned rule actions twice (durable_rules drops "
                        "actions when its wall clock jumps by more than 10 s); no report was "
                        "produced"
                    ) from None
        raise AssertionError("unreachable")

    def _run_once(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        self._activations.clear()
        self._derived.clear()
        self._errors.clear()
        stored: list[tuple[Any, dict[str, Any]]] = []
        live: dict[str, int] = {}
        seen: set[str] = set()
        pending = deque(dict(fact) for fact in facts)
        abandoned = False
        try:
            while pending:
                fact = pending.popleft()
                for chunk in self.program.chunks_for(fact["ft"]):
                    self._assert(chunk, fact, stored, live)
                    if self._derived:
                        for new in self._derived:
                            if new["id"] not in seen:
                                seen.add(new["id"])
                                pending.append(new)
                        self._derived.clear()
                if not pending:
                    self._drain(pending, seen)
            return list(self._activations)
        except _Abandoned:
            abandoned = True
            raise
        finally:
            if not abandoned:
                self._retract(stored)

    def _assert(
        self,
        chunk: Chunk,
        fact: dict[str, Any],
        stored: list[tuple[Any, dict[str, Any]]],
        live: dict[str, int],
    ) -> None:
        ruleset = self.host.get_ruleset(self._names[chunk.name])
        candidate = fact
        for retry in range(_MAX_ID_RETRIES):
            if self.recording is not None:
                self.recording.append((chunk.name, candidate))
            try:
                offset = ruleset.assert_fact(candidate)
            except MessageNotHandledException:
                return  # no rule in this ruleset tests such a fact: nothing is stored
            except MessageObservedException:
                # A new fact whose 32-bit id hash equals a live fact's: give it another id.
                candidate = dict(fact, id=f"{fact['id']}#{retry + 1}")
                continue
            except Exception as exc:
                raise EngineError(f"the rule engine refused a fact of kind {fact['ft']!r}: "
                                  f"{exc}") from None
            stored.append((ruleset, candidate))
            live[chunk.name] = live.get(chunk.name, 0) + 1
            if live[chunk.name] > MAX_LIVE_FACTS:
                raise EngineError(
                    f"the case needs more than {MAX_LIVE_FACTS:,} live facts in one ruleset; "
                    "split it into smaller cases"
                )
            self._run_actions(ruleset, offset)
            return
        raise EngineError(f"could not give a fact of kind {fact['ft']!r} a unique id in the "
                          "rule engine")

    def _run_actions(self, ruleset: Any, offset: Any) -> None:
        """Run the actions an assert made ready, as Host.assert_fact does, but keep hold of the
        state so that an abandoned action chain can be released."""
        outcome: list[tuple[Any, Any]] = []
        ruleset.do_actions(offset, lambda error, state: outcome.append((error, state)))
        if not outcome:
            # durable_rules returned without completing the actions (its action timeout reads
            # the wall clock). The state stays locked for 60 s and every action in that time
            # would be lost: run the case again on fresh rulesets.
            raise _Abandoned()
        error, state = outcome[0]
        if self._errors:
            raise EngineError("a rule action failed: " + "; ".join(self._errors[:3]))
        if error:
            raise EngineError(f"the rule engine failed while running actions: {error}")
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed: {str(state['exception'])[:300]}")

    def _drain(self, pending: deque[dict[str, Any]], seen: set[str]) -> None:
        """Run any action the engine still holds (none is expected; see tests)."""
        before = len(self._activations)
        for chunk in self.program.chunks:
            self.host.get_ruleset(self._names[chunk.name]).dispatch()
        if self._errors:
            raise EngineError("a rule action failed: " + "; ".join(self._errors[:3]))
        if len(self._activations) != before:
            self.drained = getattr(self, "drained", 0) + len(self._activations) - before
        for new in self._derived:
            if new["id"] not in seen:
                seen.add(new["id"])
                pending.append(new)
        self._derived.clear()

    def _retract(self, stored: list[tuple[Any, dict[str, Any]]]) -> None:
        for ruleset, fact in reversed(stored):
            try:
                ruleset.retract_fact(fact)
            except MessageNotHandledException:
                pass
            except Exception as exc:  # pragma: no cover - would leave the session dirty
                raise EngineError(f"the rule engine could not retract a fact: {exc}") from None

    def live_facts(self) -> int:
        """Facts left in the session's rulesets (0 between cases); used by the tests."""
        total = 0
        for chunk in self.program.chunks:
            total += len(self.host.get_facts(self._names[chunk.name], "0"))
        return total


class _Abandoned(Exception):
    """durable_rules returned from an assert without completing its actions."""


def fact_key(path: str) -> str:
    return fkey(path)
