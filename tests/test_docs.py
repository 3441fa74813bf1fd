"""The documentation keeps up with the code it describes."""

from __future__ import annotations

import re

from engine.render import fields
from engine.schema import load_schema

from .conftest import ROOT


def test_the_field_reference_in_the_docs_is_current() -> None:
    text = (ROOT / "docs" / "case-format.md").read_text()
    start = text.index("<!-- fields:start -->\n") + len("<!-- fields:start -->\n")
    documented = text[start:text.index("<!-- fields:end -->")]
    assert documented == fields.markdown(), "regenerate it with: rex fields --format md"


def test_every_case_field_is_in_the_reference() -> None:
    reference = fields.markdown()
    defs = load_schema("case")["$defs"]
    for kind in ("party", "asset", "event"):
        for name in defs[kind]["properties"]:
            if name not in {"status", "source", "note"}:
                assert f"`{name}" in reference, f"{kind}.{name}"


def test_every_durable_rules_pitfall_is_pinned_by_tests() -> None:
    text = (ROOT / "docs" / "durable-rules.md").read_text()
    numbers = sorted({int(n) for n in re.findall(r"^\| (\d+) \|", text, re.M)})
    assert numbers == list(range(1, len(numbers) + 1))
    tests = (ROOT / "tests" / "test_durable_pitfalls.py").read_text()
    for number in numbers:
        assert re.search(rf"def test_{number}_learning_", tests) or number == 19, number
        assert re.search(rf"def test_(\d+_)*{number}_(\d+_)*rex_", tests) or re.search(
            rf"def test_{number}_the_", tests), number


def test_the_readme_shows_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text


def test_the_event_type_table_in_the_docs_is_current() -> None:
    from engine.readers import event_readers
    from engine.rules import load_rules

    text = (ROOT / "docs" / "case-format.md").read_text()
    start = text.index("<!-- event-types:start -->\n") + len("<!-- event-types:start -->\n")
    documented = text[start:text.index("<!-- event-types:end -->")]
    expected = fields.event_types_markdown(event_readers(load_rules()))
    assert documented == expected, "regenerate it with: rex fields --event-types --format md"
