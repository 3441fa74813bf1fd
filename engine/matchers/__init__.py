"""The matcher seam: what finds the matches of a compiled program's rules in a case.

Two implementations share one interface. ``DurableMatcher`` (``engine.matchers.durable``, the
only module that imports durable_rules) is the default, as the project's design requires.
``OracleMatcher`` (``engine.matchers.oracle``) evaluates the same rules in plain Python with
three-valued logic: it is the oracle the tests and ``rex check --cross-check`` hold the rule
engine to, and the explainer behind the report and ``rex explain``.

durable_rules is imported only when a command matches cases (``durable_module``): ``rex validate``,
``rex rules list``, ``rules show`` and ``rules lint`` run without it, or with a build that lacks
rex's fixes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from ..errors import EngineError
from ..model import Case, FindingStatus


def durable_module() -> ModuleType:
    """``engine.matchers.durable``, loaded on first use; an ``EngineError`` (one line) where
    durable-rules is not installed."""
    try:
        from . import durable as module  # noqa: PLC0415 - only commands that match need it
    except ImportError as exc:
        raise EngineError(
            f"the rule engine durable-rules is not installed ({exc.msg}); install rex's fixed "
            "build with 'python third_party/durable-rules/build.py' (make run does this)"
        ) from None
    return module


def check_engine_build() -> None:
    """Refuse to match cases on a durable-rules build without rex's fixes (or none)."""
    durable_module().check_engine_build()


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
