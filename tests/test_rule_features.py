"""Rule-pack features: reference tables, law awaiting commencement, amounts at stake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cases import case_from_document
from engine.cli import main
from engine.errors import RuleError
from engine.evaluate import Engine
from engine.rules import load_rules
from engine.yamlio import load_bytes

from .conftest import TODAY

PACK = """
commencements:
  future-reform:
    date: null
    note: announced in a government response; the regulations are not yet made
tables:
  - id: test-list
    title: A restricted-party list
    source: {title: The list, url: "https://www.federalregister.gov/test"}
    rows:
      - {entry: "Huawei Technologies Co., Ltd.", aliases: [Huawei], country: CN, since: 2019-05-16}
      - {entry: Other Corp, since: 2020-01-01}
rules:
  - id: uk-test.listed
    title: A party on the test list
    regime: uk-test
    provision: Test Act, s.1
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    severity: high
    match:
      party: party
      name: {name: {party: party}}
      entry: {data: {key: name.key}}
    when: {entry.table: test-list}
    finding:
      title: "{party} is listed"
      who_acts: [{role: authority, name: A, may: act}]
      amounts:
        - id: penalty
          what: Maximum penalty
          currency: GBP
          greater_of: [{fixed: 10000000}, {percent: 5, of: party.turnover.worldwide.gbp}]
  - id: uk-test.reform
    title: A rule waiting for its commencement
    regime: uk-test
    provision: Test Regulations 2026
    url: https://www.legislation.gov.uk/test2
    in_force: {from: {commencement: future-reform}}
    severity: low
    match: {party: party}
    finding:
      title: "{party}"
      who_acts: [{role: authority, name: A, may: act}]
"""

CASE = b"""
rex: 1
id: c
title: C
sources: [{id: s, title: S}]
parties:
  - {id: hw, name: HUAWEI, status: confirmed, source: s,
     turnover: {worldwide: {amount: 1000000000, currency: GBP}}}
  - {id: other, name: Someone Else, aliases: [Other Corp.], status: confirmed, source: s}
  - {id: clean, name: Clean Ltd, status: confirmed, source: s}
"""


def engine(tmp_path: Path) -> Engine:
    (tmp_path / "pack.yaml").write_text(PACK)
    return Engine(load_rules([tmp_path]))


def test_reference_rows_match_parties_by_folded_name_or_alias(tmp_path: Path) -> None:
    case = case_from_document(load_bytes(CASE, "c.yaml"))
    rex = engine(tmp_path)
    assert rex.statuses(case) == {("uk-test.listed", ("hw", "hw:huawei", "test-list:huawei")):
                                  "triggered",
                                  ("uk-test.listed", ("other", "other:othercorp",
                                                      "test-list:othercorp")): "triggered"}
    assert rex.statuses(case) == rex.oracle(case)


def test_amounts_take_the_greater_term_and_say_when_one_is_unknown(tmp_path: Path) -> None:
    case = case_from_document(load_bytes(CASE, "c.yaml"))
    report = engine(tmp_path).report(case, today=TODAY)
    by_party = {f.on["party"]: f for f in report.findings}
    (hw,) = by_party["hw"].amounts
    assert hw.value == 50_000_000 and hw.complete
    assert "5% of hw.turnover.worldwide.gbp (GBP 1,000,000,000) = GBP 50,000,000" in hw.basis
    (other,) = by_party["other"].amounts
    assert other.value == 10_000_000 and not other.complete
    assert "not known: other.turnover.worldwide.gbp" in other.basis
    facts = {f.path for f in by_party["hw"].facts}
    assert "test-list:huawei.table" in facts


def test_law_awaiting_commencement_is_not_applied(tmp_path: Path) -> None:
    case = case_from_document(load_bytes(CASE, "c.yaml"))
    rex = engine(tmp_path)
    for as_of in (None, dt.date(2030, 1, 1)):
        assert not any(rule == "uk-test.reform" for rule, _ in rex.statuses(case, as_of))
    report = rex.report(case, today=TODAY, show_all=True)
    reasons = {n.rule: n.reason for n in report.not_applied}
    assert "awaits the commencement 'future-reform'" in reasons["uk-test.reform"]


def test_a_commencement_date_brings_the_law_into_force(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK.replace("date: null", "date: 2027-01-01"))
    case = case_from_document(load_bytes(CASE, "c.yaml"))
    rex = Engine(load_rules([tmp_path]))
    assert not any(r == "uk-test.reform" for r, _ in rex.statuses(case, dt.date(2026, 12, 31)))
    assert any(r == "uk-test.reform" for r, _ in rex.statuses(case, dt.date(2027, 1, 1)))


def test_rules_list_says_which_rules_await_commencement(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK)
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 0
    assert "not yet in force: awaits the commencement 'future-reform'" in result.output


def test_an_unknown_commencement_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK.replace("{commencement: future-reform}",
                                                     "{commencement: nope}"))
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 2 and "no commencement 'nope' is defined" in result.output


DERIVE_ONLY = """
rules:
  - id: uk-test.gb
    title: A GB party
    regime: uk-test
    provision: Test
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    match: {party: party}
    when: {party.country: GB}
    derive: {fact: gb-party, of: party}
"""
ALSO_A_FINDING = DERIVE_ONLY.replace("    in_force:", "    severity: low\n    in_force:") + """\
    finding:
      title: "{party} is in GB"
      who_acts: [{role: authority, name: A, may: act}]
"""


def test_packs_with_the_same_tests_but_different_findings_each_keep_their_own(
        tmp_path: Path) -> None:
    # Rulesets are shared in a process by fingerprint; the fingerprint must cover what a
    # match means (a finding, a derived fact), not only the tests, or one pack's findings
    # would be read through the other's actions.
    case = case_from_document(load_bytes(b"""
rex: 1
id: c
title: C
sources: [{id: s, title: S}]
parties: [{id: gb, name: GB Ltd, country: GB, status: confirmed, source: s}]
""", "c.yaml"))
    for first, second in ((DERIVE_ONLY, ALSO_A_FINDING), (ALSO_A_FINDING, DERIVE_ONLY)):
        engines = []
        for index, text in enumerate((first, second)):
            folder = tmp_path / f"{len(list(tmp_path.iterdir()))}-{index}"
            folder.mkdir()
            (folder / "pack.yaml").write_text(text)
            engines.append(Engine(load_rules([folder])))
        found = [[f.rule for f in e.report(case, today=TODAY).findings] for e in engines]
        expected = [["uk-test.gb"] if "finding:" in text else [] for text in (first, second)]
        assert found == expected


NOT_TO_CHINA = """\
rules:
  - id: uk-test.not-to-cn
    title: Not sent to China
    regime: uk-test
    provision: Test
    url: https://www.legislation.gov.uk/test
    severity: low
    in_force: {from: "2021-01-01"}
    match: {event: event}
    when:
      not: {event.to_country: CN}
    finding:
      title: "{event} was not sent to China"
      who_acts: [{role: authority, name: A, may: act}]
"""


def test_a_negated_test_reads_a_country_given_as_a_class(tmp_path: Path) -> None:
    # A test under `not` is compiled as its negation; a case that gives the country only as
    # a class must be encoded for that negated test, or the engine silently finds nothing.
    (tmp_path / "pack.yaml").write_text(NOT_TO_CHINA)
    engine = Engine(load_rules([tmp_path]))
    expected = {"CN": {}, "{one_of: [CN]}": {},
                "{one_of: [CN, HK]}": {("uk-test.not-to-cn", ("e0",)): "possible"},
                "{one_of: [HK, FR]}": {("uk-test.not-to-cn", ("e0",)): "triggered"},
                "{not: [CN]}": {("uk-test.not-to-cn", ("e0",)): "triggered"},
                "{not: [US]}": {("uk-test.not-to-cn", ("e0",)): "possible"}}
    for country, statuses in expected.items():
        case = case_from_document(load_bytes(f"""
rex: 1
id: c
title: C
sources: [{{id: s, title: S}}]
parties: [{{id: p, name: P, status: confirmed, source: s}}]
events: [{{id: e0, type: licence, to_country: {country}, dates: {{occurred: 2024-01-02}},
          status: confirmed, source: s}}]
""".encode(), "c.yaml"))
        assert engine.oracle(case, None) == statuses, country
        assert engine.statuses(case, None) == statuses, country


def test_a_rules_folder_beyond_the_file_count_is_refused_before_reading(tmp_path: Path) -> None:
    for index in range(1_001):
        (tmp_path / f"r{index:04}.yaml").write_text("not: [valid")  # never read
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert "1,001 rule files; at most 1,000 are read" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_rule_files_beyond_the_total_size_are_refused_before_reading(tmp_path: Path) -> None:
    for index in range(7):
        with (tmp_path / f"r{index}.yaml").open("wb") as sparse:
            sparse.truncate(5 * 1024 * 1024)  # sparse: no byte is written, or read
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert "the rule files hold 35.0 MiB; at most 32 MiB in all are read" in result.output


def test_reference_tables_beyond_the_name_limit_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("engine.rules.MAX_REFERENCE_NAMES", 2)
    (tmp_path / "pack.yaml").write_text(PACK)  # three names: two entries and an alias
    with pytest.raises(RuleError, match="list 3 names; at most 2 are read"):
        load_rules([tmp_path])
