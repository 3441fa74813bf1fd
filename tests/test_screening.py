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
