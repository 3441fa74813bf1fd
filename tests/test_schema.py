"""The shipped JSON Schemas are themselves valid: rex does not check them at start-up."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.schema import SCHEMAS, load_schema


@pytest.mark.parametrize("name", SCHEMAS)
def test_shipped_schema_is_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


def test_an_invalid_schema_is_caught_by_the_check() -> None:
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({"type": "no-such-type"})
