"""Which rules read which event types: the case format's table and validate --strict."""

from __future__ import annotations

from click.testing import CliRunner

from engine.cases import load_case
from engine.cli import main
from engine.readers import event_readers, unread_facts
from engine.rulemodel import RulePack

from .conftest import CASES, ROOT

WARNED = ROOT / "tests" / "data" / "cases" / "warnings" / "study-with-consideration.yaml"
STUDY = CASES / "rule-tests" / "us-export" / "deemed-export-study.yaml"


def test_every_event_that_releases_technology_is_read_by_the_release_rule(
        pack: RulePack) -> None:
    readers = event_readers(pack)
    for event_type in ("study", "hiring", "visiting-researcher", "research-collaboration",
                       "disclosure", "licence", "transfer"):
        assert "us-export.ear-734.13-release" in readers.rules[event_type], event_type


def test_a_study_stating_a_consideration_is_warned_about(pack: RulePack) -> None:
    unread = unread_facts(load_case(WARNED), event_readers(pack))
    assert [(event.id, path.split(".")[0]) for event, path in unread] == [("phd", "consideration")]


def test_a_study_with_the_facts_rules_read_is_not_warned_about(pack: RulePack) -> None:
    assert unread_facts(load_case(STUDY), event_readers(pack)) == []


def test_validate_strict_exits_1_on_a_warning_and_names_file_line_and_fact() -> None:
    result = CliRunner().invoke(main, ["validate", "--strict", str(WARNED)])
    assert result.exit_code == 1
    assert "study-with-consideration.yaml:18:" in result.output
    assert "consideration" in result.output and "type study" in result.output
    plain = CliRunner().invoke(main, ["validate", str(WARNED)])
    assert plain.exit_code == 0 and "warning:" not in plain.output
