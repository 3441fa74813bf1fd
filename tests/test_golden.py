"""Golden files of compiled rulesets: a change to what the compiler gives durable_rules shows
in review as a diff of tests/data/golden/, not only as a changed outcome somewhere.

To accept an intended change: REX_UPDATE_GOLDEN=1 pytest tests/test_golden.py, then read the
diff before committing it."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from engine.evaluate import Engine
from engine.rules import load_rules

from .conftest import DATA, ROOT

GOLDEN = DATA / "golden"
TODAY = dt.date(2026, 12, 4)
"""The day rules that apply to no event are judged on: fixed, so the files do not age."""
PACKS = {
    "common-and-us-cfaa": [ROOT / "rules" / "common", ROOT / "rules" / "us-cfaa"],
    "common-and-uk-nsa": [ROOT / "rules" / "common", ROOT / "rules" / "uk-nsa"],
}


def compiled(paths: list[Path]) -> str:
    program = Engine(load_rules(paths)).program(None, today=TODAY)
    # Ruleset names carry the program's fingerprint, which any change moves: key by position.
    chunks = {f"ruleset-{index}": {"rules": sorted({rule.rule for rule in chunk.rules}),
                                  "definition": chunk.definition()}
              for index, chunk in enumerate(program.chunks)}
    return json.dumps(chunks, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(PACKS))
def test_the_compiled_rulesets_are_the_reviewed_ones(name: str) -> None:
    path = GOLDEN / f"{name}.json"
    text = compiled(PACKS[name])
    if os.environ.get("REX_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with REX_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), (
        f"the rulesets compiled from {name} differ from {path.relative_to(ROOT)}; if the change "
        "is intended, run REX_UPDATE_GOLDEN=1 pytest tests/test_golden.py and review the diff")


def test_compiling_twice_gives_the_same_text() -> None:
    assert compiled(PACKS["common-and-us-cfaa"]) == compiled(PACKS["common-and-us-cfaa"])
