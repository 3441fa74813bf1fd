"""JSON Schema validation of case and rule files, with errors a compliance officer can act on.

The schemas are package data (``engine/schemas/*.schema.json``). YAML dates are turned into ISO
strings before validation (``jsonable``), so the same schemas validate the JSON report and work
in editors that check YAML against JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import InputError, RexError
from .yamlio import Document, field_name

SCHEMAS = ("case", "rule", "rule-source", "report", "baseline")
_MAX_LISTED = 12


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}")
    text = resources.files("engine.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """The validator of a shipped schema. That each schema is itself valid JSON Schema is
    checked by the test suite (tests/test_schema.py), not at every start: checking the case
    schema against the metaschema takes 0.15 s, longer than validating a case."""
    schema = load_schema(name)
    flat = _inline(schema, schema.get("$defs", {}), ())
    return Draft202012Validator(flat, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _inline(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """The schema with each local ``$ref`` replaced by its definition (the case schema is
    not recursive): jsonschema validates it in half the time, since it resolves no
    references. A recursive definition (the rule schema's conditions) keeps its ``$ref``."""
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return node
        target = _inline(defs[name], defs, (*seen, name))
        merged = dict(target) if isinstance(target, dict) else {}
        merged.update({k: _inline(v, defs, seen) for k, v in node.items() if k != "$ref"})
        return merged
    return {key: (value if key == "$defs" else _inline(value, defs, seen))
            for key, value in node.items()}


def jsonable(value: Any) -> Any:
    """``value`` with dates and times as ISO strings, as JSON Schema expects them."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validate_document(name: str, doc: Document, data: Any | None = None) -> list[RexError]:
    """Every schema error in ``doc`` as an ``InputError`` with file, line, column and field."""
    instance = jsonable(doc.data) if data is None else data
    errors = []
    for error in _leaf_errors(validator(name).iter_errors(instance)):
        path = tuple(error.absolute_path)
        errors.append(
            InputError(_message(error), doc.where(path), field=doc.field(path) or "(top level)")
        )
    return _dedupe(errors)


def validate_json(name: str, instance: Any) -> list[str]:
    """Schema errors for an in-memory JSON value (used for reports), as readable lines."""
    return [
        f"{field_name(tuple(e.absolute_path)) or '(top level)'}: {_message(e)}"
        for e in _leaf_errors(validator(name).iter_errors(instance))
    ]


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """The most specific errors: descend into if/then/else, anyOf and oneOf."""
    for error in errors:
        if error.validator in {"anyOf", "oneOf"} and error.context:
            best = jsonschema.exceptions.best_match(error.context)
            if best is not None and len(best.absolute_path) >= len(error.absolute_path):
                yield from _leaf_errors(iter([best]))
                continue
        yield error


def _dedupe(errors: Sequence[RexError]) -> list[RexError]:
    seen: set[str] = set()
    unique = []
    for error in errors:
        line = error.one_line()
        if line not in seen:
            seen.add(line)
            unique.append(error)
    return unique


def _allowed(values: list[Any]) -> str:
    shown = ", ".join(str(v) for v in values[:_MAX_LISTED])
    if len(values) > _MAX_LISTED:
        shown += f", ... ({len(values)} values in all)"
    return shown


def _message(error: ValidationError) -> str:
    keyword = error.validator
    value: Any = error.instance
    expected: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    shown = _short(value)
    if keyword == "enum":
        return f"{shown} is not an allowed value; allowed: {_allowed(list(expected))}"
    if keyword == "const":
        return f"{shown} must be {expected!r}"
    if keyword == "format" and expected == "date":
        return f"{shown} is not a day that exists (write YYYY-MM-DD)"
    if keyword == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))
        allowed = sorted(schema.get("properties", {}))
        # Name (and look for a near spelling of) the first few only: a file of ninety
        # thousand unknown keys gets one short line, in time that does not grow with them.
        names = ", ".join(repr(e) for e in extra[:_MAX_LISTED])
        if len(extra) > _MAX_LISTED:
            names += f", ... ({len(extra):,} unknown fields in all)"
        close = [m for e in extra[:_MAX_LISTED]
                 for m in difflib.get_close_matches(e, allowed, n=1)]
        if close:
            return f"unknown field {names}; did you mean {', '.join(close)}?"
        return f"unknown field {names}; allowed fields: {_allowed(allowed)}"
    if keyword == "propertyNames":
        inner = expected if isinstance(expected, dict) else {}
        options = inner.get("enum") or _resolve_enum(inner)
        if options:
            return f"{shown} is not an allowed key; allowed: {_allowed(list(options))}"
        return f"{shown} is not an allowed key"
    if keyword == "required":
        missing = [name for name in expected if name not in value]
        return f"missing required field {', '.join(repr(m) for m in missing)}"
    if keyword == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{shown} is {_kind(value)}; expected {_article(wanted)}"
    if keyword == "pattern":
        description = schema.get("description")
        if description:
            return f"{shown} is not valid: {description}"
        return f"{shown} does not have the expected form ({expected})"
    if keyword in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        word = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[keyword]
        return f"{shown} is out of range; it must be {word} {expected:g}"
    if keyword == "minItems":
        return f"needs at least {expected} item(s)"
    if keyword == "maxItems":
        return f"has {len(value)} items; at most {expected} are accepted"
    if keyword == "uniqueItems":
        return "lists the same value more than once"
    if keyword in {"minLength", "maxLength"}:
        word = "at least" if keyword == "minLength" else "at most"
        return f"must be {word} {expected} characters long"
    return " ".join(error.message.split())


def _resolve_enum(inner: dict[str, Any]) -> list[Any] | None:
    ref = inner.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = load_schema("case").get("$defs", {}).get(ref.rsplit("/", 1)[-1], {})
        values = target.get("enum")
        return list(values) if values else None
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else type(value).__name__


def _article(word: str) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "number": "a number",
        "integer": "a whole number",
        "boolean": "true or false",
        "null": "nothing",
    }
    return names.get(word, word)
