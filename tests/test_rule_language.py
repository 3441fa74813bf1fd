"""Dated parameters, shared blocks and versions (engine/rules/expand.py): a change in the law
written once, and every mistake in writing it named by file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.cases import case_from_document
from engine.evaluate import Engine
from engine.model import Case
from engine.rules import load_rules, rule_errors
from engine.yamlio import load_bytes

PACK = """
parameters:
  threshold:
    title: The turnover above which the test is met
    values:
      - {value: 70000000, text: GBP 70m, until: 2024-12-31, basis: "Test Act, s.1 as enacted"}
      - {value: 100000000, text: GBP 100m, from: 2025-01-01, basis: "Test Amendment Act, s.2"}
blocks:
  bindings:
    event: event
    target: {party: event.target}
  authority:
    - {role: authority, name: The Authority, may: investigate}
  notifier: {role: notifier, party: target, name: target, may: notify}
  amended-from-2025: {from: 2025-01-01, note: the Amendment Act in force}
rules:
  - id: uk-test.turnover
    regime: uk-test
    url: https://www.legislation.gov.uk/test
    applies_on: event.date
    severity: medium
    match: {use: bindings}
    when: {target.turnover.uk.gbp: {gt: {param: threshold}}}
    ask:
      target.turnover.uk.gbp: What was {target}'s UK turnover (met above {param:threshold})?
    finding:
      title: "{target}'s UK turnover exceeds {param:threshold}"
      who_acts:
        - {use: authority}
        - {use: notifier, may: "notify, voluntarily"}
    versions:
      - id: uk-test.turnover-70m
        title: Turnover test, GBP 70m
        provision: Test Act, s.1
        in_force: {from: 2003-06-20, until: 2024-12-31}
      - id: uk-test.turnover-100m
        title: Turnover test, GBP 100m
        provision: Test Act, s.1, as amended
        in_force: {use: amended-from-2025}
        finding: {summary: "The amended test is met."}
"""


def _write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _case(turnover: int, on: str) -> Case:
    text = f"""
rex: 1
id: language-test
title: A share acquisition
sources: [{{id: s, title: Constructed, kind: internal}}]
parties:
  - {{id: buyer, name: Buyer plc, type: company, country: GB, status: confirmed, source: s}}
  - id: target
    name: Target Ltd
    type: company
    country: GB
    status: confirmed
    source: s
    turnover: {{uk: {{amount: {turnover}, currency: GBP}}}}
events:
  - id: deal
    type: share-acquisition
    status: confirmed
    source: s
    by: buyer
    target: target
    dates: {{completed: {on}}}
"""
    return case_from_document(load_bytes(text.encode(), "case.yaml"))


def test_versions_spell_out_one_rule_per_period_with_the_value_then_in_force(
        tmp_path: Path) -> None:
    pack = load_rules([_write(tmp_path, PACK)])
    old, new = pack.get("uk-test.turnover-70m"), pack.get("uk-test.turnover-100m")
    assert old is not None and new is not None
    assert (old.series, new.series) == ("uk-test.turnover", "uk-test.turnover")
    assert (old.in_force_from, old.in_force_until) == (dt.date(2003, 6, 20), dt.date(2024, 12, 31))
    assert (new.in_force_from, new.in_force_until) == (dt.date(2025, 1, 1), None)
    assert old.finding is not None and new.finding is not None
    assert old.finding.title == "{target}'s UK turnover exceeds GBP 70m"
    assert new.finding.title == "{target}'s UK turnover exceeds GBP 100m"
    assert new.finding.summary == "The amended test is met."
    assert old.ask["target.turnover.uk.gbp"].endswith("(met above GBP 70m)?")
    assert [w.name for w in new.finding.who_acts] == ["The Authority", "target"]
    assert new.finding.who_acts[1].does == "notify, voluntarily"


@pytest.mark.parametrize(("turnover", "on", "fired"), [
    (80_000_000, "2024-06-01", {"uk-test.turnover-70m"}),
    (80_000_000, "2025-06-01", set()),
    (120_000_000, "2025-06-01", {"uk-test.turnover-100m"}),
])
def test_the_threshold_in_force_on_the_day_of_the_event_decides(
        tmp_path: Path, turnover: int, on: str, fired: set[str]) -> None:
    engine = Engine(load_rules([_write(tmp_path, PACK)]))
    statuses = engine.statuses(_case(turnover, on), None)
    assert {rule for (rule, _), status in statuses.items() if status == "triggered"} == fired


def _error(tmp_path: Path, text: str) -> str:
    errors = rule_errors([_write(tmp_path, text)])
    assert errors, "the pack should not load"
    return errors[0].one_line()


def test_an_unknown_block_is_named_with_its_line_and_the_blocks_there_are(
        tmp_path: Path) -> None:
    line = _error(tmp_path, PACK.replace("match: {use: bindings}", "match: {use: bindings2}"))
    assert "pack.yaml:22:" in line and "rules[0].match.use" in line
    assert "no block 'bindings2'" in line and "bindings" in line


def test_a_parameter_used_over_a_period_that_spans_a_change_is_refused(
        tmp_path: Path) -> None:
    text = PACK.replace("until: 2024-12-31}\n      - id: uk-test.turnover-100m",
                        "until: 2025-06-30}\n      - id: uk-test.turnover-100m")
    line = _error(tmp_path, text)
    assert "'threshold' takes more than one value" in line
    assert "uk-test.turnover-70m" in line and "2025-01-01" in line


def test_overlapping_values_of_a_parameter_are_refused(tmp_path: Path) -> None:
    line = _error(tmp_path, PACK.replace("from: 2025-01-01, basis", "from: 2024-12-01, basis"))
    assert "the values of the parameter 'threshold' overlap" in line
    assert "parameters.threshold.values[1]" in line


def test_a_value_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    text = PACK.replace("until: 2024-12-31, basis", "from: 2025-02-01, until: 2024-12-31, basis")
    line = "\n".join(error.one_line() for error in rule_errors([_write(tmp_path, text)]))
    assert "applies from 2025-02-01 until 2024-12-31, an earlier day" in line


def test_a_version_period_from_a_block_with_its_own_until_picks_the_value(
        tmp_path: Path) -> None:
    text = PACK.replace("in_force: {from: 2003-06-20, until: 2024-12-31}",
                        "in_force: {use: amended-from-2025, from: 2003-06-20, until: 2024-12-31}")
    rule = load_rules([_write(tmp_path, text)]).get("uk-test.turnover-70m")
    assert rule is not None and rule.finding is not None
    assert rule.finding.title.endswith("exceeds GBP 70m")
    assert rule.in_force_from == dt.date(2003, 6, 20)


def test_a_block_that_uses_itself_is_refused(tmp_path: Path) -> None:
    text = PACK.replace("  bindings:\n    event: event",
                        "  bindings:\n    loop: {use: bindings}\n    event: event")
    assert "the block 'bindings' uses itself (bindings -> bindings)" in _error(tmp_path, text)


def test_blocks_that_multiply_are_stopped_before_they_fill_memory(tmp_path: Path) -> None:
    blocks = "\n".join(f"  b{i}: [{{use: b{i + 1}}}, {{use: b{i + 1}}}, {{use: b{i + 1}}}]"
                       for i in range(20)) + "\n  b20: [x]"
    text = PACK.replace("blocks:\n", f"blocks:\n{blocks}\n").replace(
        "severity: medium", "severity: medium\n    gate: {use: b0}")
    assert "expand to more than 200,000 values" in _error(tmp_path, text)


def test_a_schema_error_inside_a_version_names_the_line_the_version_wrote(
        tmp_path: Path) -> None:
    text = PACK.replace('finding: {summary: "The amended test is met."}',
                        'finding: {sumary: "The amended test is met."}')
    line = _error(tmp_path, text)
    assert "pack.yaml:40:" in line and "rules[0].versions[1].finding" in line
    assert "sumary" in line


def test_a_schema_error_inside_a_block_names_the_block(tmp_path: Path) -> None:
    line = _error(tmp_path, PACK.replace("may: investigate}", "mya: investigate}"))
    assert "pack.yaml:13:" in line and "blocks.authority[0]" in line


def test_a_parameter_without_its_basis_is_refused(tmp_path: Path) -> None:
    line = _error(tmp_path, PACK.replace(', basis: "Test Amendment Act, s.2"', ""))
    assert "parameters.threshold.values[1]" in line and "basis" in line


def test_the_shipped_turnover_test_is_one_rule_with_two_versions() -> None:
    text = (Path(__file__).resolve().parent.parent / "rules" / "uk-cma"
            / "merger-jurisdiction.yaml").read_text()
    assert text.count("- id: uk-cma.s23-turnover-test") == 3  # the rule and its two versions
    assert "{gt: {param: uk-turnover-threshold}}" in text
    pack = load_rules()
    rule = pack.get("uk-cma.s23-turnover-test-70m")
    assert rule is not None and rule.series == "uk-cma.s23-turnover-test"


def test_a_pack_without_the_new_keys_loads_as_written(tmp_path: Path) -> None:
    plain = """
rules:
  - id: uk-test.plain
    title: A plain rule
    regime: uk-test
    provision: Test Act, s.1
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    severity: low
    match: {party: party}
    finding: {title: "{party}", who_acts: [{role: authority, name: A, may: act}]}
"""
    pack = load_rules([_write(tmp_path, plain)])
    assert [rule.id for rule in pack.rules] == ["uk-test.plain"]
