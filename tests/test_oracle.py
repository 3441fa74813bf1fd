"""The compiled durable_rules rulesets and the plain-Python evaluator agree on generated cases.

The evaluator reads rules as written with three-valued logic; the compiler rewrites them
(negation normal form, relaxed variants, alternatives split per pattern, unbound bindings).
Any disagreement is a bug in one of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cases import case_from_document
from engine.evaluate import Engine
from engine.yamlio import load_bytes

from .strategies import DATES, cases

AS_OF = st.one_of(st.none(), st.sampled_from(DATES))


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def load(data: dict[str, Any]) -> Any:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False).encode()
    return case_from_document(load_bytes(text, "generated.yaml"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=cases(), as_of=AS_OF)
def test_shipped_rules_engine_matches_evaluator(engine: Engine, data: dict[str, Any],
                                                as_of: dt.date | None) -> None:
    case = load(data)
    assert engine.statuses(case, as_of) == engine.oracle(case, as_of)
    assert engine.session(as_of).live_facts() == 0
