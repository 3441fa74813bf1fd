"""The process's one durable_rules host, and the check that the engine build carries rex's
fixes (docs/durable-rules.md, pitfalls 28 and 29)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from ...errors import EngineError


class _Host(durable_engine.Host):  # type: ignore[misc]
    """A durable_rules host whose actions rex provides and whose timer threads never start."""

    def __init__(self) -> None:
        self.actions: dict[str, Callable[[Any], None]] = {}
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self.actions[action_name]

    def _run(self) -> None:
        """Host() starts two threads that poll every ruleset forever; rex uses no timers."""


LOCK = threading.RLock()
"""Held while the host or a session is made."""
_HOSTS: list[_Host] = []


REQUIRED_FIXES = 2
"""The level of rex's patch to durable-rules 2.0.28 (third_party/durable-rules) this code needs."""


def check_engine_build() -> None:
    """Refuse to run on a durable-rules build without rex's fixes.

    Stock 2.0.28 leaves the frame of every completed action marked as being dispatched; when
    rex retracts the facts of a case in which a rule with two or more patterns fired, the C
    core scans past that frame's end, reading and sometimes writing the memory after it
    (docs/durable-rules.md, pitfall 28). And when the last join test of a pattern fails after
    the others held, it reads on through the rule network until a byte happens to match, and
    crashes where none does (pitfall 29). Results could be silently wrong, or the process could
    crash, so no report is made on a build without both fixes."""
    fixes = getattr(durable_rules_engine, "REX_FIXES", 0)
    if fixes < REQUIRED_FIXES:
        raise EngineError(
            "the installed durable-rules 2.0.28 lacks rex's fixes to its C core (without them "
            "evaluating cases can corrupt memory); install the fixed build with "
            "'python third_party/durable-rules/build.py' from a rex checkout (make run does "
            "this), see docs/durable-rules.md"
        )


def host() -> _Host:
    """The process's one durable_rules host (each Host would cost memory and threads)."""
    with LOCK:
        if not _HOSTS:
            check_engine_build()
            _HOSTS.append(_Host())
        return _HOSTS[0]
