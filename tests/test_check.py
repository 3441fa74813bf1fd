"""rex check, rex diff, rex rules test and rex rules lint, driven through the CLI over folders
with a broken file, a drifted case and an unmet expectation."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from engine.cli import main

from .conftest import CASES, SHARED, UNVERIFIED_RULE

NSI = CASES / "rule-tests" / "uk-nsi"
SARIF_SCHEMA = SHARED / "data" / "sarif-schema-2.1.0.json"


def run(*args: str) -> tuple[int, str]:
    """Exit code and standard output (errors go to standard error)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two good cases, one unmet expectation, one invalid file, in nested folders."""
    root = tmp_path / "cases"
    (root / "deals").mkdir(parents=True)
    shutil.copy(NSI / "s8-shares-cross-25.yaml", root / "deals" / "good.yaml")
    shutil.copy(NSI / "s8-shares-25-exactly.yaml", root / "exact.yaml")
    unmet = (NSI / "s8-shares-25-01.yaml").read_text().replace(
        "status: triggered", "status: alleged")
    (root / "deals" / "unmet.yaml").write_text(unmet)
    (root / "broken.yaml").write_text("rex: 1\nid: broken\ntitle: [unclosed\n")
    return root


def test_check_lists_every_invalid_file_and_exits_2(folder: Path) -> None:
    (folder / "second-broken.yaml").write_text("rex: 2\n")
    code, output = run("check", str(folder))
    assert code == 2
    assert "INVALID" in output and "broken.yaml:4" in output
    assert "second-broken.yaml" in output
    assert "FAIL" in output and "unmet.yaml" in output


def test_check_fails_on_an_unmet_expectation(folder: Path) -> None:
    (folder / "broken.yaml").unlink()
    code, output = run("check", str(folder))
    assert code == 1
    assert "expected alleged, the report says triggered" in output
    code, output = run("check", str(folder / "deals" / "good.yaml"), str(folder / "exact.yaml"))
    assert code == 0 and "0 unmet expectations" in output


@pytest.mark.parametrize("gate, code", [("triggered", 1), ("uk-nsi=triggered", 1),
                                        ("us-export=triggered", 0), ("possible", 1)])
def test_fail_on_gates(folder: Path, gate: str, code: int) -> None:
    good = str(folder / "deals" / "good.yaml")
    exit_code, output = run("check", good, "--fail-on", gate)
    assert exit_code == code, output


def test_a_bad_gate_is_a_usage_error(folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(folder), "--fail-on", "sure"])
    assert result.exit_code == 2 and "triggered, alleged or possible" in result.stderr


def test_baseline_records_and_then_catches_drift(folder: Path, tmp_path: Path) -> None:
    good = folder / "deals" / "good.yaml"
    baseline = tmp_path / "baseline.json"
    code, _ = run("check", str(good), "--baseline", str(baseline), "--update-baseline")
    assert code == 0
    recorded = json.loads(baseline.read_text())
    assert recorded["baseline_schema"] == 1
    code, output = run("check", str(good), "--baseline", str(baseline))
    assert code == 0 and "0 changes from the baseline" in output
    good.write_text(good.read_text().replace("shares: {before: 20, after: 30}",
                                             "shares: {before: 20, after: 25}\n"
                                             "    votes: {before: 20, after: 25}\n"
                                             "    resolution_rights: false")
                    .replace("  findings:", "  absent: []\n  findings: []\n  old:", 1)
                    .split("expect:")[0])
    code, output = run("check", str(good), "--baseline", str(baseline))
    assert code == 1
    assert "drift: removed uk-nsi.s8-entity-control" in output


def test_a_case_deleted_since_the_baseline_is_drift(folder: Path, tmp_path: Path) -> None:
    (folder / "broken.yaml").unlink()
    (folder / "deals" / "unmet.yaml").unlink()
    baseline = tmp_path / "baseline.json"
    assert run("check", str(folder), "--baseline", str(baseline), "--update-baseline")[0] == 0
    (folder / "exact.yaml").unlink()
    code, output = run("check", str(folder), "--baseline", str(baseline))
    assert code == 1, output
    assert "exact.yaml: removed since the baseline was recorded" in output
    assert "drift: removed uk-cma.s23-turnover-test-70m" in output  # each finding, listed
    # Checking only the other file does not call the deleted one removed: it is out of scope.
    code, output = run("check", str(folder / "deals"), "--baseline", str(baseline))
    assert code == 0 and "removed" not in output, output
    data = json.loads(run("check", str(folder), "--baseline", str(baseline),
                          "--format", "json")[1])
    assert data["summary"]["removed_cases"] == 1
    junit = ET.fromstring(run("check", str(folder), "--baseline", str(baseline),
                              "--format", "junit")[1])
    assert {case.get("classname") for case in junit.iter("testcase")} == {
        f"rex.{str(folder).strip('/').replace('/', '.')}",
        f"rex.{str(folder / 'deals').strip('/').replace('/', '.')}"}
    assert sum(1 for _ in junit.iter("failure")) == 1


def test_a_baseline_gives_the_same_answer_from_any_folder(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "broken.yaml").unlink()
    (folder / "deals" / "unmet.yaml").unlink()
    baseline = folder / "baseline.json"
    monkeypatch.chdir(folder)
    assert run("check", ".", "--baseline", "baseline.json", "--update-baseline")[0] == 0
    assert sorted(json.loads(baseline.read_text())["cases"]) == ["deals/good.yaml",
                                                                  "exact.yaml"]
    for where in (tmp_path, folder / "deals", Path("/")):
        monkeypatch.chdir(where)
        code, output = run("check", str(folder), "--baseline", str(baseline))
        assert code == 0 and "0 changes from the baseline" in output, (where, output)


MALFORMED = [
    ('{"baseline_schema": 1, "cases": null}', "cases: null"),
    ('{"baseline_schema": 1, "cases": {"a.yaml": []}}', "cases.a.yaml: [] is a list"),
    ('{"baseline_schema": 1, "cases": {"a.yaml": "x"}}', "cases.a.yaml"),
    ('{"baseline_schema": 1, "cases": {"a.yaml": {"r": {"status": "triggered"}}}}',
     "missing required field"),
    ('{"baseline_schema": 1, "cases": {"a.yaml": {"r": {"status": "possible", "deadlines": {},'
     ' "who_acts": [["x"]]}}}}', "who_acts[0]"),
    ('{"baseline_schema": 1, "baseline_schema": 1, "cases": {}}', "appears twice"),
    ('{"baseline_schema": 1, "cases": {"a.yaml": {"r": {"status": NaN}}}}', "NaN"),
    ("[" * 3000 + "]" * 3000, "nests deeper"),
    ('{"baseline_schema": 2, "cases": {}}', "baseline_schema"),
    ("not json", "not valid JSON"),
]


@pytest.mark.parametrize("text, words", MALFORMED)
def test_a_malformed_baseline_or_report_is_one_line_naming_the_file(
        tmp_path: Path, text: str, words: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    good = str(NSI / "s8-shares-cross-25.yaml")
    result = CliRunner().invoke(main, ["check", good, "--baseline", str(bad)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{bad}" in result.stderr and "the baseline file" in result.stderr
    assert words in result.stderr
    report = tmp_path / "report.json"
    assert CliRunner().invoke(main, ["report", good, "--format", "json", "-o",
                                     str(report)]).exit_code == 0
    result = CliRunner().invoke(main, ["diff", str(bad), str(report)])
    assert result.exit_code == 2 and result.stderr.startswith(f"rex: error: {bad}")
    assert result.stderr.count("\n") == 1


def test_sarif_validates_against_the_oasis_schema(folder: Path) -> None:
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA}")
    code, output = run("check", str(folder), "--format", "sarif")
    assert code == 2
    log = json.loads(output)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run_ = log["runs"][0]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    assert rules["uk-nsi.s8-entity-control"]["helpUri"].startswith(
        "https://www.legislation.gov.uk/")
    ids = [result["ruleId"] for result in run_["results"]]
    assert "rex/invalid-case-file" in ids and "rex/unmet-expectation" in ids
    finding = next(r for r in run_["results"] if r["ruleId"] == "uk-nsi.s8-entity-control")
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] > 1
    assert finding["level"] in {"error", "warning", "note"}


def test_junit_has_one_test_case_per_case_file(folder: Path) -> None:
    code, output = run("check", str(folder), "--format", "junit")
    assert code == 2
    suites = ET.fromstring(output.split("\n", 1)[1])
    cases = suites.findall(".//testcase")
    assert len(cases) == 4
    assert suites.get("errors") == "1" and suites.get("failures") == "1"
    assert any(c.find("failure") is not None for c in cases)
    assert any(c.find("error") is not None for c in cases)


def test_github_annotations_point_at_lines(folder: Path) -> None:
    code, output = run("check", str(folder), "--format", "github")
    assert code == 2
    lines = output.strip().splitlines()
    assert any(line.startswith("::error file=") and "broken.yaml,line=4" in line
               for line in lines)
    assert any(line.startswith("::error file=") and "rex%3A unmet expectation" in line
               for line in lines)
    # No gate: a triggered finding warns, and possible findings are one notice per file.
    assert any(line.startswith("::warning ") and "uk-nsi.s8-entity-control" in line
               for line in lines)
    notices = [line for line in lines if line.startswith("::notice ")]
    assert notices and all("possible finding" in line for line in notices)
    assert len(notices) <= 3  # one per valid file at most
    code, gated = run("check", str(folder), "--format", "github", "--fail-on", "triggered")
    assert any(line.startswith("::error ") and "uk-nsi.s8-entity-control" in line
               for line in gated.splitlines())


def test_json_and_markdown_formats(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    code, _ = run("check", str(folder), "--format", "json", "--output", str(out))
    assert code == 2
    data = json.loads(out.read_text())
    assert data["summary"]["files"] == 4 and data["summary"]["invalid"] == 1
    code, output = run("check", str(folder), "--format", "md")
    assert code == 2 and output.startswith("# rex check") and "| invalid |" in output


def test_parallel_check_gives_the_same_results(folder: Path) -> None:
    (folder / "broken.yaml").unlink()
    serial = run("check", str(folder), "--format", "json")
    parallel = run("check", str(folder), "--format", "json", "-j", "2")
    assert serial == parallel


def test_diff_between_two_reports(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    run("report", str(NSI / "s8-shares-cross-25.yaml"), "--format", "json", "--output", str(old))
    data: Any = json.loads(old.read_text())
    data["findings"][0]["status"] = "possible"
    data["findings"].pop()
    new.write_text(json.dumps(data))
    code, output = run("diff", str(old), str(new))
    assert code == 1
    assert "changed" in output and "status triggered -> possible" in output
    assert "removed" in output
    code, output = run("diff", str(old), str(old))
    assert code == 0 and "no change" in output


RULE = """
rules:
  - id: uk-test.big-stake
    title: A stake above a threshold
    regime: uk-test
    provision: Test Act, s.1
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    severity: low
    description: A test rule.
    match: {event: event}
    when: {event.shares.after: {gt: THRESHOLD}}
    finding:
      title: "{event}"
      who_acts: [{role: authority, name: A, may: act}]
"""


def test_diff_between_two_rule_folders(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "r.yaml").write_text(RULE.replace("THRESHOLD", "25"))
    (new / "r.yaml").write_text(RULE.replace("THRESHOLD", "50"))
    code, output = run("diff", str(old), str(new), "--cases", str(NSI / "s8-shares-cross-25.yaml"))
    assert code == 1 and "removed uk-test.big-stake[event=deal]" in output
    code, output = run("diff", str(old), str(old), "--cases", str(NSI / "s8-shares-cross-25.yaml"))
    assert code == 0


def test_rules_test_reports_coverage_and_gates_on_it() -> None:
    code, output = run("rules", "test", str(NSI))
    assert "uk-nsi.s8-entity-control" in output and "coverage:" in output
    assert code == 0
    code, _ = run("rules", "test", str(NSI), "--min-coverage", "100")
    assert code == 1


@pytest.mark.parametrize(("expected", "columns"), [
    ("[{rule: uk-test.unverified, status: possible, on: {party: gb}}]", "capped     NO      NO"),
    ("[{rule: uk-test.unverified, status: possible, on: {party: unknown}}]",
     "NO         NO      yes"),
    ("[{rule: uk-test.unverified, status: possible, on: {party: gb}},"
     " {rule: uk-test.unverified, status: possible, on: {party: unknown}}]",
     "capped     NO      yes"),
])
def test_a_capped_finding_fills_the_triggered_column_only_for_its_own_bindings(
        tmp_path: Path, expected: str, columns: str) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(UNVERIFIED_RULE)
    (tmp_path / "case.yaml").write_text(f"""
rex: 1
id: c
title: C
sources: [{{id: s, title: S}}]
parties:
  - {{id: gb, name: GB Ltd, country: GB, status: confirmed, source: s}}
  - {{id: unknown, name: Somewhere Ltd, status: confirmed, source: s}}
expect:
  findings: {expected}
""")
    code, output = run("rules", "test", str(tmp_path / "case.yaml"),
                       "--rules", str(tmp_path / "rules"))
    assert code == 0, output
    assert f"uk-test.unverified{' ' * 40} {columns}" in output


def test_rules_lint_is_clean_on_the_shipped_packs() -> None:
    code, output = run("rules", "lint")
    assert code == 0, output


def test_rules_lint_finds_problems_of_meaning(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("""
rules:
  - id: uk-test.contradiction
    title: T
    regime: uk-test
    provision: Test
    url: https://example.com/law
    in_force: {from: 2020-01-01}
    severity: low
    series: uk-test.series
    match: {party: party}
    when: {party.country: GB, all: []}
    finding: {title: T, who_acts: [{role: authority, name: A, may: act}]}
""".replace("    when: {party.country: GB, all: []}", """    when:
      all:
        - {party.country: GB}
        - {party.country: US}"""))
    (tmp_path / "second.yaml").write_text("""
rules:
  - id: uk-test.second
    title: T
    regime: uk-test
    provision: Test
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2019-01-01, until: 2021-01-01}
    severity: low
    series: uk-test.series
    description: A test rule.
    match: {party: party}
    ask: {party.type: Unused question?}
    finding: {title: T, who_acts: [{role: authority, name: A, may: act}]}
""")
    code, output = run("rules", "lint", str(tmp_path))
    assert code == 1
    assert "[official-url]" in output
    assert "[never-holds]" in output
    assert "[overlapping-periods]" in output
    assert "[unused-ask]" in output
    assert "[description]" in output


def test_rules_lint_holds_headlines_to_their_status_and_text_to_the_law(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("""
rules:
  - id: uk-test.assertive
    title: T
    regime: uk-test
    provision: Test
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2020-01-01}
    severity: low
    description: Figures from the reference sheet.
    match: {party: party}
    finding:
      title: "{party} must notify"
      headlines: {possible: "{party} must notify", alleged: "{party} must notify"}
      who_acts: [{role: authority, name: A, may: act}]
""")
    code, output = run("rules", "lint", str(tmp_path))
    assert code == 1
    assert output.count("[headline]") == 2
    assert "[our-notes]" in output


def test_rules_lint_reports_files_that_do_not_load(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [{id: x}]\n")
    code, output = run("rules", "lint", str(tmp_path))
    assert code == 1 and "[load]" in output


def test_a_symlink_out_of_the_folder_is_skipped_and_named(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.yaml").write_text('secret: "the text a link must not leak"\n')
    root = tmp_path / "cases"
    (root / "sub").mkdir(parents=True)
    shutil.copy(NSI / "s8-shares-cross-25.yaml", root / "good.yaml")
    (root / "leak.yaml").symlink_to(outside / "secret.yaml")
    (root / "private").symlink_to(outside, target_is_directory=True)
    (root / "sub" / "again.yaml").symlink_to(root / "good.yaml")  # inside the tree: read
    (root / "loop").symlink_to(root, target_is_directory=True)

    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 0, result.output
    assert "must not leak" not in result.output
    assert "2 case files" in result.stdout
    notes = [line for line in result.stderr.splitlines() if "symbolic link" in line]
    assert sorted(n.split(": ")[2] for n in notes) == [str(root / "leak.yaml"),
                                                        str(root / "private")]

    followed = CliRunner().invoke(main, ["check", str(root), "--follow-symlinks"])
    assert followed.exit_code == 2  # the linked files are read, and the secret is invalid
    assert "4 case files" in followed.stdout


def test_a_changed_penalty_is_drift_and_a_diff_in_the_same_words(tmp_path: Path) -> None:
    case = tmp_path / "exports.yaml"
    original = (CASES / "rule-tests" / "us-export" / "entity-list-table-huawei.yaml").read_text()
    case.write_text(original.split("expect:")[0])
    baseline, old, new = tmp_path / "baseline.json", tmp_path / "old.json", tmp_path / "new.json"
    assert run("check", str(case), "--baseline", str(baseline), "--update-baseline")[0] == 0
    run("report", str(case), "--format", "json", "--output", str(old))
    case.write_text(case.read_text().replace("amount: 500000", "amount: 900000"))
    run("report", str(case), "--format", "json", "--output", str(new))
    code, drift = run("check", str(case), "--baseline", str(baseline))
    assert code == 1
    change = ("amounts {'ecra-administrative-penalty': 1000000.0} -> "
              "{'ecra-administrative-penalty': 1800000.0}")
    assert change in drift
    code, diffed = run("diff", str(old), str(new))
    assert code == 1 and change in diffed


def test_a_baseline_written_before_amounts_were_recorded_shows_no_drift_for_them(
        tmp_path: Path) -> None:
    case = tmp_path / "exports.yaml"
    case.write_text((CASES / "rule-tests" / "us-export" / "entity-list-table-huawei.yaml")
                    .read_text().split("expect:")[0])
    baseline = tmp_path / "baseline.json"
    run("check", str(case), "--baseline", str(baseline), "--update-baseline")
    recorded = json.loads(baseline.read_text())
    for findings in recorded["cases"].values():
        for finding in findings.values():
            finding.pop("amounts")
    baseline.write_text(json.dumps(recorded))
    code, output = run("check", str(case), "--baseline", str(baseline))
    assert code == 0 and "0 changes from the baseline" in output
