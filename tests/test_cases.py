"""Every case file in cases/ is a test: its expect block must hold (engine/expect.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cases import load_case
from engine.evaluate import Engine
from engine.expect import compare

from .conftest import CASES, TODAY, case_files


@pytest.mark.parametrize("path", case_files(), ids=lambda p: str(p.relative_to(CASES)))
def test_case_meets_its_expectations(path: Path, engine: Engine) -> None:
    case = load_case(path)
    if case.expect is None:
        pytest.skip("no expect block")
    report = engine.report(case, as_of=case.expect.as_of, today=case.expect.as_of or TODAY)
    problems = compare(report, case.expect)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("path", case_files(), ids=lambda p: str(p.relative_to(CASES)))
def test_engine_and_evaluator_agree_on_case(path: Path, engine: Engine) -> None:
    case = load_case(path)
    for as_of in (None, TODAY):
        assert engine.statuses(case, as_of) == engine.oracle(case, as_of)


def _fact_paths(defs: dict, node: dict, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The dotted paths of every plain fact the case schema lets an object state."""
    paths = []
    for name, prop in node.get("properties", {}).items():
        ref = prop.get("$ref", "").rsplit("/", 1)[-1]
        if ref.endswith("-fact"):
            paths.append((*prefix, name))
        elif ref in defs and "properties" in defs[ref]:
            paths.extend(_fact_paths(defs, defs[ref], (*prefix, name)))
    return paths


def test_every_fact_a_case_can_state_is_one_a_rule_can_read() -> None:
    from engine.catalogue import OBJECT_KINDS, catalogue
    from engine.schema import load_schema

    defs = load_schema("case")["$defs"]
    for kind in OBJECT_KINDS:
        paths = _fact_paths(defs, defs[kind], ())
        assert len(paths) > 10
        unread = [".".join(p) for p in paths
                  if p[0] not in {"id", "name"} and catalogue().field(kind, ".".join(p)) is None]
        assert unread == [], f"{kind}: {unread}"
