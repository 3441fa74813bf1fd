"""A case kept in a durable_rules session between evaluations, for ``rex ask``.

After an answer only a few of a case's facts differ. Instead of asserting every fact again,
a kept case retracts the facts that changed or went, asserts those that are new, and lets the
Rete network find only the matches the difference makes. durable_rules keeps no record of why
a match holds, so this module does: each firing is kept with the stored facts it bound, and
each derived fact with the firings that derive it (its supports). Retracting a fact drops the
firings that bound it; a derived fact left without support is retracted in turn, and so is one
left supported only by other derived facts in a loop (holdings that own each other). No rule tests
an absence, so a retraction never makes a new match, and what the kept case holds is always
what a fresh run over the same facts would find (tests hold the two equal after every answer
of many sessions).

This module does not import durable_rules: it drives the ``Session`` that does
(``engine.matchers.durable``) through its assert, route and retract steps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .durable.session import Activation, Session, _Target

FiringKey = tuple[str, tuple[str, ...]]
"""A firing: the compiled rule's name and the stored ids of the facts it bound."""


@dataclass(frozen=True)
class Firing:
    """One match the engine reported: what ``Session.run`` records, and what it rests on."""

    rule: str
    keys: tuple[str, ...]
    """The object ids bound, in the compiled rule's binding order."""
    ids: tuple[str, ...]
    """The ids under which the bound facts are stored."""
    reports: bool
    derived: dict[str, Any] | None
    """The derived fact this firing asserts, if any."""


@dataclass
class KeptCase:
    """The facts of one case held in a session's rulesets, with the matches they make."""

    session: Session
    texts: dict[str, str] = field(default_factory=dict)
    """Logical fact id -> the fact as serialised (base facts: what ``update`` diffs)."""
    stored: dict[str, list[tuple[_Target, str]]] = field(default_factory=dict)
    """Logical fact id -> where it is stored and under which text (base and derived)."""
    logical: dict[str, str] = field(default_factory=dict)
    """Stored id (a colliding id is stored under another) -> logical fact id."""
    firings: dict[FiringKey, Firing] = field(default_factory=dict)
    bound: dict[str, set[FiringKey]] = field(default_factory=dict)
    """Logical fact id -> the firings that bound it."""
    supports: dict[str, set[FiringKey]] = field(default_factory=dict)
    """Derived fact id -> the firings that derive it."""
    asserted: int = 0
    retracted: int = 0
    """Facts asserted and retracted by the last update (for tests and the benchmark)."""

    def update(self, facts: Iterable[Mapping[str, Any]]) -> list[Activation]:
        """Make the kept facts those of ``facts`` and return every activation they make, as
        ``Session.run`` would for the same facts."""
        from .durable.session import dumps  # noqa: PLC0415 - the module that imports durable_rules

        wanted = {fact["id"]: (fact, dumps(fact)) for fact in facts}
        gone = [lid for lid, text in self.texts.items()
                if lid not in wanted or wanted[lid][1] != text]
        self.asserted = self.retracted = 0
        self._retract(gone)
        if gone:
            self._retract(self._unfounded())
        pending: deque[Mapping[str, Any]] = deque(
            fact for lid, (fact, text) in wanted.items() if self.texts.get(lid) != text)
        for fact in pending:
            self.texts[fact["id"]] = wanted[fact["id"]][1]
        self._assert(pending)
        return [(f.rule, f.keys) for f in self.firings.values() if f.reports]

    def close(self) -> None:
        """Retract every fact: the session is clean again."""
        self._retract(list(self.texts))
        self.texts.clear()

    # -- retraction ------------------------------------------------------------------------

    def _retract(self, ids: list[str]) -> None:
        queue = deque(ids)
        while queue:
            lid = queue.popleft()
            self.texts.pop(lid, None)
            for target, text in self.stored.pop(lid, ()):
                self.session.retract(target, text)
                self.retracted += 1
            for key in self.bound.pop(lid, set()):
                firing = self.firings.pop(key, None)
                if firing is None:
                    continue
                for stored_id in firing.ids:
                    other = self.logical.get(stored_id, stored_id)
                    if other != lid:
                        self.bound.get(other, set()).discard(key)
                if firing.derived is not None:
                    derived = firing.derived["id"]
                    support = self.supports.get(derived)
                    if support is not None:
                        support.discard(key)
                        if not support:
                            del self.supports[derived]
                            queue.append(derived)
        for stored_id in [s for s, lid in self.logical.items() if lid not in self.stored]:
            del self.logical[stored_id]

    def _unfounded(self) -> list[str]:
        """Derived facts still supported, but only by each other: an ownership loop (A holds B,
        B holds A) keeps every count above zero after the fact at its root goes. A derived
        fact stays only if some chain of firings leads to it from base facts."""
        founded = set(self.texts)  # the base facts held
        derived_by: dict[str, list[Firing]] = {}
        for firing in self.firings.values():
            if firing.derived is not None:
                derived_by.setdefault(firing.derived["id"], []).append(firing)
        grown = True
        while grown:
            grown = False
            for lid, firings in derived_by.items():
                if lid in founded:
                    continue
                if any(all(self.logical.get(sid, sid) in founded for sid in f.ids)
                       for f in firings):
                    founded.add(lid)
                    grown = True
        return [lid for lid in self.supports if lid not in founded]

    # -- assertion -------------------------------------------------------------------------

    def _assert(self, pending: deque[Mapping[str, Any]]) -> None:
        from .durable.session import dumps  # noqa: PLC0415

        session = self.session
        while pending:
            fact = pending.popleft()
            lid = fact["id"]
            text = self.texts.get(lid) or dumps(fact)  # a base fact's text is made in update
            places: list[tuple[Any, str]] = []
            for target in session._route(fact):
                stored: list[tuple[Any, str]] = []
                session._assert(target, fact, text, stored)
                places.extend((target, stored_text) for _, stored_text in stored)
                self.asserted += len(stored)
            self.stored[lid] = places
            for _, stored_text in places:
                self.logical[_stored_id(stored_text)] = lid
            self._take_firings(pending)
            if not pending:
                session.dispatch()
                self._take_firings(pending)

    def _take_firings(self, pending: deque[Mapping[str, Any]]) -> None:
        fired = self.session.fired
        while fired:
            firing = fired.popleft()
            key = (firing.rule, firing.ids)
            if key in self.firings:
                continue
            self.firings[key] = firing
            for stored_id in firing.ids:
                self.bound.setdefault(self.logical.get(stored_id, stored_id), set()).add(key)
            if firing.derived is not None:
                derived = firing.derived["id"]
                support = self.supports.setdefault(derived, set())
                if not support and derived not in self.stored \
                        and all(f["id"] != derived for f in pending):
                    pending.append(firing.derived)
                support.add(key)


def _stored_id(text: str) -> str:
    from .durable.session import loads  # noqa: PLC0415

    return str(loads(text)["id"])
