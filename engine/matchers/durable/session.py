"""A compiled program's rulesets registered in durable_rules, and a case run through them:
facts asserted one at a time, actions run through the C core directly, every fact retracted
after the case (see the package's docstring for the pitfalls each step keeps out of reach)."""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import durable_rules_engine

from ...compiler import CompiledRule, Program, derived_fact
from ...errors import EngineError
from ..kept import Firing, KeptCase
from .host import LOCK, host

MAX_LIVE_FACTS = 20_000
"""Facts one case may hold in one ruleset at once (durable_rules' 32-bit fact hash makes
collisions likely near 46,000; rex stays far below and retries a collision)."""
_MAX_ID_RETRIES = 8


Activation = tuple[str, tuple[str, ...]]
"""A compiled rule that matched (its name) and the ids bound to its bindings, in the compiled
rule's binding order."""

_SESSIONS: dict[str, Session] = {}


def session_for(program: Program) -> Session:
    """The one session for a compiled program in this process.

    Rulesets are named after the program's fingerprint and their actions write to the session
    that registered them, so two programs that compile to the same rulesets (the law as it
    stood on two dates between which nothing changed) must share one session.
    """
    with LOCK:
        found = _SESSIONS.get(program.fingerprint)
        if found is None:
            found = Session(program)
            _SESSIONS[program.fingerprint] = found
        return found


class Session:
    """Evaluates cases against one compiled program, reusing its rulesets for every case.

    Use ``session_for``; a Session is not for use from several threads at once."""

    def __init__(self, program: Program, label: str = "") -> None:
        """``label`` names a second session of the same program apart (tests compare one
        with the other); ``session_for`` gives the one every command uses."""
        self.program = program
        self.label = label
        self.host = host()
        self._activations: list[Activation] = []
        self._derived: list[dict[str, Any]] = []
        self._errors: list[str] = []
        self._generation = 0
        self._names: dict[str, str] = {}
        self.renewals = 0
        self.recording: list[tuple[str, str]] | None = None
        """When a list, every fact asserted is appended with its ruleset (for the benchmark
        that feeds the same facts straight into durable_rules)."""
        self.fired: deque[Firing] = deque()
        """While a case is kept (``keep``), every firing with the facts it bound."""
        self.kept: KeptCase | None = None
        self._register()

    def _register(self) -> None:
        """Register the program's rulesets (under fresh names after a renewal)."""
        suffix = self.label + (f"~{self._generation}" if self._generation else "")
        self._targets: dict[tuple[str, str], list[_Target]] = defaultdict(list)
        self._routes: dict[tuple[str, tuple[str, ...]], list[_Target]] = {}
        for chunk in self.program.chunks:
            name = chunk.name + suffix
            definition = chunk.definition()
            direct: dict[str, Callable[[Mapping[str, Any]], None]] = {}
            for rule in chunk.rules:
                action = f"{name}/{rule.name}"
                definition[rule.name]["run"] = action
                direct[rule.name] = self._action(rule)
                self.host.actions[action] = _closure_action(direct[rule.name])
            try:
                self.host.set_rulesets({name: definition})
            except Exception as exc:
                rules = ", ".join(sorted({r.rule for r in chunk.rules}))
                raise EngineError(
                    f"the rule engine could not compile a ruleset ({exc}); rules in it: {rules}"
                ) from None
            self._names[chunk.name] = name
            ruleset = self.host.get_ruleset(name)
            target = _Target(chunk.name, ruleset._handle, direct)
            for pair in sorted(chunk.observes):
                self._targets[pair].append(target)

    def _renew(self) -> None:
        """Leave rulesets whose state durable_rules has locked, and start on fresh copies.

        The locked rulesets are never touched again (retracting from them can crash the
        process); they cost memory, and a renewal happens only after an abandoned action."""
        self._generation += 1
        self.renewals += 1
        self._activations.clear()
        self._derived.clear()
        self._errors.clear()
        self.fired.clear()
        self.kept = None  # its facts are in the rulesets left behind
        self._register()

    def _action(self, rule: CompiledRule) -> Callable[[Mapping[str, Any]], None]:
        names = list(enumerate(rule.bindings))
        derive = rule.derive
        activations = self._activations
        derived = self._derived
        errors = self._errors

        variables = [(f"x{i}", name) for i, name in names]
        pattern_names = tuple(var for var, _ in variables)
        report = rule.reports
        rule_name = rule.name
        variant = rule.variant
        fired = self.fired

        def action(message: Mapping[str, Any]) -> None:
            try:
                keys = tuple([message[var]["k"] for var in pattern_names])
                if report:
                    activations.append((rule_name, keys))
                new = None
                if derive is not None:
                    matched = {name: message[var] for var, name in variables}
                    fact_name, of, to = derive
                    of_value = str(matched[of[0]][of[1]])
                    to_value = str(matched[to[0]][to[1]]) if to is not None else None
                    new = derived_fact(fact_name, variant, of_value, to_value)
                    derived.append(new)
                if self.kept is not None:
                    fired.append(Firing(rule_name, keys, tuple(
                        [str(message[var]["id"]) for var in pattern_names]), report, new))
            except BaseException as exc:  # an action must never raise into durable_rules
                errors.append(f"{rule.name}: {exc!r}")

        return action

    # -- evaluation ------------------------------------------------------------------------

    def run(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        """Every activation for one case's facts; the session is clean again afterwards."""
        facts = list(facts)
        self.release()  # a kept case's facts would join this case's
        return self._attempt(lambda: self._run_once(facts), kept=False)

    def run_kept(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        """Every activation for a case's facts, as ``run`` gives them, with the facts kept in
        the rulesets: the next call asserts and retracts only the facts that differ
        (``engine.matchers.kept``). ``release`` (or a ``run``) retracts them."""
        facts = list(facts)

        def update() -> list[Activation]:
            if self.kept is None:
                self.kept = KeptCase(self)
            self._activations.clear()
            self._derived.clear()
            return self.kept.update(facts)

        return self._attempt(update, kept=True)

    def _attempt(self, body: Callable[[], list[Activation]], kept: bool) -> list[Activation]:
        """``body``, tried again once on fresh rulesets if the core deferred a fact."""
        for attempt in (1, 2):
            try:
                return body()
            except _ActionFailed as exc:
                # The failed action may have left the state locked: later cases must not run
                # on these rulesets, or their actions would be lost until the lock expires.
                self._renew()
                raise EngineError(str(exc)) from None
            except _Abandoned:
                self._renew()
                if attempt == 2:
                    raise EngineError(
                        "the rule engine abandoned rule actions twice (it deferred facts to a "
                        "state locked by an unfinished action); no report was produced"
                    ) from None
            except BaseException:
                if kept:
                    self._renew()  # what the kept case holds is no longer known: start afresh
                raise
        raise AssertionError("unreachable")

    def release(self) -> None:
        """Retract a kept case's facts (nothing, if none is kept)."""
        if self.kept is not None:
            kept, self.kept = self.kept, None
            try:
                kept.close()
            finally:
                self.fired.clear()

    def _run_once(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        self._activations.clear()
        self._derived.clear()
        self._errors.clear()
        stored: list[tuple[Any, str]] = []
        seen: set[str] = set()
        pending: deque[Mapping[str, Any]] = deque(facts)
        targets = self._targets
        assert_fact = durable_rules_engine.assert_fact
        recording = self.recording
        abandoned = False
        try:
            while pending:
                fact = pending.popleft()
                text = None
                for target in self._route(fact):
                    if text is None:
                        text = dumps(fact)
                    if recording is None:
                        # The common path of _assert, inline: a fact no rule of this ruleset
                        # tests is not stored and starts nothing.
                        try:
                            result = assert_fact(target.handle, text)
                        except Exception as exc:
                            raise _ActionFailed(f"the rule engine refused a fact of kind "
                                                f"{fact['ft']!r}: {exc}") from None
                        if result[0] == _NOT_HANDLED:
                            continue
                        if result[0] == _OK:
                            stored.append((target.handle, text))
                            target.live += 1
                            if target.live > MAX_LIVE_FACTS:
                                raise EngineError(
                                    f"the case needs more than {MAX_LIVE_FACTS:,} live facts "
                                    "in one ruleset; split it into smaller cases")
                            self._run_actions(target, result[1])
                        else:
                            self._assert(target, fact, text, stored, retry_first=True)
                    else:
                        self._assert(target, fact, text, stored)
                    if self._derived:
                        for new in self._derived:
                            if new["id"] not in seen:
                                seen.add(new["id"])
                                pending.append(new)
                        self._derived.clear()
                if not pending:
                    self._drain(pending, seen)
            return list(self._activations)
        except (_Abandoned, _ActionFailed):
            abandoned = True
            raise
        finally:
            for group in targets.values():
                for target in group:
                    target.live = 0
            if not abandoned:
                self._retract(stored)

    def _route(self, fact: Mapping[str, Any]) -> list[_Target]:
        """The rulesets that test a fact of its kind in any of the worlds it is in."""
        worlds = tuple(world for world in "cap" if f"w{world}" in fact)
        key = (fact["ft"], worlds)
        found = self._routes.get(key)
        if found is None:
            found = []
            for world in worlds:
                for target in self._targets.get((fact["ft"], world), ()):
                    if all(known is not target for known in found):
                        found.append(target)
            self._routes[key] = found
        return found

    def _assert(
        self,
        target: _Target,
        fact: Mapping[str, Any],
        text: str,
        stored: list[tuple[Any, str]],
        retry_first: bool = False,
    ) -> None:
        """Assert one serialised fact through the C core, as durable_rules' own Ruleset does,
        without its exceptions (and their JSON) for facts a ruleset does not test.

        With ``retry_first`` the fact was just refused as already observed: it is asserted
        again under another id."""
        if retry_first:
            text = dumps(dict(fact, id=f"{fact['id']}#0"))
        for retry in range(_MAX_ID_RETRIES):
            if self.recording is not None:
                self.recording.append((target.chunk, text))
            try:
                code, offset = durable_rules_engine.assert_fact(target.handle, text)[:2]
            except Exception as exc:
                raise _ActionFailed(f"the rule engine refused a fact of kind {fact['ft']!r}: "
                                    f"{exc}") from None
            if code == _NOT_HANDLED:
                return  # no rule in this ruleset tests such a fact: nothing is stored
            if code == _OBSERVED:
                # A new fact whose 32-bit id hash equals a live fact's: give it another id.
                text = dumps(dict(fact, id=f"{fact['id']}#{retry + 1}"))
                continue
            if code != _OK:
                raise _Abandoned()  # deferred: the state is locked by an unfinished action
            stored.append((target.handle, text))
            target.live += 1
            if target.live > MAX_LIVE_FACTS:
                raise EngineError(
                    f"the case needs more than {MAX_LIVE_FACTS:,} live facts in one ruleset; "
                    "split it into smaller cases"
                )
            self._run_actions(target, offset)
            return
        raise EngineError(f"could not give a fact of kind {fact['ft']!r} a unique id in the "
                          "rule engine")

    def _run_actions(self, target: _Target, offset: Any) -> None:
        """Run the actions an assert made ready, straight through the C core: start, run rex's
        action on the match, complete and start the next, until none is left. This is what
        durable_rules' Ruleset.do_actions does, without its Python layer: no state written
        back (rex's actions never change it), no JSON of the state per action, no action
        timeout read from the wall clock (docs/durable-rules.md)."""
        handle = target.handle
        try:
            ready = durable_rules_engine.start_action_for_state(handle, offset)
        except Exception as exc:
            raise EngineError(f"the rule engine could not start actions: {exc}") from None
        if not ready:
            return  # nothing matched: the common case
        actions = target.actions
        errors = self._errors
        text = ready[1]
        while text:
            try:
                for name, message in loads(text).items():
                    actions[name](message)
                    break
                if errors:
                    raise _ActionFailed("a rule action failed: " + "; ".join(errors[:3]))
                text = durable_rules_engine.complete_and_start_action(handle, offset)
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    durable_rules_engine.abandon_action(handle, offset)
                if isinstance(exc, _ActionFailed):
                    raise
                raise _ActionFailed(f"the rule engine failed while running actions: {exc!r}") \
                    from None

    def _drain(self, pending: deque[Mapping[str, Any]], seen: set[str]) -> None:
        """Run any action the engine still holds (none is expected; see tests)."""
        before = len(self._activations)
        self.dispatch()
        if len(self._activations) != before:
            self.drained = getattr(self, "drained", 0) + len(self._activations) - before
        for new in self._derived:
            if new["id"] not in seen:
                seen.add(new["id"])
                pending.append(new)
        self._derived.clear()

    def dispatch(self) -> None:
        """Have every ruleset run the actions it still holds."""
        for chunk in self.program.chunks:
            try:
                self.host.get_ruleset(self._names[chunk.name]).dispatch()
            except Exception as exc:
                raise _ActionFailed(f"the rule engine failed while dispatching actions: "
                                    f"{exc!r}") from None
        if self._errors:
            raise _ActionFailed("a rule action failed: " + "; ".join(self._errors[:3]))

    def retract(self, target: _Target, text: str) -> None:
        """Retract one stored fact (a kept case's)."""
        try:
            durable_rules_engine.retract_fact(target.handle, text)
        except Exception as exc:  # pragma: no cover - would leave the session dirty
            raise EngineError(f"the rule engine could not retract a fact: {exc}") from None
        target.live -= 1

    def _retract(self, stored: list[tuple[Any, str]]) -> None:
        """Retract every fact the case stored (no rule tests an absence, so a retraction
        starts no action)."""
        retract = durable_rules_engine.retract_fact
        for handle, text in reversed(stored):
            try:
                retract(handle, text)
            except Exception as exc:  # pragma: no cover - would leave the session dirty
                raise EngineError(f"the rule engine could not retract a fact: {exc}") from None

    def live_facts(self) -> int:
        """Facts left in the session's rulesets (0 between cases); used by the tests."""
        total = 0
        for chunk in self.program.chunks:
            try:
                total += len(self.host.get_facts(self._names[chunk.name], "0"))
            except Exception as exc:
                if "309" not in str(exc):  # 309: no fact ever reached this ruleset
                    raise
        return total


def _closure_action(action: Callable[[Mapping[str, Any]], None]) -> Callable[[Any], None]:
    """The action as durable_rules' own layer calls it (with a Closure), for ``_drain``."""
    def run(closure: Any) -> None:
        action(closure._m)
    return run


class _Abandoned(Exception):
    """The C core deferred a fact: a state is locked by an action that was not completed."""


class _ActionFailed(Exception):
    """An action, or durable_rules around it, failed after the engine started it: the
    ruleset's state may be locked, so the session moves to fresh rulesets."""


@dataclass
class _Target:
    """A registered ruleset: its chunk's name, its C handle, rex's actions for it, and
    how many facts of the current case it holds."""

    chunk: str
    handle: Any
    actions: Mapping[str, Callable[[Mapping[str, Any]], None]]
    """rex's action for each rule of the ruleset, by the rule's name in it."""
    live: int = 0


# Result codes of durable_rules_engine.assert_fact (rules.h).
_OK, _NOT_HANDLED, _OBSERVED = 0, 1, 2
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
loads = json.JSONDecoder().decode
"""Facts as durable_rules reads them (compact; the C parser takes any JSON spacing)."""
