"""The matcher seam: what finds the matches of a compiled program's rules in a case.

Two implementations share one interface. ``DurableMatcher`` (``engine.matchers.durable``, the
only module that imports durable_rules) is the default, as the project's design requires.
``OracleMatcher`` (``engine.matchers.oracle``) evaluates the same rules in plain Python with
three-valued logic: it is the oracle the tests and ``rex check --cross-check`` hold the rule
engine to, and the explainer behind the report and ``rex explain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import Case, FindingStatus


@dataclass(frozen=True)
class EngineMatch:
    """A rule, its best status for one key, and what its bindings are bound to."""

    rule: str
    status: FindingStatus
    bound: Mapping[str, str]
    """Binding name -> object id (``?`` for an unbound binding)."""


class Matcher(Protocol):
    """Finds the best match of every finding rule and key in a case."""

    name: str

    def matches(self, case: Case) -> Sequence[EngineMatch]:
        """The best match of each finding rule and key, sorted by rule and key."""
        ...
