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
