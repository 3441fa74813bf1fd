"""The compiled durable_rules rulesets and the plain-Python evaluator agree on generated cases.

The evaluator reads rules as written with three-valued logic; the compiler rewrites them
(negation normal form, relaxed variants, alternatives split per pattern, unbound bindings).
Any disagreement is a bug in one of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.cases import case_from_document
from engine.errors import RuleError
from engine.evaluate import Engine
from engine.rules import load_rules
from engine.yamlio import load_bytes

from .strategies import DATES, cases, dump, rule_files

AS_OF = st.one_of(st.none(), st.sampled_from(DATES))


def load(data: dict[str, Any]) -> Any:
    text = dump(data).encode()
    return case_from_document(load_bytes(text, "generated.yaml"))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=cases(), as_of=AS_OF)
def test_shipped_rules_engine_matches_evaluator(engine: Engine, data: dict[str, Any],
                                                as_of: dt.date | None) -> None:
    case = load(data)
    assert engine.statuses(case, as_of) == engine.oracle(case, as_of)
    assert engine.session(as_of).live_facts() == 0


@settings(deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=rule_files(), data=st.lists(cases(max_parties=4, max_events=3), min_size=1,
                                         max_size=3), as_of=AS_OF)
def test_generated_rules_engine_matches_evaluator(tmp_path_factory: Any, text: str,
                                                  data: list[dict[str, Any]],
                                                  as_of: dt.date | None) -> None:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "generated.yaml").write_text(text)
    engine = Engine(load_rules([folder]))
    try:
        engine.program(as_of)
    except RuleError:
        assume(False)  # a condition the compiler refuses as too large is a rule-file error
    for item in data:
        case = load(item)
        assert engine.statuses(case, as_of) == engine.oracle(case, as_of), text
