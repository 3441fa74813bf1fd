"""Name screening: a changed letter cannot evade a listed party, and near matches are scored
for review. The recall and false-match figures are in docs/screening.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine.cases import case_from_document
from engine.cli import main
from engine.evaluate import Engine
from engine.rules import load_rules
from engine.screening import THRESHOLD, Row, name_key, screen
from engine.yamlio import load_bytes

from .conftest import DATA

SET = yaml.safe_load((DATA / "screening" / "names.yaml").read_text(encoding="utf-8"))
ROWS = [Row("test-list", item["entry"], (), None, None) for item in SET["listed"]]


@pytest.mark.parametrize("variant, listed", [
    ("Huаwei Technologies Co., Ltd.", "Huawei Technologies Co., Ltd."),  # Cyrillic а
    ("ＨＵＡＷＥＩ ＴＥＣＨ CO., LTD.", "Huawei Tech Co., Ltd."),  # fullwidth
    ("Zhejiang Dáhua Technology Co., Ltd.", "Zhejiang Dahua Technology Co., Ltd."),  # accent
    ("Ѕugon Information Industry Co., Ltd.", "Sugon Information Industry Co., Ltd."),  # Cyrillic Ѕ
])
def test_confusable_letters_fullwidth_forms_and_accents_fold_to_the_same_key(
        variant: str, listed: str) -> None:
    assert name_key(variant) == name_key(listed)


def test_recall_on_the_variant_set_and_false_matches_on_unrelated_names() -> None:
    variants = [(v, item["entry"]) for item in SET["listed"] for v in item["variants"]]
    found = sum(1 for name, entry in variants
                if (best := screen([name], ROWS)) and best[0].entry == entry)
    false = [name for name in SET["unrelated"] if screen([name], ROWS)]
    assert found / len(variants) >= 0.95, (found, len(variants))
    assert len(false) <= 2, false


def test_a_listed_party_spelt_with_a_cyrillic_letter_still_gets_its_finding() -> None:
    engine = Engine(load_rules())
    case = (DATA.parent.parent / "cases" / "rule-tests" / "us-export" /
            "entity-list-table-huawei.yaml").read_text(encoding="utf-8")
    plain = case_from_document(load_bytes(case.encode(), "plain.yaml"))
    spoofed = case_from_document(load_bytes(case.replace("Huawei", "Huаwei").encode(),
                                            "spoofed.yaml"))
    listed = {key for key in engine.statuses(plain) if key[0].startswith("us-export.ear-744.11")}
    assert listed, "the plain case must give an Entity List finding"
    assert {key for key in engine.statuses(spoofed) if key[0] in {k[0] for k in listed}}


def test_rex_screen_prints_candidates_with_scores(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["screen", "Huawei Technology Co", "Acme Widgets Ltd"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Huawei Technology Co"
    assert "near" in lines[1] and "us-entity-list: Huawei Technologies Co., Ltd." in lines[1]
    assert f"no listed name scores {THRESHOLD:g} or more" in result.output
    shown = CliRunner().invoke(main, ["screen", "ＨＵＡＷＥＩ", "--format", "json"])
    data = json.loads(shown.output)
    assert data["candidates"][0]["exact"] is True
    assert CliRunner().invoke(main, ["screen"]).exit_code == 2


PACK = """
tables:
  - id: test-list
    title: A restricted-party list
    source: {title: The list, url: "https://www.federalregister.gov/test"}
    confirmed_by: listings.us-entity-list.listed
    rows:
      - {entry: "Huawei Technologies Co., Ltd.", aliases: [Huawei], country: CN, since: 2019-05-16}
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
    when:
      all:
        - {entry.table: test-list}
        - {party.listings.us-entity-list.listed: {exists: false}}
    finding:
      title: "{party} is listed"
      who_acts: [{role: authority, name: A, may: act}]
"""


def _case(*parties: str) -> bytes:
    rows = "\n".join(f"  - {party}" for party in parties)
    return f"rex: 1\nid: c\ntitle: C\nsources: [{{id: s, title: S}}]\nparties:\n{rows}\n".encode()


@pytest.fixture
def listed(tmp_path: Path) -> Engine:
    (tmp_path / "pack.yaml").write_text(PACK)
    return Engine(load_rules([tmp_path]))


def test_a_near_match_meets_the_entry_only_as_a_possibility(listed: Engine) -> None:
    case = case_from_document(load_bytes(_case(
        "{id: near, name: Huawey Technologies Ltd, status: confirmed, source: s}",
        "{id: same, name: HUAWEI, status: confirmed, source: s}",
        "{id: unlike, name: Harbour Logistics Ltd, status: confirmed, source: s}"), "c.yaml"))
    statuses = {key[1][0]: status for key, status in listed.statuses(case).items()}
    assert statuses == {"near": "possible", "same": "triggered"}
    assert listed.statuses(case) == listed.oracle(case)


def test_a_near_match_asks_whether_the_party_is_the_listed_one(listed: Engine) -> None:
    case = case_from_document(load_bytes(_case(
        "{id: near, name: Huawey Technologies Ltd, status: confirmed, source: s}"), "c.yaml"))
    report = listed.report(case, questions=True)
    [finding] = report.findings
    [question] = finding.questions
    assert question.path == "near.listings.us-entity-list.listed"
    for shown in ('"Huawei Technologies Co., Ltd."', "also listed as Huawei", "country CN",
                  "from 2019-05-16", "scores 95 of 100", "test-list"):
        assert shown in question.question
    assert [q.path for q in report.questions] == ["near.listings.us-entity-list.listed"]


@pytest.mark.parametrize("listing", ["true", "false"])
def test_a_party_whose_case_states_its_listing_is_not_screened(listed: Engine,
                                                               listing: str) -> None:
    case = case_from_document(load_bytes(_case(
        "{id: near, name: Huawey Technologies Ltd, status: confirmed, source: s, listings: "
        f"{{us-entity-list: {{listed: {listing}, status: confirmed, source: s}}}}}}"), "c.yaml"))
    assert listed.statuses(case) == {}
    assert not [obj for obj in listed.prepare(case).objects if obj.possible_only]


def test_a_table_that_names_no_yes_or_no_party_fact_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK.replace("listings.us-entity-list.listed",
                                                     "country"))
    result = CliRunner().invoke(main, ["rules", "list", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert "confirmed_by" in result.output and "'country' is not a yes-or-no party fact" \
        in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_party_like_two_entries_is_asked_once_with_both_named(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(PACK.replace(
        '      - {entry: "Huawei Technologies Co., Ltd.", aliases: [Huawei], country: CN, '
        'since: 2019-05-16}',
        '      - {entry: "Huawei Technologies Co., Ltd.", aliases: [Huawei], country: CN, '
        'since: 2019-05-16}\n'
        '      - {entry: "Huawai Technologies Co., Ltd.", country: CN, since: 2020-01-01}'))
    engine = Engine(load_rules([tmp_path]))
    case = case_from_document(load_bytes(_case(
        "{id: near, name: Huawey Technologies Ltd, status: confirmed, source: s}"), "c.yaml"))
    report = engine.report(case, questions=True)
    [question] = report.questions
    assert question.path == "near.listings.us-entity-list.listed"
    assert "It is also like" in question.question and "of 100) in the same lists" \
        in question.question
