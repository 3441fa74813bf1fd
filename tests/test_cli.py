"""The rex command: formats, exit codes, atomic output, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.schema import validate_json

from .conftest import CASES

SEED = str(CASES / "anthropic-alibaba-2026.yaml")
TRIGGERED = str(CASES / "rule-tests" / "uk-nsi" / "s8-shares-cross-25.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_help_documents_the_exit_codes() -> None:
    code, output = run("--help")
    assert code == 0
    assert "Exit codes" in output and "0  done" in output and "2  could not evaluate" in output
    code, output = run("report", "--help")
    assert code == 0 and "--as-of" in output and "Exit codes" in output


def test_text_report_of_the_seed_case_names_each_regime() -> None:
    code, output = run("report", SEED, "--as-of", "2026-11-27", "--detail")
    assert code == 0
    for regime in ("uk-nsi", "uk-cma", "us-export"):
        assert regime in output
    assert "To settle it, ask:" in output


def test_json_report_validates_against_its_schema() -> None:
    code, output = run("report", SEED, "--format", "json", "--all")
    assert code == 0
    data = json.loads(output)
    assert validate_json("report", data) == []
    assert data["report_schema"] == "2.0"
    assert "not_applied" in data


def test_several_cases_give_a_json_array() -> None:
    code, output = run("report", SEED, TRIGGERED, "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert isinstance(data, list) and len(data) == 2
    for item in data:
        assert validate_json("report", item) == []


def test_markdown_report_has_a_heading_per_status() -> None:
    code, output = run("report", TRIGGERED, "--format", "md", "--detail")
    assert code == 0
    assert output.startswith("# ")
    assert "## Triggered" in output


@pytest.mark.parametrize("gate, expected", [("triggered", 1), ("possible", 1)])
def test_fail_on_trips_the_gate(gate: str, expected: int) -> None:
    code, _ = run("report", TRIGGERED, "--fail-on", gate)
    assert code == expected


def test_fail_on_passes_when_nothing_reaches_the_gate() -> None:
    code, _ = run("report", SEED, "--fail-on", "triggered")
    assert code == 0


def test_output_is_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code, output = run("report", TRIGGERED, "--format", "json", "--output", str(out))
    assert code == 0 and output == ""
    assert json.loads(out.read_text())["case"]["id"] == "nsi-s8-shares-cross-25"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_into_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    code, output = run("report", TRIGGERED, "--output", str(tmp_path / "no" / "r.txt"))
    assert code == 2 and "does not exist" in output and "Traceback" not in output


def test_a_bad_date_is_a_usage_error() -> None:
    code, output = run("report", SEED, "--as-of", "27/11/2026")
    assert code == 2 and "YYYY-MM-DD" in output


def test_a_missing_case_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, output = run("report", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert output.strip().count("\n") == 0 and "cannot read" in output


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--debug", "validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "Traceback" in result.output


def test_explain_shows_each_test_with_its_value_and_line() -> None:
    code, output = run("explain", TRIGGERED, "uk-nsi.s8-entity-control")
    assert code == 0
    assert "result: triggered" in output
    assert "event.shares.after gt 25: true / true" in output
    assert "s8-shares-cross-25.yaml:" in output


def test_explain_an_unknown_rule() -> None:
    code, output = run("explain", TRIGGERED, "uk-nsi.nope")
    assert code == 2 and "no rule 'uk-nsi.nope'" in output


def test_rules_list_json_carries_citations_and_dates() -> None:
    code, output = run("rules", "list", "--regime", "uk-nsi", "--format", "json")
    assert code == 0
    rules = json.loads(output)
    assert rules and all(r["regime"] == "uk-nsi" for r in rules)
    for rule in rules:
        assert rule["url"].startswith("https://")
        # in force from a date, or waiting for a commencement whose date is not yet known
        assert rule["provision"] and (rule["in_force"]["from"] or rule["in_force"]["awaiting"])


def test_rules_list_unknown_regime() -> None:
    code, output = run("rules", "list", "--regime", "xx-none")
    assert code == 2 and "regimes:" in output


def test_rules_show() -> None:
    code, output = run("rules", "show", "uk-cma.s23-turnover-test-100m")
    assert code == 0
    assert "in force from 2025-01-01" in output and "target.turnover.uk.gbp gt 100000000" in output


def test_all_lists_rules_that_did_not_apply_and_why() -> None:
    code, output = run("report", TRIGGERED, "--all", "--as-of", "2024-06-01")
    assert code == 0
    assert "Considered and not applied" in output
    assert "uk-cma.s23-turnover-test-100m: not in force on 2024-06-01" in output
