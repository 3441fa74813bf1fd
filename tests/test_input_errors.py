"""Bad input gets one line per problem naming file, line and field, and exit status 2.

Each fixture in tests/data/*/invalid/ has one defect, named by its file name; its first line
says which error it must produce.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

from .conftest import DATA

CASE_FIXTURES = sorted((DATA / "cases" / "invalid").glob("*.yaml"))
RULE_FIXTURES = sorted((DATA / "rules" / "invalid").glob("*.yaml"))
LOCATED = re.compile(r"^rex: error: \S+\.yaml:\d+(:\d+)?: ")


def expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect-error: "), path
    return first.removeprefix("# expect-error: ")


def check(result: object, path: Path) -> None:
    output = getattr(result, "output", "")
    assert getattr(result, "exit_code", None) == 2, output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert lines, "no error printed"
    for line in lines:
        assert LOCATED.match(line), line
        assert path.name in line
    assert any(expected(path) in line for line in lines), output


@pytest.mark.parametrize("path", CASE_FIXTURES, ids=lambda p: p.stem)
def test_invalid_case_is_refused_with_its_location(path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(path)])
    check(result, path)


@pytest.mark.parametrize("path", CASE_FIXTURES, ids=lambda p: p.stem)
def test_report_refuses_an_invalid_case_and_writes_nothing(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["report", str(path), "--output", str(out)])
    check(result, path)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.stem)
def test_invalid_rule_file_is_refused_with_its_location(path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(path)])
    check(result, path)


def test_every_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "two-problems.yaml"
    path.write_text("""rex: 1
id: t
title: T
sources: [{id: s, title: S}]
parties:
  - {id: p, name: P, type: compnay, status: confirmed, source: s}
  - {id: q, name: Q, country: UK, status: confirmed, source: s}
""")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert ":6:" in lines[0] and "compnay" in lines[0]
    assert ":7:" in lines[1] and "UK" in lines[1]


def test_case_files_are_never_modified(tmp_path: Path) -> None:
    from .conftest import CASES

    seed = CASES / "anthropic-alibaba-2026.yaml"
    before = seed.read_bytes()
    CliRunner().invoke(main, ["report", str(seed), "--format", "json"])
    CliRunner().invoke(main, ["validate", str(seed)])
    assert seed.read_bytes() == before


def test_schema_reference_and_value_errors_are_listed_together_in_file_order(
        tmp_path: Path) -> None:
    path = tmp_path / "eight-problems.yaml"
    path.write_text("""rex: 1
id: q
title: T
sources: [{id: s, title: t, kind: internal}]
parties:
  - {id: a, name: A, type: company, country: XX, status: confirmed, source: s}
  - {id: b, name: B, type: compny, country: GB, status: confirmed, source: nope}
events:
  - {id: e, type: share-acquisition, by: zz, target: b, shares: {before: 0, after: 130},
     status: confirmed, source: s, dates: {completed: 2024-02-30}}
  - {id: e2, type: share-acquisition, by: a, target: b, status: maybe, source: s,
     dates: {completed: 2024-13-01}}
""")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    expected = ['"XX" is not an allowed value', '"compny"', "the source 'nope'", "names 'zz'",
                "130 is out of range", "2024-02-30 is not a day", '"maybe"',
                "2024-13-01 is not a day"]
    assert len(lines) == len(expected), result.output
    for line, wanted in zip(lines, expected, strict=True):
        assert wanted in line, (wanted, line)
